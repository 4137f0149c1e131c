"""Agent cards (the 2025 way to register an agent): lint and describe (CONTRACT §3.1).

`describe_agent` lints a card or a workflow JSON like an integration JSON (errors and
warnings, each with a JSON path into the author's file and a fix hint) and, when there is
no error, gives an `AgentDescription`. Pure: fetching the card is the caller's job
(`card_url_candidates` says where to look).
"""

from __future__ import annotations

from typing import Any, Literal

from emulator.a2a.description import (
    CARD_PATH,
    CARD_PATH_0_3,
    URL_HINT,
    AgentDescription,
    Capabilities,
    checked_url,
    errors_in,
    split_url,
)
from emulator.a2a.workflows import describe_workflow
from emulator.findings import Finding, json_path, json_type_name, show_value

DocumentKind = Literal["card", "workflow", "integration"]


def card_url_candidates(url: str) -> list[str]:
    """Where to GET the card for a URL a user gave: itself if it names a card or a .json
    file, else `{base}/.well-known/agent.json` then the 0.3 name `agent-card.json`."""
    parts = split_url(url)
    path = parts.path if parts is not None else url
    if "/.well-known/" in path or path.endswith(".json"):
        return [url]
    base = url.rstrip("/")
    return [base + CARD_PATH, base + CARD_PATH_0_3]


def card_base_url(card_url: str) -> str:
    """The agent's base URL from its card's URL: the card path stripped, else the origin."""
    for suffix in (CARD_PATH, CARD_PATH_0_3):
        if card_url.endswith(suffix):
            return card_url.removesuffix(suffix)
    parts = split_url(card_url)
    if parts is None:
        return card_url
    return f"{parts.scheme}://{parts.netloc}"


def detect_document(raw: Any) -> DocumentKind | None:
    """Which linter a decoded document is for; None when it is none of the three."""
    if not isinstance(raw, dict):
        return None
    data = raw.get("data")
    if "integration_type" in raw or (isinstance(data, dict) and "integration_type" in data):
        return "integration"
    if isinstance(raw.get("nodes"), list):
        return "workflow"
    if any(k in raw for k in ("capabilities", "skills", "defaultInputModes", "protocolVersion")):
        return "card"
    if isinstance(data, dict) and any(k in data for k in ("descriptions", "settings")):
        return "integration"
    if "name" in raw and "url" in raw:
        return "card"
    return None


def describe_agent(
    raw: Any, card_url: str | None = None
) -> tuple[AgentDescription | None, list[Finding]]:
    """Lint a card or workflow JSON; the description is None iff there is an error.

    `card_url` is the URL the card was fetched from (None when it was pasted): an empty
    `url` in the card then falls back to that base URL, with a warning.
    """
    if detect_document(raw) == "workflow":
        return describe_workflow(raw)
    return describe_card(raw, card_url)


# -- agent cards -----------------------------------------------------------------------


def describe_card(
    raw: Any, card_url: str | None = None
) -> tuple[AgentDescription | None, list[Finding]]:
    """Lint an agent card (A2A 0.2.x plus Telex extras); see `describe_agent`."""
    if not isinstance(raw, dict):
        what = f"an agent card must be a JSON object, got {json_type_name(raw)}"
        return None, [Finding("error", "$", what, 'Serve {"name": ..., "url": ..., ...}.')]
    findings: list[Finding] = []
    name = _required_text(raw, "name", "$", "the agent's name", findings)
    description = _optional_text(raw, "description", "$", findings)
    rpc_url = _card_rpc_url(raw, card_url, findings)
    capabilities = _capabilities(raw, findings)
    skills = _skills(raw, findings)
    for key in ("version", "defaultInputModes", "defaultOutputModes"):
        if key not in raw:
            findings.append(
                Finding(
                    "warning",
                    json_path("$", key),
                    f"the card has no {key!r}, which A2A requires",
                    f'Add "{key}" (Telex does not read it, but A2A clients do).',
                )
            )
    if errors_in(findings) or name is None or rpc_url is None:
        return None, findings
    agent = AgentDescription(
        name, description, rpc_url, card_url, capabilities, skills, "card", raw, findings
    )
    return agent, findings


