"""End to end with stubs of Telex's own agents (tests/agent_stubs.py): each must work
through the emulator as it does on Telex, both generations included."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests import agent_stubs
from tests.agent_stubs import AgentStub
from tests.conftest import Emulator
from tests.test_agents_calls import install, replies, send, tasks


async def installed(
    emulator: Emulator, aiohttp_server: Any, stub: AgentStub, how: str = "card"
) -> dict[str, Any]:
    await agent_stubs.start(aiohttp_server, stub)
    org = await emulator.org()
    body = {"card_url": stub.card_url} if how == "card" else {"workflow": stub.workflow(stub.url)}
    return await install(emulator, org["id"], body)


async def test_ping_pong(emulator: Emulator, aiohttp_server: Any) -> None:
    agent = await installed(emulator, aiohttp_server, AgentStub("ping_pong"))
    await send(emulator, agent["direct_channel_id"], "ping")
    await send(emulator, agent["direct_channel_id"], "ping")
    assert [r["content"] for r in await replies(emulator, agent["direct_channel_id"])] == [
        "pong",
        "pong",
    ]


async def test_capitalizer_task_with_its_own_id(emulator: Emulator, aiohttp_server: Any) -> None:
    agent = await installed(emulator, aiohttp_server, AgentStub("capitalizer"))
    await send(emulator, agent["direct_channel_id"], "<p>make me loud</p>")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "MAKE ME LOUD"


@pytest.mark.parametrize("behaviour", ["weather", "weather_old"])
async def test_weather_pushes_its_result(
    emulator: Emulator, aiohttp_server: Any, behaviour: Any
) -> None:
    stub = AgentStub(behaviour)
    agent = await installed(emulator, aiohttp_server, stub)
    await send(emulator, agent["direct_channel_id"], "weather in Lagos")
    assert await replies(emulator, agent["direct_channel_id"]) == []

    push = await stub.push_now()
    await emulator.services.drain()

    assert push.status == 200, push.answer
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "Sunny, 31°C"
    (record,) = await tasks(emulator)
    assert record["state"] == "completed"


async def test_weather_pushing_right_after_its_answer(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = AgentStub("weather", auto_push=True)
    agent = await installed(emulator, aiohttp_server, stub)
    with emulator.services.hub.subscribe() as events:
        await send(emulator, agent["direct_channel_id"], "weather")
        async with asyncio.timeout(5):  # the push comes after the call's answer
            while (event := await events.next()) is not None and not (
                event.type == "task.updated" and event.data["state"] == "completed"
            ):
                pass
    await emulator.services.drain()
    pushes = await emulator.call("GET", "/-/deliveries?kind=agent_push", status=200)
    assert [(p["status_code"], p["outcome"]) for p in pushes] == [(200, "ok")]
    assert [r["content"] for r in await replies(emulator, agent["direct_channel_id"])] == [
        "Sunny, 31°C"
    ]


async def test_streaming_example(emulator: Emulator, aiohttp_server: Any) -> None:
    agent = await installed(emulator, aiohttp_server, AgentStub("streaming"))
    await send(emulator, agent["direct_channel_id"], "hi")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "Thinking about it…\nYou said: hi\nIn capitals: HI"


async def test_workflow_agent_reads_the_history(emulator: Emulator, aiohttp_server: Any) -> None:
    agent = await installed(emulator, aiohttp_server, AgentStub("workflow"), how="workflow")
    await send(emulator, agent["direct_channel_id"], "hello")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "I see 1 earlier messages; you said: hello"
