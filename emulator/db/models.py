"""Tables. Ids are UUID strings; times are timezone-aware UTC datetimes.

JSON columns hold documents we must give back verbatim (the fetched spec) or small
dicts of values (settings). No SQLite-only SQL here, so PostgreSQL stays possible.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

_RANDOM_BITS = 74  # rand_a (12) + rand_b (62) of the UUIDv7 layout


def new_id() -> str:
    """A UUID in the version 7 layout (RFC 9562): a millisecond timestamp, then random bits.

    Time-ordered keys append to the end of each primary-key index instead of landing on a
    random page, which measurably speeds up SQLite's inserts (bench/fanout.py). The bits
    come from `random`, not `secrets`: ids must be unique, not unguessable, and the
    os.urandom call cost 5 % of a message's CPU (`random` reseeds itself after a fork).
    """
    millis = time.time_ns() // 1_000_000 & (1 << 48) - 1
    rand = random.getrandbits(_RANDOM_BITS)
    value = (
        millis << 80
        | 0x7 << 76  # version
        | (rand >> 62) << 64  # rand_a: 12 bits
        | 0b10 << 62  # variant
        | rand & (1 << 62) - 1  # rand_b: 62 bits
    )
    text = f"{value:032x}"  # uuid.UUID's str() without building the object
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite forgets time zones; store naive UTC, hand back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Integration(Base):
    """One install of an integration JSON in one organisation."""

    __tablename__ = "integrations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    json_url: Mapped[str | None] = mapped_column(Text)
    # The whole document exactly as fetched (wrapped or bare), decoded JSON.
    spec: Mapped[dict[str, Any]]
    integration_type: Mapped[str] = mapped_column(String(20))
    app_name: Mapped[str] = mapped_column(Text)
    target_url: Mapped[str | None] = mapped_column(Text)  # declared (normalised)
    tick_url: Mapped[str | None] = mapped_column(Text)
    target_url_override: Mapped[str | None] = mapped_column(Text)
    tick_url_override: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # organisation values
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Activation(Base):
    """An integration's state on one channel: active flag, overrides, chain position."""

    __tablename__ = "activations"
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    integration_id: Mapped[str] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # channel overrides
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The scheduled time of the last tick fired for this pair: a restart resumes after it.
    last_tick_for: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_channel_seq", "channel_id", "seq"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[str | None] = mapped_column(String(36))
    content: Mapped[str] = mapped_column(Text)
    original_content: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # user | webhook | agent
    event_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(40))
    integration_id: Mapped[str | None] = mapped_column(String(36))
    trace: Mapped[list[Any]] = mapped_column(default=list)
    warning: Mapped[str | None] = mapped_column(Text)
    # An agent's reply: the agent, its call (AgentTask.id) and the A2A parts it answered with
    # (text, file, data), which the UI renders one by one; `content` is their plain text.
    agent_id: Mapped[str | None] = mapped_column(String(36))
    task_id: Mapped[str | None] = mapped_column(String(36))
    parts: Mapped[list[Any] | None] = mapped_column(JSON)
    seq: Mapped[int] = mapped_column(Integer, index=True, default=0)  # stable order
    created_at: Mapped[datetime] = mapped_column(index=True)


class Delivery(Base):
    """One request the emulator made or took: a modifier hop, an output, a tick, an auth
    callback, an agent call (`agent`) or a push an agent sent back (`agent_push`)."""

    __tablename__ = "deliveries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    integration_id: Mapped[str | None] = mapped_column(String(36), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(36), index=True)
    message_id: Mapped[str | None] = mapped_column(String(36), index=True)
    tick_id: Mapped[str | None] = mapped_column(String(36))
    agent_id: Mapped[str | None] = mapped_column(String(36), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))  # AgentTask.id
    url: Mapped[str] = mapped_column(Text)
    request_body: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(index=True)


class Tick(Base):
    __tablename__ = "ticks"
    __table_args__ = (Index("ix_ticks_channel_fired", "channel_id", "fired_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    integration_id: Mapped[str] = mapped_column(String(36), index=True)
    channel_id: Mapped[str] = mapped_column(String(36), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # schedule | manual
    scheduled_for: Mapped[datetime]
    fired_at: Mapped[datetime] = mapped_column(index=True)
    url: Mapped[str | None] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20))  # pending | ok | error | timeout | skipped
    reason: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]


class Return(Base):
    """A body received on a return/webhook path, with Telex's verdict."""

    __tablename__ = "returns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(String(36), index=True)
    path: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(Boolean)
    verdict: Mapped[dict[str, Any]]
    warning: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(36))
    tick_id: Mapped[str | None] = mapped_column(String(36))
    integration_id: Mapped[str | None] = mapped_column(String(36))
    correlation: Mapped[str] = mapped_column(String(20))  # matched | late | orphan
    received_at: Mapped[datetime] = mapped_column(index=True)


class Agent(Base):
    """One A2A agent ("AI coworker") installed in one organisation, by card or workflow."""

    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))  # card | workflow
    card_url: Mapped[str | None] = mapped_column(Text)  # where the card was fetched
    # The card or workflow document exactly as fetched or pasted, decoded JSON.
    document: Mapped[dict[str, Any]]
    rpc_url: Mapped[str | None] = mapped_column(Text)  # declared
    rpc_url_override: Mapped[str | None] = mapped_column(Text)
    capabilities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    # The "colleague" channel where every user message goes to this agent.
    direct_channel_id: Mapped[str | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL")
    )
    # Sent as pushNotificationConfig.authentication.credentials; an agent may push with it
    # in X-TELEX-API-KEY instead of the Bearer token (Telex's older weather agent does).
    api_key: Mapped[str] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AgentChannel(Base):
    """An agent added to an ordinary channel: it is called when a message mentions it."""

    __tablename__ = "agent_channels"
    channel_id: Mapped[str] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class AgentTask(Base):
    """One call of an agent and what became of it: its A2A task (if it answered with one),
    the state history, the request, the answer and every push. Its id is the push hook id."""

    __tablename__ = "agent_tasks"
    __table_args__ = (Index("ix_agent_tasks_channel_agent", "channel_id", "agent_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agent_id: Mapped[str] = mapped_column(String(36), index=True)
    channel_id: Mapped[str] = mapped_column(String(36), index=True)
    message_id: Mapped[str | None] = mapped_column(String(36))  # the user's message
    reply_message_id: Mapped[str | None] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(40))  # message/send | message/stream
    a2a_task_id: Mapped[str | None] = mapped_column(Text)  # the agent's own task id
    context_id: Mapped[str | None] = mapped_column(Text)
    # submitted, working, input-required, completed, ... (A2A), or "failed" for a call that
    # got no usable answer (the reason says why).
    state: Mapped[str] = mapped_column(String(40), index=True)
    states: Mapped[list[Any]] = mapped_column(default=list)  # [{state, at}]
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    request_body: Mapped[str] = mapped_column(Text)  # masked like the delivery log
    response_body: Mapped[str | None] = mapped_column(Text)
    pushes: Mapped[list[Any]] = mapped_column(default=list)  # [{at, state, body}]
    reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class InstanceValue(Base):
    """Values of this emulator instance that must outlive a restart, such as the key that
    signs push tokens (an agent may push a day after it was called)."""

    __tablename__ = "instance_values"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
