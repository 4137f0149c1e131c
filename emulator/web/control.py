"""Control API `/-/`: plain JSON for tests and the UI (CONTRACT §2.5)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulator.agents.loader import wants_agent
from emulator.errors import ValidationFailed, problem
from emulator.shapes import iso
from emulator.ticks.returns import CORRELATIONS
from emulator.web.api import services
from emulator.web.envelope import json_object, plain_json, query_int


async def health(request: web.Request) -> web.Response:
    return plain_json({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    s = services(request)
    return plain_json({"status": "ready", "clock": s.clock.mode, "db": s.config.db_path})


async def reset(request: web.Request) -> web.Response:
    await services(request).reset()
    return plain_json({"status": "reset"})


async def drain(request: web.Request) -> web.Response:
    await services(request).drain()
    return plain_json({"status": "drained"})


async def check(request: web.Request) -> web.Response:
    """Lint without installing, as Telex would take the JSON (`installable` says whether
    the emulator would install it anyway, with a URL override)."""
    body = await json_object(request)
    if wants_agent(body):  # {card_url}, {base_url}, {card} or {workflow}
        return plain_json(await services(request).agents.check(body))
    integrations = services(request).integrations
    result = await integrations.load(body.get("json_url"), body.get("spec"), context="check")
    return plain_json(result.as_dict())


def log_query(request: web.Request, max_limit: int) -> dict[str, Any]:
    """The filters (every non-empty parameter), limit and offset of a log listing."""
    return {
        "filters": {key: value for key, value in request.query.items() if value},
        "limit": query_int(request, "limit", default=100, maximum=max_limit),
        "offset": query_int(request, "offset", default=0, maximum=10**9),
    }


async def deliveries(request: web.Request) -> web.Response:
    return plain_json(await services(request).deliveries.list(**log_query(request, 1000)))


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
    return plain_json(await services(request).ticks.list(**log_query(request, 100_000)))


async def schedule(request: web.Request) -> web.Response:
    return plain_json(await services(request).scheduler.schedule())


async def clock(request: web.Request) -> web.Response:
    s = services(request)
    return plain_json({"now": iso(s.clock.now()), "mode": s.clock.mode})


async def advance_clock(request: web.Request) -> web.Response:
    """{seconds} or {until}: fire every due tick in time order, then answer them."""
    s = services(request)
    s.scheduler.require_virtual()  # before the body: a real clock never moves
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
    query = log_query(request, 100_000)
    correlation = query["filters"].get("correlation")
    if correlation and correlation not in CORRELATIONS:
        raise ValidationFailed(
            "unknown correlation",
            [problem("correlation", f"got {correlation!r}", "use matched, late or orphan")],
        )
    return plain_json(await services(request).returns.list(**query))
