"""The API at a million call records (issue 9, item 5): GET /calls with each filter and deep
paging, GET /calls/{id}, and recording download throughput against reading the same file, over
real HTTP (the service's own app under uvicorn, in a process of its own), p50/p95 of each.

    .venv/bin/python bench/api_million.py [--calls 1000000] [--postgres] [--requests 40]
    .venv/bin/python bench/api_million.py --download-only [--calls 1000] [--rounds 15]
        [--against DIR]   # also serve from another checkout (e.g. `git archive main`), A/B

The database is seeded once (bench/million_seed.py, the store's own insert path) and kept in
var/bench/ for the next run; --postgres starts a throwaway cluster (as tests/store does) and
seeds it afresh. Results are merged into bench/results/<date>.json under `api_<backend>`
(or `api_<backend>_<label>` with --label, e.g. `before`).

Goals: search p95 < 50 ms, one record p95 < 10 ms, streaming >= 80% of the raw read."""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aggregate import ratios, summary
from download_ceiling import sendfile_server
from million_seed import AGENTS, FIRST_AGENT, RECORDING, seed
from page_plans import page_plans
from results_file import save_section

from callrecords.keyset import decode
from callrecords.store import CallFilter, CallStore
from tests.postgres_cluster import throwaway_cluster

PROJECT = Path(__file__).resolve().parents[1]
WORK = PROJECT / "var" / "bench"
TOKEN = "bench-qa-token-0123456789"
RECORDING_SECONDS = 600  # a ten-minute stereo call: 19.2 MB


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_env(url: str, recordings: Path) -> dict[str, str]:
    return {"HOTLINE_STORAGE__DATABASE_URL": url,
            "HOTLINE_STORAGE__RECORDINGS_DIR": str(recordings),
            "HOTLINE_API__TOKENS": f'{{ "{TOKEN}" = "qa" }}'}


def serve(url: str, recordings: Path, port: int) -> None:
    """The server side: the product's app (api.app.create_app) on uvicorn, nothing else."""
    import uvicorn

    from api.app import create_app
    from settings import load_settings

    settings = load_settings(environ=settings_env(url, recordings))
    store = CallStore(url)
    uvicorn.run(create_app(settings, store), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)


def prepared_store(url: str, calls: int, analyze: bool = True) -> CallStore:
    store = CallStore(url)
    store.migrate()
    with store.engine.connect() as conn:
        have = conn.exec_driver_sql("SELECT count(*) FROM calls").scalar_one()
    if have != calls:
        if have:
            sys.exit(f"{url} holds {have} calls, not {calls}: remove it to seed afresh")
        t = time.perf_counter()
        seed(store, calls)
        print(f"seeded {calls} calls in {time.perf_counter() - t:.0f} s", flush=True)
    if not analyze:
        pass  # a download does not query the list: no need to wait for statistics
    elif store.engine.dialect.name == "sqlite":
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # what a long-running database has; cheap here
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE calls")
            conn.exec_driver_sql("VACUUM ANALYZE call_legs")
            conn.exec_driver_sql("VACUUM ANALYZE call_agents")  # ?agent= (issue 8)
    return store


def recording_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / RECORDING
    if not path.exists():
        noise = np.random.default_rng(1).integers(-3000, 3000, (RECORDING_SECONDS * 8000, 2))
        sf.write(path, noise.astype(np.int16), 8000, subtype="PCM_16")
    return path


def timed(get: Callable[[], httpx.Response], n: int, warm: bool = True) -> list[float]:
    samples = []
    if warm:
        get()  # the first request of a kind pays for imports and plans
    for _ in range(n):
        t = time.perf_counter()
        r = get()
        samples.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            sys.exit(f"{r.request.url}: {r.status_code} {r.text[:300]}")
    return samples


