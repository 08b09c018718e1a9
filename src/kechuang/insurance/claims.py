"""Insurance claims (理赔): notify → assess → pay / reject, allocated across co-insurers; loss ratios.

State machine (anything else raises :class:`~kechuang.core.errors.Conflict`, code
``invalid_transition``)::

    notified ──► assessed ──► paid
        │            │
        └────────────┴──────► rejected

Rules:

* **notify** — the loss date lies within the policy's cover: between its start and end dates
  (both inclusive), the policy bound (not quoted) and not cancelled on or before the loss date
  (the cancellation date is the first day without cover, :mod:`kechuang.insurance.counting`).
  The claim is notified on or after the loss date.
* **assess** — the assessed amount is above zero and at most the policy's sum insured (the limit
  is applied per claim; aggregate limits over several claims are not modelled).
* **pay** — the assessed amount is paid and **allocated across the co-insurers** by their shares
  with :func:`kechuang.insurance.policies.allocate_amount`: exact to the fen, the parts sum
  exactly to the amount paid (largest remainder; a leftover fen tied between insurers goes to the
  lead insurer first, then by share id). ``allocations`` maps insurer code → amount as text. A policy
  without co-insurance shares has a single insurer that the policy record does not name, so the
  whole amount is recorded under the key ``"sole"`` (:data:`SOLE`).
* **reject** — from notified or assessed, with a reason.

Loss ratio (赔付率), the simple paid ratio the IC pool baseline uses (60.55亿 ÷ premiums =
249.28%): **claims paid in the period** (by paid date) ÷ **premiums written in the period** (by
the policies' written date, :func:`kechuang.insurance.counting.written_clause`), by product or by
pool, as an exact :class:`~decimal.Decimal` (:func:`kechuang.core.money.ratio`); per insurer, its
allocated claims ÷ its share of those premiums (premiums split exactly like claims).

Services never commit; every change writes a :class:`~kechuang.storage.history.ChangeHistory` row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import allocate_by_shares, format_yuan, money, ratio
from kechuang.insurance import policies as policies_service
from kechuang.insurance.counting import cover_end, written_clause
from kechuang.insurance.enums import ClaimStatus, PolicyStatus
from kechuang.insurance.models import CoinsuranceShare, InsuranceClaim, InsurancePolicy
from kechuang.registry.models import Institution
from kechuang.storage.history import ChangeHistory, diff, json_value

__all__ = [
    "SOLE",
    "TRANSITIONS",
    "InsurerLossRatio",
    "LossRatio",
    "ShareRow",
    "allocate",
    "assess",
    "check_loss_date",
    "claim_dict",
    "get_by_claim_no",
    "get_policy_by_no",
    "list_",
    "loss_ratio",
    "notify",
    "pay",
    "reject",
    "shares_of",
]

ZERO: Final = Decimal("0.00")

SOLE: Final = "sole"
"""Allocation key of a policy without co-insurance shares (its single insurer is not recorded)."""

TRANSITIONS: Final[dict[ClaimStatus, frozenset[ClaimStatus]]] = {
    ClaimStatus.NOTIFIED: frozenset({ClaimStatus.ASSESSED, ClaimStatus.REJECTED}),
    ClaimStatus.ASSESSED: frozenset({ClaimStatus.PAID, ClaimStatus.REJECTED}),
    ClaimStatus.PAID: frozenset(),
    ClaimStatus.REJECTED: frozenset(),
}
"""Allowed claim status changes (from → {to})."""


# ---------------------------------------------------------------------------- allocation


@dataclass(frozen=True, slots=True)
class ShareRow:
    """One co-insurer's share of a policy, as allocation needs it.

    Attributes:
        insurer_code: the insurer's institution code (the allocation key).
        share: fraction of the risk (shares of a policy sum to exactly 1).
        lead: whether it is the lead insurer.
        share_id: id of the share record (orders ties after the lead).
    """

    insurer_code: str
    share: Decimal
    lead: bool
    share_id: int


def allocate(amount: Decimal, shares: Sequence[ShareRow]) -> dict[str, Decimal]:
    """Split ``amount`` across the co-insurers exactly to the fen (lead first, then by share id).

    The same split as :func:`kechuang.insurance.policies.allocate_amount` (which :func:`pay`
    uses), for bulk paths that hold share rows rather than policies (imports, loss ratios).
    With no shares the whole amount goes to :data:`SOLE`.

    Raises:
        ValidationError: ``money.allocation`` when the shares do not sum to exactly 1.
    """
    if not shares:
        return {SOLE: money(amount)}
    ordered = sorted(shares, key=lambda s: (not s.lead, s.share_id))
    parts = allocate_by_shares(amount, [s.share for s in ordered])
    return {s.insurer_code: p for s, p in zip(ordered, parts, strict=True)}


def shares_of(session: Session, policy_ids: Iterable[int]) -> dict[int, list[ShareRow]]:
    """The co-insurance shares of each policy with the insurers' codes (one query per 500 ids)."""
    ids = sorted(set(policy_ids))
    out: dict[int, list[ShareRow]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = (
            select(
                CoinsuranceShare.policy_id,
                Institution.code,
                CoinsuranceShare.share,
                CoinsuranceShare.lead,
                CoinsuranceShare.id,
            )
            .join(Institution, Institution.id == CoinsuranceShare.insurer_id)
            .where(CoinsuranceShare.policy_id.in_(chunk))
            .order_by(CoinsuranceShare.id)
        )
        for pid, code, share, lead, sid in session.execute(stmt):
            out[pid].append(ShareRow(code, share, bool(lead), sid))
    return out


def _text(parts: dict[str, Decimal]) -> dict[str, str]:
    return {k: str(v) for k, v in parts.items()}


# ---------------------------------------------------------------------------- look-ups


def get_by_claim_no(*, session: Session, claim_no: str) -> InsuranceClaim:
    """The claim with this number; :class:`NotFound` (``claim.not_found``) if none."""
    claim = session.scalars(
        select(InsuranceClaim).where(InsuranceClaim.claim_no == claim_no.strip())
    ).one_or_none()
    if claim is None:
        raise NotFound(
            Msg(f"没有赔案号为 {claim_no} 的理赔", f"no insurance claim {claim_no}"),
            code="claim.not_found",
        )
    return claim


def get_policy_by_no(*, session: Session, policy_no: str) -> InsurancePolicy:
    """The policy with this number; :class:`NotFound` (``policy.not_found``) if none."""
    policy = session.scalars(
        select(InsurancePolicy).where(InsurancePolicy.policy_no == policy_no.strip())
    ).one_or_none()
    if policy is None:
        raise NotFound(
            Msg(f"没有保单号为 {policy_no} 的保单", f"no insurance policy {policy_no}"),
            code="policy.not_found",
        )
    return policy


def list_(
    *,
    session: Session,
    policy: InsurancePolicy | None = None,
    status: ClaimStatus | None = None,
) -> list[InsuranceClaim]:
    """Claims, optionally of one policy or status, ordered by claim number."""
    stmt = select(InsuranceClaim)
    if policy is not None:
        stmt = stmt.where(InsuranceClaim.policy_id == policy.id)
    if status is not None:
        stmt = stmt.where(InsuranceClaim.status == status)
    return list(session.scalars(stmt.order_by(InsuranceClaim.claim_no)))


def claim_dict(claim: InsuranceClaim, policy: InsurancePolicy | None = None) -> dict[str, Any]:
    """The stored fields of a claim, JSON-ready (with the policy number when ``policy`` is given)."""
    return {
        "claim_no": claim.claim_no,
        "policy_no": None if policy is None else policy.policy_no,
        "status": claim.status.value,
        "status_zh": claim.status.label.zh,
        "status_en": claim.status.label.en,
        "loss_date": json_value(claim.loss_date),
        "notified_on": json_value(claim.notified_on),
        "assessed_amount": json_value(claim.assessed_amount),
        "assessed_on": json_value(claim.assessed_on),
        "paid_amount": json_value(claim.paid_amount),
        "paid_on": json_value(claim.paid_on),
        "allocations": claim.allocations,
        "rejection_reason": claim.rejection_reason,
        "description": claim.description,
    }


# ---------------------------------------------------------------------------- internals


def _actor(actor: str) -> str:
    who = (actor or "").strip()
    if not who:
        raise ValidationError(Msg("必须写明操作人", "an actor is required"), code="actor_required")
    return who


def _require(claim: InsuranceClaim, to: ClaimStatus) -> None:
    if to not in TRANSITIONS[claim.status]:
        raise Conflict(
            Msg(
                f"理赔 {claim.claim_no} 不能从“{claim.status.label.zh}”变为“{to.label.zh}”",
                f"insurance claim {claim.claim_no} cannot go from {claim.status.label.en} "
                f"to {to.label.en}",
            ),
            code="invalid_transition",
        )


def _not_before(claim: InsuranceClaim, on: dt.date, since: dt.date | None, what: Msg) -> None:
    if since is not None and on < since:
        raise ValidationError(
            Msg(
                f"理赔 {claim.claim_no}：日期 {on} 早于{what.zh}日期 {since}",
                f"insurance claim {claim.claim_no}: {on} is before the {what.en} date {since}",
            ),
            code="claim.backdated",
        )


_FIELDS: Final = (
    "status",
    "loss_date",
    "notified_on",
    "assessed_amount",
    "assessed_on",
    "paid_amount",
    "paid_on",
    "allocations",
    "rejection_reason",
    "description",
)


def _snapshot(claim: InsuranceClaim) -> dict[str, Any]:
    return {f: getattr(claim, f) for f in _FIELDS}


def _json_safe(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return json_value(value)


def _history(
    session: Session,
    claim: InsuranceClaim,
    *,
    before: dict[str, Any] | None,
    actor: str,
    note: Msg,
) -> None:
    session.flush()
    changes = diff(before, _snapshot(claim))
    changes["decision"] = [None, note.both()]
    session.add(
        ChangeHistory(
            table_name="insurance_claim",
            record_id=claim.id,
            record_key=claim.claim_no,
            action="create" if before is None else "update",
            changes={k: _json_safe(v) for k, v in changes.items()},
            actor=actor,
            source="service",
        )
    )


def _policy_of(session: Session, claim: InsuranceClaim) -> InsurancePolicy:
    policy = session.get(InsurancePolicy, claim.policy_id)
    if policy is None:  # pragma: no cover - the foreign key guarantees it
        raise NotFound(Msg("理赔的保单不存在", "the claim's policy does not exist"))
    return policy


def check_loss_date(
    *,
    policy_no: str,
    status: PolicyStatus,
    start_date: dt.date,
    end_date: dt.date,
    bound_on: dt.date | None,
    cancelled_on: dt.date | None,
    loss_date: dt.date,
) -> Msg | None:
    """Why a loss on ``loss_date`` is not covered by the policy, or ``None`` when it is.

    Shared by :func:`notify` and the claims import, so both apply one rule.
    """
    if status is PolicyStatus.QUOTED:
        return Msg(
            f"保单 {policy_no} 仅为报价，尚未承保",
            f"policy {policy_no} is only quoted, not bound",
        )
    last = cover_end(
        status=status,
        start_date=start_date,
        end_date=end_date,
        bound_on=bound_on,
        cancelled_on=cancelled_on,
    )
    if last is None:
        return Msg(
            f"保单 {policy_no} 已退保，未提供保障",
            f"policy {policy_no} was cancelled and gave no cover",
        )
    if not start_date <= loss_date <= end_date:
        return Msg(
            f"出险日期 {loss_date} 不在保险期间 {start_date} 至 {end_date} 内",
            f"loss date {loss_date} is outside the cover {start_date} to {end_date}",
        )
    if loss_date > last:
        return Msg(
            f"保单 {policy_no} 已于 {cancelled_on} 退保，出险日期 {loss_date} 不在保障期内",
            f"policy {policy_no} was cancelled on {cancelled_on}, before the loss on {loss_date}",
        )
    return None


# ---------------------------------------------------------------------------- workflow


def notify(
    *,
    session: Session,
    policy: InsurancePolicy,
    claim_no: str,
    loss_date: dt.date,
    notified_on: dt.date,
    description: str | None,
    actor: str,
) -> InsuranceClaim:
    """Record a notified claim (报案) under ``policy``.

    Raises:
        ValidationError: ``claim.number`` (empty or longer than 60 characters),
            ``claim.not_covered`` (loss outside the cover, policy quoted or cancelled before the
            loss), ``claim.backdated`` (notified before the loss), ``actor_required``.
        Conflict: ``claim.duplicate_no`` — the claim number exists.
    """
    who = _actor(actor)
    number = (claim_no or "").strip()
    if not number or len(number) > 60:
        raise ValidationError(
            Msg("赔案号须为 1–60 个字符", "a claim number has 1–60 characters"),
            code="claim.number",
        )
    if session.scalar(select(InsuranceClaim.id).where(InsuranceClaim.claim_no == number)):
        raise Conflict(
            Msg(f"赔案号 {number} 已存在", f"claim number {number} already exists"),
            code="claim.duplicate_no",
        )
    why = check_loss_date(
        policy_no=policy.policy_no,
        status=policy.status,
        start_date=policy.start_date,
        end_date=policy.end_date,
        bound_on=policy.bound_on,
        cancelled_on=policy.cancelled_on,
        loss_date=loss_date,
    )
    if why is not None:
        raise ValidationError(why, code="claim.not_covered")
    if notified_on < loss_date:
        raise ValidationError(
            Msg(
                f"报案日期 {notified_on} 早于出险日期 {loss_date}",
                f"notified on {notified_on}, before the loss on {loss_date}",
            ),
            code="claim.backdated",
        )
    claim = InsuranceClaim(
        claim_no=number,
        policy_id=policy.id,
        loss_date=loss_date,
        notified_on=notified_on,
        status=ClaimStatus.NOTIFIED,
        description=(description or "").strip() or None,
    )
    session.add(claim)
    note = Msg(
        f"已报案 {number}：保单 {policy.policy_no}，出险日期 {loss_date}",
        f"notified {number}: policy {policy.policy_no}, loss on {loss_date}",
    )
    _history(session, claim, before=None, actor=who, note=note)
    return claim


def assess(
    *, session: Session, claim: InsuranceClaim, amount: Decimal, on: dt.date, actor: str
) -> InsuranceClaim:
    """Record the assessed loss (定损): above zero and at most the policy's sum insured.

    Raises:
        Conflict: ``invalid_transition`` — the claim is not notified.
        ValidationError: ``claim.amount`` (not positive, above the sum insured or not exact to the
            fen), ``claim.backdated`` (before notification), ``actor_required``.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.ASSESSED)
    _not_before(claim, on, claim.notified_on, Msg("报案", "notification"))
    value = money(amount)
    if value != amount:
        raise ValidationError(
            Msg(f"定损金额 {amount} 须精确到分", f"the assessed amount {amount} must be in fen"),
            code="claim.amount",
        )
    policy = _policy_of(session, claim)
    if value <= 0:
        raise ValidationError(
            Msg("定损金额须大于 0（无损失请拒赔）", "the assessed amount must be above 0"),
            code="claim.amount",
        )
    if value > policy.sum_insured:
        raise ValidationError(
            Msg(
                f"定损金额 {format_yuan(value)} 超过保额 {format_yuan(policy.sum_insured)}",
                f"the assessed amount {format_yuan(value)} exceeds the sum insured "
                f"{format_yuan(policy.sum_insured)}",
            ),
            code="claim.amount",
        )
    before = _snapshot(claim)
    claim.status = ClaimStatus.ASSESSED
    claim.assessed_amount = value
    claim.assessed_on = on
    note = Msg(
        f"{claim.claim_no}：定损 {format_yuan(value)}（{on}）",
        f"{claim.claim_no}: assessed at {format_yuan(value)} on {on}",
    )
    _history(session, claim, before=before, actor=who, note=note)
    return claim


def pay(*, session: Session, claim: InsuranceClaim, on: dt.date, actor: str) -> InsuranceClaim:
    """Pay the assessed amount, allocated across the policy's co-insurers exactly to the fen.

    Raises:
        Conflict: ``invalid_transition`` — the claim is not assessed.
        ValidationError: ``claim.backdated`` (before assessment), ``money.allocation`` (the
            policy's shares do not sum to 100%), ``actor_required``.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.PAID)
    _not_before(claim, on, claim.assessed_on, Msg("定损", "assessment"))
    assert claim.assessed_amount is not None  # assessed claims have an amount
    amount = claim.assessed_amount
    policy = _policy_of(session, claim)
    if policy.shares:
        parts = {a.insurer_code: a.amount for a in policies_service.allocate_amount(policy, amount)}
    else:
        parts = {SOLE: money(amount)}
    before = _snapshot(claim)
    claim.status = ClaimStatus.PAID
    claim.paid_amount = amount
    claim.paid_on = on
    claim.allocations = _text(parts)
    split_zh = "、".join(f"{k} {format_yuan(v)}" for k, v in parts.items())
    split_en = ", ".join(f"{k} {format_yuan(v)}" for k, v in parts.items())
    note = Msg(
        f"{claim.claim_no}：已赔付 {format_yuan(amount)}（{on}），分摊：{split_zh}",
        f"{claim.claim_no}: paid {format_yuan(amount)} on {on}, allocated: {split_en}",
    )
    _history(session, claim, before=before, actor=who, note=note)
    return claim


def reject(
    *,
    session: Session,
    claim: InsuranceClaim,
    reason: str,
    actor: str,
    on: dt.date | None = None,
) -> InsuranceClaim:
    """Reject (拒赔) a notified or assessed claim; a reason is required.

    Raises:
        Conflict: ``invalid_transition`` — the claim is paid or already rejected.
        ValidationError: ``reason_required``, ``claim.backdated``, ``actor_required``.
    """
    who = _actor(actor)
    _require(claim, ClaimStatus.REJECTED)
    text = (reason or "").strip()
    if not text:
        raise ValidationError(
            Msg("拒赔必须说明理由", "a reason is required to reject a claim"),
            code="reason_required",
        )
    if on is not None:
        _not_before(claim, on, claim.notified_on, Msg("报案", "notification"))
    before = _snapshot(claim)
    claim.status = ClaimStatus.REJECTED
    claim.rejection_reason = text
    note = Msg(
        f"{claim.claim_no}：已由 {who} 拒赔{f'（{on}）' if on else ''}：{text}",
        f"{claim.claim_no}: rejected by {who}{f' on {on}' if on else ''}: {text}",
    )
    _history(session, claim, before=before, actor=who, note=note)
    return claim


# ---------------------------------------------------------------------------- loss ratio


@dataclass(frozen=True, slots=True)
class InsurerLossRatio:
    """One insurer's loss ratio from the claim allocations and its share of premiums.

    Attributes:
        insurer: insurer code (or :data:`SOLE`).
        claims_paid: its part of the claims paid in the period, 元.
        premiums_written: its share of the premiums written in the period, 元.
        ratio: ``claims_paid ÷ premiums_written`` (``None`` when no premium).
    """

    insurer: str
    claims_paid: Decimal
    premiums_written: Decimal
    ratio: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "insurer": self.insurer,
            "claims_paid": str(self.claims_paid),
            "premiums_written": str(self.premiums_written),
            "ratio": None if self.ratio is None else str(self.ratio),
        }


LOSS_RATIO_DEFINITION: Final = Msg(
    "赔付率 = 期间内已赔付金额（按赔付日期）÷ 期间内承保保费（按保单承保日期：签单日期，无则起保日期）；"
    "各保险机构按理赔分摊金额 ÷ 按共保份额分摊的保费。",
    "loss ratio = claims paid in the period (by paid date) ÷ premiums written in the period (by "
    "the policy's written date: bound date, else start date); per insurer: its allocated claims "
    "÷ its share of those premiums.",
)


@dataclass(frozen=True, slots=True)
class LossRatio:
    """Claims paid ÷ premiums written over a period, for a product or a pool.

    Attributes:
        scope: ``product`` or ``pool``.
        key: the product or pool key.
        period_start: first day of the period.
        period_end: last day of the period (inclusive).
        claims_paid: claims paid in the period, 元.
        premiums_written: premiums of the policies written in the period, 元.
        ratio: exact ``claims_paid ÷ premiums_written`` (``None`` when no premium was written).
        by_insurer: per-insurer figures, by insurer code.
        claim_nos: claims counted (sorted).
        policy_nos: policies whose premium was counted (sorted).
    """

    scope: str
    key: str
    period_start: dt.date
    period_end: dt.date
    claims_paid: Decimal
    premiums_written: Decimal
    ratio: Decimal | None
    by_insurer: tuple[InsurerLossRatio, ...]
    claim_nos: tuple[str, ...]
    policy_nos: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts and ratios as exact decimal text)."""
        return {
            "scope": self.scope,
            "key": self.key,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "claims_paid": str(self.claims_paid),
            "premiums_written": str(self.premiums_written),
            "ratio": None if self.ratio is None else str(self.ratio),
            "by_insurer": [i.as_dict() for i in self.by_insurer],
            "claim_nos": list(self.claim_nos),
            "policy_nos": list(self.policy_nos),
            "definition_zh": LOSS_RATIO_DEFINITION.zh,
            "definition_en": LOSS_RATIO_DEFINITION.en,
        }


def loss_ratio(
    *,
    session: Session,
    period_start: dt.date,
    period_end: dt.date,
    product_key: str | None = None,
    pool_key: str | None = None,
) -> LossRatio:
    """Loss ratio of a product or a pool over ``[period_start, period_end]`` (see the module docstring).

    Raises:
        ValidationError: ``loss_ratio.scope`` (neither or both of product and pool),
            ``loss_ratio.period`` (the period ends before it starts).
    """
    if (product_key is None) == (pool_key is None):
        raise ValidationError(
            Msg("请指定产品或共保体（二选一）", "give either a product or a pool"),
            code="loss_ratio.scope",
        )
    if period_end < period_start:
        raise ValidationError(
            Msg(
                f"期间终止日期 {period_end} 早于起始日期 {period_start}",
                f"the period ends ({period_end}) before it starts ({period_start})",
            ),
            code="loss_ratio.period",
        )
    p = InsurancePolicy
    scope_clause = (
        p.product_key == product_key if product_key is not None else p.pool_key == pool_key
    )
    claims = session.execute(
        select(InsuranceClaim.claim_no, InsuranceClaim.paid_amount, InsuranceClaim.allocations)
        .join(p, p.id == InsuranceClaim.policy_id)
        .where(
            scope_clause,
            InsuranceClaim.status == ClaimStatus.PAID,
            InsuranceClaim.paid_on >= period_start,
            InsuranceClaim.paid_on <= period_end,
        )
        .order_by(InsuranceClaim.claim_no)
    ).all()
    written = session.execute(
        select(p.id, p.policy_no, p.premium)
        .where(scope_clause, written_clause(period_start, period_end))
        .order_by(p.policy_no)
    ).all()
    claims_paid = sum((c.paid_amount or ZERO for c in claims), ZERO)
    premiums = sum((w.premium for w in written), ZERO)
    insurer_claims: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for c in claims:
        for code, amount in (c.allocations or {}).items():
            insurer_claims[code] += Decimal(amount)
    insurer_premiums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    shares = shares_of(session, [w.id for w in written])
    for w in written:
        for code, part in allocate(w.premium, shares.get(w.id, [])).items():
            insurer_premiums[code] += part
    codes = sorted(set(insurer_claims) | set(insurer_premiums))
    by_insurer = tuple(
        InsurerLossRatio(
            insurer=code,
            claims_paid=insurer_claims[code],
            premiums_written=insurer_premiums[code],
            ratio=ratio(insurer_claims[code], insurer_premiums[code]),
        )
        for code in codes
    )
    return LossRatio(
        scope="product" if product_key is not None else "pool",
        key=product_key if product_key is not None else str(pool_key),
        period_start=period_start,
        period_end=period_end,
        claims_paid=claims_paid,
        premiums_written=premiums,
        ratio=ratio(claims_paid, premiums),
        by_insurer=by_insurer,
        claim_nos=tuple(c.claim_no for c in claims),
        policy_nos=tuple(w.policy_no for w in written),
    )