def _card_rpc_url(raw: dict[str, Any], card_url: str | None, out: list[Finding]) -> str | None:
    url = raw.get("url")
    if url is None or (isinstance(url, str) and not url.strip()):
        if card_url is None:
            what = "the card's url is empty and it was pasted, so there is no base URL to use"
            out.append(Finding("error", "$.url", what, URL_HINT))
            return None
        base = card_base_url(card_url)
        what = f"the card's url is empty: calling the card's base URL {base} instead"
        out.append(Finding("warning", "$.url", what, URL_HINT))
        return base
    return checked_url(url, "$.url", out, "the card's url")


def _capabilities(raw: dict[str, Any], out: list[Finding]) -> Capabilities:
    caps = raw.get("capabilities")
    if caps is None:
        out.append(
            Finding(
                "warning",
                "$.capabilities",
                "the card has no capabilities: treated as no streaming and no push",
                'Add "capabilities": {"streaming": false, "pushNotifications": false}.',
            )
        )
        return Capabilities()
    if not isinstance(caps, dict):
        what = f"capabilities must be an object, got {json_type_name(caps)}"
        hint = 'Write "capabilities": {"streaming": bool, "pushNotifications": bool}.'
        out.append(Finding("error", "$.capabilities", what, hint))
        return Capabilities()
    flags = []
    for key in ("streaming", "pushNotifications", "stateTransitionHistory"):
        value = caps.get(key, False)
        if value is None:
            value = False
        if not isinstance(value, bool):
            path = json_path("$.capabilities", key)
            what = f"{key} must be true or false, got {show_value(value)}: read as false"
            out.append(Finding("warning", path, what, f'Write "{key}": true or false.'))
            value = False
        flags.append(value)
    return Capabilities(*flags)


def _skills(raw: dict[str, Any], out: list[Finding]) -> list[dict[str, Any]]:
    skills = raw.get("skills")
    if skills is None:
        return []
    if not isinstance(skills, list):
        what = f"skills must be a list, got {json_type_name(skills)}"
        out.append(Finding("error", "$.skills", what, 'Write "skills": [{"id": ..., ...}] or [].'))
        return []
    kept = []
    for index, skill in enumerate(skills):
        path = json_path("$.skills", index)
        if not isinstance(skill, dict):
            what = f"skill #{index} must be an object, got {json_type_name(skill)}"
            out.append(Finding("error", path, what, 'Write {"id": ..., "name": ..., ...}.'))
            continue
        for key in ("id", "name"):
            if not isinstance(skill.get(key), str) or not skill[key].strip():
                what = f"skill #{index} has no {key}"
                hint = f'Give every skill a string "{key}"; Telex lists skills by it.'
                out.append(Finding("warning", json_path(path, key), what, hint))
        kept.append(skill)
    return kept


def _required_text(
    raw: dict[str, Any], key: str, prefix: str, meaning: str, out: list[Finding]
) -> str | None:
    value = raw.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    path = json_path(prefix, key)
    if value is None or isinstance(value, str):
        what = f"the card has no {key}: {meaning} is how users mention it"
    else:
        what = f"{key} must be a string, got {json_type_name(value)}"
    out.append(Finding("error", path, what, f'Add "{key}": a short string, e.g. "PingPong".'))
    return None


def _optional_text(raw: dict[str, Any], key: str, prefix: str, out: list[Finding]) -> str:
    value = raw.get(key)
    if isinstance(value, str):
        return value.strip()
    path = json_path(prefix, key)
    if value is None:
        what = f"the card has no {key}"
    else:
        what = f"{key} must be a string, got {json_type_name(value)}: ignored"
    out.append(Finding("warning", path, what, f'Add "{key}": one sentence on what the agent does.'))
    return ""
