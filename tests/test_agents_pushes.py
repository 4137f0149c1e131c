"""The push webhook (CONTRACT §3.5): a submitted task completed later by a push, and every
way a push is refused, leaving the task unchanged. Masking of tokens and credentials."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from emulator.masking import MASK
from tests import stub_agents
from tests.conftest import Emulator, free_port, replace
from tests.stub_agents import StubAgent, task
from tests.test_agents_calls import install, replies, send, tasks


async def submitted_call(
    emulator: Emulator, aiohttp_server: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A weather-like agent that answers `submitted`: (agent, push config, task record)."""
    answer = stub_agents.replies(task("submitted", task_id="w-1", kind=False))
    stub = await stub_agents.start(
        aiohttp_server, StubAgent(name="Weather", answer=answer, push_notifications=True)
    )
    org = await emulator.org()
    agent = await install(emulator, org["id"], {"base_url": stub.url})
    await send(emulator, agent["direct_channel_id"], "weather in Lagos")
    push = stub.received[0]["params"]["configuration"]["pushNotificationConfig"]
    (record,) = await tasks(emulator)
    return agent, push, record


def hook_path(push: dict[str, Any]) -> str:
    return "/v1/a2a/webhooks/" + push["url"].rsplit("/", 1)[1]


def completed(**kwargs: Any) -> dict[str, Any]:
    result = task("completed", "Sunny, 31°C", task_id="w-1", **kwargs)
    return {"jsonrpc": "2.0", "id": "random-id", "result": result}


