"""Bodies integrations POST back to return_url: verdict, tick match, store (CONTRACT §1.5).

What a body says and Telex's verdict on it: `return_bodies`. Strict mode (default) posts only valid bodies to the channel; lenient mode posts every
body it can read, with a visible warning saying what real Telex would have answered.
Every body received is kept in the returns log with its verdict and correlation: the
tick it most likely answers (`matched`), one that fired too long before (`late`), or
none on that channel at all (`orphan`).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, Select, bindparam, func, select, update

from emulator.batching import GroupWriter
from emulator.db import models
from emulator.db.database import insert_rows
from emulator.db.lookup import where_equal
from emulator.delivery.fanout import Fanout
from emulator.delivery.messages import MessageStore
from emulator.errors import EmulatorError, NotFound
from emulator.infrastructure import Infrastructure
from emulator.shapes import return_view, spec_root
from emulator.ticks.return_bodies import KNOWN_STATUSES, Parsed, Received, parse, verdict

CORRELATIONS = ("matched", "late", "orphan")
FALLBACK_USERNAME = "integration"
_RETURNS = models.Return.__table__
# A body whose message could not be stored after all: no message, and the 404 verdict.
_REFUSE = (
    update(_RETURNS)
    .where(_RETURNS.c.id == bindparam("return_id"))
    .values(accepted=False, message_id=None, verdict=bindparam("refused_verdict"))
)


@dataclass
class _Pending:
    """One body waiting for its batch."""

    received: Received
    parsed: Parsed


@dataclass
class _Latest:
    """A channel's newest tick and, if it is still installed, that tick's integration."""

    tick_id: str
    fired_at: datetime
    integration_id: str
    integration_found: bool
    app_name: str | None
    spec: dict[str, Any] | None


@dataclass
class _Judged:
    """What one batch's write decided: answers, returns log rows, messages to post."""

    answers: list[dict[str, Any]]
    records: list[dict[str, Any]]
    rows: list[tuple[int, models.Message, dict[str, Any]]]  # (answer index, row, record)
    stored: list[models.Message | EmulatorError]


