"""`ask()`: send an agent a message and wait for its final reply, through pushes and streams.

The wait listens to /-/events (subscribed before the message is sent, so nothing slips
by) for the call's `task.updated` events. A reply is final when the task is no longer
`submitted`/`working`: it ended, waits for the user (`input-required`, `auth-required`),
or the call failed. A Message answer ends its task at once. When the wait fails (a
timeout, a failed reply, a task that ended with nothing to post) the AssertionError says
what the agent did answer: its replies, the task's states, the last delivery's status.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.testing.events import subscription
from emulator.testing.results import (
    Entity,
    Message,
    Record,
    Reply,
    TelexAPIError,
    entity_id,
    wrap,
)

if TYPE_CHECKING:
    from emulator.testing.client import AsyncTelexClient

# A task in these states is still at work: its result comes on the push webhook or the
# stream. The same set as emulator.a2a's, repeated so the test client stays light.
WORKING_STATES = frozenset({"submitted", "working"})
WATCHED_EVENTS = "task.updated,message.created,message.updated"
MAX_RESUBSCRIBES = 3


@dataclass(frozen=True)
class Target:
    """Who is asked, where: the agent and the channel the question goes to."""

    agent_id: str
    name: str
    channel_id: str
    channel_name: str | None
    direct: bool

    @property
    def where(self) -> str:
        if self.direct:
            return f"its direct channel ({self.channel_id})"
        name = f"'{self.channel_name}' " if self.channel_name else ""
        return f"channel {name}({self.channel_id})"


@dataclass
class Watch:
    """What was seen of one question so far: the sent message, its task, the agent's
    messages in the channel (latest view of each)."""

    target: Target
    sent: Message | None = None
    task: Record | None = None
    messages: dict[str, Record] = field(default_factory=dict)

    def see(self, event: str, data: str) -> None:
        try:
            payload = wrap(json.loads(data))
        except ValueError:
            return
        if not isinstance(payload, Record):
            return
        if event == "task.updated":
            self.see_task(payload)
        elif payload.get("agent_id") == self.target.agent_id:
            if payload.get("channel_id") == self.target.channel_id:
                self.messages[payload["id"]] = payload

    def see_task(self, task: Record) -> None:
        if self.sent is None or task.get("message_id") != self.sent["id"]:
            return
        if task.get("agent_id") == self.target.agent_id:
            self.task = task

    @property
    def final(self) -> bool:
        return self.task is not None and self.task.get("state") not in WORKING_STATES


async def target_of(client: AsyncTelexClient, agent: Entity, channel: Entity | None) -> Target:
    """The agent's id and name (looked up when given as an id) and where to ask it."""
    record = agent if isinstance(agent, Mapping) else await _find_agent(client, agent)
    agent_id = entity_id(record, "agent")
    name = str(record.get("name") or "")
    if channel is None:
        return Target(agent_id, name, record["direct_channel_id"], None, True)
    channel_id = entity_id(channel, "channel")
    if channel_id == record.get("direct_channel_id"):
        return Target(agent_id, name, channel_id, None, True)
    present = await client.request("GET", f"/api/v1/channels/{channel_id}/agents")
    if agent_id not in {item.get("id") for item in present}:
        raise AssertionError(
            f"{name} is not in channel {channel_id}: a mention there would not reach it. "
            "Add it first with add_agent(agent, channel)."
        )
    channel_name = channel.get("name") if isinstance(channel, Mapping) else None
    return Target(agent_id, name, channel_id, channel_name, False)


async def _find_agent(client: AsyncTelexClient, agent_id: Entity) -> Record:
    wanted = entity_id(agent_id, "agent")
    for org in await client.request("GET", "/api/v1/organisations"):
        for found in await client.request("GET", f"/api/v1/organisations/{org['id']}/agents"):
            if found["id"] == wanted:
                return found
    raise AssertionError(f"no agent with id {wanted!r} is installed; see install_agent()")


async def wait_for_reply(client: AsyncTelexClient, watch: Watch, content: str) -> None:
    """Send `content` once subscribed, then follow events until the task is final."""
    target = watch.target
    for _attempt in range(MAX_RESUBSCRIBES):
        async with subscription(client, WATCHED_EVENTS) as events:
            if watch.sent is None:
                watch.sent = await client.send(target.channel_id, content)
            else:  # the hub dropped us (too slow): catch up from the store, then listen
                for task in await client.tasks(agent=target.agent_id, message=watch.sent["id"]):
                    watch.see_task(task)
            if watch.final:
                return
            async for event, data in events:
                watch.see(event, data)
                if watch.final:
                    return
    raise ConnectionError(f"{client.url}/-/events keeps closing the stream")


