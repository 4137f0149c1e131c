"""What the clients answer: JSON records, messages, and the error for an error answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Entity = Mapping[str, Any] | str  # an entity as the API returned it, or its id
Predicate = Callable[["Message"], bool] | str | None


class Record(dict[str, Any]):
    """A JSON object from the emulator: a dict whose keys also read as attributes.

    Keys named like dict methods (`values`, `items`, ...) need `record["values"]`.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no field {name!r}; it has: {', '.join(self)}"
            ) from None


class Message(Record):
    """A channel message; from `send()` it also carries the modifier `trace` (hops)."""

    @property
    def message(self) -> str:
        """The final text, after every modifier (same as `content`)."""
        return self["content"]

    @property
    def trace(self) -> list[Record]:
        """One hop per modifier: integration_id, app_name, outcome, reason, status_code,
        latency_ms, content_before, content_after."""
        return self.get("trace") or []


class Agent(Record):
    """An installed agent: id, name, rpc_url, effective_rpc_url, capabilities, skills,
    direct_channel_id (where every message goes to it), source ("card" or "workflow")."""

    @property
    def direct_channel(self) -> str:
        """The id of the agent's direct channel."""
        return self["direct_channel_id"]


class Reply(Message):
    """An agent's final reply (a channel message), with the call's `task` record."""

    def __init__(self, message: Mapping[str, Any], task: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.task = Record(task)

    @property
    def state(self) -> str:
        """The task's state: completed, input-required, auth-required, failed, ..."""
        return self.task["state"]


def wrap(value: Any) -> Any:
    """Decoded JSON with every object made a Record."""
    if isinstance(value, dict):
        return Record({key: wrap(item) for key, item in value.items()})
    if isinstance(value, list):
        return [wrap(item) for item in value]
    return value


def entity_id(entity: Entity | None, what: str) -> str:
    """The id of an entity given as the client returned it, or as its id."""
    if isinstance(entity, str) and entity:
        return entity
    if isinstance(entity, Mapping) and isinstance(entity.get("id"), str):
        return entity["id"]
    raise TypeError(f"{what} must be a {what} as returned by the client or its id, not {entity!r}")


class TelexAPIError(Exception):
    """The emulator answered an error: its status, message and `data.errors`."""

    def __init__(self, method: str, path: str, status_code: int, body: Any) -> None:
        envelope = body if isinstance(body, dict) else {}
        data = envelope.get("data")
        self.method, self.path, self.status_code, self.body = method, path, status_code, body
        self.message: str = str(envelope.get("message") or body or "no body")
        self.data: Any = data
        self.errors: list[dict[str, Any]] = (
            list(data.get("errors") or []) if isinstance(data, dict) else []
        )
        lines = [f"{method} {path} answered {status_code}: {self.message}"]
        for error in self.errors:
            hint = f" (hint: {error['hint']})" if error.get("hint") else ""
            lines.append(f"  - {error.get('path', '?')}: {error.get('message', error)}{hint}")
        super().__init__("\n".join(lines))
