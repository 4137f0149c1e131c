"""When ticks fire: APScheduler in real time, or a virtual clock moved by hand.

Every active (interval integration, channel) pair whose effective `interval` setting is
a valid 5-field crontab ticks when that crontab fires; a spec without an `interval`
setting ticks only on demand (`POST /-/ticks`). croniter says what an expression means
(crontab day-of-week: 0 = Sunday); APScheduler only keeps time.

Restarts. Each pair remembers the scheduled time of its last scheduled tick
(`activations.last_tick_for`), claimed in the same write that records the tick, so:

- nothing fires twice: a scheduled time at or before `last_tick_for` never fires again,
  not after a restart, and not when two paths race for the same instant;
- a tick missed while the emulator was down fires once at start, coalesced and stamped
  with the latest missed time (several missed ticks still give one); a pair that never
  ticked counts from its activation time;
- then the schedule resumes with the next fire time after now.

Real clock (`--clock real`): an `AsyncIOScheduler(timezone=UTC)` with one job per pair
(coalesce, max_instances=1, misfire_grace_time=300 s). Jobs are rebuilt from the database
at start and by `reconcile()` after every install, settings or activation change.

Virtual clock (`--clock virtual`): nothing fires on its own. `advance(seconds | until)`
merges the fire times of every pair, steps the clock to each instant in order, fires that
instant's ticks together (each stamped with its scheduled time) and answers with them.
A virtual clock never goes backwards, across restarts too: on the same database it
resumes no earlier than the newest `last_tick_for`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.job import Job
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import func, select

from emulator import cron
from emulator.clock import RealClock, VirtualClock
from emulator.db import models
from emulator.db.database import Database
from emulator.errors import Conflict, NotFound, ValidationFailed, problem
from emulator.integrations import ActiveIntegration, IntegrationService
from emulator.shapes import iso
from emulator.ticks.firing import TickService

log = logging.getLogger(__name__)

MISFIRE_GRACE_S = 300  # a job woken this late (a blocked loop) still fires, once
MAX_TICKS_PER_ADVANCE = 200_000  # a year of `* * * * *` on one pair is 525,600


class CroniterTrigger(BaseTrigger):
    """An APScheduler 3 trigger for a 5-field crontab, read by croniter.

    Not CronTrigger.from_crontab: to APScheduler day-of-week 0 is Monday, to crontab
    Sunday. `not_before` keeps a restarted job from re-firing a time that already fired.
    """

    __slots__ = ("expr", "not_before")

    def __init__(self, expr: str, not_before: datetime | None = None) -> None:
        reason = cron.validation_error(expr)
        if reason is not None:
            raise ValueError(reason)
        self.expr = expr
        self.not_before = not_before

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        after = previous_fire_time or now
        if self.not_before is not None and after < self.not_before:
            after = self.not_before
        return cron.next_after(self.expr, after)

    def __str__(self) -> str:
        return f"crontab[{self.expr}]"

    def __repr__(self) -> str:
        return f"<CroniterTrigger {self.expr!r} not_before={self.not_before}>"


def parse_until(value: Any) -> datetime:
    """An ISO 8601 instant (naive means UTC); ValidationFailed otherwise."""
    if isinstance(value, str):
        try:
            at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    raise ValidationFailed(
        "until must be an ISO 8601 time",
        [problem("until", f"got {value!r}", 'e.g. {"until": "2025-01-01T12:00:00Z"}')],
    )


def advance_target(now: datetime, seconds: Any = None, until: Any = None) -> datetime:
    """Where `POST /-/clock/advance` moves the clock: from {seconds} or {until}."""
    hint = 'send {"seconds": 3600} or {"until": "2025-01-01T12:00:00Z"}'
    if (seconds is None) == (until is None):
        raise ValidationFailed(
            "give exactly one of seconds or until",
            [problem("seconds", "both or neither of seconds and until were given", hint)],
        )
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValidationFailed(
                "seconds must be a number",
                [problem("seconds", f"got {seconds!r}", hint)],
            )
        if not seconds >= 0 or seconds > 366 * 86400 * 10:
            raise ValidationFailed(
                "seconds must be between 0 and ten years",
                [problem("seconds", f"got {seconds!r}", "a virtual clock only moves forwards")],
            )
        return now + timedelta(seconds=seconds)
    target = parse_until(until)
    if target < now:
        raise ValidationFailed(
            "until is in the past: a virtual clock only moves forwards",
            [
                problem(
                    "until",
                    f"{iso(target)} is before the clock's now {iso(now)}",
                    "GET /-/clock shows now; give a later time",
                )
            ],
        )
    return target


# -- the scheduler -----------------------------------------------------------------------


@dataclass(frozen=True)
class _PairState:
    last_tick_for: datetime | None
    since: datetime


class Scheduler:
    """Fires scheduled ticks: APScheduler jobs on a real clock, `advance()` on a virtual one."""

    def __init__(
        self,
        db: Database,
        integrations: IntegrationService,
        ticks: TickService,
        clock: RealClock | VirtualClock,
    ) -> None:
        self._db = db
        self._integrations = integrations
        self._ticks = ticks
        self._clock = clock
        # The one "is the clock virtual" check: a virtual clock is moved by advance().
        self._virtual = clock if isinstance(clock, VirtualClock) else None
        self._apscheduler: AsyncIOScheduler | None = None
        self._jobs: dict[str, str] = {}  # job id -> crontab it was built with
        self._pairs_cache: list[ActiveIntegration] | None = None  # virtual clock
        self._reconcile_lock = asyncio.Lock()
        self._advance_lock = asyncio.Lock()

    def require_virtual(self) -> VirtualClock:
        """The virtual clock, or Conflict: a real clock cannot be moved."""
        if self._virtual is None:
            raise Conflict(
                "the clock is real and cannot be moved; start the emulator with "
                "--clock virtual to advance time by hand, or use POST /-/ticks to tick now"
            )
        return self._virtual

    async def start(self) -> None:
        """Resume the virtual clock, fire missed ticks once, build the jobs."""
        await self._ticks.abandon_pending()
        if self._virtual is not None:
            await self._resume_virtual_clock(self._virtual)
        await self._catch_up()
        if self._virtual is None:
            self._apscheduler = AsyncIOScheduler(
                timezone=UTC,
                jobstores={"default": MemoryJobStore()},
                executors={"default": AsyncIOExecutor()},
                job_defaults={
                    "coalesce": True,
                    "max_instances": 1,
                    "misfire_grace_time": MISFIRE_GRACE_S,
                },
            )
            self._apscheduler.start()
        await self.reconcile()

    async def stop(self) -> None:
        """Stop firing; running jobs are cancelled."""
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None
        self._jobs.clear()

    async def reconcile(self) -> None:
        """Rebuild the schedule after an install, settings or activation change, and
        after POST /-/reset.

        Real clock: the APScheduler jobs, now. Virtual clock: the list of pairs, at the
        next advance. (Rows changed behind the services' back, e.g. by another process,
        cannot fire from a stale list: a tick is claimed against its activation first.)
        """
        self._pairs_cache = None
        if self._apscheduler is None:
            return
        async with self._reconcile_lock:
            wanted: dict[str, tuple[ActiveIntegration, _PairState]] = {}
            for active, state in await self._pairs():
                if cron.is_valid(active.interval):
                    wanted[_job_id(active)] = (active, state)
            for job_id in set(self._jobs) - set(wanted):
                self._apscheduler.remove_job(job_id)
                del self._jobs[job_id]
            for job_id, (active, state) in wanted.items():
                expr = active.interval or ""
                if self._jobs.get(job_id) == expr:
                    continue  # unchanged: keep its next fire time
                self._apscheduler.add_job(
                    self._run_job,
                    CroniterTrigger(expr, not_before=state.last_tick_for),
                    args=(active.integration_id, active.channel_id, expr),
                    id=job_id,
                    name=f"tick {active.app_name} on {active.channel_id}",
                    replace_existing=True,
                )
                self._jobs[job_id] = expr

    def job_count(self) -> int:
        return len(self._jobs)

    def job(self, integration_id: str, channel_id: str) -> Job | None:
        """The APScheduler job of a pair (real clock only)."""
        if self._apscheduler is None:
            return None
        return self._apscheduler.get_job(job_id(integration_id, channel_id))

    def add_listener(self, callback: Any, mask: int) -> None:
        """Forward to APScheduler's listeners (real clock only): tests see jobs run."""
        if self._apscheduler is not None:
            self._apscheduler.add_listener(callback, mask)

    async def _run_job(self, integration_id: str, channel_id: str, expr: str) -> None:
        """One APScheduler job run: fire the pair's tick for the time that just came."""
        try:
            active = await self._integrations.active_pair(integration_id, channel_id)
        except NotFound:  # deactivated or deleted: reconcile removes the job
            log.info("tick job for %s on %s has no active pair", integration_id, channel_id)
            return
        if active.interval != expr:
            return  # the interval changed; reconcile replaces this job
        scheduled_for = cron.latest_at_or_before(expr, self._clock.now())
        await self._ticks.fire_many([active], scheduled_for, "schedule")

    # -- virtual clock -------------------------------------------------------------------

    async def advance(self, seconds: Any = None, until: Any = None) -> dict[str, Any]:
        """Move the virtual clock, firing every due tick in time order; answer them."""
        clock = self.require_virtual()
        async with self._advance_lock:
            start = clock.now()
            end = advance_target(start, seconds, until)
            if self._pairs_cache is None:
                self._pairs_cache = await self._integrations.active(integration_type="interval")
            plan = cron.merge_fire_times(
                self._pairs_cache, _interval, start, end, MAX_TICKS_PER_ADVANCE
            )
            fired: list[dict[str, Any]] = []
            for at, due in plan.items():
                clock.set(at)
                fired.extend(await self._ticks.fire_many(due, at, "schedule"))
            clock.set(end)
        return {"now": iso(clock.now()), "mode": clock.mode, "ticks": fired}

    async def _resume_virtual_clock(self, clock: VirtualClock) -> None:
        async with self._db.read() as session:
            newest = await session.scalar(select(func.max(models.Activation.last_tick_for)))
        if newest is not None and newest > clock.now():
            clock.set(newest)

    # -- start-up and listing --------------------------------------------------------------

    async def _pairs(self) -> list[tuple[ActiveIntegration, _PairState]]:
        actives = await self._integrations.active(integration_type="interval")
        async with self._db.read() as session:
            rows = await session.execute(
                select(
                    models.Activation.integration_id,
                    models.Activation.channel_id,
                    models.Activation.last_tick_for,
                    models.Activation.updated_at,
                ).where(models.Activation.is_active.is_(True))
            )
            states = {
                (integration_id, channel_id): _PairState(last, since)
                for integration_id, channel_id, last, since in rows
            }
        return [
            (a, states[(a.integration_id, a.channel_id)])
            for a in actives
            if (a.integration_id, a.channel_id) in states
        ]

    async def _catch_up(self) -> None:
        """Fire, once each, the ticks missed while the emulator was down."""
        now = self._clock.now()
        due: dict[datetime, list[ActiveIntegration]] = defaultdict(list)
        for active, state in await self._pairs():
            if not active.interval or not cron.is_valid(active.interval):
                continue
            at = cron.catch_up_time(active.interval, state.last_tick_for, state.since, now)
            if at is not None:
                due[at].append(active)
        for at in sorted(due):
            log.info("firing %d tick(s) missed while down, coalesced at %s", len(due[at]), at)
            self._ticks.fire_later(due[at], at, "schedule")

    async def schedule(self) -> list[dict[str, Any]]:
        """Next fire time of every active interval pair (null when it only ticks on demand)."""
        now = self._clock.now()
        items = []
        for active, state in await self._pairs():
            reason = None
            upcoming = None
            if active.interval is None:
                reason = "no interval setting: ticks only on demand (POST /-/ticks)"
            elif (error := cron.validation_error(active.interval)) is not None:
                reason = error
            else:
                upcoming = cron.next_fire_at(active.interval, state.last_tick_for, now)
            items.append(
                {
                    "integration_id": active.integration_id,
                    "channel_id": active.channel_id,
                    "app_name": active.app_name,
                    "interval": active.interval,
                    "next_fire_at": iso(upcoming),
                    "last_tick_for": iso(state.last_tick_for),
                    "tick_url": active.tick_url,
                    "reason": reason,
                }
            )
        items.sort(key=lambda item: (item["next_fire_at"] is None, item["next_fire_at"] or ""))
        return items


def _interval(active: ActiveIntegration) -> str | None:
    return active.interval


def _job_id(active: ActiveIntegration) -> str:
    return job_id(active.integration_id, active.channel_id)


def job_id(integration_id: str, channel_id: str) -> str:
    return f"tick:{integration_id}:{channel_id}"
