"""The message fan-out: modifier chain, stored message and trace, outputs, delivery log.

Every integration here is a real aiohttp server (tests/stubs.py). Nothing sleeps: tests
wait on the stubs' request counts, on asyncio.Events, or on `drain()`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiohttp import web
from pydantic import BaseModel, ValidationError

from emulator.config import Config
from tests import stubs
from tests.conftest import Emulator, closed_port


@dataclass
class Room:
    """An organisation and a channel on a running emulator."""

    emulator: Emulator
    org_id: str
    channel_id: str

    async def add(self, stub: stubs.Stub, settings: dict | None = None) -> str:
        """Install `stub` in the organisation and activate it on the channel."""
        installed = await self.emulator.install(self.org_id, stub)
        await self.emulator.activate(self.org_id, installed["id"], self.channel_id, settings)
        return installed["id"]

    async def send(self, content: str, **extra: Any) -> dict[str, Any]:
        path = f"/api/v1/channels/{self.channel_id}/messages"
        body = await self.emulator.call("POST", path, {"content": content, **extra}, 201)
        assert body["status"] == "success"
        return body["data"]

    async def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        query = "&".join(f"{k}={v}" for k, v in {"channel_id": self.channel_id, **filters}.items())
        return await self.emulator.call("GET", f"/-/deliveries?{query}", status=200)


async def make_room(emulator: Emulator) -> Room:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    return Room(emulator, org["id"], channel["id"])


@pytest.fixture
async def room(emulator: Emulator) -> Room:
    return await make_room(emulator)


def append(suffix: str) -> stubs.Reply:
    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        return web.json_response({"message": payload["message"] + suffix, "status": "success"})

    return reply


def never_answers(release: asyncio.Event) -> stubs.Reply:
    """A modifier stuck in slow work: it answers only when the test sets `release`."""

    async def reply(_request: web.Request, _payload: Any) -> web.StreamResponse:
        await release.wait()
        return web.json_response({"message": "too late"})

    return reply


# -- the modifier chain ------------------------------------------------------------------


async def test_modifier_rewrites_and_output_gets_final_text(room: Room, start_stub) -> None:
    modifier = await start_stub(kind="modifier", target=append(" (checked)"))
    output = await start_stub(kind="output", target=stubs.reply_text("", 204))
    modifier_id = await room.add(modifier)
    output_id = await room.add(output)

    sent = await room.send("hello")

    assert sent["content"] == "<p>hello</p> (checked)"
    assert sent["original_content"] == "hello"
    assert sent["source"] == "user"
    (hop,) = sent["trace"]
    assert set(hop) == {
        "integration_id",
        "app_name",
        "outcome",
        "reason",
        "status_code",
        "latency_ms",
        "content_before",
        "content_after",
    }
    assert hop["integration_id"] == modifier_id
    assert hop["app_name"] == "Stub modifier"
    assert (hop["outcome"], hop["reason"], hop["status_code"]) == ("ok", None, 200)
    assert hop["latency_ms"] > 0
    assert hop["content_before"] == "<p>hello</p>"
    assert hop["content_after"] == "<p>hello</p> (checked)"
    (delivered,) = await output.wait_for("/target")
    assert delivered["message"] == "<p>hello</p> (checked)"

    await room.emulator.services.drain()
    (modifier_row,) = await room.deliveries(kind="modifier")
    assert modifier_row["integration_id"] == modifier_id
    assert modifier_row["message_id"] == sent["id"]
    assert modifier_row["outcome"] == "ok"
    assert modifier_row["url"] == f"{modifier.url}/target"
    (output_row,) = await room.deliveries(kind="output")
    assert (output_row["integration_id"], output_row["outcome"]) == (output_id, "ok")
    assert output_row["status_code"] == 204
    assert output_row["message_id"] == sent["id"]

    listed = await room.emulator.call("GET", f"/api/v1/channels/{room.channel_id}/messages")
    assert [m["content"] for m in listed["data"]] == ["<p>hello</p> (checked)"]
    assert listed["data"][0]["trace"] == sent["trace"]


async def test_without_modifiers_the_typed_text_is_stored(room: Room, start_stub) -> None:
    output = await start_stub(kind="output", target=stubs.reply_json({"ok": True}, 202))
    await room.add(output)

    sent = await room.send("a < b & c")

    assert sent["content"] == sent["original_content"] == "a < b & c"
    assert sent["trace"] == []
    (delivered,) = await output.wait_for("/target")
    assert delivered["message"] == "<p>a &lt; b &amp; c</p>"


async def test_text_that_is_already_html_is_sent_as_is(room: Room, start_stub) -> None:
    modifier = await start_stub(kind="modifier", target=stubs.reply_json({"status": "ok"}))
    await room.add(modifier)

    await room.send("<p>hi <b>there</b></p>")

    (body,) = modifier.bodies("/target")
    assert body["message"] == "<p>hi <b>there</b></p>"


async def test_message_format_text(config: Config, make_emulator, start_stub) -> None:
    room = await make_room(await make_emulator(replace(config, message_format="text")))
    modifier = await start_stub(kind="modifier", target=stubs.reply_json({"status": "ok"}))
    await room.add(modifier)

    await room.send("plain & simple")

    (body,) = modifier.bodies("/target")
    assert body["message"] == "plain & simple"


@pytest.mark.parametrize(
    ("reply", "outcome", "status_code", "reason_part"),
    [
        (stubs.reply_json({"error": "not applicable"}, 400), "error", 400, "HTTP 400"),
        (stubs.reply_json({"status": "ok", "username": "bot"}), "skipped", 200, 'no "message"'),
        (
            stubs.reply_json({"status": "error", "message": "model overloaded"}),
            "skipped",
            200,
            'status "error"',
        ),
        (stubs.reply_text("accepted", 202), "skipped", 202, "not JSON"),
        (stubs.reply_json({"message": 42}), "skipped", 200, "not a string"),
        (stubs.reply_json({"message": None}), "skipped", 200, "not a string"),
        (stubs.reply_json(["a", "list"]), "skipped", 200, "not an object"),
        (stubs.reply_text("", 200), "skipped", 200, "empty body"),
        (stubs.reply_json({"message": "boom"}, 500), "error", 500, "HTTP 500"),
    ],
    ids=[
        "400",
        "no-message-key",
        "status-error",
        "202-text",
        "number-message",
        "null-message",
        "json-list",
        "empty-200",
        "500",
    ],
)
async def test_unusable_reply_keeps_text_and_says_why(
    room: Room, start_stub, reply, outcome, status_code, reason_part
) -> None:
    broken = await start_stub(kind="modifier", target=reply)
    after = await start_stub(kind="modifier", target=append("!"))
    broken_id = await room.add(broken)
    await room.add(after)

    sent = await room.send("hi")

    first, second = sent["trace"]
    assert first["integration_id"] == broken_id
    assert (first["outcome"], first["status_code"]) == (outcome, status_code)
    assert reason_part in first["reason"]
    assert "unchanged" in first["reason"]
    assert first["content_before"] == first["content_after"] == "<p>hi</p>"
    # The next modifier still gets the previous text, and the chain goes on.
    (body,) = after.bodies("/target")
    assert body["message"] == "<p>hi</p>"
    assert second["outcome"] == "ok"
    assert sent["content"] == "<p>hi</p>!"

    await room.emulator.services.drain()
    rows = await room.deliveries(kind="modifier", integration_id=broken_id)
    assert [(r["outcome"], r["status_code"]) for r in rows] == [(outcome, status_code)]
    assert rows[0]["reason"] == first["reason"]


async def test_large_reply_is_read_whole(room: Room, start_stub) -> None:
    """A reply bigger than one socket read (~64 KiB) still counts as JSON."""
    big = "y" * 300_000
    await room.add(await start_stub(kind="modifier", target=stubs.reply_json({"message": big})))

    sent = await room.send("hi")

    assert sent["trace"][0]["outcome"] == "ok", sent["trace"][0]["reason"]
    assert sent["content"] == big


async def test_error_status_is_used_with_accept_error_status(
    config: Config, make_emulator, start_stub
) -> None:
    room = await make_room(await make_emulator(replace(config, accept_error_status=True)))
    modifier = await start_stub(
        kind="modifier", target=stubs.reply_json({"status": "error", "message": "rate limited"})
    )
    await room.add(modifier)

    sent = await room.send("hi")

    assert sent["content"] == "rate limited"
    assert sent["trace"][0]["outcome"] == "ok"
    assert "accept-error-status" in sent["trace"][0]["reason"]


async def test_modifier_past_the_budget_is_skipped(
    config: Config, make_emulator, start_stub
) -> None:
    room = await make_room(await make_emulator(replace(config, modifier_timeout_s=0.2)))
    release = asyncio.Event()
    slow = await start_stub(kind="modifier", target=never_answers(release))
    after = await start_stub(kind="modifier", target=append("!"))
    output = await start_stub(kind="output")
    slow_id = await room.add(slow)
    await room.add(after)
    await room.add(output)
    try:
        sent = await room.send("hi")
    finally:
        release.set()  # let the stub's handler finish before its server stops

    hop = sent["trace"][0]
    assert (hop["integration_id"], hop["outcome"]) == (slow_id, "timeout")
    assert hop["status_code"] is None
    assert "0.2 s" in hop["reason"]
    assert after.bodies("/target")[0]["message"] == "<p>hi</p>"
    assert sent["content"] == "<p>hi</p>!"
    (delivered,) = await output.wait_for("/target")
    assert delivered["message"] == "<p>hi</p>!"
    await room.emulator.services.drain()
    rows = await room.deliveries(kind="modifier", integration_id=slow_id)
    assert [r["outcome"] for r in rows] == ["timeout"]


async def test_refused_connection_is_an_error_hop(room: Room, start_stub) -> None:
    stub = await start_stub(kind="modifier")
    modifier_id = await room.add(stub)
    with closed_port() as port:
        dead = f"http://127.0.0.1:{port}/target"  # nothing listens there
        await room.emulator.call(
            "PUT",
            f"/api/v1/organisations/{room.org_id}/integrations/custom/{modifier_id}",
            {"target_url": dead},
            status=200,
        )

        sent = await room.send("hi")

    (hop,) = sent["trace"]
    assert (hop["outcome"], hop["status_code"]) == ("error", None)
    assert "refused" in hop["reason"]
    assert sent["content"] == "hi"
    await room.emulator.services.drain()
    (row,) = await room.deliveries(kind="modifier")
    assert (row["url"], row["outcome"]) == (dead, "error")


async def test_modifier_without_target_url_is_skipped_without_a_request(
    room: Room, start_stub
) -> None:
    stub = await start_stub(kind="modifier")
    stub.extra = {"target_url": "#"}
    modifier_id = await room.add(stub)

    sent = await room.send("hi")

    (hop,) = sent["trace"]
    assert (hop["integration_id"], hop["outcome"], hop["status_code"]) == (
        modifier_id,
        "skipped",
        None,
    )
    assert "target_url" in hop["reason"]
    await room.emulator.services.drain()
    assert stub.bodies("/target") == []
    (row,) = await room.deliveries(kind="modifier")
    assert row["outcome"] == "skipped"
    assert "target_url" in row["reason"]


async def test_chain_order_decides_the_result(room: Room, start_stub) -> None:
    a_id = await room.add(await start_stub(kind="modifier", target=append("A")))
    b_id = await room.add(await start_stub(kind="modifier", target=append("B")))

    first = await room.send("x")
    await room.emulator.call(
        "PUT",
        f"/api/v1/channels/{room.channel_id}/integrations/order",
        {"integration_ids": [b_id, a_id]},
        status=200,
    )
    second = await room.send("x")

    assert first["content"] == "<p>x</p>AB"
    assert [h["integration_id"] for h in first["trace"]] == [a_id, b_id]
    assert second["content"] == "<p>x</p>BA"
    assert [h["integration_id"] for h in second["trace"]] == [b_id, a_id]
    assert [h["content_after"] for h in second["trace"]] == ["<p>x</p>B", "<p>x</p>BA"]


async def test_changes_apply_to_the_next_message(room: Room, start_stub) -> None:
    """Active integrations are cached per channel; every change must clear that."""
    settings = [{"label": "suffix", "type": "text", "required": True, "default": "1"}]
    modifier = await start_stub(kind="modifier", settings=settings, target=append("!"))
    output = await start_stub(kind="output")
    modifier_id = await room.add(modifier)
    output_id = await room.add(output)
    await room.send("first")
    await output.wait_for("/target")

    await room.emulator.activate(room.org_id, modifier_id, room.channel_id, {"suffix": "2"})
    await room.emulator.call(
        "PUT",
        f"/api/v1/organisations/{room.org_id}/integrations/{output_id}"
        f"/channels/{room.channel_id}/settings",
        {"is_active": False},
        status=200,
    )
    await room.send("second")
    await room.emulator.services.drain()

    assert [b["settings"][0]["default"] for b in modifier.bodies("/target")] == ["1", "2"]
    assert len(output.bodies("/target")) == 1


async def test_concurrent_sends_share_a_write_but_not_its_errors(room: Room) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    client = room.emulator.client
    good, bad = await asyncio.gather(
        client.post(f"/api/v1/channels/{room.channel_id}/messages", json={"content": "ok"}),
        client.post(f"/api/v1/channels/{missing}/messages", json={"content": "lost"}),
    )
    assert (good.status, bad.status) == (201, 404)
    assert missing in (await bad.json())["message"]


async def test_group_writer_batches_and_reports_per_item() -> None:
    from emulator.batching import GroupWriter
    from emulator.tasks import TaskTracker

    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[int | BaseException]:
        batches.append(items)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    tasks = TaskTracker()
    writer: GroupWriter[int, int] = GroupWriter(write, tasks, "test writer")
    results = await asyncio.gather(*(writer.submit(i) for i in range(5)), return_exceptions=True)
    writer.put(6)
    await tasks.drain()

    assert batches == [[0, 1, 2, 3, 4], [6]]
    assert [r if isinstance(r, int) else str(r) for r in results] == [0, "odd 1", 20, "odd 3", 40]


# -- outputs and targets -----------------------------------------------------------------


async def test_outputs_are_called_concurrently(room: Room, start_stub) -> None:
    """Each output answers only once the other's request has arrived: sequential
    delivery would make the first one give up (500) instead of both answering 202."""
    peers: dict[str, stubs.Stub] = {}

    def wait_for_peer(peer: str) -> stubs.Reply:
        async def reply(_request: web.Request, _payload: Any) -> web.StreamResponse:
            try:
                await peers[peer].wait_for("/target", timeout_s=5)
            except TimeoutError:
                return web.json_response({"error": "the other output was not called"}, status=500)
            return web.json_response({"status": "accepted"}, status=202)

        return reply

    peers["a"] = await start_stub(kind="output", target=wait_for_peer("b"))
    peers["b"] = await start_stub(kind="output", target=wait_for_peer("a"))
    ids = {await room.add(peers["a"]), await room.add(peers["b"])}

    sent = await room.send("both at once")
    await room.emulator.services.drain()

    rows = await room.deliveries(kind="output", message_id=sent["id"])
    assert {r["integration_id"] for r in rows} == ids
    assert [(r["outcome"], r["status_code"]) for r in rows] == [("ok", 202), ("ok", 202)]


async def test_output_failures_are_logged(room: Room, start_stub) -> None:
    failing = await start_stub(kind="output", target=stubs.reply_text("nope", 503))
    failing_id = await room.add(failing)
    empty = await start_stub(kind="output")
    empty.extra = {"target_url": "none"}
    empty_id = await room.add(empty)

    await room.send("hi")
    await room.emulator.services.drain()

    rows = {r["integration_id"]: r for r in await room.deliveries(kind="output")}
    assert (rows[failing_id]["outcome"], rows[failing_id]["status_code"]) == ("error", 503)
    assert rows[failing_id]["reason"] == "HTTP 503"
    assert rows[failing_id]["response_body"] == "nope"
    assert rows[empty_id]["outcome"] == "skipped"
    assert "target_url" in rows[empty_id]["reason"]
    assert empty.bodies("/target") == []


INTERVAL_SETTINGS = [
    {"label": "interval", "type": "text", "required": True, "default": "0 * * * *"}
]


async def test_interval_with_target_url_gets_messages(room: Room, start_stub) -> None:
    with_target = await start_stub(kind="interval", settings=INTERVAL_SETTINGS)
    with_target.extra = {"target_url": f"{with_target.url}/target"}
    target_id = await room.add(with_target)
    without = await start_stub(kind="interval", settings=INTERVAL_SETTINGS)
    await room.add(without)
    telex_webhook = await start_stub(kind="interval", settings=INTERVAL_SETTINGS)
    telex_webhook.extra = {"target_url": "https://ping.telex.im/v1/webhooks/0192-abc"}
    await room.add(telex_webhook)

    sent = await room.send("hi")
    await room.emulator.services.drain()

    (body,) = with_target.bodies("/target")
    assert body["message"] == "<p>hi</p>"
    assert body["settings"] == INTERVAL_SETTINGS
    rows = await room.deliveries(message_id=sent["id"])
    assert [(r["kind"], r["integration_id"], r["outcome"]) for r in rows] == [
        ("target", target_id, "ok")
    ]
    assert without.bodies("/target") == []
    assert telex_webhook.bodies("/target") == []


async def test_inactive_integrations_get_nothing(room: Room, start_stub) -> None:
    modifier = await start_stub(kind="modifier", target=append("!"))
    output = await start_stub(kind="output")
    never_activated = await start_stub(kind="output")
    for stub in (modifier, output):
        integration_id = await room.add(stub)
        path = (
            f"/api/v1/organisations/{room.org_id}/integrations/{integration_id}"
            f"/channels/{room.channel_id}/settings"
        )
        await room.emulator.call("PUT", path, {"is_active": False}, status=200)
    await room.emulator.install(room.org_id, never_activated)
    other_channel = await room.emulator.channel(room.org_id, "elsewhere")
    elsewhere = await start_stub(kind="output")
    installed = await room.emulator.install(room.org_id, elsewhere)
    await room.emulator.activate(room.org_id, installed["id"], other_channel["id"])

    sent = await room.send("hi")
    await room.emulator.services.drain()

    assert sent["trace"] == []
    assert sent["content"] == "hi"
    for stub in (modifier, output, never_activated, elsewhere):
        assert stub.bodies("/target") == []
    assert await room.deliveries() == []


# -- payloads ----------------------------------------------------------------------------


MIXED_SETTINGS = [
    {"label": "limit", "type": "number", "required": "true", "default": "1000"},
    {"label": "retries", "type": "number", "default": 3, "description": "how often"},
    {"label": "notify", "type": "checkbox", "required": False, "default": "Yes"},
    {
        "label": "mode",
        "type": "dropdown",
        "required": True,
        "default": "fast",
        "options": ["fast", "slow"],
    },
    {"label": "token", "type": "text", "required": False},
]


async def test_payload_key_by_key(room: Room, start_stub) -> None:
    modifier = await start_stub(kind="modifier", settings=MIXED_SETTINGS)
    output = await start_stub(kind="output", settings=MIXED_SETTINGS)
    modifier_id = await room.add(modifier, settings={"mode": "slow"})
    await room.add(output)
    await room.emulator.call(
        "PUT",
        f"/api/v1/organisations/{room.org_id}/integrations/custom/{modifier_id}/settings",
        {"settings": {"limit": 50, "retries": "7", "notify": False}},
        status=200,
    )

    root = await room.send("first")
    reply = await room.send("second", thread_id=root["id"])
    await room.emulator.services.drain()

    first, second = modifier.bodies("/target")
    assert list(first) == [
        "message",
        "channel_id",
        "org_id",
        "thread_id",
        "user_type",
        "settings",
        "auth_settings",
    ]
    assert first["message"] == "<p>first</p>"
    assert first["channel_id"] == room.channel_id
    assert first["org_id"] == room.org_id
    assert first["thread_id"] == ""
    assert first["user_type"] == "user"
    assert first["auth_settings"] == {"integration_auth_credentials": "", "telex_api_key": ""}
    # Declared order and keys; each value typed like its declared default; required a bool.
    assert first["settings"] == [
        {"label": "limit", "type": "number", "required": True, "default": "50"},
        {"label": "retries", "type": "number", "default": 7, "description": "how often"}
        | {"required": False},
        {"label": "notify", "type": "checkbox", "required": False, "default": "No"},
        {
            "label": "mode",
            "type": "dropdown",
            "required": True,
            "default": "slow",
            "options": ["fast", "slow"],
        },
        {"label": "token", "type": "text", "required": False, "default": ""},
    ]
    assert [list(item) for item in first["settings"]] == [
        ["label", "type", "required", "default"],
        ["label", "type", "default", "description", "required"],
        ["label", "type", "required", "default"],
        ["label", "type", "required", "default", "options"],
        ["label", "type", "required", "default"],
    ]
    assert second["thread_id"] == root["id"]
    assert reply["thread_id"] == root["id"]
    assert second["message"] == "<p>second</p>"

    out_first, out_second = output.bodies("/target")
    # The output has its own (untouched) values: the declared defaults come back as declared,
    # and an item that declared none gets the type's empty value.
    assert out_first["settings"] == [
        {"default": "", **item, "required": item.get("required") in (True, "true")}
        for item in MIXED_SETTINGS
    ]
    assert (out_first["thread_id"], out_second["thread_id"]) == ("", root["id"])
    assert out_first["org_id"] == room.org_id


async def test_unknown_thread_is_refused_before_any_modifier_runs(room: Room, start_stub) -> None:
    modifier = await start_stub(kind="modifier")
    await room.add(modifier)

    refused = await room.emulator.call(
        "POST",
        f"/api/v1/channels/{room.channel_id}/messages",
        {"content": "hi", "thread_id": "00000000-0000-0000-0000-000000000000"},
        status=404,
    )

    assert "thread_id" in refused["message"]
    assert modifier.bodies("/target") == []


async def test_unknown_channel_is_404(emulator: Emulator) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    refused = await emulator.call(
        "POST", f"/api/v1/channels/{missing}/messages", {"content": "hi"}, status=404
    )
    assert refused["status"] == "error"


class StrictSetting(BaseModel):
    """Like 27 of 30 Python integrations: every value typed `str`, `required` demanded."""

    label: str
    type: str
    required: bool
    default: str


class StrictPayload(BaseModel):
    message: str
    channel_id: str
    org_id: str
    thread_id: str
    user_type: str
    settings: list[StrictSetting]


STRICT_SPEC_SETTINGS = [
    {"label": "max length", "type": "number", "required": "true", "default": "280"},
    {"label": "shout", "type": "checkbox", "default": "Yes"},
    {"label": "language", "type": "dropdown", "default": "en", "options": ["en", "fr"]},
    {"label": "prefix", "type": "text", "required": False, "default": ""},
]


def strict_python_modifier() -> stubs.Reply:
    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        try:
            parsed = StrictPayload.model_validate(payload)
        except ValidationError as exc:
            return web.json_response({"detail": exc.errors(include_url=False)}, status=422)
        return web.json_response({"message": parsed.message + " [py]", "status": "success"})

    return reply


GO_SPEC_SETTINGS = [
    {"label": "threshold", "type": "number", "required": True, "default": 10},
    {"label": "ratio", "type": "number", "required": True, "default": 0.5},
    {"label": "enabled", "type": "checkbox", "required": True, "default": True},
    {"label": "name", "type": "text", "required": True, "default": "go"},
]


def go_style_modifier() -> stubs.Reply:
    """Like the official Go example: json.Unmarshal into float64/bool fields fails on strings."""

    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        problems = []
        for item in payload["settings"]:
            value = item["default"]
            if item["type"] == "number" and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                problems.append(f"{item['label']}: cannot unmarshal {value!r} into float64")
            if item["type"] == "checkbox" and not isinstance(value, bool):
                problems.append(f"{item['label']}: cannot unmarshal {value!r} into bool")
            if not isinstance(item["required"], bool):
                problems.append(f"{item['label']}: required is not a bool")
        if problems:
            return web.json_response({"error": problems}, status=400)
        return web.json_response({"message": payload["message"] + " [go]"})

    return reply


async def test_strict_python_and_go_integrations_accept_our_payloads(
    room: Room, start_stub
) -> None:
    python = await start_stub(
        kind="modifier", settings=STRICT_SPEC_SETTINGS, target=strict_python_modifier()
    )
    go = await start_stub(kind="modifier", settings=GO_SPEC_SETTINGS, target=go_style_modifier())
    await room.add(python, settings={"max length": 100, "shout": False})
    await room.add(go, settings={"threshold": "25", "enabled": "no"})

    sent = await room.send("hi")

    assert [(h["outcome"], h["status_code"]) for h in sent["trace"]] == [("ok", 200), ("ok", 200)]
    assert sent["content"] == "<p>hi</p> [py] [go]"
    (py_body,) = python.bodies("/target")
    assert [item["default"] for item in py_body["settings"]] == ["100", "No", "en", ""]
    (go_body,) = go.bodies("/target")
    assert [item["default"] for item in go_body["settings"]] == [25, 0.5, False, "go"]


async def test_settings_as_strings(config: Config, make_emulator, start_stub) -> None:
    room = await make_room(await make_emulator(replace(config, settings_as_strings=True)))
    python = await start_stub(
        kind="modifier", settings=GO_SPEC_SETTINGS, target=strict_python_modifier()
    )
    go = await start_stub(kind="modifier", settings=GO_SPEC_SETTINGS, target=go_style_modifier())
    await room.add(python)
    await room.add(go)

    sent = await room.send("hi")

    (body,) = python.bodies("/target")
    assert [item["default"] for item in body["settings"]] == ["10", "0.5", "true", "go"]
    assert all(item["required"] is True for item in body["settings"])
    # The switch trades one kind of integration for the other.
    assert [h["outcome"] for h in sent["trace"]] == ["ok", "error"]
    assert sent["trace"][1]["status_code"] == 400
