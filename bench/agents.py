"""Agent round trips and push ingestion, each against a bare baseline in the same run.

Usage: python bench/agents.py [--quick]

Three processes besides this driver: a stub A2A agent (card + JSON-RPC, answers a Message
at once, or a `working` Task for "slow …"), the emulator (`python -m emulator serve` on a
temp SQLite file, the stub installed by card URL once per worker, so each worker has a
direct channel of its own), and a bare aiohttp push sink.

1. Round trip: a user message POSTed to a direct channel -> `message/send` to the stub ->
   its Message stored as the reply and published; timed until the reply's
   `message.created` arrives on /-/events. Baseline: the same stub called directly with
   aiohttp (a `message/send` of the same shape). Latency one call at a time, interleaved
   (added p50/p99, target < 3 ms); throughput with concurrent workers in alternating
   rounds (target >= 0.5x the direct calls).
2. Pushes: open tasks (the stub answered `working`) are completed by pushes POSTed to
   their hooks with the Bearer token the emulator sent, concurrently (about five per
   task, as an agent reporting progress would), each storing the task's change, a
   delivery row and the reply. Baseline: a bare aiohttp handler that
   reads the JSON and answers 200. Target: >= 2,000 pushes/s.

Loopback only; every child process is stopped in a `finally`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `emulator` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench.agent_servers import push_body, push_sink_app, rpc_body, stub_agent_app
from bench.common import Child, child_process, percentile, serve_app

ADDED_LATENCY_TARGET_MS = 3.0
THROUGHPUT_TARGET = 0.5
PUSH_RATE_TARGET = 2000.0
PUSH_CONCURRENCY = 32
REPLY_TIMEOUT_S = 10.0
SCRIPT = str(Path(__file__).resolve())


# -- the driver ---------------------------------------------------------------------------


class Api:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, self.url + path, json=body) as response:
            data = await response.json()
            if response.status >= 300:
                raise SystemExit(f"{method} {path} failed: {data}")
            return data.get("data") if path.startswith("/api/v1") else data


async def install_agents(api: Api, stub_url: str, count: int) -> list[str]:
    """`count` agents (one per worker) by card URL; their direct channel ids."""
    org = await api.call("POST", "/api/v1/organisations", {"name": "Bench"})
    channels = []
    for n in range(count):
        agent = await api.call(
            "POST",
            f"/api/v1/organisations/{org['id']}/agents",
            {"card_url": f"{stub_url}/bench{n}/.well-known/agent.json"},
        )
        channels.append(agent["direct_channel_id"])
    return channels


class Replies:
    """Reads /-/events and hands each agent reply to whoever waits on its channel."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.ended = asyncio.Event()

    def expect(self, channel_id: str) -> asyncio.Future[dict[str, Any]]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[channel_id] = future
        return future

    async def read(self, response: aiohttp.ClientResponse) -> None:
        data = b""
        try:
            async for line in response.content:
                if line.startswith(b"data: "):
                    data = line[6:]
                elif line == b"\n" and data:
                    message = json.loads(data)
                    data = b""
                    if message.get("source") != "agent":
                        continue
                    future = self._waiting.pop(message["channel_id"], None)
                    if future is not None and not future.done():
                        future.set_result(message)
        finally:
            self.ended.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("the event stream ended"))


@dataclass
class Rounds:
    """Timed load rounds of one side."""

    name: str
    server: Child  # whose CPU the round costs: the emulator, or the stub for direct calls
    count: int = 0
    elapsed_s: float = 0.0
    cpu_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s / self.count * 1000

    @property
    def rate(self) -> float:
        return self.count / self.elapsed_s


class Sides:
    """The two ways to reach the agent: through the emulator, and directly."""

    def __init__(
        self, session: aiohttp.ClientSession, emulator: str, stub: str, replies: Replies
    ) -> None:
        self.session = session
        self.emulator = emulator
        self.stub = stub
        self.replies = replies

    async def through_emulator(self, channel_id: str, text: str) -> float:
        started = time.perf_counter()
        reply = self.replies.expect(channel_id)
        url = f"{self.emulator}/api/v1/channels/{channel_id}/messages"
        async with self.session.post(url, json={"content": text}) as response:
            if response.status != 201:
                raise SystemExit(f"POST message answered {response.status}")
            await response.read()
        message = await asyncio.wait_for(reply, REPLY_TIMEOUT_S)
        elapsed = (time.perf_counter() - started) * 1000
        if message["content"] != f"echo: {text}" or message["status"] != "success":
            raise SystemExit(f"wrong reply to {text!r}: {message}")
        return elapsed

    async def direct(self, channel_id: str, text: str) -> float:
        started = time.perf_counter()
        async with self.session.post(f"{self.stub}/a2a", json=rpc_body(text, channel_id)) as r:
            answer = await r.json()
        elapsed = (time.perf_counter() - started) * 1000
        if answer["result"]["parts"][0]["text"] != f"echo: {text}":
            raise SystemExit(f"wrong direct answer: {answer}")
        return elapsed


