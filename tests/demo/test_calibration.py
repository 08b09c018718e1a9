"""The calibration solver: exact targets that print as the seed's figures and growth rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.demo.calibration import (
    FEN,
    FIGURES,
    ONE,
    POPULATION,
    SEED_FIGURES,
    WAN,
    YI,
    Figure,
    calibrate,
    printed,
    solve,
    solve_per_10k,
    solve_previous,
    yoy_pct,
)
from kechuang.demo.synthetic import split


def test_rounding_is_half_up() -> None:
    assert printed(29_950, WAN, 2) == Decimal("3.00")  # 2.995 → 3.00 (half-up, not half-even)
    assert printed(29_949, WAN, 2) == Decimal("2.99")
    assert yoy_pct(29_900, 19_935) == Decimal("49.99")
    assert yoy_pct(Decimal("1.00125"), 1) == Decimal("0.13")


def test_borrowers_targets() -> None:
    t = solve(FIGURES["sci_tech_borrowers"])
    assert (t.current, t.previous) == (Decimal(29_900), Decimal(19_935))
    sme = solve(FIGURES["sci_tech_sme_borrowers"])
    assert (sme.current, sme.previous) == (Decimal(26_300), Decimal(15_133))


def test_balance_targets_prefer_the_printed_grid() -> None:
    t = solve(FIGURES["sci_tech_loan_balance"])
    assert t.current == Decimal("1048631000000.00")
    # 2022 is a whole 0.01亿 (10⁶ yuan): 6892.54亿 — NFRA's own 2022 figure is 6892.48亿.
    assert t.previous == Decimal("689254000000.00")
    assert yoy_pct(t.current, t.previous) == Decimal("52.14")
    sme = solve(FIGURES["sci_tech_sme_loan_balance"])
    assert printed(sme.previous or 0, YI, 2) == Decimal("2468.33")


def test_approximate_figure_is_a_bit_under() -> None:
    t = solve(FIGURES["esop_loan_amount"])
    assert t.current < YI
    assert FIGURES["esop_loan_amount"].matches(t.current)
    assert not FIGURES["esop_loan_amount"].matches(YI)  # "近1亿" is not 1亿 itself
    assert FIGURES["esop_loan_amount"].text() == "近1亿元"


def test_every_seed_figure_is_solved() -> None:
    cal = calibrate()
    assert len(cal.targets) == len(SEED_FIGURES) - 1  # the per-10k ratio is solved separately
    for target in cal.targets.values():
        target.check()
    assert cal.count("pct_applications", 2022) == 5591  # = Shanghai's confirmed 2022 figure


def test_high_value_per_10k() -> None:
    t = solve_per_10k(FIGURES["high_value_patents_per_10k"])
    assert t.current == 124_870
    assert printed(t.ratio(2023), ONE, 1) == Decimal("50.2")
    assert yoy_pct(t.ratio(2023), t.ratio(2022)) == Decimal("22.74")
    assert printed(t.ratio(2022), ONE, 1) == Decimal("40.9")  # Shanghai's end-2022 figure
    assert POPULATION[2022] == 24_758_900


def test_impossible_growth_rate_is_refused() -> None:
    # With 10 enterprises no previous count gives +12.34% ± 0.005%.
    with pytest.raises(ValueError, match="no previous value"):
        solve_previous(10, Decimal("12.34"))
    with pytest.raises(ValueError, match="not a multiple"):
        solve(Figure("x", "x", Decimal("1.005"), ONE, 3, "件"))  # not a whole count


@given(
    current=st.integers(min_value=1_000_000, max_value=10**9),
    yoy=st.decimals(min_value=Decimal("-50"), max_value=Decimal("300"), places=2),
)
def test_solve_previous_counts(current: int, yoy: Decimal) -> None:
    previous = solve_previous(current, yoy)
    assert previous == previous.to_integral_value()
    assert yoy_pct(current, previous) == yoy
    implied = Decimal(current) / (1 + yoy / 100)
    # Nearest on the integer grid: within the rounding band around the implied value.
    assert abs(previous - implied) <= implied * Decimal("0.0001") + 1


@given(
    current_fen=st.integers(min_value=10**8, max_value=10**15),
    yoy=st.decimals(min_value=Decimal("-50"), max_value=Decimal("300"), places=2),
)
def test_solve_previous_money_on_grid(current_fen: int, yoy: Decimal) -> None:
    current = Decimal(current_fen) / 100
    grid = Decimal(1_000_000)  # 0.01亿
    previous = solve_previous(current, yoy, quantum=FEN, grid=grid)
    assert previous == previous.quantize(FEN)
    assert yoy_pct(current, previous) == yoy


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.floats(min_value=0.01, max_value=100), min_size=1, max_size=50),
    minimum=st.integers(min_value=0, max_value=1000),
)
def test_split_is_exact(total: int, weights: list[float], minimum: int) -> None:
    total += minimum * len(weights)
    parts = split(total, weights, minimum)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    assert min(parts) >= minimum


def test_split_refuses_too_little() -> None:
    with pytest.raises(ValueError, match="cannot give"):
        split(5, [1.0, 1.0], 3)
