"""Where things live inside the provisioned Asterisk root, seen from the host and from inside."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from settings import Settings


@dataclass(frozen=True)
class Instance:
    root: Path  # host path of the chroot
    name: str

    @classmethod
    def of(cls, settings: Settings) -> Instance:
        storage = settings.storage
        return cls(Path(storage.asterisk_root).resolve(), storage.asterisk_instance)

    @property
    def inner(self) -> str:
        """The instance's folder as Asterisk sees it (inside the chroot)."""
        return f"/srv/hotline/{self.name}"

    def host(self, inner_path: str) -> Path:
        return self.root / inner_path.lstrip("/")

    @property
    def etc(self) -> Path:
        return self.host(f"{self.inner}/etc")

    @property
    def prompts(self) -> Path:
        return self.host(f"{self.inner}/prompts")

    @property
    def monitor(self) -> Path:
        """MixMonitor's spool: the dialplan writes hotline/<linkedid>.raw here."""
        return self.host(f"{self.inner}/spool/monitor")

    @property
    def voicemail(self) -> Path:
        return self.host(f"{self.inner}/spool/voicemail")

    @property
    def log(self) -> Path:
        return self.host(f"{self.inner}/log")

    @property
    def cel(self) -> Path:
        """Asterisk's Channel Event Log (cel_sqlite3_custom writes master.db in the log dir)."""
        return self.log / "master.db"

    @property
    def run(self) -> Path:
        return self.host(f"{self.inner}/run")

    @property
    def config_file(self) -> str:
        return f"{self.inner}/etc/asterisk.conf"

    @property
    def provisioned(self) -> bool:
        return (self.root / "usr/sbin/asterisk").exists() and (self.root / ".hotline-root").exists()
