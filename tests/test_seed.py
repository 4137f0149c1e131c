"""Seed files: applied idempotently (keyed by names) and atomically (an error changes nothing)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.config import Config
from emulator.seed.files import SeedFileUnreadable, load_seed_file
from tests import stubs
from tests.conftest import Emulator, closed_port

INTERVAL = [{"label": "interval", "type": "text", "required": True, "default": "*/5 * * * *"}]
MODE = [{"label": "mode", "type": "dropdown", "options": ["upper", "lower"], "default": "upper",
         "required": False}]  # fmt: skip


def seed_of(modifier: stubs.Stub, interval: stubs.Stub, **changes: Any) -> dict[str, Any]:
    spec = interval.spec()
    spec["data"]["settings"] = [INTERVAL[0] | {"required": "true"}]  # a linter warning
    return {
        "version": 1,
        "organisations": [
            {
                "name": "Acme",
                "integrations": [
                    {"name": "shout", "json_url": f"{modifier.url}/integration.json"},
                    {
                        "name": "monitor",
                        "spec": spec,
                        "settings": changes.get("org_settings", {"interval": "*/10 * * * *"}),
                    },
                ],
                "channels": [
                    {
                        "name": "general",
                        "description": changes.get("description", "talk"),
                        "integrations": [
                            {"name": "monitor"},
                            {"name": "shout", "settings": {"mode": "lower"}},
                        ],
                    }
                ],
            }
        ],
    }


async def stubs_for(start_stub: Any) -> tuple[stubs.Stub, stubs.Stub]:
    modifier = await start_stub(target=stubs.reply_upper(), settings=MODE)
    interval = await start_stub(kind="interval", settings=INTERVAL)
    return modifier, interval


async def test_a_seed_builds_the_world_and_twice_changes_nothing(
    emulator: Emulator, start_stub: Any
) -> None:
    modifier, interval = await stubs_for(start_stub)
    report = await emulator.call("POST", "/-/seed", seed_of(modifier, interval), 200)
    assert report["created"] == [
        "organisation:Acme",
        "integration:shout",
        "integration:monitor",
        "channel:Acme/general",
        "activation:general/monitor",
        "activation:general/shout",
    ]
    (org,) = (await emulator.call("GET", "/api/v1/organisations", status=200))["data"]
    (channel,) = (
        await emulator.call("GET", f"/api/v1/organisations/{org['id']}/channels", status=200)
    )["data"]
    active = (
        await emulator.call("GET", f"/api/v1/channels/{channel['id']}/integrations", status=200)
    )["data"]
    assert [item["integration_type"] for item in active] == ["interval", "modifier"]
    assert active[1]["activation"]["settings"] == {"mode": "lower"}
    schedule = await emulator.call("GET", "/-/schedule", status=200)
    assert [item["interval"] for item in schedule] == ["*/10 * * * *"]
    sent = await emulator.call(
        "POST", f"/api/v1/channels/{channel['id']}/messages", {"content": "hi"}, 201
    )
    assert sent["data"]["content"] == "<P>HI</P>"  # the seeded modifier runs

    assert report["warnings"], "the stub specs draw linter warnings"  # placed in the file:
    (warning,) = report["warnings"]
    assert warning["path"] == "$.organisations[0].integrations[1].spec"
    assert "$.data.settings[0].required" in warning["message"]
    again = await emulator.call("POST", "/-/seed", seed_of(modifier, interval), 200)
    assert again["created"] == []
    assert again["updated"] == []
    assert again["unchanged"] == 6

    changed = seed_of(modifier, interval, description="new", org_settings={"interval": "0 * * * *"})
    changed["organisations"][0]["channels"][0]["integrations"][1]["settings"] = {"mode": "upper"}
    third = await emulator.call("POST", "/-/seed", changed, 200)
    assert third["updated"] == [
        "integration:monitor",
        "channel:Acme/general",
        "activation:general/shout",
    ]
    active = (
        await emulator.call("GET", f"/api/v1/channels/{channel['id']}/integrations", status=200)
    )["data"]
    assert active[1]["activation"]["settings"] == {"mode": "upper"}
    schedule = await emulator.call("GET", "/-/schedule", status=200)
    assert [item["interval"] for item in schedule] == ["0 * * * *"]


async def test_a_bad_seed_changes_nothing_and_names_every_problem(
    emulator: Emulator, start_stub: Any
) -> None:
    modifier, interval = await stubs_for(start_stub)
    bad = seed_of(modifier, interval, org_settings={"interval": "every hour"})
    organisation = bad["organisations"][0]
    organisation["channels"][0]["integrations"][1]["settings"] = {"mode": "sideways"}
    organisation["channels"][0]["integrations"].append({"name": "ghost"})
    with closed_port() as port:
        organisation["integrations"].append(
            {"name": "later", "json_url": f"http://127.0.0.1:{port}/integration.json"}
        )
        answer = await emulator.call("POST", "/-/seed", bad, 422)
    paths = [error["path"] for error in answer["data"]["errors"]]
    assert "$.organisations[0].channels[0].integrations[2].name" in paths  # ghost
    answer_2 = await emulator.call("POST", "/-/seed", {**bad, "colour": 1}, 422)
    assert "$.colour" in [e["path"] for e in answer_2["data"]["errors"]]
    assert all(error["hint"] for error in answer["data"]["errors"])
    assert (await emulator.call("GET", "/api/v1/organisations", status=200))["data"] == []

    del organisation["channels"][0]["integrations"][2]
    with closed_port() as port:
        organisation["integrations"][2]["json_url"] = f"http://127.0.0.1:{port}/integration.json"
        answer = await emulator.call("POST", "/-/seed", bad, 422)
    by_path = {error["path"]: error for error in answer["data"]["errors"]}
    unreachable = by_path["$.organisations[0].integrations[2].json_url"]
    assert f"127.0.0.1:{port}" in unreachable["message"]
    assert "$.organisations[0].integrations[1].settings.interval" in by_path
    assert "$.organisations[0].channels[0].integrations[1].settings.mode" in by_path
    assert (await emulator.call("GET", "/api/v1/organisations", status=200))["data"] == []


async def test_agents_are_an_extension_point_for_now(emulator: Emulator) -> None:
    body = {"organisations": [{"name": "A", "agents": [{"name": "helper"}]}]}
    answer = await emulator.call("POST", "/-/seed", body, 422)
    assert answer["data"]["errors"][0]["path"] == "$.organisations[0].agents"


async def test_serve_applies_seed_files_at_start(
    config: Config, make_emulator: Any, start_stub: Any, tmp_path: Path
) -> None:
    modifier, interval = await stubs_for(start_stub)
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed_of(modifier, interval)))
    emulator = await make_emulator(replace(config, seed_files=(str(path),)))
    organisations = (await emulator.call("GET", "/api/v1/organisations", status=200))["data"]
    assert [org["name"] for org in organisations] == ["Acme"]


def test_seed_files_name_their_syntax_errors(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text("organisations:\n  - name: A\n   channels: []\n")
    with pytest.raises(SeedFileUnreadable) as caught:
        load_seed_file(path)
    assert "line 3" in caught.value.finding.message
    broken = tmp_path / "seed.json"
    broken.write_text("{")
    with pytest.raises(SeedFileUnreadable, match="not valid JSON"):
        load_seed_file(broken)
