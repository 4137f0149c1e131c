"""Secret settings in the browser: a password field with Show/Hide, masked in the delivery log."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import expect

from emulator.masking import MASK
from emulator.spec.model import is_secret_label
from tests import stubs
from tests.browser.conftest import OpenPage, Room, named, screenshot
from tests.conftest import corpus_files

pytestmark = pytest.mark.browser

StartStub = Callable[..., Awaitable[stubs.Stub]]
SECRET = "sk-live-4f9a7c"
KEY_LABEL = re.compile(r"^API Key")  # not the "Show API Key" button
SETTINGS = [
    {"label": "API Key", "type": "text", "required": True, "default": ""},
    {"label": "Channel tag", "type": "text", "required": False, "default": "ops"},
]


async def test_secret_setting_is_a_password_field_and_masked_in_the_log(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    output = await start_stub(kind="output", settings=SETTINGS, extra=named("Pager"))
    installed = await room.server.install(room.org["id"], output)
    await room.server.activate(room.org["id"], installed["id"], room.channel["id"])
    page = await open_page(room.view("integrations"))
    card = page.locator(f"#card-{installed['id']}")
    await card.locator("summary", has_text="Organisation settings (2)").click()
    form = card.locator("details.org-settings")

    key = form.get_by_label(KEY_LABEL)
    await expect(key).to_have_attribute("type", "password")
    await expect(form.get_by_label("Channel tag")).not_to_have_attribute("type", "password")
    await key.fill(SECRET)
    show = form.get_by_role("button", name="Show API Key")
    await show.click()
    await expect(key).to_have_attribute("type", "text")  # the owner can check what they typed
    await form.get_by_role("button", name="Hide API Key").click()
    await expect(key).to_have_attribute("type", "password")
    await screenshot(page, "secret-setting")
    await form.get_by_role("button", name="Save organisation settings").click()
    await expect(form.locator(".form-status")).to_have_text("Saved ✓")
    # Saved and shown again as a password field, still editable.
    await expect(form.get_by_label(KEY_LABEL)).to_have_attribute("type", "password")
    await expect(form.get_by_label(KEY_LABEL)).to_have_value(SECRET)

    await room.server.send(room.channel["id"], "page me")
    (received,) = await output.wait_for("/target", 1)
    assert received["settings"][0]["default"] == SECRET  # the integration gets the real key

    page = await open_page(room.view("deliveries"))
    rows = page.locator(".log-row")
    await expect(rows).to_have_count(1)
    await rows.first.get_by_role("button", name="Show request and response").click()
    request = page.locator(".detail-row:not([hidden]) .body-viewer pre").first
    await expect(request).to_contain_text(f'"default": "{MASK}"')
    await expect(request).to_contain_text('"default": "ops"')
    await expect(request).not_to_contain_text(SECRET)
    assert SECRET not in await page.content()
    await screenshot(page, "secret-masked-delivery")


def corpus_labels() -> list[Any]:
    labels: set[str] = set()
    for path in corpus_files():
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue
        root = doc.get("data", doc) if isinstance(doc, dict) else {}
        for item in (root.get("settings") if isinstance(root, dict) else None) or []:
            if isinstance(item, dict) and isinstance(item.get("label"), str):
                labels.add(item["label"])
    return sorted(labels)


async def test_the_ui_and_the_emulator_agree_on_what_is_secret(room: Room, open_page) -> None:
    """settings-form.js `isSecret` against spec.model.is_secret_label, on every label of
    the real spec corpus plus tricky ones."""
    labels = [*corpus_labels(), "apiKey", "API_KEY", "Monkey Mode", "tokens_used", "Key", "x"]
    assert len(labels) > 100
    page = await open_page(room.url)
    verdicts = await page.evaluate(
        """async (labels) => {
            const { isSecret } = await import("/static/js/settings-form.js");
            return labels.map((label) => isSecret({ label }));
        }""",
        labels,
    )
    assert dict(zip(labels, verdicts, strict=True)) == {
        label: is_secret_label(label) for label in labels
    }
    assert any(verdicts)
