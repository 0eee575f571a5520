"""Signed outbound webhooks: the signature stockpool puts on each delivery and the check a
subscriber runs on it (docs/alerts.md). Standard library only, so a subscriber can copy it.

The signed text is "<timestamp>.<raw body>" (timestamp: unix seconds, the Stockpool-Timestamp
header); the Stockpool-Signature header is "v1=<hex HMAC-SHA256 of it with the secret>".
Retries back off exponentially with jitter."""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "v1"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Stockpool-Signature header value for this body sent at timestamp."""
    signed = str(timestamp).encode() + b"." + body
    return f"{SCHEME}=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str | int,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether a delivery is genuine: signature (the Stockpool-Signature header, which may
    list several comma-separated v1= values while a secret is rotated) matches the raw body and
    the Stockpool-Timestamp header, and that timestamp is within tolerance seconds of now (unix
    seconds: pass time.time(); a replayed old delivery fails). Compares in constant time."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent) > tolerance:
        return False
    expected = sign(secret, sent, body)
    offered = [part.strip() for part in signature.split(",")]
    return any(hmac.compare_digest(expected, part) for part in offered if part)


def backoff_seconds(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """Wait before the next attempt after `attempts` failed ones: base doubling each time up to
    cap, spread by jitter (a number from 0 to 1 the caller draws) over its upper half, so
    failed deliveries do not all retry at the same moment."""
    ceiling = min(cap, base * 2.0 ** max(attempts - 1, 0))
    return ceiling / 2 + ceiling / 2 * min(max(jitter, 0.0), 1.0)
