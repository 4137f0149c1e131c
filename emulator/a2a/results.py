"""Reading one JSON-RPC `result` (a Message, Task or stream event) into a model (§3.4).

Both modes infer a missing `kind` from the shape, with a warning (Telex's own weather agent
sends Tasks without one). Strict mode (what Telex does) stops at anything else it cannot
read, naming the JSON path. Lenient mode also accepts `type` for `kind`, A2A 0.1
(`tasks/send`-era) shapes and unknown task states (as `unknown`), each with a warning.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from emulator.a2a.models import RESULT_MODELS, TASK_STATES, Result
from emulator.findings import Finding, json_path, json_type_name, show_value

Mode = Literal["strict", "lenient"]
MODES: tuple[Mode, ...] = ("strict", "lenient")

PART_KINDS = ("text", "file", "data")
_STATE_SPELLINGS = {"cancelled": "canceled"}  # lenient: British spelling, seen in the wild
_KIND_HINT = 'Set "kind": "message" on a Message and "kind": "task" on a Task.'


@dataclass(frozen=True)
class ResultProblem:
    """Why a result cannot be shown: one error Finding (path, message, hint)."""

    finding: Finding


def read_result(
    raw: Any, path: str, mode: Mode, kinds: tuple[str, ...], warnings: list[Finding]
) -> Result | ResultProblem:
    """The result at `path` as a model of one of `kinds`, or the problem that stops it.

    Warnings (inferred kinds, tolerated quirks) are appended to `warnings`.
    """
    if not isinstance(raw, dict):
        what = f"the result must be an object ({_kinds_text(kinds)}), got {json_type_name(raw)}"
        return ResultProblem(Finding("error", path, what, _KIND_HINT))
    obj = copy.deepcopy(raw)
    kind = _result_kind(obj, path, mode, kinds, warnings)
    if isinstance(kind, ResultProblem):
        return kind
    obj["kind"] = kind
    problem = _normalise(obj, path, mode, warnings)
    if problem is not None:
        return problem
    try:
        return RESULT_MODELS[kind].model_validate(obj)  # type: ignore[return-value]
    except ValidationError as exc:
        return ResultProblem(_finding_from(path, exc.errors()[0]))


def _kinds_text(kinds: tuple[str, ...]) -> str:
    names = {"message": "a Message", "task": "a Task", "status-update": "a status-update event",
             "artifact-update": "an artifact-update event"}  # fmt: skip
    return " or ".join(names[k] for k in kinds)


def _result_kind(
    obj: dict[str, Any], path: str, mode: Mode, kinds: tuple[str, ...], warnings: list[Finding]
) -> str | ResultProblem:
    kind = obj.get("kind")
    if kind is None and mode == "lenient" and isinstance(obj.get("type"), str):
        kind = obj["type"]
        warnings.append(_warning(path, f'"type": {show_value(kind)} read as "kind"', _KIND_HINT))
    if kind is None and "type" in obj:  # A2A 0.1 naming: lenient mode's to read
        what = 'the result has "type" where A2A 0.2 has "kind" (lenient mode reads it)'
        return ResultProblem(Finding("error", json_path(path, "type"), what, _KIND_HINT))
    if kind is None:
        kind = _inferred_kind(obj)
        if kind is not None:
            what = f'the result has no "kind": read as {show_value(kind)} from its shape'
            warnings.append(_warning(json_path(path, "kind"), what, _KIND_HINT))
    if kind in kinds:
        return kind
    said = "has no kind" if kind is None else f"has kind {show_value(kind)}"
    what = f"the result {said}; Telex expects {_kinds_text(kinds)}"
    return ResultProblem(Finding("error", json_path(path, "kind"), what, _KIND_HINT))


def _inferred_kind(obj: dict[str, Any]) -> str | None:
    if "artifact" in obj:
        return "artifact-update"
    if "status" in obj:
        return (
            "status-update" if "final" in obj or ("taskId" in obj and "id" not in obj) else "task"
        )
    if "parts" in obj:
        return "message"
    return None


def _normalise(
    obj: dict[str, Any], path: str, mode: Mode, warnings: list[Finding]
) -> ResultProblem | None:
    """Fix up, in place, what both modes (or lenient mode) tolerate; stop at the rest."""
    if mode == "lenient" and "sessionId" in obj and "contextId" not in obj:
        obj["contextId"] = obj["sessionId"]
        what = '"sessionId" (A2A 0.1) read as "contextId"'
        warnings.append(_warning(json_path(path, "sessionId"), what, 'Rename it "contextId".'))
    status = obj.get("status")
    if isinstance(status, dict):
        problem = _normalise_state(status, json_path(path, "status"), mode, warnings)
        if problem is not None:
            return problem
        if isinstance(status.get("message"), dict):
            _normalise_message(
                status["message"], json_path(path, "status", "message"), mode, warnings
            )
    if obj["kind"] == "message":
        _normalise_message(obj, path, mode, warnings)
    artifacts = [obj["artifact"]] if isinstance(obj.get("artifact"), dict) else obj.get("artifacts")
    if isinstance(artifacts, list):
        for index, artifact in enumerate(artifacts):
            at = (
                json_path(path, "artifact")
                if "artifact" in obj
                else json_path(path, "artifacts", index)
            )
            if isinstance(artifact, dict):
                if "artifactId" not in artifact:
                    what = "the artifact has no artifactId"
                    warnings.append(_warning(at, what, 'Give each artifact an "artifactId".'))
                _normalise_parts(artifact.get("parts"), json_path(at, "parts"), mode, warnings)
    return None


def _normalise_state(
    status: dict[str, Any], path: str, mode: Mode, warnings: list[Finding]
) -> ResultProblem | None:
    state = status.get("state")
    if not isinstance(state, str) or state in TASK_STATES:
        return None  # a missing or mistyped state is the model's to report
    at = json_path(path, "state")
    hint = f"Use one of the A2A task states: {', '.join(TASK_STATES)}."
    if mode == "strict":
        what = f"unknown task state {show_value(state)}"
        return ResultProblem(Finding("error", at, what, hint))
    spelled = state.strip().lower().replace("_", "-")
    spelled = _STATE_SPELLINGS.get(spelled, spelled)
    status["state"] = spelled if spelled in TASK_STATES else "unknown"
    what = f"task state {show_value(state)} read as {show_value(status['state'])}"
    warnings.append(_warning(at, what, hint))
    return None


def _normalise_message(
    message: dict[str, Any], path: str, mode: Mode, warnings: list[Finding]
) -> None:
    role = message.get("role")
    if role not in ("user", "agent"):
        what = f'role {show_value(role)} is not "agent": shown as the agent\'s reply anyway'
        warnings.append(_warning(json_path(path, "role"), what, 'Send "role": "agent".'))
        message["role"] = "agent"
    message.setdefault("kind", "message")
    _normalise_parts(message.get("parts"), json_path(path, "parts"), mode, warnings)


def _normalise_parts(parts: Any, path: str, mode: Mode, warnings: list[Finding]) -> None:
    if not isinstance(parts, list):
        return  # the model says "must be a list" with this path
    for index, part in enumerate(parts):
        if not isinstance(part, dict) or "kind" in part:
            continue
        at = json_path(path, index)
        if mode == "lenient" and part.get("type") in PART_KINDS:
            part["kind"] = part["type"]
            warnings.append(
                _warning(at, f'"type": {show_value(part["type"])} read as "kind"', _part_hint())
            )
            continue
        if "type" in part:
            continue  # A2A 0.1 naming in strict mode: the model reports the missing kind
        inferred = next((k for k in PART_KINDS if k in part), None)
        if inferred is not None:
            part["kind"] = inferred
            what = f'the part has no "kind": read as {show_value(inferred)} from its shape'
            warnings.append(_warning(at, what, _part_hint()))


def _part_hint() -> str:
    return 'Give every part a "kind": "text", "file" or "data".'


def _warning(path: str, message: str, hint: str) -> Finding:
    return Finding("warning", path, message, hint)


def _finding_from(prefix: str, error: Any) -> Finding:
    """pydantic's first error as a Finding whose path points into the agent's JSON."""
    loc = _wire_loc(tuple(error.get("loc", ())))
    path, kind, value = json_path(prefix, *loc), error.get("type", ""), error.get("input")
    field = str(loc[-1]) if loc else "the result"
    if kind == "missing":
        return Finding("error", path, f"{field} is missing", f'Add "{field}" (see A2A 0.2.5).')
    if kind == "union_tag_invalid":
        what = f"a part of unknown kind {show_value(value.get('kind') if isinstance(value, dict) else value)}"
        return Finding("error", path, what, _part_hint())
    if kind == "union_tag_not_found":
        if isinstance(value, dict) and "type" in value:
            what = 'a part with "type" where A2A 0.2 has "kind" (lenient mode reads it)'
            return Finding("error", path, what, _part_hint())
        return Finding("error", path, "a part without a kind", _part_hint())
    wanted = {"string_type": "a string", "list_type": "a list", "model_type": "an object",
              "dict_type": "an object", "bool_type": "true or false", "int_type": "an integer"}  # fmt: skip
    if kind in wanted:
        what = f"{field} must be {wanted[kind]}, got {json_type_name(value)}"
        return Finding("error", path, what, f"Send {field} as {wanted[kind]} (see A2A 0.2.5).")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        what = f"{field} is {show_value(value)}, expected {expected}"
        return Finding("error", path, what, "See A2A 0.2.5 for the allowed values.")
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return Finding("error", path, message, "See A2A 0.2.5 for this object's shape.")


def _wire_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union tags (`parts, 0, "text", "text"` -> `parts, 0, "text"`)."""
    out: list[Any] = []
    for index, item in enumerate(loc):
        after_part_index = (
            index >= 2 and isinstance(loc[index - 1], int) and loc[index - 2] == "parts"
        )
        if after_part_index and item in PART_KINDS:
            continue
        out.append(item)
    return tuple(out)
