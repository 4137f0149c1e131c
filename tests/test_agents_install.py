"""Installing agents by card URL, base URL, pasted card or workflow JSON; the registry's
REST surface; linting with JSON paths (CONTRACT §3.1, Part 4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from emulator.cli import main
from emulator.config import Rewrite
from tests import stub_agents
from tests.conftest import Emulator, replace
from tests.stub_agents import StubAgent

MISSING = "00000000-0000-0000-0000-000000000000"


async def agent_stub(aiohttp_server: Any, **kwargs: Any) -> StubAgent:
    return await stub_agents.start(aiohttp_server, StubAgent(**kwargs))


def agents_path(org_id: str) -> str:
    return f"/api/v1/organisations/{org_id}/agents"


async def test_install_by_card_url_creates_the_agent_and_its_direct_channel(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await agent_stub(aiohttp_server)
    org = await emulator.org()
    body = {"card_url": f"{stub.url}/.well-known/agent.json"}
    answer = await emulator.call("POST", agents_path(org["id"]), body, 201)
    agent = answer["data"]

    assert agent["name"] == "PingPong"
    assert agent["source"] == "card"
    assert agent["card_url"] == f"{stub.url}/.well-known/agent.json"
    assert agent["rpc_url"] == agent["effective_rpc_url"] == stub.url + "/"
    assert agent["capabilities"] == {
        "streaming": False,
        "pushNotifications": False,
        "stateTransitionHistory": False,
    }
    assert agent["skills"][0]["id"] == "ping"
    channel = (await emulator.call("GET", f"/api/v1/channels/{agent['direct_channel_id']}"))["data"]
    assert channel["name"] == "PingPong"
    assert channel["organisation_id"] == org["id"]
    listed = (await emulator.call("GET", agents_path(org["id"]), status=200))["data"]
    assert [a["id"] for a in listed] == [agent["id"]]
    direct = await emulator.call("GET", f"/api/v1/channels/{channel['id']}/agents", status=200)
    assert [(a["id"], a["membership"]) for a in direct["data"]] == [(agent["id"], "direct")]


async def test_install_by_base_url_falls_back_to_agent_card_json(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await agent_stub(aiohttp_server, card_path="/.well-known/agent-card.json")
    org = await emulator.org()
    answer = await emulator.call("POST", agents_path(org["id"]), {"base_url": stub.url}, 201)
    assert answer["data"]["card_url"] == f"{stub.url}/.well-known/agent-card.json"


async def test_empty_card_url_uses_the_base_url_with_a_warning(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await agent_stub(aiohttp_server, empty_card_url=True)
    org = await emulator.org()
    agent = (await emulator.call("POST", agents_path(org["id"]), {"base_url": stub.url}, 201))[
        "data"
    ]
    assert agent["rpc_url"] == stub.url
    assert [w["path"] for w in agent["warnings"]] == ["$.url"]


async def test_install_pasted_card_and_workflow(emulator: Emulator, aiohttp_server: Any) -> None:
    stub = await agent_stub(aiohttp_server)
    org = await emulator.org()
    card = (await emulator.call("POST", agents_path(org["id"]), {"card": stub.card()}, 201))["data"]
    assert card["source"] == "card"
    assert card["card_url"] is None
    flow = stub_agents.workflow(stub, name="Flow Agent")
    agent = (await emulator.call("POST", agents_path(org["id"]), {"workflow": flow}, 201))["data"]
    assert agent["source"] == "workflow"
    assert agent["name"] == "Flow Agent"
    assert agent["rpc_url"] == stub.url + "/"


async def test_lint_errors_are_422_with_json_paths(emulator: Emulator) -> None:
    org = await emulator.org()
    bad_card = {"name": "X", "url": "ftp://nope", "capabilities": {}}
    answer = await emulator.call("POST", agents_path(org["id"]), {"card": bad_card}, 422)
    assert answer["data"]["errors"][0]["path"] == "$.url"
    assert answer["data"]["errors"][0]["hint"]
    flow = {"name": "F", "nodes": [{"type": "n8n/other", "url": "http://x"}]}
    answer = await emulator.call("POST", agents_path(org["id"]), {"workflow": flow}, 422)
    assert answer["data"]["errors"][0]["path"] == "$.nodes"
    for body in ({}, {"card": [1]}, {"card_url": 3}, {"card": {}, "workflow": {}}):
        answer = await emulator.call("POST", agents_path(org["id"]), body, 422)
        assert answer["data"]["errors"], body


async def test_unreachable_card_is_422_naming_both_urls(emulator: Emulator) -> None:
    org = await emulator.org()
    answer = await emulator.call(
        "POST", agents_path(org["id"]), {"base_url": "http://127.0.0.1:9"}, 422
    )
    message = answer["data"]["errors"][0]["message"]
    assert "agent.json" in message
    assert "agent-card.json" in message


async def test_update_refetches_overrides_and_clears(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await agent_stub(aiohttp_server)
    org = await emulator.org()
    agent = (await emulator.call("POST", agents_path(org["id"]), {"base_url": stub.url}, 201))[
        "data"
    ]
    one = f"{agents_path(org['id'])}/{agent['id']}"
    changed = (await emulator.call("PUT", one, {"rpc_url": "http://127.0.0.1:1/rpc"}, 200))["data"]
    assert changed["rpc_url_override"] == changed["effective_rpc_url"] == "http://127.0.0.1:1/rpc"
    stub.name = "PingPong2"
    refetched = (await emulator.call("PUT", one, {}, 200))["data"]
    assert refetched["name"] == "PingPong2"
    assert refetched["rpc_url_override"] == "http://127.0.0.1:1/rpc"  # kept
    cleared = (await emulator.call("PUT", one, {"rpc_url": None}, 200))["data"]
    assert cleared["effective_rpc_url"] == stub.url + "/"
    await emulator.call("PUT", one, {"rpc_url": "nope"}, 422)
    await emulator.call("PUT", one, {"colour": "red"}, 422)
    await emulator.call("DELETE", one, status=200)
    await emulator.call("GET", one, status=404)
    await emulator.call("GET", f"/api/v1/channels/{agent['direct_channel_id']}", status=404)


async def test_pasted_agent_cannot_be_refetched(emulator: Emulator, aiohttp_server: Any) -> None:
    stub = await agent_stub(aiohttp_server)
    org = await emulator.org()
    agent = (await emulator.call("POST", agents_path(org["id"]), {"card": stub.card()}, 201))[
        "data"
    ]
    answer = await emulator.call("PUT", f"{agents_path(org['id'])}/{agent['id']}", {}, 422)
    assert "nothing to re-fetch" in answer["message"]


async def test_rewrite_applies_to_rpc_url(
    config: Any, make_emulator: Any, aiohttp_server: Any
) -> None:
    stub = await agent_stub(aiohttp_server)
    card = stub.card() | {"url": "https://agent.onrender.com/a2a"}
    emulator = await make_emulator(
        replace(config, rewrites=(Rewrite("https://agent.onrender.com", stub.url),))
    )
    org = await emulator.org()
    agent = (await emulator.call("POST", agents_path(org["id"]), {"card": card}, 201))["data"]
    assert agent["rpc_url"] == "https://agent.onrender.com/a2a"
    assert agent["effective_rpc_url"] == stub.url + "/a2a"


async def test_add_and_remove_from_a_channel(emulator: Emulator, aiohttp_server: Any) -> None:
    stub = await agent_stub(aiohttp_server)
    org = await emulator.org()
    other = await emulator.org("Other")
    channel = await emulator.channel(org["id"])
    foreign = await emulator.channel(other["id"])
    agent = (await emulator.call("POST", agents_path(org["id"]), {"card": stub.card()}, 201))[
        "data"
    ]
    path = f"/api/v1/channels/{channel['id']}/agents"
    added = await emulator.call("PUT", f"{path}/{agent['id']}", {"is_active": True}, 200)
    assert added["data"]["is_active"] is True
    listed = (await emulator.call("GET", path, status=200))["data"]
    assert [(a["id"], a["membership"]) for a in listed] == [(agent["id"], "added")]
    await emulator.call("PUT", f"{path}/{agent['id']}", {"is_active": False}, 200)
    assert (await emulator.call("GET", path, status=200))["data"] == []
    await emulator.call("PUT", f"{path}/{agent['id']}", {"is_active": "yes"}, 422)
    await emulator.call("PUT", f"{path}/{MISSING}", {"is_active": True}, 404)
    foreign_path = f"/api/v1/channels/{foreign['id']}/agents/{agent['id']}"
    await emulator.call("PUT", foreign_path, {"is_active": True}, 422)


async def test_check_lints_agents_without_installing(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await agent_stub(aiohttp_server)
    checked = await emulator.call("POST", "/-/check", {"base_url": stub.url}, 200)
    assert checked["ok"] is True
    assert checked["document_kind"] == "card"
    assert checked["agent"]["name"] == "PingPong"
    bad = await emulator.call("POST", "/-/check", {"workflow": {"nodes": []}}, 200)
    assert bad["ok"] is False
    assert bad["errors"][0]["path"] == "$.nodes"
    org = await emulator.org()
    assert (await emulator.call("GET", agents_path(org["id"]), status=200))["data"] == []


def test_cli_check_recognises_cards_and_workflows(tmp_path: Path) -> None:
    card = tmp_path / "agent.json"
    card.write_text(json.dumps(StubAgent(url="http://127.0.0.1:8000").card()))
    result = CliRunner().invoke(main, ["check", str(card)])
    assert result.exit_code == 0, result.output
    assert "PingPong (agent card)" in result.output
    flow = tmp_path / "workflow.json"
    flow.write_text(json.dumps({"name": "F", "nodes": [{"type": "a2a/generic-a2a-node"}]}))
    result = CliRunner().invoke(main, ["check", str(flow), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"][0]["path"] == "$.nodes[0].url"


async def test_an_integration_json_is_not_an_agent(emulator: Emulator, start_stub: Any) -> None:
    integration = await start_stub(kind="output")
    body = {"card_url": f"{integration.url}/integration.json"}
    checked = await emulator.call("POST", "/-/check", body, 200)
    assert checked["document_kind"] == "integration"
    assert "integrations/custom" in checked["errors"][0]["hint"]
