"""Coworkers (A2A agents) in the browser: adding one by URL or pasted card with the
linter's findings inline, its direct channel, `@` autocomplete, replies with their task
state (live through pushes), the agent trace, the details page, and agent content that
must stay text. Real emulator, real Chromium, and real stub agents that copy Telex's own
(tests/stub_agents/telex.py: ping-pong, capitalizer, weather, workflow); the one stream that
must pause half-way is a stub of tests/stub_agents with an answer of its own."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from emulator.masking import MASK
from tests import stub_agents
from tests.browser.conftest import OpenPage, Room, screenshot
from tests.stub_agents.telex import AgentStub, Behaviour

pytestmark = pytest.mark.browser

StartAgent = Callable[..., Awaitable[AgentStub]]

# A 1x1 PNG: an inline image from a data: URL.
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)">'

# Elements or attributes an agent's content could have injected: any on* attribute, a
# javascript: URL, a script other than the app, and any image but the inline file parts.
DOM_AUDIT = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) found.push(`${el.localName}[${attr.name}]`);
      if (/^\\s*javascript:/i.test(attr.value)) found.push(`${el.localName}[${attr.name}]`);
    }
  }
  for (const el of document.querySelectorAll("script"))
    if (!el.src.endsWith("/static/app.js")) found.push("script");
  for (const el of document.querySelectorAll("iframe, object, embed, svg, style")) found.push(el.localName);
  for (const el of document.querySelectorAll("img"))
    if (!el.matches(".agent-body img.part-image")) found.push(el.outerHTML);
  return found;
}"""


@pytest.fixture
def start_agent(aiohttp_server: Any) -> StartAgent:
    async def start(behaviour: Behaviour, **kwargs: Any) -> AgentStub:
        return await stub_agents.start(aiohttp_server, AgentStub(behaviour, **kwargs))

    return start


def gated_stream(gate: asyncio.Event) -> stub_agents.Answer:
    """Telex's streaming example, one Message event per line; the second waits for `gate`,
    so the test sees the reply while it is still growing."""

    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(http)
        for index, text in enumerate(("First line", "Second line")):
            if index:
                await gate.wait()
            result = stub_agents.message(text, f"m-{index}")
            event = {"jsonrpc": "2.0", "id": f"evt-{index}", "result": result, "error": None}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        await response.write_eof()
        return response

    return answer


def said(stub: AgentStub) -> list[str]:
    """The text part of every call the stub received."""
    return [call.body["params"]["message"]["parts"][0]["text"] for call in stub.calls]


async def install(room: Room, body: dict[str, Any]) -> dict[str, Any]:
    path = f"/api/v1/organisations/{room.org['id']}/agents"
    return await room.server.call("POST", path, body, 201)


async def add_to_channel(room: Room, agent: dict[str, Any]) -> None:
    path = f"/api/v1/channels/{room.channel['id']}/agents/{agent['id']}"
    await room.server.call("PUT", path, {"is_active": True})


def direct_url(room: Room, agent: dict[str, Any]) -> str:
    return room.server.page_url(room.org["id"], agent["direct_channel_id"])


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    async def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


async def send(page: Page, text: str) -> None:
    composer = page.locator(".composer-text")
    await composer.fill(text)
    await composer.press("Enter")


