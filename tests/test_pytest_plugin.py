"""The pytest plugin, run the way its users run it: real test files in a fresh pytest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.testing import EmulatorServer

pytest_plugins = ["pytester"]

LEAN = (
    "-p",
    "emulator.pytest_plugin",
    "-p",
    "pytest_asyncio.plugin",
    "-p",
    "pytest_aiohttp.plugin",
)
ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Testing your integration with pytest"

INI = """
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
addopts = -p no:cacheprovider
filterwarnings =
    error
    ignore::DeprecationWarning:pytest_asyncio.*
{extra}
"""


def configure(pytester: pytest.Pytester, mode: str = "auto", extra: str = "") -> None:
    pytester.makefile(".ini", pytest=INI.format(mode=mode, extra=extra))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """A fresh pytest with only the plugins these examples use (no seconds of imports of
    unrelated installed plugins). The autoload test below proves the entry point."""
    return pytester.runpytest_subprocess(*LEAN, *args)


@pytest.fixture(autouse=True)
def lean_plugins(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "autoload" not in request.node.name:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def outcome(result: pytest.RunResult, **expected: int) -> None:
    """assert_outcomes, but show the inner run's output when it differs."""
    try:
        result.assert_outcomes(**expected)
    except AssertionError:
        print("\n".join(result.outlines + result.errlines))
        raise


def test_autoload_sync_tests_get_a_fresh_emulator_each(pytester: pytest.Pytester) -> None:
    configure(pytester)
    pytester.makepyfile(
        """
        def test_send_and_list(telex):
            channel = telex.channel("general")
            telex.send(channel, "<p>hi</p>")
            assert [m.content for m in telex.messages(channel)] == ["<p>hi</p>"]

        def test_state_is_reset_between_tests(telex):
            assert telex.request("GET", "/api/v1/organisations") == []

        def test_session_emulator_defaults(telex, telex_emulator):
            assert telex.url == telex_emulator.url
            assert telex_emulator.config.returns_mode == "strict"
            assert telex.clock().mode == "virtual"
        """
    )

    outcome(pytester.runpytest_subprocess(), passed=3)  # via the installed entry point


def test_readme_example_runs(pytester: pytest.Pytester) -> None:
    """The aiohttp modifier of the README's pytest section, exactly as printed."""
    text = (ROOT / "README.md").read_text()
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    code = re.search(r"```python\n(.*?)```", text[text.index(SECTION) :], re.S)
    assert code is not None
    configure(pytester)
    pytester.makepyfile(test_shout=code.group(1))

    outcome(
        run(
            pytester,
        ),
        passed=1,
    )


def test_async_interval_integration_round_trip(pytester: pytest.Pytester) -> None:
    """An interval integration started on a free port: tick, return, wait for the post."""
    configure(pytester)
    pytester.makepyfile(
        """
        import aiohttp
        from aiohttp import web

        SPEC = {
            "integration_type": "interval",
            "descriptions": {"app_name": "Uptime"},
            "settings": [{"label": "interval", "type": "text", "required": True,
                          "default": "*/5 * * * *"}],
            "tick_url": "https://uptime.example.com/tick",
        }

        async def tick(request):
            body = await request.json()
            async with aiohttp.ClientSession() as session:
                report = {"message": "all 3 sites up", "username": "Uptime",
                          "event_name": "check", "status": "success"}
                async with session.post(body["return_url"], json=report) as answer:
                    assert answer.status == 202
            return web.json_response({"status": "accepted"}, status=202)

        async def test_ticks_post_back(atelex):
            app = web.Application()
            app.router.add_post("/tick", tick)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            try:
                uptime = await atelex.install(
                    spec=SPEC, rewrite={"https://uptime.example.com": f"http://127.0.0.1:{port}"}
                )
                channel = await atelex.channel("status")
                await atelex.activate(uptime, channel)

                advanced = await atelex.advance(seconds=300)
                message = await atelex.wait_for_message(channel, "sites up")

                assert len(advanced.ticks) == 1
                assert (message.source, message.username) == ("webhook", "Uptime")
                [received] = await atelex.returns(channel=channel)
                assert received.correlation == "matched"
            finally:
                await runner.cleanup()
        """
    )

    outcome(
        run(
            pytester,
        ),
        passed=1,
    )


