"""Product matching on a small registry and on ad-hoc profiles.

As of 2024-06-30 the registry facts are those of fiscal 2023. Under 国科发政〔2017〕115号
(tech_sme) and the product catalogue:

=====  ====  ===========================================================  =========================
who    区     facts / qualifications                                       expected
=====  ====  ===========================================================  =========================
H      浦东   valid high-tech certificate; 5% S&T staff (fails 32号)        高企贷 eligible (cert only)
H2     浦东   H's facts, no certificate                                    高企贷: needs a certificate
P      徐汇   100 staff, 30 S&T (20), R&D 3.60% (20), 3 class-II IP (18)   科技履约贷 misses by R&D:
                                                                             +¥120,000.00 → 4.00%
D      浦东   as P with R&D 5%, but on the serious-dishonesty list         科技履约贷: 2 unmet
E      杨浦   no fiscal-year data, no size class                           科技履约贷 undetermined
Y      徐汇   registered 300 days before the as-of date                    min. age 1 year: wait
=====  ====  ===========================================================  =========================
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from kechuang.core.errors import NotFound, ValidationError
from kechuang.core.ids import make_uscc
from kechuang.matching import (
    match_enterprise,
    match_product,
    match_profile,
    write_outreach_xlsx,
)
from kechuang.matching.population import profiles_table
from kechuang.products.catalog import default_catalog, parse_catalog
from kechuang.registry.imports import import_file
from kechuang.standards import service as standards_service
from kechuang.storage.db import unit_of_work

pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
    r"ignore:The 'future.infer_string' option is deprecated",
)

AS_OF = dt.date(2024, 6, 30)
H = make_uscc(division="310115", org8="MA1H0001")
H2 = make_uscc(division="310115", org8="MA1H0002")
P = make_uscc(division="310104", org8="MA1P0001")
D = make_uscc(division="310115", org8="MA1D0001")
E = make_uscc(division="310110", org8="MA1E0001")
Y = make_uscc(division="310104", org8="MA1Y0001")
YOUNG = AS_OF - dt.timedelta(days=300)

ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期,行业代码,企业规模,列入严重失信名单,经营状态
{H},上海高企科技有限公司,浦东新区,2018-01-01,C3973,小型,否,存续
{H2},上海无证科技有限公司,浦东新区,2018-01-01,C3973,小型,否,存续
{P},上海履约软件有限公司,徐汇区,2019-03-15,I6513,小型,否,存续
{D},上海失信软件有限公司,浦东新区,2019-03-15,I6513,小型,是,存续
{E},上海未知材料有限公司,杨浦区,2020-01-01,C2661,,否,存续
{Y},上海新设科技有限公司,徐汇区,{YOUNG.isoformat()},I6513,微型,否,存续
"""

YEARS = f"""统一社会信用代码,年度,职工总数,科技人员数,研发人员数,销售收入,资产总额,研发费用,成本费用支出总额,Ⅰ类知识产权数,Ⅱ类知识产权数
{H},2023,100,5,5,50000000,40000000,500000,45000000,0,1
{H2},2023,100,5,5,50000000,40000000,500000,45000000,0,1
{P},2023,100,30,10,30000000,20000000,1080000,20000000,0,3
{D},2023,100,30,10,30000000,20000000,1500000,20000000,0,3
{Y},2023,10,5,3,1000000,2000000,200000,900000,0,0
"""

QUALIFICATIONS = f"""统一社会信用代码,资质类型,证书编号,生效日期,有效期至
{H},高新技术企业,GR202331009999,2023-11-15,2026-11-14
"""

P_PROFILE: dict[str, Any] = {
    "uscc": P,
    "district_code": "徐汇区",
    "industry_code": "I6513",
    "registered_on": "2019-03-15",
    "size_class": "small",
    "employees": 100,
    "st_staff": 30,
    "rd_staff": 10,
    "revenue": "30000000",
    "total_assets": "20000000",
    "rd_expense": "1080000",
    "total_cost": "20000000",
    "ip_class1": 0,
    "ip_class2": 3,
    "on_dishonesty_list": False,
}


