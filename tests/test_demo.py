"""`telex-emulator demo` as a user runs it: a subprocess, driven over HTTP, then Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from emulator.testing import AsyncTelexClient

READY_TIMEOUT_S = 60.0  # a cold start migrates a new SQLite file
EXIT_TIMEOUT_S = 15.0


def demo_command() -> list[str]:
    script = Path(sys.executable).with_name("telex-emulator")
    return [str(script)] if script.exists() else [sys.executable, "-m", "emulator"]


class Demo:
    """A running `telex-emulator demo`: its output lines, read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = asyncio.Condition()
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.stdout)),
            asyncio.create_task(self._read(process.stderr, self.stderr)),
        ]

    async def _read(self, stream: asyncio.StreamReader | None, lines: list[str]) -> None:
        assert stream is not None
        while line := await stream.readline():
            async with self._changed:
                lines.append(line.decode(errors="replace").rstrip("\n"))
                self._changed.notify_all()

    async def wait_line(self, match: Callable[[str], bool], timeout_s: float) -> str:
        """The first stdout line matching `match`, printed already or still to come."""

        def found() -> str | None:
            return next((line for line in self.stdout if match(line)), None)

        try:
            async with asyncio.timeout(timeout_s), self._changed:
                await self._changed.wait_for(
                    lambda: found() is not None or self.process.returncode is not None
                )
        except TimeoutError:
            pass
        line = found()
        assert line is not None, f"no such line; stdout={self.stdout} stderr={self.stderr}"
        return line

    async def interrupt(self) -> int:
        """Ctrl-C; the exit code once the process and its output have ended."""
        self.process.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(EXIT_TIMEOUT_S):
                code = await self.process.wait()
                await asyncio.gather(*self._readers)
        except TimeoutError:
            raise AssertionError(
                f"still running {EXIT_TIMEOUT_S:g} s after Ctrl-C; "
                f"stdout={self.stdout} stderr={self.stderr}"
            ) from None
        return code

    async def kill(self) -> None:
        if self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: see start_demo
            await self.process.wait()
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)


