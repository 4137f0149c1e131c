"""The A2A 0.2.x wire shapes Telex speaks, as our own pydantic models.

Field names are the wire's camelCase on purpose: the models are read against JSON written
by agent authors, and a path in an error message (`$.result.status.state`) must match
their file. Unknown keys are kept (`extra="allow"`), as Telex ignores them. We do not
depend on `a2a-sdk`: pinning its version would fight the agent author's own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, model_validator

TaskState = Literal[
    "submitted",
    "working",
    "input-required",
    "completed",
    "canceled",
    "failed",
    "rejected",
    "auth-required",
    "unknown",
]
TASK_STATES: tuple[str, ...] = TaskState.__args__  # type: ignore[attr-defined]
TERMINAL_STATES = frozenset({"completed", "canceled", "failed", "rejected"})
# The agent waits for the user: the task stays open and its id goes with the next message.
WAITING_FOR_USER_STATES = frozenset({"input-required", "auth-required"})
# The agent is still at work: the result comes later on the push webhook (or the stream).
WORKING_STATES = frozenset({"submitted", "working"})


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class TextPart(_Wire):
    kind: Literal["text"] = "text"
    text: StrictStr
    metadata: dict[str, Any] | None = None


class FileContent(_Wire):
    """A2A's FileWithUri | FileWithBytes in one model: exactly one of `uri`, `bytes`."""

    name: StrictStr | None = None
    mimeType: StrictStr | None = None
    uri: StrictStr | None = None
    bytes: StrictStr | None = None  # base64

    @model_validator(mode="after")
    def _uri_or_bytes(self) -> FileContent:
        if (self.uri is None) == (self.bytes is None):
            raise ValueError('a file needs exactly one of "uri" and "bytes"')
        return self


class FilePart(_Wire):
    kind: Literal["file"] = "file"
    file: FileContent
    metadata: dict[str, Any] | None = None


class DataPart(_Wire):
    # A2A types `data` as an object; Telex's workflow agents get (and some send) a list.
    kind: Literal["data"] = "data"
    data: Any
    metadata: dict[str, Any] | None = None


Part = Annotated[TextPart | FilePart | DataPart, Field(discriminator="kind")]


class Message(_Wire):
    kind: Literal["message"] = "message"
    role: Literal["user", "agent"] = "agent"
    parts: list[Part]
    messageId: StrictStr | None = None  # required by A2A; Telex shows replies without one
    contextId: StrictStr | None = None
    taskId: StrictStr | None = None
    metadata: dict[str, Any] | None = None


class TaskStatus(_Wire):
    state: TaskState
    message: Message | None = None
    timestamp: StrictStr | None = None


class Artifact(_Wire):
    artifactId: StrictStr | None = None  # required by A2A; Telex's weather agent omits it
    name: StrictStr | None = None
    description: StrictStr | None = None
    parts: list[Part]
    metadata: dict[str, Any] | None = None


class Task(_Wire):
    kind: Literal["task"] = "task"
    id: StrictStr | None = None
    contextId: StrictStr | None = None
    status: TaskStatus
    artifacts: list[Artifact] | None = None
    # Kept as sent: Telex never shows it, so a quirk in an echoed message must not fail a reply.
    history: list[Any] | None = None
    metadata: dict[str, Any] | None = None


class TaskStatusUpdateEvent(_Wire):
    kind: Literal["status-update"] = "status-update"
    taskId: StrictStr | None = None
    contextId: StrictStr | None = None
    status: TaskStatus
    final: StrictBool = False
    metadata: dict[str, Any] | None = None


class TaskArtifactUpdateEvent(_Wire):
    kind: Literal["artifact-update"] = "artifact-update"
    taskId: StrictStr | None = None
    contextId: StrictStr | None = None
    artifact: Artifact
    append: StrictBool | None = None
    lastChunk: StrictBool | None = None
    metadata: dict[str, Any] | None = None


Result = Message | Task | TaskStatusUpdateEvent | TaskArtifactUpdateEvent

RESULT_MODELS: dict[str, type[_Wire]] = {
    "message": Message,
    "task": Task,
    "status-update": TaskStatusUpdateEvent,
    "artifact-update": TaskArtifactUpdateEvent,
}


class JsonRpcError(_Wire):
    code: int
    message: StrictStr = ""
    data: Any = None


# -- what Telex sends (checked against the request builder in the tests) ----------------


class PushAuthentication(_Wire):
    schemes: list[StrictStr]
    credentials: StrictStr | None = None


class PushNotificationConfig(_Wire):
    url: StrictStr
    token: StrictStr | None = None
    authentication: PushAuthentication | None = None


class MessageSendConfiguration(_Wire):
    acceptedOutputModes: list[StrictStr]
    historyLength: int | None = None
    blocking: StrictBool | None = None
    pushNotificationConfig: PushNotificationConfig | None = None


class MessageSendParams(_Wire):
    message: Message
    configuration: MessageSendConfiguration | None = None
    metadata: dict[str, Any] | None = None


class JsonRpcRequest(_Wire):
    jsonrpc: Literal["2.0"]
    id: StrictStr | int
    method: StrictStr
    params: MessageSendParams
