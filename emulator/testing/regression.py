"""Replays, seed files and snapshots from the test client (TelexClient gets blocking twins)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from emulator.testing.results import Entity, Record, entity_id, wrap

Seed = str | Path | Mapping[str, Any]


class Replay(Record):
    """A replay's record: `.changed` (any text changed), `.diff` (every change), `.results`.

    Its repr shows the diffs, so `assert not replay.changed` fails with what changed.
    """

    @property
    def changed(self) -> bool:
        return bool(self["summary"]["changed"])

    @property
    def results(self) -> list[Record]:
        return self["results"]

    @property
    def diff(self) -> str:
        """The unified diff of every changed result, each under its message or tick id."""
        parts = []
        for result in self["results"]:
            if result.get("changed"):
                name = result.get("message_id") or result.get("tick_id")
                parts.append(f"# {name}: {result.get('original_content', '')!r}\n{result['diff']}")
        return "\n".join(parts)

    def assert_unchanged(self) -> None:
        """AssertionError showing every diff when anything changed."""
        if self.changed:
            raise AssertionError(
                f"the replay changed {self['summary']['changed']} text(s):\n{self.diff}"
            )

    def __repr__(self) -> str:
        summary = self["summary"]
        head = f"<Replay {summary['total']} replayed, {summary['changed']} changed"
        return head + (f":\n{self.diff}>" if self.changed else ">")


def seed_document(seed: Seed) -> dict[str, Any]:
    """A seed file's document: read from a YAML or JSON path, or given as a dict."""
    if isinstance(seed, Mapping):
        return dict(seed)
    from emulator.seed.files import load_seed_file

    return load_seed_file(seed)


class AsyncRegression:
    """replay, seed, snapshot and restore for AsyncTelexClient."""

    request: Callable[..., Awaitable[Any]]  # AsyncTelexClient's

    async def replay(
        self,
        channel: Entity | None = None,
        *,
        last: int | None = None,
        since: datetime | str | None = None,
        messages: list[Entity] | None = None,
        ticks: list[Entity] | None = None,
        outputs: bool = False,
    ) -> Replay:
        """Replay a channel's last messages (or given messages, or ticks) as things are now."""
        body: dict[str, Any]
        if messages is not None:
            body = {"message_ids": [entity_id(m, "message") for m in messages], "outputs": outputs}
        elif ticks is not None:
            body = {"tick_ids": [entity_id(t, "tick") for t in ticks]}
        elif channel is not None:
            body = {"channel_id": entity_id(channel, "channel"), "outputs": outputs}
            if last is not None:
                body["limit"] = last
            if since is not None:
                body["since"] = since.isoformat() if isinstance(since, datetime) else since
        else:
            raise TypeError("replay() needs a channel, messages= or ticks=")
        return Replay(wrap(await self.request("POST", "/-/replay", body)))

    async def seed(self, seed: Seed) -> Record:
        """Apply a seed file (a path to YAML or JSON, or the document as a dict)."""
        return await self.request("POST", "/-/seed", seed_document(seed))

    async def snapshot(self, name: str) -> Record:
        """Save the whole state under `name`."""
        return await self.request("POST", "/-/snapshots", {"name": name})

    async def restore(self, name: str) -> Record:
        """Put the snapshot `name` back exactly."""
        return await self.request("POST", f"/-/snapshots/{quote(name, safe='')}/restore")
