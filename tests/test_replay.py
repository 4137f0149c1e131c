"""Replay and diff: stored messages through the integrations as they are now.

Every integration is a real stub server whose behaviour a test changes between the
original send and the replay.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from emulator.replay_diff import compare_hops, text_diff
from tests import stub_agents, stubs
from tests.conftest import Emulator
from tests.stub_agents import StubAgent


def append(suffix: str) -> stubs.Reply:
    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        return web.json_response({"message": payload["message"] + suffix})

    return reply


async def setup(emulator: Emulator, *modifiers: stubs.Stub) -> tuple[str, str, list[str]]:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    ids = []
    for stub in modifiers:
        installed = await emulator.install(org["id"], stub)
        await emulator.activate(org["id"], installed["id"], channel["id"])
        ids.append(installed["id"])
    return org["id"], channel["id"], ids


async def send(emulator: Emulator, channel_id: str, text: str) -> dict[str, Any]:
    path = f"/api/v1/channels/{channel_id}/messages"
    return (await emulator.call("POST", path, {"content": text}, 201))["data"]


async def test_a_changed_modifier_shows_as_a_diff_and_nothing_is_stored(
    emulator: Emulator, start_stub: Any
) -> None:
    modifier = await start_stub(target=stubs.reply_upper())
    _, channel_id, (modifier_id,) = await setup(emulator, modifier)
    first = await send(emulator, channel_id, "hello")
    second = await send(emulator, channel_id, "<p>SAME</p>")
    assert first["content"] == "<P>HELLO</P>"

    modifier.target = append(" [v2]")  # the author changed their modifier
    replay = await emulator.call(
        "POST", "/-/replay", {"message_ids": [first["id"], second["id"]]}, 200
    )

    assert replay["summary"] == {"total": 2, "changed": 2, "unchanged": 0, "errors": 0}
    one = replay["results"][0]
    assert one["message_id"] == first["id"]
    assert one["then_content"] == "<P>HELLO</P>"
    assert one["now_content"] == "<p>hello</p> [v2]"
    assert one["changed"] is True
    assert "-<P>HELLO</P>" in one["diff"]
    assert "+<p>hello</p> [v2]" in one["diff"]
    (hop,) = one["hops"]
    assert hop["integration_id"] == modifier_id
    assert hop["change"] == "kept"
    assert hop["differs"] is True
    assert hop["then"]["outcome"] == hop["now"]["outcome"] == "ok"
    assert hop["now"]["content_after"] == "<p>hello</p> [v2]"
    # The modifier got the message as typed, exactly as a new message is sent.
    assert modifier.bodies("/target")[-2]["message"] == "<p>hello</p>"

    messages = await emulator.call("GET", f"/api/v1/channels/{channel_id}/messages", status=200)
    assert [m["content"] for m in messages["data"]] == ["<P>HELLO</P>", "<P>SAME</P>"]
    hops = await emulator.call("GET", f"/-/deliveries?channel_id={channel_id}", status=200)
    assert len(hops) == 2  # the replay logged no deliveries

    kept = await emulator.call("GET", "/-/replays", status=200)
    assert [r["id"] for r in kept] == [replay["id"]]


async def test_an_unchanged_modifier_replays_unchanged(emulator: Emulator, start_stub: Any) -> None:
    modifier = await start_stub(target=stubs.reply_upper())
    _, channel_id, _ = await setup(emulator, modifier)
    for text in ("a", "b", "c"):
        await send(emulator, channel_id, text)
    replay = await emulator.call("POST", "/-/replay", {"channel_id": channel_id, "limit": 2}, 200)
    assert replay["summary"]["total"] == 2
    assert replay["summary"]["unchanged"] == 2
    assert [r["original_content"] for r in replay["results"]] == ["b", "c"]
    assert all(r["diff"] == "" and not r["changed"] for r in replay["results"])


async def test_hops_added_removed_and_reordered(emulator: Emulator, start_stub: Any) -> None:
    first = await start_stub(target=append("1"))
    second = await start_stub(target=append("2"))
    org_id, channel_id, (first_id, second_id) = await setup(emulator, first, second)
    sent = await send(emulator, channel_id, "x")
    assert sent["content"] == "<p>x</p>12"

    await emulator.call(
        "PUT",
        f"/api/v1/channels/{channel_id}/integrations/order",
        {"integration_ids": [second_id, first_id]},
        200,
    )
    replay = await emulator.call("POST", "/-/replay", {"message_ids": [sent["id"]]}, 200)
    result = replay["results"][0]
    assert result["now_content"] == "<p>x</p>21"
    assert [(h["integration_id"], h["change"]) for h in result["hops"]] == [
        (second_id, "moved"),
        (first_id, "moved"),
    ]

    third = await start_stub(target=append("3"))
    installed = await emulator.install(org_id, third)
    await emulator.activate(org_id, installed["id"], channel_id)
    path = f"/api/v1/organisations/{org_id}/integrations/{first_id}/channels/{channel_id}/settings"
    await emulator.call("PUT", path, {"is_active": False}, 200)
    replay = await emulator.call("POST", "/-/replay", {"message_ids": [sent["id"]]}, 200)
    changes = [(h["integration_id"], h["change"]) for h in replay["results"][0]["hops"]]
    assert changes == [(second_id, "kept"), (installed["id"], "added"), (first_id, "removed")]
    assert replay["results"][0]["now_content"] == "<p>x</p>23"


async def test_outputs_get_the_replay_only_when_asked(emulator: Emulator, start_stub: Any) -> None:
    output = await start_stub(kind="output")
    _, channel_id, _ = await setup(emulator, output)
    sent = await send(emulator, channel_id, "hi")
    await output.wait_for("/target", 1)
    await emulator.call("POST", "/-/replay", {"message_ids": [sent["id"]]}, 200)
    await emulator.call("POST", "/-/drain", status=200)
    assert len(output.bodies("/target")) == 1
    await emulator.call("POST", "/-/replay", {"message_ids": [sent["id"]], "outputs": True}, 200)
    bodies = await output.wait_for("/target", 2)
    assert bodies[1]["message"] == "<p>hi</p>"


async def test_bad_replay_requests_say_what_is_wrong(emulator: Emulator) -> None:
    cases = [
        ({}, "$"),
        ({"message_ids": [], "channel_id": "x"}, "$"),
        ({"message_ids": "abc"}, "message_ids"),
        ({"channel_id": "c", "limit": 0}, "limit"),
        ({"channel_id": "c", "since": "yesterday"}, "since"),
        ({"message_ids": ["nope"]}, "message_ids[0]"),
        ({"message_ids": ["a"], "colour": 1}, "colour"),
    ]
    for body, path in cases:
        answer = await emulator.call("POST", "/-/replay", body, 422)
        paths = [e["path"] for e in answer["data"]["errors"]]
        assert path in paths, (body, answer)
        assert all(e["hint"] for e in answer["data"]["errors"])
    await emulator.call("POST", "/-/replay", {"channel_id": "missing"}, 404)


async def test_a_replayed_tick_diffs_what_it_returned(emulator: Emulator, start_stub: Any) -> None:
    texts = ["up: 3 sites"]
    async with aiohttp.ClientSession() as session:

        async def tick(_request: web.Request, payload: Any) -> web.StreamResponse:
            # Posts its return before answering, as many interval integrations do.
            body = {"message": texts[0], "username": "monitor", "event_name": "check"}
            async with session.post(payload["return_url"], json=body) as answer:
                assert answer.status == 202
            return web.Response(status=202)

        interval = await start_stub(
            kind="interval",
            tick=tick,
            settings=[
                {"label": "interval", "type": "text", "required": True, "default": "* * * * *"}
            ],
        )
        _, channel_id, (interval_id,) = await setup(emulator, interval)
        old = await emulator.call(
            "POST", "/-/ticks", {"integration_id": interval_id, "channel_id": channel_id}, 200
        )
        texts[0] = "up: 2 sites, down: 1"
        replay = await emulator.call("POST", "/-/replay", {"tick_ids": [old["id"]]}, 200)
    (result,) = replay["results"]
    assert replay["kind"] == "ticks"
    assert result["then_content"] == "up: 3 sites"
    assert result["now_content"] == "up: 2 sites, down: 1"
    assert result["changed"] is True
    assert result["returns_now"] == 1
    assert "+up: 2 sites, down: 1" in result["diff"]
    assert result["now"]["outcome"] == "ok"
    assert result["new_tick_id"] != old["id"]


def test_text_diff_and_hop_comparison_are_pure() -> None:
    assert text_diff("same", "same") == ""
    diff = text_diff("a\nb", "a\nc")
    assert diff.splitlines()[:2] == ["--- then", "+++ now"]
    assert "-b" in diff
    assert "+c" in diff
    then = [{"integration_id": "1", "outcome": "ok"}, {"integration_id": "2", "outcome": "ok"}]
    now = [{"integration_id": "2", "outcome": "ok"}, {"integration_id": "1", "outcome": "error"}]
    hops = compare_hops(then, now)
    assert [(h["integration_id"], h["change"], h["differs"]) for h in hops] == [
        ("2", "moved", False),
        ("1", "moved", True),
    ]


async def test_since_keeps_the_messages_sent_at_or_after_it(
    emulator: Emulator, start_stub: Any
) -> None:
    modifier = await start_stub(target=stubs.reply_upper())
    _, channel_id, _ = await setup(emulator, modifier)
    sent = await send(emulator, channel_id, "a")
    body = {"channel_id": channel_id, "since": sent["created_at"]}
    assert (await emulator.call("POST", "/-/replay", body, 200))["summary"]["total"] == 1
    later = {"channel_id": channel_id, "since": "2999-01-01T00:00:00Z"}
    assert (await emulator.call("POST", "/-/replay", later, 200))["summary"]["total"] == 0


async def test_an_agent_reply_is_not_replayed_and_the_answer_says_what_to_replay(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await stub_agents.start(aiohttp_server, StubAgent())
    org = await emulator.org()
    agents = f"/api/v1/organisations/{org['id']}/agents"
    agent = (await emulator.call("POST", agents, {"base_url": stub.url}, 201))["data"]
    path = f"/api/v1/channels/{agent['direct_channel_id']}/messages"
    asked = (await emulator.call("POST", path, {"content": "ping"}, 201))["data"]
    await emulator.services.drain()
    listed = (await emulator.call("GET", path, status=200))["data"]
    (reply,) = [m for m in listed if m["source"] == "agent"]

    body = {"message_ids": [asked["id"], reply["id"]]}
    answer = await emulator.call("POST", "/-/replay", body, 422)
    (error,) = answer["data"]["errors"]
    assert error["path"] == "message_ids[1]"
    assert "agent's reply" in error["message"]
    assert "mentioned the agent" in error["hint"]
