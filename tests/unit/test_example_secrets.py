"""Issue 13 item 7: `hotline up` refuses the shipped example secrets (change-me...) unless
--demo, and with --demo only on loopback; it says so in one line before starting anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.service import ServiceError, refuse_example_secrets
from settings import load_settings
from tests.telephony.ports import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "hotline.example.toml"


def _own(tmp_path: Path) -> Path:
    """The example file with secrets of the operator's own."""
    own = tmp_path / "own.toml"
    own.write_text(EXAMPLE.read_text(encoding="utf-8")
                   .replace('"change-me-1001"', '"x7-real-1001"')
                   .replace('"change-me-1002"', '"x7-real-1002"')
                   .replace('"change-me-9001"', '"x7-real-9001"')
                   .replace('secret = "change-me"', 'secret = "x7-real-ami"')
                   .replace('"change-me-originate"', '"x7-real-originate"')
                   .replace('"change-me-qa"', '"x7-real-qa-token"')
                   .replace('"change-me-admin"', '"x7-real-admin-token"'), encoding="utf-8")
    return own


def _up(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    ports = {"HOTLINE_API__BIND": f"127.0.0.1:{free_port()}",
             "HOTLINE_STORAGE__ASTERISK_INSTANCE": "secrets-test"}
    return subprocess.run([sys.executable, "-m", "hotline", "up", *args], capture_output=True,
                          text=True, timeout=30, env={**os.environ, **ports, **env})


def test_the_defaults_are_refused_in_one_line_saying_how_to_fix_it() -> None:
    proc = _up()
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("hotline: agents[0].password, agents[1].password, "
                           "supervisors[0].password, ami.secret, ami.originate_secret, "
                           "api.tokens still have their example value")
    assert "--config" in line and "--demo" in line
    assert "provisioning" not in proc.stderr and "Asterisk up" not in proc.stderr


def test_the_example_file_is_refused_too() -> None:
    proc = _up("--config", str(EXAMPLE))
    assert proc.returncode == 2 and "example value" in proc.stderr


def test_demo_is_loopback_only() -> None:
    proc = _up("--demo", HOTLINE_SIP__BIND="0.0.0.0:25999")
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "--demo keeps the example secrets" in line and "sip.bind" in line


def test_what_is_accepted(tmp_path: Path) -> None:
    defaults = load_settings(environ={})
    refuse_example_secrets(defaults, demo=True)  # a try-out on loopback
    own = _own(tmp_path)
    refuse_example_secrets(load_settings(own, environ={}), demo=False)
    exposed = load_settings(own, environ={"HOTLINE_API__BIND": "0.0.0.0:8080"})
    refuse_example_secrets(exposed, demo=True)  # own secrets: any address
    one_left = load_settings(own, environ={"HOTLINE_AMI__SECRET": "change-me"})
    with pytest.raises(ServiceError, match=r"^ami\.secret still has its example value"):
        refuse_example_secrets(one_left, demo=False)
