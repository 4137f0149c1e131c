"""No script from a message, a modifier's reply, a webhook body or a spec ever runs.

Every payload sets window.__pwned or opens a dialog if it runs. Besides checking that
nothing ran, the tests check the DOM itself (no foreign elements, no on* attributes), so
a sanitizer bug would show even though the page's Content-Security-Policy blocks inline
scripts as a second line of defence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests import stubs
from tests.browser.conftest import OpenPage, Room

pytestmark = pytest.mark.browser

StartStub = Callable[..., Awaitable[stubs.Stub]]

HOSTILE_HTML = (
    '<p>hi <b>bold</b> <a href="https://example.com/x" onclick="window.__pwned=1">safe link</a> '
    '<a href="javascript:window.__pwned=2">js link</a></p>'
    '<img src=x onerror="window.__pwned=3;alert(3)">'
    "<script>window.__pwned=4;alert(4)</script>"
    '<svg onload="window.__pwned=5"><circle r="1"></circle></svg>'
    '<iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>'
    "<style>body{display:none}</style>"
    '<p style="color:red" onmouseover="window.__pwned=7">styled</p>'
    '<form action="javascript:alert(8)"><button>go</button></form>'
)
MODIFIER_REPLY = '<img src=x onerror="window.__pwned=9;alert(9)"><b>modified</b>'
HOSTILE_SPEC = {
    "descriptions": {
        "app_name": '<img src=x onerror="window.__pwned=10;alert(10)">Evil',
        "app_description": "<script>window.__pwned=11;alert(11)</script>",
        "app_logo": "javascript:window.__pwned=12",
        "app_url": "javascript:alert(1)",
        "background_color": "#fff",
    },
    "integration_category": "<b onmouseover=alert(13)>cat</b>",
    "settings": [
        {
            "label": "<img src=x onerror=alert(14)>",
            "type": "dropdown",
            "required": False,
            "options": ["<script>alert(15)</script>", "b"],
            "default": "b",
            "description": "<img src=x onerror=alert(16)>",
        }
    ],
}

# Tags and attributes the sanitizer may produce.
ALLOWED_TAG = re.compile(
    r"^(p|b|strong|i|em|u|s|code|pre|br|ul|ol|li|blockquote|a|span)$", re.IGNORECASE
)
ALLOWED_ATTRIBUTES = {"href", "rel", "target", "class"}

DOM_AUDIT = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) found.push(`${el.localName}[${attr.name}]`);
      if (["href", "src", "action", "formaction"].includes(attr.name) && /^\\s*javascript:/i.test(attr.value))
        found.push(`${el.localName}[${attr.name}=javascript:]`);
    }
  }
  for (const el of document.querySelectorAll("iframe, object, embed, svg, math, style, .msg-body form"))
    found.push(el.localName);
  for (const el of document.querySelectorAll("script")) if (!el.src.endsWith("/static/app.js")) found.push("script");
  for (const el of document.querySelectorAll("img")) if (!/^https?:/.test(el.getAttribute("src") || "")) found.push("img");
  return found;
}"""


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    async def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


async def assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert await page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert await page.evaluate(DOM_AUDIT) == []


