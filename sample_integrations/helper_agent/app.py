"""Helper: a Telex *agent* ("AI coworker") speaking A2A 0.2.x, with no LLM and no network.

Telex finds it by its agent card at `/.well-known/agent.json` (or by the workflow JSON at
`/workflow.json`) and POSTs each message for it to the card's `url` as one JSON-RPC request:

    {"jsonrpc": "2.0", "id": "…", "method": "message/send",
     "params": {"message": {"kind": "message", "role": "user", "parts": [{"kind": "text",
       "text": "echo hi"}], "contextId": "<channel id>", "taskId": null, …},
       "configuration": {"pushNotificationConfig": {"url": "…", "token": "<JWT>", …}, …}}}

Quick commands (`help`, `echo …`, `time`, `history`) get a Message at once. `quiz` asks
a question and leaves its Task `input-required`: Telex sends the answer with that `taskId`.
`report` is slow: the agent answers a `working` Task at once and pushes the completed Task
to the push URL later, with `Authorization: Bearer <token>`. Started with `streaming=True`,
the card says `streaming: true` and Telex calls `message/stream`: replies come as
Server-Sent Events (one Message per line; the report as artifact deltas).

Run it on its own:  python -m sample_integrations.helper_agent --port 8104 [--streaming]
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

APP_NAME = "Helper"
PUSH_TIMEOUT_S = 10.0
QUIZ = ("What is 2 + 3?", "5")
HELP = [
    "Commands:",
    "help: this list",
    "echo <text>: says <text> back",
    "time: the time in UTC",
    "history: how many earlier messages Telex sent me",
    "quiz: one question; your next message is the answer",
    "report: a slow report, pushed when it is ready",
]

log = logging.getLogger(__name__)

session_key = web.AppKey("session", ClientSession)
jobs_key = web.AppKey("jobs", set)  # running background reports


def agent_card(base_url: str, streaming: bool) -> dict[str, Any]:
    """The A2A 0.2.x agent card; `url` (the JSON-RPC endpoint) is built from `base_url`."""
    return {
        "name": APP_NAME,
        "description": "A small sample agent: echo, time, a quiz, and a slow report.",
        "url": f"{base_url}/a2a",
        "version": "1.0.0",
        "provider": {"organization": "telex-emulator samples", "url": base_url},
        "documentationUrl": f"{base_url}/",
        "capabilities": {
            "streaming": streaming,
            "pushNotifications": not streaming,
            "stateTransitionHistory": False,
        },
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [
            {
                "id": "commands",
                "name": "Commands",
                "description": "help, echo, time, history, quiz, report",
                "tags": ["sample"],
                "examples": ["help", "echo hello", "report"],
            }
        ],
    }


def workflow_json(base_url: str) -> dict[str, Any]:
    """The same agent as a Telex workflow JSON (its a2a node points at the RPC URL)."""
    node = {"id": "helper-node", "name": APP_NAME, "type": "a2a/generic-a2a-node",
            "typeVersion": 1, "url": f"{base_url}/a2a", "parameters": {}, "position": [0, 0]}  # fmt: skip
    return {
        "active": True,
        "category": "utilities",
        "id": "helper-workflow",
        "name": APP_NAME,
        "short_description": "A small sample agent: echo, time, a quiz, and a slow report.",
        "long_description": "Installed by workflow JSON, it also receives the channel history.",
        "nodes": [node],
        "pinData": {},
        "settings": {"executionOrder": "v1"},
    }


# -- A2A shapes --------------------------------------------------------------------------------


def new_id() -> str:
    return uuid.uuid4().hex


def text_message(text: str, context_id: str | None) -> dict[str, Any]:
    return {"kind": "message", "role": "agent", "messageId": new_id(), "contextId": context_id,
            "parts": [{"kind": "text", "text": text}]}  # fmt: skip


def task(
    task_id: str, context_id: str | None, state: str, text: str | None = None
) -> dict[str, Any]:
    """A Task; `text` goes in an artifact when the task ended, else in its status message."""
    status: dict[str, Any] = {"state": state, "timestamp": datetime.now(UTC).isoformat()}
    body: dict[str, Any] = {
        "kind": "task",
        "id": task_id,
        "contextId": context_id,
        "status": status,
    }
    if text is not None and state in ("completed", "failed"):
        body["artifacts"] = [{"artifactId": new_id(), "name": "answer",
                              "parts": [{"kind": "text", "text": text}]}]  # fmt: skip
    elif text is not None:
        status["message"] = text_message(text, context_id)
    return body


def response(request_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def rpc_error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


# -- what the user asked ---------------------------------------------------------------------


def user_text(message: dict[str, Any]) -> str:
    """The text parts, without a leading @Helper (Telex removes it; people paste it)."""
    parts = message.get("parts") if isinstance(message.get("parts"), list) else []
    text = " ".join(
        p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)
    )
    text = text.strip()
    if text.lower().startswith(f"@{APP_NAME.lower()}"):
        text = text[len(APP_NAME) + 1 :].lstrip(" ,:")
    return text


def history_size(message: dict[str, Any]) -> int | None:
    """How many history messages a workflow install sent (parts[1].data), None for a card one."""
    parts = message.get("parts") if isinstance(message.get("parts"), list) else []
    for part in parts[1:]:
        if isinstance(part, dict) and isinstance(part.get("data"), list):
            return len(part["data"])
    return None


def quick_reply(command: str, argument: str, message: dict[str, Any]) -> list[str] | None:
    """The lines a quick command answers, or None when the command is not a quick one."""
    if command in ("", "help"):
        return HELP
    if command == "echo":
        return [argument or "(nothing to echo)"]
    if command == "time":
        return [f"It is {datetime.now(UTC).strftime('%H:%M:%S')} UTC."]
    if command == "history":
        size = history_size(message)
        if size is None:
            return ["I was installed by agent card: Telex sends me no history."]
        return [f"Telex sent me the {size} latest messages of this channel."]
    return None


def report_lines(served: int) -> list[str]:
    return [
        "Report",
        f"Requests served so far: {served}",
        f"Generated at {datetime.now(UTC).isoformat(timespec='seconds')}",
    ]


# -- HTTP --------------------------------------------------------------------------------------


class Helper:
    """The agent's state: open quizzes (task id -> expected answer) and a request count."""

    def __init__(self, streaming: bool, report_delay_s: float) -> None:
        self.streaming = streaming
        self.report_delay_s = report_delay_s
        self.open_quizzes: dict[str, str] = {}
        self.served = 0

    async def rpc(self, request: web.Request) -> web.StreamResponse:
        """The JSON-RPC endpoint: `message/send` (JSON) or `message/stream` (SSE)."""
        try:
            body = await request.json()
        except ValueError:
            return web.json_response(rpc_error(None, -32700, "Parse error: the body is not JSON"))
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
            return web.json_response(
                rpc_error(None, -32600, 'Invalid Request: send {"jsonrpc": "2.0", ...}')
            )
        request_id, method, params = body.get("id"), body.get("method"), body.get("params")
        if method not in ("message/send", "message/stream"):
            return web.json_response(rpc_error(request_id, -32601, f"Method not found: {method}"))
        if not isinstance(params, dict) or not isinstance(params.get("message"), dict):
            return web.json_response(
                rpc_error(request_id, -32602, "Invalid params: params.message is required")
            )
        self.served += 1
        if method == "message/stream":
            return await self.stream(request, request_id, params)
        return web.json_response(self.answer(request.app, request_id, params))

    def answer(
        self, app: web.Application, request_id: Any, params: dict[str, Any]
    ) -> dict[str, Any]:
        """The JSON-RPC response to `message/send`."""
        message = params["message"]
        context_id = message.get("contextId")
        text = user_text(message)
        expected = self.open_quizzes.pop(message.get("taskId") or "", None)
        if expected is not None:  # the answer to a quiz this agent left input-required
            verdict = "Correct!" if text == expected else f"Not quite: the answer is {expected}."
            return response(request_id, task(message["taskId"], context_id, "completed", verdict))
        command, _, argument = text.partition(" ")
        command = command.lower()
        lines = quick_reply(command, argument.strip(), message)
        if lines is not None:
            return response(request_id, text_message("\n".join(lines), context_id))
        if command == "quiz":
            task_id = new_id()
            self.open_quizzes[task_id] = QUIZ[1]
            return response(request_id, task(task_id, context_id, "input-required", QUIZ[0]))
        if command == "report":
            push = (params.get("configuration") or {}).get("pushNotificationConfig") or {}
            if not isinstance(push.get("url"), str) or not push["url"]:
                return rpc_error(request_id, -32602, "report needs params.configuration."
                                 "pushNotificationConfig.url: the result is pushed there")  # fmt: skip
            task_id = new_id()
            spawn(app, self.push_report(app[session_key], push, task_id, context_id))
            return response(
                request_id, task(task_id, context_id, "working", "Working on your report…")
            )
        unknown = f"I don't know {command!r}. Say help for the list of commands."
        return response(request_id, text_message(unknown, context_id))

    async def push_report(
        self, session: ClientSession, push: dict[str, Any], task_id: str, context_id: str | None
    ) -> None:
        """After the delay, push the completed report Task to Telex's push URL."""
        await asyncio.sleep(self.report_delay_s)  # stands for slow work
        body = response(
            new_id(), task(task_id, context_id, "completed", "\n".join(report_lines(self.served)))
        )
        headers = {}
        if push.get("token"):
            headers["Authorization"] = f"Bearer {push['token']}"
        elif (push.get("authentication") or {}).get("credentials"):
            headers["X-TELEX-API-KEY"] = push["authentication"]["credentials"]
        try:
            async with session.post(push["url"], json=body, headers=headers,
                                    timeout=ClientTimeout(total=PUSH_TIMEOUT_S)) as answer:  # fmt: skip
                if answer.status >= 300:
                    log.warning(
                        "the push URL refused the report: HTTP %s %s",
                        answer.status,
                        await answer.text(),
                    )
        except (ClientError, TimeoutError) as exc:
            log.warning("could not push the report to %s: %s", push["url"], exc)

    async def stream(
        self, request: web.Request, request_id: Any, params: dict[str, Any]
    ) -> web.StreamResponse:
        """`message/stream`: the same replies as Server-Sent Events."""
        stream = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await stream.prepare(request)

        async def send(result: dict[str, Any]) -> None:
            await stream.write(f"data: {json.dumps(response(request_id, result))}\n\n".encode())

        message = params["message"]
        context_id = message.get("contextId")
        if user_text(message).lower() == "report":
            await self.stream_report(send, context_id)
        else:
            result = self.answer(request.app, request_id, params).get("result")
            if result is None or result.get("kind") != "message":
                await send(result or text_message("This command does not stream.", context_id))
            else:  # one Message per line: Telex shows them as one reply, a line each
                for line in result["parts"][0]["text"].split("\n"):
                    await send(text_message(line, context_id))
        await stream.write_eof()
        return stream

    async def stream_report(self, send: Any, context_id: str | None) -> None:
        task_id = new_id()
        await send(task(task_id, context_id, "submitted"))
        await send(status_update(task_id, context_id, "working", final=False))
        artifact_id = new_id()
        lines = report_lines(self.served)
        for index, line in enumerate(lines):
            await asyncio.sleep(self.report_delay_s / len(lines))  # stands for slow work
            chunk = line if index == 0 else "\n" + line
            artifact = {
                "artifactId": artifact_id,
                "name": "report",
                "parts": [{"kind": "text", "text": chunk}],
            }
            await send({"kind": "artifact-update", "taskId": task_id, "contextId": context_id,
                        "artifact": artifact, "append": index > 0, "lastChunk": index == len(lines) - 1})  # fmt: skip
        await send(status_update(task_id, context_id, "completed", final=True))