async def load_round(
    sides: Sides, side: Rounds, channels: list[str], per_worker: int, tag: str
) -> None:
    call = sides.through_emulator if side.name == "emulator" else sides.direct

    async def worker(channel_id: str) -> None:
        for n in range(per_worker):
            side.latencies_ms.append(await call(channel_id, f"{tag} {n}"))

    cpu = side.server.cpu_s()
    started = time.perf_counter()
    await asyncio.gather(*(worker(channel) for channel in channels))
    side.elapsed_s += time.perf_counter() - started
    side.cpu_s += side.server.cpu_s() - cpu
    side.count += per_worker * len(channels)


async def round_trips(
    args: argparse.Namespace, emulator: Child, stub: Child
) -> tuple[Rounds, Rounds, list[float], list[float]]:
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2 + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        api = Api(session, emulator.url)
        channels = await install_agents(api, stub.url, args.concurrency)
        replies = Replies()
        events = await session.get(
            f"{emulator.url}/-/events?types=message.created",
            timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
        )
        reader = asyncio.create_task(replies.read(events))
        try:
            sides = Sides(session, emulator.url, stub.url, replies)
            ours, theirs = Rounds("emulator", emulator), Rounds("direct", stub)
            for side in (ours, theirs):  # warm up connections and code paths
                warm = Rounds(side.name, side.server)
                await load_round(sides, warm, channels, args.warmup, "warm")
            per_worker = max(1, args.messages // args.concurrency // args.rounds)
            for n in range(args.rounds):  # alternate, so a noisy neighbour hurts both
                for side in (ours, theirs) if n % 2 == 0 else (theirs, ours):
                    await load_round(sides, side, channels, per_worker, "load")
            via, direct = [], []
            for n in range(args.sequential):  # one at a time, the order rotating
                if n % 2 == 0:
                    via.append(await sides.through_emulator(channels[0], f"seq {n}"))
                    direct.append(await sides.direct(channels[0], f"seq {n}"))
                else:
                    direct.append(await sides.direct(channels[0], f"seq {n}"))
                    via.append(await sides.through_emulator(channels[0], f"seq {n}"))
        finally:
            events.close()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    return ours, theirs, via, direct


# -- pushes ------------------------------------------------------------------------------


async def open_tasks(api: Api, stub_url: str, channels: list[str], count: int) -> list[Any]:
    """`count` tasks left `working` by the stub; their push configs (URL and token)."""
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            channel = channels[n % len(channels)]
            body = {"content": f"slow {n}"}
            await api.call("POST", f"/api/v1/channels/{channel}/messages", body)

    await asyncio.gather(*(worker() for _ in range(len(channels))))
    await api.call("POST", "/-/drain")
    async with api.session.get(f"{stub_url}/push-configs") as response:
        configs = await response.json()
    if len(configs) != count:
        raise SystemExit(f"expected {count} open tasks, the stub saw {len(configs)}")
    return configs


async def push_all(
    session: aiohttp.ClientSession, targets: list[tuple[str, str]], count: int
) -> tuple[float, int]:
    """POST `count` pushes round-robin over (url, token); (pushes/s, failures)."""
    bodies = iter(range(count))
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for n in bodies:
            url, token = targets[n % len(targets)]
            headers = {"Authorization": f"Bearer {token}"}
            async with session.post(url, json=push_body(n), headers=headers) as response:
                await response.read()
                if response.status != 200:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(PUSH_CONCURRENCY)))
    return count / (time.perf_counter() - started), failures


