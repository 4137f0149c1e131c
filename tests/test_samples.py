"""The bundled sample integrations: on their own, and end to end through the emulator.

Each sample runs as a real aiohttp server on the test's loop (aiohttp_server) and is
installed into the emulator from the URL it is served at, as a Telex user would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web

from emulator.spec.check import check_spec, errors_of, warnings_of
from emulator.testing import AsyncTelexClient, Record
from sample_integrations.keyword_filter import app as keyword_filter
from sample_integrations.message_logger import app as message_logger
from sample_integrations.uptime_monitor import app as uptime_monitor
from tests import stubs
from tests.conftest import closed_port

Serve = Callable[[web.Application], Awaitable[str]]
SAMPLES = [keyword_filter, message_logger, uptime_monitor]


@pytest.fixture
def serve(aiohttp_server: Any) -> Serve:
    """Run an app on a free loopback port; return its base URL."""

    async def start(app: web.Application) -> str:
        server = await aiohttp_server(app, host="127.0.0.1")
        return str(server.make_url("")).rstrip("/")

    return start


def settings_list(**values: Any) -> list[dict[str, Any]]:
    """A settings array as Telex sends it: label and value under "default"."""
    return [{"label": label, "default": value} for label, value in values.items()]


# -- the integration JSON each sample serves -----------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.__name__.split(".")[1])
async def test_sample_serves_a_clean_spec_built_from_its_own_url(sample: Any, serve: Serve) -> None:
    base = await serve(sample.create_app())
    async with ClientSession() as session, session.get(f"{base}/integration.json") as response:
        document = await response.json()
        async with session.get(document["data"]["descriptions"]["app_logo"]) as logo:
            assert logo.status == 200

    checked, findings = check_spec(document)
    assert checked is not None, errors_of(findings)
    assert warnings_of(findings) == []
    data = document["data"]
    urls = [data["target_url"], data["tick_url"], data["descriptions"]["app_url"]]
    assert all(url.startswith(base) for url in urls if url)
    assert data["descriptions"]["app_name"] == sample.APP_NAME


def test_public_url_wins_over_the_request_address() -> None:
    spec = uptime_monitor.integration_json("https://uptime.example.com")
    assert spec["data"]["tick_url"] == "https://uptime.example.com/tick"


# -- keyword_filter on its own -------------------------------------------------------------


DEFAULT_WORDS = ["darn", "heck"]


@pytest.mark.parametrize(
    ("html", "words", "options", "expected"),
    [
        ("<p>well darn it</p>", DEFAULT_WORDS, {}, "<p>well d*** it</p>"),
        ("<p>well DARN it</p>", DEFAULT_WORDS, {}, "<p>well D*** it</p>"),
        ("<p>well DARN it</p>", DEFAULT_WORDS, {"match_case": True}, "<p>well DARN it</p>"),
        ("<p>well darn it</p>", DEFAULT_WORDS, {"keep_letters": 0}, "<p>well **** it</p>"),
        ("<p>well darn it</p>", DEFAULT_WORDS, {"mode": "remove"}, "<p>well it</p>"),
        (
            "<p>well darn it</p>",
            DEFAULT_WORDS,
            {"mode": "flag"},
            "<p>[flagged: darn] well darn it</p>",
        ),
        # Tags and entities are never touched; whole words only.
        (
            "<p>darnation &amp; p</p>",
            ["darn", "p", "amp"],
            {"keep_letters": 0},
            "<p>darnation &amp; *</p>",
        ),
        ("<p>no problem</p>", [], {}, "<p>no problem</p>"),
    ],
)
def test_filter_words(html: str, words: list[str], options: dict[str, Any], expected: str) -> None:
    filtered, _found = keyword_filter.filter_words(html, words, **options)
    assert filtered == expected


async def test_keyword_filter_answers_like_a_telex_modifier(aiohttp_client: Any) -> None:
    client = await aiohttp_client(keyword_filter.create_app())
    # Values as some Telex setups send them: every one a string.
    body = {
        "message": "<p>Heck, frak that</p>",
        "settings": settings_list(
            blocked_words="heck, frak", mode="mask", match_case="false", keep_letters="2"
        ),
    }

    response = await client.post("/format-message", json=body)

    assert response.status == 200
    assert await response.json() == {
        "message": "<p>He**, fr** that</p>",
        "event_name": "message_formatted",
        "username": "Keyword Filter",
        "status": "success",
    }
    bad = await client.post("/format-message", json={"text": "no message key"})
    assert bad.status == 400


# -- message_logger on its own -------------------------------------------------------------


async def test_message_logger_writes_json_lines(aiohttp_client: Any, tmp_path: Path) -> None:
    default_file, chosen_file = tmp_path / "default.jsonl", tmp_path / "chosen.jsonl"
    client = await aiohttp_client(message_logger.create_app(log_file=str(default_file)))
    body = {"message": "<p>hi</p>", "channel_id": "c1", "org_id": "o1", "thread_id": ""}

    first = await client.post("/log-message", json=body)
    second = await client.post(
        "/log-message",
        json=body | {"settings": settings_list(log_file=str(chosen_file), strip_html=False)},
    )

    assert (first.status, second.status) == (202, 202)
    [line] = default_file.read_text().splitlines()
    assert json.loads(line) | {"received_at": "-"} == {
        "received_at": "-",
        "channel_id": "c1",
        "org_id": "o1",
        "thread_id": "",
        "message": "hi",
    }
    assert json.loads(chosen_file.read_text())["message"] == "<p>hi</p>"


async def test_message_logger_prints_to_stdout_without_a_file(
    aiohttp_client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await aiohttp_client(message_logger.create_app())
    response = await client.post("/log-message", json={"message": "<p>to stdout</p>"})
    assert response.status == 202
    assert json.loads(capsys.readouterr().out)["message"] == "to stdout"


# -- uptime_monitor on its own -------------------------------------------------------------


async def test_uptime_monitor_answers_202_then_posts_to_return_url(
    serve: Serve, start_stub: Any
) -> None:
    receiver = await start_stub(kind="output", target=stubs.reply_json({"status": "success"}, 202))
    app = uptime_monitor.create_app()
    base = await serve(app)
    with closed_port() as port:
        down = f"http://127.0.0.1:{port}/"
        tick = {
            "channel_id": "c1",
            "return_url": f"{receiver.url}/target",
            "settings": settings_list(sites=f"{receiver.url}/integration.json, {down}"),
        }
        async with ClientSession() as session, session.post(f"{base}/tick", json=tick) as response:
            assert response.status == 202
        [report] = await receiver.wait_for("/target")

        assert set(report) == {"message", "username", "event_name", "status"}
        assert report["status"] == "error"
        assert report["message"].startswith("Uptime check: 1 of 2 site(s) up")
        assert f"✅ {receiver.url}/integration.json — HTTP 200" in report["message"]
        assert f"❌ {down}" in report["message"]


async def test_uptime_monitor_cancels_running_checks_on_shutdown(
    aiohttp_server: Any, start_stub: Any
) -> None:
    reached = asyncio.Event()

    async def never_answers(_request: web.Request) -> web.Response:
        reached.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    hanging = web.Application()
    hanging.router.add_get("/", never_answers)
    site = await aiohttp_server(hanging, host="127.0.0.1")
    receiver = await start_stub(kind="output")
    app = uptime_monitor.create_app()
    server = await aiohttp_server(app, host="127.0.0.1")
    tick = {
        "return_url": f"{receiver.url}/target",
        "settings": settings_list(sites=str(site.make_url("/")), timeout_seconds=60),
    }
    async with ClientSession() as session, session.post(server.make_url("/tick"), json=tick) as r:
        assert r.status == 202
    async with asyncio.timeout(5):
        await reached.wait()
    [check] = app[uptime_monitor.checks_key]

    await server.close()

    assert check.cancelled()
    assert app[uptime_monitor.checks_key] == set()
    assert receiver.bodies("/target") == []


# -- end to end through the emulator (the pytest plugin's `atelex` client) ------------------


async def installed_on_channel(
    atelex: AsyncTelexClient, base_url: str, settings: dict[str, Any] | None = None
) -> tuple[Record, Record]:
    """Install the sample served at `base_url` and activate it on a fresh channel."""
    integration = await atelex.install(f"{base_url}/integration.json")
    assert integration.warnings == []
    channel = await atelex.channel("samples")
    await atelex.activate(integration, channel, settings)
    return integration, channel


async def test_keyword_filter_rewrites_channel_messages(
    atelex: AsyncTelexClient, serve: Serve
) -> None:
    base = await serve(keyword_filter.create_app())
    integration, channel = await installed_on_channel(
        atelex, base, {"blocked_words": "darn,heck", "mode": "mask"}
    )

    sent = await atelex.send(channel, "<p>well darn it</p>")

    assert sent.message == "<p>well d*** it</p>"
    assert sent.original_content == "<p>well darn it</p>"
    [hop] = sent.trace
    assert (hop.integration_id, hop.outcome) == (integration.id, "ok")
    assert hop.latency_ms < 1000


async def test_message_logger_logs_each_channel_message(
    atelex: AsyncTelexClient, serve: Serve, tmp_path: Path
) -> None:
    log_file = tmp_path / "messages.jsonl"
    base = await serve(message_logger.create_app())
    integration, channel = await installed_on_channel(atelex, base, {"log_file": str(log_file)})

    await atelex.send(channel, "<p>first</p>")
    await atelex.send(channel, "<p>second</p>")
    deliveries = await atelex.deliveries(channel=channel, kind="output")  # drains first

    assert [(d.integration_id, d.status_code, d.outcome) for d in deliveries] == [
        (integration.id, 202, "ok")
    ] * 2
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert sorted(line["message"] for line in lines) == ["first", "second"]  # sent concurrently
    assert {line["channel_id"] for line in lines} == {channel.id}
    assert {line["org_id"] for line in lines} == {channel.organisation_id}


async def test_uptime_monitor_tick_posts_its_report_to_the_channel(
    atelex: AsyncTelexClient, serve: Serve
) -> None:
    base = await serve(uptime_monitor.create_app())
    integration, channel = await installed_on_channel(
        atelex, base, {"sites": f"{base}/integration.json"}
    )

    tick = await atelex.tick(integration, channel)
    report = await atelex.wait_for_message(channel, "Uptime check")

    assert tick.status_code == 202
    assert report.source == "webhook"
    assert (report.username, report.event_name, report.status) == (
        "Uptime Monitor",
        "uptime_check",
        "success",
    )
    assert report.message.startswith("Uptime check: 1 of 1 site(s) up")
    [received] = await atelex.returns(channel=channel)
    assert received.correlation == "matched"


async def test_uptime_monitor_fires_every_minute_by_default(
    atelex: AsyncTelexClient, serve: Serve
) -> None:
    app = uptime_monitor.create_app()
    base = await serve(app)
    _integration, channel = await installed_on_channel(
        atelex, base, {"sites": f"{base}/integration.json"}
    )

    advanced = await atelex.advance(seconds=120)
    await asyncio.gather(*app[uptime_monitor.checks_key])  # both reports posted

    assert len(advanced.ticks) == 2
    assert [m.event_name for m in await atelex.messages(channel)] == ["uptime_check"] * 2
