"""`make bench`: the full product against native Asterisk, side by side in one run (issue 9,
items 1-4). Both sides run on the same Asterisk root from the same rendered configuration; the
baseline has the FastAGI step replaced by the same decision in dialplan and no bridge, so the
difference measured is the bridge. Runs are interleaved product/native (A/B, then B/A) and each
figure is given per run and as the min/median/max of the product/native ratios.

    .venv/bin/python bench/load.py [--levels 50,100,150] [--reps 2] [--talk 30]
                                   [--rates 10,20,40] [--agents 220] [--quick]

--quick: a smoke run (levels 1,3, talk 5 s, one rate, 10 agents) to check the harness.
--before DIR: instead of native Asterisk, the product from another checkout (e.g.
`git worktree add DIR main`), interleaved the same way: the bridge's CPU before and after a
change, in one run (section `load_before_after` unless --section).
Needs root (chroot, tcpdump on loopback) and tcpdump (apt-get install tcpdump).
Results: bench/results/<date>.json (section `load`), bench/results/<date>-load.png."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aggregate import ratios
from load_chart import chart
from load_rig import Side, bench_config, make_side
from load_run import run_calls
from results_file import results_path, save_section


def interleaved(sides: list[Side], reps: int) -> list[tuple[int, Side]]:
    """A/B then B/A ...: neither side always runs first (a warmer cache, a quieter moment)."""
    order = []
    for rep in range(reps):
        pair = sides if rep % 2 == 0 else sides[::-1]
        order += [(rep, side) for side in pair]
    return order


class Runs:
    def __init__(self) -> None:
        self.counter = 1000
        self.results: list[dict[str, Any]] = []

    def run(self, side: Side, rep: int, phase: str, **kw: Any) -> dict[str, Any]:
        self.counter += 1
        r = run_calls(side, self.counter, **kw)
        r.update(phase=phase, rep=rep)
        r.pop("answer_samples", None)
        self.results.append(r)
        rtp = r["rtp"]
        print(f"  {phase:<9} {side.name:<7} c={r['concurrent']:<4} calls={r['calls']:<4} "
              f"ok={r['successful']} failed={r['failed']} bridged={r['bridged']} "
              f"answer p50={r['answer_ms']['p50']:.1f} ms p95={r['answer_ms']['p95']:.1f} "
              f"rtp lost={rtp['lost']}/{rtp['received']} "
              f"cpu ast={r['cpu_run']['asterisk_cpu_s']:.1f}s "
              f"bridge={r['cpu_run']['bridge_cpu_s']:.1f}s", flush=True)
        return r


def clean(r: dict[str, Any], talk: float) -> bool:
    """A run the side carried: every call succeeded and was bridged to an agent (not left
    waiting in the queue), no RTP lost, every call recorded."""
    return (r["failed"] == 0 and r["successful"] == r["calls"] and r["bridged"] >= r["calls"]
            and r["rtp"]["lost"] == 0 and r["recordings_on_disk"]["playable"] >= r["calls"])


def by(results: list[dict[str, Any]], phase: str, side: str, level: int) -> list[dict[str, Any]]:
    key = "rate" if phase == "rate" else "concurrent"
    return [r for r in results
            if r["phase"] == phase and r["side"] == side and r[key] == level]


def analyse(results: list[dict[str, Any]], levels: list[int], rates: list[float],
            talk: float) -> dict[str, Any]:
    out: dict[str, Any] = {"latency": {}, "capacity": {}, "rate": {}}
    for level in [1, *levels]:
        phase = "latency" if level == 1 else "capacity"
        p, n = by(results, phase, "product", level), by(results, phase, "native", level)
        if not p or not n:
            continue
        out["latency"][str(level)] = {
            "product_p50_ms": [r["answer_ms"]["p50"] for r in p],
            "native_p50_ms": [r["answer_ms"]["p50"] for r in n],
            "ratio_p50": ratios([r["answer_ms"]["p50"] for r in p],
                                [r["answer_ms"]["p50"] for r in n]),
            "ratio_p95": ratios([r["answer_ms"]["p95"] for r in p],
                                [r["answer_ms"]["p95"] for r in n])}
        if phase == "capacity":
            steady_p = [r.get("cpu_steady", {}) for r in p]
            steady_n = [r.get("cpu_steady", {}) for r in n]
            out["capacity"][str(level)] = {
                "product_clean_runs": sum(clean(r, talk) for r in p), "runs": len(p),
                "native_clean_runs": sum(clean(r, talk) for r in n),
                "asterisk_pct_product": [s.get("asterisk_pct") for s in steady_p],
                "asterisk_pct_native": [s.get("asterisk_pct") for s in steady_n],
                "bridge_pct": [s.get("bridge_pct") for s in steady_p],
                "bridge_share_run": ratios([r["cpu_run"]["bridge_cpu_s"] for r in p],
                                           [r["cpu_run"]["asterisk_cpu_s"] for r in p]),
                "bridge_share_steady": ratios([s.get("bridge_pct") or 0.0 for s in steady_p],
                                              [s.get("asterisk_pct") or 0.0 for s in steady_p]),
                "asterisk_ratio_product_native": ratios(
                    [s.get("asterisk_pct") or 0.0 for s in steady_p],
                    [s.get("asterisk_pct") or 0.0 for s in steady_n])}
    for side in ("product", "native"):
        carried = [lv for lv in levels
                   if by(results, "capacity", side, lv)
                   and all(clean(r, talk) for r in by(results, "capacity", side, lv))]
        out["capacity"][f"{side}_max_clean"] = max(carried, default=0)
        fine = [rate for rate in rates
                if by(results, "rate", side, rate)  # type: ignore[arg-type]
                and all(r["failed"] == 0 and r["successful"] == r["calls"] == r["bridged"]
                        for r in by(results, "rate", side, rate))]  # type: ignore[arg-type]
        out["rate"][f"{side}_max_calls_per_s"] = max(fine, default=0)
    p_cap, n_cap = out["capacity"]["product_max_clean"], out["capacity"]["native_max_clean"]
    out["capacity"]["product_over_native"] = p_cap / n_cap if n_cap else None
    completeness = [r["completeness"] for r in results if "completeness" in r
                    and r["phase"] == "capacity"]
    out["completeness"] = [{
        "concurrent": r["concurrent"], "placed": r["calls"],
        "records": c["records"], "with_agent_wait_talk": c["with_agent_wait_talk"],
        "with_recording": c["with_recording"], "recordings_playable":
            r["recordings_on_disk"]["playable"],
        "record_served_s": c.get("record_served_s"), "recording_attached_s":
            c.get("recording_attached_s")}
        for r, c in zip([r for r in results if "completeness" in r and r["phase"] == "capacity"],
                        completeness, strict=True)]
    return out


def before_after(results: list[dict[str, Any]], levels: list[int]) -> dict[str, Any]:
    """--before: the bridge's CPU of this checkout against the other's, per level."""
    out: dict[str, Any] = {}
    for level in levels:
        after, before = (by(results, "capacity", side, level) for side in ("product", "before"))
        if not after or not before:
            continue
        out[str(level)] = {
            "bridge_cpu_s_after": [r["cpu_run"]["bridge_cpu_s"] for r in after],
            "bridge_cpu_s_before": [r["cpu_run"]["bridge_cpu_s"] for r in before],
            "bridge_share_run_after": [r["cpu_run"]["bridge_cpu_s"] /
                                       r["cpu_run"]["asterisk_cpu_s"] for r in after],
            "bridge_share_run_before": [r["cpu_run"]["bridge_cpu_s"] /
                                        r["cpu_run"]["asterisk_cpu_s"] for r in before],
            "ratio_bridge_cpu_after_before": ratios(
                [r["cpu_run"]["bridge_cpu_s"] for r in after],
                [r["cpu_run"]["bridge_cpu_s"] for r in before]),
            "record_served_p95_s": {
                side: [r["completeness"].get("record_served_s", {}).get("p95") for r in runs]
                for side, runs in (("after", after), ("before", before))},
            "recording_attached_p95_s": {
                side: [r["completeness"].get("recording_attached_s", {}).get("p95") for r in runs]
                for side, runs in (("after", after), ("before", before))},
            "clean_runs": {"after": sum(clean(r, 0) for r in after),
                           "before": sum(clean(r, 0) for r in before), "runs": len(after)}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="50,100,150")
    parser.add_argument("--rates", default="5,10,20")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--talk", type=float, default=30.0)
    parser.add_argument("--agents", type=int, default=250)
    parser.add_argument("--latency-calls", type=int, default=10,
                        help="calls one at a time for the 1-call latency (0: skip)")
    parser.add_argument("--section", default="load",
                        help="the results file's section (e.g. load_after for a re-run)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--poll-after-run", action="store_true",
                        help="capacity runs: the API first asked after the last hangup (the "
                             "bridge's CPU without serving the bench's polling)")
    parser.add_argument("--before", type=Path, default=None,
                        help="another checkout of the product, run instead of native")
    args = parser.parse_args()
    for tool in ("sipp", "tcpdump"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is not installed (apt-get install "
                     f"{'sip-tester' if tool == 'sipp' else tool})")
    if args.quick:
        args.levels, args.rates, args.talk, args.agents, args.reps = "3", "2", 5.0, 10, 1
    levels = [int(x) for x in args.levels.split(",")]
    rates = [float(x) for x in args.rates.split(",") if x]
    work = Path(tempfile.mkdtemp(prefix="hotline-bench-load-"))
    config = bench_config(work, args.agents)
    sides = [make_side("product", work, config, 30000, "127.0.0.61"),
             make_side("native", work, config, 34000, "127.0.0.62") if args.before is None
             else make_side("before", work, config, 34000, "127.0.0.62",
                            project=args.before.resolve())]
    runs = Runs()
    started = time.time()
    try:
        for side in sides:
            t = time.monotonic()
            side.start(config, args.agents)
            print(f"{side.name} up with {args.agents} agents in {time.monotonic() - t:.0f} s",
                  flush=True)
        for rep, side in interleaved(sides, args.reps if args.latency_calls else 0):
            runs.run(side, rep, "latency", concurrent=1, calls=args.latency_calls, talk=1.0,
                     rate=2.0, complete=False)
        for level in levels:
            for rep, side in interleaved(sides, args.reps):
                runs.run(side, rep, "capacity", concurrent=level, calls=level, talk=args.talk,
                         rate=min(20.0, max(1.0, level / 5)), complete=True,
                         poll_after_run=args.poll_after_run)
        for rate in rates:
            for rep, side in interleaved(sides, args.reps):
                runs.run(side, rep, "rate", concurrent=int(rate * 20), calls=int(rate * 8),
                         talk=1.0, rate=rate, complete=False)
    finally:
        for side in sides:
            side.stop()
    summary_ = (analyse(runs.results, levels, rates, args.talk) if args.before is None
                else before_after(runs.results, levels))
    given = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    data = {"started": started, "seconds": time.time() - started, "args": given,
            "work": str(work), "summary": summary_, "runs": runs.results,
            "note": "2-core machine shared with other sessions' telephony tests; "
                    "everything ran under nice -n 5"}
    section = "load_quick" if args.quick else args.section
    if args.before is not None and section == "load":
        section = "load_before_after"
    path = save_section(section, data)
    print(json.dumps(summary_, indent=1, default=str))
    if args.before is not None:
        print(f"results in {path}")
        return
    png = results_path().with_name(f"{results_path().stem}-{section}.png")
    chart(runs.results, png)
    print(f"results in {path}, chart {png}")


if __name__ == "__main__":
    main()
