"""The JSON-RPC request Telex POSTs to an agent's RPC URL (CONTRACT §3.3), and nothing more.

The body is built as a plain dict, key for key as the contract shows it, so what an agent
receives is readable here; the tests check it against `models.JsonRpcRequest`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ACCEPTED_OUTPUT_MODES = ("text/plain", "image/png", "image/jpeg", "application/json")
HISTORY_LENGTH = 20
PUSH_SCHEMES = ("Bearer", "TelexApiKey")


def new_id() -> str:
    """A fresh JSON-RPC or message id: 32 hex digits, as Telex sends them."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class PushTarget:
    """Where and how the agent pushes task updates: the hook URL, its JWT, the API key."""

    url: str
    token: str
    credentials: str


def history_part(messages_html: Sequence[str], length: int = HISTORY_LENGTH) -> dict[str, Any]:
    """The data part workflow-installed agents get: the last `length` channel messages as
    HTML, oldest first (newest last), each a text part. Card agents never get it: their
    SDK models type `DataPart.data` as an object and reject a list."""
    recent = list(messages_html)[-length:] if length > 0 else []
    return {"kind": "data", "data": [{"kind": "text", "text": html} for html in recent]}


def build_request(
    *,
    method: str,
    text: str,
    channel_id: str,
    org_id: str,
    user_id: str,
    push: PushTarget,
    task_id: str | None = None,
    history: Sequence[str] | None = None,
    request_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """One JSON-RPC 2.0 request body for `message/send` or `message/stream`.

    `text` is the message as plain text with the mention removed (`text.plain_text`);
    `task_id` the task the agent left waiting for the user in this channel, else None;
    `history` the channel's recent messages as HTML for workflow agents, None for card
    agents (then there is no data part). Ids default to fresh 32-hex ones.
    """
    parts: list[dict[str, Any]] = [{"kind": "text", "text": text}]
    if history is not None:
        parts.append(history_part(history))
    return {
        "jsonrpc": "2.0",
        "id": request_id or new_id(),
        "method": method,
        "params": {
            "message": {
                "kind": "message",
                "role": "user",
                "messageId": message_id or new_id(),
                "contextId": channel_id,
                "taskId": task_id,
                "parts": parts,
                "metadata": {
                    "telex_user_id": user_id,
                    "telex_channel_id": channel_id,
                    "org_id": org_id,
                },
            },
            "configuration": {
                "acceptedOutputModes": list(ACCEPTED_OUTPUT_MODES),
                "historyLength": HISTORY_LENGTH,
                "blocking": False,
                "pushNotificationConfig": {
                    "url": push.url,
                    "token": push.token,
                    "authentication": {
                        "schemes": list(PUSH_SCHEMES),
                        "credentials": push.credentials,
                    },
                },
            },
        },
    }
