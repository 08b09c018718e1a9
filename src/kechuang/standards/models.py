"""ORM records of batch screening: one :class:`ScreeningRun` per screening, one result per enterprise.

A run freezes what was decided and with which rules: the standard, the evaluation date, the
engine, the parameter versions and what-if overrides used, who ran it and the counts. Results
keep the outcome, route, score (low and high end) and, per criterion, ``[passed, points]``, so a
run can be explained and exported again later (``kechuang standards screen --explain-out``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from kechuang.registry.models import Enterprise
from kechuang.storage import Base
from kechuang.storage.base import utcnow

OUTCOMES = ("qualified", "not_qualified", "undetermined")
"""Outcomes of an evaluation (``undetermined``: facts missing that could change the result)."""


class ScreeningRun(Base):
    """One batch screening of the registry against a standard as of a date."""

    __tablename__ = "screening_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard: Mapped[str] = mapped_column(String(40), index=True)
    """Key of the standard (``tech_sme``, ``high_tech`` …)."""
    as_of: Mapped[dt.date] = mapped_column(Date)
    """Evaluation date: parameters in force on this day; facts of the fiscal years before it."""
    engine: Mapped[str] = mapped_column(String(20))
    """Analytics engine that ran the rules (``duckdb``, ``sqlite``, ``postgres``, ``spark``)."""
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{"versions": {key: "key@start"}, "overrides": {key: raw}, "unverified": [key],
    "fiscal_years": [...], "assumed": {field: value}, "unknown": [field]}``."""
    total: Mapped[int] = mapped_column(Integer, default=0)
    """Number of enterprises screened."""
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{"by_outcome": {outcome: n}, "by_district": {district_code: {outcome: n}}}``."""
    actor: Mapped[str] = mapped_column(String(120))
    """Who ran the screening."""
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )


class ScreeningResult(Base):
    """The outcome of one enterprise in one screening run."""

    __tablename__ = "screening_result"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('qualified', 'not_qualified', 'undetermined')", name="outcome_known"
        ),
    )

    run_id: Mapped[int] = mapped_column(
        ForeignKey("screening_run.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey(Enterprise.id, ondelete="CASCADE"), primary_key=True, index=True
    )
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    """``qualified``, ``not_qualified`` or ``undetermined``."""
    route: Mapped[str | None] = mapped_column(String(16))
    """``direct`` (a direct route applied), ``score`` (decided on the score) or empty."""
    score: Mapped[int | None] = mapped_column(Integer)
    """Score, counting unknown items as 0 (low end)."""
    score_high: Mapped[int | None] = mapped_column(Integer)
    """Score counting unknown items at their maximum (high end); equals ``score`` when all known."""
    checks: Mapped[dict[str, list[Any]]] = mapped_column(JSON)
    """Per criterion ``[passed, points]`` (``null`` when unknown or not applicable)."""
