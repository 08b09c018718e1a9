"""Counting insurance the way the report does: 家次 versus distinct firms, objects, incubators,
districts, sums insured in force and written, cumulative programme figures.

Policies are built with the ORM builders of ``test_claims``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.insurance_claims import app as claims_app
from kechuang.core.errors import ValidationError
from kechuang.insurance import counting
from kechuang.insurance.enums import InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.insurance.models import InsurancePolicy
from kechuang.registry.enums import InstitutionKind
from kechuang.storage.db import unit_of_work
from tests.insurance.test_claims import add_enterprise, add_institution, add_policy

D = dt.date
IC = InsuranceLine.IC_COINSURANCE
FOUNDERS = InsuranceLine.STARTUP_FOUNDER_LIABILITY
K = InsuredObjectKind
YEAR = {"written_from": D(2024, 1, 1), "written_to": D(2024, 12, 31)}


# ----------------------------------------------------------------------------- 家次


def test_enterprise_policies_count_pairs_not_distinct_firms(db_url: str) -> None:
    """One enterprise holding two IC policies is 2 家次 but 1 distinct enterprise."""
    with unit_of_work(db_url) as s:
        fab, other = add_enterprise(s), add_enterprise(s)
        hospital = add_institution(s, "HOSP", InstitutionKind.OTHER)
        p1 = add_policy(s, enterprise=fab, pool_key="china_ic_pool", sum_insured="600000000000.00")
        p2 = add_policy(
            s,
            enterprise=fab,
            pool_key="china_ic_pool",
            sum_insured="400000000000.00",
            start=D(2024, 7, 1),
            end=D(2025, 6, 30),
        )
        p3 = add_policy(s, enterprise=other, pool_key="china_ic_pool", sum_insured="60000000000.00")
        p4 = add_policy(s, institution=hospital, sum_insured="1000000.00")
        add_policy(s, line=InsuranceLine.CYBER, enterprise=fab)  # another line

        pairs = counting.enterprise_policies(session=s, line=IC, **YEAR)
        assert pairs.value == 4
        assert pairs.policy_nos == tuple(sorted(p.policy_no for p in (p1, p2, p3, p4)))
        firms = counting.distinct_insured(session=s, line=IC, **YEAR)
        assert (firms.value, firms.enterprises, firms.institutions) == (3, 2, 1)

        pool_pairs = counting.enterprise_policies(
            session=s, line="ic_coinsurance", pool_key="china_ic_pool", **YEAR
        )
        assert pool_pairs.value == 3
        pool = counting.distinct_insured(session=s, line=IC, pool_key="china_ic_pool", **YEAR)
        assert pool.value == 2
        written = counting.sum_insured_written(
            session=s, line=IC, pool_key="china_ic_pool", start=D(2024, 1, 1), end=D(2024, 9, 30)
        )
        assert written.value == Decimal("1060000000000.00")  # 1.06万亿
        assert written.policies == 3


def test_group_cover_and_named_only_insured_are_parties(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        parent, fab_a, fab_b = add_enterprise(s), add_enterprise(s), add_enterprise(s)
        add_policy(
            s,
            enterprise=parent,
            objects=[(K.ENTERPRISE, "FAB-A", fab_a), (K.ENTERPRISE, "FAB-B", fab_b)],
        )
        add_policy(s, enterprise=fab_a)
        add_policy(s, insured_name="未入库企业")
        pairs = counting.enterprise_policies(session=s, line=IC, **YEAR)
        assert pairs.value == 5  # (parent, fab_a, fab_b) × policy 1, fab_a × policy 2, named × 3
        firms = counting.distinct_insured(session=s, line=IC, **YEAR)
        assert (firms.value, firms.enterprises, firms.named_only) == (4, 3, 1)


# ----------------------------------------------------------------------------- in force / written


def _book(s: Session) -> dict[str, InsurancePolicy]:
    ent = add_enterprise(s)
    book = {
        "current": add_policy(s, enterprise=ent, sum_insured="100.00"),
        "next_year": add_policy(
            s,
            enterprise=ent,
            sum_insured="200.00",
            start=D(2025, 1, 1),
            end=D(2025, 12, 31),
            bound_on=D(2024, 12, 20),  # written in 2024, in force from 2025
        ),
        "last_year": add_policy(
            s, enterprise=ent, sum_insured="400.00", start=D(2023, 7, 1), end=D(2024, 6, 30)
        ),
        "quoted": add_policy(s, enterprise=ent, sum_insured="800.00", status=PolicyStatus.QUOTED),
        "cancelled_mid_term": add_policy(
            s,
            enterprise=ent,
            sum_insured="1600.00",
            status=PolicyStatus.CANCELLED,
            cancelled_on=D(2024, 7, 1),
        ),
        "cancelled_at_start": add_policy(
            s,
            enterprise=ent,
            sum_insured="3200.00",
            status=PolicyStatus.CANCELLED,
            cancelled_on=D(2024, 1, 1),
        ),
        "withdrawn_quote": add_policy(
            s,
            enterprise=ent,
            sum_insured="6400.00",
            status=PolicyStatus.CANCELLED,
            cancelled_on=D(2024, 9, 1),
        ),
    }
    # a quote withdrawn (cancelled) without ever being bound: status_on() says cancelled
    book["withdrawn_quote"].bound_on = None
    s.flush()
    return book


def _nos(book: dict[str, InsurancePolicy], *names: str) -> tuple[str, ...]:
    return tuple(sorted(book[n].policy_no for n in names))


def test_in_force_versus_written(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        book = _book(s)

        def in_force(day: dt.date) -> tuple[str, ...]:
            return counting.sum_insured_in_force(session=s, line=IC, on=day).policy_nos

        assert in_force(D(2024, 3, 1)) == _nos(book, "current", "last_year", "cancelled_mid_term")
        assert in_force(D(2024, 6, 30)) == _nos(book, "current", "last_year", "cancelled_mid_term")
        # cancelled on 2024-07-01: that is the first day without cover
        assert in_force(D(2024, 7, 1)) == _nos(book, "current")
        assert in_force(D(2025, 1, 1)) == _nos(book, "next_year")
        amount = counting.sum_insured_in_force(session=s, line=IC, on=D(2024, 3, 1))
        assert amount.value == Decimal("2100.00")

        written = counting.sum_insured_written(
            session=s, line=IC, start=D(2024, 1, 1), end=D(2024, 12, 31)
        )
        # next_year was bound (written) on 2024-12-20; quoted, cancelled-at-start and the
        # withdrawn quote never gave cover; last_year was written in 2023
        assert written.policy_nos == _nos(book, "current", "next_year", "cancelled_mid_term")
        assert written.value == Decimal("1900.00")
        assert counting.enterprise_policies(session=s, line=IC, **YEAR).value == 3

        for name in ("current", "next_year", "cancelled_mid_term"):
            assert counting.gives_cover(book[name])
        for name in ("quoted", "cancelled_at_start", "withdrawn_quote"):
            assert not counting.gives_cover(book[name])
        assert counting.in_force(book["cancelled_mid_term"], D(2024, 6, 30))
        assert not counting.in_force(book["cancelled_mid_term"], D(2024, 7, 1))
        assert counting.written_date(book["next_year"]) == D(2024, 12, 20)


def test_counting_agrees_with_policies_status_on(db_url: str) -> None:
    from kechuang.insurance.policies import PolicyState, status_on

    with unit_of_work(db_url) as s:
        book = _book(s)
        for day in (D(2023, 12, 31), D(2024, 1, 1), D(2024, 6, 30), D(2024, 7, 1), D(2025, 1, 1)):
            listed = set(counting.sum_insured_in_force(session=s, line=IC, on=day).policy_nos)
            for policy in book.values():
                expected = status_on(policy, day) is PolicyState.IN_FORCE
                assert (policy.policy_no in listed) is expected, (policy.policy_no, day)
                assert counting.in_force(policy, day) is expected


def test_selection_needs_exactly_one_window(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        with pytest.raises(ValidationError):
            counting.enterprise_policies(session=s, line=IC)
        with pytest.raises(ValidationError):
            counting.enterprise_policies(session=s, line=IC, in_force_on=D(2024, 1, 1), **YEAR)
        with pytest.raises(ValidationError):
            counting.enterprise_policies(
                session=s, line=IC, written_from=D(2024, 2, 1), written_to=D(2024, 1, 1)
            )
        with pytest.raises(ValidationError):
            counting.enterprise_policies(session=s, line="no_such_line", **YEAR)


# ----------------------------------------------------------------------------- founders


def _founders_pilot(s: Session) -> None:
    """2 incubators in 2 districts, 3 start-ups, 5 founders (one insured twice)."""
    inc1 = add_institution(s, "INC-PD", InstitutionKind.INCUBATOR, district_code="310115")
    inc2 = add_institution(s, "INC-XH", InstitutionKind.INCUBATOR, district_code="310104")
    s1, s2, s3 = add_enterprise(s), add_enterprise(s), add_enterprise(s, district_code="310104")
    common = {"line": FOUNDERS, "product_key": "sh_founder_pilot", "sum_insured": "36000.00"}
    add_policy(
        s,
        enterprise=s1,
        incubator=inc1,
        district_code="310115",
        objects=[(K.FOUNDER, "F1", s1), (K.FOUNDER, "F2", s1)],
        **common,  # type: ignore[arg-type]
    )
    add_policy(
        s,
        enterprise=s2,
        incubator=inc1,
        district_code="310115",
        objects=[(K.FOUNDER, "F3", s2)],
        **common,  # type: ignore[arg-type]
    )
    # no district on the policy: the start-up's registered district counts
    add_policy(
        s,
        enterprise=s3,
        incubator=inc2,
        objects=[(K.FOUNDER, "F4", s3), (K.FOUNDER, "F5", s3)],
        **common,  # type: ignore[arg-type]
    )
    # a second policy for the same start-up and founder in the year: counted once
    add_policy(
        s,
        enterprise=s3,
        incubator=inc2,
        start=D(2024, 6, 1),
        end=D(2025, 5, 31),
        objects=[(K.FOUNDER, "F5", s3)],
        **common,  # type: ignore[arg-type]
    )
    # a policy taken by the incubator itself: the incubator counts, its district too
    add_policy(
        s,
        institution=inc2,
        objects=[(K.FOUNDER, "F6", None)],
        **common,  # type: ignore[arg-type]
    )
    # a quoted policy in a third district and incubator never counts
    inc3 = add_institution(s, "INC-JA", InstitutionKind.INCUBATOR)
    add_policy(
        s,
        enterprise=add_enterprise(s, district_code="310106"),
        incubator=inc3,
        status=PolicyStatus.QUOTED,
        objects=[(K.FOUNDER, "F9", None)],
        **common,  # type: ignore[arg-type]
    )


def test_founders_incubators_and_districts(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        _founders_pilot(s)
        incs = counting.incubators(session=s, line=FOUNDERS, **YEAR)
        assert (incs.value, incs.keys) == (2, ("INC-PD", "INC-XH"))
        assert len(incs.policy_nos) == 5
        dists = counting.districts(session=s, line=FOUNDERS, **YEAR)
        assert (dists.value, dists.keys) == (2, ("310104", "310115"))
        objs = counting.objects(session=s, line=FOUNDERS, **YEAR)
        assert objs.by_kind == {K.FOUNDER: 6}
        assert objs.count(K.FOUNDER) == 6
        assert objs.enterprises_by_kind == {K.FOUNDER: 3}  # start-ups of the founders
        insured = counting.distinct_insured(session=s, line=FOUNDERS, **YEAR)
        assert (insured.enterprises, insured.institutions) == (3, 1)
        amount = counting.sum_insured_written(
            session=s, line=FOUNDERS, start=D(2024, 1, 1), end=D(2024, 12, 31)
        )
        assert amount.value == Decimal("180000.00")
        year_end = counting.objects(session=s, line=FOUNDERS, in_force_on=D(2024, 12, 31))
        assert year_end.count(K.FOUNDER) == 6
        next_spring = counting.objects(session=s, line=FOUNDERS, in_force_on=D(2025, 3, 1))
        assert next_spring.by_kind == {K.FOUNDER: 1}


# ----------------------------------------------------------------------------- clinical trials


def test_clinical_trials_enterprises_and_institutions_projects(db_url: str) -> None:
    """ "为119家企业及机构的352个项目出具保单": distinct insured and distinct trial projects."""
    with unit_of_work(db_url) as s:
        pharma, cro = add_enterprise(s), add_enterprise(s)
        hospital = add_institution(s, "RUIJIN", InstitutionKind.OTHER)
        line = InsuranceLine.CLINICAL_TRIAL_LIABILITY
        add_policy(
            s,
            line=line,
            enterprise=pharma,
            sum_insured="5000000.00",
            objects=[(K.CLINICAL_TRIAL, "CTR1", pharma), (K.CLINICAL_TRIAL, "CTR2", pharma)],
        )
        add_policy(
            s,
            line=line,
            enterprise=pharma,
            sum_insured="3000000.00",
            objects=[(K.CLINICAL_TRIAL, "CTR1", pharma)],  # the same trial again: once
        )
        add_policy(
            s,
            line=line,
            enterprise=cro,
            sum_insured="2000000.00",
            objects=[(K.CLINICAL_TRIAL, "CTR4", pharma)],
        )
        add_policy(
            s,
            line=line,
            institution=hospital,
            sum_insured="4290000.00",
            objects=[(K.CLINICAL_TRIAL, "IIT-1", None)],
        )
        insured = counting.distinct_insured(session=s, line=line, **YEAR)
        assert insured.value == 3
        assert counting.enterprise_policies(session=s, line=line, **YEAR).value == 4
        assert counting.objects(session=s, line=line, **YEAR).count(K.CLINICAL_TRIAL) == 4
        written = counting.sum_insured_written(
            session=s, line=line, start=D(2024, 1, 1), end=D(2024, 12, 31)
        )
        assert written.value == Decimal("14290000.00")


# ----------------------------------------------------------------------------- cumulative


def test_cumulative_first_of_kind_projects_since_the_programme_start(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        line = InsuranceLine.FIRST_OF_KIND_EQUIPMENT
        maker = add_enterprise(s)
        common = {"line": line, "enterprise": maker}
        add_policy(
            s,
            start=D(2016, 1, 1),
            end=D(2016, 12, 31),
            sum_insured="500000000.00",
            objects=[(K.PROJECT, "ARJ21", None), (K.EQUIPMENT_SET, "SHIP-1", None)],
            **common,  # type: ignore[arg-type]
        )
        add_policy(  # the renewal of ARJ21: one project, but its cover adds up
            s,
            start=D(2017, 1, 1),
            end=D(2017, 12, 31),
            sum_insured="500000000.00",
            objects=[(K.PROJECT, "ARJ21", None)],
            **common,  # type: ignore[arg-type]
        )
        add_policy(
            s,
            start=D(2024, 5, 1),
            end=D(2025, 4, 30),
            sum_insured="85400000000.00",
            objects=[(K.EQUIPMENT_SET, "FAB-TOOL", None), (K.PRODUCT, "P", None)],
            **common,  # type: ignore[arg-type]
        )
        add_policy(  # before the programme
            s,
            start=D(2014, 1, 1),
            end=D(2014, 12, 31),
            sum_insured="1.00",
            objects=[(K.PROJECT, "OLD", None)],
            **common,  # type: ignore[arg-type]
        )
        add_policy(  # after the cut-off
            s,
            start=D(2025, 1, 1),
            end=D(2025, 12, 31),
            objects=[(K.PROJECT, "NEW", None)],
            **common,  # type: ignore[arg-type]
        )
        total = counting.cumulative_since(
            session=s, line=line, programme_start=D(2015, 2, 1), until=D(2024, 12, 31)
        )
        assert total.objects == 3
        assert total.by_kind == {K.PROJECT: 1, K.EQUIPMENT_SET: 2}
        assert total.sum_insured == Decimal("86400000000.00")  # 864亿
        assert total.policies == 3
        assert json.loads(json.dumps(total.as_dict()))["by_kind"] == {
            "project": 1,
            "equipment_set": 2,
        }


# ----------------------------------------------------------------------------- CLI


def test_cli_count(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        _founders_pilot(s)
    runner = CliRunner()
    result = runner.invoke(
        claims_app,
        [
            "count",
            "--line",
            "startup_founder_liability",
            "--written-from",
            "2024-01-01",
            "--written-to",
            "2024-12-31",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["enterprise_policies"]["value"] == 5
    assert data["distinct_insured"]["value"] == 4
    assert data["objects"]["by_kind"] == {"founder": 6}
    assert data["incubators"]["value"] == 2
    assert data["districts"]["value"] == 2
    assert data["sum_insured"]["value"] == "180000.00"
    table = runner.invoke(
        claims_app, ["count", "--line", "创业责任险", "--in-force-on", "2024-12-31"]
    )
    assert table.exit_code == 1  # the CLI takes the line's value or label, not an alias
    table = runner.invoke(
        claims_app,
        ["count", "--line", "科技企业创业责任保险", "--in-force-on", "2024-12-31"],
    )
    assert table.exit_code == 0, table.output
    assert "180,000.00" in table.output
    both = runner.invoke(
        claims_app,
        ["count", "--line", "cyber", "--in-force-on", "2024-12-31", "--written-from", "2024-01-01"],
    )
    assert both.exit_code == 1
