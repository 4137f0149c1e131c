"""Message Logger: a Telex *output* integration.

Telex POSTs every channel message (after all modifiers ran) to each output's
`target_url`, all outputs at once. An output does something with it and answers 202;
whatever it answers, the message stays as it is. This one appends the message to a file
as one JSON line, or prints it to stdout:

    {"received_at": "2025-06-01T12:00:00+00:00", "channel_id": "...", "org_id": "...",
     "thread_id": "", "message": "well d***"}

Run it on its own:  python -m sample_integrations.message_logger --port 8102 [--log-file F]
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

APP_NAME = "Message Logger"

SETTINGS: list[dict[str, Any]] = [
    {
        "label": "log_file",
        "type": "text",
        "required": False,
        "default": "",
        "description": "File to append JSON lines to. Empty: the app's --log-file, else stdout",
    },
    {
        "label": "strip_html",
        "type": "checkbox",
        "required": False,
        "default": True,
        "description": "Log the message as plain text instead of HTML",
    },
]

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="12" fill="#268bd2"/>'
    '<path d="M16 20h32M16 32h32M16 44h20" stroke="#fff" stroke-width="5"/></svg>'
)

TAG = re.compile(r"<[^>]*>")


def integration_json(base_url: str) -> dict[str, Any]:
    """The integration JSON Telex fetches; every URL is built from `base_url`."""
    return {
        "data": {
            "date": {"created_at": "2025-06-01", "updated_at": "2025-06-01"},
            "descriptions": {
                "app_name": APP_NAME,
                "app_description": "Writes every channel message as a JSON line to a file "
                "or to stdout.",
                "app_logo": f"{base_url}/logo.svg",
                "app_url": base_url,
                "background_color": "#eee8d5",
            },
            "integration_type": "output",
            "integration_category": "Monitoring & Logging",
            "is_active": True,
            "key_features": [
                "One JSON line per message: easy to grep, tail or load",
                "Logs the final message, after every modifier ran",
                "Answers 202 as Telex outputs do",
            ],
            "author": "telex-emulator samples",
            "website": base_url,
            "settings": SETTINGS,
            "target_url": f"{base_url}/log-message",
            "tick_url": "",
        }
    }


def setting_values(sent: Any) -> dict[str, Any]:
    """Label -> value: our declared defaults, overridden by what Telex sent."""
    values = {item["label"]: item["default"] for item in SETTINGS}
    if isinstance(sent, list):
        for item in sent:
            if isinstance(item, dict) and isinstance(item.get("label"), str):
                values[item["label"]] = item.get("default")
    return values


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "yes", "1", "on"}


def log_line(payload: dict[str, Any], strip_html: bool) -> str:
    message = payload["message"]
    return json.dumps(
        {
            "received_at": datetime.now(UTC).isoformat(),
            "channel_id": payload.get("channel_id", ""),
            "org_id": payload.get("org_id", ""),
            "thread_id": payload.get("thread_id", ""),
            "message": TAG.sub("", message).strip() if strip_html else message,
        },
        ensure_ascii=False,
    )


def append_line(path: str, line: str) -> None:
    with Path(path).expanduser().open("a", encoding="utf-8") as file:
        file.write(line + "\n")


def create_app(public_url: str | None = None, log_file: str | None = None) -> web.Application:
    """The integration as an aiohttp app. `public_url` is the base URL Telex reaches it
    at (default: the address its integration JSON is fetched from); `log_file` is where
    lines go when the `log_file` setting is empty (default: stdout)."""
    write_lock = asyncio.Lock()  # outputs are called concurrently: keep lines whole and in order

    async def serve_integration_json(request: web.Request) -> web.Response:
        base_url = (public_url or str(request.url.origin())).rstrip("/")
        return web.json_response(integration_json(base_url))

    async def logo(_request: web.Request) -> web.Response:
        return web.Response(text=LOGO_SVG, content_type="image/svg+xml")

    async def log_message(request: web.Request) -> web.Response:
        """Telex's output call: write one line, answer 202."""
        try:
            payload = await request.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("message"), str):
            return web.json_response(
                {"status": "error", "message": 'expected a JSON object with a string "message"'},
                status=400,
            )
        values = setting_values(payload.get("settings"))
        line = log_line(payload, strip_html=as_bool(values["strip_html"]))
        target = str(values["log_file"] or "").strip() or log_file
        async with write_lock:
            if target:
                try:  # file I/O blocks: keep it off the event loop
                    await asyncio.to_thread(append_line, target, line)
                except OSError as exc:
                    return web.json_response(
                        {"status": "error", "message": f"cannot write {target}: {exc}"},
                        status=500,
                    )
            else:
                print(line, flush=True)
        return web.json_response({"status": "accepted"}, status=202)

    app = web.Application()
    app.router.add_get("/integration.json", serve_integration_json)
    app.router.add_get("/logo.svg", logo)
    app.router.add_post("/log-message", log_message)
    return app
