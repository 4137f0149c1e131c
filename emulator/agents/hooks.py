"""Push hooks: the key that signs push tokens, and what each hook id leads to.

Every call gets a hook (its AgentTask id) under `/v1/a2a/webhooks/`. A push may arrive
while its call is still under way (an agent may push before it answers the call, or
before the emulator has written the answer), so hooks in flight are known in memory and
a push for one is applied once the call's outcome is written. The signing key is an instance value in the database:
an agent may push a day after it was called, across a restart.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from emulator.db import models
from emulator.db.database import Database

HOOK_PATH = "/v1/a2a/webhooks/"  # + the hook id: where agents push (CONTRACT §3.5)
SIGNING_KEY = "a2a_push_signing_key"
REMEMBERED_HOOKS = 10_000


@dataclass(frozen=True)
class Hook:
    """What a push to one hook updates and how it is authenticated."""

    task_id: str
    agent_id: str
    agent_name: str
    organisation_id: str
    channel_id: str
    api_key: str
    thread_id: str | None = None  # the user's message's thread: replies go there too
    # The push token issued with the call, when this process issued it: checking a Bearer
    # token against it is a string compare instead of a JWT decode (pushes are hot).
    token: str | None = None
    token_expires: datetime | None = None

    def bearer_matches(self, authorization: str | None, now: datetime) -> bool:
        """Whether `authorization` is `Bearer <the token issued with the call>`, unexpired."""
        if self.token is None or self.token_expires is None or authorization is None:
            return False
        given = authorization.strip().encode()
        expected = f"Bearer {self.token}".encode()
        return hmac.compare_digest(given, expected) and now < self.token_expires


class PushSigner:
    """The HS256 key of push tokens, created on first use and kept in `instance_values`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._key: str | None = None
        self._lock = asyncio.Lock()

    async def key(self) -> str:
        """The signing key: from memory, else the database, else a new one stored there."""
        if self._key is not None:
            return self._key
        async with self._lock:
            if self._key is None:
                async with self._db.write() as session:
                    row = await session.get(models.InstanceValue, SIGNING_KEY)
                    if row is None:
                        row = models.InstanceValue(key=SIGNING_KEY, value=secrets.token_hex(32))
                        session.add(row)
                    self._key = row.value
        return self._key

    def forget(self) -> None:
        """After `/-/reset`: the stored key is gone; make (and store) a new one next time."""
        self._key = None


class HookBook:
    """Hook id -> Hook, from memory (recent calls) or the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: OrderedDict[str, Hook] = OrderedDict()
        self._in_flight: dict[str, asyncio.Event] = {}

    def open(self, hook: Hook) -> None:
        """A call with this hook is starting: pushes to it wait for `close`."""
        self._in_flight[hook.task_id] = asyncio.Event()
        self._remember(hook)

    def close(self, task_id: str) -> None:
        """The call's outcome is stored (or it failed): pushes may proceed."""
        event = self._in_flight.pop(task_id, None)
        if event is not None:
            event.set()

    def forget(self) -> None:
        """After `/-/reset`: no hook is known any more."""
        self._known.clear()

    def _remember(self, hook: Hook) -> None:
        self._known[hook.task_id] = hook
        self._known.move_to_end(hook.task_id)
        while len(self._known) > REMEMBERED_HOOKS:
            self._known.popitem(last=False)

    def in_flight(self, task_id: str) -> bool:
        """Whether the call of this hook is still under way (its task is not written yet)."""
        return task_id in self._in_flight

    async def call_done(self, task_id: str) -> None:
        """Return once the call of this hook has written its outcome (at once if it has)."""
        event = self._in_flight.get(task_id)
        if event is not None:
            await event.wait()

    async def find(self, task_id: str) -> Hook | None:
        """The hook (in flight or stored); None when there is no such task."""
        hook = self._known.get(task_id)
        if hook is not None:
            return hook
        async with self._db.read() as session:
            found = (
                await session.execute(
                    select(models.AgentTask, models.Agent, models.Message.thread_id)
                    .join(models.Agent, models.Agent.id == models.AgentTask.agent_id)
                    .outerjoin(models.Message, models.Message.id == models.AgentTask.message_id)
                    .where(models.AgentTask.id == task_id)
                )
            ).first()
        if found is None:
            return None
        task, agent, thread_id = found
        hook = Hook(
            task.id,
            agent.id,
            agent.name,
            agent.organisation_id,
            task.channel_id,
            agent.api_key,
            thread_id=thread_id,
        )
        self._remember(hook)
        return hook
