"""Durability: `kill -9` the real `serve` process, restart it on the same file, lose nothing.

Each test runs `python -m emulator serve --port 0 --db FILE --clock virtual` as a child
process and kills it with SIGKILL at a moment chosen by an event, never by a timer:
after the Nth answered message, while an integration holds a tick request, or at a
stage of start-up (an import line of `python -X importtime`, or the ready line). Then:

- every message that got a 2xx answer is stored (the write commits before the answer);
- the schedule resumes without a double tick: no (integration, channel, scheduled_for)
  twice in /-/ticks, and advancing the virtual clock fires only times after the last;
- start-up survives being killed at any stage, also on a brand-new file, and the data
  is intact afterwards (`PRAGMA integrity_check`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event

from emulator.db.database import Database
from emulator.db.models import Base
from tests import stubs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 30.0
MESSAGES = 200
KILL_AFTER = 40  # answered messages before the kill
EVERY_MINUTE = {"label": "interval", "type": "text", "required": True, "default": "* * * * *"}
# Start-up stages to kill at, in the order they happen: the module whose import line
# `python -X importtime` prints (after that import finished), or the ready line.
KILL_POINTS = (
    "spawned",  # before Python has read a byte of the emulator
    "emulator.cli",  # the command line is parsed next
    "aiohttp",
    "emulator.db.database",
    "emulator.app",  # the socket is bound, the app built, then the database opened
    "aiosqlite",  # imported as the first database connection opens
    "ready",  # the ready line: the schema checked, the scheduler running
)


class Served:
    """One `serve` child process; its stderr goes to a log file (shown on failure)."""

    def __init__(self, db: Path, log: Path, *python_flags: str) -> None:
        self.db, self.log = db, log
        self.python_flags = python_flags
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""

    async def spawn(self, stderr: Any = None) -> asyncio.subprocess.Process:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.python_flags,
                "-m",
                "emulator",
                "serve",
                "--port",
                "0",
                "--db",
                str(self.db),
                "--clock",
                "virtual",
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr if stderr is not None else log,
            )
        return self.process

    async def ready(self) -> str:
        """Wait for the ready line; the server's URL."""
        assert self.process is not None
        assert self.process.stdout is not None
        async with asyncio.timeout(READY_TIMEOUT_S):
            line = (await self.process.stdout.readline()).decode()
        assert line.startswith("ready on "), f"no ready line ({line!r}): {self.tail()}"
        self.url = line.removeprefix("ready on ").strip()
        return self.url

    async def start(self) -> str:
        await self.spawn()
        return await self.ready()

    def kill(self) -> None:
        """SIGKILL, now (synchronous: callable from a response callback)."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()

    async def killed(self) -> None:
        """Kill and reap it; -9 means it was still running when the kill landed."""
        self.kill()
        await self.reap()

    async def stop(self) -> None:
        """A clean stop (SIGINT), as a person would; exit code 0."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        assert await self.reap() == 0, self.tail()

    async def reap(self) -> int:
        assert self.process is not None
        async with asyncio.timeout(20):
            await self.process.communicate()
        code = self.process.returncode
        assert code is not None
        self.process = None
        return code

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@dataclass
class Client:
    """The control and REST API of one server, over plain aiohttp."""

    http: aiohttp.ClientSession
    url: str
    org_id: str = ""
    channel_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(method, self.url + path, json=body) as response:
            data = await response.json()
            assert response.status < 300, (method, path, response.status, data)
        return data["data"] if path.startswith("/api/v1/") else data

    async def seed(self, *integrations: stubs.Stub) -> None:
        """An organisation, a channel, and `integrations` active on it."""
        self.org_id = (await self.call("POST", "/api/v1/organisations", {"name": "Acme"}))["id"]
        body = {"name": "general", "organisation_id": self.org_id}
        self.channel_id = (await self.call("POST", "/api/v1/channels", body))["id"]
        for stub in integrations:
            name = stub.kind
            path = f"/api/v1/organisations/{self.org_id}/integrations/custom"
            installed = await self.call("POST", path, {"json_url": f"{stub.url}/integration.json"})
            self.ids[name] = installed["id"]
            path = (
                f"/api/v1/organisations/{self.org_id}/integrations/{installed['id']}"
                f"/channels/{self.channel_id}/settings"
            )
            await self.call("PUT", path, {"is_active": True})

    async def messages(self) -> list[dict[str, Any]]:
        path = f"/api/v1/channels/{self.channel_id}/messages?limit=1000"
        return await self.call("GET", path)

    async def ticks(self) -> list[dict[str, Any]]:
        return await self.call("GET", "/-/ticks?limit=1000")

    async def advance(self, seconds: int) -> list[dict[str, Any]]:
        return (await self.call("POST", "/-/clock/advance", {"seconds": seconds}))["ticks"]


