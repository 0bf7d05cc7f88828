"""The sealed formats of stored files, read and written as streams.

Chunked (written since issue 16): ``header | record … | final record``, where

- header: ``MAGIC_CHUNKED | key id length | key id | chunk size (u32) | file id (16 random bytes)``;
- record: ``kind (1) | length (u32) | nonce | ciphertext | tag``, kind ``C`` for a chunk of at
  most ``chunk size`` bytes of content, ``F`` for the final record, whose content is the number
  of chunks and of content bytes (two u64).

Each record is sealed with its own nonce under the header's key, with the file's name, the
whole header, the record's kind and its index bound in as associated data. So a record moved to
another place, file or name fails its tag; a stream cut short lacks its final record (or its
count disagrees), and bytes after the final record are refused. A file is read one record at a
time, so memory does not grow with its size.

Whole (``MAGIC``, before issue 16): ``MAGIC | key id length | key id | nonce | ciphertext |
tag`` of the whole file, the name bound in; still read, no longer written.
"""

import io
import os
import struct
from collections.abc import Iterator
from typing import IO

from onestop.core import pii

MAGIC = b"OSE\x01"
MAGIC_CHUNKED = b"OSE\x02"
CHUNK = 64 * 1024
MAX_CHUNK = 1024 * 1024  # a header naming more is refused: a record is read whole into memory
FILE_ID = 16
OVERHEAD = pii.NONCE + pii.TAG
DATA, FINAL = b"C", b"F"
_RECORD = struct.Struct(">cI")
_COUNTS = struct.Struct(">QQ")
HEAD_BYTES = len(MAGIC) + 1 + 255  # enough to tell the format and the key id

Refused = pii.DecryptionError


def _context(name: str) -> str:
    return f"onestop.file:{name}"


def _bound(name: str, header: bytes) -> bytes:
    return _context(name).encode() + b"\x00" + header


# -- the whole-file format (read; written only by tests and the old releases) ---------------


def seal_whole(name: str, plaintext: bytes) -> bytes:
    kid, raw = pii.seal(plaintext, context=_context(name))
    return MAGIC + bytes([len(kid)]) + kid.encode() + raw


def open_whole(name: str, blob: bytes) -> bytes:
    kid = key_id_of(blob)
    if kid is None or not blob.startswith(MAGIC):
        raise Refused("not sealed")
    return pii.unseal(kid, blob[len(MAGIC) + 1 + len(kid) :], context=_context(name))


# -- telling the formats apart --------------------------------------------------------------


def key_id_of(head: bytes) -> str | None:
    """The key id a stored file is sealed under (its first ``HEAD_BYTES`` are enough), or None
    when it is not sealed (clear)."""
    if head[: len(MAGIC)] not in (MAGIC, MAGIC_CHUNKED) or len(head) < len(MAGIC) + 1:
        return None
    size = head[len(MAGIC)]
    return head[len(MAGIC) + 1 : len(MAGIC) + 1 + size].decode(errors="replace")


def format_of(head: bytes) -> str:
    """``chunked``, ``whole``, ``clear``, or ``unknown`` (our prefix, a version we cannot read)."""
    if head.startswith(MAGIC_CHUNKED):
        return "chunked"
    if head.startswith(MAGIC):
        return "whole"
    if head.startswith(MAGIC[:3]):
        return "unknown"
    return "clear"


# -- writing the chunked format -------------------------------------------------------------


