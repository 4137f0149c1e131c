"""Replaying stored traffic through the integrations as they are now, and diffing it.

A replayed message is its `original_content` sent again through the channel's current
modifier chain (`Fanout.run_chain`, the very code a new message runs), with nothing
stored: no message, no delivery rows, unless `outputs` asks for the outputs to get it
too. A replayed tick fires again now and its returns are compared with the old ones.
Each replay is kept in memory (the newest `KEEP_REPLAYS`) and published as
`replay.finished`.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from emulator.db import models
from emulator.delivery.fanout import Fanout
from emulator.errors import EmulatorError, NotFound, ValidationFailed, problem
from emulator.infrastructure import Infrastructure
from emulator.replay_diff import message_result, summary, text_diff
from emulator.shapes import iso, message_view
from emulator.ticks.firing import TickService

KEEP_REPLAYS = 100
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_IDS = 1000
CONCURRENCY = 32  # messages replayed at once; each runs its chain in order
_FIELDS = {"message_ids", "channel_id", "since", "limit", "tick_ids", "outputs"}
_HINT = 'send {"message_ids": [...]}, {"channel_id": "…", "limit": 20} or {"tick_ids": [...]}'


class ReplayService:
    """Runs replays and keeps the newest ones."""

    def __init__(self, infra: Infrastructure, fanout: Fanout, ticks: TickService) -> None:
        self._infra = infra
        self._fanout = fanout
        self._ticks = ticks
        self._kept: deque[dict[str, Any]] = deque(maxlen=KEEP_REPLAYS)

    def list(self) -> list[dict[str, Any]]:
        """The kept replays, newest first, with their results."""
        return list(reversed(self._kept))

    async def replay(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /-/replay: validate, replay, record, publish; answers the record."""
        request = _validated(body)
        if "tick_ids" in request:
            kind, results = "ticks", await self._replay_ticks(request["tick_ids"])
        else:
            rows = await self._messages(request)
            kind, results = "messages", await self._replay_messages(rows, request["outputs"])
        record = {
            "id": models.new_id(),
            "kind": kind,
            "created_at": iso(self._infra.clock.now()),
            "request": request,
            "summary": summary(results),
            "results": results,
        }
        self._kept.append(record)
        self._infra.hub.publish(
            "replay.finished",
            {key: record[key] for key in ("id", "kind", "created_at", "request", "summary")},
        )
        return record

    # -- messages ------------------------------------------------------------------------

    async def _messages(self, request: dict[str, Any]) -> list[models.Message]:
        async with self._infra.db.read() as session:
            if "message_ids" in request:
                ids = request["message_ids"]
                found = {
                    row.id: row
                    for row in await session.scalars(
                        select(models.Message).where(models.Message.id.in_(ids))
                    )
                }
                missing = [i for i, mid in enumerate(ids) if mid not in found]
                if missing:
                    raise ValidationFailed(
                        f"{len(missing)} message id(s) are not stored messages",
                        [
                            problem(f"message_ids[{i}]", f"no message {ids[i]!r}", _LIST_HINT)
                            for i in missing
                        ],
                    )
                rows = [found[mid] for mid in dict.fromkeys(ids)]
                not_sent = [i for i, row in enumerate(rows) if row.source != "user"]
                if not_sent:
                    raise ValidationFailed(
                        "only messages people sent go through the modifier chain",
                        [_not_replayable(f"message_ids[{i}]", rows[i].source) for i in not_sent],
                    )
                return sorted(rows, key=lambda row: row.seq)
            channel = await session.get(models.Channel, request["channel_id"])
            if channel is None:
                raise NotFound(
                    f"no channel with id {request['channel_id']!r}; list them with "
                    "GET /api/v1/organisations/{org_id}/channels"
                )
            query = select(models.Message).where(
                models.Message.channel_id == channel.id, models.Message.source == "user"
            )
            if request.get("since"):
                query = query.where(models.Message.created_at >= _parse_time(request["since"]))
            query = query.order_by(models.Message.seq.desc()).limit(request["limit"])
            return list(reversed((await session.scalars(query)).all()))

    async def _replay_messages(
        self, rows: list[models.Message], outputs: bool
    ) -> list[dict[str, Any]]:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(stored: models.Message) -> dict[str, Any]:
            async with gate:
                return await self._replay_message(stored, outputs)

        return list(await asyncio.gather(*(one(row) for row in rows)))

    async def _replay_message(self, stored: models.Message, outputs: bool) -> dict[str, Any]:
        view = message_view(stored)
        # A detached row with the stored id: hops and outputs name the message they replay.
        again = models.Message(
            id=stored.id,
            channel_id=stored.channel_id,
            thread_id=stored.thread_id,
            content=stored.original_content,
            original_content=stored.original_content,
            username=stored.username,
            source="user",
            trace=[],
            created_at=stored.created_at,
        )
        try:
            chain = await self._fanout.run_chain(again)
        except EmulatorError as exc:
            return message_result(view, view["content"], view["trace"] or []) | {
                "changed": False,
                "error": exc.message,
            }
        if outputs:
            self._fanout.start_outputs(again, chain)
        return message_result(view, chain.content, chain.trace)

    # -- ticks ---------------------------------------------------------------------------

    async def _replay_ticks(self, tick_ids: list[str]) -> list[dict[str, Any]]:
        async with self._infra.db.read() as session:
            found = {
                row.id: row
                for row in await session.scalars(
                    select(models.Tick).where(models.Tick.id.in_(tick_ids))
                )
            }
        missing = [i for i, tid in enumerate(tick_ids) if tid not in found]
        if missing:
            raise ValidationFailed(
                f"{len(missing)} tick id(s) are not stored ticks",
                [
                    problem(f"tick_ids[{i}]", f"no tick {tick_ids[i]!r}", "list them: GET /-/ticks")
                    for i in missing
                ],
            )
        # One after another: a tick's returns are told apart by the newest tick per channel.
        return [await self._replay_tick(found[tid]) for tid in dict.fromkeys(tick_ids)]

    async def _replay_tick(self, old: models.Tick) -> dict[str, Any]:
        then_texts = await self._returned_texts(old.id)
        result: dict[str, Any] = {
            "tick_id": old.id,
            "integration_id": old.integration_id,
            "channel_id": old.channel_id,
            "then": _tick_side(old.outcome, old.status_code, old.reason, old.latency_ms),
            "then_content": "\n".join(then_texts),
            "returns_then": len(then_texts),
        }
        try:
            tick = await self._ticks.tick_now(old.integration_id, old.channel_id)
        except EmulatorError as exc:
            return result | {
                "new_tick_id": None,
                "now": None,
                "now_content": result["then_content"],
                "returns_now": 0,
                "changed": False,
                "diff": "",
                "error": exc.message,
            }
        now_texts = await self._returned_texts(tick["id"])
        now_content = "\n".join(now_texts)
        return result | {
            "new_tick_id": tick["id"],
            "now": _tick_side(
                tick["outcome"], tick["status_code"], tick["reason"], tick["latency_ms"]
            ),
            "now_content": now_content,
            "returns_now": len(now_texts),
            "changed": now_content != result["then_content"],
            "diff": text_diff(result["then_content"], now_content),
            "error": None,
        }

    async def _returned_texts(self, tick_id: str) -> list[str]:
        """The message texts posted back for a tick, in the order they arrived."""
        async with self._infra.db.read() as session:
            rows = await session.scalars(
                select(models.Return)
                .where(models.Return.tick_id == tick_id)
                .order_by(models.Return.received_at, models.Return.id)
            )
            return [_returned_text(row.body) for row in rows]


