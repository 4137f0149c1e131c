"""GET /-/events over a real HTTP connection, its Origin check, and the hub's bounded queues."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from emulator.hub import EventHub
from tests import stubs
from tests.conftest import Emulator


async def read_event(content: aiohttp.StreamReader) -> tuple[str, Any]:
    """The next `event:`/`data:` frame, skipping comments and the retry hint."""
    while True:
        fields: dict[str, str] = {}
        while (line := (await content.readline()).decode()) not in ("\n", ""):
            name, _, value = line.rstrip("\n").partition(":")
            if name:  # "" is a comment line such as ": ping"
                fields[name] = value.removeprefix(" ")
        if line == "":
            raise ConnectionError("the stream ended")
        if "event" in fields:
            return fields["event"], json.loads(fields["data"])


async def open_stream(emulator: Emulator, query: str = "", **headers: str) -> Any:
    response = await emulator.client.get(f"/-/events{query}", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "text/event-stream"
    # The handler writes the retry hint once it has subscribed: after that nothing is missed.
    assert (await response.content.readline()).startswith(b"retry: ")
    return response


async def setup_output(emulator: Emulator, start_stub) -> tuple[str, str]:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    output = await start_stub(kind="output", target=stubs.reply_json({"ok": True}, 202))
    installed = await emulator.install(org["id"], output)
    await emulator.activate(org["id"], installed["id"], channel["id"])
    return channel["id"], installed["id"]


async def test_stream_carries_message_and_delivery_events(emulator: Emulator, start_stub) -> None:
    channel_id, output_id = await setup_output(emulator, start_stub)
    response = await open_stream(emulator)
    try:
        sent = await emulator.call(
            "POST", f"/api/v1/channels/{channel_id}/messages", {"content": "hi"}, 201
        )
        seen: dict[str, Any] = {}
        async with asyncio.timeout(5):
            while "delivery.finished" not in seen:
                kind, data = await read_event(response.content)
                seen.setdefault(kind, data)
    finally:
        response.close()

    assert seen["message.created"]["id"] == sent["data"]["id"]
    assert seen["message.created"]["content"] == "hi"
    delivery = seen["delivery.finished"]
    assert (delivery["kind"], delivery["integration_id"]) == ("output", output_id)
    assert (delivery["message_id"], delivery["outcome"]) == (sent["data"]["id"], "ok")


async def test_types_filter(emulator: Emulator, start_stub) -> None:
    channel_id, _ = await setup_output(emulator, start_stub)
    response = await open_stream(emulator, "?types=delivery.finished")
    try:
        await emulator.call(
            "POST", f"/api/v1/channels/{channel_id}/messages", {"content": "hi"}, 201
        )
        async with asyncio.timeout(5):
            kind, _ = await read_event(response.content)
    finally:
        response.close()
    assert kind == "delivery.finished"

    refused = await emulator.call("GET", "/-/events?types=message.sent", status=400)
    assert "message.sent" in refused["message"]


async def test_stream_ends_when_the_hub_closes(emulator: Emulator) -> None:
    response = await open_stream(emulator)
    emulator.services.hub.close()  # what shutdown does
    async with asyncio.timeout(5):
        rest = await response.content.read()
    assert b"event:" not in rest
    assert emulator.services.hub.subscriber_count == 0


async def test_idle_stream_gets_pings(emulator: Emulator, monkeypatch) -> None:
    from emulator.web import events

    monkeypatch.setattr(events, "PING_INTERVAL_S", 0.01)
    response = await open_stream(emulator)
    try:
        async with asyncio.timeout(5):
            while (line := await response.content.readline()) != b": ping\n":
                assert line, "the stream ended"
    finally:
        response.close()


async def test_foreign_origin_is_refused(emulator: Emulator) -> None:
    response = await emulator.client.get(
        "/-/events", headers={"Origin": "https://evil.example.com"}
    )
    body = await response.json()
    assert response.status == 403
    assert body["status"] == "error"
    assert body["status_code"] == 403
    assert "evil.example.com" in body["message"]

    # A rebinding name pointing at us still is not our page.
    port = emulator.config.port
    rebound = await emulator.client.get(
        "/-/events",
        headers={"Origin": f"http://evil.example.com:{port}", "Host": f"evil.example.com:{port}"},
    )
    assert rebound.status == 403
    for origin in ("null", f"http://127.0.0.1:{port + 1}"):
        other = await emulator.client.get("/-/events", headers={"Origin": origin})
        assert other.status == 403, origin


async def test_own_origins_are_allowed(emulator: Emulator) -> None:
    port = emulator.config.port
    for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"):
        response = await emulator.client.get("/-/events", headers={"Origin": origin})
        assert response.status == 200, origin
        response.close()
    # Same origin as the Host it was reached by, when that host is an IP (no rebinding).
    lan = "10.1.2.3:7070"
    response = await emulator.client.get(
        "/-/events", headers={"Origin": f"http://{lan}", "Host": lan}
    )
    assert response.status == 200
    response.close()


async def test_slow_subscriber_is_dropped_without_blocking_publish() -> None:
    hub = EventHub(queue_size=2)
    with hub.subscribe() as slow, hub.subscribe() as reader:
        for n in range(5):
            hub.publish("message.created", {"n": n})  # synchronous: never waits
            assert (await reader.next()).data == {"n": n}

        assert slow.dropped
        assert await slow.next() is None
        assert not reader.dropped
        assert hub.subscriber_count == 1
        hub.close()
        assert await reader.next() is None
