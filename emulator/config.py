"""Serve options. ("settings" in this project always means integration settings.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Rewrite:
    """Replace the prefix `source` of an integration URL with `target` (CONTRACT §2.6)."""

    source: str
    target: str

    @classmethod
    def parse(cls, text: str) -> Rewrite:
        source, sep, target = text.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValueError(
                f"--rewrite {text!r} must look like FROM=TO, "
                "e.g. https://my-app.onrender.com=http://127.0.0.1:8000"
            )
        return cls(source.strip(), target.strip())


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 7070
    db_path: str = "telex-emulator.db"
    public_url: str | None = None  # base of return_url; defaults to http://host:port
    rewrites: tuple[Rewrite, ...] = ()
    clock_mode: Literal["real", "virtual"] = "real"
    returns_mode: Literal["strict", "lenient"] = "strict"
    message_format: Literal["html", "text"] = "html"
    modifier_timeout_s: float = 1.0
    output_timeout_s: float = 10.0
    tick_timeout_s: float = 30.0
    fetch_timeout_s: float = 10.0
    auth_callback_timeout_s: float = 10.0
    settings_as_strings: bool = False
    accept_error_status: bool = False  # modifier replies with status:"error" replace text
    fanout_webhook_messages: bool = False
    api_key: str | None = None
    max_body_bytes: int = 1024 * 1024
    max_spec_bytes: int = 2 * 1024 * 1024
    max_response_log_bytes: int = 64 * 1024
    late_return_after_s: float = 600.0
    a2a_mode: Literal["strict", "lenient"] = "strict"  # how agents' answers are read (§3.4)
    agent_timeout_s: float = 30.0  # one agent RPC (message/send, or a whole stream)
    card_fetch_timeout_s: float = 10.0
    extra_allowed_origins: tuple[str, ...] = field(default=())
    seed_files: tuple[str, ...] = ()  # applied in order at start (`serve --seed`)

    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def return_url(self, channel_id: str) -> str:
        return f"{self.base_url()}/v1/webhooks/{channel_id}"

    def webhook_url(self, channel_id: str) -> str:
        return self.return_url(channel_id)
