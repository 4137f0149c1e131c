"""Secret setting values masked in what the emulator logs. Pure: text in, text out.

Integrations always receive their settings intact; only the copy of a request body kept
in the delivery log (shown by `/-/deliveries`, the `delivery.finished` event and the UI)
has the value of every secret-looking setting (`spec.model.is_secret_label`: API Key,
token, password, secret...) replaced by MASK. (`auth_settings` is always sent empty.)
The settings API keeps the values: their owner needs them to edit them, and the UI shows
secret ones in a password field.

Not masked: the `api_key` of an auth_callback body, a throwaway key the emulator made up
(`tlx_…`) that opens nothing; showing it lets authors match it against their own logs.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from emulator.spec.model import is_secret_label

MASK = "••••••••"
"""What a masked value reads as: a fixed length, so it says nothing about the secret."""

# `"label": "…"` as json.dumps writes it. Inside a JSON string every quote is escaped,
# so this only finds real label keys: a cheap test before parsing the whole body.
_LABEL = re.compile(r'"label"\s*:\s*"((?:[^"\\]|\\.)*)"')


@functools.lru_cache(maxsize=4096)
def _secret(label: str) -> bool:
    return is_secret_label(label)


def _secret_raw(raw: str) -> bool:
    """Whether a label as it appears inside JSON text (escapes and all) is secret."""
    if "\\" in raw:
        try:
            raw = json.loads(f'"{raw}"')
        except ValueError:
            return True  # cannot tell: parse the body and decide on the real label
    return _secret(raw)


def _maskable(value: Any) -> bool:
    """Text and numbers are masked; empty text stays visible (so does "not set"), as do
    booleans and null, which say nothing about a secret."""
    if isinstance(value, bool) or value is None:
        return False
    return not (isinstance(value, str) and value == "")


def mask_settings(settings: Any) -> Any:
    """The Telex `settings` array with secret values masked; the same object if none was."""
    if not isinstance(settings, list):
        return settings
    masked: list[Any] | None = None
    for index, item in enumerate(settings):
        if (
            isinstance(item, dict)
            and isinstance(item.get("label"), str)
            and _secret(item["label"])
            and _maskable(item.get("default"))
        ):
            if masked is None:
                masked = list(settings)
            masked[index] = item | {"default": MASK}
    return settings if masked is None else masked


def mask_body(body: Any) -> Any:
    """A message or tick body with its secret settings masked; the same object if none was."""
    if not isinstance(body, dict):
        return body
    settings = mask_settings(body.get("settings"))
    return body if settings is body.get("settings") else body | {"settings": settings}


def mask_request_body(text: str) -> str:
    """The JSON text of a request body as the delivery log keeps it (see the module doc).

    Text that is not a JSON object, or has nothing to mask, comes back unchanged; a
    masked body is re-encoded the way the emulator sent it (json.dumps, ensure_ascii off).
    """
    if not any(_secret_raw(label) for label in _LABEL.findall(text)):
        return text  # the common case: no secret label, nothing to parse
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return text
    masked = mask_body(body)
    return text if masked is body else json.dumps(masked, ensure_ascii=False)
