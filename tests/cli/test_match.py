"""``kechuang match`` and the product-list filters, on the small registry of tests/products."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.cli.common import console
from tests.products.test_matching import AS_OF, P_PROFILE, P, load

runner = CliRunner()

pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
    r"ignore:The 'future.infer_string' option is deprecated",
)


@pytest.fixture(autouse=True)
def _chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_LANG", "zh")


def test_match_enterprise_json_has_the_issue_shape(sqlite_url: str, tmp_path: Path) -> None:
    load(sqlite_url, tmp_path)
    result = runner.invoke(
        app, ["match", "--enterprise", P, "--as-of", AS_OF.isoformat(), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list) and data
    for item in data:
        assert {
            "product",
            "kind",
            "provider",
            "outcome",
            "checks",
            "closest_changes",
            "benefit",
        } <= set(item)
    loan = next(i for i in data if i["product"] == "sh_performance_loan")
    assert loan["outcome"] == "not_eligible"
    assert loan["closest_changes"][0]["amount"] == "120000.00"


def test_match_enterprise_table_in_english(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(sqlite_url, tmp_path)
    monkeypatch.setattr(console, "width", 300)
    result = runner.invoke(app, ["--lang", "en", "match", "-e", P, "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Sci-tech performance-guarantee insurance loan" in result.stdout
    assert "needs ¥120,000.00 more R&D expense" in result.stdout


def test_match_profile_file_and_unknown_enterprise(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "me.json"
    path.write_text(json.dumps({**P_PROFILE, "rd_expense": "1200000"}), encoding="utf-8")
    result = runner.invoke(
        app, ["match", "--profile", str(path), "--as-of", AS_OF.isoformat(), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    outcomes = {i["product"]: i["outcome"] for i in json.loads(result.stdout)}
    assert outcomes["sh_performance_loan"] == "eligible"
    missing = runner.invoke(app, ["match", "-e", P, "--as-of", AS_OF.isoformat()])
    assert missing.exit_code == 1
    assert "没有统一社会信用代码" in missing.output


def test_match_needs_exactly_one_subject() -> None:
    result = runner.invoke(app, ["match", "--product", "relending", "--enterprise", P])
    assert result.exit_code == 1
    assert "只给出" in result.output


def test_match_product_to_the_city_with_xlsx(sqlite_url: str, tmp_path: Path) -> None:
    load(sqlite_url, tmp_path)
    out = tmp_path / "list.xlsx"
    result = runner.invoke(
        app,
        [
            "match",
            "--product",
            "sh_performance_loan",
            "--as-of",
            AS_OF.isoformat(),
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["by_tier"] == {
        "eligible": 2,
        "near_eligible": 2,
        "not_eligible": 1,
        "undetermined": 1,
    }
    assert load_workbook(out, read_only=True)["合计 Total"]["B5"].value == 6
    table = runner.invoke(
        app, ["match", "--product", "sh_performance_loan", "--as-of", "2024-06-30"]
    )
    assert table.exit_code == 0, table.output
    assert "按区统计" in table.stdout and "徐汇区" in table.stdout


def test_match_product_closed_on_the_date_is_refused(sqlite_url: str) -> None:
    result = runner.invoke(
        app, ["match", "--product", "sh_performance_loan_premium_subsidy", "--as-of", "2026-01-01"]
    )
    assert result.exit_code == 1
    assert "已停办" in result.output


def test_products_list_filters() -> None:
    def keys(*args: str) -> set[str]:
        result = runner.invoke(
            app, ["products", "list", "--as-of", "2025-01-01", "-f", "json", *args]
        )
        assert result.exit_code == 0, result.output
        return {p["key"] for p in json.loads(result.stdout)}

    assert keys("--kind", "fund") == {
        "sh_angel_guide_fund",
        "sh_future_industry_fund_direct",
    }
    assert keys("--kind", "subsidy") == {
        "sh_performance_loan_premium_subsidy",
        "sh_sci_tech_loan_interest_subsidy",
        "key_little_giant_support",
    }
    assert keys("--benefit", "interest_subsidy") == {"sh_sci_tech_loan_interest_subsidy"}
    assert keys("--benefit", "refinancing") == {"relending", "rediscount"}
    assert "esop_loan" not in keys("--district", "徐汇区")
    assert "esop_loan" in keys("--district", "310115")
    assert keys("--provider", "上海银行") == {"sh_performance_loan"}
    assert keys("--min-amount", "2000万") == {
        "sh_little_giant_credit_loan",
        "sh_high_tech_loan",
        "sh_future_industry_fund_direct",
    }
    bad = runner.invoke(app, ["products", "list", "--benefit", "cash"])
    assert bad.exit_code == 1 and "未知的权益类别" in bad.output


def test_products_show_fund_conditions() -> None:
    result = runner.invoke(
        app, ["products", "show", "sh_angel_guide_fund", "--as-of", "2025-01-01", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    terms = {t["term"]: t for t in json.loads(result.stdout)["terms"]}
    ratio = terms["eligibility.conditions.rd_staff_ratio"]
    assert ratio["value"] == "研发人员数/职工总数 >= 20%" and ratio["status"] == "confirmed"
    assert terms["max_amount"]["status"] == "illustrative"
