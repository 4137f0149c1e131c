"""What a body POSTed to return_url says, in Telex's words (CONTRACT §1.5). Pure.

Telex answers HTTP 202 even when it rejects a body; the verdict is in the JSON body:
`{"status": "error", "status_code": 400, "message": "timestamp is not an allowed value,
event_name is missing, username is missing"}`. Allowed keys are exactly message,
username, event_name and status; the first three are required; status is free text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

ALLOWED_KEYS = ("message", "username", "event_name", "status")
REQUIRED_KEYS = ("event_name", "message", "username")  # Telex lists missing keys A-Z
KNOWN_STATUSES = ("success", "error", "info", "warning", "failed")
_JSON_HINT = "send a JSON object with Content-Type: application/json"


@dataclass
class Received:
    """One request on a webhook path, as the web layer read it."""

    channel_id: str
    path: str
    method: str
    content_type: str | None
    raw: bytes  # the body, or the query string for the GET variant
    too_large: bool = False
    query: dict[str, str] | None = None  # GET variant: the four fields as parameters


@dataclass
class Parsed:
    """What we could make of a body: the fields (if any), Telex's problems, our notes."""

    fields: dict[str, Any] | None
    problems: list[str]
    fatal: str | None = None  # nothing usable: the verdict message
    notes: list[str] | None = None


def verdict(status_code: int, message: str) -> dict[str, Any]:
    """Telex's answer body; the HTTP status is always 202."""
    status = "success" if status_code < 400 else "error"
    return {"status": status, "status_code": status_code, "message": message}


def body_problems(body: dict[str, Any]) -> list[str]:
    """Every problem, in Telex's words and order: unknown keys first, then missing ones."""
    problems = [f"{key} is not an allowed value" for key in body if key not in ALLOWED_KEYS]
    for key in REQUIRED_KEYS:
        value = body.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{key} is missing")
        elif not isinstance(value, str):
            problems.append(f"{key} must be a string")
    status = body.get("status")
    if status is not None and not isinstance(status, str):
        problems.append("status must be a string")
    return problems


def _looks_like_form(content_type: str | None) -> bool:
    return bool(content_type) and "form" in (content_type or "").lower()


def parse(received: Received, max_body_bytes: int) -> Parsed:
    """Decode a webhook body into fields plus the problems Telex would report."""
    if received.too_large:
        return Parsed(
            None, [], f"the body is over the {max_body_bytes}-byte limit; send a short message"
        )
    if received.query is not None:
        fields = dict(received.query)
        return Parsed(fields, body_problems(fields))
    raw = received.raw
    if not raw.strip():
        return Parsed(
            None,
            [],
            "the body is empty; " + _JSON_HINT + ' such as {"message": "...", "username": '
            '"...", "event_name": "...", "status": "success"}',
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Parsed(None, [], "the body is not UTF-8 text; " + _JSON_HINT)
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as exc:
        if _looks_like_form(received.content_type):
            form = dict(parse_qsl(text, keep_blank_values=True))
            if form:
                return Parsed(
                    form,
                    ["the body is form-encoded, not JSON; " + _JSON_HINT],
                    notes=["read as form fields"],
                )
        return Parsed(
            None,
            [],
            f"the body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            + _JSON_HINT,
        )
    notes: list[str] = []
    problems: list[str] = []
    if isinstance(decoded, str):
        # json.dumps(payload) sent again as JSON, or as a form field: a JSON string.
        try:
            inner = json.loads(decoded)
        except json.JSONDecodeError:
            inner = None
        if not isinstance(inner, dict):
            return Parsed(None, [], "the body is a JSON string, not an object; " + _JSON_HINT)
        problems.append(
            "the body is a JSON string holding JSON (encoded twice?); send the object "
            "itself, e.g. requests.post(url, json=payload), not json=json.dumps(payload)"
        )
        notes.append("decoded the JSON string inside the body")
        decoded = inner
    if not isinstance(decoded, dict):
        return Parsed(
            None, [], f"the body is a JSON {type(decoded).__name__}, not an object; " + _JSON_HINT
        )
    if _looks_like_form(received.content_type):
        problems.append(
            f"the body is JSON but was sent as {received.content_type}; send it with "
            "Content-Type: application/json (requests: json=payload, not data=...)"
        )
    return Parsed(decoded, problems + body_problems(decoded), notes=notes)
