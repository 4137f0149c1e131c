"""Sending a channel message: modifier chain, store, then outputs (CONTRACT §1.2).

1. Load the channel's active integrations once, in chain order.
2. Run the active modifiers one after another, each with `--modifier-timeout` (1 s on
   Telex) and each receiving the previous one's text. Only a 2xx JSON reply with a string
   `message` replaces the text; every other reply keeps it and the hop says why.
3. Record the modifier hops' delivery rows with the message (final content, typed
   content, trace) in the delivery log: one short write, shared with other messages and
   deliveries arriving meanwhile (group commit; never held across HTTP).
4. In the background (tracked, so `drain()` can wait), POST the final text concurrently
   to every active output and every active interval that declares a usable `target_url`,
   and log each delivery. `POST …/messages` answers after step 3 and never waits for 4.

What is sent and what is stored: integrations receive `message` in Telex's wire form,
HTML (`<p>…</p>` around the text, HTML-escaped, unless the text already contains a tag)
or, with `--message-format text`, the text as typed. The stored `content` is what people
typed, or what the last modifier that replaced it returned; `original_content` is always
what was typed. The trace's `content_before`/`content_after` show the wire text each
modifier got and what it passed on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from emulator import payloads
from emulator.config import Config
from emulator.db import models
from emulator.delivery.log import delivery_row
from emulator.delivery.messages import MessageStore, validate_post
from emulator.delivery.modifiers import UNCHANGED, modifier_verdict, wire_message
from emulator.infrastructure import Infrastructure
from emulator.integrations import ActiveIntegration, IntegrationService
from emulator.outbound import OutboundResult

log = logging.getLogger(__name__)

ACTIVE_CACHE_TTL_S = 1.0
ACTIVE_CACHE_MAX_CHANNELS = 1000


@dataclass
class _Hop:
    """One modifier call: its verdict, the text that replaces the message (or None)."""

    outcome: str
    reason: str | None
    replacement: str | None
    result: OutboundResult
    delivery: dict[str, Any]  # delivery_row values


@dataclass
class Chain:
    """What the modifier chain made of one text: nothing stored or sent yet."""

    active: list[ActiveIntegration]  # the channel's active integrations, in chain order
    text: str  # the wire text the outputs get
    content: str  # what is stored: the typed text, or the last replacement
    trace: list[dict[str, Any]]  # one entry per modifier hop
    hop_rows: list[dict[str, Any]]  # their delivery_row values


# (integration, delivery kind, URL or None, why no request is made or None)
_Step = tuple[ActiveIntegration, str, str | None, str | None]


def _missing_url(active: ActiveIntegration) -> str:
    return (
        f"{active.app_name} has no usable target_url (declared as empty, '#', 'none' or "
        'not http(s)); set one with PUT …/integrations/custom/{id} {"target_url": …}'
    )


class Fanout:
    """Runs the modifier chain, stores the message and delivers it (module docstring)."""

    # Told of every message this path stored: the agents route people's messages.
    on_stored: Callable[[models.Message], None] | None = None

    def __init__(
        self, infra: Infrastructure, store: MessageStore, integrations: IntegrationService
    ) -> None:
        self._infra = infra
        self._store = store
        self._integrations = integrations
        # channel_id -> (monotonic time read, its active integrations in chain order)
        self._active_cache: dict[str, tuple[float, list[ActiveIntegration]]] = {}
        self._active_generation = 0
        self._active_reads: dict[str, asyncio.Future[list[ActiveIntegration]]] = {}
        integrations.on_change(self.forget_active)

    async def forget_active(self) -> None:
        """Drop the cached routes: the integrations of some channel changed."""
        self._active_generation += 1
        self._active_cache.clear()
        self._active_reads.clear()  # reads in flight may predate the change

    async def _active_on(self, channel_id: str) -> list[ActiveIntegration]:
        """The channel's active integrations, from a short-lived cache.

        Reading them costs about as much CPU as the rest of a message together. Every
        install, settings, activation and order change clears the cache (on_change); the
        TTL bounds staleness after changes that bypass the service (`/-/reset`, another
        process on the same database). Concurrent misses share one read.
        """
        hit = self._active_cache.get(channel_id)
        if hit is not None and time.monotonic() - hit[0] < ACTIVE_CACHE_TTL_S:
            return hit[1]
        shared = self._active_reads.get(channel_id)
        if shared is not None:
            with contextlib.suppress(Exception):  # the reader failed: read for ourselves
                return await asyncio.shield(shared)
        return await self._read_active(channel_id)

    async def _read_active(self, channel_id: str) -> list[ActiveIntegration]:
        generation = self._active_generation
        read_at = time.monotonic()
        shared: asyncio.Future[list[ActiveIntegration]] = asyncio.get_running_loop().create_future()
        self._active_reads[channel_id] = shared
        try:
            active = await self._integrations.active(channel_id=channel_id)
        except BaseException as exc:
            shared.set_exception(
                exc if isinstance(exc, Exception) else RuntimeError("the shared read stopped")
            )
            shared.exception()  # retrieved: a waiter, if any, reads for itself
            raise
        finally:
            if self._active_reads.get(channel_id) is shared:
                del self._active_reads[channel_id]
        shared.set_result(active)
        if generation == self._active_generation:  # no change landed while we read
            if len(self._active_cache) >= ACTIVE_CACHE_MAX_CHANNELS:
                self._active_cache.clear()
            self._active_cache[channel_id] = (read_at, active)
        return active

    async def send(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A person's message from POST …/messages."""
        content, thread_id, username = validate_post(body)
        row = models.Message(
            id=models.new_id(),
            channel_id=channel_id,
            thread_id=thread_id,
            content=content,
            original_content=content,
            username=username,
            source="user",
            trace=[],
            created_at=self._infra.clock.now(),
        )
        return await self.send_message(row)

    async def run_chain(self, row: models.Message) -> Chain:
        """Run the channel's current modifier chain on `row.content` (the typed text).

        Stores and sends nothing: `send_message` stores the result, replays compare it.
        """
        active = await self._active_on(row.channel_id)
        modifiers = [a for a in active if a.integration_type == "modifier"]
        if modifiers and row.thread_id is not None:
            # Fail before calling anyone: a wrong thread_id is the sender's mistake.
            await self._store.require_thread(row.channel_id, row.thread_id)

        typed = row.content
        text = wire_message(typed, self._infra.config.message_format)
        trace: list[dict[str, Any]] = []
        hop_rows: list[dict[str, Any]] = []
        replaced = False
        for modifier in modifiers:
            hop = await self._run_modifier(modifier, row, text)
            before = text
            if hop.replacement is not None:
                text, replaced = hop.replacement, True
            trace.append(
                {
                    "integration_id": modifier.integration_id,
                    "app_name": modifier.app_name,
                    "outcome": hop.outcome,
                    "reason": hop.reason,
                    "status_code": hop.result.status_code,
                    "latency_ms": hop.result.latency_ms,
                    "content_before": before,
                    "content_after": text,
                }
            )
            hop_rows.append(hop.delivery)
        return Chain(active, text, text if replaced else typed, trace, hop_rows)

    async def send_message(self, row: models.Message) -> dict[str, Any]:
        """Run the chain on `row.content`, store the row, start the outputs.

        Returns the stored message view, which carries the per-modifier `trace`.
        """
        if row.id is None:
            row.id = models.new_id()
        if not row.original_content:
            row.original_content = row.content
        chain = await self.run_chain(row)
        row.content = chain.content
        row.trace = chain.trace
        # The modifier hops are logged in the message's own write: they happened either way.
        view = await self._infra.deliveries.record(chain.hop_rows, message=row)
        self.start_outputs(row, chain)
        if self.on_stored is not None:
            self.on_stored(row)
        return view

    def start_outputs(self, row: models.Message, chain: Chain) -> None:
        """In the background, POST the chain's final text to every output and target."""
        plan = self._plan(chain.active)
        if plan:
            self._infra.tasks.spawn(
                self._deliver_all(row, chain.text, plan), name=f"fanout {row.id}"
            )

    def _plan(self, active: list[ActiveIntegration]) -> list[_Step]:
        return [
            step
            for step in (self._target_of(a) for a in active if a.integration_type != "modifier")
            if step[2] is not None or step[3] is not None  # else nothing to send or log
        ]

    def deliver_stored(self, row: models.Message) -> None:
        """Deliver a message stored elsewhere (an agent's reply) to the channel's outputs
        and targets, in the background, without the modifier chain."""
        self._infra.tasks.spawn(self._deliver_stored(row), name=f"fanout {row.id}")

    async def _deliver_stored(self, row: models.Message) -> None:
        plan = self._plan(await self._active_on(row.channel_id))
        if plan:
            await self._deliver_all(
                row, wire_message(row.content, self._infra.config.message_format), plan
            )

    async def _run_modifier(
        self, modifier: ActiveIntegration, row: models.Message, text: str
    ) -> _Hop:
        started = self._infra.clock.now()
        body = self._body(modifier, row, text)
        if not modifier.target_url:
            result = OutboundResult.not_sent(body)
            outcome, reason, replacement = (
                "skipped",
                f"{_missing_url(modifier)}; {UNCHANGED}",
                None,
            )
        else:
            result = await self._infra.outbound.post_json(
                modifier.target_url, body, self._infra.config.modifier_timeout_s
            )
            outcome, reason, replacement = modifier_verdict(
                result, self._infra.config.accept_error_status
            )
        delivery = self._delivery(result, "modifier", started, modifier, row, outcome, reason)
        return _Hop(outcome, reason, replacement, result, delivery)

    def _delivery(
        self,
        result: OutboundResult,
        kind: str,
        started: datetime,
        active: ActiveIntegration,
        row: models.Message,
        outcome: str | None,
        reason: str | None,
    ) -> dict[str, Any]:
        """The delivery row of one request about a message."""
        return delivery_row(
            result,
            kind=kind,
            started_at=started,
            log_limit_bytes=self._infra.config.max_response_log_bytes,
            outcome=outcome,
            reason=reason,
            integration_id=active.integration_id,
            channel_id=row.channel_id,
            message_id=row.id,
        )

    def _body(self, active: ActiveIntegration, row: models.Message, text: str) -> dict[str, Any]:
        return payloads.message_body(
            message=text,
            channel_id=row.channel_id,
            org_id=active.organisation_id,
            thread_id=row.thread_id,
            settings=active.settings,
        )

    def _target_of(self, active: ActiveIntegration) -> _Step:
        """Where an output or interval gets the message; a URL of None means no request."""
        if active.integration_type == "output":
            if not active.target_url:
                return active, "output", None, _missing_url(active)
            return active, "output", active.target_url, None
        url = active.target_url
        if not url or _points_at_telex(url, self._infra.config):
            # Most intervals declare no target_url, or Telex's own webhook: nothing to send.
            return active, "target", None, None
        return active, "target", url, None

    async def _deliver_all(self, row: models.Message, text: str, plan: list[_Step]) -> None:
        """Every output and target at once (CONTRACT §1.2: outputs run concurrently)."""
        if len(plan) == 1:
            await self._deliver(row, text, *plan[0])
        else:
            await asyncio.gather(*(self._deliver(row, text, *step) for step in plan))

    async def _deliver(
        self,
        row: models.Message,
        text: str,
        active: ActiveIntegration,
        kind: str,
        url: str | None,
        why_not: str | None,
    ) -> None:
        started = self._infra.clock.now()
        body = self._body(active, row, text)
        if url is None:
            result = OutboundResult.not_sent(body)
            outcome, reason = "skipped", why_not
        else:
            result = await self._infra.outbound.post_json(
                url, body, self._infra.config.output_timeout_s
            )
            outcome, reason = None, None  # any 2xx is ok (delivery_row's default)
        await self._infra.deliveries.record(
            [self._delivery(result, kind, started, active, row, outcome, reason)]
        )


def _points_at_telex(url: str, config: Config) -> bool:
    """True for Telex's own webhook URLs (ping.telex.im, or this emulator's /v1/webhooks).

    Several interval specs put their Telex webhook in `target_url`; POSTing channel
    messages there would loop them back into the channel.
    """
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return True
    if host == "telex.im" or host.endswith(".telex.im"):
        return True
    return url.startswith(config.base_url() + "/") and "/webhooks/" in url