async def post_push(
    emulator: Emulator, path: str, body: Any, headers: dict[str, str], status: int
) -> dict[str, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = await emulator.client.post(
        path, data=data, headers=headers | {"Content-Type": "application/json"}
    )
    answer = await response.json()
    assert response.status == status, answer
    assert answer["status_code"] == status
    await emulator.services.drain()
    return answer


@pytest.mark.parametrize("auth", ["bearer", "api_key"])
async def test_submitted_task_completed_by_a_push(
    emulator: Emulator, aiohttp_server: Any, auth: str
) -> None:
    agent, push, record = await submitted_call(emulator, aiohttp_server)
    assert (record["state"], record["is_open"]) == ("submitted", True)
    assert await replies(emulator, agent["direct_channel_id"]) == []
    headers = (
        {"Authorization": f"Bearer {push['token']}"}
        if auth == "bearer"
        else {"X-TELEX-API-KEY": push["authentication"]["credentials"]}
    )

    answer = await post_push(emulator, hook_path(push), completed(kind=False), headers, 200)

    assert answer["data"]["state"] == "completed"
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "Sunny, 31°C"
    assert reply["task_id"] == record["id"]
    (after,) = await tasks(emulator)
    assert [s["state"] for s in after["states"]] == ["submitted", "completed"]
    assert after["is_open"] is False
    assert len(after["pushes"]) == 1
    assert after["reply_message_id"] == reply["id"]
    kinds = await emulator.call("GET", f"/-/deliveries?agent_id={agent['id']}", status=200)
    assert sorted(d["kind"] for d in kinds) == ["agent", "agent_push"]
    assert (await emulator.call("GET", f"/-/tasks/{record['id']}", status=200)) == after


async def test_working_push_keeps_the_task_open_without_a_reply(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    agent, push, _ = await submitted_call(emulator, aiohttp_server)
    body = {"jsonrpc": "2.0", "id": 1, "result": task("working", task_id="w-1")}
    headers = {"Authorization": f"Bearer {push['token']}"}
    await post_push(emulator, hook_path(push), body, headers, 200)
    (after,) = await tasks(emulator, state="working")
    assert after["is_open"] is True
    assert await replies(emulator, agent["direct_channel_id"]) == []


async def test_refused_pushes_leave_the_task_unchanged(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    agent, push, record = await submitted_call(emulator, aiohttp_server)
    path = hook_path(push)
    bearer = {"Authorization": f"Bearer {push['token']}"}

    await post_push(emulator, "/v1/a2a/webhooks/no-such-hook", completed(), bearer, 404)
    await post_push(emulator, path, completed(), {}, 401)
    await post_push(emulator, path, completed(), {"Authorization": "Bearer forged"}, 401)
    await post_push(emulator, path, completed(), {"X-TELEX-API-KEY": "tlx_wrong"}, 401)
    request_shaped = {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {}}
    answer = await post_push(emulator, path, request_shaped, bearer, 400)
    assert "request" in answer["message"]
    await post_push(emulator, path, b"not json", bearer, 400)
    big = completed() | {"padding": "x" * 60_000}
    await post_push(emulator, path, big, bearer, 413)

    (after,) = await tasks(emulator)
    assert after == record
    assert await replies(emulator, agent["direct_channel_id"]) == []
    refused = await emulator.call("GET", "/-/deliveries?kind=agent_push", status=200)
    assert len(refused) == 6
    assert {d["outcome"] for d in refused} == {"error"}


async def test_pushed_jsonrpc_error_fails_the_task(emulator: Emulator, aiohttp_server: Any) -> None:
    agent, push, _ = await submitted_call(emulator, aiohttp_server)
    body = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "weather API down"}}
    await post_push(
        emulator, hook_path(push), body, {"Authorization": f"Bearer {push['token']}"}, 200
    )
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["status"] == "error"
    assert "-32603" in reply["content"]
    (after,) = await tasks(emulator)
    assert after["state"] == "failed"


async def test_token_and_credentials_are_masked_in_the_logs(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    agent, push, record = await submitted_call(emulator, aiohttp_server)
    token, credentials = push["token"], push["authentication"]["credentials"]
    (delivery,) = await emulator.call("GET", f"/-/deliveries?agent_id={agent['id']}", status=200)
    for logged in (delivery["request_body"], record["request_body"]):
        assert token not in logged
        assert credentials not in logged
        config = json.loads(logged)["params"]["configuration"]["pushNotificationConfig"]
        assert config["token"] == MASK
        assert config["authentication"]["credentials"] == MASK
    agent_view = await emulator.call(
        "GET", f"/api/v1/organisations/{agent['organisation_id']}/agents/{agent['id']}", status=200
    )
    assert credentials not in json.dumps(agent_view)


async def test_push_sent_before_the_call_is_answered_is_applied_after_it(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    async def push_first(request: dict[str, Any], _http: Any) -> Any:
        """Pushes the finished task from inside the call, then answers `submitted`."""
        config = request["params"]["configuration"]["pushNotificationConfig"]
        headers = {"Authorization": f"Bearer {config['token']}"}
        async with aiohttp.ClientSession() as session:
            async with session.post(config["url"], json=completed(), headers=headers) as pushed:
                assert pushed.status == 200, await pushed.text()
        return stub_agents.rpc(request, task("submitted", task_id="w-1"))

    stub = await stub_agents.start(aiohttp_server, StubAgent(name="Eager", answer=push_first))
    org = await emulator.org()
    agent = await install(emulator, org["id"], {"base_url": stub.url})
    await send(emulator, agent["direct_channel_id"], "weather")

    (record,) = await tasks(emulator)
    assert [s["state"] for s in record["states"]] == ["submitted", "completed"]
    assert [r["content"] for r in await replies(emulator, agent["direct_channel_id"])] == [
        "Sunny, 31°C"
    ]


async def test_push_after_a_restart_goes_to_the_thread(
    config: Any, make_emulator: Any, aiohttp_server: Any
) -> None:
    """A day-later push reaches another emulator process on the same database: the hook,
    the token's signing key and the user's thread all come from the database."""
    first = await make_emulator(config)
    answer = stub_agents.replies(task("submitted", task_id="w-1"))
    stub = await stub_agents.start(aiohttp_server, StubAgent(name="Slow", answer=answer))
    org = await first.org()
    agent = await install(first, org["id"], {"base_url": stub.url})
    channel_id = agent["direct_channel_id"]
    root = await send(first, channel_id, "start")
    path = f"/api/v1/channels/{channel_id}/messages"
    await first.call("POST", path, {"content": "weather?", "thread_id": root["id"]}, 201)
    await first.services.drain()
    push = stub.received[-1]["params"]["configuration"]["pushNotificationConfig"]

    second = await make_emulator(replace(config, port=free_port()))
    headers = {"Authorization": f"Bearer {push['token']}"}
    await post_push(second, hook_path(push), completed(), headers, 200)

    reply = next(m for m in await replies(second, channel_id) if m["content"] == "Sunny, 31°C")
    assert reply["thread_id"] == root["id"]
