"""Control API `/-/`: plain JSON for tests and the UI (CONTRACT §2.5)."""

from __future__ import annotations

from aiohttp import web

from emulator.web.api import services
from emulator.web.envelope import json_object, plain_json, query_int


async def health(request: web.Request) -> web.Response:
    return plain_json({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    s = services(request)
    return plain_json({"status": "ready", "clock": s.clock.mode, "db": s.config.db_path})


async def reset(request: web.Request) -> web.Response:
    s = services(request)
    await s.drain()
    await s.db.reset()
    return plain_json({"status": "reset"})


async def drain(request: web.Request) -> web.Response:
    await services(request).drain()
    return plain_json({"status": "drained"})


async def check(request: web.Request) -> web.Response:
    body = await json_object(request)
    result = await services(request).integrations.load(body.get("json_url"), body.get("spec"))
    return plain_json(result.as_dict())


async def deliveries(request: web.Request) -> web.Response:
    filters = {key: value for key, value in request.query.items() if value}
    rows = await services(request).deliveries.list(
        filters=filters,
        limit=query_int(request, "limit", default=100, maximum=1000),
        offset=query_int(request, "offset", default=0, maximum=10**9),
    )
    return plain_json(rows)


async def tick_now(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="ticks arrive with the scheduler issue")


async def ticks(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="ticks arrive with the scheduler issue")


async def schedule(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="the schedule arrives with the scheduler issue")


async def clock(request: web.Request) -> web.Response:
    s = services(request)
    return plain_json({"now": s.clock.now().isoformat(), "mode": s.clock.mode})


async def advance_clock(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="the virtual clock arrives with the scheduler issue")


async def returns(request: web.Request) -> web.Response:
    raise web.HTTPNotImplemented(reason="returns arrive with the scheduler issue")
