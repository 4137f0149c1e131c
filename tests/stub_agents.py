"""Stub A2A agents: real aiohttp apps on free ports that behave like Telex's agents.

A stub serves its card at /.well-known/agent.json (or only at the 0.3 name
agent-card.json), fills the card's `url` from the request's base URL as real agents do
(or leaves it empty), and answers JSON-RPC POSTs at / with a configurable `answer`.
Every request is recorded; tests read them after `drain()`, never after a sleep.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Answer = Callable[[dict[str, Any], web.Request], Awaitable[web.StreamResponse]]


def text_of(request: dict[str, Any]) -> str:
    """The text part of a JSON-RPC request the emulator sent."""
    return request["params"]["message"]["parts"][0]["text"]


def rpc(request: dict[str, Any], result: Any, *, same_id: bool = True) -> web.Response:
    request_id = request.get("id") if same_id else "some-other-id"
    return web.json_response({"jsonrpc": "2.0", "id": request_id, "result": result})


def message(text: str, message_id: str = "m-1") -> dict[str, Any]:
    """An agent Message (Telex's ping-pong repeats one messageId on every reply)."""
    return {"kind": "message", "role": "agent", "messageId": message_id,
            "parts": [{"kind": "text", "text": text}]}  # fmt: skip


def task(
    state: str,
    *texts: str,
    task_id: str = "task-1",
    context_id: str = "ctx",
    kind: bool = True,
    artifact_ids: bool = True,
) -> dict[str, Any]:
    """A Task; `kind=False, artifact_ids=False` is Telex's weather agent's shape."""
    artifacts = [
        {"parts": [{"kind": "text", "text": text}]}
        | ({"artifactId": f"a{n}"} if artifact_ids else {})
        for n, text in enumerate(texts)
    ]
    body: dict[str, Any] = {
        "id": task_id,
        "contextId": context_id,
        "status": {"state": state, "timestamp": "2025-01-01T00:00:00Z"},
        "artifacts": artifacts,
    }
    return ({"kind": "task"} | body) if kind else body


def ping_pong() -> Answer:
    """Telex's ping-pong agent: "pong" to exactly "ping", else a hint."""

    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        said = text_of(request)
        return rpc(request, message("pong" if said == "ping" else f"say ping, not {said!r}"))

    return answer


def replies(result: Any, *, same_id: bool = True) -> Answer:
    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        return rpc(request, result, same_id=same_id)

    return answer


def raw(body: str | bytes, status: int = 200, content_type: str = "application/json") -> Answer:
    async def answer(_request: dict[str, Any], _http: web.Request) -> web.StreamResponse:
        data = body.encode() if isinstance(body, str) else body
        return web.Response(body=data, status=status, content_type=content_type)

    return answer


def rpc_error(code: int, text: str) -> Answer:
    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        error = {"code": code, "message": text}
        return web.json_response({"jsonrpc": "2.0", "id": request.get("id"), "error": error})

    return answer


def never_answers() -> Answer:
    async def answer(_request: dict[str, Any], _http: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()  # until the server shuts down
        raise AssertionError("unreachable")

    return answer


def sequence(*answers: Answer) -> Answer:
    """Each request gets the next answer; the last one repeats."""
    queue = list(answers)

    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        current = queue.pop(0) if len(queue) > 1 else queue[0]
        return await current(request, http)

    return answer


def streams(*results: Any, error_null: bool = True) -> Answer:
    """Telex's streaming example: SSE `data:` lines, each a JSON-RPC response."""

    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        if request.get("method") != "message/stream":
            return web.json_response(
                {
                    "jsonrpc": "2.0",
                    "id": request.get("id"),
                    "error": {"code": -32601, "message": "only message/stream"},
                }
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(http)
        for index, result in enumerate(results):
            event = {"jsonrpc": "2.0", "id": f"evt-{index}", "result": result}
            if error_null:
                event["error"] = None
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        await response.write_eof()
        return response

    return answer


@dataclass
class StubAgent:
    """One stub agent; `url` is its base URL once it runs."""

    name: str = "PingPong"
    answer: Answer = field(default_factory=ping_pong)
    streaming: bool = False
    push_notifications: bool = False
    card_path: str = "/.well-known/agent.json"
    empty_card_url: bool = False
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def card(self, base_url: str | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": f"{self.name}, a stub agent for tests",
            "url": "" if self.empty_card_url else (base_url or self.url) + "/",
            "version": "1.0.0",
            "provider": {"organization": "tests", "url": "https://example.com"},
            "capabilities": {
                "streaming": self.streaming,
                "pushNotifications": self.push_notifications,
                "stateTransitionHistory": False,
            },
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [{"id": "ping", "name": "Ping", "description": "answers pong"}],
        }

    def app(self) -> web.Application:
        async def card(request: web.Request) -> web.Response:
            base = f"{request.scheme}://{request.host}"
            return web.json_response(self.card(base))

        async def call(request: web.Request) -> web.StreamResponse:
            body = await request.json()
            self.received.append(body)
            self.headers.append(dict(request.headers))
            return await self.answer(body, request)

        app = web.Application()
        app.router.add_get(self.card_path, card)
        app.router.add_post("/", call)
        return app


async def start(aiohttp_server: Any, stub: StubAgent) -> StubAgent:
    server = await aiohttp_server(stub.app())
    stub.url = str(server.make_url("")).rstrip("/")
    return stub


def workflow(stub: StubAgent, name: str | None = None) -> dict[str, Any]:
    """Telex's workflow JSON pointing at the stub (late-2025 model)."""
    return {
        "active": True,
        "category": "utilities",
        "id": "wf-1",
        "name": name or stub.name,
        "short_description": "a workflow agent",
        "long_description": "a workflow agent for tests",
        "nodes": [
            {
                "id": "n1",
                "name": "agent",
                "type": "a2a/generic-a2a-node",
                "typeVersion": 1,
                "url": stub.url + "/",
                "parameters": {},
                "position": [0, 0],
            }
        ],
        "pinData": {},
        "settings": {"executionOrder": "v1"},
    }


def streams_then_hang(*results: Any) -> Answer:
    """Streams `results`, then keeps the stream open without a final event."""

    async def answer(request: dict[str, Any], http: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(http)
        for index, result in enumerate(results):
            event = {"jsonrpc": "2.0", "id": f"evt-{index}", "result": result}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        await asyncio.Event().wait()  # until the server shuts down
        return response

    return answer
