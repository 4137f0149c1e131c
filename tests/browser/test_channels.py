"""Organisations, channels, live messages, the composer and threads, in real Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import (
    NARROW,
    SCREENSHOTS,
    OpenPage,
    Room,
    Server,
    replace,
    screenshot,
)

pytestmark = pytest.mark.browser

GOOD_RETURN = {
    "message": "CPU at 93%",
    "username": "Monitor",
    "event_name": "cpu",
    "status": "error",
}


async def test_first_visit_creates_an_organisation_and_a_channel(
    server: Server, open_page: OpenPage
) -> None:
    page = await open_page(server.url + "/")
    await expect(page.get_by_role("heading", name="Welcome to the Telex emulator")).to_be_visible()
    await screenshot(page, "welcome")

    await page.get_by_label("Name of your organisation").fill("Initech")
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page.get_by_role("heading", name="Initech has no channel yet")).to_be_visible()

    await page.get_by_role("main").get_by_role("button", name="+ New channel").click()
    # A name of spaces passes the browser's `required` check; the server's 422 is shown.
    await page.get_by_label("Channel name").fill("   ")
    await page.get_by_role("button", name="Create channel").click()
    await expect(page.get_by_role("alert").filter(has_text="channel needs a name")).to_be_visible()

    await page.get_by_label("Channel name").fill("random")
    await page.get_by_label("Description (optional)").fill("Off-topic talk")
    await page.get_by_role("button", name="Create channel").click()
    await expect(page.get_by_role("heading", name="random", exact=True)).to_be_visible()
    await expect(page.get_by_role("link", name="random")).to_have_attribute("aria-current", "page")

    orgs = await server.call("GET", "/api/v1/organisations")
    assert [o["name"] for o in orgs] == ["Initech"]
    channels = await server.call("GET", f"/api/v1/organisations/{orgs[0]['id']}/channels")
    assert [(c["name"], c["description"]) for c in channels] == [("random", "Off-topic talk")]


async def test_two_pages_receive_the_same_messages_live(room: Room, open_page: OpenPage) -> None:
    first = await open_page(room.url)
    second = await open_page(room.url)

    composer = first.get_by_label("Message #general")
    await composer.fill("Hello from the first page")
    await composer.press("Enter")

    for page in (first, second):
        message = page.locator(".msg", has_text="Hello from the first page")
        await expect(message).to_have_count(1)
        await expect(message.locator(".badge-person")).to_have_text("person")

    # From the API and from an integration's webhook: both pages, live, with the source.
    await room.server.send(room.channel["id"], "Posted through the API", username="api-bot")
    async with room.server.http.post(room.channel["webhook_url"], json=GOOD_RETURN) as response:
        assert response.status == 202
    for page in (first, second):
        await expect(page.locator(".msg", has_text="Posted through the API")).to_contain_text(
            "api-bot"
        )
        from_webhook = page.locator(".msg", has_text="CPU at 93%")
        await expect(from_webhook.locator(".badge-webhook")).to_have_text("webhook")
        await expect(from_webhook).to_contain_text("Monitor")
        await expect(from_webhook).to_contain_text("status: error")


async def test_composer_sends_on_enter_and_replies_in_threads(
    room: Room, open_page: OpenPage
) -> None:
    page = await open_page(room.url)
    composer = page.get_by_label("Message #general")
    await composer.fill("line one")
    await composer.press("Shift+Enter")
    await composer.press_sequentially("line two")
    await expect(composer).to_have_value("line one\nline two")
    await composer.press("Enter")
    await expect(composer).to_have_value("")

    root = page.locator(".messages > .msg").first
    await expect(root.locator(".msg-body")).to_have_text("line oneline two")
    [stored] = await room.server.messages(room.channel["id"])
    assert stored["content"] == "<p>line one<br>line two</p>"
    assert stored["username"] == "you"

    reply_button = root.locator(":scope > .msg-main").get_by_role(
        "button", name="Reply to you in a thread"
    )
    await reply_button.click()
    banner = page.locator(".thread-banner")
    await expect(banner).to_contain_text("Replying in the thread of you")
    await page.get_by_label("Message #general").fill("a reply in the thread")
    await page.keyboard.press("Enter")
    await expect(root.locator(".replies .msg")).to_contain_text("a reply in the thread")
    await expect(banner).to_be_hidden()

    messages = await room.server.messages(room.channel["id"])
    assert messages[1]["thread_id"] == stored["id"]

    # Escape leaves thread mode.
    await reply_button.click()
    await expect(banner).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(banner).to_be_hidden()
    await screenshot(page, "channel-thread")


async def test_the_page_reconnects_after_a_server_restart(room: Room, open_page: OpenPage) -> None:
    page = await open_page(room.url)
    pill = page.locator("#conn")

    await room.server.stop()
    await expect(pill).to_have_text(re.compile("Offline"))
    await expect(pill).to_have_attribute("data-state", "offline")

    await room.server.start()
    await expect(pill).to_have_text(re.compile("Live"))
    await room.server.send(room.channel["id"], "sent after the restart")
    await expect(page.locator(".msg", has_text="sent after the restart")).to_be_visible()


async def test_small_screens_get_a_keyboard_usable_drawer(room: Room, open_page: OpenPage) -> None:
    await room.server.channel(room.org["id"], "alerts")
    page = await open_page(room.url, size=NARROW)
    menu = page.get_by_role("button", name="Open navigation")
    sidebar = page.locator("#sidebar")
    await expect(sidebar).to_be_hidden()

    await menu.focus()
    await page.keyboard.press("Enter")
    await expect(sidebar).to_be_visible()
    await expect(page.get_by_role("button", name="Close navigation")).to_have_attribute(
        "aria-expanded", "true"
    )
    await page.screenshot(path=SCREENSHOTS / "drawer-390.png", animations="disabled")
    await page.keyboard.press("Escape")
    await expect(sidebar).to_be_hidden()

    await menu.click()
    await page.get_by_role("link", name="alerts").click()
    await expect(page.get_by_role("heading", name="alerts", exact=True)).to_be_visible()
    await expect(sidebar).to_be_hidden()


async def test_an_api_key_is_asked_for_once_and_used(server: Server, open_page: OpenPage) -> None:
    await server.org("Keyed")
    guarded = Server(replace(server.config, api_key="s3cret", port=0), server.http)
    await server.stop()  # the same database, now behind --api-key
    await guarded.start()
    try:
        page = await open_page(guarded.url + "/", live=False)
        await expect(
            page.get_by_role("heading", name="This emulator needs an API key")
        ).to_be_visible()
        await page.get_by_label("API key").fill("s3cret")
        await page.get_by_role("button", name="Use key").click()
        await expect(page.locator("#conn")).to_have_text(re.compile("Live"))
        await expect(page.get_by_role("heading", name="Keyed has no channel yet")).to_be_visible()
    finally:
        await guarded.stop()
