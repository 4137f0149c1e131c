"""Firing one tick: POST the tick body to tick_url and record it (CONTRACT §1.3).

PLACEHOLDER until the scheduler issue lands.
"""

from __future__ import annotations

from emulator.clock import Clock
from emulator.config import Config
from emulator.db.database import Database
from emulator.deliveries import DeliveryLog
from emulator.hub import EventHub
from emulator.integrations import IntegrationService
from emulator.outbound import OutboundClient
from emulator.tasks import TaskTracker


class TickService:
    def __init__(
        self,
        db: Database,
        integrations: IntegrationService,
        outbound: OutboundClient,
        deliveries: DeliveryLog,
        hub: EventHub,
        tasks: TaskTracker,
        config: Config,
        clock: Clock,
    ) -> None:
        self._db = db
        self._integrations = integrations
        self._outbound = outbound
        self._deliveries = deliveries
        self._hub = hub
        self._tasks = tasks
        self._config = config
        self._clock = clock
