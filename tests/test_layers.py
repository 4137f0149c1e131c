"""Imports point only down the layers of DESIGN.md §2; handlers never touch SQL."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "emulator"

# Lower layers first. A module may import its own layer and the ones before it.
LAYERS: list[set[str]] = [
    {"errors", "config", "clock", "cron", "findings", "json_document", "a2a", "spec", "payloads", "urls",
     "masking", "replay_diff"},
    {"db", "outbound", "hub", "tasks", "batching", "shapes", "state"},
    {"directory", "infrastructure", "integrations", "delivery", "ticks", "agents", "replay", "snapshots",
     "seed"},
    {"services", "keys", "web"},
    {"app", "server", "cli", "cli_regression", "demo", "testing", "pytest_plugin", "__main__"},
]  # fmt: skip
PURE = LAYERS[0]


def layer_of(name: str) -> int:
    for index, layer in enumerate(LAYERS):
        if name in layer:
            return index
    raise AssertionError(f"emulator.{name} is not placed in a layer: add it to LAYERS")


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules() -> list[tuple[str, Path]]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in {"__init__.py", "_migrations"}:
            continue
        result.append((relative.parts[0].removesuffix(".py"), path))
    return result


def test_imports_point_down() -> None:
    problems = []
    for top, path in modules():
        own = layer_of(top)
        for name in imports_of(path):
            parts = name.split(".")
            if parts[0] != "emulator" or len(parts) < 2 or parts[1] == "__init__":
                continue
            if parts[1] in {"__version__"}:
                continue
            target = parts[1]
            if target != top and layer_of(target) > own:
                problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert problems == []


def test_pure_modules_do_no_io() -> None:
    for top, path in modules():
        if top in PURE:
            banned = {"aiohttp", "sqlalchemy", "alembic", "apscheduler"}
            used = {name.split(".")[0] for name in imports_of(path)}
            assert not used & banned, f"{path.name} is pure but imports {used & banned}"


def test_handlers_never_touch_sql_or_the_client_session() -> None:
    for path in (PACKAGE / "web").rglob("*.py"):
        used = imports_of(path)
        assert not any(name.startswith(("sqlalchemy", "emulator.db", "apscheduler"))
                       for name in used), path.name  # fmt: skip
        assert "aiohttp.ClientSession" not in path.read_text(), path.name


def test_services_never_import_the_web_layer() -> None:
    for top, path in modules():
        if layer_of(top) <= 2:
            text = path.read_text()
            assert "aiohttp import web" not in text, path.name
            assert "emulator.keys" not in text, path.name
