"""``kechuang release`` and ``kechuang indicators`` end to end (SQLite store, DuckDB engine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.indicators.docs import render_markdown
from tests.indicators.conftest import Built

runner = CliRunner()


def test_release_lifecycle_through_the_cli(
    fresh_built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", fresh_built.url)
    root = ["--root", str(fresh_built.root)]
    created = runner.invoke(
        app, ["release", "create", "--year", "2023", "--cutoff", "2024-03-31", "--json", *root]
    )
    assert created.exit_code == 0, created.output
    manifest = json.loads(created.output)
    assert (manifest["release_id"], manifest["cutoff"]) == ("2023-r2", "2024-03-31")

    listed = runner.invoke(app, ["release", "list", "--json", *root])
    assert [m["release_id"] for m in json.loads(listed.output)] == ["2023-r1", "2023-r2"]

    shown = runner.invoke(app, ["--lang", "zh", "release", "show", "2023-r2", *root])
    assert shown.exit_code == 0, shown.output
    assert "科技型企业贷款存量户数" in shown.output

    same = runner.invoke(app, ["release", "diff", "2023-r1", "2023-r2", "--json", *root])
    assert json.loads(same.output)["values"] == []

    ok = runner.invoke(app, ["release", "verify", "2023-r2", *root])
    assert ok.exit_code == 0, ok.output
    published = runner.invoke(
        app, ["release", "publish", "2023-r2", "--by", "统计员", "--approved-by", "审核员", *root]
    )
    assert published.exit_code == 0, published.output
    again = runner.invoke(
        app, ["release", "publish", "2023-r2", "--by", "统计员", "--approved-by", "审核员", *root]
    )
    assert again.exit_code != 0

    (fresh_built.root / "2023-r2" / "definitions.json").write_text("[]", "utf-8")
    bad = runner.invoke(app, ["release", "verify", "2023-r2", "--json", *root])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["changed_files"] == ["definitions.json"]


def test_explain_lists_the_enterprises_behind_the_borrower_count(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "borrowers.xlsx"
    res = runner.invoke(
        app,
        [
            "indicators",
            "explain",
            "sci_tech_borrowers",
            "--release",
            built.release_id,
            "--root",
            str(built.root),
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["value"] == "2"
    assert [(r["uscc"], r["balance"], r["qualifications"]) for r in data["records"]] == [
        ("E1", "1300000.00", "high_tech"),
        ("E4", "1500000.00", "little_giant"),
    ]
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet.max_row == 3


def test_explain_previous_year_and_a_csv(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "hv.csv"
    res = runner.invoke(
        app,
        [
            "indicators",
            "explain",
            "high_value_invention_patents",
            "--release",
            built.release_id,
            "--root",
            str(built.root),
            "--year",
            "2022",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == 3  # header + PA3 + PA6
    assert "PA6" in lines[2]
    wrong = runner.invoke(
        app,
        [
            "indicators",
            "explain",
            "patents_granted",
            "--release",
            built.release_id,
            "--root",
            str(built.root),
            "--year",
            "2020",
        ],
    )
    assert wrong.exit_code != 0


def test_catalogue_list_and_committed_docs_are_current() -> None:
    res = runner.invoke(app, ["indicators", "list", "--json"])
    assert res.exit_code == 0
    assert len(json.loads(res.output)) == 40
    docs = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
    assert docs.read_text("utf-8") == render_markdown(), "run: kechuang indicators docs"
