"""沪科专贷 / 沪科专贴: banks submit sci-tech loans (re-lending) or discounted bills (rediscount) to
the PBoC Shanghai Head Office against a yearly quota.

Programme facts (RULES.md §5, PBoC Shanghai Head Office press conference of 2023-07-27):

* eligible borrowers [confirmed]: 高新技术企业, 科技小巨人企业, 专精特新中小企业, 专精特新"小巨人"
  企业 and 入库科技型中小企业 — here: a :class:`~kechuang.registry.models.Qualification` of one of
  those kinds **in force on the loan's drawdown date** (the bill's discount date);
* priority [confirmed]: first loans (首贷) and credit (unsecured) loans — recorded on every item,
  they do not decide eligibility;
* quota, re-lending rate and the share of each loan refinanced: **not found** — for re-lending,
  60% of principal and 1.75% are from memory (status ``unverified``); for rediscount, 100% of the
  face amount and 1.75% are demo values (``illustrative``), as in the products catalogue; the rate
  cap of the underlying loan (bill) and the amount limit per item are product configuration,
  shipped as ``illustrative`` values. Quotas are set per bank and year (:func:`set_quota`).

Every parameter is a dated :class:`ProgrammeParameter` with its reference and status in
:data:`PARAMETERS`; the values in force on the submission date apply. A submission checks every
item and stores each check in ``RefinanceItem.checks`` (criterion, passed, observed, required,
message_zh, message_en, plus whether it blocks, and the parameter version, status and reference it
used). The refinanced amount is ``amount × share`` rounded to the fen with ROUND_HALF_UP
(:func:`kechuang.core.money.quantize_fen`) and is counted against the bank's remaining quota for
the submission year in submission order: an otherwise eligible item that no longer fits is
rejected with the reason "quota exhausted" (a later, smaller item may still fit). A loan (bill)
accepted in an earlier submission is rejected when submitted again; one rejected earlier may be
submitted again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from kechuang.core import importspec as sp
from kechuang.core.errors import Conflict, ImportRejected, Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import format_percent, money, quantize_fen
from kechuang.core.tabular import read_table
from kechuang.credit.enums import LedgerKind, RefinanceProgramme
from kechuang.credit.imports import parse_rate
from kechuang.credit.models import (
    LedgerEvent,
    Loan,
    RefinanceItem,
    RefinanceQuota,
    RefinanceSubmission,
)
from kechuang.registry.enums import InstitutionKind, QualificationKind
from kechuang.registry.models import Enterprise, Institution, Qualification
from kechuang.storage.upsert import upsert

__all__ = [
    "PARAMETERS",
    "BillRecord",
    "ProgrammeParameter",
    "ProgrammeParameters",
    "QuotaUsage",
    "bank_by_code",
    "next_submission_no",
    "parameters_on",
    "quota_usage",
    "read_items",
    "rejection_reasons",
    "set_quota",
    "submission_report",
    "submit",
]

STATUSES: Final = ("confirmed", "unverified", "illustrative")
"""``confirmed`` — seen in an official text; ``unverified`` — from memory or a secondary source
(RULES.md: "参数待核实"); ``illustrative`` — product configuration shipped as a demo value."""

_PRESS_2023 = "中国人民银行上海总部 2023-07-27 新闻发布会（沪科专贷、沪科专贴）；RULES.md §5"
_NOT_FOUND = "未找到公开文件；RULES.md §5 “Quota, re-lending rate and the share … not found”"
_ILLUSTRATIVE = "产品配置，演示值，非政策规定（RULES.md：product terms are configuration）"


@dataclass(frozen=True, slots=True)
class ProgrammeParameter:
    """One dated value of a programme parameter.

    Attributes:
        key: ``<programme>.<name>``, e.g. ``relending.share``.
        start: first day in force (in force until the next value's start).
        value: the value (a tuple of qualification kinds or priority flags, a fraction, 元).
        unit: ``kinds``, ``flags``, ``ratio`` or ``yuan``.
        reference: document and article, or where the figure comes from.
        status: one of :data:`STATUSES`.
        note: what the value means or why it is not confirmed.
    """

    key: str
    start: dt.date
    value: Any
    unit: str
    reference: str
    status: str
    note: str = ""

    @property
    def version(self) -> str:
        """``key@start``: exactly which value was used."""
        return f"{self.key}@{self.start.isoformat()}"

    def display(self) -> str:
        """The value as a reader writes it (``60.00%``, ``10,000,000.00 元``, kinds)."""
        if self.unit == "ratio":
            return format_percent(self.value)
        if self.unit == "yuan":
            return f"{self.value:,.2f} 元"
        return "、".join(getattr(v, "value", str(v)) for v in self.value)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        value = self.value
        if isinstance(value, tuple):
            value = [getattr(v, "value", v) for v in value]
        elif isinstance(value, Decimal):
            value = str(value)
        return {
            "key": self.key,
            "version": self.version,
            "value": value,
            "unit": self.unit,
            "reference": self.reference,
            "status": self.status,
            "note": self.note,
        }


_START: Final = dt.date(2023, 7, 27)
_ELIGIBLE: Final = (
    QualificationKind.HIGH_TECH,
    QualificationKind.SH_LITTLE_GIANT,
    QualificationKind.SPECIALISED_SME,
    QualificationKind.LITTLE_GIANT,
    QualificationKind.TECH_SME,
)


def _programme_parameters(
    prefix: str,
    *,
    rate_cap: str,
    what: str,
    share: ProgrammeParameter,
    rate: ProgrammeParameter,
) -> dict[str, tuple[ProgrammeParameter, ...]]:
    def p(
        name: str, value: Any, unit: str, reference: str, status: str, note: str = ""
    ) -> tuple[ProgrammeParameter, ...]:
        return (
            ProgrammeParameter(f"{prefix}.{name}", _START, value, unit, reference, status, note),
        )

    return {
        "eligible_kinds": p(
            "eligible_kinds",
            _ELIGIBLE,
            "kinds",
            _PRESS_2023,
            "confirmed",
            "名单由相关政府部门确定，主要包括高新技术企业、科技小巨人、专精特新中小企业、专精特新“小巨人”、入库科技型中小企业",
        ),
        "priority": p(
            "priority",
            ("first_loan", "unsecured"),
            "flags",
            _PRESS_2023,
            "confirmed",
            "重点支持小微、民营科技企业的首贷和信用贷款；仅记录，不作准入条件",
        ),
        "rate_cap": p(
            "rate_cap",
            Decimal(rate_cap),
            "ratio",
            _ILLUSTRATIVE,
            "illustrative",
            f"{what}利率上限（演示值）",
        ),
        "amount_limit": p(
            "amount_limit",
            money("10000000"),
            "yuan",
            _ILLUSTRATIVE,
            "illustrative",
            f"单笔{what}金额上限 1,000 万元（演示值）",
        ),
        "share": (share,),
        "refinancing_rate": (rate,),
    }


PARAMETERS: Final[dict[RefinanceProgramme, dict[str, tuple[ProgrammeParameter, ...]]]] = {
    RefinanceProgramme.RELENDING: _programme_parameters(
        "relending",
        rate_cap="0.0400",
        what="贷款",
        share=ProgrammeParameter(
            "relending.share",
            _START,
            Decimal("0.60"),
            "ratio",
            "全国科技创新和技术改造再贷款（2024-04，按贷款本金 60%）；" + _NOT_FOUND,
            "unverified",
            "参数待核实：沪科专贷的再贷款比例未找到，借用全国科技创新再贷款的比例（凭记忆）",
        ),
        rate=ProgrammeParameter(
            "relending.refinancing_rate",
            _START,
            Decimal("0.0175"),
            "ratio",
            "支小再贷款利率（凭记忆）；" + _NOT_FOUND,
            "unverified",
            "参数待核实：据记忆参照支小再贷款定价（1.75%，后下调）",
        ),
    ),
    RefinanceProgramme.REDISCOUNT: _programme_parameters(
        "rediscount",
        rate_cap="0.0300",
        what="贴现",
        share=ProgrammeParameter(
            "rediscount.share",
            _START,
            Decimal("1.00"),
            "ratio",
            _ILLUSTRATIVE,
            "illustrative",
            "示例参数：再贴现比例未找到，按票面金额全额计",
        ),
        rate=ProgrammeParameter(
            "rediscount.refinancing_rate",
            _START,
            Decimal("0.0175"),
            "ratio",
            _ILLUSTRATIVE,
            "illustrative",
            "示例参数：沪科专贴的再贴现利率未找到",
        ),
    ),
}
"""Dated parameters of each programme (oldest value first). To change a value, append one with a
later ``start``; never edit or delete a value that has been used. The products catalogue
(``kechuang/products/data/credit_products.yaml``, keys ``relending`` and ``rediscount``) states
the eligible kinds, rate and share too: change both together —
``tests/products/test_refinance_consistency.py`` fails when they differ on any date."""


@dataclass(frozen=True, slots=True)
class ProgrammeParameters:
    """The parameters of one programme in force on one day."""

    programme: RefinanceProgramme
    on: dt.date
    eligible_kinds: ProgrammeParameter
    priority: ProgrammeParameter
    rate_cap: ProgrammeParameter
    amount_limit: ProgrammeParameter
    share: ProgrammeParameter
    refinancing_rate: ProgrammeParameter

    def all(self) -> list[ProgrammeParameter]:
        """Every parameter, in declaration order."""
        return [
            self.eligible_kinds,
            self.priority,
            self.rate_cap,
            self.amount_limit,
            self.share,
            self.refinancing_rate,
        ]

    def not_confirmed(self) -> list[ProgrammeParameter]:
        """Parameters whose status is not ``confirmed`` (to be flagged wherever they are used)."""
        return [p for p in self.all() if p.status != "confirmed"]


def parameters_on(programme: RefinanceProgramme | str, day: dt.date) -> ProgrammeParameters:
    """The programme's parameters in force on ``day``.

    Raises:
        NotFound: the programme had no parameters in force on ``day`` (before 2023-07-27).
    """
    prog = RefinanceProgramme(programme)
    chosen: dict[str, ProgrammeParameter] = {}
    for name, values in PARAMETERS[prog].items():
        current = [v for v in values if v.start <= day]
        if not current or current[-1].value is None:
            raise NotFound(
                Msg(
                    f"{prog.label.zh}在 {day} 没有有效参数（自 {values[0].start} 起）",
                    f"{prog.label.en} has no parameters in force on {day} (from {values[0].start})",
                ),
                code="refinance.no_parameters",
            )
        chosen[name] = current[-1]
    return ProgrammeParameters(programme=prog, on=day, **chosen)


# =============================================================================== input


@dataclass(frozen=True, slots=True)
class BillRecord:
    """A discounted bill submitted for rediscount.

    Attributes:
        bill_no: bill number (票据号码), the item's reference.
        uscc: the enterprise that discounted the bill (贴现申请人).
        amount: face amount, 元.
        discount_date: date the bank discounted the bill.
        rate: discount rate as a fraction (0.0150 = 1.50%).
    """

    bill_no: str
    uscc: str
    amount: Decimal
    discount_date: dt.date
    rate: Decimal


_LOAN_NO_COL = sp.Column(
    "loan_no",
    "借据号",
    "Loan no",
    sp.text(60),
    required=True,
    description=Msg("借据编号（须已导入）", "loan number (imported)"),
    example="BOC-L-000001",
    aliases=("借据编号", "loan number"),
)

RELENDING_ITEMS = sp.ImportSpec(
    kind="relending-items",
    label=Msg("再贷款报送借据", "loans submitted for re-lending"),
    key=("loan_no",),
    columns=(_LOAN_NO_COL,),
)

REDISCOUNT_BILLS = sp.ImportSpec(
    kind="rediscount-bills",
    label=Msg("再贴现报送票据", "bills submitted for rediscount"),
    key=("bill_no",),
    columns=(
        sp.Column(
            "bill_no",
            "票据号码",
            "Bill no",
            sp.text(60),
            required=True,
            description=Msg("票据号码", "bill number"),
            example="1313290000012024050100000001",
            aliases=("票据号", "bill number"),
        ),
        sp.Column(
            "uscc",
            "统一社会信用代码",
            "USCC",
            sp.uscc(),
            required=True,
            description=Msg(
                "贴现申请企业的统一社会信用代码", "USCC of the enterprise that discounted the bill"
            ),
            example="91310115MA1H7XXXX0",
            aliases=("社会信用代码", "信用代码"),
        ),
        sp.Column(
            "amount",
            "票面金额",
            "Amount",
            sp.amount(),
            required=True,
            description=Msg("票面金额，元", "face amount, yuan"),
            example="1000000",
            aliases=("金额", "票据金额"),
            money=True,
        ),
        sp.Column(
            "discount_date",
            "贴现日期",
            "Discount date",
            sp.date_value(),
            required=True,
            description=Msg("贴现日期", "discount date"),
            example="2024-05-10",
            aliases=("贴现日",),
        ),
        sp.Column(
            "rate",
            "贴现利率",
            "Rate",
            parse_rate,
            required=True,
            description=Msg("贴现年利率，1.5% 或 0.015", "annual discount rate: 1.5% or 0.015"),
            example="1.5%",
            aliases=("利率", "discount rate"),
        ),
    ),
)


def read_items(
    path: str | Path, programme: RefinanceProgramme | str
) -> list[str] | list[BillRecord]:
    """Read a submission file: loan numbers (re-lending) or bill records (rediscount).

    CSV (UTF-8/GBK) or XLSX with a header row (借据号 / loan_no; or 票据号码, 统一社会信用代码,
    票面金额, 贴现日期, 贴现利率).

    Raises:
        ImportRejected: with every issue when a row is bad, a number repeats or there are no rows.
    """
    prog = RefinanceProgramme(programme)
    spec = RELENDING_ITEMS if prog is RefinanceProgramme.RELENDING else REDISCOUNT_BILLS
    table = read_table(path)
    parsed = sp.parse_table(table, spec)
    issues = list(parsed.issues)
    if not parsed.errors and not parsed.rows:
        issues.append(
            Issue(
                rule="import.no_rows",
                file=table.file,
                message=Msg("文件中没有数据行", "the file has no data rows"),
            )
        )
    if any(i.severity == "error" for i in issues):
        n = sum(1 for i in issues if i.severity == "error")
        raise ImportRejected(
            Msg(
                f"{table.file}：发现 {n} 处错误，未报送",
                f"{table.file}: {n} error(s) found; nothing was submitted",
            ),
            issues=issues,
        )
    if prog is RefinanceProgramme.RELENDING:
        return [str(r.values["loan_no"]) for r in parsed.rows]
    return [
        BillRecord(
            bill_no=r.values["bill_no"],
            uscc=r.values["uscc"],
            amount=r.values["amount"],
            discount_date=r.values["discount_date"],
            rate=r.values["rate"],
        )
        for r in parsed.rows
    ]


# =============================================================================== quota


def _bank(session: Session, bank_id: int) -> Institution:
    bank = session.get(Institution, bank_id)
    if bank is None:
        raise NotFound(Msg(f"没有 id 为 {bank_id} 的机构", f"no institution with id {bank_id}"))
    if bank.kind is not InstitutionKind.BANK:
        raise ValidationError(
            Msg(f"{bank.name}（{bank.code}）不是银行", f"{bank.name} ({bank.code}) is not a bank"),
            code="refinance.not_a_bank",
        )
    return bank


def bank_by_code(session: Session, code: str) -> Institution:
    """The bank with institution code ``code`` (case-insensitive).

    Raises:
        NotFound: no institution has that code.
        ValidationError: the institution is not a bank.
    """
    norm = code.strip().upper()
    ident = session.scalar(select(Institution.id).where(Institution.code == norm))
    if ident is None:
        raise NotFound(Msg(f"没有机构代码为 {norm} 的机构", f"no institution with code {norm}"))
    return _bank(session, ident)


def _used(session: Session, programme: RefinanceProgramme, bank_id: int, year: int) -> Decimal:
    s, i = RefinanceSubmission, RefinanceItem
    total = session.scalar(
        select(func.sum(i.refinanced_amount))
        .join(s, s.id == i.submission_id)
        .where(
            s.programme == programme,
            s.bank_id == bank_id,
            s.submitted_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            i.eligible.is_(True),
        )
    )
    return quantize_fen(total) if total is not None else Decimal("0.00")


def set_quota(
    *,
    session: Session,
    programme: RefinanceProgramme | str,
    bank_id: int,
    year: int,
    quota: Decimal | str | int,
    actor: str = "system",
) -> RefinanceQuota:
    """Set (create or change) a bank's quota under a programme for a year; history is kept.

    Raises:
        NotFound: no such institution.
        ValidationError: not a bank; a negative quota; a quota below what is already used.
    """
    prog = RefinanceProgramme(programme)
    bank = _bank(session, bank_id)
    amount = quota if isinstance(quota, Decimal) else money(quota)
    amount = quantize_fen(amount)
    if amount < 0:
        raise ValidationError(
            Msg("额度不能为负数", "a quota must not be negative"), code="refinance.quota_negative"
        )
    used = _used(session, prog, bank_id, year)
    if amount < used:
        raise ValidationError(
            Msg(
                f"{bank.name} {year} 年{prog.label.zh}已使用 {used:,.2f} 元，额度不能低于已用额",
                f"{bank.name} has already used {used:,.2f} yuan of its {year} {prog.label.en} quota; the quota cannot be lower",
            ),
            code="refinance.quota_below_used",
        )
    res = upsert(
        session,
        RefinanceQuota,
        [{"programme": prog, "bank_id": bank_id, "year": year, "quota": amount}],
        key=("programme", "bank_id", "year"),
        actor=actor,
        source="credit refinance quota",
        key_label=lambda r: f"{prog.value}/{bank.code}/{year}",
    )
    record = session.get(RefinanceQuota, res.ids[(prog, bank_id, year)])
    assert record is not None
    session.refresh(record)
    return record


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    """How much of a bank's yearly quota is used.

    Attributes:
        quota: the quota (``None`` when none is set).
        used: refinanced amounts of accepted items in the year's submissions.
        remaining: ``quota − used`` (0 without a quota).
        submissions: submissions in the year.
        items_accepted: accepted items.
        items_rejected: rejected items.
    """

    programme: RefinanceProgramme
    bank_id: int
    year: int
    quota: Decimal | None
    used: Decimal
    remaining: Decimal
    submissions: int
    items_accepted: int
    items_rejected: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as text)."""
        return {
            "programme": self.programme.value,
            "bank_id": self.bank_id,
            "year": self.year,
            "quota": None if self.quota is None else str(self.quota),
            "used": str(self.used),
            "remaining": str(self.remaining),
            "submissions": self.submissions,
            "items_accepted": self.items_accepted,
            "items_rejected": self.items_rejected,
        }


def quota_usage(
    *, session: Session, programme: RefinanceProgramme | str, bank_id: int, year: int
) -> QuotaUsage:
    """The bank's quota, use and remainder under ``programme`` for ``year``."""
    prog = RefinanceProgramme(programme)
    quota = session.scalar(
        select(RefinanceQuota.quota).where(
            RefinanceQuota.programme == prog,
            RefinanceQuota.bank_id == bank_id,
            RefinanceQuota.year == year,
        )
    )
    s, i = RefinanceSubmission, RefinanceItem
    in_year = (
        s.programme == prog,
        s.bank_id == bank_id,
        s.submitted_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
    )
    submissions = session.scalar(select(func.count()).select_from(s).where(*in_year)) or 0
    accepted, rejected = session.execute(
        select(
            func.coalesce(func.sum(case((i.eligible.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((i.eligible.is_(True), 0), else_=1)), 0),
        )
        .join(s, s.id == i.submission_id)
        .where(*in_year)
    ).one()
    used = _used(session, prog, bank_id, year)
    remaining = max(quota - used, Decimal("0.00")) if quota is not None else Decimal("0.00")
    return QuotaUsage(
        programme=prog,
        bank_id=bank_id,
        year=year,
        quota=quota,
        used=used,
        remaining=remaining,
        submissions=int(submissions),
        items_accepted=int(accepted),
        items_rejected=int(rejected),
    )


# =============================================================================== submission


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    return getattr(value, "value", value)


def _check(
    criterion: str,
    passed: bool,
    observed: Any,
    required: Any,
    message: Msg,
    *,
    blocking: bool = True,
    parameter: ProgrammeParameter | None = None,
) -> dict[str, Any]:
    return {
        "criterion": criterion,
        "passed": passed,
        "observed": _json(observed),
        "required": _json(required),
        "message_zh": message.zh,
        "message_en": message.en,
        "blocking": blocking,
        "parameter": parameter.version if parameter else None,
        "status": parameter.status if parameter else None,
        "reference": parameter.reference if parameter else None,
    }


def _flag(parameter: ProgrammeParameter) -> Msg:
    """``（参数待核实）`` / ``(unverified parameter)`` for values that are not confirmed."""
    if parameter.status == "unverified":
        return Msg("（参数待核实）", " (unverified parameter)")
    if parameter.status == "illustrative":
        return Msg("（演示参数）", " (illustrative parameter)")
    return Msg("", "")


def _pct(d: Decimal) -> str:
    return format_percent(d)


@dataclass(slots=True)
class _Item:
    ref: str
    loan_id: int | None = None
    enterprise_id: int | None = None
    amount: Decimal = Decimal("0.00")
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return all(c["passed"] for c in self.checks if c["blocking"])


def _qualification_check(
    params: ProgrammeParameters, quals: Sequence[Qualification], day: dt.date, what: Msg
) -> dict[str, Any]:
    param = params.eligible_kinds
    kinds: tuple[QualificationKind, ...] = param.value
    held = sorted({q.kind.value for q in quals if q.kind in kinds and q.is_valid_on(day)})
    required = [k.value for k in kinds]
    if held:
        names = "、".join(QualificationKind(k).label.zh for k in held)
        names_en = ", ".join(QualificationKind(k).label.en for k in held)
        return _check(
            "borrower.qualification",
            True,
            held,
            required,
            Msg(
                f"{what.zh} {day} 借款人持有有效资质：{names}",
                f"on the {what.en} {day} the borrower held: {names_en}",
            ),
            parameter=param,
        )
    later = sorted(
        {
            f"{q.kind.label.zh}（{q.valid_from} 起）"
            for q in quals
            if q.kind in kinds and q.valid_from > day
        }
    )
    later_en = sorted(
        {
            f"{q.kind.value} (from {q.valid_from})"
            for q in quals
            if q.kind in kinds and q.valid_from > day
        }
    )
    tail = (
        Msg(
            f"；{'、'.join(later)}晚于该日，不计",
            f"; {', '.join(later_en)} started later and does not count",
        )
        if later
        else Msg("", "")
    )
    return _check(
        "borrower.qualification",
        False,
        [],
        required,
        Msg(
            f"{what.zh} {day} 借款人不持有符合条件的有效资质（高新技术企业、科技小巨人、专精特新中小企业、专精特新“小巨人”、入库科技型中小企业）{tail.zh}",
            f"on the {what.en} {day} the borrower held no eligible qualification (high-tech, Shanghai little giant, specialised SME, little giant, tech-based SME){tail.en}",
        ),
        parameter=param,
    )


def _rate_check(params: ProgrammeParameters, rate: Decimal, what: Msg) -> dict[str, Any]:
    cap = params.rate_cap
    ok = rate <= cap.value
    flag = _flag(cap)
    return _check(
        "rate.cap",
        ok,
        rate,
        cap.value,
        Msg(
            f"{what.zh}利率 {_pct(rate)} {'不高于' if ok else '高于'}上限 {_pct(cap.value)}{flag.zh}",
            f"{what.en} rate {_pct(rate)} is {'within' if ok else 'above'} the cap of {_pct(cap.value)}{flag.en}",
        ),
        parameter=cap,
    )


def _amount_check(params: ProgrammeParameters, amount: Decimal, what: Msg) -> dict[str, Any]:
    limit = params.amount_limit
    ok = amount <= limit.value
    flag = _flag(limit)
    return _check(
        "amount.limit",
        ok,
        amount,
        limit.value,
        Msg(
            f"{what.zh}金额 {amount:,.2f} 元{'不超过' if ok else '超过'}单笔上限 {limit.value:,.2f} 元{flag.zh}",
            f"{what.en} amount {amount:,.2f} yuan is {'within' if ok else 'above'} the limit of {limit.value:,.2f} yuan{flag.en}",
        ),
        parameter=limit,
    )


def _not_resubmitted(ref: str, earlier: str | None, what: Msg) -> dict[str, Any]:
    if earlier is None:
        return _check(
            "item.not_resubmitted",
            True,
            None,
            None,
            Msg(f"该{what.zh}此前未获再融资", f"this {what.en} was not refinanced before"),
        )
    return _check(
        "item.not_resubmitted",
        False,
        earlier,
        None,
        Msg(
            f"{what.zh} {ref} 已在报送批次 {earlier} 中获再融资，不能重复报送",
            f"{what.en} {ref} was already refinanced in submission {earlier}; it cannot be submitted again",
        ),
    )


def _accepted_before(
    session: Session, programme: RefinanceProgramme, refs: Sequence[str]
) -> dict[str, str]:
    out: dict[str, str] = {}
    s, i = RefinanceSubmission, RefinanceItem
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        out.update(
            session.execute(
                select(i.item_ref, s.submission_no)
                .join(s, s.id == i.submission_id)
                .where(s.programme == programme, i.eligible.is_(True), i.item_ref.in_(chunk))
            ).all()
        )
    return out


def _qualifications(
    session: Session, enterprise_ids: Iterable[int], kinds: Sequence[QualificationKind]
) -> dict[int, list[Qualification]]:
    ids = sorted(set(enterprise_ids))
    out: dict[int, list[Qualification]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for q in session.scalars(
            select(Qualification).where(
                Qualification.enterprise_id.in_(ids[start : start + 500]),
                Qualification.kind.in_(kinds),
            )
        ):
            out[q.enterprise_id].append(q)
    return out


def _ancestors(session: Session) -> dict[int, int | None]:
    return dict(session.execute(select(Institution.id, Institution.parent_id)).all())


def _belongs(parents: dict[int, int | None], bank_id: int, loan_bank: int) -> bool:
    seen: set[int] = set()
    node: int | None = loan_bank
    while node is not None and node not in seen:
        if node == bank_id:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def _outstanding(session: Session, loan_ids: Sequence[int], on: dt.date) -> dict[int, Decimal]:
    e = LedgerEvent
    out: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for start in range(0, len(loan_ids), 500):
        for loan_id, kind, total in session.execute(
            select(e.loan_id, e.kind, func.sum(e.amount))
            .where(
                e.loan_id.in_(loan_ids[start : start + 500]),
                e.event_date <= on,
                e.kind.in_(
                    (LedgerKind.DRAWDOWN, LedgerKind.REPAYMENT_PRINCIPAL, LedgerKind.WRITE_OFF)
                ),
            )
            .group_by(e.loan_id, e.kind)
        ):
            out[loan_id] += total if kind is LedgerKind.DRAWDOWN else -total
    return out


_LOAN = Msg("借据", "loan")
_BILL = Msg("票据", "bill")


def _loan_items(
    session: Session, params: ProgrammeParameters, bank_id: int, refs: Sequence[str], on: dt.date
) -> list[_Item]:
    loans = {
        ln.loan_no: ln
        for start in range(0, len(refs), 500)
        for ln in session.scalars(select(Loan).where(Loan.loan_no.in_(refs[start : start + 500])))
    }
    quals = _qualifications(
        session, (ln.enterprise_id for ln in loans.values()), params.eligible_kinds.value
    )
    earlier = _accepted_before(session, params.programme, refs)
    parents = _ancestors(session)
    balances = _outstanding(session, sorted(ln.id for ln in loans.values()), on)
    items: list[_Item] = []
    for ref in refs:
        item = _Item(ref=ref)
        items.append(item)
        loan = loans.get(ref)
        if loan is None:
            item.checks.append(
                _check(
                    "loan.exists",
                    False,
                    ref,
                    None,
                    Msg(f"没有借据号为 {ref} 的贷款", f"no loan numbered {ref}"),
                )
            )
            continue
        item.loan_id, item.enterprise_id, item.amount = loan.id, loan.enterprise_id, loan.principal
        item.checks.append(
            _check("loan.exists", True, ref, None, Msg("借据存在", "the loan exists"))
        )
        mine = _belongs(parents, bank_id, loan.bank_id)
        item.checks.append(
            _check(
                "loan.bank",
                mine,
                loan.bank_id,
                bank_id,
                Msg("借据属于报送银行", "the loan belongs to the submitting bank")
                if mine
                else Msg(
                    "借据不属于报送银行（及其分支机构）",
                    "the loan does not belong to the submitting bank (or its branches)",
                ),
            )
        )
        drawn_ok = loan.drawdown_date <= on
        balance = balances[loan.id]
        item.checks.append(
            _check(
                "loan.outstanding",
                drawn_ok and balance > 0,
                balance,
                "> 0",
                Msg(
                    f"{on} 未偿本金 {balance:,.2f} 元",
                    f"outstanding principal on {on}: {balance:,.2f} yuan",
                )
                if drawn_ok and balance > 0
                else Msg(
                    f"{on} 该借据没有未偿本金（未放款、已结清或已核销）",
                    f"on {on} the loan has no outstanding principal (not drawn, repaid or written off)",
                ),
            )
        )
        item.checks.append(
            _qualification_check(
                params,
                quals.get(loan.enterprise_id, []),
                loan.drawdown_date,
                Msg("放款日", "drawdown date"),
            )
        )
        item.checks.append(_rate_check(params, loan.annual_rate, Msg("贷款", "loan")))
        item.checks.append(_amount_check(params, loan.principal, _LOAN))
        for flag, held, zh, en in (
            ("first_loan", loan.first_loan, "首贷", "first loan"),
            ("unsecured", loan.unsecured, "信用贷款", "unsecured loan"),
        ):
            item.checks.append(
                _check(
                    f"priority.{flag}",
                    bool(held),
                    bool(held),
                    True,
                    Msg(
                        f"{'是' if held else '不是'}{zh}（优先支持，仅记录）",
                        f"{'' if held else 'not '}a {en} (priority; recorded only)",
                    ),
                    blocking=False,
                    parameter=params.priority,
                )
            )
        item.checks.append(_not_resubmitted(ref, earlier.get(ref), _LOAN))
    return items


def _bill_items(
    session: Session, params: ProgrammeParameters, bills: Sequence[BillRecord], on: dt.date
) -> list[_Item]:
    usccs = sorted({b.uscc for b in bills})
    enterprises = {
        uscc: ident
        for start in range(0, len(usccs), 500)
        for uscc, ident in session.execute(
            select(Enterprise.uscc, Enterprise.id).where(
                Enterprise.uscc.in_(usccs[start : start + 500])
            )
        )
    }
    quals = _qualifications(session, enterprises.values(), params.eligible_kinds.value)
    earlier = _accepted_before(session, params.programme, [b.bill_no for b in bills])
    items: list[_Item] = []
    for bill in bills:
        item = _Item(ref=bill.bill_no, amount=quantize_fen(bill.amount))
        items.append(item)
        ent = enterprises.get(bill.uscc)
        known = ent is not None
        item.enterprise_id = ent
        item.checks.append(
            _check(
                "enterprise.exists",
                known,
                bill.uscc,
                None,
                Msg("贴现企业在企业库中", "the enterprise is in the registry")
                if known
                else Msg(
                    f"企业库中没有统一社会信用代码 {bill.uscc}",
                    f"no enterprise with USCC {bill.uscc}",
                ),
            )
        )
        dated = bill.discount_date <= on
        item.checks.append(
            _check(
                "bill.discounted",
                dated,
                bill.discount_date,
                on,
                Msg(f"贴现日期 {bill.discount_date}", f"discounted on {bill.discount_date}")
                if dated
                else Msg(
                    f"贴现日期 {bill.discount_date} 晚于报送日 {on}",
                    f"discounted on {bill.discount_date}, after the submission date {on}",
                ),
            )
        )
        if known:
            assert ent is not None
            item.checks.append(
                _qualification_check(
                    params, quals.get(ent, []), bill.discount_date, Msg("贴现日", "discount date")
                )
            )
        item.checks.append(_rate_check(params, bill.rate, Msg("贴现", "discount")))
        item.checks.append(_amount_check(params, item.amount, _BILL))
        item.checks.append(_not_resubmitted(bill.bill_no, earlier.get(bill.bill_no), _BILL))
    return items


def next_submission_no(
    session: Session, programme: RefinanceProgramme | str, bank_id: int, on: dt.date
) -> str:
    """A free submission number ``RL20240510-12-001`` (``RD`` for rediscount; bank id; sequence)."""
    prog = RefinanceProgramme(programme)
    prefix = f"{'RL' if prog is RefinanceProgramme.RELENDING else 'RD'}{on:%Y%m%d}-{bank_id}-"
    taken = set(
        session.scalars(
            select(RefinanceSubmission.submission_no).where(
                RefinanceSubmission.submission_no.like(f"{prefix}%")
            )
        )
    )
    n = 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def submit(
    *,
    session: Session,
    programme: RefinanceProgramme | str,
    bank_id: int,
    submission_no: str,
    items: Sequence[str] | Sequence[BillRecord],
    on: dt.date,
    actor: str,
) -> RefinanceSubmission:
    """Check every item, count accepted refinancing against the quota, and record the submission.

    Args:
        session: the caller's session (not committed here).
        programme: ``relending`` (items are loan numbers) or ``rediscount`` (items are
            :class:`BillRecord`).
        bank_id: the submitting bank (a loan of a branch belongs to its head office too).
        submission_no: the submission's number (unique).
        items: loan numbers or bill records, in the bank's order (quota is used in that order).
        on: submission date: chooses the parameters in force and the quota year.
        actor: who submits.

    Returns:
        The submission with its items; rejected items have ``eligible`` false, a refinanced
        amount of 0 and the failed checks as reasons.

    Raises:
        NotFound: no such bank, no quota for the year, or no parameters in force on ``on``.
        Conflict: the submission number exists.
        ValidationError: no items, an item repeated, or items of the wrong type.
    """
    prog = RefinanceProgramme(programme)
    params = parameters_on(prog, on)
    bank = _bank(session, bank_id)
    if session.scalar(
        select(RefinanceSubmission.id).where(RefinanceSubmission.submission_no == submission_no)
    ):
        raise Conflict(
            Msg(f"报送批次号 {submission_no} 已存在", f"submission {submission_no} already exists"),
            code="refinance.duplicate_submission_no",
        )
    quota = session.scalar(
        select(RefinanceQuota.quota).where(
            RefinanceQuota.programme == prog,
            RefinanceQuota.bank_id == bank_id,
            RefinanceQuota.year == on.year,
        )
    )
    if quota is None:
        raise NotFound(
            Msg(
                f"{bank.name} 没有 {on.year} 年{prog.label.zh}额度，请先设置额度",
                f"{bank.name} has no {on.year} {prog.label.en} quota; set one first",
            ),
            code="refinance.no_quota",
        )
    if not items:
        raise ValidationError(
            Msg("报送中没有借据或票据", "the submission has no items"), code="refinance.empty"
        )
    relending = prog is RefinanceProgramme.RELENDING
    if relending and not all(isinstance(x, str) for x in items):
        raise ValidationError(
            Msg("再贷款报送的是借据号", "re-lending items are loan numbers"),
            code="refinance.item_type",
        )
    if not relending and not all(isinstance(x, BillRecord) for x in items):
        raise ValidationError(
            Msg("再贴现报送的是票据记录", "rediscount items are bill records"),
            code="refinance.item_type",
        )
    refs = [x if isinstance(x, str) else x.bill_no for x in items]
    repeated = sorted({r for r in refs if refs.count(r) > 1}) if len(set(refs)) != len(refs) else []
    if repeated:
        raise ValidationError(
            Msg(
                f"同一批次中重复报送：{'、'.join(repeated)}",
                f"repeated in this submission: {', '.join(repeated)}",
            ),
            code="refinance.repeated_item",
        )
    if relending:
        checked = _loan_items(session, params, bank_id, [str(x) for x in items], on)
    else:
        checked = _bill_items(session, params, [x for x in items if isinstance(x, BillRecord)], on)

    share, rate = params.share, params.refinancing_rate
    remaining = quota - _used(session, prog, bank_id, on.year)
    submission = RefinanceSubmission(
        submission_no=submission_no,
        programme=prog,
        bank_id=bank_id,
        submitted_on=on,
        submitted_by=actor,
        refinanced_total=Decimal("0.00"),
    )
    total = Decimal("0.00")
    for item in checked:
        refinanced = quantize_fen(item.amount * share.value)
        share_flag, rate_flag = _flag(share), _flag(rate)
        item.checks.append(
            _check(
                "refinance.share",
                True,
                refinanced,
                share.value,
                Msg(
                    f"可再融资金额 = {item.amount:,.2f} × {_pct(share.value)} = {refinanced:,.2f} 元（四舍五入到分）{share_flag.zh}",
                    f"refinanceable = {item.amount:,.2f} × {_pct(share.value)} = {refinanced:,.2f} yuan (rounded half-up to the fen){share_flag.en}",
                ),
                blocking=False,
                parameter=share,
            )
        )
        item.checks.append(
            _check(
                "refinance.rate",
                True,
                rate.value,
                None,
                Msg(
                    f"再融资利率 {_pct(rate.value)}{rate_flag.zh}",
                    f"refinancing rate {_pct(rate.value)}{rate_flag.en}",
                ),
                blocking=False,
                parameter=rate,
            )
        )
        accepted = False
        if item.passes:
            fits = refinanced <= remaining
            item.checks.append(
                _check(
                    "quota.remaining",
                    fits,
                    refinanced,
                    max(remaining, Decimal("0.00")),
                    Msg(
                        f"{on.year} 年剩余额度 {remaining:,.2f} 元，足以覆盖 {refinanced:,.2f} 元",
                        f"{remaining:,.2f} yuan of the {on.year} quota remains, enough for {refinanced:,.2f} yuan",
                    )
                    if fits
                    else Msg(
                        f"额度已用完：{on.year} 年剩余额度 {max(remaining, Decimal('0.00')):,.2f} 元，不足 {refinanced:,.2f} 元",
                        f"quota exhausted: {max(remaining, Decimal('0.00')):,.2f} yuan of the {on.year} quota remains, less than {refinanced:,.2f} yuan",
                    ),
                )
            )
            if fits:
                accepted = True
                remaining -= refinanced
                total += refinanced
        submission.items.append(
            RefinanceItem(
                item_ref=item.ref,
                loan_id=item.loan_id,
                enterprise_id=item.enterprise_id,
                amount=item.amount,
                eligible=accepted,
                refinanced_amount=refinanced if accepted else Decimal("0.00"),
                checks=item.checks,
            )
        )
    submission.refinanced_total = total
    session.add(submission)
    session.flush()
    return submission


def rejection_reasons(item: RefinanceItem) -> list[Msg]:
    """Why an item was rejected: the messages of its failed blocking checks (empty if accepted)."""
    return [
        Msg(c["message_zh"], c["message_en"])
        for c in item.checks
        if c.get("blocking", True) and not c.get("passed")
    ]


def submission_report(*, session: Session, submission_no: str) -> dict[str, Any]:
    """A submission with its items, checks, reasons and the parameters used (JSON-ready).

    Raises:
        NotFound: no such submission.
    """
    sub = session.scalars(
        select(RefinanceSubmission)
        .where(RefinanceSubmission.submission_no == submission_no)
        .options(selectinload(RefinanceSubmission.items))
    ).one_or_none()
    if sub is None:
        raise NotFound(Msg(f"没有报送批次 {submission_no}", f"no submission {submission_no}"))
    bank = session.get(Institution, sub.bank_id)
    params = parameters_on(sub.programme, sub.submitted_on)
    items = sorted(sub.items, key=lambda i: i.id)
    return {
        "submission_no": sub.submission_no,
        "programme": sub.programme.value,
        "programme_label": {"zh": sub.programme.label.zh, "en": sub.programme.label.en},
        "bank_id": sub.bank_id,
        "bank_code": bank.code if bank else None,
        "bank_name": bank.name if bank else None,
        "submitted_on": sub.submitted_on.isoformat(),
        "submitted_by": sub.submitted_by,
        "refinanced_total": str(sub.refinanced_total),
        "items_total": len(items),
        "items_accepted": sum(1 for i in items if i.eligible),
        "items": [
            {
                "item_ref": i.item_ref,
                "loan_id": i.loan_id,
                "enterprise_id": i.enterprise_id,
                "amount": str(i.amount),
                "eligible": i.eligible,
                "refinanced_amount": str(i.refinanced_amount),
                "reasons": [{"zh": m.zh, "en": m.en} for m in rejection_reasons(i)],
                "checks": i.checks,
            }
            for i in items
        ],
        "parameters": [p.as_dict() for p in params.all()],
        "unverified_parameters": [p.as_dict() for p in params.not_confirmed()],
    }
