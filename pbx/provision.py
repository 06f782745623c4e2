"""Builds the project-owned Asterisk root from Debian's `asterisk` package (suite sid) with
mmdebstrap. The sid Release file is past its Valid-Until date on the mirror, hence the aptopt."""

from __future__ import annotations

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


class ProvisionError(RuntimeError):
    pass


def provision(instance: Instance, progress: Callable[[str], None] = print,
              timeout: float = 900) -> bool:
    """Builds the root unless it is already there; returns True if it built one."""
    if instance.provisioned:
        progress(f"Asterisk root already provisioned at {instance.root}")
        return False
    if shutil.which("mmdebstrap") is None:
        raise ProvisionError("mmdebstrap is not installed (apt-get install mmdebstrap)")
    root = instance.root
    if root.exists():  # a half-built root from an interrupted run
        shutil.rmtree(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["mmdebstrap", "--variant=apt", "--aptopt=Acquire::Check-Valid-Until \"false\"",
           f"--include={','.join(PACKAGES)}", "sid", str(root)]
    progress(f"provisioning Asterisk from Debian sid into {root} (about 30 s) ...")
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
        raise ProvisionError(f"mmdebstrap failed ({last}); its output is in {log_file}: check "
                             "the network and Debian's mirror, then run again")
    (root / MARKER).write_text(f"built {time.strftime('%F %T')} with {' '.join(PACKAGES)}\n")
    progress(f"Asterisk root ready in {time.monotonic() - started:.1f} s")
    return True


def main(root: str) -> None:  # pragma: no cover - used by docker/asterisk.Dockerfile
    provision(Instance(Path(root).resolve(), "hotline"), progress=lambda m: print(m, flush=True))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