def load(url: str, tmp_path: Path) -> None:
    for kind, name, text in (
        ("enterprises", "e.csv", ENTERPRISES),
        ("enterprise-years", "y.csv", YEARS),
        ("qualifications", "q.csv", QUALIFICATIONS),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with unit_of_work(url) as session:
            import_file(session=session, kind=kind, path=path, actor="tester")


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> str:
    load(db_url, tmp_path)
    return db_url


def _by_key(matches: list[Any]) -> dict[str, Any]:
    return {m.product: m for m in matches}


# ---------------------------------------------------------------------------- one enterprise


def test_high_tech_loan_through_a_valid_certificate_only(registry: str) -> None:
    with unit_of_work(registry) as session:
        h = _by_key(match_enterprise(session=session, uscc=H, as_of=AS_OF))
        h2 = _by_key(match_enterprise(session=session, uscc=H2, as_of=AS_OF))
        # On its facts H would not be recognised (5% S&T staff < 10%): the certificate decides.
        evaluation = standards_service.evaluate_enterprise(
            session=session, standard_key="high_tech", uscc=H, as_of=AS_OF
        )
    assert evaluation.outcome == "not_qualified"
    loan = h["sh_high_tech_loan"]
    assert loan.outcome == "eligible"
    qual = loan.checks[0]
    assert qual["criterion"] == "qualification" and qual["passed"] is True
    assert "high_tech" in qual["observed"]
    assert loan.kind == "credit" and loan.benefit.max_amount == Decimal("30000000.00")
    assert loan.benefit.status == "illustrative"

    missed = h2["sh_high_tech_loan"]
    assert missed.outcome == "not_eligible" and missed.tier == "near_eligible"
    assert [c.field for c in missed.closest_changes] == ["holds_high_tech"]
    assert missed.closest_changes[0].message.en == "needs a valid high-tech certificate"
    # the standard's own explanation comes with it, for information
    (shown,) = missed.checks[0]["standards"]
    assert shown["standard"] == "high_tech" and shown["outcome"] == "not_qualified"
    assert any(c["criterion"] == "st_staff_ratio" for c in shown["checks"]) or shown["checks"]


def test_performance_loan_missed_by_one_ratio_with_the_exact_amount(registry: str) -> None:
    with unit_of_work(registry) as session:
        p = _by_key(match_enterprise(session=session, uscc=P, as_of=AS_OF))
    loan = p["sh_performance_loan"]
    assert loan.outcome == "not_eligible" and loan.tier == "near_eligible"
    assert loan.unmet_conditions == ["qualification"]
    best = loan.closest_changes[0]
    assert best.field == "rd_expense" and best.action == "increase"
    assert best.amount == Decimal("120000.00")
    assert (best.current, best.target) == ("3.60%", "4.00%")
    assert best.message.en.startswith(
        "R&D ratio (R&D ÷ sales revenue) 3.60% → 4.00% needs ¥120,000.00 more R&D expense"
    )
    assert "需增加研发费用 ¥120,000.00" in best.message.zh
    # the other single changes, ranked after it: one more class-II IP (3 → 4 scores 24)
    fields = [c.field for c in loan.closest_changes]
    assert fields[1] == "ip_class2"
    assert {"ip_class1", "high_tech_certificate_valid"} <= set(fields[2:])
    # the tech_sme standard explains itself (score 58 of the 60 needed)
    (shown,) = loan.checks[0]["standards"]
    assert shown["standard"] == "tech_sme" and shown["score"] == 58


@pytest.mark.parametrize(
    ("rd_expense", "outcome"),
    [("1200000.00", "eligible"), ("1199999.99", "not_eligible"), ("1080000", "not_eligible")],
)
def test_the_amount_is_exact_to_the_fen(rd_expense: str, outcome: str) -> None:
    matches = _by_key(match_profile(profile={**P_PROFILE, "rd_expense": rd_expense}, as_of=AS_OF))
    assert matches["sh_performance_loan"].outcome == outcome
    if outcome == "not_eligible" and rd_expense != "1080000":
        # one fen short: the change asked for is exactly one fen
        assert matches["sh_performance_loan"].closest_changes[0].amount == Decimal("0.01")


def test_registry_and_profile_agree(registry: str) -> None:
    with unit_of_work(registry) as session:
        from_registry = match_enterprise(session=session, uscc=P, as_of=AS_OF)
    from_profile = match_profile(profile=P_PROFILE, as_of=AS_OF)
    assert [(m.product, m.outcome, m.unmet) for m in from_registry] == [
        (m.product, m.outcome, m.unmet) for m in from_profile
    ]


def test_missing_fields_make_it_undetermined_and_are_named() -> None:
    profile = {"name": "表单企业", "district_code": "310104", "registered_on": "2020-01-01"}
    matches = _by_key(match_profile(profile=profile, as_of=AS_OF))
    loan = matches["sh_performance_loan"]
    assert loan.outcome == "undetermined"
    for name in ("employees", "revenue", "total_assets", "st_staff", "size_class"):
        assert name in loan.missing
    unknown = [c for c in loan.checks if c["passed"] is None]
    assert {c["criterion"] for c in unknown} == {
        "qualification",
        "size_class",
        "no_serious_dishonesty",
    }
    assert "on_dishonesty_list" in loan.missing
    assert "employees" in unknown[0]["message_en"]
    # the angel fund's ratio condition names both facts
    assert {"rd_staff", "employees"} <= set(matches["sh_angel_guide_fund"].missing)


def test_invalid_profile_fields_are_named() -> None:
    with pytest.raises(ValidationError) as info:
        match_profile(
            profile={"employees": "many", "size_class": "huge", "registered_on": "2020-13-01"},
            as_of=AS_OF,
        )
    columns = {i.column for i in info.value.issues}
    assert {"employees", "size_class", "registered_on"} <= columns


def test_two_unmet_conditions_and_no_change_for_district_or_size(registry: str) -> None:
    with unit_of_work(registry) as session:
        d = _by_key(match_enterprise(session=session, uscc=D, as_of=AS_OF))
    loan = d["sh_performance_loan"]
    assert loan.tier == "not_eligible"
    assert loan.unmet_conditions == ["qualification", "no_serious_dishonesty"]
    assert "on_dishonesty_list" in {c.field for c in loan.closest_changes}
    # the ESOP loan is limited to 临港 districts: 浦东 is one of them, 徐汇 is not, no change offered
    with unit_of_work(registry) as session:
        p = _by_key(match_enterprise(session=session, uscc=P, as_of=AS_OF))
    esop = p["esop_loan"]
    assert "districts" in esop.unmet_conditions and esop.distance is None


def test_a_minimum_age_gives_the_day_it_is_reached(registry: str) -> None:
    catalog = parse_catalog(
        """
products:
  - key: one_year_old
    kind: credit
    name_zh: 成立满一年
    name_en: One year old
    valid_from: 2020-01-01
    reference: 测试
    status: illustrative
    note: 测试数据
    terms:
      - valid_from: 2020-01-01
        eligibility:
          min_age_years: {value: 1, reference: 测试, status: illustrative, note: 测试数据}
"""
    )
    with unit_of_work(registry) as session:
        (m,) = match_enterprise(session=session, uscc=Y, as_of=AS_OF, catalog=catalog)
    assert m.outcome == "not_eligible"
    (change,) = m.closest_changes
    reached = YOUNG.replace(year=YOUNG.year + 1)
    assert change.action == "wait" and change.eligible_from == reached
    assert change.message.en == f"registered 300 days ago, eligible from {reached}"
    assert m.checks[0]["flag"] == "示例参数，非正式条款 / illustrative"
    (later,) = match_profile(
        profile={"registered_on": YOUNG.isoformat()}, as_of=reached, catalog=catalog
    )
    assert later.outcome == "eligible"
    (before,) = match_profile(
        profile={"registered_on": YOUNG.isoformat()},
        as_of=reached - dt.timedelta(days=1),
        catalog=catalog,
    )
    assert before.outcome == "not_eligible"


def test_eligible_products_are_ranked_by_benefit_and_misses_by_closeness() -> None:
    matches = match_profile(profile={**P_PROFILE, "rd_expense": "1500000"}, as_of=AS_OF)
    outcomes = [m.outcome for m in matches]
    first_miss = outcomes.index("not_eligible")
    assert "eligible" not in outcomes[first_miss:]
    eligible = [m for m in matches if m.outcome == "eligible"]
    scores = [m.benefit.score for m in eligible]
    assert scores == sorted(scores, reverse=True)
    assert {"sh_performance_loan", "sh_micro_loan"} <= {m.product for m in eligible}
    misses = [m for m in matches if m.outcome == "not_eligible"]
    keys = [(m.unmet, m.distance is None) for m in misses]
    assert keys == sorted(keys)


# ---------------------------------------------------------------------------- effective dating


def test_a_product_scheduled_to_close_is_not_matched_after_it_closes() -> None:
    catalog = parse_catalog(
        """
products:
  - key: closes
    kind: subsidy
    name_zh: 将停办
    name_en: Closes
    valid_from: 2020-01-01
    valid_to: 2024-06-30
    reference: 测试
    status: illustrative
    note: 测试数据
    terms:
      - valid_from: 2020-01-01
"""
    )
    assert [m.product for m in match_profile(profile={}, as_of=AS_OF, catalog=catalog)] == [
        "closes"
    ]
    later = AS_OF + dt.timedelta(days=1)
    assert match_profile(profile={}, as_of=later, catalog=catalog) == []
    with pytest.raises(NotFound) as info:
        match_product(
            table=profiles_table([{}], as_of=later),
            product_key="closes",
            as_of=later,
            catalog=catalog,
        )
    assert info.value.code == "product.not_open"
    # shipped: the 212号 premium subsidy closes on 2025-12-31
    open_ = {m.product for m in match_profile(profile=P_PROFILE, as_of=dt.date(2025, 12, 31))}
    closed = {m.product for m in match_profile(profile=P_PROFILE, as_of=dt.date(2026, 1, 1))}
    assert "sh_performance_loan_premium_subsidy" in open_ - closed


def test_every_kind_of_product_is_in_the_catalogue() -> None:
    kinds = {p.kind.value for p in default_catalog().all()}
    assert kinds == {"credit", "relending", "rediscount", "insurance", "fund", "subsidy"}


# ---------------------------------------------------------------------------- JSON


def test_json_shape() -> None:
    matches = match_profile(profile=P_PROFILE, as_of=AS_OF)
    data = _by_key(matches)["sh_performance_loan"].to_json()
    assert {
        "product",
        "kind",
        "provider",
        "outcome",
        "checks",
        "closest_changes",
        "benefit",
    } <= set(data)
    assert data["outcome"] == "not_eligible"
    assert data["closest_changes"][0]["amount"] == "120000.00"
    assert data["benefit"]["max_amount"] == "5000000.00"
    assert data["provider"].startswith("中国银行上海市分行")
    assert data["checks"][0]["standards"][0]["standard"] == "tech_sme"


# ---------------------------------------------------------------------------- product to city


def test_product_to_city_equals_filtering_single_matches(registry: str, tmp_path: Path) -> None:
    with unit_of_work(registry) as session:
        city = match_product(session=session, product_key="sh_performance_loan", as_of=AS_OF)
        single = {
            u: _by_key(match_enterprise(session=session, uscc=u, as_of=AS_OF))[
                "sh_performance_loan"
            ].tier
            for u in (H, H2, P, D, E, Y)
        }
    assert city.tiers() == single
    assert single == {
        H: "eligible",  # direct route of 115号: a valid high-tech certificate
        H2: "near_eligible",  # 5% S&T staff scores 0: only the qualification is unmet
        P: "near_eligible",
        D: "not_eligible",
        E: "undetermined",
        Y: "eligible",  # young but meets 115号 on its facts (score 70)
    }
    assert city.by_tier == {
        "eligible": 2,
        "near_eligible": 2,
        "not_eligible": 1,
        "undetermined": 1,
    }
    assert city.by_district["310104"] == {
        "eligible": 1,
        "near_eligible": 1,
        "not_eligible": 0,
        "undetermined": 0,
    }
    assert city.by_industry["I65"]["not_eligible"] == 1
    rows = {r.uscc: r for r in city.rows()}
    assert rows[P].unmet == ("qualification",)
    assert rows[E].unknown == ("qualification", "size_class")

    path = write_outreach_xlsx(city, tmp_path / "out" / "list.xlsx")
    wb = load_workbook(path, read_only=True)
    listed = list(wb["名单 List"].iter_rows(min_row=3, values_only=True))
    assert {r[0] for r in listed[:2]} == {H, Y}  # eligible first
    assert len(listed) == 6
    assert [r[4] for r in listed].count("差一项条件 / near-eligible (one unmet condition)") == 2
    assert any("资质要求" in str(r[5] or "") for r in listed if r[0] == P)
    totals = {r[0]: r[1] for r in wb["合计 Total"].iter_rows(values_only=True)}
    assert totals["合计 total"] == 6


def test_match_product_needs_a_population() -> None:
    with pytest.raises(ValidationError):
        match_product(product_key="sh_performance_loan", as_of=AS_OF)


def test_held_only_qualification_that_the_facts_already_meet_comes_first(registry: str) -> None:
    with unit_of_work(registry) as session:
        y = _by_key(match_enterprise(session=session, uscc=Y, as_of=AS_OF))
    # 沪科专贷 needs a tech SME *in the database* (入库): Y meets 115号 on its facts (score 70),
    # so registering is the closest change.
    relending = y["relending"]
    assert relending.outcome == "not_eligible"
    first = relending.closest_changes[0]
    assert first.field == "holds_tech_sme" and first.distance == Decimal("0.5")
    assert first.message.en.endswith("(it meets the standard on its facts: apply for it)")
    assert all(c.distance == 1 for c in relending.closest_changes[1:])


class _Release:
    """A release-like view: the snapshot tables of a database as Arrow (``ReleaseView.table``)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        from kechuang.storage import Base
        from kechuang.storage.release_export import read_table

        engine = create_engine(url)
        names = ("enterprise", "enterprise_year", "qualification", "patent", "patent_owner")
        self.tables = {n: read_table(engine, Base.metadata.tables[n]) for n in names}
        engine.dispose()

    def table(self, name: str) -> Any:
        return self.tables[name]  # patent_event missing: a KeyError, left empty


def test_a_release_matches_as_the_registry_it_froze(registry: str) -> None:
    from kechuang.matching import release_table

    release = _Release(registry)
    table = release_table(release=release, as_of=AS_OF)
    from_release = match_product(table=table, product_key="sh_performance_loan", as_of=AS_OF)
    with unit_of_work(registry) as session:
        from_registry = match_product(
            session=session, product_key="sh_performance_loan", as_of=AS_OF
        )
    assert from_release.tiers() == from_registry.tiers()
    assert from_release.by_district == from_registry.by_district
    assert table.num_rows == 6
