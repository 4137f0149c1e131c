"""What an agent is, read from its agent card or its workflow JSON (CONTRACT §3.1).

`describe_agent` lints either document like an integration JSON (errors and warnings, each
with a JSON path into the author's file and a fix hint) and, when there is no error, gives
an `AgentDescription`: what the service layer stores and calls. Pure: fetching the card
is the caller's job (`card_url_candidates` says where to look).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from emulator.findings import Finding, json_path, json_type_name, show_value

AgentSource = Literal["card", "workflow"]
DocumentKind = Literal["card", "workflow", "integration"]

CARD_PATH = "/.well-known/agent.json"
CARD_PATH_0_3 = "/.well-known/agent-card.json"  # the A2A 0.3 name, accepted as a fallback
A2A_NODE_PREFIX = "a2a/"

_URL_HINT = 'Set "url" to the http(s) URL your agent answers JSON-RPC POSTs at.'


@dataclass(frozen=True)
class Capabilities:
    """The card's `capabilities`; a workflow declares none (all false)."""

    streaming: bool = False
    push_notifications: bool = False
    state_transition_history: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {
            "streaming": self.streaming,
            "pushNotifications": self.push_notifications,
            "stateTransitionHistory": self.state_transition_history,
        }


@dataclass(frozen=True)
class AgentDescription:
    """An agent that loads: what Telex reads from its card or workflow JSON."""

    name: str
    description: str
    rpc_url: str  # the declared RPC endpoint (the card's base URL when its `url` is empty)
    card_url: str | None  # where the card was fetched from; None when pasted or a workflow
    capabilities: Capabilities
    skills: list[dict[str, Any]]  # as declared, unknown keys kept
    source: AgentSource
    document: dict[str, Any]  # the raw card or workflow, verbatim
    warnings: list[Finding] = field(default_factory=list)

    @property
    def method(self) -> str:
        """`message/stream` when the card streams and does not push, else `message/send`."""
        caps = self.capabilities
        return (
            "message/stream" if caps.streaming and not caps.push_notifications else "message/send"
        )

    @property
    def sends_history(self) -> bool:
        """Workflow-installed agents get the channel history as a data part; card ones not."""
        return self.source == "workflow"


def card_url_candidates(url: str) -> list[str]:
    """Where to GET the card for a URL a user gave: itself if it names a card or a .json
    file, else `{base}/.well-known/agent.json` then the 0.3 name `agent-card.json`."""
    path = urlsplit(url).path
    if "/.well-known/" in path or path.endswith(".json"):
        return [url]
    base = url.rstrip("/")
    return [base + CARD_PATH, base + CARD_PATH_0_3]


def card_base_url(card_url: str) -> str:
    """The agent's base URL from its card's URL: the card path stripped, else the origin."""
    for suffix in (CARD_PATH, CARD_PATH_0_3):
        if card_url.endswith(suffix):
            return card_url.removesuffix(suffix)
    parts = urlsplit(card_url)
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


def errors_in(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


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
            out.append(Finding("error", "$.url", what, _URL_HINT))
            return None
        base = card_base_url(card_url)
        what = f"the card's url is empty: calling the card's base URL {base} instead"
        out.append(Finding("warning", "$.url", what, _URL_HINT))
        return base
    return _checked_url(url, "$.url", out, "the card's url")


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


# -- workflow JSON -----------------------------------------------------------------------

_WORKFLOW_TYPES: dict[str, tuple[type, ...]] = {
    "active": (bool,),
    "category": (str,),
    "id": (str,),
    "name": (str,),
    "short_description": (str,),
    "long_description": (str,),
    "pinData": (dict,),
    "settings": (dict,),
}
_NODE_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "name": (str,),
    "type": (str,),
    "typeVersion": (int, float),
    "url": (str,),
    "parameters": (dict,),
    "position": (list,),
}
_NO_NODE_HINT = (
    'Add a node {"type": "a2a/generic-a2a-node", "url": "https://…"} (or '
    "a2a/mastra-a2a-node, a2a/python-a2a-node) pointing at your agent."
)


