"""Reading the emulator's event stream (/-/events), as wait_for_message does."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aiohttp

from emulator.testing.results import Message, TelexAPIError, wrap

if TYPE_CHECKING:
    from emulator.testing.client import AsyncTelexClient

Events = AsyncIterator[tuple[str, str]]


@contextlib.asynccontextmanager
async def subscription(client: AsyncTelexClient, types: str) -> AsyncIterator[Events]:
    """Subscribe to /-/events (`types`: comma separated); yield its (event, data) pairs.
    Subscribed on entry: whatever happens from then on arrives as an event."""
    async with client.http().get(
        f"{client.url}/-/events?types={types}",
        headers={"Accept": "text/event-stream"},
        timeout=aiohttp.ClientTimeout(total=None, sock_read=None),
    ) as response:
        if response.status != 200:
            raise TelexAPIError("GET", "/-/events", response.status, await response_body(response))
        yield sse_events(response.content)


async def sse_events(content: Any) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a Server-Sent Events stream, until it ends."""
    buffer = b""
    event, data = "message", []
    async for chunk in content.iter_any():
        buffer += chunk
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)


def event_message(data: str) -> Message | None:
    """The message of a `message.created` event's data, or None if it holds none."""
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    if isinstance(payload, dict) and "channel_id" not in payload:
        payload = payload.get("message")  # tolerate {"message": {...}} wrappers
    return Message(wrap(payload)) if isinstance(payload, dict) else None


async def response_body(response: aiohttp.ClientResponse) -> Any:
    """A refused stream's body: JSON if it parses, else text."""
    raw = await response.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")
