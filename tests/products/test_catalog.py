"""The product catalogue: shipped products, effective dating, sources and status, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib import resources

import pytest
import typer
import yaml
from typer.testing import CliRunner

from kechuang.cli.products import app as products_app
from kechuang.core.errors import NotFound, ValidationError
from kechuang.credit.enums import RepaymentMethod, Security
from kechuang.products import catalog
from kechuang.products.schemas import (
    QUALIFICATION_KEYS,
    REPAYMENT_METHODS,
    SECURITY_KINDS,
    ProductKind,
    SubsidyKind,
    describe_terms,
    parse_ratio,
    parse_yuan,
)
from kechuang.standards.catalog import MODULES
from kechuang.standards.sci_tech_enterprise import KINDS

SEED = {
    "sh_performance_loan": ProductKind.CREDIT,
    "sh_micro_loan": ProductKind.CREDIT,
    "sh_boost_loan": ProductKind.CREDIT,
    "sh_little_giant_credit_loan": ProductKind.CREDIT,
    "sh_high_tech_loan": ProductKind.CREDIT,
    "esop_loan": ProductKind.CREDIT,
    "relending": ProductKind.RELENDING,
    "rediscount": ProductKind.REDISCOUNT,
    "first_of_kind_equipment_insurance": ProductKind.INSURANCE,
    "sh_clinical_trial_liability": ProductKind.INSURANCE,
    "sh_product_liability": ProductKind.INSURANCE,
    "ic_coinsurance_pool": ProductKind.INSURANCE,
    "sh_startup_founder_liability": ProductKind.INSURANCE,
    "sme_cyber_insurance": ProductKind.INSURANCE,
    "sh_performance_guarantee_insurance": ProductKind.INSURANCE,
    "ip_insurance": ProductKind.INSURANCE,
    "sh_angel_guide_fund": ProductKind.FUND,
    "sh_future_industry_fund_direct": ProductKind.FUND,
    "sh_future_industry_fund_subfund": ProductKind.FUND,
    "sh_performance_loan_premium_subsidy": ProductKind.SUBSIDY,
    "sh_sci_tech_loan_interest_subsidy": ProductKind.SUBSIDY,
    "key_little_giant_support": ProductKind.SUBSIDY,
}
NOT_YET_OPEN_2024_06_30 = {
    "sh_startup_founder_liability",  # opens 2025-06-12
    "sh_future_industry_fund_direct",  # 2024-09-07
    "sh_future_industry_fund_subfund",  # 2025-01-20
    "sh_performance_loan_premium_subsidy",  # 2024-08-01
}

# A small catalogue a policy expert can read: one product scheduled to open, one to close, and
# one whose terms change on a date.
DATED = """
products:
  - key: opens_later
    kind: credit
    name_zh: 将开办
    name_en: Opens later
    valid_from: 2025-07-01
    reference: 测试
    status: illustrative
    note: 测试数据
    terms:
      - valid_from: 2025-07-01
  - key: closes
    kind: credit
    name_zh: 将停办
    name_en: Closes
    valid_from: 2020-01-01
    valid_to: 2025-06-30
    reference: 测试
    status: confirmed
    terms:
      - valid_from: 2020-01-01
  - key: changes
    kind: relending
    name_zh: 条款变更
    name_en: Terms change
    valid_from: 2023-01-01
    reference: 测试
    status: confirmed
    terms:
      - valid_from: 2023-01-01
        max_amount: {value: "1000万", reference: 文件一, status: confirmed}
      - valid_from: 2024-01-01
        max_amount: {value: "1.5亿", reference: 文件二 第三条, status: confirmed}
