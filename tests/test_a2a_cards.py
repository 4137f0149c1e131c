"""Agent cards and workflow JSON: what loads, what is an error or a warning, and where."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.a2a import (
    card_base_url,
    card_url_candidates,
    describe_agent,
    describe_card,
    describe_workflow,
    detect_document,
)
from emulator.findings import Finding

CARD_URL = "http://127.0.0.1:8200/.well-known/agent.json"


def card(**changes: Any) -> dict[str, Any]:
    """A clean card, as Telex's ping-pong agent serves it, with `changes` applied."""
    base: dict[str, Any] = {
        "name": "PingPong",
        "description": "Answers ping with pong",
        "url": "http://127.0.0.1:8200/",
        "version": "1.0.0",
        "provider": {"organization": "Telex", "url": "https://telex.im"},
        "capabilities": {
            "streaming": False,
            "pushNotifications": False,
            "stateTransitionHistory": False,
        },
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "ping", "name": "Ping", "description": "pong", "tags": ["demo"]}],
        "is_paid": False,
    }
    for key, value in changes.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def workflow(**changes: Any) -> dict[str, Any]:
    """A clean workflow JSON as pasted into a Telex coworker's config."""
    base: dict[str, Any] = {
        "active": True,
        "category": "utilities",
        "id": "wf-1",
        "name": "Weather Agent",
        "short_description": "Weather for any city",
        "long_description": "Ask it about the weather.",
        "nodes": [
            {
                "id": "n1",
                "name": "weather agent",
                "type": "a2a/mastra-a2a-node",
                "typeVersion": 1,
                "url": "https://weather.example.com/a2a/agent/weatherAgent",
                "parameters": {},
                "position": [500, 100],
            }
        ],
        "pinData": {},
        "settings": {"executionOrder": "v1"},
    }
    for key, value in changes.items():
        if value is ...:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def node(**changes: Any) -> dict[str, Any]:
    return workflow()["nodes"][0] | changes


def located(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.severity, f.path) for f in findings}


def test_a_clean_card_loads_without_findings() -> None:
    agent, findings = describe_card(card(), CARD_URL)
    assert findings == []
    assert agent is not None
    assert (agent.name, agent.rpc_url, agent.card_url) == (
        "PingPong",
        "http://127.0.0.1:8200/",
        CARD_URL,
    )
    assert agent.source == "card"
    assert agent.method == "message/send"
    assert not agent.sends_history
    assert agent.skills[0]["tags"] == ["demo"]
    assert agent.document["is_paid"] is False  # unknown keys are kept
    shown = agent.as_dict()
    assert shown["capabilities"] == {
        "streaming": False,
        "pushNotifications": False,
        "stateTransitionHistory": False,
    }
    assert (shown["source"], shown["method"], shown["warnings"]) == ("card", "message/send", [])


@pytest.mark.parametrize(
    ("capabilities", "method"),
    [
        ({"streaming": True}, "message/stream"),
        ({"streaming": True, "pushNotifications": True}, "message/send"),
        ({"pushNotifications": True}, "message/send"),
        ({}, "message/send"),
    ],
)
def test_method_follows_the_capabilities(capabilities: dict[str, bool], method: str) -> None:
    agent, _ = describe_card(card(capabilities=capabilities), CARD_URL)
    assert agent is not None
    assert agent.method == method


@pytest.mark.parametrize(
    ("changes", "card_url", "expected"),
    [
        ({"name": ...}, CARD_URL, {("error", "$.name")}),
        ({"name": "  "}, CARD_URL, {("error", "$.name")}),
        ({"name": 7}, CARD_URL, {("error", "$.name")}),
        ({"url": "ftp://host/rpc"}, CARD_URL, {("error", "$.url")}),
        ({"url": "not a url"}, CARD_URL, {("error", "$.url")}),
        ({"url": 42}, CARD_URL, {("error", "$.url")}),
        ({"url": ""}, None, {("error", "$.url")}),  # pasted: no base URL to fall back on
        ({"url": ""}, CARD_URL, {("warning", "$.url")}),
        ({"url": ...}, CARD_URL, {("warning", "$.url")}),
        ({"url": "http://h/.well-known/agent.json"}, CARD_URL, {("warning", "$.url")}),
        ({"capabilities": "all"}, CARD_URL, {("error", "$.capabilities")}),
        ({"capabilities": ...}, CARD_URL, {("warning", "$.capabilities")}),
        (
            {"capabilities": {"streaming": "yes"}},
            CARD_URL,
            {("warning", "$.capabilities.streaming")},
        ),
        ({"skills": {"id": "x"}}, CARD_URL, {("error", "$.skills")}),
        ({"skills": ["x"]}, CARD_URL, {("error", "$.skills[0]")}),
        ({"skills": [{"id": "x"}]}, CARD_URL, {("warning", "$.skills[0].name")}),
        ({"description": ...}, CARD_URL, {("warning", "$.description")}),
        ({"description": 3}, CARD_URL, {("warning", "$.description")}),
        ({"version": ...}, CARD_URL, {("warning", "$.version")}),
        ({"defaultInputModes": ...}, CARD_URL, {("warning", "$.defaultInputModes")}),
    ],
)
def test_card_findings_point_at_the_problem(
    changes: dict[str, Any], card_url: str | None, expected: set[tuple[str, str]]
) -> None:
    agent, findings = describe_card(card(**changes), card_url)
    assert located(findings) == expected
    assert all(f.hint for f in findings)
    assert (agent is None) == any(severity == "error" for severity, _ in expected)


