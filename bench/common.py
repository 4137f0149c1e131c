"""Shared bench helpers: servers in child processes, a load driver, percentiles, the table.

Each measured server runs in its own process (`ready on URL` on stdout, stops on SIGINT),
so the load generator and the stub integrations never share its CPU. Every child is
stopped in a `finally`, with a kill after a grace period: a bench never hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Child:
    """A server in a child process: its URL and pid."""

    url: str
    pid: int

    def cpu_s(self) -> float:
        """User + system CPU seconds the child used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def child_server(command: list[str]) -> Iterator[str]:
    """Run `command` until it prints `ready on URL`; yield the URL; stop it afterwards."""
    with child_process(command) as child:
        yield child.url


@contextlib.contextmanager
def child_process(command: list[str]) -> Iterator[Child]:
    """Like child_server, yielding the URL and the pid (for CPU accounting)."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        line = ""
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("ready on ") or not line:
                break
        if not line.startswith("ready on "):
            raise SystemExit(f"{' '.join(command)} did not become ready (last line {line!r})")
        yield Child(line.removeprefix("ready on ").strip(), process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def serve_app(app: web.Application, port: int = 0) -> None:
    """Run `app` on 127.0.0.1 in this process until SIGINT/SIGTERM; announce its URL."""

    async def run() -> None:
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"ready on http://127.0.0.1:{bound}", flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(run())


@dataclass
class LoadResult:
    latencies_ms: list[float]
    replies: list[Any]
    elapsed_s: float
    failures: int

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else math.nan


async def drive(
    session: aiohttp.ClientSession,
    url: str,
    bodies: list[Any],
    concurrency: int,
    finish: Callable[[], Awaitable[None]] | None = None,
    keep_replies: bool = False,
) -> LoadResult:
    """POST every body with at most `concurrency` in flight; `finish` (e.g. a drain call)
    is part of the timed run, so background work counts."""
    latencies: list[float] = []
    replies: list[Any] = []
    failures = 0
    queue = iter(bodies)

    async def worker() -> None:
        nonlocal failures
        for body in queue:
            started = time.perf_counter()
            async with session.post(url, json=body) as response:
                data = await response.json(content_type=None)
                if response.status >= 300:
                    failures += 1
            latencies.append((time.perf_counter() - started) * 1000)
            if keep_replies:
                replies.append(data)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if finish is not None:
        await finish()
    return LoadResult(latencies, replies, time.perf_counter() - started, failures)


# -- run_all's table -----------------------------------------------------------------------

# A figure line: "name: value[, baseline B][, ratio R] [(target T: met|MISSED[; notes])]".
# Lines that do not follow it still show, whole, in the value column.
FIGURE_LINE = re.compile(r"^(?P<name>[a-z][a-z0-9 /-]*): (?P<rest>.*)$")
_TARGET = re.compile(r"\s*\(target (?P<target>[^:]+): (?P<met>met|MISSED)(?:; (?P<notes>.*))?\)$")
_NOTES = re.compile(r"\s*\((?P<notes>[^()]*)\)$")
_PARTS = re.compile(
    r"^(?P<value>.*?)(?:, baseline (?P<baseline>.*?))?(?:, ratio (?P<ratio>[\d.]+))?$"
)
TABLE_HEADER = (
    "| benchmark | figure | value | baseline | ratio | target | met | notes |\n"
    "|---|---|---|---|---|---|---|---|"
)


def table_rows(benchmark: str, output: str) -> list[str]:
    """Markdown rows for the figure lines of one script's output; the rest is chatter."""
    rows = []
    for line in output.splitlines():
        figure = FIGURE_LINE.match(line)
        if figure is None or line.startswith("ready on "):
            continue
        rest = figure["rest"]
        target = met = notes = ""
        if found := _TARGET.search(rest):
            target, met, notes = found["target"], found["met"], found["notes"] or ""
            rest = rest[: found.start()]
        elif (found := _NOTES.search(rest)) and ", baseline " in rest:
            notes, rest = found["notes"], rest[: found.start()]
        parts = _PARTS.match(rest)
        assert parts is not None  # every part is optional
        cells = [benchmark, figure["name"], parts["value"], parts["baseline"] or "",
                 parts["ratio"] or "", target, met, notes]  # fmt: skip
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return rows


if __name__ == "__main__":  # bench/run_all: python bench/common.py NAME < output
    if sys.argv[1:] == ["--header"]:
        print(TABLE_HEADER)
    else:
        print("\n".join(table_rows(sys.argv[1], sys.stdin.read())))
