"""`message/stream` answers: SSE decoding and accumulating events into one reply."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.a2a import SseDecoder, StreamReader

ID = "1" * 32


def event(result: Any = None, **envelope: Any) -> str:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": ID}
    if result is not None:
        body["result"] = result
    return json.dumps(body | envelope)


def message(value: str, message_id: str = "m") -> dict[str, Any]:
    parts = [{"kind": "text", "text": value}]
    return {"kind": "message", "role": "agent", "parts": parts, "messageId": message_id}


def status(state: str, final: bool = False, said: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "status-update",
        "taskId": "t1",
        "contextId": "c1",
        "final": final,
    }
    body["status"] = {"state": state} | ({"message": message(said)} if said else {})
    return body


def delta(value: str, append: bool = True, artifact_id: str = "a1") -> dict[str, Any]:
    artifact = {"artifactId": artifact_id, "parts": [{"kind": "text", "text": value}]}
    return {
        "kind": "artifact-update",
        "taskId": "t1",
        "contextId": "c1",
        "artifact": artifact,
        "append": append,
    }


def read(*events: str, mode: Any = "strict") -> StreamReader:
    reader = StreamReader(request_id=ID, mode=mode)
    for data in events:
        reader.feed(data)
    return reader


# -- SSE decoding -----------------------------------------------------------------------------


def test_sse_events_survive_any_chunking() -> None:
    body = b'data: {"a": 1}\n\n: keep-alive\n\nevent: x\ndata: {"b":\ndata: 2}\r\n\r\ndata:{"c": "\xc3\xa9"}\n\n'
    whole = SseDecoder().feed(body)
    assert whole == ['{"a": 1}', '{"b":\n2}', '{"c": "é"}']
    for size in (1, 2, 3, 7):
        decoder, got = SseDecoder(), []
        for start in range(0, len(body), size):
            got += decoder.feed(body[start : start + size])
        assert got + decoder.close() == whole, size


def test_the_last_event_counts_without_its_blank_line() -> None:
    decoder = SseDecoder()
    assert decoder.feed("data: one\n\ndata: two") == ["one"]
    assert decoder.close() == ["two"]


def test_lines_without_data_are_ignored() -> None:
    assert SseDecoder().feed("id: 5\nretry: 10\n\n") == []


# -- accumulating ------------------------------------------------------------------------------


def test_consecutive_messages_are_one_reply_one_line_each() -> None:
    reader = read(event(message("Hello"), error=None), event(message("World"), error=None))
    assert reader.text == "Hello\nWorld"
    assert not reader.final
    answer = reader.finish()
    assert answer.status == "reply"
    assert [p.text for p in answer.parts] == ["Hello", "World"]  # type: ignore[union-attr]
    assert answer.warnings == []


def test_artifact_deltas_join_without_separator_and_a_final_status_ends() -> None:
    reader = read(
        event({"kind": "task", "id": "t1", "contextId": "c1", "status": {"state": "submitted"}}),
        event(status("working")),
        event(delta("Hel", append=False)),
        event(delta("lo, ")),
        event(delta("world")),
        event(status("completed", final=True)),
    )
    assert reader.text == "Hello, world"
    assert reader.final
    assert reader.task is not None
    assert (reader.task.id, reader.task.state) == ("t1", "completed")
    answer = reader.finish()
    assert answer.status == "reply"
    assert answer.task is not None
    assert answer.task.closed


def test_events_after_the_final_one_are_ignored() -> None:
    reader = read(
        event(message("a")), event(status("completed", final=True)), event(message("late"))
    )
    assert reader.text == "a"
    assert reader.events == 2


def test_a_new_artifact_version_replaces_and_another_artifact_adds_a_line() -> None:
    reader = read(
        event(delta("draft", append=False)),
        event(delta("final", append=False)),
        event(delta("second", append=False, artifact_id="a2")),
    )
    assert reader.text == "final\nsecond"


def test_status_message_text_is_the_reply_when_nothing_else_came() -> None:
    reader = read(event(status("input-required", final=True, said="Which city?")))
    answer = reader.finish()
    assert reader.text == "Which city?"
    assert answer.task is not None
    assert answer.task.waiting_for_user


def test_a_task_that_ended_ends_the_stream() -> None:
    ended = {
        "kind": "task",
        "id": "t9",
        "status": {"state": "completed"},
        "artifacts": [{"artifactId": "x", "parts": [{"kind": "text", "text": "done"}]}],
    }
    reader = read(event(ended))
    assert reader.final
    assert reader.text == "done"


def test_a_stream_cut_while_working_keeps_what_came_with_a_warning() -> None:
    answer = read(event(status("working")), event(delta("partial", append=False))).finish()
    assert answer.status == "reply"
    assert [w.message for w in answer.warnings] == [
        "the stream ended while the task was working: showing what came"
    ]


def test_an_empty_stream_fails() -> None:
    answer = StreamReader().finish()
    assert answer.status == "failed"
    assert answer.failure_text == "the stream ended without any event"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (
            event(error={"code": -32601, "message": "Method not found"}),
            "stream event #2: the agent answered JSON-RPC error -32601",
        ),
        ("not json", "stream event #2: is not JSON"),
        (event(status("accepted")), 'stream event #2: unknown task state "accepted"'),
        (
            event({"kind": "message", "role": "agent", "parts": "x"}),
            "stream event #2: parts must be a list",
        ),
        (event({"kind": "weird"}), 'stream event #2: the result has kind "weird"'),
    ],
)
def test_a_bad_event_fails_the_reply_naming_the_event(bad: str, words: str) -> None:
    reader = read(event(message("first")), bad, event(message("never read")))
    assert reader.final
    answer = reader.finish()
    assert answer.status == "failed"
    assert answer.failure_text is not None
    assert words in answer.failure_text
    assert reader.text == "first"  # what came before is still there


def test_a_json_rpc_error_event_keeps_its_code() -> None:
    answer = read(event(error={"code": -32004, "message": "unsupported"})).finish()
    assert answer.error is not None
    assert answer.error.code == -32004


def test_stream_warnings_name_their_event() -> None:
    no_kind = {"role": "agent", "parts": [{"kind": "text", "text": "x"}]}
    reader = read(event(message("a")), event(no_kind, id="other"))
    assert [(w.path, w.message.split(":")[0]) for w in reader.warnings] == [
        ("$.id", "stream event #2"),
        ("$.result.kind", "stream event #2"),
    ]


def test_lenient_reads_an_unknown_state_in_a_stream() -> None:
    reader = read(event(message("a")), event(status("accepted", final=True)), mode="lenient")
    answer = reader.finish()
    assert answer.status == "reply"
    assert answer.task is not None
    assert answer.task.state == "unknown"
