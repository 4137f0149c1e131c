"""Stub A2A agents: real aiohttp apps on free ports that behave like Telex's own agents.

Each `AgentStub` serves a card at /.well-known/agent.json (the workflow agent also a
workflow JSON at /workflow.json) and answers JSON-RPC at its card's `url`. The behaviours
copy Telex's public agents (CONTRACT §3): ping-pong, capitalizer, weather (both versions),
the streaming example and a community workflow agent. Switches add misbehaviour. Every
call is recorded; tests wait for calls by count (an asyncio.Condition) and trigger pushes
with `await stub.push_now()`, never by sleeping. Telex's side of the call is in `a2a_caller.py`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import ClientSession, web

Behaviour = Literal["ping_pong", "capitalizer", "weather", "weather_old", "streaming", "workflow"]
Misbehaviour = Literal["hang", "http_500", "garbage", "wrong_shape", "rpc_error"]
ReplyId = Literal["echo", "own", "task_id"]

NAMES = {
    "ping_pong": "PingPong",
    "capitalizer": "Capitalizer",
    "weather": "Weather Agent",
    "weather_old": "Weather Agent",
    "streaming": "Streamer",
    "workflow": "History Agent",
}
# Capitalizer answers with an id of its own; the workflow agent with its task id.
DEFAULT_REPLY_IDS: dict[str, ReplyId] = {"capitalizer": "own", "workflow": "task_id"}
# What Telex's ping-pong repeats on every reply.
PING_PONG_MESSAGE_ID = "c0ffee00c0ffee00c0ffee00c0ffee00"


@dataclass
class Call:
    """One JSON-RPC request the stub received."""

    body: Any
    headers: dict[str, str]


@dataclass
class Push:
    """One push the stub sent, and what the receiver answered."""

    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    answer: str


@dataclass
class AgentStub:
    """One stub agent. Start it with `start(aiohttp_server, stub)`; then `url` is set."""

    behaviour: Behaviour
    misbehave: Misbehaviour | None = None
    empty_card_url: bool = False  # some community cards leave `url` as ""
    reply_id: ReplyId | None = None  # None: what the real agent does
    auto_push: bool = False  # push the result right after the answer is sent
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    pushes: list[Push] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)  # ends a "hang"
    last_task_id: str | None = None  # the task the last answer opened: pushes complete it
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def name(self) -> str:
        return NAMES[self.behaviour]

    @property
    def rpc_path(self) -> str:
        return "/" if self.behaviour == "ping_pong" else "/a2a"

    @property
    def rpc_url(self) -> str:
        return self.url + self.rpc_path

    @property
    def card_url(self) -> str:
        return f"{self.url}/.well-known/agent.json"

    def card(self, base_url: str) -> dict[str, Any]:
        """The card, with `url` built from the request's base URL as the real agents do."""
        streaming = self.behaviour == "streaming"
        push = self.behaviour in ("weather", "weather_old")
        rpc = base_url + self.rpc_path
        return {
            "name": self.name,
            "description": f"A stub of Telex's {self.behaviour} agent",
            "url": "" if self.empty_card_url else rpc,
            "version": "1.0.0",
            "provider": {"organization": "tests", "url": "https://telex.im"},
            "capabilities": {
                "streaming": streaming,
                "pushNotifications": push,
                "stateTransitionHistory": False,
            },
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [{"id": self.behaviour, "name": self.name, "description": "stub"}],
        }

    def workflow(self, base_url: str) -> dict[str, Any]:
        """A Telex workflow JSON whose a2a node points at this stub."""
        node = {
            "id": "node-1",
            "name": self.name,
            "type": "a2a/mastra-a2a-node",
            "typeVersion": 1,
            "url": f"{base_url}/a2a",
            "parameters": {},
            "position": [0, 0],
        }
        return {"active": True, "category": "utilities", "id": "wf-stub", "name": self.name,
                "short_description": "stub", "nodes": [node], "pinData": {}, "settings": {}}  # fmt: skip

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/agent.json", self._serve_card)
        app.router.add_get("/workflow.json", self._serve_workflow)
        app.router.add_post(self.rpc_path, self._rpc)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def wait_for_calls(self, count: int = 1, timeout_s: float = 5.0) -> list[Call]:
        """Wait until `count` requests arrived; return them all."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: len(self.calls) >= count)
        return self.calls

    async def push_now(self, result: dict[str, Any] | None = None) -> Push:
        """Push `result` (default: the completed task) to the push URL of the last call,
        authenticated as this agent does; return what the receiver answered."""
        config = self.calls[-1].body["params"]["configuration"]["pushNotificationConfig"]
        if self.behaviour == "weather_old":
            headers = {"X-TELEX-API-KEY": config["authentication"]["credentials"]}
        else:
            headers = {"Authorization": f"Bearer {config['token']}"}
        body = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "result": result or self._done_task()}
        async with (
            ClientSession() as session,
            session.post(config["url"], json=body, headers=headers) as response,
        ):
            push = Push(body, headers, response.status, await response.text())
        self.pushes.append(push)
        return push

    # -- serving ------------------------------------------------------------------------

    async def _serve_card(self, request: web.Request) -> web.Response:
        return web.json_response(self.card(str(request.url.origin())))

    async def _serve_workflow(self, request: web.Request) -> web.Response:
        return web.json_response(self.workflow(str(request.url.origin())))

    async def _on_shutdown(self, _app: web.Application) -> None:
        self.release.set()  # a hanging handler ends, so the server closes at once

    async def _rpc(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        async with self._changed:
            self.calls.append(Call(body, dict(request.headers)))
            self._changed.notify_all()
        if self.misbehave is not None:
            return await self._misbehave(body)
        problem = self._refusal(body)
        if problem is not None:
            return problem
        if self.behaviour == "streaming":
            return await self._stream(request, body)
        response = web.json_response(self._answer(body))
        if self.auto_push:  # send the answer first, then push: the order real agents use
            await response.prepare(request)
            await response.write_eof()
            await self.push_now()
        return response

    async def _misbehave(self, body: Any) -> web.StreamResponse:
        if self.misbehave == "hang":
            await self.release.wait()
            return web.Response(status=503, text="too late")
        if self.misbehave == "http_500":
            return web.Response(status=500, text="Internal Server Error")
        if self.misbehave == "garbage":
            return web.Response(text="pong!!! <not json>", content_type="text/plain")
        if self.misbehave == "wrong_shape":
            result = {"kind": "message", "role": "agent", "parts": "pong", "messageId": "m"}
            return web.json_response(self._envelope(body, result))
        error = {"code": -32603, "message": "Internal error: the model is down"}
        return web.json_response({"jsonrpc": "2.0", "id": _request_id(body), "error": error})

    def _refusal(self, body: Any) -> web.Response | None:
        """What the real agents answer to requests they cannot read."""
        if not isinstance(body, dict) or not isinstance(body.get("params"), dict):
            return web.json_response({"detail": "invalid JSON-RPC request"}, status=400)
        message = body["params"].get("message", {})
        parts = message.get("parts") if isinstance(message, dict) else None
        if not isinstance(parts, list):
            return web.json_response({"detail": "params.message.parts is required"}, status=422)
        data_is_list = any(isinstance(p, dict) and isinstance(p.get("data"), list) for p in parts)
        if data_is_list and self.behaviour in ("capitalizer", "streaming"):
            # Their A2A 0.2 SDK models type DataPart.data as an object.
            detail = [{"loc": ["params", "message", "parts", 1, "data"], "msg": "Input should be a valid dictionary"}]  # fmt: skip
            return web.json_response({"detail": detail}, status=422)
        if self.behaviour == "workflow" and not (
            len(parts) > 1 and isinstance(parts[1].get("data"), list)
        ):
            # It iterates over parts[1].data without looking: a card-style request crashes it.
            return web.Response(status=500, text="TypeError: 'NoneType' object is not iterable")
        if self.behaviour in ("weather", "weather_old"):
            config = body["params"].get("configuration") or {}
            push = config.get("pushNotificationConfig") or {}
            credentials = (push.get("authentication") or {}).get("credentials")
            if not push.get("url") or not credentials:
                error = {"code": -32602, "message": "pushNotificationConfig.url and credentials are required"}  # fmt: skip
                return web.json_response({"jsonrpc": "2.0", "id": body.get("id"), "error": error})
        if self.behaviour == "streaming" and body.get("method") != "message/stream":
            error = {"code": -32601, "message": f"Method not found: {body.get('method')}"}
            return web.json_response({"jsonrpc": "2.0", "id": body.get("id"), "error": error})
        return None

    # -- answers --------------------------------------------------------------------------

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        text = _user_text(body)
        if self.behaviour == "ping_pong":
            reply = "pong" if text == "ping" else "I only answer ping"
            result: dict[str, Any] = _message(reply, PING_PONG_MESSAGE_ID)
        elif self.behaviour == "capitalizer":
            result = _task("completed", [_artifact(text.upper())], context_id=_context(body))
        elif self.behaviour == "weather":
            result = _task("working", None, context_id=_context(body))
        elif self.behaviour == "weather_old":
            result = _task("submitted", None, context_id=_context(body))
            del result["kind"]
        else:  # workflow: it reads the whole history
            history = body["params"]["message"]["parts"][1]["data"]
            said = f"I see {len(history)} earlier messages; you said: {text}"
            result = _task("completed", [_artifact(said)], context_id=_context(body))
        if result.get("id"):
            self.last_task_id = result["id"]
        return self._envelope(body, result)

    def _done_task(self) -> dict[str, Any]:
        context = _context(self.calls[-1].body)
        if self.behaviour == "weather_old":
            done = _task(
                "completed", [{"name": "forecast", "parts": [_text("Sunny, 31°C")]}], context
            )
            del done["kind"]
        else:
            done = _task("completed", [_artifact("Sunny, 31°C")], context)
        done["id"] = self.last_task_id or done["id"]
        return done

    def _envelope(self, body: Any, result: dict[str, Any]) -> dict[str, Any]:
        reply_id = self.reply_id or DEFAULT_REPLY_IDS.get(self.behaviour, "echo")
        answer_id = {"echo": _request_id(body), "own": uuid.uuid4().hex}.get(reply_id)
        if reply_id == "task_id":
            answer_id = result.get("id", uuid.uuid4().hex)
        return {"jsonrpc": "2.0", "id": answer_id, "result": result}

    async def _stream(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        text = _user_text(body)
        for line in ("Thinking about it…", f"You said: {text}", f"In capitals: {text.upper()}"):
            # Each event: a fresh id, and "error": null beside the result.
            event = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "result": _message(line, uuid.uuid4().hex), "error": None}  # fmt: skip
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        await response.write_eof()
        return response


async def start(aiohttp_server: Any, stub: AgentStub) -> AgentStub:
    """Run `stub` on a free loopback port and set its URL."""
    server = await aiohttp_server(stub.app(), host="127.0.0.1")
    stub.url = str(server.make_url("")).rstrip("/")
    return stub


# -- wire shapes, as the real agents write them ----------------------------------------------


def _request_id(body: Any) -> Any:
    return body.get("id") if isinstance(body, dict) else None


def _user_text(body: dict[str, Any]) -> str:
    parts = body["params"]["message"]["parts"]
    return "".join(
        p.get("text", "") for p in parts if isinstance(p, dict) and p.get("kind") == "text"
    )


def _context(body: Any) -> str:
    try:
        return body["params"]["message"]["contextId"]
    except (KeyError, TypeError):
        return "no-context"


def _text(value: str) -> dict[str, Any]:
    return {"kind": "text", "text": value}


def _message(value: str, message_id: str) -> dict[str, Any]:
    return {"kind": "message", "role": "agent", "parts": [_text(value)], "messageId": message_id}


def _artifact(value: str) -> dict[str, Any]:
    return {"artifactId": uuid.uuid4().hex, "name": "answer", "parts": [_text(value)]}


def _task(state: str, artifacts: list[dict[str, Any]] | None, context_id: str) -> dict[str, Any]:
    task: dict[str, Any] = {
        "kind": "task",
        "id": "task-" + uuid.uuid4().hex[:8],
        "contextId": context_id,
        "status": {"state": state, "timestamp": "2026-01-05T12:00:00Z"},
    }
    if artifacts is not None:
        task["artifacts"] = artifacts
    return task
