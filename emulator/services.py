"""The running emulator's services, built once per app by `app.services_ctx`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from emulator.agents.service import AgentService
from emulator.clock import RealClock, VirtualClock
from emulator.config import Config
from emulator.db.database import Database
from emulator.delivery.fanout import Fanout
from emulator.delivery.log import DeliveryLog
from emulator.delivery.messages import MessageStore
from emulator.directory import Directory
from emulator.hub import EventHub
from emulator.infrastructure import Infrastructure
from emulator.integrations import IntegrationService
from emulator.outbound import OutboundClient
from emulator.replay import ReplayService
from emulator.seed.apply import Seeder
from emulator.snapshots import Snapshots
from emulator.state import BoundState
from emulator.tasks import TaskTracker
from emulator.ticks.driver import Scheduler
from emulator.ticks.firing import TickService
from emulator.ticks.returns import ReturnService


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
    agents: AgentService
    replays: ReplayService
    snapshots: Snapshots
    seeder: Seeder

    async def drain(self) -> None:
        """Wait for every in-flight delivery, tick and callback."""
        await self.tasks.drain()

    async def reset(self) -> None:
        """POST /-/reset: finish in-flight work, empty the database, then drop everything
        read from it (scheduler jobs, cached channel and agent routes, push hooks) as after any other change."""
        await self._replace(self.db.reset)

    async def restore(self, state: BoundState) -> None:
        """Put back a saved state exactly (ids included), the way `reset` empties it."""

        async def write() -> None:
            await self.db.run_write(state.write)

        await self._replace(write)

    async def _replace(self, write: Callable[[], Awaitable[None]]) -> None:
        await self.drain()
        await write()
        await self.scheduler.reconcile()
        await self.fanout.forget_active()
        await self.agents.forget()


def build_services(
    config: Config,
    clock: RealClock | VirtualClock,
    db: Database,
    outbound: OutboundClient,
    hub: EventHub,
    tasks: TaskTracker,
) -> Services:
    """Wire the services over already-open resources; nothing starts here."""
    messages = MessageStore(db, hub)
    deliveries = DeliveryLog(db, messages, hub, tasks)
    infra = Infrastructure(config, clock, db, outbound, hub, tasks, deliveries)
    integrations = IntegrationService(infra)
    fanout = Fanout(infra, messages, integrations)
    ticks = TickService(infra, integrations)
    scheduler = Scheduler(db, integrations, ticks, clock)
    integrations.on_change(scheduler.reconcile)
    agents = AgentService(infra, messages, fanout)
    directory = Directory(db, config, clock)
    return Services(
        config=config,
        clock=clock,
        db=db,
        outbound=outbound,
        hub=hub,
        tasks=tasks,
        deliveries=deliveries,
        directory=directory,
        integrations=integrations,
        messages=messages,
        fanout=fanout,
        ticks=ticks,
        returns=ReturnService(infra, messages, fanout),
        scheduler=scheduler,
        agents=agents,
        replays=ReplayService(infra, fanout, ticks),
        snapshots=Snapshots(db, clock),
        seeder=Seeder(infra, integrations),
    )