async def ask(client: AsyncTelexClient, target: Target, text: str, timeout_s: float) -> Reply:
    """See AsyncTelexClient.ask."""
    content = text if target.direct else f"@{target.name} {text}"
    watch = Watch(target)
    deadline = asyncio.timeout(timeout_s)
    try:
        async with deadline:
            await wait_for_reply(client, watch, content)
    except TimeoutError:
        if not deadline.expired():
            raise
        lead = f"{target.name} gave no final reply to {text!r} in {target.where} within {timeout_s:g} s."
        raise AssertionError(await report(client, watch, lead)) from None
    task = watch.task
    assert task is not None
    reply = await _reply_of(client, watch, task)
    if reply is None:
        lead = (
            f"{target.name} ended the task for {text!r} in {target.where} as "
            f"{task.get('state')!r} but posted nothing to show."
        )
        raise AssertionError(await report(client, watch, lead))
    if reply.get("status") == "error":
        lead = f"{target.name}'s reply to {text!r} in {target.where} failed: {_short(reply.get('content'), 300)}"
        raise AssertionError(await report(client, watch, lead))
    return Reply(reply, task)


async def _reply_of(client: AsyncTelexClient, watch: Watch, task: Record) -> Message | None:
    reply_id = task.get("reply_message_id")
    if not reply_id:
        return None
    seen = watch.messages.get(reply_id)
    if seen is not None:
        return Message(seen)
    for message in reversed(await client.messages(watch.target.channel_id)):
        if message["id"] == reply_id:
            return message
    return None


async def report(client: AsyncTelexClient, watch: Watch, lead: str) -> str:
    """`lead`, then what the agent did answer: its task, its replies, the last delivery."""
    target = watch.target
    lines = [lead]
    if watch.sent is None:
        lines.append("The question was never sent: the emulator did not answer in time.")
        return "\n".join(lines)
    tasks = await _listed(client, "/-/tasks", {"agent_id": target.agent_id,
                                                "message_id": watch.sent["id"]})  # fmt: skip
    if not tasks:
        lines.append(
            f"No call of {target.name} is recorded for the message {watch.sent['id']} yet: "
            "the emulator may still be waiting for the agent to answer (it waits "
            "--agent-timeout, 30 s by default), or the agent was not called."
        )
    for task in tasks[:3]:
        lines.append(f"Task {task.get('id')}: {_states(task)}")
        if task.get("reason"):
            lines.append(f"  reason: {_short(task['reason'], 300)}")
        if task.get("pushes"):
            lines.append(f"  pushes received: {len(task['pushes'])}")
        elif task.get("state") in WORKING_STATES:
            lines.append("  still open: its result must come as a push to the call's push URL")
        for warning in (task.get("warnings") or [])[:3]:
            lines.append(f"  warning at {warning.get('path')}: {_short(warning.get('message'))}")
    replies = [m for m in await client.messages(target.channel_id)
               if m.get("agent_id") == target.agent_id]  # fmt: skip
    if replies:
        lines.append(f"Replies from {target.name} in the channel ({len(replies)}, newest last):")
        for message in replies[-5:]:
            lines.append(f"  - [{message.get('status')}] {_short(message.get('content'))}")
    else:
        lines.append(f"{target.name} posted no reply in the channel.")
    query = {"agent_id": target.agent_id}
    if tasks:
        query["task_id"] = tasks[0]["id"]
    deliveries = await _listed(client, "/-/deliveries", query)
    if deliveries:
        d = deliveries[0]  # newest first
        status = f", HTTP {d['status_code']}" if d.get("status_code") else ""
        reason = f": {_short(d['reason'], 200)}" if d.get("reason") else ""
        lines.append(
            f"Last delivery: {d.get('kind')} {d.get('url')}: {d.get('outcome')}{status}{reason}"
        )
    return "\n".join(lines)


async def _listed(client: AsyncTelexClient, path: str, query: dict[str, str]) -> list[Record]:
    try:
        rows = await client.request("GET", path, query=query)
    except (
        TelexAPIError,
        ConnectionError,
    ):  # a diagnostic only: the failed wait is the error to report
        return []
    return rows if isinstance(rows, list) else []


def _states(task: Mapping[str, Any]) -> str:
    states = [entry.get("state") for entry in task.get("states") or []]
    shown = " -> ".join(str(s) for s in states) or str(task.get("state"))
    return shown + (" (open)" if task.get("is_open") else "")


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
