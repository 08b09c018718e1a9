"""What the hand-written baselines share: parameters, industry groups, value finishing, yoy.

The baselines (``handsql``, ``handpandas``) re-implement every indicator definition by hand; only
the *parameter values* (thresholds of the standards, which are data, not code) are read from
kechuang's shipped parameter set, resolved on the release year's 31 December exactly as
:func:`kechuang.indicators.compute.compute_values` does for both years.

Assumptions of the baselines, true of the generated data (``gen_national``) and of any snapshot of
the operational store (foreign keys hold), stated so nobody mistakes them for general code:

* industry codes are a door letter + 4 digits (GB/T 4754-2017), consistent with each other;
* IPC symbols are already canonical (``H01L21/02``: no spaces, no version suffix, upper case),
  ``ipc_classes`` separated by ``;``;
* every foreign key resolves (no orphan grants, loans or policies);
* report dates are 31 December (the expiry and maintenance-year arithmetic is written for it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

YOY_QUANTUM = Decimal("1E-10")
PER_10K_QUANTUM = Decimal("1E-6")
FEN = Decimal("0.01")

SME_CLASSES = ("medium", "small", "micro")
PRINCIPAL_KINDS = ("drawdown", "repayment_principal", "write_off")
COUNTED_AWARDS = (
    "china_patent_award_gold",
    "china_patent_award_silver",
    "china_patent_award_excellence",
    "national_st_award",
)
SCI_TECH_KINDS = (
    "high_tech",
    "tech_sme",
    "innovative_sme",
    "specialised_sme",
    "little_giant",
    "sh_little_giant",
    "tech_innovation_demo",
    "single_champion",
)

#: 300号 industry groups: code → (parameter slug, metrics).
GROUPS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("agriculture", ("revenue",)),
    2: ("industry", ("employees", "revenue")),
    3: ("construction", ("revenue", "assets")),
    4: ("wholesale", ("employees", "revenue")),
    5: ("retail", ("employees", "revenue")),
    6: ("transport", ("employees", "revenue")),
    7: ("warehousing", ("employees", "revenue")),
    8: ("postal", ("employees", "revenue")),
    9: ("accommodation", ("employees", "revenue")),
    10: ("catering", ("employees", "revenue")),
    11: ("information_transmission", ("employees", "revenue")),
    12: ("software_it", ("employees", "revenue")),
    13: ("real_estate_development", ("revenue", "assets")),
    14: ("property_management", ("employees", "revenue")),
    15: ("leasing_business_services", ("employees", "assets")),
    16: ("other", ("employees",)),
}

#: two-digit division ranges → group (70 is split by its third digit, J/S/T are outside 300号).
DIVISIONS: tuple[tuple[int, int, int], ...] = (
    (1, 5, 1),
    (6, 46, 2),
    (47, 50, 3),
    (51, 51, 4),
    (52, 52, 5),
    (53, 58, 6),
    (59, 59, 7),
    (60, 60, 8),
    (61, 61, 9),
    (62, 62, 10),
    (63, 64, 11),
    (65, 65, 12),
    (71, 72, 15),
    (73, 90, 16),
)


def industry_group(code: str | None) -> int | None:
    """Group of a door-letter + 4-digit code (``None``: no code, or outside 300号)."""
    if not code:
        return None
    division = int(code[1:3])
    if division == 70:
        return {"1": 13, "2": 14}.get(code[3], 16)
    for lo, hi, group in DIVISIONS:
        if lo <= division <= hi:
            return group
    return None


@dataclass(frozen=True)
class Params:
    """Parameter values used by the definitions (money in fen)."""

    counted_kinds: tuple[str, ...]
    sme: Mapping[str, int]
    """``<slug>.<name>`` → value, e.g. ``industry.sme_employees_below``."""
    min_foreign_family: int
    maintenance_years_over: int
    pledge_in_force: bool
    pledge_amount_min: int


def params(year: int) -> Params:
    """The parameters in force on 31 December of ``year`` (kechuang's shipped values)."""
    from kechuang.standards.params import default_parameters

    r = default_parameters().at(dt.date(year, 12, 31))
    counted = tuple(k for k in SCI_TECH_KINDS if r(f"sci_tech_enterprise.counts_{k}"))
    sme = {
        key.removeprefix("sme_size_class."): int(r(key))
        for key in r.values
        if key.startswith("sme_size_class.")
    }
    k = "high_value_patent."
    return Params(
        counted_kinds=counted,
        sme=sme,
        min_foreign_family=int(r(k + "thresholds.min_foreign_family")),
        maintenance_years_over=int(r(k + "thresholds.maintenance_years_over")),
        pledge_in_force=bool(r(k + "categories.pledge_category_in_force")),
        pledge_amount_min=int(r(k + "thresholds.pledge_amount_min")),
    )


# ----------------------------------------------------------------------------- value finishing


def count(raw: Any) -> Decimal:
    """A count as kechuang reports it."""
    return Decimal(int(raw or 0))


def yuan(fen: Any) -> Decimal:
    """Integer fen → 元, quantised to the fen."""
    return (Decimal(int(fen or 0)) / 100).quantize(FEN)


def external_value(scaled: int) -> Decimal:
    """``external_statistic.value`` (× 10⁴) → the figure (integral values without decimals)."""
    value = Decimal(int(scaled)).scaleb(-4).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def per_10k(hv: Decimal, population: Decimal | None) -> Decimal | None:
    if population is None or population == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return (hv * 10000 / population).quantize(PER_10K_QUANTUM, rounding=ROUND_HALF_UP)


def yoy(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if value is None or previous is None or previous == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return ((value - previous) / previous).quantize(YOY_QUANTUM, rounding=ROUND_HALF_UP)


def fund_phase(phases_json: list[str | None], first_phase: str = "首期") -> Decimal | None:
    """First-closing target of the first fund row that has one."""
    import json

    for text in phases_json:
        for phase in json.loads(text or "[]"):
            if phase.get("phase") == first_phase and phase.get("target") is not None:
                return Decimal(str(phase["target"])).quantize(FEN)
    return None


Values = dict[str, Decimal | None]
"""Indicator key → value for one year."""


def assemble(year: int, this: Values, last: Values) -> list[dict[str, Any]]:
    """Rows ``{key, value, previous, yoy}`` in catalogue order (yoy where the definition shows it)."""
    from kechuang.indicators.catalog import DEFINITIONS

    missing = [d.key for d in DEFINITIONS if d.key not in this or d.key not in last]
    if missing:
        raise KeyError(f"baseline lacks indicators: {missing}")
    return [
        {
            "key": d.key,
            "year": year,
            "value": this[d.key],
            "previous": last[d.key],
            "yoy": yoy(this[d.key], last[d.key]) if d.yoy else None,
        }
        for d in DEFINITIONS
    ]


__all__ = [
    "GROUPS",
    "Params",
    "Values",
    "assemble",
    "count",
    "external_value",
    "fund_phase",
    "industry_group",
    "params",
    "per_10k",
    "yoy",
    "yuan",
]
