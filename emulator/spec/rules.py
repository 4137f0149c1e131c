"""The linter's rules: each a small generator named after the quirk it reports.

A rule reads a `SpecView` (the root, its JSON path prefix, the normalised type, the
settings that are usable objects, and the context) and yields findings with a path and a
fix hint. Nearly all are warnings; a URL Telex cannot call is an error in the "check"
context only. The structural errors are found with pydantic, in `spec.check`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from emulator import cron
from emulator.findings import Finding, json_path, json_type_name, list_names, show_value
from emulator.spec.model import (
    CATEGORIES,
    CHOICE_TYPES,
    MULTI_TYPES,
    SETTING_TYPES,
    empty_value,
    interval_setting,
    is_deployment_host,
    is_interval_label,
    match_option,
    normalise_url,
    option_values,
    parse_bool,
    parse_number,
    production_host,
    setting_type,
    split_multi,
)

Context = Literal["check", "install"]
"""Why a spec is linted: "check" says what Telex would make of it as published; "install"
loads it into the emulator, where a URL can still be overridden."""


@dataclass(frozen=True)
class SpecView:
    """What every rule reads: the integration object, its path prefix, its normalised type."""

    root: dict[str, Any]
    prefix: str
    integration_type: str | None
    items: list[tuple[int, dict[str, Any]]]  # settings that are objects, with their index
    context: Context = "check"

    def path(self, *parts: str | int) -> str:
        return json_path(self.prefix, *parts)

    def item_path(self, index: int, *parts: str | int) -> str:
        return json_path(self.prefix, "settings", index, *parts)


def _warn(path: str, message: str, hint: str) -> Finding:
    return Finding("warning", path, message, hint)


def integration_type_not_lower_case(spec: SpecView) -> Iterator[Finding]:
    value = spec.root.get("integration_type")
    if spec.integration_type and value != spec.integration_type:
        yield _warn(
            spec.path("integration_type"),
            f"integration_type is written {show_value(value)}; "
            f"Telex's value is {show_value(spec.integration_type)}",
            f'Write "integration_type": "{spec.integration_type}" (lower case).',
        )


def unknown_category(spec: SpecView) -> Iterator[Finding]:
    value = spec.root.get("integration_category")
    if "integration_category" not in spec.root or value in CATEGORIES:
        return
    near = next(
        (c for c in CATEGORIES if isinstance(value, str) and c.lower() == value.strip().lower()),
        None,
    )
    hint = f"Write {show_value(near)}." if near else "Use one of: " + "; ".join(CATEGORIES) + "."
    yield _warn(
        spec.path("integration_category"),
        f"integration_category {show_value(value)} is not a Telex category",
        hint,
    )


def is_active_not_bool(spec: SpecView) -> Iterator[Finding]:
    value = spec.root.get("is_active")
    if "is_active" in spec.root and not isinstance(value, bool):
        yield _warn(
            spec.path("is_active"),
            f"is_active is {json_type_name(value)} {show_value(value)}, not true/false",
            'Write "is_active": true (a JSON boolean, no quotes).',
        )


def app_name_missing(spec: SpecView) -> Iterator[Finding]:
    descriptions = spec.root.get("descriptions")
    name = descriptions.get("app_name") if isinstance(descriptions, dict) else None
    if not (isinstance(name, str) and name.strip()):
        yield _warn(
            spec.path("descriptions", "app_name"),
            "descriptions.app_name is missing: the integration shows under a fallback name",
            'Add "descriptions": {"app_name": "My Integration", ...}.',
        )


def settings_null(spec: SpecView) -> Iterator[Finding]:
    if "settings" in spec.root and spec.root["settings"] is None:
        yield _warn(
            spec.path("settings"), "settings is null; read as no settings", 'Write "settings": [].'
        )


def duplicate_labels(spec: SpecView) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for index, item in spec.items:
        label = item["label"]
        key = label.strip().casefold()
        if key in seen:
            yield _warn(
                spec.item_path(index, "label"),
                f"label {show_value(label)} repeats {show_value(seen[key])}: a stored value applies to both",
                "Give each setting its own label.",
            )
        else:
            seen[key] = label


def setting_type_odd(spec: SpecView) -> Iterator[Finding]:
    listed = ", ".join(SETTING_TYPES)
    for index, item in spec.items:
        path, raw = spec.item_path(index, "type"), item.get("type")
        normal = setting_type(item)
        if "type" not in item:
            yield _warn(
                path,
                f"setting {show_value(item['label'])} has no type; treated as text",
                f"Add a type: {listed}.",
            )
        elif isinstance(raw, str) and raw.strip().lower() == "string":
            yield _warn(
                path,
                "type 'string' is not a Telex setting type; treated as text",
                'Write "type": "text".',
            )
        elif normal == "text" and raw != "text":
            yield _warn(
                path,
                f"unknown setting type {show_value(raw)}; treated as text",
                f"Use one of: {listed}.",
            )
        elif raw != normal:
            yield _warn(
                path,
                f"type {show_value(raw)} is spelled {show_value(normal)} by Telex",
                f'Write "type": "{normal}".',
            )


def required_not_bool(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("required")
        if "required" in item and not isinstance(value, bool):
            sent = bool(parse_bool(value))
            yield _warn(
                spec.item_path(index, "required"),
                f"required is {json_type_name(value)} {show_value(value)}; "
                f"sent to the integration as {str(sent).lower()}",
                f'Write "required": {str(sent).lower()} (a JSON boolean, no quotes).',
            )


def required_missing(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        if "required" not in item:
            yield _warn(
                spec.item_path(index),
                f"setting {show_value(item['label'])} has no required; sent as false",
                'Add "required": false (or true): '
                "typed models in integrations reject items without it.",
            )


def default_missing(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        if "default" in item or (
            spec.integration_type == "interval" and is_interval_label(item["label"])
        ):
            continue  # the interval rules speak for the interval setting
        yield _warn(
            spec.item_path(index),
            f"setting {show_value(item['label'])} has no default; "
            f"sent as {show_value(empty_value(item))} until a value is set",
            'Add a "default" (e.g. "" for text).',
        )


def number_default_not_number(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("default")
        if setting_type(item) != "number" or value is None or parse_number(value) == value:
            continue  # absent, null or a real number
        path = spec.item_path(index, "default")
        if isinstance(value, str) and parse_number(value) is not None:
            # Telex echoes the declared type, so "1000" goes back as a string.
            yield _warn(
                path,
                f"number default is the string {show_value(value)}; it is sent back as a string",
                f"Write {value.strip()} without quotes if your code expects a number.",
            )
        else:
            yield _warn(
                path,
                f"number default {show_value(value)} is not a number",
                "Write a number such as 10.",
            )


def checkbox_default_not_bool(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("default")
        if setting_type(item) != "checkbox" or "default" not in item or isinstance(value, bool):
            continue
        path = spec.item_path(index, "default")
        meaning = parse_bool(value)
        if meaning is None:
            yield _warn(
                path,
                f"checkbox default {show_value(value)} is not true or false; read as false",
                "Write true or false.",
            )
        else:
            yield _warn(
                path,
                f"checkbox default is {json_type_name(value)} {show_value(value)}; sent back in that style",
                f"Write {str(meaning).lower()} (a JSON boolean) if your code expects one.",
            )


def multi_default_shape(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("default")
        if setting_type(item) in MULTI_TYPES and value is not None and split_multi(value) is None:
            yield _warn(
                spec.item_path(index, "default"),
                f"{setting_type(item)} default is {json_type_name(value)}, not a list or comma string",
                'Write a list (["a", "b"]) or a comma string ("a,b").',
            )


def options_missing(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        kind = setting_type(item)
        if (kind in CHOICE_TYPES or kind in MULTI_TYPES) and option_values(item) is None:
            options = item.get("options")
            what = (
                "has no options"
                if not options
                else "has no usable options"
                if isinstance(options, list)
                else f"has options that are {json_type_name(options)}, not a list"
            )
            yield _warn(
                spec.item_path(index, "options"),
                f"{kind} {show_value(item['label'])} {what}; any value is accepted",
                'Add "options": ["first", "second"].',
            )


def default_not_in_options(spec: SpecView) -> Iterator[Finding]:
    for index, item in spec.items:
        kind, options, value = setting_type(item), option_values(item), item.get("default")
        if options is None or value is None or value == "":
            continue
        chosen = (
            split_multi(value) if kind in MULTI_TYPES else [value] if kind in CHOICE_TYPES else None
        )
        for choice in chosen or []:
            if str(choice) in options:
                continue
            near = match_option(str(choice), options)
            why = f"differs in case from {show_value(near)}" if near else "is not among the options"
            yield _warn(
                spec.item_path(index, "default"),
                f"default {show_value(choice)} {why}",
                f"Use one of: {list_names(options)}.",
            )


def interval_setting_missing(spec: SpecView) -> Iterator[Finding]:
    if spec.integration_type == "interval" and interval_setting([i for _, i in spec.items]) is None:
        yield _warn(
            spec.path("settings"),
            "interval integration without an 'interval' setting: "
            "it ticks only on demand (tick now), never on a schedule",
            'Add {"label": "interval", "type": "text", "required": true, '
            '"default": "*/5 * * * *"}.',
        )


def interval_default_not_cron(spec: SpecView) -> Iterator[Finding]:
    if spec.integration_type != "interval":
        return
    for index, item in spec.items:
        if is_interval_label(item["label"]) and (why := cron.validation_error(item.get("default"))):
            what = f"default {show_value(item['default'])}" if "default" in item else "no default"
            yield _warn(
                spec.item_path(index, "default"),
                f"interval setting has {what}, not a valid 5-field crontab; "
                "set a valid value before activating",
                why,
            )
            return


def _url_fields(spec: SpecView) -> list[str]:
    # Only URLs the emulator calls: target_url always, tick_url for intervals.
    return ["target_url", "tick_url"] if spec.integration_type == "interval" else ["target_url"]


def _called_url(spec: SpecView) -> str | None:
    """The URL Telex must call for this type to do anything (an interval's target is optional)."""
    return {"modifier": "target_url", "output": "target_url", "interval": "tick_url"}.get(
        spec.integration_type or ""
    )


def _url_consequence(spec: SpecView, field: str) -> str:
    if field == "tick_url":
        return "the interval cannot tick"
    return {"modifier": "the modifier is skipped", "output": "the output receives no messages"}.get(
        spec.integration_type or "", "no messages are sent to it"
    )


_OVERRIDE_HINT = (
    "Set it to the integration's endpoint, or override it for this integration "
    "(PUT …/integrations/custom/{id} with target_url/tick_url)."
)
_PUBLISH_HINT = (
    "Publish the integration's http(s) endpoint here. To try the integration first, install "
    "it in the emulator and override the URL (PUT …/integrations/custom/{id})."
)


def url_not_callable(spec: SpecView) -> Iterator[Finding]:
    """A URL that is missing or not http(s). For the URL the type needs, Telex cannot call
    the integration as published: an error to `check`, a warning to an install."""
    called = _called_url(spec)
    for field in _url_fields(spec):
        value = spec.root.get(field)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if (blank and field != called) or normalise_url(value):
            continue  # an interval's unused target_url is normal (the docs' template)
        if blank:
            what = "is missing or empty"
        elif isinstance(value, str) and value.strip().startswith("<expr:"):
            what = "is a value computed at run time by the integration's server"
        else:
            what = f"{show_value(value)} is not an http(s) URL"
        consequence = _url_consequence(spec, field)
        if field != called:
            yield _warn(spec.path(field), f"{field} {what}: {consequence}", _OVERRIDE_HINT)
            continue
        message = f"{field} {what}: Telex cannot call this integration as published ({consequence})"
        if spec.context == "check":
            yield Finding("error", spec.path(field), message, _PUBLISH_HINT)
        else:
            yield _warn(spec.path(field), message, _OVERRIDE_HINT)


def url_production_host(spec: SpecView) -> Iterator[Finding]:
    for field in _url_fields(spec):
        url = normalise_url(spec.root.get(field))
        host = production_host(url) if url else None
        if url and host:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
            kind = "a deployed host" if is_deployment_host(host) else "a public host"
            yield _warn(
                spec.path(field),
                f"{field} points at {kind} ({host}), not your local integration",
                f"Run the emulator with --rewrite {origin}=http://127.0.0.1:PORT, "
                "or override the URL for this integration.",
            )


Rule = Callable[[SpecView], Iterator[Finding]]
RULES: list[Rule] = [
    integration_type_not_lower_case,
    unknown_category,
    is_active_not_bool,
    app_name_missing,
    settings_null,
    duplicate_labels,
    setting_type_odd,
    required_not_bool,
    required_missing,
    default_missing,
    number_default_not_number,
    checkbox_default_not_bool,
    multi_default_shape,
    options_missing,
    default_not_in_options,
    interval_setting_missing,
    interval_default_not_cron,
    url_not_callable,
    url_production_host,
]
