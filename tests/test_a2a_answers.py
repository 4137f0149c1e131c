"""What an agent's answer or push means for the channel, in strict and lenient mode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.a2a import AgentAnswer, parse_answer, parse_push
from emulator.a2a.models import DataPart, FilePart, TextPart

ID = "0" * 32


def response(result: Any = None, **envelope: Any) -> bytes:
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": ID}
    if result is not None:
        body["result"] = result
    return json.dumps(body | envelope).encode()


def text(value: str) -> dict[str, Any]:
    return {"kind": "text", "text": value}


def message(*parts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"kind": "message", "role": "agent", "parts": list(parts), "messageId": "m1"} | extra


def task(state: str, *, artifacts: Any = None, status_message: Any = None, **extra: Any) -> dict:
    status: dict[str, Any] = {"state": state, "timestamp": "2026-01-05T12:00:00Z"}
    if status_message is not None:
        status["message"] = status_message
    body: dict[str, Any] = {"kind": "task", "id": "t1", "contextId": "c1", "status": status}
    if artifacts is not None:
        body["artifacts"] = artifacts
    return body | extra


def artifact(*parts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"artifactId": "a1", "parts": list(parts)} | extra


def texts(answer: AgentAnswer) -> list[str]:
    return [p.text for p in answer.parts if isinstance(p, TextPart)]


def warned_at(answer: AgentAnswer) -> list[str]:
    return [w.path for w in answer.warnings]


# -- Messages and Tasks ------------------------------------------------------------------


def test_a_message_is_a_reply() -> None:
    answer = parse_answer(response(message(text("pong"))), request_id=ID)
    assert (answer.status, texts(answer), answer.message_id) == ("reply", ["pong"], "m1")
    assert answer.task is None
    assert answer.warnings == []


@pytest.mark.parametrize(
    ("state", "status", "open_for_user", "closed"),
    [
        ("completed", "reply", False, True),
        ("failed", "reply", False, True),
        ("canceled", "reply", False, True),
        ("rejected", "reply", False, True),
        ("input-required", "reply", True, False),
        ("auth-required", "reply", True, False),
        ("unknown", "reply", False, True),
        ("submitted", "pending", False, False),
        ("working", "pending", False, False),
    ],
)
def test_task_states(state: str, status: str, open_for_user: bool, closed: bool) -> None:
    body = response(task(state, artifacts=[artifact(text("CAPS"))]))
    answer = parse_answer(body, request_id=ID)
    assert answer.status == status
    assert answer.task is not None
    assert (answer.task.id, answer.task.context_id, answer.task.state) == ("t1", "c1", state)
    assert answer.task.waiting_for_user == open_for_user
    assert answer.task.closed == closed
    assert texts(answer) == ([] if status == "pending" else ["CAPS"])
    assert ("$.result.status.state" in warned_at(answer)) == (state == "unknown")


def test_task_parts_come_from_all_artifacts_in_order() -> None:
    body = response(
        task("completed", artifacts=[artifact(text("a"), text("b")), artifact(text("c"))])
    )
    assert texts(parse_answer(body)) == ["a", "b", "c"]


def test_task_without_artifacts_falls_back_to_its_status_message() -> None:
    body = response(task("input-required", status_message=message(text("Which city?"))))
    answer = parse_answer(body)
    assert texts(answer) == ["Which city?"]
    assert answer.task is not None
    assert answer.task.waiting_for_user


def test_an_ended_task_with_nothing_to_show_warns() -> None:
    answer = parse_answer(response(task("completed")))
    assert answer.status == "reply"
    assert answer.parts == []
    assert "$.result" in warned_at(answer)


def test_a_tasks_history_is_kept_as_sent_and_never_fails_the_reply() -> None:
    echoed = {"role": "user", "parts": [{"type": "text", "text": "hi"}]}  # an A2A 0.1 echo
    answer = parse_answer(
        response(task("completed", artifacts=[artifact(text("ok"))], history=[echoed]))
    )
    assert (answer.status, texts(answer)) == ("reply", ["ok"])


def test_file_and_data_parts_are_read() -> None:
    parts = [
        {
            "kind": "file",
            "file": {"name": "a.png", "mimeType": "image/png", "uri": "https://x/a.png"},
        },
        {"kind": "data", "data": {"temp": 21}},
    ]
    answer = parse_answer(response(message(*parts)))
    assert isinstance(answer.parts[0], FilePart)
    assert answer.parts[0].file.uri == "https://x/a.png"
    assert isinstance(answer.parts[1], DataPart)
    assert answer.parts[1].data == {"temp": 21}


# -- what both modes tolerate --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_weather_agent_tasks_without_kind_or_artifact_id_load_with_warnings(mode: Any) -> None:
    result = task("completed", artifacts=[{"name": "weather", "parts": [text("Sunny")]}])
    del result["kind"]
    answer = parse_answer(response(result), mode=mode)
    assert (answer.status, texts(answer)) == ("reply", ["Sunny"])
    assert set(warned_at(answer)) == {"$.result.kind", "$.result.artifacts[0]"}


@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_a_message_without_kind_is_inferred(mode: Any) -> None:
    result = message(text("hi"))
    del result["kind"]
    answer = parse_answer(response(result), mode=mode)
    assert (answer.status, texts(answer), warned_at(answer)) == ("reply", ["hi"], ["$.result.kind"])


@pytest.mark.parametrize("mode", ["strict", "lenient"])
def test_a_part_without_kind_is_inferred(mode: Any) -> None:
    answer = parse_answer(response(message({"text": "hi"})), mode=mode)
    assert (texts(answer), warned_at(answer)) == (["hi"], ["$.result.parts[0]"])


def test_a_different_id_is_a_warning() -> None:
    answer = parse_answer(response(message(text("x")), id="task-id-instead"), request_id=ID)
    assert (answer.status, warned_at(answer)) == ("reply", ["$.id"])


def test_error_null_beside_a_result_is_fine() -> None:
    answer = parse_answer(response(message(text("x")), error=None), request_id=ID)
    assert (answer.status, answer.warnings) == ("reply", [])


def test_the_same_message_id_every_time_is_fine() -> None:
    first = parse_answer(response(message(text("pong"))))
    second = parse_answer(response(message(text("pong"))))
    assert first.message_id == second.message_id == "m1"
    assert first.warnings == second.warnings == []


# -- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (response(error={"code": -32601, "message": "Method not found"}), "$.error", "-32601"),
        (
            response(error={"code": -32001, "message": "Task not found"}),
            "$.error",
            "Task not found",
        ),
        (response(error="boom"), "$.error", "not {code, message}"),
        (b"<html><body>Bad gateway</body></html>", "$", "HTML page"),
        (b"pong", "$", "not JSON"),
        (b"", "$", "empty"),
        (b"[1, 2]", "$", "a list"),
        (json.dumps({"jsonrpc": "2.0", "id": ID}).encode(), "$", "neither result nor error"),
        (json.dumps({"jsonrpc": "2.0", "method": "message/send"}).encode(), "$.method", "request"),
        (response(result="pong"), "$.result", "must be an object"),
        (response({"hello": 1}), "$.result.kind", "has no kind"),
        (
            response({"kind": "status-update", "status": {"state": "working"}}),
            "$.result.kind",
            "status-update",
        ),
        (response(message(text("x"), parts="x")), "$.result.parts", "must be a list"),
        (response(message({"kind": "video", "url": "x"})), "$.result.parts[0]", "unknown kind"),
        (
            response(message({"kind": "text", "text": 5})),
            "$.result.parts[0].text",
            "must be a string",
        ),
        (
            response(message({"kind": "file", "file": {"name": "x"}})),
            "$.result.parts[0].file",
            "uri",
        ),
        (response(task("accepted")), "$.result.status.state", '"accepted"'),
        (response({"kind": "task", "id": "t", "status": {}}), "$.result.status.state", "missing"),
        (response({"kind": "task", "id": "t", "status": "done"}), "$.result.status", "an object"),
        (
            response(
                task(
                    "completed",
                    artifacts=[{"artifactId": "a", "parts": [{"type": "text", "text": "x"}]}],
                )
            ),
            "$.result.artifacts[0].parts[0]",
            '"type" where A2A 0.2 has "kind"',
        ),
    ],
)
def test_strict_failures_name_the_path(body: bytes, path: str, words: str) -> None:
    answer = parse_answer(body, request_id=ID)
    assert answer.status == "failed"
    assert answer.problem is not None
    assert answer.problem.path == path
    assert words in answer.problem.message
    assert answer.problem.hint
    assert answer.failure_text is not None
    assert words in answer.failure_text


def test_a_json_rpc_error_keeps_its_code() -> None:
    answer = parse_answer(
        response(error={"code": -32602, "message": "Invalid params", "data": [1]})
    )
    assert answer.error is not None
    assert (answer.error.code, answer.error.message, answer.error.data) == (
        -32602,
        "Invalid params",
        [1],
    )


@pytest.mark.parametrize(
    ("http_status", "body", "words"),
    [
        (500, b"Internal Server Error", "HTTP 500: Internal Server Error"),
        (404, b"", "HTTP 404: (empty body)"),
        (422, b'{"detail": [{"loc": ["params"], "msg": "dict expected"}]}', "HTTP 422"),
        (400, response(error={"code": -32600, "message": "Invalid Request"}), "-32600"),
    ],
)
def test_non_2xx_answers_fail_naming_the_status(http_status: int, body: bytes, words: str) -> None:
    answer = parse_answer(body, http_status=http_status)
    assert answer.status == "failed"
    assert answer.failure_text is not None
    assert words in answer.failure_text


def test_a_long_error_body_is_shortened() -> None:
    answer = parse_answer(b"x" * 10_000, http_status=502)
    assert answer.failure_text is not None
    assert len(answer.failure_text) < 300


# -- lenient mode ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "state", "warned"),
    [
        (
            task("accepted"),
            "unknown",
            ["$.result.status.state", "$.result.status.state", "$.result"],
        ),
        (
            task("COMPLETED", artifacts=[artifact(text("x"))]),
            "completed",
            ["$.result.status.state"],
        ),
        (
            task("input_required", artifacts=[artifact(text("x"))]),
            "input-required",
            ["$.result.status.state"],
        ),
        (task("cancelled", artifacts=[artifact(text("x"))]), "canceled", ["$.result.status.state"]),
    ],
)
def test_lenient_reads_odd_states(result: dict[str, Any], state: str, warned: list[str]) -> None:
    answer = parse_answer(response(result), mode="lenient")
    assert answer.task is not None
    assert answer.task.state == state
    assert warned_at(answer) == warned


def test_lenient_reads_type_for_kind_and_tasks_send_era_shapes() -> None:
    # An A2A 0.1 Task, as `tasks/send` agents answer: no kind, sessionId, parts with "type".
    result = {
        "id": "t1",
        "sessionId": "s1",
        "status": {
            "state": "completed",
            "message": {"role": "agent", "parts": [{"type": "text", "text": "hi"}]},
        },
        "artifacts": [{"name": "answer", "index": 0, "parts": [{"type": "text", "text": "done"}]}],
    }
    strict = parse_answer(response(result))
    lenient = parse_answer(response(result), mode="lenient")
    assert strict.status == "failed"
    assert (lenient.status, texts(lenient)) == ("reply", ["done"])
    assert lenient.task is not None
    assert lenient.task.context_id == "s1"
    assert "$.result.sessionId" in warned_at(lenient)
    assert "$.result.artifacts[0].parts[0]" in warned_at(lenient)


def test_lenient_reads_type_at_the_result_level() -> None:
    result = {"type": "message", "role": "agent", "parts": [text("x")]}
    strict = parse_answer(response(result))
    assert strict.status == "failed"
    assert strict.problem is not None
    assert strict.problem.path == "$.result.type"
    result = {"type": "message", "parts": [text("x")], "role": "assistant"}
    answer = parse_answer(response(result), mode="lenient")
    assert (answer.status, warned_at(answer)) == ("reply", ["$.result", "$.result.role"])


def test_lenient_still_fails_what_it_cannot_read() -> None:
    answer = parse_answer(response(message({"kind": "video"})), mode="lenient")
    assert answer.status == "failed"
    assert answer.problem is not None
    assert answer.problem.path == "$.result.parts[0]"


# -- pushes --------------------------------------------------------------------------------


def test_a_push_with_the_completed_task() -> None:
    body = response(task("completed", artifacts=[artifact(text("Sunny"))]), id="random-id")
    answer = parse_push(body)
    assert (answer.status, texts(answer)) == ("reply", ["Sunny"])
    assert answer.warnings == []  # pushes are matched by hook, not by JSON-RPC id


def test_a_push_with_an_error_is_a_failed_reply() -> None:
    answer = parse_push(response(error={"code": -32603, "message": "weather API down"}))
    assert answer.status == "failed"
    assert answer.error is not None
    assert answer.error.code == -32603


@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (
            json.dumps(
                {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {}}
            ).encode(),
            "$.method",
            "request",
        ),
        (b"not json", "$", "not JSON"),
        (json.dumps(task("completed")).encode(), "$", "not a JSON-RPC response"),
        (response(task("accepted")), "$.result.status.state", "accepted"),
        (response(result=[1]), "$.result", "must be an object"),
        (b'{"jsonrpc": "2.0", "id": 1}', "$", "neither result nor error"),
    ],
)
def test_unreadable_pushes_are_rejected(body: bytes, path: str, words: str) -> None:
    answer = parse_push(body)
    assert answer.status == "rejected"
    assert answer.problem is not None
    assert answer.problem.path == path
    assert answer.failure_text is not None
    assert words in answer.failure_text


def test_lenient_accepts_a_bare_task_push_as_a2a_sdk_sends_it() -> None:
    body = json.dumps(task("completed", artifacts=[artifact(text("ok"))])).encode()
    answer = parse_push(body, mode="lenient")
    assert (answer.status, texts(answer), warned_at(answer)) == ("reply", ["ok"], ["$"])


def test_the_input_is_never_changed() -> None:
    result = task("COMPLETED", artifacts=[{"parts": [{"type": "text", "text": "x"}]}])
    del result["kind"]
    before = json.dumps(result)
    document = {"jsonrpc": "2.0", "id": ID, "result": result}
    from emulator.a2a.answers import read_response

    read_response(document, request_id=ID, mode="lenient")
    assert json.dumps(result) == before
