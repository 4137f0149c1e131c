"""Bodies integrations POST back to return_url: verdict, tick match, store (CONTRACT §1.5).

PLACEHOLDER until the scheduler issue lands.
"""

from __future__ import annotations

from emulator.clock import Clock
from emulator.config import Config
from emulator.db.database import Database
from emulator.fanout import Fanout
from emulator.hub import EventHub
from emulator.messages import MessageStore


class ReturnService:
    def __init__(
        self,
        db: Database,
        store: MessageStore,
        fanout: Fanout,
        hub: EventHub,
        config: Config,
        clock: Clock,
    ) -> None:
        self._db = db
        self._store = store
        self._fanout = fanout
        self._hub = hub
        self._config = config
        self._clock = clock
