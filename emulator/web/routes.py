"""Every URL of the emulator on one screen."""

from __future__ import annotations

from aiohttp import web

from emulator.web import agents, api, control, events, openapi, regression, ui, ui_api, webhooks
from emulator.web.envelope import api_key_guard, envelope_errors

ORG = "/organisations/{org_id}"
CUSTOM = ORG + "/integrations/custom"
AGENTS = ORG + "/agents"

# Telex-compatible REST API, mounted at /api/v1 (CONTRACT §2.3).
API = [
    web.post("/organisations", api.create_organisation),
    web.get("/organisations", api.list_organisations),
    web.get(ORG, api.get_organisation),
    web.get(ORG + "/channels", api.list_channels),
    web.post("/channels", api.create_channel),
    web.get("/channels/{channel_id}", api.get_channel),
    web.post("/channels/{channel_id}/messages", api.send_message),
    web.get("/channels/{channel_id}/messages", api.list_messages),
    web.get("/channels/{channel_id}/integrations", api.channel_integrations),
    web.put("/channels/{channel_id}/integrations/order", api.order_integrations),
    web.post(CUSTOM, api.install_integration),
    web.get(CUSTOM, api.list_integrations),
    web.get(CUSTOM + "/{integration_id}", api.get_integration),
    web.put(CUSTOM + "/{integration_id}", api.update_integration),
    web.delete(CUSTOM + "/{integration_id}", api.delete_integration),
    web.get(CUSTOM + "/{integration_id}/settings", api.get_settings),
    web.put(CUSTOM + "/{integration_id}/settings", api.put_settings),
    web.put(
        ORG + "/integrations/{integration_id}/channels/{channel_id}/settings",
        api.set_channel_settings,
    ),
    web.post(AGENTS, agents.install_agent),
    web.get(AGENTS, agents.list_agents),
    web.get(AGENTS + "/{agent_id}", agents.get_agent),
    web.put(AGENTS + "/{agent_id}", agents.update_agent),
    web.delete(AGENTS + "/{agent_id}", agents.delete_agent),
    web.put("/channels/{channel_id}/agents/{agent_id}", agents.set_channel_agent),
    web.get("/channels/{channel_id}/agents", agents.channel_agents),
]

# Control API for tests and the UI, mounted at /- (CONTRACT §2.5).
CONTROL = [
    web.get("/health", control.health),
    web.get("/ready", control.ready),
    web.post("/reset", control.reset),
    web.post("/check", control.check),
    web.get("/deliveries", control.deliveries),
    web.post("/drain", control.drain),
    web.post("/ticks", control.tick_now),
    web.get("/ticks", control.ticks),
    web.get("/schedule", control.schedule),
    web.get("/clock", control.clock),
    web.post("/clock/advance", control.advance_clock),
    web.get("/returns", control.returns),
    web.get("/tasks", agents.list_tasks),
    web.get("/tasks/{task_id}", agents.get_task),
    web.get("/events", events.stream),
    web.get("/openapi.json", openapi.document),
    web.get("/cron/preview", ui_api.cron_preview),
    web.post("/replay", regression.replay),
    web.get("/replays", regression.replays),
    web.post("/seed", regression.seed),
    web.get("/snapshots", regression.snapshots),
    web.post("/snapshots", regression.take_snapshot),
    web.post("/snapshots/{name}/restore", regression.restore_snapshot),
]

# Open paths on the root app: webhooks as Telex has them (no API key), and the UI.
OPEN = [
    web.post("/v1/webhooks/{channel_id}", webhooks.receive),
    web.get("/v1/webhooks/{channel_id}", webhooks.receive_query),
    web.post("/v1/return/{channel_id}", webhooks.receive),
    web.post("/api/v1/return/{channel_id}", webhooks.receive),
    web.post("/webhooks/feed/{channel_id}", webhooks.receive),
    web.post("/v1/a2a/webhooks/{hook_id}", agents.receive_push),
    web.get("/", ui.index),
    web.static("/static", ui.STATIC_DIR, append_version=True),
]


def mount_routes(app: web.Application) -> None:
    app.middlewares.append(envelope_errors)
    # Open event streams would hold shutdown until their next ping: end them first.
    app.on_shutdown.append(events.close_streams)
    api_app = web.Application(middlewares=[api_key_guard])
    api_app.add_routes(API)
    control_app = web.Application(middlewares=[api_key_guard])
    control_app.add_routes(CONTROL)
    app.add_routes(OPEN)
    app.add_subapp("/api/v1", api_app)
    app.add_subapp("/-", control_app)
