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


ARCHITECTURE = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text()


def emulator_classes() -> dict[str, type]:
    """Every class defined in an emulator module, by name."""
    import importlib
    import inspect
    import pkgutil

    import emulator

    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(emulator.__path__, "emulator."):
        if info.name.endswith(("__main__", "pytest_plugin")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == info.name:
                found[name] = value
    return found


def test_architecture_names_only_code_that_exists() -> None:
    """docs/architecture.md lists the functions each flow passes through: keep it true."""
    import importlib

    from emulator.hub import EVENT_TYPES

    missing = []
    for module, name in re.findall(r"`([a-z_]+(?:/[a-z_]+)?)\.([A-Za-z_]+)", ARCHITECTURE):
        if name == "py" or module == "aiohttp" or f"{module}.{name}" in EVENT_TYPES:
            continue  # a file name, a library, an event type
        try:
            found = importlib.import_module("emulator." + module.replace("/", "."))
        except ImportError:
            missing.append(f"{module} (no module emulator/{module}.py)")
            continue
        if not hasattr(found, name):
            missing.append(f"{module}.{name}")
    classes = emulator_classes()
    for owner, name in re.findall(r"`([A-Z][A-Za-z]+)\.([a-z_]+)", ARCHITECTURE):
        if owner not in classes or not hasattr(classes[owner], name):
            missing.append(f"{owner}.{name}")
    assert missing == []
