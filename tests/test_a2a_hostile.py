"""Hostile input never makes the A2A core raise: every reader answers with a finding."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.a2a import (
    StreamReader,
    card_base_url,
    card_url_candidates,
    describe_agent,
    detect_document,
    mentioned,
    parse_answer,
    parse_push,
    plain_text,
    render_parts,
)

# Keys and values A2A documents use, so generated documents get past the first checks.
KEYS = ["kind", "type", "role", "parts", "text", "file", "data", "uri", "bytes", "mimeType",
        "status", "state", "message", "artifacts", "artifact", "append", "final", "id",
        "taskId", "contextId", "jsonrpc", "result", "error", "code", "method", "name", "url",
        "capabilities", "streaming", "skills", "nodes", "sessionId"]  # fmt: skip
WORDS = ["message", "task", "text", "file", "data", "agent", "completed", "working", "2.0",
         "status-update", "artifact-update", "unknown", "a2a/node", "http://[::1", "https://x/y",
         "javascript:alert(1)", "input_required", ""]  # fmt: skip
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(WORDS) | st.text(max_size=8)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=6),
    max_leaves=40,
)  # fmt: skip
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def envelope(result: Any) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": "1", "result": result}).encode()


@FAST
@given(documents)
def test_answers_and_pushes_never_raise(document: Any) -> None:
    for body in (json.dumps(document).encode(), envelope(document)):
        for mode in ("strict", "lenient"):
            for answer in (
                parse_answer(body, request_id="1", mode=mode),
                parse_push(body, mode=mode),
            ):
                assert answer.status in ("reply", "pending", "failed", "rejected")
                assert (answer.problem is None) == (answer.status in ("reply", "pending"))
                render_parts(answer.parts)


@FAST
@given(st.lists(documents, max_size=4), st.sampled_from(["strict", "lenient"]))
def test_streams_never_raise(events: list[Any], mode: Any) -> None:
    reader = StreamReader(request_id="1", mode=mode)
    for event in events:
        reader.feed(envelope(event))
    render_parts(reader.finish().parts)


@FAST
@given(documents, st.sampled_from([None, "http://h/.well-known/agent.json", "http://[::1"]))
def test_cards_and_workflows_never_raise(document: Any, card_url: str | None) -> None:
    detect_document(document)
    agent, findings = describe_agent(document, card_url)
    assert (agent is None) == any(f.severity == "error" for f in findings)
    assert all(f.path.startswith("$") and f.hint for f in findings)


@FAST
@given(st.binary(max_size=64))
def test_bytes_never_raise(body: bytes) -> None:
    parse_answer(body)
    parse_push(body)
    StreamReader().feed(body)


@FAST
@given(st.text(max_size=40), st.lists(st.text(max_size=10), max_size=3))
def test_text_helpers_never_raise(text: str, names: list[str]) -> None:
    plain_text(text, names)
    mentioned(text, names)
    card_url_candidates(text)
    card_base_url(text)
