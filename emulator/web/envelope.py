"""The Telex envelope and the middlewares that make every error one."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from emulator.errors import BadRequest, EmulatorError, PayloadTooLarge
from emulator.keys import config_key
from emulator.outbound import read_bounded

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def dumps(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a client: escape rather than crash
        return json.dumps(data, ensure_ascii=True, default=str)
    return text


def envelope(data: Any, status: int = 200, message: str = "ok") -> web.Response:
    """The only builder of {status, status_code, message, data}."""
    body = {
        "status": "success" if status < 400 else "error",
        "status_code": status,
        "message": message,
        "data": data,
    }
    return web.json_response(body, status=status, dumps=dumps)


def plain_json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def error_text(exc: web.HTTPException, request: web.Request) -> str:
    if exc.status == 404:
        return f"no route {request.method} {request.path}; see the README for the API"
    if exc.status == 405:
        allowed = ", ".join(sorted(getattr(exc, "allowed_methods", ()) or ()))
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}"
    if exc.status == 413:
        return "request body too large; keep it under the limit (--max-body-bytes)"
    return exc.reason


@web.middleware
async def envelope_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except EmulatorError as exc:  # ours: status and text are safe to show
        return envelope(exc.data, exc.status, exc.message)
    except web.HTTPRedirection:
        raise
    except web.HTTPException as exc:
        return envelope(None, exc.status, error_text(exc, request))
    except Exception:
        log.exception("%s %s", request.method, request.path)
        return envelope(None, 500, "internal error, see the emulator log")


@web.middleware
async def api_key_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """With --api-key, /api/v1 and /-/ demand `Authorization: Bearer KEY`."""
    key = request.config_dict[config_key].api_key
    if key and request.method != "OPTIONS":
        given = request.headers.get("Authorization", "")
        token = request.query.get("api_key", "")  # EventSource cannot send headers
        if not (hmac.compare_digest(given, f"Bearer {key}") or hmac.compare_digest(token, key)):
            return envelope(None, 401, "missing or wrong API key: send 'Authorization: Bearer KEY'")
    return await handler(request)


MAX_BODY_NESTING = 256  # json.dumps and SQLite JSON stay far from recursion limits


async def read_body(request: web.Request, limit: int) -> tuple[bytes, bool]:
    """The whole request body, or (b"", True) when it is over `limit` bytes.

    A declared Content-Length over the limit is refused before a byte is read.
    """
    if request.content_length is not None and request.content_length > limit:
        return b"", True
    raw, too_large = await read_bounded(request.content, limit)
    return (b"", True) if too_large else (raw, False)


def too_deep(value: Any, limit: int) -> bool:
    """Whether lists/objects nest deeper than `limit` (iterative: no recursion to blow)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


async def json_body(request: web.Request) -> Any:
    """The request's JSON body; BadRequest/PayloadTooLarge with a hint otherwise."""
    limit = request.config_dict[config_key].max_body_bytes
    raw, too_large = await read_body(request, limit)
    if too_large:
        raise PayloadTooLarge(f"request body is over the {limit}-byte limit (--max-body-bytes)")
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(
            f"the request body is not valid JSON ({exc}); send Content-Type: application/json"
        ) from exc
    except RecursionError as exc:  # the C decoder recurses once per nesting level
        raise BadRequest(
            f"the request body nests too deeply; keep it under {MAX_BODY_NESTING} levels"
        ) from exc
    if too_deep(body, MAX_BODY_NESTING):
        raise BadRequest(
            f"the request body nests too deeply; keep it under {MAX_BODY_NESTING} levels"
        )
    return body


async def json_object(request: web.Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest(f"the request body must be a JSON object, not {type(body).__name__}")
    return body


def query_int(request: web.Request, name: str, default: int, maximum: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"?{name}= must be a whole number, got {raw!r}") from exc
    if value < 0:
        raise BadRequest(f"?{name}= must not be negative")
    return min(value, maximum)


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """A `?name=true|false` flag; anything else is a 400, so a typo is never read as false."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise BadRequest(f"?{name}= must be true or false, got {raw!r}")
    return value == "true"
