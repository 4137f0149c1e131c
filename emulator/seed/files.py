"""Reading a seed file: YAML (.yaml, .yml) or JSON; parse errors say where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulator.findings import Finding


class SeedFileUnreadable(Exception):
    """The file cannot be read or parsed; `finding` says where and why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(f"{finding.path}: {finding.message}")
        self.finding = finding


def load_seed_file(path: str | Path) -> Any:
    """The decoded document of a YAML or JSON seed file."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedFileUnreadable(
            Finding("error", "$", f"cannot read {path}: {exc}", "give a UTF-8 seed file's path")
        ) from exc
    if path.suffix.lower() == ".json":
        return _json(text, path)
    return _yaml(text, path)  # YAML 1.1 reads JSON documents too


def _json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SeedFileUnreadable(
            Finding("error", "$", f"{path} is not valid JSON: {exc}", "fix the JSON syntax there")
        ) from exc


def _yaml(text: str, path: Path) -> Any:
    import yaml  # only seed files need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        raise SeedFileUnreadable(
            Finding(
                "error",
                "$",
                f"{path} is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}",
                "fix the YAML syntax there (indentation, a missing colon or quote)",
            )
        ) from exc
