"""File imports of the credit domain: credit grants, banks' monthly loan reports, ledger events.

``kechuang credit import grants|loans|events FILE`` gives the registry import's guarantees
(:mod:`kechuang.registry.imports`): a CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX file with Chinese
or English headers is read, every row is parsed and checked, references are resolved (USCC →
enterprise, bank code → institution, contract number → grant, loan number → loan) and only then is
anything written, in the caller's transaction. Any error raises
:class:`~kechuang.core.errors.ImportRejected` with every issue (file, row, column, value, rule,
Chinese and English message) and nothing is written; a dry run is the caller's
``unit_of_work(commit=False)``. Re-importing a file changes nothing.

Kinds:

``grants``
    Credit grants (授信), upserted on the contract number; every create and change has a history
    row.
``loans``
    The monthly loan report a bank sends (one row per loan and report month). The first time a
    loan number is seen the loan is created under its grant together with its ``drawdown`` ledger
    event; repayment installments are *not* generated here (a monthly report of a million loans
    would mean tens of millions of rows) — schedules come from the lifecycle drawdown path. A loan
    already known must agree on its contract, drawdown date and principal (the ledger is
    append-only: a different principal is not an update); its maturity date, rate and repayment
    method may change (extension, repricing) and are updated with history. Each row's month-end
    balance is **reconciled** against the ledger — outstanding principal at the last day of the
    report month, from the stored events plus the drawdown this file creates: any difference is a
    ``reconcile.balance_mismatch`` error showing both figures, and the file is rejected. The
    ledger is never adjusted to match a report.
``events``
    Ledger events (drawdown, principal and interest repayments, write-offs, recoveries) with the
    natural key (loan, kind, date, reference). A row whose key is already in the ledger with the
    same amount adds nothing; with another amount it is an error (corrections are new events). A
    principal repayment or write-off larger than the outstanding principal (ledger plus the earlier
    rows of the file) is an error. Loan statuses are not changed by imports.

High volume (a bank's monthly loan file can have a million rows): look-ups are preloaded with one
query each — an index range scan between the smallest and the largest key of the file when the
file has many keys, ``IN`` lists when it has few; ledger balances for reconciliation come from one
aggregate query over the ledger; loans and events are written with plain multi-row ``INSERT``
statements (no per-row ORM objects), and created loans and events get no history row (the import
batch traces them). See ``docs/credit.md`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import Table, case, func, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from kechuang.core import importspec as sp
from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg
from kechuang.core.money import decimal_from_cell
from kechuang.core.periods import Month, parse_period
from kechuang.credit.enums import LedgerKind, LoanStatus, RepaymentMethod, Security
from kechuang.credit.models import CreditGrant, LedgerEvent, Loan
from kechuang.registry import import_kit as kit
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.import_kit import ImportReport, Progress
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.base import utcnow

__all__ = [
    "EVENTS",
    "EVENT_KINDS",
    "GRANTS",
    "LOANS",
    "SPECS",
    "add_months",
    "import_file",
    "parse_rate",
    "spec_for",
]

_FEW_KEYS: Final = 2_000
"""Up to this many distinct keys are looked up with ``IN`` lists; more with one range scan."""
_INSERT_CHUNK: Final = 20_000
"""Rows per multi-row ``INSERT`` call (one progress tick each)."""
_ZERO: Final = Decimal("0.00")
_RATE_QUANTUM: Final = Decimal("1e-8")
_RATE_MAX: Final = Decimal("0.36")
"""Rates above 36% a year are refused as implausible (a typing slip such as 43.5%)."""

# =============================================================================== parsers


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLOW_DATE = sp.date_value()


def _date(value: Any) -> dt.date:
    """A date; ISO text (what bank systems export) takes a fast path, anything else the full parser."""
    if type(value) is str and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass  # 2024-02-30: the full parser words the error
    day: dt.date = _SLOW_DATE(value)
    return day


_PLAIN_AMOUNT = re.compile(r"\d{1,15}(\.\d{1,2})?")
_SLOW_AMOUNT = sp.amount()


def _amount(value: Any) -> Decimal:
    """Money in 元; plain ``1234.56`` takes a fast path, anything else :func:`sp.amount`."""
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)
    amount: Decimal = _SLOW_AMOUNT(value)
    return amount


def _positive_amount(value: Any) -> Decimal:
    amount = _amount(value)
    if amount <= 0:
        raise sp.FieldError("money.positive", Msg("金额须大于 0", "the amount must be above 0"))
    return amount


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_RATE_FORMS = Msg(
    "请写成 4.35% 或 0.0435",
    "write it as 4.35% or 0.0435",
)


def parse_rate(value: Any) -> Decimal:
    """An annual rate as a fraction: ``0.0435``, ``"4.35%"`` (also ``４．３５％``), an Excel percent cell.

    A bare number of 1 or more (``4.35``) is ambiguous — percent or fraction? — and refused, as
    are negative rates, rates above 36% and more than 8 decimals of a fraction.

    Raises:
        FieldError: ``rate.invalid``, ``rate.ambiguous``, ``rate.negative``, ``rate.range`` or
            ``rate.precision``.
    """
    if isinstance(value, bool):
        raise sp.FieldError(
            "rate.invalid",
            Msg(f"利率应为数字，{_RATE_FORMS.zh}", f"a rate must be a number; {_RATE_FORMS.en}"),
        )
    if isinstance(value, int | float | Decimal):
        try:
            rate = decimal_from_cell(value) if isinstance(value, float) else Decimal(value)
        except KechuangError as exc:
            raise sp.FieldError("rate.invalid", exc.message) from exc
        percent = False
    else:
        text = "".join(unicodedata.normalize("NFKC", str(value)).split())
        percent = text.endswith("%")
        number = text[:-1] if percent else text
        if not _NUMBER.fullmatch(number):
            raise sp.FieldError(
                "rate.invalid",
                Msg(f"无法识别的利率，{_RATE_FORMS.zh}", f"not a rate; {_RATE_FORMS.en}"),
            )
        try:
            rate = Decimal(number)
        except InvalidOperation as exc:  # pragma: no cover - the regex guards this
            raise sp.FieldError("rate.invalid", Msg("无法识别的利率", "not a rate")) from exc
        if percent:
            rate = rate / 100
    if rate < 0:
        raise sp.FieldError("rate.negative", Msg("利率不能为负数", "a rate must not be negative"))
    if not percent and rate >= 1:
        raise sp.FieldError(
            "rate.ambiguous",
            Msg(
                f"利率 {value} 含义不明（百分数还是小数？），{_RATE_FORMS.zh}",
                f"rate {value} is ambiguous (percent or fraction?); {_RATE_FORMS.en}",
            ),
        )
    if rate > _RATE_MAX:
        raise sp.FieldError(
            "rate.range",
            Msg(
                f"年利率 {rate:.4%} 超过 36%，请检查是否多写了一位",
                f"an annual rate of {rate:.4%} is above 36%; check for a typing slip",
            ),
        )
    if rate != rate.quantize(_RATE_QUANTUM):
        raise sp.FieldError(
            "rate.precision",
            Msg(
                "利率最多精确到 0.000001%（小数 8 位）",
                "a rate has at most 8 decimals as a fraction",
            ),
        )
    return rate


_MONTH_FAST = re.compile(r"(\d{4})-(\d{2})")


_MONTHS: dict[str, Month] = {}
"""Report months already read (a monthly file repeats one month a million times)."""


def _month(value: Any) -> Month:
    """A report month: ``2024-05``, ``2024/5``, ``2024年5月`` or a date cell (its month)."""
    if type(value) is str and (known := _MONTHS.get(value)) is not None:
        return known
    month = _read_month(value)
    if type(value) is str and len(_MONTHS) < 10_000:
        _MONTHS[value] = month
    return month


def _read_month(value: Any) -> Month:
    if isinstance(value, dt.date):
        return Month(value.year, value.month)
    text = kit.cell_text(value)
    if (m := _MONTH_FAST.fullmatch(text)) and 1 <= int(m.group(2)) <= 12:
        return Month(int(m.group(1)), int(m.group(2)))
    try:
        period = parse_period(text)
    except KechuangError:
        period = None
    if not isinstance(period, Month):
        raise sp.FieldError(
            "month.invalid",
            Msg("报告月份应写成 2024-05 或 2024年5月", "the report month must look like 2024-05"),
        )
    return period


_REPAYMENT = kit.choice(
    RepaymentMethod,
    {
        "等额本息还款": RepaymentMethod.EQUAL_INSTALLMENT,
        "等额本金还款": RepaymentMethod.EQUAL_PRINCIPAL,
        "先息后本": RepaymentMethod.INTEREST_ONLY,
        "按月付息到期还本": RepaymentMethod.INTEREST_ONLY,
        "按季付息到期还本": RepaymentMethod.INTEREST_ONLY,
        "到期还本": RepaymentMethod.INTEREST_ONLY,
        "equal installment": RepaymentMethod.EQUAL_INSTALLMENT,
        "interest only": RepaymentMethod.INTEREST_ONLY,
    },
)
_SECURITY = kit.choice(
    Security,
    {
        "信用": Security.NONE,
        "信用贷款": Security.NONE,
        "无担保": Security.NONE,
        "unsecured": Security.NONE,
        "保证": Security.GUARANTEE,
        "担保": Security.GUARANTEE,
        "保证担保": Security.GUARANTEE,
        "保险": Security.INSURANCE,
        "履约保证保险": Security.INSURANCE,
        "知识产权质押": Security.IP_PLEDGE,
        "质押": Security.IP_PLEDGE,
        "抵押": Security.COLLATERAL,
    },
)

EVENT_KINDS: Final[tuple[LedgerKind, ...]] = (
    LedgerKind.DRAWDOWN,
    LedgerKind.REPAYMENT_PRINCIPAL,
    LedgerKind.REPAYMENT_INTEREST,
    LedgerKind.WRITE_OFF,
    LedgerKind.RECOVERY,
)
"""Ledger kinds a bank reports; compensation money is recorded by the claims workflow."""

_EVENT_KIND = kit.choice(
    LedgerKind,
    {
        "放款": LedgerKind.DRAWDOWN,
        "发放": LedgerKind.DRAWDOWN,
        "还本": LedgerKind.REPAYMENT_PRINCIPAL,
        "归还本金": LedgerKind.REPAYMENT_PRINCIPAL,
        "收回本金": LedgerKind.REPAYMENT_PRINCIPAL,
        "还息": LedgerKind.REPAYMENT_INTEREST,
        "付息": LedgerKind.REPAYMENT_INTEREST,
        "收息": LedgerKind.REPAYMENT_INTEREST,
        "核销": LedgerKind.WRITE_OFF,
        "收回": LedgerKind.RECOVERY,
        "核销收回": LedgerKind.RECOVERY,
    },
    EVENT_KINDS,
)


_PRODUCT_KEY = kit.key(Msg("产品代码", "product key"), "sci_tech_performance_loan")
_BANK_CODE = sp.code(r"[0-9A-Z][0-9A-Z._\-]{0,31}", Msg("银行机构代码", "bank code"), "BOC-SH")
_CONTRACT_NO = kit.reference(Msg("合同编号", "contract number"), 60)
_LOAN_NO = kit.reference(Msg("借据号", "loan number"), 60)
_TXN_REF = kit.reference(Msg("流水号", "reference"), 80)


# =============================================================================== specs


_RATE_DESC = Msg("年利率，写成 4.35% 或 0.0435", "annual rate: 4.35% or 0.0435")
_REPAYMENT_DESC = Msg(
    "等额本息 / 等额本金 / 按期付息到期还本", "equal_installment / equal_principal / interest_only"
)

GRANTS = sp.ImportSpec(
    kind="grants",
    label=Msg("授信", "credit grants"),
    key=("contract_no",),
    columns=(
        kit.column(
            "contract_no",
            "合同编号",
            "Contract no",
            _CONTRACT_NO,
            Msg("授信合同编号", "credit contract number"),
            "BOC-SH-2024-0001",
            required=True,
            aliases=("授信合同编号", "合同号", "contract number"),
        ),
        kit.column(
            "uscc",
            "统一社会信用代码",
            "USCC",
            sp.uscc(),
            Msg("借款企业的统一社会信用代码", "borrower's USCC"),
            "91310115MA1H7XXXX0",
            required=True,
            aliases=("社会信用代码", "信用代码"),
        ),
        kit.column(
            "product_key",
            "产品",
            "Product",
            _PRODUCT_KEY,
            Msg("信贷产品代码", "credit product key"),
            "sci_tech_performance_loan",
            required=True,
            aliases=("产品代码", "product key"),
        ),
        kit.column(
            "bank_code",
            "银行机构代码",
            "Bank code",
            _BANK_CODE,
            Msg("授信银行的机构代码", "institution code of the bank"),
            "BOC-SH",
            required=True,
            aliases=("银行代码", "机构代码", "bank"),
        ),
        kit.column(
            "amount",
            "授信金额",
            "Amount",
            _positive_amount,
            Msg(
                "授信金额，单位元（表头写“授信金额（万元）”则按万元）",
                "granted amount in yuan (header 'Amount (万元)' means 10k yuan)",
            ),
            "5000000",
            required=True,
            money=True,
            aliases=("授信额度",),
        ),
        kit.column(
            "granted_on",
            "授信日期",
            "Granted on",
            _date,
            Msg("授信（合同签订）日期", "date granted"),
            "2024-03-15",
            required=True,
            aliases=("合同日期", "grant date"),
        ),
        kit.column(
            "term_months",
            "期限（月）",
            "Term (months)",
            sp.integer(minimum=1),
            Msg("授信期限，月", "term in months"),
            12,
            required=True,
            aliases=("期限", "授信期限", "term months", "term"),
        ),
        kit.column(
            "annual_rate",
            "年利率",
            "Annual rate",
            parse_rate,
            _RATE_DESC,
            "4.35%",
            required=True,
            aliases=("利率", "rate"),
        ),
        kit.column(
            "repayment_method",
            "还款方式",
            "Repayment method",
            _REPAYMENT,
            _REPAYMENT_DESC,
            "等额本息",
            required=True,
            aliases=("repayment",),
        ),
        kit.column(
            "security",
            "担保方式",
            "Security",
            _SECURITY,
            Msg(
                "信用 / 保证 / 履约保证保险 / 知识产权质押 / 抵押",
                "none / guarantee / insurance / ip_pledge / collateral",
            ),
            "信用",
            required=True,
            aliases=("担保类型",),
        ),
        kit.column(
            "first_loan",
            "首贷",
            "First loan",
            sp.boolean(),
            Msg("是否首贷户（是/否，默认否）", "first bank loan ever (yes/no, default no)"),
            "否",
            aliases=("是否首贷", "首贷户"),
        ),
        kit.column(
            "premium_paid",
            "保费",
            "Premium paid",
            sp.amount(),
            Msg("实际缴纳的履约保证保险保费，元", "insurance premium actually paid, yuan"),
            "",
            money=True,
            aliases=("实缴保费",),
        ),
        kit.column(
            "guarantee_fee_paid",
            "担保费",
            "Guarantee fee paid",
            sp.amount(),
            Msg("实际缴纳的担保费，元", "guarantee fee actually paid, yuan"),
            "",
            money=True,
            aliases=("实缴担保费",),
        ),
        kit.column(
            "conditions",
            "条件",
            "Conditions",
            sp.text(2000),
            Msg("授信条件，可空", "conditions, optional"),
            "",
            aliases=("授信条件",),
        ),
    ),
)

LOANS = sp.ImportSpec(
    kind="loans",
    label=Msg("贷款（银行月报）", "loans (banks' monthly report)"),
    key=("loan_no", "report_month"),
    columns=(
        kit.column(
            "loan_no",
            "借据号",
            "Loan no",
            _LOAN_NO,
            Msg("借据编号", "loan (IOU) number"),
            "BOC-L-000001",
            required=True,
            aliases=("借据编号", "loan number"),
        ),
        kit.column(
            "contract_no",
            "合同编号",
            "Contract no",
            _CONTRACT_NO,
            Msg("所属授信合同编号（须已导入）", "contract number of the grant (imported first)"),
            "BOC-SH-2024-0001",
            required=True,
            aliases=("授信合同编号", "合同号", "contract number"),
        ),
        kit.column(
            "drawdown_date",
            "放款日期",
            "Drawdown date",
            _date,
            Msg("放款日期", "date drawn"),
            "2024-04-01",
            required=True,
            aliases=("发放日期", "drawdown"),
        ),
        kit.column(
            "principal",
            "放款金额",
            "Principal",
            _positive_amount,
            Msg("放款金额，元", "amount drawn, yuan"),
            "1000000",
            required=True,
            money=True,
            aliases=("发放金额", "借据金额", "amount"),
        ),
        kit.column(
            "maturity_date",
            "到期日",
            "Maturity date",
            _date,
            Msg("到期日", "maturity date"),
            "2025-04-01",
            required=True,
            aliases=("到期日期", "maturity"),
        ),
        kit.column(
            "annual_rate",
            "年利率",
            "Annual rate",
            parse_rate,
            _RATE_DESC,
            "3.85%",
            required=True,
            aliases=("执行利率", "利率", "rate"),
        ),
        kit.column(
            "repayment_method",
            "还款方式",
            "Repayment method",
            _REPAYMENT,
            _REPAYMENT_DESC,
            "按期付息到期还本",
            required=True,
            aliases=("repayment",),
        ),
        kit.column(
            "report_month",
            "报告月份",
            "Report month",
            _month,
            Msg("报送所属月份，如 2024-05", "month reported, e.g. 2024-05"),
            "2024-04",
            required=True,
            aliases=("报送月份", "所属月份", "month"),
        ),
        kit.column(
            "month_end_balance",
            "月末余额",
            "Month-end balance",
            _amount,
            Msg(
                "报告月份末的贷款余额，元（与台账核对）",
                "outstanding principal at the month's end, yuan (reconciled with the ledger)",
            ),
            "1000000",
            required=True,
            money=True,
            aliases=("贷款余额", "余额", "balance"),
        ),
    ),
)

EVENTS = sp.ImportSpec(
    kind="events",
    label=Msg("贷款流水", "loan ledger events"),
    key=("loan_no", "kind", "event_date", "reference"),
    columns=(
        kit.column(
            "loan_no",
            "借据号",
            "Loan no",
            _LOAN_NO,
            Msg("借据编号（须已导入）", "loan number (imported first)"),
            "BOC-L-000001",
            required=True,
            aliases=("借据编号", "loan number"),
        ),
        kit.column(
            "kind",
            "类型",
            "Kind",
            _EVENT_KIND,
            Msg(
                "放款 / 归还本金 / 支付利息 / 核销 / 核销后收回",
                "drawdown / repayment_principal / repayment_interest / write_off / recovery",
            ),
            "归还本金",
            required=True,
            aliases=("交易类型", "事件类型"),
        ),
        kit.column(
            "event_date",
            "日期",
            "Date",
            _date,
            Msg("交易日期", "transaction date"),
            "2024-05-20",
            required=True,
            aliases=("交易日期", "event date"),
        ),
        kit.column(
            "amount",
            "金额",
            "Amount",
            _positive_amount,
            Msg("金额，元", "amount, yuan"),
            "100000",
            required=True,
            money=True,
            aliases=("交易金额",),
        ),
        kit.column(
            "reference",
            "流水号",
            "Reference",
            _TXN_REF,
            Msg("银行交易流水号", "bank transaction reference"),
            "TXN202405200001",
            required=True,
            aliases=("交易流水号", "ref"),
        ),
    ),
)

SPECS: dict[str, sp.ImportSpec] = {s.kind: s for s in (GRANTS, LOANS, EVENTS)}
"""Import kinds by name, in the order a bank's data is loaded."""


