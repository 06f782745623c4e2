"""Pure arithmetic of the benchmarks' results: percentiles of samples and the min/median/max
of ratios over interleaved runs (product/native A/B/A/B). Unit-tested in tests/unit."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's
    default), so p50 of an even count is the mean of the middle two. NaN for no samples."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """n, p50, p95, min, max of samples (ms, s, whatever the caller measured)."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "min": min(values, default=math.nan), "max": max(values, default=math.nan)}


def ratios(product: Sequence[float], native: Sequence[float]) -> dict[str, float | int]:
    """Ratios of paired runs (product run i over native run i, i.e. the runs interleaved
    A/B/A/B), as min/median/max: how far the bridge is from native, with the spread the shared
    machine gave. A pair with a zero or missing native figure is left out and counted."""
    pairs = [(p, n) for p, n in zip(product, native, strict=False) if n and not math.isnan(n)]
    values = [p / n for p, n in pairs]
    return {"runs": len(values), "skipped": min(len(product), len(native)) - len(values),
            "min": min(values, default=math.nan),
            "median": statistics.median(values) if values else math.nan,
            "max": max(values, default=math.nan)}
