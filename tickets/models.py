"""Tables of the tickets feature, on the call records' metadata (one database, one alembic
history: migration 0002_tickets). Times are stored as UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callrecords.models import Base


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    cause: Mapped[str | None] = mapped_column(String(16))
    complaint_kind: Mapped[str | None] = mapped_column(String(16), index=True)
    severity: Mapped[str | None] = mapped_column(String(16), index=True)
    major_reason: Mapped[str | None] = mapped_column(String(32))
    matter: Mapped[str | None] = mapped_column(String(128), index=True)
    subject: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    customer_number: Mapped[str] = mapped_column(String(64), index=True, default="")
    customer_name: Mapped[str] = mapped_column(String(128), default="")
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    # The agent (工号) whose token created the ticket: agent tokens see what they created.
    creator_agent: Mapped[str | None] = mapped_column(String(16), index=True)
    assignee: Mapped[str | None] = mapped_column(String(128), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64), index=True)
    flags: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    call_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    callback_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept up to date at every write and by the breach watcher, so that
    # "breached=true" is one indexed query: any clock breached, or the earliest due time of a
    # clock still running.
    breached: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    voicemail_path: Mapped[str | None] = mapped_column(String(512))
    # Asterisk's msg_id of the message ("<origtime>-<counter>"): one ticket per message.
    voicemail_msg_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BreachNotice(Base):
    """The outbox of breach webhooks: one row per breached clock (ticket, clock, due time),
    written in the same transaction that marks the breach, deleted from nowhere: delivered_at
    says it went out. Survives restarts; the unique key makes "once per breach" hold."""

    __tablename__ = "ticket_breach_outbox"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    clock: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
