"""The OpenAPI 3.1 description of every route, served at `GET /-/openapi.json`.

Built from small helpers rather than kept as a static file, so a schema used by many
operations is written once. `tests/test_openapi.py` keeps it true: every route in
`routes.py` is here with the same methods (and nothing else is), the document is valid
OpenAPI, and real responses validate against what it declares. `tests/test_fuzz.py`
generates requests from it against a live emulator.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

from aiohttp import web

from emulator import __version__
from emulator.delivery.log import DELIVERY_KINDS, OUTCOMES
from emulator.hub import EVENT_TYPES
from emulator.ticks.firing import TICK_OUTCOMES, TRIGGERS
from emulator.ticks.returns import CORRELATIONS
from emulator.web import openapi_agents, openapi_regression
from emulator.web.envelope import plain_json
from emulator.web.openapi_schemas import (
    ID,
    STRING,
    Schema,
    array,
    enum,
    obj,
    ref,
    schemas,
)

OPENAPI_VERSION = "3.1.0"


async def document(request: web.Request) -> web.Response:
    """GET /-/openapi.json: this document (a fresh copy; callers may change theirs)."""
    return plain_json(copy.deepcopy(build()))


# -- operations ----------------------------------------------------------------------------
# One row per route, like routes.py: method, path, operationId, summary, the success status
# and its schema, the error statuses it may answer, and the request body's schema name.
# Path parameters follow from the path; query parameters and descriptions are below.

Row = tuple[str, str, str, str, int, Schema, str, str | None]


def env(name: str) -> Schema:
    return ref(f"{name}Envelope")


def status_object(value: str) -> Schema:
    return obj("status", status={"const": value})


ORG = "/api/v1/organisations/{org_id}"
CUSTOM = ORG + "/integrations/custom"
ONE = CUSTOM + "/{integration_id}"
CHANNEL = "/api/v1/channels/{channel_id}"

# CONTRACT §2.3: the Telex-compatible REST API, every answer an envelope.
API: list[Row] = [
    ("post", "/api/v1/organisations", "createOrganisation", "Create an organisation",
     201, env("Organisation"), "422", "CreateOrganisation"),
    ("get", "/api/v1/organisations", "listOrganisations", "Organisations, oldest first",
     200, env("OrganisationList"), "", None),
    ("get", ORG, "getOrganisation", "One organisation", 200, env("Organisation"), "404", None),
    ("get", ORG + "/channels", "listChannels", "The organisation's channels, oldest first",
     200, env("ChannelList"), "404", None),
    ("post", "/api/v1/channels", "createChannel", "Create a channel (with its webhook_url)",
     201, env("Channel"), "404 422", "CreateChannel"),
    ("get", CHANNEL, "getChannel", "One channel", 200, env("Channel"), "404", None),
    ("post", CHANNEL + "/messages", "sendMessage",
     "Post a message: modifiers in chain order, store, then outputs; answers it and its trace",
     201, env("SentMessage"), "404 422", "SendMessage"),
    ("get", CHANNEL + "/messages", "listMessages", "The channel's messages, newest last",
     200, env("MessageList"), "400 404", None),
    ("get", CHANNEL + "/integrations", "listChannelIntegrations",
     "Integrations active on the channel, in modifier chain order",
     200, env("ChannelIntegrationList"), "400 404", None),
    ("put", CHANNEL + "/integrations/order", "orderChannelIntegrations",
     "Set the modifier chain order (the listed ids first, the rest keep theirs)",
     200, env("ChannelIntegrationList"), "404 422", "OrderIntegrations"),
    ("post", CUSTOM, "installIntegration", "Install from the JSON's URL or an inline spec",
     201, env("Integration"), "404 422", "InstallIntegration"),
    ("get", CUSTOM, "listIntegrations", "The organisation's installed integrations",
     200, env("IntegrationList"), "404", None),
    ("get", ONE, "getIntegration", "One installed integration",
     200, env("Integration"), "404", None),
    ("put", ONE, "updateIntegration", "Re-fetch the spec and/or override target_url, tick_url",
     200, env("Integration"), "404 422", "UpdateIntegration"),
    ("delete", ONE, "deleteIntegration", "Uninstall (data is null)",
     200, env("Empty"), "404", None),
    ("get", ONE + "/settings", "getIntegrationSettings",
     "Declared settings, organisation values, effective values",
     200, env("IntegrationSettings"), "404", None),
    ("put", ONE + "/settings", "putIntegrationSettings", "Store organisation values",
     200, env("IntegrationSettings"), "404 422", "PutSettings"),
    ("put", ORG + "/integrations/{integration_id}/channels/{channel_id}/settings",
     "setChannelSettings", "Activate or deactivate on a channel, with channel overrides",
     200, env("ChannelSettings"), "404 422", "ChannelSettingsRequest"),
]  # fmt: skip

# CONTRACT §1.5, §2.4: what integrations send back. Always HTTP 202, verdict in the body.
VERDICT = ref("Verdict")
WEBHOOKS: list[Row] = [
    ("post", "/v1/webhooks/{channel_id}", "postWebhook",
     "An integration posts a message (a tick's return_url)", 202, VERDICT, "", "WebhookBody"),
    ("get", "/v1/webhooks/{channel_id}", "getWebhook",
     "The GET variant: the four fields as query parameters", 202, VERDICT, "", None),
    ("post", "/v1/return/{channel_id}", "postReturn", "The same, on Telex's return path",
     202, VERDICT, "", "WebhookBody"),
    ("post", "/api/v1/return/{channel_id}", "postApiReturn", "The same, under /api/v1",
     202, VERDICT, "", "WebhookBody"),
    ("post", "/webhooks/feed/{channel_id}", "postFeed", "The same, as a feed",
     202, VERDICT, "", "WebhookBody"),
]  # fmt: skip

WEBHOOK_IDS = frozenset(row[2] for row in WEBHOOKS + openapi_agents.WEBHOOKS)

# CONTRACT §2.5: plain JSON for tests and the UI; errors are envelopes.
CONTROL: list[Row] = [
    ("get", "/-/health", "health", "Liveness", 200, status_object("ok"), "", None),
    ("get", "/-/ready", "ready", "Readiness: database migrated, scheduler running",
     200, ref("Ready"), "", None),
    ("post", "/-/reset", "reset", "Delete all data after in-flight work; the server stays up",
     200, status_object("reset"), "", None),
    ("post", "/-/drain", "drain", "Wait until every delivery, tick and callback finished",
     200, status_object("drained"), "", None),
    ("post", "/-/check", "check", "Lint an integration JSON without installing it",
     200, ref("CheckResult"), "422", "CheckRequest"),
    ("get", "/-/deliveries", "listDeliveries", "The delivery log, newest first",
     200, array(ref("Delivery")), "400", None),
    ("post", "/-/ticks", "tickNow", "Tick an active interval integration on a channel now",
     200, ref("Tick"), "404 409 422", "TickRequest"),
    ("get", "/-/ticks", "listTicks", "Ticks, newest first", 200, array(ref("Tick")), "400", None),
    ("get", "/-/schedule", "schedule", "Next fire time of every active interval pair",
     200, array(ref("ScheduleItem")), "", None),
    ("get", "/-/clock", "clock", "The emulator's clock", 200, ref("Clock"), "", None),
    ("post", "/-/clock/advance", "advanceClock",
     "Move the virtual clock, firing every due tick in time order",
     200, ref("Advanced"), "409 422", "AdvanceRequest"),
    ("get", "/-/returns", "listReturns",
     "Every body received on a webhook path, with verdict and correlation, newest first",
     200, array(ref("Return")), "400 422", None),
    ("get", "/-/events", "events", "Server-Sent Events", 200, STRING, "400 403", None),
    ("get", "/-/cron/preview", "cronPreview",
     "The next fire times of a crontab on the emulator's clock (for the settings form)",
     200, ref("CronPreview"), "400", None),
    ("get", "/-/openapi.json", "openapi", "This document",
     200, obj("openapi paths"), "", None),
]  # fmt: skip


def query_param(name: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def id_filters(*names: str) -> list[Schema]:
    return [query_param(name, ID, f"only rows with this {name}") for name in names]


def enum_filter(name: str, values: tuple[str, ...]) -> Schema:
    return query_param(name, enum(values), f"only rows with this {name}")


def page(default: int, maximum: int) -> list[Schema]:
    return [
        query_param(
            "limit",
            {"type": "integer", "minimum": 0},
            f"page size (default {default}, at most {maximum})",
        ),
        query_param("offset", {"type": "integer", "minimum": 0}, "rows to skip"),
    ]


QUERY: dict[str, list[Schema]] = {
    "listChannelIntegrations": [
        query_param(
            "include_inactive",
            {"enum": ["true", "false"]},
            "true: also integrations deactivated on the channel, with their stored settings "
            "(`activation.is_active` false)",
        ),
    ],
    "listMessages": [
        page(100, 1000)[0],
        query_param("before", ID, "a message id: only messages before it"),
    ],
    "listDeliveries": [
        *id_filters("channel_id", "integration_id", "message_id", "tick_id"),
        *openapi_agents.DELIVERY_FILTERS,
        enum_filter("kind", DELIVERY_KINDS),
        enum_filter("outcome", OUTCOMES),
        *page(100, 1000),
    ],
    "listTicks": [
        *id_filters("channel_id", "integration_id"),
        enum_filter("trigger", TRIGGERS),
        enum_filter("outcome", TICK_OUTCOMES),
        *page(100, 100_000),
    ],
    "listReturns": [
        *id_filters("channel_id", "integration_id", "tick_id"),
        enum_filter("correlation", CORRELATIONS),
        query_param("accepted", {"enum": ["true", "false"]}, "posted to the channel or not"),
        *page(100, 100_000),
    ],
    "cronPreview": [
        query_param("expr", STRING, "a 5-field crontab, e.g. */5 * * * *"),
        query_param(
            "count", {"type": "integer", "minimum": 0}, "how many fire times (default 3, 1 to 20)"
        ),
    ],
    "getWebhook": [
        query_param("message", STRING, "the message text", required=True),
        query_param("username", STRING, "who posts it", required=True),
        query_param("event_name", STRING, "what happened", required=True),
        query_param("status", STRING, "success, error, info, warning or failed"),
    ],
    "events": [
        query_param(
            "types",
            STRING,
            "comma-separated event types (default: all): " + ", ".join(EVENT_TYPES),
        ),
        query_param("api_key", STRING, "the API key (EventSource cannot send headers)"),
        query_param(
            "last_event_id",
            STRING,
            "resume after this event id: the missed events are replayed first, or the "
            "stream starts with a `reset` event (for a new EventSource object, which "
            "cannot send Last-Event-ID; the header wins when both are given)",
        ),
        {
            "name": "Last-Event-ID",
            "in": "header",
            "required": False,
            "description": "resume after this event id, as EventSource sends it when it "
            "reconnects by itself; same effect as `last_event_id`",
            "schema": STRING,
        },
    ],
}

_WEBHOOK_TEXT = (
    "Always HTTP 202, as on Telex: the verdict is in the body (`status_code` 202 posted, 400 "
    "rejected, 404 no such channel). Strict mode (default) posts only a body with exactly "
    "message, username, event_name and an optional status; lenient mode posts anything "
    "readable, with a warning. Every body is kept in GET /-/returns."
)
DESCRIPTIONS = {
    "installIntegration": "A spec with errors is a 422 whose `data.errors` point into the "
    "document (`$.data.settings[2].label`); warnings are in the integration's `warnings`.",
    "advanceClock": "409 when the emulator runs on the real clock.",
    "events": "Frames are `id: <n>`, `event: <type>` and `data: <json>`; ids increase by one "
    "per event and restart at 1 with the emulator. A comment every 15 s keeps the stream "
    "open. With `Last-Event-ID` or `last_event_id`, the events after that id still in the "
    "buffer (the newest 1000, kept while someone listened and for 60 s after the last "
    "stream closed) come first, filtered by `types`, then the live ones, with no gap and "
    "no duplicate. When they cannot be replayed (the id is too old, was not recorded, is "
    "ahead of the newest after a restart, or is not a number) the stream starts with "
    "`event: reset` (sent whatever `types` asks for), data `{reason, message, "
    "last_event_id, oldest_id, newest_id}`, `reason` one of expired, not_recorded, ahead, "
    "invalid: reload from the REST API. Its `id` is where to resume next time (empty: "
    "nowhere). Only pages of the emulator itself may listen: a foreign `Origin` gets 403.",
    **{row[2]: _WEBHOOK_TEXT for row in WEBHOOKS},
    **openapi_agents.DESCRIPTIONS,
    **openapi_regression.DESCRIPTIONS,
}
PATH_PARAMETERS = {
    "org_id": "an organisation id",
    "channel_id": "a channel id",
    "integration_id": "an installed integration's id",
    **openapi_agents.PATH_PARAMETERS,
    **openapi_regression.PATH_PARAMETERS,
}


# -- assembling ----------------------------------------------------------------------------

ERRORS = {
    400: ("BadRequest", "The request is malformed: not JSON, not an object, a bad query value."),
    401: ("Unauthorized", "Started with --api-key and no or a wrong `Authorization: Bearer`."),
    403: ("Forbidden", "Refused: a foreign `Origin` on the event stream."),
    404: ("NotFound", "No such route, or an id that does not exist."),
    405: ("MethodNotAllowed", "The path exists, the method does not (any undocumented one)."),
    409: ("Conflict", "The request clashes with the emulator's state."),
    413: ("PayloadTooLarge", "The body is over the limit (`--max-body-bytes`, 1 MiB)."),
    422: ("ValidationFailed", "Values were rejected; `data.errors` lists each with a hint."),
}


def error_responses() -> dict[str, Any]:
    """components/responses: the error envelope, one per status."""
    result: dict[str, Any] = {}
    for code, (name, description) in ERRORS.items():
        schema = {"allOf": [ref("ErrorEnvelope"), obj(status_code={"const": code})]}
        result[name] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    return result


def operation(row: Row) -> dict[str, Any]:
    _, path, operation_id, summary, status, schema, errors, request = row
    webhook = operation_id in WEBHOOK_IDS
    codes = {int(code) for code in errors.split()}
    if request is not None:
        codes |= {400, 413}  # not JSON, not an object; over the body limit
    if not webhook:
        codes.add(401)  # with --api-key
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["webhooks" if webhook else "api" if path.startswith("/api/") else "control"],
    }
    if operation_id in DESCRIPTIONS:
        op["description"] = DESCRIPTIONS[operation_id]
    parameters = (
        [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": PATH_PARAMETERS[name],
                "schema": STRING if name == "name" else ID,
            }
            for name in re.findall(r"\{(\w+)\}", path)
        ]
        + QUERY.get(operation_id, [])
        + openapi_agents.QUERY.get(operation_id, [])
    )
    if parameters:
        op["parameters"] = parameters
    if request is not None:
        op["requestBody"] = {
            "required": not webhook,  # an empty webhook body still gets a 202 verdict
            "content": {"application/json": {"schema": ref(request)}},
        }
    content_type = "text/event-stream" if operation_id == "events" else "application/json"
    op["responses"] = {
        str(status): {
            "description": summary,
            "content": {content_type: {"schema": schema}},
        }
    } | {str(code): {"$ref": f"#/components/responses/{ERRORS[code][0]}"} for code in sorted(codes)}
    if webhook:
        op["security"] = []  # integrations send no auth, as on Telex
    return op


def build_paths() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    agents = openapi_agents.API + openapi_agents.WEBHOOKS + openapi_agents.CONTROL
    for row in API + WEBHOOKS + CONTROL + agents + openapi_regression.ROWS:
        paths.setdefault(row[1], {})[row[0]] = operation(row)
    return paths


@cache
def build() -> dict[str, Any]:
    """The whole document. Cached: it depends on nothing at run time."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "telex-emulator",
            "version": __version__,
            "description": (
                "A local, offline emulator of the Telex chat platform. `/api/v1` is Telex's "
                "REST API, every answer in the envelope `{status, status_code, message, "
                "data}`; the webhook paths answer 202 with Telex's verdict; `/-/` is the "
                "control API for tests and the UI (plain JSON; errors are envelopes). An "
                "undocumented method on a documented path answers 405, an unknown path 404, "
                "both as envelopes. With `--api-key`, `/api/v1` and `/-/` need "
                "`Authorization: Bearer KEY`."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "api", "description": "Telex-compatible REST API (CONTRACT §2.3)"},
            {"name": "webhooks", "description": "What integrations post back (§1.5, §2.4)"},
            {"name": "control", "description": "Control API for tests and the UI (§2.5)"},
        ],
        "security": [{}, {"bearer": []}],
        "paths": build_paths(),
        "components": {
            "schemas": schemas() | openapi_agents.schemas() | openapi_regression.schemas(),
            "responses": error_responses(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "only when started with --api-key",
                }
            },
        },
    }
