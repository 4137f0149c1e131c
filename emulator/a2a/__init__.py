"""Telex agents over A2A 0.2.x, the pure part: no I/O, no clock reads, no database.

- `cards`: lint an agent card or workflow JSON into an `AgentDescription` (§3.1)
- `text`: mentions and the plain text an agent gets (§3.2)
- `request`: the JSON-RPC request Telex sends (§3.3)
- `tokens`: the push JWT and the push webhook's authentication (§3.5)
- `answers`, `results`: what an answer or a push means for the channel (§3.4, §3.5)
- `streams`: `message/stream` SSE into one reply (§3.3)
- `display`: reply parts as stored content and safe display parts
- `models`: the wire shapes (pydantic)
"""

from __future__ import annotations

from emulator.a2a.answers import AgentAnswer, TaskSnapshot, parse_answer, parse_push
from emulator.a2a.cards import (
    AgentDescription,
    Capabilities,
    card_base_url,
    card_url_candidates,
    describe_agent,
    describe_card,
    describe_workflow,
    detect_document,
)
from emulator.a2a.display import RenderedReply, render_parts
from emulator.a2a.models import TASK_STATES, TaskState
from emulator.a2a.request import PushTarget, build_request, history_part, new_id
from emulator.a2a.results import MODES, Mode
from emulator.a2a.streams import SseDecoder, StreamReader
from emulator.a2a.text import mentioned, plain_text, strip_html
from emulator.a2a.tokens import (
    PushUnauthorised,
    authorise_push,
    issue_push_token,
    verify_push_token,
)

__all__ = [
    "MODES",
    "TASK_STATES",
    "AgentAnswer",
    "AgentDescription",
    "Capabilities",
    "Mode",
    "PushTarget",
    "PushUnauthorised",
    "RenderedReply",
    "SseDecoder",
    "StreamReader",
    "TaskSnapshot",
    "TaskState",
    "authorise_push",
    "build_request",
    "card_base_url",
    "card_url_candidates",
    "describe_agent",
    "describe_card",
    "describe_workflow",
    "detect_document",
    "history_part",
    "issue_push_token",
    "mentioned",
    "new_id",
    "parse_answer",
    "parse_push",
    "plain_text",
    "render_parts",
    "strip_html",
    "verify_push_token",
]
