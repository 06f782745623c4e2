"""`hotline demo-call`, as the README tells a newcomer to run it, against the running service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.telephony.conftest import CONFIG, Hotline

pytestmark = pytest.mark.asterisk


def _demo_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("hotline-demo-*")}


def test_demo_call_prints_an_answered_record(hotline: Hotline) -> None:
    before = _demo_folders()
    # A time without an offset (issue 12): read in the company's zone, Monday 10:00 in Shanghai.
    proc = subprocess.run(
        [sys.executable, "-m", "hotline", "demo-call", "-c", str(CONFIG), "--seconds", "8",
         "--at", "2026-11-23T10:00:00"],
        env={**os.environ, **hotline.service.env}, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    start, end = proc.stdout.index("{"), proc.stdout.rindex("}") + 1
    record = json.loads(proc.stdout[start:end])
    assert record["disposition"] == "answered" and record["agent"] == "1001"
    assert record["recording"]["channels"] == 2
    # The recording's full path on disk (issue 12, item 6), and its URL.
    line = next(x for x in proc.stdout.splitlines() if x.startswith("recording: "))
    path = Path(line.removeprefix("recording: "))
    assert path.is_file() and path.name == f"{record['linkedid']}.wav"
    assert path.is_relative_to(hotline.base / "recordings")
    assert f"/calls/{record['id']}/recording" in proc.stdout
    assert _demo_folders() <= before  # its temporary folder is gone
