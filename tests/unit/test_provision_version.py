"""Issue 12, a reproducible PBX: the root's Asterisk version is read from dpkg's status and
recorded at provision time; a pin in the configuration that the root does not meet stops the
start with a message asking for `--upgrade`; --upgrade builds the new root beside the old one
and swaps them only when it is complete. mmdebstrap itself is stood in for by a script that
lays out a root (the real build needs Debian's mirror and takes 30 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pbx.layout import Instance
from pbx.provision import (
    MARKER,
    ProvisionError,
    installed_version,
    provision,
    recorded_version,
    version_warnings,
)
from settings import load_settings

OLD = "1:22.10.1+dfsg+~cs6.17.60671434-1"
NEW = "1:23.0.0~dfsg-1"


def _status(version: str) -> str:
    return (f"Package: asterisk-config\nStatus: install ok installed\nVersion: {OLD}\n\n"
            f"Package: asterisk\nStatus: install ok installed\nPriority: optional\n"
            f"Description: PBX\n Version: not this one\nVersion: {version}\n\n"
            "Package: python3\nStatus: install ok installed\nVersion: 3.14\n")


def _root(path: Path, version: str = OLD, marker: str = "built 2026-12-01 with asterisk\n"
          ) -> Instance:
    (path / "usr/sbin").mkdir(parents=True)
    (path / "usr/sbin/asterisk").write_text("")
    (path / "var/lib/dpkg").mkdir(parents=True)
    (path / "var/lib/dpkg/status").write_text(_status(version))
    (path / MARKER).write_text(marker)
    return Instance(path, "hotline")


@pytest.fixture
def fake_mmdebstrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Lays out a root whose asterisk is the --include's asterisk=VERSION (else NEW)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "mmdebstrap"
    script.write_text(f"""#!/bin/sh
for last; do :; done
version={NEW}
for arg; do
  case "$arg" in
    --include=*asterisk=*) version=${{arg#*asterisk=}}; version=${{version%%,*}};;
  esac
done
mkdir -p "$last/usr/sbin" "$last/var/lib/dpkg"
touch "$last/usr/sbin/asterisk"
printf 'Package: asterisk\\nStatus: install ok installed\\nVersion: %s\\n' "$version" \\
  > "$last/var/lib/dpkg/status"
echo "I: done"
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return script


def test_the_installed_version_is_read_and_recorded(tmp_path: Path) -> None:
    instance = _root(tmp_path / "root")
    assert installed_version(instance.root) == OLD and recorded_version(instance.root) is None
    said: list[str] = []
    assert provision(instance, said.append) is False  # already there: nothing rebuilt
    assert recorded_version(instance.root) == OLD  # a root built before versions were kept
    assert OLD in said[0]


def test_a_pin_the_root_does_not_meet_asks_for_upgrade(tmp_path: Path) -> None:
    instance = _root(tmp_path / "root")
    with pytest.raises(ProvisionError, match=r"pins 1:23.*--upgrade"):
        provision(instance, pin=NEW)
    assert installed_version(instance.root) == OLD  # untouched
    assert provision(instance, pin=OLD) is False
    [warning] = version_warnings(instance, NEW)
    assert OLD in warning and "--upgrade" in warning


def test_upgrade_builds_beside_and_swaps(tmp_path: Path, fake_mmdebstrap: Path) -> None:
    instance = _root(tmp_path / "root")
    (instance.root / "srv").mkdir()  # rendered instances are rendered again at start
    said: list[str] = []
    assert provision(instance, said.append, pin=NEW, upgrade=True) is True
    assert installed_version(instance.root) == NEW == recorded_version(instance.root)
    assert not (tmp_path / "root.new").exists() and not (tmp_path / "root.old").exists()
    assert f"{OLD} -> {NEW}" in said[-1]
    assert f"asterisk={NEW}" in (instance.root / MARKER).read_text()


def test_a_failed_upgrade_keeps_the_old_root(tmp_path: Path, fake_mmdebstrap: Path) -> None:
    fake_mmdebstrap.write_text("#!/bin/sh\necho 'E: no such version'\nexit 1\n")
    instance = _root(tmp_path / "root")
    with pytest.raises(ProvisionError, match="mmdebstrap failed \\(E: no such version\\)"):
        provision(instance, pin=NEW, upgrade=True)
    assert installed_version(instance.root) == OLD


def test_a_version_changed_by_hand_is_reported(tmp_path: Path) -> None:
    instance = _root(tmp_path / "root", marker=f"built x\nasterisk {NEW}\n")
    [warning] = version_warnings(instance, "")
    assert "provisioned with" in warning and NEW in warning and OLD in warning


def test_the_pin_is_configuration() -> None:
    assert load_settings(environ={}).asterisk.version == ""
    assert load_settings(environ={"HOTLINE_ASTERISK__VERSION": NEW}).asterisk.version == NEW
    with pytest.raises(Exception, match=r"asterisk\.version"):
        load_settings(environ={"HOTLINE_ASTERISK__VERSION": "22; rm -rf /"})
