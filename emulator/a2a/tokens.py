"""The push token and the push webhook's authentication (CONTRACT §3.3, §3.5).

Telex gives each call a push hook and an HS256 JWT whose subject is the hook id and which
expires after 24 h. An agent authenticates its push with `Authorization: Bearer <token>`
or with `X-TELEX-API-KEY: <credentials>` (Telex's older weather agent does the latter).
Nothing here reads the clock: callers pass `now`.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"
TOKEN_LIFETIME = timedelta(hours=24)
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash


class PushUnauthorised(Exception):
    """A push whose credentials do not hold; the text says why (safe to show, no secret)."""


def issue_push_token(
    hook_id: str, secret: str, now: datetime, lifetime: timedelta = TOKEN_LIFETIME
) -> str:
    """An HS256 JWT for `hook_id`: `sub` the hook id, `iat` now, `exp` now + lifetime.

    `secret` must be at least 32 bytes (e.g. `secrets.token_urlsafe(32)`)."""
    _check_secret(secret)
    issued = int(now.timestamp())
    claims = {"sub": hook_id, "iat": issued, "exp": issued + int(lifetime.total_seconds())}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_push_token(token: str, hook_id: str, secret: str, now: datetime) -> None:
    """Raise PushUnauthorised unless `token` is ours, for `hook_id`, and unexpired at `now`."""
    _check_secret(secret)
    try:
        # PyJWT would check `exp` against the wall clock; we check it against `now` below.
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False, "require": ["sub", "exp"]},
        )
    except jwt.InvalidTokenError as exc:
        raise PushUnauthorised(f"the bearer token is not valid: {exc}") from None
    if claims["sub"] != hook_id:
        raise PushUnauthorised("the bearer token was issued for another push hook")
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise PushUnauthorised("the bearer token's exp is not a number")
    if now.timestamp() >= exp:
        raise PushUnauthorised("the bearer token has expired (they last 24 h)")


def authorise_push(
    *,
    authorization: str | None,
    api_key: str | None,
    hook_id: str,
    secret: str,
    credentials: str,
    now: datetime,
) -> None:
    """Check a push's `Authorization` and `X-TELEX-API-KEY` headers; raise PushUnauthorised.

    Either one valid is enough: a Bearer token issued for this hook, or the credentials
    sent in `pushNotificationConfig.authentication.credentials`.
    """
    if api_key and credentials and hmac.compare_digest(api_key.encode(), credentials.encode()):
        return
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        verify_push_token(token.strip(), hook_id, secret, now)
        return
    if api_key:
        raise PushUnauthorised("the X-TELEX-API-KEY header does not match the credentials sent")
    raise PushUnauthorised(
        "no credentials: send Authorization: Bearer <pushNotificationConfig.token> "
        "or X-TELEX-API-KEY: <authentication.credentials>"
    )


def _check_secret(secret: str) -> None:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(
            f"the push token secret must be at least {MIN_SECRET_BYTES} bytes "
            "(generate one with secrets.token_urlsafe(32))"
        )
