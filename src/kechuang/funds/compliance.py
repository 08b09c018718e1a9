"""Compliance of a fund with its ``rules`` parameters.

Rules are stored on :attr:`Fund.rules` as parameters, each with its reference and status
(RULES.md §9: the caps and floors are unconfirmed, so they are data, not constants)::

    {"max_public_share": {"value": "30%", "reference": "…", "status": "unverified"},
     "min_local_reinvestment": {"value": "1.0", "reference": "…", "status": "unverified"},
     "stage_quotas": {"value": {"early_stages": "30%"}, "reference": "…", "status": "unverified"}}

A bare value (``{"max_public_share": "30%"}``) is accepted too. Values are parsed exactly:
``"30%"`` → ``0.3``, ``"0.3"`` → ``0.3``, ``1`` → ``1`` (a JSON float goes through its shortest
``repr``).

Checks:

* ``max_public_share``: public commitments ÷ total commitments of the fund ≤ cap.
* ``max_public_share.sub_fund``: for a fund committing to sub-funds, its commitment ÷ the
  sub-fund's total commitments ≤ its own cap; run from the sub-fund's side as well (each LP fund
  with a cap is checked against its share of the sub-fund).
* ``min_local_reinvestment``: local invested ÷ public committed ≥ floor (返投). For a fund of
  funds or guide fund the local amount is looked through its sub-funds (each sub-fund's local
  investments weighted by the fund's exact share of that sub-fund, recursively, plus its own
  direct local investments); ``"basis": "direct"`` in the rule entry counts direct investments
  only.
* ``stage_quotas.<group>``: share of invested amount in the group ≥ floor; groups are
  ``early_stages``, ``priority_stages``, ``hard_tech``, ``small`` or a single stage name.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.orm import Session

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import D, decimal_from_cell, ratio
from kechuang.funds.enums import FundKind, Stage
from kechuang.funds.metrics import (
    EARLY_STAGES,
    PRIORITY_STAGES,
    commitments,
    fund_metrics,
    investments,
    portfolio_companies,
    stage_share,
    sub_fund_commitments,
)
from kechuang.funds.models import Fund
from kechuang.funds.schemas import Check, FundMetrics, ratio_text

__all__ = ["STAGE_GROUPS", "check_fund", "parse_rule", "parse_share"]

STAGE_GROUPS: Final[dict[str, frozenset[Stage]]] = {
    "early_stages": EARLY_STAGES,
    "priority_stages": PRIORITY_STAGES,
    **{s.value: frozenset({s}) for s in Stage},
}


def parse_share(value: object) -> Decimal:
    """Parse a rule value exactly: ``"30%"`` → ``Decimal("0.3")``, ``"1.5"``, ``2``, ``0.3``.

    Raises:
        ValidationError: ``funds.rule_value`` for anything else.
    """
    try:
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip()
            if text.endswith("%"):
                return D(text[:-1].strip()) / 100
            return D(text)
        return decimal_from_cell(value)
    except (ValidationError, TypeError):
        raise ValidationError(
            Msg(f"无效的规则取值：{value!r}", f"invalid rule value: {value!r}"),
            code="funds.rule_value",
        ) from None


def parse_rule(entry: object) -> tuple[object, str | None, str]:
    """``(raw value, reference, status)`` of a rules entry (dict form or bare value)."""
    if isinstance(entry, Mapping):
        ref = entry.get("reference")
        return (
            entry.get("value"),
            None if ref is None else str(ref),
            str(entry.get("status") or "unverified"),
        )
    return entry, None, "unverified"


def _pct(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = ratio_text(value * 100) or ""
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{text}%"


def _verdict(observed: Decimal | None, required: Decimal, cap: bool) -> bool | None:
    if observed is None:
        return None
    return observed <= required if cap else observed >= required


def _unverified_note(status: str) -> tuple[str, str]:
    if status == "confirmed":
        return "", ""
    return f"（参数状态：{status}）", f" (parameter status: {status})"


def _cap_check(
    *,
    rule: str,
    subject: str,
    observed: Decimal | None,
    required: Decimal,
    reference: str | None,
    status: str,
    what: Msg,
) -> Check:
    passed = _verdict(observed, required, cap=True)
    nz, ne = _unverified_note(status)
    if passed is None:
        msg = Msg(
            f"{what.zh}：无法计算（无出资）{nz}",
            f"{what.en}: cannot be computed (no commitments){ne}",
        )
    elif passed:
        msg = Msg(
            f"{what.zh} {_pct(observed)}，未超过上限 {_pct(required)}{nz}",
            f"{what.en} {_pct(observed)} is within the cap of {_pct(required)}{ne}",
        )
    else:
        msg = Msg(
            f"{what.zh} {_pct(observed)}，超过上限 {_pct(required)}{nz}",
            f"{what.en} {_pct(observed)} exceeds the cap of {_pct(required)}{ne}",
        )
    return Check(rule, subject, passed, observed, required, "<=", reference, status, msg)


def _floor_check(
    *,
    rule: str,
    subject: str,
    observed: Decimal | None,
    required: Decimal,
    reference: str | None,
    status: str,
    what: Msg,
) -> Check:
    passed = _verdict(observed, required, cap=False)
    nz, ne = _unverified_note(status)
    if passed is None:
        msg = Msg(
            f"{what.zh}：无法计算（分母为零）{nz}",
            f"{what.en}: cannot be computed (zero denominator){ne}",
        )
    elif passed:
        msg = Msg(
            f"{what.zh} {_pct(observed)}，达到下限 {_pct(required)}{nz}",
            f"{what.en} {_pct(observed)} meets the floor of {_pct(required)}{ne}",
        )
    else:
        msg = Msg(
            f"{what.zh} {_pct(observed)}，低于下限 {_pct(required)}{nz}",
            f"{what.en} {_pct(observed)} is below the floor of {_pct(required)}{ne}",
        )
    return Check(rule, subject, passed, observed, required, ">=", reference, status, msg)


def _lp_share_check(session: Session, lp: Fund, sub: Fund, as_of: dt.date, entry: object) -> Check:
    """The LP fund's (FoF's) share of ``sub`` against the LP fund's own public-share cap."""
    raw, reference, status = parse_rule(entry)
    cap = parse_share(raw)
    commits = commitments(session=session, fund=sub, as_of=as_of)
    total = sum((D(c.amount) for c in commits), Decimal(0))
    mine = sum((D(c.amount) for c in commits if c.investor_fund_id == lp.id), Decimal(0))
    return _cap_check(
        rule="max_public_share.sub_fund",
        subject=sub.code,
        observed=ratio(mine, total),
        required=cap,
        reference=reference,
        status=status,
        what=Msg(
            f"{lp.code} 在子基金 {sub.code} 中的出资占比",
            f"share of {lp.code} in sub-fund {sub.code}",
        ),
    )


