"""Repayment schedules against hand-computed values, edge cases, properties and the CLI.

Hand computations use exact decimal arithmetic; every amount is rounded to the fen half up
(四舍五入) from the exact value, as ``docs/credit.md`` states.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from decimal import Decimal

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kechuang.cli.credit_schedule import register
from kechuang.core.errors import ValidationError
from kechuang.credit.enums import RepaymentMethod
from kechuang.credit.schedule import Schedule, add_months, parse_rate, schedule

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
IO = RepaymentMethod.INTEREST_ONLY


def rows(s: Schedule) -> list[tuple[str, str, str, str, str]]:
    """(due date, payment, principal, interest, balance) as text."""
    return [
        (
            i.due_date.isoformat(),
            str(i.payment),
            str(i.principal),
            str(i.interest),
            str(i.balance),
        )
        for i in s.installments
    ]


# ---------------------------------------------------------------- hand-computed schedules


def test_equal_installment_120000_at_6_percent_over_12_months() -> None:
    # r = 0.06 / 12 = 0.005; (1.005)^12 = 1.061677811864499568789707617431640625
    # payment = 120000 × 0.005 × 1.0616778… / 0.0616778… = 10327.9715648… → 10327.97
    # n=1: interest 120000 × 0.005 = 600.00; principal 10327.97 − 600.00 = 9727.97;
    #      balance 120000 − 9727.97 = 110272.03
    # n=2: interest 110272.03 × 0.005 = 551.36015 → 551.36; principal 9776.61; balance 100495.42
    # n=3: interest 502.4771 → 502.48; principal 9825.49; balance 90669.93
    # …
    # n=11: interest 20502.07 × 0.005 = 102.51035 → 102.51; principal 10225.46; balance 10276.61
    # n=12 (takes the remainder): principal = 10276.61; interest 51.38305 → 51.38;
    #      payment 10276.61 + 51.38 = 10327.99
    # total interest = 600.00 + 551.36 + … + 51.38 = 3935.66
    s = schedule(
        principal=Decimal("120000"),
        annual_rate=Decimal("0.06"),
        months=12,
        method=EI,
        start=dt.date(2024, 1, 31),
    )
    assert rows(s) == [
        ("2024-02-29", "10327.97", "9727.97", "600.00", "110272.03"),
        ("2024-03-31", "10327.97", "9776.61", "551.36", "100495.42"),
        ("2024-04-30", "10327.97", "9825.49", "502.48", "90669.93"),
        ("2024-05-31", "10327.97", "9874.62", "453.35", "80795.31"),
        ("2024-06-30", "10327.97", "9923.99", "403.98", "70871.32"),
        ("2024-07-31", "10327.97", "9973.61", "354.36", "60897.71"),
        ("2024-08-31", "10327.97", "10023.48", "304.49", "50874.23"),
        ("2024-09-30", "10327.97", "10073.60", "254.37", "40800.63"),
        ("2024-10-31", "10327.97", "10123.97", "204.00", "30676.66"),
        ("2024-11-30", "10327.97", "10174.59", "153.38", "20502.07"),
        ("2024-12-31", "10327.97", "10225.46", "102.51", "10276.61"),
        ("2025-01-31", "10327.99", "10276.61", "51.38", "0.00"),
    ]
    assert s.total_interest == Decimal("3935.66")
    assert s.total_payment == Decimal("123935.66")
    assert s.total_principal == Decimal("120000.00")


def test_equal_principal_120000_at_6_percent_over_12_months() -> None:
    # principal part 120000 / 12 = 10000.00 each month
    # interest k = (120000 − 10000 × (k − 1)) × 0.005 = 600, 550, …, 50
    # total interest = 0.005 × 10000 × (12 + 11 + … + 1) = 50 × 78 = 3900.00
    s = schedule(
        principal=Decimal("120000"),
        annual_rate=Decimal("0.06"),
        months=12,
        method=EP,
        start=dt.date(2024, 1, 31),
    )
    expected_interest = [Decimal(600 - 50 * k) for k in range(12)]
    assert [i.principal for i in s.installments] == [Decimal("10000.00")] * 12
    assert [i.interest for i in s.installments] == expected_interest
    assert [i.payment for i in s.installments] == [10000 + x for x in expected_interest]
    assert [i.balance for i in s.installments] == [
        Decimal(120000 - 10000 * k) for k in range(1, 13)
    ]
    assert s.total_interest == Decimal("3900.00")
    assert s.total_payment == Decimal("123900.00")


def test_equal_principal_with_a_repeating_monthly_rate_and_a_remainder() -> None:
    # 10000 at 5% over 3 months: r = 0.05 / 12 = 0.0041666…
    # principal part 10000 / 3 = 3333.333… → 3333.33; the last takes 10000 − 6666.66 = 3333.34
    # n=1: interest 10000 × r = 41.6666… → 41.67; balance 6666.67
    # n=2: interest 6666.67 × r = 27.7777916… → 27.78; balance 3333.34
    # n=3: interest 3333.34 × r = 13.8889166… → 13.89; principal 3333.34
    s = schedule(
        principal=Decimal("10000"),
        annual_rate=Decimal("0.05"),
        months=3,
        method=EP,
        start=dt.date(2024, 3, 15),
    )
    assert rows(s) == [
        ("2024-04-15", "3375.00", "3333.33", "41.67", "6666.67"),
        ("2024-05-15", "3361.11", "3333.33", "27.78", "3333.34"),
        ("2024-06-15", "3347.23", "3333.34", "13.89", "0.00"),
    ]
    assert s.total_interest == Decimal("83.34")


def test_equal_installment_with_a_repeating_monthly_rate() -> None:
    # 10000 at 5% over 2 months: r = 0.05 / 12 = 1/240, g = (241/240)^2 = 58081/57600
    # payment = 10000 × (1/240) × g / (g − 1) = 10000 × 58081 / (240 × 481)
    #         = 580810000 / 115440 = 5031.2716… → 5031.27
    # n=1: interest 10000 / 240 = 41.6666… → 41.67; principal 5031.27 − 41.67 = 4989.60;
    #      balance 5010.40
    # n=2: interest 5010.40 / 240 = 20.87666… → 20.88; principal 5010.40 (the remainder);
    #      payment 5010.40 + 20.88 = 5031.28
    s = schedule(
        principal=Decimal("10000"),
        annual_rate=Decimal("0.05"),
        months=2,
        method=EI,
        start=dt.date(2024, 3, 15),
    )
    assert rows(s) == [
        ("2024-04-15", "5031.27", "4989.60", "41.67", "5010.40"),
        ("2024-05-15", "5031.28", "5010.40", "20.88", "0.00"),
    ]


def test_interest_only_120000_at_6_percent() -> None:
    # interest every month 120000 × 0.005 = 600.00; the principal comes back in month 12
    s = schedule(
        principal=Decimal("120000"),
        annual_rate=Decimal("0.06"),
        months=12,
        method=IO,
        start=dt.date(2024, 1, 31),
    )
    assert [i.interest for i in s.installments] == [Decimal("600.00")] * 12
    assert [i.principal for i in s.installments] == [Decimal("0.00")] * 11 + [Decimal("120000.00")]
    assert [i.payment for i in s.installments] == [Decimal("600.00")] * 11 + [Decimal("120600.00")]
    assert [i.balance for i in s.installments] == [Decimal("120000.00")] * 11 + [Decimal("0.00")]
    assert s.total_interest == Decimal("7200.00")
    assert s.total_payment == Decimal("127200.00")


def test_interest_rounds_half_up() -> None:
    # 101 × 0.005 = 0.505 exactly → 0.51 under ROUND_HALF_UP (banker's rounding would give 0.50)
    s = schedule(
        principal=Decimal("101"),
        annual_rate=Decimal("0.06"),
        months=2,
        method=IO,
        start=dt.date(2024, 1, 1),
    )
    assert [i.interest for i in s.installments] == [Decimal("0.51"), Decimal("0.51")]


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_one_month_loan_is_principal_plus_one_month_interest(method: RepaymentMethod) -> None:
    # 100000 at 4.35%: r = 0.003625; interest 362.50; one payment of 100362.50
    s = schedule(
        principal=Decimal("100000"),
        annual_rate=parse_rate("4.35%"),
        months=1,
        method=method,
        start=dt.date(2024, 3, 15),
    )
    assert rows(s) == [("2024-04-15", "100362.50", "100000.00", "362.50", "0.00")]


@pytest.mark.parametrize(("method"), [EI, EP])
def test_zero_rate_splits_the_principal_and_the_last_takes_the_remainder(
    method: RepaymentMethod,
) -> None:
    # 1000 / 3 = 333.333… → 333.33, 333.33, and the last 1000 − 666.66 = 333.34; no interest
    s = schedule(
        principal=Decimal("1000"),
        annual_rate=Decimal("0"),
        months=3,
        method=method,
        start=dt.date(2024, 1, 10),
    )
    assert [i.principal for i in s.installments] == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    assert [i.payment for i in s.installments] == [i.principal for i in s.installments]
    assert s.total_interest == Decimal("0.00")
    assert s.total_payment == Decimal("1000.00")


def test_zero_rate_interest_only_pays_everything_at_the_end() -> None:
    s = schedule(
        principal=Decimal("1000"),
        annual_rate=Decimal("0"),
        months=3,
        method=IO,
        start=dt.date(2024, 1, 10),
    )
    assert [i.payment for i in s.installments] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("1000.00"),
    ]


def test_a_31st_start_clamps_to_month_ends_and_comes_back_to_the_31st() -> None:
    s = schedule(
        principal=Decimal("60000"),
        annual_rate=Decimal("0.05"),
        months=6,
        method=EP,
        start=dt.date(2023, 1, 31),
    )
    assert [i.due_date.isoformat() for i in s.installments] == [
        "2023-02-28",
        "2023-03-31",
        "2023-04-30",
        "2023-05-31",
        "2023-06-30",
        "2023-07-31",
    ]


def test_due_dates_cross_the_year_and_keep_a_leap_day_start() -> None:
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 1) == dt.date(2024, 3, 29)
    assert add_months(dt.date(2024, 11, 30), 3) == dt.date(2025, 2, 28)


def test_tiny_loans_never_overpay_before_the_last_installment() -> None:
    # 0.30 over 12 months at 0%: 0.30 / 12 = 0.025 → 0.03 a month would repay 0.33 by month 11;
    # principal is capped at the balance, so the loan is repaid in month 10 and the rest are 0
    s = schedule(
        principal=Decimal("0.30"),
        annual_rate=Decimal("0"),
        months=12,
        method=EI,
        start=dt.date(2024, 1, 1),
    )
    assert [i.principal for i in s.installments] == [Decimal("0.03")] * 10 + [Decimal("0.00")] * 2
    assert s.installments[-1].balance == Decimal("0.00")


def test_as_dict_prints_amounts_with_two_decimals() -> None:
    s = schedule(
        principal=Decimal("1000"),
        annual_rate=Decimal("0"),
        months=1,
        method=EI,
        start=dt.date(2024, 1, 10),
    )
    assert s.as_dict() == {
        "installments": [
            {
                "n": 1,
                "due_date": "2024-02-10",
                "payment": "1000.00",
                "principal": "1000.00",
                "interest": "0.00",
                "balance": "0.00",
            }
        ],
        "total_interest": "0.00",
        "total_payment": "1000.00",
    }


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"principal": Decimal("0")}, "principal"),
        ({"principal": Decimal("-100")}, "principal"),
        ({"principal": Decimal("100.001")}, "principal"),
        ({"principal": 100.0}, "principal"),
        ({"annual_rate": Decimal("-0.01")}, "annual_rate"),
        ({"annual_rate": Decimal("4.35")}, "annual_rate"),
        ({"annual_rate": 0.05}, "annual_rate"),
        ({"months": 0}, "months"),
        ({"months": 601}, "months"),
        ({"months": 1.5}, "months"),
        ({"method": "balloon"}, "method"),
        ({"start": "2024-01-01"}, "start"),
    ],
)
def test_bad_input_is_a_bilingual_validation_error(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "principal": Decimal("1000"),
        "annual_rate": Decimal("0.05"),
        "months": 12,
        "method": EI,
        "start": dt.date(2024, 1, 1),
        **kwargs,
    }
    with pytest.raises(ValidationError) as caught:
        schedule(**args)  # type: ignore[arg-type]
    err = caught.value
    assert err.code == "schedule.invalid"
    assert err.issues[0].column == field
    assert err.message.zh != err.message.en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message.zh)


def test_parse_rate_reads_fractions_and_percentages() -> None:
    assert parse_rate("0.0435") == Decimal("0.0435")
    assert parse_rate("4.35%") == Decimal("0.0435")
    assert parse_rate(" 4.35 ％ ") == Decimal("0.0435")
    with pytest.raises(ValidationError):
        parse_rate("four")


# ---------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=10**11).map(lambda fen: Decimal(fen) / 100),
    rate=st.integers(min_value=0, max_value=3600).map(lambda bp: Decimal(bp) / 10000),
    months=st.integers(min_value=1, max_value=360),
    method=st.sampled_from(list(RepaymentMethod)),
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
)
def test_schedule_invariants(
    principal: Decimal, rate: Decimal, months: int, method: RepaymentMethod, start: dt.date
) -> None:
    s = schedule(principal=principal, annual_rate=rate, months=months, method=method, start=start)
    items = s.installments
    assert len(items) == months
    assert [i.n for i in items] == list(range(1, months + 1))
    assert sum(i.principal for i in items) == principal  # exactly the loan
    assert items[-1].balance == 0
    balance = principal
    previous = start
    for i in items:
        assert i.principal >= 0 and i.interest >= 0 and i.balance >= 0
        assert i.payment == i.principal + i.interest
        assert i.payment >= i.interest
        balance -= i.principal
        assert i.balance == balance
        assert i.due_date > previous
        months_later = (i.due_date.year - start.year) * 12 + i.due_date.month - start.month
        assert months_later == i.n
        assert i.due_date.day == min(
            start.day, calendar.monthrange(i.due_date.year, i.due_date.month)[1]
        )
        previous = i.due_date
        for amount in (i.payment, i.principal, i.interest, i.balance):
            assert amount == amount.quantize(Decimal("0.01"))
    assert s.total_interest == sum(i.interest for i in items)
    assert s.total_payment == principal + s.total_interest
    if method is RepaymentMethod.INTEREST_ONLY:
        assert all(i.principal == 0 for i in items[:-1])
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        # one level payment for every installment but the last (and any after an early payoff
        # of a loan of a few fen, which repays nothing more)
        assert len({i.payment for i in items[:-1] if i.balance > 0}) <= 1


# ---------------------------------------------------------------- CLI

runner = CliRunner()


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Stands in for the ``kechuang credit`` group."""

    register(app)
    return app


