"""The schemas of the OpenAPI document (`openapi.py`): small helpers and every entity.

Kept apart from the operations so each file stays readable; `openapi.py` assembles both.
"""

from __future__ import annotations

from typing import Any

from emulator.deliveries import DELIVERY_KINDS, OUTCOMES
from emulator.directory import MAX_NAME_CHARS
from emulator.messages import MAX_CONTENT_CHARS
from emulator.returns import CORRELATIONS
from emulator.specs import INTEGRATION_TYPES
from emulator.ticks import TICK_OUTCOMES, TRIGGERS

Schema = dict[str, Any]

MAX_ADVANCE_S = 366 * 86400 * 10  # scheduling.advance_target: ten years
ID_EXAMPLE = "3f2b8c1e-6a4d-4f0e-9b7a-2d5c8e1f0a9b"


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
        source={"enum": ["user", "webhook", "agent"]},
        event_name=NULLABLE_STRING,
        status=NULLABLE_STRING,
        integration_id=NULLABLE_ID,
        warning=NULLABLE_STRING,
        trace=array(ref("Hop")),
        agent_id=NULLABLE_ID,
        task_id=NULLABLE_ID,
        parts=nullable(array({"type": "object", "description": "an agent reply's display parts"})),
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
        agent_id=NULLABLE_ID,
        task_id=NULLABLE_ID,
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
        document_kind=nullable(enum(("card", "workflow", "integration"))),
        agent=nullable({"type": "object", "description": "the agent as Telex reads it"}),
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
    agent_keys = ("card_url", "base_url", "card", "workflow")  # an agent (CONTRACT Part 4)
    s["CheckRequest"] = {
        **obj(
            json_url=text(format="uri"),
            spec=ref("IntegrationDocument"),
            **{
                key: {"type": "object"} if key in ("card", "workflow") else text(format="uri")
                for key in agent_keys
            },
        ),
        "anyOf": [{"required": [key]} for key in ("json_url", "spec", *agent_keys)],
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
