"""`hotline demo-call`, as the README tells a newcomer to run it, against the running service."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.telephony.conftest import CONFIG, WORKING_HOURS, Hotline

pytestmark = pytest.mark.asterisk


def test_demo_call_prints_an_answered_record(hotline: Hotline) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hotline", "demo-call", "-c", str(CONFIG), "--seconds", "8",
         "--at", WORKING_HOURS],
        env={**os.environ, **hotline.service.env}, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    start, end = proc.stdout.index("{"), proc.stdout.rindex("}") + 1
    record = json.loads(proc.stdout[start:end])
    assert record["disposition"] == "answered" and record["agent"] == "1001"
    assert record["recording"]["channels"] == 2
    assert "recording: /calls/" in proc.stdout