"""


# ---------------------------------------------------------------- the shipped catalogue


def test_the_shipped_catalogue_loads_with_every_seed_product() -> None:
    shipped = {p.key: p.kind for p in catalog.all_products()}
    assert shipped == SEED


def test_every_term_of_every_version_carries_a_reference_and_a_status() -> None:
    for product in catalog.all_products():
        assert product.reference and product.status in ("confirmed", "unverified", "illustrative")
        for version in product.terms:
            lines = describe_terms(version)
            assert lines, product.key
            for line in lines:
                assert line.reference.strip(), (product.key, line.path)
                assert line.status in ("confirmed", "unverified", "illustrative")
                if line.status == "illustrative":
                    assert line.note.strip(), (product.key, line.path)
                    assert line.as_dict()["flag"] == "示例参数，非正式条款 / illustrative"


def test_unconfirmed_product_terms_are_illustrative_never_confirmed() -> None:
    # RULES.md §5: caps, terms and pricing of the Shanghai products were not found
    for product in catalog.all_products(kind="credit"):
        for version in product.terms:
            for name in ("max_amount", "max_term_months", "pricing"):
                term = getattr(version, name)
                if term is not None:
                    assert term.status == "illustrative", (product.key, name)
    esop = catalog.get("esop_loan")
    assert esop.status == "illustrative"
    assert all(line.status == "illustrative" for line in describe_terms(esop.terms[0]))


def test_refinancing_terms_are_flagged_and_eligibility_is_confirmed() -> None:
    relending = catalog.get("relending", dt.date(2024, 6, 30))
    terms = relending.terms_at(dt.date(2024, 6, 30))
    assert terms is not None
    assert relending.valid_from == dt.date(2023, 7, 27)
    assert terms.eligibility.qualifications is not None
    assert terms.eligibility.qualifications.status == "confirmed"
    assert set(terms.eligibility.qualifications.value) == {
        "high_tech",
        "sh_little_giant",
        "specialised_sme",
        "little_giant",
        "tech_sme",
    }
    assert terms.eligibility.priorities is not None
    assert terms.eligibility.priorities.status == "confirmed"
    assert {"first_loan", "unsecured"} <= set(terms.eligibility.priorities.value)
    for name in ("refinance_rate", "refinance_share", "programme_quota"):
        term = getattr(terms, name)
        assert term is not None and term.status != "confirmed", name
    assert terms.refinance_rate is not None and terms.refinance_rate.status == "unverified"
    rediscount = catalog.get("rediscount")
    assert rediscount.kind is ProductKind.REDISCOUNT
    assert rediscount.terms[0].refinance_rate is not None
    assert rediscount.terms[0].refinance_rate.status == "illustrative"


def test_the_confirmed_50_percent_premium_subsidy() -> None:
    product = catalog.get("sh_performance_loan")
    assert product.terms_at(dt.date(2023, 12, 31)) is not None
    assert product.terms_at(dt.date(2023, 12, 31)).subsidies == []  # type: ignore[union-attr]
    terms = product.terms_at(dt.date(2025, 3, 1))
    assert terms is not None
    [rule] = terms.subsidies
    assert rule.kind is SubsidyKind.PREMIUM_SUBSIDY
    assert rule.share == Decimal("0.5")
    assert rule.reference == "沪科〔2025〕212号"
    assert rule.status == "confirmed"
    assert (rule.repaid_from, rule.repaid_to) == (dt.date(2024, 8, 1), dt.date(2025, 8, 31))
    assert "no_serious_dishonesty" in rule.conditions
    assert rule.automatic
    assert rule.covers_repayment(dt.date(2024, 8, 1))
    assert rule.covers_repayment(dt.date(2025, 8, 31))
    assert not rule.covers_repayment(dt.date(2024, 7, 31))
    assert not rule.covers_repayment(dt.date(2025, 9, 1))
    assert rule.amount(Decimal("12345.67")) == Decimal("6172.84")  # 6172.835 → half up
    micro = catalog.get("sh_micro_loan").terms_at(dt.date(2025, 3, 1))
    assert micro is not None and [s.reference for s in micro.subsidies] == ["沪科〔2025〕212号"]


def test_confirmed_pilot_terms_of_the_performance_loan() -> None:
    pilot = catalog.get("sh_performance_loan").terms_at(dt.date(2015, 1, 1))
    assert pilot is not None
    assert pilot.providers is not None and pilot.providers.status == "confirmed"
    assert len(pilot.providers.value) == 3
    assert pilot.programme_quota is not None
    assert pilot.programme_quota.value == Decimal("150000000.00")
    assert pilot.programme_quota.reference == "沪科合〔2010〕34号"


def test_high_tech_loan_capacity_is_500_yi_exactly() -> None:
    terms = catalog.get("sh_high_tech_loan").terms[0]
    assert terms.programme_quota is not None
    assert terms.programme_quota.value == Decimal("50000000000.00")
    assert terms.programme_quota.status == "confirmed"


def test_vocabularies_mirror_the_credit_enums_and_the_standards() -> None:
    assert set(REPAYMENT_METHODS) == {m.value for m in RepaymentMethod}
    assert set(SECURITY_KINDS) == {s.value for s in Security}
    assert {k for k, _ in KINDS} <= set(QUALIFICATION_KEYS)
    standard_like = set(MODULES) | {k for k, _ in KINDS}
    used = {
        key
        for p in catalog.all_products()
        for v in p.terms
        if v.eligibility.qualifications is not None
        for key in v.eligibility.qualifications.value
    }
    assert used <= standard_like


def test_risk_sharing_references_name_shipped_agreements_that_cover_the_product() -> None:
    assert catalog.risk_sharing_keys() == {"sh_sme_risk_compensation_2024"}
    text = (
        resources.files("kechuang.products")
        .joinpath("data", "risk_sharing.yaml")
        .read_text(encoding="utf-8")
    )
    covered: dict[str, set[str]] = {}
    for agreement in yaml.safe_load(text)["agreements"]:
        covered.setdefault(agreement["key"], set()).update(agreement["products"]["value"])
    for product in catalog.all_products():
        for key in product.risk_sharing_keys():
            assert key in covered, (product.key, key)
            assert product.key in covered[key], (product.key, key)


# ---------------------------------------------------------------- effective dating


def test_products_open_on_a_date() -> None:
    open_2021 = {p.key for p in catalog.products(as_of=dt.date(2021, 6, 30), kind="credit")}
    assert open_2021 == {"sh_performance_loan"}
    open_2024 = {p.key for p in catalog.products(as_of=dt.date(2024, 6, 30))}
    assert open_2024 == set(SEED) - NOT_YET_OPEN_2024_06_30
    assert [p.key for p in catalog.products(as_of=dt.date(2023, 7, 26), kind="relending")] == []
    assert [p.key for p in catalog.products(as_of=dt.date(2023, 7, 27), kind="relending")] == [
        "relending"
    ]
    assert {p.key for p in catalog.products(as_of=dt.date(2024, 6, 30), kind="credit")} == {
        k for k, v in SEED.items() if v is ProductKind.CREDIT
    }


def test_scheduled_open_and_close_and_dated_terms() -> None:
    cat = catalog.parse_catalog(DATED, source="dated.yaml")
    assert [p.key for p in cat.products(as_of=dt.date(2025, 6, 30))] == ["closes", "changes"]
    assert [p.key for p in cat.products(as_of=dt.date(2025, 7, 1))] == ["opens_later", "changes"]
    assert cat.get("opens_later").state(dt.date(2025, 6, 30)) == "scheduled"
    assert cat.get("closes").state(dt.date(2025, 7, 1)) == "closed"
    with pytest.raises(NotFound) as caught:
        cat.get("closes", dt.date(2025, 7, 1))
    assert caught.value.code == "product.not_open"
    with pytest.raises(NotFound) as caught:
        cat.get("nope")
    assert caught.value.code == "product.not_found"
    changes = cat.get("changes")
    first = changes.terms_at(dt.date(2023, 12, 31))
    second = changes.terms_at(dt.date(2024, 1, 1))
    assert first is not None and first.max_amount is not None
    assert second is not None and second.max_amount is not None
    assert first.max_amount.value == Decimal("10000000.00")
    assert second.max_amount.value == Decimal("150000000.00")
    assert changes.version_end(0) == dt.date(2023, 12, 31)
    assert changes.version_end(1) is None
    assert changes.terms_at(dt.date(2022, 12, 31)) is None


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (('value: "1000万"', "value: 1000.5"), "max_amount"),
        (("status: confirmed\n    terms", "status: maybe\n    terms"), "status"),
        (("valid_to: 2025-06-30", "valid_to: 2019-06-30"), "valid_to"),
        (("status: illustrative\n    note: 测试数据", "status: illustrative"), "illustrative"),
        (("kind: relending", "kind: loan"), "kind"),
    ],
)
def test_bad_catalogue_is_rejected_naming_the_place(edit: tuple[str, str], needle: str) -> None:
    text = DATED.replace(*edit, 1)
    assert text != DATED
    with pytest.raises(ValidationError) as caught:
        catalog.parse_catalog(text, source="dated.yaml")
    err = caught.value
    assert err.code == "product.invalid"
    assert err.issues and all(i.file == "dated.yaml" for i in err.issues)
    assert any(needle in (i.column or "") + i.message.en for i in err.issues)


def test_a_misspelt_top_level_key_is_rejected() -> None:
    with pytest.raises(ValidationError):
        catalog.parse_catalog(DATED.replace("products:", "product:", 1))


def test_duplicate_keys_are_rejected() -> None:
    text = DATED.replace("key: closes", "key: changes")
    with pytest.raises(ValidationError) as caught:
        catalog.parse_catalog(text)
    assert caught.value.issues[0].rule == "product.duplicate_key"


def test_value_syntax_is_exact() -> None:
    assert parse_yuan("1000万") == Decimal("10000000.00")
    assert parse_yuan("1.5亿") == Decimal("150000000.00")
    assert parse_yuan("500万元") == Decimal("5000000.00")
    assert parse_yuan(300000) == Decimal("300000.00")
    assert parse_ratio("4.35%") == Decimal("0.0435")
    assert parse_ratio("1/2") == Decimal("0.5")
    assert str(parse_ratio("+50bp")) == "0.005"
    assert str(parse_ratio("100%")) == "1"
    for bad in (1000.0, "1.001", "lots"):
        with pytest.raises(ValueError, match="amount"):
            parse_yuan(bad)
    with pytest.raises(ValueError, match="exact decimal"):
        parse_ratio("1/3")
    with pytest.raises(ValueError, match="exact"):
        parse_ratio(0.05)


# ---------------------------------------------------------------- CLI

runner = CliRunner()


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Stands in for the root ``kechuang`` app."""

    app.add_typer(products_app, name="products")
    return app


