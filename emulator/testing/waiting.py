"""wait_for_message's predicate: what matches, and what to report when nothing did."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from emulator.testing.results import Entity, Message, Predicate, Record, TelexAPIError, entity_id

if TYPE_CHECKING:
    from emulator.testing.client import AsyncTelexClient


def matcher(predicate: Predicate) -> Callable[[Message], bool]:
    """`predicate` (None, a text the content contains, or a callable) as a test."""
    if predicate is None:
        return lambda _message: True
    if isinstance(predicate, str):
        text = predicate
        return lambda message: text in (message.get("content") or "")
    if callable(predicate):
        return lambda message: bool(predicate(message))
    raise TypeError(f"predicate must be None, a text or a callable, not {predicate!r}")


async def nothing_arrived(
    client: AsyncTelexClient, channel: Entity, predicate: Predicate, timeout_s: float
) -> str:
    """The timeout's message: what was awaited, what did arrive, and likely causes."""
    channel_id = entity_id(channel, "channel")
    name = channel.get("name") if isinstance(channel, Mapping) else None
    where = f"channel {name!r} ({channel_id})" if name else f"channel {channel_id}"
    lines = [f"no {_describe(predicate)} arrived in {where} within {timeout_s:g} s."]
    arrived = await client.messages(channel_id)
    if not arrived:
        lines.append("The channel has no messages.")
    else:
        lines.append(f"Messages in the channel ({len(arrived)}):")
        for message in arrived[-20:]:
            author = f"{message.get('source')} {message.get('username')!r}"
            lines.append(f"  - [{author}] {_short(message.get('content'))}")
    lines.extend(await _diagnostics(client, channel_id))
    return "\n".join(lines)


async def _diagnostics(client: AsyncTelexClient, channel_id: str) -> list[str]:
    """The channel's failed deliveries and webhook bodies: often why nothing came."""
    lines: list[str] = []
    query = {"channel_id": channel_id}
    failed = [d for d in await _log(client, "/-/deliveries", query) if d.get("outcome") != "ok"]
    if failed:
        lines.append(f"Failed deliveries for the channel ({len(failed)}, newest first):")
    for d in failed[:5]:
        status = f", HTTP {d['status_code']}" if d.get("status_code") else ""
        reason = f": {_short(d['reason'], 200)}" if d.get("reason") else ""
        lines.append(f"  - {d.get('kind')} {d.get('url')}: {d.get('outcome')}{status}{reason}")
    returns = await _log(client, "/-/returns", query)
    returns = [r for r in returns if r.get("channel_id", channel_id) == channel_id]
    if returns:
        lines.append(f"Bodies received on the channel's webhook ({len(returns)}):")
    for r in returns[:5]:
        verdict = r.get("verdict")
        if isinstance(verdict, Mapping):
            shown = (
                f"{verdict.get('status')} {verdict.get('status_code')}: {verdict.get('message')}"
            )
        else:
            shown = _short(verdict)
        lines.append(f"  - {_short(shown, 200)}")
    return lines


async def _log(client: AsyncTelexClient, path: str, query: Mapping[str, str]) -> list[Record]:
    try:
        rows = await client.request("GET", path, query=query)
    except (TelexAPIError, ConnectionError):
        return []  # a diagnostic only: the timeout is the error to report
    return rows if isinstance(rows, list) else []


def _describe(predicate: Predicate) -> str:
    if predicate is None:
        return "message"
    if isinstance(predicate, str):
        return f"message containing {predicate!r}"
    name = getattr(predicate, "__qualname__", repr(predicate))
    if name == "<lambda>":
        source = _lambda_source(predicate)
        if source:
            return f"message matching `{source}`"
    return f"message matching {name}"


def _lambda_source(function: Any) -> str:
    """`lambda m: ...` cut out of its line, or "" when the source is not at hand."""
    try:
        line = inspect.getsource(function)
    except (OSError, TypeError):
        return ""
    start = line.find("lambda")
    if start < 0:
        return ""
    depth = 0
    for end in range(start, len(line)):
        char = line[end]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth < 0 or (depth == 0 and char in ",\n"):
            return line[start:end].strip()
    return line[start:].strip()


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
