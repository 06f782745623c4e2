"""How soon does the QA console play a 30-minute call, and how big is its waveform?

    .venv/bin/python bench/console_first_sound.py [--minutes 30] [--runs 3]

Generates a stereo 8 kHz recording of `--minutes` (16-bit: 57.6 MB for 30 minutes), stores it
as a call, serves the API on a free loopback port and opens the console in Debian's chromium
(Playwright). Time to first sound is from the click on Play to the audio element's
currentTime passing 0 (the first decoded audio reached the output): the console's way, a
signed link played by the <audio> element with HTTP Range. The baseline, timed in the same run
on the same file, is what a console must otherwise do to keep the token in a header without
a service worker: fetch the whole recording with Authorization into a blob, then play it.
Also prints the peaks JSON's size (GET /calls/{id}/recording/peaks, the points the console
asks on a 1366-pixel screen) and its computation time, first (read from disk) and cached.
Loopback: a LAN adds its latency to every request, and the baseline its bandwidth x 57.6 MB.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf
import uvicorn
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app
from callrecords.record import CallRecord
from callrecords.store import CallStore
from domain.status import Disposition, Route
from settings import load_settings

TOKEN = "bench-qa-token"
RATE = 8000


def recording(path: Path, minutes: float) -> float:
    """Speech-like bursts on both channels, written a minute at a time."""
    rng = np.random.default_rng(10)
    path.parent.mkdir(parents=True, exist_ok=True)
    with sf.SoundFile(str(path), "w", RATE, 2, "PCM_16") as f:
        for _ in range(int(minutes)):
            noise = rng.standard_normal((60 * RATE, 2)) * 3000
            bursts = np.repeat(rng.random((60 * 4, 2)) < 0.5, RATE // 4, axis=0)
            f.write((noise * bursts).astype(np.int16))
    return minutes * 60


def serve(tmp: Path, minutes: float) -> tuple[str, int, uvicorn.Server]:
    settings = load_settings(environ={
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp / "recordings"),
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "HOTLINE_API__TOKENS": f'{{ "{TOKEN}" = "qa" }}'})
    store = CallStore(settings.storage.database_url)
    store.migrate()
    now = time.time()
    call_id = store.save(CallRecord("bench.1", now - 1900, caller="13800000001", agent="1001",
                                    route=Route.AGENT, disposition=Disposition.ANSWERED,
                                    ended_at=now - 100, talk_seconds=minutes * 60))
    seconds = recording(tmp / "recordings" / "bench.wav", minutes)
    store.update(call_id, recording_path="bench.wav", recording_duration=seconds,
                 recording_channels=2,
                 qa_flags={"dead_air": [{"start": 600.0, "end": 612.0}], "overtalk": []})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base}/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return base, call_id, server


def until_sound(page: Page, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate("document.getElementById('player').currentTime > 0"):
        if time.monotonic() > deadline:
            raise RuntimeError("no sound")
        time.sleep(0.005)


def console_first_sound(page: Page, base: str, call_id: int) -> float:
    page.goto(f"{base}/console/#/calls/{call_id}")
    page.wait_for_selector("#flag-list button")
    while not page.evaluate("document.getElementById('player').src"):
        time.sleep(0.01)
    t0 = time.perf_counter()
    page.click("#play")
    until_sound(page)
    return time.perf_counter() - t0


def blob_first_sound(page: Page, base: str, call_id: int) -> float:
    page.goto(f"{base}/console/#/calls/{call_id}")
    page.wait_for_selector("#flag-list button")
    t0 = time.perf_counter()
    page.evaluate("""async ([id, token]) => {
        const r = await fetch(`/calls/${id}/recording`,
                              {headers: {Authorization: `Bearer ${token}`}});
        const audio = document.getElementById('player');
        audio.src = URL.createObjectURL(await r.blob());
        await audio.play();
    }""", [call_id, TOKEN])
    until_sound(page)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base, call_id, server = serve(Path(folder), args.minutes)
        size = (Path(folder) / "recordings" / "bench.wav").stat().st_size
        print(f"recording: {args.minutes:g} min stereo 8 kHz 16-bit, {size / 1e6:.1f} MB")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        for points in (1000, 1690, 4000):
            t0 = time.perf_counter()
            first = httpx.get(f"{base}/calls/{call_id}/recording/peaks",
                              params={"points": points}, headers=headers, timeout=60)
            t1 = time.perf_counter()
            httpx.get(f"{base}/calls/{call_id}/recording/peaks", params={"points": points},
                      headers=headers, timeout=60)
            t2 = time.perf_counter()
            print(f"peaks points={points}: {len(first.content)} bytes of JSON, "
                  f"first {1000 * (t1 - t0):.0f} ms, cached {1000 * (t2 - t1):.0f} ms")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.add_init_script(f"sessionStorage.setItem('hotline.token', '{TOKEN}')")
            page = context.new_page()
            console, blob = [], []
            for _ in range(args.runs):
                console.append(console_first_sound(page, base, call_id))
                blob.append(blob_first_sound(page, base, call_id))
            browser.close()
        server.should_exit = True
        c, b = statistics.median(console), statistics.median(blob)
        print(f"time to first sound, median of {args.runs}: console (signed link, Range) "
              f"{1000 * c:.0f} ms; baseline (whole file with Authorization, blob) "
              f"{1000 * b:.0f} ms; {b / c:.1f}x")


if __name__ == "__main__":
    main()
