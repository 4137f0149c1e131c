"""Regression-testing costs: replay vs fresh sends, snapshot restore vs reset, seed files.

Usage: python bench/replay.py [--quick]

Two processes besides this driver: a stub modifier (upper-cases the text) and the
emulator (`python -m emulator serve` on a temp SQLite file). Measured in one run:

- replay: N messages sent fresh through one modifier (32 in flight), then the same N
  replayed with one `POST /-/replay`; throughput ratio replay / fresh. Target >= 0.5x.
- snapshot restore: with N messages (and their hop deliveries) and 100 integrations
  stored, the median `POST /-/reset` of that state against the median restore after a
  small test (5 messages sent: the usual case in a test suite, where only the tables
  written since are rewritten). Targets: < 50 ms, and <= 2x the reset. Also the restore
  right after a reset, when every table is rewritten (the worst case).
- seed: one seed file installing 100 integrations (inline specs, so no JSON fetches) on
  a new organisation, activated on one channel. Target < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `emulator` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web

from bench.common import child_process, drive, serve_app

INTEGRATIONS = 100
REPLAY_TARGET = 0.5
RESTORE_TARGET_MS = 50.0
RESTORE_VS_RESET = 2.0
SEED_TARGET_MS = 1000.0


def modifier_app() -> web.Application:
    async def target(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"message": body["message"].upper()})

    app = web.Application()
    app.router.add_post("/target", target)
    return app


def spec(name: str, target_url: str) -> dict[str, Any]:
    return {
        "descriptions": {"app_name": name},
        "integration_type": "modifier",
        "settings": [],
        "target_url": target_url,
    }


async def call(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    async with session.request(method, url, json=body) as response:
        data = await response.json(content_type=None)
        if response.status >= 300:
            raise SystemExit(f"{method} {url} answered {response.status}: {data}")
        return data.get("data", data) if url.count("/api/v1/") else data


async def timed(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> float:
    started = time.perf_counter()
    await call(session, method, url, body)
    return (time.perf_counter() - started) * 1000


async def measure(args: argparse.Namespace, emulator: str, modifier: str) -> None:
    api = f"{emulator}/api/v1"
    async with aiohttp.ClientSession() as session:
        org = await call(session, "POST", f"{api}/organisations", {"name": "Bench"})
        channel = await call(
            session, "POST", f"{api}/channels", {"name": "c", "organisation_id": org["id"]}
        )
        custom = f"{api}/organisations/{org['id']}/integrations/custom"
        installed = await call(
            session, "POST", custom, {"spec": spec("Shout", f"{modifier}/target")}
        )
        await call(
            session,
            "PUT",
            f"{api}/organisations/{org['id']}/integrations/{installed['id']}"
            f"/channels/{channel['id']}/settings",
            {"is_active": True},
        )
        bodies = [{"content": f"message {n}"} for n in range(args.messages)]
        fresh = await drive(session, f"{api}/channels/{channel['id']}/messages", bodies, 32)
        if fresh.failures:
            raise SystemExit(f"{fresh.failures} fresh sends failed")
        replay_ms = await timed(
            session, "POST", f"{emulator}/-/replay", {"channel_id": channel["id"],
                                                      "limit": args.messages}
        )  # fmt: skip
        replay_rate = args.messages / (replay_ms / 1000)
        ratio = replay_rate / fresh.rate
        print(
            f"replay: {replay_rate:.0f} msg/s, baseline {fresh.rate:.0f} msg/s fresh, "
            f"ratio {ratio:.2f} (target >= {REPLAY_TARGET}x: "
            f"{'met' if ratio >= REPLAY_TARGET else 'MISSED'}; {args.messages} messages, "
            "one modifier)"
        )

        for n in range(INTEGRATIONS - 1):
            await call(session, "POST", custom, {"spec": spec(f"Extra {n}", f"{modifier}/target")})
        await call(session, "POST", f"{emulator}/-/snapshots", {"name": "bench"})
        channel_messages = f"{api}/channels/{channel['id']}/messages"
        restores, resets, after_test = [], [], []
        for _ in range(args.rounds):
            resets.append(await timed(session, "POST", f"{emulator}/-/reset"))
            # After a reset every table differs: the restore rewrites the whole state.
            restores.append(await timed(session, "POST", f"{emulator}/-/snapshots/bench/restore"))
            for n in range(5):  # what a small test does
                await call(session, "POST", channel_messages, {"content": f"test {n}"})
            await call(session, "POST", f"{emulator}/-/drain")
            after_test.append(await timed(session, "POST", f"{emulator}/-/snapshots/bench/restore"))
        reset = statistics.median(resets)
        restore, full = statistics.median(after_test), statistics.median(restores)
        met = restore < RESTORE_TARGET_MS and restore <= RESTORE_VS_RESET * reset
        print(
            f"snapshot restore: {restore:.1f} ms, baseline {reset:.1f} ms reset, "
            f"ratio {restore / reset:.2f} (target < {RESTORE_TARGET_MS:.0f} ms and <= "
            f"{RESTORE_VS_RESET:.0f}x reset: {'met' if met else 'MISSED'}; after a small "
            f"test (5 messages): {args.messages} messages, {INTEGRATIONS} integrations, "
            f"median of {args.rounds})"
        )
        print(
            f"snapshot restore of every table: {full:.1f} ms, baseline {reset:.1f} ms reset, "
            f"ratio {full / reset:.2f} (right after a reset, the worst case: "
            f"{'under' if full < RESTORE_TARGET_MS else 'OVER'} {RESTORE_TARGET_MS:.0f} ms)"
        )

        seed = {
            "organisations": [
                {
                    "name": "Seeded",
                    "integrations": [
                        {"name": f"m{n}", "spec": spec(f"Seeded {n}", f"{modifier}/target")}
                        for n in range(INTEGRATIONS)
                    ],
                    "channels": [
                        {
                            "name": "general",
                            "integrations": [{"name": f"m{n}"} for n in range(INTEGRATIONS)],
                        }
                    ],
                }
            ]
        }
        seed_ms = await timed(session, "POST", f"{emulator}/-/seed", seed)
        print(
            f"seed {INTEGRATIONS} integrations: {seed_ms:.0f} ms (target < "
            f"{SEED_TARGET_MS:.0f} ms: {'met' if seed_ms < SEED_TARGET_MS else 'MISSED'}; "
            "inline specs, no fetches)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages and rounds")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--serve-modifier", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_modifier:
        serve_app(modifier_app())
        return
    args.messages = args.messages or (200 if args.quick else 1000)
    args.rounds = 3 if args.quick else 7
    script = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        emulator_command = [sys.executable, "-m", "emulator", "serve", "--port", "0"]
        emulator_command += ["--db", str(Path(tmp) / "bench.db"), "--clock", "virtual"]
        with (
            child_process([sys.executable, script, "--serve-modifier"]) as modifier,
            child_process(emulator_command) as emulator,
        ):
            asyncio.run(measure(args, emulator.url, modifier.url))


if __name__ == "__main__":
    main()
