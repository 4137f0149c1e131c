"""Firing ticks: POST the tick body to tick_url and record what happened (CONTRACT §1.3).

One tick is one `ticks` row (pending → ok | error | timeout | skipped) plus, when a
request was made, one `deliveries` row of kind "tick". Ticks due at the same instant
fire together: one short write claims and inserts them, the POSTs run concurrently
with no transaction open, and the delivery log records every outcome, finishing the
tick rows in the same write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import bindparam, insert, or_, select, tuple_, update

from emulator import payloads
from emulator.db import models
from emulator.db.lookup import where_equal
from emulator.delivery.log import delivery_row
from emulator.errors import BadRequest, Conflict
from emulator.infrastructure import Infrastructure
from emulator.integrations import ActiveIntegration, IntegrationService
from emulator.outbound import OutboundResult
from emulator.shapes import tick_view

TRIGGERS = ("schedule", "manual")
TICK_OUTCOMES = ("pending", "ok", "error", "timeout", "skipped")
_CLAIM_CHUNK = 500  # bound the IN (...) list of the claim query
_TICKS = models.Tick.__table__
_FINISH = _TICKS.update().where(_TICKS.c.id == bindparam("tick_id"))


def usable_tick_url(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def outcome_of_tick(result: OutboundResult) -> tuple[str, str | None]:
    """ok for any 2xx; timeout; else error with a reason that says what to fix."""
    if result.timed_out:
        return "timeout", f"{result.error}; the tick timeout is configurable (--tick-timeout)"
    if result.error is not None:
        return "error", result.error
    if result.ok:
        return "ok", None
    code = result.status_code
    path = urlsplit(result.url).path or "/"
    if code == 405:
        # Some integrations declare their tick route GET-only; Telex POSTs, so it fails there.
        return "error", (
            f"HTTP 405: the tick route only accepts GET? Telex sends ticks as POST with a "
            f"JSON body; add a POST handler for {path}"
        )
    if code == 404:
        return "error", (
            f"HTTP 404: nothing at {path}; check tick_url (override it with PUT "
            '…/integrations/custom/{id} {"tick_url": …} or use --rewrite)'
        )
    excerpt = result.text(200).strip()
    return "error", f"HTTP {code}" + (f": {excerpt}" if excerpt else "")


class TickService:
    def __init__(self, infra: Infrastructure, integrations: IntegrationService) -> None:
        self._infra = infra
        self._integrations = integrations

    # -- firing --------------------------------------------------------------------------

    async def fire(
        self, active: ActiveIntegration, scheduled_for: datetime, trigger: str
    ) -> dict[str, Any]:
        """Fire one tick now (never claimed, so it always fires); answer its record."""
        (fired,) = await self.fire_many([active], scheduled_for, trigger)
        return fired

    async def tick_now(self, integration_id: str, channel_id: str) -> dict[str, Any]:
        """CONTRACT §2.5 tick now: any active interval pair, with or without an interval."""
        active = await self._integrations.active_pair(integration_id, channel_id)
        if active.integration_type != "interval":
            raise Conflict(
                f"integration {integration_id!r} is a {active.integration_type} integration; "
                "only interval integrations tick"
            )
        return await self.fire(active, self._infra.clock.now(), "manual")

    def fire_later(
        self, actives: Sequence[ActiveIntegration], scheduled_for: datetime, trigger: str
    ) -> None:
        """Fire in a tracked background task (drain() waits for it)."""

        async def run() -> None:
            await self.fire_many(actives, scheduled_for, trigger)

        self._infra.tasks.spawn(run(), name=f"ticks {trigger} {scheduled_for.isoformat()}")

    async def fire_many(
        self, actives: Sequence[ActiveIntegration], scheduled_for: datetime, trigger: str
    ) -> list[dict[str, Any]]:
        """Fire the ticks of one instant together; answer their records once all finished.

        A scheduled tick is claimed first: a pair whose `last_tick_for` is already at or
        after `scheduled_for` is left out, so no scheduled time ever fires twice.
        """
        if trigger not in TRIGGERS:
            raise BadRequest(f"unknown tick trigger {trigger!r}")
        if not actives:
            return []
        now = self._infra.clock.now()
        async with self._infra.db.write() as session:
            if trigger == "schedule":
                actives = await _claim(session, actives, scheduled_for)
            values = [self._pending(active, scheduled_for, now, trigger) for active in actives]
            if values:
                # Core insert: a unit-of-work flush of 10,000 objects costs 3x as much
                await session.execute(insert(models.Tick.__table__), values)
        rows = [_record(value) for value in values]
        if (
            self._infra.hub.subscriber_count
        ):  # 10,000 views per instant: build them for listeners only
            for row in rows:
                self._infra.hub.publish("tick.fired", tick_view(row))

        async def post(active: ActiveIntegration, row: models.Tick) -> OutboundResult | None:
            if row.outcome == "skipped":
                return None
            body = payloads.tick_body(
                channel_id=active.channel_id,
                return_url=self._infra.config.return_url(active.channel_id),
                settings=active.settings,
            )
            return await self._infra.outbound.post_json(
                row.url or "", body, self._infra.config.tick_timeout_s
            )

        if len(rows) == 1:
            results = [await post(actives[0], rows[0])]
        else:
            results = await asyncio.gather(
                *(post(a, r) for a, r in zip(actives, rows, strict=True))
            )
        return await self._finish(rows, results)

    @staticmethod
    def _pending(
        active: ActiveIntegration, scheduled_for: datetime, now: datetime, trigger: str
    ) -> dict[str, Any]:
        """The column values of a new tick row: pending, or skipped without a tick_url."""
        usable = usable_tick_url(active.tick_url)
        return {
            "id": models.new_id(),
            "integration_id": active.integration_id,
            "channel_id": active.channel_id,
            "trigger": trigger,
            "scheduled_for": scheduled_for,
            "fired_at": now,
            "url": active.tick_url or None,
            "status_code": None,
            "latency_ms": None,
            "outcome": "pending" if usable else "skipped",
            "reason": None
            if usable
            else (
                f"no usable tick_url ({active.tick_url!r}); set one with PUT "
                f"…/integrations/custom/{active.integration_id} "
                '{"tick_url": "http://127.0.0.1:8000/tick"}'
            ),
            "finished_at": None if usable else now,
        }

    async def _finish(
        self, rows: list[models.Tick], results: Sequence[OutboundResult | None]
    ) -> list[dict[str, Any]]:
        finished_at = self._infra.clock.now()
        changes: list[dict[str, Any]] = []
        deliveries: list[dict[str, Any]] = []
        for row, result in zip(rows, results, strict=True):
            if result is None:
                continue
            outcome, reason = outcome_of_tick(result)
            row.status_code = result.status_code
            row.latency_ms = result.latency_ms
            row.outcome, row.reason = outcome, reason
            row.finished_at = finished_at
            changes.append(
                {
                    "tick_id": row.id,
                    "status_code": row.status_code,
                    "latency_ms": row.latency_ms,
                    "outcome": outcome,
                    "reason": reason,
                    "finished_at": finished_at,
                }
            )
            deliveries.append(
                delivery_row(
                    result,
                    kind="tick",
                    started_at=row.fired_at,
                    log_limit_bytes=self._infra.config.max_response_log_bytes,
                    outcome=outcome,
                    reason=reason,
                    integration_id=row.integration_id,
                    channel_id=row.channel_id,
                    tick_id=row.id,
                )
            )
        if changes:
            await self._infra.deliveries.record(deliveries, updates=[(_FINISH, changes)])
        views = [tick_view(row) for row in rows]
        if self._infra.hub.subscriber_count:
            for view in views:
                self._infra.hub.publish("tick.finished", view)
        return views

    async def abandon_pending(self) -> int:
        """At start: ticks left `pending` by a crash or kill never finish; say so."""
        async with self._infra.db.write() as session:
            result = await session.execute(
                update(models.Tick)
                .where(models.Tick.outcome == "pending")
                .values(
                    outcome="error",
                    reason="the emulator stopped before this tick's request finished",
                    finished_at=self._infra.clock.now(),
                )
            )
        return result.rowcount or 0

    # -- reading -------------------------------------------------------------------------

    async def list(
        self, *, filters: dict[str, str], limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Newest first; filter by channel_id, integration_id, trigger, outcome."""
        names = ("channel_id", "integration_id", "trigger", "outcome")
        query = where_equal(select(models.Tick), models.Tick, filters, names)
        query = query.order_by(
            models.Tick.fired_at.desc(), models.Tick.scheduled_for.desc(), models.Tick.id
        )
        async with self._infra.db.read() as session:
            rows = (await session.scalars(query.limit(limit).offset(offset))).all()
        return [tick_view(row) for row in rows]


