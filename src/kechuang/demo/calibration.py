"""Calibration of the demo: exact integer targets that print as the seed's figures.

The seed (§7.1–7.2) prints each figure at a precision — ``2.99万户``, ``10486.31亿元``,
``比上年增长 49.99%`` — and the demo must generate records whose computed figures print the same.
This module turns every printed figure into **exact** targets for 2023 and, where the seed gives a
growth rate, 2022:

* the 2023 value is the printed figure itself, exactly (``2.99万户`` → 29,900 enterprises;
  ``10486.31亿元`` → 1,048,631,000,000.00 yuan), so it prints right under any rounding rule;
* the 2022 value is the one nearest to the value *implied* by the growth rate
  (``v₂₀₂₃ ÷ (1 + yoy)``) whose year-over-year change, rounded half-up to 2 decimals in percent,
  equals the seed's. Values on the printed grid (e.g. whole 0.01亿) are preferred when one fits.

Rounding is ``ROUND_HALF_UP`` (the way statistical bulletins round); the solver checks its answer
with the same function the tests and the headline table use (:func:`printed`, :func:`yoy_pct`).
Counts are integers, money is yuan exact to the fen (``Decimal``), never float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

ONE: Final = Decimal(1)
WAN: Final = Decimal(10_000)
YI: Final = Decimal(100_000_000)
WAN_YI: Final = Decimal(1_000_000_000_000)
FEN: Final = Decimal("0.01")

POPULATION: Final[dict[int, int]] = {2022: 24_758_900, 2023: 24_874_500}
"""Year-end resident population of Shanghai (常住人口), persons: 2022 2475.89万 [confirmed],
2023 2487.45万 [unconfirmed] (RULES.md §3). The per-10,000 indicator divides by it."""


def _quantum(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def printed(value: Decimal | int, scale: Decimal, decimals: int) -> Decimal:
    """``value`` as the report prints it: divided by ``scale``, rounded half-up to ``decimals``."""
    return (Decimal(value) / scale).quantize(_quantum(decimals), rounding=ROUND_HALF_UP)


def yoy_pct(current: Decimal | int, previous: Decimal | int) -> Decimal:
    """Year-over-year change in percent, rounded half-up to 2 decimals (``49.99``)."""
    c, p = Decimal(current), Decimal(previous)
    return ((c - p) / p * 100).quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Figure:
    """One printed figure of the seed.

    Attributes:
        key: indicator key (GLOSSARY identifier, as the indicators catalogue names it).
        label: the seed's wording, Chinese.
        value: the printed number (``Decimal("2.99")``).
        scale: what one printed unit is worth in the base unit (``WAN`` for 万户, ``YI`` for 亿元).
        decimals: decimals printed.
        unit: printed unit (``万户``, ``亿元``, ``件`` …).
        yoy: printed growth rate in percent (``Decimal("49.99")``), or ``None``.
        quantum: smallest step of the base unit: 1 for counts, 0.01 for yuan.
        approx_below: the seed says "近 N" (a bit under N): the value is below ``value × scale``
            and prints as ``value`` at ``decimals``.
    """

    key: str
    label: str
    value: Decimal
    scale: Decimal
    decimals: int
    unit: str
    yoy: Decimal | None = None
    quantum: Decimal = ONE
    approx_below: bool = False

    def text(self) -> str:
        """The figure as the seed prints it (``2.99万户``)."""
        return f"{'近' if self.approx_below else ''}{self.value}{self.unit}"

    def matches(self, base_value: Decimal | int) -> bool:
        """Whether ``base_value`` (in the base unit) prints as this figure."""
        if self.approx_below and not Decimal(base_value) < self.value * self.scale:
            return False
        return printed(base_value, self.scale, self.decimals) == self.value


@dataclass(frozen=True, slots=True)
class Target:
    """Exact targets of one figure: the 2023 value and, when the seed gives a growth rate, 2022."""

    figure: Figure
    current: Decimal
    previous: Decimal | None = None

    def check(self) -> None:
        """Raise ``AssertionError`` unless the targets print as the seed's figure and yoy."""
        assert self.figure.matches(self.current), (self.figure.key, self.current)
        if self.figure.yoy is not None:
            assert self.previous is not None
            assert yoy_pct(self.current, self.previous) == self.figure.yoy, self.figure.key


