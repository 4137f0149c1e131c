"""The one loader of agent documents: card URL, base URL, pasted card or workflow JSON.

Install, re-fetch (PUT) and `check` (`POST /-/check`, `telex-emulator check`) all come here:
fetch through the OutboundClient when given a URL (a base URL tries
`/.well-known/agent.json`, then the A2A 0.3 name `agent-card.json`), read the body as
strict JSON, then lint it with `emulator.a2a`. Bad documents never raise: they come back
as an `AgentCheck` with error findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator import a2a
from emulator.a2a.cards import DocumentKind
from emulator.config import Config
from emulator.errors import ValidationFailed, problem
from emulator.findings import Finding, json_type_name
from emulator.json_document import parse_json_document
from emulator.outbound import FetchError, OutboundClient

AGENT_KEYS = ("card_url", "base_url", "card", "workflow")
MAX_CARD_BYTES = 1024 * 1024
_ONE_OF = (
    'send one of {"card_url": "http://…/.well-known/agent.json"}, {"base_url": "http://…"}, '
    '{"card": {...}} or {"workflow": {...}}'
)


@dataclass
class AgentCheck:
    """The result of loading and linting one agent document."""

    source: str
    document: Any
    description: a2a.AgentDescription | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return self.description is not None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def as_dict(self) -> dict[str, Any]:
        """What `/-/check` and `telex-emulator check` report (the integration shape, plus
        `document_kind` and the agent as Telex reads it)."""
        agent = self.description
        kind: DocumentKind | None = a2a.detect_document(self.document)
        return {
            "source": self.source,
            "ok": self.ok,
            "document_kind": agent.source if agent else kind,
            "integration_type": None,
            "app_name": agent.name if agent else None,
            "agent": None
            if agent is None
            else {
                "name": agent.name,
                "description": agent.description,
                "rpc_url": agent.rpc_url,
                "card_url": agent.card_url,
                "source": agent.source,
                "method": agent.method,
                "capabilities": agent.capabilities.as_dict(),
                "skills": agent.skills,
            },
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
        }

    def raise_if_rejected(self) -> a2a.AgentDescription:
        """The description, or a 422 listing every error (and the warnings)."""
        if self.description is not None:
            return self.description
        errors = self.errors
        first = errors[0].message if errors else "unknown"
        raise ValidationFailed(
            f"the agent from {self.source} cannot be used: {len(errors)} error(s); first: {first}",
            [f.as_dict() for f in errors],
            warnings=[f.as_dict() for f in self.warnings],
        )


def wants_agent(body: dict[str, Any]) -> bool:
    """Whether a check request names an agent document rather than an integration JSON."""
    return any(key in body for key in AGENT_KEYS)


def describe_document(document: Any, source: str, card_url: str | None) -> AgentCheck:
    """Lint a decoded card or workflow (detected by its shape)."""
    if a2a.detect_document(document) == "integration":
        what = "this is an integration JSON, not an agent card or workflow"
        hint = "install it with POST /api/v1/organisations/{org_id}/integrations/custom"
        return AgentCheck(source, document, None, [Finding("error", "$", what, hint)])
    description, findings = a2a.describe_agent(document, card_url)
    return AgentCheck(source, document, description, findings)


def check_body(body: bytes, source: str, card_url: str | None = None) -> AgentCheck:
    """Read a fetched or file body as JSON and lint it as a card or workflow."""
    document, findings = parse_json_document(body, source, "an agent card or workflow JSON")
    if document is None:
        return AgentCheck(source, None, None, findings)
    return describe_document(document, source, card_url)


class AgentLoader:
    """Fetches and lints agent documents; see the module docstring."""

    def __init__(self, outbound: OutboundClient, config: Config) -> None:
        self._outbound = outbound
        self._config = config

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
                raw = await self._outbound.get_document(
                    candidate, self._config.card_fetch_timeout_s, MAX_CARD_BYTES
                )
            except FetchError as exc:
                failures.append(str(exc))
                continue
            return check_body(raw, candidate, card_url=candidate)
        hint = (
            "make sure the agent is running and serves its card at /.well-known/agent.json "
            "(or agent-card.json); or paste the card or workflow JSON instead"
        )
        message = "; then ".join(failures)
        return AgentCheck(url, None, None, [Finding("error", "$", message, hint)])
