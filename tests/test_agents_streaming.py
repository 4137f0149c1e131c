"""`message/stream` (CONTRACT §3.3): SSE events assembled into one reply that updates live
(`message.updated`) and is stored whole at the end."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests import stub_agents
from tests.conftest import Emulator, free_port, replace
from tests.stub_agents import StubAgent, message
from tests.test_agents_calls import install, replies, send, tasks


def event_line(result: dict[str, Any]) -> bytes:
    return f"data: {json.dumps({'jsonrpc': '2.0', 'id': 'x', 'result': result})}\n\n".encode()


def delta(text: str, *, append: bool, last: bool = False) -> dict[str, Any]:
    return {
        "kind": "artifact-update",
        "taskId": "s-1",
        "contextId": "c",
        "append": append,
        "lastChunk": last,
        "artifact": {"artifactId": "answer", "parts": [{"kind": "text", "text": text}]},
    }


def final(state: str = "completed") -> dict[str, Any]:
    status = {"state": state, "timestamp": "2025-01-01T00:00:00Z"}
    return {
        "kind": "status-update",
        "taskId": "s-1",
        "contextId": "c",
        "status": status,
        "final": True,
    }


async def streaming_agent(
    emulator: Emulator, aiohttp_server: Any, answer: Any
) -> tuple[StubAgent, dict[str, Any]]:
    stub = await stub_agents.start(
        aiohttp_server, StubAgent(name="Streamer", answer=answer, streaming=True)
    )
    org = await emulator.org()
    return stub, await install(emulator, org["id"], {"base_url": stub.url})


async def test_message_events_form_one_reply_updated_live(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    hub = emulator.services.hub

    async def answer(request: dict[str, Any], http: Any) -> Any:
        """Streams one event, waits until the emulator shows it, then streams the next."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(http)
        with hub.subscribe() as shown:
            await response.write(event_line(message("Thinking…", "e1")))
            while (event := await shown.next()) is not None and event.type != "message.created":
                pass
        await response.write(event_line(message("The answer is 42.", "e2")))
        await response.write_eof()
        return response

    stub, agent = await streaming_agent(emulator, aiohttp_server, answer)
    channel_id = agent["direct_channel_id"]
    with emulator.services.hub.subscribe() as events:
        await send(emulator, channel_id, "question")
        seen = []
        while not events.queue.empty():
            event = events.queue.get_nowait()
            if event is not None and event.data.get("source") == "agent":
                seen.append((event.type, event.data["content"]))

    assert stub.received[0]["method"] == "message/stream"
    assert len(stub.received[0]["params"]["message"]["parts"]) == 1  # card agent: no list
    assert seen[0] == ("message.created", "Thinking…")
    assert seen[1] == ("message.updated", "Thinking…\nThe answer is 42.")
    (reply,) = await replies(emulator, channel_id)
    assert reply["content"] == "Thinking…\nThe answer is 42."
    assert reply["status"] == "success"
    (record,) = await tasks(emulator)
    assert record["method"] == "message/stream"
    assert record["reply_message_id"] == reply["id"]


async def test_artifact_deltas_join_and_a_final_status_ends_the_stream(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    answer = stub_agents.streams(
        delta("Hel", append=False),
        delta("lo, ", append=True),
        delta("world", append=True, last=True),
        final(),
        message("never read", "late"),
    )
    _, agent = await streaming_agent(emulator, aiohttp_server, answer)
    await send(emulator, agent["direct_channel_id"], "greet")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "Hello, world"
    (record,) = await tasks(emulator)
    assert record["state"] == "completed"


async def test_stream_cut_by_the_timeout_keeps_what_came(
    config: Any, make_emulator: Any, aiohttp_server: Any
) -> None:
    emulator = await make_emulator(replace(config, agent_timeout_s=0.3, port=free_port()))
    forever = stub_agents.streams_then_hang(message("partial", "p1"))
    _, agent = await streaming_agent(emulator, aiohttp_server, forever)
    await send(emulator, agent["direct_channel_id"], "go")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["content"] == "partial"
    (record,) = await tasks(emulator)
    assert any("cut short" in w["message"] for w in record["warnings"])


async def test_stream_that_errors_posts_a_failed_reply(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    answer = stub_agents.raw("nope", status=503, content_type="text/plain")
    _, agent = await streaming_agent(emulator, aiohttp_server, answer)
    await send(emulator, agent["direct_channel_id"], "go")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["status"] == "error"
    assert "HTTP 503" in reply["content"]


async def test_an_error_event_after_text_keeps_the_text_and_says_why(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    hub = emulator.services.hub

    async def answer(request: dict[str, Any], http: Any) -> Any:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(http)
        with hub.subscribe() as shown:
            await response.write(event_line(message("Half an answer", "e1")))
            while (event := await shown.next()) is not None and event.type != "message.created":
                pass
        error = {"jsonrpc": "2.0", "id": "x", "error": {"code": -32603, "message": "model down"}}
        await response.write(f"data: {json.dumps(error)}\n\n".encode())
        await response.write_eof()
        return response

    _, agent = await streaming_agent(emulator, aiohttp_server, answer)
    await send(emulator, agent["direct_channel_id"], "go")
    (reply,) = await replies(emulator, agent["direct_channel_id"])
    assert reply["status"] == "error"
    assert reply["content"].startswith("Half an answer\n")
    assert "-32603" in reply["content"]
    (record,) = await tasks(emulator)
    assert record["state"] == "failed"