def test_cli_list_json_by_kind_and_date() -> None:
    result = runner.invoke(
        _cli(),
        ["products", "list", "--kind", "relending", "--as-of", "2024-06-30", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["key"] == "relending" and row["state"] == "open"
    before = runner.invoke(
        _cli(),
        ["products", "list", "--kind", "credit", "--as-of", "2021-06-30", "--format", "json"],
    )
    assert [r["key"] for r in json.loads(before.stdout)] == ["sh_performance_loan"]


def test_cli_show_json_flags_illustrative_terms() -> None:
    result = runner.invoke(
        _cli(),
        ["products", "show", "sh_performance_loan", "--as-of", "2025-01-01", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["state"] == "open"
    assert data["terms_version"] == {"valid_from": "2024-01-01", "valid_to": None}
    terms = {t["term"]: t for t in data["terms"]}
    assert terms["max_amount"]["flag"] == "示例参数，非正式条款 / illustrative"
    assert terms["max_amount"]["raw"] == "5000000.00"
    subsidy = terms["subsidies.premium_subsidy_2024_2025"]
    assert subsidy["status"] == "confirmed" and subsidy["reference"] == "沪科〔2025〕212号"
    assert subsidy["raw"]["share"] == "0.5"


def test_cli_show_table_and_unknown_product() -> None:
    result = runner.invoke(
        _cli(),
        ["products", "show", "esop_loan", "--as-of", "2024-01-01"],
        env={"COLUMNS": "240", "KECHUANG_LANG": "zh"},
    )
    assert result.exit_code == 0, result.output
    assert "示例参数，非正式条款 / illustrative" in result.stdout
    closed = runner.invoke(_cli(), ["products", "show", "relending", "--as-of", "2020-01-01"])
    assert closed.exit_code == 0 and "relending" in closed.stdout
    unknown = runner.invoke(_cli(), ["products", "show", "nope"])
    assert unknown.exit_code == 1
