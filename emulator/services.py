"""The running emulator's collaborators, built once per app by `services_ctx`."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.agents.service import AgentService
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
    agents: AgentService

    async def drain(self) -> None:
        """Wait for every in-flight delivery, tick and callback."""
        await self.tasks.drain()
