"""Browser fixtures: a real emulator on a socket, real stub integrations, system Chromium.

Playwright's async API runs on the test's own event loop, next to the emulator and the
stubs, so nothing blocks and nothing sleeps: pages wait with `expect()`, stubs with
`Stub.wait_for()`. pytest-playwright's own (sync) fixtures are not used.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from emulator.config import Config
from emulator.keys import config_key, services_key
from emulator.server import start_site
from tests import stubs

CHROMIUM = os.environ.get("TELEX_EMULATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDE = {"width": 1280, "height": 860}
NARROW = {"width": 390, "height": 844}

expect.set_options(timeout=7_000)


@dataclass
class Server:
    """A running emulator and an HTTP client to seed it through its public API."""

    config: Config
    http: aiohttp.ClientSession
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> None:
        """Start on the configured port; with port 0 the system picks one, and a restart
        (stop, then start) comes back on that same port, as a restarted `serve` would."""
        self.runner, self.url = await start_site(self.config)
        self.config = replace(self.config, port=self.runner.app[config_key].port)

    async def stop(self) -> None:
        if self.runner is not None:
            # End the open event streams first, as `serve` does on shutdown: an idle
            # stream would otherwise hold the shutdown until its next ping.
            self.runner.app[services_key].hub.close()
            await self.runner.cleanup()
            self.runner = None

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        """One request; checks the status; returns `data` of an envelope, else the JSON."""
        async with self.http.request(method, self.url + path, json=body) as response:
            data = await response.json()
            assert response.status == status, (method, path, response.status, data)
        if path.startswith("/api/v1") and isinstance(data, dict) and "status_code" in data:
            return data["data"]
        return data

    async def org(self, name: str = "Acme") -> dict[str, Any]:
        return await self.call("POST", "/api/v1/organisations", {"name": name}, 201)

    async def channel(self, org_id: str, name: str = "general", description: str = "") -> dict:
        body = {"name": name, "organisation_id": org_id, "description": description}
        return await self.call("POST", "/api/v1/channels", body, 201)

    async def install(self, org_id: str, stub: stubs.Stub) -> dict[str, Any]:
        body = {"json_url": f"{stub.url}/integration.json"}
        return await self.call(
            "POST", f"/api/v1/organisations/{org_id}/integrations/custom", body, 201
        )

    async def activate(
        self, org_id: str, integration_id: str, channel_id: str, settings: dict | None = None
    ) -> dict[str, Any]:
        path = (
            f"/api/v1/organisations/{org_id}/integrations/{integration_id}"
            f"/channels/{channel_id}/settings"
        )
        return await self.call("PUT", path, {"is_active": True, "settings": settings or {}})

    async def send(self, channel_id: str, text: str, **extra: Any) -> dict[str, Any]:
        body = {"content": text, **extra}
        return await self.call("POST", f"/api/v1/channels/{channel_id}/messages", body, 201)

    async def messages(self, channel_id: str) -> list[dict[str, Any]]:
        return await self.call("GET", f"/api/v1/channels/{channel_id}/messages")

    def page_url(self, org_id: str, channel_id: str | None = None, view: str = "") -> str:
        params = f"org={org_id}"
        if channel_id:
            params += f"&channel={channel_id}"
        if view:
            params += f"&view={view}"
        return f"{self.url}/#{params}"


@dataclass
class Room:
    """An organisation with one channel, the usual starting point."""

    server: Server
    org: dict[str, Any]
    channel: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.page_url(self.org["id"], self.channel["id"])

    def view(self, name: str) -> str:
        return self.server.page_url(self.org["id"], self.channel["id"], name)


@pytest.fixture
def server_config(tmp_path: Path) -> Config:
    return Config(
        port=0,  # start_site binds a free port and reads it back
        db_path=str(tmp_path / "emulator.db"),
        clock_mode="virtual",
        modifier_timeout_s=0.5,
    )


@pytest.fixture
async def server(server_config: Config) -> AsyncIterator[Server]:
    async with aiohttp.ClientSession() as http:
        running = Server(server_config, http)
        await running.start()
        try:
            yield running
        finally:
            await running.stop()


@pytest.fixture
async def room(server: Server) -> Room:
    org = await server.org("Acme")
    channel = await server.channel(org["id"], "general", "Where the team talks")
    return Room(server, org, channel)


def named(name: str, description: str = "A stub integration for tests") -> dict[str, Any]:
    """`extra` for a Stub whose app_name is `name` (its logo URL stays offline)."""
    return {
        "descriptions": {
            "app_name": name,
            "app_description": description,
            "app_logo": "https://example.com/logo.png",
            "app_url": "https://example.com",
            "background_color": "#fff",
        }
    }


@pytest.fixture
def start_stub(aiohttp_server: Any) -> Callable[..., Awaitable[stubs.Stub]]:
    async def start(**kwargs: Any) -> stubs.Stub:
        return await stubs.start(aiohttp_server, stubs.Stub(**kwargs))

    return start


@pytest.fixture
def chromium_path() -> str:
    """The system Chromium; a clear failure (never a skip) when it is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install it (Debian: `apt-get install chromium`; "
            "scripts/test does this) or point TELEX_EMULATOR_CHROMIUM at a Chromium binary"
        )
    return CHROMIUM


@pytest.fixture
async def chromium(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


OpenPage = Callable[..., Awaitable[Page]]


@pytest.fixture
async def open_page(chromium: Browser) -> AsyncIterator[OpenPage]:
    """open_page(url, size=WIDE) -> a page in its own context. Every request leaving
    loopback is refused (the UI must work offline), and an uncaught script error in any
    page fails the test."""
    errors: list[str] = []
    contexts = []

    async def offline(route: Route) -> None:
        if re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)[:/]", route.request.url):
            await route.continue_()
        else:
            await route.abort()

    async def open_(url: str, size: dict[str, int] | None = None, live: bool = True) -> Page:
        context = await chromium.new_context(viewport=size or WIDE)
        contexts.append(context)
        await context.route("**/*", offline)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        await page.goto(url)
        if live:
            await expect(page.locator("#conn")).to_have_text(re.compile("Live"))
        return page

    yield open_
    for context in contexts:
        await context.close()
    assert errors == [], "uncaught script errors in the page"


# Every visible control must have a name a screen reader can say.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea, button")]
  .filter((el) => el.type !== "hidden" && el.getClientRects().length > 0)
  .filter((el) => {
    const byLabel = [...(el.labels ?? [])].map((l) => l.textContent).join("").trim();
    const byIds = (el.getAttribute("aria-labelledby") ?? "").split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? "").join("").trim();
    const own = el.getAttribute("aria-label") || (el.localName === "button" ? el.textContent.trim() : "");
    return !(byLabel || byIds || own);
  })
  .map((el) => el.outerHTML.slice(0, 160))"""


async def screenshot(page: Page, name: str) -> None:
    """Check that every visible control is labelled, then save the page at 1280 px and at
    390 px wide (test-artifacts/screenshots/, kept as test artifacts)."""
    assert await page.evaluate(UNLABELLED_CONTROLS) == [], "controls without a label"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or WIDE
    await page.set_viewport_size(WIDE)
    await page.screenshot(path=SCREENSHOTS / f"{name}-1280.png", animations="disabled")
    await page.set_viewport_size(NARROW)
    await page.screenshot(path=SCREENSHOTS / f"{name}-390.png", animations="disabled")
    await page.set_viewport_size(size)


__all__ = [
    "NARROW",
    "SCREENSHOTS",
    "WIDE",
    "OpenPage",
    "Room",
    "Server",
    "named",
    "replace",
    "screenshot",
]
