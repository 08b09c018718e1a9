"""On the same data, each Ibis indicator equals the domain service's own Python answer.

credit: :func:`kechuang.credit.service.balance` per loan and the sci-tech / size-class standards
evaluated in Python on registry facts (:mod:`kechuang.standards.facts`); insurance:
:mod:`kechuang.insurance.counting`; IP: :func:`kechuang.ip.service.year_summary` and
:func:`kechuang.standards.ip_facts.high_value_verdict`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.credit import service as credit_service
from kechuang.credit.models import CreditGrant, Loan
from kechuang.indicators.explain import explain
from kechuang.insurance import counting
from kechuang.insurance.enums import InsuredObjectKind
from kechuang.ip import service as ip_service
from kechuang.ip.enums import PatentType
from kechuang.ip.models import Patent
from kechuang.standards import facts, sci_tech_enterprise, sme_size_class
from kechuang.standards.engine import evaluate_row
from kechuang.standards.ip_facts import high_value_verdict
from kechuang.standards.params import default_parameters
from kechuang.storage.db import unit_of_work
from tests.indicators.conftest import Built

YEARS = (2023, 2022)


def _values(built: Built, year: int) -> dict[str, Decimal | None]:
    release = built.open()
    return {v.key: v.value for v in release.values(year)}


def _python_classes(session: Session, on: dt.date) -> tuple[set[int], set[int]]:
    """(sci-tech enterprise ids, SME ids) from the standards evaluated in Python."""
    resolved = default_parameters().at(dt.date(2023, 12, 31))  # the release year's parameters
    st = facts.build(session=session, standard=sci_tech_enterprise.STANDARD, as_of=on)
    sz = facts.build(session=session, standard=sme_size_class.STANDARD, as_of=on)
    sci = {
        s.enterprise_id
        for s in st.subjects
        if evaluate_row(sci_tech_enterprise.STANDARD, s.row, resolved).outcome == "qualified"
    }
    from kechuang.registry.models import Enterprise

    recorded = {
        row.id: row.size_class
        for row in session.execute(select(Enterprise.id, Enterprise.size_class))
    }
    sme = set()
    for s in sz.subjects:
        outcome = evaluate_row(sme_size_class.STANDARD, s.row, resolved).outcome
        if outcome == "qualified" or (
            outcome == "undetermined"
            and recorded[s.enterprise_id] is not None
            and recorded[s.enterprise_id].value in ("medium", "small", "micro")
        ):
            sme.add(s.enterprise_id)
    return sci, sme


@pytest.mark.parametrize("year", YEARS)
def test_credit_stock_matches_ledger_balances_and_standards(built: Built, year: int) -> None:
    on = dt.date(year, 12, 31)
    with unit_of_work(built.url, commit=False) as session:
        sci, sme = _python_classes(session, on)
        per_enterprise: dict[int, Decimal] = {}
        for loan in session.scalars(select(Loan)):
            bal = credit_service.balance(loan=loan, on=on)
            per_enterprise[loan.enterprise_id] = (
                per_enterprise.get(loan.enterprise_id, Decimal(0)) + bal
            )
    borrowers = {e for e, b in per_enterprise.items() if b > 0 and e in sci}
    sme_borrowers = borrowers & sme
    got = _values(built, year)
    assert got["sci_tech_borrowers"] == len(borrowers)
    assert got["sci_tech_sme_borrowers"] == len(sme_borrowers)
    assert got["sci_tech_loan_balance"] == sum(
        (per_enterprise[e] for e in borrowers), Decimal("0.00")
    )
    assert got["sci_tech_sme_loan_balance"] == sum(
        (per_enterprise[e] for e in sme_borrowers), Decimal("0.00")
    )
    records = explain(built.release_id, "sci_tech_borrowers", root=built.root, year=year)
    assert {r["enterprise_id"] for r in records.rows} == borrowers
    assert {r["enterprise_id"]: r["balance"] for r in records.rows} == {
        e: per_enterprise[e] for e in borrowers
    }


@pytest.mark.parametrize("year", YEARS)
def test_product_grants_match_the_grant_records(built: Built, year: int) -> None:
    end = dt.date(year, 12, 31)
    with unit_of_work(built.url, commit=False) as session:
        _sci, sme = _python_classes(session, end)
        grants = [
            (g.product_key, g.enterprise_id, g.amount)
            for g in session.scalars(select(CreditGrant))
            if g.granted_on.year == year and (g.cancelled_on is None or g.cancelled_on > end)
        ]
    got = _values(built, year)
    high_tech = [g for g in grants if g[0] == "sh_high_tech_loan"]
    assert got["sh_high_tech_loan_enterprises"] == len({g[1] for g in high_tech})
    assert got["sh_high_tech_loan_amount"] == sum((g[2] for g in high_tech), Decimal("0.00"))
    smes = [g for g in high_tech if g[1] in sme]
    assert got["sh_high_tech_loan_sme_enterprises"] == len({g[1] for g in smes})
    assert got["sh_high_tech_loan_sme_amount"] == sum((g[2] for g in smes), Decimal("0.00"))
    perf = [g for g in grants if g[0] in ("sh_performance_loan", "sh_micro_loan")]
    assert got["sh_performance_loan_amount"] == sum((g[2] for g in perf), Decimal("0.00"))


@pytest.mark.parametrize("year", YEARS)
def test_insurance_figures_match_counting(built: Built, year: int) -> None:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    sep = dt.date(year, 9, 30)
    got = _values(built, year)
    with unit_of_work(built.url, commit=False) as s:
        ic = {"session": s, "product_key": "ic_coinsurance_pool"}
        assert (
            got["ic_coinsurance_pool_enterprise_policies"]
            == counting.enterprise_policies(
                **ic, written_from=dt.date(2021, 1, 1), written_to=sep
            ).value
        )
        assert (
            got["ic_coinsurance_pool_sum_insured"]
            == counting.sum_insured_written(**ic, start=dt.date(2021, 1, 1), end=sep).value
        )
        fk = counting.cumulative_since(
            session=s,
            product_key="first_of_kind_equipment_insurance",
            programme_start=dt.date(2015, 1, 1),
            until=end,
        )
        assert got["first_of_kind_equipment_projects"] == fk.objects
        assert got["first_of_kind_equipment_sum_insured"] == fk.sum_insured
        ct = {"session": s, "product_key": "sh_clinical_trial_liability"}
        assert (
            got["clinical_trial_insured"]
            == counting.distinct_insured(**ct, written_from=start, written_to=end).value
        )
        assert got["clinical_trial_projects"] == counting.objects(
            **ct, written_from=start, written_to=end
        ).count(InsuredObjectKind.CLINICAL_TRIAL)
        assert (
            got["clinical_trial_sum_insured"]
            == counting.sum_insured_written(**ct, start=start, end=end).value
        )
        sf = {"session": s, "product_key": "sh_startup_founder_liability"}
        assert got["startup_founder_districts"] == counting.districts(**sf, in_force_on=end).value
        assert got["startup_founder_incubators"] == counting.incubators(**sf, in_force_on=end).value
        founders = counting.objects(**sf, in_force_on=end)
        assert got["startup_founder_founders"] == founders.count(InsuredObjectKind.FOUNDER)
        assert got["startup_founder_enterprises"] == founders.enterprises_by_kind.get(
            InsuredObjectKind.FOUNDER, 0
        )
        assert (
            got["startup_founder_sum_insured"] == counting.sum_insured_in_force(**sf, on=end).value
        )


@pytest.mark.parametrize("year", YEARS)
def test_ip_figures_match_year_summary_and_high_value_verdicts(built: Built, year: int) -> None:
    end = dt.date(year, 12, 31)
    got = _values(built, year)
    with unit_of_work(built.url, commit=False) as s:
        summary = ip_service.year_summary(session=s, year=year)
        high = 0
        for p in s.scalars(select(Patent)):
            if (
                p.patent_type is PatentType.INVENTION
                and ip_service.status(patent=p, on=end).in_force
            ):
                high += high_value_verdict(session=s, patent=p, on=end).outcome == "qualified"
    assert got["patents_granted"] == sum(summary.granted_by_type.values())
    assert got["invention_patents_granted"] == summary.granted_by_type.get("invention", 0)
    assert got["valid_invention_patents"] == summary.valid_by_type.get("invention", 0)
    assert got["pct_applications"] == summary.pct_filings
    assert got["ip_finance_centres"] == summary.centres_by_kind.get("ip_finance_centre", 0)
    assert got["medical_ip_centres"] == summary.centres_by_kind.get("medical_operation_centre", 0)
    assert got["sme_ip_projects"] == summary.programmes_by_kind.get("sme_ip_operation", 0)
    assert got["high_value_invention_patents"] == high