@pytest.fixture
async def start_demo(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    started: list[Demo] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEX_EMULATOR_")}

    async def start(*args: str) -> Demo:
        process = await asyncio.create_subprocess_exec(
            *demo_command(),
            "demo",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=tmp_path,
            env=env,
            start_new_session=True,  # a process group of its own: nothing may outlive it
        )
        demo = Demo(process)
        started.append(demo)
        return demo

    yield start
    for demo in started:
        await demo.kill()


async def demo_setup(telex: AsyncTelexClient) -> tuple[Any, Any, dict[str, Any]]:
    """The Demo organisation, its #demo channel and the active integrations by app name."""
    orgs = await telex.request("GET", "/api/v1/organisations")
    [org] = [o for o in orgs if o.name == "Demo"]
    channels = await telex.request("GET", f"/api/v1/organisations/{org.id}/channels")
    [channel] = [c for c in channels if c.name == "demo"]
    active = await telex.request("GET", f"/api/v1/channels/{channel.id}/integrations")
    return org, channel, {i.app_name: i for i in active}


async def demo_agent(telex: AsyncTelexClient, org: Any, channel: Any) -> Any:
    """The Helper agent: installed by card URL in the Demo organisation, added to #demo."""
    [helper] = await telex.request("GET", f"/api/v1/organisations/{org.id}/agents")
    assert (helper.name, helper.source) == ("Helper", "card")
    assert helper.card_url.endswith("/.well-known/agent.json")
    in_demo = await telex.request("GET", f"/api/v1/channels/{channel.id}/agents")
    assert [(a.id, a.membership) for a in in_demo] == [(helper.id, "added")]
    return helper


async def port_is_closed(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


def session_members(session_id: int) -> list[str]:
    """Processes still in the session the demo led (Linux /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        fields = text.rsplit(")", 1)[1].split()  # state ppid pgrp session ...
        if int(fields[3]) == session_id:
            members.append(text[: text.rindex(")") + 1])
    return members


async def test_demo_runs_every_sample_end_to_end_and_stops_cleanly(
    start_demo: Callable[..., Any], tmp_path: Path
) -> None:
    demo = await start_demo("--port", "0", "--db", str(tmp_path / "demo.db"))
    ready = await demo.wait_line(lambda line: line.startswith("ready on "), READY_TIMEOUT_S)
    url = ready.removeprefix("ready on ")
    port = urlsplit(url).port
    assert port
    assert url == f"http://127.0.0.1:{port}"

    async with AsyncTelexClient(url) as telex:
        org, channel, active = await demo_setup(telex)
        assert sorted(active) == ["Keyword Filter", "Message Logger", "Uptime Monitor"]
        uptime = active["Uptime Monitor"]
        helper = await demo_agent(telex, org, channel)
        sample_ports = {urlsplit(i.json_url).port for i in active.values()}
        sample_ports.add(urlsplit(helper.card_url).port)

        # modifier: the message is rewritten on its way in
        sent = await telex.send(channel, "<p>well darn it</p>")
        assert sent.message == "<p>well d*** it</p>"
        assert [hop.outcome for hop in sent.trace] == ["ok"]

        # output: delivered, and the logger printed the line on the demo's stdout
        [delivery] = await telex.deliveries(channel=channel, kind="output")
        assert (delivery.integration_id, delivery.outcome) == (
            active["Message Logger"].id,
            "ok",
        )
        logged = await demo.wait_line(lambda line: "well d*** it" in line, 5)
        assert json.loads(logged)["channel_id"] == channel.id

        # interval: scheduled every minute, and "tick now" brings its report at once
        [scheduled] = [s for s in await telex.schedule() if s.integration_id == uptime.id]
        assert scheduled.interval == "* * * * *"
        tick = await telex.tick(uptime, channel)
        assert tick.status_code == 202
        report = await telex.wait_for_message(channel, "Uptime check", timeout=10)
        assert (report.username, report.status) == ("Uptime Monitor", "success")

        # agent: the guide says where to talk to it; it answers there and in #demo, and
        # its slow report arrives later as a push
        await demo.wait_line(lambda line: "'@Helper help' in #demo" in line, 5)
        await demo.wait_line(lambda line: helper.direct_channel_id in line, 5)
        direct = await telex.ask(helper, "echo hello")
        assert (direct.content, direct.username, direct.channel_id) == (
            "hello",
            "Helper",
            helper.direct_channel_id,
        )
        mentioned = await telex.ask(helper, "echo hi", channel)
        assert (mentioned.content, mentioned.channel_id) == ("hi", channel.id)
        pushed = await telex.ask(helper, "report", timeout=20)
        assert pushed.content.startswith("Report")
        assert [s.state for s in pushed.task.states] == ["working", "completed"]

    assert await demo.interrupt() == 0
    assert "Traceback" not in "\n".join(demo.stderr), demo.stderr
    for opened in {port, *sample_ports}:
        assert await port_is_closed(opened), f"port {opened} still open"
    assert session_members(demo.process.pid) == []


async def test_demo_rerun_reuses_its_data(start_demo: Callable[..., Any], tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    seen: list[dict[str, Any]] = []
    for _run in range(2):
        demo = await start_demo("--port", "0", "--db", db, "--clock", "virtual")
        ready = await demo.wait_line(lambda line: line.startswith("ready on "), READY_TIMEOUT_S)
        async with AsyncTelexClient(ready.removeprefix("ready on ")) as telex:
            org, channel, active = await demo_setup(telex)
            installed = await telex.request(
                "GET", f"/api/v1/organisations/{org.id}/integrations/custom"
            )
            assert len(installed) == 3
            # the samples' new ports are in use: the modifier answers at its new URL
            sent = await telex.send(channel, "<p>heck</p>")
            assert sent.message == "<p>h***</p>"
            helper = await demo_agent(telex, org, channel)  # one agent, re-fetched
            assert (await telex.ask(helper, "echo again")).content == "again"
            seen.append({name: (i.id, i.json_url) for name, i in active.items()})
            seen[-1]["Helper"] = (helper.id, helper.card_url)
        assert await demo.interrupt() == 0

    first, second = seen
    assert {name: ids for name, (ids, _url) in first.items()} == {
        name: ids for name, (ids, _url) in second.items()
    }
    assert all(first[name][1] != second[name][1] for name in first)  # re-fetched


async def test_demo_reset_starts_over(start_demo: Callable[..., Any], tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    ids: list[set[str]] = []
    for args in ((), ("--reset",)):
        demo = await start_demo("--port", "0", "--db", db, "--clock", "virtual", *args)
        ready = await demo.wait_line(lambda line: line.startswith("ready on "), READY_TIMEOUT_S)
        async with AsyncTelexClient(ready.removeprefix("ready on ")) as telex:
            org, channel, active = await demo_setup(telex)
            if not args:  # something the reset must take away
                await telex.send(channel, "before the reset")
            messages = await telex.request("GET", f"/api/v1/channels/{channel.id}/messages")
            organisations = await telex.request("GET", "/api/v1/organisations")
            helper = await demo_agent(telex, org, channel)
            ids.append({org.id, channel.id, helper.id, *(i.id for i in active.values())})
        assert await demo.interrupt() == 0

    assert [m["content"] for m in messages] == []
    assert [o["name"] for o in organisations] == ["Demo"]
    first, second = ids
    assert first.isdisjoint(second)  # everything was made anew
