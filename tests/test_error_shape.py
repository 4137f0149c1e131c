"""Every error is a Telex envelope with a human message: no tracebacks, no HTML pages."""

from __future__ import annotations

import io

import pytest

from tests.conftest import Emulator

MISSING = "00000000-0000-0000-0000-000000000000"


def assert_envelope(data: dict, status: int) -> None:
    assert set(data) == {"status", "status_code", "message", "data"}, data
    assert data["status"] == "error"
    assert data["status_code"] == status
    assert data["message"]
    assert "Traceback" not in data["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/nope", None, 404),
        ("GET", f"/api/v1/organisations/{MISSING}", None, 404),
        ("GET", f"/api/v1/channels/{MISSING}", None, 404),
        ("GET", f"/api/v1/channels/{MISSING}/messages", None, 404),
        ("POST", f"/api/v1/channels/{MISSING}/messages", {"content": "hi"}, 404),
        ("DELETE", "/api/v1/organisations", None, 405),
        ("POST", "/api/v1/organisations", {}, 422),
        ("POST", "/api/v1/organisations", [1, 2], 400),
        ("POST", "/api/v1/channels", {"name": "x"}, 422),
        ("POST", "/api/v1/channels", {"name": "x", "organisation_id": MISSING}, 404),
        ("POST", f"/api/v1/organisations/{MISSING}/integrations/custom", {"json_url": "x"}, 404),
        ("GET", f"/api/v1/organisations/{MISSING}/integrations/custom/{MISSING}", None, 404),
        ("PUT", f"/api/v1/channels/{MISSING}/integrations/order", {"integration_ids": []}, 404),
        ("POST", f"/api/v1/organisations/{MISSING}/agents", {"base_url": "http://x"}, 404),
        ("GET", f"/api/v1/organisations/{MISSING}/agents/{MISSING}", None, 404),
        ("PUT", f"/api/v1/organisations/{MISSING}/agents/{MISSING}", {"rpc_url": None}, 404),
        ("PUT", f"/api/v1/channels/{MISSING}/agents/{MISSING}", {"is_active": True}, 404),
        ("PUT", f"/api/v1/channels/{MISSING}/agents/{MISSING}", [], 422),
        ("GET", f"/-/tasks/{MISSING}", None, 404),
        ("GET", "/-/tasks?state=done", None, 422),
        ("POST", f"/v1/a2a/webhooks/{MISSING}", {"jsonrpc": "2.0"}, 404),
    ],
)
async def test_errors_are_envelopes(
    emulator: Emulator, method: str, path: str, body: object, status: int
) -> None:
    response = await emulator.client.request(method, path, json=body)
    assert response.status == status
    assert response.content_type == "application/json"
    assert_envelope(await response.json(), status)


async def test_not_json_body(emulator: Emulator) -> None:
    response = await emulator.client.post("/api/v1/organisations", data=b"{nope")
    assert response.status == 400
    data = await response.json()
    assert_envelope(data, 400)
    assert "JSON" in data["message"]


async def test_body_over_limit_is_413(emulator: Emulator) -> None:
    big = b'{"name": "' + b"x" * (emulator.config.max_body_bytes + 10) + b'"}'
    response = await emulator.client.post("/api/v1/organisations", data=io.BytesIO(big))
    assert response.status == 413
    assert_envelope(await response.json(), 413)


async def test_bad_query_parameter(emulator: Emulator) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    response = await emulator.client.get(f"/api/v1/channels/{channel['id']}/messages?limit=abc")
    assert response.status == 400
    assert_envelope(await response.json(), 400)
