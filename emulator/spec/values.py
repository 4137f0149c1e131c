"""Stored setting values and the `settings` array Telex sends (CONTRACT §1.4).

Values are stored per organisation and per channel, keyed by the declared label. What an
integration receives is its own declared list, in declared order, with `default` replaced
by the effective value typed like the declared default: most Python integrations type
`default: str` and reject numbers, while the official Go and FastAPI examples need numbers.
Every item carries a `default`: 27 of 30 Python models require one and answer 422 without.
"""

from __future__ import annotations

import json
from typing import Any

from emulator import cron
from emulator.errors import ValidationFailed, problem
from emulator.spec.model import (
    CHOICE_TYPES,
    MULTI_TYPES,
    empty_value,
    interval_setting,
    is_interval_label,
    match_option,
    option_values,
    parse_bool,
    parse_number,
    setting_type,
    split_multi,
)


def find_setting(declared: list[dict[str, Any]], label: object) -> dict[str, Any] | None:
    """The declared item for `label`: exact label first, then ignoring case and outer spaces."""
    if not isinstance(label, str):
        return None
    items = [i for i in declared if isinstance(i, dict) and isinstance(i.get("label"), str)]
    exact = next((i for i in items if i["label"] == label), None)
    if exact is not None:
        return exact
    folded = label.strip().casefold()
    return next((i for i in items if i["label"].strip().casefold() == folded), None)


# ---------------------------------------------------------------------------------------
# Validating values a user stores


def validate_values(
    declared: list[dict[str, Any]], values: Any, *, path: str = "settings"
) -> dict[str, Any]:
    """Check `{label: value}` against the declared settings; every problem in one 422.

    Returns the values normalised (numbers, bools, lists of options) and keyed by the
    declared label spelling; None means "clear my value" and is kept for the caller.
    """
    if not isinstance(values, dict):
        error = problem(
            path,
            f"settings must be an object {{label: value}}, got {_json_type(values)}",
            'Send e.g. {"interval": "*/5 * * * *"}.',
        )
        raise ValidationFailed("settings were rejected", errors=[error])
    normalised: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for key, value in values.items():
        where = f"{path}.{key}"
        item = find_setting(declared, key)
        if item is None:
            errors.append(problem(where, f"no setting is labelled {key!r}", _labels_hint(declared)))
            continue
        label = item["label"]
        if label in normalised:
            message = f"{key!r} names setting {label!r} a second time"
            errors.append(problem(where, message, "Give each setting once."))
            continue
        if value is None:
            normalised[label] = None  # cleared: falls back to the organisation or the default
            continue
        try:
            normalised[label] = _normalise(item, value)
        except _Rejected as rejected:
            errors.append(problem(where, rejected.message, rejected.hint))
    if errors:
        raise ValidationFailed("settings were rejected", errors=errors)
    return normalised