def describe_workflow(raw: Any) -> tuple[AgentDescription | None, list[Finding]]:
    """Lint a Telex workflow JSON: the RPC endpoint is its a2a node's `url`."""
    if not isinstance(raw, dict):
        what = f"a workflow JSON must be an object, got {json_type_name(raw)}"
        return None, [Finding("error", "$", what, 'Paste {"name": ..., "nodes": [...]}.')]
    findings = _wrong_types(raw, "$", _WORKFLOW_TYPES)
    nodes = raw.get("nodes")
    if not isinstance(nodes, list):
        what = (
            "the workflow has no nodes"
            if nodes is None
            else f"nodes must be a list, got {json_type_name(nodes)}"
        )
        findings.append(Finding("error", "$.nodes", what, _NO_NODE_HINT))
        return None, findings
    a2a_nodes = []
    for index, node in enumerate(nodes):
        path = json_path("$.nodes", index)
        if not isinstance(node, dict):
            what = f"node #{index} must be an object, got {json_type_name(node)}"
            findings.append(Finding("error", path, what, 'Write {"type": ..., "url": ...}.'))
            continue
        findings += _wrong_types(node, path, _NODE_TYPES)
        kind = node.get("type")
        if isinstance(kind, str) and kind.startswith(A2A_NODE_PREFIX):
            a2a_nodes.append((index, node))
    if not a2a_nodes:
        what = 'the workflow has no a2a node (a node whose "type" starts with "a2a/")'
        findings.append(Finding("error", "$.nodes", what, _NO_NODE_HINT))
        return None, findings
    index, node = a2a_nodes[0]
    if len(a2a_nodes) > 1:
        what = f"the workflow has {len(a2a_nodes)} a2a nodes: Telex calls the first, #{index}"
        hint = "Keep one a2a node per agent."
        findings.append(Finding("warning", "$.nodes", what, hint))
    node_path = json_path("$.nodes", index)
    url = node.get("url")
    rpc_url = None
    if url is None or (isinstance(url, str) and not url.strip()):
        what = f"a2a node #{index} has no url: Telex would not know where to send messages"
        findings.append(Finding("error", json_path(node_path, "url"), what, _URL_HINT))
    elif isinstance(url, str):
        rpc_url = _checked_url(url, json_path(node_path, "url"), findings, "the a2a node's url")
    name = _workflow_name(raw, node, node_path, findings)
    if errors_in(findings) or rpc_url is None or name is None:
        return None, findings
    description = next(
        (
            raw[key].strip()
            for key in ("short_description", "long_description")
            if isinstance(raw.get(key), str) and raw[key].strip()
        ),
        "",
    )
    agent = AgentDescription(
        name, description, rpc_url, None, Capabilities(), [], "workflow", raw, findings
    )
    return agent, findings


def _workflow_name(
    raw: dict[str, Any], node: dict[str, Any], node_path: str, out: list[Finding]
) -> str | None:
    name = raw.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    if name is not None and not isinstance(name, str):
        return None  # the wrong type is already an error (_wrong_types)
    node_name = node.get("name")
    if isinstance(node_name, str) and node_name.strip():
        what = f"the workflow has no name: using its a2a node's name {show_value(node_name)}"
        out.append(Finding("warning", "$.name", what, 'Add "name": the agent\'s name in Telex.'))
        return node_name.strip()
    what = "the workflow has no name, nor has its a2a node: users could not mention it"
    out.append(Finding("error", "$.name", what, 'Add "name": the agent\'s name in Telex.'))
    return None


def _wrong_types(
    obj: dict[str, Any], prefix: str, expected: dict[str, tuple[type, ...]]
) -> list[Finding]:
    found = []
    for key, types in expected.items():
        value = obj.get(key)
        if key not in obj or value is None:
            continue
        if isinstance(value, bool) and bool not in types:
            ok = False  # JSON true is not a number here
        else:
            ok = isinstance(value, types)
        if not ok:
            wanted = " or ".join(dict.fromkeys(json_type_name(t()) for t in types))
            what = f"{key} must be {wanted}, got {json_type_name(value)}"
            hint = f'Write "{key}" as {wanted}, as Telex\'s workflow JSON does.'
            found.append(Finding("error", json_path(prefix, key), what, hint))
    return found


# -- shared --------------------------------------------------------------------------------


def _checked_url(url: Any, path: str, out: list[Finding], what: str) -> str | None:
    if not isinstance(url, str):
        out.append(
            Finding("error", path, f"{what} must be a string, got {json_type_name(url)}", _URL_HINT)
        )
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        message = f"{what} {show_value(url)} is not an http(s) URL"
        out.append(Finding("error", path, message, _URL_HINT))
        return None
    if parts.path.endswith((CARD_PATH, CARD_PATH_0_3)):
        message = f"{what} points at the agent card, not at the JSON-RPC endpoint"
        out.append(Finding("warning", path, message, _URL_HINT))
    return url.strip()


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
