"""Insurance claims: notify → assess → pay / reject, exact allocation across co-insurers, loss ratios.

Policies are built directly with the ORM (the builders below are shared with ``test_counting``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.insurance_claims import app as claims_app
from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.ids import make_uscc
from kechuang.insurance import claims
from kechuang.insurance.enums import ClaimStatus, InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.insurance.models import (
    CoinsuranceShare,
    InsuranceClaim,
    InsurancePolicy,
    InsuredObject,
)
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory

D = dt.date
_serial = itertools.count(1)


# ----------------------------------------------------------------------------- builders


def add_institution(
    session: Session,
    code: str,
    kind: InstitutionKind = InstitutionKind.INSURER,
    district_code: str | None = None,
) -> Institution:
    inst = Institution(code=code, name=f"{code} 上海", kind=kind, district_code=district_code)
    session.add(inst)
    session.flush()
    return inst


def add_enterprise(session: Session, *, district_code: str = "310115") -> Enterprise:
    n = next(_serial)
    ent = Enterprise(
        uscc=make_uscc(org8=f"{n:08d}"),
        name=f"上海测试科技有限公司{n}",
        district_code=district_code,
        registered_on=D(2015, 1, 1),
    )
    session.add(ent)
    session.flush()
    return ent


def add_policy(
    session: Session,
    *,
    policy_no: str | None = None,
    line: InsuranceLine = InsuranceLine.IC_COINSURANCE,
    product_key: str = "sh_ic_coinsurance",
    enterprise: Enterprise | None = None,
    institution: Institution | None = None,
    insured_name: str | None = None,
    sum_insured: str = "100000000.00",
    premium: str = "300000.00",
    start: dt.date = D(2024, 1, 1),
    end: dt.date = D(2024, 12, 31),
    status: PolicyStatus = PolicyStatus.BOUND,
    bound_on: dt.date | None = None,
    cancelled_on: dt.date | None = None,
    pool_key: str | None = None,
    district_code: str | None = None,
    incubator: Institution | None = None,
    shares: Sequence[tuple[Institution, str, bool]] = (),
    objects: Sequence[tuple[InsuredObjectKind, str, Enterprise | None]] = (),
) -> InsurancePolicy:
    """A policy; bound (and cancelled) policies are bound on their start date unless told."""
    if bound_on is None and status is not PolicyStatus.QUOTED:
        bound_on = start
    policy = InsurancePolicy(
        policy_no=policy_no or f"P-{next(_serial):06d}",
        product_key=product_key,
        line=line,
        insured_enterprise_id=None if enterprise is None else enterprise.id,
        insured_institution_id=None if institution is None else institution.id,
        insured_name=insured_name
        or (enterprise.name if enterprise else institution.name if institution else "某被保险人"),
        sum_insured=Decimal(sum_insured),
        premium=Decimal(premium),
        rate=Decimal(premium) / Decimal(sum_insured),
        start_date=start,
        end_date=end,
        status=status,
        bound_on=bound_on,
        cancelled_on=cancelled_on,
        pool_key=pool_key,
        district_code=district_code,
        incubator_institution_id=None if incubator is None else incubator.id,
    )
    session.add(policy)
    session.flush()
    for insurer, share, lead in shares:
        session.add(
            CoinsuranceShare(
                policy_id=policy.id, insurer_id=insurer.id, share=Decimal(share), lead=lead
            )
        )
    for kind, ref, owner in objects:
        session.add(
            InsuredObject(
                policy_id=policy.id,
                kind=kind,
                ref=ref,
                name=ref,
                enterprise_id=None if owner is None else owner.id,
            )
        )
    session.flush()
    session.refresh(policy)
    return policy


def paid_claim(
    session: Session,
    policy: InsurancePolicy,
    amount: str,
    *,
    loss: dt.date = D(2024, 3, 1),
    paid_on: dt.date = D(2024, 4, 1),
) -> InsuranceClaim:
    claim = claims.notify(
        session=session,
        policy=policy,
        claim_no=f"CLM-{next(_serial):06d}",
        loss_date=loss,
        notified_on=loss,
        description=None,
        actor="tester",
    )
    claims.assess(session=session, claim=claim, amount=Decimal(amount), on=loss, actor="tester")
    return claims.pay(session=session, claim=claim, on=paid_on, actor="tester")


# ----------------------------------------------------------------------------- allocation


def test_claim_allocated_across_three_coinsurers_sums_exactly(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        a, b, c = (add_institution(s, code) for code in ("INS-A", "INS-B", "INS-C"))
        policy = add_policy(
            s,
            enterprise=add_enterprise(s),
            shares=[(a, "0.45", True), (b, "0.35", False), (c, "0.20", False)],
        )
        claim = paid_claim(s, policy, "1234567.89")
        claim_no = claim.claim_no
    with unit_of_work(db_url) as s:
        stored = claims.get_by_claim_no(session=s, claim_no=claim_no)
        assert stored.status is ClaimStatus.PAID
        assert stored.paid_amount == Decimal("1234567.89")
        assert stored.allocations == {
            "INS-A": "555555.55",
            "INS-B": "432098.76",
            "INS-C": "246913.58",
        }
        assert sum(Decimal(v) for v in stored.allocations.values()) == Decimal("1234567.89")


@pytest.mark.parametrize(
    "amount",
    ["0.01", "0.02", "0.05", "1.00", "99999.99", "1000000.01", "33333333.33", "70000000.07"],
)
def test_allocation_is_fen_exact_for_odd_amounts(db_url: str, amount: str) -> None:
    with unit_of_work(db_url) as s:
        a, b, c = (add_institution(s, code) for code in ("X1", "X2", "X3"))
        policy = add_policy(
            s,
            enterprise=add_enterprise(s),
            shares=[(a, "0.33333334", True), (b, "0.33333333", False), (c, "0.33333333", False)],
        )
        claim = paid_claim(s, policy, amount)
        parts = {k: Decimal(v) for k, v in (claim.allocations or {}).items()}
        assert sum(parts.values()) == Decimal(amount)
        assert all(p == p.quantize(Decimal("0.01")) for p in parts.values())
        exact = {
            "X1": Decimal("0.33333334"),
            "X2": Decimal("0.33333333"),
            "X3": Decimal("0.33333333"),
        }
        for code, part in parts.items():  # each part within one fen of its exact share
            assert abs(part - Decimal(amount) * exact[code]) < Decimal("0.01")


def test_a_tied_fen_goes_to_the_lead_insurer(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        first = add_institution(s, "FIRST")
        lead = add_institution(s, "LEAD")
        big = add_institution(s, "BIG")
        policy = add_policy(
            s,
            enterprise=add_enterprise(s),
            shares=[(first, "0.3", False), (lead, "0.3", True), (big, "0.4", False)],
        )
        claim = paid_claim(s, policy, "0.02")
        # exact quotas 0.6 / 0.6 / 0.8 fen: BIG takes one fen, the tie between 0.6s → the lead
        assert claim.allocations == {"LEAD": "0.01", "FIRST": "0.00", "BIG": "0.01"}
        assert claim.allocations == {
            k: str(v) for k, v in claims.allocate(Decimal("0.02"), _rows(s, policy)).items()
        }


def _rows(s: Session, policy: InsurancePolicy) -> list[claims.ShareRow]:
    return claims.shares_of(s, [policy.id])[policy.id]


def test_policy_without_shares_pays_the_sole_insurer(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        policy = add_policy(s, enterprise=add_enterprise(s))
        claim = paid_claim(s, policy, "50000.50")
        assert claim.allocations == {claims.SOLE: "50000.50"}


# ----------------------------------------------------------------------------- workflow


def test_workflow_writes_history_and_checks_transitions(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        policy = add_policy(s, enterprise=add_enterprise(s), sum_insured="1000000.00")
        claim = claims.notify(
            session=s,
            policy=policy,
            claim_no="CLM-1",
            loss_date=D(2024, 5, 1),
            notified_on=D(2024, 5, 2),
            description="洁净室火灾",
            actor="alice",
        )
        with pytest.raises(Conflict) as info:
            claims.pay(session=s, claim=claim, on=D(2024, 5, 3), actor="alice")
        assert info.value.code == "invalid_transition"
        claims.assess(session=s, claim=claim, amount=Decimal("800000"), on=D(2024, 6, 1), actor="b")
        with pytest.raises(Conflict) as info:
            claims.assess(session=s, claim=claim, amount=Decimal("1"), on=D(2024, 6, 1), actor="b")
        assert info.value.code == "invalid_transition"
        claims.pay(session=s, claim=claim, on=D(2024, 6, 10), actor="c")
        for action in (
            lambda: claims.reject(session=s, claim=claim, reason="late", actor="d"),
            lambda: claims.pay(session=s, claim=claim, on=D(2024, 6, 11), actor="d"),
        ):
            with pytest.raises(Conflict) as info:
                action()
            assert info.value.code == "invalid_transition"
        history = s.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.table_name == "insurance_claim")
            .order_by(ChangeHistory.id)
        ).all()
        assert [h.actor for h in history] == ["alice", "b", "c"]
        assert history[-1].changes["status"] == ["assessed", "paid"]


def test_rejected_claim_is_final(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        policy = add_policy(s, enterprise=add_enterprise(s))
        claim = claims.notify(
            session=s,
            policy=policy,
            claim_no="CLM-R",
            loss_date=D(2024, 5, 1),
            notified_on=D(2024, 5, 1),
            description=None,
            actor="a",
        )
        with pytest.raises(ValidationError) as err:
            claims.reject(session=s, claim=claim, reason="  ", actor="a")
        assert err.value.code == "reason_required"
        claims.reject(session=s, claim=claim, reason="除外责任", actor="a", on=D(2024, 5, 9))
        assert claim.status is ClaimStatus.REJECTED
        with pytest.raises(Conflict) as info:
            claims.assess(session=s, claim=claim, amount=Decimal("1"), on=D(2024, 6, 1), actor="a")
        assert info.value.code == "invalid_transition"


@pytest.mark.parametrize(
    ("kwargs", "loss", "expected"),
    [
        ({}, D(2023, 12, 31), "claim.not_covered"),  # before the start
        ({}, D(2025, 1, 1), "claim.not_covered"),  # after the end (inclusive)
        ({"status": PolicyStatus.QUOTED}, D(2024, 5, 1), "claim.not_covered"),
        (
            {"status": PolicyStatus.CANCELLED, "cancelled_on": D(2024, 5, 1)},
            D(2024, 5, 1),  # the cancellation date is the first day without cover
            "claim.not_covered",
        ),
    ],
)
def test_notify_requires_the_loss_within_cover(
    db_url: str, kwargs: dict[str, object], loss: dt.date, expected: str
) -> None:
    with unit_of_work(db_url) as s:
        policy = add_policy(s, enterprise=add_enterprise(s), **kwargs)  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as err:
            claims.notify(
                session=s,
                policy=policy,
                claim_no="CLM-X",
                loss_date=loss,
                notified_on=loss,
                description=None,
                actor="a",
            )
        assert err.value.code == expected


def test_notify_edges_of_cover_and_cancellation(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        ent = add_enterprise(s)
        policy = add_policy(s, enterprise=ent)
        for n, day in enumerate((D(2024, 1, 1), D(2024, 12, 31))):
            claims.notify(
                session=s,
                policy=policy,
                claim_no=f"EDGE-{n}",
                loss_date=day,
                notified_on=day,
                description=None,
                actor="a",
            )
        cancelled = add_policy(
            s, enterprise=ent, status=PolicyStatus.CANCELLED, cancelled_on=D(2024, 5, 1)
        )
        claim = claims.notify(
            session=s,
            policy=cancelled,
            claim_no="BEFORE-CANCEL",
            loss_date=D(2024, 4, 30),
            notified_on=D(2024, 5, 20),
            description=None,
            actor="a",
        )
        assert claim.status is ClaimStatus.NOTIFIED
        with pytest.raises(Conflict) as dup:
            claims.notify(
                session=s,
                policy=policy,
                claim_no="EDGE-0",
                loss_date=D(2024, 2, 1),
                notified_on=D(2024, 2, 1),
                description=None,
                actor="a",
            )
        assert dup.value.code == "claim.duplicate_no"
        with pytest.raises(ValidationError) as early:
            claims.notify(
                session=s,
                policy=policy,
                claim_no="EARLY",
                loss_date=D(2024, 2, 1),
                notified_on=D(2024, 1, 31),
                description=None,
                actor="a",
            )
        assert early.value.code == "claim.backdated"


def test_assessed_amount_cannot_exceed_the_sum_insured(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        policy = add_policy(s, enterprise=add_enterprise(s), sum_insured="500000.00")
        claim = claims.notify(
            session=s,
            policy=policy,
            claim_no="BIG",
            loss_date=D(2024, 5, 1),
            notified_on=D(2024, 5, 1),
            description=None,
            actor="a",
        )
        for amount in ("500000.01", "0", "-1"):
            with pytest.raises(ValidationError) as err:
                claims.assess(
                    session=s, claim=claim, amount=Decimal(amount), on=D(2024, 5, 2), actor="a"
                )
            assert err.value.code == "claim.amount"
        claims.assess(
            session=s, claim=claim, amount=Decimal("500000.00"), on=D(2024, 5, 2), actor="a"
        )
        assert claim.assessed_amount == Decimal("500000.00")
        with pytest.raises(NotFound):
            claims.get_by_claim_no(session=s, claim_no="NOPE")


# ----------------------------------------------------------------------------- loss ratio


def _loss_ratio_book(s: Session) -> None:
    a, b, c = (add_institution(s, code) for code in ("A", "B", "C"))
    ent = add_enterprise(s)
    p1 = add_policy(
        s,
        enterprise=ent,
        product_key="prod_x",
        pool_key="pool_x",
        premium="400000.00",
        shares=[(a, "0.5", True), (b, "0.5", False)],
    )
    p2 = add_policy(
        s,
        enterprise=ent,
        product_key="prod_x",
        pool_key="pool_x",
        premium="200000.00",
        start=D(2024, 3, 1),
        end=D(2025, 2, 28),
        shares=[(a, "0.5", True), (c, "0.5", False)],
    )
    paid_claim(s, p1, "300000.00")  # A 150000, B 150000
    paid_claim(s, p2, "30000.00", loss=D(2024, 5, 1), paid_on=D(2024, 6, 1))  # A 15000, C 15000
    # not counted: written the year before, paid the year after, quoted, other product
    old = add_policy(
        s,
        enterprise=ent,
        product_key="prod_x",
        pool_key="pool_x",
        premium="999999.00",
        start=D(2023, 6, 1),
        end=D(2024, 5, 31),
        shares=[(a, "1", True)],
    )
    paid_claim(s, old, "1000.00", loss=D(2024, 1, 5), paid_on=D(2025, 1, 2))
    add_policy(s, enterprise=ent, product_key="prod_x", status=PolicyStatus.QUOTED)
    add_policy(s, enterprise=ent, product_key="prod_y", premium="12345.00")


def test_loss_ratio_is_exact_by_product_and_by_pool(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        _loss_ratio_book(s)
        by_product = claims.loss_ratio(
            session=s, product_key="prod_x", period_start=D(2024, 1, 1), period_end=D(2024, 12, 31)
        )
        assert by_product.claims_paid == Decimal("330000.00")
        assert by_product.premiums_written == Decimal("600000.00")
        assert by_product.ratio == Decimal("0.55")
        assert len(by_product.claim_nos) == 2
        assert len(by_product.policy_nos) == 2
        insurers = {i.insurer: i for i in by_product.by_insurer}
        assert insurers["A"].claims_paid == Decimal("165000.00")
        assert insurers["A"].premiums_written == Decimal("300000.00")
        assert insurers["A"].ratio == Decimal("0.55")
        assert insurers["B"].ratio == Decimal("0.75")
        assert insurers["C"].ratio == Decimal("0.15")
        by_pool = claims.loss_ratio(
            session=s, pool_key="pool_x", period_start=D(2024, 1, 1), period_end=D(2024, 12, 31)
        )
        assert (by_pool.claims_paid, by_pool.premiums_written, by_pool.ratio) == (
            by_product.claims_paid,
            by_product.premiums_written,
            by_product.ratio,
        )
        nothing = claims.loss_ratio(
            session=s, product_key="prod_z", period_start=D(2024, 1, 1), period_end=D(2024, 12, 31)
        )
        assert nothing.ratio is None
        with pytest.raises(ValidationError):
            claims.loss_ratio(
                session=s,
                product_key="prod_x",
                pool_key="pool_x",
                period_start=D(2024, 1, 1),
                period_end=D(2024, 12, 31),
            )


def test_loss_ratio_keeps_non_terminating_quotients_exact_to_60_digits(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        ins = add_institution(s, "SOLO")
        policy = add_policy(
            s,
            enterprise=add_enterprise(s),
            product_key="thirds",
            premium="3.00",
            shares=[(ins, "1", True)],
        )
        paid_claim(s, policy, "1.00")
        result = claims.loss_ratio(
            session=s, product_key="thirds", period_start=D(2024, 1, 1), period_end=D(2024, 12, 31)
        )
        assert result.ratio == Decimal("0." + "3" * 60)


# ----------------------------------------------------------------------------- CLI


def test_cli_claim_lifecycle_and_loss_ratio(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        a, b = add_institution(s, "CA"), add_institution(s, "CB")
        add_policy(
            s,
            policy_no="POL-CLI",
            enterprise=add_enterprise(s),
            product_key="cli_prod",
            premium="1000.00",
            shares=[(a, "0.6", True), (b, "0.4", False)],
        )
    runner = CliRunner()
    steps = [
        [
            "notify",
            "POL-CLI",
            "--claim-no",
            "C1",
            "--loss-date",
            "2024-05-01",
            "--on",
            "2024-05-02",
        ],
        ["assess", "C1", "--amount", "100.01", "--on", "2024-05-10", "--actor", "x"],
        ["pay", "C1", "--on", "2024-05-20", "--actor", "y"],
    ]
    for args in steps:
        result = runner.invoke(claims_app, [*args, "--json"])
        assert result.exit_code == 0, result.output
    shown = runner.invoke(claims_app, ["show", "C1", "--json"])
    data = json.loads(shown.output)
    assert data["status"] == "paid"
    assert data["policy_no"] == "POL-CLI"
    assert data["allocations"] == {"CA": "60.01", "CB": "40.00"}
    table = runner.invoke(claims_app, ["show", "C1"])
    assert table.exit_code == 0
    assert "CA" in table.output
    bad = runner.invoke(claims_app, ["pay", "C1", "--on", "2024-05-21"])
    assert bad.exit_code == 1
    ratio = runner.invoke(
        claims_app,
        [
            "loss-ratio",
            "--product",
            "cli_prod",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--json",
        ],
    )
    assert ratio.exit_code == 0, ratio.output
    assert json.loads(ratio.output)["ratio"] == "0.10001"
    plain = runner.invoke(
        claims_app,
        ["loss-ratio", "--product", "cli_prod", "--from", "2024-01-01", "--to", "2024-12-31"],
    )
    assert plain.exit_code == 0
    assert "10.00%" in plain.output
