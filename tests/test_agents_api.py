"""Every agent route answers what the OpenAPI document says, for good and bad input alike:
clear 4xx envelopes with a message, never a 500 (CONTRACT Part 4)."""

from __future__ import annotations

from typing import Any

from tests import stub_agents
from tests.conftest import Emulator
from tests.stub_agents import StubAgent
from tests.test_openapi import Checked

MISSING = "00000000-0000-0000-0000-000000000000"


async def test_agent_routes_match_the_document(emulator: Emulator, aiohttp_server: Any) -> None:
    call = Checked(emulator)
    stub = await stub_agents.start(aiohttp_server, StubAgent())
    org = (await call("POST", "/api/v1/organisations", {"name": "Acme"}, 201))["data"]
    channel = (
        await call("POST", "/api/v1/channels", {"name": "general", "organisation_id": org["id"]})
    )["data"]
    agents = f"/api/v1/organisations/{org['id']}/agents"

    agent = (await call("POST", agents, {"base_url": stub.url}, 201))["data"]
    await call("POST", agents, {"card": stub.card()}, 201)
    await call("POST", agents, {"workflow": stub_agents.workflow(stub)}, 201)
    await call("POST", agents, {"card": {"name": 3}}, 422)
    await call("POST", agents, {}, 422)
    await call("POST", agents, [1], 400)
    await call("POST", f"/api/v1/organisations/{MISSING}/agents", {"base_url": stub.url}, 404)
    await call("GET", agents, status=200)
    await call("GET", f"/api/v1/organisations/{MISSING}/agents", status=404)
    one = f"{agents}/{agent['id']}"
    await call("GET", one, status=200)
    await call("GET", f"{agents}/{MISSING}", status=404)
    await call("PUT", one, {"rpc_url": stub.url + "/"}, 200)
    await call("PUT", one, {"refetch": True}, 200)
    await call("PUT", one, {"refetch": "yes"}, 422)
    await call("PUT", f"{agents}/{MISSING}", {}, 404)

    member = f"/api/v1/channels/{channel['id']}/agents/{agent['id']}"
    await call("PUT", member, {"is_active": True}, 200)
    await call("PUT", member, {}, 422)
    await call("PUT", f"/api/v1/channels/{MISSING}/agents/{agent['id']}", {"is_active": True}, 404)
    await call("GET", f"/api/v1/channels/{channel['id']}/agents", status=200)
    await call("GET", f"/api/v1/channels/{MISSING}/agents", status=404)

    direct = agent["direct_channel_id"]
    await call("POST", f"/api/v1/channels/{direct}/messages", {"content": "ping"}, 201)
    await emulator.services.drain()
    await call("GET", f"/api/v1/channels/{direct}/messages", status=200)
    (task,) = await call("GET", f"/-/tasks?agent_id={agent['id']}", status=200)
    await call("GET", "/-/tasks?state=completed&limit=5", status=200)
    await call("GET", "/-/tasks?state=nope", status=422)
    await call("GET", "/-/tasks?limit=x", status=400)
    await call("GET", f"/-/tasks/{task['id']}", status=200)
    await call("GET", f"/-/tasks/{MISSING}", status=404)
    await call("GET", f"/-/deliveries?agent_id={agent['id']}&kind=agent", status=200)

    hook = f"/v1/a2a/webhooks/{task['id']}"
    await call("POST", f"/v1/a2a/webhooks/{MISSING}", {"jsonrpc": "2.0"}, 404)
    await call("POST", hook, {"jsonrpc": "2.0", "id": 1, "result": {}}, 401)
    key = {"X-TELEX-API-KEY": stub.received[0]["params"]["configuration"][
        "pushNotificationConfig"]["authentication"]["credentials"]}  # fmt: skip
    await call("POST", hook, {"jsonrpc": "2.0", "method": "x"}, 400, headers=key)
    done = stub_agents.task("completed", "late result")
    await call("POST", hook, {"jsonrpc": "2.0", "id": 1, "result": done}, 200, headers=key)

    await call("POST", "/-/check", {"card": stub.card()}, 200)
    await call("POST", "/-/check", {"card_url": "file:///etc/passwd"}, 200)
    await call("POST", "/-/check", {"card": 1}, 422)
    await call("DELETE", one, status=200)
    await call("DELETE", one, status=404)
    assert len({(m, t) for m, t, _ in call.seen}) >= 12
