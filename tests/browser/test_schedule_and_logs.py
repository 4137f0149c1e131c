"""The schedule (tick now, advance the virtual clock), the delivery log and the returns log."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from playwright.async_api import expect

from tests import stubs
from tests.browser.conftest import OpenPage, Room, named, screenshot

pytestmark = pytest.mark.browser

StartStub = Callable[..., Awaitable[stubs.Stub]]
EVERY_5 = [{"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}]
GOOD_RETURN = {
    "message": "All good",
    "username": "Monitor",
    "event_name": "ping",
    "status": "success",
}
BAD_RETURN = {"message": "CPU high", "timestamp": "2025-02-20T10:00:00Z"}


async def test_schedule_tick_now_and_advance_the_virtual_clock(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    stub = await start_stub(kind="interval", settings=EVERY_5, extra=named("Uptime check"))
    installed = await room.server.install(room.org["id"], stub)
    await room.server.activate(room.org["id"], installed["id"], room.channel["id"])
    page = await open_page(room.view("schedule"))

    row = page.locator(".schedule-table tbody tr", has_text="Uptime check")
    await expect(row).to_contain_text("#general")
    await expect(row).to_contain_text("*/5 * * * *")
    await expect(row.locator(".next-fire")).to_contain_text(re.compile(r":[0-5][05]:00 UTC in "))

    await row.get_by_role("button", name="Tick Uptime check on #general now").click()
    await stub.wait_for("/tick", 1)
    result = page.locator(".tick-result")
    await expect(result).to_contain_text("Tick sent to Uptime check: ✓ ok HTTP 202")
    await expect(result).to_contain_text(f"POST {stub.url}/tick")

    clock_before = await room.server.call("GET", "/-/clock")
    await page.get_by_label("Advance the virtual clock by").fill("10")
    await page.get_by_role("button", name="Advance clock").click()
    await expect(page.locator(".advance-result")).to_contain_text("Advanced 10 min; 2 ticks fired.")
    await stub.wait_for("/tick", 3)
    clock_after = await room.server.call("GET", "/-/clock")
    assert clock_after["now"] > clock_before["now"]
    await expect(page.locator(".advance-result li")).to_have_count(2)
    recent = page.locator("section", has_text="Recent ticks").locator("tbody tr")
    await expect(recent).to_have_count(3)
    await expect(recent.first).to_contain_text("schedule")
    await screenshot(page, "schedule")


async def test_delivery_log_and_returns_log_with_filters_and_bodies(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    output = await start_stub(kind="output", target=stubs.reply_text("stored", 202))
    modifier = await start_stub(target=stubs.reply_json({"nope": True}, 500), extra=named("Broken"))
    for stub in (modifier, output):
        installed = await room.server.install(room.org["id"], stub)
        await room.server.activate(room.org["id"], installed["id"], room.channel["id"])
    await room.server.send(room.channel["id"], "deliver me")
    await output.wait_for("/target", 1)

    page = await open_page(room.view("deliveries"))
    rows = page.locator(".log-row")
    await expect(rows).to_have_count(2)
    await page.get_by_label("Kind").select_option("output")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("✓ ok")
    await expect(rows.first).to_contain_text("HTTP 202")
    await rows.first.get_by_role("button", name="Show request and response").click()
    viewer = page.locator(".detail-row:not([hidden]) .body-viewer")
    await expect(viewer).to_contain_text(f"POST {output.url}/target")
    await expect(viewer.locator("pre").first).to_contain_text('"message": "<p>deliver me</p>"')
    await expect(viewer.locator("pre").nth(1)).to_have_text("stored")

    await page.get_by_label("Kind").select_option("")
    await page.get_by_label("Outcome").select_option("error")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Broken")
    await expect(rows.first).to_contain_text("HTTP 500")
    await screenshot(page, "deliveries")

    # Returns: Telex answers 202 either way; the verdict tells.
    for body in (GOOD_RETURN, BAD_RETURN):
        async with room.server.http.post(room.channel["webhook_url"], json=body) as response:
            assert response.status == 202
    page = await open_page(room.view("returns"))
    rows = page.locator(".log-row")
    await expect(rows).to_have_count(2)
    rejected = rows.filter(has_text="rejected (400)")
    await expect(rejected).to_contain_text("timestamp is not an allowed value")
    await expect(rows.filter(has_text="accepted")).to_have_count(1)

    await page.get_by_label("Verdict").select_option("false")
    await expect(rows).to_have_count(1)
    await rows.first.get_by_role("button", name="Show request and response").click()
    viewer = page.locator(".detail-row:not([hidden]) .body-viewer")
    await expect(viewer.locator("pre").first).to_contain_text('"timestamp": "2025-02-20T10:00:00Z"')
    await expect(viewer.locator("pre").nth(1)).to_contain_text('"status_code": 400')
    await screenshot(page, "returns")

    # A new return arrives while the log is open: it shows up live (it matches the filter).
    async with room.server.http.post(room.channel["webhook_url"], json={"message": "x"}) as r:
        assert r.status == 202
    await expect(rows).to_have_count(2)
