"""Return webhooks as Telex has them (CONTRACT §1.5, §2.4).

HTTP 202 always, even for a rejected body: Telex puts its verdict in the JSON body. No
envelope, no auth (integrations send none; unknown auth headers are ignored).
"""

from __future__ import annotations

from aiohttp import web

from emulator.ticks.return_bodies import Received
from emulator.web.api import services
from emulator.web.envelope import dumps, read_body

ACCEPTED = 202


def _answer(verdict: dict) -> web.Response:
    return web.json_response(verdict, status=ACCEPTED, dumps=dumps)


async def receive(request: web.Request) -> web.Response:
    """POST /v1/webhooks/{id}, /v1/return/{id}, /api/v1/return/{id}, /webhooks/feed/{id}."""
    s = services(request)
    raw, too_large = await read_body(request, s.config.max_body_bytes)
    received = Received(
        channel_id=request.match_info["channel_id"],
        path=request.path,
        method=request.method,
        content_type=request.headers.get("Content-Type"),
        raw=raw,
        too_large=too_large,
    )
    return _answer(await s.returns.receive(received))


async def receive_query(request: web.Request) -> web.Response:
    """GET /v1/webhooks/{id}?message=…&username=…&event_name=…&status=…"""
    s = services(request)
    query = {key: request.query[key] for key in request.query}
    received = Received(
        channel_id=request.match_info["channel_id"],
        path=request.path,
        method=request.method,
        content_type=None,
        raw=request.query_string.encode(),
        query=query,
    )
    return _answer(await s.returns.receive(received))
