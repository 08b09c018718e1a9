"""Premium subsidies: rate cap, share, per-policy cap, years per equipment, continuous cover,
maker-checker approval, payment, explanations and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.insurance_policies import app as policy_app
from kechuang.core.errors import Conflict, ValidationError
from kechuang.insurance import policies, subsidies
from kechuang.insurance.enums import InsuredObjectKind, PolicyStatus, SubsidyStatus
from kechuang.insurance.models import InsurancePolicy, PremiumSubsidy
from kechuang.insurance.schemas import PolicyRenewal
from kechuang.insurance.subsidies import SubsidyDecision
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory
from tests.insurance.test_policies import (
    CLINICAL,
    CYBER,
    GUARANTEE,
    add_enterprise,
    add_insurer,
    create,
)

D = dt.date
EQ = InsuredObjectKind.EQUIPMENT_SET


def status(subsidy: PremiumSubsidy) -> SubsidyStatus:
    """The current status (a call, so type checkers do not keep an earlier narrowing)."""
    return subsidy.status


def lines(decision: SubsidyDecision) -> dict[str, Any]:
    return {line.rule: line for line in decision.lines}


def compute(session: Session, policy: InsurancePolicy, **kw: Any) -> SubsidyDecision:
    return subsidies.compute_subsidy(session=session, policy=policy, on=D(2025, 1, 10), **kw)


def apply(session: Session, policy: InsurancePolicy, no: str, **kw: Any) -> PremiumSubsidy:
    decision = subsidies.apply(
        session=session, policy=policy, subsidy_no=no, applicant="企业经办", on=D(2025, 1, 10), **kw
    )
    assert decision.subsidy is not None
    return decision.subsidy


def approve_twice(session: Session, subsidy: PremiumSubsidy) -> SubsidyDecision:
    subsidies.approve(session=session, subsidy=subsidy, actor="maker", on=D(2025, 1, 11))
    return subsidies.approve(session=session, subsidy=subsidy, actor="checker", on=D(2025, 1, 12))


def equipment_years(
    session: Session, first_start: dt.date, years: int, key: str = "EQ-1"
) -> list[InsurancePolicy]:
    """A first-of-kind policy on ``key`` and its renewals, one per year, continuous cover."""
    chain = [
        create(
            session,
            policy_no=f"{key}-{first_start.year}",
            start=first_start,
            sum_insured="10000000.00",
            premium="250000.00",
            objects=[(EQ, key)],
        )
    ]
    for _ in range(years - 1):
        prev = chain[-1]
        chain.append(
            policies.renew(
                session=session,
                policy=prev,
                renewal=PolicyRenewal(policy_no=f"{key}-{prev.start_date.year + 1}"),
                actor="clerk",
            )
        )
    return chain


@pytest.fixture
def insurer(db_url: str) -> str:
    with unit_of_work(db_url) as session:
        add_insurer(session, "PICC")
    return db_url


# ----------------------------------------------------------------------------- first of kind


def test_first_of_kind_at_3_2_percent_is_subsidised_at_the_3_percent_rate(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        policy = create(session, sum_insured="10000000.00", premium="320000.00", rate="3.2%")
        decision = compute(session, policy)
        assert decision.eligible
        assert (decision.premium, decision.base, decision.amount) == (
            Decimal("320000.00"),
            Decimal("300000.00"),  # 3% × 10,000,000, not the 320,000 charged
            Decimal("240000.00"),  # 80% of it
        )
        by_rule = lines(decision)
        cap = by_rule["rate_cap"]
        assert (cap.effect, cap.observed, cap.required) == ("capped", "3.2%", "<= 3%")
        assert cap.status == "confirmed" and "首台（套）" in cap.reference
        assert "3% × sum insured" in cap.message.en
        assert by_rule["share"].effect == "applied" and by_rule["share"].required == "80%"
        assert by_rule["years_cap"].observed == "0" and by_rule["years_cap"].effect == "ok"

        odd = create(
            session,
            sum_insured="12345678.91",
            premium="395061.73",
            rate="0.032",
            objects=[(EQ, "EQ-ODD")],
        )
        decision = compute(session, odd)
        # 3% × 12,345,678.91 = 370,370.3673 → 370,370.37; × 80% = 296,296.296 → 296,296.30
        assert (decision.base, decision.amount) == (Decimal("370370.37"), Decimal("296296.30"))

        cheap = create(
            session, sum_insured="10000000.00", premium="250000.00", objects=[(EQ, "EQ-CHEAP")]
        )
        decision = compute(session, cheap)
        assert lines(decision)["rate_cap"].effect == "ok"
        assert (decision.base, decision.amount) == (Decimal("250000.00"), Decimal("200000.00"))


def test_after_the_2024_reform_the_same_rule_is_flagged_unverified(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        policy = create(session, start=D(2024, 6, 1), premium="320000.00", rate="3.2%")
        decision = compute(session, policy)
        assert decision.amount == Decimal("240000.00")
        assert decision.terms_from == D(2024, 5, 24)
        cap = lines(decision)["rate_cap"]
        assert cap.status == "unverified" and "89号" in cap.reference
        assert "参数待核实" in cap.message.zh and "(unverified)" in cap.message.en


def test_a_fourth_subsidised_year_for_the_same_equipment_is_refused(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        chain = equipment_years(session, D(2021, 1, 1), 4)
        for i, policy in enumerate(chain[:3]):
            subsidy = apply(session, policy, f"PS-{i}")
            approve_twice(session, subsidy)
            decision = compute(session, chain[3])
            assert lines(decision)["years_cap"].observed == str(i + 1)
        subsidies.pay(
            session=session, subsidy=subsidy, on=D(2025, 2, 1), actor="finance", payment_ref="PAY-1"
        )  # paid years count too
        fourth = compute(session, chain[3])
        assert not fourth.eligible and fourth.amount == Decimal("0.00")
        years = lines(fourth)["years_cap"]
        assert (years.effect, years.observed, years.required) == ("refused", "3", "< 3")
        assert "EQ-1-2021, EQ-1-2022, EQ-1-2023" in years.message.en
        with pytest.raises(ValidationError) as caught:
            apply(session, chain[3], "PS-4")
        assert caught.value.code == "subsidy.ineligible"
        assert [i.rule for i in caught.value.issues] == ["subsidy.years_cap"]
        # another equipment set starts its own count
        other = create(session, start=D(2024, 1, 1), objects=[(EQ, "EQ-2")])
        assert compute(session, other).eligible


def test_years_are_rechecked_when_the_checker_approves(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        chain = equipment_years(session, D(2021, 1, 1), 4)
        for i in range(2):
            approve_twice(session, apply(session, chain[i], f"PS-{i}"))
        third = apply(session, chain[2], "PS-2")
        fourth = apply(session, chain[3], "PS-3")  # only two years approved so far: accepted
        later = create(session, start=D(2025, 1, 1), objects=[(EQ, "EQ-1")])
        approve_twice(session, third)
        maker = subsidies.approve(session=session, subsidy=fourth, actor="maker", on=D(2025, 1, 11))
        assert not maker.eligible and maker.action == "maker_recorded"  # the preview says so
        with pytest.raises(ValidationError) as caught:
            subsidies.approve(session=session, subsidy=fourth, actor="checker", on=D(2025, 1, 12))
        assert caught.value.code == "subsidy.ineligible"
        assert status(fourth) is SubsidyStatus.APPLIED and fourth.checker is None
        subsidies.reject(session=session, subsidy=fourth, reason="已满 3 年", actor="checker")
        assert status(fourth) is SubsidyStatus.REJECTED
        assert lines(compute(session, later))["years_cap"].observed == "3"  # rejected: not counted


def test_cover_must_be_continuous_between_subsidised_years(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        first = create(session, policy_no="Y1", start=D(2021, 1, 1), objects=[(EQ, "EQ-1")])
        approve_twice(session, apply(session, first, "PS-Y1"))
        late = create(session, policy_no="Y2", start=D(2022, 2, 1), objects=[(EQ, "EQ-1")])
        decision = compute(session, late)
        gap = lines(decision)["continuous_cover"]
        assert (gap.effect, gap.observed) == ("refused", "gap from 2022-01-01")
        assert "Y1" in gap.message.en and gap.status == "confirmed"
        assert not decision.eligible
        # a bridging policy on the same equipment closes the gap (cover, not subsidy, counts)
        create(
            session,
            policy_no="BRIDGE",
            start=D(2022, 1, 1),
            end=D(2022, 1, 31),
            objects=[(EQ, "EQ-1")],
        )
        decision = compute(session, late)
        assert lines(decision)["continuous_cover"].effect == "ok" and decision.eligible


def test_the_equipment_key_must_name_an_insured_set(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        policy = create(session, objects=[(EQ, "EQ-A"), (EQ, "EQ-B")])
        assert lines(compute(session, policy))["equipment_key"].effect == "refused"
        assert (
            lines(compute(session, policy, equipment_key="EQ-X"))["equipment_key"].effect
            == "refused"
        )
        decision = compute(session, policy, equipment_key="EQ-B")
        assert decision.eligible and decision.equipment_key == "EQ-B"
        subsidy = apply(session, policy, "PS-B", equipment_key="EQ-B")
        assert subsidy.equipment_key == "EQ-B"


# ----------------------------------------------------------------------------- other lines


def test_clinical_trial_subsidy_is_capped_at_50_wan_per_policy(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        big = create(
            session,
            product_key=CLINICAL,
            sum_insured="300000000.00",
            premium="1500000.00",
            start=D(2024, 6, 1),
            objects=[
                (InsuredObjectKind.CLINICAL_TRIAL, "CTR-1"),
                (InsuredObjectKind.CLINICAL_TRIAL, "CTR-2"),
            ],
        )
        decision = compute(session, big)
        assert decision.amount == Decimal("500000.00")
        cap = lines(decision)["per_policy_cap"]
        assert (cap.effect, cap.observed) == ("capped", "750000.00")
        assert (cap.reference, cap.status) == ("沪科合〔2024〕4号", "confirmed")
        assert "equipment_key" not in lines(decision) and "years_cap" not in lines(decision)

        small = create(
            session,
            product_key=CLINICAL,
            sum_insured="20000000.00",
            premium="123456.79",
            start=D(2024, 6, 1),
            objects=[(InsuredObjectKind.CLINICAL_TRIAL, "CTR-3")],
        )
        decision = compute(session, small)
        assert decision.amount == Decimal("61728.40")  # 61,728.395 rounded half up
        assert lines(decision)["per_policy_cap"].effect == "ok"

        earlier = create(
            session,
            product_key=CLINICAL,
            sum_insured="20000000.00",
            premium="100000.00",
            start=D(2023, 6, 1),
            objects=[(InsuredObjectKind.CLINICAL_TRIAL, "CTR-4")],
        )
        share = lines(compute(session, earlier))["share"]
        assert (share.reference, share.status) == ("沪科合〔2022〕1号", "unverified")
        assert "参数待核实" in share.message.zh


def test_performance_guarantee_pays_half_the_premium(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        ent = add_enterprise(session)
        policy = create(
            session,
            product_key=GUARANTEE,
            uscc=ent.uscc,
            sum_insured="2000000.00",
            premium="30000.01",
            start=D(2024, 9, 1),
            objects=[(InsuredObjectKind.ENTERPRISE, ent.uscc)],
        )
        decision = compute(session, policy)
        assert decision.eligible and decision.amount == Decimal("15000.01")  # 15,000.005 ↑
        by_rule = lines(decision)
        assert by_rule["share"].reference == "沪科〔2025〕212号"
        assert by_rule["share"].status == "unverified"
        assert by_rule["eligibility.no_serious_dishonesty"].effect == "ok"
        assert "rate_cap" not in by_rule and "per_policy_cap" not in by_rule

        dishonest = add_enterprise(session, dishonest=True)
        listed = create(
            session,
            product_key=GUARANTEE,
            uscc=dishonest.uscc,
            sum_insured="2000000.00",
            premium="30000.00",
            start=D(2024, 9, 1),
            objects=[(InsuredObjectKind.ENTERPRISE, dishonest.uscc)],
        )
        decision = compute(session, listed)
        assert not decision.eligible
        assert lines(decision)["eligibility.no_serious_dishonesty"].effect == "refused"

        old = create(
            session,
            product_key=GUARANTEE,
            uscc=ent.uscc,
            sum_insured="2000000.00",
            premium="30000.00",
            start=D(2023, 9, 1),
            objects=[(InsuredObjectKind.ENTERPRISE, ent.uscc)],
        )
        decision = compute(session, old)
        assert lines(decision)["subsidy_rule"].effect == "refused" and not decision.eligible


def test_illustrative_subsidies_say_so(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        policy = create(
            session,
            product_key=CYBER,
            sum_insured="5000000.00",
            premium="100000.00",
            start=D(2024, 3, 1),
            objects=[(InsuredObjectKind.ENTERPRISE, "E-1")],
        )
        decision = compute(session, policy)
        assert decision.amount == Decimal("30000.00")
        share = lines(decision)["share"]
        assert share.status == "illustrative" and "示例参数，非正式条款" in share.message.zh


def test_quoted_and_cancelled_policies_get_nothing(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        quoted = create(session, status=PolicyStatus.QUOTED)
        decision = compute(session, quoted)
        assert lines(decision)["policy_status"].effect == "refused" and not decision.eligible
        cancelled = create(session, objects=[(EQ, "EQ-9")])
        policies.cancel(session=session, policy=cancelled, on=D(2023, 6, 1), actor="u")
        assert not compute(session, cancelled).eligible


# ----------------------------------------------------------------------------- workflow


def test_maker_checker_payment_and_history(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        policy = create(session, premium="320000.00", rate="3.2%")
        applied = subsidies.apply(
            session=session,
            policy=policy,
            subsidy_no="PS-1",
            applicant="企业经办",
            on=D(2025, 1, 10),
        )
        subsidy = applied.subsidy
        assert subsidy is not None and applied.action == "applied"
        assert (subsidy.status, subsidy.amount) == (SubsidyStatus.APPLIED, Decimal("240000.00"))
        stored = subsidy.explanation
        assert [line["rule"] for line in stored][:3] == ["product", "policy_status", "subsidy_rule"]
        assert all(
            set(line)
            == {
                "rule",
                "observed",
                "required",
                "effect",
                "reference",
                "status",
                "message_zh",
                "message_en",
            }
            for line in stored
        )
        with pytest.raises(Conflict) as early:
            subsidies.pay(
                session=session, subsidy=subsidy, on=D(2025, 1, 10), actor="f", payment_ref="X"
            )
        assert early.value.code == "invalid_transition"

        first = subsidies.approve(
            session=session, subsidy=subsidy, actor="alice", on=D(2025, 1, 11)
        )
        assert first.action == "maker_recorded" and subsidy.maker == "alice"
        assert subsidy.status is SubsidyStatus.APPLIED
        with pytest.raises(Conflict) as same:
            subsidies.approve(session=session, subsidy=subsidy, actor="alice", on=D(2025, 1, 12))
        assert same.value.code == "maker_checker"
        with pytest.raises(ValidationError) as back:
            subsidies.approve(session=session, subsidy=subsidy, actor="bob", on=D(2025, 1, 9))
        assert back.value.code == "subsidy.backdated"
        approved = subsidies.approve(
            session=session, subsidy=subsidy, actor="bob", on=D(2025, 1, 12)
        )
        assert approved.action == "approved" and approved.amount == Decimal("240000.00")
        assert (subsidy.status, subsidy.checker, subsidy.approved_on) == (
            SubsidyStatus.APPROVED,
            "bob",
            D(2025, 1, 12),
        )
        with pytest.raises(Conflict):
            subsidies.reject(session=session, subsidy=subsidy, reason="x", actor="bob")
        with pytest.raises(ValidationError) as no_ref:
            subsidies.pay(
                session=session, subsidy=subsidy, on=D(2025, 2, 1), actor="f", payment_ref=" "
            )
        assert no_ref.value.code == "payment_ref_required"
        paid = subsidies.pay(
            session=session,
            subsidy=subsidy,
            on=D(2025, 2, 1),
            actor="finance",
            payment_ref="财付-2025-0001",
        )
        assert paid.action == "paid" and subsidy.payment_ref == "财付-2025-0001"
        assert status(subsidy) is SubsidyStatus.PAID and subsidy.paid_on == D(2025, 2, 1)
        assert subsidies.total_subsidised(session=session, policy=policy) == Decimal("240000.00")
        history = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.table_name == "premium_subsidy")
            .order_by(ChangeHistory.id)
        ).all()
        assert [(h.action, h.actor) for h in history] == [
            ("create", "企业经办"),
            ("update", "alice"),
            ("update", "bob"),
            ("update", "finance"),
        ]
        assert history[-1].changes["status"] == ["approved", "paid"]


def test_one_live_subsidy_per_policy_and_unique_numbers(insurer: str) -> None:
    with unit_of_work(insurer) as session:
        policy = create(session)
        subsidy = apply(session, policy, "PS-1")
        with pytest.raises(Conflict) as dup:
            apply(session, policy, "PS-2")
        assert dup.value.code == "subsidy.duplicate"
        with pytest.raises(Conflict) as dup_no:
            apply(session, create(session, objects=[(EQ, "EQ-2")]), "PS-1")
        assert dup_no.value.code == "subsidy.duplicate_no"
        with pytest.raises(ValidationError) as no_reason:
            subsidies.reject(session=session, subsidy=subsidy, reason="", actor="u")
        assert no_reason.value.code == "reason_required"
        subsidies.reject(session=session, subsidy=subsidy, reason="材料不全", actor="u")
        again = apply(session, policy, "PS-3")  # a rejected application does not block
        assert again.status is SubsidyStatus.APPLIED


# ----------------------------------------------------------------------------- CLI


def test_cli_subsidy_explain_apply_approve_pay(insurer: str) -> None:
    runner = CliRunner()
    with unit_of_work(insurer) as session:
        create(session, policy_no="FK-1", premium="320000.00", rate="3.2%")

    def run(*args: str) -> Any:
        result = runner.invoke(policy_app, list(args), env={"COLUMNS": "200"})
        return result

    explained = run("subsidy", "FK-1", "--on", "2025-01-10", "--json")
    assert explained.exit_code == 0, explained.output
    data = json.loads(explained.stdout)
    assert (data["base"], data["amount"], data["eligible"]) == ("300000.00", "240000.00", True)
    assert {line["rule"] for line in data["explanation"]} >= {"rate_cap", "share", "years_cap"}
    table = run("subsidy", "FK-1", "--on", "2025-01-10")
    assert table.exit_code == 0 and "rate_cap" in table.stdout
    with unit_of_work(insurer) as session:
        assert session.scalar(select(PremiumSubsidy.id)) is None  # explaining writes nothing

    applied = run(
        "subsidy-apply",
        "FK-1",
        "--subsidy-no",
        "PS-CLI",
        "--applicant",
        "ent",
        "--on",
        "2025-01-10",
        "--json",
    )
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["subsidy"]["status"] == "applied"
    assert run("subsidy-approve", "PS-CLI", "--actor", "alice", "--on", "2025-01-11").exit_code == 0
    same = run("subsidy-approve", "PS-CLI", "--actor", "alice", "--on", "2025-01-11")
    assert same.exit_code == 1
    approved = run("subsidy-approve", "PS-CLI", "--actor", "bob", "--on", "2025-01-12", "--json")
    assert approved.exit_code == 0 and json.loads(approved.stdout)["subsidy"]["checker"] == "bob"
    paid = run(
        "subsidy-pay",
        "PS-CLI",
        "--payment-ref",
        "PAY-9",
        "--actor",
        "fin",
        "--on",
        "2025-02-01",
        "--json",
    )
    assert paid.exit_code == 0, paid.output
    assert json.loads(paid.stdout)["subsidy"]["payment_ref"] == "PAY-9"
    shown = json.loads(run("show", "FK-1", "--json").stdout)
    assert [(s["subsidy_no"], s["status"], s["amount"]) for s in shown["subsidies"]] == [
        ("PS-CLI", "paid", "240000.00")
    ]
    assert run("show", "FK-1").exit_code == 0
    assert run("subsidy-reject", "PS-CLI", "--reason", "x", "--actor", "y").exit_code == 1
