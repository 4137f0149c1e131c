"""Which agents a stored user message goes to (CONTRACT §3.2).

Every message in an agent's direct channel goes to that agent; in any other channel a
message goes only to the agents added there that it mentions (`@name`). Messages from
agents and webhooks never go to agents (no loops): only `source == "user"` is routed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from emulator import a2a
from emulator.agents.registry import AgentRegistry
from emulator.agents.views import effective_rpc_url
from emulator.config import Config
from emulator.db.database import Database

CACHE_TTL_S = 1.0
CACHE_MAX_CHANNELS = 1000


@dataclass(frozen=True)
class AgentRoute:
    """What a call needs to know about one agent reachable from one channel."""

    agent_id: str
    organisation_id: str
    name: str
    rpc_url: str | None  # effective
    source: str  # card | workflow
    method: str  # message/send | message/stream
    api_key: str
    membership: str  # direct | added

    @property
    def sends_history(self) -> bool:
        """Workflow-installed agents get the channel history as a list (§3.3)."""
        return self.source == "workflow"


def method_for(capabilities: dict[str, object]) -> str:
    """`message/stream` for a card that streams and does not push (§3.3)."""
    streams = capabilities.get("streaming") is True
    pushes = capabilities.get("pushNotifications") is True
    return "message/stream" if streams and not pushes else "message/send"


def targets(content: str, routes: list[AgentRoute]) -> list[AgentRoute]:
    """The agents `content` goes to: the direct agent, then the added ones it mentions,
    in order of first mention. Two agents mentioned: both, each once."""
    chosen = [route for route in routes if route.membership == "direct"]
    added = [route for route in routes if route.membership == "added"]
    if added:
        names = a2a.mentioned(content, [route.name for route in added])
        for name in names:
            chosen += [r for r in added if r.name == name and r not in chosen]
    return chosen


class Router:
    """Reads (and briefly caches) the agents reachable from each channel."""

    def __init__(self, db: Database, config: Config) -> None:
        self._db = db
        self._config = config
        self._cache: dict[str, tuple[float, list[AgentRoute]]] = {}
        self._generation = 0

    async def forget(self) -> None:
        """Drop the cache: an agent was installed, changed, added or removed."""
        self._generation += 1
        self._cache.clear()

    async def routes(self, channel_id: str) -> list[AgentRoute]:
        """Every agent a message in `channel_id` may reach. Cached for CACHE_TTL_S: every
        change made through the registry clears it; the TTL bounds `/-/reset`."""
        hit = self._cache.get(channel_id)
        if hit is not None and time.monotonic() - hit[0] < CACHE_TTL_S:
            return hit[1]
        generation, read_at = self._generation, time.monotonic()
        async with self._db.read() as session:
            rows = await AgentRegistry.reachable(session, channel_id)
        routes = [
            AgentRoute(
                agent_id=row.id,
                organisation_id=row.organisation_id,
                name=row.name,
                rpc_url=effective_rpc_url(row, self._config),
                source=row.source,
                method=method_for(row.capabilities or {}),
                api_key=row.api_key,
                membership=membership,
            )
            for row, membership in rows
        ]
        if generation == self._generation:
            if len(self._cache) >= CACHE_MAX_CHANNELS:
                self._cache.clear()
            self._cache[channel_id] = (read_at, routes)
        return routes
