"""Errors the emulator reports to its callers.

EmulatorError                 base; carries the HTTP status and optional `data`
 +-- BadRequest               400: the request itself is malformed (not JSON, wrong shape)
 +-- Unauthorized             401: missing or wrong API key
 +-- NotFound                 404: an id that does not exist
 +-- Conflict                 409: the request clashes with stored state
 +-- PayloadTooLarge          413: the body is over the configured limit
 +-- ValidationFailed         422: values or a spec were rejected; `data.errors` lists them

Every message is written for a person: what is wrong and how to fix it. Their text is
safe to show, unlike arbitrary exceptions, which the web layer turns into a generic 500.
"""

from __future__ import annotations

from typing import Any


class EmulatorError(Exception):
    status = 500

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class BadRequest(EmulatorError):
    status = 400


class Unauthorized(EmulatorError):
    status = 401


class NotFound(EmulatorError):
    status = 404


class Conflict(EmulatorError):
    status = 409


class PayloadTooLarge(EmulatorError):
    status = 413


class ValidationFailed(EmulatorError):
    """422 with `data = {"errors": [{"path", "message", "hint"}, ...], ...extra}`."""

    status = 422

    def __init__(self, message: str, errors: list[dict[str, str]], **extra: Any) -> None:
        super().__init__(message, {"errors": errors, **extra})
        self.errors = errors


def problem(path: str, message: str, hint: str) -> dict[str, str]:
    """One entry of `data.errors`."""
    return {"path": path, "message": message, "hint": hint}