def search_cases(calls: int) -> dict[str, dict[str, str]]:
    agent = str(FIRST_AGENT + AGENTS // 2)
    return {
        "unfiltered": {},
        "since_until_day": {"since": "2026-06-01T00:00:00", "until": "2026-06-02T00:00:00"},
        "since_until_month": {"since": "2026-06-01T00:00:00", "until": "2026-07-01T00:00:00"},
        "caller": {"caller": "13800012345"},
        "agent": {"agent": agent},
        "disposition_answered": {"disposition": "answered"},
        "disposition_missed": {"disposition": "missed"},
        "agent_and_disposition": {"agent": agent, "disposition": "answered"},
        "offset_deep": {"offset": str(calls * 9 // 10)},
        "answered_offset_deep": {"disposition": "answered", "offset": str(calls * 8 // 10)},
        "agent_offset_last_page": {"agent": agent,
                                   "offset": str(max(0, calls * 85 // 100 // AGENTS - 60))},
    }


def cursor_cases(client: httpx.Client, calls: int) -> dict[str, dict[str, str]]:
    """The deep pages of search_cases reached by cursor instead of offset: the cursor is the
    one the API gives with the page just before (its `next`), as a client walking the list
    would hold it at that depth (walking there page by page would take 18,000 requests)."""
    cases = {}
    for name, params, depth in (("cursor_deep", {}, calls * 9 // 10),
                                ("answered_cursor_deep", {"disposition": "answered"},
                                 calls * 8 // 10)):
        before = client.get("/calls", params={**params, "offset": str(depth - 50)}).json()
        if before["offset"] + len(before["items"]) != depth or not before["next"]:
            sys.exit(f"{name}: no page at {depth}")
        cases[name] = {**params, "cursor": before["next"]}
    return cases


def download_speed(clients: dict[str, httpx.Client], call_id: int, path: Path, rounds: int
                   ) -> dict[str, Any]:
    """MB/s of the API's download (from each server: `api`, `against` when comparing with
    another checkout, and `ceiling`, bench/download_ceiling.py) and of reading the file in
    64 KiB chunks, interleaved round by round so all see the same page cache and load."""
    size = path.stat().st_size
    runs: dict[str, list[float]] = {name: [] for name in [*clients, "raw"]}
    for _ in range(rounds):
        for name, client in clients.items():
            t = time.perf_counter()
            got = 0
            with client.stream("GET", f"/calls/{call_id}/recording") as r:
                for chunk in r.iter_raw():  # as received: no re-chunking
                    got += len(chunk)
            runs[name].append(size / 1e6 / (time.perf_counter() - t))
            if got != size:
                sys.exit(f"{name}: downloaded {got} bytes of {size}")
        t = time.perf_counter()
        with path.open("rb") as f:
            while f.read(65536):
                pass
        runs["raw"].append(size / 1e6 / (time.perf_counter() - t))
    raw_mb = summary(runs["raw"])["p50"]
    out: dict[str, Any] = {"file_mb": size / 1e6, "rounds": rounds, "raw_mb_s": raw_mb,
                           "raw_runs": runs["raw"]}
    for name in clients:
        mb = summary(runs[name])["p50"]
        out.update({f"{name}_mb_s": mb, f"{name}_over_raw": mb / raw_mb,
                    f"{name}_runs": runs[name]})
    for name in clients:
        if name != "ceiling":
            out[f"{name}_over_ceiling"] = out[f"{name}_mb_s"] / out["ceiling_mb_s"]
    return out


def print_download(d: dict[str, Any]) -> None:
    line = (f"  recording {d['file_mb']:.1f} MB, median of {d['rounds']}: "
            f"API {d['api_mb_s']:.0f} MB/s")
    if "against_mb_s" in d:
        line += f", other checkout {d['against_mb_s']:.0f} MB/s"
    print(f"{line}, file {d['raw_mb_s']:.0f} MB/s ({d['api_over_raw']:.0%}), sendfile "
          f"server {d['ceiling_mb_s']:.0f} MB/s ({d['api_over_ceiling']:.0%})", flush=True)


def database_size(store: CallStore, url: str) -> int:
    if store.engine.dialect.name == "sqlite":
        return Path(store.engine.url.database or "").stat().st_size
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())")
                   .scalar_one())


def started(port: int, tree: Path, url: str, recordings: Path
            ) -> tuple[subprocess.Popen[bytes], httpx.Client]:
    """The API served from `tree` (this checkout, or another one's bench/api_million.py)."""
    server = subprocess.Popen([sys.executable, str(tree / "bench" / "api_million.py"), "serve",
                               url, str(recordings), str(port)],
                              env={**os.environ, "PYTHONPATH": str(tree)})
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    deadline = time.monotonic() + 60
    while True:
        try:
            if client.get("/health").status_code in (200, 503):
                return server, client
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit(f"the API from {tree} did not start")
            time.sleep(0.2)


def measure(url: str, calls: int, requests: int, rounds: int, download_only: bool = False,
            against: Path | None = None) -> dict[str, Any]:
    store = prepared_store(url, calls, analyze=not download_only)
    size = database_size(store, url)
    store.engine.dispose()
    recordings = WORK / "recordings"
    wav = recording_file(recordings)
    results: dict[str, Any] = {"calls": calls, "database_bytes": size, "requests": requests}
    servers = {"api": PROJECT} | ({"against": against} if against else {})
    running = [started(free_port(), tree, url, recordings) for tree in servers.values()]
    try:
        clients = dict(zip(servers, (client for _, client in running), strict=True))
        client = clients["api"]
        if not download_only:
            cursors = search_and_record(client, calls, requests, results)
            results["plans"] = deep_page_plans(url, calls, cursors)
        answered = client.get("/calls", params={"disposition": "answered", "limit": 1})
        with sendfile_server(wav) as port:
            clients["ceiling"] = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            results["download"] = download_speed(clients, answered.json()["items"][0]["id"],
                                                 wav, rounds)
        if against:
            results["download"]["against"] = str(against)
        print_download(results["download"])
    finally:
        for server, _ in running:
            server.terminate()
            server.wait(timeout=30)
    return results


def search_and_record(client: httpx.Client, calls: int, requests: int,
                      results: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Times every search case and one record; returns the cursor cases it timed."""
    search = {}
    cursors = cursor_cases(client, calls)
    for name, params in (search_cases(calls) | cursors).items():
        search[name] = summary(timed(partial(client.get, "/calls", params=params), requests))
        print(f"  GET /calls {name:<24} p50 {search[name]['p50']:8.1f} ms  "
              f"p95 {search[name]['p95']:8.1f} ms", flush=True)
    results["search_ms"] = search
    results["deep_pairs"] = deep_pairs(client, calls, cursors, requests)
    rng = random.Random(7)
    results["record_ms"] = summary(timed(
        lambda: client.get(f"/calls/{rng.randrange(1, calls + 1)}"), requests * 2))
    print(f"  GET /calls/{{id}} p50 {results['record_ms']['p50']:.1f} ms  "
          f"p95 {results['record_ms']['p95']:.1f} ms", flush=True)
    return cursors


def deep_pairs(client: httpx.Client, calls: int, cursors: dict[str, dict[str, str]],
               n: int) -> dict[str, Any]:
    """The same deep page by offset and by cursor, alternated request by request (A/B/A/B),
    so that the other load of a shared machine falls on both alike: each one's p50/p95 and the
    ratios cursor/offset of the pairs (min/median/max)."""
    cases = search_cases(calls)
    out: dict[str, Any] = {}
    for offset_case, cursor_case in (("offset_deep", "cursor_deep"),
                                     ("answered_offset_deep", "answered_cursor_deep")):
        get_offset = partial(client.get, "/calls", params=cases[offset_case])
        get_cursor = partial(client.get, "/calls", params=cursors[cursor_case])
        by_offset: list[float] = []
        by_cursor: list[float] = []
        for _ in range(n):
            by_offset += timed(get_offset, 1, warm=False)
            by_cursor += timed(get_cursor, 1, warm=False)
        out[cursor_case] = {"offset_ms": summary(by_offset), "cursor_ms": summary(by_cursor),
                            "cursor_over_offset": ratios(by_cursor, by_offset)}
        r = out[cursor_case]
        print(f"  alternated {cursor_case:<22} offset p50/p95 {r['offset_ms']['p50']:.1f}/"
              f"{r['offset_ms']['p95']:.1f} ms, cursor {r['cursor_ms']['p50']:.1f}/"
              f"{r['cursor_ms']['p95']:.1f} ms, cursor/offset median "
              f"{r['cursor_over_offset']['median']:.2f}", flush=True)
    return out


def deep_page_plans(url: str, calls: int, cursors: dict[str, dict[str, str]]
                    ) -> dict[str, Any]:
    """How the database reads the deep pages, by offset and by cursor (bench/page_plans.py)."""
    store = CallStore(url)
    answered = CallFilter(disposition="answered")
    try:
        plans = {
            "offset_deep": page_plans(store, CallFilter(), calls * 9 // 10, None),
            "answered_offset_deep": page_plans(store, answered, calls * 8 // 10, None),
            "cursor_deep": page_plans(store, CallFilter(), 0, decode(
                "calls", cursors["cursor_deep"]["cursor"], CallFilter())),
            "answered_cursor_deep": page_plans(store, answered, 0, decode(
                "calls", cursors["answered_cursor_deep"]["cursor"], answered)),
        }
    finally:
        store.engine.dispose()
    for name, statements in plans.items():
        print(f"  plan {name}: " + " | ".join(statements[0]["plan"]), flush=True)
    return plans


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--rounds", type=int, default=7, help="downloads per server")
    parser.add_argument("--download-only", action="store_true",
                        help="only the recording download (a small database is enough)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout whose API is downloaded from too, interleaved")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    suffix = f"_{args.label}" if args.label else ""
    if args.postgres:
        with throwaway_cluster() as url:
            results = measure(url, args.calls, args.requests, args.rounds,
                              args.download_only, args.against)
        results["backend"] = "postgresql"
    else:
        url = f"sqlite:///{WORK}/api-{args.calls}.db"
        results = measure(url, args.calls, args.requests, args.rounds,
                          args.download_only, args.against)
        results["backend"] = "sqlite"
    print(f"  database {results['database_bytes'] / 1e6:.0f} MB")
    kind = "download" if args.download_only else "api"
    section = f"{kind}_{results['backend']}{suffix}"
    print(f"saved to {save_section(section, results)}")


if __name__ == "__main__":
    main()
