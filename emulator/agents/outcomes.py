"""What an agent's answer or push means: the task's state, whether it stays open, and the
reply to post (CONTRACT §3.4). Pure: read answers in, decisions out."""

from __future__ import annotations

from dataclasses import dataclass

from emulator import a2a
from emulator.agents.records import failure_reply
from emulator.findings import Finding
from emulator.outbound import OutboundResult


@dataclass(frozen=True)
class Settled:
    """What an answer means for the task and the channel."""

    state: str
    is_open: bool
    reply: a2a.RenderedReply | None
    failed: bool
    reason: str | None
    a2a_task_id: str | None
    context_id: str | None
    warnings: list[dict[str, str]]


def settle(answer: a2a.AgentAnswer) -> Settled:
    """The task state, openness and reply of a read answer (or push)."""
    warnings = [f.as_dict() for f in answer.warnings]
    task = answer.task
    task_id = task.id if task else None
    context_id = task.context_id if task else None
    if answer.status in ("failed", "rejected"):
        reason = answer.failure_text or "the answer could not be read"
        return Settled(
            "failed", False, failure_reply(reason), True, reason, task_id, context_id, warnings
        )
    if answer.status == "pending":
        assert task is not None
        return Settled(task.state, True, None, False, None, task_id, context_id, warnings)
    state = task.state if task else "completed"
    is_open = bool(task and task.waiting_for_user)
    reply = a2a.render_parts(answer.parts) if answer.parts else None
    return Settled(state, is_open, reply, False, None, task_id, context_id, warnings)


def transport_failure(result: OutboundResult) -> a2a.AgentAnswer | None:
    """A failed answer when no usable HTTP answer came (refused, reset, timeout, too big)."""
    if result.error is not None:
        reason = f"no answer from the agent: {result.error}"
    elif result.truncated:
        reason = f"the agent's answer is over {len(result.body)} bytes, too large to read"
    else:
        return None
    hint = "Make sure the agent is running and answers within --agent-timeout."
    return a2a.AgentAnswer("failed", problem=Finding("error", "$", reason, hint))
