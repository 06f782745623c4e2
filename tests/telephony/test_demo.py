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
        [sys.executable, "-m", "hotline", "demo-call", "-c", str(CONFIG), "--seconds", "16",
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

    # The parties speak in turns (espeak-ng), so the QA figures look like a conversation's.
    flags = record["qa_flags"]
    assert flags["speech_seconds"]["caller"] > 1.0 and flags["speech_seconds"]["agent"] > 1.0
    assert 0.2 < flags["talk_ratio"] < 0.8
    # The command applies the service's own exclusions: its figures are the record's.
    analyzed = subprocess.run(
        [sys.executable, "-m", "hotline", "recordings", "analyze", "--call", str(record["id"]),
         "-c", str(CONFIG)],
        env={**os.environ, **hotline.service.env}, capture_output=True, text=True, timeout=60)
    assert analyzed.returncode == 0, analyzed.stderr
    again = json.loads(analyzed.stdout)
    for key in ("speech_seconds", "talk_ratio", "dead_air", "overtalk", "excluded",
                "first_agent_speech"):
        assert again[key] == flags[key], key
    assert again["excluded"] and again["excluded"][0]["start"] == 0.0
