"""Snapshots, export and import: the whole state back exactly, ids included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.db.database import Database
from emulator.db.models import Base
from emulator.state import StateFileError, from_document, read_state, to_document
from tests import stub_agents, stubs
from tests.conftest import Emulator
from tests.stub_agents import StubAgent

INTERVAL = [{"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}]


async def populated(emulator: Emulator, start_stub: Any) -> dict[str, Any]:
    modifier = await start_stub(target=stubs.reply_upper())
    interval = await start_stub(kind="interval", settings=INTERVAL)
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    ids = {}
    for name, stub in (("modifier", modifier), ("interval", interval)):
        installed = await emulator.install(org["id"], stub)
        await emulator.activate(org["id"], installed["id"], channel["id"])
        ids[name] = installed["id"]
    sent = await emulator.call(
        "POST", f"/api/v1/channels/{channel['id']}/messages", {"content": "hi"}, 201
    )
    return {"org": org, "channel": channel, "ids": ids, "message": sent["data"]}


async def test_restore_puts_back_exactly_the_saved_state(
    emulator: Emulator, start_stub: Any
) -> None:
    world = await populated(emulator, start_stub)
    before = await read_state(emulator.services.db)
    taken = await emulator.call("POST", "/-/snapshots", {"name": "baseline"}, 201)
    assert taken["rows"]["messages"] == 1
    assert taken["rows"]["integrations"] == 2

    channel_id = world["channel"]["id"]
    await emulator.call("POST", f"/api/v1/channels/{channel_id}/messages", {"content": "x"}, 201)
    await emulator.call("POST", "/-/reset", status=200)
    assert await emulator.call("GET", "/-/schedule", status=200) == []

    restored = await emulator.call("POST", "/-/snapshots/baseline/restore", status=200)
    assert restored["status"] == "restored"
    assert await read_state(emulator.services.db) == before
    schedule = await emulator.call("GET", "/-/schedule", status=200)
    assert [item["integration_id"] for item in schedule] == [world["ids"]["interval"]]
    # The cached routes were dropped: the restored modifier runs again on a new message.
    again = await emulator.call(
        "POST", f"/api/v1/channels/{channel_id}/messages", {"content": "yo"}, 201
    )
    assert again["data"]["content"] == "<P>YO</P>"
    listed = await emulator.call("GET", "/-/snapshots", status=200)
    assert [item["name"] for item in listed] == ["baseline"]


async def test_snapshot_errors_say_what_to_do(emulator: Emulator) -> None:
    answer = await emulator.call("POST", "/-/snapshots/nope/restore", status=404)
    assert "POST /-/snapshots" in answer["message"]
    answer = await emulator.call("POST", "/-/snapshots", {"name": ""}, 422)
    assert answer["data"]["errors"][0]["path"] == "name"


async def test_export_then_import_round_trips_every_table(
    emulator: Emulator, start_stub: Any, tmp_path: Path
) -> None:
    await populated(emulator, start_stub)
    await emulator.call("POST", "/-/drain", status=200)
    state = await read_state(emulator.services.db)
    assert set(state) == {table.name for table in Base.metadata.sorted_tables}
    document = json.loads(json.dumps(to_document(state, emulator.services.clock.now())))

    other = Database(str(tmp_path / "other.db"))
    await other.start()
    try:
        from emulator.state import write_state

        await other.run_write(lambda connection: write_state(connection, from_document(document)))
        assert await read_state(other) == state
    finally:
        await other.close()


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ([], "$"),
        ({"format": "x", "version": 1, "tables": {}}, "$.format"),
        ({"format": "telex-emulator-state", "version": 1, "tables": {"nope": []}}, "$.tables.nope"),
        (
            {"format": "telex-emulator-state", "version": 1, "tables": {"organisations": [{}]}},
            "$.tables.organisations[0].id",
        ),
        (
            {
                "format": "telex-emulator-state",
                "version": 1,
                "tables": {"organisations": [{"id": "o", "name": "A", "created_at": "yesterday"}]},
            },
            "$.tables.organisations[0].created_at",
        ),
    ],
)
def test_bad_import_files_are_named_by_path(document: Any, path: str) -> None:
    with pytest.raises(StateFileError) as caught:
        from_document(document)
    assert path in [finding.path for finding in caught.value.findings]
    assert all(finding.hint for finding in caught.value.findings)


async def test_a_restore_after_scattered_changes_is_exact(
    emulator: Emulator, start_stub: Any
) -> None:
    """Only the tables written since are rewritten: cascades and ORM writes included."""
    world = await populated(emulator, start_stub)
    org_id, channel_id = world["org"]["id"], world["channel"]["id"]
    await emulator.call("POST", "/-/drain", status=200)
    before = await read_state(emulator.services.db)
    await emulator.call("POST", "/-/snapshots", {"name": "base"}, 201)

    for _ in range(2):
        await emulator.call(
            "POST", f"/api/v1/channels/{channel_id}/messages", {"content": "more"}, 201
        )
        custom = f"/api/v1/organisations/{org_id}/integrations/custom"
        # Deleting the modifier cascades to its activation row (no statement names it).
        await emulator.call("DELETE", f"{custom}/{world['ids']['modifier']}", status=200)
        await emulator.call(
            "PUT",
            f"{custom}/{world['ids']['interval']}/settings",
            {"settings": {"interval": "0 * * * *"}},
            200,
        )
        await emulator.channel(org_id, "another")
        await emulator.call("POST", "/-/snapshots/base/restore", status=200)
        assert await read_state(emulator.services.db) == before


async def test_restore_brings_back_an_installed_agent_that_answers_again(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    stub = await stub_agents.start(aiohttp_server, StubAgent())
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    agents = f"/api/v1/organisations/{org['id']}/agents"
    agent = (await emulator.call("POST", agents, {"base_url": stub.url}, 201))["data"]
    add = f"/api/v1/channels/{channel['id']}/agents/{agent['id']}"
    await emulator.call("PUT", add, {"is_active": True}, 200)
    taken = await emulator.call("POST", "/-/snapshots", {"name": "with-agent"}, 201)
    assert taken["rows"]["agents"] == 1
    assert taken["rows"]["agent_channels"] >= 1

    await emulator.call("POST", "/-/reset", status=200)
    assert await emulator.call("GET", "/-/snapshots", status=200)  # kept across a reset
    await emulator.call("POST", "/-/snapshots/with-agent/restore", status=200)

    listed = (await emulator.call("GET", agents, status=200))["data"]
    assert [(a["id"], a["name"]) for a in listed] == [(agent["id"], "PingPong")]
    # The agent routes were re-read: a mention in the restored channel calls it again.
    path = f"/api/v1/channels/{channel['id']}/messages"
    await emulator.call("POST", path, {"content": "@PingPong ping"}, 201)
    await emulator.services.drain()
    assert len(stub.received) == 1
    replies = (await emulator.call("GET", path, status=200))["data"]
    assert [m["content"] for m in replies if m["source"] == "agent"] == ["pong"]
