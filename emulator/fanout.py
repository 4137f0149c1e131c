"""Sending a channel message: modifier chain, store, then outputs (CONTRACT §1.2).

PLACEHOLDER until the fan-out issue lands: messages are validated and stored as sent,
with an empty trace; no modifier or output is called yet.
"""

from __future__ import annotations

from typing import Any

from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.deliveries import DeliveryLog
from emulator.hub import EventHub
from emulator.integrations import IntegrationService
from emulator.messages import MessageStore, validate_post
from emulator.outbound import OutboundClient
from emulator.tasks import TaskTracker


class Fanout:
    def __init__(
        self,
        store: MessageStore,
        integrations: IntegrationService,
        outbound: OutboundClient,
        deliveries: DeliveryLog,
        hub: EventHub,
        tasks: TaskTracker,
        config: Config,
        clock: Clock,
    ) -> None:
        self._store = store
        self._integrations = integrations
        self._outbound = outbound
        self._deliveries = deliveries
        self._hub = hub
        self._tasks = tasks
        self._config = config
        self._clock = clock

    async def send(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A person's message from POST …/messages."""
        content, thread_id, username = validate_post(body)
        row = models.Message(
            id=models.new_id(),
            channel_id=channel_id,
            thread_id=thread_id,
            content=content,
            original_content=content,
            username=username,
            source="user",
            trace=[],
            created_at=self._clock.now(),
        )
        return await self.send_message(row)

    async def send_message(self, row: models.Message) -> dict[str, Any]:
        """Run the chain on `row.content`, store the row, start the outputs."""
        return await self._store.add(row)
