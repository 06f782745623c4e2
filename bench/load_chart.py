"""The load benchmark's chart: answer latency and CPU against concurrent calls, product and
native (median of the interleaved runs at each level), as a PNG (matplotlib, Agg)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _median(values: list[float]) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def series(runs: list[dict[str, Any]], side: str, pick: Any) -> tuple[list[int], list[float]]:
    levels = sorted({r["concurrent"] for r in runs
                     if r["phase"] in ("latency", "capacity") and r["side"] == side})
    ys = [_median([pick(r) for r in runs if r["phase"] in ("latency", "capacity")
                   and r["side"] == side and r["concurrent"] == lv]) for lv in levels]
    return levels, ys


def chart(runs: list[dict[str, Any]], target: Path) -> Path:
    fig, (lat, cpu) = plt.subplots(1, 2, figsize=(11, 4.2))
    for side, style in (("product", "o-"), ("native", "s--")):
        x, y = series(runs, side, lambda r: r["answer_ms"]["p50"])
        lat.plot(x, y, style, label=f"{side} p50")
        x, y = series(runs, side, lambda r: r["answer_ms"]["p95"])
        lat.plot(x, y, style, alpha=0.45, label=f"{side} p95")
        x, y = series(runs, side, lambda r: r.get("cpu_steady", {}).get("asterisk_pct"))
        cpu.plot(x, y, style, label=f"Asterisk ({side})")
    x, y = series(runs, "product", lambda r: r.get("cpu_steady", {}).get("bridge_pct"))
    cpu.plot(x, y, "^-", label="bridge (product), calls talking")
    x, y = series(runs, "product",
                  lambda r: 100 * r["cpu_run"]["bridge_cpu_s"] / r["cpu_run"]["seconds"])
    cpu.plot(x, y, "v:", label="bridge, whole run (records, recordings, QA analysis)")
    lat.set(title="INVITE → 200 OK (packet capture)", xlabel="concurrent calls", ylabel="ms")
    cpu.set(title="CPU while every call talks (/proc)", xlabel="concurrent calls",
            ylabel="% of one core")
    for ax in (lat, cpu):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Hotline vs native Asterisk (2 shared cores, interleaved runs)", fontsize=10)
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target


if __name__ == "__main__":  # redraw from a results file: load_chart.py RESULTS.json [SECTION]
    import json
    import sys

    doc = json.loads(Path(sys.argv[1]).read_text())
    section = sys.argv[2] if len(sys.argv) > 2 else "load"
    print(chart(doc[section]["runs"], Path(sys.argv[1]).with_name(
        f"{Path(sys.argv[1]).stem}-{section}.png")))
