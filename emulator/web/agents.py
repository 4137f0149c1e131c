"""Handlers of the agents' routes: REST (`/api/v1`), control (`/-/tasks`) and the push
webhook (`/v1/a2a/webhooks/{hook_id}`, open like the other webhooks). Thin: parse, call
the agent service, answer."""

from __future__ import annotations

from aiohttp import web

from emulator.agents.pushes import MAX_PUSH_BYTES, PushRequest
from emulator.errors import ValidationFailed, problem
from emulator.web.api import services
from emulator.web.envelope import dumps, envelope, json_body, json_object, plain_json, query_int

TASK_STATES = (
    "submitted", "working", "input-required", "completed", "canceled", "failed", "rejected",
    "auth-required", "unknown",
)  # fmt: skip


async def install_agent(request: web.Request) -> web.Response:
    body = await json_object(request)
    agent = await services(request).agents.registry.install(request.match_info["org_id"], body)
    message = "agent installed"
    if agent["warnings"]:
        message += f" with {len(agent['warnings'])} warning(s)"
    return envelope(agent, 201, message)


async def list_agents(request: web.Request) -> web.Response:
    return envelope(await services(request).agents.registry.list(request.match_info["org_id"]))


async def get_agent(request: web.Request) -> web.Response:
    info = request.match_info
    return envelope(await services(request).agents.registry.get(info["org_id"], info["agent_id"]))


async def update_agent(request: web.Request) -> web.Response:
    info = request.match_info
    body = await json_object(request)
    agent = await services(request).agents.registry.update(info["org_id"], info["agent_id"], body)
    return envelope(agent, 200, "agent updated")


async def delete_agent(request: web.Request) -> web.Response:
    info = request.match_info
    await services(request).agents.registry.delete(info["org_id"], info["agent_id"])
    return envelope(None, 200, "agent deleted")


async def set_channel_agent(request: web.Request) -> web.Response:
    info = request.match_info
    body = await json_body(request)
    data = await services(request).agents.registry.set_channel(
        info["channel_id"], info["agent_id"], body
    )
    return envelope(data, 200, "agent added" if data["is_active"] else "agent removed")


async def channel_agents(request: web.Request) -> web.Response:
    channel_id = request.match_info["channel_id"]
    return envelope(await services(request).agents.registry.channel_agents(channel_id))


async def list_tasks(request: web.Request) -> web.Response:
    filters = {key: value for key, value in request.query.items() if value}
    state = filters.get("state")
    if state and state not in TASK_STATES:
        raise ValidationFailed(
            "unknown task state",
            [problem("state", f"got {state!r}", f"use one of {', '.join(TASK_STATES)}")],
        )
    rows = await services(request).agents.list_tasks(
        filters,
        limit=query_int(request, "limit", default=100, maximum=1000),
        offset=query_int(request, "offset", default=0, maximum=10**9),
    )
    return plain_json(rows)


async def get_task(request: web.Request) -> web.Response:
    return plain_json(await services(request).agents.task(request.match_info["task_id"]))


async def receive_push(request: web.Request) -> web.Response:
    """POST /v1/a2a/webhooks/{hook_id}: an agent's push; JSON answers, no envelope."""
    too_large = request.content_length is not None and request.content_length > MAX_PUSH_BYTES
    body = b""
    if not too_large:
        body = await request.content.read(MAX_PUSH_BYTES + 1)
        too_large = len(body) > MAX_PUSH_BYTES
    push = PushRequest(
        hook_id=request.match_info["hook_id"],
        authorization=request.headers.get("Authorization"),
        api_key=request.headers.get("X-TELEX-API-KEY"),
        body=body,
        too_large=too_large,
    )
    answer = await services(request).agents.receive_push(push)
    return web.json_response(answer.body, status=answer.status, dumps=dumps)
