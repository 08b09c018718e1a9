"""Property: matching one product to a population (Ibis on DuckDB) equals filtering the
single-enterprise matches (Python) — same tier for every enterprise, for products exercising every
kind of condition (standards met on the facts, held qualifications, size class, age limits,
districts, industries, the dishonesty list, fact and ratio conditions).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.matching import match_product, match_profile
from kechuang.matching.population import profiles_table
from kechuang.products.catalog import Catalog, default_catalog, parse_catalog
from kechuang.standards.engines import connect

pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
)

AS_OF = dt.date(2024, 6, 30)
PRODUCTS = (
    "sh_performance_loan",  # tech_sme met on the facts or held; size class; dishonesty list
    "sh_angel_guide_fund",  # max age; fact and ratio conditions
    "esop_loan",  # sci_tech_enterprise; districts
    "sh_clinical_trial_liability",  # industry divisions
    "relending",  # any of five held qualifications
    "one_year_old",  # min age (test product)
)
EXTRA = """
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
          conditions:
            - {key: min_rd, fact: rd_expense, op: ">", value: "10万", reference: 测试, status: illustrative, note: 测试数据}
"""


def _catalog() -> Catalog:
    return Catalog({**default_catalog().items, **parse_catalog(EXTRA).items})


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    revenue = draw(_maybe(st.integers(1, 3 * 10**10)))
    # R&D near the 115号 and angel-fund thresholds, to the fen
    pct = draw(st.sampled_from([2, 3, 4, 5, 6, 10]))
    wobble = draw(st.integers(-1, 1))
    rd = None if revenue is None else max(0, revenue * pct // 100 + wobble)
    employees = draw(_maybe(st.integers(1, 600)))
    return {
        "district_code": draw(_maybe(st.sampled_from(["310115", "310104", "310110", "310112"]))),
        "industry_code": draw(_maybe(st.sampled_from(["C2761", "I6513", "C3973", "M7320"]))),
        "registered_on": draw(
            _maybe(st.dates(dt.date(2015, 1, 1), AS_OF).map(lambda d: d.isoformat()))
        ),
        "size_class": draw(_maybe(st.sampled_from(["micro", "small", "medium", "large"]))),
        "on_dishonesty_list": draw(_maybe(st.booleans())),
        "qualifications": draw(
            st.lists(
                st.sampled_from(["high_tech", "tech_sme", "sh_little_giant", "specialised_sme"]),
                unique=True,
                max_size=2,
            )
        ),
        "employees": employees,
        "st_staff": None if employees is None else draw(_maybe(st.integers(0, employees))),
        "rd_staff": None if employees is None else draw(_maybe(st.integers(0, employees))),
        "revenue": None if revenue is None else _yuan(revenue),
        "operating_revenue": None if revenue is None else _yuan(revenue),
        "total_assets": draw(_maybe(st.integers(0, 3 * 10**10).map(_yuan))),
        "rd_expense": None if rd is None else _yuan(rd),
        "total_cost": draw(_maybe(st.integers(1, 3 * 10**10).map(_yuan))),
        "ip_class1": draw(_maybe(st.integers(0, 2))),
        "ip_class2": draw(_maybe(st.integers(0, 5))),
    }


@pytest.fixture(scope="module")
def con() -> Any:
    connection = connect("duckdb")
    yield connection
    connection.disconnect()


@pytest.mark.slow
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(population=st.lists(profiles(), min_size=1, max_size=8))
def test_product_to_city_equals_filtering_single_matches(
    con: Any, population: list[dict[str, Any]]
) -> None:
    catalog = _catalog()
    people = [{**p, "uscc": f"P{i}"} for i, p in enumerate(population)]
    table = profiles_table(people, as_of=AS_OF)
    single = {
        p["uscc"]: {
            m.product: m.tier for m in match_profile(profile=p, as_of=AS_OF, catalog=catalog)
        }
        for p in people
    }
    for key in PRODUCTS:
        city = match_product(
            table=table, product_key=key, as_of=AS_OF, catalog=catalog, connection=con
        )
        assert city.tiers() == {uscc: tiers[key] for uscc, tiers in single.items()}, key
        assert sum(city.by_tier.values()) == len(people)
