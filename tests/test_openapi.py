"""The OpenAPI document tells the truth: same routes as routes.py, valid, and real
responses validate against the schemas it declares."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import jsonschema_rs
import pytest
from aiohttp import ClientResponse
from aiohttp.web import RouteDef
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from emulator.config import Config
from emulator.web import routes
from emulator.web.openapi import build
from tests.conftest import Emulator

DOC = build()
MISSING = "00000000-0000-0000-0000-000000000000"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def routed() -> set[tuple[str, str]]:
    """(METHOD, path) of every route but the UI's `/` and static files."""
    found = set()
    for prefix, table in (("/api/v1", routes.API), ("/-", routes.CONTROL), ("", routes.OPEN)):
        for route in table:
            if isinstance(route, RouteDef) and prefix + route.path != "/":
                found.add((route.method.upper(), prefix + route.path))
    return found


def documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in DOC["paths"].items()
        for method in item
        if method in METHODS
    }


def test_every_route_is_documented_and_nothing_else() -> None:
    assert sorted(routed() - documented()) == [], "routes missing from the OpenAPI document"
    assert sorted(documented() - routed()) == [], "documented operations with no route"


def test_document_is_valid_openapi_3_1() -> None:
    OPENAPI_31_VALIDATOR.validate(DOC)  # the official OAS 3.1 meta-schema


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    return []


