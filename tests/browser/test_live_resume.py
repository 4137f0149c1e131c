"""The page's live stream resumes after a drop: missed events are replayed, and only a
`reset` from the server makes it reload from the REST API. In real Chromium, no sleeps:
the page's reconnect is held at the network layer until the test has posted what the page
must catch up on, so the message is certainly sent while the page is away."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page, Request, Route, expect

from emulator.keys import services_key
from tests.browser.conftest import OpenPage, Room

pytestmark = pytest.mark.browser


class HeldReconnect:
    """Holds the page's next request to /-/events until `release()`."""

    def __init__(self) -> None:
        self.url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._release = asyncio.Event()

    async def install(self, page: Page) -> None:
        await page.route(re.compile(r"/-/events(\?|$)"), self._handle)

    async def _handle(self, route: Route) -> None:
        if self.url.done():  # only the first reconnect is held
            await route.fallback()
            return
        self.url.set_result(route.request.url)
        await self._release.wait()
        await route.fallback()

    def release(self) -> None:
        self._release.set()


def rest_reads(page: Page) -> list[str]:
    """The REST API GETs the page sends from now on (a full catch-up reloads through them)."""
    seen: list[str] = []

    def record(request: Request) -> None:
        if request.method == "GET" and "/api/v1/" in request.url:
            seen.append(request.url)

    page.on("request", record)
    return seen


async def drop_and_hold(room: Room, page: Page, *, shutdown: bool) -> tuple[HeldReconnect, str]:
    """End the page's stream on the server (as a slow-consumer drop, or as shutdown does:
    then the hub stops keeping events), wait until the page is reconnecting (held), post a
    message meanwhile; answer the reconnect URL's `last_event_id`."""
    held = HeldReconnect()
    await held.install(page)
    hub = room.server.runner.app[services_key].hub  # type: ignore[union-attr]
    if shutdown:
        hub.close()
    else:
        hub.drop_all()
    async with asyncio.timeout(10):
        url = await held.url
    await expect(page.locator("#conn")).not_to_have_attribute("data-state", "live")
    await room.server.send(room.channel["id"], "posted while the page was away")
    [last_event_id] = parse_qs(urlsplit(url).query)["last_event_id"]
    return held, last_event_id


async def test_a_dropped_stream_resumes_with_the_missed_events(
    room: Room, open_page: OpenPage
) -> None:
    page = await open_page(room.url)
    await room.server.send(room.channel["id"], "seen live")
    await expect(page.locator(".msg", has_text="seen live")).to_be_visible()
    reads = rest_reads(page)

    held, last_event_id = await drop_and_hold(room, page, shutdown=False)
    assert last_event_id.isdigit()
    held.release()

    await expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    await expect(page.locator(".msg", has_text="posted while the page was away")).to_have_count(1)
    assert reads == [], "replayed from the stream, not reloaded from the REST API"
    # And it stays live.
    await room.server.send(room.channel["id"], "after the resume")
    await expect(page.locator(".msg", has_text="after the resume")).to_have_count(1)
    assert reads == []


async def test_a_reset_makes_the_page_reload(room: Room, open_page: OpenPage) -> None:
    page = await open_page(room.url)
    await room.server.send(room.channel["id"], "seen live")
    await expect(page.locator(".msg", has_text="seen live")).to_be_visible()
    reads = rest_reads(page)

    # After close() the hub keeps nothing for the page: its resume gets `reset`.
    held, _ = await drop_and_hold(room, page, shutdown=True)
    held.release()

    await expect(page.locator(".msg", has_text="posted while the page was away")).to_have_count(1)
    await expect(page.locator(".msg", has_text="seen live")).to_have_count(1)
    assert any(url.endswith("/api/v1/organisations") for url in reads), reads
