"""What an agent call or a push leaves behind, written in one short write per change.

A `TaskChange` is one call's outcome (a new AgentTask row) or one push (an update of the
row): with it go its delivery row (`agent` or `agent_push`) and the reply message, if
there is something to post. Changes that arrive together share one transaction (group
commit, as the fan-out does), so push ingestion costs one small write, not several.
After the write: `message.created` (or `message.updated`), `delivery.finished` and
`task.updated` are published.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, select, update

from emulator import a2a
from emulator.agents.views import task_view
from emulator.batching import GroupWriter
from emulator.db import models
from emulator.db.database import Database, insert_rows
from emulator.deliveries import DeliveryLog
from emulator.errors import EmulatorError, NotFound
from emulator.hub import EventHub
from emulator.masking import MASK
from emulator.messages import MessageStore
from emulator.shapes import iso, message_view
from emulator.tasks import TaskTracker

_TASKS = models.AgentTask.__table__
_MESSAGES = models.Message.__table__
_DELIVERIES = models.Delivery.__table__
MAX_PUSHES_KEPT = 200  # per task: a chatty agent must not grow one row without bound
TaskRow = dict[str, Any]


def mask_rpc_body(body: dict[str, Any]) -> str:
    """The request as the logs keep it: the push token and the API key masked."""
    params = body.get("params")
    config = params.get("configuration") if isinstance(params, dict) else None
    push = config.get("pushNotificationConfig") if isinstance(config, dict) else None
    if not isinstance(push, dict):
        return json.dumps(body, ensure_ascii=False)
    auth = push.get("authentication")
    masked_push = push | {"token": MASK}
    if isinstance(auth, dict):
        masked_push["authentication"] = auth | {"credentials": MASK}
    masked_config = config | {"pushNotificationConfig": masked_push}  # type: ignore[operator]
    masked = body | {"params": params | {"configuration": masked_config}}  # type: ignore[operator]
    return json.dumps(masked, ensure_ascii=False)


def state_entry(state: str, at: datetime) -> dict[str, Any]:
    return {"state": state, "at": iso(at)}


def reply_row(
    *,
    agent_id: str,
    agent_name: str,
    task_id: str,
    channel_id: str,
    thread_id: str | None,
    rendered: a2a.RenderedReply,
    now: datetime,
    failed: bool = False,
) -> models.Message:
    """The agent's reply as a channel message (source "agent"); `failed`: status "error"."""
    return models.Message(
        id=models.new_id(),
        channel_id=channel_id,
        thread_id=thread_id,
        content=rendered.content,
        original_content=rendered.content,
        username=agent_name,
        source="agent",
        event_name="agent_reply",
        status="error" if failed else "success",
        trace=[],
        agent_id=agent_id,
        task_id=task_id,
        parts=rendered.parts,
        created_at=now,
    )


def failure_reply(reason: str) -> a2a.RenderedReply:
    """A failed call as the channel shows it: one text part naming the reason."""
    text = f"The agent's answer could not be shown: {reason}"
    return a2a.RenderedReply(text, [{"kind": "text", "text": text}])


@dataclass
class TaskChange:
    """One call's outcome (`insert`) or one push (`update` of the stored row)."""

    task_id: str
    delivery: dict[str, Any]  # delivery_values
    insert: TaskRow | None = None  # every column of a new AgentTask
    update: Callable[[TaskRow], TaskRow] | None = None  # current row -> changed columns
    reply: models.Message | None = None
    edit_reply: tuple[str, dict[str, Any]] | None = None  # (message id, changed columns)
    close: list[str] = field(default_factory=list)  # AgentTask ids no longer open


@dataclass
class Written:
    """What a change stored: the task's view and the reply message's view, if any."""

    task: dict[str, Any]
    reply: dict[str, Any] | None


class TaskWriter:
    """Writes TaskChanges with group commit and publishes what they stored."""

    def __init__(
        self,
        db: Database,
        store: MessageStore,
        deliveries: DeliveryLog,
        hub: EventHub,
        tasks: TaskTracker,
    ) -> None:
        self._db = db
        self._store = store
        self._deliveries = deliveries
        self._hub = hub
        self._writer: GroupWriter[TaskChange, Written] = GroupWriter(
            self._write, tasks, "agents: store tasks, replies and deliveries"
        )

    async def submit(self, change: TaskChange) -> Written:
        """Store `change` (with whatever else is waiting); NotFound for a vanished task."""
        return await self._writer.submit(change)

    async def _write(self, changes: list[TaskChange]) -> list[Written | BaseException]:
        def work(connection: Connection) -> list[tuple[TaskRow, Any, Any] | EmulatorError]:
            return [self._apply(connection, change) for change in changes]

        stored = await self._db.run_write(work)
        results: list[Written | BaseException] = []
        for change, outcome in zip(changes, stored, strict=True):
            if isinstance(outcome, EmulatorError):
                results.append(outcome)
                continue
            task, reply, edited = outcome
            reply_view = None
            if reply is not None:
                (published,) = self._store.published([reply])
                reply_view = published if isinstance(published, dict) else None
            elif edited is not None:
                reply_view = message_view(edited)
                self._hub.publish("message.updated", reply_view)
            self._deliveries.publish([change.delivery])
            view = task_view(cast(models.AgentTask, SimpleNamespace(**task)))
            self._hub.publish("task.updated", view)
            results.append(Written(view, reply_view))
        return results

    def _apply(
        self, connection: Connection, change: TaskChange
    ) -> tuple[TaskRow, Any, Any] | EmulatorError:
        if change.insert is not None:
            task = dict(change.insert)
        else:
            found = (
                connection.execute(select(_TASKS).where(_TASKS.c.id == change.task_id))
                .mappings()
                .first()
            )
            if found is None:
                return NotFound(f"no agent task {change.task_id!r}: it was deleted (reset?)")
            task = dict(found)
        # Only what changed is written back: a push must not re-encode the request and
        # response bodies it leaves alone (bench/agents.py: a third of a push's cost).
        changed: TaskRow = change.update(task) if change.update is not None else {}
        task |= changed
        reply: models.Message | None = None
        if change.reply is not None:
            (inserted,) = self._store.insert(connection, [change.reply])
            if isinstance(inserted, EmulatorError):
                return inserted  # the channel was deleted meanwhile
            reply = inserted
            task["reply_message_id"] = changed["reply_message_id"] = reply.id
        edited = None
        if change.edit_reply is not None:
            message_id, columns = change.edit_reply
            connection.execute(
                update(_MESSAGES).where(_MESSAGES.c.id == message_id).values(columns)
            )
            row = (
                connection.execute(select(_MESSAGES).where(_MESSAGES.c.id == message_id))
                .mappings()
                .first()
            )
            edited = None if row is None else SimpleNamespace(**row)
        if change.insert is not None:
            insert_rows(connection, _TASKS, [task])
        elif changed:
            connection.execute(update(_TASKS).where(_TASKS.c.id == change.task_id).values(changed))
        if change.close:
            connection.execute(
                update(_TASKS).where(_TASKS.c.id.in_(change.close)).values(is_open=False)
            )
        insert_rows(connection, _DELIVERIES, [change.delivery])
        return task, reply, edited


def trimmed_pushes(pushes: list[Any], entry: dict[str, Any]) -> list[Any]:
    """The task's push list with `entry` appended, the oldest dropped past the limit."""
    kept = [*pushes, entry]
    return kept[-MAX_PUSHES_KEPT:]
