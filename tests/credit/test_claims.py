"""Risk-compensation claims: filing, maker-checker approval, caps, payout, recovery, clawback.

Loans and ledger rows are built directly with the ORM (no dependency on the lifecycle service).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as observe
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.credit_claims import app as claims_app
from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.ids import make_uscc
from kechuang.core.money import allocate_by_shares
from kechuang.credit import claims, ledger, risk
from kechuang.credit.enums import ClaimStatus, LedgerKind, LoanStatus, RepaymentMethod, Security
from kechuang.credit.models import CompensationClaim, CreditGrant, LedgerEvent, Loan
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory

D = dt.date
SME = "sh_sme_risk_compensation_2024"
_serial = itertools.count(1)


# ----------------------------------------------------------------------------- builders


def add_bank(session: Session, code: str = "BANK-A") -> Institution:
    bank = Institution(code=code, name=f"{code} 上海分行", kind=InstitutionKind.BANK)
    session.add(bank)
    session.flush()
    return bank


def add_enterprise(session: Session, *, dishonest: bool = False, name: str = "") -> Enterprise:
    n = next(_serial)
    ent = Enterprise(
        uscc=make_uscc(org8=f"{n:08d}"),
        name=name or f"上海测试科技有限公司{n}",
        district_code="310115",
        registered_on=D(2015, 1, 1),
        on_dishonesty_list=dishonest,
    )
    session.add(ent)
    session.flush()
    return ent


def add_grant(
    session: Session,
    *,
    bank: Institution,
    enterprise: Enterprise,
    product_key: str = "sh_boost_loan",
    amount: Decimal = Decimal("1000000.00"),
    granted_on: dt.date = D(2024, 1, 5),
    premium_paid: Decimal | None = None,
    guarantee_fee_paid: Decimal | None = None,
    first_loan: bool = False,
) -> CreditGrant:
    grant = CreditGrant(
        contract_no=f"GC-{next(_serial):06d}",
        enterprise_id=enterprise.id,
        bank_id=bank.id,
        product_key=product_key,
        amount=amount,
        granted_on=granted_on,
        term_months=12,
        expires_on=granted_on + dt.timedelta(days=365),
        annual_rate=Decimal("0.0345"),
        repayment_method=RepaymentMethod.INTEREST_ONLY,
        security=Security.INSURANCE,
        first_loan=first_loan,
        premium_paid=premium_paid,
        guarantee_fee_paid=guarantee_fee_paid,
    )
    session.add(grant)
    session.flush()
    return grant


def event(session: Session, loan: Loan, kind: LedgerKind, day: dt.date, amount: str) -> None:
    session.add(
        LedgerEvent(
            loan_id=loan.id, kind=kind, event_date=day, amount=Decimal(amount), recorded_by="test"
        )
    )


def add_loan(
    session: Session,
    *,
    bank: Institution,
    enterprise: Enterprise | None = None,
    grant: CreditGrant | None = None,
    product_key: str = "sh_boost_loan",
    principal: str = "1000000.00",
    drawdown: dt.date = D(2024, 1, 10),
    status: LoanStatus = LoanStatus.DEFAULTED,
    status_since: dt.date = D(2024, 6, 30),
    first_loan: bool = False,
    repaid: list[tuple[dt.date, str]] | None = None,
    interest: list[tuple[dt.date, str]] | None = None,
    written_off: tuple[dt.date, str] | None = None,
    recoveries: list[tuple[dt.date, str]] | None = None,
) -> Loan:
    """A loan with its drawdown and the given ledger events."""
    ent = enterprise or add_enterprise(session)
    g = grant or add_grant(
        session,
        bank=bank,
        enterprise=ent,
        product_key=product_key,
        amount=Decimal(principal),
        first_loan=first_loan,
    )
    loan = Loan(
        loan_no=f"LN-{next(_serial):06d}",
        grant=g,
        enterprise_id=g.enterprise_id,
        bank_id=g.bank_id,
        product_key=product_key,
        principal=Decimal(principal),
        drawdown_date=drawdown,
        maturity_date=drawdown + dt.timedelta(days=365),
        annual_rate=Decimal("0.0345"),
        repayment_method=RepaymentMethod.INTEREST_ONLY,
        status=status,
        status_since=status_since,
        first_loan=first_loan,
    )
    session.add(loan)
    session.flush()
    event(session, loan, LedgerKind.DRAWDOWN, drawdown, principal)
    for day, amount in repaid or []:
        event(session, loan, LedgerKind.REPAYMENT_PRINCIPAL, day, amount)
    for day, amount in interest or []:
        event(session, loan, LedgerKind.REPAYMENT_INTEREST, day, amount)
    if written_off:
        event(session, loan, LedgerKind.WRITE_OFF, *written_off)
    for day, amount in recoveries or []:
        event(session, loan, LedgerKind.RECOVERY, day, amount)
    session.flush()
    return loan


def events_of(session: Session, loan: Loan, kind: LedgerKind) -> list[LedgerEvent]:
    return list(
        session.scalars(
            select(LedgerEvent).where(LedgerEvent.loan_id == loan.id, LedgerEvent.kind == kind)
        )
    )


def agreements_yaml(
    *,
    per_loan: str | None = "500万",
    per_bank_year: str | None = "5000万",
    pool_budget: str | None = "10亿",
    government: str = "55%",
    insurer: str = "0%",
    bank: str = "45%",
    bonus: str = "5%",
) -> tuple[risk.RiskSharingAgreement, ...]:
    """A test agreement ``test_agreement`` (valid from 2024) with the given terms."""

    def term(value: str | None) -> str:
        v = "null" if value is None else f'"{value}"'
        return f"{{value: {v}, reference: test, status: illustrative}}"

    text = f"""
