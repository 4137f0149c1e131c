"""scripts/demo as a stranger runs it: its venv helper, arguments, environment and Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo"

# What Debian's python3 does on `-m venv` without the python3-venv package: it leaves a
# half-made venv (bin/python, no pip) behind and exits 1. Anything else runs the real Python.
NO_VENV_PYTHON = f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && ln -s {sys.executable} "$3/bin/python" && : > "$3/pyvenv.cfg"
  echo "The virtual environment was not created successfully because ensurepip is not"
  echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv"
  exit 1
fi
exec {sys.executable} "$@"
"""

TOO_OLD_PYTHON = """#!/bin/sh
case "$*" in -V*) echo "Python 3.9.2" ;; esac
exit 1
"""


def fake_python(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bin" / "python3"
    path.parent.mkdir()
    path.write_text(text)
    path.chmod(0o755)
    return path


def run_demo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DEMO), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def test_missing_venv_module_names_the_package_and_leaves_no_half_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    python = fake_python(tmp_path, NO_VENV_PYTHON)
    result = run_demo({"PYTHON": str(python), "TELEX_EMULATOR_VENV": str(venv)})
    assert result.returncode == 1, result
    assert "python3-venv" in result.stderr
    assert "apt-get install python3-venv" in result.stderr
    assert "PYTHON=" in result.stderr  # the other way out
    assert "ensurepip is not" in result.stderr  # Python's own words are shown too
    assert not venv.exists(), "a half-made venv would pass for a working one next time"


def test_too_old_python_is_named(tmp_path: Path) -> None:
    python = fake_python(tmp_path, TOO_OLD_PYTHON)
    venv = tmp_path / "venv"
    result = run_demo({"PYTHON": str(python), "TELEX_EMULATOR_VENV": str(venv)})
    assert result.returncode == 1, result
    assert "Python 3.9.2" in result.stderr
    assert "3.11 or newer" in result.stderr
    assert not venv.exists()


def test_missing_python_is_named(tmp_path: Path) -> None:
    result = run_demo({"PYTHON": "python3-nowhere", "TELEX_EMULATOR_VENV": str(tmp_path / "v")})
    assert result.returncode == 1, result
    assert "no 'python3-nowhere' on PATH" in result.stderr


def test_demo_passes_arguments_and_environment_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The venv is this test run's own (already installed by scripts/test); cwd is elsewhere."""
    db = tmp_path / "from-env.db"
    env = {
        **os.environ,
        "TELEX_EMULATOR_VENV": sys.prefix,
        "TELEX_EMULATOR_DB": str(db),
        "VIRTUAL_ENV": str(tmp_path / "someone-elses-venv"),  # as if another venv were active
    }
    with subprocess.Popen(
        [str(DEMO), "--port", "0"],  # the system picks a free port; the ready line names it
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()  # blocks until the ready line: no sleep
            ready = re.fullmatch(r"ready on http://127\.0\.0\.1:(\d+)", first.strip())
            assert ready, first
            port = int(ready.group(1))
            assert port != 7070, "--port did not reach the emulator"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                assert response.status == 200
            # exec: the script's own process became the emulator, so Ctrl-C reaches it
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
            assert any(part.endswith(b"telex-emulator") for part in cmdline), cmdline
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert db.exists(), "TELEX_EMULATOR_DB did not reach the emulator"
