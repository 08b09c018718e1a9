"""Risk-sharing agreements (风险分担协议): who bears which share of a loss on a defaulted loan.

An agreement splits the eligible loss on a defaulted or written-off loan between four parties —
the government compensation pool, a guarantor, an insurer and the lending bank — in exact shares
that sum to exactly 1. A first loan (首贷) moves ``first_loan_bonus`` points from the bank's share
to the government's. The government's payout is limited by three caps, enforced when a claim is
approved (:mod:`kechuang.credit.claims`):

* ``per_loan`` — total government payouts on one loan;
* ``per_bank_year`` — government payouts approved for one bank in one calendar year;
* ``pool_budget`` — total government payouts approved under the agreement.

Every term carries its value, a ``reference`` (document and article) and a ``status``:
``confirmed`` (seen in the official text), ``unverified`` (our reading or a secondary source) or
``illustrative`` (a labelled demo value, not a fact — RULES.md §5: per-product shares and caps
were not found). Explanations quote the reference and flag anything not confirmed.

The agreements ship in ``kechuang/products/data/risk_sharing.yaml`` (format described there).
Several entries may share a key with non-overlapping validity windows (amended terms);
:func:`get` returns the version in force on a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

import yaml

from kechuang.core.errors import KechuangError, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.money import parse_amount
from kechuang.credit.enums import LoanStatus

__all__ = [
    "PARTIES",
    "PARTY_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "Caps",
    "Eligibility",
    "RiskSharingAgreement",
    "Shares",
    "Term",
    "default_agreements",
    "display_value",
    "get",
    "load_agreements",
    "parse_agreements",
    "share_decimal",
]

T = TypeVar("T")

STATUSES: Final = ("confirmed", "unverified", "illustrative")
"""How sure we are of a term (see the module docstring)."""

STATUS_LABELS: Final[dict[str, Msg]] = {
    "confirmed": Msg("已确认", "confirmed"),
    "unverified": Msg("待核实", "unverified"),
    "illustrative": Msg("示例值（非事实）", "illustrative (not a fact)"),
}

PARTIES: Final = ("government", "guarantor", "insurer", "bank")
"""Loss-sharing parties, in allocation order (ties of the largest-remainder method go first)."""

PARTY_LABELS: Final[dict[str, Msg]] = {
    "government": Msg("政府风险补偿资金池", "government compensation pool"),
    "guarantor": Msg("担保机构", "guarantor"),
    "insurer": Msg("保险机构", "insurer"),
    "bank": Msg("贷款银行", "lending bank"),
}

_CODE = "risk_sharing.invalid"


@dataclass(frozen=True, slots=True)
class Term(Generic[T]):
    """One agreed term: its value, where it comes from and how sure we are of it.

    Attributes:
        name: dotted name inside the agreement (``shares.government``, ``caps.per_loan``).
        value: the parsed value (Fraction for shares, Decimal 元 for money, dates, tuples).
        raw: the value as written in the YAML (for display).
        reference: document number and article, or "illustrative demo value".
        status: ``confirmed``, ``unverified`` or ``illustrative``.
        note: free-text explanation of how the value was read.
    """

    name: str
    value: T
    raw: Any
    reference: str
    status: str
    note: str = ""

    @property
    def unverified(self) -> bool:
        """True unless the term is confirmed."""
        return self.status != "confirmed"

    @property
    def status_label(self) -> Msg:
        """Bilingual label of the status."""
        return STATUS_LABELS[self.status]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (values as text)."""
        return {
            "term": self.name,
            "value": display_value(self.value),
            "reference": self.reference,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Shares:
    """Shares of a loss, exact fractions summing to exactly 1."""

    government: Term[Fraction]
    guarantor: Term[Fraction]
    insurer: Term[Fraction]
    bank: Term[Fraction]

    def terms(self) -> tuple[Term[Fraction], ...]:
        """The four terms in :data:`PARTIES` order."""
        return (self.government, self.guarantor, self.insurer, self.bank)


@dataclass(frozen=True, slots=True)
class Caps:
    """Limits on the government's payouts (``None`` = no limit), in 元."""

    per_loan: Term[Decimal | None]
    per_bank_year: Term[Decimal | None]
    pool_budget: Term[Decimal | None]

    def terms(self) -> tuple[Term[Decimal | None], ...]:
        """The three cap terms."""
        return (self.per_loan, self.per_bank_year, self.pool_budget)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Which loans may be claimed on.

    Attributes:
        loan_statuses: the loan must be in one of these states (defaulted, written off).
        loss_on_or_after: the loan must have entered that state on or after this date
            (``None``: any date) — losses before the agreement belong to earlier schemes.
        npl_threshold: a bank NPL-ratio threshold; always ``None`` (none supported — the
            2024–2025 round removed it), kept so explanations can cite the term.
    """

    loan_statuses: Term[tuple[LoanStatus, ...]]
    loss_on_or_after: Term[dt.date | None]
    npl_threshold: Term[None]

    def terms(self) -> tuple[Term[Any], ...]:
        """The eligibility terms."""
        return (self.loan_statuses, self.loss_on_or_after, self.npl_threshold)


@dataclass(frozen=True, slots=True)
class RiskSharingAgreement:
    """A risk-sharing agreement (one dated version of it).

    Attributes:
        key: stable key (claims refer to it), e.g. ``sh_sme_risk_compensation_2024``.
        name: bilingual name.
        valid_from: first day claims may be filed under this version.
        valid_to: last day claims may be filed (``None``: open-ended).
        products: product keys of the loans it covers.
        shares: shares of a loss (sum exactly 1).
        first_loan_bonus: points moved from the bank's share to the government's for a 首贷.
        caps: limits on government payouts.
        eligibility: which loans may be claimed on.
        source: file the agreement was read from.
    """

    key: str
    name: Msg
    valid_from: Term[dt.date]
    valid_to: Term[dt.date | None]
    products: Term[tuple[str, ...]]
    shares: Shares
    first_loan_bonus: Term[Fraction]
    caps: Caps
    eligibility: Eligibility
    source: str = ""

    @property
    def version(self) -> str:
        """``key@valid_from`` — identifies exactly which version was used."""
        return f"{self.key}@{self.valid_from.value.isoformat()}"

    def in_force(self, day: dt.date) -> bool:
        """Whether claims may be filed under this version on ``day`` (bounds inclusive)."""
        end = self.valid_to.value
        return self.valid_from.value <= day and (end is None or day <= end)

    def covers(self, product_key: str) -> bool:
        """Whether loans of ``product_key`` are covered."""
        return product_key in self.products.value

    def shares_for(self, *, first_loan: bool) -> dict[str, Fraction]:
        """Party → share of a loss; a first loan moves the bonus from the bank to the government."""
        out = {p: t.value for p, t in zip(PARTIES, self.shares.terms(), strict=True)}
        if first_loan and self.first_loan_bonus.value:
            out["government"] += self.first_loan_bonus.value
            out["bank"] -= self.first_loan_bonus.value
        return out

    def terms(self) -> Iterator[Term[Any]]:
        """Every term of the agreement."""
        yield self.valid_from
        yield self.valid_to
        yield self.products
        yield from self.shares.terms()
        yield self.first_loan_bonus
        yield from self.caps.terms()
        yield from self.eligibility.terms()

    def unverified_terms(self) -> list[Term[Any]]:
        """Terms that are not confirmed (explanations flag them)."""
        return [t for t in self.terms() if t.unverified]


# ---------------------------------------------------------------------------- parsing


def display_value(value: Any) -> str:
    """A term value as a reader would write it (shares as percentages, ``—`` for none)."""
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        return f"{share_decimal(value) * 100:f}".rstrip("0").rstrip(".") + "%"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def share_decimal(share: Fraction) -> Decimal:
    """A share as an exact :class:`Decimal` (shares are decimal fractions by construction)."""
    d = Decimal(share.numerator) / Decimal(share.denominator)
    if Fraction(d) != share:  # pragma: no cover - excluded when the file is loaded
        raise ValueError(f"share {share} is not a finite decimal")
    return d


def _bad(source: str, where: str, zh: str, en: str) -> ValidationError:
    return ValidationError(
        Msg(f"{source}：{where}：{zh}", f"{source}: {where}: {en}"),
        code=_CODE,
    )


def _is_decimal_fraction(f: Fraction) -> bool:
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _parse_share(raw: Any, source: str, where: str) -> Fraction:
    if raw is None or isinstance(raw, bool | float):
        raise _bad(
            source,
            where,
            f'比例须写成字符串（如 "55%"），收到 {raw!r}',
            f'write shares as strings (e.g. "55%") so they stay exact, got {raw!r}',
        )
    text = str(raw).strip()
    try:
        value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise _bad(source, where, f"无效的比例 {raw!r}", f"invalid share {raw!r}") from None
    if not 0 <= value <= 1:
        raise _bad(
            source, where, f"比例须在 0 到 1 之间：{raw!r}", f"share must be in [0, 1]: {raw!r}"
        )
    if not _is_decimal_fraction(value):
        raise _bad(
            source,
            where,
            f"比例须是有限小数（如 1/3 不行）：{raw!r}",
            f"share must be a finite decimal (1/3 is not): {raw!r}",
        )
    return value


def _parse_money(raw: Any, source: str, where: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool | float):
        raise _bad(
            source,
            where,
            f"金额须写成字符串或整数：{raw!r}",
            f"write amounts as text or integers: {raw!r}",
        )
    try:
        value = parse_amount(str(raw))
    except KechuangError:
        raise _bad(source, where, f"无效的金额 {raw!r}", f"invalid amount {raw!r}") from None
    if value < 0:
        raise _bad(source, where, f"金额不能为负：{raw!r}", f"amount must not be negative: {raw!r}")
    return value


def _parse_date(raw: Any, source: str, where: str, *, optional: bool) -> dt.date | None:
    if raw is None and optional:
        return None
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise _bad(source, where, f"无效的日期 {raw!r}", f"invalid date {raw!r}") from None


def _term_node(node: Any, source: str, where: str) -> tuple[Any, str, str, str]:
    if not isinstance(node, Mapping) or "value" not in node:
        raise _bad(
            source,
            where,
            "每个条款须写成 {value, reference, status}",
            "every term is a mapping {value, reference, status}",
        )
    reference = str(node.get("reference") or "").strip()
    if not reference:
        raise _bad(source, where, "缺少 reference（出处）", "every term needs a reference")
    status = str(node.get("status") or "").strip()
    if status not in STATUSES:
        raise _bad(
            source,
            where,
            f"status 须是 {' / '.join(STATUSES)}，收到 {status!r}",
            f"status must be one of {', '.join(STATUSES)}, got {status!r}",
        )
    return node["value"], reference, status, str(node.get("note") or "").strip()


def _term(node: Any, source: str, key: str, name: str, parse: Any) -> Term[Any]:
    raw, reference, status, note = _term_node(node, source, f"{key}.{name}")
    return Term(name, parse(raw), raw, reference, status, note)


def _section(node: Mapping[str, Any], name: str, source: str, where: str) -> Mapping[str, Any]:
    child = node.get(name)
    if not isinstance(child, Mapping):
        raise _bad(source, f"{where}.{name}", "缺少此节", "section missing")
    return child


def _parse_agreement(node: Mapping[str, Any], source: str) -> RiskSharingAgreement:
    key = str(node.get("key") or "").strip()
    if not key:
        raise _bad(source, "agreements[]", "缺少 key", "agreement without a key")
    name = node.get("name") or {}
    if not isinstance(name, Mapping) or not name.get("zh") or not name.get("en"):
        raise _bad(source, f"{key}.name", "须有中英文名称 {zh, en}", "needs a name {zh, en}")

    def share(where: str) -> Any:
        return lambda raw: _parse_share(raw, source, f"{key}.{where}")

    def money(where: str) -> Any:
        return lambda raw: _parse_money(raw, source, f"{key}.{where}")

    def products(raw: Any) -> tuple[str, ...]:
        if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
            raise _bad(
                source, f"{key}.products", "须是产品键列表", "must be a list of product keys"
            )
        return tuple(p.strip() for p in raw)

    def statuses(raw: Any) -> tuple[LoanStatus, ...]:
        if not isinstance(raw, list) or not raw:
            raise _bad(source, f"{key}.eligibility.loan_statuses", "须是状态列表", "must be a list")
        out = []
        for item in raw:
            try:
                out.append(LoanStatus(str(item)))
            except ValueError:
                raise _bad(
                    source,
                    f"{key}.eligibility.loan_statuses",
                    f"未知的贷款状态 {item!r}",
                    f"unknown loan status {item!r}",
                ) from None
        return tuple(out)

    def no_threshold(raw: Any) -> None:
        if raw is not None:
            raise _bad(
                source,
                f"{key}.eligibility.npl_threshold",
                "不支持不良率门槛（须为 null）",
                "NPL-ratio thresholds are not supported (must be null)",
            )
        return None

    shares_node = _section(node, "shares", source, key)
    shares = Shares(
        *(
            _term(shares_node.get(p), source, key, f"shares.{p}", share(f"shares.{p}"))
            for p in PARTIES
        )
    )
    total = sum((t.value for t in shares.terms()), Fraction(0))
    if total != 1:
        raise _bad(
            source,
            f"{key}.shares",
            f"四方比例之和须恰好为 100%，实际为 {display_value(total)}",
            f"the four shares must sum to exactly 100%, got {display_value(total)}",
        )
    bonus = _term(
        node.get("first_loan_bonus"), source, key, "first_loan_bonus", share("first_loan_bonus")
    )
    if bonus.value > shares.bank.value:
        raise _bad(
            source,
            f"{key}.first_loan_bonus",
            "首贷加点超过银行承担比例",
            "the first-loan bonus exceeds the bank's share it is taken from",
        )
    caps_node = _section(node, "caps", source, key)
    caps = Caps(
        *(
            _term(caps_node.get(c), source, key, f"caps.{c}", money(f"caps.{c}"))
            for c in ("per_loan", "per_bank_year", "pool_budget")
        )
    )
    elig_node = _section(node, "eligibility", source, key)
    eligibility = Eligibility(
        loan_statuses=_term(
            elig_node.get("loan_statuses"), source, key, "eligibility.loan_statuses", statuses
        ),
        loss_on_or_after=_term(
            elig_node.get("loss_on_or_after"),
            source,
            key,
            "eligibility.loss_on_or_after",
            lambda raw: _parse_date(
                raw, source, f"{key}.eligibility.loss_on_or_after", optional=True
            ),
        ),
        npl_threshold=_term(
            elig_node.get("npl_threshold"), source, key, "eligibility.npl_threshold", no_threshold
        ),
    )
    valid_from = _term(
        node.get("valid_from"),
        source,
        key,
        "valid_from",
        lambda raw: _parse_date(raw, source, f"{key}.valid_from", optional=False),
    )
    valid_to = _term(
        node.get("valid_to"),
        source,
        key,
        "valid_to",
        lambda raw: _parse_date(raw, source, f"{key}.valid_to", optional=True),
    )
    if valid_to.value is not None and valid_to.value < valid_from.value:
        raise _bad(source, f"{key}.valid_to", "结束日早于开始日", "ends before it starts")
    return RiskSharingAgreement(
        key=key,
        name=Msg(str(name["zh"]), str(name["en"])),
        valid_from=valid_from,
        valid_to=valid_to,
        products=_term(node.get("products"), source, key, "products", products),
        shares=shares,
        first_loan_bonus=bonus,
        caps=caps,
        eligibility=eligibility,
        source=source,
    )


def _check_overlaps(agreements: Sequence[RiskSharingAgreement], source: str) -> None:
    by_key: dict[str, list[RiskSharingAgreement]] = {}
    for a in agreements:
        by_key.setdefault(a.key, []).append(a)
    for key, versions in by_key.items():
        versions.sort(key=lambda a: a.valid_from.value)
        for before, after in pairwise(versions):
            end = before.valid_to.value
            if end is None or end >= after.valid_from.value:
                raise _bad(
                    source,
                    key,
                    f"版本 {before.version} 与 {after.version} 的有效期重叠",
                    f"versions {before.version} and {after.version} overlap",
                )


def load_agreements(path: Path | None = None) -> tuple[RiskSharingAgreement, ...]:
    """Read agreements from a YAML file (default: the shipped ``risk_sharing.yaml``).

    Raises:
        ValidationError: ``risk_sharing.invalid`` naming the agreement and term that is wrong
            (bad value, missing reference or status, shares not summing to 1, overlaps).
    """
    if path is None:
        return default_agreements()
    return parse_agreements(path.read_text(encoding="utf-8"), source=path.name)


def parse_agreements(text: str, *, source: str = "<text>") -> tuple[RiskSharingAgreement, ...]:
    """Read agreements from YAML text (the format of ``risk_sharing.yaml``).

    Raises:
        ValidationError: ``risk_sharing.invalid``, as :func:`load_agreements`.
    """
    data = yaml.safe_load(text) or {}
    items = data.get("agreements") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise _bad(source, "agreements", "须是协议列表", "must be a list of agreements")
    agreements = []
    for item in items:
        if not isinstance(item, Mapping):
            raise _bad(source, "agreements[]", "每个协议须是映射", "each agreement is a mapping")
        agreements.append(_parse_agreement(item, source))
    _check_overlaps(agreements, source)
    return tuple(agreements)


@cache
def default_agreements() -> tuple[RiskSharingAgreement, ...]:
    """The agreements shipped with kechuang (``kechuang/products/data/risk_sharing.yaml``)."""
    resource = resources.files("kechuang.products").joinpath("data", "risk_sharing.yaml")
    return parse_agreements(resource.read_text(encoding="utf-8"), source="risk_sharing.yaml")


def get(
    key: str,
    as_of: dt.date,
    *,
    agreements: Sequence[RiskSharingAgreement] | None = None,
) -> RiskSharingAgreement:
    """The version of agreement ``key`` in force on ``as_of``.

    Raises:
        NotFound: no agreement has this key (code ``agreement.unknown``), or none of its
            versions is in force on ``as_of`` (code ``agreement.not_in_force``; the message
            lists the validity windows).
    """
    pool = default_agreements() if agreements is None else agreements
    versions = [a for a in pool if a.key == key]
    if not versions:
        known = ", ".join(sorted({a.key for a in pool}))
        raise NotFound(
            Msg(
                f"没有风险分担协议 {key}（现有：{known}）",
                f"no risk-sharing agreement {key} (known: {known})",
            ),
            code="agreement.unknown",
        )
    for a in versions:
        if a.in_force(as_of):
            return a
    windows = "; ".join(
        f"{a.valid_from.value.isoformat()}–{a.valid_to.value.isoformat() if a.valid_to.value else '…'}"
        for a in sorted(versions, key=lambda a: a.valid_from.value)
    )
    raise NotFound(
        Msg(
            f"风险分担协议 {key} 在 {as_of.isoformat()} 不在有效期内（有效期：{windows}）",
            f"risk-sharing agreement {key} is not in force on {as_of.isoformat()} (valid {windows})",
        ),
        code="agreement.not_in_force",
    )