async def test_message_and_modifier_html_is_sanitised(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    modifier = await start_stub(target=stubs.reply_json({"message": MODIFIER_REPLY}))
    installed = await room.server.install(room.org["id"], modifier)
    await room.server.activate(room.org["id"], installed["id"], room.channel["id"])
    page = await open_page(room.url)
    dialogs = watch_dialogs(page)

    # A webhook message skips the modifiers: the hostile HTML arrives as it was sent.
    body = {
        "message": HOSTILE_HTML,
        "username": "<img src=x onerror=alert(20)>",
        "event_name": "<script>alert(21)</script>",
        "status": "success",
    }
    async with room.server.http.post(room.channel["webhook_url"], json=body) as response:
        assert (await response.json())["status_code"] == 202
    hostile = page.locator(".msg", has_text="safe link")
    await expect(hostile.locator(".author")).to_have_text("<img src=x onerror=alert(20)>")
    await expect(hostile.locator(".badge-event")).to_have_text("<script>alert(21)</script>")
    content = hostile.locator(".msg-body")
    await expect(content.locator("b")).to_have_text("bold")
    link = content.get_by_role("link", name="safe link")
    await expect(link).to_have_attribute("href", "https://example.com/x")
    await expect(link).to_have_attribute("rel", "noopener noreferrer")
    await expect(link).to_have_attribute("target", "_blank")
    await expect(content.get_by_role("link", name="js link")).to_have_count(0)
    # What cannot be shown safely is shown as text, so the developer sees what was sent.
    await expect(content).to_contain_text('<img src="x" onerror="window.__pwned=3;alert(3)">')
    await expect(content).to_contain_text("<script>window.__pwned=4;alert(4)</script>")
    await expect(content.locator("p", has_text="styled")).not_to_have_attribute(
        "style", re.compile("")
    )

    # A person's message, replaced by a modifier's hostile reply.
    await page.get_by_label("Message #general").fill("hello")
    await page.keyboard.press("Enter")
    modified = page.locator(".msg", has_text="modified").filter(has=page.locator(".badge-modified"))
    await expect(modified.locator(".msg-body b")).to_have_text("modified")
    await expect(modified.locator(".msg-body")).to_contain_text("<img")
    await modified.get_by_role("button", name=re.compile("Modifier trace")).click()
    await modified.locator("summary", has_text="Text before and after").click()
    await expect(modified.locator(".hop-text pre").nth(1)).to_have_text(MODIFIER_REPLY)

    await assert_nothing_ran(page, dialogs)


async def test_spec_strings_are_text(
    room: Room, open_page: OpenPage, start_stub: StartStub
) -> None:
    evil = await start_stub(extra=HOSTILE_SPEC)
    installed = await room.server.install(room.org["id"], evil)
    await room.server.activate(room.org["id"], installed["id"], room.channel["id"])
    page = await open_page(room.view("integrations"))
    dialogs = watch_dialogs(page)

    card = page.locator(f"#card-{installed['id']}")
    await expect(card.get_by_role("heading")).to_have_text(
        '<img src=x onerror="window.__pwned=10;alert(10)">Evil'
    )
    await expect(card.locator(".card-desc")).to_have_text(
        "<script>window.__pwned=11;alert(11)</script>"
    )
    await expect(card.locator(".category")).to_have_text("<b onmouseover=alert(13)>cat</b>")
    await expect(card.locator(".logo-fallback")).to_be_visible()  # a javascript: logo is not loaded
    await card.locator("summary", has_text="Organisation settings").click()
    select = card.locator("details.org-settings").get_by_label("<img src=x onerror=alert(14)>")
    await expect(select.locator("option")).to_have_text(["<script>alert(15)</script>", "b"])
    await expect(card.locator("details.org-settings .field-help")).to_contain_text(
        "<img src=x onerror=alert(16)>"
    )
    await expect(page.locator(".chain-name")).to_have_text(
        '<img src=x onerror="window.__pwned=10;alert(10)">Evil'
    )

    # The same spec pasted into the checker: the name in the result is text as well.
    await page.get_by_role("button", name="Paste JSON").click()
    await page.get_by_label("Integration JSON", exact=True).fill(json.dumps(evil.spec()))
    await page.get_by_role("button", name="Check").click()
    await expect(page.locator(".check-result strong").first).to_have_text(
        '<img src=x onerror="window.__pwned=10;alert(10)">Evil'
    )

    # Its name in the schedule-free views: the delivery log after a message.
    await room.server.send(room.channel["id"], "<img src=x onerror=alert(22)>")
    await page.goto(room.view("deliveries"))
    row = page.locator(".log-row").first
    await expect(row).to_contain_text("Evil")
    await row.get_by_role("button", name="Show request and response").click()
    await expect(page.locator(".body-viewer pre").first).to_contain_text("onerror=alert(22)")

    await assert_nothing_ran(page, dialogs)


async def test_sanitizer_builds_only_allowlisted_nodes(room: Room, open_page: OpenPage) -> None:
    page = await open_page(room.url)
    cases = {
        "<p>hi <b>x</b></p>": "<p>hi <b>x</b></p>",
        '<a href="https://e.com/" onclick="x()">l</a>': (
            '<a href="https://e.com/" rel="noopener noreferrer" target="_blank">l</a>'
        ),
        '<a href="mailto:a@b.c">m</a>': (
            '<a href="mailto:a@b.c" rel="noopener noreferrer" target="_blank">m</a>'
        ),
        '<a href=" JaVaScRiPt:alert(1)">l</a>': "<span>l</span>",
        '<a href="/relative">l</a>': "<span>l</span>",
        "<img src=x onerror=alert(1)>": '&lt;img src="x" onerror="alert(1)"&gt;',
        "<script>alert(1)</script><p>after</p>": "&lt;script&gt;alert(1)&lt;/script&gt;<p>after</p>",
        '<p style="color:red" class="c" id="i" title="t">t</p>': "<p>t</p>",
        "<div><h2>T</h2>body</div>": '<span class="x-block"><strong class="x-block">T</strong>body</span>',
        "<ul><li>1</li></ul><pre><code>x</code></pre><br><blockquote>q</blockquote>": (
            "<ul><li>1</li></ul><pre><code>x</code></pre><br><blockquote>q</blockquote>"
        ),
        "a < b & c": "a &lt; b &amp; c",
        "<!-- comment --><i>i</i>": "<i>i</i>",
    }
    hostile = [
        '<svg><a href="javascript:alert(1)"><text>x</text></a></svg>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        '<template><img src=x onerror=alert(1)></template><object data="x"></object>',
        "<p>" * 300 + "deep",
        '<base href="javascript:alert(1)//"><a href="x">b</a>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    ]
    results = await page.evaluate(
        """async (inputs) => {
          const { sanitize } = await import("/static/sanitize.js");
          return inputs.map((html) => {
            const box = document.createElement("div");
            box.append(sanitize(html));
            const tags = [...box.querySelectorAll("*")].map((el) => [el.localName, [...el.attributes].map((a) => a.name)]);
            return { html: box.innerHTML, tags };
          });
        }""",
        [*cases, *hostile],
    )
    for (given, wanted), got in zip(cases.items(), results, strict=False):
        assert got["html"] == wanted, given
    for given, got in zip([*cases, *hostile], results, strict=True):
        for tag, attributes in got["tags"]:
            assert ALLOWED_TAG.match(tag), (given, tag)
            assert set(attributes) <= ALLOWED_ATTRIBUTES, (given, tag, attributes)
    assert await page.evaluate("window.__pwned") is None
