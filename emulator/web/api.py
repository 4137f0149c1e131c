"""Handlers of the Telex-compatible REST API. Thin: parse, call a service, envelope."""

from __future__ import annotations

from aiohttp import web

from emulator.keys import services_key
from emulator.services import Services
from emulator.web.envelope import envelope, json_body, json_object, query_bool, query_int


def services(request: web.Request) -> Services:
    return request.config_dict[services_key]


async def create_organisation(request: web.Request) -> web.Response:
    body = await json_object(request)
    org = await services(request).directory.create_organisation(body.get("name"))
    return envelope(org, 201, "organisation created")


async def list_organisations(request: web.Request) -> web.Response:
    return envelope(await services(request).directory.list_organisations())


async def get_organisation(request: web.Request) -> web.Response:
    return envelope(await services(request).directory.organisation(request.match_info["org_id"]))


async def create_channel(request: web.Request) -> web.Response:
    channel = await services(request).directory.create_channel(await json_object(request))
    return envelope(channel, 201, "channel created")


async def list_channels(request: web.Request) -> web.Response:
    org_id = request.match_info["org_id"]
    return envelope(await services(request).directory.list_channels(org_id))


async def get_channel(request: web.Request) -> web.Response:
    return envelope(await services(request).directory.channel(request.match_info["channel_id"]))


async def send_message(request: web.Request) -> web.Response:
    body = await json_object(request)
    sent = await services(request).fanout.send(request.match_info["channel_id"], body)
    return envelope(sent, 201, "message sent")


async def list_messages(request: web.Request) -> web.Response:
    limit = query_int(request, "limit", default=100, maximum=1000)
    before = request.query.get("before") or None
    rows = await services(request).messages.list(request.match_info["channel_id"], limit, before)
    return envelope(rows)


async def channel_integrations(request: web.Request) -> web.Response:
    channel_id = request.match_info["channel_id"]
    include_inactive = query_bool(request, "include_inactive")
    rows = await services(request).integrations.channel_integrations(channel_id, include_inactive)
    return envelope(rows)


async def order_integrations(request: web.Request) -> web.Response:
    channel_id = request.match_info["channel_id"]
    body = await json_body(request)
    return envelope(await services(request).integrations.set_order(channel_id, body))


async def install_integration(request: web.Request) -> web.Response:
    body = await json_object(request)
    row = await services(request).integrations.install(request.match_info["org_id"], body)
    message = "integration installed"
    if row["warnings"]:
        message += f" with {len(row['warnings'])} warning(s)"
    return envelope(row, 201, message)


async def list_integrations(request: web.Request) -> web.Response:
    return envelope(await services(request).integrations.list(request.match_info["org_id"]))


async def get_integration(request: web.Request) -> web.Response:
    info = request.match_info
    return envelope(
        await services(request).integrations.get(info["org_id"], info["integration_id"])
    )


async def update_integration(request: web.Request) -> web.Response:
    info = request.match_info
    body = await json_object(request)
    row = await services(request).integrations.update(info["org_id"], info["integration_id"], body)
    return envelope(row, 200, "integration updated")


async def delete_integration(request: web.Request) -> web.Response:
    info = request.match_info
    await services(request).integrations.delete(info["org_id"], info["integration_id"])
    return envelope(None, 200, "integration deleted")


async def get_settings(request: web.Request) -> web.Response:
    info = request.match_info
    data = await services(request).integrations.settings(info["org_id"], info["integration_id"])
    return envelope(data)


async def put_settings(request: web.Request) -> web.Response:
    info = request.match_info
    body = await json_body(request)
    data = await services(request).integrations.put_settings(
        info["org_id"], info["integration_id"], body
    )
    return envelope(data, 200, "settings saved")


async def set_channel_settings(request: web.Request) -> web.Response:
    info = request.match_info
    body = await json_body(request)
    data = await services(request).integrations.set_channel(
        info["org_id"], info["integration_id"], info["channel_id"], body
    )
    return envelope(data, 200, "channel settings saved")
