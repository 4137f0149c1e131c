"""AsyncTelexClient: the emulator's REST and control APIs from asyncio code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Self
from urllib.parse import urlencode

import aiohttp

from emulator.testing.asking import ask, target_of
from emulator.testing.events import event_message, subscription
from emulator.testing.options import rewrites
from emulator.testing.regression import AsyncRegression
from emulator.testing.results import (
    Agent,
    Entity,
    Message,
    Predicate,
    Record,
    Reply,
    TelexAPIError,
    entity_id,
    wrap,
)
from emulator.testing.waiting import matcher, nothing_arrived

DEFAULT_ORGANISATION = "Test organisation"
MAX_LISTED = 1000  # the API's largest page
_ID_FILTERS = {
    "integration": "integration_id",
    "channel": "channel_id",
    "message": "message_id",
    "tick": "tick_id",
    "agent": "agent_id",
    "task": "task_id",
}


class AsyncTelexClient(AsyncRegression):
    """An asyncio client for a running emulator: REST API (`/api/v1`) and control API (`/-/`).

    Integration and channel arguments take the dicts this client returned, or their ids.
    Errors raise `TelexAPIError` with the emulator's message and validation errors.
    """

    def __init__(self, url: str, *, api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._session: aiohttp.ClientSession | None = None
        self._organisation: Record | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def http(self) -> aiohttp.ClientSession:
        """The client's HTTP session (made on first use), carrying the API key."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers)
        return self._session

    async def request(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> Any:
        """One call; answers the envelope's `data` for /api/v1, the plain JSON for /-/."""
        url = self.url + path + (f"?{urlencode(query)}" if query else "")
        try:
            async with self.http().request(method, url, json=body) as response:
                status, raw = response.status, await response.read()
        except aiohttp.ClientConnectionError as exc:
            raise ConnectionError(f"cannot reach the emulator at {self.url}: {exc}") from exc
        try:
            payload = json.loads(raw) if raw.strip() else None
        except ValueError:
            payload = raw.decode(errors="replace")
        enveloped = path.startswith("/api/v1/") and isinstance(payload, dict) and "data" in payload
        if status >= 400 or (enveloped and payload.get("status") == "error"):
            raise TelexAPIError(method, path, status, payload)
        return wrap(payload["data"] if enveloped else payload)

    # state

    async def reset(self) -> None:
        """Delete everything the emulator stores (between tests)."""
        self._organisation = None
        await self.request("POST", "/-/reset")

    async def drain(self) -> None:
        """Wait until every in-flight delivery, tick and callback has finished."""
        await self.request("POST", "/-/drain")

    # organisations, channels, integrations

    async def organisation(self, name: str | None = None) -> Record:
        """Create an organisation; without a name, the default one (created on first use).

        The first organisation created is the default for calls given no `org`.
        """
        if name is None and self._organisation is not None:
            return self._organisation
        org = await self.request(
            "POST", "/api/v1/organisations", {"name": name or DEFAULT_ORGANISATION}
        )
        if self._organisation is None:
            self._organisation = org
        return org

    async def _org_id(self, org: Entity | None, owner: Entity | None = None) -> str:
        if org is not None:
            return entity_id(org, "organisation")
        if isinstance(owner, Mapping) and isinstance(owner.get("organisation_id"), str):
            return owner["organisation_id"]
        return (await self.organisation())["id"]

    async def channel(
        self, name: str = "general", *, org: Entity | None = None, description: str = ""
    ) -> Record:
        """Create a channel (in the default organisation unless `org` is given)."""
        org_id = await self._org_id(org)
        body = {"name": name, "description": description, "organisation_id": org_id}
        return await self.request("POST", "/api/v1/channels", body)

    async def install(
        self,
        json_url: str | Mapping[str, Any] | None = None,
        *,
        spec: Mapping[str, Any] | None = None,
        rewrite: Mapping[str, str] | str | Iterable[Any] | None = None,
        target_url: str | None = None,
        tick_url: str | None = None,
        org: Entity | None = None,
    ) -> Record:
        """Install an integration from its JSON URL (or an inline `spec`).

        `rewrite={"https://app.onrender.com": "http://127.0.0.1:8000"}` points the declared
        target/tick URLs that start with a key at the local server (per-integration overrides).
        """
        if isinstance(json_url, Mapping):
            json_url, spec = None, json_url
        if (json_url is None) == (spec is None):
            raise TypeError("install() needs the integration JSON's URL or `spec=` (one of them)")
        body: dict[str, Any] = {"json_url": json_url} if spec is None else {"spec": dict(spec)}
        body.update({k: v for k, v in (("target_url", target_url), ("tick_url", tick_url)) if v})
        path = f"/api/v1/organisations/{await self._org_id(org)}/integrations/custom"
        integration = await self.request("POST", path, body)
        rules = rewrites(rewrite)
        if not rules:
            return integration
        overrides = {}
        for field in ("target_url", "tick_url"):
            declared = integration.get(field)
            if field in body or not isinstance(declared, str):
                continue
            for rule in rules:
                if declared.startswith(rule.source):
                    overrides[field] = rule.target + declared[len(rule.source) :]
                    break
        if not overrides:
            raise ValueError(
                f"rewrite {[f'{r.source}={r.target}' for r in rules]} matches neither "
                f"target_url {integration.get('target_url')!r} "
                f"nor tick_url {integration.get('tick_url')!r}"
            )
        return await self.request("PUT", f"{path}/{integration['id']}", overrides)

    async def settings(
        self, integration: Entity, values: Mapping[str, Any], *, org: Entity | None = None
    ) -> Record:
        """Set organisation-level setting values, by label."""
        org_id = await self._org_id(org, integration)
        path = f"/api/v1/organisations/{org_id}/integrations/custom/{entity_id(integration, 'integration')}/settings"
        return await self.request("PUT", path, {"settings": dict(values)})

    async def activate(
        self,
        integration: Entity,
        channel: Entity,
        settings: Mapping[str, Any] | None = None,
        *,
        active: bool = True,
        org: Entity | None = None,
    ) -> Record:
        """Activate an integration on a channel, with channel-level setting overrides."""
        org_id = await self._org_id(org, integration)
        path = (
            f"/api/v1/organisations/{org_id}/integrations/{entity_id(integration, 'integration')}"
            f"/channels/{entity_id(channel, 'channel')}/settings"
        )
        body: dict[str, Any] = {"is_active": active}
        if settings is not None:
            body["settings"] = dict(settings)
        return await self.request("PUT", path, body)

    async def deactivate(
        self, integration: Entity, channel: Entity, *, org: Entity | None = None
    ) -> Record:
        return await self.activate(integration, channel, active=False, org=org)

    async def order(self, channel: Entity, integrations: Iterable[Entity]) -> Any:
        """Set the channel's modifier chain order."""
        ids = [entity_id(item, "integration") for item in integrations]
        path = f"/api/v1/channels/{entity_id(channel, 'channel')}/integrations/order"
        return await self.request("PUT", path, {"integration_ids": ids})

    async def check(
        self, json_url: str | None = None, *, spec: Mapping[str, Any] | None = None
    ) -> Record:
        """Lint an integration JSON without installing it: {ok, errors, warnings, ...}."""
        body = {"json_url": json_url} if spec is None else {"spec": dict(spec)}
        return await self.request("POST", "/-/check", body)

    # agents

    async def install_agent(
        self,
        card_url: str | None = None,
        *,
        base_url: str | None = None,
        card: Mapping[str, Any] | None = None,
        workflow: Mapping[str, Any] | None = None,
        rpc_url: str | None = None,
        org: Entity | None = None,
    ) -> Agent:
        """Install an agent from its card URL, its base URL (the card is then looked up at
        /.well-known/agent.json), a pasted `card` or a Telex `workflow` JSON.

        `rpc_url=` overrides the URL the emulator calls (for a card naming a production
        host). The agent gets a direct channel (`agent.direct_channel_id`).
        """
        given = {
            key: value
            for key, value in (
                ("card_url", card_url),
                ("base_url", base_url),
                ("card", dict(card) if card is not None else None),
                ("workflow", dict(workflow) if workflow is not None else None),
            )
            if value is not None
        }
        if len(given) != 1:
            raise TypeError(
                "install_agent() needs one of card_url=, base_url=, card= or workflow=, "
                f"not {', '.join(given) or 'none'}"
            )
        path = f"/api/v1/organisations/{await self._org_id(org)}/agents"
        agent = await self.request("POST", path, given)
        if rpc_url is not None:
            agent = await self.request("PUT", f"{path}/{agent['id']}", {"rpc_url": rpc_url})
        return Agent(agent)

    async def add_agent(self, agent: Entity, channel: Entity, *, active: bool = True) -> Record:
        """Add an agent to a channel (`active=False` takes it out): there, a message that
        mentions `@name` goes to it."""
        path = (
            f"/api/v1/channels/{entity_id(channel, 'channel')}/agents/{entity_id(agent, 'agent')}"
        )
        return await self.request("PUT", path, {"is_active": active})

    async def ask(
        self,
        agent: Entity,
        text: str,
        channel: Entity | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the deadline of the whole wait, in seconds
    ) -> Reply:
        """Say `text` to an agent and wait for its final reply; answers that message, with
        the call's `task` record (`reply.state`, `reply.task.states`).

        Without `channel` the text goes to the agent's direct channel; with one, it is sent
        as `@name text` (the agent must have been added there). The reply is final when the
        task ended, or waits for the user (input-required, auth-required): the wait goes
        on through pushes and streams. A timeout, a failed reply (the agent's answer could
        not be read, a JSON-RPC error, no answer) or a task ended with nothing to show
        raises AssertionError listing what the agent did answer.
        """
        return await ask(self, await target_of(self, agent, channel), text, timeout)

    async def tasks(
        self,
        agent: Entity | None = None,
        channel: Entity | None = None,
        state: str | None = None,
        *,
        message: Entity | None = None,
    ) -> list[Record]:
        """Agent calls, newest first: {id, agent_id, channel_id, message_id, state, states,
        is_open, request_body, response_body, pushes, reason, ...}."""
        filters = {"agent": agent, "channel": channel, "state": state, "message": message}
        return await self.request("GET", "/-/tasks", query=_query(filters))

    # messages

    async def send(
        self,
        channel: Entity,
        text: str,
        thread_id: Entity | None = None,
        username: str | None = None,
    ) -> Message:
        """Post a message as a person; answers the stored message and its modifier trace."""
        body: dict[str, Any] = {"content": text}
        if thread_id is not None:
            body["thread_id"] = entity_id(thread_id, "message")
        if username is not None:
            body["username"] = username
        path = f"/api/v1/channels/{entity_id(channel, 'channel')}/messages"
        return Message(await self.request("POST", path, body))

    async def messages(self, channel: Entity, *, limit: int = MAX_LISTED) -> list[Message]:
        """The channel's messages, oldest first."""
        path = f"/api/v1/channels/{entity_id(channel, 'channel')}/messages"
        return [Message(item) for item in await self.request("GET", path, query={"limit": limit})]

    async def wait_for_message(
        self,
        channel: Entity,
        predicate: Predicate = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the deadline of the whole wait, in seconds
    ) -> Message:
        """The first message in `channel` matching `predicate`, stored or still to come.

        `predicate` is a text the content must contain, a callable taking a Message, or
        None (any message). Event-driven: subscribes to /-/events before reading the
        store, so nothing slips by. On timeout raises AssertionError listing what did arrive.
        """
        channel_id = entity_id(channel, "channel")
        match = matcher(predicate)
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                return await self._first_match(channel_id, match)
        except TimeoutError:
            if not deadline.expired():
                raise
        raise AssertionError(await nothing_arrived(self, channel, predicate, timeout)) from None

    async def _first_match(self, channel_id: str, match: Callable[[Message], bool]) -> Message:
        for _attempt in range(3):
            async with subscription(self, "message.created") as events:
                # Subscribed now: whatever is stored from here on also arrives as an event.
                for message in await self.messages(channel_id):
                    if match(message):
                        return message
                async for event, data in events:
                    if event != "message.created":
                        continue
                    message = event_message(data)
                    if message is not None and message.get("channel_id") == channel_id:
                        if match(message):
                            return message
            # the hub drops slow subscribers; subscribe again
        raise ConnectionError(f"{self.url}/-/events keeps closing the stream")

    # ticks, clock, logs

    async def tick(self, integration: Entity, channel: Entity) -> Record:
        """Tick now; answers the tick record once the tick request finished."""
        body = {
            "integration_id": entity_id(integration, "integration"),
            "channel_id": entity_id(channel, "channel"),
        }
        return await self.request("POST", "/-/ticks", body)

    async def advance(
        self, seconds: float | None = None, until: datetime | str | None = None
    ) -> Record:
        """Move the virtual clock; answers {now, ticks} with every tick fired on the way."""
        if (seconds is None) == (until is None):
            raise TypeError("advance() needs `seconds` or `until` (one of them)")
        body: dict[str, Any] = {"seconds": seconds}
        if until is not None:
            body = {"until": until.isoformat() if isinstance(until, datetime) else until}
        return await self.request("POST", "/-/clock/advance", body)

    async def clock(self) -> Record:
        """{now, mode}."""
        return await self.request("GET", "/-/clock")

    async def schedule(self) -> list[Record]:
        """Next fire times: [{integration_id, channel_id, interval, next_fire_at}]."""
        return await self.request("GET", "/-/schedule")

    async def deliveries(self, *, drain: bool = True, **filters: Any) -> list[Record]:
        """The delivery log, after in-flight deliveries finished (unless drain=False).

        Filters: integration=, channel=, message=, tick= (entities or ids), kind=, outcome=.
        """
        if drain:
            await self.drain()
        return await self.request("GET", "/-/deliveries", query=_query(filters))

    async def returns(self, **filters: Any) -> list[Record]:
        """Bodies received on webhook paths, with verdict, tick_id and correlation."""
        return await self.request("GET", "/-/returns", query=_query(filters))


def _query(filters: Mapping[str, Any]) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in filters.items():
        if value is None:
            continue
        name = _ID_FILTERS.get(key, key)
        if isinstance(value, Mapping):
            value = entity_id(value, key)
        elif isinstance(value, bool):
            value = str(value).lower()
        query[name] = str(value)
    return query
