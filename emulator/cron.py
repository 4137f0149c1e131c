"""Pure crontab maths: validation, fire times, catch-up, merging. Reads no clock; `now`
is passed in. croniter says what an expression means (day-of-week 0 = Sunday)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

from croniter import croniter

from emulator.errors import ValidationFailed, problem

T = TypeVar("T")


def validation_error(expr: object) -> str | None:
    """Why `expr` is not a usable 5-field crontab, or None when it is.

    croniter alone accepts `@hourly` and 6-field (seconds) forms; Telex's `interval`
    setting is a classic 5-field crontab, so we demand exactly five fields.
    """
    if not isinstance(expr, str) or not expr.strip():
        return "an interval must be a 5-field crontab such as '*/5 * * * *'"
    return _crontab_error(expr)


@functools.lru_cache(maxsize=4096)
def _crontab_error(expr: str) -> str | None:
    # Remembered: 10,000 pairs share a handful of crontabs.
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
    """The next `count` fire times after `after`."""
    times = croniter(expr, _aware(after))
    return [times.get_next(datetime) for _ in range(count)]


def latest_at_or_before(expr: str, at: datetime) -> datetime:
    """The latest fire time of `expr` that is <= `at`."""
    at = _aware(at)
    previous = croniter(expr, at).get_prev(datetime)
    following = next_after(expr, previous)
    return following if following <= at else previous


def catch_up_time(
    expr: str, last_tick_for: datetime | None, since: datetime | None, now: datetime
) -> datetime | None:
    """The one coalesced tick to fire at start for a pair, or None.

    `last_tick_for` is the scheduled time of the pair's last scheduled tick; `since`
    (its activation time) counts when it never ticked. Every fire time in
    (last, now] was missed; only the latest one fires.
    """
    after = last_tick_for or since
    if after is None:
        return None
    missed = latest_at_or_before(expr, now)
    return missed if missed > after else None


def next_fire_at(expr: str, last_tick_for: datetime | None, now: datetime) -> datetime:
    """The next scheduled time: after now, and after the last one that fired."""
    after = max(now, last_tick_for) if last_tick_for is not None else now
    return next_after(expr, after)


def merge_fire_times(
    items: Iterable[T],
    interval_of: Callable[[T], str | None],
    start: datetime,
    end: datetime,
    limit: int,
) -> dict[datetime, list[T]]:
    """Instant -> the items due then, for fire times in (start, end], in time order.

    Items without a valid crontab never fire. ValidationFailed past `limit` fires.
    """
    by_expr: dict[str, list[T]] = defaultdict(list)
    for item in items:
        expr = interval_of(item)
        if expr and is_valid(expr):
            by_expr[expr].append(item)
    plan: dict[datetime, list[T]] = defaultdict(list)
    count = 0
    for expr, group in by_expr.items():
        for at in fire_times(expr, start, end):
            plan[at].extend(group)
            count += len(group)
            if count > limit:
                until = end.isoformat().replace("+00:00", "Z")
                raise ValidationFailed(
                    f"advancing that far would fire more than {limit} ticks",
                    [
                        problem(
                            "seconds",
                            f"over {limit} ticks are due before {until}",
                            "advance in smaller steps",
                        )
                    ],
                )
    return dict(sorted(plan.items()))
