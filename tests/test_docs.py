"""The README tells the truth: every route and every serve option is documented."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp.web import RouteDef
from click.testing import CliRunner

from emulator.cli import main
from emulator.web.routes import API, CONTROL, OPEN

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def documented_paths() -> set[str]:
    return {normalised(p) for p in re.findall(r"`(?:[A-Z/|]+ )?(/[^` ]*)`", README)}


def test_every_route_is_in_the_readme() -> None:
    documented = documented_paths()
    readme = normalised(README)
    missing = []
    for prefix, table in (("/api/v1", API), ("/-", CONTROL), ("", OPEN)):
        for route in table:
            if not isinstance(route, RouteDef):
                continue  # static files
            full = normalised(prefix + route.path)
            if full == "/":
                continue
            if full not in documented and full.rstrip("/") not in readme:
                missing.append(full)
    assert missing == [], f"routes missing from README.md: {missing}"


def test_every_serve_option_is_in_the_readme() -> None:
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    missing = sorted(option for option in options if f"`{option}" not in README)
    assert missing == [], f"serve options missing from README.md: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    block = README.split("```", 2)[1]
    assert block.split() == ["scripts/demo", "scripts/test"]
    for script in block.split():
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"
