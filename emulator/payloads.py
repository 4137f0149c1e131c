"""Every body the emulator sends to an integration (CONTRACT §1.2, §1.3, §1.6)."""

from __future__ import annotations

from typing import Any


def message_body(
    *,
    message: str,
    channel_id: str,
    org_id: str,
    thread_id: str | None,
    settings: list[dict[str, Any]],
) -> dict[str, Any]:
    # user_type is always sent: the official Python example answers 400 without it.
    return {
        "message": message,
        "channel_id": channel_id,
        "org_id": org_id,
        "thread_id": thread_id or "",
        "user_type": "user",
        "settings": settings,
        "auth_settings": {"integration_auth_credentials": "", "telex_api_key": ""},
    }


def tick_body(
    *, channel_id: str, return_url: str, settings: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"channel_id": channel_id, "return_url": return_url, "settings": settings}


def auth_callback_body(api_key: str, org_id: str) -> dict[str, Any]:
    return {"api_key": api_key, "org_id": org_id}