def spec_for(kind: str) -> sp.ImportSpec:
    """The import spec of ``kind``; ``KeyError`` if unknown."""
    return SPECS[kind]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the month's last day if needed."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


# =============================================================================== context


Writer = kit.Writer[kit.ImportContext]


def _id_filters(column: InstrumentedAttribute[int], ids: Sequence[int]) -> list[list[Any]]:
    """``WHERE`` clauses, one list per query, selecting sorted ``ids``.

    Few ids: ``IN`` lists of :data:`_CHUNK`; many: one indexed range between the smallest and the
    largest (the caller keeps the rows it asked for).
    """
    if len(ids) <= _FEW_KEYS:
        return [[column.in_(chunk)] for chunk in kit.chunks(ids)]
    return [[column.between(ids[0], ids[-1])]]


def _yuan(d: Decimal) -> str:
    return f"{d:,.2f}"


# =============================================================================== grants


def _prepare_grants(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    enterprises = kit.preload(
        session,
        Enterprise.uscc,
        [Enterprise.id],
        (r.values["uscc"] for r in rows),
        range_scan_above=_FEW_KEYS,
    )
    banks = {
        code: (ident, kind)
        for code, ident, kind in session.execute(
            select(Institution.code, Institution.id, Institution.kind)
        )
    }
    payload: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        ent = enterprises.get(v["uscc"])
        if ent is None:
            ctx.unknown_enterprise(r, "uscc")
        bank = banks.get(v["bank_code"])
        if bank is None:
            ctx.issue(
                r,
                "bank_code",
                "import.unknown_bank",
                Msg(
                    "机构库中没有该银行机构代码，请先导入机构",
                    "no institution with this code; import the institution first",
                ),
            )
        elif bank[1] is not InstitutionKind.BANK:
            ctx.issue(
                r,
                "bank_code",
                "import.not_a_bank",
                Msg(
                    f"该机构不是银行（{bank[1].label.zh}）",
                    f"this institution is not a bank ({bank[1].label.en})",
                ),
            )
        if ent is None or bank is None:
            continue
        item: dict[str, Any] = {k: val for k, val in v.items() if k not in ("uscc", "bank_code")}
        item["enterprise_id"] = ent.id
        item["bank_id"] = bank[0]
        item["expires_on"] = add_months(v["granted_on"], v["term_months"])
        if "first_loan" in item and item["first_loan"] is None:
            item["first_loan"] = False
        payload.append(item)

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        res = ctx.upsert(
            CreditGrant,
            payload,
            key=("contract_no",),
            progress=kit.write_tick(progress, len(payload)),
        )
        kit.set_counts(report, res)

    return write


# =============================================================================== loans

_IMMUTABLE: Final = (
    ("contract_no", Msg("合同编号", "contract number")),
    ("drawdown_date", Msg("放款日期", "drawdown date")),
    ("principal", Msg("放款金额", "principal")),
)
_MUTABLE: Final = ("maturity_date", "annual_rate", "repayment_method")
_PRINCIPAL_KINDS: Final = (
    LedgerKind.DRAWDOWN,
    LedgerKind.REPAYMENT_PRINCIPAL,
    LedgerKind.WRITE_OFF,
)


def _ledger_outstanding(
    session: Session, loan_ids: Sequence[int], month_ends: Sequence[dt.date]
) -> dict[tuple[int, dt.date], Decimal]:
    """Outstanding principal of each loan at each month end, from one aggregate ledger query."""
    out: dict[tuple[int, dt.date], Decimal] = {}
    if not loan_ids or not month_ends:
        return out
    e = LedgerEvent
    sums = [func.sum(case((e.event_date <= day, e.amount), else_=None)) for day in month_ends]
    wanted = set(loan_ids)
    ids = sorted(wanted)
    for where in _id_filters(e.loan_id, ids):
        stmt = (
            select(e.loan_id, e.kind, *sums)
            .where(e.kind.in_(_PRINCIPAL_KINDS), *where)
            .group_by(e.loan_id, e.kind)
        )
        for loan_id, kind, *amounts in session.execute(stmt):
            if loan_id not in wanted:
                continue
            sign = 1 if kind is LedgerKind.DRAWDOWN else -1
            for day, amount in zip(month_ends, amounts, strict=True):
                if amount is not None:
                    k = (loan_id, day)
                    out[k] = out.get(k, _ZERO) + sign * amount
    return out


def _drawn_under(session: Session, grant_ids: Sequence[int]) -> dict[int, Decimal]:
    """Principal already drawn under each grant (one aggregate query over the loans)."""
    out: dict[int, Decimal] = defaultdict(lambda: _ZERO)
    if not grant_ids:
        return out
    wanted = set(grant_ids)
    for where in _id_filters(Loan.grant_id, grant_ids):
        for grant_id, total in session.execute(
            select(Loan.grant_id, func.sum(Loan.principal)).where(*where).group_by(Loan.grant_id)
        ):
            if grant_id in wanted:
                out[grant_id] = total
    return out


def _prepare_loans(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    g = CreditGrant
    grants = kit.preload(
        session,
        g.contract_no,
        [
            g.id,
            g.enterprise_id,
            g.bank_id,
            g.product_key,
            g.amount,
            g.granted_on,
            g.expires_on,
            g.cancelled_on,
            g.first_loan,
            g.security,
        ],
        (r.values["contract_no"] for r in rows),
        range_scan_above=_FEW_KEYS,
    )
    ln = Loan
    known = kit.preload(
        session,
        ln.loan_no,
        [ln.id, ln.grant_id, ln.principal, ln.drawdown_date, *(getattr(ln, f) for f in _MUTABLE)],
        (r.values["loan_no"] for r in rows),
        range_scan_above=_FEW_KEYS,
    )
    contract_of = {row.id: no for no, row in grants.items()}
    missing_grants = {row.grant_id for row in known.values()} - set(contract_of)
    if missing_grants:  # a known loan whose grant the file does not name (its contract changed)
        contract_of.update(
            session.execute(
                select(g.id, g.contract_no).where(g.id.in_(sorted(missing_grants)))
            ).all()
        )

    drawn_under = _drawn_under(session, sorted(row.id for row in grants.values()))
    month_ends = sorted({r.values["report_month"].end for r in rows})
    balances = _ledger_outstanding(session, sorted(k.id for k in known.values()), month_ends)

    new_loans: dict[str, sp.ParsedRow] = {}
    """First row of each loan the ledger does not know yet."""
    updates: dict[str, dict[str, Any]] = {}
    unchanged: set[str] = set()
    for r in rows:
        v = r.values
        no: str = v["loan_no"]
        grant = grants.get(v["contract_no"])
        if grant is None:
            ctx.issue(
                r,
                "contract_no",
                "import.unknown_grant",
                Msg(
                    "没有该合同编号的授信，请先导入授信（grants）",
                    "no credit grant with this contract number; import the grants first",
                ),
            )
            continue
        drawn: dt.date = v["drawdown_date"]
        month_end: dt.date = v["report_month"].end
        ok = True
        if v["maturity_date"] <= drawn:
            ctx.issue(
                r,
                "maturity_date",
                "loan.maturity_before_drawdown",
                Msg("到期日须晚于放款日期", "the maturity date must be after the drawdown date"),
            )
            ok = False
        if drawn > month_end:
            ctx.issue(
                r,
                "drawdown_date",
                "loan.drawn_after_report_month",
                Msg(
                    f"放款日期晚于报告月份末（{month_end}）",
                    f"drawn after the end of the report month ({month_end})",
                ),
            )
            ok = False
        stored = known.get(no)
        if stored is None:
            if drawn < grant.granted_on:
                ctx.issue(
                    r,
                    "drawdown_date",
                    "loan.before_grant",
                    Msg(
                        f"放款日期早于授信日期 {grant.granted_on}",
                        f"drawn before the grant date {grant.granted_on}",
                    ),
                )
                ok = False
            if drawn > grant.expires_on:
                ctx.issue(
                    r,
                    "drawdown_date",
                    "loan.after_grant",
                    Msg(
                        f"放款日期晚于授信到期日 {grant.expires_on}",
                        f"drawn after the grant expired on {grant.expires_on}",
                    ),
                )
                ok = False
            if grant.cancelled_on is not None and drawn >= grant.cancelled_on:
                ctx.issue(
                    r,
                    "drawdown_date",
                    "loan.grant_cancelled",
                    Msg(
                        f"授信已于 {grant.cancelled_on} 取消，不能放款",
                        f"the grant was cancelled on {grant.cancelled_on}; no drawdowns",
                    ),
                )
                ok = False
            first = new_loans.get(no)
            if first is None:
                new_loans[no] = r
                before = drawn_under[grant.id]
                if before + v["principal"] > grant.amount:
                    ctx.issue(
                        r,
                        "principal",
                        "loan.exceeds_grant",
                        Msg(
                            f"超出授信额度：授信 {_yuan(grant.amount)} 元，已放款 {_yuan(before)} 元（含本文件此前各行），本笔 {_yuan(v['principal'])} 元",
                            f"exceeds the grant: {_yuan(grant.amount)} yuan granted, {_yuan(before)} yuan already drawn (including earlier rows of this file), this loan {_yuan(v['principal'])} yuan",
                        ),
                    )
                    ok = False
                elif ok:  # a rejected row does not use up the grant in the messages that follow
                    drawn_under[grant.id] = before + v["principal"]
            else:
                ok = (
                    _same_loan(ctx, r, first.values, f"第 {first.row} 行", f"row {first.row}")
                    and ok
                )
            ledger = v["principal"] if drawn <= month_end else _ZERO
        else:
            stored_values = {
                "contract_no": contract_of.get(stored.grant_id),
                "drawdown_date": stored.drawdown_date,
                "principal": stored.principal,
            }
            ok = _same_loan(ctx, r, stored_values, "库中记录", "the stored loan") and ok
            changes = {f: v[f] for f in _MUTABLE if v[f] != getattr(stored, f)}
            if changes:
                earlier = updates.get(no)
                if earlier is not None and any(earlier[f] != v[f] for f in _MUTABLE):
                    ctx.issue(
                        r,
                        "maturity_date",
                        "loan.inconsistent_rows",
                        Msg(
                            "同一借据在本文件中的到期日、利率或还款方式不一致",
                            "rows of this loan disagree on maturity, rate or repayment method",
                        ),
                    )
                    ok = False
                updates[no] = {"loan_no": no, **{f: v[f] for f in _MUTABLE}}
            else:
                unchanged.add(no)
            ledger = balances.get((stored.id, month_end), _ZERO)
        if ok and stored is None and _ZERO <= v["month_end_balance"] < ledger:
            # A loan drawn and partly repaid in the same month: its repayments can only be
            # imported once the loan exists. Not a mismatch yet — reconciled on re-import.
            ctx.issues.append(
                sp.row_issue(
                    ctx.file,
                    r,
                    "month_end_balance",
                    "reconcile.pending",
                    Msg(
                        f"新借据当月已有还款：台账仅有放款 {_yuan(ledger)} 元，报送月末余额 {_yuan(v['month_end_balance'])} 元。请导入本月流水（kechuang credit import events）后再次导入本文件完成对账",
                        f"new loan repaid within its first month: the ledger holds only the drawdown ({_yuan(ledger)} yuan), reported {_yuan(v['month_end_balance'])} yuan. Import this month's events (kechuang credit import events), then import this file again to reconcile",
                    ),
                    severity="warning",
                )
            )
        elif ok and ledger != v["month_end_balance"]:
            hint_zh = (
                "；新借据台账中只有本次放款，首次报送的月末余额应等于放款金额"
                if stored is None
                else ""
            )
            hint_en = (
                "; a new loan's ledger holds only its drawdown, so its first report shows the full principal"
                if stored is None
                else ""
            )
            ctx.issue(
                r,
                "month_end_balance",
                "reconcile.balance_mismatch",
                Msg(
                    f"对账不符：台账 {month_end} 余额 {_yuan(ledger)} 元，报送月末余额 {_yuan(v['month_end_balance'])} 元，差额 {_yuan(v['month_end_balance'] - ledger)} 元（不会用报送数覆盖台账）{hint_zh}",
                    f"reconciliation failed: ledger balance on {month_end} is {_yuan(ledger)} yuan, reported {_yuan(v['month_end_balance'])} yuan, difference {_yuan(v['month_end_balance'] - ledger)} yuan (the ledger is never overwritten){hint_en}",
                ),
            )
    if ctx.failed:
        return kit.nothing

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        session = ctx.session
        now = utcnow()
        total = len(new_loans) + len(updates)
        tick = kit.write_tick(progress, total)
        loan_table = cast(Table, Loan.__table__)
        event_table = cast(Table, LedgerEvent.__table__)
        stmt = insert(loan_table).returning(loan_table.c.id, loan_table.c.loan_no)
        firsts = list(new_loans.values())
        done = 0
        for chunk in kit.chunks(firsts, _INSERT_CHUNK):
            loans_payload = []
            for r in chunk:
                v = r.values
                grant = grants[v["contract_no"]]
                loans_payload.append(
                    {
                        "loan_no": v["loan_no"],
                        "grant_id": grant.id,
                        "enterprise_id": grant.enterprise_id,
                        "bank_id": grant.bank_id,
                        "product_key": grant.product_key,
                        "principal": v["principal"],
                        "drawdown_date": v["drawdown_date"],
                        "maturity_date": v["maturity_date"],
                        "annual_rate": v["annual_rate"],
                        "repayment_method": v["repayment_method"],
                        "status": LoanStatus.CURRENT,
                        "status_since": v["drawdown_date"],
                        "first_loan": bool(grant.first_loan),
                        "unsecured": grant.security is Security.NONE,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            ids = {no: ident for ident, no in session.execute(stmt, loans_payload)}
            session.execute(
                insert(event_table),
                [
                    {
                        "loan_id": ids[r.values["loan_no"]],
                        "kind": LedgerKind.DRAWDOWN,
                        "event_date": r.values["drawdown_date"],
                        "amount": r.values["principal"],
                        "reference": None,
                        "recorded_by": ctx.actor,
                        "recorded_at": now,
                        "batch_id": ctx.batch_id,
                    }
                    for r in chunk
                ],
            )
            done += len(chunk)
            tick(done)
        if updates:
            res = ctx.upsert(
                Loan,
                list(updates.values()),
                key=("loan_no",),
            )
            report.updated = res.updated
        report.created = len(new_loans)
        report.unchanged = len(unchanged - set(updates))
        tick(total)

    return write


def _same_loan(
    ctx: kit.ImportContext, r: sp.ParsedRow, other: dict[str, Any], where_zh: str, where_en: str
) -> bool:
    """Report fields of row ``r`` that differ from ``other`` (the stored loan or an earlier row)."""
    ok = True
    for f, label in _IMMUTABLE:
        if r.values[f] != other[f]:
            ctx.issue(
                r,
                f,
                "loan.immutable_changed",
                Msg(
                    f"{label.zh}与{where_zh}（{other[f]}）不一致：借据的合同、放款日期和金额不能更改（台账只追加，更正请录入流水）",
                    f"{label.en} differs from {where_en} ({other[f]}): a loan's contract, drawdown date and principal cannot change (the ledger is append-only; correct it with events)",
                ),
            )
            ok = False
    return ok


# =============================================================================== events


def _prepare_events(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    ln = Loan
    loans = kit.preload(
        session,
        ln.loan_no,
        [ln.id, ln.drawdown_date, ln.principal],
        (r.values["loan_no"] for r in rows),
        range_scan_above=_FEW_KEYS,
    )
    ids = sorted({row.id for row in loans.values()})
    e = LedgerEvent
    # Balances (all dates) and whether anything was written off, per loan: one aggregate query.
    drawn: dict[int, Decimal] = defaultdict(lambda: _ZERO)
    reduced: dict[int, Decimal] = defaultdict(lambda: _ZERO)
    has_drawdown: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    written_off: set[int] = set()
    existing: dict[tuple[int, LedgerKind, dt.date, str | None], Decimal] = {}
    latest: dict[int, dt.date] = {}
    """Date of each loan's latest stored event: the ledger is appended in date order."""
    wanted = set(ids)
    days = [r.values["event_date"] for r in rows]
    for where in _id_filters(e.loan_id, ids):
        for loan_id, stored_kind, total, last in session.execute(
            select(e.loan_id, e.kind, func.sum(e.amount), func.max(e.event_date))
            .where(*where)
            .group_by(e.loan_id, e.kind)
        ):
            if loan_id not in wanted:
                continue
            if loan_id not in latest or last > latest[loan_id]:
                latest[loan_id] = last
            if stored_kind is LedgerKind.DRAWDOWN:
                drawn[loan_id] += total
            elif stored_kind in (LedgerKind.REPAYMENT_PRINCIPAL, LedgerKind.WRITE_OFF):
                reduced[loan_id] += total
            if stored_kind is LedgerKind.WRITE_OFF:
                written_off.add(loan_id)
        # Natural keys already in the ledger within the file's dates, and every drawdown.
        for loan_id, stored_kind, stored_day, ref, stored_amount in session.execute(
            select(e.loan_id, e.kind, e.event_date, e.reference, e.amount).where(
                *where,
                e.event_date.between(min(days), max(days)) | (e.kind == LedgerKind.DRAWDOWN),
            )
        ):
            if loan_id not in wanted:
                continue
            existing[(loan_id, stored_kind, stored_day, ref)] = stored_amount
            if stored_kind is LedgerKind.DRAWDOWN:
                has_drawdown[loan_id].append((stored_day, stored_amount))

    new_events: list[dict[str, Any]] = []
    unchanged = 0
    first_issue = len(ctx.issues)
    ordered = sorted(rows, key=lambda r: (r.values["loan_no"], r.values["event_date"], r.row))
    for r in ordered:
        v = r.values
        loan = loans.get(v["loan_no"])
        if loan is None:
            ctx.issue(
                r,
                "loan_no",
                "import.unknown_loan",
                Msg(
                    "没有该借据号的贷款，请先导入贷款（loans）",
                    "no loan with this number; import the loans first",
                ),
            )
            continue
        kind: LedgerKind = v["kind"]
        day: dt.date = v["event_date"]
        amount: Decimal = v["amount"]
        stored = existing.get((loan.id, kind, day, v["reference"]))
        if stored is not None:
            if stored != amount:
                ctx.issue(
                    r,
                    "amount",
                    "event.conflict",
                    Msg(
                        f"台账中已有同一借据、类型、日期和流水号的记录，金额为 {_yuan(stored)} 元：台账只追加，不能修改",
                        f"the ledger already has this loan, kind, date and reference with {_yuan(stored)} yuan; the ledger is append-only",
                    ),
                )
            else:
                unchanged += 1
            continue
        if day < loan.drawdown_date:
            ctx.issue(
                r,
                "event_date",
                "event.before_drawdown",
                Msg(
                    f"日期早于放款日期 {loan.drawdown_date}",
                    f"dated before the drawdown on {loan.drawdown_date}",
                ),
            )
            continue
        if kind is LedgerKind.DRAWDOWN:
            draws = has_drawdown[loan.id]
            if (day, amount) in draws:
                unchanged += 1  # the drawdown the loans import recorded, reported again by the bank
                continue
            if draws or (day, amount) != (loan.drawdown_date, loan.principal):
                ctx.issue(
                    r,
                    "amount",
                    "event.second_drawdown",
                    Msg(
                        f"该借据已于 {loan.drawdown_date} 放款 {_yuan(loan.principal)} 元：一笔借据只有一次放款",
                        f"this loan was drawn on {loan.drawdown_date} for {_yuan(loan.principal)} yuan; a loan has one drawdown",
                    ),
                )
                continue
            draws.append((day, amount))
            drawn[loan.id] += amount
        elif kind in (LedgerKind.REPAYMENT_PRINCIPAL, LedgerKind.WRITE_OFF):
            outstanding = drawn[loan.id] - reduced[loan.id]
            if amount > outstanding:
                what = (
                    Msg("还本金额", "principal repayment")
                    if kind is LedgerKind.REPAYMENT_PRINCIPAL
                    else Msg("核销金额", "write-off")
                )
                ctx.issue(
                    r,
                    "amount",
                    "event.exceeds_outstanding",
                    Msg(
                        f"{what.zh} {_yuan(amount)} 元超过未偿本金 {_yuan(outstanding)} 元（台账加本文件此前各行）",
                        f"{what.en} of {_yuan(amount)} yuan exceeds the outstanding principal of {_yuan(outstanding)} yuan (ledger plus earlier rows of this file)",
                    ),
                )
                continue
            reduced[loan.id] += amount
            if kind is LedgerKind.WRITE_OFF:
                written_off.add(loan.id)
        elif kind is LedgerKind.RECOVERY and loan.id not in written_off:
            ctx.issue(
                r,
                "kind",
                "event.recovery_without_write_off",
                Msg(
                    "该借据没有核销记录，不能有核销后收回",
                    "a recovery needs an earlier write-off of this loan",
                ),
                value=kind.label.zh,
            )
            continue
        newest = latest.get(loan.id)
        if newest is not None and day < newest:
            ctx.issue(
                r,
                "event_date",
                "event.backdated",
                Msg(
                    f"日期早于该借据台账中最近一笔事件的日期 {newest}：台账按日期顺序追加",
                    f"dated before the loan's latest ledger event on {newest}: the ledger is appended in date order",
                ),
            )
            continue
        new_events.append(
            {
                "loan_id": loan.id,
                "kind": kind,
                "event_date": day,
                "amount": amount,
                "reference": v["reference"],
            }
        )
    # rows were checked loan by loan in date order; report them in file order
    ctx.issues[first_issue:] = sorted(ctx.issues[first_issue:], key=lambda i: i.row or 0)
    if ctx.failed:
        return kit.nothing

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        now = utcnow()
        tick = kit.write_tick(progress, len(new_events))
        table = cast(Table, LedgerEvent.__table__)
        done = 0
        for chunk in kit.chunks(new_events, _INSERT_CHUNK):
            ctx.session.execute(
                insert(table),
                [
                    {**ev, "recorded_by": ctx.actor, "recorded_at": now, "batch_id": ctx.batch_id}
                    for ev in chunk
                ],
            )
            done += len(chunk)
            tick(done)
        report.created, report.unchanged = len(new_events), unchanged

    return write


_PREPARE: dict[str, Callable[[kit.ImportContext, list[sp.ParsedRow]], Writer]] = {
    "grants": _prepare_grants,
    "loans": _prepare_loans,
    "events": _prepare_events,
}


# =============================================================================== entry point


def import_file(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str = "cli",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one credit file of ``kind``, all or nothing.

    Args:
        session: the caller's session; the caller commits (or, for a dry run, rolls back).
        kind: ``grants``, ``loans`` or ``events`` (:data:`SPECS`).
        path: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX file.
        actor: who imports (history, ``LedgerEvent.recorded_by``).
        dry_run: mark the report as a dry run (the caller must roll back).
        progress: optional callback ``(stage, done, total)``.

    Raises:
        KeyError: unknown ``kind``.
        ImportRejected: with every issue when any row has an error (including reconciliation
            mismatches); nothing is written.
    """
    return kit.import_prepared(
        session=session,
        kind=kind,
        spec=SPECS[kind],
        path=Path(path),
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        context=kit.ImportContext,
        prepare=_PREPARE[kind],
        batch_kind=f"credit-{kind}",
        source=f"credit import {kind}",
    )