def status_update(task_id: str, context_id: str | None, state: str, final: bool) -> dict[str, Any]:
    return {"kind": "status-update", "taskId": task_id, "contextId": context_id, "final": final,
            "status": {"state": state, "timestamp": datetime.now(UTC).isoformat()}}  # fmt: skip


def spawn(app: web.Application, coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro` after the answer is sent; keep a reference so shutdown can cancel it."""
    job = asyncio.create_task(coro)
    app[jobs_key].add(job)
    job.add_done_callback(app[jobs_key].discard)


async def background_ctx(app: web.Application) -> AsyncIterator[None]:
    """One HTTP client for pushes; unfinished reports are cancelled at shutdown."""
    app[jobs_key] = set()
    async with ClientSession() as session:
        app[session_key] = session
        yield
        jobs = set(app[jobs_key])
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)


def create_app(
    public_url: str | None = None, streaming: bool = False, report_delay_s: float = 3.0
) -> web.Application:
    """The agent as an aiohttp app. `public_url` is the base URL Telex reaches it at
    (default: the address its card is fetched from); `streaming` makes the card say
    `streaming: true`; `report_delay_s` is how long the slow report takes."""
    helper = Helper(streaming, report_delay_s)

    def base_url(request: web.Request) -> str:
        return (public_url or str(request.url.origin())).rstrip("/")

    async def serve_card(request: web.Request) -> web.Response:
        return web.json_response(agent_card(base_url(request), helper.streaming))

    async def serve_workflow(request: web.Request) -> web.Response:
        return web.json_response(workflow_json(base_url(request)))

    app = web.Application()
    app.cleanup_ctx.append(background_ctx)
    app.router.add_get("/.well-known/agent.json", serve_card)
    app.router.add_get("/workflow.json", serve_workflow)
    app.router.add_post("/a2a", helper.rpc)
    return app
