"""Asterisk runs as its own user inside the root (issue 13 item 9, least privilege): the root's
`asterisk` account (Debian's package makes it; uid 101 in the roots built here), named in the
rendered asterisk.conf (`runuser`/`rungroup`), owns the instance folder it reads and writes. The
service itself stays root on the host and reads what Asterisk writes (recordings, voicemail)
whatever its owner; files stay owner-only (umask 077), so no third account reads them."""

from __future__ import annotations

import os
from pathlib import Path

from pbx.layout import Instance

RUN_USER = "asterisk"


def run_ids(root: Path, user: str = RUN_USER) -> tuple[int, int] | None:
    """(uid, gid) of `user` in the root's /etc/passwd; None if the root has no such user (then
    Asterisk keeps running as root, as before)."""
    try:
        lines = (root / "etc" / "passwd").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] == user and fields[2].isdigit() and fields[3].isdigit():
            return int(fields[2]), int(fields[3])
    return None


def own_instance(instance: Instance) -> tuple[int, int] | None:
    """Gives the instance folder (configuration, prompts, spool, database, logs, the fallback
    AGI) to the run user, and lets it through the folders above (traverse only). Returns the
    ids used, or None when the root has no run user."""
    ids = run_ids(instance.root)
    if ids is None:
        return None
    uid, gid = ids
    top = instance.host(instance.inner)
    top.mkdir(parents=True, exist_ok=True)
    # /srv/hotline holds every instance: root's, but passable (not listable) for Asterisk.
    os.chmod(top.parent, 0o711)
    os.lchown(top, uid, gid)
    for folder, dirs, files in os.walk(top):
        for name in [*dirs, *files]:
            os.lchown(Path(folder) / name, uid, gid)
    return ids
