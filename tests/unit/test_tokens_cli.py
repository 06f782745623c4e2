"""`hotline tokens create|list|revoke` (issue 13): the token is printed once and works against
the API of a service that was not restarted; list never shows it; revoke stops it; every
change is in the access log; mistakes are one line, exit non-zero, no traceback."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from audit.store import AuditFilter, AuditLog
from callrecords.store import CallStore
from settings import load_settings


def tokens(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run([sys.executable, "-m", "hotline", "tokens", *args],
                          capture_output=True, text=True, timeout=60, env=env)


def test_create_list_revoke_against_a_running_api(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    settings = load_settings(environ={"HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{db}",
                                      "HOTLINE_API__TOKENS": '{ "boot-admin-0123" = "admin" }'})
    store = CallStore(settings.storage.database_url)
    store.migrate()
    api = TestClient(create_app(settings, store), raise_server_exceptions=False)

    made = tokens(db, "create", "--role", "qa", "--name", "王五", "--expires", "90d")
    assert made.returncode == 0, made.stderr
    summary, token = made.stdout.strip().splitlines()
    assert summary.startswith("token 1 for 王五, role qa, expires ")
    assert token.startswith("htk_") and "shown only this once" in made.stderr
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/calls", headers=bearer).status_code == 200  # no restart

    listed = tokens(db, "list")
    assert listed.returncode == 0 and token not in listed.stdout
    header, row = listed.stdout.strip().splitlines()
    assert header.split() == ["id", "name", "role", "created", "expires", "state"]
    assert row.split()[:3] == ["1", "王五", "qa"] and row.split()[-1] == "active"

    revoked = tokens(db, "revoke", "1")
    assert revoked.returncode == 0 and revoked.stdout.strip() == "revoked token 1 (王五, qa)"
    assert api.get("/calls", headers=bearer).json()["error_id"] == "auth.invalid"
    assert "revoked 20" in tokens(db, "list").stdout

    again = tokens(db, "revoke", "1")
    assert again.returncode == 1 and again.stderr.startswith("hotline: token 1 was already")
    entries, total = AuditLog(store.sessions).search(AuditFilter(target="token:1"), 10, 0)
    assert total == 3
    assert [(e.action, e.status, e.client) for e in entries] == [
        ("token.revoke", 409, "cli"), ("token.revoke", 200, "cli"),
        ("token.create", 201, "cli")]
    assert entries[2].detail["name"] == "王五" and "by" in entries[2].detail
    with store.engine.connect() as conn:
        digest = conn.exec_driver_sql("SELECT digest FROM api_tokens").scalar_one()
    assert digest == hashlib.sha256(token.encode()).hexdigest()


def test_mistakes_are_one_line(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    for args, expected in (
            (["create", "--role", "root", "--name", "x"], "--role: 'root' is not a role"),
            (["create", "--role", "qa", "--name", "x", "--expires", "3m"],
             "--expires '3m' is not a number of days"),
            (["create", "--role", "qa", "--name", "x", "--expires", "0d"],
             "--expires '0d' is not a number of days"),
            (["create", "--role", "qa", "--name", " "], "--name: the name must have"),
            (["revoke", "abc"], "'abc' is not a token id"),
            (["revoke", str(2**64)], "is not a token id"),
            (["revoke", "7"], "there is no token 7: see `hotline tokens list`")):
        proc = tokens(db, *args)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hotline: ") and expected in lines[0], (
            args, proc.stderr)
    assert "htk_" not in tokens(db, "list").stdout