def read_full(source: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end: sources may return short reads."""
    parts, left = [], size
    while left:
        part = source.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def sealed_records(name: str, source: IO[bytes], chunk: int = CHUNK) -> Iterator[bytes]:
    """The chunked format of what ``source`` holds, one record at a time, under the current key."""
    if not 0 < chunk <= MAX_CHUNK:
        raise ValueError("chunk size out of range")
    kid = pii.keyring().current
    header = (
        MAGIC_CHUNKED
        + bytes([len(kid)])
        + kid.encode()
        + chunk.to_bytes(4, "big")
        + os.urandom(FILE_ID)
    )
    bound = _bound(name, header)
    yield header
    count = total = 0
    while block := read_full(source, chunk):
        yield _record(DATA, pii.seal_with(kid, block, aad=_aad(bound, DATA, count)))
        count += 1
        total += len(block)
    yield _record(FINAL, pii.seal_with(kid, _COUNTS.pack(count, total), aad=_aad(bound, FINAL, 0)))


def sealed_size(size: int, kid_length: int, chunk: int = CHUNK) -> int:
    """How many bytes the chunked format of ``size`` bytes takes."""
    records = -(-size // chunk)
    header = len(MAGIC_CHUNKED) + 1 + kid_length + 4 + FILE_ID
    per_record = _RECORD.size + OVERHEAD
    return header + size + records * per_record + per_record + _COUNTS.size


def content_size(head: bytes, size: int) -> int:
    """The content's size of a sealed file of ``size`` bytes whose first bytes are ``head``."""
    kid_length = head[len(MAGIC)]
    if head.startswith(MAGIC):
        return size - (len(MAGIC) + 1 + kid_length + OVERHEAD)
    start = len(MAGIC_CHUNKED) + 1 + kid_length
    chunk = int.from_bytes(head[start : start + 4], "big")
    per_record = _RECORD.size + OVERHEAD
    records = size - (start + 4 + FILE_ID) - (per_record + _COUNTS.size)
    return records - per_record * -(-records // (chunk + per_record))


def _record(kind: bytes, sealed: bytes) -> bytes:
    return _RECORD.pack(kind, len(sealed)) + sealed


def _aad(bound: bytes, kind: bytes, index: int) -> bytes:
    return bound + kind + index.to_bytes(8, "big")


# -- reading the chunked format -------------------------------------------------------------


def opened_chunks(name: str, sealed: IO[bytes], magic: bytes = b"") -> Iterator[bytes]:
    """The content of a chunked file (``magic``: its first bytes, already read), one checked
    chunk at a time. Raises ``Refused`` at the first record that fails, so a consumer may
    already hold the chunks before it: check a whole file before handing any of it out."""
    head = magic + read_full(sealed, len(MAGIC_CHUNKED) + 1 - len(magic))
    if len(head) < len(MAGIC_CHUNKED) + 1 or not head.startswith(MAGIC_CHUNKED):
        raise Refused("not in the chunked format")
    rest = read_full(sealed, head[-1] + 4 + FILE_ID)
    if len(rest) < head[-1] + 4 + FILE_ID:
        raise Refused("header cut short")
    header = head + rest
    kid = rest[: head[-1]].decode(errors="replace")
    chunk = int.from_bytes(rest[head[-1] : head[-1] + 4], "big")
    if not 0 < chunk <= MAX_CHUNK:
        raise Refused("chunk size out of range")
    bound = _bound(name, header)
    count = total = 0
    while True:
        prefix = read_full(sealed, _RECORD.size)
        if not prefix:
            raise Refused("final record missing (cut short)")
        if len(prefix) < _RECORD.size:
            raise Refused("record cut short")
        kind, length = _RECORD.unpack(prefix)
        limit = chunk + OVERHEAD if kind == DATA else _COUNTS.size + OVERHEAD
        if kind not in (DATA, FINAL) or not OVERHEAD < length <= limit:
            raise Refused("record malformed")
        raw = read_full(sealed, length)
        if len(raw) < length:
            raise Refused("record cut short")
        index = count if kind == DATA else 0
        content = pii.unseal_with(kid, raw, aad=_aad(bound, kind, index))
        if kind == FINAL:
            if _COUNTS.unpack(content) != (count, total):
                raise Refused("chunk count disagrees (chunks removed)")
            if sealed.read(1):
                raise Refused("bytes after the final record")
            return
        count += 1
        total += len(content)
        yield content


def opened(name: str, sealed: IO[bytes]) -> Iterator[bytes]:
    """The content of a stored file in either sealed format, in checked pieces (a whole-format
    file in one piece: those are at most 10 MB). Raises ``Refused`` for a file in clear."""
    head = read_full(sealed, len(MAGIC))
    kind = format_of(head)
    if kind == "chunked":
        yield from opened_chunks(name, sealed, head)
    elif kind == "whole":
        yield open_whole(name, head + sealed.read())
    else:
        raise Refused("not sealed" if kind == "clear" else "unknown sealed format")


class ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks, holding one chunk at a time; closing
    it closes the iterator (and so whatever file a generator has open)."""

    def __init__(self, chunks: Iterator[bytes | memoryview]):
        self._chunks = chunks
        self._buffer = memoryview(b"")
        self._position = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def readinto(self, target: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._buffer:
            self._buffer = memoryview(b"")  # an empty slice still holds the spent chunk
            try:
                self._buffer = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        self._position += size
        return size

    def close(self) -> None:
        if not self.closed:
            self._buffer = memoryview(b"")
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        super().close()


def reader(chunks: Iterator[bytes | memoryview]) -> io.BufferedReader:
    """A buffered stream over ``chunks``: ``read(n)`` gives ``n`` bytes unless at the end."""
    return io.BufferedReader(ChunkReader(chunks), buffer_size=CHUNK)
