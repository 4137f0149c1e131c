"""The agents' facade: what the app wires and the web layer calls (CONTRACT Part 4)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from emulator.agents.calls import AgentCaller
from emulator.agents.hooks import HookBook, PushSigner
from emulator.agents.loader import AgentLoader
from emulator.agents.pushes import PushAnswer, PushReceiver, PushRequest
from emulator.agents.records import TaskWriter
from emulator.agents.registry import AgentRegistry
from emulator.agents.routing import Router, targets
from emulator.agents.views import task_view
from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.deliveries import DeliveryLog
from emulator.errors import NotFound
from emulator.fanout import Fanout
from emulator.hub import EventHub
from emulator.messages import MessageStore
from emulator.outbound import OutboundClient
from emulator.tasks import TaskTracker

TASK_FILTERS = ("agent_id", "channel_id", "state", "message_id")


class AgentService:
    """Builds the agents' parts and routes every stored user message to them."""

    def __init__(
        self,
        db: Database,
        outbound: OutboundClient,
        store: MessageStore,
        deliveries: DeliveryLog,
        hub: EventHub,
        tasks: TaskTracker,
        fanout: Fanout,
        config: Config,
        clock: Clock,
    ) -> None:
        self._db = db
        self._tasks = tasks
        self.loader = AgentLoader(outbound, config)
        self.registry = AgentRegistry(db, self.loader, hub, config, clock)
        self._router = Router(db, config)
        self.registry.on_change(self._router.forget)
        self._hooks = HookBook(db)
        self._signer = PushSigner(db)
        writer = TaskWriter(db, store, deliveries, hub, tasks)
        self._caller = AgentCaller(
            db, outbound, writer, store, hub, fanout, self._hooks, self._signer, config, clock
        )
        self._pushes = PushReceiver(
            self._hooks, self._signer, writer, deliveries, fanout, tasks, config, clock
        )
        fanout.on_stored = self.message_stored

    def message_stored(self, row: models.Message) -> None:
        """A stored channel message: call the agents it goes to, in the background.
        Only people's messages: agents' replies and webhooks never reach agents (no loops)."""
        if row.source == "user":
            self._tasks.spawn(self._dispatch(row), name=f"agents for {row.id}")

    async def _dispatch(self, row: models.Message) -> None:
        chosen = targets(row.content, await self._router.routes(row.channel_id))
        if len(chosen) == 1:
            await self._caller.call(chosen[0], row)
        elif chosen:  # several mentioned: each is called, concurrently
            await asyncio.gather(*(self._caller.call(route, row) for route in chosen))

    async def check(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /-/check` with an agent document: lint without installing."""
        return (await self.loader.load(body)).as_dict()

    async def receive_push(self, push: PushRequest) -> PushAnswer:
        """`POST /v1/a2a/webhooks/{hook_id}`: see `pushes`."""
        return await self._pushes.receive(push)

    async def list_tasks(
        self, filters: dict[str, str], limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Agent calls, newest first, filtered by agent_id, channel_id, state, message_id."""
        query = select(models.AgentTask)
        for name in TASK_FILTERS:
            if filters.get(name):
                query = query.where(getattr(models.AgentTask, name) == filters[name])
        query = query.order_by(models.AgentTask.created_at.desc(), models.AgentTask.id.desc())
        async with self._db.read() as session:
            rows = (await session.scalars(query.limit(limit).offset(offset))).all()
        return [task_view(row) for row in rows]

    async def task(self, task_id: str) -> dict[str, Any]:
        async with self._db.read() as session:
            row = await session.get(models.AgentTask, task_id)
        if row is None:
            raise NotFound(f"no agent task with id {task_id!r}; list them with GET /-/tasks")
        return task_view(row)

    async def forget(self) -> None:
        """After `/-/reset`: cached routes, hooks and the signing key are gone with the data."""
        await self._router.forget()
        self._hooks.forget()
        self._signer.forget()
