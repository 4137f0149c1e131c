"""Misbehaving integrations: every way a real server can fail a modifier, output or tick.

`Misbehaving` is a real local server, written on raw asyncio streams so it can break
HTTP at any layer: it reads each request, then by its path answers slowly (never),
resets the connection, answers 503, invalid JSON, 50 MB, a JSON body dribbled one byte
per chunk, closes without a word, or speaks no HTTP at all. Each behaviour is the
target of a modifier and an output and the tick_url of an interval on one channel; the
emulator must log each outcome with its reason (CONTRACT §2.5 delivery record), keep the
modifier chain intact, truncate what it logs, keep memory bounded and stay ready.

Nothing here asserts wall-clock time (bench/responsiveness.py reports latency) and
nothing sleeps: tests wait on the server's own events, `drain()` and finished ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import Emulator, replace

MB = 1024 * 1024
HUGE_BYTES = 50 * MB
DRIBBLED = "dribbled, one byte per chunk"
BEHAVIOURS = ("slow", "reset", "5xx", "invalid-json", "huge", "dribble", "close", "garbage")


class Misbehaving:
    """A local server that breaks HTTP in a different way per path (see BEHAVIOURS).

    Raw asyncio streams, not aiohttp.web: a reset, a silent close or non-HTTP bytes must
    reach the emulator exactly as a crashing integration would send them. `received`
    counts requests per behaviour; `held` is set once a slow request is being held.
    """

    def __init__(self) -> None:
        self.url = ""
        self.received: Counter[str] = Counter()
        self.huge_bytes_written: list[int] = []
        self.held = asyncio.Event()
        self._release = asyncio.Event()  # set only at close: slow requests never answer
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> Misbehaving:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._handlers:
            await asyncio.wait(set(self._handlers))
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> Misbehaving:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def wait_for(self, behaviour: str, count: int) -> None:
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(lambda: self.received[behaviour] >= count)

    # -- the connection ------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            behaviour = await self._read_request(reader)
            if behaviour is not None:
                async with self._changed:
                    self.received[behaviour] += 1
                    self._changed.notify_all()
                await getattr(self, "_" + behaviour.replace("-", "_"))(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the emulator hung up first (timeout, or enough of a huge body)
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)
            writer.transport.abort()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> str | None:
        """Read one whole request (head and body); the behaviour its path names."""
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        path = request_line.split(" ")[1] if request_line.count(" ") >= 2 else "/"
        length = 0
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        await reader.readexactly(length)  # read it all: a close then sends FIN, not RST
        behaviour = path.strip("/").split("/")[0]
        return behaviour if behaviour in BEHAVIOURS else None

    @staticmethod
    async def _answer(writer: asyncio.StreamWriter, status: str, body: bytes, kind: str) -> None:
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()

    # -- behaviours ----------------------------------------------------------------------

    async def _slow(self, _writer: asyncio.StreamWriter) -> None:
        self.held.set()
        await self._release.wait()  # past every timeout: only close() ends it

    @staticmethod
    async def _reset(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # linger 0: the kernel sends RST, not FIN

    async def _5xx(self, writer: asyncio.StreamWriter) -> None:
        page = b"<html><body><h1>503 Service Unavailable</h1>upstream crashed</body></html>"
        await self._answer(writer, "503 Service Unavailable", page, "text/html")

    async def _invalid_json(self, writer: asyncio.StreamWriter) -> None:
        await self._answer(writer, "200 OK", b'{"message": "cut off', "application/json")

    async def _huge(self, writer: asyncio.StreamWriter) -> None:
        """50 MB of JSON-ish bytes, streamed from one reused 64 KiB chunk."""
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {HUGE_BYTES}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode())
        chunk = b"x" * 65536
        index = len(self.huge_bytes_written)
        self.huge_bytes_written.append(0)
        while self.huge_bytes_written[index] < HUGE_BYTES:
            writer.write(chunk)
            await writer.drain()  # waits while the emulator does not read
            self.huge_bytes_written[index] += len(chunk)

    @staticmethod
    async def _dribble(writer: asyncio.StreamWriter) -> None:
        """A valid JSON reply in chunked encoding, one byte per chunk, each one drained."""
        body = json.dumps({"message": DRIBBLED, "status": "success"}).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        for byte in body:  # bounded: len(body) chunks
            writer.write(b"1\r\n" + bytes([byte]) + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        writer.close()  # FIN after the whole request was read: no answer at all

    @staticmethod
    async def _garbage(writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe not http at all \r\n\r\n")
        await writer.drain()
        writer.close()


# -- the emulator side -------------------------------------------------------------------


def spec(kind: str, url: str) -> dict[str, Any]:
    """An inline spec of `kind` whose target (or tick) URL is `url`."""
    return {
        "data": {
            "descriptions": {"app_name": f"Misbehaving {kind}", "app_description": "tests"},
            "integration_type": kind,
            "integration_category": "Monitoring & Logging",
            "is_active": True,
            "settings": [
                {"label": "interval", "type": "text", "required": True, "default": "* * * * *"}
            ]
            if kind == "interval"
            else [{"label": "mode", "type": "text", "required": False, "default": "on"}],
            "target_url": url if kind != "interval" else "",
            "tick_url": url if kind == "interval" else "",
        }
    }


@dataclass
class Channel:
    """A channel with a modifier, an output and an interval, each aimed at one URL."""

    emulator: Emulator
    channel_id: str
    ids: dict[str, str] = field(default_factory=dict)  # kind -> integration id

    @classmethod
    async def aimed_at(cls, emulator: Emulator, url: str) -> Channel:
        org = await emulator.org()
        channel = await emulator.channel(org["id"])
        room = cls(emulator, channel["id"])
        for kind in ("modifier", "output", "interval"):
            path = f"/api/v1/organisations/{org['id']}/integrations/custom"
            body = {"spec": spec(kind, url)}
            installed = (await emulator.call("POST", path, body, 201))["data"]
            await emulator.activate(org["id"], installed["id"], channel["id"])
            room.ids[kind] = installed["id"]
        return room

    async def send(self, text: str) -> dict[str, Any]:
        path = f"/api/v1/channels/{self.channel_id}/messages"
        return (await self.emulator.call("POST", path, {"content": text}, 201))["data"]

    async def tick(self) -> dict[str, Any]:
        body = {"integration_id": self.ids["interval"], "channel_id": self.channel_id}
        return await self.emulator.call("POST", "/-/ticks", body, 200)

    async def delivery(self, kind: str) -> dict[str, Any]:
        query = f"channel_id={self.channel_id}&kind={kind}"
        (row,) = await self.emulator.call("GET", f"/-/deliveries?{query}", status=200)
        return row


async def assert_ready(emulator: Emulator) -> None:
    assert (await emulator.call("GET", "/-/ready", status=200))["status"] == "ready"


@pytest.fixture
async def misbehaving() -> Any:
    async with Misbehaving() as server:
        yield server


@pytest.fixture
async def fast_emulator(config, make_emulator) -> Emulator:
    """Telex's 1 s modifier budget; shorter output and tick timeouts, so waiting past
    every one stays quick, yet long enough for a dribble or a 1 MB read on a busy CI."""
    return await make_emulator(
        replace(config, modifier_timeout_s=1.0, output_timeout_s=2.0, tick_timeout_s=2.0)
    )


@dataclass(frozen=True)
class Expected:
    """What the emulator logs for one kind of request: outcome, a reason fragment, status."""

    outcome: str
    says: str | None
    status_code: int | None = None


def same(outcome: str, says: str | None, status_code: int | None = None) -> dict[str, Expected]:
    return dict.fromkeys(("modifier", "output", "tick"), Expected(outcome, says, status_code))


RESET = "reset the connection before answering"
NO_ANSWER = "closed the connection without answering"
# Modifiers need a usable JSON reply (CONTRACT §1.2); outputs and ticks take any 2xx.
EXPECTED: dict[str, dict[str, Expected]] = {
    "slow": {
        "modifier": Expected("timeout", "no answer within 1 s"),
        "output": Expected("timeout", "no answer within 2 s"),
        "tick": Expected("timeout", "no answer within 2 s"),
    },
    "reset": same("error", RESET),
    "5xx": {
        "modifier": Expected("error", "HTTP 503 (not 2xx): '<html>", 503),
        "output": Expected("error", "HTTP 503", 503),
        "tick": Expected("error", "HTTP 503: <html>", 503),
    },
    "invalid-json": {
        "modifier": Expected("skipped", "HTTP 200 with a body that is not JSON", 200),
        "output": Expected("ok", None, 200),
        "tick": Expected("ok", None, 200),
    },
    "huge": {
        "modifier": Expected("skipped", "too large to read", 200),
        "output": Expected("ok", None, 200),
        "tick": Expected("ok", None, 200),
    },
    "dribble": same("ok", None, 200),
    "close": same("error", NO_ANSWER),
    "garbage": same("error", "bad HTTP response: Bad status line"),
}
TRUNCATED = " …[truncated]"


def check(row: dict[str, Any], expected: Expected, log_limit_bytes: int) -> None:
    assert (row["outcome"], row["status_code"]) == (expected.outcome, expected.status_code), row
    if expected.says is None:
        assert row["reason"] is None, row
    else:
        assert expected.says in row["reason"], row
        assert "\n" not in row["reason"], "a reason is one line"
    body = row.get("response_body") or ""
    assert len(body.encode()) <= log_limit_bytes + len(TRUNCATED.encode()), "logged body bounded"


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
async def test_each_misbehaviour_is_logged_with_its_reason(
    behaviour: str, fast_emulator: Emulator, misbehaving: Misbehaving
) -> None:
    room = await Channel.aimed_at(fast_emulator, f"{misbehaving.url}/{behaviour}")
    expected = EXPECTED[behaviour]
    limit = fast_emulator.config.max_response_log_bytes

    sent, tick = await asyncio.gather(room.send("hello"), room.tick())
    await fast_emulator.services.drain()

    # The modifier hop, in the message's trace and in the delivery log.
    (hop,) = sent["trace"]
    check(hop, expected["modifier"], limit)
    check(await room.delivery("modifier"), expected["modifier"], limit)
    # The chain stays intact: only a usable reply replaces the text.
    assert sent["content"] == (DRIBBLED if behaviour == "dribble" else "hello")
    assert hop["content_before"] == "<p>hello</p>"
    # The output, and the tick (its record and its delivery row agree).
    check(await room.delivery("output"), expected["output"], limit)
    tick_row = await room.delivery("tick")
    check(tick_row, expected["tick"], limit)
    check(tick, expected["tick"], limit)
    assert tick_row["tick_id"] == tick["id"]
    assert misbehaving.received[behaviour] == 3  # one request each, no retries
    await assert_ready(fast_emulator)


async def test_huge_answers_are_cut_short_and_truncated_in_the_log(
    fast_emulator: Emulator, misbehaving: Misbehaving
) -> None:
    room = await Channel.aimed_at(fast_emulator, f"{misbehaving.url}/huge")
    limit = fast_emulator.config.max_response_log_bytes

    with peak_memory() as peak:
        await asyncio.gather(room.send("hello"), room.tick())
        await fast_emulator.services.drain()

    for kind in ("output", "tick"):
        body = (await room.delivery(kind))["response_body"]
        assert body.endswith(TRUNCATED)
        assert len(body) == limit + len(TRUNCATED)
    # The emulator hung up after reading its bound: no connection carried 50 MB (what
    # was written beyond the bound sat in socket buffers), and memory stayed small.
    assert len(misbehaving.huge_bytes_written) == 3
    assert max(misbehaving.huge_bytes_written) < 16 * MB
    assert peak[0] < 16 * MB, f"tracemalloc peak {peak[0] / MB:.1f} MB"
    await assert_ready(fast_emulator)


async def test_ready_while_every_request_is_held(
    fast_emulator: Emulator, misbehaving: Misbehaving
) -> None:
    room = await Channel.aimed_at(fast_emulator, f"{misbehaving.url}/slow")
    sending = asyncio.ensure_future(asyncio.gather(room.send("hello"), room.tick()))
    await misbehaving.wait_for("slow", 2)  # the modifier hop and the tick, both held

    await assert_ready(fast_emulator)  # answered while both are stuck
    assert not sending.done()

    sent, tick = await sending
    assert (sent["trace"][0]["outcome"], tick["outcome"]) == ("timeout", "timeout")


async def test_every_misbehaviour_at_once(
    fast_emulator: Emulator, misbehaving: Misbehaving
) -> None:
    """Eight channels, one per behaviour, five messages and two ticks each, all at once."""
    rooms = {
        behaviour: await Channel.aimed_at(fast_emulator, f"{misbehaving.url}/{behaviour}")
        for behaviour in BEHAVIOURS
    }
    work = [room.send(f"message {n}") for room in rooms.values() for n in range(5)]
    work += [room.tick() for room in rooms.values() for _ in range(2)]
    running = asyncio.ensure_future(asyncio.gather(*work))
    await misbehaving.wait_for("slow", 2)
    await assert_ready(fast_emulator)

    await running
    await fast_emulator.services.drain()

    limit = fast_emulator.config.max_response_log_bytes
    for behaviour, room in rooms.items():
        query = f"channel_id={room.channel_id}&limit=1000"
        rows = await fast_emulator.call("GET", f"/-/deliveries?{query}", status=200)
        assert Counter(row["kind"] for row in rows) == {"modifier": 5, "output": 5, "tick": 2}
        for row in rows:
            check(row, EXPECTED[behaviour][row["kind"]], limit)
        messages = await fast_emulator.call(
            "GET", f"/api/v1/channels/{room.channel_id}/messages", status=200
        )
        assert len(messages["data"]) == 5
    await assert_ready(fast_emulator)


@contextlib.contextmanager
def peak_memory() -> Any:
    """Yield a list that holds the tracemalloc peak (bytes) once the block ends."""
    result: list[int] = []
    tracemalloc.start()
    try:
        yield result
    finally:
        result.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