def solve_previous(
    current: Decimal | int,
    yoy: Decimal,
    *,
    quantum: Decimal = ONE,
    grid: Decimal | None = None,
    search: int = 10_000,
) -> Decimal:
    """The previous-year value nearest the one implied by ``yoy`` whose rounded yoy equals it.

    Args:
        current: this year's value (base unit).
        yoy: the printed growth rate in percent, 2 decimals (``Decimal("49.99")``).
        quantum: the step of the base unit (1 for counts, 0.01 yuan for money).
        grid: a preferred coarser step (the printed precision, e.g. 0.01亿 = 10⁶ yuan); tried
            first, then ``quantum``.
        search: how many steps either side of the implied value to try.

    Raises:
        ValueError: no value within ``search`` steps rounds to ``yoy`` (e.g. a count too small
            for a 2-decimal growth rate).
    """
    cur = Decimal(current)
    implied = cur / (1 + yoy / 100)
    steps = [s for s in (grid, quantum) if s is not None and s >= quantum and s % quantum == 0]
    for step in steps:
        centre = (implied / step).to_integral_value(rounding=ROUND_HALF_UP)
        for k in range(search + 1):
            for cand in ((centre - k) * step, (centre + k) * step) if k else (centre * step,):
                if cand > 0 and yoy_pct(cur, cand) == yoy:
                    return cand.quantize(quantum)
    raise ValueError(f"no previous value for {current} at {yoy}%")


def solve(figure: Figure) -> Target:
    """Exact targets for ``figure`` (see the module docstring)."""
    if figure.approx_below:
        # "近1亿": a round sum a little under the figure that still prints as it.
        step = figure.scale / 100
        current = figure.value * figure.scale - step
        while not figure.matches(current):
            current -= step
    else:
        current = figure.value * figure.scale
    if current % figure.quantum:
        raise ValueError(f"{figure.key}: {current} is not a multiple of {figure.quantum}")
    previous = None
    if figure.yoy is not None:
        grid = _quantum(figure.decimals) * figure.scale
        previous = solve_previous(current, figure.yoy, quantum=figure.quantum, grid=grid)
    target = Target(figure, current.quantize(figure.quantum), previous)
    target.check()
    return target


@dataclass(frozen=True, slots=True)
class RatioTarget:
    """Targets of 每万人口高价值发明专利拥有量: high-value patents in force per year."""

    figure: Figure
    current: int
    previous: int

    def ratio(self, year: int) -> Decimal:
        """Patents per 10,000 residents in ``year`` (exact)."""
        count = self.current if year == 2023 else self.previous
        return Decimal(count) * WAN / POPULATION[year]

    def check(self) -> None:
        """Raise ``AssertionError`` unless the ratio and its yoy print as the seed's."""
        assert printed(self.ratio(2023), ONE, self.figure.decimals) == self.figure.value
        assert self.figure.yoy is not None
        assert yoy_pct(self.ratio(2023), self.ratio(2022)) == self.figure.yoy


