"""The presence tables (migration 0006_presence): each agent's current state, and the
append-only trail of every change (R24: sign-in and sign-out are recorded and spot-checked).
Times are UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callrecords.models import Base


class AgentPresence(Base):
    __tablename__ = "agent_presence"

    agent: Mapped[str] = mapped_column(String(16), primary_key=True)  # 工号
    state: Mapped[str] = mapped_column(String(16))  # signed_out, available, paused
    reason: Mapped[str] = mapped_column(String(64), default="")
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str] = mapped_column(String(16))


class PresenceChange(Base):
    __tablename__ = "agent_presence_trail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="")
    via: Mapped[str] = mapped_column(String(16))  # phone, api, auto
    by: Mapped[str] = mapped_column(String(64), default="")  # the phone's 工号, a token's role
