"""Uptime Monitor: a Telex *interval* integration.

Each time the channel's `interval` crontab fires, Telex POSTs a tick to `tick_url`:

    {"channel_id": "...", "return_url": "https://ping.telex.im/v1/webhooks/<id>",
     "settings": [{"label": "sites", "default": "https://example.com", ...}, ...]}

The integration answers 202 at once, does its slow work in the background (here: GET each
site with a short timeout) and POSTs the result to `return_url` as exactly four keys:

    {"message": "...", "username": "Uptime Monitor", "event_name": "uptime_check",
     "status": "success"}

Background checks are tracked, so shutting the app down cancels the ones still running.

Run it on its own:  python -m sample_integrations.uptime_monitor --port 8103
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

APP_NAME = "Uptime Monitor"
RETURN_TIMEOUT_S = 10.0

log = logging.getLogger(__name__)

SETTINGS: list[dict[str, Any]] = [
    {
        "label": "sites",
        "type": "text",
        "required": True,
        "default": "https://example.com",
        "description": "Comma separated URLs to check, e.g. https://example.com,https://telex.im",
    },
    {
        "label": "interval",
        "type": "text",
        "required": True,
        "default": "* * * * *",
        "description": "When to check, as a 5-field crontab (* * * * * = every minute)",
    },
    {
        "label": "timeout_seconds",
        "type": "number",
        "required": False,
        "default": 5,
        "description": "How long to wait for each site",
    },
]

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="12" fill="#859900"/>'
    '<path d="M8 34h14l6-14 8 26 6-12h14" fill="none" stroke="#fff" stroke-width="5"/></svg>'
)

session_key = web.AppKey("session", ClientSession)
checks_key = web.AppKey("checks", set)  # the running background checks


def integration_json(base_url: str) -> dict[str, Any]:
    """The integration JSON Telex fetches; every URL is built from `base_url`."""
    return {
        "data": {
            "date": {"created_at": "2025-06-01", "updated_at": "2025-06-01"},
            "descriptions": {
                "app_name": APP_NAME,
                "app_description": "Checks a list of websites on a schedule and posts "
                "which are up to the channel.",
                "app_logo": f"{base_url}/logo.svg",
                "app_url": base_url,
                "background_color": "#fdf6e3",
            },
            "integration_type": "interval",
            "integration_category": "Website Uptime",
            "is_active": True,
            "key_features": [
                "Checks every listed site with a short timeout, all at once",
                "Answers the tick with 202 at once and reports to return_url later",
                "Reports status success when every site is up, error otherwise",
            ],
            "author": "telex-emulator samples",
            "website": base_url,
            "settings": SETTINGS,
            "target_url": "",
            "tick_url": f"{base_url}/tick",
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


def as_sites(value: Any) -> list[str]:
    """Comma separated URLs; a bare host name gets https://."""
    sites = []
    for item in str(value or "").split(","):
        site = item.strip()
        if site:
            sites.append(site if "://" in site else f"https://{site}")
    return sites


def as_seconds(value: Any, default: float) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if seconds > 0 else default


# -- the check itself ----------------------------------------------------------------------


@dataclass(frozen=True)
class SiteResult:
    url: str
    up: bool
    detail: str


async def check_site(session: ClientSession, url: str, timeout_s: float) -> SiteResult:
    started = time.perf_counter()
    try:
        async with session.get(url, timeout=ClientTimeout(total=timeout_s)) as response:
            elapsed_ms = (time.perf_counter() - started) * 1000
            return SiteResult(
                url, response.status < 400, f"HTTP {response.status} in {elapsed_ms:.0f} ms"
            )
    except TimeoutError:
        return SiteResult(url, False, f"no answer within {timeout_s:g} s")
    except (ClientError, ValueError) as exc:  # refused, DNS, TLS, a malformed URL
        return SiteResult(url, False, str(exc) or type(exc).__name__)


def report(results: list[SiteResult]) -> dict[str, str]:
    """The body Telex accepts on return_url: exactly these four keys."""
    if not results:
        return {
            "message": "Uptime check: no sites configured; fill in the sites setting",
            "username": APP_NAME,
            "event_name": "uptime_check",
            "status": "warning",
        }
    up = sum(result.up for result in results)
    lines = [f"Uptime check: {up} of {len(results)} site(s) up"]
    lines += [f"{'✅' if r.up else '❌'} {r.url} — {r.detail}" for r in results]
    return {
        "message": "\n".join(lines),
        "username": APP_NAME,
        "event_name": "uptime_check",
        "status": "success" if up == len(results) else "error",
    }


async def check_and_report(
    session: ClientSession, return_url: str, sites: list[str], timeout_s: float
) -> None:
    results = await asyncio.gather(*(check_site(session, site, timeout_s) for site in sites))
    body = report(list(results))
    try:
        async with session.post(
            return_url, json=body, timeout=ClientTimeout(total=RETURN_TIMEOUT_S)
        ) as response:
            # Telex answers 202 even when it rejects a body; the verdict is in the JSON.
            verdict = await response.json(content_type=None)
            if response.status >= 300 or (
                isinstance(verdict, dict) and verdict.get("status") == "error"
            ):
                log.warning("return_url %s refused the report: %s", return_url, verdict)
    except (ClientError, TimeoutError, ValueError) as exc:
        log.warning("could not post to return_url %s: %s", return_url, exc)


# -- HTTP ----------------------------------------------------------------------------------


def spawn(app: web.Application, coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro` after the tick is answered; keep a reference so it can be cancelled."""
    task = asyncio.create_task(coro)
    app[checks_key].add(task)
    task.add_done_callback(app[checks_key].discard)


async def tick(request: web.Request) -> web.Response:
    """Telex's tick: answer 202 now, check and report in the background."""
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    return_url = payload.get("return_url") if isinstance(payload, dict) else None
    if not isinstance(return_url, str) or not return_url.startswith(("http://", "https://")):
        return web.json_response(
            {"status": "error", "message": 'expected a JSON object with a "return_url"'},
            status=400,
        )
    values = setting_values(payload.get("settings"))
    app = request.app
    spawn(
        app,
        check_and_report(
            app[session_key],
            return_url,
            as_sites(values["sites"]),
            as_seconds(values["timeout_seconds"], default=5.0),
        ),
    )
    return web.json_response({"status": "accepted"}, status=202)


async def background_ctx(app: web.Application) -> AsyncIterator[None]:
    """One HTTP client for the app's lifetime; cancel unfinished checks at shutdown."""
    app[checks_key] = set()
    async with ClientSession() as session:
        app[session_key] = session
        yield
        checks = set(app[checks_key])
        for task in checks:
            task.cancel()
        await asyncio.gather(*checks, return_exceptions=True)


def create_app(public_url: str | None = None) -> web.Application:
    """The integration as an aiohttp app. `public_url` is the base URL Telex reaches it
    at; without it, URLs are built from the address the integration JSON is fetched from."""

    async def serve_integration_json(request: web.Request) -> web.Response:
        base_url = (public_url or str(request.url.origin())).rstrip("/")
        return web.json_response(integration_json(base_url))

    async def logo(_request: web.Request) -> web.Response:
        return web.Response(text=LOGO_SVG, content_type="image/svg+xml")

    app = web.Application()
    app.cleanup_ctx.append(background_ctx)
    app.router.add_get("/integration.json", serve_integration_json)
    app.router.add_get("/logo.svg", logo)
    app.router.add_post("/tick", tick)
    return app
