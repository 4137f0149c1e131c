"""Safety rails: API key on /api/v1 and /-/, loopback default, bounded bodies."""

from __future__ import annotations

from dataclasses import replace

from emulator.config import Config


def test_default_bind_is_loopback() -> None:
    assert Config().host == "127.0.0.1"


async def test_api_key_is_required_when_configured(config, make_emulator) -> None:
    emulator = await make_emulator(replace(config, api_key="s3cret"))

    refused = await emulator.client.get("/api/v1/organisations")
    assert refused.status == 401
    body = await refused.json()
    assert body["status"] == "error"
    assert "Bearer" in body["message"]
    wrong = await emulator.client.get("/-/deliveries", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401

    allowed = await emulator.client.get(
        "/api/v1/organisations", headers={"Authorization": "Bearer s3cret"}
    )
    assert allowed.status == 200
    # The static UI page is served without a key; its API calls need one.
    assert (await emulator.client.get("/")).status == 200
