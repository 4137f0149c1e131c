"""emulator.testing: EmulatorServer and the clients, against real servers and stubs."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

import aiohttp
import pytest
from aiohttp import web

from emulator.config import Rewrite
from emulator.testing import (
    AsyncTelexClient,
    EmulatorServer,
    Message,
    Record,
    TelexAPIError,
    TelexClient,
)
from emulator.testing.events import sse_events as _sse
from tests import stubs

INTERVAL = [{"label": "interval", "type": "text", "required": True, "default": "* * * * *"}]


def get_json(url: str) -> Any:
    with urlopen(url, timeout=5) as response:
        return json.load(response)


def emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("telex-emulator")]


def spec(kind: str = "modifier", target_url: str = "", tick_url: str = "") -> dict[str, Any]:
    return {
        "data": {
            "descriptions": {"app_name": f"Inline {kind}"},
            "integration_type": kind,
            "integration_category": "Task Automation",
            "settings": INTERVAL if kind == "interval" else [],
            "target_url": target_url,
            "tick_url": tick_url,
        }
    }


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as running:
        yield running


@pytest.fixture(scope="module")
def shared_client(server: EmulatorServer) -> Iterator[TelexClient]:
    with server.client() as client:
        yield client


@pytest.fixture
def client(shared_client: TelexClient) -> TelexClient:
    shared_client.reset()
    return shared_client


@pytest.fixture
async def aclient(server: EmulatorServer) -> AsyncIterator[AsyncTelexClient]:
    async with server.async_client() as client:
        await client.reset()
        yield client


# -- EmulatorServer ----------------------------------------------------------------------


def test_server_runs_on_its_own_thread_and_cleans_up() -> None:
    before = set(emulator_threads())
    server = EmulatorServer()
    with server:
        assert server.config is not None
        db = Path(server.config.db_path)
        assert db.exists()
        assert server.url == f"http://127.0.0.1:{server.config.port}"
        assert server.config.clock_mode == "virtual"
        assert get_json(f"{server.url}/-/health") == {"status": "ok"}
        assert get_json(f"{server.url}/-/clock")["mode"] == "virtual"
        assert len(set(emulator_threads()) - before) == 1
    assert set(emulator_threads()) == before
    assert not db.parent.exists()
    with pytest.raises(URLError):
        get_json(f"{server.url}/-/health")
    server.stop()  # stopping twice is harmless


def test_webhook_urls_name_the_real_port(client: TelexClient, server: EmulatorServer) -> None:
    channel = client.channel("general")

    assert channel.webhook_url == f"{server.url}/v1/webhooks/{channel.id}"


def test_any_config_field_is_an_option(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    rewrite = {"https://app.onrender.com": "http://127.0.0.1:9"}
    with EmulatorServer(
        db_path=db, clock_mode="real", returns_mode="lenient", rewrites=rewrite
    ) as server:
        assert server.config is not None
        assert server.config.rewrites == (
            Rewrite("https://app.onrender.com", "http://127.0.0.1:9"),
        )
        assert server.config.returns_mode == "lenient"
        assert get_json(f"{server.url}/-/clock")["mode"] == "real"
    assert db.exists()  # a db_path of your own is kept


def test_api_key_is_sent_by_the_clients() -> None:
    with EmulatorServer(api_key="s3cret") as server:
        with server.client() as telex:
            channel = telex.channel("general")
            telex.send(channel, "<p>hi</p>")
            assert telex.wait_for_message(channel, "hi").content == "<p>hi</p>"
        with TelexClient(server.url) as stranger, pytest.raises(TelexAPIError, match="401"):
            stranger.channel("general")


def test_unknown_option_names_the_fields() -> None:
    with pytest.raises(TypeError, match=r"unknown emulator option\(s\) clock_speed.*clock_mode"):
        EmulatorServer(clock_speed=2)


async def test_async_with_and_acall_leave_the_callers_loop_free(
    aiohttp_server: Any,
) -> None:
    async def hello(_request: web.Request) -> web.Response:
        return web.json_response({"served_on": threading.current_thread().name})

    app = web.Application()
    app.router.add_get("/", hello)
    local = await aiohttp_server(app, host="127.0.0.1")  # served by this test's loop

    async def fetch_from_the_emulator_loop() -> tuple[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(str(local.make_url("/"))) as r:
            return threading.current_thread().name, await r.json()

    async with EmulatorServer() as server:
        thread, answer = await server.acall(fetch_from_the_emulator_loop())

    assert thread.startswith("telex-emulator")
    assert answer == {"served_on": threading.current_thread().name}


def test_call_runs_on_the_server_loop(server: EmulatorServer) -> None:
    async def now() -> str:
        return server.services.clock.mode

    assert server.call(now()) == "virtual"


# -- the clients: REST and control API ---------------------------------------------------


def test_records_read_as_attributes_and_stay_dicts() -> None:
    record = Record({"id": "x", "nested": {"a": 1}})
    assert record.id == "x"
    assert record == {"id": "x", "nested": {"a": 1}}
    with pytest.raises(AttributeError, match="has no field 'name'; it has: id, nested"):
        _ = record.name


def test_default_organisation_is_created_once(client: TelexClient) -> None:
    general = client.channel("general")
    random = client.channel("random")
    other = client.organisation("Other")

    assert general.organisation_id == random.organisation_id == client.organisation().id
    assert other.id != general.organisation_id
    assert [o.name for o in client.request("GET", "/api/v1/organisations")] == [
        "Test organisation",
        "Other",
    ]
    elsewhere = client.channel("elsewhere", org=other)
    assert elsewhere.organisation_id == other.id


def test_reset_deletes_everything(client: TelexClient) -> None:
    client.channel("general")

    client.reset()

    assert client.request("GET", "/api/v1/organisations") == []
    assert client.channel("again").organisation_id == client.organisation().id


def test_send_returns_the_stored_message(client: TelexClient) -> None:
    channel = client.channel("general")

    sent = client.send(channel, "<p>hello</p>", username="ada")
    reply = client.send(channel["id"], "<p>reply</p>", thread_id=sent)

    assert isinstance(sent, Message)
    assert sent.message == sent.content == "<p>hello</p>"
    assert sent.username == "ada"
    assert sent.trace == []
    assert reply.thread_id == sent.id
    assert [m.content for m in client.messages(channel)] == ["<p>hello</p>", "<p>reply</p>"]


def test_errors_carry_the_emulator_message_and_errors(client: TelexClient) -> None:
    with pytest.raises(TelexAPIError) as caught:
        client.install(spec={"data": {"integration_type": "bogus"}})

    error = caught.value
    assert error.status_code == 422
    assert error.errors[0]["path"] == "$.data.integration_type"
    text = str(error)
    assert text.startswith("POST /api/v1/organisations/")
    assert "answered 422: the integration JSON from inline spec cannot be used" in text
    assert '- $.data.integration_type: integration_type "bogus"' in text
    assert '(hint: Set "integration_type" to one of' in text

    with pytest.raises(TelexAPIError, match="answered 404"):
        client.send("no-such-channel", "hi")


def test_install_inline_spec_with_rewrite(client: TelexClient) -> None:
    production = spec("output", target_url="https://my-app.onrender.com/hook")

    installed = client.install(
        production, rewrite={"https://my-app.onrender.com": "http://127.0.0.1:9"}
    )

    assert installed.target_url == "https://my-app.onrender.com/hook"
    assert installed.target_url_override == "http://127.0.0.1:9/hook"
    assert installed.effective_target_url == "http://127.0.0.1:9/hook"
    with pytest.raises(ValueError, match="matches neither target_url"):
        client.install(spec=production, rewrite="https://elsewhere.example=http://127.0.0.1:9")
    with pytest.raises(TypeError, match="one of them"):
        client.install()


def test_settings_and_activation_take_entities_or_ids(client: TelexClient) -> None:
    channel = client.channel("general")
    interval = client.install(spec=spec("interval", tick_url="http://127.0.0.1:9/tick"))

    client.settings(interval, {"interval": "*/5 * * * *"})
    activation = client.activate(interval["id"], channel["id"], {"interval": "0 * * * *"})

    assert activation.is_active is True
    assert activation.settings == {"interval": "0 * * * *"}
    with pytest.raises(TelexAPIError, match="answered 422"):
        client.settings(interval, {"interval": "Daily"})
    assert client.deactivate(interval, channel).is_active is False


def test_check_lints_without_installing(client: TelexClient) -> None:
    result = client.check(spec=spec("output", target_url="#"))

    # Telex could not deliver to "#": an error to check, though the emulator would install it
    assert (result.ok, result.installable) == (False, True)
    assert result.errors[0]["path"] == "$.data.target_url"
    assert (
        client.request(
            "GET", f"/api/v1/organisations/{client.organisation().id}/integrations/custom"
        )
        == []
    )


def test_advance_needs_seconds_or_until(client: TelexClient) -> None:
    with pytest.raises(TypeError, match="one of them"):
        client.advance()


class ChunkedStream:
    """Stands in for a response body: yields its bytes in awkward pieces."""

    def __init__(self, data: bytes, size: int) -> None:
        self.chunks = [data[i : i + size] for i in range(0, len(data), size)]

    async def iter_any(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


async def test_sse_parser_handles_split_chunks_comments_and_crlf() -> None:
    stream = (
        b"retry: 2000\n: connected\n\n"
        b'event: message.created\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'
        b"data: plain\n\ndata: unfinished"
    )
    reader = ChunkedStream(stream, 7)

    events = [event async for event in _sse(reader)]

    assert events == [("message.created", '{"a":\n1}'), ("message", "plain")]


# -- with real integrations (needs the fan-out) ------------------------------------------


async def test_modifier_chain_shows_in_the_trace(aclient: AsyncTelexClient, start_stub) -> None:
    stub = await start_stub(kind="modifier", target=stubs.reply_upper())
    channel = await aclient.channel("general")
    integration = await aclient.install(f"{stub.url}/integration.json")
    await aclient.activate(integration, channel)

    sent = await aclient.send(channel, "<p>hi</p>")

    assert sent.message == "<P>HI</P>"
    assert sent.original_content == "<p>hi</p>"
    [hop] = sent.trace
    assert hop.integration_id == integration.id
    assert hop.app_name == "Stub modifier"
    assert (hop.content_before, hop.content_after) == ("<p>hi</p>", "<P>HI</P>")
    assert hop.status_code == 200


async def test_deliveries_include_in_flight_outputs(aclient: AsyncTelexClient, start_stub) -> None:
    stub = await start_stub(kind="output", target=stubs.reply_text("ok", 202))
    channel = await aclient.channel("general")
    integration = await aclient.install(f"{stub.url}/integration.json")
    await aclient.activate(integration, channel)

    sent = await aclient.send(channel, "<p>out</p>")
    delivered = await aclient.deliveries(channel=channel, kind="output")

    assert [(d.integration_id, d.message_id, d.outcome) for d in delivered] == [
        (integration.id, sent.id, "ok")
    ]
    assert stub.bodies("/target")[0]["message"] == "<p>out</p>"


# -- wait_for_message (needs GET /-/events) ----------------------------------------------


async def test_wait_for_message_finds_stored_and_coming_messages(
    aclient: AsyncTelexClient,
) -> None:
    channel = await aclient.channel("general")
    await aclient.send(channel, "<p>first</p>")

    stored = await aclient.wait_for_message(channel, "first")
    coming = asyncio.create_task(
        aclient.wait_for_message(channel, lambda m: m.username == "ada", timeout=5)
    )
    await aclient.send(channel, "<p>second</p>", username="ada")

    assert stored.content == "<p>first</p>"
    assert (await coming).content == "<p>second</p>"


async def test_wait_for_message_sees_webhook_posts(aclient: AsyncTelexClient) -> None:
    channel = await aclient.channel("general")
    waiting = asyncio.create_task(aclient.wait_for_message(channel, "disk"))
    body = {"message": "disk 91%", "username": "monitor", "event_name": "disk", "status": "warning"}
    async with aiohttp.ClientSession() as session:
        async with session.post(channel.webhook_url, json=body) as response:
            assert response.status == 202

    message = await waiting

    assert (message.source, message.username) == ("webhook", "monitor")


def test_wait_for_message_timeout_lists_what_arrived(client: TelexClient) -> None:
    channel = client.channel("general")
    client.send(channel, "<p>ping</p>", username="ada")

    with pytest.raises(AssertionError) as caught:
        client.wait_for_message(channel, "pong", timeout=0.2)

    text = str(caught.value)
    assert text.startswith(
        f"no message containing 'pong' arrived in channel 'general' ({channel.id}) within 0.2 s."
    )
    assert "Messages in the channel (1):\n  - [user 'ada'] <p>ping</p>" in text


def test_wait_for_message_timeout_on_an_empty_channel(client: TelexClient) -> None:
    channel = client.channel("quiet")

    with pytest.raises(AssertionError, match="The channel has no messages"):
        client.wait_for_message(channel["id"], lambda m: True, timeout=0.1)


# -- ticks, the virtual clock, returns (needs the scheduler) -----------------------------


async def test_tick_and_return_round_trip(aclient: AsyncTelexClient, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=INTERVAL)
    channel = await aclient.channel("general")
    integration = await aclient.install(f"{stub.url}/integration.json")
    await aclient.activate(integration, channel)

    tick = await aclient.tick(integration, channel)
    [body] = stub.bodies("/tick")
    async with aiohttp.ClientSession() as session:
        answer = {
            "message": "all up",
            "username": "Uptime",
            "event_name": "check",
            "status": "success",
        }
        async with session.post(body["return_url"], json=answer) as response:
            assert response.status == 202

    assert body["return_url"] == channel.webhook_url
    assert (await aclient.wait_for_message(channel, "all up")).source == "webhook"
    [received] = await aclient.returns(channel=channel)
    assert received.tick_id == tick.id
    assert received.correlation == "matched"


async def test_advance_fires_due_ticks(aclient: AsyncTelexClient, start_stub) -> None:
    stub = await start_stub(kind="interval", settings=INTERVAL)
    channel = await aclient.channel("general")
    integration = await aclient.install(f"{stub.url}/integration.json")
    await aclient.activate(integration, channel)
    [planned] = await aclient.schedule()

    advanced = await aclient.advance(seconds=120)

    assert (planned.integration_id, planned.channel_id) == (integration.id, channel.id)
    assert len(advanced.ticks) == 2
    assert len(stub.bodies("/tick")) == 2
    ticks = await aclient.deliveries(kind="tick", integration=integration)
    assert len(ticks) == 2


def test_every_async_method_has_a_blocking_twin_with_its_signature() -> None:
    """The sync client is generated from the async one: a new async method needs its twin."""
    import inspect

    twins = {
        name: method
        for name, method in vars(AsyncTelexClient).items()
        if inspect.iscoroutinefunction(method) and not name.startswith("_") and name != "aclose"
    }
    assert twins, "AsyncTelexClient has no public coroutine methods?"
    missing = sorted(set(twins) - set(vars(TelexClient)))
    assert missing == [], f"add `name = blocking(AsyncTelexClient.name)` for {missing}"
    for name, method in twins.items():
        assert inspect.signature(getattr(TelexClient, name)) == inspect.signature(method), name
