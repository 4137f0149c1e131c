"""The Helper sample agent over real HTTP, driven with the pure A2A core as Telex would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession

from emulator.a2a import (
    AgentAnswer,
    StreamReader,
    build_request,
    describe_agent,
    parse_answer,
    render_parts,
)
from sample_integrations.helper_agent import app as helper
from tests.a2a_caller import PushReceiver, ask, fetch_agent, sse_data, start_receiver


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    async with ClientSession() as client:
        yield client


@pytest.fixture
async def receiver(aiohttp_server: Any) -> PushReceiver:
    return await start_receiver(aiohttp_server)


async def serve(aiohttp_server: Any, **options: Any) -> str:
    server = await aiohttp_server(helper.create_app(report_delay_s=0, **options), host="127.0.0.1")
    return str(server.make_url("")).rstrip("/")


async def answer_to(
    session: ClientSession, agent: Any, receiver: PushReceiver, text: str, **options: Any
) -> AgentAnswer:
    request, status, body = await ask(session, agent, receiver, text, **options)
    return parse_answer(body, http_status=status, request_id=request["id"])


def shown(answer: AgentAnswer) -> str:
    return render_parts(answer.parts).content


@pytest.mark.parametrize("streaming", [False, True])
async def test_card_and_workflow_lint_clean(
    aiohttp_server: Any, session: ClientSession, streaming: bool
) -> None:
    base = await serve(aiohttp_server, streaming=streaming)
    card = await fetch_agent(session, base)
    assert (card.name, card.rpc_url, card.warnings) == ("Helper", f"{base}/a2a", [])
    assert card.method == ("message/stream" if streaming else "message/send")
    workflow = await fetch_agent(session, base, workflow=True)
    assert (workflow.source, workflow.rpc_url, workflow.warnings) == ("workflow", f"{base}/a2a", [])


def test_public_url_wins_over_the_request_address() -> None:
    agent, findings = describe_agent(helper.agent_card("https://helper.example.com", False), None)
    assert agent is not None
    assert agent.rpc_url == "https://helper.example.com/a2a"
    assert findings == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Helper help", "\n".join(helper.HELP)),
        ("<p>@Helper echo <b>hi</b> there</p>", "hi there"),
        ("echo", "(nothing to echo)"),
        ("@Helper history", "I was installed by agent card: Telex sends me no history."),
        ("dance", "I don't know 'dance'. Say help for the list of commands."),
    ],
)
async def test_quick_commands_answer_a_message(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver, text: str, expected: str
) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server))
    answer = await answer_to(session, agent, receiver, text)
    assert (answer.status, shown(answer), answer.warnings) == ("reply", expected, [])


async def test_time(aiohttp_server: Any, session: ClientSession, receiver: PushReceiver) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server))
    answer = await answer_to(session, agent, receiver, "time")
    assert shown(answer).startswith("It is ")
    assert shown(answer).endswith(" UTC.")


async def test_a_workflow_install_gets_the_history(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server), workflow=True)
    history = [f"<p>m{n}</p>" for n in range(3)]
    answer = await answer_to(session, agent, receiver, "history", history=history)
    assert shown(answer) == "Telex sent me the 3 latest messages of this channel."


@pytest.mark.parametrize(
    ("reply", "verdict"), [("5", "Correct!"), ("6", "Not quite: the answer is 5.")]
)
async def test_quiz_waits_for_the_users_next_message(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver, reply: str, verdict: str
) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server))
    question = await answer_to(session, agent, receiver, "quiz")
    assert question.task is not None
    assert question.task.waiting_for_user
    assert shown(question) == "What is 2 + 3?"

    result = await answer_to(session, agent, receiver, reply, task_id=question.task.id)

    assert result.task is not None
    assert (result.task.id, result.task.state, shown(result)) == (
        question.task.id,
        "completed",
        verdict,
    )


async def test_report_is_pushed_with_the_bearer_token(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server))
    answer = await answer_to(session, agent, receiver, "@Helper report")
    assert answer.status == "pending"
    assert answer.task is not None
    assert answer.task.state == "working"

    await asyncio.wait_for(receiver.arrived.wait(), 5)

    assert receiver.statuses == [202]
    pushed = receiver.answers[0]
    assert pushed.task is not None
    assert (pushed.task.id, pushed.task.state) == (answer.task.id, "completed")
    assert shown(pushed).startswith("Report\nRequests served so far: 1\n")
    assert pushed.warnings == []


async def test_report_without_a_push_url_is_a_clear_error(
    aiohttp_server: Any, session: ClientSession
) -> None:
    base = await serve(aiohttp_server)
    body = {"jsonrpc": "2.0", "id": "r1", "method": "message/send",
            "params": {"message": {"kind": "message", "role": "user", "messageId": "m",
                                   "parts": [{"kind": "text", "text": "report"}]}}}  # fmt: skip
    async with session.post(f"{base}/a2a", json=body) as response:
        answer = parse_answer(await response.read(), http_status=response.status, request_id="r1")
    assert answer.error is not None
    assert answer.error.code == -32602
    assert "pushNotificationConfig.url" in answer.error.message


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", -32700),
        (json.dumps({"id": 1, "method": "message/send"}).encode(), -32600),
        (
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {}}).encode(),
            -32601,
        ),
        (
            json.dumps(
                {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {}}
            ).encode(),
            -32602,
        ),
    ],
)
async def test_bad_requests_get_json_rpc_errors(
    aiohttp_server: Any, session: ClientSession, body: bytes, code: int
) -> None:
    base = await serve(aiohttp_server)
    async with session.post(f"{base}/a2a", data=body) as response:
        assert response.status == 200
        answer = parse_answer(await response.read())
    assert answer.error is not None
    assert answer.error.code == code


# -- streaming mode ----------------------------------------------------------------------------


async def stream(
    session: ClientSession, agent: Any, receiver: PushReceiver, text: str
) -> StreamReader:
    request = build_request(method=agent.method, text=text, channel_id="c", org_id="o", user_id="u",
                            push=receiver.target())  # fmt: skip
    reader = StreamReader(request_id=request["id"])
    async with session.post(agent.rpc_url, json=request) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        async for data in sse_data(response):
            reader.feed(data)
    return reader


async def test_streaming_help_is_one_message_event_per_line(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server, streaming=True))
    reader = await stream(session, agent, receiver, "help")
    answer = reader.finish()
    assert (answer.status, answer.warnings) == ("reply", [])
    assert reader.events == len(helper.HELP)
    assert reader.text == "\n".join(helper.HELP)


async def test_streaming_report_arrives_as_artifact_deltas(
    aiohttp_server: Any, session: ClientSession, receiver: PushReceiver
) -> None:
    agent = await fetch_agent(session, await serve(aiohttp_server, streaming=True))
    reader = await stream(session, agent, receiver, "report")
    answer = reader.finish()
    assert reader.final
    assert answer.task is not None
    assert answer.task.state == "completed"
    assert reader.text.startswith("Report\nRequests served so far: 1\nGenerated at ")
    assert len(answer.parts) == 1  # deltas joined into one text
    assert answer.warnings == []
