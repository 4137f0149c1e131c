"""Tick dispatch and return-webhook ingestion, each against a bare baseline in the same run.

Usage: python bench/scheduler.py [--quick]

1. Ticks: 10,000 active (interval integration, channel) pairs (1,000 with --quick) on
   `* * * * *`, rows inserted straight through the DB layer; the emulator runs in this
   process on a virtual clock and `Scheduler.advance(60)` fires every pair once against a
   stub tick route in a child process. Baseline: the same tick bodies POSTed by the same
   OutboundClient, all at once. Target: ratio <= 2.
2. Returns: the emulator (`python -m emulator serve`, temp SQLite, strict mode) in a child
   process takes valid return bodies on /v1/webhooks/{channel_id} from this process.
   Baseline: a bare aiohttp handler in a child process writing the same two rows (the
   returns log entry and the channel message) with aiosqlite, one commit per request.
   Target: >= 2,000/s and >= 0.5x the baseline.

Loopback only; every child process is stopped in a `finally`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `emulator` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web

from bench.common import child_server, drive, free_port, serve_app

TICK_RATIO_TARGET = 2.0
RETURNS_RATE_TARGET = 2000.0
RETURNS_RATIO_TARGET = 0.5
INTEGRATIONS = 100  # pairs = INTEGRATIONS x channels
RETURN_CONCURRENCY = 32
SCRIPT = str(Path(__file__).resolve())


# -- child processes ---------------------------------------------------------------------


def tick_stub_app() -> web.Application:
    """A tick route like most real ones: read the body, answer 202 at once."""

    async def tick(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202, text="accepted")

    app = web.Application()
    app.router.add_post("/tick", tick)
    return app


def bare_returns_app(db_path: str) -> web.Application:
    """The floor for ingestion: parse, check the four keys, insert two rows, commit."""
    import aiosqlite

    app = web.Application()
    allowed = {"message", "username", "event_name", "status"}
    state: dict[str, Any] = {"seq": 0}

    async def open_db(app: web.Application) -> Any:
        db = await aiosqlite.connect(db_path)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.executescript(
            """
            CREATE TABLE IF NOT EXISTS returns (id TEXT PRIMARY KEY, channel_id TEXT,
              path TEXT, method TEXT, content_type TEXT, body TEXT, accepted BOOLEAN,
              verdict JSON, warning TEXT, message_id TEXT, tick_id TEXT,
              integration_id TEXT, correlation TEXT, received_at DATETIME);
            CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, channel_id TEXT,
              thread_id TEXT, content TEXT, original_content TEXT, username TEXT,
              source TEXT, event_name TEXT, status TEXT, integration_id TEXT, trace JSON,
              warning TEXT, seq INTEGER, created_at DATETIME);
            """
        )
        state["db"] = db
        yield
        await db.close()

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        ok = isinstance(body, dict) and set(body) <= allowed
        verdict = {"status": "success", "status_code": 202, "message": "message received"}
        now = datetime.now(UTC).isoformat()
        message_id = str(uuid.uuid4())
        state["seq"] += 1
        db = state["db"]
        await db.execute(
            "INSERT INTO returns VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                str(uuid.uuid4()),
                request.match_info["channel_id"],
                request.path,
                "POST",
                request.content_type,
                raw.decode(),
                ok,
                json.dumps(verdict),
                None,
                message_id,
                None,
                None,
                "orphan",
                now,
            ),
        )
        await db.execute(
            "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                message_id,
                request.match_info["channel_id"],
                None,
                body["message"],
                body["message"],
                body["username"],
                "webhook",
                body["event_name"],
                body["status"],
                None,
                "[]",
                None,
                state["seq"],
                now,
            ),
        )
        await db.commit()
        return web.json_response(verdict, status=202)

    app.cleanup_ctx.append(open_db)
    app.router.add_post("/v1/webhooks/{channel_id}", receive)
    return app


# -- ticks -------------------------------------------------------------------------------


def interval_spec(tick_url: str, n: int) -> dict[str, Any]:
    return {
        "data": {
            "descriptions": {"app_name": f"Bench interval {n}", "app_url": tick_url},
            "integration_type": "interval",
            "integration_category": "Monitoring & Logging",
            "is_active": True,
            "settings": [
                {"label": "interval", "type": "text", "required": True, "default": "* * * * *"},
                {"label": "sites", "type": "text", "required": True, "default": "https://a.b"},
            ],
            "target_url": "",
            "tick_url": tick_url,
        }
    }


async def seed_pairs(services: Any, tick_url: str, pairs: int) -> None:
    from sqlalchemy import insert

    from emulator.db import models

    now = services.clock.now()
    org_id = models.new_id()
    channels = [models.new_id() for _ in range(pairs // INTEGRATIONS)]
    integrations = [models.new_id() for _ in range(INTEGRATIONS)]
    async with services.db.write() as session:
        await session.execute(
            insert(models.Organisation), [{"id": org_id, "name": "bench", "created_at": now}]
        )
        await session.execute(
            insert(models.Channel),
            [
                {
                    "id": c,
                    "organisation_id": org_id,
                    "name": f"c{i}",
                    "description": "",
                    "created_at": now,
                }
                for i, c in enumerate(channels)
            ],
        )
        await session.execute(
            insert(models.Integration),
            [
                {
                    "id": i,
                    "organisation_id": org_id,
                    "json_url": None,
                    "spec": interval_spec(tick_url, n),
                    "integration_type": "interval",
                    "app_name": f"Bench interval {n}",
                    "target_url": None,
                    "tick_url": tick_url,
                    "settings": {},
                    "warnings": [],
                    "created_at": now,
                    "updated_at": now,
                }
                for n, i in enumerate(integrations)
            ],
        )
        await session.execute(
            insert(models.Activation),
            [
                {
                    "channel_id": c,
                    "integration_id": i,
                    "is_active": True,
                    "settings": {},
                    "position": n,
                    "updated_at": now,
                }
                for c in channels
                for n, i in enumerate(integrations)
            ],
        )


@dataclass
class Timed:
    wall_s: float
    cpu_s: float  # this process only: the stub's work is not in it


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[Timed, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = await work()
    return Timed(time.perf_counter() - wall, time.process_time() - cpu), result


async def bench_ticks(pairs: int, stub_url: str, rounds: int = 2) -> tuple[Timed, Timed, int]:
    """(emulator, baseline, ticks ok): best of `rounds` advances of 60 s over `pairs`,
    against the best of `rounds` + 1 bare runs of the same POSTs, interleaved."""
    from emulator.app import create_app
    from emulator.config import Config
    from emulator.keys import services_key
    from emulator.payloads import tick_body

    tick_url = f"{stub_url}/tick"
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(port=free_port(), db_path=str(Path(tmp) / "ticks.db"), clock_mode="virtual")
        app = create_app(config)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()  # runs services_ctx; no socket needed for ticks
        try:
            services = app[services_key]
            await seed_pairs(services, tick_url, pairs)
            actives = await services.integrations.active(integration_type="interval")
            assert len(actives) == pairs, len(actives)
            bodies = [
                tick_body(
                    channel_id=a.channel_id,
                    return_url=config.return_url(a.channel_id),
                    settings=a.settings,
                )
                for a in actives
            ]
            outbound = services.outbound

            async def bare() -> None:
                results = await asyncio.gather(
                    *(outbound.post_json(tick_url, b, config.tick_timeout_s) for b in bodies)
                )
                assert all(r.ok for r in results), "the stub failed some POSTs"

            await bare()  # warm-up: open the pool's connections
            baselines, runs, ok = [], [], 0
            for _ in range(rounds):
                baselines.append((await timed(bare))[0])
                run, advanced = await timed(lambda: services.scheduler.advance(seconds=60))
                runs.append(run)
                ok = sum(1 for t in advanced["ticks"] if t["outcome"] == "ok")
                assert len(advanced["ticks"]) == pairs, len(advanced["ticks"])
            baselines.append((await timed(bare))[0])
        finally:
            await runner.cleanup()
    best = min(runs, key=lambda t: t.wall_s)
    floor = min(baselines, key=lambda t: t.wall_s)
    return best, floor, ok


# -- returns -----------------------------------------------------------------------------


async def seed_channels(session: aiohttp.ClientSession, url: str, count: int) -> list[str]:
    async with session.post(f"{url}/api/v1/organisations", json={"name": "bench"}) as r:
        org_id = (await r.json())["data"]["id"]
    channels = []
    for n in range(count):
        body = {"name": f"c{n}", "organisation_id": org_id}
        async with session.post(f"{url}/api/v1/channels", json=body) as r:
            channels.append((await r.json())["data"]["id"])
    return channels


def return_bodies(n: int) -> list[dict[str, Any]]:
    return [
        {
            "message": f"check {i}: all up",
            "username": "Bench",
            "event_name": "check",
            "status": "success",
        }
        for i in range(n)
    ]


async def measure_returns(url: str, channel_id: str, bodies: list[Any]) -> float:
    connector = aiohttp.TCPConnector(limit=RETURN_CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        target = f"{url}/v1/webhooks/{channel_id}"
        await drive(session, target, bodies[:200], RETURN_CONCURRENCY)  # warm-up
        result = await drive(session, target, bodies, RETURN_CONCURRENCY, keep_replies=True)
    assert result.failures == 0
    assert all(r["status"] == "success" for r in result.replies)
    return result.rate


async def bench_returns(count: int, tmp: str) -> tuple[float, float]:
    bodies = return_bodies(count)
    emulator = [
        sys.executable,
        "-m",
        "emulator",
        "serve",
        "--port",
        str(free_port()),
        "--db",
        str(Path(tmp) / "returns.db"),
        "--clock",
        "virtual",
    ]
    with child_server(emulator) as url:
        async with aiohttp.ClientSession() as session:
            (channel_id,) = await seed_channels(session, url, 1)
        emulator_rate = await measure_returns(url, channel_id, bodies)
    bare = [
        sys.executable,
        SCRIPT,
        "--serve-bare",
        str(Path(tmp) / "bare.db"),
    ]
    with child_server(bare) as url:
        bare_rate = await measure_returns(url, str(uuid.uuid4()), bodies)
    return emulator_rate, bare_rate


# -- main --------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


async def run(quick: bool) -> int:
    """Print both figures; exit 1 only when something broke (a lost or failed tick).

    A missed target is printed, not fatal: the figures depend on the machine's load, and
    `--quick` runs in the test suite.
    """
    pairs = 1_000 if quick else 10_000
    returns_count = 1_000 if quick else 5_000
    stub = [sys.executable, SCRIPT, "--serve-stub"]
    with child_server(stub) as stub_url:
        emulator, baseline, ok = await bench_ticks(pairs, stub_url)
    ratio = emulator.wall_s / baseline.wall_s
    print(
        f"ticks: {emulator.wall_s:.2f} s, baseline {baseline.wall_s:.2f} s, ratio {ratio:.2f} "
        f"(target <= {TICK_RATIO_TARGET:g}x: {verdict(ratio <= TICK_RATIO_TARGET)}; "
        f"{pairs} pairs dispatched by advance(60), {ok} ok; CPU {emulator.cpu_s:.2f} s "
        f"vs {baseline.cpu_s:.2f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        emulator_rate, bare_rate = await bench_returns(returns_count, tmp)
    returns_ratio = emulator_rate / bare_rate
    met = emulator_rate >= RETURNS_RATE_TARGET and returns_ratio >= RETURNS_RATIO_TARGET
    print(
        f"returns: {emulator_rate:.0f}/s, baseline {bare_rate:.0f}/s, ratio {returns_ratio:.2f} "
        f"(target >= {RETURNS_RATE_TARGET:.0f}/s and >= {RETURNS_RATIO_TARGET}x: {verdict(met)}; "
        f"{returns_count} valid bodies, concurrency {RETURN_CONCURRENCY}, stored with their "
        "channel messages)"
    )
    return 0 if ok == pairs else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pairs, 1,000 returns")
    parser.add_argument("--serve-stub", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stub:
        serve_app(tick_stub_app())
    elif args.serve_bare:
        serve_app(bare_returns_app(args.serve_bare))
    else:
        raise SystemExit(asyncio.run(run(args.quick)))


if __name__ == "__main__":
    main()
