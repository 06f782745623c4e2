"""Creates, lists, revokes and finds API tokens. A new token is 32 random bytes (URL-safe
base64, prefixed `htk_` so that a leaked one is recognisable in a scan); it is returned once by
`create` and only its sha256 is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from credentials.models import ApiToken
from settings.schema import _role

TOKEN_PREFIX = "htk_"
NAME_MAX = 64
EXPIRY_DAYS_MAX = 3650  # ten years: "never" is spelt by giving no expiry


class TokenError(ValueError):
    """A request the store refuses; `field` names what is wrong."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class TokenNotFound(LookupError):
    pass


class TokenAlreadyRevoked(Exception):
    def __init__(self, token: StoredToken) -> None:
        super().__init__(f"token {token.id} was already revoked at {token.revoked_at}")
        self.token = token


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; every stored time is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class StoredToken:
    """A token's row, without its digest (nothing outside the store needs it)."""

    id: int
    name: str
    role: str
    fingerprint: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> StoredToken:
        created = _aware(row.created_at)
        assert created is not None
        return cls(row.id, row.name, row.role, row.fingerprint, created, row.created_by,
                   _aware(row.expires_at), _aware(row.revoked_at))

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def state(self, now: datetime) -> str:
        """active, expired or revoked (revoked wins: it was a deliberate act)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expired(now) else "active"


def check_request(role: str, name: str, expires_in_days: int | None) -> str:
    """The cleaned name; TokenError naming the field otherwise."""
    try:
        _role(role)
    except ValueError as e:
        raise TokenError(str(e), "role") from e
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise TokenError(f"the name must have 1 to {NAME_MAX} characters", "name")
    if expires_in_days is not None and not 1 <= expires_in_days <= EXPIRY_DAYS_MAX:
        raise TokenError(f"the expiry must be 1 to {EXPIRY_DAYS_MAX} days", "expires_in_days")
    return name


class TokenStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, role: str, name: str, expires_in_days: int | None, now: datetime,
               created_by: str = "") -> tuple[StoredToken, str]:
        """The new token's row and the token itself (shown once, never stored)."""
        name = check_request(role, name, expires_in_days)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = None if expires_in_days is None else now + timedelta(days=expires_in_days)
        row = ApiToken(name=name, role=role, digest=digest(token), fingerprint=digest(token)[:8],
                       created_at=now.astimezone(UTC), created_by=created_by[:64],
                       expires_at=expires and expires.astimezone(UTC), revoked_at=None)
        with self.sessions.begin() as session:
            session.add(row)
            session.flush()
            stored = StoredToken.of(row)
        return stored, token

    def all(self) -> list[StoredToken]:
        with self.sessions() as session:
            rows = session.scalars(select(ApiToken).order_by(ApiToken.id)).all()
            return [StoredToken.of(r) for r in rows]

    def get(self, token_id: int) -> StoredToken:
        with self.sessions() as session:
            row = session.get(ApiToken, token_id)
            if row is None:
                raise TokenNotFound(token_id)
            return StoredToken.of(row)

    def revoke(self, token_id: int, now: datetime) -> StoredToken:
        with self.sessions.begin() as session:
            row = session.get(ApiToken, token_id, with_for_update=True)
            if row is None:
                raise TokenNotFound(token_id)
            if row.revoked_at is not None:
                raise TokenAlreadyRevoked(StoredToken.of(row))
            row.revoked_at = now.astimezone(UTC)
            session.flush()
            return StoredToken.of(row)

    def find(self, token: str) -> StoredToken | None:
        """The row of this token whatever its state (the caller decides about expiry and
        revocation), or None. Looked up by its digest through the unique index, then the
        digests compared in constant time: a lookup's timing can only tell something about a
        sha256 preimage, which is of no use to a guesser."""
        given = digest(token)
        with self.sessions() as session:
            row = session.scalars(select(ApiToken).where(ApiToken.digest == given)).first()
            if row is None or not hmac.compare_digest(row.digest.encode(), given.encode()):
                return None
            return StoredToken.of(row)
