"""Which URL the emulator actually calls: override, else rewritten declared URL (CONTRACT §2.6)."""

from __future__ import annotations

from emulator.config import Rewrite


def rewrite(url: str | None, rewrites: tuple[Rewrite, ...]) -> str | None:
    """Apply the first `--rewrite FROM=TO` whose FROM prefixes `url`."""
    if not url:
        return url
    for rule in rewrites:
        if url.startswith(rule.source):
            return rule.target + url[len(rule.source) :]
    return url


def effective_url(
    declared: str | None, override: str | None, rewrites: tuple[Rewrite, ...]
) -> str | None:
    if override:
        return override
    return rewrite(declared, rewrites)
