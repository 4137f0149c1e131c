"""The push webhook, `POST /v1/a2a/webhooks/{hook}` (CONTRACT §3.5).

Checked in this order, each failure leaving the task unchanged: an unknown hook is 404
(looked up first, so nothing about auth leaks for ids that do not exist); then auth, a
Bearer token issued for this hook or the `X-TELEX-API-KEY` credentials sent with the
call, else 401; a body over 50 KB is 413; a body that is not a JSON-RPC response is 400
with the reason. A good push updates the task (state history, push list) and, when the
task ended or waits for the user, posts its parts to the channel, in one short write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulator import a2a
from emulator.agents.hooks import HOOK_PATH, Hook, HookBook, PushSigner
from emulator.agents.outcomes import Settled, settle
from emulator.agents.records import (
    TaskChange,
    TaskRow,
    TaskWriter,
    reply_row,
    state_entry,
    trimmed_pushes,
)
from emulator.clock import Clock
from emulator.config import Config
from emulator.deliveries import DeliveryLog, delivery_row, delivery_values
from emulator.errors import NotFound
from emulator.fanout import Fanout
from emulator.outbound import OutboundResult
from emulator.shapes import iso
from emulator.tasks import TaskTracker

MAX_PUSH_BYTES = 50 * 1024
MAX_WARNINGS_KEPT = 50


@dataclass(frozen=True)
class PushRequest:
    """One POST to a push hook, as the web layer read it."""

    hook_id: str
    authorization: str | None
    api_key: str | None
    body: bytes
    too_large: bool


@dataclass(frozen=True)
class PushAnswer:
    """The HTTP status and JSON body to answer with."""

    status: int
    body: dict[str, Any]


def _answer(status: int, message: str, data: dict[str, Any] | None = None) -> PushAnswer:
    """The Telex envelope, as every answer of the emulator's own API: data says which task."""
    verdict = "success" if status < 400 else "error"
    return PushAnswer(
        status, {"status": verdict, "status_code": status, "message": message, "data": data}
    )


