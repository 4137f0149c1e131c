"""The result of linting an agent card or workflow JSON, as `check` and installs see it.

Pure: the spec loader hands agent documents here (so `check` recognises them) and the
agents' loader builds its results here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.a2a.cards import DocumentKind, describe_agent, detect_document
from emulator.a2a.description import AgentDescription
from emulator.errors import ValidationFailed
from emulator.findings import Finding


@dataclass
class AgentCheck:
    """The result of loading and linting one agent document."""

    source: str
    document: Any
    description: AgentDescription | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return self.description is not None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def as_dict(self) -> dict[str, Any]:
        """What `/-/check` and `telex-emulator check` report (the integration shape, plus
        `document_kind` and the agent as Telex reads it)."""
        agent = self.description
        kind: DocumentKind | None = detect_document(self.document)
        return {
            "source": self.source,
            "ok": self.ok,
            "installable": self.ok,  # an agent the emulator reads is one Telex reads
            "document_kind": agent.source if agent else kind,
            "integration_type": None,
            "app_name": agent.name if agent else None,
            "agent": None
            if agent is None
            else {
                "name": agent.name,
                "description": agent.description,
                "rpc_url": agent.rpc_url,
                "card_url": agent.card_url,
                "source": agent.source,
                "method": agent.method,
                "capabilities": agent.capabilities.as_dict(),
                "skills": agent.skills,
            },
            "errors": [f.as_dict() for f in self.errors],
            "warnings": [f.as_dict() for f in self.warnings],
        }

    def raise_if_rejected(self) -> AgentDescription:
        """The description, or a 422 listing every error (and the warnings)."""
        if self.description is not None:
            return self.description
        errors = self.errors
        first = errors[0].message if errors else "unknown"
        raise ValidationFailed(
            f"the agent from {self.source} cannot be used: {len(errors)} error(s); first: {first}",
            [f.as_dict() for f in errors],
            warnings=[f.as_dict() for f in self.warnings],
        )


def describe_document(document: Any, source: str, card_url: str | None) -> AgentCheck:
    """Lint a decoded card or workflow (detected by its shape)."""
    if detect_document(document) == "integration":
        what = "this is an integration JSON, not an agent card or workflow"
        hint = "install it with POST /api/v1/organisations/{org_id}/integrations/custom"
        return AgentCheck(source, document, None, [Finding("error", "$", what, hint)])
    description, findings = describe_agent(document, card_url)
    return AgentCheck(source, document, description, findings)