async def test_add_by_url_then_talk_in_its_direct_channel(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    stub = await start_agent("ping_pong")
    page = await open_page(room.view("coworkers"))
    await page.get_by_label("Agent URL (card or base URL)").fill(stub.url)
    await page.get_by_role("button", name="Add coworker").click()

    result = page.locator(".agent-result")
    await expect(result).to_contain_text("Added PingPong")
    card = page.locator(".agent-card", has_text="PingPong")
    await expect(card.locator(".effective-url")).to_have_text(stub.rpc_url)
    await expect(card.locator('[data-capability="streaming"]')).to_have_text(
        re.compile("Streaming: no$")
    )
    coworker = page.locator('#sidebar a[data-agent="PingPong"]')
    await expect(coworker).to_be_visible()
    # Its direct channel is listed with it, not among the ordinary channels.
    await expect(page.locator('#sidebar a[data-channel="PingPong"]')).to_have_count(0)

    await coworker.click()
    await expect(page.locator(".channel-agents")).to_contain_text("Direct channel with PingPong")
    await send(page, "ping")
    reply = page.locator(".msg-agent")
    await expect(reply.locator(".author")).to_have_text("PingPong")
    await expect(reply.locator(".badge-agent")).to_have_text("coworker")
    await expect(reply.locator(".agent-body")).to_have_text("pong")
    await expect(reply.locator(".task-state")).to_contain_text("completed")
    assert said(stub) == ["ping"]

    # The trace, from the reply: request, response and the call's delivery with its timing.
    await reply.get_by_role("button", name=re.compile("Agent trace")).click()
    trace = reply.locator(".agent-trace")
    await expect(trace.locator("figure", has_text="Request").locator("pre")).to_contain_text(
        '"method": "message/send"'
    )
    await expect(trace.locator("figure", has_text="Response").locator("pre")).to_contain_text(
        "pong"
    )
    # The push token and credentials the agent got are masked in the trace.
    request = await trace.locator("figure", has_text="Request").locator("pre").inner_text()
    sent = stub.calls[0].body["params"]["configuration"]["pushNotificationConfig"]
    assert sent["token"] not in request
    assert sent["authentication"]["credentials"] not in request
    assert f'"token": "{MASK}"' in request
    await expect(trace.locator('.task-delivery[data-kind="agent"]')).to_contain_text("HTTP 200")
    await expect(trace.locator(".task-states .task-state").last).to_contain_text("completed")
    # The same trace from the message that called the agent.
    mine = page.locator(".msg", has_text="ping").filter(has=page.locator(".badge-person"))
    await expect(mine.get_by_role("button", name=re.compile("Agent trace"))).to_be_visible()
    await screenshot(page, "agents-direct-channel")


async def test_bad_card_shows_its_findings_inline(room: Room, open_page: OpenPage) -> None:
    page = await open_page(room.view("coworkers"))
    await page.get_by_role("button", name="Paste card or workflow").click()
    field = page.get_by_label("Agent card or workflow JSON")
    await field.fill(json.dumps({"name": 42, "url": "", "skills": "all"}))
    await page.get_by_role("button", name="Add coworker").click()

    result = page.locator(".agent-result")
    await expect(result).to_contain_text("cannot be added: 3 errors")
    errors = result.locator(".finding-error")
    await expect(errors.locator(".finding-path")).to_have_text(["$.name", "$.url", "$.skills"])
    await expect(errors.first).to_contain_text("name must be a string")
    await expect(errors.first.locator(".finding-hint")).to_contain_text('Fix: Add "name"')
    warning = result.locator(".finding-warning", has_text="$.capabilities")
    await expect(warning).to_contain_text("no capabilities")
    await screenshot(page, "agents-bad-card")
    # Not JSON at all: said before anything is sent.
    await field.fill("{nope")
    await page.get_by_role("button", name="Add coworker").click()
    await expect(result).to_contain_text("The pasted text is not valid JSON")
    assert await room.server.call("GET", f"/api/v1/organisations/{room.org['id']}/agents") == []


async def test_a_pasted_workflow_becomes_a_coworker(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    stub = await start_agent("workflow")
    other = await start_agent("ping_pong")
    page = await open_page(room.view("coworkers"))
    # Installed elsewhere (here: through the API): the open page hears of it live.
    await install(room, {"base_url": other.url})
    await expect(page.locator('#sidebar a[data-agent="PingPong"]')).to_be_visible()
    await expect(page.locator(".agent-card", has_text="PingPong")).to_be_visible()
    await page.get_by_role("button", name="Paste card or workflow").click()
    workflow = stub.workflow(stub.url)
    await page.get_by_label("Agent card or workflow JSON").fill(json.dumps(workflow))
    await page.get_by_role("button", name="Add coworker").click()

    await expect(page.locator(".agent-result")).to_contain_text("Added History Agent")
    card = page.locator(".agent-card", has_text="History Agent")
    await expect(card.locator(".badge-source")).to_have_text("workflow JSON")
    await expect(card.locator(".effective-url")).to_have_text(stub.rpc_url)
    await card.get_by_role("button", name="Open the direct channel with History Agent").click()
    await send(page, "hello")
    # It reads the channel's history, a list in a data part that only workflow agents get.
    reply = page.locator(".msg-agent .agent-body")
    await expect(reply).to_have_text(re.compile(r"^I see \d+ earlier messages; you said: hello$"))
    assert isinstance(stub.calls[0].body["params"]["message"]["parts"][1]["data"], list)


async def test_mention_autocomplete_and_adding_to_a_channel(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    capitalizer = await start_agent("capitalizer")
    pingpong = await start_agent("ping_pong")
    await install(room, {"base_url": capitalizer.url})
    ping = await install(room, {"card_url": pingpong.card_url})
    await add_to_channel(room, ping)
    page = await open_page(room.url)
    bar = page.locator(".channel-agents")
    await expect(bar.locator('[data-agent="PingPong"]')).to_be_visible()

    # Add the second one from the channel header.
    await bar.get_by_label("Coworker to add to #general").select_option(label="Capitalizer")
    await bar.get_by_role("button", name="Add to channel").click()
    await expect(bar.locator('[data-agent="Capitalizer"]')).to_be_visible()

    composer = page.locator(".composer-text")
    options = page.get_by_role("listbox", name="Coworkers to mention").get_by_role("option")
    await composer.fill("")
    await composer.press_sequentially("hello @")
    await expect(options).to_have_count(2)
    await expect(composer).to_have_attribute("aria-expanded", "true")
    await expect(options.first).to_have_attribute("aria-selected", "true")
    await screenshot(page, "agents-autocomplete")
    await composer.press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await composer.press("Escape")
    await expect(options).to_have_count(0)
    await expect(composer).to_have_value("hello @")  # Escape neither sent nor cleared

    await composer.press_sequentially("ca")
    await expect(options).to_have_text([re.compile("^✦ Capitalizer")])
    await composer.press("Tab")
    await expect(composer).to_have_value("hello @Capitalizer ")
    await composer.press_sequentially("shout")
    await composer.press("Enter")

    reply = page.locator(".msg-agent")
    await expect(reply.locator(".author")).to_have_text("Capitalizer")
    await expect(reply.locator(".agent-body")).to_have_text("HELLO SHOUT")
    assert said(capitalizer) == ["hello shout"]
    assert pingpong.calls == []  # not mentioned, not called
    await screenshot(page, "agents-mention")


async def test_a_pushed_reply_updates_live(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    weather = await start_agent("weather")
    agent = await install(room, {"base_url": weather.url})
    page = await open_page(direct_url(room, agent))
    await send(page, "weather in Lagos")

    mine = page.locator(".msg", has_text="weather in Lagos")
    pending = mine.locator(".agent-pending")
    await expect(pending).to_contain_text("Weather Agent is on it")
    await expect(pending.locator(".task-state")).to_contain_text("working")
    await expect(page.locator(".msg-agent")).to_have_count(0)
    await screenshot(page, "agents-working")

    pushed = await weather.push_now()
    assert pushed.status == 200, pushed.answer
    reply = page.locator(".msg-agent")
    await expect(reply.locator(".agent-body")).to_have_text("Sunny, 31°C")
    await expect(reply.locator(".task-state")).to_contain_text("completed")
    await expect(pending).to_have_count(0)

    await reply.get_by_role("button", name=re.compile("Agent trace")).click()
    trace = reply.locator(".agent-trace")
    await expect(trace.locator(".task-states .task-state")).to_have_text(
        [re.compile("working"), re.compile("completed")]
    )
    push_item = trace.locator(".push-item")
    await expect(push_item.locator(".task-state")).to_contain_text("completed")
    await expect(push_item.locator("pre")).to_contain_text("Sunny, 31°C")
    await expect(trace.locator('.task-delivery[data-kind="agent_push"]')).to_be_visible()

    # The delivery log lists the call and the push under the agent's name.
    await page.goto(room.view("deliveries"))
    await page.get_by_label("Kind").select_option("agent_push")
    row = page.locator(".log-row")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Weather Agent")
    await page.get_by_label("Kind").select_option("")
    await page.get_by_label("Coworker", exact=True).select_option(label="Weather Agent")
    kinds = page.locator(".log-row .kind")
    await expect(kinds).to_have_count(2)
    assert sorted(await kinds.all_inner_texts()) == ["agent", "agent_push"]


async def test_a_streaming_reply_grows_live(
    room: Room, open_page: OpenPage, aiohttp_server: Any
) -> None:
    gate = asyncio.Event()
    stub = stub_agents.StubAgent("Streamer", answer=gated_stream(gate), streaming=True)
    streamer = await stub_agents.start(aiohttp_server, stub)
    agent = await install(room, {"base_url": streamer.url})
    page = await open_page(direct_url(room, agent))
    await send(page, "hi")

    lines = page.locator(".msg-agent .agent-body .part-text")
    await expect(lines).to_have_text(["First line"])
    gate.set()
    await expect(lines).to_have_text(["First line", "Second line"])
    await expect(page.locator(".msg-agent")).to_have_count(1)  # one reply, updated in place
    assert streamer.received[0]["method"] == "message/stream"


async def test_an_agent_waiting_for_input_says_so_until_answered(
    room: Room, open_page: OpenPage, aiohttp_server: Any
) -> None:
    asks = stub_agents.task("input-required", "Which city?", task_id="quiz-1")
    done = stub_agents.task("completed", "Sunny in Lagos", task_id="quiz-1")
    answer = stub_agents.sequence(stub_agents.replies(asks), stub_agents.replies(done))
    stub = await stub_agents.start(aiohttp_server, stub_agents.StubAgent("Forecaster", answer))
    agent = await install(room, {"base_url": stub.url})
    page = await open_page(direct_url(room, agent))

    await send(page, "weather please")
    question = page.locator(".msg-agent", has_text="Which city?")
    await expect(question.locator(".task-state")).to_contain_text("input required")
    waiting = question.locator(".agent-waiting")
    await expect(waiting).to_have_text(
        "Forecaster waits for your answer: your next message here continues its task."
    )
    await send(page, "Lagos")
    answered = page.locator(".msg-agent", has_text="Sunny in Lagos")
    await expect(answered.locator(".task-state")).to_contain_text("completed")
    await expect(waiting).to_have_count(0)
    assert stub.received[1]["params"]["message"]["taskId"] == "quiz-1"


async def test_failed_call_shows_as_an_error_with_its_reason(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    broken = await start_agent("ping_pong", misbehave="rpc_error")
    agent = await install(room, {"base_url": broken.url})
    page = await open_page(direct_url(room, agent))
    await send(page, "ping")
    reply = page.locator(".msg-agent")
    await expect(reply.locator(".agent-failed")).to_contain_text("The agent call failed")
    await expect(reply.locator(".agent-failed")).to_contain_text("-32603")
    await expect(reply.locator(".task-state")).to_contain_text("failed")


async def test_details_override_channels_and_delete(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    stub = await start_agent("capitalizer")
    agent = await install(room, {"base_url": stub.url})
    page = await open_page(room.server.page_url(room.org["id"], view="coworkers"))
    await page.get_by_role("button", name="Details of Capitalizer").first.click()

    await expect(page.get_by_role("heading", name="Capitalizer", level=1)).to_be_visible()
    await expect(page.locator(".skill-name")).to_have_text("Capitalizer")
    await expect(page.locator(".skill-desc")).to_have_text("stub")
    await expect(page.locator(".effective-url").first).to_have_text(stub.rpc_url)
    await page.get_by_role("textbox", name="RPC URL override").fill("http://127.0.0.1:9/elsewhere")
    await page.get_by_role("button", name="Save RPC URL").click()
    await expect(page.locator(".effective-url").first).to_have_text("http://127.0.0.1:9/elsewhere")
    await expect(page.locator(".url-note").first).to_contain_text("your override")

    await page.get_by_role("button", name="Add to #general").click()
    await expect(page.get_by_role("button", name="Remove from #general")).to_be_visible()
    [here] = await room.server.call("GET", f"/api/v1/channels/{room.channel['id']}/agents")
    assert here["id"] == agent["id"]
    await screenshot(page, "agents-details")

    await page.get_by_role("button", name="Delete…").click()
    await page.get_by_role("button", name=re.compile("Really delete Capitalizer")).click()
    await expect(page.get_by_role("heading", name="Coworkers", level=1)).to_be_visible()
    await expect(page.locator('#sidebar a[data-agent="Capitalizer"]')).to_have_count(0)


async def test_agent_content_is_text(
    room: Room, open_page: OpenPage, start_agent: StartAgent
) -> None:
    weather = await start_agent("weather")
    card = weather.card(weather.url) | {"name": HOSTILE, "description": "<script>alert(2)</script>"}
    agent = await install(room, {"card": card})
    page = await open_page(direct_url(room, agent))
    dialogs = watch_dialogs(page)
    await send(page, "go")
    await expect(page.locator(".agent-pending")).to_be_visible()

    task: dict[str, Any] = {
        "kind": "task",
        "id": weather.last_task_id,
        "contextId": agent["direct_channel_id"],
        "status": {"state": "completed"},
    }
    task["artifacts"] = [
        {
            "artifactId": "a1",
            "parts": [
                {"kind": "text", "text": f"text {HOSTILE}"},
                {"kind": "file", "file": {"name": f"{HOSTILE}.png", "mimeType": "image/png", "bytes": PIXEL}},
                {"kind": "file", "file": {"name": "js.txt", "uri": "javascript:window.__pwned=3"}},
                {"kind": "file", "file": {"name": "page.html", "mimeType": "text/html", "bytes": "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="}},
                {"kind": "file", "file": {"name": "report.pdf", "mimeType": "application/pdf", "uri": "https://example.com/r.pdf"}},
                {"kind": "data", "data": {"html": HOSTILE, "n": 1}},
            ],
        }
    ]  # fmt: skip
    pushed = await weather.push_now(task)
    assert pushed.status == 200, pushed.answer

    reply = page.locator(".msg-agent")
    await expect(reply.locator(".author")).to_have_text(HOSTILE)
    body = reply.locator(".agent-body")
    await expect(body.locator(".part-text")).to_have_text(f"text {HOSTILE}")
    image = body.locator("img.part-image")
    await expect(image).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    await expect(image).to_have_attribute("alt", f"{HOSTILE}.png")
    await expect(body.get_by_role("link", name="js.txt")).to_have_count(0)
    await expect(body.locator(".part-file", has_text="js.txt")).to_contain_text("no link")
    # HTML bytes are a download of an octet stream, never a page of the emulator's origin.
    download = body.get_by_role("link", name="page.html")
    await expect(download).to_have_attribute("href", re.compile(r"^data:application/octet-stream;"))
    await expect(download).to_have_attribute("download", "page.html")
    link = body.get_by_role("link", name="report.pdf")
    await expect(link).to_have_attribute("href", "https://example.com/r.pdf")
    await expect(body.locator(".part-data")).to_contain_text('"html": "<img src=x onerror=')
    await expect(page.locator(".channel-agents strong")).to_have_text(HOSTILE)
    await expect(page.locator("#sidebar a[data-agent] .nav-text")).to_have_text(HOSTILE)

    assert await page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert await page.evaluate(DOM_AUDIT) == []
    await screenshot(page, "agents-hostile")
