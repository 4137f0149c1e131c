"""When ticks fire: APScheduler in real time, or a virtual clock moved by hand.

PLACEHOLDER until the scheduler issue lands: nothing is scheduled yet.
"""

from __future__ import annotations

from emulator.clock import RealClock, VirtualClock
from emulator.config import Config
from emulator.db.database import Database
from emulator.integrations import IntegrationService
from emulator.ticks import TickService


class Scheduler:
    def __init__(
        self,
        db: Database,
        integrations: IntegrationService,
        ticks: TickService,
        config: Config,
        clock: RealClock | VirtualClock,
    ) -> None:
        self._db = db
        self._integrations = integrations
        self._ticks = ticks
        self._config = config
        self._clock = clock

    async def start(self) -> None:
        """Build jobs from the database."""

    async def reconcile(self) -> None:
        """Rebuild jobs after an install, settings or activation change."""

    async def stop(self) -> None:
        """Stop firing."""
