"""Control API `/-/`: plain JSON for tests and the UI (CONTRACT §2.5)."""

from __future__ import annotations

from aiohttp import web

from emulator.agents.loader import wants_agent
from emulator.errors import Conflict, ValidationFailed, problem
from emulator.returns import CORRELATIONS
from emulator.shapes import iso
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
    await s.agents.forget()
    return plain_json({"status": "reset"})


async def drain(request: web.Request) -> web.Response:
    await services(request).drain()
    return plain_json({"status": "drained"})


async def check(request: web.Request) -> web.Response:
    body = await json_object(request)
    if wants_agent(body):  # {card_url}, {base_url}, {card} or {workflow}
        return plain_json(await services(request).agents.check(body))
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
    """Tick now; answers the tick record once the tick request finished."""
    body = await json_object(request)
    ids = {name: body.get(name) for name in ("integration_id", "channel_id")}
    bad = [name for name, value in ids.items() if not isinstance(value, str) or not value]
    if bad:
        raise ValidationFailed(
            "tick now needs integration_id and channel_id",
            [
                problem(name, f"{name} is missing", 'send {"integration_id": …, "channel_id": …}')
                for name in bad
            ],
        )
    tick = await services(request).ticks.tick_now(ids["integration_id"], ids["channel_id"])
    return plain_json(tick)


async def ticks(request: web.Request) -> web.Response:
    filters = {key: value for key, value in request.query.items() if value}
    rows = await services(request).ticks.list(
        filters=filters,
        limit=query_int(request, "limit", default=100, maximum=100_000),
        offset=query_int(request, "offset", default=0, maximum=10**9),
    )
    return plain_json(rows)


async def schedule(request: web.Request) -> web.Response:
    return plain_json(await services(request).scheduler.schedule())


async def clock(request: web.Request) -> web.Response:
    s = services(request)
    return plain_json({"now": iso(s.clock.now()), "mode": s.clock.mode})


async def advance_clock(request: web.Request) -> web.Response:
    """{seconds} or {until}: fire every due tick in time order, then answer them."""
    s = services(request)
    if s.clock.mode != "virtual":
        raise Conflict(
            "the clock is real and cannot be moved; start the emulator with --clock virtual "
            "to advance time by hand, or use POST /-/ticks to tick now"
        )
    body = await json_object(request)
    unknown = sorted(set(body) - {"seconds", "until"})
    if unknown:
        raise ValidationFailed(
            "unknown field(s) in the advance request",
            [
                problem(name, "not a field of an advance request", 'send {"seconds": 300}')
                for name in unknown
            ],
        )
    return plain_json(await s.scheduler.advance(body.get("seconds"), body.get("until")))


async def returns(request: web.Request) -> web.Response:
    """Every body received on a webhook path, with its verdict and correlation."""
    filters = {key: value for key, value in request.query.items() if value}
    correlation = filters.get("correlation")
    if correlation and correlation not in CORRELATIONS:
        raise ValidationFailed(
            "unknown correlation",
            [problem("correlation", f"got {correlation!r}", "use matched, late or orphan")],
        )
    rows = await services(request).returns.list(
        filters=filters,
        limit=query_int(request, "limit", default=100, maximum=100_000),
        offset=query_int(request, "offset", default=0, maximum=10**9),
    )
    return plain_json(rows)
