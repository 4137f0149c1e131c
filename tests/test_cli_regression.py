"""The replay CLI (a CI gate: exit 1 when anything changed), export and import."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from click.testing import CliRunner, Result

from emulator.cli import main
from emulator.db.database import Database
from emulator.state import read_state
from tests import stubs
from tests.conftest import Emulator


async def invoke(*args: str) -> Result:
    """The CLI on a thread: it makes blocking HTTP calls to the emulator on this loop."""
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


def append(suffix: str) -> stubs.Reply:
    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        return web.json_response({"message": payload["message"] + suffix})

    return reply


async def test_replay_exits_1_when_a_modifier_changed(emulator: Emulator, start_stub: Any) -> None:
    modifier = await start_stub(target=stubs.reply_upper())
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    installed = await emulator.install(org["id"], modifier)
    await emulator.activate(org["id"], installed["id"], channel["id"])
    for text in ("one", "two"):
        path = f"/api/v1/channels/{channel['id']}/messages"
        await emulator.call("POST", path, {"content": text}, 201)
    url = str(emulator.client.make_url("")).rstrip("/")

    same = await invoke("replay", "--url", url, "--channel", channel["id"])
    assert same.exit_code == 0, same.output
    assert same.output.startswith("replayed 2 message(s): 0 changed, 2 unchanged")

    modifier.target = append("!")
    changed = await invoke("replay", "--url", url, "--channel", channel["id"], "--last", "1")
    assert changed.exit_code == 1, changed.output
    assert "1 changed" in changed.output
    assert "-<P>TWO</P>" in changed.output
    assert "+<p>two</p>!" in changed.output
    as_json = await invoke("replay", "--url", url, "--channel", channel["id"], "--json")
    assert json.loads(as_json.output)["summary"]["changed"] == 2

    missing = await invoke("replay", "--url", url, "--channel", "nope")
    assert missing.exit_code == 1
    assert "answered 404" in missing.output


async def test_export_then_import_into_another_file(
    emulator: Emulator, start_stub: Any, tmp_path: Path
) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    await emulator.call(
        "POST", f"/api/v1/channels/{channel['id']}/messages", {"content": "kept"}, 201
    )
    exported = await invoke("export", "--db", emulator.config.db_path)
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "state.json"
    path.write_text(exported.output)

    target = str(tmp_path / "copy.db")
    imported = await invoke("import", str(path), "--db", target)
    assert imported.exit_code == 0, imported.output
    copy = Database(target)
    await copy.start()
    try:
        assert await read_state(copy) == await read_state(emulator.services.db)
    finally:
        await copy.close()

    document = json.loads(path.read_text())
    document["tables"]["messages"][0]["seq"] = "first"
    path.write_text(json.dumps(document))
    rejected = await invoke("import", str(path), "--db", target)
    assert rejected.exit_code == 1
    assert "$.tables.messages[0].seq" in rejected.output
    assert "fix:" in rejected.output
    copy = Database(target)
    await copy.start()
    try:
        assert len((await read_state(copy))["messages"]) == 1  # the old state stayed
    finally:
        await copy.close()


def test_serve_with_a_bad_seed_file_stops_with_every_problem(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("organisations:\n  - name: Acme\n    colour: blue\n  - {}\n")
    db = str(tmp_path / "x.db")
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--db", db, "--seed", str(seed)])
    assert result.exit_code == 1, result.output
    assert "nothing changed" in result.output
    assert "$.organisations[0].colour" in result.output
    assert "$.organisations[1].name" in result.output
    assert "fix:" in result.output
    assert "Traceback" not in result.output
