"""How stored rows look on the wire (CONTRACT §2.3, §2.5). Pure: rows in, dicts out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emulator.config import Config
from emulator.db import models
from emulator.urls import effective_url


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def organisation_view(org: models.Organisation) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "created_at": iso(org.created_at)}


def channel_view(channel: models.Channel, config: Config) -> dict[str, Any]:
    return {
        "id": channel.id,
        "organisation_id": channel.organisation_id,
        "name": channel.name,
        "description": channel.description,
        "webhook_url": config.webhook_url(channel.id),
        "created_at": iso(channel.created_at),
    }


def spec_root(spec: dict[str, Any]) -> dict[str, Any]:
    """The integration object inside a stored document (wrapped or bare)."""
    data = spec.get("data")
    if isinstance(data, dict) and "integration_type" in data:
        return data
    return spec


def integration_view(row: models.Integration, config: Config) -> dict[str, Any]:
    root = spec_root(row.spec)
    descriptions = root.get("descriptions") if isinstance(root.get("descriptions"), dict) else {}
    return {
        "id": row.id,
        "organisation_id": row.organisation_id,
        "integration_type": row.integration_type,
        "app_name": row.app_name,
        "app_description": _text(descriptions.get("app_description")),
        "app_logo": _text(descriptions.get("app_logo")),
        "integration_category": _text(root.get("integration_category")),
        "json_url": row.json_url,
        "target_url": row.target_url,
        "tick_url": row.tick_url,
        "target_url_override": row.target_url_override,
        "tick_url_override": row.tick_url_override,
        "effective_target_url": effective_url(
            row.target_url, row.target_url_override, config.rewrites
        ),
        "effective_tick_url": effective_url(row.tick_url, row.tick_url_override, config.rewrites),
        "settings": [item for item in root.get("settings") or [] if isinstance(item, dict)]
        if isinstance(root.get("settings"), list)
        else [],
        "values": row.settings,
        "spec": row.spec,
        "warnings": row.warnings,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def activation_view(row: models.Activation) -> dict[str, Any]:
    return {
        "channel_id": row.channel_id,
        "integration_id": row.integration_id,
        "is_active": row.is_active,
        "settings": row.settings,
        "position": row.position,
        "updated_at": iso(row.updated_at),
    }


def message_view(row: models.Message) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel_id": row.channel_id,
        "thread_id": row.thread_id,
        "content": row.content,
        "original_content": row.original_content,
        "username": row.username,
        "source": row.source,
        "event_name": row.event_name,
        "status": row.status,
        "integration_id": row.integration_id,
        "warning": row.warning,
        "trace": row.trace,
        "agent_id": row.agent_id,
        "task_id": row.task_id,
        "parts": row.parts,
        "created_at": iso(row.created_at),
    }


def delivery_view(row: models.Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "integration_id": row.integration_id,
        "channel_id": row.channel_id,
        "message_id": row.message_id,
        "tick_id": row.tick_id,
        "agent_id": row.agent_id,
        "task_id": row.task_id,
        "url": row.url,
        "request_body": row.request_body,
        "status_code": row.status_code,
        "response_body": row.response_body,
        "latency_ms": row.latency_ms,
        "outcome": row.outcome,
        "reason": row.reason,
        "started_at": iso(row.started_at),
    }


def tick_view(row: models.Tick) -> dict[str, Any]:
    return {
        "id": row.id,
        "integration_id": row.integration_id,
        "channel_id": row.channel_id,
        "trigger": row.trigger,
        "scheduled_for": iso(row.scheduled_for),
        "fired_at": iso(row.fired_at),
        "url": row.url,
        "status_code": row.status_code,
        "latency_ms": row.latency_ms,
        "outcome": row.outcome,
        "reason": row.reason,
        "finished_at": iso(row.finished_at),
    }


def return_view(row: models.Return) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel_id": row.channel_id,
        "path": row.path,
        "method": row.method,
        "content_type": row.content_type,
        "body": row.body,
        "accepted": row.accepted,
        "verdict": row.verdict,
        "warning": row.warning,
        "message_id": row.message_id,
        "tick_id": row.tick_id,
        "integration_id": row.integration_id,
        "correlation": row.correlation,
        "received_at": iso(row.received_at),
    }
