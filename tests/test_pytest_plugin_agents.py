"""The pytest plugin's agent helpers, run the way users run them: real test files in a
fresh pytest, with aiohttp stub agents on the inner test's loop."""

from __future__ import annotations

import re

import pytest

from tests.test_pytest_plugin import ROOT, configure, outcome, run

pytest_plugins = ["pytester"]
SECTION = "## Agents (A2A)"


@pytest.fixture(autouse=True)
def lean_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def test_readme_agent_example_runs(pytester: pytest.Pytester) -> None:
    """The agent test of the README's Agents section, exactly as printed."""
    text = (ROOT / "README.md").read_text()
    assert SECTION in text, f"README.md has no section {SECTION!r}"
    section = text[text.index(SECTION) :]
    code = re.search(r"```python\n(.*?)```", section[: section.index("\n## ")], re.S)
    assert code is not None, "the Agents section has no python example"
    configure(pytester)
    pytester.makepyfile(test_pingpong=code.group(1))

    outcome(run(pytester), passed=1)


def test_failing_ask_says_what_the_agent_answered(pytester: pytest.Pytester) -> None:
    configure(pytester)
    pytester.makepyfile(
        """
        from aiohttp import web

        CARD = {"name": "Grumpy", "description": "fails", "version": "1.0.0",
                "capabilities": {}, "defaultInputModes": ["text/plain"],
                "defaultOutputModes": ["text/plain"],
                "skills": [{"id": "x", "name": "x", "description": "x"}]}

        async def card(request):
            return web.json_response(CARD | {"url": f"http://{request.host}/a2a"})

        async def a2a(request):
            call = await request.json()
            error = {"code": -32603, "message": "the weather API is down"}
            return web.json_response({"jsonrpc": "2.0", "id": call["id"], "error": error})

        async def test_grumpy(atelex, aiohttp_server):
            app = web.Application()
            app.router.add_get("/.well-known/agent.json", card)
            app.router.add_post("/a2a", a2a)
            url = str((await aiohttp_server(app)).make_url("")).rstrip("/")
            agent = await atelex.install_agent(base_url=url)
            await atelex.ask(agent, "weather in Lagos?")
        """
    )

    result = run(pytester)

    outcome(result, failed=1)
    result.stdout.re_match_lines(
        [
            r"E\s+AssertionError: Grumpy's reply to 'weather in Lagos\?' in its direct channel "
            r"\([0-9a-f-]{36}\) failed: .*-32603.*the weather API is down",
            r"E\s+Task [0-9a-f-]{36}: failed",
            r"E\s+reason: .*-32603.*",
            r"E\s+Replies from Grumpy in the channel \(1, newest last\):",
            r"E\s+- \[error\] .*the weather API is down",
            r"E\s+Last delivery: agent http://127.0.0.1:\d+/a2a: error, HTTP 200.*",
        ]
    )