async def pushes(
    args: argparse.Namespace, emulator: Child, stub: Child, sink: Child
) -> tuple[float, float]:
    connector = aiohttp.TCPConnector(limit=PUSH_CONCURRENCY + 8)
    async with aiohttp.ClientSession(connector=connector) as session:
        api = Api(session, emulator.url)
        channels = await install_agents(api, stub.url, 8)
        configs = await open_tasks(api, stub.url, channels, args.hooks)
        ours = [(c["url"], c["token"]) for c in configs]
        theirs = [(sink.url + "/v1/a2a/webhooks/" + c["url"].rsplit("/", 1)[1], c["token"])
                  for c in configs]  # fmt: skip
        await push_all(session, ours, args.hooks // 5)  # warm-up
        await push_all(session, theirs, args.hooks // 5)
        rates: dict[str, list[float]] = {"emulator": [], "sink": []}
        for n in range(2):  # alternate rounds
            for name, targets in (("emulator", ours), ("sink", theirs))[:: 1 if n == 0 else -1]:
                rate, failures = await push_all(session, targets, args.pushes // 2)
                if failures:
                    raise SystemExit(f"{name}: {failures} pushes were refused")
                rates[name].append(rate)
        await api.call("POST", "/-/drain")
    return sum(rates["emulator"]) / 2, sum(rates["sink"]) / 2


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report(
    args: argparse.Namespace,
    ours: Rounds,
    theirs: Rounds,
    via: list[float],
    direct: list[float],
    push: float,
    sink: float,
) -> None:
    p50, p99 = percentile(via, 50), percentile(via, 99)
    d50, d99 = percentile(direct, 50), percentile(direct, 99)
    added50, added99 = p50 - d50, p99 - d99
    print(
        f"added p50 per agent round trip: {added50:.2f} ms, baseline {d50:.2f} ms "
        f"(target < {ADDED_LATENCY_TARGET_MS:g} ms: {verdict(added50 < ADDED_LATENCY_TARGET_MS)}; "
        f"through the emulator {p50:.2f} ms vs the agent called directly, {len(via)} calls)"
    )
    print(
        f"added p99 per agent round trip: {added99:.2f} ms, baseline {d99:.2f} ms "
        f"(target < {ADDED_LATENCY_TARGET_MS:g} ms: {verdict(added99 < ADDED_LATENCY_TARGET_MS)}; "
        f"through the emulator {p99:.2f} ms)"
    )
    ratio = ours.rate / theirs.rate
    print(
        f"agent round trips: {ours.rate:.0f}/s, baseline {theirs.rate:.0f}/s, ratio {ratio:.2f} "
        f"(target >= {THROUGHPUT_TARGET}x: {verdict(ratio >= THROUGHPUT_TARGET)}; "
        f"{ours.count} messages, {args.concurrency} workers, "
        "until each reply's message.created arrived)"
    )
    print(
        f"cpu per agent round trip: {ours.cpu_ms:.2f} ms, baseline {theirs.cpu_ms:.2f} ms, "
        f"ratio {ours.cpu_ms / theirs.cpu_ms:.2f} (the emulator process per round trip vs the "
        "stub agent per direct call; least disturbed by a busy machine)"
    )
    print(
        f"push ingestion: {push:.0f}/s, baseline {sink:.0f}/s, ratio {push / sink:.2f} "
        f"(target >= {PUSH_RATE_TARGET:.0f}/s: {verdict(push >= PUSH_RATE_TARGET)}; "
        f"completed Tasks, Bearer token, concurrency {PUSH_CONCURRENCY}, each stored with "
        "its reply; baseline a bare aiohttp handler)"
    )


async def measure(args: argparse.Namespace, emulator: Child, stub: Child, sink: Child) -> None:
    ours, theirs, via, direct = await round_trips(args, emulator, stub)
    push, sink_rate = await pushes(args, emulator, stub, sink)
    report(args, ours, theirs, via, direct, push, sink_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the load")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--py-spy", metavar="PATH", help="sample the emulator with py-spy")
    parser.add_argument("--serve", choices=["stub", "sink"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "stub":
        serve_app(stub_agent_app())
        return
    if args.serve == "sink":
        serve_app(push_sink_app())
        return
    args.messages = 200 if args.quick else 2000
    args.warmup = 2 if args.quick else 10
    args.rounds = 2 if args.quick else 4
    args.sequential = 100 if args.quick else 1000
    args.hooks = 100 if args.quick else 1000  # about five pushes per task
    args.pushes = 500 if args.quick else 5000

    python = [sys.executable]
    if args.py_spy:
        python = ["py-spy", "record", "--format", "raw", "--rate", "1000", "-o", args.py_spy,
                  "--", sys.executable]  # fmt: skip
    with (
        tempfile.TemporaryDirectory() as tmp,
        child_process([sys.executable, SCRIPT, "--serve", "stub"]) as stub,
        child_process([sys.executable, SCRIPT, "--serve", "sink"]) as sink,
    ):
        emulator_command = [*python, "-m", "emulator", "serve", "--port", "0"]
        emulator_command += ["--db", str(Path(tmp) / "bench.db")]
        with child_process(emulator_command) as emulator:
            asyncio.run(measure(args, emulator, stub, sink))


if __name__ == "__main__":
    main()
