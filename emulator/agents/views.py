"""Agents and their tasks as the API shows them (CONTRACT Part 4). Pure: rows in, dicts out."""

from __future__ import annotations

from typing import Any

from emulator.config import Config
from emulator.db import models
from emulator.shapes import iso
from emulator.urls import effective_url


def effective_rpc_url(row: models.Agent, config: Config) -> str | None:
    """The URL the emulator calls: the override, else the declared one after --rewrite."""
    return effective_url(row.rpc_url, row.rpc_url_override, config.rewrites)


def agent_view(row: models.Agent, config: Config) -> dict[str, Any]:
    """An agent as the REST API shows it (its api_key never)."""
    return {
        "id": row.id,
        "organisation_id": row.organisation_id,
        "name": row.name,
        "description": row.description,
        "card_url": row.card_url,
        "rpc_url": row.rpc_url,
        "rpc_url_override": row.rpc_url_override,
        "effective_rpc_url": effective_rpc_url(row, config),
        "capabilities": row.capabilities,
        "skills": row.skills,
        "direct_channel_id": row.direct_channel_id,
        "source": row.source,
        "warnings": row.warnings,
        "created_at": iso(row.created_at),
    }


def task_view(row: models.AgentTask) -> dict[str, Any]:
    """One agent call as `/-/tasks` and `task.updated` show it."""
    return {
        "id": row.id,
        "agent_id": row.agent_id,
        "channel_id": row.channel_id,
        "message_id": row.message_id,
        "reply_message_id": row.reply_message_id,
        "state": row.state,
        "states": row.states,
        "is_open": row.is_open,
        "method": row.method,
        "a2a_task_id": row.a2a_task_id,
        "request_body": row.request_body,
        "response_body": row.response_body,
        "pushes": row.pushes,
        "reason": row.reason,
        "warnings": row.warnings,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
