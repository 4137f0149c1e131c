"""Stub integrations: real aiohttp apps on free ports that behave like real ones.

A stub serves its integration JSON at /integration.json and answers POSTs at /target
and /tick with a configurable reply. Every request it receives is recorded, and tests
wait for requests by count (an asyncio.Condition), never by sleeping.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Reply = Callable[[web.Request, Any], Awaitable[web.StreamResponse]]


def reply_json(body: Any, status: int = 200) -> Reply:
    async def reply(_request: web.Request, _payload: Any) -> web.StreamResponse:
        return web.json_response(body, status=status)

    return reply


def reply_text(text: str, status: int = 202) -> Reply:
    async def reply(_request: web.Request, _payload: Any) -> web.StreamResponse:
        return web.Response(text=text, status=status)

    return reply


def reply_upper() -> Reply:
    """A modifier that upper-cases the message it gets."""

    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        return web.json_response({"message": payload["message"].upper(), "status": "success"})

    return reply


@dataclass
class Received:
    path: str
    method: str
    body: Any
    headers: dict[str, str]


@dataclass
class Stub:
    """One stub integration. `url` is set once its server runs."""

    kind: str = "modifier"
    target: Reply = field(default_factory=lambda: reply_json({"status": "ok"}))
    tick: Reply = field(default_factory=lambda: reply_text("accepted", 202))
    settings: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    received: list[Received] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def spec(self) -> dict[str, Any]:
        """The integration JSON this stub publishes, in the usual wrapped form."""
        data: dict[str, Any] = {
            "date": {"created_at": "2025-02-20", "updated_at": "2025-02-20"},
            "descriptions": {
                "app_name": f"Stub {self.kind}",
                "app_description": "A stub integration for tests",
                "app_logo": "https://example.com/logo.png",
                "app_url": self.url,
                "background_color": "#fff",
            },
            "integration_type": self.kind,
            "integration_category": "Monitoring & Logging",
            "is_active": True,
            "key_features": ["testing"],
            "author": "tests",
            "settings": self.settings,
            "target_url": f"{self.url}/target" if self.kind != "interval" else "",
            "tick_url": f"{self.url}/tick" if self.kind == "interval" else "",
        }
        data.update(self.extra)
        return {"data": data}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/integration.json", self._serve_spec)
        app.router.add_post("/target", self._handle(lambda: self.target))
        app.router.add_post("/tick", self._handle(lambda: self.tick))
        app.router.add_post("/auth", self._handle(lambda: reply_json({"ok": True})))
        return app

    async def _serve_spec(self, _request: web.Request) -> web.Response:
        return web.json_response(self.spec())

    def _handle(self, reply: Callable[[], Reply]) -> Callable[[web.Request], Awaitable[Any]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            raw = await request.read()
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
            async with self._changed:
                self.received.append(
                    Received(request.path, request.method, body, dict(request.headers))
                )
                self._changed.notify_all()
            return await reply()(request, body)

        return handler

    def bodies(self, path: str) -> list[Any]:
        return [r.body for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int = 1, timeout_s: float = 5.0) -> list[Any]:
        """Wait until `count` requests reached `path`; return their bodies."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: len(self.bodies(path)) >= count)
        return self.bodies(path)


async def start(aiohttp_server: Any, stub: Stub) -> Stub:
    """Run `stub` on a free loopback port and set its URL."""
    server = await aiohttp_server(stub.app(), host="127.0.0.1")
    stub.url = str(server.make_url("")).rstrip("/")
    return stub