LOOK_THROUGH_KINDS: Final = (FundKind.FUND_OF_FUNDS, FundKind.GUIDE_FUND)


def _local_reinvestment(
    session: Session, fund: Fund, as_of: dt.date, metrics: FundMetrics, entry: object
) -> tuple[Decimal | None, Msg]:
    """返投 of ``fund``: direct, or looked through its sub-funds for a fund of funds."""
    basis = entry.get("basis") if isinstance(entry, Mapping) else None
    if basis is None:
        basis = "look_through" if fund.kind in LOOK_THROUGH_KINDS else "direct"
    if basis not in ("direct", "look_through"):
        raise ValidationError(
            Msg(
                f"min_local_reinvestment 的 basis 应为 direct 或 look_through：{basis!r}",
                f"min_local_reinvestment basis must be direct or look_through: {basis!r}",
            ),
            code="funds.rule_value",
        )
    if basis == "direct":
        return metrics.local_reinvestment_ratio, Msg(
            f"{fund.code} 返投比例（本地投资÷财政出资）",
            f"local reinvestment of {fund.code} (local invested ÷ public committed)",
        )
    local = sum(
        (
            c.look_through_amount
            for c in portfolio_companies(session=session, fund=fund, as_of=as_of)
            if c.local
        ),
        Decimal(0),
    )
    return ratio(local, metrics.public_committed), Msg(
        f"{fund.code} 穿透返投比例（直投及按份额穿透子基金的本地投资÷财政出资）",
        f"look-through local reinvestment of {fund.code} (direct and share-weighted sub-fund"
        " local investments ÷ public committed)",
    )


