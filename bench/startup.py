"""Time to ready (`serve` to its ready line) and idle RSS, against `python -c "import aiohttp"`.

Usage: python bench/startup.py [--quick]

Each figure is the median of several starts on a brand-new SQLite file. Also measured in
the same run: the floor, a process that only imports what `serve` cannot do without
(aiohttp.web, sqlalchemy.ext.asyncio, aiosqlite) and stops; no app can start faster or
smaller than that with this stack. Targets: ready < 0.5 s, idle RSS < 60 MB (which this
stack's floor leaves almost no room for; README "Performance"), and <= 10 MB above the
floor. Some imports wait until first use (pydantic: the first spec checked), so RSS is
measured again after checking a spec, so lazy loading cannot hide memory.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

READY_TARGET_MS = 500.0
RSS_TARGET_MB = 60.0
RSS_ABOVE_FLOOR_TARGET_MB = 10.0
SPEC = {
    "data": {
        "descriptions": {"app_name": "Startup bench", "app_url": "http://127.0.0.1:9"},
        "integration_type": "output",
        "settings": [{"label": "interval", "type": "text", "default": "*/5 * * * *"}],
        "target_url": "http://127.0.0.1:9/webhook",
    }
}
BASELINE = "import aiohttp"
FLOOR = "import aiohttp.web, sqlalchemy.ext.asyncio, aiosqlite"
# Prints the process's own RSS once its imports are done.
_REPORT_RSS = (
    "; print([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1])"
)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_import(code: str) -> tuple[float, float]:
    """Seconds for `python -c code` from spawn to exit, and its RSS after the imports (MB)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + _REPORT_RSS], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started, int(done.stdout.split()[-1]) / 1024


def check_a_spec(url: str) -> None:
    request = urllib.request.Request(
        f"{url}/-/check",
        data=json.dumps({"spec": SPEC}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise SystemExit(f"POST /-/check answered {response.status}")


def time_serve(db_dir: str) -> tuple[float, float, float]:
    """Seconds from spawn to the ready line, RSS once ready and after a first use (MB)."""
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0",
               "--db", str(Path(db_dir) / f"bench-{time.monotonic_ns()}.db")]  # fmt: skip
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - started
        if not line.startswith("ready on"):
            raise SystemExit(f"serve did not become ready: {line!r}")
        rss = rss_mb(process.pid)
        check_a_spec(line.removeprefix("ready on").strip())
        used_rss = rss_mb(process.pid)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    return elapsed, rss, used_rss


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 starts of each instead of 7")
    runs = 3 if parser.parse_args().quick else 7
    baselines, floors, serves = [], [], []
    with tempfile.TemporaryDirectory() as db_dir:
        for _ in range(runs):  # interleaved, so a noisy neighbour hits all three alike
            baselines.append(time_import(BASELINE))
            floors.append(time_import(FLOOR))
            serves.append(time_serve(db_dir))
    base_s, base_mb = (statistics.median(s[i] for s in baselines) for i in (0, 1))
    floor_s, floor_mb = (statistics.median(s[i] for s in floors) for i in (0, 1))
    ready_s, ready_mb, used_mb = (statistics.median(s[i] for s in serves) for i in (0, 1, 2))
    ready_ms = ready_s * 1000
    print(
        f"startup: {ready_ms:.0f} ms to ready, baseline {base_s * 1000:.0f} ms, "
        f"ratio {ready_s / base_s:.2f} (target < {READY_TARGET_MS:.0f} ms: "
        f"{verdict(ready_ms < READY_TARGET_MS)}; baseline: python -c '{BASELINE}'; "
        f"floor {floor_s * 1000:.0f} ms: python -c '{FLOOR}')"
    )
    print(
        f"idle rss: {ready_mb:.1f} MB, baseline {base_mb:.1f} MB, ratio {ready_mb / base_mb:.2f} "
        f"(target < {RSS_TARGET_MB:.0f} MB: {verdict(ready_mb < RSS_TARGET_MB)}; "
        f"floor {floor_mb:.1f} MB: the floor's imports alone)"
    )
    above = ready_mb - floor_mb
    print(
        f"idle rss above the floor: {above:.1f} MB, baseline {floor_mb:.1f} MB "
        f"(target <= {RSS_ABOVE_FLOOR_TARGET_MB:.0f} MB: "
        f"{verdict(above <= RSS_ABOVE_FLOOR_TARGET_MB)}; the emulator's own cost)"
    )
    print(
        f"rss after first use: {used_mb:.1f} MB, baseline {ready_mb:.1f} MB "
        "(once a spec was checked: pydantic and the lint rules loaded)"
    )


if __name__ == "__main__":
    main()
