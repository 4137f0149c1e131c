"""The vocabulary of an integration JSON, shared by the linter and the settings code.

The names Telex knows (types, setting types, categories), readers for the loose values
authors publish (`"1000"`, `"Yes"`, `"a,b"`, `"#"` as a URL), where a URL points, and
which setting labels hold secrets. Pure: no I/O, no pydantic.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Any
from urllib.parse import urlsplit

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
_SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "password",
        "passwd",
        "pwd",
        "secret",
        "credential",
        "credentials",
        "auth",
        "authorization",
        "bearer",
        "dsn",
        "passphrase",
        "private",
    }
)
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


# ---------------------------------------------------------------------------------------
# Declared-setting vocabulary, shared with spec.values


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


def empty_value(item: dict[str, Any]) -> Any:
    """What a setting with no declared default and no stored value is sent as (CONTRACT §1.4):
    0 for a number, false for a checkbox, "" otherwise (a multi-select's empty comma string)."""
    kind = setting_type(item)
    return 0 if kind == "number" else False if kind == "checkbox" else ""


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


def is_secret_label(label: object) -> bool:
    """Whether a setting holds a credential (`API Key`, `github_token`, `apiKey`...)."""
    if not isinstance(label, str):
        return False
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", label)  # apiKey -> api Key
    words = {w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w}
    return bool(words & _SECRET_WORDS)