def test_an_empty_url_falls_back_to_the_cards_base_url() -> None:
    agent, findings = describe_card(
        card(url=""), "http://10.0.0.5:9000/.well-known/agent-card.json"
    )
    assert agent is not None
    assert agent.rpc_url == "http://10.0.0.5:9000"
    assert "http://10.0.0.5:9000" in findings[0].message


def test_a_card_that_is_not_an_object_is_an_error() -> None:
    agent, findings = describe_card(["name"], CARD_URL)
    assert agent is None
    assert located(findings) == {("error", "$")}


def test_a_clean_workflow_loads() -> None:
    agent, findings = describe_workflow(workflow())
    assert findings == []
    assert agent is not None
    assert agent.name == "Weather Agent"
    assert agent.rpc_url == "https://weather.example.com/a2a/agent/weatherAgent"
    assert agent.description == "Weather for any city"
    assert (agent.source, agent.card_url, agent.method) == ("workflow", None, "message/send")
    assert agent.sends_history


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"nodes": ...}, {("error", "$.nodes")}),
        ({"nodes": {}}, {("error", "$.nodes")}),
        ({"nodes": []}, {("error", "$.nodes")}),
        ({"nodes": [node(type="n8n-nodes-base.webhook")]}, {("error", "$.nodes")}),
        ({"nodes": [node(url="")]}, {("error", "$.nodes[0].url")}),
        ({"nodes": [node(url="javascript:alert(1)")]}, {("error", "$.nodes[0].url")}),
        ({"nodes": [node(url=5)]}, {("error", "$.nodes[0].url")}),
        ({"nodes": [node(position="top")]}, {("error", "$.nodes[0].position")}),
        ({"nodes": [node(typeVersion=True)]}, {("error", "$.nodes[0].typeVersion")}),
        ({"nodes": ["a2a"]}, {("error", "$.nodes[0]"), ("error", "$.nodes")}),
        ({"active": "yes"}, {("error", "$.active")}),
        ({"name": ["x"]}, {("error", "$.name")}),
        ({"name": ...}, {("warning", "$.name")}),  # the a2a node's name is used
        ({"name": ..., "nodes": [node(name=None)]}, {("error", "$.name")}),
        ({"nodes": [node(), node(id="n2")]}, {("warning", "$.nodes")}),
        (
            {"nodes": [{"type": "n8n-nodes-base.set", "id": "s"}, node()]},
            set(),
        ),
    ],
)
def test_workflow_findings_point_at_the_problem(
    changes: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    agent, findings = describe_workflow(workflow(**changes))
    assert located(findings) == expected
    assert all(f.hint for f in findings)
    assert (agent is None) == any(severity == "error" for severity, _ in expected)


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        (card(), "card"),
        ({"name": "X", "url": "http://h"}, "card"),
        (workflow(), "workflow"),
        ({"data": {"integration_type": "modifier"}}, "integration"),
        ({"integration_type": "output", "name": "x", "url": "y"}, "integration"),
        ({"data": {"descriptions": {}, "settings": []}}, "integration"),
        ({"hello": "world"}, None),
        ([1, 2], None),
        ("text", None),
    ],
)
def test_detect_document(document: Any, kind: str | None) -> None:
    assert detect_document(document) == kind


def test_describe_agent_dispatches_on_the_document() -> None:
    assert describe_agent(workflow())[0].source == "workflow"  # type: ignore[union-attr]
    assert describe_agent(card(), CARD_URL)[0].source == "card"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "candidates"),
    [
        (
            "http://h:1",
            ["http://h:1/.well-known/agent.json", "http://h:1/.well-known/agent-card.json"],
        ),
        (
            "https://h/agents/x/",
            [
                "https://h/agents/x/.well-known/agent.json",
                "https://h/agents/x/.well-known/agent-card.json",
            ],
        ),
        ("http://h/.well-known/agent-card.json", ["http://h/.well-known/agent-card.json"]),
        ("http://h/cards/mine.json", ["http://h/cards/mine.json"]),
    ],
)
def test_card_url_candidates(given: str, candidates: list[str]) -> None:
    assert card_url_candidates(given) == candidates


@pytest.mark.parametrize(
    ("card_url", "base"),
    [
        ("http://h:1/.well-known/agent.json", "http://h:1"),
        ("http://h/sub/.well-known/agent-card.json", "http://h/sub"),
        ("https://h/cards/mine.json", "https://h"),
    ],
)
def test_card_base_url(card_url: str, base: str) -> None:
    assert card_base_url(card_url) == base
