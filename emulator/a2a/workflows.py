"""Telex workflow JSON (the late-2025 way to register an agent): lint and describe (§3.1).

The RPC endpoint is the url of the workflow's a2a node (a node whose `type` starts with
`a2a/`); a card is optional. Wrong types of the keys Telex's workflow JSON has are errors.
"""

from __future__ import annotations

from typing import Any

from emulator.a2a.description import (
    URL_HINT,
    AgentDescription,
    Capabilities,
    checked_url,
    errors_in,
)
from emulator.findings import Finding, json_path, json_type_name, show_value

A2A_NODE_PREFIX = "a2a/"

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
        findings.append(Finding("error", json_path(node_path, "url"), what, URL_HINT))
    elif isinstance(url, str):
        rpc_url = checked_url(url, json_path(node_path, "url"), findings, "the a2a node's url")
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
