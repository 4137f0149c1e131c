"""The Telex-compatible REST API against real stub integrations and a real SQLite file."""

from __future__ import annotations

from dataclasses import replace

from emulator.config import Rewrite
from tests import stubs
from tests.conftest import Emulator

NUMBER_AND_DROPDOWN = [
    {"label": "limit", "type": "number", "required": True, "default": "1000"},
    {
        "label": "mode",
        "type": "dropdown",
        "required": False,
        "default": "fast",
        "options": ["fast", "slow"],
    },
]


async def test_organisations_and_channels(emulator: Emulator) -> None:
    org = await emulator.org("Acme")
    channel = await emulator.channel(org["id"], "general")

    assert channel["webhook_url"] == f"{emulator.config.base_url()}/v1/webhooks/{channel['id']}"
    listed = await emulator.call("GET", f"/api/v1/organisations/{org['id']}/channels", status=200)
    assert listed["status"] == "success"
    assert [c["name"] for c in listed["data"]] == ["general"]
    fetched = await emulator.call("GET", f"/api/v1/channels/{channel['id']}", status=200)
    assert fetched["data"] == channel
    orgs = await emulator.call("GET", "/api/v1/organisations", status=200)
    assert [o["name"] for o in orgs["data"]] == ["Acme"]


async def test_install_by_url_keeps_spec_verbatim(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="modifier", settings=NUMBER_AND_DROPDOWN)
    org = await emulator.org()

    installed = await emulator.install(org["id"], stub)

    assert installed["integration_type"] == "modifier"
    assert installed["app_name"] == "Stub modifier"
    assert installed["spec"] == stub.spec()
    assert installed["json_url"] == f"{stub.url}/integration.json"
    assert installed["effective_target_url"] == f"{stub.url}/target"
    again = await emulator.call(
        "GET",
        f"/api/v1/organisations/{org['id']}/integrations/custom/{installed['id']}",
        status=200,
    )
    assert again["data"]["spec"] == stub.spec()


async def test_same_json_installs_in_two_organisations_with_own_settings(
    emulator: Emulator, start_stub
) -> None:
    stub = await start_stub(kind="output", settings=NUMBER_AND_DROPDOWN)
    first, second = await emulator.org("One"), await emulator.org("Two")
    a = await emulator.install(first["id"], stub)
    b = await emulator.install(second["id"], stub)

    await emulator.call(
        "PUT",
        f"/api/v1/organisations/{first['id']}/integrations/custom/{a['id']}/settings",
        {"settings": {"limit": 5}},
        status=200,
    )

    settings_b = await emulator.call(
        "GET",
        f"/api/v1/organisations/{second['id']}/integrations/custom/{b['id']}/settings",
        status=200,
    )
    assert settings_b["data"]["values"] == {}
    assert settings_b["data"]["effective"][0]["default"] == "1000"


async def test_settings_are_validated_by_type(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="modifier", settings=NUMBER_AND_DROPDOWN)
    org = await emulator.org()
    installed = await emulator.install(org["id"], stub)
    path = f"/api/v1/organisations/{org['id']}/integrations/custom/{installed['id']}/settings"

    bad = await emulator.call(
        "PUT", path, {"settings": {"limit": "lots", "mode": "warp", "nope": 1}}, status=422
    )
    assert bad["status"] == "error"
    paths = sorted(e["path"] for e in bad["data"]["errors"])
    assert len(paths) == 3
    assert all(e["hint"] for e in bad["data"]["errors"])

    good = await emulator.call(
        "PUT", path, {"settings": {"limit": "25", "mode": "slow"}}, status=200
    )
    effective = {item["label"]: item["default"] for item in good["data"]["effective"]}
    # "1000" was declared as a string, so the effective value stays a string.
    assert effective == {"limit": "25", "mode": "slow"}


