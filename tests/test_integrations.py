"""Installing integrations, the settings they are sent, and the events their changes publish."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from emulator.hub import Event
from tests import stubs
from tests.conftest import Emulator

CANNOT_CALL = "Telex cannot call this integration as published"


class TypedSetting(BaseModel):
    """A settings item as most Python integrations model it: `default: str`, required."""

    label: str
    type: str
    required: bool
    default: str


class TypedRequest(BaseModel):
    message: str
    settings: list[TypedSetting]


def typed_python_modifier() -> stubs.Reply:
    """Answers 422 (FastAPI's answer) unless every settings item fits `TypedSetting`."""

    async def reply(_request: web.Request, payload: Any) -> web.StreamResponse:
        try:
            TypedRequest.model_validate(payload)
        except ValidationError as exc:
            return web.json_response({"detail": exc.errors(include_url=False)}, status=422)
        return web.json_response({"message": payload["message"] + " [ok]", "status": "success"})

    return reply


async def test_settings_without_a_default_reach_a_typed_integration(
    emulator: Emulator, start_stub: Any
) -> None:
    # No declared default, no stored value: Telex still sends "default" (the empty string).
    stub = await start_stub(
        kind="modifier",
        target=typed_python_modifier(),
        settings=[
            {"label": "prefix", "type": "text", "required": False},
            {"label": "tone", "type": "dropdown", "required": True, "options": ["calm", "loud"]},
        ],
    )
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    installed = await emulator.install(org["id"], stub)
    await emulator.activate(org["id"], installed["id"], channel["id"])

    path = f"/api/v1/channels/{channel['id']}/messages"
    sent = (await emulator.call("POST", path, {"content": "hi"}, 201))["data"]

    [hop] = sent["trace"]
    assert (hop["outcome"], hop["status_code"]) == ("ok", 200), hop
    assert sent["content"].endswith(" [ok]")
    [body] = stub.bodies("/target")
    assert [s["default"] for s in body["settings"]] == ["", ""]


def silent_output_spec() -> dict[str, Any]:
    """An output whose target_url is empty: Telex could never deliver to it."""
    spec = stubs.Stub(kind="output", url="http://127.0.0.1:1").spec()
    spec["data"]["target_url"] = ""
    return spec


async def test_check_fails_what_telex_cannot_call_yet_it_installs(emulator: Emulator) -> None:
    spec = silent_output_spec()

    checked = await emulator.call("POST", "/-/check", {"spec": spec}, 200)
    org = await emulator.org()
    path = f"/api/v1/organisations/{org['id']}/integrations/custom"
    installed = (await emulator.call("POST", path, {"spec": spec}, 201))["data"]

    assert checked["ok"] is False
    assert checked["installable"] is True
    assert checked["app_name"] == "Stub output"
    [error] = checked["errors"]
    assert error["path"] == "$.data.target_url"
    assert CANNOT_CALL in error["message"]
    [warning] = [w for w in installed["warnings"] if w["path"] == "$.data.target_url"]
    assert warning["message"] == error["message"]
    assert "override it for this integration" in warning["hint"]


async def test_change_events_name_the_integration_and_the_channel(
    emulator: Emulator, start_stub: Any
) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    installed = await emulator.install(org["id"], await start_stub(kind="modifier"))
    events: list[Event] = []

    with emulator.services.hub.subscribe() as subscription:
        await emulator.activate(org["id"], installed["id"], channel["id"])
        order = {"integration_ids": [installed["id"]]}
        path = f"/api/v1/channels/{channel['id']}/integrations/order"
        await emulator.call("PUT", path, order, 200)
        async with asyncio.timeout(5):
            while len(events) < 2:
                event = await subscription.next()
                assert event is not None, "the hub dropped the subscription"
                if event.type == "integration.changed":
                    events.append(event)

    assert [e.data for e in events] == [
        {"integration_id": installed["id"], "channel_id": channel["id"], "what": "activation"},
        {"integration_id": None, "channel_id": channel["id"], "what": "order"},
    ]