class PushReceiver:
    """Checks and applies pushes to the hooks of calls (see the module doc)."""

    def __init__(
        self,
        hooks: HookBook,
        signer: PushSigner,
        writer: TaskWriter,
        deliveries: DeliveryLog,
        fanout: Fanout,
        tasks: TaskTracker,
        config: Config,
        clock: Clock,
    ) -> None:
        self._tasks = tasks
        self._hooks = hooks
        self._signer = signer
        self._writer = writer
        self._deliveries = deliveries
        self._fanout = fanout
        self._config = config
        self._clock = clock

    async def receive(self, push: PushRequest) -> PushAnswer:
        """Check, read and apply one push; never raises for what the agent sent."""
        received = self._clock.now()
        hook = await self._hooks.find(push.hook_id)
        if hook is None:
            return _answer(
                404, f"no push hook {push.hook_id!r}: use the pushNotificationConfig.url of a call"
            )
        if not hook.bearer_matches(push.authorization, received):
            try:
                a2a.authorise_push(
                    authorization=push.authorization,
                    api_key=push.api_key,
                    hook_id=hook.task_id,
                    secret=await self._signer.key(),
                    credentials=hook.api_key,
                    now=received,
                )
            except a2a.PushUnauthorised as exc:
                return await self._refused(hook, push, received, _answer(401, str(exc)))
        if push.too_large or len(push.body) > MAX_PUSH_BYTES:
            what = f"the push is over {MAX_PUSH_BYTES // 1024} KB; send the task's result, not its files"
            return await self._refused(hook, push, received, _answer(413, what))
        answer = a2a.parse_push(push.body, mode=self._config.a2a_mode)
        if answer.status == "rejected":
            reason = answer.failure_text or "the push could not be read"
            return await self._refused(hook, push, received, _answer(400, reason))
        settled = settle(answer)
        if self._hooks.in_flight(hook.task_id):
            # The agent pushed before its call was recorded: apply it right after, in order.
            self._tasks.spawn(self._apply_later(hook, push, received, settled), name="agent push")
            what = f"push received: the task is {settled.state} (applied once the call is recorded)"
            return _answer(200, what, {"task_id": hook.task_id, "state": settled.state})
        return await self._apply(hook, push, received, settled)

    async def _apply_later(
        self, hook: Hook, push: PushRequest, received: datetime, settled: Settled
    ) -> None:
        await self._hooks.call_done(hook.task_id)
        await self._apply(hook, push, received, settled)

    async def _apply(
        self, hook: Hook, push: PushRequest, received: datetime, settled: Settled
    ) -> PushAnswer:
        now = self._clock.now()
        reply = None
        if settled.reply is not None:
            reply = reply_row(
                agent_id=hook.agent_id,
                agent_name=hook.agent_name,
                task_id=hook.task_id,
                channel_id=hook.channel_id,
                thread_id=hook.thread_id,
                rendered=settled.reply,
                now=now,
                failed=settled.failed,
            )
        answer = _answer(
            200,
            f"push received: the task is {settled.state}",
            {"task_id": hook.task_id, "state": settled.state},
        )
        body_text = _logged(push.body, self._config.max_response_log_bytes)
        entry = {"at": iso(received), "state": settled.state, "body": body_text}

        def update(task: TaskRow) -> TaskRow:
            return {
                "state": settled.state,
                "states": [*(task["states"] or []), state_entry(settled.state, now)],
                "is_open": settled.is_open,
                "a2a_task_id": settled.a2a_task_id or task["a2a_task_id"],
                "context_id": settled.context_id or task["context_id"],
                "pushes": trimmed_pushes(task["pushes"] or [], entry),
                "reason": settled.reason if settled.failed else task["reason"],
                "warnings": [*(task["warnings"] or []), *settled.warnings][-MAX_WARNINGS_KEPT:],
                "updated_at": now,
            }

        delivery = self._delivery(hook, push, received, answer, outcome="ok", reason=settled.reason)
        try:
            await self._writer.submit(
                TaskChange(hook.task_id, delivery, update=update, reply=reply)
            )
        except NotFound as exc:
            return _answer(404, f"no push hook {push.hook_id!r} any more: {exc.message}")
        if reply is not None:
            self._fanout.deliver_stored(reply)  # outputs get agent replies, modifiers never
        return answer

    async def _refused(
        self, hook: Hook, push: PushRequest, received: datetime, answer: PushAnswer
    ) -> PushAnswer:
        """Log a refused push (the task is unchanged) and answer it."""
        reason = answer.body["message"]
        row = delivery_row(
            self._result(hook, push, received, answer),
            kind="agent_push",
            started_at=received,
            log_limit_bytes=self._config.max_response_log_bytes,
            outcome="error",
            reason=reason,
            channel_id=hook.channel_id,
            agent_id=hook.agent_id,
            task_id=hook.task_id,
        )
        await self._deliveries.record([row])
        return answer

    def _delivery(
        self,
        hook: Hook,
        push: PushRequest,
        received: datetime,
        answer: PushAnswer,
        *,
        outcome: str,
        reason: str | None,
    ) -> dict[str, Any]:
        return delivery_values(
            self._result(hook, push, received, answer),
            kind="agent_push",
            started_at=received,
            log_limit_bytes=self._config.max_response_log_bytes,
            outcome=outcome,
            reason=reason,
            channel_id=hook.channel_id,
            agent_id=hook.agent_id,
            task_id=hook.task_id,
        )

    def _result(
        self, hook: Hook, push: PushRequest, received: datetime, answer: PushAnswer
    ) -> OutboundResult:
        """The push as a delivery: what came in (request) and what we answered (response)."""
        url = self._config.base_url() + HOOK_PATH + hook.task_id
        body = "" if push.too_large else _logged(push.body, self._config.max_response_log_bytes)
        latency_ms = max(0.0, (self._clock.now() - received).total_seconds() * 1000)
        response = json.dumps(answer.body, ensure_ascii=False).encode()
        return OutboundResult(url, body, answer.status, response, False, round(latency_ms, 3), None)


def _logged(body: bytes, limit: int) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return text + (" …[truncated]" if len(body) > limit else "")
