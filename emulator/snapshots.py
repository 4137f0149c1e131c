"""Named snapshots of the whole state, kept in memory for fast, exact test resets.

Taking one reads every table (`state.read_state`); restoring hands the saved state to
`Services.restore`, the same path `/-/reset` takes (finish in-flight work, replace the
rows, reconcile the scheduler, drop cached routes). Snapshots live as long as the process
and survive `/-/reset`; `telex-emulator export` writes a state to a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulator.clock import Clock
from emulator.db.database import Database
from emulator.errors import NotFound, ValidationFailed, problem
from emulator.shapes import iso
from emulator.state import BoundState, WriteTracker, counts, read_state

MAX_NAME_CHARS = 100
MAX_SNAPSHOTS = 50


@dataclass(frozen=True)
class Snapshot:
    name: str
    state: BoundState
    created_at: datetime

    def view(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created_at": iso(self.created_at),
            "rows": counts(self.state.state),
        }


class Snapshots:
    """The named snapshots of one running emulator."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._saved: dict[str, Snapshot] = {}
        self._tracker = WriteTracker(db)

    async def take(self, name: Any) -> Snapshot:
        """Save the state under `name` (replacing an older one of that name)."""
        name = _valid_name(name)
        if name not in self._saved and len(self._saved) >= MAX_SNAPSHOTS:
            raise ValidationFailed(
                f"{MAX_SNAPSHOTS} snapshots are kept at most",
                [problem("name", "no room for another", "reuse a name to replace that one")],
            )
        mark = self._tracker.mark()  # before the read: a write in between counts as a change
        state = await read_state(self._db)
        snapshot = Snapshot(name, BoundState(state, self._tracker, mark), self._clock.now())
        self._saved[name] = snapshot
        return snapshot

    def get(self, name: str) -> Snapshot:
        found = self._saved.get(name)
        if found is None:
            known = ", ".join(sorted(self._saved)) or "none yet"
            raise NotFound(
                f"no snapshot named {name!r} (saved: {known}); take one with "
                'POST /-/snapshots {"name": …}'
            )
        return found

    def list(self) -> list[dict[str, Any]]:
        return [snapshot.view() for snapshot in self._saved.values()]


def _valid_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
        raise ValidationFailed(
            "a snapshot needs a name",
            [
                problem(
                    "name",
                    f"got {name!r}",
                    f'send {{"name": "baseline"}} (1 to {MAX_NAME_CHARS} characters)',
                )
            ],
        )
    return name.strip()
