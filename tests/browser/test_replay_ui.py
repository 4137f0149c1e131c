"""Replay in the UI: on a message and for the channel, with a side-by-side diff and the
hops then vs now, in real Chromium against a stub modifier whose reply a test changes."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import expect

from tests import stubs
from tests.browser.conftest import OpenPage, Room, screenshot

pytestmark = pytest.mark.browser


def append(suffix: str) -> stubs.Reply:
    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        return web.json_response({"message": payload["message"] + suffix})

    return reply


async def test_replay_a_message_and_the_channel(
    room: Room, open_page: OpenPage, start_stub: Any
) -> None:
    modifier = await start_stub(target=append(" v1"))
    server = room.server
    installed = await server.install(room.org["id"], modifier)
    await server.activate(room.org["id"], installed["id"], room.channel["id"])
    await server.send(room.channel["id"], "first")
    # Text that would be markup if it reached the page as HTML: it must stay text.
    await server.send(room.channel["id"], "<img src=x onerror=alert(1)>")
    modifier.target = append(" v2")  # the author changed their modifier

    page = await open_page(room.url)
    message = page.locator("li.msg").filter(has_text="first")
    await message.get_by_role("button", name="Replay").click()
    panel = message.locator(".message-replay")
    await expect(panel.get_by_role("status")).to_have_text("Replayed 1: 1 changed, 0 unchanged")
    then_side = panel.locator(".diff-side[data-side=then]")
    now_side = panel.locator(".diff-side[data-side=now]")
    await expect(then_side.locator("[data-change=removed]")).to_have_text("<p>first</p> v1")
    await expect(now_side.locator("[data-change=added]")).to_have_text("<p>first</p> v2")
    hop = panel.locator(".replay-hop")
    await expect(hop).to_have_attribute("data-change", "kept")
    await expect(hop).to_have_attribute("data-differs", "true")
    await expect(hop.locator(".hop-side[data-side=then]")).to_contain_text("ok")
    await expect(hop.locator(".hop-side[data-side=now]")).to_contain_text("ok")
    await screenshot(page, "replay-message")

    await page.get_by_label("How many of the last messages to replay").fill("2")
    await page.get_by_role("button", name="Replay channel").click()
    channel_panel = page.locator(".channel-replay")
    await expect(channel_panel.get_by_role("status")).to_have_text(
        "Replayed 2: 2 changed, 0 unchanged"
    )
    await expect(channel_panel.locator(".replay-result")).to_have_count(2)
    await expect(channel_panel.locator("img")).to_have_count(0)
    await expect(
        channel_panel.locator(".diff-side[data-side=now] [data-change=added]").last
    ).to_have_text("<img src=x onerror=alert(1)> v2")
    await screenshot(page, "replay-channel")
    # Nothing was stored: still the two messages, with their old text.
    assert [m["content"] for m in await server.messages(room.channel["id"])] == [
        "<p>first</p> v1",
        "<img src=x onerror=alert(1)> v1",
    ]


async def test_a_failed_replay_says_why(room: Room, open_page: OpenPage) -> None:
    await room.server.send(room.channel["id"], "hello")
    page = await open_page(room.url)
    message = page.locator("li.msg").filter(has_text="hello")
    await expect(message).to_be_visible()
    await room.server.call("POST", "/-/reset")  # the message is gone; the page still shows it
    await message.get_by_role("button", name="Replay").click()
    alert = message.locator(".message-replay").get_by_role("alert")
    await expect(alert).to_contain_text("Replay failed")
    await expect(alert).to_contain_text("message_ids[0]")
