"""Every indicator on the hand-computed dataset (tests/indicators/dataset.py), on DuckDB."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kechuang.indicators.catalog import DEFINITIONS, keys
from kechuang.indicators.compute import yoy
from kechuang.indicators.expressions import SPECS
from tests.indicators import dataset
from tests.indicators.conftest import Built, values_by_key


def test_every_catalogued_indicator_has_an_expression_and_a_value(built: Built) -> None:
    release = built.open()
    assert set(SPECS) == set(keys())
    assert [v.key for v in release.values()] == keys()
    assert [d.key for d in release.definitions] == keys()
    assert set(keys()) <= set(dataset.EXPECTED_2023) | {
        "sh_little_giant_credit_loan_amount",
        "esop_loan_enterprises",
    }


@pytest.mark.parametrize("key", sorted(dataset.EXPECTED_2023))
def test_value_for_the_release_year(built: Built, key: str) -> None:
    assert values_by_key(built.open())[key].value == dataset.EXPECTED_2023[key]


@pytest.mark.parametrize("key", sorted(dataset.EXPECTED_2022))
def test_value_for_the_previous_year(built: Built, key: str) -> None:
    release = built.open()
    assert values_by_key(release)[key].previous == dataset.EXPECTED_2022[key]
    previous_year = {v.key: v.value for v in release.values(2022)}
    assert previous_year[key] == dataset.EXPECTED_2022[key]


@pytest.mark.parametrize("key", sorted(dataset.EXPECTED_YOY_2023))
def test_year_over_year(built: Built, key: str) -> None:
    assert values_by_key(built.open())[key].yoy == dataset.EXPECTED_YOY_2023[key]


def test_external_values_carry_their_source(built: Built) -> None:
    v = values_by_key(built.open())["gii_cluster_rank"]
    assert v.source == "WIPO GII 2023 (confirmed)"
    assert v.source_status == "confirmed"


def test_yoy_is_exact_and_empty_without_a_base() -> None:
    assert yoy(Decimal("2.99"), Decimal("1.99")) == Decimal("0.5025125628")
    assert yoy(Decimal(1), Decimal(0)) is None
    assert yoy(None, Decimal(1)) is None


def test_segments_point_to_their_whole() -> None:
    by_key = {d.key: d for d in DEFINITIONS}
    for d in DEFINITIONS:
        if d.segment_of:
            assert d.segment_of in by_key
            assert by_key[d.segment_of].unit == d.unit


def test_sme_rule_can_be_holding_a_tech_sme_qualification(built: Built) -> None:
    from kechuang.indicators.compute import compute_values
    from kechuang.indicators.options import Options

    t = built.open().tables()
    try:
        got = {v.key: v for v in compute_values(t, 2023, Options(sme_rule="tech_sme"))}
    finally:
        t.close()
    # E1 (high_tech only) and E4 hold no tech_sme; E2 does but repaid on 12-31
    assert got["sci_tech_sme_borrowers"].value == 0
    assert got["sci_tech_sme_loan_balance"].value == Decimal("0.00")
    assert got["sci_tech_borrowers"].value == 2
    # the 高企贷 SME segment stays "size class medium, small or micro"
    assert got["sh_high_tech_loan_sme_enterprises"].value == 1
