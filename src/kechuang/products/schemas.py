"""Pydantic schemas of the product catalogue (``products/data/*_products.yaml``).

A :class:`Product` (a credit product, a re-lending or rediscount programme, …) is open from
``valid_from`` to ``valid_to`` (inclusive) and carries dated versions of its :class:`ProductTerms`;
a version is in force from its ``valid_from`` until the next version starts (OpenFisca-style, as
in :mod:`kechuang.standards.params`: versions are added, never edited away).

Every term is *sourced*: it carries a ``reference`` (document number and article, or where the
figure comes from) and a ``status`` following the tags of RULES.md:

* ``confirmed`` — seen in a public copy of the official text or an official statement;
* ``unverified`` — from a secondary source or memory; shown as **参数待核实 / unverified**;
* ``illustrative`` — no source found: demo configuration, never law; shown as
  **示例参数，非正式条款 / illustrative** and it must say why in ``note``.

Value syntax in YAML (exact, never floats): money in 元 as text or integers, with an optional
unit (``"1000万"``, ``"500万元"``, ``"2亿"``, ``"300000"``); rates and shares as percentages or
decimals (``"4.35%"``, ``"0.0435"``, ``"1/2"``); spreads may also be basis points (``"+50bp"``).

Products sit beside the credit domain in the layer order, so names of repayment methods and
security kinds are mirrored here as literals (``tests/products`` checks they match
:mod:`kechuang.credit.enums`); qualification kinds and size classes come from the registry.
Insurance products (``kind: insurance``) likewise name their ``line`` and what they insure with
literals mirroring :mod:`kechuang.insurance.enums` (``tests/insurance`` checks they match).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any, Final, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Lang, Msg, current_lang
from kechuang.core.money import D, format_amount, is_fen_exact, quantize_fen, unit_factor
from kechuang.registry.enums import QualificationKind, SizeClass
from kechuang.registry.reference import district_name, districts

__all__ = [
    "BORROWERS",
    "FACTS",
    "FUND_STAGES",
    "INSURANCE_LINES",
    "INSURED_OBJECTS",
    "PRIORITIES",
    "QUALIFICATION_KEYS",
    "REPAYMENT_METHODS",
    "SECURITY_KINDS",
    "STATUS_FLAGS",
    "SUBSIDY_CONDITIONS",
    "Eligibility",
    "FactCondition",
    "Pricing",
    "Product",
    "ProductKind",
    "ProductState",
    "ProductTerms",
    "Ratio",
    "SecurityRequirement",
    "Sourced",
    "SubsidyKind",
    "SubsidyRule",
    "Term",
    "TermLine",
    "TermStatus",
    "Yuan",
    "describe_terms",
    "parse_ratio",
    "parse_yuan",
]

T = TypeVar("T")

TermStatus = Literal["confirmed", "unverified", "illustrative"]
"""How sure a term is (RULES.md tags): confirmed law, unverified, or illustrative demo value."""

ProductState = Literal["scheduled", "open", "closed"]
"""A product on a date: not yet open, open, or closed."""

STATUS_FLAGS: Final[dict[str, Msg]] = {
    "confirmed": Msg("已核实", "confirmed"),
    "unverified": Msg("参数待核实", "unverified"),
    "illustrative": Msg("示例参数，非正式条款", "illustrative"),
}
"""How each status is shown to users."""


@labels(
    {
        "credit": Msg("科技信贷产品", "credit product"),
        "relending": Msg("再贷款", "re-lending"),
        "rediscount": Msg("再贴现", "rediscount"),
        "insurance": Msg("科技保险产品", "insurance product"),
        "fund": Msg("基金", "fund"),
        "subsidy": Msg("补贴政策", "subsidy scheme"),
    }
)
class ProductKind(LabelledEnum):
    """What a catalogue entry is."""

    CREDIT = "credit"
    RELENDING = "relending"
    REDISCOUNT = "rediscount"
    INSURANCE = "insurance"
    FUND = "fund"
    SUBSIDY = "subsidy"


@labels(
    {
        "interest_subsidy": Msg("贴息", "interest subsidy"),
        "premium_subsidy": Msg("保费补贴", "premium subsidy"),
        "guarantee_fee_subsidy": Msg("担保费补贴", "guarantee-fee subsidy"),
    }
)
class SubsidyKind(LabelledEnum):
    """What a subsidy pays a share of (GLOSSARY: 贴息 / 保费补贴 / 担保费补贴)."""

    INTEREST_SUBSIDY = "interest_subsidy"
    PREMIUM_SUBSIDY = "premium_subsidy"
    GUARANTEE_FEE_SUBSIDY = "guarantee_fee_subsidy"


REPAYMENT_METHODS: Final[dict[str, Msg]] = {
    "equal_installment": Msg("等额本息", "equal installments"),
    "equal_principal": Msg("等额本金", "equal principal"),
    "interest_only": Msg("按期付息到期还本", "interest only, principal at maturity"),
}
"""Mirror of :class:`kechuang.credit.enums.RepaymentMethod` (products may not import credit)."""

SECURITY_KINDS: Final[dict[str, Msg]] = {
    "none": Msg("信用（无担保）", "unsecured"),
    "guarantee": Msg("保证/担保", "guarantee"),
    "insurance": Msg("履约保证保险", "performance-guarantee insurance"),
    "ip_pledge": Msg("知识产权质押", "IP pledge"),
    "collateral": Msg("抵押", "collateral"),
}
"""Mirror of :class:`kechuang.credit.enums.Security`."""

QUALIFICATION_KEYS: Final[dict[str, Msg]] = {
    **{k.value: k.label for k in QualificationKind},
    "sci_tech_enterprise": Msg(
        "科技型企业（贷款统计口径）", "sci-tech enterprise (loan statistics)"
    ),
}
"""Qualification keys an eligibility rule may name.

