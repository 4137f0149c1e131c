"""Time to ready (`serve` to its ready line) and idle RSS, against `python -c "import aiohttp"`.

Usage: python bench/startup.py [--quick]
Prints ratios against the baseline measured in the same run; absolute times on shared
machines are noise. Targets: ready < 0.5 s, idle RSS < 60 MB.
"""

from __future__ import annotations

import argparse
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_baseline() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import aiohttp"], check=True)
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_serve(db_dir: str) -> tuple[float, float]:
    """Seconds from spawn to the ready line, and RSS once ready (MB)."""
    command = [sys.executable, "-m", "emulator", "serve", "--port", str(free_port()),
               "--db", str(Path(db_dir) / f"bench-{time.monotonic_ns()}.db")]  # fmt: skip
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        if not line.startswith("ready on"):
            raise SystemExit(f"serve did not become ready: {line!r}")
        rss = rss_mb(process.pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    return elapsed, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    runs = 3 if parser.parse_args().quick else 7
    baseline = statistics.median(time_baseline() for _ in range(runs))
    with tempfile.TemporaryDirectory() as db_dir:
        samples = [time_serve(db_dir) for _ in range(runs)]
    ready = statistics.median(s[0] for s in samples)
    rss = statistics.median(s[1] for s in samples)
    print(f"startup: ready in {ready * 1000:.0f} ms, baseline (import aiohttp) "
          f"{baseline * 1000:.0f} ms, ratio {ready / baseline:.2f} (target < 500 ms)")  # fmt: skip
    print(f"idle rss: {rss:.1f} MB (target < 60 MB)")


if __name__ == "__main__":
    main()
