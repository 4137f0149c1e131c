"""What an agent's answer, or a push, means for the channel (CONTRACT §3.4, §3.5).

`parse_answer` reads the HTTP answer to a `message/send`; `parse_push` reads a body POSTed
to the push webhook. Both return an `AgentAnswer` whose `status` says what to do:

- `reply`: post `parts` now (a Message; a Task that ended, waits for the user, or is
  `unknown`). `task` says whether it stays open (`task.waiting_for_user`).
- `pending`: a Task still `submitted`/`working`; its result comes on the push webhook.
- `failed`: post a failed reply showing `problem` (HTTP status, JSON-RPC error code, or
  the JSON path of what could not be read).
- `rejected` (pushes only): answer 400 with `problem`; the task is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.a2a.models import (
    TERMINAL_STATES,
    WAITING_FOR_USER_STATES,
    WORKING_STATES,
    JsonRpcError,
    Message,
    Part,
    Task,
    TaskState,
)
from emulator.a2a.results import Mode, ResultProblem, read_result
from emulator.findings import Finding, json_type_name, show_value
from emulator.json_document import parse_json_document

AnswerStatus = Literal["reply", "pending", "failed", "rejected"]

BODY_PREVIEW_CHARS = 200
_RESPONSE_HINT = (
    'Answer {"jsonrpc": "2.0", "id": <the request id>, "result": <Message or Task>} '
    'or {"jsonrpc": "2.0", "id": ..., "error": {"code": ..., "message": ...}}.'
)


@dataclass(frozen=True)
class TaskSnapshot:
    """A task as an answer or push left it."""

    id: str | None
    context_id: str | None
    state: TaskState
    timestamp: str | None = None

    @property
    def waiting_for_user(self) -> bool:
        """input-required / auth-required: its id goes with the user's next message."""
        return self.state in WAITING_FOR_USER_STATES

    @property
    def working(self) -> bool:
        """submitted / working: the result comes later (push or stream)."""
        return self.state in WORKING_STATES

    @property
    def closed(self) -> bool:
        """Terminal, or `unknown` (which Telex closes, with a warning)."""
        return self.state in TERMINAL_STATES or self.state == "unknown"


@dataclass(frozen=True)
class AgentAnswer:
    """One agent answer or push, read: see the module docstring for `status`."""

    status: AnswerStatus
    parts: list[Part] = field(default_factory=list)
    task: TaskSnapshot | None = None
    message_id: str | None = None
    problem: Finding | None = None  # why it failed or was rejected
    error: JsonRpcError | None = None  # the agent's JSON-RPC error, when it sent one
    warnings: list[Finding] = field(default_factory=list)

    @property
    def failure_text(self) -> str | None:
        """The problem as one line for the channel, e.g. `$.result.parts: ... must be a list`."""
        if self.problem is None:
            return None
        if self.problem.path == "$":
            return self.problem.message
        return f"{self.problem.path}: {self.problem.message}"


def parse_answer(
    body: bytes | str,
    *,
    http_status: int = 200,
    request_id: str | None = None,
    mode: Mode = "strict",
) -> AgentAnswer:
    """Read the agent's HTTP answer to `message/send` (status `reply`, `pending`, `failed`).

    `request_id` is the JSON-RPC id sent; a different id in the answer is a warning.
    """
    if not 200 <= http_status < 300:
        return _http_failure(body, http_status)
    document, findings = parse_json_document(body, "the agent's answer", "a JSON-RPC response")
    if document is None:
        what = f"{findings[0].message} (HTTP {http_status}): {_preview(body)}"
        return _failed(what, _RESPONSE_HINT)
    return read_response(document, request_id=request_id, mode=mode)


def parse_push(body: bytes | str, *, mode: Mode = "strict") -> AgentAnswer:
    """Read a push body: a JSON-RPC response carrying a Task or Message (or an error).

    Unreadable bodies are `rejected` (the web layer answers 400 with `failure_text`); the
    push is matched by its hook, so its JSON-RPC id is not compared.
    """
    document, findings = parse_json_document(body, "the push", "a JSON-RPC response")
    if document is None:
        return _rejected(findings[0])
    if isinstance(document, dict) and "method" in document and "result" not in document:
        what = (
            f"the push is a JSON-RPC request (method {show_value(document['method'])}), "
            "not a response"
        )
        hint = 'Push {"jsonrpc": "2.0", "id": ..., "result": <the Task>} to this URL.'
        return _rejected(Finding("error", "$.method", what, hint))
    if isinstance(document, dict) and not {"result", "error", "jsonrpc"} & document.keys():
        if mode == "lenient":  # a2a-sdk's push sender posts the bare Task
            warnings = [
                Finding("warning", "$", "the push is a bare Task or Message", _RESPONSE_HINT)
            ]
            return _from_result(document, "$", mode, warnings)
        what = "the push is not a JSON-RPC response (no result and no error)"
        return _rejected(Finding("error", "$", what, _RESPONSE_HINT))
    answer = read_response(document, request_id=None, mode=mode)
    if answer.status == "failed" and answer.error is None:
        assert answer.problem is not None
        return _rejected(answer.problem, answer.warnings)
    return answer


@dataclass(frozen=True)
class Envelope:
    """A JSON-RPC response whose envelope holds: its raw `result` and the warnings so far."""

    result: Any
    warnings: list[Finding]


