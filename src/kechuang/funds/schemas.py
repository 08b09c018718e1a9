"""Result records of fund metrics and compliance checks, with their JSON form.

Amounts are exact :class:`~decimal.Decimal` 元; ratios are exact Decimal quotients (see
:func:`kechuang.core.money.ratio`). IRR is the one float-derived figure: ``pyxirr`` solves it in
binary floating point and the result is rounded to 6 decimals. In the JSON form amounts are
two-decimal strings and ratios decimal strings rounded (``ROUND_HALF_UP``) to 6 decimals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.core.money import quantize_fen

RATIO_PLACES = Decimal("0.000001")
"""Display quantum of ratios (and of IRR) in the JSON/table form."""


def amount_text(value: Decimal | None) -> str | None:
    """An amount as a two-decimal string (``None`` stays ``None``)."""
    return None if value is None else f"{quantize_fen(value):f}"


def ratio_text(value: Decimal | None) -> str | None:
    """A ratio as a decimal string rounded half-up to 6 decimals (``None`` stays ``None``)."""
    if value is None:
        return None
    q = value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    return f"{(q.copy_abs() if q.is_zero() else q):f}"


@dataclass(frozen=True)
class FundMetrics:
    """Metrics of one fund as of a date (definitions in ``docs/funds.md``)."""

    fund_code: str
    as_of: dt.date
    committed: Decimal
    public_committed: Decimal
    paid_in: Decimal
    distributed: Decimal
    distributed_by_type: dict[str, Decimal]
    nav: Decimal | None
    nav_date: dt.date | None
    dpi: Decimal | None
    rvpi: Decimal | None
    tvpi: Decimal | None
    irr: Decimal | None
    leverage: Decimal | None
    leverage_look_through: Decimal | None
    invested: Decimal
    invested_by_stage: dict[str, Decimal]
    local_invested: Decimal
    local_reinvestment_ratio: Decimal | None
    local_share_of_invested: Decimal | None
    early_stage_share: Decimal | None
    priority_stage_share: Decimal | None
    small_share: Decimal | None
    hard_tech_share: Decimal | None
    avg_holding_days: Decimal | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form: amounts as two-decimal strings, ratios as decimal strings."""
        return {
            "fund": self.fund_code,
            "as_of": self.as_of.isoformat(),
            "committed": amount_text(self.committed),
            "public_committed": amount_text(self.public_committed),
            "paid_in": amount_text(self.paid_in),
            "distributed": amount_text(self.distributed),
            "distributed_by_type": {
                k: amount_text(v) for k, v in sorted(self.distributed_by_type.items())
            },
            "nav": amount_text(self.nav),
            "nav_date": None if self.nav_date is None else self.nav_date.isoformat(),
            "dpi": ratio_text(self.dpi),
            "rvpi": ratio_text(self.rvpi),
            "tvpi": ratio_text(self.tvpi),
            "irr": ratio_text(self.irr),
            "leverage": ratio_text(self.leverage),
            "leverage_look_through": ratio_text(self.leverage_look_through),
            "invested": amount_text(self.invested),
            "invested_by_stage": {
                k: amount_text(v) for k, v in sorted(self.invested_by_stage.items())
            },
            "local_invested": amount_text(self.local_invested),
            "local_reinvestment_ratio": ratio_text(self.local_reinvestment_ratio),
            "local_share_of_invested": ratio_text(self.local_share_of_invested),
            "early_stage_share": ratio_text(self.early_stage_share),
            "priority_stage_share": ratio_text(self.priority_stage_share),
            "small_share": ratio_text(self.small_share),
            "hard_tech_share": ratio_text(self.hard_tech_share),
            "avg_holding_days": ratio_text(self.avg_holding_days),
        }


@dataclass(frozen=True)
class SponsorMetrics:
    """A sponsor's book: the funds it sponsors, pooled."""

    sponsor_institution_id: int
    as_of: dt.date
    fund_codes: list[str]
    committed: Decimal
    public_committed: Decimal
    paid_in: Decimal
    distributed: Decimal
    nav: Decimal
    dpi: Decimal | None
    rvpi: Decimal | None
    tvpi: Decimal | None
    irr: Decimal | None
    funds: list[FundMetrics] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "sponsor_institution_id": self.sponsor_institution_id,
            "as_of": self.as_of.isoformat(),
            "funds": self.fund_codes,
            "committed": amount_text(self.committed),
            "public_committed": amount_text(self.public_committed),
            "paid_in": amount_text(self.paid_in),
            "distributed": amount_text(self.distributed),
            "nav": amount_text(self.nav),
            "dpi": ratio_text(self.dpi),
            "rvpi": ratio_text(self.rvpi),
            "tvpi": ratio_text(self.tvpi),
            "irr": ratio_text(self.irr),
        }


@dataclass(frozen=True)
class PortfolioCompany:
    """One investment seen from a fund: direct (weight 1) or through sub-funds (weighted)."""

    investment_no: str
    enterprise_id: int | None
    investee_name: str
    stage: str
    via_fund_code: str
    """The fund that made the investment (the fund itself when direct)."""
    weight: Decimal
    """The looking fund's exact share of ``via_fund`` (1 when direct; a product across levels)."""
    amount: Decimal
    """The investment's full amount."""
    look_through_amount: Decimal
    """``amount × weight``, exact (not rounded)."""
    local: bool = False
    """Counts towards 返投 (the investment's ``local`` flag, else the investee's district)."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "investment_no": self.investment_no,
            "enterprise_id": self.enterprise_id,
            "investee_name": self.investee_name,
            "stage": self.stage,
            "via_fund": self.via_fund_code,
            "weight": ratio_text(self.weight),
            "amount": amount_text(self.amount),
            "look_through_amount": amount_text(self.look_through_amount),
        }


@dataclass(frozen=True)
class Check:
    """One compliance check of a fund against a rule parameter."""

    rule: str
    """``max_public_share``, ``max_public_share.sub_fund``, ``min_local_reinvestment``, ``stage_quotas.<group>``."""
    subject: str
    """The fund code the observation is about (the sub-fund for a FoF's share check)."""
    passed: bool | None
    """``None`` when the check cannot be evaluated (e.g. no denominator)."""
    observed: Decimal | None
    required: Decimal
    comparison: str
    """``<=`` (cap) or ``>=`` (floor)."""
    reference: str | None
    status: str
    """The parameter's status as recorded in the rules (``confirmed``, ``unverified`` …)."""
    message: Msg

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (message in both languages)."""
        return {
            "rule": self.rule,
            "subject": self.subject,
            "passed": self.passed,
            "observed": ratio_text(self.observed),
            "required": ratio_text(self.required),
            "comparison": self.comparison,
            "reference": self.reference,
            "status": self.status,
            "message": {"zh": self.message.zh, "en": self.message.en},
        }
