"""Integration JSON linter: what a declared spec means, and what is wrong with it.

`check_spec` turns a fetched document into a `CheckedSpec` plus `Finding`s. Errors are
kept to what no Telex user would want loaded (no usable type, settings that cannot be
addressed); everything else real integrations publish loads with a warning and a hint.
Every path points into the author's own file (`$.data.settings[2].default`).
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from emulator import cron

Severity = Literal["error", "warning"]

INTEGRATION_TYPES = ("interval", "modifier", "output")
SETTING_TYPES = (
    "text",
    "text_area",
    "number",
    "checkbox",
    "dropdown",
    "radio",
    "multi-select",
    "multi-checkbox",
)
CHOICE_TYPES = frozenset({"dropdown", "radio"})
MULTI_TYPES = frozenset({"multi-select", "multi-checkbox"})
CATEGORIES = (
    "Monitoring & Logging",
    "Communication & Collaboration",
    "Security & Compliance",
    "Performance Monitoring",
    "Website Uptime",
    "Social Media Management",
    "CRM & Customer Support",
    "Marketing Automation",
    "Data Analytics & Visualization",
    "Finance & Payments",
    "Project Management",
    "E-commerce & Retail",
    "AI & Machine Learning",
    "Task Automation",
    "Cloud Services",
    "Human Resources & Payroll",
    "Email & Messaging",
    "IT Service Management",
    "Development & Code Management",
    "DevOps & CI/CD",
)
# Hosts where integrations are deployed: a spec served by a locally started integration
# often still advertises these (11 of 18 did), so the emulator would call production.
PRODUCTION_HOST_MARKERS = (
    "onrender.com",
    "railway.app",
    "vercel.app",
    "herokuapp.com",
    "fly.dev",
    "netlify.app",
    "ngrok-free.app",
    "ngrok.io",
    "ngrok.app",
    "koyeb.app",
    "devtunnels.ms",
    "bsite.net",
    "pythonanywhere.com",
    "azurewebsites.net",
    "appspot.com",
    "telex.im",
)
# Stand-ins authors wrote for "no URL" (`"#"`, `"none"`, `"null"`, a quoted empty string).
_NO_URL_WORDS = frozenset({"", "#", "none", "null", '""', "''", "undefined"})
_TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "0", "off"})
_TYPE_SPELLINGS = {
    "multiselect": "multi-select",
    "multi-select": "multi-select",
    "multi_select": "multi-select",
    "multicheckbox": "multi-checkbox",
    "multi-checkbox": "multi-checkbox",
    "multi_checkbox": "multi-checkbox",
    "textarea": "text_area",
    "text_area": "text_area",
    "text-area": "text_area",
}


@dataclass(frozen=True)
class Finding:
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
# Declared-setting vocabulary, shared with setting_values


def is_interval_label(label: object) -> bool:
    """Telex finds the crontab by label; authors wrote `interval` and `Interval`."""
    return isinstance(label, str) and label.strip().lower() == "interval"


def interval_setting(settings: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next(
        (s for s in settings if isinstance(s, dict) and is_interval_label(s.get("label"))), None
    )


def setting_type(item: dict[str, Any]) -> str:
    """The normalised type; `string`, missing and unknown types behave as text."""
    raw = item.get("type")
    if not isinstance(raw, str):
        return "text"
    key = raw.strip().lower()
    key = _TYPE_SPELLINGS.get(key, key)
    return key if key in SETTING_TYPES else "text"


def option_values(item: dict[str, Any]) -> list[str] | None:
    """The declared options as strings, or None when there is no usable (non-empty) list.

    Every published spec uses plain strings; `{label, value}` objects are accepted too.
    """
    options = item.get("options")
    if not isinstance(options, list):
        return None
    values: list[str] = []
    for option in options:
        if isinstance(option, dict):
            option = option.get("value", option.get("label"))
        if isinstance(option, str | int | float) and not isinstance(option, bool):
            values.append(str(option))
    return values or None


def match_option(value: str, options: list[str]) -> str | None:
    """The option `value` names, exact first, then ignoring case and outer spaces."""
    if value in options:
        return value
    folded = value.strip().casefold()
    return next((o for o in options if o.strip().casefold() == folded), None)


def parse_number(value: object) -> int | float | None:
    """A finite number from a number or numeric string (`"1000"` is common), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_bool(value: object) -> bool | None:
    """A bool from true/false or the strings authors used (`"Yes"`, `"true"`, `"on"`, `"1"`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def split_multi(value: object) -> list[str] | None:
    """Multi-select values as a list: a list, or a comma string (`"Email,API Alert"`)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, str | int | float)]
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return None


