"""Pure crontab maths: validation, fire times, and the croniter-backed APScheduler trigger."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger

from emulator import cron
from emulator.cron import catch_up_time, latest_at_or_before, next_fire_at
from emulator.errors import ValidationFailed
from emulator.ticks.driver import CroniterTrigger

T0 = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    "expr", ["* * * * *", "0 * * * *", "*/5 * * * *", "0 9 * * 1-5", "30 2 1 * 0"]
)
def test_valid_crontabs(expr: str) -> None:
    assert cron.validation_error(expr) is None
    assert cron.is_valid(expr)


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("@hourly", "1 field(s)"),  # croniter alone would take it
        ("******", "1 field(s)"),
        ("60", "1 field(s)"),
        ("Daily", "1 field(s)"),
        ("0 * * * * *", "6 field(s)"),  # seconds form
        ("* * * *", "4 field(s)"),
        ("60 * * * *", "not a valid crontab"),
        ("* 24 * * *", "not a valid crontab"),
        ("* * * * mon-funday", "not a valid crontab"),
        ("", "5-field crontab"),
        ("   ", "5-field crontab"),
        (None, "5-field crontab"),
        (5, "5-field crontab"),
    ],
)
def test_invalid_crontabs_say_why(expr: object, says: str) -> None:
    reason = cron.validation_error(expr)
    assert reason is not None
    assert says in reason
    assert not cron.is_valid(expr)


def test_fire_times_are_start_exclusive_end_inclusive() -> None:
    hour = list(cron.fire_times("*/5 * * * *", T0, T0 + timedelta(hours=1)))
    assert len(hour) == 12
    assert hour[0] == T0 + timedelta(minutes=5)  # T0 itself is a fire time: excluded
    assert hour[-1] == T0 + timedelta(hours=1)  # the end is a fire time: included
    assert all(b - a == timedelta(minutes=5) for a, b in itertools.pairwise(hour))


def test_fire_times_edges() -> None:
    assert list(cron.fire_times("* * * * *", T0, T0)) == []
    assert list(cron.fire_times("* * * * *", T0, T0 + timedelta(seconds=59))) == []
    assert list(cron.fire_times("0 * * * *", T0, T0 + timedelta(minutes=59))) == []
    mid = T0 + timedelta(seconds=30)
    assert list(cron.fire_times("* * * * *", mid, mid + timedelta(minutes=1))) == [
        T0 + timedelta(minutes=1)
    ]
    # naive datetimes are read as UTC, answers are aware
    naive = list(cron.fire_times("0 * * * *", T0.replace(tzinfo=None), T0 + timedelta(hours=2)))
    assert naive == [T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert naive[0].tzinfo is not None


def test_next_after_and_next_n() -> None:
    assert cron.next_after("0 * * * *", T0) == T0 + timedelta(hours=1)
    assert cron.next_after("0 * * * *", T0 - timedelta(microseconds=1)) == T0
    assert cron.next_n("*/15 * * * *", T0, 3) == [
        T0 + timedelta(minutes=15),
        T0 + timedelta(minutes=30),
        T0 + timedelta(minutes=45),
    ]


def test_sunday_is_zero_in_crontab() -> None:
    # T0 is Wednesday 2025-01-01; the next Sunday is the 5th.
    sunday = cron.next_after("0 0 * * 0", T0)
    assert sunday == datetime(2025, 1, 5, tzinfo=UTC)
    assert sunday.weekday() == 6  # Python: Monday 0 ... Sunday 6
    assert cron.next_after("0 0 * * 7", T0) == sunday


def test_croniter_trigger_keeps_crontab_weekdays() -> None:
    trigger = CroniterTrigger("0 0 * * 0")
    assert trigger.get_next_fire_time(None, T0) == datetime(2025, 1, 5, tzinfo=UTC)
    # APScheduler's own crontab parser reads 0 as Monday: the reason for our trigger.
    theirs = CronTrigger.from_crontab("0 0 * * 0", timezone=UTC)
    assert theirs.get_next_fire_time(None, T0) == datetime(2025, 1, 6, tzinfo=UTC)


def test_croniter_trigger_follows_previous_and_not_before() -> None:
    trigger = CroniterTrigger("*/5 * * * *")
    assert trigger.get_next_fire_time(None, T0) == T0 + timedelta(minutes=5)
    later = T0 + timedelta(minutes=5)
    assert trigger.get_next_fire_time(later, later) == T0 + timedelta(minutes=10)
    resumed = CroniterTrigger("*/5 * * * *", not_before=T0 + timedelta(minutes=30))
    assert resumed.get_next_fire_time(None, T0) == T0 + timedelta(minutes=35)
    assert "*/5 * * * *" in str(resumed)


def test_croniter_trigger_refuses_invalid_crontabs() -> None:
    with pytest.raises(ValueError, match="field"):
        CroniterTrigger("@hourly")


def test_latest_at_or_before() -> None:
    assert latest_at_or_before("*/5 * * * *", T0) == T0
    assert latest_at_or_before("*/5 * * * *", T0 + timedelta(minutes=4, seconds=59)) == T0
    assert latest_at_or_before("0 0 1 1 *", T0 + timedelta(days=200)) == T0


def test_catch_up_fires_only_the_latest_missed_time() -> None:
    now = T0 + timedelta(minutes=17)
    # last scheduled tick at T0: 05, 10 and 15 were missed -> one tick, for 15
    assert catch_up_time("*/5 * * * *", T0, None, now) == T0 + timedelta(minutes=15)
    # nothing missed
    assert catch_up_time("*/5 * * * *", T0 + timedelta(minutes=15), None, now) is None
    # never ticked: counts from the activation time
    assert catch_up_time("*/5 * * * *", None, T0 + timedelta(minutes=12), now) == (
        T0 + timedelta(minutes=15)
    )
    assert catch_up_time("*/5 * * * *", None, T0 + timedelta(minutes=16), now) is None
    assert catch_up_time("*/5 * * * *", None, None, now) is None
    # a last tick in the future (a virtual clock ran ahead) never re-fires
    assert catch_up_time("*/5 * * * *", now + timedelta(hours=1), None, now) is None


def test_next_fire_at_never_repeats_the_last_tick() -> None:
    assert next_fire_at("*/5 * * * *", None, T0) == T0 + timedelta(minutes=5)
    assert next_fire_at("*/5 * * * *", T0 - timedelta(hours=1), T0) == T0 + timedelta(minutes=5)
    ahead = T0 + timedelta(hours=1)
    assert next_fire_at("*/5 * * * *", ahead, T0) == ahead + timedelta(minutes=5)


def _pair_interval(pair: tuple[str, str | None]) -> str | None:
    return pair[1]


PAIRS = [("a", "*/5 * * * *"), ("b", "0 * * * *"), ("c", None), ("d", "@hourly"), ("e", "")]


@pytest.mark.parametrize(
    ("start_min", "end_min", "expected"),
    [
        (0, 0, {}),  # (start, end] is empty
        (0, 4, {}),
        (0, 5, {5: ["a"]}),
        (4, 10, {5: ["a"], 10: ["a"]}),
        (55, 60, {60: ["a", "b"]}),  # one instant, both pairs, in input order
        (59, 61, {60: ["a", "b"]}),
    ],
)
def test_merge_fire_times_table(start_min: int, end_min: int, expected: dict) -> None:
    plan = cron.merge_fire_times(
        PAIRS,
        _pair_interval,
        T0 + timedelta(minutes=start_min),
        T0 + timedelta(minutes=end_min),
        limit=100,
    )
    assert {
        int((at - T0).total_seconds() // 60): [name for name, _ in due] for at, due in plan.items()
    } == expected
    assert list(plan) == sorted(plan)


def test_merge_fire_times_refuses_more_than_the_limit() -> None:
    with pytest.raises(ValidationFailed, match="more than 3 ticks"):
        cron.merge_fire_times(PAIRS, _pair_interval, T0, T0 + timedelta(minutes=20), limit=3)
    # exactly the limit is fine: four five-minute ticks in (0, 20]
    assert len(cron.merge_fire_times(PAIRS, _pair_interval, T0, T0 + timedelta(minutes=20), 4)) == 4