def _record(values: dict[str, Any]) -> models.Tick:
    """A tick row for views and bookkeeping, without ORM instrumentation.

    shapes.tick_view only reads attributes; a mapped instance costs ~17 µs to build and a
    busy instant has 10,000 of them (bench/scheduler.py).
    """
    return cast(models.Tick, SimpleNamespace(**values))


async def _claim(
    session: Any, actives: Sequence[ActiveIntegration], scheduled_for: datetime
) -> list[ActiveIntegration]:
    """Keep the pairs whose last scheduled tick is before `scheduled_for`; move theirs on.

    One conditional UPDATE ... RETURNING per chunk, the first statement of its write
    transaction: it takes the write lock before it reads, so the claim is atomic across
    processes sharing the database file too (a second emulator waits for the lock, then
    finds the time already claimed), not only within this one.
    """
    unique = {(a.integration_id, a.channel_id): a for a in reversed(actives)}  # first wins
    keys = list(dict.fromkeys((a.integration_id, a.channel_id) for a in actives))
    table = models.Activation.__table__
    won: set[tuple[str, str]] = set()
    for start in range(0, len(keys), _CLAIM_CHUNK):
        chunk = keys[start : start + _CLAIM_CHUNK]
        claimed_rows = await session.execute(
            update(table)
            .where(
                tuple_(table.c.integration_id, table.c.channel_id).in_(chunk),
                table.c.is_active.is_(True),
                or_(table.c.last_tick_for.is_(None), table.c.last_tick_for < scheduled_for),
            )
            .values(last_tick_for=scheduled_for)
            .returning(table.c.integration_id, table.c.channel_id)
        )
        won.update((integration_id, channel_id) for integration_id, channel_id in claimed_rows)
    # In the callers' order; a pair deactivated, deleted or already ticked is left out.
    return [unique[key] for key in keys if key in won]
