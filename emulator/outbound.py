"""The one HTTP client of the app. Every call returns an OutboundResult; none raises.

Bodies are read up to a bound (a 50 MB answer must not eat memory) and the log keeps a
truncated copy. Timeouts are per call, so a modifier gets 1 s and a tick 30 s.
"""

from __future__ import annotations

import asyncio
import errno
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

USER_AGENT = "telex-emulator"


@dataclass
class OutboundResult:
    url: str
    request_body: str
    status_code: int | None
    body: bytes  # up to read_limit bytes
    truncated: bool
    latency_ms: float
    error: str | None  # why no answer came: timeout, refused, reset...
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    def text(self, limit: int | None = None) -> str:
        data = self.body if limit is None else self.body[:limit]
        text = data.decode("utf-8", errors="replace")
        if self.truncated or (limit is not None and len(self.body) > limit):
            text += " …[truncated]"
        return text

    def json(self) -> Any:
        """The decoded JSON body, or raises ValueError (also when truncated)."""
        if self.truncated:
            raise ValueError("the response was too large to read whole")
        return json.loads(self.body)


class FetchError(Exception):
    """A GET for a document failed; the message says which URL and why."""


class OutboundClient:
    def __init__(self, read_limit_bytes: int = 1024 * 1024, connection_limit: int = 200) -> None:
        self.read_limit_bytes = read_limit_bytes
        self._connection_limit = connection_limit
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._connection_limit, limit_per_host=0)
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": USER_AGENT},
            # Integrations send cookies sometimes; we are many users at once, keep none.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("OutboundClient.start() was not called")
        return self._session

    async def post_json(self, url: str, body: Any, timeout_s: float) -> OutboundResult:
        """POST `body` as JSON to `url`; never raises."""
        payload = json.dumps(body, ensure_ascii=False)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                async with self.session.post(
                    url,
                    data=payload.encode(),
                    headers={"Content-Type": "application/json"},
                    allow_redirects=False,
                ) as response:
                    data, truncated = await self._read_bounded(response)
                    return OutboundResult(
                        url, payload, response.status, data, truncated, _ms(started), None
                    )
        except TimeoutError:
            return OutboundResult(
                url,
                payload,
                None,
                b"",
                False,
                _ms(started),
                f"no answer within {timeout_s:g} s",
                timed_out=True,
            )
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return OutboundResult(url, payload, None, b"", False, _ms(started), describe(exc, url))

    async def post_stream(
        self,
        url: str,
        body: Any,
        timeout_s: float,
        on_chunk: Callable[[bytes], Awaitable[bool]],
        max_bytes: int = 16 * 1024 * 1024,
    ) -> OutboundResult:
        """POST `body` as JSON and hand each chunk of a streamed answer (Server-Sent Events)
        to `on_chunk` as it arrives; `on_chunk` returns True to stop reading. Never raises.

        A 2xx answer is streamed; any other is read like `post_json`. The result's `body`
        keeps the first `read_limit_bytes` for the log; `timed_out` means `timeout_s` ended
        the whole exchange, which the caller treats as the end of the stream.
        """
        payload = json.dumps(body, ensure_ascii=False)
        started = time.perf_counter()
        kept: list[bytes] = []
        kept_size = 0
        status: int | None = None
        try:
            async with asyncio.timeout(timeout_s):
                async with self.session.post(
                    url,
                    data=payload.encode(),
                    headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
                    allow_redirects=False,
                ) as response:
                    status = response.status
                    if not 200 <= status < 300:
                        data, truncated = await self._read_bounded(response)
                        return OutboundResult(
                            url, payload, status, data, truncated, _ms(started), None
                        )
                    total = 0
                    async for chunk in response.content.iter_any():
                        total += len(chunk)
                        if kept_size < self.read_limit_bytes:
                            kept.append(chunk[: self.read_limit_bytes - kept_size])
                            kept_size += len(kept[-1])
                        if await on_chunk(chunk) or total > max_bytes:
                            break
                    data = b"".join(kept)
                    return OutboundResult(
                        url, payload, status, data, total > kept_size, _ms(started), None
                    )
        except TimeoutError:
            return OutboundResult(
                url,
                payload,
                status,
                b"".join(kept),
                False,
                _ms(started),
                f"no end of the answer within {timeout_s:g} s",
                timed_out=True,
            )
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return OutboundResult(
                url, payload, status, b"".join(kept), False, _ms(started), describe(exc, url)
            )

    async def _read_bounded(self, response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
        # read(n) returns what has arrived so far (one chunk, often 64 KiB): loop to the end.
        chunks: list[bytes] = []
        size = 0
        while size <= self.read_limit_bytes:
            chunk = await response.content.read(self.read_limit_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if len(data) > self.read_limit_bytes:
            return data[: self.read_limit_bytes], True
        return data, False

    async def get_document(self, url: str, timeout_s: float, max_bytes: int) -> bytes:
        """GET a JSON document (an integration spec) of at most `max_bytes`, decompressed.

        Raises FetchError naming the URL, with a hint. Only http(s): never a local file.
        """
        shown = shown_url(url)
        if not url.lower().startswith(("http://", "https://")):
            raise FetchError(
                f"'{shown}' is not an http(s) URL: the emulator fetches integration JSON over "
                "HTTP only and never reads local files; give the full http:// URL it is served at"
            )
        too_large = (
            f"GET {shown} returned more than {max_bytes // 1024} KiB; "
            "an integration JSON is a few KiB: is this the right URL?"
        )
        try:
            async with asyncio.timeout(timeout_s):
                async with self.session.get(
                    url, headers={"Accept": "application/json"}, max_redirects=5
                ) as response:
                    if response.status >= 300:  # a 3xx here came without a usable Location
                        raise FetchError(
                            f"GET {shown} answered HTTP {response.status}; check the path "
                            "(integration JSON is often at /integration.json)"
                        )
                    declared = response.content_length  # compressed size, when compressed
                    if declared is not None and declared > max_bytes:
                        raise FetchError(too_large)  # before reading a byte of the body
                    data = await read_at_most(response, max_bytes)
                    if data is None:
                        raise FetchError(too_large)
                    return data
        except TimeoutError as exc:
            raise FetchError(
                f"GET {shown} gave no complete answer within {timeout_s:g} s; "
                "is the integration running?"
            ) from exc
        except aiohttp.TooManyRedirects as exc:
            raise FetchError(
                f"GET {shown} redirected more than 5 times (a redirect loop?); "
                "give the final URL of the integration JSON"
            ) from exc
        except aiohttp.RedirectClientError as exc:  # Location: file://, ftp://, garbage
            target = shown_url(str(exc.args[0])) if exc.args else "?"
            raise FetchError(
                f"GET {shown} redirected to {target}, which is not an http(s) URL the emulator "
                "will follow; give the final http(s) URL of the integration JSON"
            ) from exc
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            raise FetchError(f"GET {shown} failed: {fetch_failure(exc, shown)}") from exc


async def read_at_most(response: aiohttp.ClientResponse, max_bytes: int) -> bytes | None:
    """The whole (decompressed) body, or None as soon as it passes `max_bytes`.

    `content.read(n)` returns whatever has arrived (often 64 KiB), so loop. aiohttp
    (>= 3.13.3) inflates gzip/deflate in bounded steps and pauses the socket while its
    buffer is full, so a gzip bomb is stopped here after about `max_bytes` of output.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = await response.content.read(max_bytes + 1 - size)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    return None


def fetch_failure(exc: BaseException, shown: str) -> str:
    """Why a GET failed, for a person: like `describe`, with a reset said plainly."""
    if isinstance(exc, ConnectionResetError) or (
        isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET
    ):
        return (
            "the connection was reset before a complete answer came; is the integration crashing?"
        )
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid URL '{shown}'; give the full http:// URL of the integration JSON"
    return describe(exc, shown)


def shown_url(url: str, limit: int = 200) -> str:
    """`url` for a message: control characters and lone surrogates escaped, long ones cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in url[: limit + 1])
    return text[:limit] + "…" if len(text) > limit else text


def describe(exc: BaseException, url: str) -> str:
    """A short, human reason for a failed request."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"connection refused or host unreachable ({exc.host}:{exc.port}); is it running?"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without answering"
    if isinstance(exc, ConnectionResetError) or (
        isinstance(exc, aiohttp.ClientOSError) and exc.errno == errno.ECONNRESET
    ):
        return "the server reset the connection before answering; is the integration crashing?"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the response body was cut off or malformed"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid URL {url!r}"
    if isinstance(exc, aiohttp.ClientResponseError):
        # aiohttp's parser errors span lines and point a caret at the byte: keep one line.
        return f"bad HTTP response: {' '.join(str(exc.message).split()).removesuffix(' ^')}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
