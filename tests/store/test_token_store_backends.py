"""Migration 0005_tokens and the token store on SQLite and on a throwaway PostgreSQL: a token
is kept only as its sha256, found again by the token itself, expires and is revoked once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from callrecords.store import CallStore
from credentials.store import TokenAlreadyRevoked, TokenError, TokenNotFound, TokenStore

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
def calls(store: CallStore) -> CallStore:
    """The migrated store on each back end (conftest.py), by this module's name for it."""
    return store


def test_the_migration_makes_the_table_with_a_unique_digest(calls: CallStore) -> None:
    inspector = inspect(calls.engine)
    columns = {c["name"] for c in inspector.get_columns("api_tokens")}
    assert columns == {"id", "name", "role", "digest", "fingerprint", "created_at",
                       "created_by", "expires_at", "revoked_at"}
    uniques = inspector.get_unique_constraints("api_tokens")
    assert [u["column_names"] for u in uniques] == [["digest"]]
    with calls.engine.connect() as conn:
        heads = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    assert "0005_tokens" in heads


def test_only_the_digest_is_stored_and_the_token_finds_its_row(calls: CallStore) -> None:
    tokens = TokenStore(calls.sessions)
    stored, token = tokens.create("qa", " 王五 ", 90, NOW, created_by="cli:root")
    assert token.startswith("htk_") and len(token) > 40
    assert (stored.name, stored.role, stored.created_at) == ("王五", "qa", NOW)
    assert stored.expires_at == NOW + timedelta(days=90)
    with calls.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_tokens")).mappings().one()
    assert token not in {str(v) for v in row.values()}
    assert row["digest"] == hashlib.sha256(token.encode()).hexdigest()
    found = tokens.find(token)
    assert found == stored and found.state(NOW) == "active"
    assert found.state(NOW + timedelta(days=90)) == "expired"
    assert tokens.find(token + "x") is None and tokens.find("") is None


def test_revoked_once_and_unknown_ids(calls: CallStore) -> None:
    tokens = TokenStore(calls.sessions)
    first, _ = tokens.create("agent:1001", "张三", None, NOW)
    second, token = tokens.create("admin", "李四", None, NOW)
    assert first.expires_at is None
    revoked = tokens.revoke(second.id, NOW + timedelta(hours=1))
    assert revoked.revoked_at == NOW + timedelta(hours=1)
    assert revoked.state(NOW + timedelta(hours=2)) == "revoked"
    assert tokens.find(token) == revoked  # found, and the caller sees it is revoked
    with pytest.raises(TokenAlreadyRevoked):
        tokens.revoke(second.id, NOW + timedelta(hours=3))
    with pytest.raises(TokenNotFound):
        tokens.revoke(999, NOW)
    assert [t.id for t in tokens.all()] == [first.id, second.id]
    assert tokens.get(first.id).revoked_at is None


@pytest.mark.parametrize(("role", "name", "days", "field"), [
    ("root", "x", None, "role"), ("agent:", "x", None, "role"), ("qa", "  ", None, "name"),
    ("qa", "x" * 65, None, "name"), ("qa", "x", 0, "expires_in_days"),
    ("qa", "x", 3651, "expires_in_days")])
def test_bad_requests_name_the_field(tmp_path: Path, role: str, name: str, days: int | None,
                                     field: str) -> None:
    store = CallStore(f"sqlite:///{tmp_path}/t.db")
    store.migrate()
    with pytest.raises(TokenError) as refused:
        TokenStore(store.sessions).create(role, name, days, NOW)
    assert refused.value.field == field
    assert TokenStore(store.sessions).all() == []
