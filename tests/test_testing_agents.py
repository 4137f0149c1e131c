"""The testing clients' agent helpers (install_agent, add_agent, ask, tasks) against real
stub agents on loopback and an EmulatorServer on its own thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulator.testing import (
    Agent,
    AsyncTelexClient,
    EmulatorServer,
    LoopThread,
    Reply,
    TelexAPIError,
    TelexClient,
)
from tests import stub_agents
from tests.stub_agents import StubAgent, message, task


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@pytest.fixture
async def aclient(server: EmulatorServer) -> AsyncIterator[AsyncTelexClient]:
    async with server.async_client() as client:
        await client.reset()
        yield client


async def started(aiohttp_server: Any, **kwargs: Any) -> StubAgent:
    return await stub_agents.start(aiohttp_server, StubAgent(**kwargs))


class PushLater:
    """An agent that answers a `working` Task and pushes the completed one when released."""

    def __init__(self) -> None:
        self.called = asyncio.Event()
        self.release = asyncio.Event()
        self.pushed: list[int] = []
        self.push_answered = asyncio.Event()
        self._jobs: set[asyncio.Task[None]] = set()

    async def answer(self, request: dict[str, Any], _http: web.Request) -> web.StreamResponse:
        push = request["params"]["configuration"]["pushNotificationConfig"]
        job = asyncio.create_task(self._push(push))
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)
        self.called.set()
        return stub_agents.rpc(request, task("working", task_id="r-1"))

    async def _push(self, push: dict[str, Any]) -> None:
        await self.release.wait()
        body = {"jsonrpc": "2.0", "id": "any", "result": task("completed", "report ready")}
        headers = {"Authorization": f"Bearer {push['token']}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(push["url"], json=body, headers=headers) as response,
        ):
            self.pushed.append(response.status)
        self.push_answered.set()


# -- install_agent, add_agent, tasks --------------------------------------------------------


async def test_install_agent_every_way(aclient: AsyncTelexClient, aiohttp_server: Any) -> None:
    stub = await started(aiohttp_server)

    by_base = await aclient.install_agent(base_url=stub.url)
    by_card_url = await aclient.install_agent(f"{stub.url}/.well-known/agent.json")
    by_card = await aclient.install_agent(card=stub.card())
    by_workflow = await aclient.install_agent(workflow=stub_agents.workflow(stub, "Flow"))

    for agent in (by_base, by_card_url, by_card, by_workflow):
        assert isinstance(agent, Agent)
        assert agent.effective_rpc_url == stub.url + "/"
        assert agent.direct_channel == agent.direct_channel_id
    assert [a.source for a in (by_base, by_card, by_workflow)] == ["card", "card", "workflow"]
    assert by_card_url.card_url == f"{stub.url}/.well-known/agent.json"


async def test_install_agent_argument_and_lint_errors(aclient: AsyncTelexClient) -> None:
    with pytest.raises(TypeError, match="one of card_url=, base_url=, card= or workflow="):
        await aclient.install_agent()
    with pytest.raises(TypeError, match="not card_url, card"):
        await aclient.install_agent("http://127.0.0.1:9/", card={"name": "x"})
    with pytest.raises(TelexAPIError) as raised:
        await aclient.install_agent(card={"name": "No URL"})
    assert raised.value.status_code == 422
    assert raised.value.errors
    assert all("hint" in e for e in raised.value.errors)


async def test_install_agent_rpc_url_override(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    stub = await started(aiohttp_server)
    card = stub.card() | {"url": "https://pingpong.example.com/a2a"}

    agent = await aclient.install_agent(card=card, rpc_url=stub.url + "/")
    reply = await aclient.ask(agent, "ping")

    assert (agent.rpc_url, agent.effective_rpc_url) == (card["url"], stub.url + "/")
    assert reply.content == "pong"


async def test_tasks_filters(aclient: AsyncTelexClient, aiohttp_server: Any) -> None:
    ping = await aclient.install_agent(base_url=(await started(aiohttp_server)).url)
    failing = await started(
        aiohttp_server, name="Broken", answer=stub_agents.rpc_error(-32603, "boom")
    )
    broken = await aclient.install_agent(base_url=failing.url)
    await aclient.ask(ping, "ping")
    with pytest.raises(AssertionError):
        await aclient.ask(broken, "ping")

    assert [t.agent_id for t in await aclient.tasks(agent=ping)] == [ping.id]
    assert [t.agent_id for t in await aclient.tasks(state="failed")] == [broken.id]
    assert len(await aclient.tasks(channel=ping.direct_channel_id)) == 1
    assert len(await aclient.tasks()) == 2


# -- ask ------------------------------------------------------------------------------------


async def test_ask_in_the_direct_channel(aclient: AsyncTelexClient, aiohttp_server: Any) -> None:
    stub = await started(aiohttp_server)
    agent = await aclient.install_agent(base_url=stub.url)

    reply = await aclient.ask(agent, "ping")

    assert isinstance(reply, Reply)
    assert (reply.content, reply.username, reply.source) == ("pong", "PingPong", "agent")
    assert reply.channel_id == agent.direct_channel_id
    assert reply.state == "completed"
    assert reply.task.reply_message_id == reply.id
    assert stub_agents.text_of(stub.received[0]) == "ping"
    [asked] = [m for m in await aclient.messages(agent.direct_channel) if m.source == "user"]
    assert asked.content == "ping"
    assert reply.task.message_id == asked.id


async def test_ask_takes_the_agent_id(aclient: AsyncTelexClient, aiohttp_server: Any) -> None:
    agent = await aclient.install_agent(base_url=(await started(aiohttp_server)).url)

    assert (await aclient.ask(agent.id, "ping")).content == "pong"


async def test_ask_in_a_channel_mentions_the_agent(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    stub = await started(aiohttp_server)
    agent = await aclient.install_agent(base_url=stub.url)
    channel = await aclient.channel("general")
    added = await aclient.add_agent(agent, channel)

    reply = await aclient.ask(agent, "ping", channel)

    assert added.is_active is True
    assert reply.content == "pong"
    assert reply.channel_id == channel.id
    [asked] = [m for m in await aclient.messages(channel) if m.source == "user"]
    assert asked.content == "@PingPong ping"
    assert stub_agents.text_of(stub.received[0]) == "ping"  # the mention is removed


async def test_ask_in_a_channel_without_the_agent_says_to_add_it(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    agent = await aclient.install_agent(base_url=(await started(aiohttp_server)).url)
    channel = await aclient.channel("general")
    await aclient.add_agent(agent, channel)
    await aclient.add_agent(agent, channel, active=False)

    with pytest.raises(AssertionError, match=r"not in channel .*add_agent\(agent, channel\)"):
        await aclient.ask(agent, "ping", channel)
    assert await aclient.messages(channel) == []


async def test_ask_waits_for_the_push(aclient: AsyncTelexClient, aiohttp_server: Any) -> None:
    agent_side = PushLater()
    stub = await started(
        aiohttp_server, name="Reporter", answer=agent_side.answer, push_notifications=True
    )
    agent = await aclient.install_agent(base_url=stub.url)

    asking = asyncio.create_task(aclient.ask(agent, "report"))
    await agent_side.called.wait()
    await aclient.drain()  # the call is recorded: the task is open, `working`
    [open_task] = await aclient.tasks(agent=agent)
    assert (open_task.state, open_task.is_open, asking.done()) == ("working", True, False)
    agent_side.release.set()
    reply = await asking

    assert reply.content == "report ready"
    assert [s.state for s in reply.task.states] == ["working", "completed"]
    await agent_side.push_answered.wait()  # the reply may be stored before the push's answer
    assert agent_side.pushed == [200]


async def test_ask_returns_input_required_then_continues_the_task(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    question = task("input-required", task_id="quiz-1") | {
        "artifacts": [],
        "status": {"state": "input-required", "message": message("What is 2 + 3?")},
    }
    stub = await started(
        aiohttp_server,
        name="Quiz",
        answer=stub_agents.sequence(
            stub_agents.replies(question),
            stub_agents.replies(task("completed", "Correct!", task_id="quiz-1")),
        ),
    )
    agent = await aclient.install_agent(base_url=stub.url)

    asked = await aclient.ask(agent, "quiz")
    answered = await aclient.ask(agent, "5")

    assert (asked.content, asked.state, asked.task.is_open) == (
        "What is 2 + 3?",
        "input-required",
        True,
    )
    assert (answered.content, answered.state) == ("Correct!", "completed")
    assert stub.received[1]["params"]["message"]["taskId"] == "quiz-1"


async def test_ask_waits_through_a_stream(aclient: AsyncTelexClient, aiohttp_server: Any) -> None:
    stub = await started(
        aiohttp_server,
        name="Streamer",
        streaming=True,
        answer=stub_agents.streams(message("first line"), message("second line")),
    )
    agent = await aclient.install_agent(base_url=stub.url)

    reply = await aclient.ask(agent, "stream please")

    assert stub.received[0]["method"] == "message/stream"
    assert reply.content.split("\n") == ["first line", "second line"]
    assert reply.status == "success"
    assert reply.state == "completed"


async def test_failed_reply_raises_with_what_the_agent_answered(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    stub = await started(
        aiohttp_server, name="Broken", answer=stub_agents.rpc_error(-32603, "database down")
    )
    agent = await aclient.install_agent(base_url=stub.url)

    with pytest.raises(AssertionError) as raised:
        await aclient.ask(agent, "ping")

    text = str(raised.value)
    assert text.startswith("Broken's reply to 'ping' in its direct channel")
    assert "failed:" in text
    assert "-32603" in text
    assert "database down" in text
    assert "Task " in text
    assert ": failed" in text
    assert "Replies from Broken in the channel (1, newest last):\n  - [error]" in text
    assert f"Last delivery: agent {stub.url}/: error, HTTP 200" in text


async def test_timeout_lists_the_open_task_and_replies(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    stub = await started(
        aiohttp_server,
        name="Weather",
        push_notifications=True,
        answer=stub_agents.replies(task("submitted", task_id="w-1", kind=False)),
    )
    agent = await aclient.install_agent(base_url=stub.url)

    with pytest.raises(AssertionError) as raised:
        await aclient.ask(agent, "weather in Lagos", timeout=2)

    text = str(raised.value)
    assert text.startswith(
        "Weather gave no final reply to 'weather in Lagos' in its direct channel"
    )
    assert "within 2 s." in text
    assert ": submitted (open)" in text
    assert "still open: its result must come as a push" in text
    assert "warning at $.result" in text  # no `kind`: inferred, with a warning
    assert "Weather posted no reply in the channel." in text
    assert f"Last delivery: agent {stub.url}/: ok, HTTP 200" in text


async def test_timeout_while_the_agent_is_silent(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    release = asyncio.Event()

    async def silent(request: dict[str, Any], _http: web.Request) -> web.StreamResponse:
        await release.wait()  # answers only once the test is over
        return stub_agents.rpc(request, message("too late"))

    stub = await started(aiohttp_server, name="Silent", answer=silent)
    agent = await aclient.install_agent(base_url=stub.url)

    try:
        with pytest.raises(AssertionError, match=r"(?s)within 1 s\..*may still be waiting"):
            await aclient.ask(agent, "hello?", timeout=1)
    finally:
        release.set()
        await aclient.drain()


async def test_task_ended_with_nothing_to_show_raises(
    aclient: AsyncTelexClient, aiohttp_server: Any
) -> None:
    stub = await started(aiohttp_server, name="Mute", answer=stub_agents.replies(task("completed")))
    agent = await aclient.install_agent(base_url=stub.url)

    with pytest.raises(AssertionError, match="as 'completed' but posted nothing to show"):
        await aclient.ask(agent, "anything")


# -- the blocking client --------------------------------------------------------------------


def test_sync_client_asks_an_agent_on_another_thread(server: EmulatorServer) -> None:
    stub = StubAgent()
    agents = LoopThread("stub-agents")
    runner = web.AppRunner(stub.app())

    async def serve() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    try:
        stub.url = agents.call(serve())
        with TelexClient(server.url) as telex:
            telex.reset()
            agent = telex.install_agent(base_url=stub.url)
            channel = telex.channel("general")
            telex.add_agent(agent, channel)

            direct = telex.ask(agent, "ping")
            mentioned = telex.ask(agent, "ping", channel=channel)
            tasks = telex.tasks(agent=agent)
    finally:
        agents.call(runner.cleanup())
        agents.call(LoopThread.finish())
        agents.stop()

    assert (direct.content, mentioned.content) == ("pong", "pong")
    assert mentioned.channel_id == channel.id
    assert [t.state for t in tasks] == ["completed", "completed"]