The ``holds_<kind>`` notion of the ``sci_tech_enterprise`` standard: the enterprise holds a valid
qualification of the kind on the date. Where a standard exists the key is the standard's key in
``kechuang.standards.catalog.MODULES`` (``tech_sme``, ``high_tech``, ``innovative_sme``,
``little_giant``); ``sci_tech_enterprise`` means "counts as 科技型企业" under that standard.
"""

PRIORITIES: Final[dict[str, Msg]] = {
    "first_loan": Msg("首贷", "first loan"),
    "unsecured": Msg("信用贷", "unsecured loan"),
    "small_micro": Msg("小微企业", "small and micro enterprises"),
    "private": Msg("民营企业", "private enterprises"),
}
"""What a programme gives priority to (a preference, not a requirement)."""

SUBSIDY_CONDITIONS: Final[dict[str, Msg]] = {
    "no_serious_dishonesty": Msg(
        "借款企业未被列入严重失信主体名单", "the borrower is not on a serious-dishonesty list"
    ),
    "reported_by_lender": Msg(
        "贷款银行和保险（担保）机构已报送该笔贷款",
        "the bank and the insurer or guarantor have reported the loan",
    ),
    "repaid_in_window": Msg(
        "贷款在规定期间内已还款结清", "the loan was repaid within the stated window"
    ),
    "continuous_cover": Msg(
        "连续投保（续保保单与上一年度保单之间无间断）",
        "continuous cover (no gap between a renewal and the previous policy year)",
    ),
}
"""Conditions a subsidy rule may list, with their labels."""

BORROWERS: Final[dict[str, Msg]] = {
    "enterprise": Msg("企业", "enterprise"),
    "employee": Msg("企业员工（个人）", "employees (individuals)"),
}

INSURANCE_LINES: Final[dict[str, Msg]] = {
    "first_of_kind_equipment": Msg(
        "首台（套）重大技术装备保险", "first-of-kind major equipment insurance"
    ),
    "clinical_trial_liability": Msg(
        "生物医药人体临床试验责任保险", "clinical-trial liability insurance"
    ),
    "product_liability": Msg("生物医药产品责任保险", "product liability insurance"),
    "ic_coinsurance": Msg("集成电路共保体保险", "IC co-insurance pool cover"),
    "startup_founder_liability": Msg(
        "科技企业创业责任保险", "start-up founder liability insurance"
    ),
    "cyber": Msg("网络安全保险", "cyber insurance"),
    "performance_guarantee": Msg("科技履约保证保险", "performance-guarantee insurance"),
    "ip": Msg("知识产权保险", "IP insurance"),
}
"""Mirror of :class:`kechuang.insurance.enums.InsuranceLine` (an insurance product's ``line``)."""

INSURED_OBJECTS: Final[dict[str, Msg]] = {
    "enterprise": Msg("企业", "enterprise"),
    "project": Msg("项目", "project"),
    "equipment_set": Msg("装备（台套）", "equipment set"),
    "clinical_trial": Msg("临床试验", "clinical trial"),
    "founder": Msg("创业者", "founder"),
    "product": Msg("产品", "product"),
}
"""Mirror of :class:`kechuang.insurance.enums.InsuredObjectKind` (what a policy may cover)."""

FUND_STAGES: Final[dict[str, Msg]] = {
    "proof_of_concept": Msg("概念验证", "proof of concept"),
    "pre_incubation": Msg("超前孵化", "pre-incubation"),
    "pilot": Msg("中试", "pilot scale-up"),
    "seed": Msg("种子期", "seed"),
    "early": Msg("初创期", "early"),
    "growth": Msg("成长期", "growth"),
    "late": Msg("成熟期", "late"),
}
"""Mirror of :class:`kechuang.funds.enums.Stage` (the stages a fund product invests in)."""

QUALIFICATION_BASES: Final[dict[str, Msg]] = {
    "holds": Msg(
        "持有有效资格（证书/入库）", "holds a valid qualification (certificate or registration)"
    ),
    "holds_or_meets": Msg(
        "持有有效资格，或按企业数据符合认定标准",
        "holds a valid qualification, or meets the standard on the enterprise's facts",
    ),
}
"""How a qualification requirement is met (:attr:`Eligibility.qualification_basis`)."""

FACTS: Final[dict[str, tuple[str, Msg]]] = {
    "employees": ("count", Msg("职工总数", "employees")),
    "st_staff": ("count", Msg("科技人员数", "S&T staff")),
    "rd_staff": ("count", Msg("研发人员数", "R&D staff")),
    "revenue": ("money", Msg("销售收入", "sales revenue")),
    "operating_revenue": ("money", Msg("营业收入", "operating revenue")),
    "total_income": ("money", Msg("总收入", "total income")),
    "main_business_revenue": ("money", Msg("主营业务收入", "main-business revenue")),
    "high_tech_income": ("money", Msg("高新技术产品（服务）收入", "high-tech income")),
    "total_assets": ("money", Msg("资产总额", "total assets")),
    "liabilities": ("money", Msg("负债总额", "total liabilities")),
    "net_assets": ("money", Msg("净资产", "net assets")),
    "rd_expense": ("money", Msg("研发费用", "R&D expense")),
    "total_cost": ("money", Msg("成本费用支出总额", "total cost and expense")),
    "equity_financing": ("money", Msg("股权融资额", "equity financing")),
    "ip_class1": ("count", Msg("Ⅰ类知识产权数", "class-I IP count")),
    "ip_class2": ("count", Msg("Ⅱ类知识产权数", "class-II IP count")),
}
"""Fiscal-year facts a product condition may name (latest fiscal year before the as-of date):
name → (``money`` in 元 / ``count``, label). Names follow GLOSSARY.md and the registry."""


# ---------------------------------------------------------------------------- value parsing

_AMOUNT_RE: Final = re.compile(r"^(?P<n>[^万亿元]+?)\s*(?P<u>万亿元|亿元|万元|万亿|亿|万|元)?$")
_BP_RE: Final = re.compile(r"^(?P<n>[+-]?\d+(?:\.\d+)?)\s*bp$", re.IGNORECASE)


def parse_yuan(value: object) -> Decimal:
    """An amount in 元 from ``"1000万"``, ``"500万元"``, ``"2亿"``, ``"300000"``, an int or a Decimal.

    Exact: the result must be whole fen; floats are refused.

    Raises:
        ValueError: for floats, bad text or an amount finer than a fen.
    """
    if isinstance(value, bool | float):
        raise ValueError(f"write the amount {value!r} as text ('1000万') so it stays exact")
    if isinstance(value, int | Decimal):
        amount = D(value)
    elif isinstance(value, str):
        m = _AMOUNT_RE.match(value.strip())
        if m is None:
            raise ValueError(f"not an amount: {value!r}")
        try:
            amount = D(m.group("n")) * unit_factor(m.group("u") or "元")
        except ValidationError as exc:
            raise ValueError(f"not an amount: {value!r}") from exc
    else:
        raise ValueError(f"not an amount: {value!r}")
    if not is_fen_exact(amount):
        raise ValueError(f"amount finer than a fen: {value!r}")
    if amount < 0:
        raise ValueError(f"amount must not be negative: {value!r}")
    return amount.quantize(Decimal("0.01"))


def _exact_decimal(text: str) -> Decimal:
    if re.fullmatch(r"[+-]?\d+/\d+", text):
        frac = Fraction(text)
        num, den = Decimal(frac.numerator), Decimal(frac.denominator)
        result = num / den
        if Fraction(result) != frac:
            raise ValueError(f"{text!r} has no exact decimal form; write it as a percentage")
        return result
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return result


def parse_ratio(value: object) -> Decimal:
    """A rate or share from ``"4.35%"``, ``"0.0435"``, ``"1/2"``, ``"+50bp"``, an int or a Decimal.

    Raises:
        ValueError: for floats and bad text.
    """
    if isinstance(value, bool | float):
        raise ValueError(
            f"write the ratio {value!r} as text ('4.35%' or '0.0435') so it stays exact"
        )
    if isinstance(value, int | Decimal):
        return _plain(Decimal(value))
    if not isinstance(value, str):
        raise ValueError(f"not a ratio: {value!r}")
    text = value.strip().replace("％", "%")
    if m := _BP_RE.match(text):
        return _plain(_exact_decimal(m.group("n")).scaleb(-4))
    if text.endswith("%"):
        return _plain(_exact_decimal(text[:-1].strip()).scaleb(-2))
    return _plain(_exact_decimal(text))


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros (``0.50`` → ``0.5``) and never in exponent form."""
    norm = value.normalize()
    return norm.quantize(Decimal(1)) if norm.as_tuple().exponent > 0 else norm  # type: ignore[operator]


def _unit_interval(value: Decimal) -> Decimal:
    if not 0 <= value <= 1:
        raise ValueError(f"must be between 0% and 100%, got {value}")
    return value


def _qualification_key(key: str) -> str:
    if key not in QUALIFICATION_KEYS:
        raise ValueError(f"unknown qualification {key!r} (use {', '.join(QUALIFICATION_KEYS)})")
    return key


def _district_code(code: str) -> str:
    if code not in districts():
        raise ValueError(f"unknown district code {code!r}")
    return code


def _vocabulary(table: dict[str, Msg], what: str) -> Any:
    def check(key: str) -> str:
        if key not in table:
            raise ValueError(f"unknown {what} {key!r} (use {', '.join(table)})")
        return key

    return AfterValidator(check)


Yuan = Annotated[Decimal, BeforeValidator(parse_yuan)]
"""Money in 元, whole fen."""
Ratio = Annotated[Decimal, BeforeValidator(parse_ratio), AfterValidator(_unit_interval)]
"""A rate or share between 0 and 1."""
Spread = Annotated[Decimal, BeforeValidator(parse_ratio)]
"""A signed spread over a benchmark rate."""
QualificationKey = Annotated[str, AfterValidator(_qualification_key)]
DistrictCode = Annotated[str, AfterValidator(_district_code)]
RepaymentMethodName = Annotated[str, _vocabulary(REPAYMENT_METHODS, "repayment method")]
SecurityName = Annotated[str, _vocabulary(SECURITY_KINDS, "security kind")]
PriorityName = Annotated[str, _vocabulary(PRIORITIES, "priority")]
SubsidyCondition = Annotated[str, _vocabulary(SUBSIDY_CONDITIONS, "subsidy condition")]
BorrowerName = Annotated[str, _vocabulary(BORROWERS, "borrower")]
InsuranceLineName = Annotated[str, _vocabulary(INSURANCE_LINES, "insurance line")]
InsuredObjectName = Annotated[str, _vocabulary(INSURED_OBJECTS, "insured object kind")]
FundStageName = Annotated[str, _vocabulary(FUND_STAGES, "fund stage")]


def _division(value: object) -> str:
    text = str(value).strip().upper()
    text = text[1:] if text[:1].isalpha() else text
    if not re.fullmatch(r"\d{2}", text):
        raise ValueError(f"not a GB/T 4754 division (two digits, e.g. '27' or 'C27'): {value!r}")
    return text


IndustryDivision = Annotated[str, BeforeValidator(_division)]
"""A GB/T 4754-2017 industry division: two digits (``"27"``)."""


# ---------------------------------------------------------------------------- sourced terms


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(_Frozen):
    """Where a term comes from and how sure it is.

    Attributes:
        reference: document number and article, or the source of the figure.
        status: ``confirmed``, ``unverified`` or ``illustrative``.
        note: why it is unverified or illustrative, or other history (required when illustrative).
    """

    reference: str = Field(min_length=1)
    status: TermStatus
    note: str = ""

    @model_validator(mode="after")
    def _illustrative_says_why(self) -> Any:
        if self.status == "illustrative" and not self.note.strip():
            raise ValueError("an illustrative term needs a note saying it is demo configuration")
        return self

    @property
    def illustrative(self) -> bool:
        """True for demo configuration that is not law."""
        return self.status == "illustrative"

    @property
    def unverified(self) -> bool:
        """True unless the term is confirmed."""
        return self.status != "confirmed"

    @property
    def flag(self) -> Msg:
        """How the status is shown: 已核实 / 参数待核实 / 示例参数，非正式条款."""
        return STATUS_FLAGS[self.status]


class Term(Sourced, Generic[T]):
    """One term of a product: a value with its reference and status."""

    value: T


class Pricing(_Frozen):
    """How a loan is priced: a fixed annual rate, or the LPR plus a spread.

    Attributes:
        basis: ``fixed`` or ``lpr``.
        rate: the fixed annual rate (``basis: fixed``).
        lpr_tenor: which LPR (``1y`` or ``5y``) for ``basis: lpr``.
        spread: added to the LPR (may be negative), e.g. ``"+50bp"``.
        cap: the highest annual rate allowed, if any.
    """

    basis: Literal["fixed", "lpr"]
    rate: Ratio | None = None
    lpr_tenor: Literal["1y", "5y"] = "1y"
    spread: Spread | None = None
    cap: Ratio | None = None

    @model_validator(mode="after")
    def _complete(self) -> Any:
        if self.basis == "fixed" and self.rate is None:
            raise ValueError("fixed pricing needs a rate")
        if self.basis == "lpr" and self.spread is None:
            raise ValueError("LPR pricing needs a spread (write '0bp' for none)")
        return self

    def annual_rate(self, lpr: Decimal | None = None) -> Decimal:
        """The annual rate: the fixed rate, or ``lpr`` + spread (capped at ``cap``).

        Raises:
            ValidationError: ``product.pricing`` when LPR pricing is asked without an ``lpr``.
        """
        if self.basis == "fixed":
            assert self.rate is not None
            rate = self.rate
        else:
            if lpr is None:
                raise ValidationError(
                    Msg("按 LPR 定价需提供 LPR", "LPR pricing needs the LPR"),
                    code="product.pricing",
                )
            assert self.spread is not None
            rate = lpr + self.spread
        return min(rate, self.cap) if self.cap is not None else rate

    def display(self, lang: Lang | None = None) -> str:
        """``LPR(1y) + 50bp`` or ``4.35%`` (with the cap)."""
        en = (lang or current_lang()) == "en"
        if self.basis == "fixed":
            assert self.rate is not None
            text = f"fixed {_pct(self.rate)}" if en else f"固定利率 {_pct(self.rate)}"
        else:
            assert self.spread is not None
            bp = (self.spread * 10000).normalize()
            sign = "+" if bp >= 0 else "−"
            text = f"LPR({self.lpr_tenor}) {sign} {format(abs(bp), 'f')}bp"
        if self.cap is not None:
            text += f", cap {_pct(self.cap)}" if en else f"，上限 {_pct(self.cap)}"
        return text


class SecurityRequirement(_Frozen):
    """What must secure the loan.

    Attributes:
        accepted: accepted kinds (``none`` = unsecured allowed); see :data:`SECURITY_KINDS`.
        providers: insurers or guarantors named by the product.
        max_fee_rate: highest annual premium or guarantee-fee rate, if any.
    """

    accepted: list[SecurityName] = Field(min_length=1)
    providers: list[str] = Field(default_factory=list)
    max_fee_rate: Ratio | None = None

    def display(self, lang: Lang | None = None) -> str:
        """Accepted kinds, providers and fee cap as text."""
        lg = lang or current_lang()
        en = lg == "en"
        sep = ", " if en else "、"
        parts = [sep.join(SECURITY_KINDS[k].text(lg) for k in self.accepted)]
        if self.providers:
            parts.append(("providers: " if en else "机构：") + sep.join(self.providers))
        if self.max_fee_rate is not None:
            parts.append(("fee ≤ " if en else "费率上限 ") + _pct(self.max_fee_rate))
        return ("; " if en else "；").join(parts)


class SubsidyRule(Sourced):
    """A subsidy attached to a product: a share of interest, premium or guarantee fee paid.

    Attributes:
        key: stable key of the rule (unique within the product).
        kind: ``interest_subsidy``, ``premium_subsidy`` or ``guarantee_fee_subsidy``.
        share: share of the amount actually paid that is subsidised (exact, e.g. ``"50%"``).
        cap_per_loan: most paid for one loan, 元 (``None``: no cap stated).
        repaid_from: the loan must have been repaid on or after this day (``None``: no bound).
        repaid_to: … and on or before this day.
        conditions: further conditions (keys of :data:`SUBSIDY_CONDITIONS`).
        automatic: paid without application (免申即享) once the lender reports the loan.
        payer: who pays (e.g. 市科委).
        rate_cap: insurance premium subsidies: the subsidy is computed on the premium at no more
            than this rate (``min(rate, rate_cap) × sum insured``), e.g. ``"3%"``.
        max_years: insurance premium subsidies: most years subsidised for the same insured
            equipment set (counted per equipment key), e.g. ``3``.
        cap_per_policy: insurance premium subsidies: most paid for one policy, 元.
    """

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: SubsidyKind
    share: Ratio
    cap_per_loan: Yuan | None = None
    repaid_from: dt.date | None = None
    repaid_to: dt.date | None = None
    conditions: list[SubsidyCondition] = Field(default_factory=list)
    automatic: bool = False
    payer: str = ""
    rate_cap: Ratio | None = None
    max_years: Annotated[int, Field(ge=1)] | None = None
    cap_per_policy: Yuan | None = None

    @model_validator(mode="after")
    def _window(self) -> Any:
        if self.repaid_from and self.repaid_to and self.repaid_to < self.repaid_from:
            raise ValueError("repaid_to is before repaid_from")
        return self

    def covers_repayment(self, repaid_on: dt.date) -> bool:
        """Whether a loan repaid on ``repaid_on`` falls in the rule's repayment window."""
        if self.repaid_from is not None and repaid_on < self.repaid_from:
            return False
        return not (self.repaid_to is not None and repaid_on > self.repaid_to)

    def amount(self, paid: Decimal) -> Decimal:
        """Subsidy on ``paid`` (premium, fee or interest actually paid): share × paid, to the fen
        (``ROUND_HALF_UP``), capped at ``cap_per_loan``."""
        value = quantize_fen(D(paid) * self.share)
        return min(value, self.cap_per_loan) if self.cap_per_loan is not None else value

    def display(self, lang: Lang | None = None) -> str:
        """``保费补贴 50%（…）`` as text."""
        lg = lang or current_lang()
        en = lg == "en"
        comma, semi = (", ", "; ") if en else ("，", "；")
        text = f"{self.kind.label.text(lg)} {_pct(self.share)}"
        if self.cap_per_loan is not None:
            cap = format_amount(self.cap_per_loan, lang=lg)
            text += f"{comma}{'cap per loan' if en else '单笔上限'} {cap}"
        if self.rate_cap is not None:
            rate = _pct(self.rate_cap)
            text += f"{comma}{'premium rate counted up to' if en else '按费率不超过'} {rate}"
        if self.max_years is not None:
            years = f"{self.max_years} years" if en else f"{self.max_years} 年"
            text += f"{comma}{'at most' if en else '最长'} {years}"
        if self.cap_per_policy is not None:
            cap = format_amount(self.cap_per_policy, lang=lg)
            text += f"{comma}{'cap per policy' if en else '每张保单上限'} {cap}"
        if self.repaid_from or self.repaid_to:
            window = f"{self.repaid_from or '…'} – {self.repaid_to or '…'}"
            text += f"{comma}{'repaid' if en else '还款期间'} {window}"
        for c in self.conditions:
            text += semi + SUBSIDY_CONDITIONS[c].text(lg)
        if self.automatic:
            text += semi + ("paid without application" if en else "免申即享")
        return text


_OPS: Final = ("<=", "<", ">=", ">")


class FactCondition(Sourced):
    """An extra condition on a fiscal-year fact or a ratio of two facts (latest fiscal year).

    Attributes:
        key: stable key of the condition (unique within the eligibility).
        fact: a fact of :data:`FACTS` (``employees``); or
        ratio: two facts, numerator and denominator (``[rd_staff, employees]``).
        op: ``<=``, ``<``, ``>=`` or ``>``.
        value: the threshold: an integer count, an amount in 元 (``"5000万"``) for a money fact, or
            a ratio (``"20%"``) for a ratio. Compared exactly (ratios by cross-multiplication).
    """

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    fact: str | None = None
    ratio: tuple[str, str] | None = None
    op: Literal["<=", "<", ">=", ">"]
    value: Any

    @model_validator(mode="after")
    def _shape(self) -> Any:
        if (self.fact is None) == (self.ratio is None):
            raise ValueError("a condition names either `fact` or `ratio`")
        for name in (self.fact,) if self.fact else self.ratio or ():
            if name not in FACTS:
                raise ValueError(f"unknown fact {name!r} (use {', '.join(FACTS)})")
        if isinstance(self.value, bool | float):
            raise ValueError(f"write the value {self.value!r} as text or an integer")
        if self.ratio is not None:
            object.__setattr__(self, "value", parse_ratio(self.value))
        elif FACTS[self.fact or ""][0] == "money":
            object.__setattr__(self, "value", parse_yuan(self.value))
        elif not isinstance(self.value, int):
            raise ValueError(f"{self.fact} is a count: write an integer, not {self.value!r}")
        return self

    @property
    def label(self) -> Msg:
        """What the condition is, in both languages (``研发人员数/职工总数 ≥ 20%``)."""
        if self.ratio is not None:
            num, den = (FACTS[n][1] for n in self.ratio)
            shown = _pct(self.value)
            return Msg(
                f"{num.zh}/{den.zh} {self.op} {shown}", f"{num.en}/{den.en} {self.op} {shown}"
            )
        assert self.fact is not None
        kind, name = FACTS[self.fact]
        if kind == "money":
            return Msg(
                f"{name.zh} {self.op} {format_amount(self.value, lang='zh')}",
                f"{name.en} {self.op} {format_amount(self.value, lang='en')}",
            )
        return Msg(f"{name.zh} {self.op} {self.value}", f"{name.en} {self.op} {self.value}")


class Eligibility(_Frozen):
    """Who may borrow. Every condition is optional and sourced; absent means no condition.

    Attributes:
        borrower: ``enterprise`` (default) or ``employee`` (loans to staff, e.g. ESOP loans).
        qualifications: holds a valid qualification of **any** of these kinds on the date
            (:data:`QUALIFICATION_KEYS`: standards keys / ``holds_<kind>`` of sci_tech_enterprise).
        size_classes: allowed size classes (``micro``, ``small``, ``medium``, ``large``).
        min_age_years: at least this many completed years since registration.
        max_age_years: at most this many completed years since registration.
        districts: registered in one of these district codes.
        first_loan_only: the loan must be the enterprise's first bank loan (首贷).
        unsecured_only: the loan must be unsecured (信用贷).
        no_serious_dishonesty: the borrower must not be on a serious-dishonesty list.
        priorities: what the programme prefers (首贷, 信用贷, 小微, 民营) — not a requirement.
        qualification_basis: how ``qualifications`` is met: ``holds`` (default: a valid
            certificate or registration on the date) or ``holds_or_meets`` (or the enterprise meets
            the standard on its facts — for kinds with registry facts: ``tech_sme``, ``high_tech``).
        industries: registered in one of these industry divisions (GB/T 4754 two-digit
            division, e.g. ``"27"`` 医药制造业; ``"C27"`` is accepted).
        stages: fund products: the investment stages the fund invests in (display; the stage is
            tested through ``max_age_years`` and ``conditions``).
        conditions: extra conditions on the latest fiscal year's facts (:class:`FactCondition`).
    """

    borrower: Term[BorrowerName] | None = None
    qualifications: Term[list[QualificationKey]] | None = None
    size_classes: Term[list[SizeClass]] | None = None
    min_age_years: Term[Annotated[int, Field(ge=0)]] | None = None
    max_age_years: Term[Annotated[int, Field(ge=0)]] | None = None
    districts: Term[list[DistrictCode]] | None = None
    first_loan_only: Term[bool] | None = None
    unsecured_only: Term[bool] | None = None
    no_serious_dishonesty: Term[bool] | None = None
    priorities: Term[list[PriorityName]] | None = None
    qualification_basis: Term[Literal["holds", "holds_or_meets"]] | None = None
    industries: Term[list[IndustryDivision]] | None = None
    stages: Term[list[FundStageName]] | None = None
    conditions: list[FactCondition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ages(self) -> Any:
        lo, hi = self.min_age_years, self.max_age_years
        if lo is not None and hi is not None and lo.value > hi.value:
            raise ValueError("min_age_years exceeds max_age_years")
        keys = [c.key for c in self.conditions]
        if len(keys) != len(set(keys)):
            raise ValueError("condition keys must be unique within an eligibility")
        return self


class ProductTerms(_Frozen):
    """One dated version of a product's terms (in force from ``valid_from`` until the next).

    Attributes:
        valid_from: first day this version is in force.
        providers: lending banks (names as the policy text gives them).
        eligibility: who may borrow.
        min_amount / max_amount: loan amount limits, 元.
        min_term_months / max_term_months: loan term limits.
        pricing: fixed rate or LPR + spread.
        repayment_methods: allowed repayment methods (:data:`REPAYMENT_METHODS`).
        security: guarantee / insurance requirement.
        subsidies: interest, premium and guarantee-fee subsidies.
        risk_sharing: key of the risk-sharing agreement that applies
            (``products/data/risk_sharing.yaml``, e.g. ``sh_sme_risk_compensation_2024``).
        programme_quota: total quota or credit capacity of the programme, 元.
        refinance_rate: central-bank rate of re-lending / rediscount.
        refinance_share: share of each eligible loan's principal that is refinanced.
        insured: insurance products: what a policy may cover (:data:`INSURED_OBJECTS`).
        max_premium_rate: insurance products: the highest premium rate a policy may carry.

    For insurance products ``providers`` are the insurers, ``min_amount`` / ``max_amount`` bound
    the sum insured of a policy and ``min_term_months`` / ``max_term_months`` its term.
    """

    valid_from: dt.date
    providers: Term[list[str]] | None = None
    eligibility: Eligibility = Field(default_factory=Eligibility)
    min_amount: Term[Yuan] | None = None
    max_amount: Term[Yuan] | None = None
    min_term_months: Term[Annotated[int, Field(ge=1)]] | None = None
    max_term_months: Term[Annotated[int, Field(ge=1)]] | None = None
    pricing: Term[Pricing] | None = None
    repayment_methods: Term[list[RepaymentMethodName]] | None = None
    security: Term[SecurityRequirement] | None = None
    subsidies: list[SubsidyRule] = Field(default_factory=list)
    risk_sharing: Term[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] | None = None
    programme_quota: Term[Yuan] | None = None
    refinance_rate: Term[Ratio] | None = None
    refinance_share: Term[Ratio] | None = None
    insured: Term[Annotated[list[InsuredObjectName], Field(min_length=1)]] | None = None
    max_premium_rate: Term[Ratio] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Any:
        lo, hi = self.min_amount, self.max_amount
        if lo is not None and hi is not None and lo.value > hi.value:
            raise ValueError("min_amount exceeds max_amount")
        tlo, thi = self.min_term_months, self.max_term_months
        if tlo is not None and thi is not None and tlo.value > thi.value:
            raise ValueError("min_term_months exceeds max_term_months")
        keys = [s.key for s in self.subsidies]
        if len(keys) != len(set(keys)):
            raise ValueError("subsidy keys must be unique within a terms version")
        return self

    def sourced(self) -> Iterator[tuple[str, Sourced]]:
        """Every sourced term of this version as ``(path, term)``, in display order."""
        for name, value in self.eligibility:
            if isinstance(value, Sourced):
                yield f"eligibility.{name}", value
        for cond in self.eligibility.conditions:
            yield f"eligibility.conditions.{cond.key}", cond
        for name in _TERM_FIELDS:
            value = getattr(self, name)
            if isinstance(value, Sourced):
                yield name, value
        for rule in self.subsidies:
            yield f"subsidies.{rule.key}", rule


_TERM_FIELDS: Final = (
    "providers",
    "min_amount",
    "max_amount",
    "min_term_months",
    "max_term_months",
    "pricing",
    "repayment_methods",
    "security",
    "risk_sharing",
    "programme_quota",
    "refinance_rate",
    "refinance_share",
    "insured",
    "max_premium_rate",
)


class Product(Sourced):
    """A catalogue entry. Its own ``reference`` / ``status`` cover its existence and dates.

    Attributes:
        key: stable key (GLOSSARY), e.g. ``sh_performance_loan``.
        kind: :class:`ProductKind`.
        name_zh / name_en: names.
        description: what it is, in a sentence or two (Chinese / English).
        valid_from: first day open (a future date: scheduled to open).
        valid_to: last day open, inclusive (``None``: open-ended; a future date: scheduled to
            close).
        terms: dated versions of the terms, oldest first; the first starts on ``valid_from``.
        line: insurance products only: the line of insurance (:data:`INSURANCE_LINES`).
    """

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: ProductKind
    line: InsuranceLineName | None = None
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    description: str = ""
    valid_from: dt.date
    valid_to: dt.date | None = None
    terms: list[ProductTerms] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates(self) -> Any:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        starts = [t.valid_from for t in self.terms]
        if starts != sorted(set(starts)):
            raise ValueError("terms versions must have distinct valid_from dates, oldest first")
        if starts[0] != self.valid_from:
            raise ValueError("the first terms version must start on the product's valid_from")
        if self.valid_to is not None and starts[-1] > self.valid_to:
            raise ValueError("a terms version starts after the product closes")
        if (self.kind is ProductKind.INSURANCE) != (self.line is not None):
            raise ValueError("an insurance product needs a line; other products have none")
        return self

    @property
    def name(self) -> Msg:
        """The product's name in both languages."""
        return Msg(self.name_zh, self.name_en)

    def state(self, day: dt.date) -> ProductState:
        """``scheduled`` before ``valid_from``, ``closed`` after ``valid_to``, else ``open``."""
        if day < self.valid_from:
            return "scheduled"
        if self.valid_to is not None and day > self.valid_to:
            return "closed"
        return "open"

    def is_open(self, day: dt.date) -> bool:
        """Whether the product is open on ``day``."""
        return self.state(day) == "open"

    def version_index(self, day: dt.date) -> int | None:
        """Index in :attr:`terms` of the version in force on ``day`` (``None`` when not open)."""
        if not self.is_open(day):
            return None
        found = 0
        for i, version in enumerate(self.terms):
            if version.valid_from <= day:
                found = i
        return found

    def terms_at(self, day: dt.date) -> ProductTerms | None:
        """The terms in force on ``day``, or ``None`` when the product is not open."""
        i = self.version_index(day)
        return None if i is None else self.terms[i]

    def version_end(self, index: int) -> dt.date | None:
        """Last day version ``index`` is in force (``None``: open-ended)."""
        if index + 1 < len(self.terms):
            return self.terms[index + 1].valid_from - dt.timedelta(days=1)
        return self.valid_to

    def risk_sharing_keys(self) -> set[str]:
        """Keys of every risk-sharing agreement any version refers to."""
        return {t.risk_sharing.value for t in self.terms if t.risk_sharing is not None}


# ---------------------------------------------------------------------------- display


def _pct(value: Decimal) -> str:
    text = format((value * 100).normalize(), "f")
    return f"{text}%"


_LABELS: Final[dict[str, Msg]] = {
    "eligibility.borrower": Msg("借款人", "borrower"),
    "eligibility.qualifications": Msg("资质要求（持有其一）", "qualification held (any of)"),
    "eligibility.size_classes": Msg("企业规模", "size class"),
    "eligibility.min_age_years": Msg("成立年限下限", "minimum age"),
    "eligibility.max_age_years": Msg("成立年限上限", "maximum age"),
    "eligibility.districts": Msg("所在区", "district"),
    "eligibility.first_loan_only": Msg("仅限首贷", "first loans only"),
    "eligibility.unsecured_only": Msg("仅限信用贷", "unsecured only"),
    "eligibility.no_serious_dishonesty": Msg("未列入严重失信名单", "not seriously dishonest"),
    "eligibility.priorities": Msg("优先支持", "priority"),
    "eligibility.qualification_basis": Msg("资质认定方式", "how the qualification is met"),
    "eligibility.industries": Msg("所属行业（大类）", "industry division"),
    "eligibility.stages": Msg("投资阶段", "investment stages"),
    "providers": Msg("合作银行", "provider banks"),
    "min_amount": Msg("金额下限", "minimum amount"),
    "max_amount": Msg("金额上限", "maximum amount"),
    "min_term_months": Msg("期限下限", "minimum term"),
    "max_term_months": Msg("期限上限", "maximum term"),
    "pricing": Msg("定价", "pricing"),
    "repayment_methods": Msg("还款方式", "repayment methods"),
    "security": Msg("担保/保险要求", "guarantee / insurance"),
    "risk_sharing": Msg("风险分担协议", "risk-sharing agreement"),
    "programme_quota": Msg("额度", "programme quota"),
    "refinance_rate": Msg("再贷款/再贴现利率", "refinancing rate"),
    "refinance_share": Msg("再融资比例", "share refinanced"),
    "insured": Msg("保险标的", "what is insured"),
    "max_premium_rate": Msg("保险费率上限", "maximum premium rate"),
}


def _display(path: str, value: Any, lang: Lang) -> str:
    en = lang == "en"
    if isinstance(value, Pricing | SecurityRequirement | SubsidyRule):
        return value.display(lang)
    if isinstance(value, bool):
        return ("yes" if en else "是") if value else ("no" if en else "否")
    if path.endswith(("_amount", "programme_quota")) and isinstance(value, Decimal):
        return format_amount(value, lang=lang)
    if (path.startswith("refinance_") or path == "max_premium_rate") and isinstance(value, Decimal):
        return _pct(value)
    if path.endswith("_term_months") and isinstance(value, int):
        return f"{value} months" if en else f"{value} 个月"
    if path.endswith("_age_years") and isinstance(value, int):
        return f"{value} years" if en else f"{value} 年"
    if path == "eligibility.borrower" and isinstance(value, str):
        return BORROWERS[value].text(lang)
    if path == "eligibility.qualification_basis" and isinstance(value, str):
        return QUALIFICATION_BASES[value].text(lang)
    if isinstance(value, list):
        table: dict[str, Msg] = {
            "eligibility.qualifications": QUALIFICATION_KEYS,
            "eligibility.priorities": PRIORITIES,
            "eligibility.stages": FUND_STAGES,
            "repayment_methods": REPAYMENT_METHODS,
            "insured": INSURED_OBJECTS,
        }.get(path, {})
        items: list[str] = []
        for item in value:
            if isinstance(item, SizeClass):
                items.append(item.label.text(lang))
            elif path == "eligibility.districts":
                items.append(district_name(str(item)).text(lang))
            elif str(item) in table:
                items.append(table[str(item)].text(lang))
            else:
                items.append(str(item))
        return ", ".join(items) if en else "、".join(items)
    return str(value)


@dataclass(frozen=True, slots=True)
class TermLine:
    """A term ready to show: what it is, its value, reference and status.

    Attributes:
        path: where the term sits (``eligibility.qualifications``, ``subsidies.premium_50``).
        label: what it is, in both languages.
        value: the value as text in the language asked for.
        reference: document number and article, or the source.
        status: ``confirmed``, ``unverified`` or ``illustrative``.
        note: why unverified or illustrative.
        raw: the value in JSON form (strings for Decimals).
    """

    path: str
    label: Msg
    value: str
    reference: str
    status: str
    note: str
    raw: Any

    @property
    def flag(self) -> Msg:
        """已核实 / 参数待核实 / 示例参数，非正式条款."""
        return STATUS_FLAGS[self.status]

    def as_dict(self, lang: Lang | None = None) -> dict[str, Any]:
        """JSON-ready form; ``flag`` is ``"示例参数，非正式条款 / illustrative"`` and the like."""
        return {
            "term": self.path,
            "label": self.label.text(lang),
            "value": self.value,
            "raw": self.raw,
            "reference": self.reference,
            "status": self.status,
            "flag": self.flag.both(),
            "note": self.note,
        }


def describe_terms(terms: ProductTerms, lang: Lang | None = None) -> list[TermLine]:
    """Every sourced term of ``terms`` as a :class:`TermLine`, in display order."""
    lg = lang or current_lang()
    lines: list[TermLine] = []
    for path, item in terms.sourced():
        if isinstance(item, SubsidyRule):
            label = Msg(f"补贴：{item.kind.label.zh}", f"subsidy: {item.kind.label.en}")
            value: Any = item
            raw = item.model_dump(mode="json", exclude={"reference", "status", "note"})
        elif isinstance(item, FactCondition):
            label = Msg("条件", "condition")
            value = item.label.text(lg)
            raw = item.model_dump(mode="json", exclude={"reference", "status", "note"})
        else:
            assert isinstance(item, Term)
            label = _LABELS.get(path, Msg(path, path))
            value = item.value
            raw = item.model_dump(mode="json")["value"]
        lines.append(
            TermLine(
                path=path,
                label=label,
                value=_display(path, value, lg),
                reference=item.reference,
                status=item.status,
                note=item.note,
                raw=raw,
            )
        )
    return lines
