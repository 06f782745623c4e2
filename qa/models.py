"""QA tables (migration 0003_qa). Times are UTC, like the call records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callrecords.models import Base


class QaPlan(Base):
    __tablename__ = "qa_plans"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    agents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class QaPlanItem(Base):
    __tablename__ = "qa_plan_items"
    __table_args__ = (UniqueConstraint("month", "call_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    call_id: Mapped[int] = mapped_column(Integer, index=True)
    agent: Mapped[str] = mapped_column(String(16), index=True)
    mode: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    neighbour_of: Mapped[int | None] = mapped_column(Integer)


class QaForm(Base):
    __tablename__ = "qa_forms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class QaReview(Base):
    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    root_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the first version's id
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes: Mapped[int | None] = mapped_column(Integer)
    call_id: Mapped[int] = mapped_column(Integer, index=True)
    agent: Mapped[str] = mapped_column(String(16), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # the call's, by agent_answered_at
    form_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    excellent: Mapped[bool] = mapped_column(default=False)
    total: Mapped[float] = mapped_column(Float)
    max_total: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    author: Mapped[str] = mapped_column(String(64), default="")


class QaWeeklyReport(Base):
    __tablename__ = "qa_weekly_reports"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYY-Www
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
