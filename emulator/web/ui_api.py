"""Small control endpoints only the browser UI needs."""

from __future__ import annotations

from aiohttp import web

from emulator import cron
from emulator.shapes import iso
from emulator.web.api import services
from emulator.web.envelope import plain_json, query_int

MAX_PREVIEW = 20


async def cron_preview(request: web.Request) -> web.Response:
    """GET /-/cron/preview?expr=&count=3: the next fire times of a crontab, on the emulator's
    clock (virtual or real), so the settings form can show them as the person types."""
    expr = request.query.get("expr", "")
    count = max(1, query_int(request, "count", default=3, maximum=MAX_PREVIEW))
    now = services(request).clock.now()
    error = cron.validation_error(expr)
    upcoming = [] if error is not None else cron.next_n(expr.strip(), now, count)
    return plain_json(
        {
            "expr": expr,
            "valid": error is None,
            "error": error,
            "now": iso(now),
            "next": [iso(at) for at in upcoming],
        }
    )