agreements:
  - key: test_agreement
    name: {{zh: 测试协议, en: test agreement}}
    valid_from: {{value: 2024-01-01, reference: test, status: illustrative}}
    valid_to: {{value: null, reference: test, status: illustrative}}
    products: {{value: [sh_boost_loan], reference: test, status: illustrative}}
    shares:
      government: {term(government)}
      guarantor: {term("0%")}
      insurer: {term(insurer)}
      bank: {term(bank)}
    first_loan_bonus: {term(bonus)}
    caps:
      per_loan: {term(per_loan)}
      per_bank_year: {term(per_bank_year)}
      pool_budget: {term(pool_budget)}
    eligibility:
      loan_statuses: {{value: [defaulted, written_off], reference: test, status: illustrative}}
      loss_on_or_after: {{value: 2024-01-01, reference: test, status: illustrative}}
      npl_threshold: {{value: null, reference: test, status: illustrative}}
"""
    return risk.parse_agreements(text, source="test.yaml")


def approve_twice(
    session: Session,
    claim: CompensationClaim,
    on: dt.date,
    agreements: tuple[risk.RiskSharingAgreement, ...] | None = None,
) -> claims.ClaimDecision:
    claims.approve_claim(session=session, claim=claim, actor="maker", on=on, agreements=agreements)
    return claims.approve_claim(
        session=session, claim=claim, actor="checker", on=on, agreements=agreements
    )


def file(
    session: Session,
    loan: Loan,
    *,
    key: str = SME,
    on: dt.date = D(2024, 7, 15),
    agreements: tuple[risk.RiskSharingAgreement, ...] | None = None,
) -> claims.ClaimDecision:
    return claims.file_claim(
        session=session,
        loan=loan,
        agreement_key=key,
        on=on,
        actor="bank-clerk",
        claim_no=f"CC-{next(_serial):06d}",
        agreements=agreements,
    )


# ----------------------------------------------------------------------------- the shipped agreements


def test_shipped_agreements_are_flagged_and_exact() -> None:
    sme = risk.get(SME, D(2024, 7, 1))
    assert sme.shares.government.value == Fraction(55, 100)
    assert sme.shares.government.status == "confirmed"
    assert sme.first_loan_bonus.value == Fraction(5, 100)
    assert sme.first_loan_bonus.status == "confirmed"
    assert sme.caps.pool_budget.value == Decimal("1000000000.00")
    assert sme.caps.pool_budget.status == "confirmed"
    assert sme.caps.per_loan.status == "illustrative"
    assert sme.caps.per_bank_year.status == "illustrative"
    assert sme.eligibility.npl_threshold.value is None
    assert sme.shares_for(first_loan=True) == {
        "government": Fraction(60, 100),
        "guarantor": 0,
        "insurer": 0,
        "bank": Fraction(40, 100),
    }
    perf = risk.get("sh_performance_loan_risk_sharing_illustrative", D(2024, 7, 1))
    assert {t.status for t in perf.shares.terms()} == {"illustrative"}
    assert perf.covers("sh_performance_loan")
    for a in risk.load_agreements():
        assert sum(a.shares_for(first_loan=False).values()) == 1
        assert sum(a.shares_for(first_loan=True).values()) == 1


def test_agreement_lookups_and_bad_files() -> None:
    with pytest.raises(NotFound) as unknown:
        risk.get("nope", D(2024, 1, 1))
    assert unknown.value.code == "agreement.unknown"
    with pytest.raises(NotFound) as closed:
        risk.get(SME, D(2026, 1, 1))
    assert closed.value.code == "agreement.not_in_force"
    with pytest.raises(ValidationError, match="100%") as bad:
        agreements_yaml(government="55%", bank="40%")
    assert bad.value.code == "risk_sharing.invalid"
    with pytest.raises(ValidationError, match="1/3"):
        agreements_yaml(government="1/3", bank="2/3")
    with pytest.raises(ValidationError, match="bonus"):
        agreements_yaml(government="95%", bank="5%", bonus="10%")


# ----------------------------------------------------------------------------- the main flow


def test_claim_maker_checker_pay_and_recovery_to_pool(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        bank = add_bank(session)
        loan = add_loan(session, bank=bank, repaid=[(D(2024, 4, 10), "200000.00")])
        filed = file(session, loan)
        claim = filed.claim
        # 1,000,000 drawn − 200,000 repaid before the default = 800,000; 55% / 45%
        assert claim.eligible_loss == Decimal("800000.00")
        assert filed.loss is not None and filed.loss.loss_date == D(2024, 6, 30)
        assert claim.shares["government"] == {"share": "0.55", "amount": "440000.00"}
        assert claim.shares["bank"] == {"share": "0.45", "amount": "360000.00"}
        assert claim.status is ClaimStatus.FILED
        assert all(c.passed for c in filed.checks)
        assert {c.criterion for c in filed.checks} >= {"product", "loan_status", "loss_date"}
        assert any("待核实" in n.zh for n in filed.notes)  # unverified terms are flagged

        made = claims.approve_claim(session=session, claim=claim, actor="alice", on=D(2024, 8, 1))
        assert made.action == "maker_recorded"
        assert claim.status is ClaimStatus.FILED and claim.maker == "alice"
        assert claim.checker is None

        checked = claims.approve_claim(session=session, claim=claim, actor="bob", on=D(2024, 8, 2))
        assert checked.action == "approved"
        assert claim.status is ClaimStatus.APPROVED and claim.checker == "bob"
        assert claim.government_amount == Decimal("440000.00")
        assert claim.approved_on == D(2024, 8, 2)
        assert [c.applied for c in checked.caps] == [False, False, False]
        assert claim.cap_notes is not None and "per-loan cap" in claim.cap_notes
        assert "单笔贷款上限" in claim.cap_notes

        paid = claims.pay_claim(session=session, claim=claim, on=D(2024, 8, 10), actor="treasury")
        assert claim.status is ClaimStatus.PAID and claim.paid_on == D(2024, 8, 10)
        assert paid.ledger_amount == Decimal("440000.00")
        [comp] = events_of(session, loan, LedgerKind.COMPENSATION)
        assert comp.amount == Decimal("440000.00") and comp.reference == claim.claim_no

        rec = claims.record_recovery_after_payout(
            session=session, claim=claim, amount=Decimal("100000.01"), on=D(2024, 12, 1), actor="x"
        )
        # split 55/45 of what each bore: 55,000.0055 → 55,000.01 (largest remainder), exact sum
        assert sum(s.amount for s in rec.shares) == Decimal("100000.01")
        assert rec.ledger_amount == Decimal("55000.01")
        assert claim.recovered_to_pool == Decimal("55000.01")
        [back] = events_of(session, loan, LedgerKind.POOL_RECOVERY)
        assert back.amount == Decimal("55000.01")
        loan_id, claim_no = loan.id, claim.claim_no

    with unit_of_work(db_url) as session:
        loan = session.get(Loan, loan_id)
        assert loan is not None
        claim = claims.get_by_claim_no(session=session, claim_no=claim_no)
        assert claim.recovered_to_pool == Decimal("55000.01")
        entries = [ledger.Entry(e.kind, e.event_date, e.amount) for e in loan.events]
        # compensation money never touches the principal balance
        assert ledger.outstanding_principal(entries, D(2025, 1, 1)) == Decimal("800000.00")
        history = session.scalars(
            select(ChangeHistory).where(ChangeHistory.record_key == claim_no)
        ).all()
        assert [h.action for h in history] == ["create"] + ["update"] * 4
        assert history[-1].changes["recovered_to_pool"] == ["0.00", "55000.01"]
        shown = claims.explain(session=session, claim=claim)
        assert shown.loss is not None and shown.loss.eligible_loss == Decimal("800000.00")
        assert any("per-loan cap" in n.en for n in shown.notes)
        data = shown.as_dict()
        json.dumps(data)
        assert data["claim"]["status"] == "paid"
        assert any(t["term"] == "caps.per_loan" for t in data["unverified_terms"])


def test_same_user_cannot_make_and_check(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        loan = add_loan(session, bank=add_bank(session))
        claim = file(session, loan).claim
        claims.approve_claim(session=session, claim=claim, actor="alice", on=D(2024, 8, 1))
        with pytest.raises(Conflict) as exc:
            claims.approve_claim(session=session, claim=claim, actor="alice", on=D(2024, 8, 1))
        assert exc.value.code == "maker_checker"
        assert "复核人" in exc.value.message.zh and "checker" in exc.value.message.en
        assert claim.status is ClaimStatus.FILED and claim.checker is None


def test_first_loan_bonus_moves_five_points_from_bank_to_government(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        bank = add_bank(session)
        first = file(session, add_loan(session, bank=bank, first_loan=True))
        other = file(session, add_loan(session, bank=bank))
        assert first.claim.shares["government"] == {"share": "0.6", "amount": "600000.00"}
        assert first.claim.shares["bank"] == {"share": "0.4", "amount": "400000.00"}
        assert other.claim.shares["government"]["amount"] == "550000.00"
        assert any("first loan" in n.en for n in first.notes)
        assert not any("first loan" in n.en for n in other.notes)


def test_loss_of_a_written_off_loan_nets_recoveries_not_write_offs(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        loan = add_loan(
            session,
            bank=add_bank(session),
            status=LoanStatus.WRITTEN_OFF,
            status_since=D(2024, 9, 30),
            repaid=[(D(2024, 3, 1), "100000.00")],
            written_off=(D(2024, 9, 30), "900000.00"),
            recoveries=[(D(2024, 10, 15), "50000.00"), (D(2024, 12, 1), "1.00")],
        )
        decision = file(session, loan, on=D(2024, 11, 1))
        basis = decision.loss
        assert basis is not None
        assert basis.outstanding_at_loss == Decimal("900000.00")
        assert basis.written_off == Decimal("900000.00")
        assert basis.recovered == Decimal("50000.00")  # the December recovery is after filing
        assert decision.claim.eligible_loss == Decimal("850000.00")


def test_the_claim_keeps_its_loss_date_when_the_loan_is_written_off_later(db_url: str) -> None:
    """The loss date is stored at filing: writing the loan off afterwards moves the loan's
    ``status_since`` but not the claim's loss date, its explanation or its eligible loss."""
    from kechuang.credit import service as credit_service

    with unit_of_work(db_url) as session:
        loan = add_loan(
            session,
            bank=add_bank(session),
            status_since=D(2024, 6, 30),
            repaid=[(D(2024, 3, 1), "100000.00"), (D(2024, 7, 5), "20000.00")],
        )
        claim = file(session, loan, on=D(2024, 7, 15)).claim
        assert claim.loss_date == D(2024, 6, 30)
        before = claims.explain(session=session, claim=claim)
        assert before.loss is not None
        assert claim.eligible_loss == Decimal("880000.00")  # 900,000 at loss − 20,000 after
        credit_service.write_off(session=session, loan=loan, on=D(2024, 9, 30))
        assert loan.status_since == D(2024, 9, 30)
        after = claims.explain(session=session, claim=claim)
        assert after.loss is not None
        assert after.loss.loss_date == D(2024, 6, 30)
        assert after.loss.eligible_loss == claim.eligible_loss == Decimal("880000.00")
        assert claims.claim_dict(claim)["loss_date"] == "2024-06-30"
        # a claim stored before the loss date existed falls back to the loan's date
        claim.loss_date = None
        assert claims.loss_date_of(claim, loan) == D(2024, 9, 30)


