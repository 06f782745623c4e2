"""The tokens' table (migration 0005_tokens). The token itself is never stored: only its
sha256 (hex), which is what a presented token is looked up by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callrecords.models import Base


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))  # who holds it, e.g. 王五
    role: Mapped[str] = mapped_column(String(32))  # admin, supervisor, qa, ticket, agent:<工号>
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    fingerprint: Mapped[str] = mapped_column(String(16))  # its first 8 hex, as in the logs
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
