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
from emulator.deliveries import DELIVERY_KINDS, OUTCOMES
from emulator.directory import MAX_NAME_CHARS
from emulator.hub import EVENT_TYPES
from emulator.messages import MAX_CONTENT_CHARS
from emulator.returns import CORRELATIONS
from emulator.specs import INTEGRATION_TYPES
from emulator.ticks import TICK_OUTCOMES, TRIGGERS
from emulator.web.envelope import plain_json

Schema = dict[str, Any]

OPENAPI_VERSION = "3.1.0"
ID_EXAMPLE = "3f2b8c1e-6a4d-4f0e-9b7a-2d5c8e1f0a9b"
MAX_ADVANCE_S = 366 * 86400 * 10  # scheduling.advance_target: ten years


async def document(request: web.Request) -> web.Response:
    """GET /-/openapi.json: this document (a fresh copy; callers may change theirs)."""
    return plain_json(copy.deepcopy(build()))


# -- schema helpers ----------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: str = "", /, *, additional: bool = True, **properties: Any) -> Schema:
    """An object schema; `required` names properties, space-separated. Additional
    properties are allowed unless `additional=False` (entities may grow fields)."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required.split()
    if not additional:
        schema["additionalProperties"] = False
    return schema


def enum(values: tuple[str, ...]) -> Schema:
    return {"enum": list(values)}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def text(description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ANY: Schema = {}
ID: Schema = {"type": "string", "format": "uuid", "examples": [ID_EXAMPLE]}
TIME: Schema = {"type": "string", "format": "date-time", "examples": ["2025-01-01T12:00:00Z"]}
NULLABLE_STRING = nullable(STRING)
NULLABLE_ID = nullable(ID)
NULLABLE_TIME = nullable(TIME)
NON_BLANK = r"\S"


# -- entities ------------------------------------------------------------------------------


def schemas() -> dict[str, Schema]:
    """components/schemas: entities, request bodies, envelopes."""
    s: dict[str, Schema] = {}

    # Errors and findings
    s["Problem"] = obj(
        "path message hint",
        path=text("where, e.g. `settings.interval` or `$.data.settings[2].default`"),
        message=STRING,
        hint=text("how to fix it"),
        severity={"enum": ["error", "warning"]},
    )
    s["ErrorData"] = nullable(
        obj(
            "errors",
            errors=array(ref("Problem")),
            warnings=array(ref("Problem")),
        )
    )
    s["ErrorEnvelope"] = obj(
        "status status_code message data",
        additional=False,
        status={"const": "error"},
        status_code={"type": "integer", "minimum": 400, "maximum": 599},
        message={"type": "string", "minLength": 1, "description": "what is wrong, for people"},
        data=ref("ErrorData"),
    )

    # Directory
    s["Organisation"] = obj("id name created_at", id=ID, name=STRING, created_at=TIME)
    s["Channel"] = obj(
        "id organisation_id name description webhook_url created_at",
        id=ID,
        organisation_id=ID,
        name=STRING,
        description=STRING,
        webhook_url=text("where integrations POST their results (`/v1/webhooks/{channel_id}`)"),
        created_at=TIME,
    )

    # Integrations
    s["SettingSpec"] = obj(
        "label",
        label=STRING,
        type=text(
            "text, text_area, number, checkbox, dropdown, radio, multi-select, multi-checkbox"
        ),
        required={"type": ["boolean", "string"]},
        default=ANY,
        options=array(ANY),
        description=STRING,
    )
    s["IntegrationSpec"] = obj(
        "integration_type",
        integration_type={
            "type": "string",
            "examples": list(INTEGRATION_TYPES),
            "description": "interval, modifier or output (any case)",
        },
        integration_category=STRING,
        descriptions=obj(
            app_name=STRING,
            app_description=STRING,
            app_logo=STRING,
            app_url=STRING,
            background_color=STRING,
        ),
        is_active={"type": ["boolean", "string"]},
        key_features=array(STRING),
        permissions={"type": "object"},
        output=array({"type": "object"}),
        settings=nullable(array(ref("SettingSpec"))),
        target_url=STRING,
        tick_url=STRING,
        auth_callback=STRING,
        author=STRING,
        website=STRING,
    )
    s["IntegrationDocument"] = {
        "description": 'An integration JSON as Telex fetches it: `{"data": {...}}` or bare.',
        "anyOf": [obj("data", data=ref("IntegrationSpec")), ref("IntegrationSpec")],
    }
    s["SettingItem"] = {
        "type": "object",
        "description": "A declared setting with `default` replaced by the effective value, "
        "as Telex sends it (CONTRACT §1.4).",
    }
    s["Integration"] = obj(
        "id organisation_id integration_type app_name json_url target_url tick_url "
        "effective_target_url effective_tick_url settings values spec warnings created_at",
        id=ID,
        organisation_id=ID,
        integration_type=enum(INTEGRATION_TYPES),
        app_name=STRING,
        app_description=NULLABLE_STRING,
        app_logo=NULLABLE_STRING,
        integration_category=NULLABLE_STRING,
        json_url=NULLABLE_STRING,
        target_url=NULLABLE_STRING,
        tick_url=NULLABLE_STRING,
        target_url_override=NULLABLE_STRING,
        tick_url_override=NULLABLE_STRING,
        effective_target_url=NULLABLE_STRING,
        effective_tick_url=NULLABLE_STRING,
        settings=array({"type": "object"}),
        values={"type": "object", "description": "organisation values by label"},
        spec=ANY,
        warnings=array(ref("Problem")),
        created_at=TIME,
        updated_at=NULLABLE_TIME,
    )
    s["Activation"] = obj(
        "channel_id integration_id is_active settings position",
        channel_id=ID,
        integration_id=ID,
        is_active=BOOLEAN,
        settings={"type": "object", "description": "channel overrides by label"},
        position={"type": "integer", "description": "place in the modifier chain, from 1"},
        updated_at=NULLABLE_TIME,
    )
    s["ChannelIntegration"] = {
        "allOf": [ref("Integration"), obj("activation", activation=ref("Activation"))]
    }
    s["ChannelSettings"] = {
        "allOf": [ref("Activation"), obj("effective", effective=array(ref("SettingItem")))]
    }
    s["IntegrationSettings"] = obj(
        "integration_id declared values effective",
        integration_id=ID,
        declared=array({"type": "object"}),
        values={"type": "object"},
        effective=array(ref("SettingItem")),
    )

    # Messages
    s["Hop"] = obj(
        "integration_id app_name outcome reason status_code latency_ms content_before "
        "content_after",
        integration_id=ID,
        app_name=STRING,
        outcome=enum(OUTCOMES),
        reason=NULLABLE_STRING,
        status_code=nullable(INTEGER),
        latency_ms=nullable(NUMBER),
        content_before=STRING,
        content_after=STRING,
    )
    s["Message"] = obj(
        "id channel_id thread_id content original_content username source event_name status "
        "created_at",
        id=ID,
        channel_id=ID,
        thread_id=NULLABLE_ID,
        content=STRING,
        original_content=STRING,
        username=STRING,
        source={"enum": ["user", "webhook"]},
        event_name=NULLABLE_STRING,
        status=NULLABLE_STRING,
        integration_id=NULLABLE_ID,
        warning=NULLABLE_STRING,
        trace=array(ref("Hop")),
        created_at=TIME,
    )
    s["SentMessage"] = {
        "description": "The stored message with one trace hop per modifier.",
        "allOf": [ref("Message"), obj("trace", trace=array(ref("Hop")))],
    }

    # Control API
    s["Delivery"] = obj(
        "id kind integration_id channel_id url request_body status_code response_body "
        "latency_ms outcome reason started_at",
        id=ID,
        kind=enum(DELIVERY_KINDS),
        integration_id=NULLABLE_ID,
        channel_id=NULLABLE_ID,
        message_id=NULLABLE_ID,
        tick_id=NULLABLE_ID,
        url=STRING,
        request_body=NULLABLE_STRING,
        status_code=nullable(INTEGER),
        response_body=NULLABLE_STRING,
        latency_ms=nullable(NUMBER),
        outcome=enum(OUTCOMES),
        reason=NULLABLE_STRING,
        started_at=TIME,
    )
    s["Tick"] = obj(
        "id integration_id channel_id trigger scheduled_for fired_at outcome",
        id=ID,
        integration_id=ID,
        channel_id=ID,
        trigger=enum(TRIGGERS),
        scheduled_for=TIME,
        fired_at=TIME,
        url=NULLABLE_STRING,
        status_code=nullable(INTEGER),
        latency_ms=nullable(NUMBER),
        outcome=enum(TICK_OUTCOMES),
        reason=NULLABLE_STRING,
        finished_at=NULLABLE_TIME,
    )
    s["ScheduleItem"] = obj(
        "integration_id channel_id interval next_fire_at",
        integration_id=ID,
        channel_id=ID,
        app_name=STRING,
        interval=nullable(text("the effective 5-field crontab")),
        next_fire_at=nullable({**TIME, "description": "null: ticks only on demand"}),
        last_tick_for=NULLABLE_TIME,
        tick_url=NULLABLE_STRING,
        reason=nullable(text("why there is no next fire time")),
    )
    s["Clock"] = obj("now mode", additional=True, now=TIME, mode={"enum": ["real", "virtual"]})
    s["Advanced"] = {
        "allOf": [ref("Clock"), obj("ticks", ticks=array(ref("Tick")))],
        "description": "The clock after the move and every tick it fired, in time order.",
    }
    s["Verdict"] = obj(
        "status status_code message",
        additional=False,
        status={"enum": ["success", "error"]},
        status_code={
            "type": "integer",
            "description": "Telex's verdict: 202 accepted, 400 rejected, 404 no such channel",
        },
        message=STRING,
    )
    s["Return"] = obj(
        "id channel_id path method body accepted verdict correlation",
        id=ID,
        channel_id=STRING,
        path=STRING,
        method=STRING,
        content_type=NULLABLE_STRING,
        body=NULLABLE_STRING,
        accepted=BOOLEAN,
        verdict=ref("Verdict"),
        warning=NULLABLE_STRING,
        message_id=NULLABLE_ID,
        tick_id=NULLABLE_ID,
        integration_id=NULLABLE_ID,
        correlation=enum(CORRELATIONS),
        received_at=TIME,
    )
    s["CheckResult"] = obj(
        "source ok integration_type app_name errors warnings",
        source=STRING,
        ok=BOOLEAN,
        integration_type=nullable(enum(INTEGRATION_TYPES)),
        app_name=NULLABLE_STRING,
        errors=array(ref("Problem")),
        warnings=array(ref("Problem")),
    )
    s["CronPreview"] = obj(
        "expr valid error now next",
        expr=STRING,
        valid=BOOLEAN,
        error=nullable(text("why the expression is not a valid 5-field crontab")),
        now=TIME,
        next=array(TIME),
    )
    s["Ready"] = obj(
        "status", status={"const": "ready"}, clock={"enum": ["real", "virtual"]}, db=STRING
    )

    # Request bodies
    name = {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "pattern": NON_BLANK}
    url_override = {
        "description": 'An http(s) URL; "" or null clears the override.',
        "anyOf": [
            {"type": "string", "pattern": "^[hH][tT][tT][pP][sS]?://"},
            {"const": ""},
            {"type": "null"},
        ],
    }
    s["CreateOrganisation"] = obj("name", name=name)
    s["CreateChannel"] = obj(
        "name organisation_id",
        name=name,
        description=STRING,
        organisation_id=ID,
        org_id={**ID, "deprecated": True, "description": "alias of organisation_id"},
    )
    s["SendMessage"] = obj(
        "content",
        content={
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_CONTENT_CHARS,
            "pattern": NON_BLANK,
            "description": "the text as typed; integrations get it as HTML (`<p>…</p>`)",
        },
        message={"type": "string", "deprecated": True, "description": "alias of content"},
        thread_id=nullable({**ID, "description": "the thread's root message"}),
        username=nullable({"type": "string", "description": 'default "you"'}),
    )
    s["OrderIntegrations"] = obj("integration_ids", integration_ids=array(ID))
    s["InstallIntegration"] = {
        **obj(
            json_url=text("the integration JSON's full URL", format="uri"),
            spec=ref("IntegrationDocument"),
            target_url=url_override,
            tick_url=url_override,
        ),
        "anyOf": [{"required": ["json_url"]}, {"required": ["spec"]}],
    }
    s["UpdateIntegration"] = obj(
        additional=False,
        json_url=text("re-fetch the spec from this URL", format="uri"),
        spec=ref("IntegrationDocument"),
        target_url=url_override,
        tick_url=url_override,
    )
    s["SettingValues"] = {
        "type": "object",
        "description": "`{label: value}`; values are checked by the setting's type; "
        "null clears a stored value",
        "additionalProperties": {
            "anyOf": [STRING, NUMBER, BOOLEAN, array(STRING), {"type": "null"}]
        },
    }
    s["PutSettings"] = obj("settings", settings=ref("SettingValues"))
    s["ChannelSettingsRequest"] = obj(
        is_active=nullable(BOOLEAN),
        settings=nullable(ref("SettingValues")),
    )
    s["CheckRequest"] = {
        **obj(json_url=text(format="uri"), spec=ref("IntegrationDocument")),
        "anyOf": [{"required": ["json_url"]}, {"required": ["spec"]}],
    }
    s["TickRequest"] = obj("integration_id channel_id", integration_id=ID, channel_id=ID)
    s["AdvanceRequest"] = {
        "description": "Exactly one of seconds or until.",
        "oneOf": [
            obj(
                "seconds",
                additional=False,
                seconds={"type": "number", "minimum": 0, "maximum": MAX_ADVANCE_S},
            ),
            obj("until", additional=False, until=TIME),
        ],
    }
    s["WebhookBody"] = obj(
        "message username event_name",
        additional=False,
        message=STRING,
        username=STRING,
        event_name=STRING,
        status={
            "type": "string",
            "examples": ["success", "error", "info", "warning", "failed"],
        },
    )

    # Envelopes around each success payload
    for entity in (
        "Organisation",
        "Channel",
        "Integration",
        "IntegrationSettings",
        "ChannelSettings",
        "SentMessage",
    ):
        s[f"{entity}Envelope"] = envelope_of(ref(entity))
    for entity in ("Organisation", "Channel", "Integration", "Message", "ChannelIntegration"):
        s[f"{entity}ListEnvelope"] = envelope_of(array(ref(entity)))
    s["EmptyEnvelope"] = envelope_of({"type": "null"})
    return s


def envelope_of(data: Schema) -> Schema:
    """The Telex envelope around a success payload (CONTRACT §2.3)."""
    return obj(
        "status status_code message data",
        additional=False,
        status={"const": "success"},
        status_code={"type": "integer", "minimum": 200, "maximum": 299},
        message=STRING,
        data=data,
    )


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

WEBHOOK_IDS = frozenset(row[2] for row in WEBHOOKS)

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
}
PATH_PARAMETERS = {
    "org_id": "an organisation id",
    "channel_id": "a channel id",
    "integration_id": "an installed integration's id",
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
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMETERS[name],
            "schema": ID,
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ] + QUERY.get(operation_id, [])
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
    for row in API + WEBHOOKS + CONTROL:
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
            "schemas": schemas(),
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
