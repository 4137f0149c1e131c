"""Integration JSON linter: what a declared spec means, and what is wrong with it.

`check_spec` turns a fetched document into a `CheckedSpec` plus `Finding`s. Errors are
kept to what no Telex user would want loaded (no usable type, settings that cannot be
addressed); everything else real integrations publish loads with a warning and a hint.
Every path points into the author's own file (`$.data.settings[2].default`).

This module parses the document, finds the few structural errors (pydantic) and runs the
warning rules of `emulator.spec_rules`; the shared vocabulary is in `emulator.spec_model`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The vocabulary and the rules live in their own modules; this one re-exports them so
# `emulator.specs` stays the one import for callers (setting_values, integrations, ...).
from emulator.findings import Finding, Severity, json_path, json_type_name, show_value
from emulator.json_document import parse_json_document
from emulator.spec_model import (
    CATEGORIES,
    CHOICE_TYPES,
    INTEGRATION_TYPES,
    MULTI_TYPES,
    PRODUCTION_HOST_MARKERS,
    SETTING_TYPES,
    interval_setting,
    is_deployment_host,
    is_interval_label,
    match_option,
    normalise_integration_type,
    normalise_url,
    option_values,
    parse_bool,
    parse_number,
    production_host,
    setting_type,
    split_multi,
)
from emulator.spec_rules import (
    RULES,
    Rule,
    SpecView,
    app_name_missing,
    checkbox_default_not_bool,
    default_missing,
    default_not_in_options,
    duplicate_labels,
    integration_type_not_lower_case,
    interval_default_not_cron,
    interval_setting_missing,
    is_active_not_bool,
    multi_default_shape,
    number_default_not_number,
    options_missing,
    required_missing,
    required_not_bool,
    setting_type_odd,
    settings_null,
    unknown_category,
    url_missing_for_type,
    url_not_usable,
    url_production_host,
)

# The public interface: defined here, or re-exported from spec_model and spec_rules.
__all__ = [
    "CATEGORIES",
    "CHOICE_TYPES",
    "INTEGRATION_TYPES",
    "MULTI_TYPES",
    "PRODUCTION_HOST_MARKERS",
    "RULES",
    "SETTING_TYPES",
    "CheckedSpec",
    "Finding",
    "Rule",
    "Severity",
    "app_name_missing",
    "check_spec",
    "checkbox_default_not_bool",
    "default_missing",
    "default_not_in_options",
    "duplicate_labels",
    "errors_of",
    "integration_type_not_lower_case",
    "interval_default_not_cron",
    "interval_setting",
    "interval_setting_missing",
    "is_active_not_bool",
    "is_deployment_host",
    "is_interval_label",
    "match_option",
    "multi_default_shape",
    "normalise_integration_type",
    "normalise_url",
    "number_default_not_number",
    "option_values",
    "options_missing",
    "parse_bool",
    "parse_json_document",
    "parse_number",
    "production_host",
    "required_missing",
    "required_not_bool",
    "setting_type",
    "setting_type_odd",
    "settings_null",
    "split_multi",
    "unknown_category",
    "unwrap",
    "url_missing_for_type",
    "url_not_usable",
    "url_production_host",
    "warnings_of",
]


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
    findings: list[Finding]


def errors_of(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings_of(findings: Iterable[Finding]) -> list[Finding]:
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
# Structural validation (pydantic, in spec_schema): the few errors


_TYPES_HINT = 'Set "integration_type" to one of "interval", "modifier" or "output".'
_LABEL_HINT = 'Give every setting a non-empty "label": Telex sends values and finds settings by it.'


def _structural_findings(root: dict[str, Any], prefix: str) -> list[Finding]:
    # Imported here: pydantic is a quarter of the emulator's import time and memory, and
    # a server that only relays messages never checks a spec (bench/startup.py).
    from emulator.spec_schema import structural_errors

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


def check_spec(raw: Any) -> tuple[CheckedSpec | None, list[Finding]]:
    """Lint a decoded document: the spec is None iff there is at least one error."""
    try:
        return _check(raw)
    except Exception:  # never raise on hostile input; the tests assert this never fires
        finding = Finding(
            "error",
            "$",
            "the linter failed on this document (internal error)",
            "Report it with the document attached.",
        )
        return None, [finding]


def _check(raw: Any) -> tuple[CheckedSpec | None, list[Finding]]:
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
    spec = SpecView(root, prefix, normalise_integration_type(root.get("integration_type")), usable)
    findings = _structural_findings(root, prefix) + [f for rule in RULES for f in rule(spec)]
    if errors_of(findings) or spec.integration_type is None:
        return None, findings
    checked = CheckedSpec(
        root=root,
        prefix=prefix,
        integration_type=spec.integration_type,
        app_name=_app_name(root),
        target_url=normalise_url(root.get("target_url")),
        tick_url=normalise_url(root.get("tick_url")),
        settings=[s for _, s in usable],
        findings=findings,
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
