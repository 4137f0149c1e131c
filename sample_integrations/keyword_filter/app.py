"""Keyword Filter: a Telex *modifier* integration.

Telex POSTs every channel message to the modifier's `target_url` before it stores it,
waits at most 1 second, and replaces the message with the `message` of a 200 JSON reply:

    request:  {"message": "<p>well darn</p>", "channel_id": "...", "settings": [...], ...}
    reply:    {"message": "<p>well d***</p>", "event_name": "message_formatted",
               "username": "Keyword Filter", "status": "success"}

The work is pure string handling, so it answers in well under a millisecond: a modifier
that calls slow services risks the 1 s budget, after which Telex passes the message on
unchanged.

Run it on its own:  python -m sample_integrations.keyword_filter --port 8101
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

APP_NAME = "Keyword Filter"
MODES = ("mask", "remove", "flag")

# The settings users fill in on Telex. Telex sends them back with every message as a
# list, in this order, each item's "default" replaced by the value chosen for the channel.
SETTINGS: list[dict[str, Any]] = [
    {
        "label": "blocked_words",
        "type": "text",
        "required": True,
        "default": "darn,heck,frak",
        "description": "Comma separated words to filter, e.g. darn,heck",
    },
    {
        "label": "mode",
        "type": "dropdown",
        "required": True,
        "default": "mask",
        "options": list(MODES),
        "description": "mask: d***, remove: drop the word, flag: keep it and mark the message",
    },
    {
        "label": "match_case",
        "type": "checkbox",
        "required": False,
        "default": False,
        "description": "Only filter words written exactly as listed",
    },
    {
        "label": "keep_letters",
        "type": "number",
        "required": False,
        "default": 1,
        "description": "In mask mode, how many leading letters stay visible",
    },
]

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="12" fill="#b58900"/>'
    '<text x="32" y="44" font-size="36" text-anchor="middle" fill="#fff">*</text></svg>'
)


def integration_json(base_url: str) -> dict[str, Any]:
    """The integration JSON Telex fetches; every URL is built from `base_url`."""
    return {
        "data": {
            "date": {"created_at": "2025-06-01", "updated_at": "2025-06-01"},
            "descriptions": {
                "app_name": APP_NAME,
                "app_description": "Masks, removes or flags blocked words before a "
                "message reaches the channel.",
                "app_logo": f"{base_url}/logo.svg",
                "app_url": base_url,
                "background_color": "#fdf6e3",
            },
            "integration_type": "modifier",
            "integration_category": "Communication & Collaboration",
            "is_active": True,
            "key_features": [
                "Masks blocked words (d***), removes them, or flags the message",
                "Leaves HTML tags and entities untouched",
                "Answers within a millisecond, far inside Telex's 1 s modifier budget",
            ],
            "author": "telex-emulator samples",
            "website": base_url,
            "settings": SETTINGS,
            "target_url": f"{base_url}/format-message",
            "tick_url": "",
        }
    }


# -- reading the settings Telex sends -----------------------------------------------------


def setting_values(sent: Any) -> dict[str, Any]:
    """Label -> value: our declared defaults, overridden by what Telex sent."""
    values = {item["label"]: item["default"] for item in SETTINGS}
    if isinstance(sent, list):
        for item in sent:
            if isinstance(item, dict) and isinstance(item.get("label"), str):
                values[item["label"]] = item.get("default")
    return values


def as_bool(value: Any) -> bool:
    # Telex may send true, "true", "Yes" (and every value as a string in some setups).
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "on"}


def as_int(value: Any, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def as_words(value: Any) -> list[str]:
    """A comma separated string (or a list, as multi-select settings may arrive)."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [word.strip() for word in items if str(word).strip()]


# -- the filter itself ---------------------------------------------------------------------

# Messages are HTML ("<p>hi</p>"): only the text between tags and entities is filtered,
# so a blocked word such as "p" or "amp" can never break the markup.
MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")


def filter_words(
    html: str,
    words: list[str],
    mode: str = "mask",
    match_case: bool = False,
    keep_letters: int = 1,
) -> tuple[str, list[str]]:
    """Return the filtered message and the blocked words found in it."""
    if not words:
        return html, []
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    trailing_space = r"[ \t]*" if mode == "remove" else ""  # "a darn b" -> "a b", not "a  b"
    pattern = re.compile(
        rf"\b(?:{alternatives})\b{trailing_space}", 0 if match_case else re.IGNORECASE
    )
    found: list[str] = []

    def replace(match: re.Match[str]) -> str:
        word = match.group(0).rstrip(" \t")
        found.append(word)
        if mode == "remove":
            return ""
        if mode == "mask":
            keep = max(0, min(keep_letters, len(word)))
            return word[:keep] + "*" * (len(word) - keep)
        return match.group(0)  # flag: keep the word, mark the message below

    parts = MARKUP.split(html)  # odd indices are tags and entities
    parts = [part if i % 2 else pattern.sub(replace, part) for i, part in enumerate(parts)]
    if found and mode == "flag":
        first_text = next((i for i, part in enumerate(parts) if i % 2 == 0 and part), 0)
        parts[first_text] = f"[flagged: {', '.join(found)}] " + parts[first_text]
    return "".join(parts), found


# -- HTTP ----------------------------------------------------------------------------------


async def format_message(request: web.Request) -> web.Response:
    """Telex's modifier call: filter `message`, answer with the new one."""
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("message"), str):
        # Telex keeps the message unchanged when a modifier answers 4xx.
        return web.json_response(
            {"status": "error", "message": 'expected a JSON object with a string "message"'},
            status=400,
        )
    values = setting_values(payload.get("settings"))
    mode = str(values["mode"]).strip().lower()
    message, found = filter_words(
        payload["message"],
        as_words(values["blocked_words"]),
        mode=mode if mode in MODES else "mask",
        match_case=as_bool(values["match_case"]),
        keep_letters=as_int(values["keep_letters"], default=1),
    )
    return web.json_response(
        {
            "message": message,
            "event_name": "message_formatted",
            "username": APP_NAME,
            "status": "warning" if found and mode == "flag" else "success",
        }
    )


def create_app(public_url: str | None = None) -> web.Application:
    """The integration as an aiohttp app. `public_url` is the base URL Telex reaches it
    at; without it, URLs are built from the address the integration JSON is fetched from."""

    async def serve_integration_json(request: web.Request) -> web.Response:
        base_url = (public_url or str(request.url.origin())).rstrip("/")
        return web.json_response(integration_json(base_url))

    async def logo(_request: web.Request) -> web.Response:
        return web.Response(text=LOGO_SVG, content_type="image/svg+xml")

    app = web.Application()
    app.router.add_get("/integration.json", serve_integration_json)
    app.router.add_get("/logo.svg", logo)
    app.router.add_post("/format-message", format_message)
    return app
