"""The built wheel works on its own: installed (not editable) into a fresh venv and run from an
unrelated folder, it serves the UI and every static file, finds its migrations, and checks."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import __version__
from emulator.db.migrate import HEAD_REVISION
from tests.conftest import corpus_file

ROOT = Path(__file__).resolve().parents[1]
QUIET_PIP = ["--quiet", "--disable-pip-version-check"]


def source_files(folder: str) -> set[str]:
    """Files a wheel must carry from `folder` of the checkout (bytecode caches aside)."""
    base = ROOT / folder
    return {
        path.relative_to(base).as_posix()
        for path in base.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *QUIET_PIP, "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("telex_emulator-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding the wheel; its dependencies come from this test venv's
    site-packages, added as plain paths so this checkout's editable install stays out."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "test_venv_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", *QUIET_PIP,
         "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    return venv


def run_installed(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "telex-emulator"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    )


def test_wheel_carries_static_files_migrations_and_samples(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    def under(prefix: str) -> set[str]:
        return {name.removeprefix(prefix) for name in names if name.startswith(prefix)}

    assert under("emulator/web/static/") == source_files("emulator/web/static")
    assert under("emulator/_migrations/") == source_files("migrations")
    assert under("sample_integrations/") == source_files("sample_integrations")
    assert not [name for name in names if "__pycache__" in name or name.startswith("tests/")]


def test_installed_wheel_runs_from_an_unrelated_folder(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import emulator; print(emulator.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(installed)), f"imported the checkout, not the wheel: {where}"

    version = run_installed(installed, tmp_path, "--version")
    assert version.stdout == f"telex-emulator, version {__version__}\n", version

    spec = tmp_path / "spec.json"
    spec.write_bytes(corpus_file("003").read_bytes())
    checked = run_installed(installed, tmp_path, "check", "spec.json")
    assert checked.returncode == 0, checked
    assert "0 error(s)" in checked.stdout


def old_database(installed: Path, path: Path) -> None:
    """A database at the first migration, made by the installed package's own Alembic."""
    script = (
        "import sys; from alembic import command; from sqlalchemy import create_engine; "
        "from emulator.db.migrate import alembic_config\n"
        "with create_engine(f'sqlite:///{sys.argv[1]}').begin() as connection:\n"
        "    command.upgrade(alembic_config(connection), '0001')\n"
    )
    subprocess.run(
        [str(installed / "bin" / "python"), "-c", script, str(path)],
        check=True,
        capture_output=True,
        cwd=path.parent,
    )


@pytest.fixture
def served(installed: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`telex-emulator serve` of the installed wheel on a database one migration behind."""
    db = tmp_path / "old.db"
    old_database(installed, db)
    # Port 0: the system picks a free port and the ready line names it (no bind-then-release race).
    command = [str(installed / "bin" / "telex-emulator"), "serve", "--port", "0",
               "--db", db.name]  # fmt: skip
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # blocks until the ready line: no sleep
            ready = re.fullmatch(r"ready on (http://127\.0\.0\.1:\d+)", line.strip())
            assert ready, (line, process.stderr)
            yield ready.group(1), db
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200, url
        return response.read()


def test_installed_wheel_serves_the_ui_and_migrates(
    served: tuple[str, Path], installed: Path
) -> None:
    base, db = served
    assert b'src="/static/app.js"' in get(f"{base}/")
    static = installed.glob("lib/python*/site-packages/emulator/web/static/**/*")
    files = [path for path in static if path.is_file()]
    assert len(files) == len(source_files("emulator/web/static"))
    for path in files:
        relative = path.as_posix().split("/emulator/web/static/", 1)[1]
        assert get(f"{base}/static/{relative}") == path.read_bytes(), relative
    assert json.loads(get(f"{base}/-/ready"))["status"] == "ready"
    connection = sqlite3.connect(db)
    try:
        [(revision,)] = connection.execute("select version_num from alembic_version")
    finally:
        connection.close()
    assert revision == HEAD_REVISION, "the wheel's migrations did not run"
