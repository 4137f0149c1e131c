"""Calling agents: direct channels, mentions, what is sent, what answers become, and every
way an agent can fail (CONTRACT §3.2-3.4). Stub agents are real servers on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from tests import stub_agents
from tests.conftest import Emulator, free_port, replace
from tests.stub_agents import StubAgent, message, task


async def install(emulator: Emulator, org_id: str, body: dict[str, Any]) -> dict[str, Any]:
    path = f"/api/v1/organisations/{org_id}/agents"
    return (await emulator.call("POST", path, body, 201))["data"]


async def send(emulator: Emulator, channel_id: str, text: str) -> dict[str, Any]:
    """Post as a person, then wait for every agent call it started."""
    path = f"/api/v1/channels/{channel_id}/messages"
    sent = (await emulator.call("POST", path, {"content": text}, 201))["data"]
    await emulator.services.drain()
    return sent


async def messages(emulator: Emulator, channel_id: str) -> list[dict[str, Any]]:
    return (await emulator.call("GET", f"/api/v1/channels/{channel_id}/messages", status=200))[
        "data"
    ]


async def replies(emulator: Emulator, channel_id: str) -> list[dict[str, Any]]:
    return [m for m in await messages(emulator, channel_id) if m["source"] == "agent"]


async def tasks(emulator: Emulator, **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    return await emulator.call("GET", f"/-/tasks?{query}", status=200)


async def direct_agent(
    emulator: Emulator, aiohttp_server: Any, **kwargs: Any
) -> tuple[StubAgent, dict[str, Any]]:
    stub = await stub_agents.start(aiohttp_server, StubAgent(**kwargs))
    org = await emulator.org()
    return stub, await install(emulator, org["id"], {"base_url": stub.url})


async def test_direct_channel_ping_gets_pong(emulator: Emulator, aiohttp_server: Any) -> None:
    stub, agent = await direct_agent(emulator, aiohttp_server)
    sent = await send(emulator, agent["direct_channel_id"], "ping")

    (request,) = stub.received
    assert request["method"] == "message/send"
    params = request["params"]
    assert params["message"]["parts"] == [{"kind": "text", "text": "ping"}]  # no history
    assert params["message"]["contextId"] == agent["direct_channel_id"]
    assert params["message"]["taskId"] is None
    assert params["configuration"]["blocking"] is False
    push = params["configuration"]["pushNotificationConfig"]
    assert push["url"].startswith(emulator.config.base_url() + "/v1/a2a/webhooks/")
    assert push["authentication"]["credentials"].startswith("tlx_")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "pong"
    assert reply["username"] == "PingPong"
    assert reply["agent_id"] == agent["id"]
    assert reply["parts"] == [{"kind": "text", "text": "pong"}]
    (record,) = await tasks(emulator, agent_id=agent["id"])
    assert record["state"] == "completed"
    assert record["message_id"] == sent["id"]
    assert record["reply_message_id"] == reply["id"]
    assert reply["task_id"] == record["id"]
    assert push["url"].endswith(record["id"])
    (delivery,) = await emulator.call("GET", f"/-/deliveries?agent_id={agent['id']}", status=200)
    assert delivery["kind"] == "agent"
    assert delivery["outcome"] == "ok"
    assert delivery["task_id"] == record["id"]


async def test_mention_in_a_channel_sends_exactly_the_text(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub, agent = await direct_agent(emulator, aiohttp_server)
    channel = await emulator.channel(agent["organisation_id"], "general")
    path = f"/api/v1/channels/{channel['id']}/agents/{agent['id']}"
    await emulator.call("PUT", path, {"is_active": True}, 200)

    await send(emulator, channel["id"], "no mention here")
    assert stub.received == []
    await send(emulator, channel["id"], "<p>@pingpong ping</p>")

    assert [stub_agents.text_of(r) for r in stub.received] == ["ping"]
    assert [r["content"] for r in await replies(emulator, channel["id"])] == ["pong"]


async def test_mentioned_agent_not_added_to_the_channel_is_not_called(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub, agent = await direct_agent(emulator, aiohttp_server)
    channel = await emulator.channel(agent["organisation_id"], "general")
    await send(emulator, channel["id"], "@PingPong ping")
    assert stub.received == []


async def test_two_mentioned_agents_are_both_called(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    stubs = []
    for name in ("Alpha", "Beta"):
        stub = await stub_agents.start(aiohttp_server, StubAgent(name=name))
        agent = await install(emulator, org["id"], {"base_url": stub.url})
        path = f"/api/v1/channels/{channel['id']}/agents/{agent['id']}"
        await emulator.call("PUT", path, {"is_active": True}, 200)
        stubs.append(stub)

    await send(emulator, channel["id"], "@Alpha @Beta ping")

    assert [len(s.received) for s in stubs] == [1, 1]
    assert sorted(r["username"] for r in await replies(emulator, channel["id"])) == [
        "Alpha",
        "Beta",
    ]


async def test_replies_reach_outputs_but_never_agents_or_modifiers(
    emulator: Emulator, aiohttp_server: Any, start_stub: Any
) -> None:
    stub, agent = await direct_agent(emulator, aiohttp_server)
    channel_id = agent["direct_channel_id"]
    org_id = agent["organisation_id"]
    modifier = await start_stub(kind="modifier")
    output = await start_stub(kind="output")
    for integration_stub in (modifier, output):
        integration = await emulator.install(org_id, integration_stub)
        await emulator.activate(org_id, integration["id"], channel_id)

    await send(emulator, channel_id, "ping")

    assert len(stub.received) == 1  # the reply "pong" was not sent back to the agent
    assert [r.body["message"] for r in modifier.received] == ["<p>ping</p>"]
    assert sorted(r.body["message"] for r in output.received) == ["<p>ping</p>", "<p>pong</p>"]


async def test_task_with_artifacts_is_posted(emulator: Emulator, aiohttp_server: Any) -> None:
    result = task("completed", "HELLO", "WORLD")
    _, agent = await direct_agent(
        emulator, aiohttp_server, answer=stub_agents.replies(result, same_id=False)
    )
    await send(emulator, agent["direct_channel_id"], "hello world")

    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "HELLO\nWORLD"
    (record,) = await tasks(emulator)
    assert record["state"] == "completed"
    assert record["a2a_task_id"] == "task-1"
    assert [w["path"] for w in record["warnings"]] == ["$.id"]  # the capitalizer's other id


async def test_input_required_task_id_goes_with_the_next_message(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    answer = stub_agents.sequence(
        stub_agents.replies(task("input-required", "Which city?", task_id="t-9")),
        stub_agents.replies(task("completed", "Sunny in Lagos", task_id="t-9")),
    )
    stub, agent = await direct_agent(emulator, aiohttp_server, answer=answer)
    channel_id = agent["direct_channel_id"]
    await send(emulator, channel_id, "weather?")
    (first,) = await tasks(emulator)
    assert (first["state"], first["is_open"]) == ("input-required", True)

    await send(emulator, channel_id, "Lagos")

    assert [r["params"]["message"]["taskId"] for r in stub.received] == [None, "t-9"]
    newest, older = await tasks(emulator)
    assert (newest["state"], newest["is_open"]) == ("completed", False)
    assert older["is_open"] is False  # continued by the newer call
    assert [r["content"] for r in await replies(emulator, channel_id)] == [
        "Which city?",
        "Sunny in Lagos",
    ]


async def test_workflow_agent_gets_the_history_list(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await stub_agents.start(aiohttp_server, StubAgent(name="Flow"))
    org = await emulator.org()
    agent = await install(emulator, org["id"], {"workflow": stub_agents.workflow(stub)})
    await send(emulator, agent["direct_channel_id"], "first")
    await send(emulator, agent["direct_channel_id"], "ping")

    parts = stub.received[-1]["params"]["message"]["parts"]
    assert parts[0] == {"kind": "text", "text": "ping"}
    history = [item["text"] for item in parts[1]["data"]]
    assert parts[1]["kind"] == "data"
    assert history == ["<p>first</p>", "<p>say ping, not 'first'</p>", "<p>ping</p>"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            stub_agents.rpc_error(-32601, "Method not found"),
            "JSON-RPC error -32601: Method not found",
        ),
        (stub_agents.raw("boom", status=500, content_type="text/plain"), "HTTP 500: boom"),
        (stub_agents.raw("<html>nope</html>", content_type="text/html"), "HTML page"),
        (stub_agents.raw('{"jsonrpc": "2.0", "id": 1, "result": 42}'), "$.result"),
        (
            stub_agents.replies({"kind": "task", "id": "t", "status": {"state": "accepted"}}),
            "accepted",
        ),
    ],
)
async def test_failed_answers_post_a_failed_reply(
    emulator: Emulator, aiohttp_server: Any, answer: Any, reason: str
) -> None:
    _, agent = await direct_agent(emulator, aiohttp_server, answer=answer)
    sent = await emulator.call(
        "POST", f"/api/v1/channels/{agent['direct_channel_id']}/messages", {"content": "hi"}
    )
    assert sent["status_code"] == 201
    await emulator.services.drain()

    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["status"] == "error"
    assert reason in reply["content"]
    (record,) = await tasks(emulator)
    assert record["state"] == "failed"
    assert reason in record["reason"]


async def test_timeout_and_refused_connection_fail_the_task(
    config: Any, make_emulator: Any, aiohttp_server: Any
) -> None:
    emulator = await make_emulator(replace(config, agent_timeout_s=0.2))
    _, slow = await direct_agent(emulator, aiohttp_server, answer=stub_agents.never_answers())
    await send(emulator, slow["direct_channel_id"], "hi")
    (reply,) = await replies(emulator, slow["direct_channel_id"])
    assert "no answer within 0.2 s" in reply["content"]
    (delivery,) = await emulator.call("GET", f"/-/deliveries?agent_id={slow['id']}", status=200)
    assert delivery["outcome"] == "timeout"

    card = StubAgent(name="Gone", url="http://127.0.0.1:9").card()
    gone = await install(emulator, slow["organisation_id"], {"card": card})
    await send(emulator, gone["direct_channel_id"], "hi")
    (reply,) = await replies(emulator, gone["direct_channel_id"])
    assert "connection refused" in reply["content"]


async def test_strict_rejects_what_lenient_reads(
    config: Any, make_emulator: Any, aiohttp_server: Any
) -> None:
    odd = {"type": "message", "role": "agent", "parts": [{"type": "text", "text": "hi"}]}
    for mode, expected in (("strict", "error"), ("lenient", "success")):
        emulator = await make_emulator(replace(config, a2a_mode=mode, port=free_port()))
        _, agent = await direct_agent(emulator, aiohttp_server, answer=stub_agents.replies(odd))
        await send(emulator, agent["direct_channel_id"], "hi")
        (reply,) = await replies(emulator, agent["direct_channel_id"])
        assert reply["status"] == expected, (mode, reply)


async def test_kindless_weather_task_is_read_with_a_warning(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    weather = task("completed", "Sunny", kind=False, artifact_ids=False)
    _, agent = await direct_agent(emulator, aiohttp_server, answer=stub_agents.replies(weather))
    await send(emulator, agent["direct_channel_id"], "weather")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert (reply["content"], reply["status"]) == ("Sunny", "success")
    (record,) = await tasks(emulator)
    assert {w["path"] for w in record["warnings"]} >= {"$.result.kind"}


async def test_same_message_id_on_every_reply_is_fine(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    _, agent = await direct_agent(
        emulator, aiohttp_server, answer=stub_agents.replies(message("x"))
    )
    await send(emulator, agent["direct_channel_id"], "a")
    await send(emulator, agent["direct_channel_id"], "b")
    assert len(await replies(emulator, agent["direct_channel_id"])) == 2


async def test_a_reply_mentioning_another_agent_does_not_call_it(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    chatty = stub_agents.replies(message("@Beta ping"))
    alpha = await stub_agents.start(aiohttp_server, StubAgent(name="Alpha", answer=chatty))
    beta = await stub_agents.start(aiohttp_server, StubAgent(name="Beta"))
    for stub in (alpha, beta):
        agent = await install(emulator, org["id"], {"base_url": stub.url})
        path = f"/api/v1/channels/{channel['id']}/agents/{agent['id']}"
        await emulator.call("PUT", path, {"is_active": True}, 200)

    await send(emulator, channel["id"], "@Alpha say hi to Beta")

    assert len(alpha.received) == 1
    assert beta.received == []  # agents' replies never reach agents: no loops
    assert [r["content"] for r in await replies(emulator, channel["id"])] == ["@Beta ping"]
