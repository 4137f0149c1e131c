"""Every body is read whole up to --max-body-bytes, whatever its chunking (one bounded reader).

`StreamReader.read(n)` answers with the first chunk that arrived (often 64 KiB), not n
bytes: a reader that calls it once sees a 300 KB body cut short. These tests send real
HTTP with Content-Length and with chunked transfer encoding to every route that takes a
body, and have stub integrations answer with large bodies too.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests import stubs
from tests.conftest import Emulator

SIZES = [100_000, 900_000]
WEBHOOK_PATHS = ["/v1/webhooks/{c}", "/v1/return/{c}", "/api/v1/return/{c}", "/webhooks/feed/{c}"]
CUSTOM = "/api/v1/organisations/{o}/integrations/custom"
ENVELOPE_ROUTES = [
    ("POST", "/api/v1/organisations"),
    ("POST", "/api/v1/channels"),
    ("POST", "/api/v1/channels/{c}/messages"),
    ("PUT", "/api/v1/channels/{c}/integrations/order"),
    ("POST", CUSTOM),
    ("PUT", CUSTOM + "/{i}"),
    ("PUT", CUSTOM + "/{i}/settings"),
    ("PUT", "/api/v1/organisations/{o}/integrations/{i}/channels/{c}/settings"),
    ("POST", "/-/check"),
    ("POST", "/-/ticks"),
    ("POST", "/-/clock/advance"),
]


def padded(size: int, fields: dict[str, Any], pad_key: str = "pad") -> bytes:
    """A JSON object of exactly `size` bytes: `fields` plus one string that fills it up."""
    empty = json.dumps({**fields, pad_key: ""}).encode()
    body = json.dumps({**fields, pad_key: "a" * (size - len(empty))}).encode()
    assert len(body) == size
    return body


async def chunked(body: bytes, piece: int = 16_384) -> AsyncIterator[bytes]:
    """The body as a stream of pieces: aiohttp sends it with chunked transfer encoding."""
    for start in range(0, len(body), piece):
        yield body[start : start + piece]


async def send(emulator: Emulator, method: str, path: str, body: bytes, mode: str) -> Any:
    # BytesIO: aiohttp warns that large raw bytes block the loop; it still sends a length.
    data: Any = io.BytesIO(body) if mode == "content-length" else chunked(body)
    headers = {"Content-Type": "application/json"}
    response = await emulator.client.request(method, path, data=data, headers=headers)
    sent_chunked = response.request_info.headers.get("Transfer-Encoding") == "chunked"
    assert sent_chunked == (mode == "chunked")
    return response.status, await response.json()


async def ids(emulator: Emulator, start_stub: Any) -> dict[str, str]:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    integration = await emulator.install(org["id"], await start_stub(kind="interval"))
    return {"o": org["id"], "c": channel["id"], "i": integration["id"]}


@pytest.mark.parametrize("mode", ["content-length", "chunked"])
@pytest.mark.parametrize(("method", "template"), ENVELOPE_ROUTES)
async def test_api_bodies_are_read_whole_up_to_the_limit(
    emulator: Emulator, start_stub: Any, method: str, template: str, mode: str
) -> None:
    path = template.format(**await ids(emulator, start_stub))
    for size in SIZES:
        status, answer = await send(emulator, method, path, padded(size, {}), mode)
        # Whatever the route makes of the fields, it got valid JSON of the whole size.
        assert status not in (413, 500), (size, status, answer)
        assert "not valid JSON" not in answer["message"], (size, answer)

    limit = emulator.config.max_body_bytes
    status, answer = await send(emulator, method, path, padded(limit + 1, {}), mode)
    assert status == 413, answer
    assert "--max-body-bytes" in answer["message"]


@pytest.mark.parametrize("mode", ["content-length", "chunked"])
@pytest.mark.parametrize("template", WEBHOOK_PATHS)
async def test_return_bodies_are_read_whole_up_to_the_limit(
    emulator: Emulator, start_stub: Any, template: str, mode: str
) -> None:
    channel_id = (await ids(emulator, start_stub))["c"]
    path = template.format(c=channel_id)
    fields = {"username": "bot", "event_name": "report", "status": "success"}
    for size in SIZES:
        status, verdict = await send(emulator, "POST", path, padded(size, fields, "message"), mode)
        assert status == 202
        assert verdict == {"status": "success", "status_code": 202, "message": "message received"}
    messages = (await emulator.call("GET", f"/api/v1/channels/{channel_id}/messages"))["data"]
    overhead = len(json.dumps({**fields, "message": ""}))
    assert [len(m["content"]) for m in messages] == [size - overhead for size in SIZES]

    limit = emulator.config.max_body_bytes
    over = padded(limit + 1, fields, "message")
    status, verdict = await send(emulator, "POST", path, over, mode)
    assert status == 202
    assert verdict["status_code"] == 400
    assert f"over the {limit}-byte limit" in verdict["message"]


def streamed_json(body: bytes, declare_length: bool) -> stubs.Reply:
    """A reply written in small pieces, with a Content-Length or chunked."""

    async def reply(request: web.Request, _payload: Any) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if declare_length:
            response.content_length = len(body)
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 8192):
            await response.write(body[start : start + 8192])
        await response.write_eof()
        return response

    return reply


@pytest.mark.parametrize("declare_length", [True, False])
async def test_large_modifier_replies_are_read_whole(
    emulator: Emulator, start_stub: Any, declare_length: bool
) -> None:
    text = "b" * 300_000
    reply = json.dumps({"message": text, "status": "success"}).encode()
    stub = await start_stub(kind="modifier", target=streamed_json(reply, declare_length))
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    integration = await emulator.install(org["id"], stub)
    await emulator.activate(org["id"], integration["id"], channel["id"])

    sent = await emulator.call(
        "POST", f"/api/v1/channels/{channel['id']}/messages", {"content": "hi"}, 201
    )

    assert sent["data"]["trace"][0]["outcome"] == "ok", sent["data"]["trace"]
    assert sent["data"]["content"] == text
