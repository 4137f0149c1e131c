"""Ticks to tick_url (CONTRACT §1.3) through `POST /-/ticks`, against real stub servers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests import stubs
from tests.conftest import Emulator, replace

EVERY_5 = {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}
LIMIT = {"label": "limit", "type": "number", "required": "true", "default": "1000"}


async def setup_pair(
    emulator: Emulator, start_stub: Any, **stub_kwargs: Any
) -> tuple[stubs.Stub, str, str]:
    stub_kwargs.setdefault("settings", [EVERY_5])
    stub = await start_stub(kind="interval", **stub_kwargs)
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    integration = await emulator.install(org["id"], stub)
    await emulator.activate(org["id"], integration["id"], channel["id"])
    return stub, integration["id"], channel["id"]


async def tick_now(emulator: Emulator, integration_id: str, channel_id: str) -> dict[str, Any]:
    body = {"integration_id": integration_id, "channel_id": channel_id}
    return await emulator.call("POST", "/-/ticks", body, status=200)


async def test_tick_now_posts_the_exact_body_and_answers_the_record(
    emulator: Emulator, start_stub
) -> None:
    stub, integration_id, channel_id = await setup_pair(
        emulator, start_stub, settings=[EVERY_5, LIMIT]
    )

    tick = await tick_now(emulator, integration_id, channel_id)

    (body,) = stub.bodies("/tick")
    assert body == {
        "channel_id": channel_id,
        "return_url": f"{emulator.config.base_url()}/v1/webhooks/{channel_id}",
        "settings": [
            {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"},
            {"label": "limit", "type": "number", "required": True, "default": "1000"},
        ],
    }
    assert tick["outcome"] == "ok"
    assert tick["status_code"] == 202
    assert tick["trigger"] == "manual"
    assert tick["integration_id"] == integration_id
    assert tick["url"] == f"{stub.url}/tick"
    assert tick["latency_ms"] >= 0
    assert tick["finished_at"] is not None
    now = emulator.services.clock.now().isoformat().replace("+00:00", "Z")
    assert tick["scheduled_for"] == tick["fired_at"] == now

    listed = await emulator.call("GET", f"/-/ticks?channel_id={channel_id}", status=200)
    assert [t["id"] for t in listed] == [tick["id"]]
    (delivery,) = await emulator.call("GET", "/-/deliveries?kind=tick", status=200)
    assert delivery["tick_id"] == tick["id"]
    assert delivery["outcome"] == "ok"
    assert delivery["channel_id"] == channel_id
    assert json.loads(delivery["request_body"]) == body


async def test_tick_events_are_published(emulator: Emulator, start_stub) -> None:
    _, integration_id, channel_id = await setup_pair(emulator, start_stub)
    with emulator.services.hub.subscribe() as sub:
        tick = await tick_now(emulator, integration_id, channel_id)
        seen = []
        while len(seen) < 3:
            event = await asyncio.wait_for(sub.next(), 5)
            assert event is not None
            seen.append(event)
    assert [e.type for e in seen] == ["tick.fired", "delivery.finished", "tick.finished"]
    assert seen[0].data["outcome"] == "pending"
    assert seen[2].data == tick


async def test_any_2xx_is_ok(emulator: Emulator, start_stub) -> None:
    _, integration_id, channel_id = await setup_pair(
        emulator, start_stub, tick=stubs.reply_json({"status": "ok"}, status=200)
    )
    assert (await tick_now(emulator, integration_id, channel_id))["outcome"] == "ok"


async def test_get_only_tick_route_shows_its_405(emulator: Emulator, start_stub) -> None:
    async def get_only(_request: web.Request, _payload: Any) -> web.StreamResponse:
        raise web.HTTPMethodNotAllowed("POST", ["GET"])

    _, integration_id, channel_id = await setup_pair(emulator, start_stub, tick=get_only)

    tick = await tick_now(emulator, integration_id, channel_id)

    assert tick["outcome"] == "error"
    assert tick["status_code"] == 405
    assert tick["reason"].startswith("HTTP 405: the tick route only accepts GET?")
    assert "POST" in tick["reason"]
    (delivery,) = await emulator.call("GET", "/-/deliveries?kind=tick", status=200)
    assert delivery["status_code"] == 405
    assert delivery["reason"] == tick["reason"]


async def test_server_error_is_an_error_with_the_body(emulator: Emulator, start_stub) -> None:
    _, integration_id, channel_id = await setup_pair(
        emulator, start_stub, tick=stubs.reply_text("boom", status=500)
    )
    tick = await tick_now(emulator, integration_id, channel_id)
    assert (tick["outcome"], tick["status_code"], tick["reason"]) == (
        "error",
        500,
        "HTTP 500: boom",
    )


async def test_slow_tick_route_times_out(config, make_emulator, start_stub) -> None:
    emulator = await make_emulator(replace(config, tick_timeout_s=0.2))
    release = asyncio.Event()

    async def never(_request: web.Request, _payload: Any) -> web.StreamResponse:
        await release.wait()
        return web.Response(status=202)

    _, integration_id, channel_id = await setup_pair(emulator, start_stub, tick=never)
    try:
        tick = await tick_now(emulator, integration_id, channel_id)
    finally:
        release.set()
    assert tick["outcome"] == "timeout"
    assert tick["status_code"] is None
    assert "0.2 s" in tick["reason"]


async def test_unreachable_tick_url_is_an_error(emulator: Emulator, start_stub) -> None:
    stub, integration_id, channel_id = await setup_pair(emulator, start_stub)
    org_id = (await emulator.call("GET", "/api/v1/organisations"))["data"][0]["id"]
    await emulator.call(
        "PUT",
        f"/api/v1/organisations/{org_id}/integrations/custom/{integration_id}",
        {"tick_url": "http://127.0.0.1:9/tick"},
        status=200,
    )
    tick = await tick_now(emulator, integration_id, channel_id)
    assert tick["outcome"] == "error"
    assert "refused" in tick["reason"] or "unreachable" in tick["reason"]
    assert stub.bodies("/tick") == []


async def test_no_tick_url_is_skipped_with_a_reason(emulator: Emulator, start_stub) -> None:
    _, integration_id, channel_id = await setup_pair(emulator, start_stub, extra={"tick_url": ""})
    tick = await tick_now(emulator, integration_id, channel_id)
    assert tick["outcome"] == "skipped"
    assert "tick_url" in tick["reason"]
    assert await emulator.call("GET", "/-/deliveries?kind=tick", status=200) == []


async def test_tick_now_errors(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="modifier")
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    modifier = await emulator.install(org["id"], stub)

    missing = await emulator.call("POST", "/-/ticks", {"channel_id": channel["id"]}, status=422)
    assert missing["data"]["errors"][0]["path"] == "integration_id"
    body = {"integration_id": modifier["id"], "channel_id": channel["id"]}
    inactive = await emulator.call("POST", "/-/ticks", body, status=404)
    assert "not active" in inactive["message"]
    await emulator.activate(org["id"], modifier["id"], channel["id"])
    wrong_kind = await emulator.call("POST", "/-/ticks", body, status=409)
    assert "only interval integrations tick" in wrong_kind["message"]
    await emulator.call("POST", "/-/ticks", [1], status=400)


async def test_tick_list_filters(emulator: Emulator, start_stub) -> None:
    _, integration_id, channel_id = await setup_pair(emulator, start_stub)
    await tick_now(emulator, integration_id, channel_id)
    await emulator.call("POST", "/-/clock/advance", {"seconds": 600}, status=200)

    everything = await emulator.call("GET", "/-/ticks", status=200)
    assert len(everything) == 3
    assert everything[0]["fired_at"] >= everything[-1]["fired_at"]  # newest first
    manual = await emulator.call("GET", "/-/ticks?trigger=manual", status=200)
    assert [t["trigger"] for t in manual] == ["manual"]
    scheduled = await emulator.call(
        "GET", f"/-/ticks?trigger=schedule&integration_id={integration_id}"
    )
    assert len(scheduled) == 2
    assert await emulator.call("GET", "/-/ticks?outcome=error", status=200) == []
    assert len(await emulator.call("GET", "/-/ticks?limit=1", status=200)) == 1
    await emulator.call("GET", "/-/ticks?limit=x", status=400)


async def test_two_emulators_on_one_database_fire_a_scheduled_time_once(
    config, make_emulator, start_stub
) -> None:
    """The claim is one conditional UPDATE: atomic across processes sharing the file."""
    first = await make_emulator(config)
    stub, _integration_id, channel_id = await setup_pair(first, start_stub)
    second = await make_emulator(config)  # the same database, its own port
    scheduled_for = datetime(2030, 1, 1, tzinfo=UTC)

    both = (first, second)
    pairs = [await e.services.integrations.active(channel_id=channel_id) for e in both]
    fired = await asyncio.gather(
        *(
            e.services.ticks.fire_many(active, scheduled_for, "schedule")
            for e, active in zip(both, pairs, strict=True)
        )
    )

    assert sorted(len(records) for records in fired) == [0, 1]
    assert len(stub.bodies("/tick")) == 1
    again = await second.services.ticks.fire_many(pairs[1], scheduled_for, "schedule")
    assert again == []
