"""Adding integrations (linter findings inline), cards, URL overrides, settings forms,
activation, the modifier chain order, and the waterfall under a message."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Locator, expect

from tests import stubs
from tests.browser.conftest import OpenPage, Room, named, screenshot

pytestmark = pytest.mark.browser

StartStub = Callable[..., Awaitable[stubs.Stub]]

EVERY_TYPE = [
    {"label": "Keyword", "type": "text", "required": True, "default": "alert"},
    {"label": "Template", "type": "text_area", "required": False, "default": "Hi"},
    {"label": "Limit", "type": "number", "required": False, "default": 10},
    {"label": "Enabled", "type": "checkbox", "required": False, "default": False},
    {"label": "Level", "type": "dropdown", "required": False, "options": ["low", "high"], "default": "low"},
    {"label": "Mode", "type": "radio", "required": False, "options": ["fast", "slow"], "default": "fast"},
    {"label": "Targets", "type": "multi-select", "required": False, "options": ["Email", "SMS", "Push"], "default": "Email"},
    {"label": "Days", "type": "multi-checkbox", "required": False, "options": ["Mon", "Tue", "Wed"], "default": ["Mon"]},
    {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *", "description": "How often to tick"},
]  # fmt: skip


async def test_add_by_url_shows_linter_findings_then_the_card(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    broken = await start_stub(extra={"integration_type": "widget"})
    messy = await start_stub(
        extra=named("Messy modifier", "Cleans up messages"),
        settings=[
            {"label": "Limit", "type": "number", "default": "1000", "required": "true"},
            {"label": "On", "type": "checkbox", "default": "Yes", "required": False},
        ],
    )
    page = await open_page(room.view("integrations"))
    url = page.get_by_label("Integration JSON URL")
    result = page.locator(".check-result")

    await url.fill(f"{broken.url}/integration.json")
    await page.get_by_role("button", name="Check").click()
    await expect(result).to_contain_text("cannot be installed: 1 error")
    error = result.locator(".finding-error")
    await expect(error.locator(".finding-path")).to_have_text("$.data.integration_type")
    await expect(error).to_contain_text('integration_type "widget" is not one Telex knows')
    await expect(error.locator(".finding-hint")).to_contain_text('Fix: Set "integration_type"')
    await expect(result.get_by_role("button", name=re.compile("^Install"))).to_have_count(0)

    await url.fill(f"{messy.url}/integration.json")
    await page.get_by_role("button", name="Check").click()
    await expect(result).to_contain_text("can be installed, with 3 warnings")
    paths = result.locator(".finding-warning .finding-path")
    await expect(paths).to_have_text(
        ["$.data.settings[0].required", "$.data.settings[0].default", "$.data.settings[1].default"]
    )
    await screenshot(page, "integrations-check")
    await result.get_by_role("button", name="Install Messy modifier").click()

    card = page.locator(".card", has_text="Messy modifier")
    await expect(card.get_by_role("heading", name="Messy modifier")).to_be_visible()
    await expect(card.locator(".badge-type")).to_have_text("modifier")
    await expect(card).to_contain_text("Monitoring & Logging")
    await expect(card).to_contain_text("Cleans up messages")
    await expect(card.locator(".effective-url")).to_have_text(f"{messy.url}/target")
    await expect(card.locator("summary", has_text="Linter warnings (3)")).to_be_visible()
    [installed] = await room.server.call(
        "GET", f"/api/v1/organisations/{room.org['id']}/integrations/custom"
    )
    assert installed["app_name"] == "Messy modifier"

    # Override the target URL: the card shows declared and effective.
    await card.locator("summary", has_text="Override URLs").click()
    await card.get_by_label("Target URL override").fill(f"{messy.url}/elsewhere")
    await card.get_by_role("button", name="Save URLs").click()
    await expect(card.locator(".effective-url")).to_have_text(f"{messy.url}/elsewhere")
    await expect(card).to_contain_text("(your override)")
    got = await room.server.call(
        "GET", f"/api/v1/organisations/{room.org['id']}/integrations/custom/{installed['id']}"
    )
    assert got["effective_target_url"] == f"{messy.url}/elsewhere"
    assert got["target_url"] == f"{messy.url}/target"


async def test_paste_json_lints_and_installs(room: Room, open_page: OpenPage) -> None:
    page = await open_page(room.view("integrations"))
    await page.get_by_role("button", name="Paste JSON").click()
    pasted = page.get_by_label("Integration JSON", exact=True)
    result = page.locator(".check-result")

    await pasted.fill('{"data": {"integration_type": ')
    await page.get_by_role("button", name="Check").click()
    await expect(result.get_by_role("alert")).to_contain_text("not valid JSON")

    spec = stubs.Stub(kind="output", url="http://127.0.0.1:9", extra=named("Pasted output")).spec()
    await pasted.fill(json.dumps(spec))
    await page.get_by_role("button", name="Check").click()
    await expect(result).to_contain_text("Pasted output")
    await result.get_by_role("button", name="Install Pasted output").click()
    card = page.locator(".card", has_text="Pasted output")
    await expect(card.locator(".badge-type")).to_have_text("output")
    await expect(card).to_contain_text("pasted inline")


async def test_a_spec_telex_cannot_call_fails_the_check_but_can_be_installed(
    room: Room, open_page: OpenPage
) -> None:
    page = await open_page(room.view("integrations"))
    await page.get_by_role("button", name="Paste JSON").click()
    result = page.locator(".check-result")
    spec = stubs.Stub(kind="output", url="http://127.0.0.1:9", extra=named("Silent output")).spec()
    spec["data"]["target_url"] = ""

    await page.get_by_label("Integration JSON", exact=True).fill(json.dumps(spec))
    await page.get_by_role("button", name="Check").click()

    await expect(result).to_contain_text("cannot be called by Telex as published: 1 error")
    error = result.locator(".finding-error")
    await expect(error.locator(".finding-path")).to_have_text("$.data.target_url")
    await result.get_by_role("button", name="Install Silent output").click()
    card = page.locator(".card", has_text="Silent output")
    await expect(card.locator("summary", has_text="Linter warnings")).to_be_visible()


async def test_settings_forms_have_a_control_per_type_and_save(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    stub = await start_stub(kind="interval", settings=EVERY_TYPE, extra=named("Every type"))
    installed = await room.server.install(room.org["id"], stub)
    await room.server.activate(room.org["id"], installed["id"], room.channel["id"])
    page = await open_page(room.view("integrations"))
    card = page.locator(f"#card-{installed['id']}")
    await card.locator("summary", has_text="Organisation settings (9)").click()
    form = card.locator("details.org-settings")

    interval = form.get_by_label("interval")
    preview = form.locator(".interval-preview")
    await expect(preview).to_contain_text("Next fire times:")
    await expect(preview.locator("time")).to_have_count(3)
    await interval.fill("every day")
    await expect(preview).to_contain_text("has 2 field(s)")
    # Saving an invalid crontab: the server's 422 shows at the field and above the button.
    await form.get_by_role("button", name="Save organisation settings").click()
    await expect(form.get_by_role("alert")).to_contain_text("settings were rejected")
    await expect(form.locator('.field[data-label="interval"] .field-error')).to_contain_text(
        "not a valid 5-field crontab"
    )

    await interval.fill("0 * * * *")
    await expect(preview.locator("time").first).to_have_text(re.compile(r"\d\d:00:00"))
    await form.get_by_label("Keyword").fill("outage")
    await form.get_by_label("Template").fill("Line 1\nLine 2")
    await form.get_by_label("Limit").fill("25")
    await form.get_by_label("Enabled").check()
    await form.get_by_label("Level").select_option("high")
    await form.get_by_role("radio", name="slow").check()
    await form.get_by_label("Targets").select_option(["SMS", "Push"])
    await form.get_by_role("checkbox", name="Wed").check()
    await form.get_by_role("checkbox", name="Mon").uncheck()
    await screenshot(page, "settings")
    await form.get_by_role("button", name="Save organisation settings").click()
    await expect(form.locator(".form-status")).to_have_text("Saved ✓")

    settings = await room.server.call(
        "GET",
        f"/api/v1/organisations/{room.org['id']}/integrations/custom/{installed['id']}/settings",
    )
    assert settings["values"] == {
        "Keyword": "outage",
        "Template": "Line 1\nLine 2",
        "Limit": 25,
        "Enabled": True,
        "Level": "high",
        "Mode": "slow",
        "Targets": ["SMS", "Push"],
        "Days": ["Wed"],
        "interval": "0 * * * *",
    }

    # Per channel: an override, shown as such, then reset to the organisation value.
    await card.locator("summary", has_text="Settings for #general").click()
    channel_form = card.locator("details.channel-settings")
    await expect(channel_form.get_by_label("Limit", exact=True)).to_have_value("25")
    await channel_form.get_by_label("Limit", exact=True).fill("99")
    await channel_form.get_by_role("button", name="Save for #general").click()
    await expect(channel_form.locator(".form-status")).to_have_text("Saved ✓")
    await expect(channel_form.locator(".field-number")).to_contain_text("set for this channel")
    assert await activation_settings(room, installed["id"]) == {"Limit": 99}

    await channel_form.get_by_role("button", name="Reset Limit").click()
    await expect(channel_form.get_by_label("Limit", exact=True)).to_have_value("25")
    assert await activation_settings(room, installed["id"]) == {}


async def activation_settings(room: Room, integration_id: str) -> dict[str, Any]:
    rows = await room.server.call("GET", f"/api/v1/channels/{room.channel['id']}/integrations")
    [row] = [r for r in rows if r["id"] == integration_id]
    return row["activation"]["settings"]


async def test_activate_deactivate_and_reorder_with_the_keyboard(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    alpha = await room.server.install(room.org["id"], await start_stub(extra=named("Alpha")))
    beta = await room.server.install(room.org["id"], await start_stub(extra=named("Beta")))
    daily = await start_stub(
        kind="interval",
        extra=named("Daily digest"),
        settings=[{"label": "interval", "type": "text", "required": True, "default": "Daily"}],
    )
    await room.server.install(room.org["id"], daily)
    page = await open_page(room.view("integrations"))

    for name in ("Alpha", "Beta"):
        card = page.locator(".card", has_text=name)
        await card.get_by_role("button", name="Activate on #general").click()
        await expect(card.locator(".state")).to_have_text("● Active on #general")
    chain = page.locator(".chain .chain-name")
    await expect(chain).to_have_text(["Alpha", "Beta"])

    # An interval whose crontab is invalid cannot be activated: the 422 says why.
    digest = page.locator(".card", has_text="Daily digest")
    await digest.get_by_role("button", name="Activate on #general").click()
    await expect(digest.get_by_role("alert")).to_contain_text("not a valid crontab")

    await page.get_by_role("button", name="Move Beta up").focus()
    await page.keyboard.press("Enter")
    await expect(chain).to_have_text(["Beta", "Alpha"])
    # Focus stays with Beta's controls, so the keyboard user can keep moving it.
    await expect(page.get_by_role("button", name="Move Beta down")).to_be_focused()
    await screenshot(page, "integrations")

    order = await room.server.call("GET", f"/api/v1/channels/{room.channel['id']}/integrations")
    assert [row["id"] for row in order] == [beta["id"], alpha["id"]]

    alpha_card = page.locator(".card", has_text="Alpha")
    await alpha_card.get_by_role("button", name="Deactivate on #general").click()
    await expect(alpha_card.locator(".state")).to_have_text("○ Not active on #general")
    await expect(chain).to_have_text(["Beta"])
    active = await room.server.call("GET", f"/api/v1/channels/{room.channel['id']}/integrations")
    assert [row["id"] for row in active] == [beta["id"]]


async def test_the_waterfall_shows_every_hop(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    release = asyncio.Event()

    async def slow(_request: web.Request, _payload: Any) -> web.StreamResponse:
        await release.wait()  # answers only after the emulator gave up on it
        return web.json_response({"message": "too late"})

    chain = [
        await start_stub(target=stubs.reply_upper(), extra=named("Shouter")),
        await start_stub(target=stubs.reply_json({"status": "ok"}), extra=named("Keyless")),
        await start_stub(target=stubs.reply_json({"error": "no"}, 400), extra=named("Refuser")),
        await start_stub(target=slow, extra=named("Sleeper")),
    ]
    for stub in chain:
        installed = await room.server.install(room.org["id"], stub)
        await room.server.activate(room.org["id"], installed["id"], room.channel["id"])

    page = await open_page(room.url)
    try:
        await page.get_by_label("Message #general").fill("hello")
        await page.keyboard.press("Enter")
        message = page.locator(".msg", has_text="HELLO")
        await expect(message.locator(".badge-modified")).to_have_text("modified")
        toggle = message.get_by_role("button", name=re.compile("Modifier trace"))
        await expect(toggle).to_contain_text("4 modifiers, 1 skipped, 1 error, 1 timeout")
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-expanded", "true")

        hops = message.locator(".hop")
        await expect(hops.locator(".hop-name")).to_have_text(
            ["Shouter", "Keyless", "Refuser", "Sleeper"]
        )
        await expect(hops.locator(".chip")).to_have_text(
            ["✓ ok", "↷ skipped", "✕ error", "◷ timeout"]
        )
        await expect(hops.nth(1).locator(".hop-reason")).to_contain_text('no "message" key')
        await expect(hops.nth(2)).to_contain_text("HTTP 400")
        await expect(hops.nth(3).locator(".hop-reason")).to_contain_text("passed on unchanged")
        await expect(message.locator(".hop-latency")).to_have_count(4)
        figures = message.locator(".waterfall > .compare pre")
        await expect(figures).to_have_text(["<p>hello</p>", "<P>HELLO</P>"])
        await screenshot(page, "waterfall")
    finally:
        release.set()


MASK_AND_LIMIT = [
    {"label": "Mask", "type": "text", "required": False, "default": "***"},
    {"label": "Limit", "type": "number", "required": False, "default": 10},
]


async def test_channel_values_survive_deactivation_and_a_reload(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    stub = await start_stub(settings=MASK_AND_LIMIT, extra=named("Redactor"))
    installed = await room.server.install(room.org["id"], stub)
    org_settings = f"/api/v1/organisations/{room.org['id']}/integrations/custom/{installed['id']}"
    # An organisation value that differs from the channel's, so showing the wrong level shows.
    await room.server.call("PUT", f"{org_settings}/settings", {"settings": {"Limit": 25}})
    page = await open_page(room.view("integrations"))
    card = page.locator(f"#card-{installed['id']}")
    await card.get_by_role("button", name="Activate on #general").click()
    await expect(card.locator(".state")).to_have_text("● Active on #general")

    channel_form = await open_channel_settings(card)
    await channel_form.get_by_label("Limit", exact=True).fill("99")
    await channel_form.get_by_role("button", name="Save for #general").click()
    await expect(channel_form.locator(".form-status")).to_have_text("Saved ✓")
    await card.get_by_role("button", name="Deactivate on #general").click()
    await expect(card.locator(".state")).to_have_text("○ Not active on #general")
    assert await stored_activation(room, installed["id"]) == (False, {"Limit": 99})

    # A fresh page knows only what the API tells it: the stored value, marked inactive.
    await page.reload()
    await expect(card.locator(".state")).to_have_text("○ Not active on #general")
    await expect(card.locator("details.channel-settings > summary")).to_contain_text("inactive")
    channel_form = await open_channel_settings(card)
    await expect(channel_form.locator(".channel-inactive")).to_contain_text(
        "Not active on #general"
    )
    await expect(channel_form.get_by_label("Limit", exact=True)).to_have_value("99")
    await expect(channel_form.locator(".field-number")).to_contain_text("set for this channel")
    await expect(channel_form.get_by_label("Mask", exact=True)).to_have_value("***")
    await screenshot(page, "integrations-inactive")

    await card.get_by_role("button", name="Activate on #general").click()
    await expect(card.locator(".state")).to_have_text("● Active on #general")
    channel_form = card.locator("details.channel-settings")
    await expect(channel_form.locator(".channel-inactive")).to_have_count(0)
    await expect(channel_form.get_by_label("Limit", exact=True)).to_have_value("99")
    assert await stored_activation(room, installed["id"]) == (True, {"Limit": 99})
    assert await activation_settings(room, installed["id"]) == {"Limit": 99}


async def test_channel_values_saved_before_activating_show_after_a_reload(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    stub = await start_stub(settings=MASK_AND_LIMIT, extra=named("Redactor"))
    installed = await room.server.install(room.org["id"], stub)
    page = await open_page(room.view("integrations"))
    card = page.locator(f"#card-{installed['id']}")

    channel_form = await open_channel_settings(card)
    await expect(channel_form.locator(".channel-inactive")).to_be_visible()
    await channel_form.get_by_label("Mask", exact=True).fill("[redacted]")
    await channel_form.get_by_role("button", name="Save for #general").click()
    await expect(channel_form.locator(".form-status")).to_have_text("Saved ✓")
    assert await stored_activation(room, installed["id"]) == (False, {"Mask": "[redacted]"})

    await page.reload()
    channel_form = await open_channel_settings(card)
    await expect(channel_form.get_by_label("Mask", exact=True)).to_have_value("[redacted]")
    await expect(card.locator(".state")).to_have_text("○ Not active on #general")


async def open_channel_settings(card: Locator) -> Locator:
    """Open the card's "Settings for #general" section (closed after a reload)."""
    await card.locator("summary", has_text="Settings for #general").click()
    section = card.locator("details.channel-settings")
    await expect(section).to_have_attribute("open", "")
    return section


async def stored_activation(room: Room, integration_id: str) -> tuple[bool, dict[str, Any]]:
    """(is_active, channel settings) as the REST API stores them, active or not."""
    path = f"/api/v1/channels/{room.channel['id']}/integrations?include_inactive=true"
    [row] = [r for r in await room.server.call("GET", path) if r["id"] == integration_id]
    return row["activation"]["is_active"], row["activation"]["settings"]
