"""Secret-looking settings: sent intact to integrations, masked in every log of requests.

Design (emulator/masking.py): the delivery log (`/-/deliveries`, `delivery.finished`,
the UI's delivery viewer) keeps request bodies with each secret setting's value replaced
by MASK; the settings API keeps the values, since their owner edits them there, and the
UI shows them in a password field (tests/browser/test_secrets_ui.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from emulator.masking import MASK, mask_body, mask_request_body
from emulator.spec import model
from tests import stubs
from tests.conftest import Emulator, replace

SETTINGS_FORM_JS = (
    Path(__file__).resolve().parents[1] / "emulator" / "web" / "static" / "js" / "settings-form.js"
)

SECRET_SETTINGS = [
    {"label": "API Key", "type": "text", "required": True, "default": ""},
    {"label": "github_token", "type": "text", "required": False, "default": "ghp_declared"},
    {"label": "Password", "type": "text_area", "required": False},
    {"label": "retries", "type": "number", "required": False, "default": 3},
    {"label": "Auth enabled", "type": "checkbox", "required": False, "default": True},
    {"label": "channel name", "type": "text", "required": False, "default": "general"},
]
INTERVAL = {"label": "interval", "type": "text", "required": True, "default": "* * * * *"}


def body_with(settings: list[dict[str, Any]]) -> str:
    """A message body as the emulator encodes it (outbound.post_json)."""
    body = {"message": "<p>hi</p>", "channel_id": "c", "settings": settings}
    return json.dumps(body, ensure_ascii=False)


# -- the pure function -------------------------------------------------------------------


def test_secret_values_are_masked_and_the_rest_is_kept() -> None:
    settings = [
        {"label": "API Key", "type": "text", "default": "sk-live-123", "required": True},
        {"label": "apiKey", "type": "text", "default": "k2", "required": False},
        {"label": "Sentry DSN", "type": "text", "default": "https://k@sentry.io/1"},
        {"label": "pin token", "type": "number", "default": 4242},
        {"label": "Keywords", "type": "text", "default": "urgent"},
        {"label": "Auth", "type": "checkbox", "default": True},
        {"label": "Secret", "type": "text", "default": ""},
        {"label": "private key", "type": "text"},
    ]
    masked = json.loads(mask_request_body(body_with(settings)))

    assert [item.get("default") for item in masked["settings"]] == [
        MASK,
        MASK,
        MASK,
        MASK,
        "urgent",  # not a secret label
        True,  # a boolean says nothing about a secret
        "",  # "not set" stays visible: the usual reason an integration fails
        None,  # no default sent: nothing to mask, and no key added
    ]
    assert "default" not in masked["settings"][-1]
    # Everything else is untouched: keys, their order, the other fields.
    assert [list(item) for item in masked["settings"]] == [list(item) for item in settings]
    assert masked["message"] == "<p>hi</p>"


def test_nothing_to_mask_gives_the_same_text() -> None:
    plain = body_with([{"label": "Keywords", "default": "sk-live-123"}])
    assert mask_request_body(plain) is plain
    for text in ("", "not json", "[1, 2]", '{"settings": "x"}', '{"label": "token"}'):
        assert mask_request_body(text) == text
    body = {"settings": [{"label": "limit", "default": 3}]}
    assert mask_body(body) is body


def test_masked_text_is_encoded_as_it_was_sent() -> None:
    settings = [{"label": "token", "default": "t-ü-1"}, {"label": "note", "default": "ü"}]
    masked = mask_request_body(body_with(settings))
    expected = body_with([{"label": "token", "default": MASK}, {"label": "note", "default": "ü"}])
    assert masked == expected


def test_escaped_labels_are_still_found() -> None:
    # A tab inside a label is escaped in JSON text: the cheap pre-check must decode it.
    text = body_with([{"label": "API\tKey", "default": "sk-1"}])
    assert "\\t" in text
    assert json.loads(mask_request_body(text))["settings"][0]["default"] == MASK


def test_the_ui_uses_the_same_secret_words() -> None:
    """settings-form.js copies the word list of spec.model.is_secret_label."""
    source = SETTINGS_FORM_JS.read_text()
    listed = re.search(r"const SECRET_WORDS = new Set\(\[(.*?)\]\)", source, re.S)
    assert listed is not None
    assert set(re.findall(r'"([a-z]+)"', listed.group(1))) == set(model._SECRET_WORDS)


# -- through the emulator ----------------------------------------------------------------


async def test_secrets_reach_the_integration_and_are_masked_in_the_log(
    emulator: Emulator, start_stub
) -> None:
    modifier = await start_stub(
        kind="modifier", target=stubs.reply_upper(), settings=SECRET_SETTINGS
    )
    output = await start_stub(kind="output", settings=SECRET_SETTINGS)
    interval = await start_stub(kind="interval", settings=[INTERVAL, *SECRET_SETTINGS])
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    ids = {}
    for name, stub in (("modifier", modifier), ("output", output), ("interval", interval)):
        ids[name] = (await emulator.install(org["id"], stub))["id"]
        settings_path = (
            f"/api/v1/organisations/{org['id']}/integrations/custom/{ids[name]}/settings"
        )
        await emulator.call("PUT", settings_path, {"settings": {"API Key": "sk-org-111"}}, 200)
        # A channel override, and the organisation value under it.
        await emulator.activate(org["id"], ids[name], channel["id"], {"Password": "hunter2"})

    path = f"/api/v1/channels/{channel['id']}/messages"
    with emulator.services.hub.subscribe() as events:
        sent = (await emulator.call("POST", path, {"content": "hi"}, 201))["data"]
        body = {"integration_id": ids["interval"], "channel_id": channel["id"]}
        await emulator.call("POST", "/-/ticks", body, 200)
        await emulator.services.drain()
        published = []
        while not events.queue.empty():
            event = await events.next()
            assert event is not None
            published.append(event)
    assert sent["content"] == "<P>HI</P>"  # the modifier ran on the real request

    # Every integration got the real values.
    received = [
        *(await modifier.wait_for("/target")),
        *(await output.wait_for("/target")),
        *(await interval.wait_for("/tick")),
    ]
    for request in received:
        values = {item["label"]: item.get("default") for item in request["settings"]}
        assert values["API Key"] == "sk-org-111"
        assert values["Password"] == "hunter2"
        assert values["github_token"] == "ghp_declared"
        assert values["retries"] == 3
        assert values["channel name"] == "general"

    # The log shows none of them: /-/deliveries and every delivery.finished event.
    rows = await emulator.call("GET", f"/-/deliveries?channel_id={channel['id']}", status=200)
    assert sorted(row["kind"] for row in rows) == ["modifier", "output", "tick"]
    views = [rows, [e.data for e in published if e.type == "delivery.finished"]]
    assert len(views[1]) == 3
    for view in views:
        text = json.dumps(view)
        for secret in ("sk-org-111", "hunter2", "ghp_declared"):
            assert secret not in text
        for row in view:
            logged = json.loads(row["request_body"])["settings"]
            values = {item["label"]: item.get("default") for item in logged}
            assert values["API Key"] == values["Password"] == values["github_token"] == MASK
            assert values["retries"] == 3
            assert values["Auth enabled"] is True

    # The settings API keeps the values: their owner edits them there.
    settings_path = (
        f"/api/v1/organisations/{org['id']}/integrations/custom/{ids['output']}/settings"
    )
    stored = (await emulator.call("GET", settings_path, status=200))["data"]
    assert "sk-org-111" in json.dumps(stored)


@pytest.mark.parametrize("as_strings", [False, True])
async def test_masking_follows_the_compatibility_switch(
    config, make_emulator, start_stub, as_strings: bool
) -> None:
    """With --settings-as-strings a number secret is sent as text; it is masked either way."""
    emulator = await make_emulator(replace(config, settings_as_strings=as_strings))
    output = await start_stub(
        kind="output", settings=[{"label": "pin token", "type": "number", "default": 1234}]
    )
    org = await emulator.org()
    channel = await emulator.channel(org["id"])
    installed = await emulator.install(org["id"], output)
    await emulator.activate(org["id"], installed["id"], channel["id"])
    await emulator.call("POST", f"/api/v1/channels/{channel['id']}/messages", {"content": "x"}, 201)

    (request,) = await output.wait_for("/target")
    assert request["settings"][0]["default"] == ("1234" if as_strings else 1234)
    await emulator.services.drain()
    (row,) = await emulator.call("GET", f"/-/deliveries?channel_id={channel['id']}", status=200)
    assert json.loads(row["request_body"])["settings"][0]["default"] == MASK
