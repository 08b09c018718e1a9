"""Subsidies from the ledger: premium (保费补贴), guarantee fee and interest (贴息).

The premium rule under test is the catalogue's own: 沪科〔2025〕212号, 50% of the premium actually
paid, loans repaid 2024-08-01 … 2025-08-31, borrower not on the serious-dishonesty list.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.credit_claims import app as claims_app
from kechuang.core.errors import NotFound, ValidationError
from kechuang.credit import subsidies
from kechuang.credit.enums import LedgerKind, LoanStatus
from kechuang.products.schemas import SubsidyKind, SubsidyRule
from kechuang.storage.db import unit_of_work
from tests.credit.test_claims import add_bank, add_enterprise, add_grant, add_loan, event

D = dt.date
_banks = itertools.count(1)
AS_OF = D(2025, 12, 31)


def premium_rule() -> SubsidyRule:
    [rule] = subsidies.product_rules("sh_performance_loan")
    assert rule.kind is SubsidyKind.PREMIUM_SUBSIDY
    assert rule.share == Decimal("0.5") and rule.status == "confirmed"
    assert (rule.repaid_from, rule.repaid_to) == (D(2024, 8, 1), D(2025, 8, 31))
    return rule


def rule(kind: SubsidyKind, **kw: Any) -> SubsidyRule:
    values: dict[str, Any] = {
        "key": "test_rule",
        "kind": kind,
        "share": "50%",
        "repaid_from": D(2024, 8, 1),
        "repaid_to": D(2025, 8, 31),
        "conditions": ["no_serious_dishonesty"],
        "reference": "test",
        "status": "illustrative",
        "note": "test rule",
    }
    values.update(kw)
    return SubsidyRule.model_validate(values)


def performance_loan(
    session: Session,
    *,
    settled: dt.date | None,
    premium: str | None = "10000.00",
    dishonest: bool = False,
    principal: str = "1000000.00",
) -> Any:
    bank = add_bank(session, f"BK-{next(_banks)}")
    ent = add_enterprise(session, dishonest=dishonest)
    grant = add_grant(
        session,
        bank=bank,
        enterprise=ent,
        product_key="sh_performance_loan",
        amount=Decimal(principal),
        premium_paid=None if premium is None else Decimal(premium),
    )
    return add_loan(
        session,
        bank=bank,
        grant=grant,
        product_key="sh_performance_loan",
        principal=principal,
        drawdown=D(2024, 1, 10),
        status=LoanStatus.REPAID if settled else LoanStatus.CURRENT,
        status_since=settled or D(2024, 1, 10),
        repaid=[(settled, principal)] if settled else [],
    )


def test_repayment_window_boundaries_on_the_exact_day(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        days = [D(2024, 7, 31), D(2024, 8, 1), D(2025, 8, 31), D(2025, 9, 1)]
        loans = [performance_loan(session, settled=d) for d in days]
        result = subsidies.premium_subsidy(
            session=session, rule=premium_rule(), loans_or_grants=loans, as_of=AS_OF
        )
        by_loan = {d.loan_no: d for d in result.decisions}
        verdicts = [by_loan[loan.loan_no].qualifies for loan in loans]
        assert verdicts == [False, True, True, False]
        assert [by_loan[loan.loan_no].settled_on for loan in loans] == days
        early = by_loan[loans[0].loan_no]
        [failed] = early.failed
        assert failed.criterion == "repaid_in_window"
        assert "outside the window 2024-08-01 – 2025-08-31" in failed.message.en
        assert early.amount == Decimal("0.00")
        assert by_loan[loans[1].loan_no].amount == Decimal("5000.00")
        assert result.total == Decimal("10000.00")
        assert (result.qualified, result.not_qualified) == (2, 2)


def test_partly_repaid_before_and_settled_in_the_window_counts_the_settlement_day(
    db_url: str,
) -> None:
    with unit_of_work(db_url) as session:
        loan = performance_loan(session, settled=None)
        event(session, loan, LedgerKind.REPAYMENT_PRINCIPAL, D(2024, 6, 1), "400000.00")
        event(session, loan, LedgerKind.REPAYMENT_PRINCIPAL, D(2024, 8, 1), "600000.00")
        session.flush()
        [d] = subsidies.premium_subsidy(
            session=session, rule=premium_rule(), loans_or_grants=[loan], as_of=AS_OF
        ).decisions
        assert d.settled_on == D(2024, 8, 1) and d.qualifies
        # as of the day before, it was not repaid yet
        [before] = subsidies.premium_subsidy(
            session=session, rule=premium_rule(), loans_or_grants=[loan], as_of=D(2024, 7, 31)
        ).decisions
        assert before.settled_on is None and not before.qualifies
        assert "not repaid in full by 2024-07-31" in before.failed[0].message.en


def test_borrowers_on_the_dishonesty_list_are_excluded(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        honest = performance_loan(session, settled=D(2025, 1, 15))
        listed = performance_loan(session, settled=D(2025, 1, 15), dishonest=True)
        result = subsidies.premium_subsidy(
            session=session, rule=premium_rule(), loans_or_grants=[honest, listed], as_of=AS_OF
        )
        by_loan = {d.loan_no: d for d in result.decisions}
        assert by_loan[honest.loan_no].qualifies
        bad = by_loan[listed.loan_no]
        assert not bad.qualifies and bad.amount == Decimal("0.00")
        assert [r.criterion for r in bad.failed] == ["no_serious_dishonesty"]
        assert "严重失信" in bad.failed[0].message.zh
        assert result.total == Decimal("5000.00")


@pytest.mark.parametrize(
    ("premium", "expected"),
    [
        ("1234.57", "617.29"),  # 617.285 → half up
        ("1234.55", "617.28"),  # 617.275 → half up
        ("0.01", "0.01"),  # 0.005 → half up
        ("0.02", "0.01"),
        ("99999.99", "50000.00"),  # 49999.995 → half up
    ],
)
def test_fifty_percent_is_rounded_half_up_to_the_fen(
    db_url: str, premium: str, expected: str
) -> None:
    with unit_of_work(db_url) as session:
        loan = performance_loan(session, settled=D(2025, 3, 1), premium=premium)
        [d] = subsidies.premium_subsidy(
            session=session, rule=premium_rule(), loans_or_grants=[loan], as_of=AS_OF
        ).decisions
        assert d.qualifies
        assert d.base == Decimal(premium)
        assert d.amount == Decimal(expected)


def test_no_premium_recorded_and_written_off_loans_do_not_qualify(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        none = performance_loan(session, settled=D(2025, 3, 1), premium=None)
        bank = add_bank(session, "BK-WO")
        ent = add_enterprise(session)
        grant = add_grant(
            session,
            bank=bank,
            enterprise=ent,
            product_key="sh_performance_loan",
            premium_paid=Decimal("8000.00"),
        )
        written_off = add_loan(
            session,
            bank=bank,
            grant=grant,
            product_key="sh_performance_loan",
            status=LoanStatus.WRITTEN_OFF,
            written_off=(D(2025, 2, 1), "1000000.00"),
        )
        result = subsidies.premium_subsidy(
            session=session, rule=premium_rule(), loans_or_grants=[none, grant], as_of=AS_OF
        )
        by_loan = {d.loan_no: d for d in result.decisions}
        assert [r.criterion for r in by_loan[none.loan_no].failed] == ["amount_paid"]
        assert "no premium actually paid recorded" in by_loan[none.loan_no].failed[0].message.en
        wo = by_loan[written_off.loan_no]
        assert [r.criterion for r in wo.failed] == ["repaid_in_window"]
        assert "written off" in wo.failed[0].message.en
        assert result.total == Decimal("0.00")


def test_a_grant_premium_is_split_over_its_loans_by_principal_and_capped(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        bank = add_bank(session, "BK-SPLIT")
        ent = add_enterprise(session)
        grant = add_grant(
            session,
            bank=bank,
            enterprise=ent,
            product_key="sh_performance_loan",
            amount=Decimal("3000000.00"),
            premium_paid=Decimal("1000.00"),
        )
        loans = [
            add_loan(
                session,
                bank=bank,
                grant=grant,
                product_key="sh_performance_loan",
                principal="1000000.00",
                status=LoanStatus.REPAID,
                repaid=[(D(2025, 1, 1), "1000000.00")],
            )
            for _ in range(3)
        ]
        capped = rule(SubsidyKind.PREMIUM_SUBSIDY, cap_per_loan="166.66")
        result = subsidies.premium_subsidy(
            session=session, rule=capped, loans_or_grants=[grant, loans[0]], as_of=AS_OF
        )
        assert len(result.decisions) == 3  # a grant stands for its loans, no duplicates
        assert sorted(d.base for d in result.decisions) == [
            Decimal("333.33"),
            Decimal("333.33"),
            Decimal("333.34"),
        ]
        assert sum(d.base for d in result.decisions) == Decimal("1000.00")
        assert [d.amount for d in result.decisions] == [Decimal("166.66")] * 3
        # 333.33 × 50% = 166.665 → 166.67 and 333.34 × 50% = 166.67: all three hit the cap
        assert [d.uncapped for d in result.decisions] == [Decimal("166.67")] * 3
        assert all(d.capped for d in result.decisions)
        assert any("illustrative" in n.en for n in result.notes)


def test_interest_subsidy_counts_interest_paid_inside_the_window(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        loan = add_loan(
            session,
            bank=add_bank(session, "BK-INT"),
            status=LoanStatus.CURRENT,
            interest=[
                (D(2023, 12, 31), "100.00"),
                (D(2024, 1, 1), "1000.00"),
                (D(2024, 12, 31), "2000.01"),
                (D(2025, 1, 1), "300.00"),
            ],
        )
        r = rule(
            SubsidyKind.INTEREST_SUBSIDY,
            share="35%",
            repaid_from=D(2024, 1, 1),
            repaid_to=D(2024, 12, 31),
        )
        [d] = subsidies.interest_subsidy(
            session=session, rule=r, loans_or_grants=[loan], as_of=AS_OF
        ).decisions
        assert d.base == Decimal("3000.01")
        assert d.amount == Decimal("1050.00")  # 1050.0035 → 1050.00
        assert d.qualifies  # the loan need not be repaid unless the rule says so
        strict = r.model_copy(update={"conditions": ["repaid_in_window"]})
        [s] = subsidies.interest_subsidy(
            session=session, rule=strict, loans_or_grants=[loan], as_of=AS_OF
        ).decisions
        assert not s.qualifies and s.failed[0].criterion == "repaid_in_window"


def test_guarantee_fee_subsidy_and_kind_checks(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        bank = add_bank(session, "BK-GF")
        grant = add_grant(
            session,
            bank=bank,
            enterprise=add_enterprise(session),
            product_key="sh_micro_loan",
            amount=Decimal("500000.00"),
            guarantee_fee_paid=Decimal("7777.77"),
        )
        loan = add_loan(
            session,
            bank=bank,
            grant=grant,
            product_key="sh_micro_loan",
            principal="500000.00",
            status=LoanStatus.REPAID,
            repaid=[(D(2025, 5, 5), "500000.00")],
        )
        fee_rule = rule(SubsidyKind.GUARANTEE_FEE_SUBSIDY)
        [d] = subsidies.guarantee_fee_subsidy(
            session=session, rule=fee_rule, loans_or_grants=[loan], as_of=AS_OF
        ).decisions
        assert d.amount == Decimal("3888.89")  # 3888.885 → half up
        with pytest.raises(ValidationError) as exc:
            subsidies.premium_subsidy(
                session=session, rule=fee_rule, loans_or_grants=[loan], as_of=AS_OF
            )
        assert exc.value.code == "subsidy.kind"


def test_product_subsidies_and_the_cli(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        good = performance_loan(session, settled=D(2025, 6, 30), premium="12345.67")
        performance_loan(session, settled=D(2025, 6, 30), dishonest=True)
        performance_loan(session, settled=None)
        [result] = subsidies.product_subsidies(
            session=session, product_key="sh_performance_loan", as_of=AS_OF
        )
        assert result.total == Decimal("6172.84")  # 6172.835 → half up
        assert (result.qualified, result.not_qualified) == (1, 2)
        with pytest.raises(NotFound):
            subsidies.product_subsidies(session=session, product_key="nope", as_of=AS_OF)
        with pytest.raises(NotFound) as none:
            subsidies.product_subsidies(session=session, product_key="sh_boost_loan", as_of=AS_OF)
        assert none.value.code == "subsidy.no_rules"
        good_no = good.loan_no

    runner = CliRunner()
    out = runner.invoke(
        claims_app,
        ["subsidies", "--product", "sh_performance_loan", "--as-of", "2025-12-31", "--json"],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    [res] = data["results"]
    assert res["total"] == "6172.84" and res["rule"]["reference"] == "沪科〔2025〕212号"
    assert [d["loan_no"] for d in res["decisions"] if d["qualifies"]] == [good_no]
    table = runner.invoke(
        claims_app, ["subsidies", "--product", "sh_performance_loan", "--as-of", "2025-12-31"]
    )
    assert table.exit_code == 0, table.output
    assert "6,172.84" in table.stdout
