"""Return webhooks (CONTRACT §1.5, §2.4) and their correlation with ticks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from emulator.config import Config
from emulator.ticks.return_bodies import Received, body_problems, parse
from tests import stubs
from tests.conftest import Emulator, replace

EVERY_5 = {"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}
GOOD = {"message": "CPU at 93%", "username": "Monitor", "event_name": "cpu", "status": "error"}
TELEX_VERDICT = {
    "status": "error",
    "status_code": 400,
    "message": "timestamp is not an allowed value, event_name is missing, username is missing",
}
PATHS = ["/v1/webhooks/{}", "/v1/return/{}", "/api/v1/return/{}", "/webhooks/feed/{}"]


async def post(
    emulator: Emulator, channel_id: str, body: Any = None, *, path: str = PATHS[0], **kwargs: Any
) -> dict[str, Any]:
    """POST to a webhook path; it always answers 202 with a verdict body."""
    if body is not None:
        kwargs["json"] = body
    response = await emulator.client.post(path.format(channel_id), **kwargs)
    assert response.status == 202
    return await response.json()


async def new_channel(emulator: Emulator) -> str:
    org = await emulator.org()
    return (await emulator.channel(org["id"]))["id"]


async def messages(emulator: Emulator, channel_id: str) -> list[dict[str, Any]]:
    return (await emulator.call("GET", f"/api/v1/channels/{channel_id}/messages", status=200))[
        "data"
    ]


async def returns(emulator: Emulator, query: str = "") -> list[dict[str, Any]]:
    return await emulator.call("GET", f"/-/returns{query}", status=200)


@pytest.fixture
async def lenient(config: Config, make_emulator: Any) -> Emulator:
    return await make_emulator(replace(config, returns_mode="lenient"))


# -- verdicts ----------------------------------------------------------------------------


def test_body_problems_in_telex_words_and_order() -> None:
    assert body_problems({"message": "hi", "timestamp": "now"}) == [
        "timestamp is not an allowed value",
        "event_name is missing",
        "username is missing",
    ]
    assert body_problems(GOOD) == []
    assert body_problems({**GOOD, "status": "whatever"}) == []  # liberal on status
    assert body_problems({**GOOD, "status": 3}) == ["status must be a string"]
    assert body_problems({**GOOD, "message": ""}) == ["message is missing"]
    assert body_problems({**GOOD, "username": 7}) == ["username must be a string"]
    assert body_problems({}) == [
        "event_name is missing",
        "message is missing",
        "username is missing",
    ]


def test_parse_form_and_double_encoded_bodies() -> None:
    form = parse(
        Received("c", "/", "POST", "application/x-www-form-urlencoded", b"message=hi&username=u"),
        1000,
    )
    assert form.fields == {"message": "hi", "username": "u"}
    assert "form-encoded" in form.problems[0]
    twice = parse(
        Received("c", "/", "POST", "application/json", json.dumps(json.dumps(GOOD)).encode()), 1000
    )
    assert twice.fields == GOOD
    assert "encoded twice" in twice.problems[0]
    assert parse(Received("c", "/", "POST", None, b"[1]"), 1000).fatal.startswith(
        "the body is a JSON list"
    )
    assert "UTF-8" in (parse(Received("c", "/", "POST", None, b"\xff\xfe"), 1000).fatal or "")


async def test_valid_body_is_accepted_and_posted(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    with emulator.services.hub.subscribe() as sub:
        verdict = await post(emulator, channel_id, GOOD)
        types = []
        while len(types) < 2:
            event = await asyncio.wait_for(sub.next(), 5)
            assert event is not None
            types.append(event.type)
    assert types == ["return.received", "message.created"]
    assert verdict["status"] == "success"
    assert verdict["status_code"] == 202
    assert verdict["message"]
    (message,) = await messages(emulator, channel_id)
    assert message["content"] == "CPU at 93%"
    assert (message["username"], message["event_name"], message["status"]) == (
        "Monitor",
        "cpu",
        "error",
    )
    assert message["source"] == "webhook"
    assert message["warning"] is None
    (record,) = await returns(emulator)
    assert record["accepted"] is True
    assert record["verdict"] == verdict
    assert record["message_id"] == message["id"]
    assert json.loads(record["body"]) == GOOD
    assert record["correlation"] == "orphan"
    assert record["tick_id"] is None


@pytest.mark.parametrize("path", PATHS)
async def test_every_return_path_works(emulator: Emulator, path: str) -> None:
    channel_id = await new_channel(emulator)
    verdict = await post(emulator, channel_id, GOOD, path=path)
    assert verdict["status"] == "success"
    assert len(await messages(emulator, channel_id)) == 1
    (record,) = await returns(emulator)
    assert record["path"] == path.format(channel_id)


async def test_strict_reproduces_telex_verdict_and_posts_nothing(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    body = {"message": "hi", "timestamp": "2025-01-01T00:00:00Z"}

    verdict = await post(emulator, channel_id, body)

    assert verdict == TELEX_VERDICT
    assert await messages(emulator, channel_id) == []
    (record,) = await returns(emulator)
    assert record["accepted"] is False
    assert record["verdict"] == TELEX_VERDICT
    assert json.loads(record["body"]) == body


async def test_lenient_posts_with_a_visible_warning(lenient: Emulator) -> None:
    channel_id = await new_channel(lenient)
    body = {"message": "hi", "timestamp": "2025-01-01T00:00:00Z"}

    verdict = await post(lenient, channel_id, body)

    assert verdict["status"] == "success"
    assert verdict["status_code"] == 202
    assert TELEX_VERDICT["message"] in verdict["message"]
    (message,) = await messages(lenient, channel_id)
    assert message["content"] == "hi"
    assert message["username"] == "integration"  # nothing to name it after
    assert message["warning"] == f"real Telex would reject this body: {TELEX_VERDICT['message']}"
    (record,) = await returns(lenient)
    assert record["accepted"] is True
    assert record["warning"] == message["warning"]


async def test_lenient_posts_non_json_as_text(lenient: Emulator) -> None:
    channel_id = await new_channel(lenient)
    verdict = await post(lenient, channel_id, data=b"plain words")
    assert verdict["status"] == "success"
    (message,) = await messages(lenient, channel_id)
    assert message["content"] == "plain words"
    assert "not valid JSON" in message["warning"]


async def test_non_json_body_gets_a_clear_verdict(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    verdict = await post(
        emulator, channel_id, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert verdict["status"] == "error"
    assert verdict["status_code"] == 400
    assert "not valid JSON" in verdict["message"]
    assert "Content-Type: application/json" in verdict["message"]
    empty = await post(emulator, channel_id, data=b"")
    assert "empty" in empty["message"]
    assert await messages(emulator, channel_id) == []
    assert len(await returns(emulator)) == 2


async def test_form_encoded_json_string_gets_a_clear_verdict(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    verdict = await post(
        emulator,
        channel_id,
        data=json.dumps(GOOD).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert verdict["status_code"] == 400
    assert "application/x-www-form-urlencoded" in verdict["message"]
    assert "Content-Type: application/json" in verdict["message"]
    (record,) = await returns(emulator)
    assert record["content_type"] == "application/x-www-form-urlencoded"
    form = await post(emulator, channel_id, data={"message": "hi", "username": "u"})
    assert "form-encoded" in form["message"]
    twice = await post(emulator, channel_id, json.dumps(GOOD))
    assert "encoded twice" in twice["message"]
    assert await messages(emulator, channel_id) == []


async def test_get_variant_takes_query_parameters(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    response = await emulator.client.get(f"/v1/webhooks/{channel_id}", params=GOOD)
    assert response.status == 202
    assert (await response.json())["status"] == "success"
    (message,) = await messages(emulator, channel_id)
    assert (message["content"], message["username"]) == ("CPU at 93%", "Monitor")
    response = await emulator.client.get(f"/v1/webhooks/{channel_id}", params={"message": "x"})
    assert (await response.json())["message"] == "event_name is missing, username is missing"
    records = await returns(emulator)
    assert {r["method"] for r in records} == {"GET"}


async def test_unknown_channel_is_a_404_verdict(emulator: Emulator) -> None:
    verdict = await post(emulator, "00000000-0000-0000-0000-000000000000", GOOD)
    assert verdict["status"] == "error"
    assert verdict["status_code"] == 404
    assert "does not exist" in verdict["message"]
    (record,) = await returns(emulator)
    assert record["accepted"] is False
    assert record["correlation"] == "orphan"


async def test_body_over_the_limit_is_refused(config: Config, make_emulator: Any) -> None:
    small = await make_emulator(replace(config, max_body_bytes=200))
    channel_id = await new_channel(small)
    verdict = await post(small, channel_id, {**GOOD, "message": "x" * 500})
    assert verdict["status_code"] == 400
    assert "200-byte limit" in verdict["message"]
    assert await messages(small, channel_id) == []


async def test_unknown_status_is_accepted_with_a_note(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    verdict = await post(emulator, channel_id, {**GOOD, "status": "ok"})
    assert verdict["status"] == "success"
    (message,) = await messages(emulator, channel_id)
    assert message["status"] == "ok"
    assert "not one of" in message["warning"]


async def test_auth_headers_are_ignored(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    verdict = await post(emulator, channel_id, GOOD, headers={"Authorization": "Bearer nope"})
    assert verdict["status"] == "success"


async def test_fanout_webhook_messages_goes_through_fanout(
    config: Config, make_emulator: Any
) -> None:
    fanned = await make_emulator(replace(config, fanout_webhook_messages=True))
    channel_id = await new_channel(fanned)
    assert (await post(fanned, channel_id, GOOD))["status"] == "success"
    await fanned.services.drain()
    (message,) = await messages(fanned, channel_id)
    assert message["source"] == "webhook"


# -- ticks and returns together ------------------------------------------------------------


def tick_then_return(
    body: dict[str, Any], sent: list[Any]
) -> tuple[stubs.Reply, Callable[[], Awaitable[None]]]:
    """A tick route that answers 202 at once and posts `body` to return_url afterwards."""
    tasks: set[asyncio.Task[None]] = set()

    async def post_back(url: str) -> None:
        async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
            sent.append((response.status, await response.json()))

    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        task = asyncio.create_task(post_back(payload["return_url"]))
        tasks.add(task)
        return web.Response(status=202, text="accepted")

    async def finish() -> None:
        await asyncio.gather(*tasks)

    return reply, finish


async def test_tick_then_return_produces_a_channel_message(emulator: Emulator, start_stub) -> None:
    sent: list[Any] = []
    reply, finish = tick_then_return(GOOD, sent)
    stub = await start_stub(kind="interval", settings=[EVERY_5], tick=reply)
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    integration = await emulator.install(org["id"], stub)
    await emulator.activate(org["id"], integration["id"], channel["id"])

    with emulator.services.hub.subscribe() as sub:
        data = await emulator.call("POST", "/-/clock/advance", {"seconds": 300}, status=200)
        async with asyncio.timeout(5):
            while (event := await sub.next()) is not None and event.type != "return.received":
                pass
    await finish()

    (tick,) = data["ticks"]
    assert event is not None
    assert event.data["tick_id"] == tick["id"]
    assert sent == [(202, {"status": "success", "status_code": 202, "message": "message received"})]
    (message,) = await messages(emulator, channel["id"])
    assert message["content"] == GOOD["message"]
    assert message["integration_id"] == integration["id"]
    (record,) = await returns(emulator)
    assert record["correlation"] == "matched"
    assert record["integration_id"] == integration["id"]


async def test_correlation_matched_late_orphan(lenient: Emulator, start_stub) -> None:
    stub = await start_stub(
        kind="interval",
        settings=[],  # ticks on demand only, so advancing fires nothing
        extra={
            "permissions": {
                "monitoring_user": {"always_online": True, "display_name": "Uptime Bot"}
            }
        },
    )
    org = await lenient.org()
    channel = await lenient.channel(org["id"])
    quiet = await lenient.channel(org["id"], "quiet")
    integration = await lenient.install(org["id"], stub)
    await lenient.activate(org["id"], integration["id"], channel["id"])
    body = {"integration_id": integration["id"], "channel_id": channel["id"]}
    tick = await lenient.call("POST", "/-/ticks", body, status=200)

    await post(lenient, channel["id"], {"message": "right away"})
    await lenient.call(
        "POST",
        "/-/clock/advance",
        {"seconds": lenient.config.late_return_after_s + 1},
        status=200,
    )
    await post(lenient, channel["id"], GOOD)
    await post(lenient, quiet["id"], GOOD)

    matched = await returns(lenient, "?correlation=matched")
    assert [r["tick_id"] for r in matched] == [tick["id"]]
    late = await returns(lenient, "?correlation=late")
    assert [r["tick_id"] for r in late] == [tick["id"]]
    orphan = await returns(lenient, "?correlation=orphan")
    assert [(r["channel_id"], r["tick_id"]) for r in orphan] == [(quiet["id"], None)]
    assert len(await returns(lenient, f"?channel_id={channel['id']}")) == 2
    await lenient.call("GET", "/-/returns?correlation=soon", status=422)
    # lenient: a body without username is shown under the integration's display name
    first = (await messages(lenient, channel["id"]))[0]
    assert (first["content"], first["username"]) == ("right away", "Uptime Bot")
    assert first["integration_id"] == integration["id"]


async def test_concurrent_bodies_each_get_their_own_verdict(emulator: Emulator) -> None:
    channel_id = await new_channel(emulator)
    other = await new_channel(emulator)
    bodies = [
        (channel_id, {**GOOD, "message": f"good {n}"})
        if n % 3
        else (other if n % 2 else channel_id, {"message": f"bad {n}", "timestamp": "x"})
        for n in range(60)
    ]

    verdicts = await asyncio.gather(*(post(emulator, c, body) for c, body in bodies))

    for (_, body), answer in zip(bodies, verdicts, strict=True):
        expected = "success" if body["message"].startswith("good") else "error"
        assert answer["status"] == expected, (body, answer)
    stored = await messages(emulator, channel_id)
    assert sorted(m["content"] for m in stored) == sorted(
        b["message"] for _, b in bodies if b["message"].startswith("good")
    )
    assert len(await returns(emulator, "?limit=1000")) == 60
    assert len(await returns(emulator, f"?channel_id={other}")) == 10