def test_failing_wait_says_what_arrived(pytester: pytest.Pytester) -> None:
    configure(pytester)
    pytester.makepyfile(
        """
        def test_bot_answers(telex):
            channel = telex.channel("support")
            telex.send(channel, "<p>help</p>", username="ada")
            telex.send(channel, "<p>anyone?</p>", username="ada")
            telex.wait_for_message(channel, "on it", timeout=0.2)
        """
    )

    result = run(
        pytester,
    )

    outcome(result, failed=1)
    result.stdout.re_match_lines(
        [
            r"E\s+AssertionError: no message containing 'on it' arrived in channel "
            r"'support' \([0-9a-f-]{36}\) within 0.2 s.",
            r"E\s+Messages in the channel \(2\):",
            r"E\s+- \[user 'ada'\] <p>help</p>",
            r"E\s+- \[user 'ada'\] <p>anyone\?</p>",
        ]
    )


def test_options_from_ini_and_command_line_in_strict_asyncio_mode(
    pytester: pytest.Pytester,
) -> None:
    configure(pytester, mode="strict", extra="telex_emulator_returns = lenient")
    pytester.makepyfile(
        """
        import pytest

        def test_lenient_returns_post_extra_keys(telex):
            channel = telex.channel("general")
            body = {"message": "hi", "username": "bot", "event_name": "e", "status": "info",
                    "timestamp": "2025-01-01T00:00:00Z"}
            answer = telex.request("POST", f"/v1/webhooks/{channel.id}", body)
            assert answer["status"] == "success", answer
            assert telex.wait_for_message(channel, "hi").warning

        def test_real_clock(telex, telex_emulator):
            assert telex.clock().mode == "real"
            assert telex_emulator.config.returns_mode == "lenient"

        @pytest.mark.asyncio
        async def test_atelex_in_strict_mode(atelex):
            assert (await atelex.clock()).mode == "real"
        """
    )

    outcome(run(pytester, "--telex-emulator-clock", "real"), passed=3)


def test_marker_starts_an_emulator_per_option_set(pytester: pytest.Pytester) -> None:
    configure(pytester)
    pytester.makepyfile(
        """
        import pytest

        urls = {}

        def test_default(telex, telex_emulator):
            urls["default"] = telex.url
            assert telex.clock().mode == "virtual"

        @pytest.mark.telex_emulator(clock_mode="real")
        def test_real_clock(telex):
            urls["real"] = telex.url
            assert telex.clock().mode == "real"

        @pytest.mark.telex_emulator(clock_mode="real")
        async def test_same_options_same_emulator(atelex):
            assert atelex.url == urls["real"] != urls["default"]
            assert await atelex.messages((await atelex.channel("x")).id) == []
        """
    )

    outcome(run(pytester), passed=3)


def test_running_emulator_by_url(pytester: pytest.Pytester) -> None:
    configure(pytester)
    pytester.makepyfile(
        """
        import pytest

        def test_uses_it(telex, telex_emulator, pytestconfig):
            assert telex.url == telex_emulator.url == pytestconfig.getoption("telex_emulator_url")
            telex.channel("made-by-the-inner-run")

        @pytest.mark.telex_emulator(returns_mode="lenient")
        def test_options_need_an_own_emulator(telex):
            pass
        """
    )
    with EmulatorServer() as server, server.client() as telex:
        result = run(pytester, "--telex-emulator-url", server.url)
        [org] = telex.request("GET", "/api/v1/organisations")
        channels = telex.request("GET", f"/api/v1/organisations/{org.id}/channels")

    outcome(result, passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.telex_emulator(returns_mode='lenient') needs an emulator of its own*"]
    )
    assert [c.name for c in channels] == ["made-by-the-inner-run"]


def test_xdist_workers_each_start_their_own(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    configure(pytester)
    record = pytester.path / "urls.jsonl"
    pytester.makepyfile(
        f"""
        import json, os
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_record(telex, n):
            telex.channel(f"c{{n}}")
            assert len(telex.request("GET", "/api/v1/organisations")) == 1
            line = json.dumps([os.environ["PYTEST_XDIST_WORKER"], telex.url])
            with open({str(record)!r}, "a") as f:
                f.write(line + "\\n")
        """
    )

    outcome(run(pytester, "-p", "xdist.plugin", "-n", "2"), passed=4)

    seen = {tuple(json.loads(line)) for line in record.read_text().splitlines()}
    workers = {worker for worker, _url in seen}
    assert workers == {"gw0", "gw1"}
    assert len({url for _worker, url in seen}) == 2  # one emulator per worker, reused


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, emulator.pytest_plugin; "
        "print(sorted(m for m in ('emulator.app', 'emulator.testing', 'aiohttp', 'sqlalchemy')"
        " if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert output.strip() == "[]"
