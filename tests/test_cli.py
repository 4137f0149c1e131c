"""The command line: serve's ready line, check's exit codes and output, safety rails."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

import emulator
from emulator.cli import main
from tests.conftest import closed_port, corpus_file


def test_check_a_real_spec_file() -> None:
    result = CliRunner().invoke(main, ["check", str(corpus_file("003"))])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output
    assert "fix:" in result.output


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"telex-emulator, version {emulator.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", emulator.__version__)


def test_check_fails_a_spec_telex_cannot_call(tmp_path: Path) -> None:
    # An output with an empty target_url installs (the URL can be overridden locally),
    # but Telex could never deliver to it: `check` is an error and exits 1.
    spec = {
        "data": {
            "descriptions": {"app_name": "Silent Output"},
            "integration_type": "output",
            "settings": [],
            "target_url": "",
        }
    }
    path = tmp_path / "integration.json"
    path.write_text(json.dumps(spec))

    result = CliRunner().invoke(main, ["check", str(path)])

    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{path}: Silent Output (output): not callable by Telex")
    assert "error   $.data.target_url: target_url is missing or empty: Telex cannot call" in (
        result.output
    )
    report = json.loads(CliRunner().invoke(main, ["check", "--json", str(path)]).output)
    assert (report["ok"], report["installable"]) == (False, True)


def test_check_json_output_and_exit_code_on_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"data": {"integration_type": "teleporter"}}))
    result = CliRunner().invoke(main, ["check", "--json", str(broken)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert report["errors"][0]["path"] == "$.data.integration_type"
    assert report["errors"][0]["hint"]


def test_check_missing_file_and_not_json(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["check", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1
    assert "neither an http(s) URL nor a file" in missing.output
    page = tmp_path / "page.json"
    page.write_text("<html><body>login</body></html>")
    html = CliRunner().invoke(main, ["check", str(page)])
    assert html.exit_code == 1
    assert "HTML" in html.output


def test_check_unreachable_url() -> None:
    with closed_port() as port:
        url = f"http://127.0.0.1:{port}/integration.json"
        result = CliRunner().invoke(main, ["check", url])
    assert result.exit_code == 1
    assert url in result.output


def test_non_loopback_host_needs_an_api_key() -> None:
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--db", ":memory:"])
    assert result.exit_code == 2
    assert "--api-key" in result.output


def test_bad_rewrite_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["serve", "--rewrite", "nonsense", "--db", ":memory:"])
    assert result.exit_code == 2
    assert "FROM=TO" in result.output


def test_serve_prints_ready_line_then_answers_and_stops(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "emulator", "serve", "--port", "0",
               "--db", str(tmp_path / "serve.db")]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # blocks until the ready line: no sleep
            url = line.strip().removeprefix("ready on ")
            assert re.fullmatch(r"http://127\.0\.0\.1:[1-9]\d*", url), line
            with urllib.request.urlopen(f"{url}/-/ready", timeout=10) as response:
                assert response.status == 200
                assert json.loads(response.read())["status"] == "ready"
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=20)
        assert process.returncode == 0, stderr


def test_options_read_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("TELEX_EMULATOR_HOST", "0.0.0.0")
    result = CliRunner().invoke(main, ["serve", "--db", ":memory:"])
    assert result.exit_code == 2
    assert "binding 0.0.0.0" in result.output
