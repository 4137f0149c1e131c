"""The running emulator's services, built once per app by `app.services_ctx`."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.clock import RealClock, VirtualClock
from emulator.config import Config
from emulator.db.database import Database
from emulator.deliveries import DeliveryLog
from emulator.directory import Directory
from emulator.fanout import Fanout
from emulator.hub import EventHub
from emulator.integrations import IntegrationService
from emulator.messages import MessageStore
from emulator.outbound import OutboundClient
from emulator.returns import ReturnService
from emulator.scheduling import Scheduler
from emulator.tasks import TaskTracker
from emulator.ticks import TickService


@dataclass
class Services:
    config: Config
    clock: RealClock | VirtualClock
    db: Database
    outbound: OutboundClient
    hub: EventHub
    tasks: TaskTracker
    deliveries: DeliveryLog
    directory: Directory
    integrations: IntegrationService
    messages: MessageStore
    fanout: Fanout
    ticks: TickService
    returns: ReturnService
    scheduler: Scheduler

    async def drain(self) -> None:
        """Wait for every in-flight delivery, tick and callback."""
        await self.tasks.drain()

    async def reset(self) -> None:
        """POST /-/reset: finish in-flight work, empty the database, then drop everything
        read from it (scheduler jobs, cached channel routes) as after any other change."""
        await self.drain()
        await self.db.reset()
        await self.scheduler.reconcile()
        await self.fanout.forget_active()


def build_services(
    config: Config,
    clock: RealClock | VirtualClock,
    db: Database,
    outbound: OutboundClient,
    hub: EventHub,
    tasks: TaskTracker,
) -> Services:
    """Wire the services over already-open resources; nothing starts here."""
    deliveries = DeliveryLog(db, hub)
    messages = MessageStore(db, hub, clock, config)
    integrations = IntegrationService(db, outbound, deliveries, hub, tasks, config, clock)
    fanout = Fanout(messages, integrations, outbound, deliveries, hub, tasks, config, clock)
    ticks = TickService(db, integrations, outbound, deliveries, hub, tasks, config, clock)
    scheduler = Scheduler(db, integrations, ticks, config, clock)
    integrations.on_change(scheduler.reconcile)
    return Services(
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
    )