async def test_interval_activation_needs_a_valid_cron(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(
        kind="interval",
        settings=[{"label": "interval", "type": "text", "required": True, "default": "Daily"}],
    )
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    installed = await emulator.install(org["id"], stub)
    assert any(
        "settings[0]" in w["path"] and "crontab" in w["message"] for w in installed["warnings"]
    )
    path = (
        f"/api/v1/organisations/{org['id']}/integrations/{installed['id']}"
        f"/channels/{channel['id']}/settings"
    )

    refused = await emulator.call("PUT", path, {"is_active": True}, status=422)
    assert "interval" in refused["message"]
    assert refused["data"]["errors"][0]["hint"]
    bad_value = await emulator.call(
        "PUT", path, {"is_active": True, "settings": {"interval": "60"}}, status=422
    )
    assert bad_value["data"]["errors"][0]["path"].endswith("interval")

    await emulator.call(
        "PUT", path, {"is_active": True, "settings": {"interval": "*/5 * * * *"}}, status=200
    )
    active = await emulator.call(
        "GET", f"/api/v1/channels/{channel['id']}/integrations", status=200
    )
    assert [i["id"] for i in active["data"]] == [installed["id"]]


async def test_modifier_chain_order(emulator: Emulator, start_stub) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    ids = []
    for _ in range(3):
        installed = await emulator.install(org["id"], await start_stub(kind="modifier"))
        await emulator.activate(org["id"], installed["id"], channel["id"])
        ids.append(installed["id"])
    path = f"/api/v1/channels/{channel['id']}/integrations"
    assert [i["id"] for i in (await emulator.call("GET", path, status=200))["data"]] == ids

    wanted = [ids[2], ids[0], ids[1]]
    ordered = await emulator.call("PUT", path + "/order", {"integration_ids": wanted}, status=200)
    assert [i["id"] for i in ordered["data"]] == wanted
    again = await emulator.call("GET", path, status=200)
    assert [i["id"] for i in again["data"]] == wanted

    unknown = await emulator.call("PUT", path + "/order", {"integration_ids": ["x"]}, status=422)
    assert unknown["data"]["errors"][0]["path"] == "integration_ids[0]"


async def test_inactive_activations_keep_and_show_their_channel_settings(
    emulator: Emulator, start_stub
) -> None:
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    paused = await emulator.install(
        org["id"], await start_stub(kind="modifier", settings=NUMBER_AND_DROPDOWN)
    )
    planned = await emulator.install(
        org["id"], await start_stub(kind="output", settings=NUMBER_AND_DROPDOWN)
    )
    await emulator.install(org["id"], await start_stub(kind="output"))  # never on the channel
    await emulator.activate(org["id"], paused["id"], channel["id"], {"limit": 7})
    await emulator.call("PUT", channel_settings(org, paused, channel), {"is_active": False}, 200)
    # Settings stored before the first activation are an inactive activation too.
    body = {"settings": {"mode": "slow"}}
    await emulator.call("PUT", channel_settings(org, planned, channel), body, 200)
    listing = f"/api/v1/channels/{channel['id']}/integrations"

    assert (await emulator.call("GET", listing, status=200))["data"] == []
    with_inactive = await emulator.call("GET", f"{listing}?include_inactive=true", status=200)
    everything = with_inactive["data"]
    assert [(row["id"], row["activation"]["is_active"]) for row in everything] == [
        (paused["id"], False),
        (planned["id"], False),
    ]
    assert [row["activation"]["settings"] for row in everything] == [
        {"limit": 7},
        {"mode": "slow"},
    ]

    back = {"is_active": True}
    again = await emulator.call("PUT", channel_settings(org, paused, channel), back, 200)
    assert again["data"]["settings"] == {"limit": 7}
    [active] = (await emulator.call("GET", listing, status=200))["data"]
    assert (active["id"], active["activation"]["is_active"]) == (paused["id"], True)
    assert active["activation"]["settings"] == {"limit": 7}

    refused = await emulator.call("GET", f"{listing}?include_inactive=yes", status=400)
    assert "include_inactive" in refused["message"]


def channel_settings(org: dict, integration: dict, channel: dict) -> str:
    return (
        f"/api/v1/organisations/{org['id']}/integrations/{integration['id']}"
        f"/channels/{channel['id']}/settings"
    )


async def test_url_override_and_rewrite(config, make_emulator, start_stub) -> None:
    stub = await start_stub(kind="output")
    stub_spec = stub.spec
    production = "https://my-output.onrender.com"
    stub.spec = lambda: {"data": stub_spec()["data"] | {"target_url": f"{production}/target"}}
    emulator = await make_emulator(replace(config, rewrites=(Rewrite(production, stub.url),)))
    org = await emulator.org()

    installed = await emulator.install(org["id"], stub)

    assert installed["target_url"] == f"{production}/target"
    assert installed["effective_target_url"] == f"{stub.url}/target"
    assert any(
        "onrender" in w["message"] or "production" in w["message"].lower()
        for w in installed["warnings"]
    )
    path = f"/api/v1/organisations/{org['id']}/integrations/custom/{installed['id']}"
    updated = await emulator.call("PUT", path, {"target_url": "http://127.0.0.1:9/x"}, status=200)
    assert updated["data"]["effective_target_url"] == "http://127.0.0.1:9/x"
    cleared = await emulator.call("PUT", path, {"target_url": ""}, status=200)
    assert cleared["data"]["effective_target_url"] == f"{stub.url}/target"
    refused = await emulator.call("PUT", path, {"target_url": "ftp://x"}, status=422)
    assert refused["data"]["errors"][0]["path"] == "target_url"


async def test_auth_callback_on_install(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="output")
    stub.extra = {"auth_callback": f"{stub.url}/auth"}
    org = await emulator.org()

    installed = await emulator.install(org["id"], stub)

    (body,) = await stub.wait_for("/auth")
    assert body["org_id"] == org["id"]
    assert body["api_key"].startswith("tlx_")
    await emulator.services.drain()
    log = await emulator.call(
        "GET", f"/-/deliveries?kind=auth_callback&integration_id={installed['id']}"
    )
    assert [d["outcome"] for d in log] == ["ok"]


async def test_install_rejects_bad_spec_with_hints(emulator: Emulator, start_stub) -> None:
    stub = await start_stub(kind="modifier")
    stub.spec = lambda: {"data": {"integration_type": "teleporter", "settings": "nope"}}
    org = await emulator.org()

    rejected = await emulator.call(
        "POST",
        f"/api/v1/organisations/{org['id']}/integrations/custom",
        {"json_url": f"{stub.url}/integration.json"},
        status=422,
    )

    assert rejected["status"] == "error"
    errors = rejected["data"]["errors"]
    assert {e["path"] for e in errors} >= {"$.data.integration_type", "$.data.settings"}
    assert all(e["hint"] for e in errors)
    listed = await emulator.call(
        "GET", f"/api/v1/organisations/{org['id']}/integrations/custom", status=200
    )
    assert listed["data"] == []


async def test_unreachable_json_url_says_which_url(emulator: Emulator) -> None:
    org = await emulator.org()
    url = "http://127.0.0.1:9/integration.json"
    rejected = await emulator.call(
        "POST",
        f"/api/v1/organisations/{org['id']}/integrations/custom",
        {"json_url": url},
        status=422,
    )
    assert url in rejected["message"] or url in rejected["data"]["errors"][0]["message"]


async def test_html_page_is_not_json(emulator: Emulator, aiohttp_server) -> None:
    from aiohttp import web

    app = web.Application()

    async def page(_request: web.Request) -> web.Response:
        return web.Response(
            text="<!doctype html><html><body>Hi</body></html>", content_type="text/html"
        )

    app.router.add_get("/", page)
    server = await aiohttp_server(app)
    result = await emulator.call("POST", "/-/check", {"json_url": str(server.make_url("/"))})
    assert not result["ok"]
    assert "HTML" in result["errors"][0]["message"]


async def test_check_inline_spec(emulator: Emulator) -> None:
    spec = stubs.Stub(kind="output", url="http://127.0.0.1:1").spec()
    result = await emulator.call("POST", "/-/check", {"spec": spec})
    assert result["ok"]
    assert result["integration_type"] == "output"


async def test_delete_integration(emulator: Emulator, start_stub) -> None:
    org = await emulator.org()
    installed = await emulator.install(org["id"], await start_stub(kind="output"))
    path = f"/api/v1/organisations/{org['id']}/integrations/custom/{installed['id']}"
    await emulator.call("DELETE", path, status=200)
    gone = await emulator.call("GET", path, status=404)
    assert installed["id"] in gone["message"]


async def test_an_emulator_started_on_port_0_knows_its_port(config, make_emulator) -> None:
    # The fixture binds the socket itself and reads the port back (never bind, release,
    # then bind again: another process may take the port in between).
    emulator = await make_emulator(replace(config, port=0))

    assert emulator.config.port == emulator.client.port != 0
    assert emulator.services.config.port == emulator.client.port  # return_url names it


async def test_data_survives_restart(config, make_emulator, start_stub) -> None:
    first = await make_emulator(config)
    org = await first.org()
    channel = await first.channel(org["id"])
    await first.client.close()

    second = await make_emulator(replace(config, port=config.port))
    fetched = await second.call("GET", f"/api/v1/channels/{channel['id']}", status=200)
    assert fetched["data"]["name"] == "general"


async def test_reset_deletes_everything(emulator: Emulator) -> None:
    org = await emulator.org()
    await emulator.call("POST", "/-/reset", status=200)
    await emulator.call("GET", f"/api/v1/organisations/{org['id']}", status=404)
