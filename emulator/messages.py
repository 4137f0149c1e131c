"""Channel messages: store, list, and (fan-out issue) the modifier chain and outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.directory import Directory
from emulator.errors import EmulatorError, NotFound, ValidationFailed, problem
from emulator.hub import EventHub
from emulator.shapes import message_view

MAX_CONTENT_CHARS = 100_000


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

    def __init__(self, db: Database, hub: EventHub, clock: Clock, config: Config) -> None:
        self._db = db
        self._hub = hub
        self._clock = clock
        self._config = config

    async def require_thread(self, channel_id: str, thread_id: str) -> None:
        """NotFound unless the channel exists and `thread_id` is one of its messages."""
        async with self._db.read() as session:
            await Directory.require_channel(session, channel_id)
            await _require_thread_root(session, channel_id, thread_id)

    async def add(self, row: models.Message) -> dict[str, Any]:
        (result,) = await self.add_many([row])
        if isinstance(result, EmulatorError):
            raise result
        return result

    async def add_many(
        self, rows: list[models.Message], also: Sequence[models.Base] = ()
    ) -> list[dict[str, Any] | EmulatorError]:
        """Store rows in one short write (group commit); per row its view, or the NotFound
        that kept it out (unknown channel or thread). Publishes `message.created` for each.

        `also` (say, delivery rows) is inserted in the same write; its caller publishes it.
        """
        results: list[models.Message | EmulatorError] = []
        async with self._db.write() as session:
            if rows:
                results = await _insert_messages(session, rows)
            session.add_all(also)
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

    async def get(self, message_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            row = await session.get(models.Message, message_id)
        if row is None:
            raise NotFound(f"no message with id {message_id!r}")
        return message_view(row)


async def _require_thread_root(session: Any, channel_id: str, thread_id: str) -> None:
    root = await session.get(models.Message, thread_id)
    if root is None or root.channel_id != channel_id:
        raise NotFound(
            f"thread_id {thread_id!r} is not a message of this channel; "
            "use the id of the thread's first message"
        )


async def _insert_messages(
    session: Any, rows: list[models.Message]
) -> list[models.Message | EmulatorError]:
    # One query for the known channels and the last seq: each statement is a few thread
    # round trips, and this runs once per batch under the write lock.
    last_seq = select(func.max(models.Message.seq)).scalar_subquery()
    found = (
        await session.execute(
            select(models.Channel.id, last_seq).where(
                models.Channel.id.in_({row.channel_id for row in rows})
            )
        )
    ).all()
    channels = {channel_id for channel_id, _ in found}
    last = (found[0][1] or 0) if found else 0
    thread_ids = {row.thread_id for row in rows if row.thread_id is not None}
    roots: dict[str, str] = {}
    if thread_ids:
        found_roots = await session.execute(
            select(models.Message.id, models.Message.channel_id).where(
                models.Message.id.in_(thread_ids)
            )
        )
        roots = {message_id: channel_id for message_id, channel_id in found_roots.all()}
    results: list[models.Message | EmulatorError] = []
    for row in rows:
        try:
            if row.channel_id not in channels:
                await Directory.require_channel(session, row.channel_id)  # raises NotFound
            if row.thread_id is not None and roots.get(row.thread_id) != row.channel_id:
                await _require_thread_root(session, row.channel_id, row.thread_id)
        except EmulatorError as exc:
            results.append(exc)
            continue
        last += 1
        row.seq = last
        session.add(row)
        results.append(row)
    return results