def test_migration_0009_backfills_the_loss_date_only_where_it_is_certain(db_url: str) -> None:
    """Claims filed before the column existed get the loan's ``status_since`` when the loan's
    status has not changed since filing, and stay NULL when it has."""
    import importlib

    from sqlalchemy import text

    mig = importlib.import_module("kechuang.migrations.versions.0009_compensation_claim_loss_date")
    from kechuang.credit import service as credit_service

    with unit_of_work(db_url) as session:
        bank = add_bank(session)
        steady = file(session, add_loan(session, bank=bank), on=D(2024, 7, 15)).claim
        moved_loan = add_loan(session, bank=bank)
        moved = file(session, moved_loan, on=D(2024, 7, 15)).claim
        credit_service.write_off(session=session, loan=moved_loan, on=D(2024, 9, 30))
        session.flush()
        session.execute(text("UPDATE compensation_claim SET loss_date = NULL"))
        session.execute(text(mig.BACKFILL))
        session.expire_all()
        assert steady.loss_date == D(2024, 6, 30)
        assert moved.loss_date is None  # written off after filing: the date is not certain


# ----------------------------------------------------------------------------- caps


def test_per_loan_cap_reduces_the_government_amount(db_url: str) -> None:
    terms = agreements_yaml(per_loan="10万")
    with unit_of_work(db_url) as session:
        loan = add_loan(session, bank=add_bank(session))
        claim = file(session, loan, key="test_agreement", agreements=terms).claim
        decision = approve_twice(session, claim, D(2024, 8, 1), terms)
        assert claim.government_amount == Decimal("100000.00")
        assert [c.cap for c in decision.caps if c.applied] == ["per_loan"]
        assert claim.shares["government"]["after_caps"] == "100000.00"
        assert claim.shares["bank"]["after_caps"] == "900000.00"  # 450,000 + 450,000 cut
        assert sum(Decimal(p["after_caps"]) for p in claim.shares.values()) == claim.eligible_loss
        assert claim.cap_notes is not None and "reduced to ¥100,000.00" in claim.cap_notes
        assert any("stays with the lending bank" in n.en for n in decision.notes)


