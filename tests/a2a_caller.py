"""Telex's side of an agent call, built from the pure A2A core, for tests: fetch and lint
a card, send a channel message, read an SSE body, and receive pushes on a webhook that
checks credentials as Telex does. The service layer will do the same with the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, web

from emulator.a2a import (
    AgentAnswer,
    AgentDescription,
    PushTarget,
    PushUnauthorised,
    SseDecoder,
    authorise_push,
    build_request,
    card_url_candidates,
    describe_agent,
    issue_push_token,
    parse_push,
    plain_text,
)

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SECRET = "push-secret-for-the-tests-" + "z" * 32
HOOK = "hook-1"
API_KEY = "tlx_test_api_key"


@dataclass
class PushReceiver:
    """Telex's push webhook for one hook, built from the pure core (what the service will do)."""

    mode: Any = "strict"
    url: str = ""
    answers: list[AgentAnswer] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/a2a/webhooks/{hook_id}", self._receive)
        return app

    def target(self) -> PushTarget:
        return PushTarget(
            f"{self.url}/v1/a2a/webhooks/{HOOK}", issue_push_token(HOOK, SECRET, NOW), API_KEY
        )

    async def _receive(self, request: web.Request) -> web.Response:
        status, text = await self._verdict(request)
        self.statuses.append(status)
        self.arrived.set()
        return web.json_response({"status": status, "message": text}, status=status)

    async def _verdict(self, request: web.Request) -> tuple[int, str]:
        if request.match_info["hook_id"] != HOOK:
            return 404, "unknown hook"
        try:
            authorise_push(
                authorization=request.headers.get("Authorization"),
                api_key=request.headers.get("X-TELEX-API-KEY"),
                hook_id=HOOK,
                secret=SECRET,
                credentials=API_KEY,
                now=NOW,
            )
        except PushUnauthorised as exc:
            return 401, str(exc)
        answer = parse_push(await request.read(), mode=self.mode)
        if answer.status == "rejected":
            return 400, answer.failure_text or ""
        self.answers.append(answer)
        return 202, "accepted"


async def fetch_agent(
    session: ClientSession, base_url: str, workflow: bool = False
) -> AgentDescription:
    """Fetch the card (or /workflow.json) from `base_url` as Telex would, and lint it."""
    url = f"{base_url}/workflow.json" if workflow else card_url_candidates(base_url)[0]
    async with session.get(url) as response:
        document = await response.json()
    agent, findings = describe_agent(document, None if workflow else url)
    assert agent is not None, findings
    return agent


async def ask(
    session: ClientSession,
    agent: AgentDescription,
    receiver: PushReceiver,
    message_html: str,
    history: list[str] | None = None,
    method: str | None = None,
    task_id: str | None = None,
) -> tuple[dict[str, Any], int, bytes]:
    """Send one channel message to the agent as Telex does; return the request sent and the
    HTTP status and body of the answer."""
    request = build_request(
        method=method or agent.method,
        text=plain_text(message_html, [agent.name]),
        channel_id="chan-1",
        org_id="org-1",
        user_id="user-1",
        push=receiver.target(),
        task_id=task_id,
        history=history if agent.sends_history else None,
    )
    async with session.post(agent.rpc_url, json=request) as response:
        return request, response.status, await response.read()


async def start_receiver(aiohttp_server: Any, mode: Any = "strict") -> PushReceiver:
    """Run a push receiver on a free loopback port."""
    hook = PushReceiver(mode)
    server = await aiohttp_server(hook.app(), host="127.0.0.1")
    hook.url = str(server.make_url("")).rstrip("/")
    return hook


async def sse_data(response: Any) -> AsyncIterator[str]:
    """The `data:` payloads of an SSE response body, as they arrive (for tests)."""
    decoder = SseDecoder()
    async for chunk in response.content.iter_any():
        for data in decoder.feed(chunk):
            yield data
    for data in decoder.close():
        yield data
