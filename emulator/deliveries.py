"""The delivery log: one row per outbound request, published as `delivery.finished`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select

from emulator.db import models
from emulator.db.database import Database, insert_rows, values_of
from emulator.hub import EventHub
from emulator.masking import mask_request_body
from emulator.outbound import OutboundResult
from emulator.shapes import delivery_view

DELIVERY_KINDS = ("modifier", "output", "target", "tick", "auth_callback", "agent", "agent_push")
OUTCOMES = ("ok", "skipped", "error", "timeout")


def outcome_of(result: OutboundResult) -> tuple[str, str | None]:
    """ok for any 2xx; timeout; else error with the reason."""
    if result.timed_out:
        return "timeout", result.error
    if result.error is not None:
        return "error", result.error
    if result.ok:
        return "ok", None
    return "error", f"HTTP {result.status_code}"


def delivery_values(
    result: OutboundResult,
    *,
    kind: str,
    started_at: datetime,
    log_limit_bytes: int,
    outcome: str | None = None,
    reason: str | None = None,
    integration_id: str | None = None,
    channel_id: str | None = None,
    message_id: str | None = None,
    tick_id: str | None = None,
    agent_id: str | None = None,
    task_id: str | None = None,
) -> dict[str, Any]:
    """The columns of one delivery row as plain values (for `insert_rows`, no ORM)."""
    default_outcome, default_reason = outcome_of(result)
    return {
        "id": models.new_id(),
        "kind": kind,
        "integration_id": integration_id,
        "channel_id": channel_id,
        "message_id": message_id,
        "tick_id": tick_id,
        "agent_id": agent_id,
        "task_id": task_id,
        "url": result.url,
        "request_body": mask_request_body(result.request_body),  # secrets never reach the log
        "status_code": result.status_code,
        "response_body": result.text(log_limit_bytes) if result.status_code is not None else None,
        "latency_ms": result.latency_ms,
        "outcome": outcome or default_outcome,
        "reason": reason if outcome else default_reason,
        "started_at": started_at,
    }


def delivery_row(result: OutboundResult, **columns: Any) -> models.Delivery:
    """`delivery_values` as a mapped Delivery."""
    return models.Delivery(**delivery_values(result, **columns))


class DeliveryLog:
    def __init__(self, db: Database, hub: EventHub) -> None:
        self._db = db
        self._hub = hub

    async def record(self, rows: list[models.Delivery]) -> None:
        """Store rows in one short write, then publish each."""
        if not rows:
            return
        values = [values_of(row) for row in rows]
        table = models.Delivery.__table__
        await self._db.run_write(lambda connection: insert_rows(connection, table, values))
        self.publish(rows)

    def publish(self, rows: Sequence[models.Delivery | dict[str, Any]]) -> None:
        """`delivery.finished` for rows another service stored (in its own write): mapped
        rows or `delivery_values` dicts."""
        if not self._hub.subscriber_count:  # the views cost more than the rest: skip them
            return
        for row in rows:
            if isinstance(row, dict):
                row = cast(models.Delivery, SimpleNamespace(**row))  # delivery_view only reads
            self._hub.publish("delivery.finished", delivery_view(row))

    async def list(
        self,
        *,
        filters: dict[str, str],
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        query = select(models.Delivery)
        for name in (
            "channel_id", "integration_id", "kind", "outcome", "message_id", "tick_id", "agent_id", "task_id"
        ):  # fmt: skip
            if filters.get(name):
                query = query.where(getattr(models.Delivery, name) == filters[name])
        query = query.order_by(models.Delivery.started_at.desc(), models.Delivery.id)
        async with self._db.read() as session:
            rows = (await session.scalars(query.limit(limit).offset(offset))).all()
        return [delivery_view(row) for row in rows]
