"""Starts Asterisk under chroot in the foreground (so its PID is ours), waits for FullyBooted
over AMI, and stops it by PID."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from ivr.ami import ami_fully_booted
from pbx.layout import Instance
from settings.schema import Ami


class AsteriskError(RuntimeError):
    pass


class Asterisk:
    def __init__(self, instance: Instance, ami: Ami) -> None:
        self.ami = ami  # FullyBooted is awaited over AMI
        self.instance = instance
        self.proc: subprocess.Popen[bytes] | None = None
        self.adopted: int | None = None

    def cli(self, command: str, timeout: float = 10.0) -> str:
        """One Asterisk CLI command through the control socket (asterisk -rx)."""
        try:
            out = subprocess.run(
                ["chroot", str(self.instance.root), "/usr/sbin/asterisk", "-C",
                 self.instance.config_file, "-rx", command],
                capture_output=True, timeout=timeout, text=True)
        except subprocess.TimeoutExpired as e:
            raise AsteriskError(f"asterisk -rx {command!r} timed out") from e
        return out.stdout

    @property
    def pid_file(self) -> Path:
        return self.instance.run / "asterisk.pid"

    def running_pid(self) -> int | None:
        """The PID of this instance's Asterisk if one is running (e.g. left by a killed bridge)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
            return None
        return None if _zombie(pid) else pid

    def alive(self) -> bool:
        """Is this instance's Asterisk running (ours, or the one we adopted)?"""
        if self.adopted is None and self.proc is not None:
            return self.proc.poll() is None  # also reaps a killed child
        return self.running_pid() is not None

    def restart_dead(self) -> None:
        """Starts a new Asterisk after the previous one died (the supervisor's restart): the
        dead one's PID file is stale, nothing is adopted."""
        self.adopted = None
        self.proc = None
        self.start()

    def start(self) -> None:
        """Starts Asterisk, or adopts the one still running for this instance: a bridge that
        restarts (crash, upgrade) must not drop the calls in progress."""
        running = self.running_pid()
        if running is not None:
            self.adopted = running
            self.cli("core reload")
            return
        self.instance.log.mkdir(parents=True, exist_ok=True)
        console = (self.instance.log / "console.log").open("ab")
        self.proc = subprocess.Popen(
            ["chroot", str(self.instance.root), "/usr/sbin/asterisk", "-f", "-n", "-C",
             self.instance.config_file],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_booted(self, timeout: float = 15.0) -> float:
        """Seconds until AMI said FullyBooted. The port opens ~0.1 s before that, so log in
        and wait for the event rather than just connecting."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.adopted is None and self.proc is not None and self.proc.poll() is not None:
                raise AsteriskError(f"Asterisk exited with {self.proc.returncode}; see "
                                    f"{self.instance.log / 'console.log'}")
            try:
                await asyncio.wait_for(ami_fully_booted(self.ami), 2.0)
                return time.monotonic() - started
            except (OSError, TimeoutError, ConnectionError):
                await asyncio.sleep(0.1)
        raise AsteriskError(f"Asterisk did not boot within {timeout:.0f} s; see "
                            f"{self.instance.log / 'console.log'}")

    def stop(self, timeout: float = 5.0) -> None:
        if self.adopted is not None:
            self._stop_adopted(self.adopted, timeout)
            return
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.cli("core stop now", timeout)
            self.proc.wait(timeout=timeout)
        except (AsteriskError, subprocess.TimeoutExpired):
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)

    def _stop_adopted(self, pid: int, timeout: float) -> None:
        try:
            self.cli("core stop now", timeout)
        except AsteriskError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _zombie(pid: int) -> bool:
    """A killed Asterisk whose parent (a `hotline up` that was itself killed) is gone waits to
    be reaped by init: it answers signal 0 but is dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
