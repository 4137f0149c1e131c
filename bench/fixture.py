"""Per-test overhead of the `telex` fixture (a full reset of the emulator) vs an empty test.

Usage: python bench/fixture.py [--tests N] [--quick]
Runs one generated test file in a fresh pytest: N empty tests, N tests taking `telex`, and
N tests taking `telex` after a test that stored an organisation, a channel and a message
(so the reset has rows to delete). Each test's setup + call + teardown is timed by a hook;
the session's one-off emulator start is left out. Overhead = median(telex) - median(empty).
Target: < 10 ms per test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TARGET_MS = 10.0

CONFTEST = """
import json, time
import pytest

TIMES = {}
SETUPS = {}

@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        TIMES[item.name] = time.perf_counter() - started

def pytest_runtest_logreport(report):
    if report.when == "setup":
        SETUPS[report.nodeid.split("::")[-1]] = report.duration

def pytest_sessionfinish(session):
    with open(OUT, "w") as f:
        json.dump({"times": TIMES, "setups": SETUPS}, f)
"""

TESTS = """
import pytest

def test_0_warm_up(telex):
    pass

@pytest.mark.parametrize("n", range(N))
def test_1_empty(n):
    pass

@pytest.mark.parametrize("n", range(N))
def test_2_telex(telex, n):
    pass

@pytest.mark.parametrize("n", range(N))
def test_3_telex_after_data(telex, n):
    channel = telex.channel("general")
    telex.send(channel, "<p>hello</p>")

def test_9_last():
    pass  # its teardown also stops the session's emulator: not measured
"""


def run(count: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per group: whole-test times and setup times, in ms."""
    with tempfile.TemporaryDirectory(prefix="bench-fixture-") as folder:
        root = Path(folder)
        out = root / "times.json"
        (root / "conftest.py").write_text(f"OUT = {str(out)!r}\n" + textwrap.dedent(CONFTEST))
        (root / "test_overhead.py").write_text(f"N = {count}\n" + textwrap.dedent(TESTS))
        (root / "pytest.ini").write_text("[pytest]\n")
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "-p", "emulator.pytest_plugin", "test_overhead.py"]  # fmt: skip
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the generated tests failed:\n{done.stdout}\n{done.stderr}")
        measured = json.loads(out.read_text())
    return _grouped(measured["times"]), _grouped(measured["setups"])


def _grouped(times: dict[str, float]) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = {"empty": [], "telex": [], "telex_after_data": []}
    for name, seconds in times.items():
        group = name.split("[")[0].removeprefix("test_").lstrip("0123456789_")
        if group in groups:
            groups[group].append(seconds * 1000)
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per kind (default 200)")
    parser.add_argument("--quick", action="store_true", help="30 tests per kind")
    args = parser.parse_args()
    groups, setups = run(30 if args.quick else args.tests)
    empty = statistics.median(groups["empty"])
    telex = statistics.median(groups["telex"])
    reset_after_data = statistics.median(setups["telex_after_data"])
    overhead = telex - empty
    print(
        f"fixture overhead: {overhead:.2f} ms/test, baseline {empty:.2f} ms "
        f"(target < {TARGET_MS:g} ms: {'met' if overhead < TARGET_MS else 'MISSED'}; "
        f"a test taking telex {telex:.2f} ms vs an empty test; medians of "
        f"{len(groups['empty'])} tests each)"
    )
    print(f"telex setup after a test that stored data: {reset_after_data:.2f} ms")


if __name__ == "__main__":
    main()
