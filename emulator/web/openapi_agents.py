"""The agents' part of the OpenAPI document (CONTRACT Part 4): operations and schemas.

`openapi.py` adds these rows and schemas to its own; the row format is its `Row`.
"""

from __future__ import annotations

from emulator.agents.service import TASK_FILTERS
from emulator.web.agents import TASK_STATES
from emulator.web.openapi_schemas import (
    BOOLEAN,
    ID,
    NULLABLE_ID,
    NULLABLE_STRING,
    STRING,
    TIME,
    Schema,
    array,
    enum,
    envelope_of,
    nullable,
    obj,
    ref,
    text,
)

ORG = "/api/v1/organisations/{org_id}"
AGENTS = ORG + "/agents"
AGENT = AGENTS + "/{agent_id}"
CHANNEL = "/api/v1/channels/{channel_id}"


def env(name: str) -> Schema:
    return ref(f"{name}Envelope")


# (method, path, operationId, summary, success status, schema, error statuses, request body)
API = [
    ("post", AGENTS, "installAgent",
     "Install an agent from its card URL, base URL, a pasted card or a workflow JSON",
     201, env("Agent"), "404 422", "InstallAgent"),
    ("get", AGENTS, "listAgents", "The organisation's agents", 200, env("AgentList"), "404", None),
    ("get", AGENT, "getAgent", "One agent", 200, env("Agent"), "404", None),
    ("put", AGENT, "updateAgent", "Re-fetch the card, replace the document, or override rpc_url",
     200, env("Agent"), "404 422", "UpdateAgent"),
    ("delete", AGENT, "deleteAgent", "Uninstall, with its direct channel (data is null)",
     200, env("Empty"), "404", None),
    ("put", CHANNEL + "/agents/{agent_id}", "setChannelAgent",
     "Add the agent to the channel or take it out", 200, env("ChannelAgent"), "404 422",
     "ChannelAgentRequest"),
    ("get", CHANNEL + "/agents", "listChannelAgents",
     "Agents a message in the channel may reach: its direct agent and the ones added",
     200, env("ChannelAgentList"), "404", None),
]  # fmt: skip

WEBHOOKS = [
    ("post", "/v1/a2a/webhooks/{hook_id}", "receiveAgentPush",
     "An agent pushes a task update (a JSON-RPC response) for one call",
     200, env("PushReceipt"), "401 404", "AgentPush"),
]  # fmt: skip

CONTROL = [
    ("get", "/-/tasks", "listAgentTasks", "Agent calls and their tasks, newest first",
     200, array(ref("AgentTask")), "400 422", None),
    ("get", "/-/tasks/{task_id}", "getAgentTask", "One agent call and its task",
     200, ref("AgentTask"), "404", None),
]  # fmt: skip

PATH_PARAMETERS = {
    "agent_id": "an installed agent's id",
    "task_id": "an agent call's id (AgentTask)",
    "hook_id": "the push hook id: the last segment of pushNotificationConfig.url",
}

DESCRIPTIONS = {
    "installAgent": "Exactly one of card_url, base_url (tries /.well-known/agent.json, then "
    "agent-card.json), card, workflow. Errors in the document are a 422 whose `data.errors` "
    "point into it (`$.url`, `$.nodes[0].url`); warnings are in the agent's `warnings`. "
    "The agent gets a direct channel named after it.",
    "updateAgent": '`{}` or `{"refetch": true}` re-fetches the card from card_url; '
    '`{"rpc_url": "http://…"}` overrides the RPC URL (null clears it); a new card_url, '
    "base_url, card or workflow replaces the document.",
    "receiveAgentPush": "No API key: authenticate with `Authorization: Bearer <token>` or "
    "`X-TELEX-API-KEY: <credentials>` from the call's pushNotificationConfig, else 401. An "
    "unknown hook is 404 (checked first), a body over 50 KB 413, a request-shaped or "
    "unreadable body 400 with the reason; the task is then unchanged. A terminal, "
    "input-required or auth-required push posts its parts to the channel.",
}


