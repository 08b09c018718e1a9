"""Insurance policies: product terms, co-insurance shares and exact allocation, status on a date,
binding, cancellation, renewal, listing and the ``kechuang insurance policy`` CLI.

Enterprises and insurers are built directly with the ORM; policies go through the service.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.insurance_policies import app as policy_app
from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.ids import make_uscc
from kechuang.insurance import policies
from kechuang.insurance.enums import InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.insurance.models import InsurancePolicy
from kechuang.insurance.policies import PolicyState, status_on
from kechuang.insurance.schemas import PolicyCreate, PolicyRenewal
from kechuang.products import catalog
from kechuang.products.schemas import INSURANCE_LINES, INSURED_OBJECTS, describe_terms
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory

D = dt.date
_serial = itertools.count(1)

FIRST_OF_KIND = "first_of_kind_equipment_insurance"
CLINICAL = "sh_clinical_trial_liability"
GUARANTEE = "sh_performance_guarantee_insurance"
CYBER = "sme_cyber_insurance"
IC_POOL = "ic_coinsurance_pool"


# ----------------------------------------------------------------------------- builders


def add_insurer(
    session: Session, code: str, kind: InstitutionKind = InstitutionKind.INSURER
) -> Institution:
    inst = Institution(code=code, name=f"{code} 财产保险", kind=kind)
    session.add(inst)
    session.flush()
    return inst


def add_enterprise(session: Session, *, dishonest: bool = False) -> Enterprise:
    n = next(_serial)
    ent = Enterprise(
        uscc=make_uscc(org8=f"{n:08d}"),
        name=f"上海测试装备有限公司{n}",
        district_code="310115",
        registered_on=D(2015, 1, 1),
        on_dishonesty_list=dishonest,
    )
    session.add(ent)
    session.flush()
    return ent


def policy_in(
    *,
    policy_no: str | None = None,
    product_key: str = FIRST_OF_KIND,
    uscc: str | None = None,
    sum_insured: str = "10000000.00",
    premium: str = "300000.00",
    rate: str | None = None,
    start: dt.date = D(2023, 3, 1),
    end: dt.date | None = None,
    objects: list[tuple[InsuredObjectKind, str]] | None = None,
    shares: list[tuple[str, str, bool]] | None = None,
    status: PolicyStatus = PolicyStatus.BOUND,
    **extra: Any,
) -> PolicyCreate:
    """A policy input; defaults: a first-of-kind equipment policy with one insurer."""
    return PolicyCreate.model_validate(
        {
            "policy_no": policy_no or f"P-{next(_serial):06d}",
            "product_key": product_key,
            "uscc": uscc,
            "insured_name": None if uscc else "某装备用户",
            "sum_insured": sum_insured,
            "premium": premium,
            "rate": rate,
            "start_date": start,
            "end_date": end or policies_year_end(start),
            "status": status,
            "objects": [
                {"kind": k, "ref": r}
                for k, r in (objects or [(InsuredObjectKind.EQUIPMENT_SET, "EQ-1")])
            ],
            "shares": [
                {"insurer_code": c, "share": s, "lead": lead}
                for c, s, lead in (shares or [("PICC", "100%", True)])
            ],
            **extra,
        }
    )


def policies_year_end(start: dt.date) -> dt.date:
    return start.replace(year=start.year + 1) - dt.timedelta(days=1)


def create(session: Session, **kwargs: Any) -> InsurancePolicy:
    return policies.create_policy(session=session, policy_in=policy_in(**kwargs), actor="clerk")


def pool_insurers(session: Session) -> None:
    for code in ("PICC", "CPIC", "PING"):
        add_insurer(session, code)


THREE = [("PICC", "33.34%", True), ("CPIC", "33.33%", False), ("PING", "33.33%", False)]


# ----------------------------------------------------------------------------- catalogue


def test_insurance_products_mirror_the_enums_and_carry_the_confirmed_terms() -> None:
    assert {k: (m.zh, m.en) for k, m in INSURANCE_LINES.items()} == {
        x.value: (x.label.zh, x.label.en) for x in InsuranceLine
    }
    assert set(INSURED_OBJECTS) == {k.value for k in InsuredObjectKind}
    shipped = {p.key: p.line for p in catalog.all_products(kind="insurance")}
    assert set(shipped.values()) == {x.value for x in InsuranceLine}  # every line has a product

    first = catalog.get(FIRST_OF_KIND).terms_at(D(2023, 1, 1))
    assert first is not None
    [rule] = first.subsidies
    assert (rule.share, rule.rate_cap, rule.max_years) == (Decimal("0.8"), Decimal("0.03"), 3)
    assert rule.conditions == ["continuous_cover"] and rule.status == "confirmed"
    reformed = catalog.get(FIRST_OF_KIND).terms_at(D(2024, 6, 1))
    assert reformed is not None and reformed.subsidies[0].status == "unverified"  # 2024: unknown

    clinical = catalog.get(CLINICAL).terms_at(D(2024, 4, 25))
    assert clinical is not None
    [rule] = clinical.subsidies
    assert (rule.share, rule.cap_per_policy) == (Decimal("0.5"), Decimal("500000.00"))
    assert (rule.reference, rule.status) == ("沪科合〔2024〕4号", "confirmed")
    before = catalog.get(CLINICAL).terms_at(D(2024, 4, 24))
    assert before is not None and before.subsidies[0].status == "unverified"

    # the rest are flagged: never confirmed subsidy terms outside RULES.md §6's confirmed ones
    for product in catalog.all_products(kind="insurance"):
        for version in product.terms:
            for rule in version.subsidies:
                if product.key not in (FIRST_OF_KIND, CLINICAL):
                    assert rule.status != "confirmed", product.key
            assert all(line.reference for line in describe_terms(version))


def test_a_product_of_another_kind_cannot_have_a_line() -> None:
    text = """
