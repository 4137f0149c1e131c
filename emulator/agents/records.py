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

from sqlalchemy import Connection, Dialect, bindparam, select, update

from emulator import a2a
from emulator.agents.views import task_view
from emulator.batching import GroupWriter
from emulator.db import models
from emulator.db.database import Database, Prepared, insert_rows
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
_TASK_KEYS = [column.key for column in _TASKS.columns]
# What a push may change; the request and the first answer stay as the call wrote them.
_CHANGING_KEYS = (
    "reply_message_id", "a2a_task_id", "context_id", "state", "states", "is_open", "pushes",
    "reason", "warnings", "updated_at",
)  # fmt: skip
# The push path's statements, compiled once (see Prepared): a push is a read and an update.
_READ_TASK = Prepared(select(*_TASKS.columns).where(_TASKS.c.id == bindparam("task_id")))
_UPDATE_TASK = Prepared(
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("task_id"))
    .values({key: bindparam(f"new_{key}") for key in _CHANGING_KEYS})
)
_DECODERS: dict[type[Dialect], list[Callable[[Any], Any] | None]] = {}
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
    """One entry of a task's state history."""
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
        stored = await self._db.run_write(lambda connection: self._apply(connection, changes))
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

    def _apply(self, connection: Connection, changes: list[TaskChange]) -> list[_Outcome]:
        """Every change of the batch with a few statements: one read of the tasks pushed
        to, one insert per table, one executemany of the task updates."""
        current = read_tasks(connection, [c.task_id for c in changes if c.insert is None])
        stored = iter(self._store.insert(connection, [c.reply for c in changes if c.reply]))
        outcomes: list[_Outcome] = []
        inserted: list[TaskRow] = []
        updated: dict[str, TaskRow] = {}  # the last state of each task pushed to
        deliveries: list[dict[str, Any]] = []
        for change in changes:
            reply = next(stored) if change.reply is not None else None
            if isinstance(reply, EmulatorError):  # the channel was deleted meanwhile
                outcomes.append(reply)
                continue
            if change.insert is not None:
                task = dict(change.insert)
                inserted.append(task)
            else:
                found = updated.get(change.task_id, current.get(change.task_id))
                if found is None:
                    outcomes.append(NotFound(f"no agent task {change.task_id!r} (reset?)"))
                    continue
                task = updated[change.task_id] = found
            if change.update is not None:
                task |= change.update(task)
            if reply is not None:
                task["reply_message_id"] = reply.id
            edited = _edit_message(connection, change.edit_reply) if change.edit_reply else None
            if change.close:
                connection.execute(
                    update(_TASKS).where(_TASKS.c.id.in_(change.close)).values(is_open=False)
                )
            deliveries.append(change.delivery)
            outcomes.append((dict(task), reply, edited))
        insert_rows(connection, _TASKS, inserted)
        _UPDATE_TASK.execute(
            connection,
            [
                {f"new_{key}": task[key] for key in _CHANGING_KEYS} | {"task_id": id_}
                for id_, task in updated.items()
            ],
        )
        insert_rows(connection, _DELIVERIES, deliveries)
        return outcomes


_Outcome = tuple[TaskRow, Any, Any] | EmulatorError


def _edit_message(connection: Connection, edit: tuple[str, dict[str, Any]]) -> Any:
    """Change a stored message (a streamed reply's final text); the row as stored, or None."""
    message_id, columns = edit
    connection.execute(update(_MESSAGES).where(_MESSAGES.c.id == message_id).values(columns))
    found = (
        connection.execute(select(_MESSAGES).where(_MESSAGES.c.id == message_id)).mappings().first()
    )
    return None if found is None else SimpleNamespace(**found)


def read_tasks(connection: Connection, task_ids: list[str]) -> dict[str, TaskRow]:
    """AgentTask rows by id, as Python values (JSON decoded, times aware)."""
    if not task_ids:
        return {}
    if len(task_ids) == 1:
        found = read_task(connection, task_ids[0])
        return {} if found is None else {task_ids[0]: found}
    rows = connection.execute(select(_TASKS).where(_TASKS.c.id.in_(set(task_ids)))).mappings()
    return {row["id"]: dict(row) for row in rows}


def read_task(connection: Connection, task_id: str) -> TaskRow | None:
    """One AgentTask row as Python values (JSON decoded, times aware), or None."""
    rows = _READ_TASK.fetch(connection, {"task_id": task_id})
    if not rows:
        return None
    dialect = connection.dialect
    decoders = _DECODERS.get(type(dialect))
    if decoders is None:
        decoders = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in _TASKS.columns
        ]
        _DECODERS[type(dialect)] = decoders
    return {
        key: value if decode is None else decode(value)
        for key, decode, value in zip(_TASK_KEYS, decoders, rows[0], strict=True)
    }


def trimmed_pushes(pushes: list[Any], entry: dict[str, Any]) -> list[Any]:
    """The task's push list with `entry` appended, the oldest dropped past the limit."""
    kept = [*pushes, entry]
    return kept[-MAX_PUSHES_KEPT:]
