"""What Telex stores about an agent, whichever document it came from (CONTRACT §3.1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from emulator.findings import Finding, json_type_name, show_value

AgentSource = Literal["card", "workflow"]

CARD_PATH = "/.well-known/agent.json"
CARD_PATH_0_3 = "/.well-known/agent-card.json"  # the A2A 0.3 name, accepted as a fallback
URL_HINT = 'Set "url" to the http(s) URL your agent answers JSON-RPC POSTs at.'


@dataclass(frozen=True)
class Capabilities:
    """The card's `capabilities`; a workflow declares none (all false)."""

    streaming: bool = False
    push_notifications: bool = False
    state_transition_history: bool = False

    def as_dict(self) -> dict[str, bool]:
        return {
            "streaming": self.streaming,
            "pushNotifications": self.push_notifications,
            "stateTransitionHistory": self.state_transition_history,
        }


@dataclass(frozen=True)
class AgentDescription:
    """An agent that loads: what Telex reads from its card or workflow JSON."""

    name: str
    description: str
    rpc_url: str  # the declared RPC endpoint (the card's base URL when its `url` is empty)
    card_url: str | None  # where the card was fetched from; None when pasted or a workflow
    capabilities: Capabilities
    skills: list[dict[str, Any]]  # as declared, unknown keys kept
    source: AgentSource
    document: dict[str, Any]  # the raw card or workflow, verbatim
    warnings: list[Finding] = field(default_factory=list)

    @property
    def method(self) -> str:
        """`message/stream` when the card streams and does not push, else `message/send`."""
        caps = self.capabilities
        return (
            "message/stream" if caps.streaming and not caps.push_notifications else "message/send"
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON the API shows (the service adds id, effective rpc_url, channel)."""
        return {
            "name": self.name,
            "description": self.description,
            "card_url": self.card_url,
            "rpc_url": self.rpc_url,
            "capabilities": self.capabilities.as_dict(),
            "skills": self.skills,
            "source": self.source,
            "method": self.method,
            "warnings": [w.as_dict() for w in self.warnings],
        }

    @property
    def sends_history(self) -> bool:
        """Workflow-installed agents get the channel history as a data part; card ones not."""
        return self.source == "workflow"


def errors_in(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def checked_url(url: Any, path: str, out: list[Finding], what: str) -> str | None:
    if not isinstance(url, str):
        out.append(
            Finding("error", path, f"{what} must be a string, got {json_type_name(url)}", URL_HINT)
        )
        return None
    parts = split_url(url.strip())
    if parts is None or parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        message = f"{what} {show_value(url)} is not an http(s) URL"
        out.append(Finding("error", path, message, URL_HINT))
        return None
    if parts.path.endswith((CARD_PATH, CARD_PATH_0_3)):
        message = f"{what} points at the agent card, not at the JSON-RPC endpoint"
        out.append(Finding("warning", path, message, URL_HINT))
    return url.strip()


def split_url(url: str) -> SplitResult | None:
    """urlsplit, or None for what it refuses (`http://[::1` raises ValueError)."""
    try:
        return urlsplit(url)
    except ValueError:
        return None
