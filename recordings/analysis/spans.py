"""Arithmetic on time spans: pure functions, no audio, no I/O.

A span is ``(start, end)`` in seconds with ``start < end``. Span lists passed around here
are sorted and non-overlapping unless a docstring says otherwise; :func:`normalize` makes any
list so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Span = tuple[float, float]


def normalize(spans: Iterable[Sequence[float]]) -> list[Span]:
    """Sort, drop empty spans and merge overlapping or touching ones.

    Raises ``ValueError`` for a span whose end comes before its start, because a reversed
    excluded span is a bug upstream that would otherwise silently exclude nothing.
    """
    cleaned: list[Span] = []
    for span in spans:
        if len(span) != 2:
            raise ValueError(f"a span is (start, end), got {tuple(span)!r}")
        start, end = float(span[0]), float(span[1])
        if end < start:
            raise ValueError(f"span ends before it starts: ({start}, {end})")
        if end > start:
            cleaned.append((start, end))
    cleaned.sort()
    merged: list[Span] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def union(*span_lists: Iterable[Span]) -> list[Span]:
    """All time covered by any of the lists."""
    return normalize(span for spans in span_lists for span in spans)


def complement(spans: Sequence[Span], start: float, end: float) -> list[Span]:
    """The parts of ``[start, end]`` not covered by ``spans`` (sorted, non-overlapping)."""
    gaps: list[Span] = []
    cursor = start
    for s, e in spans:
        if e <= cursor:
            continue
        if s >= end:
            break
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def subtract(spans: Sequence[Span], removed: Sequence[Span]) -> list[Span]:
    """``spans`` with every part that lies inside ``removed`` cut out (both normalized)."""
    result: list[Span] = []
    j = 0
    for start, end in spans:
        # Removed spans entirely before this one cannot touch any later span either.
        while j < len(removed) and removed[j][1] <= start:
            j += 1
        cursor = start
        k = j
        while k < len(removed) and removed[k][0] < end:
            r_start, r_end = removed[k]
            if r_start > cursor:
                result.append((cursor, r_start))
            cursor = max(cursor, r_end)
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect_pairs(a: Sequence[Span], b: Sequence[Span]) -> list[tuple[Span, int, int]]:
    """Every overlap of a span in ``a`` with a span in ``b``.

    Returns ``(overlap, index_in_a, index_in_b)`` so the caller can tell which segments the
    overlap came from (overtalk needs to know who started first). Linear two-pointer sweep.
    """
    out: list[tuple[Span, int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append(((start, end), i, j))
        # Advance whichever span ends first: it cannot overlap anything further on.
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def clip(spans: Sequence[Span], start: float, end: float) -> list[Span]:
    """``spans`` restricted to ``[start, end]``."""
    out: list[Span] = []
    for s, e in spans:
        s2, e2 = max(s, start), min(e, end)
        if s2 < e2:
            out.append((s2, e2))
    return out


def total(spans: Iterable[Span]) -> float:
    """Summed length of the spans."""
    return sum(e - s for s, e in spans)


def at_least(spans: Iterable[Span], min_seconds: float) -> list[Span]:
    """Spans at least ``min_seconds`` long.

    A tiny epsilon absorbs float error so a span of exactly the threshold (frame edges
    computed as ``n * 0.03``) is kept, as "at least" promises.
    """
    return [(s, e) for s, e in spans if (e - s) >= min_seconds - 1e-9]