def solve_per_10k(figure: Figure, population: dict[int, int] = POPULATION) -> RatioTarget:
    """Integer high-value patent counts for 2023 and 2022 that print as ``figure`` (per 10⁴)."""
    assert figure.yoy is not None
    pop23, pop22 = Decimal(population[2023]), Decimal(population[2022])
    n23 = int((figure.value * pop23 / WAN).to_integral_value(rounding=ROUND_HALF_UP))
    for delta in range(0, 200):
        for c23 in (n23 - delta, n23 + delta):
            if printed(Decimal(c23) * WAN / pop23, ONE, figure.decimals) != figure.value:
                continue
            r23 = Decimal(c23) * WAN / pop23
            implied = r23 / (1 + figure.yoy / 100) * pop22 / WAN
            centre = int(implied.to_integral_value(rounding=ROUND_HALF_UP))
            for k in range(0, 50):
                for c22 in (centre - k, centre + k):
                    if yoy_pct(r23, Decimal(c22) * WAN / pop22) == figure.yoy:
                        target = RatioTarget(figure, c23, c22)
                        target.check()
                        return target
    raise ValueError(f"no counts for {figure.key}")


# ------------------------------------------------------------------ the seed's figures (§7.1–7.2)

_ = Decimal
SEED_FIGURES: Final[tuple[Figure, ...]] = (
    Figure("sci_tech_borrowers", "科技型企业贷款存量户数", _("2.99"), WAN, 2, "万户", _("49.99")),
    Figure(
        "sci_tech_sme_borrowers",
        "科技型中小企业贷款存量户数",
        _("2.63"),
        WAN,
        2,
        "万户",
        _("73.79"),
    ),
    Figure(
        "sci_tech_loan_balance",
        "科技型企业贷款余额",
        _("10486.31"),
        YI,
        2,
        "亿元",
        _("52.14"),
        FEN,
    ),
    Figure(
        "sci_tech_sme_loan_balance",
        "科技型中小企业贷款余额",
        _("4756.47"),
        YI,
        2,
        "亿元",
        _("92.70"),
        FEN,
    ),
    Figure(
        "sh_performance_loan_enterprises", "科技履约贷（含微贷通）授信企业", _("368"), ONE, 0, "家"
    ),
    Figure(
        "sh_performance_loan_amount",
        "科技履约贷（含微贷通）授信金额",
        _("18.69"),
        YI,
        2,
        "亿元",
        None,
        FEN,
    ),
    Figure("sh_boost_loan_enterprises", "科创助力贷授信企业", _("411"), ONE, 0, "家"),
    Figure("sh_boost_loan_amount", "科创助力贷授信金额", _("10.72"), YI, 2, "亿元", None, FEN),
    Figure(
        "sh_little_giant_credit_loan_enterprises", "小巨人信用贷授信企业", _("233"), ONE, 0, "家"
    ),
    Figure(
        "sh_little_giant_credit_loan_amount",
        "小巨人信用贷授信金额",
        _("45"),
        YI,
        0,
        "亿元",
        None,
        FEN,
    ),
    Figure("sh_high_tech_loan_enterprises", "“高企贷”支持高企", _("9729"), ONE, 0, "家"),
    Figure("sh_high_tech_loan_amount", "“高企贷”信贷支持", _("3534.78"), YI, 2, "亿元", None, FEN),
    Figure("sh_high_tech_loan_sme_enterprises", "其中中小企业", _("8890"), ONE, 0, "家"),
    Figure(
        "sh_high_tech_loan_sme_amount",
        "其中中小企业贷款金额",
        _("1988.04"),
        YI,
        2,
        "亿元",
        None,
        FEN,
    ),
    Figure("esop_loan_enterprises", "员工持股计划融资贷款 科技型企业", _("6"), ONE, 0, "家"),
    Figure(
        "esop_loan_amount",
        "员工持股计划融资贷款",
        _("1"),
        YI,
        0,
        "亿元",
        None,
        FEN,
        approx_below=True,
    ),
    Figure(
        "ic_coinsurance_pool_enterprise_policies", "集成电路共保体 家次", _("55"), ONE, 0, "家次"
    ),
    Figure(
        "ic_coinsurance_pool_sum_insured", "集成电路共保体 保险保障", _("2.06"), WAN_YI, 2, "万亿元"
    ),
    Figure("first_of_kind_equipment_projects", "首台（套）累计承保项目", _("255"), ONE, 0, "个"),
    Figure(
        "first_of_kind_equipment_sum_insured", "首台（套）累计风险保障", _("859"), YI, 0, "亿元"
    ),
    Figure("clinical_trial_insured", "临床试验责任险 企业及机构", _("119"), ONE, 0, "家"),
    Figure("clinical_trial_projects", "临床试验责任险 项目", _("352"), ONE, 0, "个"),
    Figure(
        "clinical_trial_sum_insured",
        "临床试验责任险 承保风险",
        _("14.29"),
        YI,
        2,
        "亿元",
        None,
        FEN,
    ),
    Figure("startup_founder_districts", "创业责任险 试点区", _("6"), ONE, 0, "个区"),
    Figure("startup_founder_incubators", "创业责任险 孵化器", _("49"), ONE, 0, "家"),
    Figure("startup_founder_enterprises", "创业责任险 初创企业", _("300"), ONE, 0, "家"),
    Figure("startup_founder_founders", "创业责任险 创业者", _("816"), ONE, 0, "位"),
    Figure(
        "startup_founder_sum_insured",
        "创业责任险 承保风险",
        _("2937.6"),
        WAN,
        1,
        "万元",
        None,
        FEN,
    ),
    Figure("fudan_fof_phase1_size", "复旦科创母基金首期规模", _("10"), YI, 0, "亿元", None, FEN),
    Figure("patents_granted", "专利授权量", _("15.91"), WAN, 2, "万件"),
    Figure("invention_patents_granted", "发明专利授权量", _("4.43"), WAN, 2, "万件", _("20.51")),
    Figure("pct_applications", "PCT专利申请受理量", _("6185"), ONE, 0, "件", _("10.62")),
    Figure("valid_invention_patents", "有效发明专利拥有量", _("24.14"), WAN, 2, "万件", _("19.53")),
    Figure(
        "high_value_patents_per_10k",
        "每万人口高价值发明专利拥有量",
        _("50.2"),
        ONE,
        1,
        "件",
        _("22.74"),
    ),
    Figure("ip_finance_centres", "市级知识产权金融创新中心", _("10"), ONE, 0, "家"),
    Figure("medical_ip_centres", "医疗卫生系统知识产权运营中心", _("10"), ONE, 0, "家"),
    Figure("sme_ip_projects", "中小企业知识产权运营能力提升项目", _("50"), ONE, 0, "个"),
)
"""Every computed figure of seed §7.1–7.2, as printed (GII rank is external, not computed)."""