def test_per_bank_year_cap_counts_approvals_in_the_calendar_year(db_url: str) -> None:
    terms = agreements_yaml(per_bank_year="80万")
    with unit_of_work(db_url) as session:
        bank, other_bank = add_bank(session, "BANK-A"), add_bank(session, "BANK-B")
        c1, c2, c3, c4, c5 = (
            file(session, add_loan(session, bank=b), key="test_agreement", agreements=terms).claim
            for b in (bank, bank, bank, other_bank, bank)
        )
        approve_twice(session, c1, D(2024, 8, 1), terms)
        assert c1.government_amount == Decimal("550000.00")
        second = approve_twice(session, c2, D(2024, 9, 1), terms)
        assert c2.government_amount == Decimal("250000.00")
        [applied] = [c for c in second.caps if c.applied]
        assert applied.cap == "per_bank_year"
        assert applied.used == Decimal("550000.00") and applied.remaining == Decimal("250000.00")
        assert "2024" in applied.message.en

        claims.approve_claim(
            session=session, claim=c3, actor="maker", on=D(2024, 12, 31), agreements=terms
        )
        with pytest.raises(Conflict) as exhausted:
            claims.approve_claim(
                session=session, claim=c3, actor="checker", on=D(2024, 12, 31), agreements=terms
            )
        assert exhausted.value.code == "cap_exhausted"
        assert "per-bank annual cap" in exhausted.value.message.en
        assert c3.status is ClaimStatus.FILED

        approve_twice(session, c4, D(2024, 12, 31), terms)  # another bank: its own headroom
        assert c4.government_amount == Decimal("550000.00")
        claims.approve_claim(
            session=session, claim=c3, actor="checker2", on=D(2025, 1, 2), agreements=terms
        )
        assert c3.government_amount == Decimal("550000.00")  # a new year
        approve_twice(session, c5, D(2025, 1, 3), terms)
        assert c5.government_amount == Decimal("250000.00")


