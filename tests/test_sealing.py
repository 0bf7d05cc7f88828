"""The sealed format of stored files: written and read a chunk at a time, and refused when a
record is altered, dropped, moved, taken from another file, or the stream is cut short."""

import io
import struct

import pytest

from onestop.core import pii, sealing

CHUNK = 16  # small records, so a short content spans several
NAME = "materials/7/a1b2"


def seal(content: bytes, name: str = NAME, chunk: int = CHUNK) -> bytes:
    return b"".join(sealing.sealed_records(name, io.BytesIO(content), chunk))


def open_all(blob: bytes, name: str = NAME) -> bytes:
    return b"".join(sealing.opened(name, io.BytesIO(blob)))


def split(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header and each record (kind, length and sealed bytes) of a chunked file."""
    kid_length = blob[len(sealing.MAGIC_CHUNKED)]
    end = len(sealing.MAGIC_CHUNKED) + 1 + kid_length + 4 + sealing.FILE_ID
    header, rest, records = blob[:end], blob[end:], []
    while rest:
        _, length = struct.unpack(">cI", rest[:5])
        records.append(rest[: 5 + length])
        rest = rest[5 + length :]
    return header, records


@pytest.fixture(params=["sm4-gcm", "aes-256-gcm"])
def cipher(request, settings):
    settings.PII_CIPHER = request.param
    settings.PII_KEYS = "t1:" + "5a" * pii.KEY_BYTES[request.param]
    settings.PII_KEY_ID = ""
    return request.param


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3])
def test_any_content_comes_back_whole_in_chunks_of_the_size_written(cipher, size):
    content = bytes(i % 251 for i in range(size))
    blob = seal(content)
    assert blob.startswith(sealing.MAGIC_CHUNKED) and sealing.key_id_of(blob) == "t1"
    assert len(blob) == sealing.sealed_size(size, len("t1"), CHUNK)
    assert sealing.content_size(blob[: sealing.HEAD_BYTES], len(blob)) == size
    pieces = list(sealing.opened(NAME, io.BytesIO(blob)))
    assert b"".join(pieces) == content
    assert all(len(p) == CHUNK for p in pieces[:-1])
    assert size < 8 or content not in blob


def test_reading_in_any_sizes_gives_the_same_bytes(cipher):
    content = bytes(range(200))
    stream = sealing.reader(sealing.opened(NAME, io.BytesIO(seal(content))))
    assert stream.read(3) + stream.read(40) + stream.read(1) + stream.read() == content
    assert stream.read(10) == b""


def test_the_whole_file_format_of_earlier_releases_still_opens(cipher):
    blob = sealing.seal_whole(NAME, b"%PDF-1.4 old")
    assert sealing.format_of(blob) == "whole" and sealing.key_id_of(blob) == "t1"
    assert open_all(blob) == b"%PDF-1.4 old"
    assert sealing.content_size(blob, len(blob)) == len(b"%PDF-1.4 old")


def _drop_final(blob: bytes) -> bytes:
    header, records = split(blob)
    return header + b"".join(records[:-1])


def _drop_chunk(blob: bytes) -> bytes:
    header, records = split(blob)
    return header + b"".join(records[:1] + records[2:])


def _drop_last_chunk_and_final(blob: bytes) -> bytes:
    header, records = split(blob)
    return header + b"".join(records[:-2])


def _swap_chunks(blob: bytes) -> bytes:
    header, records = split(blob)
    return header + b"".join([records[1], records[0], *records[2:]])


def _chunk_of_another_file_of_the_same_name(blob: bytes) -> bytes:
    header, records = split(blob)
    _, others = split(seal(bytes(100)))
    return header + b"".join([records[0], others[1], *records[2:]])


def _renamed(blob: bytes) -> bytes:
    return seal(bytes(range(100)), name="materials/8/ffff")


def _flip_bit_in_a_chunk(blob: bytes) -> bytes:
    header, records = split(blob)
    middle = bytearray(records[1])
    middle[20] ^= 1
    return header + b"".join([records[0], bytes(middle), *records[2:]])


def _longer_length(blob: bytes) -> bytes:
    header, records = split(blob)
    kind, length = struct.unpack(">cI", records[0][:5])
    return header + struct.pack(">cI", kind, length + 1) + records[0][5:] + b"".join(records[1:])


def _huge_length(blob: bytes) -> bytes:
    header, records = split(blob)
    return header + struct.pack(">cI", b"C", 2**31) + records[0][5:]


def _bytes_after_final(blob: bytes) -> bytes:
    return blob + b"\x00"


def _unknown_key(blob: bytes) -> bytes:
    return blob.replace(b"t1", b"t9", 1)


def _clear(blob: bytes) -> bytes:
    return bytes(range(100))


@pytest.mark.parametrize(
    "tamper",
    [
        _drop_final,
        _drop_chunk,
        _drop_last_chunk_and_final,
        _swap_chunks,
        _chunk_of_another_file_of_the_same_name,
        _renamed,
        _flip_bit_in_a_chunk,
        _longer_length,
        _huge_length,
        _bytes_after_final,
        _unknown_key,
        _clear,
    ],
)
def test_a_file_tampered_with_is_refused(cipher, tamper):
    blob = tamper(seal(bytes(range(100))))  # seven chunks and the final record
    with pytest.raises(sealing.Refused):
        open_all(blob)


def test_a_refusal_comes_at_the_record_that_fails_not_before(cipher):
    """Why the storage checks a whole file before handing any of it out."""
    chunks = sealing.opened(NAME, io.BytesIO(_drop_final(seal(bytes(range(100))))))
    assert len(b"".join(next(chunks) for _ in range(7))) == 100
    with pytest.raises(sealing.Refused, match="cut short"):
        next(chunks)
