"""The one way an integration JSON is loaded: fetch -> parse -> check.

Install, re-fetch, `telex-emulator check` and `POST /-/check` all come here. In the
"check" context an agent card or workflow JSON is recognised by its shape and linted as
one (`a2a.checks`), so `check` answers for any document Telex takes. The loader is
handed its fetch (the services own the HTTP client), so this package does no I/O itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from emulator.a2a.cards import detect_document
from emulator.a2a.checks import AgentCheck, describe_document
from emulator.findings import Finding
from emulator.json_document import parse_json_document
from emulator.spec.check import CheckedSpec, check_spec, errors_of, warnings_of
from emulator.spec.rules import Context

FetchDocument = Callable[[str], Awaitable[bytes]]
"""GET a URL and return its body; raise `DocumentUnavailable` when that fails."""

_UNAVAILABLE_HINT = "make sure the integration is running and serves its JSON at this URL"


class DocumentUnavailable(Exception):
    """The integration JSON could not be fetched; the message says why (refused, 404...)."""


@dataclass
class SpecCheck:
    """The result of loading one integration JSON: the document as decoded, the checked
    spec (None when it cannot be installed), every finding, and where it came from."""

    document: Any
    checked: CheckedSpec | None
    findings: list[Finding]
    source: str

    @classmethod
    def rejected(cls, source: str, message: str, hint: str) -> SpecCheck:
        """A document that never got as far as the checker (unreachable, not a file...)."""
        return cls(None, None, [Finding("error", "$", message, hint)], source)

    @property
    def ok(self) -> bool:
        """No errors: Telex could use it as it is (in the context it was checked for)."""
        return not errors_of(self.findings)

    @property
    def installable(self) -> bool:
        """The emulator can install it, perhaps with a URL override."""
        return self.checked is not None

    def as_dict(self) -> dict[str, Any]:
        """The answer of `POST /-/check` and `telex-emulator check --json`."""
        return {
            "source": self.source,
            "ok": self.ok,
            "installable": self.installable,
            "integration_type": self.checked.integration_type if self.checked else None,
            "app_name": self.checked.app_name if self.checked else None,
            "errors": [f.as_dict() for f in errors_of(self.findings)],
            "warnings": [f.as_dict() for f in warnings_of(self.findings)],
        }


DocumentCheck = SpecCheck | AgentCheck
"""What `check` answers: an agent document is only recognised in the "check" context."""


def check_document(document: Any, source: str, context: Context) -> DocumentCheck:
    """Check an already decoded document (a spec sent inline)."""
    if context == "check" and detect_document(document) in ("card", "workflow"):
        card_url = source if source.lower().startswith(("http://", "https://")) else None
        return describe_document(document, source, card_url)
    checked, findings = check_spec(document, context)
    return SpecCheck(document, checked, findings, source)


def check_body(body: bytes | str, source: str, context: Context) -> DocumentCheck:
    """Parse a fetched or read body strictly, then check it."""
    document, findings = parse_json_document(body, source)
    if document is None:
        return SpecCheck(None, None, findings, source)
    return check_document(document, source, context)


async def fetch_and_check(url: str, fetch: FetchDocument, context: Context) -> DocumentCheck:
    """Fetch the integration JSON at `url`, parse and check it. Never raises for bad specs."""
    try:
        body = await fetch(url)
    except DocumentUnavailable as exc:
        return SpecCheck.rejected(url, str(exc), _UNAVAILABLE_HINT)
    return check_body(body, url, context)