def test_pool_budget_is_shared_by_all_banks_and_freed_by_clawbacks(db_url: str) -> None:
    terms = agreements_yaml(pool_budget="100万")
    with unit_of_work(db_url) as session:
        c1, c2, c3 = (
            file(
                session,
                add_loan(session, bank=add_bank(session, f"B{i}")),
                key="test_agreement",
                agreements=terms,
            ).claim
            for i in range(3)
        )
        approve_twice(session, c1, D(2024, 8, 1), terms)
        decision = approve_twice(session, c2, D(2024, 8, 2), terms)
        assert c2.government_amount == Decimal("450000.00")
        assert [c.cap for c in decision.caps if c.applied] == ["pool_budget"]
        claims.approve_claim(
            session=session, claim=c3, actor="maker", on=D(2024, 8, 3), agreements=terms
        )
        with pytest.raises(Conflict) as exhausted:
            claims.approve_claim(
                session=session, claim=c3, actor="checker", on=D(2024, 8, 3), agreements=terms
            )
        assert "pool budget" in exhausted.value.message.en
        assert "资金池预算" in exhausted.value.message.zh
        claims.pay_claim(session=session, claim=c1, on=D(2024, 8, 5), actor="t")
        claims.claw_back(
            session=session, claim=c1, reason="不符合条件", on=D(2024, 9, 1), actor="t"
        )
        claims.approve_claim(
            session=session, claim=c3, actor="checker", on=D(2024, 9, 2), agreements=terms
        )
        assert c3.government_amount == Decimal("550000.00")


# ----------------------------------------------------------------------------- clawback, transitions, eligibility


