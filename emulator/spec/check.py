"""The integration JSON checker: what a declared spec means, and what is wrong with it.

`check_spec` turns a decoded document into a `CheckedSpec` plus `Finding`s. The spec is
None only when nothing can be installed (no usable type, settings that cannot be
addressed: pydantic finds these, in `spec.schema`); everything else real integrations
publish installs, with warnings from the rules of `spec.rules`. What Telex cannot call as
published is an error to `check` and a warning to an install (the URL can be overridden).
Every path points into the author's own file (`$.data.settings[2].default`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from emulator.findings import Finding, json_path, json_type_name, show_value
from emulator.spec.model import normalise_integration_type, normalise_url
from emulator.spec.rules import RULES, Context, SpecView


@dataclass
class CheckedSpec:
    """A spec that loads: the raw root (verbatim) and what the emulator reads from it."""

    root: dict[str, Any]
    prefix: str
    integration_type: str
    app_name: str
    target_url: str | None
    tick_url: str | None
    settings: list[dict[str, Any]]


def errors_of(findings: Iterable[Finding]) -> list[Finding]:
    """The errors among `findings`, in order."""
    return [f for f in findings if f.severity == "error"]


def warnings_of(findings: Iterable[Finding]) -> list[Finding]:
    """The warnings among `findings`, in order."""
    return [f for f in findings if f.severity == "warning"]


# ---------------------------------------------------------------------------------------
# Reading the document


def unwrap(raw: dict[str, Any]) -> tuple[Any, str]:
    """The integration object and its JSON path: 133/138 wrap it in `{"data": ...}`."""
    data = raw.get("data")
    if isinstance(data, dict):
        if "integration_type" in data:
            return data, "$.data"
        inner = any(k in data for k in ("descriptions", "settings"))
        outer = any(k in raw for k in ("integration_type", "descriptions", "settings"))
        if inner and not outer:
            return data, "$.data"
    return raw, "$"


# ---------------------------------------------------------------------------------------
# Structural validation (pydantic, in spec.schema): the errors nothing installs past


_TYPES_HINT = 'Set "integration_type" to one of "interval", "modifier" or "output".'
_LABEL_HINT = 'Give every setting a non-empty "label": Telex sends values and finds settings by it.'


def _structural_findings(root: dict[str, Any], prefix: str) -> list[Finding]:
    # Imported here: pydantic is a quarter of the emulator's import time and memory, and
    # a server that only relays messages never checks a spec (bench/startup.py).
    from emulator.spec.schema import structural_errors

    return [_structural_finding(root, prefix, e) for e in structural_errors(root)]


def _structural_finding(root: dict[str, Any], prefix: str, err: Any) -> Finding:
    loc: tuple[Any, ...] = tuple(err.get("loc", ()))
    kind, value, path = err.get("type", ""), err.get("input"), json_path(prefix, *loc)
    if loc == ("integration_type",):
        return Finding("error", path, _type_message(kind, value), _type_hint(root))
    if loc == ("settings",):
        what = f"settings must be a list of setting objects, got {json_type_name(value)}"
        return Finding(
            "error", path, what, 'Write "settings": [{"label": ..., "type": ...}] or [].'
        )
    if len(loc) == 2 and loc[0] == "settings" and kind == "model_type":
        what = f"setting #{loc[1]} must be an object, got {json_type_name(value)}"
        return Finding(
            "error", path, what, 'Write it as {"label": ..., "type": ..., "default": ...}.'
        )
    if len(loc) == 3 and loc[0] == "settings" and loc[2] == "label":
        what = {
            "missing": f"setting #{loc[1]} has no label",
            "label_blank": f"setting #{loc[1]} has an empty label",
        }.get(kind, f"setting #{loc[1]} has a label that is {json_type_name(value)}, not a string")
        return Finding("error", path, what, _LABEL_HINT)
    if loc == ("descriptions",):
        what = f"descriptions must be an object, got {json_type_name(value)}"
        return Finding("error", path, what, 'Write "descriptions": {"app_name": ..., ...}.')
    if kind == "invalid_key":
        return Finding("error", path, "an object key is not a string", "JSON keys are strings.")
    return Finding(
        "error", path, f"invalid value here ({kind})", "Compare with the Telex docs' template."
    )


def _type_message(kind: str, value: object) -> str:
    if kind == "missing":
        return "integration_type is missing: Telex cannot tell what the integration does"
    if kind == "integration_type_unknown":
        return f"integration_type {show_value(value)} is not one Telex knows"
    return f"integration_type must be a string, got {json_type_name(value)}"


def _type_hint(root: dict[str, Any]) -> str:
    if normalise_integration_type(root.get("type")):
        said = show_value(root["type"])
        return f'{_TYPES_HINT} This file says "type": {said}; Telex reads "integration_type".'
    return _TYPES_HINT


# ---------------------------------------------------------------------------------------
# Entry point


def check_spec(raw: Any, context: Context = "check") -> tuple[CheckedSpec | None, list[Finding]]:
    """Lint a decoded document for `context` ("check": as Telex would take it; "install":
    as the emulator installs it). The spec is None iff it cannot be installed at all."""
    try:
        return _check(raw, context)
    except Exception:  # never raise on hostile input; the tests assert this never fires
        finding = Finding(
            "error",
            "$",
            "the linter failed on this document (internal error)",
            "Report it with the document attached.",
        )
        return None, [finding]


def _check(raw: Any, context: Context) -> tuple[CheckedSpec | None, list[Finding]]:
    if not isinstance(raw, dict):
        what = f"the integration JSON must be an object, got {json_type_name(raw)}"
        return None, [
            Finding(
                "error", "$", what, 'Serve {"data": {"integration_type": ..., "settings": [...]}}.'
            )
        ]
    root, prefix = unwrap(raw)
    settings = root.get("settings")
    items = [(i, s) for i, s in enumerate(settings)] if isinstance(settings, list) else []
    usable = [
        (i, s)
        for i, s in items
        if isinstance(s, dict) and isinstance(s.get("label"), str) and s["label"].strip()
    ]
    integration_type = normalise_integration_type(root.get("integration_type"))
    spec = SpecView(root, prefix, integration_type, usable, context)
    structural = _structural_findings(root, prefix)
    findings = structural + [f for rule in RULES for f in rule(spec)]
    if structural or spec.integration_type is None:
        return None, findings
    checked = CheckedSpec(
        root=root,
        prefix=prefix,
        integration_type=spec.integration_type,
        app_name=_app_name(root),
        target_url=normalise_url(root.get("target_url")),
        tick_url=normalise_url(root.get("tick_url")),
        settings=[s for _, s in usable],
    )
    return checked, findings


def _app_name(root: dict[str, Any]) -> str:
    descriptions = root.get("descriptions")
    for name in (
        descriptions.get("app_name") if isinstance(descriptions, dict) else None,
        root.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return "Unnamed integration"