def read_envelope(document: Any, *, request_id: str | None) -> Envelope | AgentAnswer:
    """Check a decoded JSON-RPC response's envelope; a `failed` AgentAnswer when it is an
    error or not a response, else the raw result to read."""
    if not isinstance(document, dict):
        what = f"the answer is {json_type_name(document)}, not a JSON-RPC response object"
        return _failed(what, _RESPONSE_HINT)
    if "method" in document and "result" not in document and "error" not in document:
        what = f"the answer is a JSON-RPC request (method {show_value(document['method'])})"
        return _failed(what, _RESPONSE_HINT, "$.method")
    warnings: list[Finding] = []
    if document.get("jsonrpc") != "2.0":
        what = f'jsonrpc is {show_value(document.get("jsonrpc"))}, not "2.0"'
        warnings.append(Finding("warning", "$.jsonrpc", what, 'Send "jsonrpc": "2.0".'))
    if request_id is not None and document.get("id") != request_id:
        # Capitalizer answers with its own id, some agents with the task id: Telex shows them.
        what = f"the answer's id {show_value(document.get('id'))} is not the request's id"
        warnings.append(Finding("warning", "$.id", what, "Echo the request's JSON-RPC id."))
    error = document.get("error")
    if error is not None:  # `"error": null` beside a result is fine (the streaming example)
        return _rpc_error(error, warnings)
    if "result" not in document:
        return _failed("the answer has neither result nor error", _RESPONSE_HINT, "$", warnings)
    return Envelope(document["result"], warnings)


def read_response(document: Any, *, request_id: str | None, mode: Mode) -> AgentAnswer:
    """Read a decoded JSON-RPC response whose `result` is a Message or a Task."""
    envelope = read_envelope(document, request_id=request_id)
    if isinstance(envelope, AgentAnswer):
        return envelope
    return _from_result(envelope.result, "$.result", mode, envelope.warnings)


def outcome_of(
    result: Message | Task, warnings: list[Finding], path: str = "$.result"
) -> AgentAnswer:
    """What a Message or Task means for the channel (see the module docstring)."""
    if isinstance(result, Message):
        return AgentAnswer(
            "reply", list(result.parts), message_id=result.messageId, warnings=warnings
        )
    status = result.status
    task = TaskSnapshot(result.id, result.contextId, status.state, status.timestamp)
    if task.working:
        return AgentAnswer("pending", task=task, warnings=warnings)
    parts: list[Part] = [p for artifact in result.artifacts or [] for p in artifact.parts]
    if not parts and status.message is not None:
        parts = list(status.message.parts)
    if task.state == "unknown":
        what = 'the task state is "unknown": its parts are shown and the task is closed'
        hint = "Report a real state (completed, failed, input-required, ...)."
        warnings = [*warnings, Finding("warning", f"{path}.status.state", what, hint)]
    if not parts:
        what = f"the task is {task.state} but has no artifacts and no status message to show"
        hint = "Put the answer in artifacts[].parts (or status.message.parts)."
        warnings = [*warnings, Finding("warning", path, what, hint)]
    return AgentAnswer("reply", parts, task=task, warnings=warnings)


def _from_result(raw: Any, path: str, mode: Mode, warnings: list[Finding]) -> AgentAnswer:
    result = read_result(raw, path, mode, ("message", "task"), warnings)
    if isinstance(result, ResultProblem):
        return AgentAnswer("failed", problem=result.finding, warnings=warnings)
    assert isinstance(result, Message | Task)  # the only kinds asked for
    return outcome_of(result, warnings, path)


def _rpc_error(error: Any, warnings: list[Finding]) -> AgentAnswer:
    hint = "The agent reported this error itself: see its logs."
    try:
        parsed = JsonRpcError.model_validate(error)
    except ValueError:
        what = f"the agent answered a JSON-RPC error that is not {{code, message}}: {show_value(error)}"
        return _failed(what, _RESPONSE_HINT, "$.error", warnings)
    said = _short(parsed.message) or "(no message)"
    what = f"the agent answered JSON-RPC error {parsed.code}: {said}"
    problem = Finding("error", "$.error", what, hint)
    return AgentAnswer("failed", problem=problem, error=parsed, warnings=warnings)


def _short(text: str, limit: int = BODY_PREVIEW_CHARS) -> str:
    """One line, at most `limit` characters: agent text shown inside our own message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _preview(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes | bytearray) else body
    return _short(text) or "(empty body)"


def _http_failure(body: bytes | str, http_status: int) -> AgentAnswer:
    document, _ = parse_json_document(body, "the agent's answer", "a JSON-RPC response")
    error = document.get("error") if isinstance(document, dict) else None
    if error is not None:  # some SDKs send their JSON-RPC errors with 4xx/5xx
        inner = _rpc_error(error, [])
        if inner.error is not None:
            code, said = inner.error.code, _short(inner.error.message)
            what = f"the agent answered HTTP {http_status} with JSON-RPC error {code}: {said}"
            problem = Finding("error", "$", what, "The agent reported this error itself.")
            return AgentAnswer("failed", problem=problem, error=inner.error)
    what = f"the agent answered HTTP {http_status}: {_preview(body)}"
    return _failed(what, "The agent should answer 200 with a JSON-RPC response; see its logs.")


def _failed(
    what: str, hint: str, path: str = "$", warnings: list[Finding] | None = None
) -> AgentAnswer:
    return AgentAnswer(
        "failed", problem=Finding("error", path, what, hint), warnings=warnings or []
    )


def _rejected(problem: Finding, warnings: list[Finding] | None = None) -> AgentAnswer:
    return AgentAnswer("rejected", problem=problem, warnings=warnings or [])
