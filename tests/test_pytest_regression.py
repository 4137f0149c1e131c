"""The pytest plugin's regression tools: telex.replay (a failing assert shows the diff),
telex.seed and the telex_seed marker, and a session baseline snapshot instead of a reset."""

from __future__ import annotations

import pytest

from tests.test_pytest_plugin import configure, lean_plugins, outcome, run  # noqa: F401 - autouse

pytest_plugins = ["pytester"]

# A modifier in the inner test session: a real HTTP server on a thread whose reply the
# inner tests change between the original send and the replay.
CONFTEST = """
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SUFFIX = {"value": "!"}


class Modifier(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = json.dumps({"message": body["message"] + SUFFIX["value"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


SERVER = ThreadingHTTPServer(("127.0.0.1", 0), Modifier)
threading.Thread(target=SERVER.serve_forever, daemon=True).start()
URL = f"http://127.0.0.1:{SERVER.server_address[1]}/target"
SEED = {
    "organisations": [{
        "name": "Acme",
        "integrations": [{"name": "bang", "spec": {
            "descriptions": {"app_name": "Bang"}, "integration_type": "modifier",
            "settings": [], "target_url": URL}}],
        "channels": [{"name": "general", "integrations": [{"name": "bang"}]}],
    }]
}
"""


def test_replay_assert_shows_the_diff_and_the_seed_marker_seeds(
    pytester: pytest.Pytester,
) -> None:
    configure(pytester)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest
        from conftest import SEED, SUFFIX

        @pytest.mark.telex_seed(SEED)
        def test_modifier_still_does_the_same(telex):
            (org,) = telex.request("GET", "/api/v1/organisations")
            (channel,) = telex.request("GET", f"/api/v1/organisations/{org.id}/channels")
            assert telex.send(channel, "hi").message == "<p>hi</p>!"
            assert not telex.replay(channel, last=10).changed
            SUFFIX["value"] = "?"
            assert not telex.replay(channel, last=10).changed

        @pytest.mark.telex_seed(SEED)
        def test_assert_unchanged_prints_the_diff(telex):
            (org,) = telex.request("GET", "/api/v1/organisations")
            (channel,) = telex.request("GET", f"/api/v1/organisations/{org.id}/channels")
            SUFFIX["value"] = "!"
            telex.send(channel, "yo")
            SUFFIX["value"] = "?!"
            telex.replay(channel).assert_unchanged()
        """
    )
    result = run(pytester)
    outcome(result, failed=2)
    result.stdout.fnmatch_lines(
        ["*where True = <Replay 1 replayed, 1 changed:*-<p>hi</p>!*+<p>hi</p>?>.changed*"]
    )
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: the replay changed 1 text(s):",
            "E * --- then",
            "E * +++ now",
            "E * @@ -1 +1 @@",
            "E * -<p>yo</p>!",
            "E * +<p>yo</p>?!",
        ]
    )


def test_a_session_baseline_is_restored_before_each_test(pytester: pytest.Pytester) -> None:
    configure(pytester)
    pytester.makeconftest(
        CONFTEST
        + """

@pytest.fixture(scope="session")
def telex_baseline(telex_session):
    telex_session.seed(SEED)
    return "seeded"
"""
    )
    pytester.makepyfile(
        """
        def channel_of(telex):
            (org,) = telex.request("GET", "/api/v1/organisations")
            (channel,) = telex.request("GET", f"/api/v1/organisations/{org.id}/channels")
            return channel

        def test_first(telex):
            telex.send(channel_of(telex), "one")
            assert len(telex.messages(channel_of(telex))) == 1

        def test_second_starts_from_the_baseline(telex):
            assert telex.messages(channel_of(telex)) == []
            assert telex.send(channel_of(telex), "two").message == "<p>two</p>!"
        """
    )
    outcome(run(pytester), passed=2)
