"""The composition root: one cleanup context per resource, then the routes. Only wires.

aiohttp enters the contexts in list order and exits the ones it entered in reverse, also
when a later one fails to start: nothing opened before a failure is left open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from emulator.clock import make_clock
from emulator.config import Config
from emulator.db.database import Database
from emulator.hub import EventHub
from emulator.keys import (
    config_key,
    database_key,
    hub_key,
    outbound_key,
    services_key,
    tasks_key,
)
from emulator.outbound import OutboundClient
from emulator.services import build_services
from emulator.tasks import TaskTracker
from emulator.web.routes import mount_routes


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    db = Database(app[config_key].db_path)
    try:
        await db.start()
        app[database_key] = db
        yield
    finally:
        await db.close()


async def outbound_ctx(app: web.Application) -> AsyncIterator[None]:
    # Responses are logged truncated; modifier replies are read whole up to this bound.
    outbound = OutboundClient(read_limit_bytes=app[config_key].max_response_log_bytes * 16)
    await outbound.start()
    app[outbound_key] = outbound
    try:
        yield
    finally:
        await outbound.close()


async def tasks_ctx(app: web.Application) -> AsyncIterator[None]:
    """Background work; exits before the client and database it uses are closed."""
    tasks = TaskTracker()
    app[tasks_key] = tasks
    try:
        yield
    finally:
        await tasks.aclose()


async def hub_ctx(app: web.Application) -> AsyncIterator[None]:
    hub = EventHub()
    app[hub_key] = hub
    try:
        yield
    finally:
        hub.close()


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    """The services over the resources above; the scheduler starts in its own context."""
    config = app[config_key]
    app[services_key] = build_services(
        config,
        make_clock(config.clock_mode),
        app[database_key],
        app[outbound_key],
        app[hub_key],
        app[tasks_key],
    )
    yield


async def seed_ctx(app: web.Application) -> AsyncIterator[None]:
    """Apply `--seed` files before the scheduler starts; a rejected one stops the start."""
    from emulator.seed.files import load_seed_file

    seeder = app[services_key].seeder
    for path in app[config_key].seed_files:
        await seeder.apply(load_seed_file(path), path)
    yield


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    scheduler = app[services_key].scheduler
    try:
        await scheduler.start()
        yield
    finally:
        await scheduler.stop()  # first out: no tick starts while the rest closes


def create_app(config: Config) -> web.Application:
    app = web.Application(client_max_size=config.max_body_bytes)
    app[config_key] = config
    app.cleanup_ctx.extend(
        [database_ctx, outbound_ctx, tasks_ctx, hub_ctx, services_ctx, seed_ctx, scheduler_ctx]
    )
    mount_routes(app)
    return app
