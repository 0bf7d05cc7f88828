"""Personal data at rest: authenticated encryption and a keyed index for exact look-up.

Ciphertext tokens look like ``<key id>:<base64(nonce | ciphertext | tag)>``; the key id lets keys
rotate (old tokens stay readable while new ones use the current key). The ``context`` string is
bound in as associated data, so a token copied into another column or row kind fails to decrypt.
"""

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE = 12
TAG = 16
KEY_BYTES = {"sm4-gcm": 16, "aes-256-gcm": 32}
INDEX_HASHES = {"hmac-sm3": hashes.SM3, "hmac-sha256": hashes.SHA256}


class DecryptionError(Exception):
    pass


@dataclass(frozen=True)
class Keyring:
    cipher: str
    keys: dict[str, bytes]
    current: str
    index_key: bytes
    index_hash: str


@lru_cache(maxsize=8)
def _keyring(cipher: str, keys: str, current: str, index_key: str, index_hash: str) -> Keyring:
    if cipher not in KEY_BYTES:
        raise ImproperlyConfigured("ONESTOP_PII_CIPHER must be sm4-gcm or aes-256-gcm.")
    if index_hash not in INDEX_HASHES:
        raise ImproperlyConfigured("ONESTOP_PII_INDEX_HASH must be hmac-sm3 or hmac-sha256.")
    parsed: dict[str, bytes] = {}
    for item in keys.split(","):
        kid, _, hexkey = item.strip().partition(":")
        try:
            key = bytes.fromhex(hexkey)
        except ValueError:
            raise ImproperlyConfigured(f"ONESTOP_PII_KEYS: key {kid!r} is not hex.") from None
        if not kid or len(key) != KEY_BYTES[cipher]:
            raise ImproperlyConfigured(
                f"ONESTOP_PII_KEYS: key {kid!r} must be {KEY_BYTES[cipher]} bytes for {cipher}."
            )
        parsed[kid] = key
    current = current or next(iter(parsed))
    if current not in parsed:
        raise ImproperlyConfigured(f"ONESTOP_PII_KEY_ID {current!r} is not in ONESTOP_PII_KEYS.")
    try:
        ikey = bytes.fromhex(index_key)
    except ValueError:
        raise ImproperlyConfigured("ONESTOP_PII_INDEX_KEY must be hex.") from None
    if len(ikey) < 16:
        raise ImproperlyConfigured("ONESTOP_PII_INDEX_KEY must be at least 16 bytes.")
    return Keyring(cipher, parsed, current, ikey, index_hash)


def keyring() -> Keyring:
    return _keyring(
        settings.PII_CIPHER,
        settings.PII_KEYS,
        settings.PII_KEY_ID,
        settings.PII_INDEX_KEY,
        settings.PII_INDEX_HASH,
    )


def _seal(cipher: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if cipher == "aes-256-gcm":
        return AESGCM(key).encrypt(nonce, plaintext, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def _open(cipher: str, key: bytes, nonce: bytes, sealed: memoryview, aad: bytes) -> bytes:
    if cipher == "aes-256-gcm":
        return AESGCM(key).decrypt(nonce, sealed, aad)
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-TAG:].tobytes())).decryptor()
    decryptor.authenticate_additional_data(aad)
    opened = decryptor.update(sealed[:-TAG])
    decryptor.finalize()  # checks the tag; GCM gives no further bytes
    return opened


def seal(plaintext: bytes, *, context: str) -> tuple[str, bytes]:
    """``plaintext`` under the current key: its key id and ``nonce | ciphertext | tag``."""
    kid = keyring().current
    return kid, seal_with(kid, plaintext, aad=context.encode())


def unseal(kid: str, raw: bytes, *, context: str) -> bytes:
    return unseal_with(kid, raw, aad=context.encode())


def seal_with(kid: str, plaintext: bytes, *, aad: bytes) -> bytes:
    """``nonce | ciphertext | tag`` of ``plaintext`` under key ``kid``, ``aad`` bound in: for a
    stream whose pieces must all stay under the key its header names."""
    return _sealed(keyring(), kid, plaintext, aad)


def _sealed(ring: Keyring, kid: str, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + _seal(ring.cipher, ring.keys[kid], nonce, plaintext, aad)


def unseal_with(kid: str, raw: bytes, *, aad: bytes) -> bytes:
    ring = keyring()
    if kid not in ring.keys:
        raise DecryptionError(f"unknown PII key id {kid!r}")
    try:
        view = memoryview(raw)  # slices without copies: file chunks are 64 KB each
        return _open(ring.cipher, ring.keys[kid], view[:NONCE].tobytes(), view[NONCE:], aad)
    except (InvalidTag, ValueError):  # ValueError: shorter than a nonce and a tag
        raise DecryptionError("PII token failed authentication") from None


def encrypt(plaintext: str, *, context: str) -> str:
    return encrypter(context)(plaintext)


def encrypter(context: str) -> Callable[[str], str]:
    """``encrypt`` for many values of one context: the key ring is read once (reading it costs
    more than sealing a short value)."""
    ring = keyring()
    kid, aad = ring.current, context.encode()

    def sealed(plaintext: str) -> str:
        raw = _sealed(ring, kid, plaintext.encode(), aad)
        return f"{kid}:{base64.b64encode(raw).decode()}"

    return sealed


def decrypt(token: str, *, context: str) -> str:
    kid, _, body = token.partition(":")
    return unseal(kid, base64.b64decode(body), context=context).decode()


def blind_index(value: str, *, context: str) -> str:
    """Keyed hash for exact-match look-up without storing the value in clear."""
    return blind_indexer(context)(value)


def blind_indexer(context: str) -> Callable[[str], str]:
    """``blind_index`` for many values of one context: the key ring is read once."""
    ring = keyring()
    keyed = hmac.HMAC(ring.index_key, INDEX_HASHES[ring.index_hash]())
    keyed.update(context.encode() + b"\x00")

    def index(value: str) -> str:
        mac = keyed.copy()  # the key and the context hashed once, not per value
        mac.update(value.encode())
        return mac.finalize().hex()

    return index
