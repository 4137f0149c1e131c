"""Message fan-out throughput and per-hop latency, against a bare aiohttp two-hop forwarder.

Usage: python bench/fanout.py [--quick]

Three processes besides this driver: the stub integrations (one modifier that appends a
mark, one output that answers 202), the emulator (`python -m emulator serve` on a temp
SQLite file, the modifier and the output active on one channel), and a bare aiohttp
forwarder that does the same two hops with no database (modifier inline, output in the
background, like the emulator). Both are measured in the same run:

- throughput: N messages with limited concurrency, timed until every output delivery
  finished (`/-/drain`), in rounds alternating with the forwarder under the same load;
  also each server's CPU per message, the figure least disturbed by a busy machine;
- added latency per modifier hop: the emulator's hop latency (`trace[0].latency_ms`) and
  the same request sent straight to the stub, one at a time and interleaved.

Targets: >= 0.5x the forwarder's throughput, < 3 ms p99 added per hop.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `emulator` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web

from bench.common import (
    Child,
    LoadResult,
    child_process,
    drive,
    percentile,
    serve_app,
)

MARK = " [checked]"
THROUGHPUT_TARGET = 0.5
HOP_P99_TARGET_MS = 3.0


# -- the stub integrations (child process) -----------------------------------------------


def stub_spec(base: str, kind: str) -> dict[str, Any]:
    return {
        "data": {
            "date": {"created_at": "2025-01-01", "updated_at": "2025-01-01"},
            "descriptions": {
                "app_name": f"Bench {kind}",
                "app_description": "bench stub",
                "app_logo": "https://example.com/logo.png",
                "app_url": base,
                "background_color": "#fff",
            },
            "integration_type": kind,
            "integration_category": "Monitoring & Logging",
            "is_active": True,
            "key_features": ["bench"],
            "author": "bench",
            "settings": [
                {"label": "limit", "type": "number", "required": True, "default": "1000"},
                {"label": "loud", "type": "checkbox", "required": False, "default": True},
            ],
            "target_url": f"{base}/{kind}/target",
            "tick_url": "",
        }
    }


def stubs_app() -> web.Application:
    counts = {"modifier": 0, "output": 0}

    async def spec(request: web.Request) -> web.Response:
        base = f"{request.scheme}://{request.host}"
        return web.json_response(stub_spec(base, request.match_info["kind"]))

    async def modifier(request: web.Request) -> web.Response:
        payload = await request.json()
        counts["modifier"] += 1
        return web.json_response({"message": payload["message"] + MARK, "status": "success"})

    async def output(request: web.Request) -> web.Response:
        await request.json()
        counts["output"] += 1
        return web.Response(text="accepted", status=202)

    async def count(_request: web.Request) -> web.Response:
        return web.json_response(counts)

    app = web.Application()
    app.router.add_get("/{kind}/integration.json", spec)
    app.router.add_post("/modifier/target", modifier)
    app.router.add_post("/output/target", output)
    app.router.add_get("/count", count)
    return app


# -- the baseline: a bare aiohttp two-hop forwarder (child process) ----------------------


def forwarder_app(modifier_url: str, output_url: str) -> web.Application:
    """Modifier inline with a 1 s budget, output in the background: the emulator's two
    hops without the database, the settings lookup or the delivery log."""
    pending: set[asyncio.Task[None]] = set()
    state: dict[str, aiohttp.ClientSession] = {}

    async def session_ctx(_app: web.Application) -> Any:
        state["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        yield
        if pending:
            await asyncio.wait(set(pending))
        await state["session"].close()

    async def deliver(body: dict[str, Any]) -> None:
        async with state["session"].post(output_url, json=body) as response:
            await response.read()

    async def message(request: web.Request) -> web.Response:
        sent = await request.json()
        body = {
            "message": f"<p>{sent['content']}</p>",
            "channel_id": "c",
            "org_id": "o",
            "thread_id": "",
            "user_type": "user",
            "settings": [],
            "auth_settings": {"integration_auth_credentials": "", "telex_api_key": ""},
        }
        started = time.perf_counter()
        async with asyncio.timeout(1.0):
            async with state["session"].post(modifier_url, json=body) as response:
                reply = await response.json(content_type=None)
        latency_ms = (time.perf_counter() - started) * 1000
        if isinstance(reply, dict) and isinstance(reply.get("message"), str):
            body = body | {"message": reply["message"]}
        task = asyncio.create_task(deliver(body))
        pending.add(task)
        task.add_done_callback(pending.discard)
        return web.json_response(
            {"data": {"content": body["message"], "trace": [{"latency_ms": latency_ms}]}},
            status=201,
        )

    async def drain(_request: web.Request) -> web.Response:
        while pending:
            await asyncio.wait(set(pending))
        return web.json_response({"status": "drained"})

    app = web.Application()
    app.cleanup_ctx.append(session_ctx)
    app.router.add_post("/messages", message)
    app.router.add_post("/drain", drain)
    return app


# -- the driver ---------------------------------------------------------------------------


async def setup_emulator(session: aiohttp.ClientSession, emulator: str, stubs: str) -> str:
    """An organisation, a channel, the modifier and the output active on it; the channel id."""

    async def call(method: str, path: str, body: Any) -> Any:
        async with session.request(method, emulator + path, json=body) as response:
            data = await response.json()
            if response.status >= 300:
                raise SystemExit(f"{method} {path} failed: {data}")
            return data["data"]

    org = await call("POST", "/api/v1/organisations", {"name": "Bench"})
    channel = await call(
        "POST", "/api/v1/channels", {"name": "bench", "organisation_id": org["id"]}
    )
    for kind in ("modifier", "output"):
        installed = await call(
            "POST",
            f"/api/v1/organisations/{org['id']}/integrations/custom",
            {"json_url": f"{stubs}/{kind}/integration.json"},
        )
        await call(
            "PUT",
            f"/api/v1/organisations/{org['id']}/integrations/{installed['id']}"
            f"/channels/{channel['id']}/settings",
            {"is_active": True},
        )
    return channel["id"]


def bodies(count: int, tag: str) -> list[dict[str, str]]:
    return [{"content": f"{tag} message {n}"} for n in range(count)]


async def post_drain(session: aiohttp.ClientSession, url: str) -> None:
    """Wait for the server's background deliveries (the emulator's /-/drain)."""
    async with session.post(url) as response:
        await response.read()


def check_replies(name: str, replies: list[Any], count: int) -> None:
    good = [r for r in replies if r.get("data", {}).get("content", "").endswith(MARK)]
    if len(good) != count:
        raise SystemExit(f"{name}: {count - len(good)} of {count} replies lost the modifier's mark")


@dataclass
class Latencies:
    direct_ms: list[float] = field(default_factory=list)  # the stub, called from here
    hop_ms: list[float] = field(default_factory=list)  # the same hop, made by the emulator
    emulator_ms: list[float] = field(default_factory=list)  # POST …/messages end to end
    forwarder_ms: list[float] = field(default_factory=list)


async def sequential_latencies(
    session: aiohttp.ClientSession, stubs_url: str, ours: Side, theirs: Side, count: int
) -> Latencies:
    """One request at a time, the three kinds interleaved so a noisy neighbour hits all."""
    direct_body = {
        "message": "<p>direct</p>",
        "channel_id": "c",
        "org_id": "o",
        "thread_id": "",
        "user_type": "user",
        "settings": stub_spec("", "modifier")["data"]["settings"],
        "auth_settings": {"integration_auth_credentials": "", "telex_api_key": ""},
    }
    found = Latencies()

    async def timed(url: str, body: Any) -> tuple[float, Any]:
        started = time.perf_counter()
        async with session.post(url, json=body) as response:
            data = await response.json(content_type=None)
        return (time.perf_counter() - started) * 1000, data

    async def direct(_n: int) -> None:
        elapsed, _ = await timed(f"{stubs_url}/modifier/target", direct_body)
        found.direct_ms.append(elapsed)

    async def emulator(n: int) -> None:
        elapsed, reply = await timed(ours.send_url, {"content": f"seq {n}"})
        found.emulator_ms.append(elapsed)
        found.hop_ms.append(reply["data"]["trace"][0]["latency_ms"])
        await post_drain(session, ours.drain_url)  # its output finishes before the next step

    async def forwarder(n: int) -> None:
        elapsed, _ = await timed(theirs.send_url, {"content": f"seq {n}"})
        found.forwarder_ms.append(elapsed)
        await post_drain(session, theirs.drain_url)

    steps = [direct, emulator, forwarder]
    for n in range(count):
        for step in steps[n % 3 :] + steps[: n % 3]:  # rotate: no step always goes first
            await step(n)
    return found


@dataclass
class Side:
    """One system under test: where to send, how to wait for its background work."""

    name: str
    child: Child
    send_url: str
    drain_url: str
    results: list[LoadResult] = field(default_factory=list)
    cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return sum(len(r.latencies_ms) for r in self.results) / sum(
            r.elapsed_s for r in self.results
        )

    @property
    def count(self) -> int:
        return sum(len(r.latencies_ms) for r in self.results)


async def load_round(
    session: aiohttp.ClientSession, side: Side, count: int, concurrency: int, tag: str
) -> LoadResult:
    async def finish() -> None:
        await post_drain(session, side.drain_url)

    cpu = side.child.cpu_s()
    result = await drive(
        session, side.send_url, bodies(count, tag), concurrency, finish, keep_replies=True
    )
    side.cpu_s += side.child.cpu_s() - cpu
    check_replies(side.name, result.replies, count)
    if result.failures:
        raise SystemExit(f"{side.name}: {result.failures} requests failed")
    return result


async def measure(
    args: argparse.Namespace, emulator: Child, forwarder: Child, stubs: Child
) -> None:
    connector = aiohttp.TCPConnector(limit=args.concurrency + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        channel_id = await setup_emulator(session, emulator.url, stubs.url)
        ours = Side(
            "emulator",
            emulator,
            f"{emulator.url}/api/v1/channels/{channel_id}/messages",
            f"{emulator.url}/-/drain",
        )
        theirs = Side("forwarder", forwarder, f"{forwarder.url}/messages", f"{forwarder.url}/drain")
        sides = (ours, theirs)

        for side in sides:  # warm up connections and code paths; not counted
            await load_round(session, side, args.warmup, args.concurrency, "warm")
            side.cpu_s = 0.0
        # Rounds alternate between the two, so a noisy neighbour hurts both alike.
        per_round = max(1, args.messages // args.rounds)
        for n in range(args.rounds):
            for side in sides if n % 2 == 0 else reversed(sides):
                side.results.append(
                    await load_round(session, side, per_round, args.concurrency, "bench")
                )

        # Latency, one message at a time so queueing does not blur the hop.
        seq = await sequential_latencies(session, stubs.url, ours, theirs, args.sequential)
        await post_drain(session, ours.drain_url)
        await post_drain(session, theirs.drain_url)
        async with session.get(f"{stubs.url}/count") as response:
            counts = await response.json()

    hops, direct = seq.hop_ms, seq.direct_ms
    expected_outputs = 2 * (args.warmup + per_round * args.rounds + args.sequential)
    if counts["output"] != expected_outputs:
        raise SystemExit(f"lost deliveries: {counts} (expected {expected_outputs} outputs)")

    ratio = ours.rate / theirs.rate
    hop_p50, hop_p99 = percentile(hops, 50), percentile(hops, 99)
    direct_p50, direct_p99 = percentile(direct, 50), percentile(direct, 99)
    added_p99 = hop_p99 - direct_p99
    ours_cpu_ms = ours.cpu_s / ours.count * 1000
    theirs_cpu_ms = theirs.cpu_s / theirs.count * 1000
    print(
        f"fanout: {ours.rate:.0f}/s, baseline {theirs.rate:.0f}/s, ratio {ratio:.2f} "
        f"(target >= {THROUGHPUT_TARGET}x: {verdict(ratio >= THROUGHPUT_TARGET)}; "
        f"{ours.count} messages, concurrency {args.concurrency}, 1 modifier + 1 output)"
    )
    print(
        f"cpu per message: {ours_cpu_ms:.2f} ms, baseline {theirs_cpu_ms:.2f} ms, "
        f"ratio {ours_cpu_ms / theirs_cpu_ms:.2f} (server process incl. its threads; "
        "least disturbed by a busy machine)"
    )
    print(
        f"added p50 per modifier hop: {hop_p50 - direct_p50:.2f} ms, baseline {direct_p50:.2f} ms "
        f"(emulator's hop {hop_p50:.2f} ms vs a direct call)"
    )
    print(
        f"added p99 per modifier hop: {added_p99:.2f} ms, baseline {direct_p99:.2f} ms "
        f"(target < {HOP_P99_TARGET_MS:g} ms: {verdict(added_p99 < HOP_P99_TARGET_MS)}; "
        f"emulator's hop {hop_p99:.2f} ms vs a direct call)"
    )
    e2e_ours = percentile(seq.emulator_ms, 50), percentile(seq.emulator_ms, 99)
    e2e_theirs = percentile(seq.forwarder_ms, 50), percentile(seq.forwarder_ms, 99)
    print(
        f"one message at a time p50/p99: {e2e_ours[0]:.2f}/{e2e_ours[1]:.2f} ms, "
        f"baseline {e2e_theirs[0]:.2f}/{e2e_theirs[1]:.2f} ms (POST …/messages end to end)"
    )


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def profiled(path: str | None, sampled: str | None) -> list[str]:
    """The emulator's interpreter, under cProfile or py-spy (installed separately) if asked."""
    if sampled:
        return [
            "py-spy",
            "record",
            "--format",
            "raw",
            "--rate",
            "1000",
            "-o",
            sampled,
            "--",
            sys.executable,
        ]
    return [sys.executable, "-m", "cProfile", "-o", path] if path else [sys.executable]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 messages instead of 2000")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--profile", metavar="PATH", help="cProfile the emulator into PATH")
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="sample the emulator with py-spy into PATH (collapsed stacks)",
    )
    parser.add_argument("--serve", choices=["stubs", "forwarder"], help=argparse.SUPPRESS)
    parser.add_argument("--modifier-url", help=argparse.SUPPRESS)
    parser.add_argument("--output-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "stubs":
        serve_app(stubs_app())
        return
    if args.serve == "forwarder":
        serve_app(forwarder_app(args.modifier_url, args.output_url))
        return
    args.messages = args.messages or (200 if args.quick else 2000)
    args.warmup = 50 if args.quick else 200
    args.sequential = 200 if args.quick else 1000
    args.rounds = 2 if args.quick else 4

    script = str(Path(__file__).resolve())
    stubs_command = [sys.executable, script, "--serve", "stubs"]
    with tempfile.TemporaryDirectory() as tmp, child_process(stubs_command) as stubs:
        forwarder_command = [sys.executable, script, "--serve", "forwarder"]
        forwarder_command += ["--modifier-url", f"{stubs.url}/modifier/target"]
        forwarder_command += ["--output-url", f"{stubs.url}/output/target"]
        emulator_command = [
            *profiled(args.profile, args.py_spy),
            "-m",
            "emulator",
            "serve",
            "--port",
            "0",
        ]
        emulator_command += ["--db", str(Path(tmp) / "bench.db")]
        with child_process(forwarder_command) as forwarder, child_process(emulator_command) as emu:
            asyncio.run(measure(args, emu, forwarder, stubs))


if __name__ == "__main__":
    main()
