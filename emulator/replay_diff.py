"""Comparing a replay with what happened then: the text diff and the hops. Pure: no I/O."""

from __future__ import annotations

import difflib
from typing import Any

# What each side of a hop comparison shows.
HOP_FIELDS = ("outcome", "status_code", "reason", "latency_ms", "content_after")


def text_diff(then: str, now: str, then_label: str = "then", now_label: str = "now") -> str:
    """A unified diff of two texts, line by line ("" when they are equal)."""
    if then == now:
        return ""
    lines = difflib.unified_diff(
        _lines(then), _lines(now), fromfile=then_label, tofile=now_label, lineterm=""
    )
    return "\n".join(lines)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _side(hop: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if hop is None else {name: hop.get(name) for name in HOP_FIELDS}


def compare_hops(then: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each modifier hop then vs now, matched by integration id.

    `change` is `added` (only now), `removed` (only then), `moved` (its place among the
    hops both runs made differs) or `kept`; `differs` says whether the outcome, status,
    reason or text it passed on changed (latency always varies, so it does not count).
    Now's order first, then the removed hops in their old order.
    """
    then_ids = [hop.get("integration_id") for hop in then]
    now_ids = [hop.get("integration_id") for hop in now]
    both = set(then_ids) & set(now_ids)
    then_order = [i for i in then_ids if i in both]
    now_order = [i for i in now_ids if i in both]
    by_id = {hop.get("integration_id"): hop for hop in then}
    result = []
    for hop in now:
        hop_id = hop.get("integration_id")
        old = by_id.get(hop_id)
        if old is None:
            change = "added"
        elif then_order.index(hop_id) != now_order.index(hop_id):
            change = "moved"
        else:
            change = "kept"
        result.append(_entry(hop, old, hop, change))
    for hop in then:
        if hop.get("integration_id") not in both:
            result.append(_entry(hop, hop, None, "removed"))
    return result


def _entry(
    named: dict[str, Any], then: dict[str, Any] | None, now: dict[str, Any] | None, change: str
) -> dict[str, Any]:
    then_side, now_side = _side(then), _side(now)
    same = then_side is not None and now_side is not None
    differs = not same or any(
        then_side[name] != now_side[name]  # type: ignore[index]
        for name in HOP_FIELDS
        if name != "latency_ms"
    )
    return {
        "integration_id": named.get("integration_id"),
        "app_name": named.get("app_name"),
        "change": change,
        "differs": differs,
        "then": then_side,
        "now": now_side,
    }


def message_result(
    stored: dict[str, Any], now_content: str, now_trace: list[dict[str, Any]]
) -> dict[str, Any]:
    """One replayed message: its text then and now, the diff, and the hops compared."""
    then_content = stored["content"]
    hops = compare_hops(stored.get("trace") or [], now_trace)
    return {
        "message_id": stored["id"],
        "channel_id": stored["channel_id"],
        "original_content": stored["original_content"],
        "then_content": then_content,
        "now_content": now_content,
        "changed": then_content != now_content,
        "hops_changed": any(hop["differs"] for hop in hops),
        "diff": text_diff(then_content, now_content),
        "hops": hops,
        "error": None,
    }


def summary(results: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of a replay's results."""
    changed = sum(1 for result in results if result.get("changed"))
    errors = sum(1 for result in results if result.get("error"))
    return {
        "total": len(results),
        "changed": changed,
        "unchanged": len(results) - changed - errors,
        "errors": errors,
    }
