"""Hostile integration JSON over real HTTP: every bad document or server gets a clear answer.

Each case is served by a real local aiohttp server (or given inline, or is a URL that no
server should be asked for) and goes through both `POST /-/check` and
`POST /api/v1/organisations/{org}/integrations/custom`. A case either loads (with the
warnings a Telex user would expect) or is rejected: `ok: false` and a 422 whose message
names the URL, with a hint per error. Never a 500; afterwards the emulator is still
ready and the organisation created before is still there.

"Quickly" is asserted as bounded work, never as wall-clock time: bytes a server managed
to write, and the tracemalloc peak while the emulator fetches.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import struct
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import Emulator, replace

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MB = 1024 * 1024
SPEC_PATH = "/integration.json"


# --- documents ------------------------------------------------------------------------


def spec(kind: str = "modifier", **data: Any) -> dict[str, Any]:
    """A clean wrapped spec; keyword arguments replace keys of `data`."""
    root: dict[str, Any] = {
        "descriptions": {"app_name": "Hostile", "app_description": "tests"},
        "integration_type": kind,
        "integration_category": "Task Automation",
        "is_active": True,
        "settings": [{"label": "mode", "type": "text", "required": True, "default": ""}],
        "target_url": "http://127.0.0.1:9/format",
    }
    root.update(data)
    return {"data": root}


def encoded(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def nested(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


@cache
def gzip_bomb(inflated_bytes: int = 200 * MB, wbits: int = 31) -> bytes:
    """Zeros compressed (gzip for wbits=31, zlib/deflate for 15): ~1000x smaller."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(MB)
    parts = [packer.compress(block) for _ in range(inflated_bytes // MB)]
    return b"".join([*parts, packer.flush()])


# --- servers --------------------------------------------------------------------------


def answer(
    body: bytes | str,
    status: int = 200,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Handler:
    data = body.encode() if isinstance(body, str) else body

    async def handle(_request: web.Request) -> web.StreamResponse:
        response = web.Response(body=data, status=status, headers=headers or {})
        response.content_type = content_type
        return response

    return handle


def json_answer(doc: Any, **kwargs: Any) -> Handler:
    return answer(encoded(doc), **kwargs)


def redirect_to(location: str) -> Handler:
    async def handle(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(location)

    return handle


async def redirect_loop(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/b" if request.path != "/b" else "/a")


async def redirect_to_a_spec(request: web.Request) -> web.StreamResponse:
    if request.path == "/moved.json":
        return web.json_response(spec())
    raise web.HTTPMovedPermanently("/moved.json")


async def close_without_answer(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()
    await asyncio.Event().wait()  # cancelled when the connection is lost
    raise AssertionError("unreachable")


async def reset_connection(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    sock = request.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request.transport.abort()  # linger 0: the kernel sends RST, not FIN
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def not_http(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.write(b"SPEC 42 here you go\r\n\r\n{}")
    request.transport.close()
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def cut_off_body(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": "1000"})
    response.content_type = "application/json"
    await response.prepare(request)
    await response.write(b'{"data": {"integration_type"')
    assert request.transport is not None
    request.transport.close()
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


@dataclass
class Streamer:
    """Writes `total_bytes` (or forever) per request and counts what each one got out."""

    total_bytes: int | None
    declare_length: bool = False
    content_encoding: str | None = None
    chunk: bytes = b" " * 65536
    written: list[int] = field(default_factory=list)  # bytes written, one entry per request
    finished: int = 0  # requests that got the whole body

    async def handle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "application/json"
        if self.declare_length and self.total_bytes is not None:
            response.content_length = self.total_bytes
        if self.content_encoding:
            response.headers["Content-Encoding"] = self.content_encoding
        await response.prepare(request)
        index = len(self.written)
        self.written.append(0)
        while self.total_bytes is None or self.written[index] < self.total_bytes:
            await response.write(self.chunk)  # cancelled once the emulator hangs up
            self.written[index] += len(self.chunk)
        self.finished += 1
        return response


@dataclass
class Never:
    """Never answers (or stops after the headers): awaits an event nobody sets."""

    send_headers: bool = False
    event: asyncio.Event = field(default_factory=asyncio.Event)
    requests: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if self.send_headers:
            response = web.StreamResponse(headers={"Content-Length": "5000"})
            response.content_type = "application/json"
            await response.prepare(request)
            await response.write(b'{"data": {')
        await self.event.wait()
        raise AssertionError("nobody sets the event")


# --- the round trip -------------------------------------------------------------------


@dataclass
class Outcome:
    checked: dict[str, Any]  # /-/check body
    installed: dict[str, Any]  # install envelope
    install_status: int


async def post(emulator: Emulator, path: str, body: Any) -> tuple[int, Any]:
    response = await emulator.client.post(path, json=body)
    assert response.status < 500, (response.status, await response.text())
    return response.status, await response.json()


async def round_trip(emulator: Emulator, body: dict[str, Any]) -> Outcome:
    """Create an organisation, /-/check then install `body`; the server is fine after."""
    org = await emulator.org("Before the storm")
    _, checked = await post(emulator, "/-/check", body)
    status, installed = await post(
        emulator, f"/api/v1/organisations/{org['id']}/integrations/custom", body
    )
    ready = await emulator.client.get("/-/ready")
    assert ready.status == 200, await ready.text()
    again = await emulator.call("GET", f"/api/v1/organisations/{org['id']}", status=200)
    assert again["data"]["name"] == "Before the storm"
    listed = await emulator.call(
        "GET", f"/api/v1/organisations/{org['id']}/integrations/custom", status=200
    )
    assert len(listed["data"]) == (1 if status == 201 else 0)
    return Outcome(checked, installed, status)


def assert_rejected(outcome: Outcome, source: str, *says: str) -> None:
    """ok=false and a 422 naming `source`; the first error says one of `says`; all hinted."""
    checked, installed = outcome.checked, outcome.installed
    assert checked.get("ok") is False, checked
    assert checked["source"] == source
    assert checked["errors"], checked
    assert all(e["message"] and e["hint"] for e in checked["errors"]), checked
    first = checked["errors"][0]["message"].lower()
    assert any(s.lower() in first for s in says), (says, first)

    assert outcome.install_status == 422, installed
    assert installed["status"] == "error"
    assert installed["status_code"] == 422
    assert source in installed["message"], installed["message"]
    assert any(s.lower() in installed["message"].lower() for s in says), installed["message"]
    errors = installed["data"]["errors"]
    assert errors
    assert all(e["message"] and e["hint"] for e in errors), errors


CANNOT_CALL = "Telex cannot call this integration as published"


def assert_loaded(outcome: Outcome, warnings: int = 0, uncallable: bool = False) -> dict[str, Any]:
    """Installed (201) with at least `warnings` warnings. /-/check agrees, except that a URL
    Telex cannot call (`uncallable`) is an error to it and only a warning to the install."""
    checked, installed = outcome.checked, outcome.installed
    assert checked["installable"] is True, checked
    assert checked["ok"] is not uncallable, checked
    assert [e for e in checked["errors"] if CANNOT_CALL not in e["message"]] == []
    assert len(checked["errors"]) == int(uncallable), checked["errors"]
    assert len(checked["warnings"]) >= warnings, checked["warnings"]
    assert outcome.install_status == 201, installed
    found = len(checked["warnings"]) + len(checked["errors"])
    assert len(installed["data"]["warnings"]) == found
    return installed["data"]


async def serve(aiohttp_server: Any, handler: Handler) -> str:
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url(SPEC_PATH))


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """Yield a list that holds the tracemalloc peak (bytes) once the block ends."""
    result: list[int] = []
    tracemalloc.start()
    try:
        yield result
    finally:
        result.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


# --- served documents and servers -----------------------------------------------------


@dataclass(frozen=True)
class Served:
    name: str
    handler: Handler
    says: tuple[str, ...] = ()  # the first error says one of these; () means it loads
    warnings: int = 0  # when it loads: at least this many warnings
    uncallable: bool = False  # when it loads: Telex could not call its target_url
    then: Callable[[dict[str, Any]], object] = lambda installed: None  # asserts, when it loads


def _wrong_types_everywhere() -> dict[str, Any]:
    return {
        "data": {
            "descriptions": ["Hostile"],
            "integration_type": 5,
            "integration_category": {"x": 1},
            "is_active": "perhaps",
            "settings": "none",
            "target_url": 42,
            "tick_url": False,
        }
    }


def _loose_types() -> dict[str, Any]:
    return spec(
        is_active="yes",
        integration_category=["Task Automation"],
        target_url=["http://127.0.0.1:9/format"],
        settings=[
            {"label": "n", "type": "number", "required": "true", "default": "1000"},
            {"label": "c", "type": "checkbox", "required": "no", "default": "Yes"},
            {"label": "m", "type": "Multi-Select", "options": "a,b", "default": 7},
            {"label": "r", "type": ["radio"], "required": None},
        ],
    )


def _unicode_everywhere() -> dict[str, Any]:
    rtl = "\u202eevil\u202c مرحبا \u200f"
    return spec(
        descriptions={"app_name": "間隔 🕐 " + rtl, "app_description": "👩‍👩‍👧‍👦" * 1000},
        settings=[
            {"label": "🔑 κλειδί", "type": "text", "required": False, "default": "ü\u0000ß"},
            {"label": rtl, "type": "dropdown", "options": ["🅰", "🅱"], "default": "🅰"},
            {"label": "zero\u200bwidth", "type": "text", "required": True, "default": ""},
        ],
        **{"ключ 🗝": {"\u0000": "nul key"}},
    )


def _lone_surrogates() -> bytes:
    # JSON may escape half a surrogate pair; Go's encoding/json reads it as U+FFFD.
    return (
        b'{"data": {"integration_type": "modifier", "integration_category": "Task Automation",'
        b' "descriptions": {"app_name": "half \\ud83d pair"}, "is_active": true,'
        b' "target_url": "http://127.0.0.1:9/\\udfff",'
        b' "settings": [{"label": "\\udc00", "type": "text", "required": true, "default": ""}],'
        b' "\\ud800": "key"}}'
    )


def _ten_thousand_settings() -> dict[str, Any]:
    item = {"type": "text", "required": False, "default": "value"}
    return spec(settings=[item | {"label": f"setting {i}"} for i in range(10_000)])


def _cases() -> list[Served]:
    clean = encoded(spec())
    bom = b"\xef\xbb\xbf" + clean
    return [
        # -- nesting and size
        Served("100k nested lists", answer(nested(100_000)), ("nests too deeply",)),
        Served(
            "100k nested objects",
            answer('{"a":' * 100_000 + "1" + "}" * 100_000),
            ("nests too deeply",),
        ),
        Served(
            "100k nested lists inside a valid spec",
            answer(encoded(spec())[:-2] + b', "extra": ' + nested(100_000).encode() + b"}}"),
            ("nests too deeply",),
        ),
        Served(
            "940 nested lists inside a valid spec",  # json.loads copes; storing it would not
            answer(encoded(spec())[:-2] + b', "extra": ' + nested(940).encode() + b"}}"),
            ("nests too deeply (over 100 levels)",),
        ),
        Served(
            "50 nested lists inside a valid spec load",
            answer(encoded(spec())[:-2] + b', "extra": ' + nested(50).encode() + b"}}"),
        ),
        Served("3 MB string", json_answer(spec(app_description="x" * 3 * MB)), ("KiB",)),
        Served("1.5 MB string loads", json_answer(spec(app_description="x" * (3 * MB // 2)))),
        Served(
            "1 MB label loads",
            json_answer(spec(settings=[{"label": "L" * MB, "type": "text", "default": ""}])),
            warnings=1,
        ),
        Served(
            "10k settings load",
            json_answer(_ten_thousand_settings()),
            then=lambda row: check_settings_count(row, 10_000),
        ),
        Served(
            "10k settings without labels",
            json_answer(spec(settings=[{"type": "text"}] * 10_000)),
            ("has no label",),
        ),
        # -- not an object at the root
        Served("JSON string root", answer('"integration"'), ("must be an object, got a string",)),
        Served("JSON number root", answer("42"), ("must be an object, got a number",)),
        Served("JSON array root", json_answer([spec()]), ("must be an object, got a list",)),
        Served("JSON null root", answer("null"), ("is JSON null",)),
        Served("empty body", answer(b""), ("is empty",)),
        Served("whitespace body", answer(b" \r\n\t "), ("is empty",)),
        Served("empty object", answer("{}"), ("integration_type is missing",)),
        # -- not JSON
        Served("truncated JSON", answer(clean[: len(clean) // 2]), ("is not JSON (",)),
        Served("trailing garbage", answer(clean + b" and more"), ("Extra data",)),
        Served("comments", answer(b"// spec\n" + clean), ("is not JSON (",)),
        Served("single quotes", answer("{'data': {}}"), ("is not JSON (",)),
        Served("NaN literal", answer(clean[:-2] + b', "x": NaN}}'), ("NaN is not a JSON value",)),
        Served(
            "Infinity literal",
            answer(clean[:-2] + b', "x": [Infinity, -Infinity]}}'),
            ("Infinity is not a JSON value",),
        ),
        Served("1e999", answer(clean[:-2] + b', "x": 1e999}}'), ("out of range",)),
        Served(
            "5000-digit integer",
            answer(clean[:-2] + b', "x": ' + b"9" * 5000 + b"}}"),
            ("thousands of digits",),
        ),
        Served(
            "raw NUL byte in a string",
            answer(clean.replace(b"Hostile", b"Host\x00ile")),
            ("Invalid control character",),
        ),
        Served("UTF-16 with BOM", answer(json.dumps(spec()).encode("utf-16")), ("not UTF-8",)),
        Served("Latin-1", answer(clean.replace(b"Hostile", "Hôstile".encode("latin-1"))), ("UTF-8",)),
        Served("HTML page", answer("<!doctype html><title>Hi</title>", content_type="text/html"), ("HTML page",)),
        Served("UTF-8 BOM loads", answer(bom)),
        Served("text/plain JSON loads", answer(clean, content_type="text/plain")),
        Served(
            "gzip-encoded spec loads",
            answer(gzip_bytes(clean), headers={"Content-Encoding": "gzip"}),
        ),
        Served(
            "Content-Encoding gzip but not gzip",
            answer(clean, headers={"Content-Encoding": "gzip"}),
            ("cut off or malformed",),
        ),
        Served(
            "Content-Encoding nobody knows",
            answer(clean, headers={"Content-Encoding": "x-rot13"}),
            (),
        ),
        # -- types and characters
        Served(
            "wrong types everywhere",
            json_answer(_wrong_types_everywhere()),
            ("integration_type must be a string",),
        ),
        Served(
            "settings of junk",
            json_answer(spec(settings=[1, None, {"label": {}}, {"label": " "}, [{}]])),
            ("setting #0 must be an object",),
        ),
        Served(
            "loose types load with warnings",
            json_answer(_loose_types()),
            warnings=7,
            uncallable=True,
        ),
        Served(
            "unicode, emoji, RTL, NUL escapes load",
            json_answer(_unicode_everywhere()),
            then=check_unicode_kept,
        ),
        Served(
            "lone surrogates load as U+FFFD",
            answer(_lone_surrogates()),
            then=check_replaced_surrogates,
        ),
        Served(
            "lone surrogate as integration_type",
            answer(b'{"data": {"integration_type": "\\ud800"}}'),
            ("not one Telex knows",),
        ),
        Served(
            "duplicate keys: the last wins",
            answer(b'{"data": ' + clean[9:-2] + b', "integration_type": "output"}}'),
            then=lambda row: check_type(row, "output"),
        ),
        Served(
            "hostile target_url loads with a warning",
            json_answer(spec(target_url="javascript:alert(document.cookie)")),
            uncallable=True,
        ),
        Served(
            "file:// target_url loads with a warning",
            json_answer(spec(target_url="file:///etc/passwd")),
            uncallable=True,
        ),
        # -- HTTP
        Served("404", answer("not found", status=404, content_type="text/plain"), ("HTTP 404",)),
        Served("500", answer("boom", status=500, content_type="text/plain"), ("HTTP 500",)),
        Served("500 with a valid spec", json_answer(spec(), status=500), ("HTTP 500",)),
        Served("302 without Location", answer(b"", status=302), ("HTTP 302",)),
        Served("204 No Content", answer(b"", status=204), ("is empty",)),
        Served("redirect loop", redirect_loop, ("redirect loop",)),
        Served("redirect to file://", redirect_to("file:///etc/passwd"), ("not an http(s) url",)),
        Served("redirect to ftp://", redirect_to("ftp://127.0.0.1/x.json"), ("not an http(s) url",)),
        Served("redirect to javascript:", redirect_to("javascript:alert(1)"), ("not an http(s) url",)),
        Served("redirect to a spec loads", redirect_to_a_spec),
        Served("connection closed without answer", close_without_answer, ("closed the connection",)),
        Served("connection reset", reset_connection, ("reset", "closed the connection")),
        Served("not HTTP at all", not_http, ("bad HTTP response",)),
        Served("body cut off", cut_off_body, ("cut off",)),
    ]  # fmt: skip


def check_replaced_surrogates(row: dict[str, Any]) -> None:
    assert row["app_name"] == "half \ufffd pair"
    assert row["settings"][0]["label"] == "\ufffd"
    assert row["spec"]["data"]["\ufffd"] == "key"


def check_unicode_kept(row: dict[str, Any]) -> None:
    expected = _unicode_everywhere()["data"]
    assert row["app_name"] == expected["descriptions"]["app_name"]
    assert row["settings"] == expected["settings"]
    assert row["spec"]["data"]["ключ 🗝"] == {"\u0000": "nul key"}


def check_type(row: dict[str, Any], kind: str) -> None:
    assert row["integration_type"] == kind


def check_settings_count(row: dict[str, Any], count: int) -> None:
    assert len(row["settings"]) == count


def gzip_bytes(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


CASES = _cases()


def test_there_are_at_least_40_hostile_cases() -> None:
    assert len(CASES) + len(BAD_URLS) + len(INLINE) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_served_document(case: Served, emulator: Emulator, aiohttp_server: Any) -> None:
    url = await serve(aiohttp_server, case.handler)

    outcome = await round_trip(emulator, {"json_url": url})

    if case.says:
        assert_rejected(outcome, url, *case.says)
    else:
        case.then(assert_loaded(outcome, case.warnings, case.uncallable))


# --- URLs the emulator must not fetch (or cannot) ---------------------------------------


BAD_URLS: list[tuple[str, str, tuple[str, ...]]] = [
    ("file://", "file:///etc/passwd", ("not an http(s) url",)),
    ("file:// of the environment", "file:///proc/self/environ", ("not an http(s) url",)),
    ("ftp://", "ftp://127.0.0.1/integration.json", ("not an http(s) url",)),
    ("javascript:", "javascript:alert(document.cookie)", ("not an http(s) url",)),
    (
        "data:",
        "data:application/json," + json.dumps(spec()),
        ("not an http(s) url",),
    ),
    ("bare path", "/etc/passwd", ("not an http(s) url",)),
    ("no scheme", "localhost:8000/integration.json", ("not an http(s) url",)),
    ("no host", "http://", ("invalid url",)),
    ("broken IPv6", "http://[::1/integration.json", ("invalid url", "failed")),
    ("port out of range", "http://127.0.0.1:99999/x.json", ("invalid url", "failed")),
    ("NUL in the URL", "http://127.0.0.1\x00.evil/x.json", ("failed",)),
]


@pytest.mark.parametrize(
    ("url", "says"), [(u, s) for _, u, s in BAD_URLS], ids=[n for n, _, _ in BAD_URLS]
)
async def test_url_that_is_not_fetched(url: str, says: tuple[str, ...], emulator: Emulator) -> None:
    outcome = await round_trip(emulator, {"json_url": url})

    assert_rejected(outcome, url, *says)
    assert url.replace("\x00", "\\x00")[:100] in outcome.checked["errors"][0]["message"]
    assert "root:" not in json.dumps(outcome.installed)  # nothing of /etc/passwd leaks


async def test_a_port_nobody_listens_on(emulator: Emulator) -> None:
    with socket.socket() as held:  # bound, never listening: connecting is refused
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}/integration.json"

        outcome = await round_trip(emulator, {"json_url": url})

    assert_rejected(outcome, url, "connection refused")


async def test_a_huge_url_is_shortened_in_the_error(emulator: Emulator) -> None:
    url = "ftp://example.com/" + "a" * 100_000

    outcome = await round_trip(emulator, {"json_url": url})

    [error] = outcome.checked["errors"]
    assert len(error["message"]) < 500
    assert "not an http(s) URL" in error["message"]


@pytest.mark.parametrize("json_url", [None, "", "   ", 42, ["http://x"], {"url": "http://x"}])
async def test_json_url_that_is_not_a_url_string(json_url: Any, emulator: Emulator) -> None:
    org = await emulator.org()

    reply = await emulator.call(
        "POST", f"/api/v1/organisations/{org['id']}/integrations/custom", {"json_url": json_url}
    )
    checked = await emulator.call("POST", "/-/check", {"json_url": json_url})

    for body in (reply, checked):
        assert body["status_code"] == 422, body
        assert body["data"]["errors"][0]["hint"]
    assert (await emulator.client.get("/-/ready")).status == 200


# --- inline specs -----------------------------------------------------------------------

LOOSE = _loose_types()  # its target_url is a list: Telex could not call it
INLINE: list[tuple[str, Any, tuple[str, ...]]] = [
    ("wrong types everywhere", _wrong_types_everywhere(), ("integration_type must be",)),
    ("settings of junk", spec(settings=[None, {"label": []}]), ("setting #0 must be",)),
    ("loose types", LOOSE, ()),
    ("unicode everywhere", _unicode_everywhere(), ()),
    ("1000 settings", spec(settings=[{"label": f"s{i}"} for i in range(1000)]), ()),
    ("deep but legal nesting", spec(extra=json.loads(nested(200))), ()),
]


@pytest.mark.parametrize(
    ("doc", "says"), [(d, s) for _, d, s in INLINE], ids=[n for n, _, _ in INLINE]
)
async def test_inline_spec(doc: Any, says: tuple[str, ...], emulator: Emulator) -> None:
    outcome = await round_trip(emulator, {"spec": doc})

    if says:
        assert_rejected(outcome, "inline spec", *says)
    else:
        assert_loaded(outcome, uncallable=doc is LOOSE)


async def test_an_inline_spec_over_the_body_limit_is_413(emulator: Emulator) -> None:
    org = await emulator.org()
    doc = spec(app_description="x" * (emulator.config.max_body_bytes + 1))
    body = encoded({"spec": doc})

    for path in ("/-/check", f"/api/v1/organisations/{org['id']}/integrations/custom"):
        response = await emulator.client.post(
            path, data=io.BytesIO(body), headers={"Content-Type": "application/json"}
        )
        reply = await response.json()
        assert response.status == 413, reply
        assert "limit" in reply["message"]
    assert (await emulator.client.get("/-/ready")).status == 200


async def test_inline_deep_nesting_is_a_clear_400(emulator: Emulator) -> None:
    org = await emulator.org()
    body = '{"spec": ' + nested(100_000) + "}"

    for path in ("/-/check", f"/api/v1/organisations/{org['id']}/integrations/custom"):
        response = await emulator.client.post(
            path, data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400, await response.text()
    assert (await emulator.client.get("/-/ready")).status == 200


# --- bounded work: size limits, bombs, servers that never answer ----------------------


async def test_a_10_mb_body_is_refused_before_it_is_read(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    streamer = Streamer(10 * MB, declare_length=True)
    url = await serve(aiohttp_server, streamer.handle)

    outcome = await round_trip(emulator, {"json_url": url})

    assert_rejected(outcome, url, "more than 2048 KiB")
    assert streamer.finished == 0
    assert len(streamer.written) == 2
    assert max(streamer.written) < 10 * MB


async def test_an_endless_body_is_cut_at_the_limit(emulator: Emulator, aiohttp_server: Any) -> None:
    streamer = Streamer(None)  # chunked, no length, never ends
    url = await serve(aiohttp_server, streamer.handle)

    with peak_memory() as peak:
        outcome = await round_trip(emulator, {"json_url": url})

    assert_rejected(outcome, url, "more than 2048 KiB")  # not a timeout: it stopped reading
    assert streamer.finished == 0
    assert max(streamer.written) < 64 * MB
    assert peak[0] < 50 * MB


@pytest.mark.parametrize(
    ("encoding", "wbits", "declare_length"),
    [("gzip", 31, True), ("gzip", 31, False), ("deflate", 15, False)],
    ids=["gzip with length", "gzip chunked", "deflate chunked"],
)
async def test_a_compression_bomb_is_not_inflated(
    encoding: str, wbits: int, declare_length: bool, emulator: Emulator, aiohttp_server: Any
) -> None:
    bomb = gzip_bomb(200 * MB, wbits)  # ~200 KB on the wire
    assert len(bomb) < MB
    streamer = Streamer(len(bomb), declare_length, encoding, chunk=bomb)
    url = await serve(aiohttp_server, streamer.handle)

    with peak_memory() as peak:
        outcome = await round_trip(emulator, {"json_url": url})

    assert_rejected(outcome, url, "more than 2048 KiB")
    assert peak[0] < 50 * MB  # aiohttp inflates in bounded steps; we stop after 2 MiB


@pytest.mark.parametrize("send_headers", [False, True], ids=["no answer", "headers only"])
async def test_a_server_that_never_answers_times_out(
    send_headers: bool, config: Any, make_emulator: Any, aiohttp_server: Any
) -> None:
    emulator = await make_emulator(replace(config, fetch_timeout_s=0.3))
    never = Never(send_headers)
    url = await serve(aiohttp_server, never.handle)

    outcome = await round_trip(emulator, {"json_url": url})

    assert_rejected(outcome, url, "no complete answer within 0.3 s")
    assert never.requests == 2
    assert not never.event.is_set()


async def test_a_legal_spec_larger_than_one_read_is_read_whole(
    emulator: Emulator, aiohttp_server: Any
) -> None:
    doc = _ten_thousand_settings()
    body = encoded(doc)
    assert len(body) > 512 * 1024  # many socket reads
    url = await serve(aiohttp_server, Streamer(len(body), chunk=body).handle)

    outcome = await round_trip(emulator, {"json_url": url})

    installed = assert_loaded(outcome)
    assert installed["app_name"] == "Hostile"