def tick_keys(ticks: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    return Counter((t["integration_id"], t["channel_id"], t["scheduled_for"]) for t in ticks)


def assert_no_double_ticks(ticks: list[dict[str, Any]]) -> None:
    twice = [key for key, count in tick_keys(ticks).items() if count > 1]
    assert twice == [], f"ticks fired twice: {twice}"


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=MESSAGES)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


@pytest.fixture
async def integrations(start_stub) -> tuple[stubs.Stub, stubs.Stub]:
    output = await start_stub(kind="output", target=stubs.reply_text("", 202))
    interval = await start_stub(kind="interval", settings=[EVERY_MINUTE])
    return output, interval


async def post_until_killed(
    client: Client, served: Served, contents: list[str]
) -> tuple[list[dict[str, Any]], list[BaseException]]:
    """POST every content at once; kill the server once KILL_AFTER answers arrived."""
    answered: list[dict[str, Any]] = []
    path = f"{client.url}/api/v1/channels/{client.channel_id}/messages"

    async def post(content: str) -> None:
        async with client.http.post(path, json={"content": content}) as response:
            assert response.status == 201, await response.text()
            answered.append((await response.json())["data"])  # a whole 2xx answer
        if len(answered) == KILL_AFTER:
            served.kill()

    results = await asyncio.gather(*(post(c) for c in contents), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    for failure in failed:  # only what a killed server causes
        assert isinstance(failure, aiohttp.ClientError | OSError), repr(failure)
    return answered, failed


def first_come_first_served(release: asyncio.Event, served_first: int) -> stubs.Reply:
    """A modifier that answers the first `served_first` messages at once and holds the
    rest until `release`: answers keep arriving while later messages are still in flight
    (without it, one group commit can answer all 200 together, before any kill lands)."""
    arrivals = 0

    async def reply(_request: web.Request, _payload: Any) -> web.StreamResponse:
        nonlocal arrivals
        arrivals += 1
        if arrivals > served_first:
            await release.wait()
        return web.json_response({"status": "ok"})  # no "message": the text is kept

    return reply


async def test_kill_9_during_200_concurrent_messages_loses_no_answered_one(
    tmp_path: Path,
    http: aiohttp.ClientSession,
    integrations: tuple[stubs.Stub, stubs.Stub],
    start_stub,
) -> None:
    output, interval = integrations
    release = asyncio.Event()
    modifier = await start_stub(target=first_come_first_served(release, KILL_AFTER * 2))
    served = Served(tmp_path / "emulator.db", tmp_path / "serve.log")
    client = Client(http, await served.start())
    await client.seed(modifier, output, interval)
    before = await client.advance(300)  # five scheduled ticks, one a minute
    assert len(before) == 5
    assert {t["outcome"] for t in before} == {"ok"}

    contents = [f"message {n}" for n in range(MESSAGES)]
    try:
        answered, failed = await post_until_killed(client, served, contents)
    finally:
        release.set()
    assert await served.reap() == -signal.SIGKILL
    assert len(answered) >= KILL_AFTER
    assert len(failed) >= MESSAGES - KILL_AFTER * 2  # killed part way: these had no answer

    client.url = await served.start()  # the same database file
    stored = await client.messages()
    stored_ids = [m["id"] for m in stored]
    missing = {m["id"] for m in answered} - set(stored_ids)
    assert missing == set(), f"{len(missing)} answered messages were lost"
    assert len(stored_ids) == len(set(stored_ids))
    assert {m["content"] for m in stored} <= set(contents)
    assert len(stored) >= len(answered)
    assert len(stored) + len(failed) >= len(answered)  # nothing appeared from nowhere
    # Messages still work after the restart, outputs too.
    await client.call("POST", f"/api/v1/channels/{client.channel_id}/messages", {"content": "x"})
    await output.wait_for("/target", len(output.bodies("/target")) + 1)

    # The schedule: nothing fired twice, and only new times fire.
    ticks = await client.ticks()
    assert_no_double_ticks(ticks)
    assert tick_keys(ticks) == tick_keys(before)
    last = max(t["scheduled_for"] for t in before)
    (pair,) = await client.call("GET", "/-/schedule")
    assert pair["last_tick_for"] == last
    assert pair["next_fire_at"] > last
    after = await client.advance(180)
    assert len(after) == 3
    assert all(t["scheduled_for"] > last for t in after)
    assert_no_double_ticks(await client.ticks())
    await served.stop()
    assert integrity(served.db) == "ok"


async def test_kill_9_while_a_tick_is_held_never_fires_it_twice(
    tmp_path: Path, http: aiohttp.ClientSession, start_stub
) -> None:
    arrived = asyncio.Event()
    release = asyncio.Event()
    held = [3]  # the third tick is held

    async def hold(_request: web.Request, _payload: Any) -> web.StreamResponse:
        if len(interval.bodies("/tick")) in held:
            arrived.set()
            await release.wait()  # the emulator is killed while this tick is in flight
        return web.Response(status=202)

    output = await start_stub(kind="output")
    interval = await start_stub(kind="interval", settings=[EVERY_MINUTE], tick=hold)
    served = Served(tmp_path / "emulator.db", tmp_path / "serve.log")
    client = Client(http, await served.start())
    await client.seed(output, interval)
    assert len(await client.advance(120)) == 2

    advancing = asyncio.ensure_future(client.advance(60))
    try:
        await arrived.wait()
        await served.killed()
        with pytest.raises(aiohttp.ClientError):
            await advancing
    finally:
        release.set()

    client.url = await served.start()
    ticks = await client.ticks()
    assert len(ticks) == 3  # the one in flight was claimed and recorded before its POST
    assert_no_double_ticks(ticks)
    (abandoned,) = [t for t in ticks if t["outcome"] != "ok"]
    assert abandoned["outcome"] == "error"  # never left "pending" forever
    assert "stopped before" in abandoned["reason"]
    last = max(t["scheduled_for"] for t in ticks)
    after = await client.advance(120)
    assert [t["scheduled_for"] > last for t in after] == [True, True]
    assert_no_double_ticks(await client.ticks())
    assert len(interval.bodies("/tick")) == 5  # 2 + the held one + 2: none sent twice
    await served.stop()


async def kill_at(served: Served, point: str) -> int:
    """Start `served` and SIGKILL it at start-up stage `point`; its exit code."""
    if point == "spawned":
        await served.spawn()
        await served.killed()
        return -signal.SIGKILL
    if point == "ready":
        await served.start()
        await served.killed()
        return -signal.SIGKILL
    process = await served.spawn(stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    async with asyncio.timeout(READY_TIMEOUT_S):
        async for raw in process.stderr:
            if raw.decode(errors="replace").rsplit("|", 1)[-1].strip() == point:
                break
        else:
            raise AssertionError(f"serve exited before importing {point}")
    served.kill()
    return await served.reap()


async def test_kill_9_at_every_stage_of_start_up_then_a_clean_start(
    tmp_path: Path, http: aiohttp.ClientSession, integrations: tuple[stubs.Stub, stubs.Stub]
) -> None:
    output, interval = integrations
    served = Served(tmp_path / "emulator.db", tmp_path / "serve.log", "-X", "importtime")
    client = Client(http, await served.start())
    await client.seed(output, interval)
    for n in range(20):
        path = f"/api/v1/channels/{client.channel_id}/messages"
        await client.call("POST", path, {"content": f"kept {n}"})
    ticks = await client.advance(180)
    messages = await client.messages()
    await client.call("POST", "/-/drain")
    await served.killed()

    codes = [await kill_at(served, point) for point in KILL_POINTS * 2]
    assert set(codes) == {-signal.SIGKILL}, "each kill landed while serve was running"

    client.url = await served.start()
    assert await client.messages() == messages
    assert tick_keys(await client.ticks()) == tick_keys(ticks)
    last = max(t["scheduled_for"] for t in ticks)
    after = await client.advance(60)
    assert [t["scheduled_for"] > last for t in after] == [True]
    await served.stop()
    assert integrity(served.db) == "ok"


async def test_kill_9_during_the_first_start_on_a_new_file(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    """Killed while a new file gets its schema, the next start on that file still works."""
    for point in ("emulator.app", "aiosqlite", "ready"):
        served = Served(tmp_path / f"fresh-{point}.db", tmp_path / "serve.log", "-X", "importtime")
        assert await kill_at(served, point) == -signal.SIGKILL
        client = Client(http, await served.start())
        assert await client.call("GET", "/api/v1/organisations") == []
        await client.call("POST", "/api/v1/organisations", {"name": "Acme"})
        await served.stop()
        assert integrity(served.db) == "ok"


async def test_a_schema_cut_short_is_never_committed(tmp_path: Path) -> None:
    """Deterministic twin of the kill above: fail after the third CREATE TABLE."""
    created: list[str] = []

    def fail_on_third(target: Any, _connection: Any, **_kw: Any) -> None:
        created.append(target.name)
        if len(created) == 3:
            raise RuntimeError("killed half-way through the schema")

    tables = Base.metadata.sorted_tables
    for table in tables:
        event.listen(table, "after_create", fail_on_third)
    try:
        db = Database(str(tmp_path / "cut.db"))
        with pytest.raises(RuntimeError, match="half-way"):
            await db.start()
        await db.close()
    finally:
        for table in tables:
            event.remove(table, "after_create", fail_on_third)
    with contextlib.closing(sqlite3.connect(tmp_path / "cut.db")) as connection:
        assert connection.execute("select name from sqlite_master").fetchall() == []

    db = Database(str(tmp_path / "cut.db"))  # the next start creates the whole schema
    await db.start()
    await db.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "cut.db")) as connection:
        assert connection.execute("select version_num from alembic_version").fetchall() != []
