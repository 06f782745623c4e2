"""The access log's table (migration 0004_audit). Rows are only ever inserted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callrecords.models import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)  # e.g. recording.fetch
    role: Mapped[str] = mapped_column(String(32), default="")  # "" when not authenticated
    token: Mapped[str] = mapped_column(String(16), default="")  # fingerprint, never the token
    target: Mapped[str] = mapped_column(String(128), index=True)  # e.g. call:42
    client: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[int] = mapped_column(Integer)
    error_id: Mapped[str] = mapped_column(String(64), default="")
    range: Mapped[str] = mapped_column(String(128), default="")
    bytes_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
