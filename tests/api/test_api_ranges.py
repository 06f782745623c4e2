"""api.ranges as plain functions: every Range edge case, and the chunked file reader."""

from __future__ import annotations

import io

import pytest

from api.ranges import ByteRange, UnsatisfiableRange, if_range_allows, iter_file, parse_range

SIZE = 1000


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-99", ByteRange(0, 99)),
    ("bytes=0-0", ByteRange(0, 0)),
    ("bytes=500-", ByteRange(500, 999)),
    ("bytes=-100", ByteRange(900, 999)),
    ("bytes=-5000", ByteRange(0, 999)),  # a suffix longer than the file is the whole file
    ("bytes=990-5000", ByteRange(990, 999)),
    ("bytes=999-999", ByteRange(999, 999)),
    ("BYTES = 10 - 19", ByteRange(10, 19)),
])
def test_single_ranges(header: str, expected: ByteRange) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize("header", [
    None, "", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=10-5", "items=0-10",
    "bytes=0-10,20-30", "bytes=-1,0-0", "bytes=1-2-3", "bytes=0x10-",
])
def test_ignored_headers_mean_whole_file(header: str | None) -> None:
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize(("header", "size"), [
    ("bytes=1000-", SIZE), ("bytes=1000-2000", SIZE), ("bytes=-0", SIZE),
    ("bytes=0-", 0), ("bytes=-10", 0),
])
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(UnsatisfiableRange):
        parse_range(header, size)


def test_byte_range_helpers() -> None:
    r = ByteRange(10, 19)
    assert r.length == 10
    assert r.content_range(SIZE) == "bytes 10-19/1000"


@pytest.mark.parametrize(("if_range", "etag", "allowed"), [
    (None, '"abc"', True), (None, None, True), ('"abc"', '"abc"', True),
    ('"old"', '"abc"', False), ('W/"abc"', '"abc"', False), ('"abc"', None, False),
    ("Wed, 21 Oct 2015 07:28:00 GMT", '"abc"', False),
])
def test_if_range(if_range: str | None, etag: str | None, allowed: bool) -> None:
    assert if_range_allows(if_range, etag) is allowed


class _Tracked(io.BytesIO):
    reads: list[int]

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


def test_iter_file_reads_in_chunks_and_closes() -> None:
    data = bytes(range(256)) * 40
    f = _Tracked(data)
    chunks = list(iter_file(f, 100, 5000, chunk_size=1024))
    assert b"".join(chunks) == data[100:5100]
    assert max(len(c) for c in chunks) == 1024
    assert all(0 < n <= 1024 for n in f.reads)  # never the whole file at once
    assert f.closed


def test_iter_file_stops_at_a_truncated_file() -> None:
    f = io.BytesIO(b"0123456789")
    assert b"".join(iter_file(f, 5, 100)) == b"56789"
    assert f.closed


def test_iter_file_closes_when_abandoned() -> None:
    f = io.BytesIO(b"x" * 10000)
    gen = iter_file(f, 0, 10000, chunk_size=10)
    next(gen)
    gen.close()
    assert f.closed
