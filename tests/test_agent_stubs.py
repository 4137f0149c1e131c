"""The stub agents against the pure A2A core, over real HTTP: card -> description ->
request -> answer (or stream, or push) -> what the channel would show."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession

from emulator.a2a import (
    AgentAnswer,
    AgentDescription,
    PushTarget,
    StreamReader,
    build_request,
    parse_answer,
    render_parts,
)
from tests.a2a_caller import PushReceiver, ask, fetch_agent, sse_data, start_receiver
from tests.agent_stubs import PING_PONG_MESSAGE_ID, AgentStub, start


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    async with ClientSession() as client:
        yield client


@pytest.fixture
async def receiver(aiohttp_server: Any) -> PushReceiver:
    return await start_receiver(aiohttp_server)


async def describe(
    session: ClientSession, stub: AgentStub, workflow: bool = False
) -> AgentDescription:
    return await fetch_agent(session, stub.url, workflow)


def shown(answer: AgentAnswer) -> str:
    return render_parts(answer.parts).content


# -- Telex's own agents -----------------------------------------------------------------------


async def test_ping_pong(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("ping_pong"))
    agent = await describe(session, stub)
    assert agent.rpc_url == f"{stub.url}/"  # filled from the request's base URL
    assert agent.warnings == []
    assert agent.method == "message/send"

    request, status, body = await ask(session, agent, receiver, "<p>@PingPong ping</p>")
    answer = parse_answer(body, http_status=status, request_id=request["id"])
    assert (answer.status, shown(answer), answer.warnings) == ("reply", "pong", [])
    assert stub.calls[0].body["params"]["message"]["parts"] == [{"kind": "text", "text": "ping"}]

    request, status, body = await ask(session, agent, receiver, "<p>@PingPong ping please</p>")
    again = parse_answer(body, http_status=status, request_id=request["id"])
    assert shown(again) == "I only answer ping"
    assert answer.message_id == again.message_id == PING_PONG_MESSAGE_ID


async def test_capitalizer_answers_a_task_under_its_own_id(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("capitalizer"))
    agent = await describe(session, stub)
    request, status, body = await ask(session, agent, receiver, "<p>hello @Capitalizer</p>")
    answer = parse_answer(body, http_status=status, request_id=request["id"])
    assert (answer.status, shown(answer)) == ("reply", "HELLO")
    assert answer.task is not None
    assert answer.task.state == "completed"
    assert [w.path for w in answer.warnings] == ["$.id"]


async def test_card_agents_refuse_the_history_list_so_they_never_get_it(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("capitalizer"))
    agent = await describe(session, stub)
    request = build_request(method="message/send", text="hi", channel_id="c", org_id="o", user_id="u",
                            push=receiver.target(), history=["<p>older</p>"])  # fmt: skip
    async with session.post(agent.rpc_url, json=request) as response:
        answer = parse_answer(await response.read(), http_status=response.status)
    assert answer.status == "failed"
    assert answer.failure_text is not None
    assert "HTTP 422" in answer.failure_text


@pytest.mark.parametrize("behaviour", ["weather", "weather_old"])
async def test_weather_answers_later_by_push(
    behaviour: Any, aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub(behaviour))
    agent = await describe(session, stub)
    assert agent.capabilities.push_notifications
    request, status, body = await ask(session, agent, receiver, "@Weather Agent Lagos?")
    answer = parse_answer(body, http_status=status, request_id=request["id"])
    assert answer.status == "pending"
    assert answer.task is not None
    assert answer.task.working
    assert stub.calls[0].body["params"]["message"]["parts"][0]["text"] == "Lagos?"

    push = await stub.push_now()

    assert push.status == 202, push.answer
    expected_header = "X-TELEX-API-KEY" if behaviour == "weather_old" else "Authorization"
    assert list(push.headers) == [expected_header]
    result = receiver.answers[0]
    assert (result.status, shown(result)) == ("reply", "Sunny, 31°C")
    assert result.task is not None
    assert result.task.id == answer.task.id
    assert result.task.closed
    old_quirks = {"$.result.kind", "$.result.artifacts[0]"}
    assert ({w.path for w in result.warnings} == old_quirks) == (behaviour == "weather_old")


async def test_weather_pushes_right_after_answering(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("weather", auto_push=True))
    agent = await describe(session, stub)
    _, status, body = await ask(session, agent, receiver, "Accra?")
    assert parse_answer(body, http_status=status).status == "pending"
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert shown(receiver.answers[0]) == "Sunny, 31°C"


async def test_weather_fails_without_push_credentials(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("weather"))
    agent = await describe(session, stub)
    request = build_request(method="message/send", text="Lagos", channel_id="c", org_id="o", user_id="u",
                            push=PushTarget(receiver.target().url, "t", ""))  # fmt: skip
    async with session.post(agent.rpc_url, json=request) as response:
        answer = parse_answer(await response.read(), http_status=response.status)
    assert answer.status == "failed"
    assert answer.error is not None
    assert answer.error.code == -32602


async def test_a_push_with_a_bad_token_is_refused(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("weather"))
    agent = await describe(session, stub)
    await ask(session, agent, receiver, "Lagos")
    stub.calls[-1].body["params"]["configuration"]["pushNotificationConfig"]["token"] = "forged"
    push = await stub.push_now()
    assert push.status == 401
    assert receiver.answers == []


async def test_a_request_shaped_push_is_a_400(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("weather"))
    agent = await describe(session, stub)
    request, _, _ = await ask(session, agent, receiver, "Lagos")
    headers = {"Authorization": f"Bearer {receiver.target().token}"}
    async with session.post(receiver.target().url, json=request, headers=headers) as response:
        assert response.status == 400
        assert "JSON-RPC request" in (await response.json())["message"]


async def test_streaming_example(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("streaming"))
    agent = await describe(session, stub)
    assert agent.method == "message/stream"
    request = build_request(method=agent.method, text="hi there", channel_id="c", org_id="o",
                            user_id="u", push=receiver.target())  # fmt: skip
    reader = StreamReader(request_id=request["id"])
    async with session.post(agent.rpc_url, json=request) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        async for data in sse_data(response):
            reader.feed(data)
    answer = reader.finish()
    assert answer.status == "reply"
    assert reader.text == "Thinking about it…\nYou said: hi there\nIn capitals: HI THERE"
    assert reader.events == 3
    # A fresh id per event: one warning for the stream, never a failure.
    assert [w.path for w in answer.warnings] == ["$.id"]


async def test_streaming_example_refuses_message_send(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("streaming"))
    agent = await describe(session, stub)
    request, status, body = await ask(session, agent, receiver, "hi", method="message/send")
    answer = parse_answer(body, http_status=status, request_id=request["id"])
    assert answer.error is not None
    assert answer.error.code == -32601


# -- community agents --------------------------------------------------------------------------


async def test_workflow_agent_reads_the_history(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("workflow"))
    agent = await describe(session, stub, workflow=True)
    assert (agent.source, agent.sends_history) == ("workflow", True)
    history = ["<p>one</p>", "<p>two</p>"]
    request, status, body = await ask(session, agent, receiver, "@History Agent sum up", history)
    answer = parse_answer(body, http_status=status, request_id=request["id"])
    assert shown(answer) == "I see 2 earlier messages; you said: sum up"
    assert answer.task is not None
    assert [w.path for w in answer.warnings] == ["$.id"]  # it answers with its task id


async def test_workflow_agent_crashes_without_the_history(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("workflow"))
    agent = await describe(session, stub, workflow=True)
    request = build_request(method="message/send", text="x", channel_id="c", org_id="o", user_id="u",
                            push=receiver.target())  # fmt: skip
    async with session.post(agent.rpc_url, json=request) as response:
        answer = parse_answer(await response.read(), http_status=response.status)
    assert answer.failure_text is not None
    assert answer.failure_text.startswith("the agent answered HTTP 500")


async def test_an_empty_card_url_falls_back_to_the_base_url(
    aiohttp_server: Any, session: ClientSession
) -> None:
    stub = await start(aiohttp_server, AgentStub("ping_pong", empty_card_url=True))
    agent = await describe(session, stub)
    assert agent.rpc_url == stub.url
    assert [w.path for w in agent.warnings] == ["$.url"]


# -- misbehaviour ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("misbehave", "words"),
    [
        ("http_500", "HTTP 500: Internal Server Error"),
        ("garbage", "is not JSON"),
        ("wrong_shape", "$.result.parts: parts must be a list"),
        ("rpc_error", "JSON-RPC error -32603: Internal error: the model is down"),
    ],
)
async def test_misbehaving_agents_become_failed_replies(
    misbehave: Any, words: str, aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("ping_pong", misbehave=misbehave))
    agent = await describe(session, stub)
    request, status, body = await ask(session, agent, receiver, "ping")
    answer = parse_answer(body, http_status=status, request_id=request["id"])
    assert answer.status == "failed"
    assert answer.failure_text is not None
    assert words in answer.failure_text


async def test_a_hanging_agent_answers_only_when_released(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    stub = await start(aiohttp_server, AgentStub("ping_pong", misbehave="hang"))
    agent = await describe(session, stub)
    call = asyncio.ensure_future(ask(session, agent, receiver, "ping"))
    await stub.wait_for_calls(1)
    assert not call.done()  # the call is in flight: a caller's timeout decides
    stub.release.set()
    _, status, _ = await call
    assert status == 503
