"""Pure crontab maths: validation and fire times. Reads no clock; `now` is passed in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from croniter import croniter


def validation_error(expr: object) -> str | None:
    """Why `expr` is not a usable 5-field crontab, or None when it is.

    croniter alone accepts `@hourly` and 6-field (seconds) forms; Telex's `interval`
    setting is a classic 5-field crontab, so we demand exactly five fields.
    """
    if not isinstance(expr, str) or not expr.strip():
        return "an interval must be a 5-field crontab such as '*/5 * * * *'"
    fields = expr.split()
    if len(fields) != 5:
        return (
            f"'{expr}' has {len(fields)} field(s); a crontab needs exactly 5 "
            "(minute hour day-of-month month day-of-week), e.g. '*/5 * * * *'"
        )
    if not croniter.is_valid(expr):
        return f"'{expr}' is not a valid crontab; e.g. '0 * * * *' fires every hour"
    return None


def is_valid(expr: object) -> bool:
    return validation_error(expr) is None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def next_after(expr: str, after: datetime) -> datetime:
    """The first fire time strictly after `after` (UTC)."""
    return croniter(expr, _aware(after)).get_next(datetime)


def fire_times(expr: str, start: datetime, end: datetime) -> Iterator[datetime]:
    """Fire times in (start, end], in order."""
    times = croniter(expr, _aware(start))
    end = _aware(end)
    while (at := times.get_next(datetime)) <= end:
        yield at


def next_n(expr: str, after: datetime, count: int) -> list[datetime]:
    times = croniter(expr, _aware(after))
    return [times.get_next(datetime) for _ in range(count)]