products:
  - key: x
    kind: credit
    line: cyber
    name_zh: x
    name_en: x
    valid_from: 2024-01-01
    reference: t
    status: confirmed
    terms: [{valid_from: 2024-01-01}]
"""
    with pytest.raises(ValidationError) as caught:
        catalog.parse_catalog(text)
    assert "line" in caught.value.issues[0].message.en


# ----------------------------------------------------------------------------- shares


def test_shares_not_summing_to_100_percent_are_rejected_naming_the_sum(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        pool_insurers(session)
        thirds = [("PICC", "33.33%", True), ("CPIC", "33.33%", False), ("PING", "33.33%", False)]
        with pytest.raises(ValidationError) as caught:
            create(
                session,
                policy_no="IC-1",
                product_key=IC_POOL,
                shares=thirds,
                objects=[(InsuredObjectKind.PROJECT, "FAB-1")],
            )
        err = caught.value
        assert err.code == "policy.shares_sum"
        assert "99.99%" in err.message.zh and "99.99%" in err.message.en
        assert "IC-1" in err.message.en
        too_much = [("PICC", "50%", True), ("CPIC", "50.01%", False)]
        with pytest.raises(ValidationError, match=r"100\.01%"):
            create(
                session,
                product_key=IC_POOL,
                shares=too_much,
                objects=[(InsuredObjectKind.PROJECT, "FAB-1")],
            )
        assert session.scalar(select(InsurancePolicy.id)) is None  # nothing written


def test_exactly_one_lead_and_each_insurer_once() -> None:
    with pytest.raises(ValidationError) as caught:
        policies.check_shares([("A", Decimal("0.5"), True), ("B", Decimal("0.5"), True)])
    assert caught.value.code == "policy.shares_lead"
    with pytest.raises(ValidationError) as caught:
        policies.check_shares([("A", Decimal("0.5"), False), ("B", Decimal("0.5"), False)])
    assert caught.value.code == "policy.shares_lead"
    with pytest.raises(ValidationError) as caught:
        policies.check_shares([("A", Decimal("0.5"), True), ("A", Decimal("0.5"), False)])
    assert caught.value.code == "policy.shares_duplicate"
    policies.check_shares([("A", Decimal("1"), True)])  # a single insurer holds 100%


def test_a_share_with_more_than_eight_places_is_refused() -> None:
    with pytest.raises(Exception, match="decimal places"):
        policy_in(shares=[("A", "0.123456789", True), ("B", "0.876543211", False)])
    with pytest.raises(Exception, match="exact decimal"):
        policy_in(shares=[("A", "1/3", True), ("B", "2/3", False)])


def test_odd_premium_is_allocated_exactly_to_the_fen(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        pool_insurers(session)
        policy = create(
            session,
            product_key=IC_POOL,
            premium="1000000.01",
            sum_insured="3000000000.01",
            shares=THREE,
            objects=[(InsuredObjectKind.PROJECT, "FAB-1"), (InsuredObjectKind.PROJECT, "FAB-2")],
            pool_key="china_ic_pool",
        )
        premium = policies.allocate_premium(policy)
        # 100,000,001 fen × (0.3334, 0.3333, 0.3333) = 33,340,000.33 / 33,330,000.33 / …: the
        # fen left over goes to the largest remainder, the lead's
        assert [(a.insurer_code, a.amount, a.lead) for a in premium] == [
            ("PICC", Decimal("333400.01"), True),
            ("CPIC", Decimal("333300.00"), False),
            ("PING", Decimal("333300.00"), False),
        ]
        assert sum(a.amount for a in premium) == Decimal("1000000.01")
        cover = policies.allocate_sum_insured(policy)
        assert [a.amount for a in cover] == [
            Decimal("1000200000.01"),
            Decimal("999900000.00"),
            Decimal("999900000.00"),
        ]
        assert sum(a.amount for a in cover) == policy.sum_insured
        claim = policies.allocate_amount(policy, "0.02")
        assert [a.amount for a in claim] == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_allocations_always_sum_exactly_to_the_amount(db_url: str, data: st.DataObject) -> None:
    n = data.draw(st.integers(min_value=1, max_value=6), label="insurers")
    cuts = sorted(
        data.draw(
            st.lists(st.integers(1, 10**8 - 1), min_size=n - 1, max_size=n - 1, unique=True),
            label="cuts",
        )
    )
    units = [b - a for a, b in itertools.pairwise([0, *cuts, 10**8])]  # 1e-8 units, sum 10^8
    shares = [Decimal(u).scaleb(-8) for u in units]
    assert sum(shares) == 1
    lead = data.draw(st.integers(0, n - 1), label="lead")
    amount = Decimal(data.draw(st.integers(0, 10**13), label="fen")).scaleb(-2)
    with unit_of_work(db_url, commit=False) as session:
        codes = [f"INS{i}" for i in range(n)]
        for code in codes:
            add_insurer(session, code)
        policy = create(
            session,
            product_key=IC_POOL,
            premium=str(amount),
            sum_insured="1000000000.00",
            rate="0.01",
            objects=[(InsuredObjectKind.PROJECT, "FAB")],
            shares=[
                (c, str(s), i == lead) for i, (c, s) in enumerate(zip(codes, shares, strict=True))
            ],
        )
        for parts in (
            policies.allocate_premium(policy),
            policies.allocate_amount(policy, amount),
        ):
            assert sum(a.amount for a in parts) == amount
            assert parts[0].lead and parts[0].insurer_code == codes[lead]  # lead first
            for a in parts:
                assert a.amount == a.amount.quantize(Decimal("0.01"))
                assert abs(Fraction(a.amount) - Fraction(amount) * Fraction(a.share)) < Fraction(
                    1, 100
                )


# ----------------------------------------------------------------------------- product terms


def test_policy_is_checked_against_its_product(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        add_insurer(session, "PICC")
        add_insurer(session, "BANK", InstitutionKind.BANK)
        with pytest.raises(ValidationError) as caught:  # first-of-kind insures equipment only
            create(session, objects=[(InsuredObjectKind.CLINICAL_TRIAL, "CTR-1")])
        assert caught.value.code == "policy.object_kind"
        assert "equipment_set" in caught.value.message.en
        with pytest.raises(ValidationError) as caught:  # illustrative 5% rate cap of cyber
            create(
                session,
                product_key=CYBER,
                premium="60000.00",
                sum_insured="1000000.00",
                start=D(2024, 1, 1),
                objects=[(InsuredObjectKind.ENTERPRISE, "E-1")],
            )
        assert caught.value.code == "policy.rate_limit"
        assert "illustrative" in caught.value.message.en and "6%" in caught.value.message.en
        with pytest.raises(ValidationError) as caught:
            create(session, line=InsuranceLine.CYBER)
        assert caught.value.code == "policy.line"
        with pytest.raises(NotFound) as not_open:  # founder liability opens 2025-06-12
            create(
                session,
                product_key="sh_startup_founder_liability",
                start=D(2025, 6, 11),
                objects=[(InsuredObjectKind.FOUNDER, "F-1")],
            )
        assert not_open.value.code == "product.not_open"
        with pytest.raises(ValidationError) as caught:
            create(session, shares=[("BANK", "100%", True)])
        assert caught.value.code == "policy.insurer_kind"
        with pytest.raises(NotFound):
            create(session, shares=[("NOBODY", "100%", True)])
        create(session, policy_no="DUP")
        with pytest.raises(Conflict) as dup:
            create(session, policy_no="DUP")
        assert dup.value.code == "policy.duplicate_no"


def test_create_records_objects_shares_defaults_and_history(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        add_insurer(session, "PICC")
        ent = add_enterprise(session)
        policy = create(
            session,
            policy_no="CT-1",
            product_key=CLINICAL,
            uscc=ent.uscc,
            premium="123456.79",
            sum_insured="20000000.00",
            start=D(2024, 6, 1),
            objects=[
                (InsuredObjectKind.CLINICAL_TRIAL, "CTR2024001"),
                (InsuredObjectKind.CLINICAL_TRIAL, "CTR2024002"),
            ],
        )
        assert policy.line is InsuranceLine.CLINICAL_TRIAL_LIABILITY  # from the product
        assert policy.insured_name == ent.name and policy.insured_enterprise_id == ent.id
        assert policy.district_code == "310115"
        assert policy.rate == Decimal("0.00617284")  # 123,456.79 ÷ 20,000,000, 8 places
        assert policy.bound_on == D(2024, 6, 1)
        assert [o.ref for o in policy.objects] == ["CTR2024001", "CTR2024002"]
        [history] = session.scalars(
            select(ChangeHistory).where(ChangeHistory.table_name == "insurance_policy")
        ).all()
        assert history.record_key == "CT-1" and history.action == "create"
        assert history.changes["shares"] == [None, ["PICC:100%:lead"]]
        assert history.changes["premium"] == [None, "123456.79"]


# ----------------------------------------------------------------------------- status


def _policy(
    status: PolicyStatus,
    *,
    bound_on: dt.date | None = D(2024, 1, 1),
    cancelled_on: dt.date | None = None,
) -> InsurancePolicy:
    return InsurancePolicy(
        policy_no="S",
        start_date=D(2024, 1, 1),
        end_date=D(2024, 12, 31),
        status=status,
        bound_on=bound_on,
        cancelled_on=cancelled_on,
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2023, 12, 31), PolicyState.BOUND),
        (D(2024, 1, 1), PolicyState.IN_FORCE),  # start inclusive
        (D(2024, 12, 31), PolicyState.IN_FORCE),  # end inclusive
        (D(2025, 1, 1), PolicyState.EXPIRED),
    ],
)
def test_status_on_a_bound_policy(day: dt.date, expected: PolicyState) -> None:
    assert status_on(_policy(PolicyStatus.BOUND), day) is expected


def test_status_on_quoted_and_cancelled_policies() -> None:
    assert (
        status_on(_policy(PolicyStatus.QUOTED, bound_on=None), D(2024, 6, 1)) is PolicyState.QUOTED
    )
    cancelled = _policy(PolicyStatus.CANCELLED, cancelled_on=D(2024, 7, 1))
    assert status_on(cancelled, D(2024, 6, 30)) is PolicyState.IN_FORCE  # covered until then
    assert status_on(cancelled, D(2024, 7, 1)) is PolicyState.CANCELLED  # first day without
    assert status_on(cancelled, D(2025, 6, 1)) is PolicyState.CANCELLED
    never_bound = _policy(PolicyStatus.CANCELLED, bound_on=None, cancelled_on=D(2024, 7, 1))
    assert status_on(never_bound, D(2024, 3, 1)) is PolicyState.CANCELLED


def test_bind_cancel_and_list_in_force(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        pool_insurers(session)
        ent = add_enterprise(session)
        quoted = create(session, policy_no="A-QUOTE", status=PolicyStatus.QUOTED, uscc=ent.uscc)
        assert quoted.bound_on is None
        policies.bind(session=session, policy=quoted, on=D(2023, 2, 20), actor="u")
        assert quoted.status is PolicyStatus.BOUND and quoted.bound_on == D(2023, 2, 20)
        with pytest.raises(Conflict) as bad:
            policies.bind(session=session, policy=quoted, on=D(2023, 2, 21), actor="u")
        assert bad.value.code == "invalid_transition"
        other = create(
            session,
            policy_no="B-CANCEL",
            shares=THREE,
            product_key=IC_POOL,
            objects=[(InsuredObjectKind.PROJECT, "FAB-1")],
        )
        policies.cancel(session=session, policy=other, on=D(2023, 9, 1), actor="u", reason="售出")
        with pytest.raises(Conflict):
            policies.cancel(session=session, policy=other, on=D(2023, 9, 2), actor="u")
        create(session, policy_no="C-LATER", start=D(2024, 3, 1))

        def in_force(day: dt.date, **kw: Any) -> list[str]:
            page = policies.list_policies(session=session, in_force_on=day, **kw)
            return [p.policy_no for p in page.items]

        assert in_force(D(2023, 8, 31)) == ["A-QUOTE", "B-CANCEL"]
        assert in_force(D(2023, 9, 1)) == ["A-QUOTE"]
        assert in_force(D(2024, 3, 1)) == ["C-LATER"]  # A ended 2024-02-29
        assert in_force(D(2023, 8, 31), insurer="CPIC") == ["B-CANCEL"]
        assert in_force(D(2023, 8, 31), enterprise=ent.uscc) == ["A-QUOTE"]
        assert in_force(D(2023, 8, 31), line=InsuranceLine.IC_COINSURANCE) == ["B-CANCEL"]
        page = policies.list_policies(session=session, page=2, size=2)
        assert page.total == 3 and [p.policy_no for p in page.items] == ["C-LATER"]


# ----------------------------------------------------------------------------- renewal


def test_renewal_links_the_next_year(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        pool_insurers(session)
        ent = add_enterprise(session)
        first = create(
            session,
            policy_no="R-2023",
            uscc=ent.uscc,
            shares=THREE,
            product_key=IC_POOL,
            objects=[(InsuredObjectKind.PROJECT, "FAB-1")],
        )
        second = policies.renew(
            session=session,
            policy=first,
            renewal=PolicyRenewal(policy_no="R-2024", premium=Decimal("310000.00")),
            actor="clerk",
        )
        assert second.renewal_of_id == first.id
        assert (second.start_date, second.end_date) == (D(2024, 3, 1), D(2025, 2, 28))
        assert second.insured_enterprise_id == ent.id
        assert second.rate == Decimal("0.031")  # recomputed from the new premium
        assert [(s.share, s.lead) for s in second.shares] == [
            (s.share, s.lead) for s in first.shares
        ]
        assert [o.ref for o in second.objects] == ["FAB-1"]
        assert policies.renewals_of(session=session, policy=first) == [second]
        with pytest.raises(Conflict) as again:
            policies.renew(
                session=session,
                policy=first,
                renewal=PolicyRenewal(policy_no="R-2024b"),
                actor="clerk",
            )
        assert again.value.code == "policy.already_renewed"
        with pytest.raises(ValidationError) as early:
            policies.renew(
                session=session,
                policy=second,
                renewal=PolicyRenewal(policy_no="R-x", start_date=D(2024, 3, 1)),
                actor="clerk",
            )
        assert early.value.code == "policy.renewal_dates"
        policies.cancel(session=session, policy=second, on=D(2024, 3, 1), actor="u")
        with pytest.raises(Conflict) as cancelled:
            policies.renew(
                session=session,
                policy=second,
                renewal=PolicyRenewal(policy_no="R-2025"),
                actor="clerk",
            )
        assert cancelled.value.code == "policy.renew_cancelled"
        # the cancelled renewal no longer blocks renewing the original again
        third = policies.renew(
            session=session, policy=first, renewal=PolicyRenewal(policy_no="R-2024c"), actor="clerk"
        )
        assert third.renewal_of_id == first.id
        quote = create(session, policy_no="Q-1", status=PolicyStatus.QUOTED)
        with pytest.raises(Conflict) as quoted:
            policies.renew(
                session=session, policy=quote, renewal=PolicyRenewal(policy_no="Q-2"), actor="c"
            )
        assert quoted.value.code == "policy.renew_quoted"


# ----------------------------------------------------------------------------- CLI


def test_cli_list_and_show(db_url: str) -> None:
    runner = CliRunner()
    with unit_of_work(db_url) as session:
        pool_insurers(session)
        first = create(
            session,
            policy_no="CLI-1",
            product_key=IC_POOL,
            premium="1000000.01",
            shares=THREE,
            objects=[(InsuredObjectKind.PROJECT, "FAB-1")],
        )
        policies.renew(
            session=session, policy=first, renewal=PolicyRenewal(policy_no="CLI-2"), actor="clerk"
        )
    listed = runner.invoke(
        policy_app, ["list", "--line", "ic_coinsurance", "--as-of", "2023-06-01", "--json"]
    )
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert [(r["policy_no"], r["status_on"]) for r in data["items"]] == [
        ("CLI-1", "in_force"),
        ("CLI-2", "bound"),
    ]
    in_force = runner.invoke(policy_app, ["list", "--as-of", "2024-06-01", "--in-force", "--json"])
    assert [r["policy_no"] for r in json.loads(in_force.stdout)["items"]] == ["CLI-2"]
    shown = runner.invoke(policy_app, ["show", "CLI-1", "--as-of", "2024-03-01", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["status_on"] == "expired" and data["renewed_by"] == ["CLI-2"]
    assert [(s["insurer_code"], s["premium"]) for s in data["shares"]] == [
        ("PICC", "333400.01"),
        ("CPIC", "333300.00"),
        ("PING", "333300.00"),
    ]
    assert data["objects"][0]["ref"] == "FAB-1" and data["subsidies"] == []
    table = runner.invoke(policy_app, ["show", "CLI-2"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "CLI-1" in table.stdout
    plain = runner.invoke(policy_app, ["list"], env={"COLUMNS": "200"})
    assert plain.exit_code == 0 and "CLI-2" in plain.stdout
    assert runner.invoke(policy_app, ["show", "NOPE"]).exit_code == 1
    assert runner.invoke(policy_app, ["list", "--line", "nope"]).exit_code == 1
