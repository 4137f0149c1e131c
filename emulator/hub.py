"""In-process event hub: every subscriber gets a bounded queue; slow ones are dropped.

Every published event gets an id, one more than the last, and stays in a ring buffer of
the newest `buffer_size` events, so a stream that reconnects can ask for what it missed
(`events_after`). A process's ids start after the time it started, in microseconds: ids
of an earlier run of the emulator are lower than any of this run's, so a client of that
run can never be mistaken for one of this run (it could, were every run to count from 1).

Publishers skip building events nobody listens to (`subscriber_count` is 0), so the
buffer is only complete while the hub is *recording*: while a subscriber is connected,
and for `linger_s` after the last resumable one (an SSE stream) went away, because its
client is expected back within its retry delay. When recording starts again after a
pause the hub notes the newest id then (the floor): events may have been skipped after
it, so no client resumes from an id at or below it. A client of an earlier process is
thereby told to start over, not handed this process's events: its ids are below the
floor the first stream of this process set.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from time import monotonic, time_ns
from typing import Any

EVENT_TYPES = (
    "message.created",
    "delivery.finished",
    "tick.fired",
    "tick.finished",
    "return.received",
    "integration.changed",
    "message.updated",
    "task.updated",
    "agent.changed",
    "replay.finished",
)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    id: int = 0  # set by the hub: one more than the previous event's


class ReplayGap(Exception):
    """The hub cannot tell what happened after the id a client resumes from.

    `reason` is "ahead" (an id this process never gave: the emulator restarted),
    "not_recorded" (the hub stopped keeping events while nobody listened, or restarted)
    or "expired" (the ring buffer no longer goes back that far).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Subscription:
    def __init__(self, maxsize: int, resumable: bool = False) -> None:
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize)
        self.dropped = False
        self.resumable = resumable

    async def next(self) -> Event | None:
        """The next event, or None once the hub dropped this subscriber or closed."""
        return await self.queue.get()


class EventHub:
    def __init__(
        self,
        queue_size: int = 1000,
        buffer_size: int = 1000,
        linger_s: float = 60.0,
        id_base: int | None = None,
    ) -> None:
        """`id_base`: the first event's id is id_base + 1; by default the time now in
        microseconds (module doc; safe as a JavaScript number until the year 2255)."""
        self._queue_size = queue_size
        self._subscribers: set[Subscription] = set()
        self._buffer: deque[Event] = deque(maxlen=buffer_size)
        self._linger_s = linger_s
        self._last_id = time_ns() // 1000 if id_base is None else id_base
        self._floor = self._last_id  # the newest id when recording last (re)started
        self._linger_until = 0.0  # monotonic deadline; 0.0: not lingering

    @property
    def subscriber_count(self) -> int:
        """How many listeners publishers build events for: the subscribers, or 1 while
        the hub lingers for a resumable stream that just ended (its client comes back
        and asks for what it missed). 0 means publishers may skip building events."""
        count = len(self._subscribers)
        if count or not self._linger_until:
            return count
        if monotonic() < self._linger_until:
            return 1
        self._linger_until = 0.0
        return 0

    @property
    def newest_id(self) -> int:
        """The id of the newest event published (the id base before the first)."""
        return self._last_id

    @property
    def oldest_id(self) -> int | None:
        """The id of the oldest event still in the ring buffer, None when it is empty."""
        return self._buffer[0].id if self._buffer else None

    def publish(self, type_: str, data: dict[str, Any]) -> None:
        self._last_id += 1
        event = Event(type_, data, id=self._last_id)
        self._buffer.append(event)  # the deque drops the oldest one itself
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:  # a slow browser never slows the emulator
                self._end(sub)

    def events_after(self, last_id: int) -> list[Event]:
        """Every event published after `last_id`, oldest first; ReplayGap when the hub
        cannot vouch for that. Call it right after `subscribe()`, with no `await` in
        between, and the subscription carries on exactly where this list ends."""
        if last_id > self._last_id:
            raise ReplayGap(
                "ahead",
                f"event {last_id} was never sent by this emulator (its newest is "
                f"{self._last_id}): it restarted",
            )
        if last_id <= self._floor:
            raise ReplayGap(
                "not_recorded",
                f"what happened after event {last_id} was not all kept: nobody listened "
                "for a while, or the emulator restarted",
            )
        oldest = self._buffer[0].id if self._buffer else self._last_id + 1
        if last_id < oldest - 1:
            raise ReplayGap(
                "expired",
                f"events after {last_id} are no longer kept (the oldest kept is {oldest})",
            )
        return list(islice(self._buffer, last_id - oldest + 1, None))

    def resume_id(self) -> int | None:
        """The newest id when a client could resume from it later, else None (nothing
        was published since recording last started: events may have been skipped
        before it)."""
        return self._last_id if self._last_id > self._floor else None

    def _recording(self) -> bool:
        return self.subscriber_count > 0

    def _leave(self, sub: Subscription, *, linger: bool) -> None:
        if sub not in self._subscribers:
            return
        self._subscribers.discard(sub)
        if linger and sub.resumable and self._linger_s > 0:
            self._linger_until = max(self._linger_until, monotonic() + self._linger_s)

    def _end(self, sub: Subscription, *, linger: bool = True) -> None:
        self._leave(sub, linger=linger)
        sub.dropped = True
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)

    @contextmanager
    def subscribe(self, *, resumable: bool = False) -> Iterator[Subscription]:
        """A subscription for the `with` block. A resumable one (an SSE stream) keeps the
        hub recording for `linger_s` after it ends, so its client can resume."""
        if not self._recording():
            self._floor = self._last_id  # publishers may have skipped events until now
        sub = Subscription(self._queue_size, resumable)
        self._subscribers.add(sub)
        try:
            yield sub
        finally:
            self._leave(sub, linger=True)

    def drop_all(self) -> None:
        """End every subscription as a slow-consumer drop does: streams end, their
        clients reconnect and resume (the hub lingers for them)."""
        for sub in list(self._subscribers):
            self._end(sub)

    def close(self) -> None:
        """At shutdown: end every subscription; nobody will resume here, so stop recording."""
        for sub in list(self._subscribers):
            self._end(sub, linger=False)
        self._linger_until = 0.0

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
