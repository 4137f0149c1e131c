"""Return webhooks as Telex has them (CONTRACT §1.5, §2.4)."""

from __future__ import annotations

from aiohttp import web


async def receive(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="return webhooks arrive with the scheduler issue")


async def receive_query(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="return webhooks arrive with the scheduler issue")