def check_fund(*, session: Session, fund: Fund, as_of: dt.date) -> list[Check]:
    """Check ``fund`` against its rules (and its LP funds' caps on their share of it)."""
    rules: Mapping[str, Any] = fund.rules or {}
    metrics: FundMetrics = fund_metrics(session=session, fund=fund, as_of=as_of)
    out: list[Check] = []

    if "max_public_share" in rules:
        raw, reference, status = parse_rule(rules["max_public_share"])
        out.append(
            _cap_check(
                rule="max_public_share",
                subject=fund.code,
                observed=ratio(metrics.public_committed, metrics.committed),
                required=parse_share(raw),
                reference=reference,
                status=status,
                what=Msg(f"{fund.code} 的财政出资占比", f"public share of {fund.code}"),
            )
        )
        seen: set[int] = set()
        for c in sub_fund_commitments(session=session, fund=fund, as_of=as_of):
            if c.fund_id in seen:
                continue
            seen.add(c.fund_id)
            sub = session.get(Fund, c.fund_id)
            if sub is not None:
                out.append(_lp_share_check(session, fund, sub, as_of, rules["max_public_share"]))

    # from the sub-fund's side: every LP fund with a cap on its share of this fund
    lp_ids = sorted(
        {
            c.investor_fund_id
            for c in commitments(session=session, fund=fund, as_of=as_of)
            if c.investor_fund_id is not None
        }
    )
    for lp_id in lp_ids:
        lp = session.get(Fund, lp_id)
        if lp is not None and "max_public_share" in (lp.rules or {}):
            out.append(_lp_share_check(session, lp, fund, as_of, lp.rules["max_public_share"]))

    if "min_local_reinvestment" in rules:
        entry = rules["min_local_reinvestment"]
        raw, reference, status = parse_rule(entry)
        observed, what = _local_reinvestment(session, fund, as_of, metrics, entry)
        out.append(
            _floor_check(
                rule="min_local_reinvestment",
                subject=fund.code,
                observed=observed,
                required=parse_share(raw),
                reference=reference,
                status=status,
                what=what,
            )
        )

    if "stage_quotas" in rules:
        raw, reference, status = parse_rule(rules["stage_quotas"])
        if not isinstance(raw, Mapping):
            raise ValidationError(
                Msg(
                    f"stage_quotas 应为 {{组: 下限}} 映射：{raw!r}",
                    f"stage_quotas must map group → floor: {raw!r}",
                ),
                code="funds.rule_value",
            )
        invs = investments(session=session, fund=fund, as_of=as_of)
        for group, floor in raw.items():
            key = str(group)
            if key == "hard_tech":
                observed = metrics.hard_tech_share
            elif key == "small":
                observed = metrics.small_share
            elif key in STAGE_GROUPS:
                observed = stage_share(invs, STAGE_GROUPS[key])
            else:
                raise ValidationError(
                    Msg(f"未知的阶段组：{key}", f"unknown stage group: {key}"),
                    code="funds.rule_value",
                )
            out.append(
                _floor_check(
                    rule=f"stage_quotas.{key}",
                    subject=fund.code,
                    observed=observed,
                    required=parse_share(floor),
                    reference=reference,
                    status=status,
                    what=Msg(
                        f"{fund.code} 投资额中 {key} 的占比",
                        f"share of {key} in {fund.code}'s invested amount",
                    ),
                )
            )
    return out
