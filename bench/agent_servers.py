"""The servers and bodies of bench/agents.py: a stub A2A agent, a bare push sink, and the
JSON-RPC bodies the driver sends (shaped like the emulator's)."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web


def agent_card(base: str, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": "bench stub agent",
        "url": f"{base}/a2a",
        "version": "1.0.0",
        "provider": {"organization": "bench", "url": base},
        "capabilities": {"streaming": False, "pushNotifications": True},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "echo", "name": "Echo", "description": "says it back"}],
    }


def stub_agent_app() -> web.Application:
    """A fast agent: a Message echoing the text, or a `working` Task for "slow …" (whose
    push config it keeps, for the driver to push with)."""
    push_configs: list[dict[str, Any]] = []

    async def card(request: web.Request) -> web.Response:
        base = f"{request.scheme}://{request.host}"
        return web.json_response(agent_card(base, request.match_info["name"]))

    async def rpc(request: web.Request) -> web.Response:
        call = await request.json()
        message = call["params"]["message"]
        text = message["parts"][0]["text"]
        if text.startswith("slow"):
            push_configs.append(call["params"]["configuration"]["pushNotificationConfig"])
            result: dict[str, Any] = {
                "kind": "task",
                "id": uuid.uuid4().hex,
                "contextId": message.get("contextId"),
                "status": {"state": "working"},
            }
        else:
            result = {
                "kind": "message",
                "role": "agent",
                "messageId": uuid.uuid4().hex,
                "parts": [{"kind": "text", "text": f"echo: {text}"}],
            }
        return web.json_response({"jsonrpc": "2.0", "id": call["id"], "result": result})

    async def pushes(_request: web.Request) -> web.Response:
        return web.json_response(push_configs)

    app = web.Application()
    app.router.add_get("/{name}/.well-known/agent.json", card)
    app.router.add_post("/a2a", rpc)
    app.router.add_get("/push-configs", pushes)
    return app


def push_sink_app() -> web.Application:
    """The push baseline: a bare handler that reads the JSON and answers 200."""

    async def receive(request: web.Request) -> web.Response:
        body = await request.json()
        state = body["result"]["status"]["state"]
        return web.json_response({"status": "success", "data": {"state": state}})

    app = web.Application()
    app.router.add_post("/v1/a2a/webhooks/{hook_id}", receive)
    return app


def rpc_body(text: str, channel_id: str) -> dict[str, Any]:
    """A `message/send` shaped like the emulator's (push config included)."""
    return {
        "jsonrpc": "2.0",
        "id": uuid.uuid4().hex,
        "method": "message/send",
        "params": {
            "message": {
                "kind": "message",
                "role": "user",
                "messageId": uuid.uuid4().hex,
                "contextId": channel_id,
                "taskId": None,
                "parts": [{"kind": "text", "text": text}],
                "metadata": {
                    "telex_user_id": "bench",
                    "telex_channel_id": channel_id,
                    "org_id": "o",
                },
            },
            "configuration": {
                "acceptedOutputModes": [
                    "text/plain",
                    "image/png",
                    "image/jpeg",
                    "application/json",
                ],
                "historyLength": 20,
                "blocking": False,
                "pushNotificationConfig": {
                    "url": f"http://127.0.0.1:9/v1/a2a/webhooks/{uuid.uuid4().hex}",
                    "token": "x" * 180,
                    "authentication": {
                        "schemes": ["Bearer", "TelexApiKey"],
                        "credentials": "tlx_" + "0" * 48,
                    },
                },
            },
        },
    }


def push_body(n: int) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": uuid.uuid4().hex,
        "result": {
            "kind": "task",
            "id": f"bench-task-{n}",
            "contextId": "ctx",
            "status": {"state": "completed", "timestamp": "2025-01-01T00:00:00Z"},
            "artifacts": [
                {"artifactId": f"a{n}", "parts": [{"kind": "text", "text": f"done {n}"}]}
            ],
        },
    }
