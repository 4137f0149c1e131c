"""The shared resources the services work over, bundled so each service takes them at once."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.clock import Clock
from emulator.config import Config
from emulator.db.database import Database
from emulator.delivery.log import DeliveryLog
from emulator.hub import EventHub
from emulator.outbound import OutboundClient
from emulator.tasks import TaskTracker


@dataclass(frozen=True)
class Infrastructure:
    """Configuration, time, storage, HTTP, events and background work: built once in
    `services.build_services`; a service takes this plus only what is specific to it."""

    config: Config
    clock: Clock
    db: Database
    outbound: OutboundClient
    hub: EventHub
    tasks: TaskTracker
    deliveries: DeliveryLog
