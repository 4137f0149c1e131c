"""Reading a fetched JSON document strictly: UTF-8, no NaN, bounded nesting, no lone
surrogates. Failures are one error `Finding` that names the source and says what to fix.
Used for integration JSON, agent cards and workflow JSON alike. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from emulator.findings import Finding

INTEGRATION_JSON = "the integration JSON"

# Levels of lists and objects a fetched document may have; real ones have about five.
# json.loads copes with ~900, but storing or showing such a document would not.
_MAX_NESTING = 100
_UTF8_HINT = "Serve the integration JSON as UTF-8 (the encoding JSON requires)."
_NUMBER_HINT = "Write plain decimal numbers (or null, or a string) as JSON allows."
_NESTING_HINT = "Such a document nests a few levels deep; check what generates this file."
_SURROGATE = re.compile("[\ud800-\udfff]")
# A surrogate, or a `\uD800`-`\uDFFF` escape: only then can the document hold a lone one.
_MAY_HOLD_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")


# One message for both ways of finding it: where json.loads gives up depends on the stack.
_TOO_DEEP = f"is not JSON the emulator can read: it nests too deeply (over {_MAX_NESTING} levels)"


def parse_json_document(
    body: bytes | str, source: str, expected: str = INTEGRATION_JSON
) -> tuple[Any | None, list[Finding]]:
    """Decode a fetched body as strict JSON; on failure one error Finding naming `source`.

    `expected` names the document the caller wanted, for the hint (an integration JSON,
    an agent card, ...).

    Lone surrogates (`"\\ud800"`) become U+FFFD, as Go's encoding/json does, so every
    string can be stored and shown; NaN, Infinity and numbers out of float range are errors.
    """
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, [_not_json(source, expected, "is not UTF-8 text", _UTF8_HINT)]
    elif isinstance(body, str):
        text = body.removeprefix("\ufeff")
    else:
        return None, [_not_json(source, expected, f"is not text ({type(body).__name__})")]
    if not text.strip():
        return None, [_not_json(source, expected, "is empty")]
    try:
        document = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except _NotStrictJson as exc:
        return None, [_not_json(source, expected, f"is not JSON: {exc}", _NUMBER_HINT)]
    except json.JSONDecodeError as exc:
        if _looks_like_html(text):
            return None, [
                _not_json(
                    source,
                    expected,
                    f"got an HTML page, not JSON: is the URL the endpoint that serves {expected}?",
                )
            ]
        return None, [_not_json(source, expected, f"is not JSON ({exc.msg} at line {exc.lineno})")]
    except RecursionError:  # json's C decoder recurses per level: 100k "[" end here
        return None, [_not_json(source, expected, _TOO_DEEP, _NESTING_HINT)]
    except ValueError:  # integers longer than sys.get_int_max_str_digits()
        what = "is not JSON the emulator can read: a number has thousands of digits"
        return None, [_not_json(source, expected, what, _NUMBER_HINT)]
    if _deeper_than(document, _MAX_NESTING):
        return None, [_not_json(source, expected, _TOO_DEEP, _NESTING_HINT)]
    if document is None:  # None means "no document" to callers: say what it is instead
        what = f"is JSON null, not {expected}"
        return None, [_not_json(source, expected, what)]
    if _MAY_HOLD_SURROGATE.search(text):
        document = _replace_lone_surrogates(document)
    return document, []


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (no recursion)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > limit:
            return True
        pending.extend(
            (child, depth + 1) for child in (value.values() if isinstance(value, dict) else value)
        )
    return False


class _NotStrictJson(ValueError):
    """A literal Python's json accepts but JSON (and Telex) does not."""


def _no_constant(name: str) -> Any:
    raise _NotStrictJson(f"{name} is not a JSON value")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _NotStrictJson(f"the number {literal[:40]} is out of range")
    return value


def _replace_lone_surrogates(document: Any) -> Any:
    """The document with U+FFFD for each lone surrogate in keys and strings (no recursion)."""

    def fixed(value: Any) -> Any:
        if isinstance(value, str):
            return _SURROGATE.sub("\ufffd", value)
        if isinstance(value, dict):
            copy = {}
            pending.append((value, copy))
            return copy
        if isinstance(value, list):
            copy = []
            pending.append((value, copy))
            return copy
        return value

    pending: list[tuple[Any, Any]] = []
    root = fixed(document)
    while pending:
        source, target = pending.pop()
        if isinstance(source, dict):
            for key, value in source.items():
                target[fixed(key)] = fixed(value)
        else:
            target.extend(fixed(value) for value in source)
    return root


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or "<head" in head or "<body" in head


def _not_json(source: str, expected: str, what: str, hint: str | None = None) -> Finding:
    return Finding(
        "error",
        "$",
        f"{source}: {what}",
        hint
        or f"Point at the URL (or file) that returns {expected} itself; "
        "open it in a browser to see what it serves.",
    )
