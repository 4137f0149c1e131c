"""The delivery log: the one way to record an outbound request (one row per request).

Every kind (modifier hop, output, target, tick, auth callback, agent call, agent push)
builds its row with `delivery_row`, hands it to `DeliveryLog.record`, and the log writes
it and publishes `delivery.finished` once the write committed. (The agents' task writer
batches task rows with their delivery rows: it writes them with `insert` in its own
group commit and then calls `published`.) Records that arrive together share one
write transaction (group commit, `GroupWriter`): under load that is most of the
throughput, since SQLite has one writer. A record may carry what the delivery belongs
with, written in the same transaction: the message a modifier chain produced, or the
update that finishes a tick row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, Executable, select

from emulator.batching import GroupWriter
from emulator.db import models
from emulator.db.database import Database, insert_rows
from emulator.db.lookup import where_equal
from emulator.delivery.messages import MessageStore
from emulator.errors import EmulatorError
from emulator.hub import EventHub
from emulator.masking import mask_request_body
from emulator.outbound import OutboundResult
from emulator.shapes import delivery_view
from emulator.tasks import TaskTracker

DELIVERY_KINDS = ("modifier", "output", "target", "tick", "auth_callback", "agent", "agent_push")
OUTCOMES = ("ok", "skipped", "error", "timeout")
_DELIVERIES = models.Delivery.__table__


def outcome_of(result: OutboundResult) -> tuple[str, str | None]:
    """ok for any 2xx; timeout; else error with the reason."""
    if result.timed_out:
        return "timeout", result.error
    if result.error is not None:
        return "error", result.error
    if result.ok:
        return "ok", None
    return "error", f"HTTP {result.status_code}"


def delivery_row(
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
    """Every column of one delivery row, as plain values (a Core insert, no ORM: a busy
    instant has 10,000 of them). `outcome` overrides `outcome_of`, with its `reason`."""
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


@dataclass
class Record:
    """Delivery rows and what they belong with, written in one transaction."""

    deliveries: list[dict[str, Any]]  # delivery_row values
    message: models.Message | None = None  # stored first; its view is the record's result
    # (statement, parameter rows) run after the inserts, e.g. finishing the tick rows
    updates: list[tuple[Executable, list[dict[str, Any]]]] = field(default_factory=list)


class DeliveryLog:
    """Records deliveries (group commit, then `delivery.finished`) and lists them."""

    def __init__(
        self, db: Database, messages: MessageStore, hub: EventHub, tasks: TaskTracker
    ) -> None:
        self._db = db
        self._messages = messages
        self._hub = hub
        self._writer: GroupWriter[Record, dict[str, Any] | None] = GroupWriter(
            self._write, tasks, "delivery log: group commit"
        )

    async def record(
        self,
        deliveries: list[dict[str, Any]],
        *,
        message: models.Message | None = None,
        updates: list[tuple[Executable, list[dict[str, Any]]]] | None = None,
    ) -> dict[str, Any] | None:
        """Store the rows (and `message`, `updates`) with whatever else is waiting, then
        publish them. Answers the message's view; raises the NotFound that kept it out."""
        return await self._writer.submit(Record(deliveries, message, updates or []))

    async def _write(self, records: list[Record]) -> list[dict[str, Any] | EmulatorError | None]:
        messages = [record.message for record in records if record.message is not None]
        rows = [row for record in records for row in record.deliveries]

        def work(connection: Connection) -> list[models.Message | EmulatorError]:
            stored = self._messages.insert(connection, messages)
            self.insert(connection, rows)
            for record in records:
                for statement, parameters in record.updates:
                    connection.execute(statement, parameters)
            return stored

        views = iter(self._messages.published(await self._db.run_write(work)))
        self.published(rows)
        return [next(views) if record.message is not None else None for record in records]

    @staticmethod
    def insert(connection: Connection, rows: list[dict[str, Any]]) -> None:
        """Write delivery rows inside a caller's transaction. Only for a writer that
        batches its own rows with them (the agents' task writer); then call `published`."""
        insert_rows(connection, _DELIVERIES, rows)

    def published(self, rows: Sequence[dict[str, Any]]) -> None:
        """Publish `delivery.finished` for rows whose write committed."""
        if not self._hub.subscriber_count:  # the views cost more than the rest: skip them
            return
        for row in rows:
            # delivery_view only reads attributes; a namespace spares the ORM instrumentation
            view = delivery_view(cast(models.Delivery, SimpleNamespace(**row)))
            self._hub.publish("delivery.finished", view)

    async def list(
        self,
        *,
        filters: dict[str, str],
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Newest first; filter by channel, integration, kind, outcome, message, tick, agent
        or agent task."""
        names = (
            "channel_id", "integration_id", "kind", "outcome", "message_id", "tick_id", "agent_id", "task_id"
        )  # fmt: skip
        query = where_equal(select(models.Delivery), models.Delivery, filters, names)
        query = query.order_by(models.Delivery.started_at.desc(), models.Delivery.id)
        async with self._db.read() as session:
            rows = (await session.scalars(query.limit(limit).offset(offset))).all()
        return [delivery_view(row) for row in rows]
