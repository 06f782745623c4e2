"""Ports and addresses the real-Asterisk suite takes for itself, so it passes while another
Hotline (a developer's `make up`, a second checkout's tests) or any program holds the usual
ones (issue 12)."""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def free_port(kind: int = socket.SOCK_STREAM, host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def service_binds() -> dict[str, str]:
    """Environment for a hotline instance on ports nobody holds right now."""
    return {
        "HOTLINE_SIP__BIND": f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}",
        "HOTLINE_AMI__BIND": f"127.0.0.1:{free_port()}",
        "HOTLINE_AGI__BIND": f"127.0.0.1:{free_port()}",
        "HOTLINE_API__BIND": f"127.0.0.1:{free_port()}",
    }


def service_env(base: Path, instance: str | None = None, carrier: bool = False
                ) -> dict[str, str]:
    """Environment for a hotline of the suite's own: free ports; its database, recordings and
    spool under `base`; the project's Asterisk root. `instance`: a second Asterisk instance
    beside the suite's main one. `carrier`: a trunk address nobody else uses, for a peer that
    must sit on <trunk host>:5060 (the trunk's contact)."""
    env = {
        **service_binds(),
        "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{base}/calls.db",
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(base / "recordings"),
        "HOTLINE_STORAGE__SPOOL_DIR": str(base / "spool"),
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(PROJECT / "var" / "asterisk"),
    }
    if instance is not None:
        env["HOTLINE_STORAGE__ASTERISK_INSTANCE"] = instance
    if carrier:
        env["HOTLINE_SIP__TRUNK_HOSTS"] = f'["{free_loopback_host(5060)}"]'
    return env


def free_loopback_host(port: int) -> str:
    """A 127.x.y.z address whose `port` (UDP) is free: for a peer that must sit on a fixed
    port, such as the carrier's side of the trunk (its contact is <host>:5060)."""
    for _ in range(50):
        host = f"127.0.{random.randint(2, 250)}.{random.randint(2, 250)}"
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((host, port))
            return host
        except OSError:
            continue
    raise RuntimeError(f"no loopback address with UDP port {port} free")


def processes_using(text: str) -> list[int]:
    """PIDs whose command line mentions `text` (e.g. an instance's configuration path)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found
