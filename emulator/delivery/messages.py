"""Channel messages: validate a post, store rows numbered in order, list them.

Rows are stored inside a caller's write (`insert`, then `published` once it committed):
the delivery log's group commit, or a batch of return bodies.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from emulator.db import models
from emulator.db.database import Database, Prepared, insert_rows, values_of
from emulator.directory import Directory
from emulator.errors import EmulatorError, NotFound, ValidationFailed, problem
from emulator.hub import EventHub
from emulator.shapes import message_view

MAX_CONTENT_CHARS = 100_000
# Key lookups of the write path, compiled once (see Prepared).
_LAST_SEQ = Prepared(select(func.max(models.Message.seq)))
_CHANNEL_EXISTS = Prepared(select(models.Channel.id).where(models.Channel.id == bindparam("id")))
_CHANNEL_OF_MESSAGE = Prepared(
    select(models.Message.channel_id).where(models.Message.id == bindparam("id"))
)


def validate_post(body: dict[str, Any]) -> tuple[str, str | None, str]:
    """(content, thread_id, username) from a POST …/messages body."""
    errors = []
    content = body.get("content", body.get("message"))
    if not isinstance(content, str) or not content.strip():
        errors.append(
            problem("content", "content is missing or empty", 'send {"content": "hello"}')
        )
    elif len(content) > MAX_CONTENT_CHARS:
        errors.append(
            problem(
                "content",
                f"content has {len(content)} characters",
                f"keep it under {MAX_CONTENT_CHARS}",
            )
        )
    thread_id = body.get("thread_id") or None
    if thread_id is not None and not isinstance(thread_id, str):
        errors.append(
            problem(
                "thread_id", "thread_id must be a message id string", "omit it for a new thread"
            )
        )
    username = body.get("username") or "you"
    if not isinstance(username, str):
        errors.append(problem("username", "username must be a string", 'e.g. "ada"'))
    if errors:
        raise ValidationFailed("the message was not accepted", errors)
    return content, thread_id, username


class MessageStore:
    """Reads and writes message rows; publishes `message.created`."""

    def __init__(self, db: Database, hub: EventHub) -> None:
        self._db = db
        self._hub = hub

    async def require_thread(self, channel_id: str, thread_id: str) -> None:
        """NotFound unless the channel exists and `thread_id` is one of its messages."""
        async with self._db.read() as session:
            await Directory.require_channel(session, channel_id)
            await _require_thread_root(session, channel_id, thread_id)

    def insert(
        self, connection: Connection, rows: list[models.Message]
    ) -> list[models.Message | EmulatorError]:
        """Insert the rows whose channel (and thread, if any) exist, numbered in order; per
        row the row, or the NotFound that kept it out. Call it inside `Database.run_write`.
        """
        if not rows:
            return []
        channels = {
            channel_id
            for channel_id in {row.channel_id for row in rows}
            if _CHANNEL_EXISTS.fetch(connection, {"id": channel_id})
        }
        roots: dict[str, str] = {}
        for thread_id in {row.thread_id for row in rows if row.thread_id is not None}:
            for (channel_id,) in _CHANNEL_OF_MESSAGE.fetch(connection, {"id": thread_id}):
                roots[thread_id] = channel_id
        # The last seq, read inside this write (one indexed lookup per group commit): no
        # counter in memory to go stale after /-/reset or with another writer.
        last_seq = (_LAST_SEQ.fetch(connection, {})[0][0] or 0) if channels else 0
        results: list[models.Message | EmulatorError] = []
        values: list[dict[str, Any]] = []
        for row in rows:
            if row.channel_id not in channels:
                results.append(_no_channel(row.channel_id))
            elif row.thread_id is not None and roots.get(row.thread_id) != row.channel_id:
                results.append(_not_a_thread_root(row.thread_id))
            else:
                last_seq += 1
                row.seq = last_seq
                values.append(values_of(row))
                results.append(row)
        insert_rows(connection, models.Message.__table__, values)
        return results

    def published(
        self, results: list[models.Message | EmulatorError]
    ) -> list[dict[str, Any] | EmulatorError]:
        """Views of the rows `insert` stored, each published as `message.created`;
        errors pass through."""
        views: list[dict[str, Any] | EmulatorError] = []
        for result in results:
            if isinstance(result, EmulatorError):
                views.append(result)
                continue
            view = message_view(result)
            self._hub.publish("message.created", view)
            views.append(view)
        return views

    async def list(self, channel_id: str, limit: int, before: str | None) -> list[dict[str, Any]]:
        """Newest last; `before` is a message id to page backwards from."""
        async with self._db.read() as session:
            await Directory.require_channel(session, channel_id)
            query = select(models.Message).where(models.Message.channel_id == channel_id)
            if before:
                anchor = await session.get(models.Message, before)
                if anchor is None:
                    raise NotFound(f"?before={before!r} is not a message id")
                query = query.where(models.Message.seq < anchor.seq)
            rows = (
                await session.scalars(query.order_by(models.Message.seq.desc()).limit(limit))
            ).all()
        return [message_view(row) for row in reversed(rows)]


async def _require_thread_root(session: Any, channel_id: str, thread_id: str) -> None:
    root = await session.get(models.Message, thread_id)
    if root is None or root.channel_id != channel_id:
        raise _not_a_thread_root(thread_id)


def _not_a_thread_root(thread_id: str) -> NotFound:
    return NotFound(
        f"thread_id {thread_id!r} is not a message of this channel; "
        "use the id of the thread's first message"
    )


def _no_channel(channel_id: str) -> NotFound:
    # The words of Directory.require_channel, which needs a session of its own.
    return NotFound(
        f"no channel with id {channel_id!r}; list them with "
        "GET /api/v1/organisations/{org_id}/channels"
    )
