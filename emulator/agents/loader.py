"""The one loader of agent documents: card URL, base URL, pasted card or workflow JSON.

Install, re-fetch (PUT) and `check` (`POST /-/check`, `telex-emulator check`) all come here:
fetch through `outbound.document_fetcher` (as integration JSON is) when given a URL (a base URL tries
`/.well-known/agent.json`, then the A2A 0.3 name `agent-card.json`), read the body as
strict JSON, then lint it with `emulator.a2a`. Bad documents never raise: they come back
as an `AgentCheck` (`a2a.checks`) with error findings.
"""

from __future__ import annotations

from typing import Any

from emulator import a2a
from emulator.a2a.checks import AgentCheck, describe_document
from emulator.config import Config
from emulator.errors import ValidationFailed, problem
from emulator.findings import Finding, json_type_name
from emulator.json_document import parse_json_document
from emulator.outbound import OutboundClient, document_fetcher
from emulator.spec.loader import DocumentUnavailable

AGENT_KEYS = ("card_url", "base_url", "card", "workflow")
MAX_CARD_BYTES = 1024 * 1024
_ONE_OF = (
    'send one of {"card_url": "http://…/.well-known/agent.json"}, {"base_url": "http://…"}, '
    '{"card": {...}} or {"workflow": {...}}'
)


def wants_agent(body: dict[str, Any]) -> bool:
    """Whether a check request names an agent document rather than an integration JSON."""
    return any(key in body for key in AGENT_KEYS)


def check_body(body: bytes, source: str, card_url: str | None = None) -> AgentCheck:
    """Read a fetched or file body as JSON and lint it as a card or workflow."""
    document, findings = parse_json_document(body, source, "an agent card or workflow JSON")
    if document is None:
        return AgentCheck(source, None, None, findings)
    return describe_document(document, source, card_url)


class AgentLoader:
    """Fetches and lints agent documents; see the module docstring."""

    def __init__(self, outbound: OutboundClient, config: Config) -> None:
        self._fetch = document_fetcher(outbound, config.card_fetch_timeout_s, MAX_CARD_BYTES)

    async def load(self, body: dict[str, Any]) -> AgentCheck:
        """Exactly one of `card_url`, `base_url`, `card`, `workflow`; 422 otherwise."""
        given = [key for key in AGENT_KEYS if body.get(key) is not None]
        if len(given) != 1:
            what = "none of them is given" if not given else f"{', '.join(given)} are all given"
            raise ValidationFailed(
                "say where the agent is: one of card_url, base_url, card, workflow",
                [problem(given[1] if len(given) > 1 else "card_url", what, _ONE_OF)],
            )
        key = given[0]
        value = body[key]
        if key in ("card", "workflow"):
            if not isinstance(value, dict):
                raise ValidationFailed(
                    f"{key} must be a JSON object",
                    [problem(key, f"{key} is {json_type_name(value)}", f"paste the {key} itself")],
                )
            described = a2a.describe_card(value) if key == "card" else a2a.describe_workflow(value)
            return AgentCheck(f"pasted {key}", value, *described)
        if not isinstance(value, str) or not value.strip():
            raise ValidationFailed(
                f"{key} must be a URL",
                [problem(key, f"{key} is {json_type_name(value)} or empty", _ONE_OF)],
            )
        return await self.fetch(value.strip())

    async def fetch(self, url: str) -> AgentCheck:
        """GET the card (with the agent-card.json fallback) and lint it."""
        candidates = a2a.card_url_candidates(url)
        failures: list[str] = []
        for candidate in candidates:
            try:
                raw = await self._fetch(candidate)
            except DocumentUnavailable as exc:
                failures.append(str(exc))
                continue
            return check_body(raw, candidate, card_url=candidate)
        hint = (
            "make sure the agent is running and serves its card at /.well-known/agent.json "
            "(or agent-card.json); or paste the card or workflow JSON instead"
        )
        message = "; then ".join(failures)
        return AgentCheck(url, None, None, [Finding("error", "$", message, hint)])
