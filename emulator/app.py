"""The composition root: builds the services and mounts the routes. Only wires."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from emulator.agents.service import AgentService
from emulator.clock import make_clock
from emulator.config import Config
from emulator.db.database import Database
from emulator.deliveries import DeliveryLog
from emulator.directory import Directory
from emulator.fanout import Fanout
from emulator.hub import EventHub
from emulator.integrations import IntegrationService
from emulator.keys import config_key, services_key
from emulator.messages import MessageStore
from emulator.outbound import OutboundClient
from emulator.returns import ReturnService
from emulator.scheduling import Scheduler
from emulator.services import Services
from emulator.tasks import TaskTracker
from emulator.ticks import TickService
from emulator.web.routes import mount_routes


async def services_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    clock = make_clock(config.clock_mode)
    db = Database(config.db_path)
    await db.start()
    outbound = OutboundClient(read_limit_bytes=config.max_response_log_bytes * 16)
    await outbound.start()
    hub = EventHub()
    tasks = TaskTracker()
    deliveries = DeliveryLog(db, hub)
    messages = MessageStore(db, hub, clock, config)
    integrations = IntegrationService(db, outbound, deliveries, hub, tasks, config, clock)
    fanout = Fanout(messages, integrations, outbound, deliveries, hub, tasks, config, clock)
    ticks = TickService(db, integrations, outbound, deliveries, hub, tasks, config, clock)
    scheduler = Scheduler(db, integrations, ticks, config, clock)
    integrations.on_change(scheduler.reconcile)
    app[services_key] = Services(
        config=config,
        clock=clock,
        db=db,
        outbound=outbound,
        hub=hub,
        tasks=tasks,
        deliveries=deliveries,
        directory=Directory(db, config, clock),
        integrations=integrations,
        messages=messages,
        fanout=fanout,
        ticks=ticks,
        returns=ReturnService(db, messages, fanout, hub, config, clock),
        scheduler=scheduler,
        agents=AgentService(db, outbound, messages, deliveries, hub, tasks, fanout, config, clock),
    )
    await scheduler.start()
    try:
        yield
    finally:
        # Reverse order of start: stop producing work, finish it, then close resources.
        await scheduler.stop()
        hub.close()
        await tasks.aclose()
        await outbound.close()
        await db.close()


def create_app(config: Config) -> web.Application:
    app = web.Application(client_max_size=config.max_body_bytes)
    app[config_key] = config
    app.cleanup_ctx.append(services_ctx)
    mount_routes(app)
    return app
