"""`message/stream`: an agent's Server-Sent Events as one reply that updates live (§3.3).

The reply message is stored at the first text and then only published as it grows
(`message.updated`, so the UI shows it live); the caller stores the whole text once at the
end: the end of the body, a final status, or the timeout, whichever comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator import a2a
from emulator.agents.hooks import Hook
from emulator.agents.records import reply_row
from emulator.agents.routing import AgentRoute
from emulator.clock import Clock
from emulator.config import Config
from emulator.db import models
from emulator.errors import EmulatorError
from emulator.findings import Finding
from emulator.hub import EventHub
from emulator.messages import MessageStore
from emulator.outbound import OutboundClient, OutboundResult
from emulator.shapes import message_view


@dataclass
class Streamed:
    """A finished stream: the HTTP exchange, the answer read from it, the live reply row."""

    result: OutboundResult
    answer: a2a.AgentAnswer
    reply: models.Message | None


class StreamCall:
    """Runs one `message/stream` exchange and keeps its reply message live."""

    def __init__(
        self,
        outbound: OutboundClient,
        store: MessageStore,
        hub: EventHub,
        config: Config,
        clock: Clock,
    ) -> None:
        self._outbound = outbound
        self._store = store
        self._hub = hub
        self._config = config
        self._clock = clock

    async def run(
        self, route: AgentRoute, message: models.Message, hook: Hook, body: dict
    ) -> Streamed:
        """POST `message/stream` and follow the events until the stream is over."""
        assert route.rpc_url is not None
        reader = a2a.StreamReader(request_id=body["id"], mode=self._config.a2a_mode)
        decoder = a2a.SseDecoder()
        live = _LiveReply(self._store, self._hub, self._clock, route, message, hook)

        async def on_chunk(chunk: bytes) -> bool:
            for data in decoder.feed(chunk):
                reader.feed(data)
            await live.show(reader)
            return reader.final

        result = await self._outbound.post_stream(
            route.rpc_url, body, self._config.agent_timeout_s, on_chunk
        )
        if result.status_code is not None and not 200 <= result.status_code < 300:
            answer = a2a.parse_answer(result.body, http_status=result.status_code)
            return Streamed(result, answer, live.row)
        if result.error is not None and reader.events == 0:
            hint = "Make sure the agent is running and streams within --agent-timeout."
            what = f"no stream from the agent: {result.error}"
            return Streamed(result, _failed(what, hint), live.row)
        if not reader.final and result.error is None:
            for data in decoder.close():
                reader.feed(data)
        if reader.events == 0 and result.body.strip().startswith(b"{"):
            # An agent that ignores streaming and answers one JSON-RPC response: read it.
            answer = a2a.parse_answer(
                result.body, request_id=body["id"], mode=self._config.a2a_mode
            )
            return Streamed(result, answer, live.row)
        answer = reader.finish()
        if result.error is not None and answer.status == "reply":
            what = f"the stream was cut short ({result.error}): showing what came"
            hint = "Send a final status-update, or answer faster than --agent-timeout."
            answer = a2a.AgentAnswer(
                answer.status,
                answer.parts,
                answer.task,
                answer.message_id,
                warnings=[*answer.warnings, Finding("warning", "$", what, hint)],
            )
        return Streamed(result, answer, live.row)


class _LiveReply:
    """The reply message while the stream runs: stored at the first text, then published."""

    def __init__(
        self,
        store: MessageStore,
        hub: EventHub,
        clock: Clock,
        route: AgentRoute,
        message: models.Message,
        hook: Hook,
    ) -> None:
        self._store = store
        self._hub = hub
        self._clock = clock
        self._route = route
        self._message = message
        self._hook = hook
        self.row: models.Message | None = None
        self._shown = ""

    async def show(self, reader: a2a.StreamReader) -> None:
        parts = reader.parts
        if not parts:
            return
        rendered = a2a.render_parts(parts)
        if rendered.content == self._shown:
            return
        self._shown = rendered.content
        if self.row is None:
            row = reply_row(
                agent_id=self._route.agent_id,
                agent_name=self._route.name,
                task_id=self._hook.task_id,
                channel_id=self._message.channel_id,
                thread_id=self._message.thread_id,
                rendered=rendered,
                now=self._clock.now(),
            )
            row.status = "working"
            try:
                await self._store.add(row)
            except EmulatorError:  # the channel went away meanwhile: nothing to show
                return
            self.row = row
            return
        self.row.content = self.row.original_content = rendered.content
        self.row.parts = rendered.parts
        self._hub.publish("message.updated", message_view(self.row))


def _failed(what: str, hint: str) -> a2a.AgentAnswer:
    return a2a.AgentAnswer("failed", problem=Finding("error", "$", what, hint))
