"""OpenAPI operations and schemas of the regression-testing routes (replay, seed, snapshots).

Kept apart so `openapi_schemas.py` stays readable; `openapi.py` assembles them.
"""

from __future__ import annotations

from typing import Any

from emulator.web.openapi_schemas import (
    ANY,
    BOOLEAN,
    ID,
    INTEGER,
    NULLABLE_STRING,
    NUMBER,
    STRING,
    TIME,
    Schema,
    array,
    enum,
    nullable,
    obj,
    ref,
    text,
)

ROWS: list[tuple[Any, ...]] = [
    ("post", "/-/replay", "replay",
     "Replay stored messages (or ticks) through the integrations as they are now, and diff",
     200, ref("Replay"), "404 422", "ReplayRequest"),
    ("get", "/-/replays", "listReplays", "The kept replays (the newest 100), newest first",
     200, array(ref("Replay")), "", None),
    ("post", "/-/seed", "applySeed",
     "Apply a seed file (its JSON form): idempotent, and all or nothing",
     200, ref("SeedReport"), "422", "SeedFile"),
    ("get", "/-/snapshots", "listSnapshots", "The named snapshots of this run",
     200, array(ref("Snapshot")), "", None),
    ("post", "/-/snapshots", "takeSnapshot", "Save the whole state under a name",
     201, ref("Snapshot"), "422", "SnapshotRequest"),
    ("post", "/-/snapshots/{name}/restore", "restoreSnapshot",
     "Put a snapshot's state back exactly (ids included); the scheduler follows",
     200, ref("Restored"), "404", None),
]  # fmt: skip

DESCRIPTIONS = {
    "replay": "Each stored user message's `original_content` goes through the channel's "
    "current modifier chain as a new message would, but nothing is stored, and outputs "
    "get it only with `outputs: true`. `{tick_ids}` fires those ticks again and compares "
    "the texts returned for them. The record is kept (GET /-/replays) and published as "
    "`replay.finished`.",
    "applySeed": "Keys are names (organisations, channels; integrations by their "
    "`app_name`): applying twice changes nothing. A file with any problem changes nothing "
    "and is a 422 whose `data.errors` point into the file (`$.organisations[0].name`).",
}

PATH_PARAMETERS = {"name": "a snapshot's name"}

_HOP_SIDE = nullable(
    obj(
        outcome=NULLABLE_STRING,
        status_code=nullable(INTEGER),
        reason=NULLABLE_STRING,
        latency_ms=nullable(NUMBER),
        content_after=NULLABLE_STRING,
    )
)


def schemas() -> dict[str, Schema]:
    s: dict[str, Schema] = {}
    s["ReplayRequest"] = {
        **obj(
            additional=False,
            message_ids=array(ID),
            channel_id=ID,
            since=TIME,
            limit={"type": "integer", "minimum": 1, "maximum": 1000},
            tick_ids=array(ID),
            outputs=BOOLEAN,
        ),
        "description": "Exactly one of message_ids, channel_id (with since, limit) or tick_ids.",
    }
    s["ReplayHop"] = obj(
        "integration_id change differs then now",
        integration_id=ID,
        app_name=NULLABLE_STRING,
        change=enum(("kept", "moved", "added", "removed")),
        differs=BOOLEAN,
        then=_HOP_SIDE,
        now=_HOP_SIDE,
    )
    s["ReplayResult"] = obj(
        "changed diff then_content now_content error",
        message_id=ID,
        tick_id=ID,
        new_tick_id=nullable(ID),
        channel_id=ID,
        original_content=STRING,
        then_content=STRING,
        now_content=STRING,
        changed=BOOLEAN,
        hops_changed=BOOLEAN,
        diff=text("a unified diff of the text, then vs now (empty when equal)"),
        hops=array(ref("ReplayHop")),
        error=NULLABLE_STRING,
    )
    s["Replay"] = obj(
        "id kind created_at request summary results",
        id=ID,
        kind=enum(("messages", "ticks")),
        created_at=TIME,
        request=obj(),
        summary=obj(
            "total changed unchanged errors",
            total=INTEGER,
            changed=INTEGER,
            unchanged=INTEGER,
            errors=INTEGER,
        ),
        results=array(ref("ReplayResult")),
    )
    s["SeedFile"] = obj(
        version={"const": 1},
        organisations=array(obj("name", name=STRING, integrations=array(ANY), channels=array(ANY))),
    )
    s["SeedReport"] = obj(
        "created updated unchanged warnings",
        created=array(STRING),
        updated=array(STRING),
        unchanged=INTEGER,
        warnings=array(ANY),
    )
    s["SnapshotRequest"] = obj("name", name=text(minLength=1, maxLength=100))
    rows = {"type": "object", "additionalProperties": INTEGER}
    s["Snapshot"] = obj("name created_at rows", name=STRING, created_at=TIME, rows=rows)
    s["Restored"] = obj(
        "status name created_at rows",
        status={"const": "restored"},
        name=STRING,
        created_at=TIME,
        rows=rows,
    )
    return s