class ReturnService:
    def __init__(self, infra: Infrastructure, store: MessageStore, fanout: Fanout) -> None:
        self._infra = infra
        self._store = store
        self._fanout = fanout
        self._writer: GroupWriter[_Pending, dict[str, Any]] = GroupWriter(
            self._handle, infra.tasks, "returns: group commit"
        )

    async def receive(self, received: Received) -> dict[str, Any]:
        """Judge, correlate, store and (maybe) post one body; answer Telex's verdict.

        Group commit: bodies arriving together are handled together (GroupWriter), in
        up to three short transactions for the whole batch.
        """
        parsed = parse(received, self._infra.config.max_body_bytes)
        return await self._writer.submit(_Pending(received, parsed))

    async def _handle(self, batch: list[_Pending]) -> list[dict[str, Any] | BaseException]:
        now = self._infra.clock.now()
        channel_ids = {entry.received.channel_id for entry in batch}
        store_now = not self._infra.config.fanout_webhook_messages

        def work(connection: Connection) -> _Judged:
            # One short write: look up, log every body and (unless the messages go through
            # the fan-out) store the messages, all in one transaction: whoever sees a
            # message can already find its return.
            found = _lookup(connection, channel_ids)
            judged = _Judged([], [], [], [])
            for entry in batch:
                exists = entry.received.channel_id in found
                latest = found.get(entry.received.channel_id)
                answer, record, row = self._judge(entry, exists, latest, now)
                judged.answers.append(answer)
                if row is not None:
                    if latest is not None and latest.integration_found:
                        row.integration_id = latest.integration_id
                    row.username = row.username or _display_name(latest) or FALLBACK_USERNAME
                    judged.rows.append((len(judged.answers) - 1, row, record))
                judged.records.append(record)
            # Plain values, one executemany: no unit-of-work bookkeeping per row
            insert_rows(connection, _RETURNS, judged.records)
            if store_now and judged.rows:
                judged.stored = self._store.insert(connection, [row for _, row, _ in judged.rows])
            return judged

        judged = await self._infra.db.run_write(work)
        answers, rows = judged.answers, judged.rows
        for record in judged.records if self._infra.hub.subscriber_count else ():
            # return_view only reads attributes; a namespace spares the ORM instrumentation
            self._infra.hub.publish(
                "return.received", return_view(cast(models.Return, SimpleNamespace(**record)))
            )
        results: list[Any] = []
        if rows and not store_now:
            results = await asyncio.gather(
                *(self._fanout.send_message(row) for _, row, _ in rows), return_exceptions=True
            )
        elif rows:
            results = self._store.published(judged.stored)
        refused = []
        for (index, _, record), result in zip(rows, results, strict=True):
            if isinstance(result, NotFound):  # the channel was deleted meanwhile
                answers[index] = verdict(404, result.message)
                refused.append({"return_id": record["id"], "refused_verdict": answers[index]})
            elif isinstance(result, BaseException):
                raise result
        if refused:
            await self._infra.db.run_write(lambda connection: connection.execute(_REFUSE, refused))
        return list(answers)

    def _judge(
        self,
        entry: _Pending,
        channel_exists: bool,
        tick: _Latest | None,
        now: datetime,
    ) -> tuple[dict[str, Any], dict[str, Any], models.Message | None]:
        """The verdict, the log entry's columns and (when posted) the message row of one body.

        Plain code: it runs on the writer thread, inside the write that stores its results.
        """
        received, parsed = entry.received, entry.parsed
        lenient = self._infra.config.returns_mode == "lenient"
        correlation = "orphan"
        if tick is not None:
            age_s = (now - tick.fired_at).total_seconds()
            correlation = "late" if age_s > self._infra.config.late_return_after_s else "matched"

        warning: str | None = None
        post = False
        if not channel_exists:
            answer = verdict(
                404,
                f"channel {received.channel_id} does not exist; use the webhook_url of an "
                "existing channel (GET /api/v1/organisations/{org_id}/channels lists them)",
            )
        elif parsed.fatal is not None or parsed.problems:
            telex_says = parsed.fatal or ", ".join(parsed.problems)
            answer = verdict(400, telex_says)
            readable = parsed.fields is not None or (
                received.raw.strip() and not received.too_large
            )
            if lenient and readable:
                post = True
                warning = f"real Telex would reject this body: {telex_says}"
                answer = verdict(202, f"accepted in lenient mode; {warning}")
        else:
            post = True
            answer = verdict(202, "message received")
            status = (parsed.fields or {}).get("status")
            if isinstance(status, str) and status.lower() not in KNOWN_STATUSES:
                warning = (
                    f"status {status!r} is not one of {', '.join(KNOWN_STATUSES)}; shown as sent"
                )
        row = self._message_row(received, parsed, warning, now) if post else None
        record = {
            "id": models.new_id(),
            "channel_id": received.channel_id,
            "path": received.path,
            "method": received.method,
            "content_type": received.content_type,
            "body": _body_text(received, self._infra.config.max_response_log_bytes),
            "accepted": row is not None,
            "verdict": answer,
            "warning": warning,
            "message_id": row.id if row is not None else None,
            "tick_id": tick.tick_id if tick else None,
            "integration_id": tick.integration_id if tick else None,
            "correlation": correlation,
            "received_at": now,
        }
        return answer, record, row

    def _message_row(
        self,
        received: Received,
        parsed: Parsed,
        warning: str | None,
        now: datetime,
    ) -> models.Message:
        fields = parsed.fields or {}
        content = fields.get("message")
        if not isinstance(content, str) or not content.strip():
            # lenient: show what arrived rather than nothing
            content = (
                json.dumps(fields, ensure_ascii=False)
                if parsed.fields is not None
                else received.raw.decode("utf-8", errors="replace")
            )
        username = fields.get("username")
        if not isinstance(username, str) or not username.strip():
            username = ""  # lenient: the integration's display name, filled in by _handle
        event_name = fields.get("event_name")
        status = fields.get("status")
        return models.Message(
            id=models.new_id(),
            channel_id=received.channel_id,
            thread_id=None,
            content=content,
            original_content=content,
            username=username,
            source="webhook",
            event_name=event_name if isinstance(event_name, str) else None,
            status=status[:40] if isinstance(status, str) else None,
            integration_id=None,  # the correlated tick's integration, set by _handle
            trace=[],
            warning=warning,
            created_at=now,
        )

    async def list(
        self, *, filters: dict[str, str], limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Newest first; filter by channel_id, correlation, integration_id, tick_id."""
        names = ("channel_id", "correlation", "integration_id", "tick_id")
        query = where_equal(select(models.Return), models.Return, filters, names)
        accepted = filters.get("accepted")
        if accepted:
            query = query.where(models.Return.accepted.is_(accepted.lower() == "true"))
        query = query.order_by(models.Return.received_at.desc(), models.Return.id)
        async with self._infra.db.read() as session:
            rows = (await session.scalars(query.limit(limit).offset(offset))).all()
        return [return_view(row) for row in rows]


def _lookup_statement() -> Select[Any]:
    """Channels (`:channel_ids`) that exist, each with its newest tick and that tick's
    integration. Built once: building it took longer than running it."""
    tick, integration = models.Tick, models.Integration
    channel_ids = bindparam("channel_ids", expanding=True)
    newest = (
        select(tick.channel_id, func.max(tick.fired_at).label("fired_at"))
        .where(tick.channel_id.in_(channel_ids))
        .group_by(tick.channel_id)
        .subquery()
    )
    return (
        select(
            models.Channel.id,
            tick.id,
            tick.fired_at,
            tick.integration_id,
            integration.id.is_not(None),
            integration.app_name,
            integration.spec,
        )
        .outerjoin(newest, newest.c.channel_id == models.Channel.id)
        .outerjoin(
            tick, (tick.channel_id == newest.c.channel_id) & (tick.fired_at == newest.c.fired_at)
        )
        .outerjoin(integration, integration.id == tick.integration_id)
        .where(models.Channel.id.in_(channel_ids))
        .order_by(models.Channel.id, tick.id)
    )


_LOOKUP = _lookup_statement()


def _lookup(connection: Connection, channel_ids: set[str]) -> dict[str, _Latest | None]:
    """The channels that exist, each with its newest tick and that tick's integration
    (the likeliest sender), or None without ticks: one statement for the whole batch."""
    rows = connection.execute(_LOOKUP, {"channel_ids": sorted(channel_ids)}).all()
    return {
        channel_id: None if tick_id is None else _Latest(tick_id, *rest)
        for channel_id, tick_id, *rest in rows
    }


def _display_name(latest: _Latest | None) -> str | None:
    """permissions.monitoring_user.display_name, else the app name (CONTRACT §1.1)."""
    if latest is None or not latest.integration_found:
        return None
    permissions = spec_root(latest.spec or {}).get("permissions")
    if isinstance(permissions, dict):
        user = permissions.get("monitoring_user")
        if isinstance(user, dict) and isinstance(user.get("display_name"), str):
            return user["display_name"]
    return latest.app_name or None


def _body_text(received: Received, limit: int) -> str:
    if received.query is not None:
        return json.dumps(received.query, ensure_ascii=False)
    text = received.raw[:limit].decode("utf-8", errors="replace")
    return text + (" …[truncated]" if len(received.raw) > limit or received.too_large else "")