def normalise_url(value: object) -> str | None:
    """An http(s) URL, or None for the stand-ins and run-time placeholders authors publish."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if url.lower() in _NO_URL_WORDS or url.startswith("<expr:") or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def production_host(url: str) -> str | None:
    """The host when `url` leaves this machine: a hosting provider, Telex, any public host.

    Local means loopback, private or link-local addresses, `localhost`, `*.local`,
    `*.internal` and single-label names (docker compose services).
    """
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if not host or is_deployment_host(host):
        return host or None
    try:
        return host if ipaddress.ip_address(host).is_global else None
    except ValueError:
        pass
    local = "." not in host or host.endswith((".localhost", ".local", ".internal", ".lan"))
    return None if local or host == "localhost" else host


def is_deployment_host(host: str) -> bool:
    """A hosting provider or tunnel from PRODUCTION_HOST_MARKERS, or Telex itself."""
    return any(host == m or host.endswith("." + m) for m in PRODUCTION_HOST_MARKERS)


def normalise_integration_type(value: object) -> str | None:
    if isinstance(value, str) and value.strip().lower() in INTEGRATION_TYPES:
        return value.strip().lower()
    return None


# ---------------------------------------------------------------------------------------
# Reading the document


def parse_json_document(body: bytes | str, source: str) -> tuple[Any | None, list[Finding]]:
    """Decode a fetched body; on failure one error Finding naming `source`."""
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [_not_json(source, "is not UTF-8 text")]
    elif isinstance(body, str):
        text = body.removeprefix("\ufeff")
    else:
        return None, [_not_json(source, f"is not text ({type(body).__name__})")]
    if not text.strip():
        return None, [_not_json(source, "is empty")]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        if _looks_like_html(text):
            return None, [
                _not_json(
                    source,
                    "got an HTML page, not JSON: is the URL the integration JSON endpoint?",
                )
            ]
        return None, [_not_json(source, f"is not JSON ({exc.msg} at line {exc.lineno})")]
    except (ValueError, RecursionError):  # over-long integers, absurd nesting
        return None, [_not_json(source, "is not JSON this linter can read")]


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or "<head" in head or "<body" in head


def _not_json(source: str, what: str) -> Finding:
    return Finding(
        "error",
        "$",
        f"{source}: {what}",
        "Point at the URL (or file) that returns the integration JSON itself, "
        'e.g. {"data": {"integration_type": ...}}; open it in a browser to see what it serves.',
    )


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
# Structural validation (pydantic): the few errors


class _SettingModel(BaseModel):
    model_config = ConfigDict(extra="allow")  # unknown keys are kept, never rejected
    label: StrictStr

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, label: str) -> str:
        if not label.strip():
            raise PydanticCustomError("label_blank", "blank label")
        return label


class _DescriptionsModel(BaseModel):
    model_config = ConfigDict(extra="allow")


class _IntegrationModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    integration_type: StrictStr
    # Go integrations marshal an empty slice as null: treat it as no settings.
    settings: list[_SettingModel] | None = None
    descriptions: _DescriptionsModel | None = None

    @field_validator("integration_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if normalise_integration_type(value) is None:
            raise PydanticCustomError("integration_type_unknown", "unknown integration type")
        return value


_TYPES_HINT = 'Set "integration_type" to one of "interval", "modifier" or "output".'
_LABEL_HINT = 'Give every setting a non-empty "label": Telex sends values and finds settings by it.'


def _structural_findings(root: dict[str, Any], prefix: str) -> list[Finding]:
    try:
        _IntegrationModel.model_validate(root)
    except ValidationError as exc:
        return [_structural_finding(root, prefix, e) for e in exc.errors()]
    return []


def _structural_finding(root: dict[str, Any], prefix: str, err: Any) -> Finding:
    loc: tuple[Any, ...] = tuple(err.get("loc", ()))
    kind, value, path = err.get("type", ""), err.get("input"), _path(prefix, *loc)
    if loc == ("integration_type",):
        return Finding("error", path, _type_message(kind, value), _type_hint(root))
    if loc == ("settings",):
        what = f"settings must be a list of setting objects, got {_json_type(value)}"
        return Finding(
            "error", path, what, 'Write "settings": [{"label": ..., "type": ...}] or [].'
        )
    if len(loc) == 2 and loc[0] == "settings" and kind == "model_type":
        what = f"setting #{loc[1]} must be an object, got {_json_type(value)}"
        return Finding(
            "error", path, what, 'Write it as {"label": ..., "type": ..., "default": ...}.'
        )
    if len(loc) == 3 and loc[0] == "settings" and loc[2] == "label":
        what = {
            "missing": f"setting #{loc[1]} has no label",
            "label_blank": f"setting #{loc[1]} has an empty label",
        }.get(kind, f"setting #{loc[1]} has a label that is {_json_type(value)}, not a string")
        return Finding("error", path, what, _LABEL_HINT)
    if loc == ("descriptions",):
        what = f"descriptions must be an object, got {_json_type(value)}"
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
        return f"integration_type {_show(value)} is not one Telex knows"
    return f"integration_type must be a string, got {_json_type(value)}"


def _type_hint(root: dict[str, Any]) -> str:
    if normalise_integration_type(root.get("type")):
        said = _show(root["type"])
        return f'{_TYPES_HINT} This file says "type": {said}; Telex reads "integration_type".'
    return _TYPES_HINT


# ---------------------------------------------------------------------------------------
# Lint rules: each a small generator named after the quirk it reports (all warnings)


@dataclass(frozen=True)
class _Spec:
    root: dict[str, Any]
    prefix: str
    integration_type: str | None
    items: list[tuple[int, dict[str, Any]]]  # settings that are objects, with their index

    def path(self, *parts: str | int) -> str:
        return _path(self.prefix, *parts)

    def item_path(self, index: int, *parts: str | int) -> str:
        return _path(self.prefix, "settings", index, *parts)


def _warn(path: str, message: str, hint: str) -> Finding:
    return Finding("warning", path, message, hint)


def integration_type_not_lower_case(spec: _Spec) -> Iterator[Finding]:
    value = spec.root.get("integration_type")
    if spec.integration_type and value != spec.integration_type:
        yield _warn(
            spec.path("integration_type"),
            f"integration_type is written {_show(value)}; "
            f"Telex's value is {_show(spec.integration_type)}",
            f'Write "integration_type": "{spec.integration_type}" (lower case).',
        )


def unknown_category(spec: _Spec) -> Iterator[Finding]:
    value = spec.root.get("integration_category")
    if "integration_category" not in spec.root or value in CATEGORIES:
        return
    near = next(
        (c for c in CATEGORIES if isinstance(value, str) and c.lower() == value.strip().lower()),
        None,
    )
    hint = f"Write {_show(near)}." if near else "Use one of: " + "; ".join(CATEGORIES) + "."
    yield _warn(
        spec.path("integration_category"),
        f"integration_category {_show(value)} is not a Telex category",
        hint,
    )


def is_active_not_bool(spec: _Spec) -> Iterator[Finding]:
    value = spec.root.get("is_active")
    if "is_active" in spec.root and not isinstance(value, bool):
        yield _warn(
            spec.path("is_active"),
            f"is_active is {_json_type(value)} {_show(value)}, not true/false",
            'Write "is_active": true (a JSON boolean, no quotes).',
        )


def app_name_missing(spec: _Spec) -> Iterator[Finding]:
    descriptions = spec.root.get("descriptions")
    name = descriptions.get("app_name") if isinstance(descriptions, dict) else None
    if not (isinstance(name, str) and name.strip()):
        yield _warn(
            spec.path("descriptions", "app_name"),
            "descriptions.app_name is missing: the integration shows under a fallback name",
            'Add "descriptions": {"app_name": "My Integration", ...}.',
        )


def settings_null(spec: _Spec) -> Iterator[Finding]:
    if "settings" in spec.root and spec.root["settings"] is None:
        yield _warn(
            spec.path("settings"), "settings is null; read as no settings", 'Write "settings": [].'
        )


def duplicate_labels(spec: _Spec) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for index, item in spec.items:
        label = item["label"]
        key = label.strip().casefold()
        if key in seen:
            yield _warn(
                spec.item_path(index, "label"),
                f"label {_show(label)} repeats {_show(seen[key])}: a stored value applies to both",
                "Give each setting its own label.",
            )
        else:
            seen[key] = label


def setting_type_odd(spec: _Spec) -> Iterator[Finding]:
    listed = ", ".join(SETTING_TYPES)
    for index, item in spec.items:
        path, raw = spec.item_path(index, "type"), item.get("type")
        normal = setting_type(item)
        if "type" not in item:
            yield _warn(
                path,
                f"setting {_show(item['label'])} has no type; treated as text",
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
                f"unknown setting type {_show(raw)}; treated as text",
                f"Use one of: {listed}.",
            )
        elif raw != normal:
            yield _warn(
                path,
                f"type {_show(raw)} is spelled {_show(normal)} by Telex",
                f'Write "type": "{normal}".',
            )


def required_not_bool(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("required")
        if "required" in item and not isinstance(value, bool):
            sent = bool(parse_bool(value))
            yield _warn(
                spec.item_path(index, "required"),
                f"required is {_json_type(value)} {_show(value)}; "
                f"sent to the integration as {str(sent).lower()}",
                f'Write "required": {str(sent).lower()} (a JSON boolean, no quotes).',
            )


def required_missing(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        if "required" not in item:
            yield _warn(
                spec.item_path(index),
                f"setting {_show(item['label'])} has no required; sent as false",
                'Add "required": false (or true): '
                "typed models in integrations reject items without it.",
            )


def default_missing(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        if "default" in item or (
            spec.integration_type == "interval" and is_interval_label(item["label"])
        ):
            continue  # the interval rules speak for the interval setting
        yield _warn(
            spec.item_path(index),
            f"setting {_show(item['label'])} has no default; "
            "it is sent without one until a value is set",
            'Add a "default" (e.g. "" for text).',
        )


def number_default_not_number(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("default")
        if setting_type(item) != "number" or value is None or parse_number(value) == value:
            continue  # absent, null or a real number
        path = spec.item_path(index, "default")
        if isinstance(value, str) and parse_number(value) is not None:
            # Telex echoes the declared type, so "1000" goes back as a string.
            yield _warn(
                path,
                f"number default is the string {_show(value)}; it is sent back as a string",
                f"Write {value.strip()} without quotes if your code expects a number.",
            )
        else:
            yield _warn(
                path, f"number default {_show(value)} is not a number", "Write a number such as 10."
            )


def checkbox_default_not_bool(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("default")
        if setting_type(item) != "checkbox" or "default" not in item or isinstance(value, bool):
            continue
        path = spec.item_path(index, "default")
        meaning = parse_bool(value)
        if meaning is None:
            yield _warn(
                path,
                f"checkbox default {_show(value)} is not true or false; read as false",
                "Write true or false.",
            )
        else:
            yield _warn(
                path,
                f"checkbox default is {_json_type(value)} {_show(value)}; sent back in that style",
                f"Write {str(meaning).lower()} (a JSON boolean) if your code expects one.",
            )


def multi_default_shape(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        value = item.get("default")
        if setting_type(item) in MULTI_TYPES and value is not None and split_multi(value) is None:
            yield _warn(
                spec.item_path(index, "default"),
                f"{setting_type(item)} default is {_json_type(value)}, not a list or comma string",
                'Write a list (["a", "b"]) or a comma string ("a,b").',
            )


def options_missing(spec: _Spec) -> Iterator[Finding]:
    for index, item in spec.items:
        kind = setting_type(item)
        if (kind in CHOICE_TYPES or kind in MULTI_TYPES) and option_values(item) is None:
            options = item.get("options")
            what = (
                "has no options"
                if not options
                else "has no usable options"
                if isinstance(options, list)
                else f"has options that are {_json_type(options)}, not a list"
            )
            yield _warn(
                spec.item_path(index, "options"),
                f"{kind} {_show(item['label'])} {what}; any value is accepted",
                'Add "options": ["first", "second"].',
            )


def default_not_in_options(spec: _Spec) -> Iterator[Finding]:
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
            why = f"differs in case from {_show(near)}" if near else "is not among the options"
            yield _warn(
                spec.item_path(index, "default"),
                f"default {_show(choice)} {why}",
                f"Use one of: {_listing(options)}.",
            )


def interval_setting_missing(spec: _Spec) -> Iterator[Finding]:
    if spec.integration_type == "interval" and interval_setting([i for _, i in spec.items]) is None:
        yield _warn(
            spec.path("settings"),
            "interval integration without an 'interval' setting: "
            "it ticks only on demand (tick now), never on a schedule",
            'Add {"label": "interval", "type": "text", "required": true, '
            '"default": "*/5 * * * *"}.',
        )


def interval_default_not_cron(spec: _Spec) -> Iterator[Finding]:
    if spec.integration_type != "interval":
        return
    for index, item in spec.items:
        if is_interval_label(item["label"]) and (why := cron.validation_error(item.get("default"))):
            what = f"default {_show(item['default'])}" if "default" in item else "no default"
            yield _warn(
                spec.item_path(index, "default"),
                f"interval setting has {what}, not a valid 5-field crontab; "
                "set a valid value before activating",
                why,
            )
            return


def _url_fields(spec: _Spec) -> list[str]:
    # Only URLs the emulator calls: target_url always, tick_url for intervals.
    return ["target_url", "tick_url"] if spec.integration_type == "interval" else ["target_url"]


def _url_consequence(spec: _Spec, field: str) -> str:
    if field == "tick_url":
        return "the interval cannot tick"
    return {"modifier": "the modifier is skipped", "output": "the output receives no messages"}.get(
        spec.integration_type or "", "no messages are sent to it"
    )


_URL_HINT = (
    "Set it to the integration's endpoint, or override it for this integration "
    "(PUT …/integrations/custom/{id} with target_url/tick_url)."
)


def url_not_usable(spec: _Spec) -> Iterator[Finding]:
    for field in _url_fields(spec):
        value = spec.root.get(field)
        if value is None or (isinstance(value, str) and not value.strip()) or normalise_url(value):
            continue
        if isinstance(value, str) and value.strip().startswith("<expr:"):
            what = "is a value computed at run time by the integration's server"
        else:
            what = f"{_show(value)} is not an http(s) URL"
        yield _warn(spec.path(field), f"{field} {what}: {_url_consequence(spec, field)}", _URL_HINT)


def url_missing_for_type(spec: _Spec) -> Iterator[Finding]:
    needed = {"modifier": "target_url", "output": "target_url", "interval": "tick_url"}.get(
        spec.integration_type or ""
    )
    value = spec.root.get(needed) if needed else None
    if needed and (value is None or (isinstance(value, str) and not value.strip())):
        yield _warn(
            spec.path(needed),
            f"{needed} is missing or empty: {_url_consequence(spec, needed)}",
            _URL_HINT,
        )


def url_production_host(spec: _Spec) -> Iterator[Finding]:
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


Rule = Callable[[_Spec], Iterator[Finding]]
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
    url_not_usable,
    url_missing_for_type,
    url_production_host,
]


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
        what = f"the integration JSON must be an object, got {_json_type(raw)}"
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
    spec = _Spec(root, prefix, normalise_integration_type(root.get("integration_type")), usable)
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


# ---------------------------------------------------------------------------------------
# Small helpers for messages


def _path(prefix: str, *parts: object) -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def _listing(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(_show(n, 40).strip('"') for n in names[:limit])
    return shown + (f" (and {len(names) - limit} more)" if len(names) > limit else "")


def _json_type(value: object) -> str:
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


def _show(value: object, limit: int = 60) -> str:
    """A short JSON rendering for messages; containers by type only (no deep recursion)."""
    if isinstance(value, list | dict):
        return _json_type(value)
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + '…"'
