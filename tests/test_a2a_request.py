"""What Telex sends an agent: the text, mentions, the JSON-RPC request, the push token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from emulator.a2a import (
    PushTarget,
    PushUnauthorised,
    authorise_push,
    build_request,
    history_part,
    issue_push_token,
    mentioned,
    new_id,
    plain_text,
    strip_html,
    verify_push_token,
)
from emulator.a2a.models import JsonRpcRequest

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SECRET = "s3cret-for-tests-" + "x" * 32
OTHER_SECRET = "another-secret-" + "y" * 32
PUSH = PushTarget("http://127.0.0.1:7070/v1/a2a/webhooks/hook-1", "the.jwt.token", "tlx_key")
HEX32 = re.compile(r"[0-9a-f]{32}")

# -- text and mentions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "names", "text"),
    [
        ("<p>@PingPong ping</p>", ["PingPong"], "ping"),
        ("<p>@pingpong ping</p>", ["PingPong"], "ping"),
        ("@PingPong, ping", ["PingPong"], "ping"),
        ("ping @PingPong", ["PingPong"], "ping"),
        ("<p>hi @Weather Agent, Lagos?</p>", ["Weather Agent"], "hi, Lagos?"),
        ("<p>hi <span class='mention'>@Bot</span> there</p>", ["Bot"], "hi there"),
        ("<p>ping</p>", ["PingPong"], "ping"),
        ("<p>a &amp; b &lt;i&gt;</p>", [], "a & b <i>"),
        ("<p>one</p><p>two<br>three</p>", [], "one\n\ntwo\nthree"),
        ("<script>alert(1)</script><p>x</p>", [], "x"),
        ("mail bob@pingpong.io", ["PingPong"], "mail bob@pingpong.io"),
        ("@PingPongs ping", ["PingPong"], "@PingPongs ping"),
        ("  plain text  ", [], "plain text"),
    ],
)
def test_plain_text(html: str, names: list[str], text: str) -> None:
    assert plain_text(html, names) == text


@pytest.mark.parametrize(
    ("text", "names", "found"),
    [
        ("@PingPong ping", ["PingPong", "Weather"], ["PingPong"]),
        ("<p>@pingpong</p>", ["PingPong"], ["PingPong"]),
        ("@Weather Agent and @weather", ["Weather", "Weather Agent"], ["Weather Agent", "Weather"]),
        ("@Weather  Agent", ["Weather Agent"], ["Weather Agent"]),
        ("@Bot @Bot", ["Bot"], ["Bot"]),
        ("bob@bot.io", ["Bot"], []),
        ("@Bots", ["Bot"], []),
        ("@Bot, hi", ["Bot"], ["Bot"]),
        ("no mention", ["Bot"], []),
        ("@Bot", [], []),
        ("@C++ hi", ["C++"], ["C++"]),
    ],
)
def test_mentioned(text: str, names: list[str], found: list[str]) -> None:
    assert mentioned(text, names) == found


def test_strip_html_keeps_text_of_unclosed_tags() -> None:
    assert strip_html("<b>bold <i>both") == "bold both"


# -- the JSON-RPC request -------------------------------------------------------------------


def test_card_agents_get_exactly_the_contract_request() -> None:
    body = build_request(
        method="message/send",
        text="ping",
        channel_id="chan-1",
        org_id="org-1",
        user_id="user-1",
        push=PUSH,
        request_id="a" * 32,
        message_id="b" * 32,
    )
    assert body == {
        "jsonrpc": "2.0",
        "id": "a" * 32,
        "method": "message/send",
        "params": {
            "message": {
                "kind": "message",
                "role": "user",
                "messageId": "b" * 32,
                "contextId": "chan-1",
                "taskId": None,
                "parts": [{"kind": "text", "text": "ping"}],
                "metadata": {
                    "telex_user_id": "user-1",
                    "telex_channel_id": "chan-1",
                    "org_id": "org-1",
                },
            },
            "configuration": {
                "acceptedOutputModes": [
                    "text/plain",
                    "image/png",
                    "image/jpeg",
                    "application/json",
                ],
                "historyLength": 20,
                "blocking": False,
                "pushNotificationConfig": {
                    "url": PUSH.url,
                    "token": PUSH.token,
                    "authentication": {
                        "schemes": ["Bearer", "TelexApiKey"],
                        "credentials": "tlx_key",
                    },
                },
            },
        },
    }
    JsonRpcRequest.model_validate(body)  # our own wire models agree with the builder


def test_workflow_agents_also_get_the_history_as_a_list_newest_last() -> None:
    history = [f"<p>message {n}</p>" for n in range(25)]
    body = build_request(
        method="message/stream",
        text="hi",
        channel_id="c",
        org_id="o",
        user_id="u",
        push=PUSH,
        task_id="task-7",
        history=history,
    )
    message = body["params"]["message"]
    assert body["method"] == "message/stream"
    assert message["taskId"] == "task-7"
    assert message["parts"][0] == {"kind": "text", "text": "hi"}
    data = message["parts"][1]["data"]
    assert message["parts"][1]["kind"] == "data"
    assert len(data) == 20
    assert data[0] == {"kind": "text", "text": "<p>message 5</p>"}
    assert data[-1] == {"kind": "text", "text": "<p>message 24</p>"}
    assert HEX32.fullmatch(body["id"])
    assert HEX32.fullmatch(message["messageId"])
    assert body["id"] != message["messageId"]
    JsonRpcRequest.model_validate(body)


def test_an_empty_history_is_still_a_list() -> None:
    assert history_part([]) == {"kind": "data", "data": []}


def test_ids_are_32_hex_and_fresh() -> None:
    ids = {new_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(HEX32.fullmatch(i) for i in ids)


# -- the push token and push authentication -------------------------------------------------


def test_push_token_claims() -> None:
    token = issue_push_token("hook-1", SECRET, NOW)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["sub"] == "hook-1"
    assert claims["exp"] - claims["iat"] == 24 * 3600
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_a_short_secret_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        issue_push_token("hook-1", "short", NOW)


def test_a_fresh_token_verifies_until_it_expires() -> None:
    token = issue_push_token("hook-1", SECRET, NOW)
    verify_push_token(token, "hook-1", SECRET, NOW + timedelta(hours=23, minutes=59))
    with pytest.raises(PushUnauthorised, match="expired"):
        verify_push_token(token, "hook-1", SECRET, NOW + timedelta(hours=24))


@pytest.mark.parametrize(
    ("token", "hook", "reason"),
    [
        (issue_push_token("hook-2", SECRET, NOW), "hook-1", "another push hook"),
        (issue_push_token("hook-1", OTHER_SECRET, NOW), "hook-1", "not valid"),
        ("not-a-jwt", "hook-1", "not valid"),
        (jwt.encode({"sub": "hook-1"}, SECRET, algorithm="HS256"), "hook-1", "not valid"),
        (jwt.encode({"sub": "hook-1", "exp": 9e12}, SECRET, algorithm="HS384"), "hook-1", "valid"),
    ],
)
def test_bad_tokens_are_refused(token: str, hook: str, reason: str) -> None:
    with pytest.raises(PushUnauthorised, match=reason):
        verify_push_token(token, hook, SECRET, NOW)


def authorise(authorization: str | None = None, api_key: str | None = None) -> None:
    authorise_push(
        authorization=authorization,
        api_key=api_key,
        hook_id="hook-1",
        secret=SECRET,
        credentials="tlx_key",
        now=NOW,
    )


def test_push_authorised_by_bearer_token_or_api_key() -> None:
    authorise(authorization=f"Bearer {issue_push_token('hook-1', SECRET, NOW)}")
    authorise(authorization=f"bearer  {issue_push_token('hook-1', SECRET, NOW)}")
    authorise(api_key="tlx_key")
    authorise(authorization="Bearer junk", api_key="tlx_key")


@pytest.mark.parametrize(
    ("authorization", "api_key", "reason"),
    [
        (None, None, "no credentials"),
        ("Basic dXNlcjpwYXNz", None, "no credentials"),
        (None, "wrong", "does not match"),
        ("Bearer junk", None, "not valid"),
        ("Bearer ", None, "no credentials"),
    ],
)
def test_push_refused_without_good_credentials(
    authorization: str | None, api_key: str | None, reason: str
) -> None:
    with pytest.raises(PushUnauthorised, match=reason):
        authorise(authorization, api_key)
