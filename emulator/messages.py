"""Channel messages: store, list, and (fan-out issue) the modifier chain and outputs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.directory import Directory
from emulator.errors import NotFound, ValidationFailed, problem
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

    async def add(self, row: models.Message) -> dict[str, Any]:
        async with self._db.write() as session:
            await Directory.require_channel(session, row.channel_id)
            if row.thread_id is not None:
                root = await session.get(models.Message, row.thread_id)
                if root is None or root.channel_id != row.channel_id:
                    raise NotFound(
                        f"thread_id {row.thread_id!r} is not a message of this channel; "
                        "use the id of the thread's first message"
                    )
            last = await session.scalar(select(func.max(models.Message.seq)))
            row.seq = (last or 0) + 1
            session.add(row)
        view = message_view(row)
        self._hub.publish("message.created", view)
        return view

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
