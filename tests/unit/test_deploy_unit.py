"""Issue 12: the systemd unit in deploy/ runs a command line `hotline` accepts, restarts on
failure, and lets a restarted bridge adopt the running Asterisk (only the main process is
signalled)."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
from pathlib import Path

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "hotline.service"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_exec_start_is_a_command_hotline_accepts() -> None:
    service = _unit()["Service"]
    binary, *args = shlex.split(service["ExecStart"])
    assert binary.endswith("/.venv/bin/hotline") and args[0] == "up"
    # Unknown options fail while parsing, before --help is answered.
    proc = subprocess.run([sys.executable, "-m", "hotline", *args, "--help"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert binary.startswith(service["WorkingDirectory"])


def test_restart_keeps_asterisk_for_adoption() -> None:
    unit = _unit()
    assert unit["Service"]["Restart"] == "on-failure"
    assert unit["Service"]["KillMode"] == "process"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
