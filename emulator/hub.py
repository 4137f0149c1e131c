"""In-process event hub: every subscriber gets a bounded queue; slow ones are dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EVENT_TYPES = (
    "message.created",
    "delivery.finished",
    "tick.fired",
    "tick.finished",
    "return.received",
    "integration.changed",
)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class Subscription:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self.dropped = False

    async def next(self) -> Event | None:
        """The next event, or None once the hub dropped this subscriber or closed."""
        return await self.queue.get()


class EventHub:
    def __init__(self, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscribers: set[Subscription] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def publish(self, type_: str, data: dict[str, Any]) -> None:
        event = Event(type_, data)
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:  # a slow browser never slows the emulator
                self._end(sub)

    def _end(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)
        sub.dropped = True
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)

    @contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        sub = Subscription(self._queue_size)
        self._subscribers.add(sub)
        try:
            yield sub
        finally:
            self._subscribers.discard(sub)

    def close(self) -> None:
        for sub in list(self._subscribers):
            self._end(sub)

    async def wait_for(
        self,
        predicate: Callable[[Event], bool],
        timeout_s: float,
    ) -> Event:
        """Wait for the next event matching `predicate` (raises TimeoutError).

        To also see what is already stored, subscribe() first, read the store, then
        wait on the subscription: nothing published in between slips by.
        """
        with self.subscribe() as sub:
            async with asyncio.timeout(timeout_s):
                while True:
                    event = await sub.next()
                    if event is None:
                        raise ConnectionError("event hub closed or dropped the subscriber")
                    if predicate(event):
                        return event