_LIST_HINT = "list a channel's messages: GET /api/v1/channels/{channel_id}/messages"


def _tick_side(outcome: Any, status: Any, reason: Any, latency: Any) -> dict[str, Any]:
    return {"outcome": outcome, "status_code": status, "reason": reason, "latency_ms": latency}


def _returned_text(body: str) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        return body
    if isinstance(decoded, dict) and isinstance(decoded.get("message"), str):
        return decoded["message"]
    return body


def _parse_time(value: str) -> datetime:
    at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def _id_list(body: dict[str, Any], name: str, errors: list[dict[str, str]]) -> list[str]:
    value = body[name]
    if not isinstance(value, list) or not value:
        errors.append(problem(name, f"{name} must be a non-empty list of ids", _HINT))
        return []
    if len(value) > MAX_IDS:
        errors.append(problem(name, f"{len(value)} ids", f"send at most {MAX_IDS} at once"))
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            errors.append(problem(f"{name}[{index}]", f"got {item!r}", "each id is a string"))
    return value


def _validated(body: dict[str, Any]) -> dict[str, Any]:
    """The replay request, normalised; ValidationFailed listing every problem."""
    errors: list[dict[str, str]] = []
    for name in sorted(set(body) - _FIELDS):
        errors.append(problem(name, "not a field of a replay request", _HINT))
    chosen = [name for name in ("message_ids", "channel_id", "tick_ids") if name in body]
    if len(chosen) != 1:
        what = "none" if not chosen else ", ".join(chosen)
        errors.append(
            problem(
                "$", f"give exactly one of message_ids, channel_id, tick_ids (got {what})", _HINT
            )
        )
    request: dict[str, Any] = {}
    outputs = body.get("outputs", False)
    if not isinstance(outputs, bool):
        errors.append(problem("outputs", f"got {outputs!r}", "send true or false"))
    if "tick_ids" in body:
        request["tick_ids"] = _id_list(body, "tick_ids", errors)
        if "outputs" in body:
            errors.append(problem("outputs", "ticks have no outputs", "leave outputs out"))
    else:
        request["outputs"] = outputs
    if "message_ids" in body:
        request["message_ids"] = _id_list(body, "message_ids", errors)
    if "channel_id" in body:
        channel_id = body["channel_id"]
        if not isinstance(channel_id, str) or not channel_id:
            errors.append(problem("channel_id", f"got {channel_id!r}", "a channel id string"))
        request["channel_id"] = channel_id
        limit = body.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            errors.append(problem("limit", f"got {limit!r}", f"a whole number, 1 to {MAX_LIMIT}"))
        request["limit"] = limit
        since = body.get("since")
        if since is not None:
            try:
                _parse_time(since) if isinstance(since, str) else int("x")
            except ValueError:
                errors.append(
                    problem(
                        "since", f"got {since!r}", 'an ISO 8601 time, e.g. "2025-01-01T12:00:00Z"'
                    )
                )
            request["since"] = since
    elif "limit" in body or "since" in body:
        errors.append(problem("limit", "limit and since go with channel_id", _HINT))
    if errors:
        raise ValidationFailed("the replay request was not accepted", errors)
    return request


def _not_replayable(path: str, source: str) -> dict[str, str]:
    """Why a message that no person sent cannot be replayed, and what to do instead."""
    if source == "agent":
        return problem(
            path,
            "this is an agent's reply: agents' replies skip the modifier chain",
            "replay the message that mentioned the agent instead",
        )
    return problem(
        path, "this message arrived on a webhook", 'replay a tick instead: {"tick_ids": [...]}'
    )
