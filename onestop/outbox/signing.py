"""Webhook signatures: HMAC-SM3 (default) or HMAC-SHA256 over "<timestamp>.<body>".

Receivers check the signature and the timestamp (reject anything older than a few minutes) and
deduplicate on the event id header: a delivery can arrive twice after a retry.

    X-Onestop-Event-Id: 7c9e6679-7425-40de-944b-e07fc1f90ae7
    X-Onestop-Timestamp: 1795500000
    X-Onestop-Signature: hmac-sm3=5d41402abc4b2a76b9719d911017c592...
"""

import hmac as std_hmac

from cryptography.hazmat.primitives import hashes, hmac

from onestop.core import clock

ALGORITHMS = {"hmac-sm3": hashes.SM3, "hmac-sha256": hashes.SHA256}
TOLERANCE_SECONDS = 300


def sign(secret: bytes, timestamp: int, body: bytes, algorithm: str = "hmac-sm3") -> str:
    mac = hmac.HMAC(secret, ALGORITHMS[algorithm]())
    mac.update(str(timestamp).encode() + b"." + body)
    return f"{algorithm}={mac.finalize().hex()}"


def headers(
    secret: bytes, event_id: str, body: bytes, algorithm: str, now: float | None = None
) -> dict:
    timestamp = int(now if now is not None else clock.now().timestamp())
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Onestop-Event-Id": event_id,
        "X-Onestop-Timestamp": str(timestamp),
        "X-Onestop-Signature": sign(secret, timestamp, body, algorithm),
    }


def verify(secret: bytes, received: dict, body: bytes, now: float | None = None) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    try:
        timestamp = int(received["X-Onestop-Timestamp"])
        algorithm, _, _ = received["X-Onestop-Signature"].partition("=")
        expected = sign(secret, timestamp, body, algorithm)
    except (KeyError, ValueError):
        return False
    at = now if now is not None else clock.now().timestamp()
    fresh = abs(at - timestamp) <= TOLERANCE_SECONDS
    return fresh and std_hmac.compare_digest(expected, received["X-Onestop-Signature"])
