"""Control API for regression testing: replays, seed files, snapshots (issue #18)."""

from __future__ import annotations

from aiohttp import web

from emulator.web.api import services
from emulator.web.envelope import json_object, plain_json


async def replay(request: web.Request) -> web.Response:
    """Replay stored messages (or ticks) through the integrations as they are now."""
    body = await json_object(request)
    return plain_json(await services(request).replays.replay(body))


async def replays(request: web.Request) -> web.Response:
    """The kept replays, newest first, with their results."""
    return plain_json(services(request).replays.list())


async def seed(request: web.Request) -> web.Response:
    """Apply a seed file's document (the JSON form of the YAML schema)."""
    body = await json_object(request)
    return plain_json(await services(request).seeder.apply(body, "POST /-/seed"))


async def snapshots(request: web.Request) -> web.Response:
    return plain_json(services(request).snapshots.list())


async def take_snapshot(request: web.Request) -> web.Response:
    """Save the whole state under a name, after in-flight work finished."""
    body = await json_object(request)
    s = services(request)
    await s.drain()
    snapshot = await s.snapshots.take(body.get("name"))
    return plain_json(snapshot.view(), status=201)


async def restore_snapshot(request: web.Request) -> web.Response:
    """Put a snapshot's state back exactly; the scheduler and routes follow."""
    s = services(request)
    snapshot = s.snapshots.get(request.match_info["name"])
    await s.restore(snapshot.state)
    return plain_json({"status": "restored"} | snapshot.view())
