"""The audit's keys and keyed hashes: of each event, of each chain's head, of each checkpoint.

Each hash is an HMAC over its content with a key held outside the database
(``ONESTOP_AUDIT_KEYS``; the key id is stored for rotation), so whoever can write the database
but lacks the key cannot recompute a chain forward. Events written before the chains existed
form the sealed ``legacy`` chain, still checked with the old unkeyed SM3 rule.
"""

import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .models import LEGACY_CHAIN, AuditEvent

HASHES = {"hmac-sm3": hashes.SM3, "hmac-sha256": hashes.SHA256}
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AuditKeys:
    keys: dict[str, bytes]
    current: str
    algorithm: str


@lru_cache(maxsize=8)
def _parse_keys(keys: str, current: str, algorithm: str) -> AuditKeys:
    if algorithm not in HASHES:
        raise ImproperlyConfigured("ONESTOP_AUDIT_HASH must be hmac-sm3 or hmac-sha256.")
    parsed: dict[str, bytes] = {}
    for item in keys.split(","):
        kid, _, hexkey = item.strip().partition(":")
        try:
            key = bytes.fromhex(hexkey)
        except ValueError:
            raise ImproperlyConfigured(f"ONESTOP_AUDIT_KEYS: key {kid!r} is not hex.") from None
        if not kid or len(kid) > 16:
            raise ImproperlyConfigured("ONESTOP_AUDIT_KEYS: each key needs an id of 1-16 chars.")
        # A random key of 32 bytes has about 30 distinct byte values; far fewer means a made-up one.
        if len(key) < MIN_KEY_BYTES or len(set(key)) < 16:
            raise ImproperlyConfigured(
                f"ONESTOP_AUDIT_KEYS: key {kid!r} must be at least {MIN_KEY_BYTES} random bytes."
            )
        parsed[kid] = key
    current = current or next(iter(parsed))
    if current not in parsed:
        raise ImproperlyConfigured(
            f"ONESTOP_AUDIT_KEY_ID {current!r} is not in ONESTOP_AUDIT_KEYS."
        )
    return AuditKeys(parsed, current, algorithm)


def audit_keys() -> AuditKeys:
    return _parse_keys(settings.AUDIT_KEYS, settings.AUDIT_KEY_ID, settings.AUDIT_HASH)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def mac_matches(expected: str | None, stored: Any) -> bool:
    return expected is not None and secrets.compare_digest(expected.encode(), str(stored).encode())


def _mac(key_id: str, purpose: str, content: bytes) -> str | None:
    """The keyed hash, or None when the key id is unknown (so nothing can verify)."""
    ring = audit_keys()
    if key_id not in ring.keys:
        return None
    mac = hmac.HMAC(ring.keys[key_id], HASHES[ring.algorithm]())
    mac.update(purpose.encode() + b"\x00" + content)
    return mac.finalize().hex()


def _legacy_hash(event: AuditEvent) -> str:
    """The rule of the unkeyed global chain, for events migrated into the legacy chain."""
    fields = [
        event.seq,
        event.at.isoformat(),
        event.actor_id,
        event.actor_role,
        event.org_unit_id,
        event.action,
        event.subject_type,
        event.subject_id,
        event.detail,
        event.prev_hash,
    ]
    digest = hashes.Hash(hashes.SM3())
    digest.update(_json(fields))
    return digest.finalize().hex()


def event_hash(event: AuditEvent) -> str | None:
    if event.chain == LEGACY_CHAIN and not event.key_id:
        return _legacy_hash(event)
    content = [
        event.chain,
        event.seq,
        event.at.isoformat(),
        event.actor_id,
        event.actor_role,
        event.org_unit_id,
        event.action,
        event.subject_type,
        event.subject_id,
        event.detail,
        event.prev_hash,
    ]
    return _mac(event.key_id, "event", _json(content))


def head_mac(*, chain: str, seq: int, hash: str, key_id: str) -> str | None:
    return _mac(key_id, "head", _json([chain, seq, hash]))


def checkpoint_mac(*, chain: str, seq: int, hash: str, at: str, key_id: str) -> str | None:
    return _mac(key_id, "checkpoint", _json([chain, seq, hash, at]))


def archive_checkpoint_mac(
    *, chain: str, seq: int, hash: str, at: str, archived: str, key_id: str
) -> str | None:
    """A checkpoint sealed before a month of events is detached: ``archived`` names the month,
    and verification may start the chain there (its own MAC domain, so a head's checkpoint can
    never pass for one)."""
    return _mac(key_id, "archive-checkpoint", _json([chain, seq, hash, at, archived]))