def test_clawback_returns_the_paid_amount_net_of_recoveries(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        loan = add_loan(session, bank=add_bank(session))
        claim = file(session, loan).claim
        approve_twice(session, claim, D(2024, 8, 1))
        claims.pay_claim(session=session, claim=claim, on=D(2024, 8, 2), actor="t")
        claims.record_recovery_after_payout(
            session=session, claim=claim, amount="100000", on=D(2024, 9, 1), actor="t"
        )
        assert claim.recovered_to_pool == Decimal("55000.00")
        decision = claims.claw_back(
            session=session,
            claim=claim,
            reason="发现借款人不属于科技型企业",
            on=D(2024, 10, 1),
            actor="t",
        )
        assert decision.ledger_amount == Decimal("495000.00")  # 550,000 − 55,000
        assert claim.status is ClaimStatus.CLAWED_BACK
        assert claim.clawed_back_on == D(2024, 10, 1)
        assert claim.clawback_reason == "发现借款人不属于科技型企业"
        [clawback] = events_of(session, loan, LedgerKind.CLAWBACK)
        assert clawback.amount == Decimal("495000.00")


def test_recoveries_never_return_more_than_the_pool_paid(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        claim = file(session, add_loan(session, bank=add_bank(session))).claim
        approve_twice(session, claim, D(2024, 8, 1))
        claims.pay_claim(session=session, claim=claim, on=D(2024, 8, 2), actor="t")
        claims.record_recovery_after_payout(
            session=session, claim=claim, amount="900000", on=D(2024, 9, 1), actor="t"
        )
        last = claims.record_recovery_after_payout(
            session=session, claim=claim, amount="900000", on=D(2024, 9, 2), actor="t"
        )
        assert claim.recovered_to_pool == claim.government_amount == Decimal("550000.00")
        assert any("clamped" in n.en for n in last.notes)
        with pytest.raises(ValidationError) as bad:
            claims.record_recovery_after_payout(
                session=session, claim=claim, amount="0", on=D(2024, 9, 3), actor="t"
            )
        assert bad.value.code == "claim.recovery_amount"
        decision = claims.claw_back(
            session=session, claim=claim, reason="r", on=D(2024, 9, 4), actor="t"
        )
        assert decision.ledger_amount is None  # everything already went back to the pool


def test_invalid_transitions_are_refused(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        bank = add_bank(session)
        claim = file(session, add_loan(session, bank=bank)).claim
        for action in (
            lambda: claims.pay_claim(session=session, claim=claim, on=D(2024, 8, 1), actor="t"),
            lambda: claims.claw_back(
                session=session, claim=claim, reason="r", on=D(2024, 8, 1), actor="t"
            ),
            lambda: claims.record_recovery_after_payout(
                session=session, claim=claim, amount="1", on=D(2024, 8, 1), actor="t"
            ),
        ):
            with pytest.raises(Conflict) as exc:
                action()
            assert exc.value.code == "invalid_transition"
        with pytest.raises(ValidationError) as no_reason:
            claims.reject_claim(session=session, claim=claim, reason=" ", actor="t")
        assert no_reason.value.code == "reason_required"
        with pytest.raises(ValidationError) as early:
            claims.approve_claim(session=session, claim=claim, actor="a", on=D(2024, 7, 1))
        assert early.value.code == "claim.backdated"
        claims.reject_claim(
            session=session, claim=claim, reason="材料不全", actor="t", on=D(2024, 8, 1)
        )
        assert claim.status is ClaimStatus.REJECTED and claim.rejection_reason == "材料不全"
        with pytest.raises(Conflict, match="已驳回"):
            claims.approve_claim(session=session, claim=claim, actor="a", on=D(2024, 8, 2))

        paid = file(session, add_loan(session, bank=bank)).claim
        approve_twice(session, paid, D(2024, 8, 1))
        with pytest.raises(Conflict):
            claims.approve_claim(session=session, claim=paid, actor="c", on=D(2024, 8, 1))
        with pytest.raises(Conflict):
            claims.claw_back(session=session, claim=paid, reason="r", on=D(2024, 8, 1), actor="t")
        with pytest.raises(ValidationError):
            claims.pay_claim(session=session, claim=paid, on=D(2024, 7, 31), actor="t")
        claims.pay_claim(session=session, claim=paid, on=D(2024, 8, 1), actor="t")
        with pytest.raises(Conflict):
            claims.reject_claim(session=session, claim=paid, reason="r", actor="t")
        with pytest.raises(Conflict):
            claims.pay_claim(session=session, claim=paid, on=D(2024, 8, 2), actor="t")


def test_ineligible_loans_are_refused_with_every_reason(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        bank = add_bank(session)
        current = add_loan(
            session,
            bank=bank,
            product_key="esop_loan",
            drawdown=D(2023, 1, 10),
            status=LoanStatus.CURRENT,
            status_since=D(2023, 6, 1),
        )
        with pytest.raises(ValidationError) as exc:
            file(session, current)
        assert exc.value.code == "claim.ineligible"
        assert {i.rule for i in exc.value.issues} == {
            "claim.product",
            "claim.loan_status",
            "claim.loss_date",
        }
        assert "not eligible" in exc.value.message.en and "不符合" in exc.value.message.zh

        repaid = add_loan(session, bank=bank, repaid=[(D(2024, 5, 1), "1000000.00")])
        with pytest.raises(ValidationError) as nothing:
            file(session, repaid)
        assert [i.rule for i in nothing.value.issues] == ["claim.eligible_loss"]

        loan = add_loan(session, bank=bank)
        with pytest.raises(NotFound) as closed:
            file(session, loan, on=D(2026, 1, 5))
        assert closed.value.code == "agreement.not_in_force"
        file(session, loan)
        with pytest.raises(Conflict) as dup:
            file(session, loan)
        assert dup.value.code == "claim.duplicate"
        assert session.scalar(
            select(CompensationClaim.id).where(CompensationClaim.loan_id == loan.id)
        )


# ----------------------------------------------------------------------------- properties


@given(
    loss_fen=st.integers(min_value=0, max_value=10**13),
    bp=st.lists(st.integers(min_value=0, max_value=10_000), min_size=3, max_size=3),
    first_loan=st.booleans(),
)
def test_shares_of_a_loss_always_sum_exactly_to_it(
    loss_fen: int, bp: list[int], first_loan: bool
) -> None:
    cuts = sorted(bp)
    parts_bp = [cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], 10_000 - cuts[2]]  # sum 10,000
    pct = [f"{Decimal(p) / 100}%" for p in parts_bp]
    bonus = "5%" if parts_bp[3] >= 500 else "0%"
    [agreement] = _with_guarantor(pct, bonus)
    shares = agreement.shares_for(first_loan=first_loan)
    assert sum(shares.values()) == 1
    loss = Decimal(loss_fen).scaleb(-2)
    parts = allocate_by_shares(loss, [risk.share_decimal(shares[p]) for p in risk.PARTIES])
    assert sum(parts) == loss
    for party, part in zip(risk.PARTIES, parts, strict=True):
        assert abs(Fraction(part) - Fraction(loss) * shares[party]) < Fraction(1, 100)


def _with_guarantor(pct: list[str], bonus: str) -> tuple[risk.RiskSharingAgreement, ...]:
    text = f"""
agreements:
  - key: g
    name: {{zh: g, en: g}}
    valid_from: {{value: 2024-01-01, reference: t, status: illustrative}}
    valid_to: {{value: null, reference: t, status: illustrative}}
    products: {{value: [p], reference: t, status: illustrative}}
    shares:
      government: {{value: "{pct[0]}", reference: t, status: illustrative}}
      guarantor: {{value: "{pct[1]}", reference: t, status: illustrative}}
      insurer: {{value: "{pct[2]}", reference: t, status: illustrative}}
      bank: {{value: "{pct[3]}", reference: t, status: illustrative}}
    first_loan_bonus: {{value: "{bonus}", reference: t, status: illustrative}}
    caps:
      per_loan: {{value: null, reference: t, status: illustrative}}
      per_bank_year: {{value: null, reference: t, status: illustrative}}
      pool_budget: {{value: null, reference: t, status: illustrative}}
    eligibility:
      loan_statuses: {{value: [defaulted], reference: t, status: illustrative}}
      loss_on_or_after: {{value: null, reference: t, status: illustrative}}
      npl_threshold: {{value: null, reference: t, status: illustrative}}
"""
    return risk.parse_agreements(text)


def _approved(
    session: Session,
    claim: CompensationClaim,
    day: dt.date,
    terms: tuple[risk.RiskSharingAgreement, ...],
) -> bool:
    """Approve (maker + checker); False when the caps leave nothing (the only refusal allowed)."""
    try:
        approve_twice(session, claim, day, terms)
    except Conflict as exc:
        if exc.code != "cap_exhausted":
            raise
        return False
    return True


@dataclass
class _Scenario:
    principals: list[int]
    banks: list[int]
    order: list[int]
    years: list[int]
    clawbacks: list[bool]


_CAPS = {
    "per_loan": Decimal("300000.00"),
    "per_bank_year": Decimal("700000.00"),
    "pool": Decimal("1500000.00"),
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_caps_are_never_exceeded_whatever_the_order(db_url: str, data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=2, max_value=9), label="claims")
    scenario = _Scenario(
        principals=data.draw(
            st.lists(
                st.integers(min_value=1, max_value=2_000_000)
                | st.integers(min_value=500_000, max_value=2_000_000),
                min_size=n,
                max_size=n,
            ),
            label="principals",
        ),
        banks=data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n), label="banks"),
        order=data.draw(st.permutations(range(n)), label="order"),
        years=data.draw(
            st.lists(st.sampled_from([2024, 2025]), min_size=n, max_size=n), label="years"
        ),
        clawbacks=data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="clawbacks"),
    )
    terms = agreements_yaml(per_loan="30万", per_bank_year="70万", pool_budget="150万")
    with unit_of_work(db_url, commit=False) as session:
        banks = [add_bank(session, f"HB{i}") for i in range(2)]
        filed = [
            file(
                session,
                add_loan(session, bank=banks[b], principal=f"{p}.00"),
                key="test_agreement",
                on=D(2024, 7, 1),
                agreements=terms,
            ).claim
            for p, b in zip(scenario.principals, scenario.banks, strict=True)
        ]
        for step, i in enumerate(scenario.order):
            claim = filed[i]
            day = D(scenario.years[step], 8, 1)
            raw = Decimal(claim.shares["government"]["amount"])
            if not _approved(session, claim, day, terms):
                observe("a claim found the caps exhausted")
                # refused only when its bank's year or the pool is really full
                live = [c for c in filed if c.status in (ClaimStatus.APPROVED, ClaimStatus.PAID)]
                pool = sum((c.government_amount for c in live), Decimal(0))
                bank_id = session.get(Loan, claim.loan_id).bank_id  # type: ignore[union-attr]
                year = sum(
                    (
                        c.government_amount
                        for c in live
                        if c.approved_on is not None
                        and c.approved_on.year == day.year
                        and session.get(Loan, c.loan_id).bank_id == bank_id  # type: ignore[union-attr]
                    ),
                    Decimal(0),
                )
                assert pool == _CAPS["pool"] or year == _CAPS["per_bank_year"]
                continue
            assert 0 < claim.government_amount <= raw
            if claim.government_amount < raw:
                observe("a cap reduced a claim")
            if scenario.clawbacks[i]:
                claims.pay_claim(session=session, claim=claim, on=day, actor="t")
                claims.claw_back(session=session, claim=claim, reason="r", on=day, actor="t")
        counted = [c for c in filed if c.status in (ClaimStatus.APPROVED, ClaimStatus.PAID)]
        loans = {c.id: session.get(Loan, c.loan_id) for c in counted}
        assert all(c.government_amount <= _CAPS["per_loan"] for c in counted)
        assert sum((c.government_amount for c in counted), Decimal(0)) <= _CAPS["pool"]
        per_bank_year: dict[tuple[int, int], Decimal] = {}
        for c in counted:
            loan = loans[c.id]
            assert loan is not None and c.approved_on is not None
            key = (loan.bank_id, c.approved_on.year)
            per_bank_year[key] = per_bank_year.get(key, Decimal(0)) + c.government_amount
        assert all(v <= _CAPS["per_bank_year"] for v in per_bank_year.values())


