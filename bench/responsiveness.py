"""`/-/ready` latency while every integration misbehaves, against the same server idle.

Usage: python bench/responsiveness.py [--quick]

Two child processes besides this driver: the misbehaving integrations of
tests/test_misbehaving.py (slow past every timeout, connection reset, 503, invalid JSON,
50 MB answers, a chunked dribble, closing without an answer, non-HTTP bytes) and the
emulator (`python -m emulator serve` on a temp SQLite file, Telex's 1 s modifier budget,
`--tick-timeout 2`). Eight channels each have a modifier, an output and an interval aimed
at one behaviour. The driver then probes `GET /-/ready` one request at a time: first
with the emulator idle (the baseline, same run, same machine), then while message
senders and tick-now callers keep every channel busy. Reported: p50 and p99 of both, and
the ratio of the p99s (absolute times on a shared machine are noise).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench`, `emulator`, `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.common import Child, child_process, percentile, python_module

SENDERS = 32  # concurrent message senders
TICKERS = 4  # concurrent tick-now callers


def serve_misbehaving() -> None:
    """Child process: the misbehaving integrations until SIGINT/SIGTERM."""
    from tests.test_misbehaving import Misbehaving

    async def run() -> None:
        async with Misbehaving() as server:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            print(f"ready on {server.url}", flush=True)
            await stop.wait()

    asyncio.run(run())


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    async with http.request(method, url, json=body) as response:
        data = await response.json(content_type=None)
        if response.status >= 300:
            raise SystemExit(f"{method} {url} answered {response.status}: {data}")
    return data["data"] if "/api/v1/" in url else data


async def seed(http: aiohttp.ClientSession, base: str, target: str) -> list[dict[str, str]]:
    """One channel per behaviour, each with a modifier, an output and an interval."""
    from tests.test_misbehaving import BEHAVIOURS, spec

    org = await call(http, "POST", f"{base}/api/v1/organisations", {"name": "Bench"})
    rooms = []
    for behaviour in BEHAVIOURS:
        body = {"name": behaviour, "organisation_id": org["id"]}
        channel = await call(http, "POST", f"{base}/api/v1/channels", body)
        room = {"behaviour": behaviour, "channel_id": channel["id"]}
        for kind in ("modifier", "output", "interval"):
            installed = await call(
                http,
                "POST",
                f"{base}/api/v1/organisations/{org['id']}/integrations/custom",
                {"spec": spec(kind, f"{target}/{behaviour}")},
            )
            await call(
                http,
                "PUT",
                f"{base}/api/v1/organisations/{org['id']}/integrations/{installed['id']}"
                f"/channels/{channel['id']}/settings",
                {"is_active": True},
            )
            room[kind] = installed["id"]
        rooms.append(room)
    return rooms


async def probe(
    http: aiohttp.ClientSession, base: str, count: int = 0, seconds: float = 0.0
) -> list[float]:
    """Sequential GET /-/ready, `count` of them or for `seconds`; each latency in ms."""
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    while len(latencies) < count or time.perf_counter() < until:
        started = time.perf_counter()
        async with http.get(f"{base}/-/ready") as response:
            await response.read()
            if response.status != 200:
                raise SystemExit(f"/-/ready answered {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def drive_load(base: str, rooms_file: str) -> None:
    """Child process: messages and ticks to every channel, round robin, until SIGINT."""
    rooms = json.loads(Path(rooms_file).read_text())

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def sender(start: int) -> None:
                for n in itertools.count(start):
                    room = rooms[n % len(rooms)]
                    path = f"{base}/api/v1/channels/{room['channel_id']}/messages"
                    await call(http, "POST", path, {"content": f"load {n}"})

            async def ticker(start: int) -> None:
                for n in itertools.count(start):
                    room = rooms[n % len(rooms)]
                    body = {"integration_id": room["interval"], "channel_id": room["channel_id"]}
                    await call(http, "POST", f"{base}/-/ticks", body)

            workers = [asyncio.ensure_future(sender(i)) for i in range(SENDERS)]
            workers += [asyncio.ensure_future(ticker(i * 3)) for i in range(TICKERS)]
            print("ready on load", flush=True)
            waiting = asyncio.ensure_future(stop.wait())
            finished, _ = await asyncio.wait([waiting, *workers], return_when="FIRST_COMPLETED")
            for task in [waiting, *workers]:
                task.cancel()
            await asyncio.gather(waiting, *workers, return_exceptions=True)
            for task in finished:  # a worker that stopped on its own failed: say why
                if task is not waiting and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]

    asyncio.run(run())


async def counts(http: aiohttp.ClientSession, base: str, rooms: list[dict[str, str]]) -> str:
    messages = 0
    for room in rooms:
        path = f"{base}/api/v1/channels/{room['channel_id']}/messages?limit=1000"
        messages += len(await call(http, "GET", path))
    ticks = len(await call(http, "GET", f"{base}/-/ticks?limit=100000"))
    deliveries = await call(http, "GET", f"{base}/-/deliveries?limit=1000")
    outcomes = Counter(row["outcome"] for row in deliveries)
    return (
        f"{messages} messages and {ticks} ticks; last {len(deliveries)} deliveries: "
        + ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
    )


def measure(emulator: Child, target: str, probes: int, seconds: float) -> None:
    base = emulator.url

    async def setup() -> tuple[list[dict[str, str]], list[float]]:
        async with aiohttp.ClientSession() as http:
            rooms = await seed(http, base, target)
            await probe(http, base, 100)  # warm up: connection, caches
            return rooms, await probe(http, base, probes)

    async def under_load() -> tuple[list[float], str]:
        async with aiohttp.ClientSession() as http:
            await probe(http, base, seconds=seconds / 5)  # let the load build up
            cpu_before, started = emulator.cpu_s(), time.perf_counter()
            busy = await probe(http, base, seconds=seconds)
            cpu = (emulator.cpu_s() - cpu_before) / (time.perf_counter() - started)
            return busy, f"{await counts(http, base, rooms)}; emulator CPU {cpu:.0%}"

    rooms, idle = asyncio.run(setup())
    with tempfile.NamedTemporaryFile("w", suffix=".json") as rooms_file:
        json.dump(rooms, rooms_file)
        rooms_file.flush()
        load = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--drive-load",
            base,
            rooms_file.name,
        ]
        with child_process(load):
            busy, sent = asyncio.run(under_load())

    idle_p99, busy_p99 = percentile(idle, 99), percentile(busy, 99)
    print(f"misbehaving load: {sent}")
    print(
        f"ready p50 under misbehaving load: {percentile(busy, 50):.2f} ms "
        f"(idle {percentile(idle, 50):.2f} ms, {len(busy)} probes)"
    )
    print(
        f"ready p99 under misbehaving load: {busy_p99:.2f} ms "
        f"(idle {idle_p99:.2f} ms, ratio {busy_p99 / idle_p99:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer probes")
    parser.add_argument("--serve-misbehaving", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drive-load", nargs=2, metavar=("URL", "ROOMS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_misbehaving:
        serve_misbehaving()
        return
    if args.drive_load:
        drive_load(*args.drive_load)
        return
    probes, seconds = (500, 3.0) if args.quick else (3000, 15.0)
    with tempfile.TemporaryDirectory(prefix="bench-ready-") as tmp:
        emulator_command = python_module(
            "emulator", "serve", "--port", "0", "--db", str(Path(tmp) / "bench.db"),
            "--clock", "virtual", "--tick-timeout", "2",
        )  # fmt: skip
        misbehaving_command = [sys.executable, str(Path(__file__).resolve()), "--serve-misbehaving"]
        with child_process(misbehaving_command) as target, child_process(emulator_command) as emu:
            measure(emu, target.url, probes, seconds)


if __name__ == "__main__":
    main()
