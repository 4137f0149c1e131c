"""Reading a `message/stream` answer: Server-Sent Events into one live reply (§3.3).

`SseDecoder` turns the bytes of an SSE body into the `data:` payload of each event;
`StreamReader` accumulates those payloads (JSON-RPC responses whose result is a Message,
Task, status-update or artifact-update) into one reply. Consecutive Message events are one
reply, each starting a new line; `artifact-update` with `append: true` is a delta joined
with no separator; a final status (or a Task that ended) ends the stream.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from emulator.a2a.answers import AgentAnswer, TaskSnapshot, read_envelope
from emulator.a2a.models import (
    Artifact,
    JsonRpcError,
    Message,
    Part,
    Task,
    TaskArtifactUpdateEvent,
    TaskStatus,
    TaskStatusUpdateEvent,
    TextPart,
)
from emulator.a2a.results import Mode, ResultProblem, read_result
from emulator.findings import Finding
from emulator.json_document import parse_json_document

STREAM_KINDS = ("message", "task", "status-update", "artifact-update")


class SseDecoder:
    """Incremental SSE parser: feed body chunks, get each complete event's data."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes | str) -> list[str]:
        """The data of every event completed by `chunk` (multi-line data joined by "\\n")."""
        text = self._utf8.decode(chunk) if isinstance(chunk, bytes | bytearray) else chunk
        self._pending += text
        events: list[str] = []
        *lines, self._pending = self._pending.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for line in lines:
            self._line(line, events)
        return events

    def close(self) -> list[str]:
        """At end of body: the last event, even without its closing blank line."""
        events: list[str] = []
        tail = self._pending + self._utf8.decode(b"", final=True)
        self._pending = ""
        if tail:
            self._line(tail, events)
        self._line("", events)
        return events

    def _line(self, line: str, events: list[str]) -> None:
        if not line:
            if self._data:
                events.append("\n".join(self._data))
                self._data = []
            return
        if line.startswith(":"):
            return  # a comment (keep-alive)
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))


@dataclass
class _Block:
    """One line group of the reply: a Message event's parts or one artifact's parts."""

    parts: list[Part]
    artifact_id: str | None = None


@dataclass
class StreamReader:
    """Accumulates one `message/stream` answer; `feed` each event's data, then `finish`."""

    request_id: str | None = None
    mode: Mode = "strict"
    task: TaskSnapshot | None = None
    final: bool = False  # a final status, an ended Task, or a problem: stop reading
    problem: Finding | None = None
    error: JsonRpcError | None = None
    warnings: list[Finding] = field(default_factory=list)
    events: int = 0
    message_id: str | None = None
    _blocks: list[_Block] = field(default_factory=list)
    _status_parts: list[Part] = field(default_factory=list)

    def feed(self, data: bytes | str) -> None:
        """Take one event's `data:` payload (a JSON-RPC response)."""
        if self.final:
            return
        self.events += 1
        where = f"stream event #{self.events}"
        document, findings = parse_json_document(data, where, "a JSON-RPC response")
        if document is None:
            self._fail(findings[0])
            return
        envelope = read_envelope(document, request_id=self.request_id)
        if isinstance(envelope, AgentAnswer):  # a JSON-RPC error, or not a response
            self._take_warnings(envelope.warnings, where)
            self.error = envelope.error
            assert envelope.problem is not None
            self._fail(envelope.problem, where)
            return
        self._take_warnings(envelope.warnings, where)
        warnings: list[Finding] = []
        result = read_result(envelope.result, "$.result", self.mode, STREAM_KINDS, warnings)
        self._take_warnings(warnings, where)
        if isinstance(result, ResultProblem):
            self._fail(result.finding, where)
            return
        self._apply(result)

    @property
    def parts(self) -> list[Part]:
        """The reply so far: every block's parts in order (status text if nothing else)."""
        parts = [part for block in self._blocks for part in block.parts]
        return parts or list(self._status_parts)

    @property
    def text(self) -> str:
        """The reply's text so far: text parts, one per line."""
        return "\n".join(p.text for p in self.parts if isinstance(p, TextPart))

    def finish(self) -> AgentAnswer:
        """The whole reply, at a final event, the end of the body, or the timeout."""
        if self.problem is not None:
            return AgentAnswer(
                "failed",
                self.parts,
                self.task,
                self.message_id,
                self.problem,
                self.error,
                self.warnings,
            )
        if self.events == 0:
            what = "the stream ended without any event"
            hint = (
                'Send each reply as an SSE event: "data: {jsonrpc, id, result}" then a blank line.'
            )
            return AgentAnswer(
                "failed", problem=Finding("error", "$", what, hint), warnings=self.warnings
            )
        warnings = list(self.warnings)
        if not self.final and self.task is not None and self.task.working:
            what = f"the stream ended while the task was {self.task.state}: showing what came"
            hint = 'End with a status-update whose "final" is true.'
            warnings.append(Finding("warning", "$", what, hint))
        return AgentAnswer("reply", self.parts, self.task, self.message_id, warnings=warnings)

    def _apply(
        self, result: Message | Task | TaskStatusUpdateEvent | TaskArtifactUpdateEvent
    ) -> None:
        if isinstance(result, Message):
            self._blocks.append(_Block(list(result.parts)))
            self.message_id = result.messageId or self.message_id
        elif isinstance(result, Task):
            self._status(result.id, result.contextId, result.status)
            for artifact in result.artifacts or []:
                self._artifact(artifact, append=False)
            self.final = self.final or not self.task.working  # type: ignore[union-attr]
        elif isinstance(result, TaskStatusUpdateEvent):
            self._status(result.taskId, result.contextId, result.status)
            self.final = self.final or result.final
        else:
            self._artifact(result.artifact, append=bool(result.append))

    def _status(self, task_id: str | None, context_id: str | None, status: TaskStatus) -> None:
        known = self.task
        self.task = TaskSnapshot(
            task_id or (known.id if known else None),
            context_id or (known.context_id if known else None),
            status.state,
            status.timestamp,
        )
        if status.message is not None and status.message.parts:
            self._status_parts = list(status.message.parts)

    def _artifact(self, artifact: Artifact, append: bool) -> None:
        same = [
            b for b in self._blocks if artifact.artifactId and b.artifact_id == artifact.artifactId
        ]
        if not same:
            self._blocks.append(_Block(list(artifact.parts), artifact.artifactId))
        elif not append:
            same[-1].parts = list(artifact.parts)  # a new version of the artifact replaces it
        else:
            block = same[-1]
            for part in artifact.parts:
                last = block.parts[-1] if block.parts else None
                if isinstance(last, TextPart) and isinstance(part, TextPart):
                    block.parts[-1] = last.model_copy(update={"text": last.text + part.text})
                else:
                    block.parts.append(part)

    def _take_warnings(self, warnings: list[Finding], where: str) -> None:
        # Once per stream is enough: the streaming example sends a fresh id in every event.
        seen = {(w.path, w.hint) for w in self.warnings}
        self.warnings += [_in_event(w, where) for w in warnings if (w.path, w.hint) not in seen]

    def _fail(self, problem: Finding, where: str | None = None) -> None:
        self.problem = _in_event(problem, where) if where else problem
        self.final = True


def _in_event(finding: Finding, where: str) -> Finding:
    """The finding with the event named in its message (paths restart in every event)."""
    if finding.message.startswith(where):
        return finding
    return Finding(finding.severity, finding.path, f"{where}: {finding.message}", finding.hint)
