"""The one source of "now": real wall time, or a virtual clock that tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

ClockMode = Literal["real", "virtual"]


class Clock(Protocol):
    mode: ClockMode

    def now(self) -> datetime: ...


class RealClock:
    mode: ClockMode = "real"

    def now(self) -> datetime:
        return datetime.now(UTC)


class VirtualClock:
    """Starts at the real time (or `start`), then only moves when told to."""

    mode: ClockMode = "virtual"

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
        if at < self._now:
            raise ValueError("a virtual clock never goes backwards")
        self._now = at

    def advance(self, seconds: float) -> None:
        self.set(self._now + timedelta(seconds=seconds))


def make_clock(mode: ClockMode) -> RealClock | VirtualClock:
    return VirtualClock() if mode == "virtual" else RealClock()
