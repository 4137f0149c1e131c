"""GET /-/events over a real HTTP connection, its Origin check, the hub's bounded queues,
event ids and resuming after a reconnect (Last-Event-ID, ?last_event_id=, `reset`)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from emulator.hub import EventHub, ReplayGap
from tests import stubs
from tests.conftest import Emulator


async def read_frame(content: aiohttp.StreamReader) -> tuple[str | None, str, Any]:
    """The next frame as (id, event, data), skipping comments and the retry hint."""
    while True:
        fields: dict[str, str] = {}
        while (line := (await content.readline()).decode()) not in ("\n", ""):
            name, _, value = line.rstrip("\n").partition(":")
            if name:  # "" is a comment line such as ": ping"
                fields[name] = value.removeprefix(" ")
        if line == "":
            raise ConnectionError("the stream ended")
        if "event" in fields:
            return fields.get("id"), fields["event"], json.loads(fields["data"])


async def read_event(content: aiohttp.StreamReader) -> tuple[str, Any]:
    """The next `event:`/`data:` frame, skipping comments and the retry hint."""
    _, kind, data = await read_frame(content)
    return kind, data


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


# -- ids and resuming ----------------------------------------------------------------------


async def send(emulator: Emulator, channel_id: str, text: str) -> str:
    body = {"content": text}
    sent = await emulator.call("POST", f"/api/v1/channels/{channel_id}/messages", body, 201)
    return sent["data"]["id"]


Frame = tuple[int, str, Any]


async def frames_until(response: Any, done: Callable[[list[Frame]], bool]) -> list[Frame]:
    """Event frames (with int ids) until `done(frames so far)` holds."""
    frames: list[Frame] = []
    async with asyncio.timeout(5):
        while not done(frames):
            id_, kind, data = await read_frame(response.content)
            assert id_ is not None, kind
            assert id_.isdigit(), (id_, kind)
            frames.append((int(id_), kind, data))
    return frames


def count(n: int) -> Callable[[list[Frame]], bool]:
    return lambda frames: len(frames) == n


def delivered(message_id: str) -> Callable[[list[Frame]], bool]:
    """Until the delivery.finished of this message."""
    return lambda frames: any(
        f[1] == "delivery.finished" and message_of(f) == message_id for f in frames
    )


def message_of(frame: Frame) -> str:
    _, kind, data = frame
    return data["id"] if kind == "message.created" else data["message_id"]


async def seen_through_delivery(emulator: Emulator, channel_id: str) -> int:
    """Open a stream, send a message, and return the id of its delivery.finished event:
    the last event the stream's client saw. The hub then drops the stream (as it drops a
    slow consumer), so its client is away while the test goes on."""
    response = await open_stream(emulator)
    try:
        first = await send(emulator, channel_id, "seen")
        frames = await frames_until(response, delivered(first))
        emulator.services.hub.drop_all()
        async with asyncio.timeout(5):
            assert b"event:" not in await response.content.read()  # the stream ended
    finally:
        response.close()
    return frames[-1][0]


async def test_events_carry_increasing_ids(emulator: Emulator, start_stub) -> None:
    channel_id, _ = await setup_output(emulator, start_stub)
    response = await open_stream(emulator)
    try:
        ids = [await send(emulator, channel_id, text) for text in ("one", "two")]
        frames = await frames_until(response, count(4))
    finally:
        response.close()
    numbers = [f[0] for f in frames]
    assert numbers == list(range(numbers[0], numbers[0] + 4)), "one more per event"
    assert numbers[0] >= 1
    assert sorted((f[1], message_of(f)) for f in frames) == sorted(
        (kind, id_) for id_ in ids for kind in ("message.created", "delivery.finished")
    )
    assert emulator.services.hub.newest_id == numbers[-1]


@pytest.mark.parametrize("via", ["header", "query"])
async def test_a_reconnect_replays_exactly_what_was_missed_then_goes_live(
    emulator: Emulator, start_stub, via: str
) -> None:
    channel_id, _ = await setup_output(emulator, start_stub)
    last = await seen_through_delivery(emulator, channel_id)

    # Nobody listens now: these deliveries must still be kept for the client coming back.
    missed = [await send(emulator, channel_id, text) for text in ("while away 1", "while away 2")]
    await emulator.call("POST", "/-/drain", status=200)

    if via == "header":
        response = await open_stream(emulator, **{"Last-Event-ID": str(last)})
    else:
        response = await open_stream(emulator, f"?last_event_id={last}")
    try:
        replayed = await frames_until(response, count(4))
        live_id = await send(emulator, channel_id, "back again")
        live = await frames_until(response, delivered(live_id))
    finally:
        response.close()

    assert [f[0] for f in replayed] == [last + 1, last + 2, last + 3, last + 4]
    assert sorted((f[1], message_of(f)) for f in replayed) == sorted(
        (kind, id_) for id_ in missed for kind in ("message.created", "delivery.finished")
    )
    created = {message_of(f): f[2] for f in replayed if f[1] == "message.created"}
    assert created[missed[0]]["content"] == "while away 1"
    # Then the live events, right after the replayed ones: no duplicate, no gap.
    assert [(f[0], f[1]) for f in live] == [
        (last + 5, "message.created"),
        (last + 6, "delivery.finished"),
    ]
    assert {message_of(f) for f in live} == {live_id}


async def test_the_header_wins_over_the_query_parameter(emulator: Emulator, start_stub) -> None:
    channel_id, _ = await setup_output(emulator, start_stub)
    last = await seen_through_delivery(emulator, channel_id)
    missed = await send(emulator, channel_id, "missed")
    response = await open_stream(emulator, "?last_event_id=junk", **{"Last-Event-ID": str(last)})
    try:
        id_, kind, data = await read_frame(response.content)
    finally:
        response.close()
    assert (id_, kind, data["id"]) == (str(last + 1), "message.created", missed)


async def test_the_types_filter_applies_to_the_replay(emulator: Emulator, start_stub) -> None:
    channel_id, output_id = await setup_output(emulator, start_stub)
    last = await seen_through_delivery(emulator, channel_id)
    missed = [await send(emulator, channel_id, text) for text in ("a", "b")]
    await emulator.call("POST", "/-/drain", status=200)

    response = await open_stream(emulator, f"?types=delivery.finished&last_event_id={last}")
    try:
        frames = await frames_until(response, count(len(missed)))
        live_id = await send(emulator, channel_id, "live")
        [live] = await frames_until(response, count(1))
    finally:
        response.close()
    assert {f[1] for f in frames} == {"delivery.finished"}
    assert sorted(message_of(f) for f in frames) == sorted(missed)
    assert all(f[2]["integration_id"] == output_id for f in frames)
    assert all(last < f[0] <= last + 4 for f in frames)
    # The next frame is live: the replay held no message.created, and nothing twice.
    assert (live[1], message_of(live)) == ("delivery.finished", live_id)
    assert live[0] > max(f[0] for f in frames)


async def reset_of(emulator: Emulator, query: str = "", **headers: str) -> tuple[str, Any]:
    """Open a stream expected to start with `reset`: its (id, data)."""
    response = await open_stream(emulator, query, **headers)
    try:
        async with asyncio.timeout(5):
            id_, kind, data = await read_frame(response.content)
    finally:
        response.close()
    assert kind == "reset", (kind, data)
    assert id_ is not None
    assert "REST API" in data["message"]
    return id_, data


async def test_an_id_older_than_the_buffer_gets_a_reset(emulator: Emulator, start_stub) -> None:
    channel_id, _ = await setup_output(emulator, start_stub)
    last = await seen_through_delivery(emulator, channel_id)
    hub = emulator.services.hub
    for n in range(1001):  # the buffer keeps the newest 1000: `last + 1` falls out
        hub.publish("integration.changed", {"integration_id": f"x{n}", "what": "settings"})

    id_, data = await reset_of(emulator, **{"Last-Event-ID": str(last)})
    assert data["reason"] == "expired"
    assert (data["last_event_id"], data["newest_id"]) == (last, last + 1001)
    assert data["oldest_id"] == last + 2
    assert id_ == str(last + 1001), "the reset says where to resume next time"

    # ...and resuming from there later works.
    hub.drop_all()
    missed = await send(emulator, channel_id, "after the reset")
    response = await open_stream(emulator, f"?last_event_id={id_}")
    try:
        [frame] = await frames_until(response, count(1))
    finally:
        response.close()
    assert (frame[0], frame[1], message_of(frame)) == (last + 1002, "message.created", missed)


async def test_an_id_ahead_of_the_newest_gets_a_reset(emulator: Emulator, start_stub) -> None:
    # The emulator restarted: a client comes back with an id this process never gave.
    channel_id, _ = await setup_output(emulator, start_stub)
    newest = emulator.services.hub.newest_id
    response = await open_stream(emulator, **{"Last-Event-ID": str(newest + 40)})
    try:
        async with asyncio.timeout(5):
            id_, kind, data = await read_frame(response.content)
        # Live events follow the reset on the same stream.
        sent = await send(emulator, channel_id, "after the reset")
        live = await frames_until(response, count(1))
    finally:
        response.close()
    assert (kind, data["reason"]) == ("reset", "ahead")
    assert (data["last_event_id"], data["newest_id"]) == (newest + 40, newest)
    assert id_ == "", "nothing was recorded before this stream: nowhere to resume from"
    assert [(f[0], f[1], message_of(f)) for f in live] == [(newest + 1, "message.created", sent)]


async def test_events_nobody_listened_to_are_not_replayed(emulator: Emulator, start_stub) -> None:
    # setup_output published integration.changed events with nobody listening: the
    # deliveries of that time were never built, so the hub cannot vouch for them.
    channel_id, _ = await setup_output(emulator, start_stub)
    await send(emulator, channel_id, "unheard")
    await emulator.call("POST", "/-/drain", status=200)
    assert emulator.services.hub.newest_id >= 2
    id_, data = await reset_of(emulator, "?last_event_id=1")
    assert data["reason"] == "not_recorded"
    assert id_ == ""


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "0x10", "1e3", "%D9%A3", "9" * 40, "%00", "1%0A2"]
)
async def test_a_malformed_id_gets_a_reset_not_an_error(emulator: Emulator, value: str) -> None:
    _, data = await reset_of(emulator, f"?last_event_id={value}")
    assert (data["reason"], data["last_event_id"]) == ("invalid", None)
    assert data["newest_id"] == emulator.services.hub.newest_id


async def test_a_malformed_header_gets_a_reset_too(emulator: Emulator) -> None:
    _, data = await reset_of(emulator, **{"Last-Event-ID": "not an id"})
    assert data["reason"] == "invalid"


async def test_an_empty_id_is_no_resume(emulator: Emulator, start_stub) -> None:
    # EventSource sends no header for an empty id; an empty parameter means the same.
    channel_id, _ = await setup_output(emulator, start_stub)
    response = await open_stream(emulator, "?last_event_id=", **{"Last-Event-ID": ""})
    try:
        sent = await send(emulator, channel_id, "live")
        [frame] = await frames_until(response, count(1))
    finally:
        response.close()
    assert (frame[1], message_of(frame)) == ("message.created", sent)


# -- the hub's ring buffer and recording, without a server ---------------------------------


def publish(hub: EventHub, count: int) -> None:
    for n in range(count):
        hub.publish("message.created", {"n": n})


def test_the_buffer_is_bounded() -> None:
    hub = EventHub(buffer_size=3, id_base=0)
    with hub.subscribe():
        publish(hub, 5)
        assert (hub.oldest_id, hub.newest_id) == (3, 5)
        assert [e.id for e in hub.events_after(2)] == [3, 4, 5]
        assert [e.data["n"] for e in hub.events_after(3)] == [3, 4]
        assert hub.events_after(5) == []
        with pytest.raises(ReplayGap) as gap:
            hub.events_after(1)
        assert gap.value.reason == "expired"
        with pytest.raises(ReplayGap) as gap:
            hub.events_after(6)
        assert gap.value.reason == "ahead"


def test_a_stream_that_left_keeps_the_hub_recording_for_a_while() -> None:
    hub = EventHub(linger_s=3600, id_base=0)
    with hub.subscribe(resumable=True):
        publish(hub, 1)
    # Publishers still build events for the client expected back.
    assert hub.subscriber_count == 1
    publish(hub, 2)
    with hub.subscribe(resumable=True):
        assert [e.id for e in hub.events_after(1)] == [2, 3]

    # At shutdown nobody comes back: recording stops.
    hub.close()
    assert hub.subscriber_count == 0


def test_after_the_linger_nothing_is_vouched_for() -> None:
    hub = EventHub(linger_s=0, id_base=0)
    with hub.subscribe(resumable=True):
        publish(hub, 1)
    assert hub.subscriber_count == 0  # publishers may skip events from now on
    publish(hub, 1)
    with hub.subscribe(resumable=True):
        for last in (1, 2):  # 2 too: something may have been skipped after it
            with pytest.raises(ReplayGap) as gap:
                hub.events_after(last)
            assert gap.value.reason == "not_recorded"
        assert hub.resume_id() is None
        publish(hub, 1)
        assert [e.id for e in hub.events_after(3)] == []
        assert hub.resume_id() == 3


def test_only_resumable_subscriptions_linger() -> None:
    hub = EventHub(linger_s=3600, id_base=0)
    with hub.subscribe():  # wait_for and tests: nobody resumes them
        publish(hub, 1)
    assert hub.subscriber_count == 0
    slow = EventHub(queue_size=1, linger_s=3600, id_base=0)
    with slow.subscribe(resumable=True) as sub:
        publish(slow, 2)  # the queue overflows: dropped, its client will be back
        assert sub.dropped
        assert slow.subscriber_count == 1


def test_a_hub_without_a_buffer_replays_nothing_but_stays_usable() -> None:
    hub = EventHub(buffer_size=0, id_base=0)
    with hub.subscribe():
        publish(hub, 2)
        assert hub.oldest_id is None
        assert hub.events_after(2) == []
        with pytest.raises(ReplayGap) as gap:
            hub.events_after(1)
        assert gap.value.reason == "expired"


def test_ids_start_after_the_time_the_hub_was_made() -> None:
    """So a client of an earlier run, whose ids are lower, is told to start over."""
    before = time.time_ns() // 1000
    hub = EventHub()
    after = time.time_ns() // 1000
    assert before <= hub.newest_id <= after
    earlier_run_id = before - 1  # any id the previous process gave
    with hub.subscribe(resumable=True):
        publish(hub, 3)
        with pytest.raises(ReplayGap) as gap:
            hub.events_after(earlier_run_id)
        assert gap.value.reason == "not_recorded"
        assert [e.id for e in hub.events_after(hub.newest_id - 2)] == [
            hub.newest_id - 1,
            hub.newest_id,
        ]


def test_the_ui_listens_for_every_event_type_the_hub_publishes() -> None:
    """live.js keeps its own copy of the list (the page has no build step): keep them equal."""
    import re
    from pathlib import Path

    from emulator.hub import EVENT_TYPES

    script = Path(__file__).resolve().parents[1] / "emulator/web/static/js/live.js"
    listed = re.search(r"export const EVENT_TYPES = \[(.*?)\];", script.read_text(), re.S)
    assert listed, "live.js no longer declares EVENT_TYPES"
    assert tuple(re.findall(r'"([a-z._]+)"', listed.group(1))) == EVENT_TYPES
