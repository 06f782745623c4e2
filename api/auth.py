"""Bearer tokens -> roles. Tokens come from ``[api] tokens`` (token = role; for bootstrap) and
from the database (credentials/: created and revoked at run time, stored hashed, with a name
and an optional expiry; an expired or revoked one is refused like an unknown one).

Roles: ``admin``, ``supervisor`` and ``qa`` may read everything, recordings included;
``ticket`` (the ticketing system's integration) may read call records but not recordings
(R26); ``agent:<工号>`` is a token bound to one agent (what it may see is each feature's rule)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fastapi.security import HTTPBearer

from api.errors import AuthInvalid, AuthMissing
from credentials.store import TokenStore

RECORDING_ROLES = frozenset({"qa", "admin", "supervisor"})

# Only documents the scheme in OpenAPI; the header is checked by TokenAuth so that a missing
# header and a malformed one get different error ids.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearerAuth",
    description="A token from `hotline tokens create`, POST /admin/tokens or the [api] tokens "
                "setting: Authorization: Bearer <token>")


def fingerprint(token: str) -> str:
    """Short, stable identifier of a token for logs: the token itself must never be logged."""
    return hashlib.sha256(token.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Principal:
    role: str  # admin, supervisor, qa, ticket, or agent:<工号>
    fingerprint: str
    # A stored token's id and name (credentials/); None for a config token.
    token_id: int | None = None
    token_name: str | None = None

    @property
    def agent(self) -> str | None:
        """The agent number a token is bound to (role agent:<工号>), else None."""
        kind, _, number = self.role.partition(":")
        return number if kind == "agent" and number else None

    def has_role(self, roles: frozenset[str]) -> bool:
        """`roles` may name "agent" for any agent-bound token."""
        return self.role in roles or (self.agent is not None and "agent" in roles)

    def __str__(self) -> str:
        return f"{self.role}/{self.fingerprint}"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenAuth:
    def __init__(self, tokens: Mapping[str, str], stored: TokenStore | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        # Digests have a fixed length, so compare_digest leaks nothing about token lengths.
        self._known = [(_digest(token), role) for token, role in tokens.items()]
        self._stored = stored
        self._now = now

    def identify(self, authorization: str | None) -> Principal:
        if authorization is None or not authorization.strip():
            raise AuthMissing()
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthInvalid("the Authorization header is not 'Bearer <token>'")
        given = _digest(token)
        role: str | None = None
        # No early exit: the time taken must not tell which (or whether a) token matched.
        for known, known_role in self._known:
            if hmac.compare_digest(known, given):
                role = known_role
        if role is not None:
            return Principal(role, fingerprint(token))
        return self._identify_stored(token)

    def _identify_stored(self, token: str) -> Principal:
        if self._stored is None or self._now is None:
            raise AuthInvalid()
        row = self._stored.find(token)
        if row is None:
            raise AuthInvalid()
        if row.revoked_at is not None:
            raise AuthInvalid("this token has been revoked", {"token_id": row.id})
        if row.expired(self._now()):
            raise AuthInvalid("this token has expired", {"token_id": row.id})
        return Principal(row.role, row.fingerprint, row.id, row.name)
