"""Builds the project-owned Asterisk root from Debian's `asterisk` package (suite sid) with
mmdebstrap. The sid Release file is past its Valid-Until date on the mirror, hence the aptopt.

sid moves, so the root is not rebuilt behind the operator's back (issue 12): the installed
Asterisk version is recorded at provision time and shown by /health and `hotline
check-config`; the configuration may pin one (`[asterisk] version`); and a provision that would
change the version of an existing root says so and asks for `--upgrade`, which builds the new
root beside the old one and swaps them only once it is complete."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pbx.layout import Instance

PACKAGES = ("asterisk", "asterisk-core-sounds-en-wav", "asterisk-moh-opsound-wav", "python3",
            "tzdata")
MARKER = ".hotline-root"
VERSION_LINE = "asterisk "  # the marker's line recording the installed version


class ProvisionError(RuntimeError):
    pass


def installed_version(root: Path) -> str | None:
    """The Debian version of the root's installed `asterisk` package (from dpkg's status
    file: no chroot needed), or None when there is none."""
    try:
        text = (root / "var/lib/dpkg/status").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for stanza in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines()
                      if ": " in line and not line.startswith(" "))
        if fields.get("Package") == "asterisk" and fields.get("Status", "").endswith(
                " installed"):
            return fields.get("Version")
    return None


def recorded_version(root: Path) -> str | None:
    """The version written into the root's marker when it was provisioned."""
    try:
        lines = (root / MARKER).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((x.removeprefix(VERSION_LINE) for x in lines if x.startswith(VERSION_LINE)),
                None)


def version_warnings(instance: Instance, pin: str) -> list[str]:
    """What `hotline check-config` (and `hotline up`, through provision) must say about the
    root's Asterisk: a pin it does not meet, or a version changed since it was provisioned."""
    installed = installed_version(instance.root)
    if installed is None:
        return []
    found = []
    if pin and installed != pin:
        found.append(f"the Asterisk root {instance.root} has {installed}, asterisk.version "
                     f"pins {pin}: run `hotline asterisk provision --upgrade`")
    recorded = recorded_version(instance.root)
    if recorded and recorded != installed:
        found.append(f"the Asterisk root {instance.root} was provisioned with {recorded} but "
                     f"now has {installed} (changed by hand?)")
    return found


def provision(instance: Instance, progress: Callable[[str], None] = print,
              timeout: float = 900, pin: str = "", upgrade: bool = False) -> bool:
    """Builds the root unless it is already there; returns True if it built one. `pin`: the
    Debian version of `asterisk` the root must have. An existing root is rebuilt only with
    `upgrade` (it would change the root's version, or the pin asks for another)."""
    root = instance.root
    if instance.provisioned:
        installed = installed_version(root)
        _record(root, installed)  # roots built before versions were recorded
        if pin and installed != pin and not upgrade:
            raise ProvisionError(
                f"the Asterisk root {root} has Asterisk {installed}, the configuration pins "
                f"{pin}: run `hotline asterisk provision --upgrade` to rebuild it with {pin}")
        if not upgrade:
            progress(f"Asterisk root already provisioned at {root} (Asterisk {installed})")
            return False
        _refuse_while_running(root)
        progress(f"upgrading the Asterisk root {root} (now Asterisk {installed}) ...")
        new = root.with_name(root.name + ".new")
        _build(new, progress, timeout, pin)
        old = root.with_name(root.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        root.rename(old)
        new.rename(root)
        shutil.rmtree(old, ignore_errors=True)
        progress(f"Asterisk {installed} -> {installed_version(root)} in {root}")
        return True
    if root.exists():  # a half-built root from an interrupted run
        shutil.rmtree(root)
    _build(root, progress, timeout, pin)
    return True


def _build(root: Path, progress: Callable[[str], None], timeout: float, pin: str) -> None:
    if shutil.which("mmdebstrap") is None:
        raise ProvisionError("mmdebstrap is not installed (apt-get install mmdebstrap)")
    if root.exists():
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    packages = [f"asterisk={pin}" if pin and p == "asterisk" else p for p in PACKAGES]
    cmd = ["mmdebstrap", "--variant=apt", "--aptopt=Acquire::Check-Valid-Until \"false\"",
           f"--include={','.join(packages)}", "sid", str(root)]
    progress(f"provisioning Asterisk{' ' + pin if pin else ''} from Debian sid into {root} "
             "(about 30 s) ...")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    log_file = root.parent / f"{root.name}-provision.log"  # mmdebstrap's whole output
    last = ""
    with log_file.open("w", encoding="utf-8") as log:
        for line in proc.stdout:
            log.write(line)
            last = line.strip() or last
            if line.startswith("I: "):
                progress(f"  [{time.monotonic() - started:5.1f}s] {line[3:].rstrip()}")
            if time.monotonic() - started > timeout:
                proc.kill()
                raise ProvisionError(f"mmdebstrap took longer than {timeout:.0f} s; its output "
                                     f"is in {log_file}")
    if proc.wait() != 0:
        hint = f" (is {pin} still in Debian sid?)" if pin else ""
        raise ProvisionError(f"mmdebstrap failed ({last}); its output is in {log_file}: check "
                             f"the network and Debian's mirror{hint}, then run again")
    version = installed_version(root)
    (root / MARKER).write_text(f"built {time.strftime('%F %T')} with {' '.join(packages)}\n")
    _record(root, version)
    progress(f"Asterisk root ready in {time.monotonic() - started:.1f} s (Asterisk {version})")


def _record(root: Path, version: str | None) -> None:
    if version is None or recorded_version(root) is not None:
        return
    with (root / MARKER).open("a", encoding="utf-8") as marker:
        marker.write(f"{VERSION_LINE}{version}\n")


def _refuse_while_running(root: Path) -> None:
    """A root is not swapped under a running Asterisk (any instance's)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "root")) == root:
                raise ProvisionError(f"an Asterisk (PID {entry.name}) runs from {root}: stop "
                                     "the Hotline services using it (Ctrl-C), then upgrade")
        except OSError:
            continue


def main(root: str) -> None:  # pragma: no cover - used by docker/asterisk.Dockerfile
    provision(Instance(Path(root).resolve(), "hotline"), progress=lambda m: print(m, flush=True))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