class _Rejected(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _normalise(item: dict[str, Any], value: Any) -> Any:
    label = item["label"]
    if is_interval_label(label):
        # The crontab rule wins over a dropdown's options: spec 016 offers only "Daily".
        return _interval_value(value)
    kind = setting_type(item)
    if kind == "number":
        return _number_value(label, value)
    if kind == "checkbox":
        return _checkbox_value(label, value)
    if kind in CHOICE_TYPES:
        return _choice_value(item, value)
    if kind in MULTI_TYPES:
        return _multi_value(item, value)
    return _text_value(label, value)


def _interval_value(value: Any) -> str:
    why = cron.validation_error(value)
    if why is not None:
        raise _Rejected(f"interval {_show(value)} is not a valid 5-field crontab", why)
    return value.strip()


def _number_value(label: str, value: Any) -> int | float:
    number = parse_number(value)
    if number is None:
        raise _Rejected(f"{label!r} must be a number, got {_show(value)}", "Send e.g. 10 or 2.5.")
    return number


def _checkbox_value(label: str, value: Any) -> bool:
    flag = parse_bool(value)
    if flag is None:
        raise _Rejected(
            f"{label!r} is a checkbox and needs true or false, got {_show(value)}",
            'Send true or false ("yes"/"no", "on"/"off", "1"/"0" are read too).',
        )
    return flag


def _choice_value(item: dict[str, Any], value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Rejected(
            f"{item['label']!r} takes one option, got {_json_type(value)}", _options_hint(item)
        )
    return _option(item, str(value))


def _multi_value(item: dict[str, Any], value: Any) -> list[str]:
    chosen = split_multi(value)
    if chosen is None or (isinstance(value, list) and len(chosen) != len(value)):
        raise _Rejected(
            f"{item['label']!r} takes a list of options or a comma string, got {_json_type(value)}",
            _options_hint(item),
        )
    return [_option(item, choice) for choice in chosen]


def _option(item: dict[str, Any], choice: str) -> str:
    """The declared spelling of `choice`; without declared options any text is accepted."""
    options = option_values(item)
    if options is None:
        return choice
    match = match_option(choice, options)
    if match is None:
        raise _Rejected(f"{choice!r} is not an option of {item['label']!r}", _options_hint(item))
    return match


def _text_value(label: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return value if isinstance(value, str) else _number_text(value)
    raise _Rejected(f"{label!r} takes text, got {_json_type(value)}", "Send a string.")


def _labels_hint(declared: list[dict[str, Any]]) -> str:
    labels = [repr(i["label"]) for i in declared if isinstance(i, dict) and "label" in i]
    return "Declared labels: " + (
        ", ".join(labels) if labels else "none (this spec has no settings)"
    )


def _options_hint(item: dict[str, Any]) -> str:
    options = option_values(item)
    return "Options: " + ", ".join(repr(o) for o in options) if options else "Send text."


# ---------------------------------------------------------------------------------------
# The settings array sent to integrations


def effective_value(
    item: dict[str, Any], org_values: dict[str, Any], channel_values: dict[str, Any]
) -> Any:
    """Channel override, else organisation value, else the declared default, else the
    setting type's empty value (`""`, `false`, `0`)."""
    label = item.get("label")
    for values in (channel_values, org_values):
        value = values.get(label, None) if isinstance(label, str) else None
        if value is not None:
            return value
    return item["default"] if "default" in item else empty_value(item)


def effective_settings(
    declared: list[dict[str, Any]],
    org_values: dict[str, Any],
    channel_values: dict[str, Any],
    *,
    as_strings: bool = False,
) -> list[dict[str, Any]]:
    """The declared list as Telex sends it: every declared key in declared order, `default`
    replaced by the effective value typed like the declared default, `required` a bool."""
    sent: list[dict[str, Any]] = []
    for item in declared:
        if not isinstance(item, dict):
            continue
        value = typed_like(item, effective_value(item, org_values, channel_values))
        if as_strings:
            value = as_text(value)
        # 30/30 Python models reject items without `required`: always send a bool
        # ("true" -> true, absent -> false). Declared keys keep their place; new ones go last.
        required = bool(parse_bool(item.get("required")))
        sent.append(item | {"default": value, "required": required})
    return sent


def effective_interval(
    declared: list[dict[str, Any]], org_values: dict[str, Any], channel_values: dict[str, Any]
) -> str | None:
    """The effective crontab; None without an interval setting, "" when it has no value."""
    item = interval_setting(declared)
    if item is None:
        return None
    return as_text(effective_value(item, org_values, channel_values))


def typed_like(item: dict[str, Any], value: Any) -> Any:
    """`value` in the JSON type of the declared default (CONTRACT §1.4).

    The declared default itself always comes back unchanged, so an untouched spec is
    echoed byte for byte.
    """
    if value is None:
        return value
    declared = item.get("default")
    if isinstance(declared, str):
        return _as_declared_string(declared, value)
    if isinstance(declared, bool):
        flag = parse_bool(value)
        return value if flag is None else flag
    if isinstance(declared, int | float):
        number = parse_number(value)
        return value if number is None else number
    if isinstance(declared, list):
        return split_multi(value) if isinstance(value, str) else value
    if declared is not None:
        return value  # an object default: pass the value through
    return _typed_by_setting_type(item, value)


def _typed_by_setting_type(item: dict[str, Any], value: Any) -> Any:
    # No declared default to copy: number -> number, checkbox -> bool, multi -> comma string.
    kind = setting_type(item)
    if kind == "number":
        number = parse_number(value)
        return value if number is None else number
    if kind == "checkbox":
        flag = parse_bool(value)
        return value if flag is None else flag
    return as_text(value)


def _as_declared_string(declared: str, value: Any) -> str:
    """A string in the declared default's style.

    Checkboxes declared "Yes"/"No" (21 of 30 use strings) get "Yes"/"No" back in the same
    capitalisation, "true"/"false" style gets "true"/"false", "on"/"1" likewise; any other
    string falls back to "true"/"false". Multi-select comma strings keep their separator.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _bool_in_style(declared, value)
    if isinstance(value, list):
        separator = ", " if ", " in declared else ","
        return separator.join(as_text(v) for v in value)
    return as_text(value)


_BOOL_STYLES = (("yes", "no"), ("true", "false"), ("on", "off"), ("1", "0"))


def _bool_in_style(declared: str, value: bool) -> str:
    word = declared.strip()
    for true_word, false_word in _BOOL_STYLES:
        if word.lower() in (true_word, false_word):
            chosen = true_word if value else false_word
            if word.isupper() and len(word) > 1:
                return chosen.upper()
            return chosen.capitalize() if word[:1].isupper() else chosen
    return "true" if value else "false"


def as_text(value: Any) -> str:
    """The compatibility switch: every value as a string (bool "true", list "a,b")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def _number_text(number: int | float) -> str:
    # 1000.0 -> "1000": a value validated from "1000" must not come back as "1000.0".
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return str(number)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (int | float, "a number"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return (
        "a list"
        if isinstance(value, list)
        else "an object"
        if isinstance(value, dict)
        else type(value).__name__
    )


def _show(value: object) -> str:
    if isinstance(value, list | dict):
        return _json_type(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
