"""What a modifier is sent and what its reply means (CONTRACT §1.2). Pure: no I/O."""

from __future__ import annotations

import html
import re

from emulator.findings import json_type_name
from emulator.outbound import OutboundResult

# An opening or closing tag such as <p>, </b>, <br/>, <a href="…">. "a < b" is not one.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_SNIPPET_CHARS = 80
UNCHANGED = "the message passed on unchanged"


def wire_message(text: str, message_format: str) -> str:
    """The `message` Telex sends for `text`: HTML by default (CONTRACT §1.2)."""
    if message_format == "text" or _TAG.search(text):
        return text
    return f"<p>{html.escape(text, quote=False)}</p>"


def modifier_verdict(
    result: OutboundResult, accept_error_status: bool
) -> tuple[str, str | None, str | None]:
    """(outcome, reason, replacement) for one modifier reply, by CONTRACT §1.2's rule.

    Only a 2xx JSON object with a string `message` replaces the text; `status: "error"`
    skips unless `accept_error_status`. replacement is None whenever the text is kept.
    """
    if result.timed_out:
        return "timeout", f"{result.error}; {UNCHANGED}", None
    if result.error is not None:
        return "error", f"{result.error}; {UNCHANGED}", None
    status = result.status_code
    if not result.ok:
        return "error", f"HTTP {status} (not 2xx){_body_hint(result)}; {UNCHANGED}", None
    if result.truncated:
        return (
            "skipped",
            f"HTTP {status} with a reply over {len(result.body)} bytes, too large to read; "
            + UNCHANGED,
            None,
        )
    try:
        reply = result.json()
    except ValueError:
        what = "an empty body" if not result.body.strip() else "a body that is not JSON"
        return "skipped", f"HTTP {status} with {what}{_body_hint(result)}; {UNCHANGED}", None
    if not isinstance(reply, dict):
        kind = json_type_name(reply)
        return "skipped", f"the JSON reply is {kind}, not an object; {UNCHANGED}", None
    if "message" not in reply:
        keys = ", ".join(sorted(map(str, reply))) or "none"
        return "skipped", f'the reply has no "message" key (keys: {keys}); {UNCHANGED}', None
    message = reply["message"]
    if not isinstance(message, str):
        kind = json_type_name(message)
        return "skipped", f'"message" is {kind}, not a string; {UNCHANGED}', None
    reply_status = reply.get("status")
    if isinstance(reply_status, str) and reply_status.strip().lower() == "error":
        if not accept_error_status:
            return (
                "skipped",
                f'the reply has status "error" (message {_snippet(message)}); {UNCHANGED} '
                "(--accept-error-status would use it)",
                None,
            )
        return "ok", 'the reply has status "error"; used anyway (--accept-error-status)', message
    return "ok", None, message


def _snippet(text: str) -> str:
    return repr(text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1] + "…")


def _body_hint(result: OutboundResult) -> str:
    text = result.body[: _SNIPPET_CHARS * 4].decode("utf-8", errors="replace").strip()
    return f": {_snippet(text)}" if text else ""