FIGURES: Final[dict[str, Figure]] = {f.key: f for f in SEED_FIGURES}


@dataclass(frozen=True, slots=True)
class Calibration:
    """All exact targets of the demo."""

    targets: dict[str, Target]
    high_value: RatioTarget

    def current(self, key: str) -> Decimal:
        """The 2023 target of ``key``."""
        return self.targets[key].current

    def previous(self, key: str) -> Decimal:
        """The 2022 target of ``key`` (figures with a growth rate only)."""
        prev = self.targets[key].previous
        if prev is None:
            raise KeyError(f"{key} has no 2022 target")
        return prev

    def count(self, key: str, year: int = 2023) -> int:
        """An integer target (counts)."""
        return int(self.current(key) if year == 2023 else self.previous(key))


def calibrate() -> Calibration:
    """Solve every figure of :data:`SEED_FIGURES`."""
    targets = {f.key: solve(f) for f in SEED_FIGURES if f.key != "high_value_patents_per_10k"}
    return Calibration(targets, solve_per_10k(FIGURES["high_value_patents_per_10k"]))


__all__ = [
    "FIGURES",
    "POPULATION",
    "SEED_FIGURES",
    "Calibration",
    "Figure",
    "RatioTarget",
    "Target",
    "calibrate",
    "printed",
    "solve",
    "solve_per_10k",
    "solve_previous",
    "yoy_pct",
]
