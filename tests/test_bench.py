"""Every benchmark in bench/ runs `--quick` to the end and prints its figure lines.

The figures themselves are not checked: on a shared machine they are noise, and the
targets are for `bench/run_all` to report, not for the test suite to enforce.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
TIMEOUT_S = 60.0

# script -> the start of each figure line it must print (run_all's table reads them)
FIGURES = {
    "fanout": (
        "fanout: ",
        "cpu per message: ",
        "added p50 per modifier hop: ",
        "added p99 per modifier hop: ",
    ),
    "scheduler": ("ticks: ", "returns: "),
    "startup": ("startup: ", "idle rss: "),
    "fixture": ("fixture overhead: ",),
    "responsiveness": ("ready p99 under misbehaving load: ",),
    "agents": (
        "added p50 per agent round trip: ",
        "added p99 per agent round trip: ",
        "agent round trips: ",
        "cpu per agent round trip: ",
        "push ingestion: ",
    ),
    "replay": (
        "replay: ",
        "snapshot restore: ",
        "snapshot restore of every table: ",
        "seed 100 integrations: ",
    ),
}
NUMBER = re.compile(r"\d")
HELPERS = {"__init__", "common", "agent_servers"}


def test_every_bench_script_is_covered() -> None:
    scripts = {path.stem for path in BENCH.glob("*.py")} - HELPERS
    assert scripts == set(FIGURES), "add the new script's figure lines to FIGURES"


def test_run_all_runs_every_script() -> None:
    run_all = (BENCH / "run_all").read_text()
    assert all(re.search(rf"\b{name}\b", run_all) for name in FIGURES)


@pytest.mark.parametrize("script", sorted(FIGURES))
def test_bench_runs_quick_and_prints_its_figures(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"bench/{script}.py --quick failed:\n{done.stdout}\n{done.stderr}"
    lines = done.stdout.splitlines()
    for start in FIGURES[script]:
        found = [line for line in lines if line.startswith(start)]
        assert found, f"bench/{script}.py printed no {start!r} line:\n{done.stdout}"
        assert NUMBER.search(found[0].removeprefix(start)), found[0]