def resolve(pointer: str) -> Any:
    assert pointer.startswith("#/"), pointer
    node: Any = DOC
    for part in pointer[2:].split("/"):
        node = node[part]
    return node


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in DOC["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_document_is_coherent() -> None:
    for pointer in all_refs(DOC):
        resolve(pointer)  # every $ref resolves
    ids = [op["operationId"] for _, _, op in operations()]
    assert len(ids) == len(set(ids)), "operationIds are unique"
    for path, method, op in operations():
        in_path = set(re.findall(r"\{(\w+)\}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert in_path == declared, (method, path)
        assert any(code.startswith("2") for code in op["responses"]), (method, path)
        for response in op["responses"].values():
            response = resolve(response["$ref"]) if "$ref" in response else response
            for media in response["content"].values():
                validator(media["schema"])  # every schema compiles
        if "requestBody" in op:
            assert {"400", "413"} <= set(op["responses"]), (method, path)


async def test_every_error_response_validates_a_real_answer(
    config: Config, make_emulator: Any
) -> None:
    """Each error response the document declares, provoked on a running emulator."""
    emulator = await make_emulator(replace(config, clock_mode="real", api_key="k"))
    auth = {"Authorization": "Bearer k"}
    too_big = b'{"name": "' + b"x" * (emulator.config.max_body_bytes + 10) + b'"}'
    provoked = {
        "BadRequest": ("POST", "/api/v1/organisations", {"json": [1], "headers": auth}),
        "Unauthorized": ("GET", "/api/v1/organisations", {}),
        "Forbidden": ("GET", "/-/events", {"headers": auth | {"Origin": "https://evil.example"}}),
        "NotFound": ("GET", f"/api/v1/organisations/{MISSING}", {"headers": auth}),
        "MethodNotAllowed": ("PATCH", "/api/v1/organisations", {"headers": auth}),
        "Conflict": ("POST", "/-/clock/advance", {"json": {"seconds": 1}, "headers": auth}),
        "PayloadTooLarge": (
            "POST",
            "/api/v1/organisations",
            {"data": io.BytesIO(too_big), "headers": auth},
        ),
        "ValidationFailed": ("POST", "/api/v1/organisations", {"json": {}, "headers": auth}),
    }
    assert sorted(provoked) == sorted(DOC["components"]["responses"])

    for name, (method, path, kwargs) in provoked.items():
        response = await emulator.client.request(method, path, **kwargs)
        body = await response.json()
        declared = DOC["components"]["responses"][name]
        schema = declared["content"][response.content_type]["schema"]
        errors = [str(e) for e in validator(schema).iter_errors(body)]
        assert errors == [], (name, response.status, errors[:3], body)
        assert body["status_code"] == response.status >= 400, (name, body)


async def test_served_document_is_the_built_one(emulator: Emulator) -> None:
    response = await emulator.client.get("/-/openapi.json")
    assert response.status == 200
    assert await response.json() == DOC


# -- real responses against their declared schemas -----------------------------------------


def validator(schema: dict[str, Any]) -> jsonschema_rs.Draft202012Validator:
    """A validator for a schema inside DOC (its #/components refs resolve)."""
    root = {"components": DOC["components"], "allOf": [schema]}
    return jsonschema_rs.Draft202012Validator(root, validate_formats=True)


def template_of(method: str, path: str) -> str:
    """The documented path template a concrete path matches."""
    for template, item in DOC["paths"].items():
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if method.lower() in item and re.match(pattern, path):
            return template
    raise AssertionError(f"{method} {path} is not documented")


class Checked:
    """Sends requests and checks each answer against the document."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.seen: set[tuple[str, str, int]] = set()

    async def __call__(
        self, method: str, path: str, body: Any = None, status: int | None = None, **kw: Any
    ) -> Any:
        response = await self.emulator.client.request(method, path, json=body, **kw)
        data = await response.json()
        if status is not None:
            assert response.status == status, (method, path, response.status, data)
        self.check(method, path, response, data)
        return data

    def check(self, method: str, path: str, response: ClientResponse, data: Any) -> None:
        template = template_of(method, path.split("?")[0])
        responses = DOC["paths"][template][method.lower()]["responses"]
        declared = responses.get(str(response.status))
        assert declared is not None, f"{method} {template} answered undocumented {response.status}"
        if "$ref" in declared:
            declared = resolve(declared["$ref"])
        schema = declared["content"][response.content_type]["schema"]
        errors = [str(e) for e in validator(schema).iter_errors(data)]
        assert errors == [], (method, path, response.status, errors[:3], data)
        self.seen.add((method, template, response.status))


async def test_real_responses_match_the_document(emulator: Emulator, start_stub: Any) -> None:
    call = Checked(emulator)
    interval_stub = await start_stub(
        kind="interval",
        settings=[{"label": "interval", "type": "text", "required": True, "default": "0 * * * *"}],
    )
    modifier_stub = await start_stub(kind="modifier")

    org = (await call("POST", "/api/v1/organisations", {"name": "Acme"}, 201))["data"]
    await call("POST", "/api/v1/organisations", {}, 422)
    await call("POST", "/api/v1/organisations", [1], 400)
    await call("GET", "/api/v1/organisations", status=200)
    await call("GET", f"/api/v1/organisations/{org['id']}", status=200)
    await call("GET", f"/api/v1/organisations/{MISSING}", status=404)
    body = {"name": "general", "organisation_id": org["id"], "description": "d"}
    channel = (await call("POST", "/api/v1/channels", body, 201))["data"]
    await call("POST", "/api/v1/channels", {"name": "x", "organisation_id": MISSING}, 404)
    await call("GET", f"/api/v1/organisations/{org['id']}/channels", status=200)
    await call("GET", f"/api/v1/channels/{channel['id']}", status=200)

    custom = f"/api/v1/organisations/{org['id']}/integrations/custom"
    interval = (await call("POST", custom, {"json_url": f"{interval_stub.url}/integration.json"}))[
        "data"
    ]
    modifier = (await call("POST", custom, {"spec": modifier_stub.spec()}, 201))["data"]
    await call("POST", custom, {"spec": {"data": {"integration_type": "nope"}}}, 422)
    await call("GET", custom, status=200)
    await call("GET", f"{custom}/{modifier['id']}", status=200)
    await call("PUT", f"{custom}/{modifier['id']}", {"target_url": ""}, 200)
    await call("PUT", f"{custom}/{modifier['id']}", {"nope": 1}, 422)
    await call("GET", f"{custom}/{interval['id']}/settings", status=200)
    await call("PUT", f"{custom}/{interval['id']}/settings", {"settings": {"interval": "x"}}, 422)
    await call("PUT", f"{custom}/{interval['id']}/settings", {"settings": {}}, 200)
    for integration in (interval, modifier):
        path = f"/api/v1/organisations/{org['id']}/integrations/{integration['id']}"
        await call("PUT", f"{path}/channels/{channel['id']}/settings", {"is_active": True}, 200)
    await call("PUT", f"{custom}/{modifier['id']}", {"target_url": f"{modifier_stub.url}/target"})
    channel_path = f"/api/v1/channels/{channel['id']}"
    await call("GET", f"{channel_path}/integrations", status=200)
    await call("GET", f"{channel_path}/integrations?include_inactive=true", status=200)
    await call("GET", f"{channel_path}/integrations?include_inactive=no", status=400)
    order = {"integration_ids": [modifier["id"]]}
    await call("PUT", f"{channel_path}/integrations/order", order, 200)
    await call("PUT", f"{channel_path}/integrations/order", {"integration_ids": [MISSING]}, 422)

    sent = (await call("POST", f"{channel_path}/messages", {"content": "hi"}, 201))["data"]
    assert len(sent["trace"]) == 1
    reply = {"content": "re", "thread_id": sent["id"], "username": "ada"}
    await call("POST", f"{channel_path}/messages", reply, 201)
    await call("POST", f"{channel_path}/messages", {"content": " "}, 422)
    await call("GET", f"{channel_path}/messages?limit=1&before={sent['id']}", status=200)
    await call("GET", f"{channel_path}/messages?limit=abc", status=400)

    tick = {"integration_id": interval["id"], "channel_id": channel["id"]}
    await call("POST", "/-/ticks", tick, 200)
    await call("POST", "/-/ticks", {"integration_id": MISSING, "channel_id": MISSING}, 404)
    await call("POST", "/-/ticks", {"integration_id": modifier["id"]} | tick, 200)
    await call("POST", "/-/ticks", {}, 422)
    await call("POST", "/-/clock/advance", {"seconds": 7200}, 200)
    await call("POST", "/-/clock/advance", {"seconds": -1}, 422)
    await call("GET", "/-/ticks", status=200)
    await call("GET", "/-/schedule", status=200)
    await call("GET", "/-/clock", status=200)
    await call("POST", "/-/drain", status=200)
    await call("GET", "/-/deliveries", status=200)
    await call("GET", f"/-/deliveries?kind=tick&channel_id={channel['id']}", status=200)

    webhook = {"message": "up", "username": "bot", "event_name": "check", "status": "success"}
    for path in ("/v1/webhooks", "/v1/return", "/api/v1/return", "/webhooks/feed"):
        verdict = await call("POST", f"{path}/{channel['id']}", webhook, 202)
        assert verdict["status_code"] == 202
    verdict = await call("POST", f"/v1/webhooks/{channel['id']}", {"message": "x"}, 202)
    assert verdict["status_code"] == 400
    await call("POST", f"/v1/webhooks/{MISSING}", webhook, 202)
    await call("GET", f"/v1/webhooks/{channel['id']}", status=202, params=webhook)
    await call("GET", "/-/returns", status=200)
    await call("GET", "/-/returns?correlation=nope", status=422)

    await call("POST", "/-/check", {"spec": modifier_stub.spec()}, 200)
    await call("POST", "/-/check", {"json_url": "file:///etc/passwd"}, 200)
    await call("POST", "/-/check", {}, 422)
    await call("GET", "/-/cron/preview", status=200, params={"expr": "*/5 * * * *", "count": 2})
    await call("GET", "/-/cron/preview", status=200, params={"expr": "@hourly"})
    await call("GET", "/-/events?types=nope", status=400)
    await call("GET", "/-/events", status=403, headers={"Origin": "https://evil.example"})
    await call("GET", "/-/health", status=200)
    await call("GET", "/-/ready", status=200)
    await call("GET", "/-/openapi.json", status=200)
    await call("POST", "/-/replay", {"channel_id": channel["id"], "limit": 5}, 200)
    await call("POST", "/-/replay", {"message_ids": [sent["id"]], "outputs": True}, 200)
    await call("POST", "/-/replay", {"tick_ids": [MISSING]}, 422)
    await call("POST", "/-/replay", {"channel_id": MISSING}, 404)
    await call("GET", "/-/replays", status=200)
    seed = {"organisations": [{"name": "Seeded", "channels": [{"name": "general"}]}]}
    await call("POST", "/-/seed", seed, 200)
    await call("POST", "/-/seed", {"organisations": [{}]}, 422)
    await call("POST", "/-/snapshots", {"name": "before"}, 201)
    await call("POST", "/-/snapshots", {}, 422)
    await call("GET", "/-/snapshots", status=200)
    await call("POST", "/-/snapshots/before/restore", status=200)
    await call("POST", "/-/snapshots/nope/restore", status=404)
    await call("DELETE", f"{custom}/{modifier['id']}", status=200)
    await call("DELETE", f"{custom}/{modifier['id']}", status=404)
    await call("POST", "/-/reset", status=200)
    assert len({(m, t) for m, t, _ in call.seen}) >= 41


async def test_body_over_the_limit_is_413_in_the_envelope(emulator: Emulator) -> None:
    call = Checked(emulator)
    big = b'{"name": "' + b"x" * (emulator.config.max_body_bytes + 10) + b'"}'
    for method, path in (
        ("POST", "/api/v1/organisations"),
        ("POST", "/api/v1/channels"),
        ("POST", "/-/check"),
    ):
        response = await emulator.client.request(method, path, data=io.BytesIO(big))
        assert response.status == 413
        call.check(method, path, response, await response.json())


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/nope"), ("PATCH", "/api/v1/organisations"), ("PUT", "/-/health")],
)
async def test_unknown_paths_and_methods_are_envelopes(
    emulator: Emulator, method: str, path: str
) -> None:
    response = await emulator.client.request(method, path)
    name = {404: "NotFound", 405: "MethodNotAllowed"}[response.status]
    schema = DOC["components"]["responses"][name]["content"]["application/json"]["schema"]
    validator(schema).validate(await response.json())