# ----------------------------------------------------------------------------- CLI


def test_cli_file_approve_pay_show(db_url: str) -> None:
    runner = CliRunner()
    with unit_of_work(db_url) as session:
        loan_no = add_loan(session, bank=add_bank(session), first_loan=True).loan_no

    def run(*args: str) -> Any:
        result = runner.invoke(claims_app, list(args))
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout) if "--json" in args else result.stdout

    filed = run(
        "file",
        loan_no,
        "--agreement",
        SME,
        "--on",
        "2024-07-15",
        "--actor",
        "bank",
        "--claim-no",
        "CC-CLI-1",
        "--json",
    )
    assert filed["claim"]["eligible_loss"] == "1000000.00"
    assert filed["shares"][0]["amount"] == "600000.00"
    run("approve", "CC-CLI-1", "--actor", "alice", "--on", "2024-08-01")
    same = runner.invoke(
        claims_app, ["approve", "CC-CLI-1", "--actor", "alice", "--on", "2024-08-01"]
    )
    assert same.exit_code == 1
    approved = run("approve", "CC-CLI-1", "--actor", "bob", "--on", "2024-08-01", "--json")
    assert approved["claim"]["status"] == "approved"
    out = run("pay", "CC-CLI-1", "--actor", "treasury", "--on", "2024-08-05")
    assert "600,000.00" in out
    shown = run("show", "CC-CLI-1", "--json")
    assert shown["claim"]["status"] == "paid" and shown["claim"]["checker"] == "bob"
    assert shown["loss"]["eligible_loss"] == "1000000.00"
    assert "CC-CLI-1" in run("show", "CC-CLI-1")
    rejected = runner.invoke(claims_app, ["reject", "CC-CLI-1", "--reason", "x", "--actor", "y"])
    assert rejected.exit_code == 1
    recovered = run(
        "recover", "CC-CLI-1", "--amount", "1000", "--actor", "t", "--on", "2024-09-01", "--json"
    )
    assert recovered["ledger"] == {"kind": "pool_recovery", "amount": "600.00"}
    clawed = run(
        "claw-back",
        "CC-CLI-1",
        "--reason",
        "复核不合格",
        "--actor",
        "t",
        "--on",
        "2024-10-01",
        "--json",
    )
    assert clawed["ledger"]["amount"] == "599400.00"