def query_param(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


QUERY: dict[str, list[Schema]] = {
    "listAgentTasks": [
        *(query_param(n, ID, f"only tasks with this {n}") for n in TASK_FILTERS if n != "state"),
        query_param("state", enum(TASK_STATES), "only tasks in this state"),
        query_param("limit", {"type": "integer", "minimum": 0}, "page size (default 100)"),
        query_param("offset", {"type": "integer", "minimum": 0}, "rows to skip"),
    ],
}
DELIVERY_FILTERS = [
    query_param("agent_id", ID, "only rows of this agent"),
    query_param("task_id", ID, "only rows of this agent call"),
]


def schemas() -> dict[str, Schema]:
    """The agents' entities and request bodies, with their envelopes."""
    s: dict[str, Schema] = {}
    document = {"type": "object", "description": "the JSON document itself"}
    url = text(format="uri")
    s["Agent"] = obj(
        "id organisation_id name description card_url rpc_url rpc_url_override "
        "effective_rpc_url capabilities skills direct_channel_id source warnings created_at",
        id=ID,
        organisation_id=ID,
        name=STRING,
        description=STRING,
        card_url=nullable(text("where the card was fetched; null when pasted or a workflow")),
        rpc_url=nullable(text("declared: the card's url or the a2a node's url")),
        rpc_url_override=NULLABLE_STRING,
        effective_rpc_url=nullable(text("what the emulator calls (override, else --rewrite)")),
        capabilities=obj(streaming=BOOLEAN, pushNotifications=BOOLEAN),
        skills=array({"type": "object"}),
        direct_channel_id=NULLABLE_ID,
        source=enum(("card", "workflow")),
        warnings=array(ref("Problem")),
        created_at=TIME,
    )
    s["ChannelAgentItem"] = {
        "allOf": [ref("Agent"), obj("membership", membership=enum(("direct", "added")))]
    }
    s["ChannelAgent"] = obj(
        "channel_id agent_id is_active agent",
        channel_id=ID,
        agent_id=ID,
        is_active=BOOLEAN,
        agent=ref("Agent"),
    )
    s["AgentTask"] = obj(
        "id agent_id channel_id message_id state states is_open method request_body pushes",
        id=ID,
        agent_id=ID,
        channel_id=ID,
        message_id=NULLABLE_ID,
        reply_message_id=NULLABLE_ID,
        state=text("an A2A task state, or failed for a call without a usable answer"),
        states=array(obj("state at", state=STRING, at=TIME)),
        is_open=BOOLEAN,
        method=enum(("message/send", "message/stream")),
        a2a_task_id=NULLABLE_STRING,
        request_body=text("as sent, with the push token and credentials masked"),
        response_body=NULLABLE_STRING,
        pushes=array(obj("at state body", at=TIME, state=STRING, body=STRING)),
        reason=NULLABLE_STRING,
        warnings=array(ref("Problem")),
        created_at=TIME,
        updated_at=TIME,
    )
    s["PushReceipt"] = obj(task_id=ID, state=STRING)
    s["InstallAgent"] = {
        **obj(card_url=url, base_url=url, card=document, workflow=document),
        "oneOf": [{"required": [key]} for key in ("card_url", "base_url", "card", "workflow")],
    }
    s["UpdateAgent"] = obj(
        additional=False,
        refetch=BOOLEAN,
        rpc_url={
            "description": 'An http(s) URL; "" or null clears the override.',
            "anyOf": [
                {"type": "string", "pattern": "^[hH][tT][tT][pP][sS]?://"},
                {"const": ""},
                {"type": "null"},
            ],
        },
        card_url=url,
        base_url=url,
        card=document,
        workflow=document,
    )
    s["ChannelAgentRequest"] = obj("is_active", is_active=BOOLEAN)
    s["AgentPush"] = {
        "type": "object",
        "description": 'A JSON-RPC response: {"jsonrpc": "2.0", "id": …, "result": <Task or '
        'Message>} or {"error": {code, message}}.',
    }
    for entity in ("Agent", "ChannelAgent", "PushReceipt"):
        s[f"{entity}Envelope"] = envelope_of(ref(entity))
    s["AgentListEnvelope"] = envelope_of(array(ref("Agent")))
    s["ChannelAgentListEnvelope"] = envelope_of(array(ref("ChannelAgentItem")))
    return s
