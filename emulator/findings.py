"""What a linter says about a JSON document: `Finding`s with a JSON path, and the small
formatters their messages share. Used by the integration JSON linter and the agent linter.
Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One thing the linter says about a spec: where (a JSON path), what, and how to fix it."""

    severity: Severity
    path: str
    message: str
    hint: str

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
        }


def json_path(prefix: str, *parts: object) -> str:
    """`$.data` + ("settings", 2, "default") -> `$.data.settings[2].default`."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def list_names(names: list[str], limit: int = 20) -> str:
    """Names for a hint, shortened, at most `limit` of them."""
    shown = ", ".join(show_value(n, 40).strip('"') for n in names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def json_type_name(value: object) -> str:
    """The JSON type of a decoded value, as a message says it ("a string", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def show_value(value: object, limit: int = 60) -> str:
    """A short JSON rendering for messages; containers by type only (no deep recursion)."""
    if isinstance(value, list | dict):
        return json_type_name(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + '…"'
