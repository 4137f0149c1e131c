"""Scheduled ticks: the virtual clock, the schedule listing, restarts, the real scheduler."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from sqlalchemy import select, update

from emulator import cron
from emulator.config import Config
from emulator.cron import latest_at_or_before, merge_fire_times
from emulator.db import models
from emulator.errors import ValidationFailed
from emulator.integrations import ActiveIntegration
from tests import stubs
from tests.conftest import Emulator, replace

EVERY_5 = {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}
YEARLY = {"label": "interval", "type": "text", "required": True, "default": "0 0 1 1 *"}
LIMIT = {"label": "limit", "type": "number", "required": False, "default": 1000}


def parse(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


async def setup_pair(
    emulator: Emulator, stub: stubs.Stub, settings: dict | None = None
) -> tuple[str, str, str]:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    integration = await emulator.install(org["id"], stub)
    await emulator.activate(org["id"], integration["id"], channel["id"], settings)
    return org["id"], integration["id"], channel["id"]


async def advance(emulator: Emulator, seconds: float) -> dict[str, Any]:
    return await emulator.call("POST", "/-/clock/advance", {"seconds": seconds}, status=200)


async def scheduled_times(emulator: Emulator) -> list[datetime]:
    async with emulator.services.db.read() as session:
        rows = await session.scalars(
            select(models.Tick.scheduled_for)
            .where(models.Tick.trigger == "schedule")
            .order_by(models.Tick.scheduled_for)
        )
        return list(rows)


async def test_every_five_minutes_for_an_hour_is_twelve_exact_ticks(
    emulator: Emulator, start_stub
) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5, LIMIT])
    _, integration_id, channel_id = await setup_pair(emulator, stub)
    start = emulator.services.clock.now()

    data = await advance(emulator, 3600)

    expected_times = list(cron.fire_times("*/5 * * * *", start, start + timedelta(hours=1)))
    assert len(expected_times) == 12
    assert [parse(t["scheduled_for"]) for t in data["ticks"]] == expected_times
    assert all(t["fired_at"] == t["scheduled_for"] for t in data["ticks"])  # stamped
    assert {(t["outcome"], t["status_code"], t["trigger"]) for t in data["ticks"]} == {
        ("ok", 202, "schedule")
    }
    assert parse(data["now"]) == start + timedelta(hours=1)
    bodies = stub.bodies("/tick")
    assert len(bodies) == 12
    expected_body = {
        "channel_id": channel_id,
        "return_url": f"{emulator.config.base_url()}/v1/webhooks/{channel_id}",
        "settings": [
            {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"},
            {"label": "limit", "type": "number", "required": False, "default": 1000},
        ],
    }
    for body in bodies:
        assert body == expected_body
        assert list(body) == ["channel_id", "return_url", "settings"]
    deliveries = await emulator.call(
        "GET", f"/-/deliveries?kind=tick&integration_id={integration_id}"
    )
    assert len(deliveries) == 12


async def test_channel_override_interval_is_used(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    await setup_pair(emulator, stub, {"interval": "0 * * * *"})
    data = await advance(emulator, 3 * 3600)
    assert len(data["ticks"]) == 3
    assert stub.bodies("/tick")[0]["settings"][0]["default"] == "0 * * * *"


async def test_pairs_firing_at_one_instant_fire_together_in_time_order(
    emulator: Emulator, start_stub
) -> None:
    fast = await start_stub(kind="interval", settings=[EVERY_5])
    hourly = await start_stub(kind="interval", settings=[{**EVERY_5, "default": "0 * * * *"}])
    org_id, fast_id, channel_id = await setup_pair(emulator, fast)
    slow = await emulator.install(org_id, hourly)
    await emulator.activate(org_id, slow["id"], channel_id)
    second = await emulator.channel(org_id, "second")
    await emulator.activate(org_id, fast_id, second["id"])

    data = await advance(emulator, 2 * 3600)

    times = [t["scheduled_for"] for t in data["ticks"]]
    assert times == sorted(times)
    assert len(data["ticks"]) == 24 + 24 + 2
    assert len(fast.bodies("/tick")) == 48
    assert len(hourly.bodies("/tick")) == 2


async def test_spec_without_interval_never_fires_on_schedule(
    emulator: Emulator, start_stub
) -> None:
    stub = await start_stub(kind="interval", settings=[LIMIT])
    org = await emulator.org()
    installed = await emulator.install(org["id"], stub)
    assert any("on demand" in w["message"] for w in installed["warnings"])
    _, integration_id, channel_id = await setup_pair(emulator, stub)

    assert (await advance(emulator, 86400))["ticks"] == []
    assert stub.bodies("/tick") == []
    (item,) = await emulator.call("GET", "/-/schedule", status=200)
    assert item["interval"] is None
    assert item["next_fire_at"] is None
    assert "on demand" in item["reason"]

    body = {"integration_id": integration_id, "channel_id": channel_id}
    tick = await emulator.call("POST", "/-/ticks", body, status=200)
    assert tick["outcome"] == "ok"
    assert len(stub.bodies("/tick")) == 1


async def test_invalid_interval_cannot_be_activated(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=[{**EVERY_5, "default": "Daily"}])
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    integration = await emulator.install(org["id"], stub)  # installs, with a warning
    assert integration["warnings"]
    path = (
        f"/api/v1/organisations/{org['id']}/integrations/{integration['id']}"
        f"/channels/{channel['id']}/settings"
    )

    refused = await emulator.call("PUT", path, {"is_active": True}, status=422)
    assert refused["data"]["errors"][0]["path"] == "settings.interval"
    assert refused["data"]["errors"][0]["hint"]
    bad_value = {"is_active": True, "settings": {"interval": "60"}}
    await emulator.call("PUT", path, bad_value, status=422)

    fixed = {"is_active": True, "settings": {"interval": "*/5 * * * *"}}
    await emulator.call("PUT", path, fixed, status=200)
    assert len((await advance(emulator, 600))["ticks"]) == 2


async def test_deactivated_pair_stops_firing(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    org_id, integration_id, channel_id = await setup_pair(emulator, stub)
    assert len((await advance(emulator, 600))["ticks"]) == 2
    path = (
        f"/api/v1/organisations/{org_id}/integrations/{integration_id}"
        f"/channels/{channel_id}/settings"
    )
    await emulator.call("PUT", path, {"is_active": False}, status=200)
    assert (await advance(emulator, 600))["ticks"] == []
    assert await emulator.call("GET", "/-/schedule", status=200) == []


async def test_schedule_lists_next_fire_times(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    _, integration_id, channel_id = await setup_pair(emulator, stub)
    now = emulator.services.clock.now()

    (item,) = await emulator.call("GET", "/-/schedule", status=200)

    assert item["integration_id"] == integration_id
    assert item["channel_id"] == channel_id
    assert item["app_name"] == "Stub interval"
    assert item["interval"] == "*/5 * * * *"
    assert parse(item["next_fire_at"]) == cron.next_after("*/5 * * * *", now)
    await advance(emulator, 300)
    (item,) = await emulator.call("GET", "/-/schedule", status=200)
    assert parse(item["next_fire_at"]) == cron.next_after(
        "*/5 * * * *", emulator.services.clock.now()
    )
    assert item["last_tick_for"] is not None


async def test_restart_fires_nothing_twice(
    config: Config, make_emulator: Any, start_stub: Any
) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    first = await make_emulator(config)
    await setup_pair(first, stub)
    assert len((await advance(first, 3600))["ticks"]) == 12
    last = max(await scheduled_times(first))
    await first.client.close()

    second = await make_emulator(config)  # same database file
    # the virtual clock resumes where the scheduled ticks left off, never before
    assert second.services.clock.now() >= last
    await second.services.drain()
    assert len(stub.bodies("/tick")) == 12  # nothing fired at start
    assert len((await advance(second, 3600))["ticks"]) == 12

    times = await scheduled_times(second)
    assert len(times) == len(set(times)) == 24
    assert all(b - a == timedelta(minutes=5) for a, b in itertools.pairwise(times))
    assert len(stub.bodies("/tick")) == 24


async def test_restart_fires_a_missed_tick_once(
    config: Config, make_emulator: Any, start_stub: Any
) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    first = await make_emulator(config)
    await setup_pair(first, stub)
    # The last scheduled tick was 30 minutes ago: six ticks were missed "while down".
    long_ago = latest_at_or_before("*/5 * * * *", first.services.clock.now()) - timedelta(
        minutes=30
    )
    async with first.services.db.write() as session:
        await session.execute(update(models.Activation).values(last_tick_for=long_ago))
    await first.client.close()

    second = await make_emulator(config)
    await second.services.drain()

    now = second.services.clock.now()
    assert len(stub.bodies("/tick")) == 1
    ticks = await second.call("GET", "/-/ticks", status=200)
    assert len(ticks) == 1
    assert ticks[0]["trigger"] == "schedule"
    assert parse(ticks[0]["scheduled_for"]) == latest_at_or_before("*/5 * * * *", now)
    # and the schedule goes on from there, without repeating the coalesced time
    data = await advance(second, 600)
    assert len(data["ticks"]) == 2
    times = await scheduled_times(second)
    assert len(times) == len(set(times)) == 3


async def test_real_clock_scheduler_jobs_and_missed_tick(
    config: Config, make_emulator: Any, start_stub: Any
) -> None:
    real = replace(config, clock_mode="real")
    stub = await start_stub(kind="interval", settings=[YEARLY])
    first = await make_emulator(real)
    assert first.services.scheduler.job_count() == 0
    org_id, integration_id, channel_id = await setup_pair(first, stub)
    assert first.services.scheduler.job_count() == 1  # reconciled on activation
    second_channel = await first.channel(org_id, "second")
    await first.activate(org_id, integration_id, second_channel["id"])
    assert first.services.scheduler.job_count() == 2
    path = (
        f"/api/v1/organisations/{org_id}/integrations/{integration_id}"
        f"/channels/{second_channel['id']}/settings"
    )
    await first.call("PUT", path, {"is_active": False}, status=200)
    assert first.services.scheduler.job_count() == 1

    # Down since two years ago: only the latest missed yearly tick fires, once.
    async with first.services.db.write() as session:
        await session.execute(
            update(models.Activation).values(last_tick_for=datetime.now(UTC) - timedelta(days=800))
        )
    await first.client.close()

    second = await make_emulator(real)
    await second.services.drain()
    assert second.services.scheduler.job_count() == 1
    ticks = await second.call("GET", "/-/ticks", status=200)
    assert len(ticks) == 1
    assert ticks[0]["channel_id"] == channel_id
    assert parse(ticks[0]["scheduled_for"]) == latest_at_or_before("0 0 1 1 *", datetime.now(UTC))
    assert len(stub.bodies("/tick")) == 1
    (item,) = await second.call("GET", "/-/schedule", status=200)
    assert parse(item["next_fire_at"]) == cron.next_after("0 0 1 1 *", datetime.now(UTC))


async def test_real_clock_job_fires_once_per_scheduled_time(
    config: Config, make_emulator: Any, start_stub: Any
) -> None:
    real = await make_emulator(replace(config, clock_mode="real"))
    stub = await start_stub(kind="interval", settings=[YEARLY])
    _, integration_id, channel_id = await setup_pair(real, stub)
    scheduler = real.services.scheduler
    job = scheduler.job(integration_id, channel_id)
    assert job is not None
    assert job.next_run_time == cron.next_after("0 0 1 1 *", datetime.now(UTC))
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 300)
    ran = asyncio.Event()
    scheduler.add_listener(lambda _event: ran.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    # Make the job due now: it fires the tick for the latest scheduled time...
    job.modify(next_run_time=datetime.now(UTC))
    await asyncio.wait_for(ran.wait(), 5)
    (tick,) = await real.call("GET", "/-/ticks", status=200)
    assert tick["trigger"] == "schedule"
    assert tick["outcome"] == "ok"
    assert parse(tick["scheduled_for"]) == latest_at_or_before("0 0 1 1 *", datetime.now(UTC))

    # ...and running it again for that same time fires nothing.
    ran.clear()
    job.modify(next_run_time=datetime.now(UTC))
    await asyncio.wait_for(ran.wait(), 5)
    assert len(await real.call("GET", "/-/ticks", status=200)) == 1
    assert len(stub.bodies("/tick")) == 1


def test_merge_fire_times_groups_instants_and_bounds_the_work() -> None:
    def pair(name: str, interval: str | None) -> ActiveIntegration:
        return ActiveIntegration(
            integration_id=name,
            channel_id="c",
            organisation_id="o",
            integration_type="interval",
            app_name=name,
            target_url=None,
            tick_url="http://127.0.0.1:1/tick",
            settings=[],
            interval=interval,
            position=1,
            display_name=None,
        )

    def interval_of(active: ActiveIntegration) -> str | None:
        return active.interval

    start = datetime(2025, 1, 1, tzinfo=UTC)
    pairs = [pair("a", "*/5 * * * *"), pair("b", "0 * * * *"), pair("c", None), pair("d", "")]
    plan = merge_fire_times(pairs, interval_of, start, start + timedelta(hours=1), limit=100)
    assert list(plan) == sorted(plan)
    assert len(plan) == 12
    assert [p.integration_id for p in plan[start + timedelta(hours=1)]] == ["a", "b"]
    with pytest.raises(ValidationFailed, match="more than 5 ticks"):
        merge_fire_times(pairs, interval_of, start, start + timedelta(hours=1), limit=5)


async def test_reset_leaves_nothing_to_fire(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    await setup_pair(emulator, stub)
    assert len((await advance(emulator, 300))["ticks"]) == 1
    await emulator.call("POST", "/-/reset", status=200)
    assert (await advance(emulator, 3600))["ticks"] == []
    assert len(stub.bodies("/tick")) == 1
    assert await emulator.call("GET", "/-/schedule", status=200) == []


async def test_reset_removes_the_real_clock_jobs(
    config: Config, make_emulator: Any, start_stub: Any
) -> None:
    real = await make_emulator(replace(config, clock_mode="real"))
    stub = await start_stub(kind="interval", settings=[EVERY_5])
    _, integration_id, channel_id = await setup_pair(real, stub)
    assert real.services.scheduler.job(integration_id, channel_id) is not None

    await real.call("POST", "/-/reset", status=200)

    # A job left behind would fire every five minutes and log "no active pair".
    assert real.services.scheduler.job_count() == 0
    assert real.services.scheduler.job(integration_id, channel_id) is None
    assert await real.call("GET", "/-/schedule", status=200) == []
