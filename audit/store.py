"""Appends to and reads the access log. Writing never raises into the request that is being
logged (a download must not fail because the log could not be written): a failure is logged
loudly instead."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from audit.models import AuditEntry
from callrecords.keyset import Seek

log = logging.getLogger("hotline.audit")


@dataclass(frozen=True)
class Access:
    action: str
    target: str
    status: int
    role: str = ""
    token: str = ""
    client: str = ""
    error_id: str = ""
    range: str = ""
    bytes_sent: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    # A stored token's id and name (None for a config token): kept in `detail` as token_id
    # and token_name, so that "who" survives the token's fingerprint being ambiguous.
    token_id: int | None = None
    token_name: str | None = None

    def by(self, principal: Principal) -> Access:
        """This entry as done by that principal (role, fingerprint, token id and name)."""
        return replace(self, role=principal.role, token=principal.fingerprint,
                       token_id=principal.token_id, token_name=principal.token_name)

    def stored_detail(self) -> dict[str, Any]:
        who = {"token_id": self.token_id, "token_name": self.token_name}
        return {**self.detail, **{k: v for k, v in who.items() if v is not None}}


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    target: str | None = None
    role: str | None = None
    token: str | None = None


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.failures = 0

    def record(self, access: Access, at: datetime | None = None) -> bool:
        """Appends one entry; False (and an error in the log) if the database refused it."""
        entry = AuditEntry(at=at or datetime.now(UTC), action=access.action,
                           role=access.role, token=access.token, target=access.target,
                           client=access.client, status=access.status,
                           error_id=access.error_id, range=access.range[:128],
                           bytes_sent=access.bytes_sent, detail=access.stored_detail())
        try:
            with self.sessions.begin() as session:
                session.add(entry)
            return True
        except SQLAlchemyError as e:
            self.failures += 1
            log.error("access log entry NOT stored (%s %s %s): %s", access.action,
                      access.target, access.status, str(e).splitlines()[0])
            return False

    def search(self, f: AuditFilter, limit: int, offset: int
               ) -> tuple[Sequence[AuditEntry], int]:
        page = self.page(f, limit, offset)
        return page.rows, page.total

    def page(self, f: AuditFilter, limit: int, offset: int, after: Seek | None = None
             ) -> AuditPage:
        """A page of the log, newest first, with the number of matches. `after` (a cursor,
        callrecords/keyset.py) instead of an offset: the page starts after that entry by a
        seek on (at, id) rather than stepping over every entry before it; its position stands
        for the offset, and the total is counted from there."""
        query = select(AuditEntry)
        if f.since is not None:
            query = query.where(AuditEntry.at >= f.since.astimezone(UTC))
        if f.until is not None:
            query = query.where(AuditEntry.at < f.until.astimezone(UTC))
        for column, value in ((AuditEntry.action, f.action), (AuditEntry.target, f.target),
                              (AuditEntry.role, f.role), (AuditEntry.token, f.token)):
            if value:
                query = query.where(column == value)
        position = offset
        if after is not None:
            query = query.where(tuple_(AuditEntry.at, AuditEntry.id)
                                < tuple_(after.started_at, after.id))
            position, offset = after.position, 0
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                   .limit(limit).offset(offset)).all()
        served = position + len(rows)
        if after is not None:
            total += position  # counted from the cursor on
        more = bool(rows) and served < total
        return AuditPage(rows, total, Seek(rows[-1].at, rows[-1].id, served) if more else None)


@dataclass(frozen=True)
class AuditPage:
    rows: Sequence[AuditEntry]
    total: int
    next: Seek | None  # where the next page starts; None: this page is the last
