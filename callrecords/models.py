"""Tables. Times are stored as UTC; the API renders them with the company's offset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    caller: Mapped[str] = mapped_column(String(64), index=True, default="")
    caller_name: Mapped[str] = mapped_column(String(128), default="")
    called: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agent_answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    route: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(16), index=True)
    disposition: Mapped[str] = mapped_column(String(16), index=True)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hangup_cause: Mapped[str] = mapped_column(String(64), default="")
    hangup_by: Mapped[str] = mapped_column(String(16), default="")
    ring_attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    partial: Mapped[bool] = mapped_column(default=False)
    # Recording (R11): path relative to the recordings folder, with what was measured of it.
    recording_path: Mapped[str | None] = mapped_column(String(512))
    recording_duration: Mapped[float | None] = mapped_column(Float)
    recording_channels: Mapped[int | None] = mapped_column(Integer)
    recording_sha256: Mapped[str | None] = mapped_column(String(64))
    recording_error: Mapped[str | None] = mapped_column(Text)
    qa_flags: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    direction: Mapped[str] = mapped_column(String(16), default="inbound", index=True)
    # issue 13: live (the bridge followed it), reconciled (built later from Asterisk's CEL)
    source: Mapped[str] = mapped_column(String(16), default="live", server_default="live")
    # issue 8 (R9): total hold time, and every agent who talked to the caller in order.
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    agents: Mapped[list[str] | None] = mapped_column(JSON, default=list)

    legs: Mapped[list[CallLeg]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallLeg.started_at",
        lazy="selectin")


class CallLeg(Base):
    __tablename__ = "call_legs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    uniqueid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(128))
    caller: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cause: Mapped[int | None] = mapped_column(Integer)
    cause_text: Mapped[str] = mapped_column(String(64), default="")

    call: Mapped[Call] = relationship(back_populates="legs")


class CallAgent(Base):
    """One row per agent of a call (issue 8; migration 0012_call_agents): GET /calls?agent=X
    finds every call X talked in, the first agent or one a transfer brought, from an index in
    the page's order (agent, started_at, call_id), as the `agent` column alone did before.
    `started_at` is the call's own, copied so that the index holds the order."""

    __tablename__ = "call_agents"
    __table_args__ = (Index("ix_call_agents_agent_started_at", "agent", "started_at",
                            "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    agent: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
