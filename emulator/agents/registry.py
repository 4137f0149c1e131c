"""Installed agents: install, list, re-fetch, override, delete; their direct channels and
the ordinary channels they were added to (CONTRACT §3.1, §3.2, Part 4)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, select

from emulator import a2a
from emulator.agents.loader import AGENT_KEYS, AgentLoader
from emulator.agents.views import agent_view
from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.db.database import Database
from emulator.directory import MAX_NAME_CHARS, Directory
from emulator.errors import NotFound, ValidationFailed, problem
from emulator.findings import json_type_name
from emulator.hub import EventHub

ChangeListener = Callable[[], Awaitable[None]]
_UPDATE_KEYS = frozenset({"refetch", "rpc_url", *AGENT_KEYS})


def new_api_key() -> str:
    """The key an agent may push with (X-TELEX-API-KEY), in Telex's `tlx_` form."""
    return "tlx_" + secrets.token_hex(24)


def _rpc_override(value: Any) -> str | None:
    """A PUT's `rpc_url`: an http(s) URL, or null / "" to clear the override."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.strip().lower().startswith(("http://", "https://")):
        shown = json_type_name(value) if not isinstance(value, str) else repr(value[:80])
        raise ValidationFailed(
            "rpc_url must be an http(s) URL, or null to clear the override",
            [
                problem(
                    "rpc_url", f"rpc_url is {shown}", 'e.g. {"rpc_url": "http://127.0.0.1:8000/"}'
                )
            ],
        )
    return value.strip()


class AgentRegistry:
    """The organisation's agents and their channels; every change clears the routes."""

    def __init__(
        self, db: Database, loader: AgentLoader, hub: EventHub, config: Config, clock: Clock
    ) -> None:
        self._db = db
        self._loader = loader
        self._hub = hub
        self._config = config
        self._clock = clock
        self._listeners: list[ChangeListener] = []

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` after any install, update, delete or channel membership change."""
        self._listeners.append(listener)

    async def _changed(self, agent_id: str, what: str) -> None:
        self._hub.publish("agent.changed", {"agent_id": agent_id, "what": what})
        for listener in self._listeners:
            await listener()

    def _view(self, row: models.Agent) -> dict[str, Any]:
        return agent_view(row, self._config)

    async def install(self, org_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Fetch or take the document, lint it, store the agent and its direct channel."""
        async with self._db.read() as session:
            await Directory.require_organisation(session, org_id)
        agent = (await self._loader.load(body)).raise_if_rejected()
        now = self._clock.now()
        channel = models.Channel(
            id=models.new_id(),
            organisation_id=org_id,
            name=agent.name[:MAX_NAME_CHARS],
            description=f"Direct messages with the agent {agent.name}"[:1000],
            created_at=now,
        )
        row = models.Agent(id=models.new_id(), organisation_id=org_id, api_key=new_api_key())
        self._describe(row, agent)
        row.direct_channel_id = channel.id
        row.created_at = now
        async with self._db.write() as session:
            session.add(channel)
            await session.flush()  # the channel first: the agent points at it
            session.add(row)
        await self._changed(row.id, "installed")
        return self._view(row)

    def _describe(self, row: models.Agent, agent: a2a.AgentDescription) -> None:
        row.name = agent.name
        row.description = agent.description
        row.source = agent.source
        row.card_url = agent.card_url
        row.document = agent.document
        row.rpc_url = agent.rpc_url
        row.capabilities = agent.capabilities.as_dict()
        row.skills = agent.skills
        row.warnings = [f.as_dict() for f in agent.warnings]
        row.updated_at = self._clock.now()

    async def list(self, org_id: str) -> list[dict[str, Any]]:
        """The organisation's agents, oldest first."""
        async with self._db.read() as session:
            await Directory.require_organisation(session, org_id)
            rows = await session.scalars(
                select(models.Agent)
                .where(models.Agent.organisation_id == org_id)
                .order_by(models.Agent.created_at, models.Agent.id)
            )
            return [self._view(row) for row in rows]

    async def get(self, org_id: str, agent_id: str) -> dict[str, Any]:
        """One agent of the organisation, else NotFound."""
        async with self._db.read() as session:
            return self._view(await self.require(session, org_id, agent_id))

    @staticmethod
    async def require(session: Any, org_id: str | None, agent_id: str) -> models.Agent:
        """The agent (of `org_id`, when given), else NotFound."""
        row = await session.get(models.Agent, agent_id)
        if row is None or (org_id is not None and row.organisation_id != org_id):
            where = "" if org_id is None else " in this organisation"
            raise NotFound(
                f"no agent with id {agent_id!r}{where}; list them with "
                "GET /api/v1/organisations/{org_id}/agents"
            )
        return row

    async def update(self, org_id: str, agent_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """`{}` or `{"refetch": true}` re-fetches the card; `{"rpc_url": …}` overrides the
        RPC URL (null clears it); a new card_url/base_url/card/workflow replaces the document."""
        unknown = sorted(set(body) - _UPDATE_KEYS)
        if unknown:
            raise ValidationFailed(
                "unknown field(s) in the agent update",
                [
                    problem(
                        k,
                        "not a field of an agent update",
                        'send {"refetch": true} or {"rpc_url": "http://…"}',
                    )
                    for k in unknown
                ],
            )
        refetch = body.get("refetch", "rpc_url" not in body)
        if not isinstance(refetch, bool):
            raise ValidationFailed(
                "refetch must be true or false",
                [
                    problem(
                        "refetch", f"refetch is {json_type_name(refetch)}", 'send {"refetch": true}'
                    )
                ],
            )
        override = _rpc_override(body["rpc_url"]) if "rpc_url" in body else None
        async with self._db.read() as session:
            row = await self.require(session, org_id, agent_id)
        described: a2a.AgentDescription | None = None
        if any(body.get(key) is not None for key in AGENT_KEYS):
            described = (await self._loader.load(body)).raise_if_rejected()
        elif refetch:
            if row.card_url is None:
                raise ValidationFailed(
                    f"{row.name} was installed from a pasted {row.source}: there is nothing to re-fetch",
                    [
                        problem(
                            row.source,
                            "no card URL to fetch",
                            f'send {{"{row.source}": {{...}}}} with the new document',
                        )
                    ],
                )
            described = (await self._loader.fetch(row.card_url)).raise_if_rejected()
        async with self._db.write() as session:
            row = await self.require(session, org_id, agent_id)
            if described is not None:
                self._describe(row, described)
            if "rpc_url" in body:
                row.rpc_url_override = override
            row.updated_at = self._clock.now()
        await self._changed(agent_id, "updated")
        return self._view(row)

    async def delete(self, org_id: str, agent_id: str) -> None:
        """Uninstall: the agent, its channel memberships and its direct channel."""
        async with self._db.write() as session:
            row = await self.require(session, org_id, agent_id)
            direct = row.direct_channel_id
            await session.delete(row)
            await session.flush()
            if direct is not None:
                await session.execute(delete(models.Channel).where(models.Channel.id == direct))
        await self._changed(agent_id, "deleted")

    async def set_channel(self, channel_id: str, agent_id: str, body: Any) -> dict[str, Any]:
        """`{"is_active": bool}`: add the agent to an ordinary channel, or take it out."""
        if not isinstance(body, dict) or not isinstance(body.get("is_active"), bool):
            raise ValidationFailed(
                "say whether the agent is in the channel",
                [
                    problem(
                        "is_active", "is_active must be true or false", 'send {"is_active": true}'
                    )
                ],
            )
        async with self._db.write() as session:
            channel = await Directory.require_channel(session, channel_id)
            agent = await self.require(session, None, agent_id)
            if agent.organisation_id != channel.organisation_id:
                raise ValidationFailed(
                    "the agent and the channel belong to different organisations",
                    [
                        problem(
                            "agent_id",
                            "installed in another organisation",
                            "install the agent in the channel's organisation first",
                        )
                    ],
                )
            member = await session.get(models.AgentChannel, (channel_id, agent_id))
            if member is None:
                member = models.AgentChannel(channel_id=channel_id, agent_id=agent_id)
                session.add(member)
            member.is_active = body["is_active"]
            member.updated_at = self._clock.now()
        await self._changed(agent_id, "channel")
        return {
            "channel_id": channel_id,
            "agent_id": agent_id,
            "is_active": body["is_active"],
            "agent": self._view(agent),
        }

    async def channel_agents(self, channel_id: str) -> list[dict[str, Any]]:
        """The agents a message in the channel may reach: its direct agent, then the
        agents added to it, each with `membership` "direct" or "added"."""
        async with self._db.read() as session:
            await Directory.require_channel(session, channel_id)
            rows = await self.reachable(session, channel_id)
        return [self._view(row) | {"membership": membership} for row, membership in rows]

    @staticmethod
    async def reachable(session: Any, channel_id: str) -> list[tuple[models.Agent, str]]:
        """(agent, "direct" | "added") for every agent a message in the channel may reach."""
        direct = await session.scalars(
            select(models.Agent).where(models.Agent.direct_channel_id == channel_id)
        )
        added = await session.scalars(
            select(models.Agent)
            .join(models.AgentChannel, models.AgentChannel.agent_id == models.Agent.id)
            .where(models.AgentChannel.channel_id == channel_id, models.AgentChannel.is_active)
            .order_by(models.Agent.created_at, models.Agent.id)
        )
        found = [(row, "direct") for row in direct]
        seen = {row.id for row, _ in found}
        return found + [(row, "added") for row in added if row.id not in seen]