def test_cli_schedule_json_matches_the_hand_computation() -> None:
    result = runner.invoke(
        _cli(),
        [
            "schedule",
            "--principal",
            "120000",
            "--annual-rate",
            "6%",
            "--months",
            "12",
            "--method",
            "equal_installment",
            "--start",
            "2024-01-31",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"installments", "total_interest", "total_payment"}
    assert data["installments"][0] == {
        "n": 1,
        "due_date": "2024-02-29",
        "payment": "10327.97",
        "principal": "9727.97",
        "interest": "600.00",
        "balance": "110272.03",
    }
    assert data["installments"][-1]["payment"] == "10327.99"
    assert data["total_interest"] == "3935.66"
    assert data["total_payment"] == "123935.66"


def test_cli_schedule_accepts_a_fraction_rate_chinese_method_and_wan() -> None:
    result = runner.invoke(
        _cli(),
        [
            "schedule",
            "--principal",
            "12万",
            "--annual-rate",
            "0.06",
            "--months",
            "12",
            "--method",
            "等额本金",
            "--start",
            "2024-01-31",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total_interest"] == "3900.00"


def test_cli_schedule_table_and_errors() -> None:
    ok = runner.invoke(
        _cli(),
        ["schedule", "--principal", "1000", "--annual-rate", "0", "--months", "3"],
        env={"COLUMNS": "200"},
    )
    assert ok.exit_code == 0, ok.output
    assert "333.34" in ok.stdout
    bad = runner.invoke(
        _cli(),
        ["schedule", "--principal", "1000", "--annual-rate", "4.35", "--months", "3"],
        env={"COLUMNS": "200", "KECHUANG_LANG": "zh"},
    )
    assert bad.exit_code == 1
    assert "年利率" in bad.output
    unknown = runner.invoke(
        _cli(),
        [
            "schedule",
            "--principal",
            "1000",
            "--annual-rate",
            "5%",
            "--months",
            "3",
            "--method",
            "x",
        ],
        env={"COLUMNS": "200"},
    )
    assert unknown.exit_code == 1
