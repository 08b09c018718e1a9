"""The command line: validation commands, imports, templates, registry look-ups, demo, languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.core.tabular import read_table

runner = CliRunner()
A = "91310115MA1H7K2A16"
B = "913101041234567882"


def kc(*args: str, lang: str = "zh", **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``kechuang`` entry point in a subprocess."""
    env = {**os.environ, "KECHUANG_LANG": lang, "COLUMNS": "200", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "kechuang.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


# ------------------------------------------------------------------ validate


def test_validate_uscc_json_reports_valid_gb32100_example() -> None:
    result = runner.invoke(app, ["validate", "uscc", "91350100M000100Y43", "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["input"] == "91350100M000100Y43"
    assert row["valid"] is True and row["normalized"] == "91350100M000100Y43"
    assert row["kind"] == "9/1" and row["error"] is None


def test_validate_uscc_wrong_last_character_is_a_check_character_error() -> None:
    result = runner.invoke(app, ["validate", "uscc", "91350100M000100Y44", "--format", "json"])
    assert result.exit_code == 1
    [row] = json.loads(result.stdout)
    assert row["valid"] is False and row["normalized"] is None
    assert row["rule"] == "uscc.check_char"
    assert "校验码" in row["error"]


def test_validate_mixed_batch_exits_1_and_reports_each() -> None:
    result = runner.invoke(app, ["validate", "uscc", A, "bad", "--format", "json"])
    assert result.exit_code == 1
    assert [r["valid"] for r in json.loads(result.stdout)] == [True, False]


def test_validate_patent_numbers() -> None:
    result = runner.invoke(
        app,
        [
            "validate",
            "patent-no",
            "201710601862.3",
            "200710308494.X",
            "ZL 2017 1 0601862.3",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["kind"] for r in rows] == ["invention", "invention", "invention"]
    assert [r["normalized"] for r in rows] == ["201710601862.3", "200710308494.X", "201710601862.3"]
    bad = runner.invoke(app, ["validate", "patent-no", "201710601862.4", "--format", "json"])
    assert bad.exit_code == 1
    assert json.loads(bad.stdout)[0]["rule"] == "patent_no.check_char"


def test_validate_table_output_in_chinese_by_default() -> None:
    result = kc("validate", "patent-no", "201710601862.3")
    assert result.returncode == 0, result.stderr
    assert "有效" in result.stdout and "发明" in result.stdout


def test_lang_en_switches_help_and_messages() -> None:
    help_en = kc("--lang", "en", "--help")
    assert "Import a registry file" in help_en.stdout
    help_zh = kc("--help", lang="zh")
    assert "导入企业" in help_zh.stdout
    result = kc("--lang", "en", "validate", "uscc", "91350100M000100Y44")
    assert result.returncode == 1
    assert "invalid" in result.stdout and "check character" in result.stdout
    via_env = kc("validate", "uscc", "91350100M000100Y44", lang="en")
    assert "check character" in via_env.stdout


# ------------------------------------------------------------------ import, template, registry


def _csv(tmp_path: Path, text: str, name: str = "e.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GOOD = f"统一社会信用代码,企业名称,所在区,成立日期,备注\n{A},上海甲科技有限公司,浦东新区,2019-03-15,x\n{B},上海乙生物有限公司,徐汇区,2020/5/1,y\n"


def test_import_dry_run_then_real_then_idempotent(db_url: str, tmp_path: Path) -> None:
    path = _csv(tmp_path, GOOD, encoding="gbk")
    dry = runner.invoke(app, ["import", "enterprises", str(path), "--dry-run", "--format", "json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["created"] == 2 and json.loads(dry.stdout)["dry_run"] is True
    real = runner.invoke(app, ["import", "enterprises", str(path), "--format", "json"])
    body = json.loads(real.stdout)
    assert (body["created"], body["encoding"]) == (2, "gbk"), (
        "the dry run must not have saved anything"
    )
    assert [i["rule"] for i in body["issues"]] == ["import.unknown_column"]
    again = runner.invoke(app, ["import", "enterprises", str(path)])
    assert again.exit_code == 0
    assert "未做任何更改" in again.stdout


def test_import_rejection_prints_and_writes_every_issue(db_url: str, tmp_path: Path) -> None:
    bad = GOOD + f"{A[:-1]}0,坏公司,火星区,昨天,z\n"
    for out in ("issues.csv", "issues.xlsx", "issues.json"):
        result = runner.invoke(
            app,
            [
                "import",
                "enterprises",
                str(_csv(tmp_path, bad)),
                "--errors-out",
                str(tmp_path / out),
            ],
        )
        assert result.exit_code == 1
        assert "未导入" in result.output
    table = read_table(tmp_path / "issues.csv")
    assert {"row", "column", "rule", "message_zh", "message_en"} <= set(table.headers)
    rules = {r.values[table.headers.index("rule")] for r in table.rows}
    assert {"uscc.check_char", "district.unknown", "date.invalid"} <= rules
    data = json.loads((tmp_path / "issues.json").read_text(encoding="utf-8"))
    assert {d["row"] for d in data if d["severity"] == "error"} == {4}
    listed = runner.invoke(app, ["registry", "summary", "--json"])
    assert json.loads(listed.stdout)["enterprises"] == 0


def test_template_has_headers_description_and_example_and_imports_back(
    db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "enterprises-template.xlsx"
    result = runner.invoke(app, ["template", "enterprises", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "统一社会信用代码*"
    assert str(rows[1][0]).startswith("#")
    assert rows[2][1] == "上海示例科技有限公司"
    assert "说明 Guide" in wb.sheetnames
    wb.close()
    # The example row carries a placeholder USCC, so it must be replaced; the description row is skipped.
    ws_rows = rows[2]
    assert ws_rows[0] is not None
    imported = runner.invoke(app, ["import", "enterprises", str(out), "--format", "json"])
    body = json.loads(imported.stdout)
    rules = {i["rule"] for i in body.get("issues", []) if i["severity"] == "error"}
    assert rules <= {"uscc.check_char"}, (
        "only the placeholder USCC may fail; every other example value is valid"
    )


@pytest.mark.parametrize(
    "kind", ["enterprises", "enterprise-years", "qualifications", "institutions"]
)
def test_templates_for_every_kind(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.xlsx"
    assert (
        runner.invoke(app, ["template", kind, "-o", str(out), "--header-lang", "en"]).exit_code == 0
    )
    table = read_table(out)
    assert table.headers and len(table.rows) == 1  # description row skipped, example row read


def test_registry_show_and_history(db_url: str, tmp_path: Path) -> None:
    runner.invoke(app, ["import", "enterprises", str(_csv(tmp_path, GOOD))])
    changed = GOOD.replace("上海甲科技有限公司", "上海甲智能科技有限公司")
    runner.invoke(app, ["import", "enterprises", str(_csv(tmp_path, changed, "e2.csv"))])
    shown = runner.invoke(app, ["registry", "show", A.lower(), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["enterprise"]["name"] == "上海甲智能科技有限公司"
    hist = json.loads(runner.invoke(app, ["registry", "history", A, "--json"]).stdout)
    assert [h["action"] for h in hist] == ["create", "update"]
    assert hist[1]["changes"] == {"name": ["上海甲科技有限公司", "上海甲智能科技有限公司"]}
    assert hist[1]["source"] == "import enterprises: e2.csv"
    table = runner.invoke(app, ["registry", "history", A])
    assert table.exit_code == 0
    assert "修改历史" in table.stdout
    missing = runner.invoke(app, ["registry", "show", "91350100M000100Y43"])
    assert missing.exit_code == 1


def test_db_upgrade_and_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_DATABASE_URL", f"sqlite+pysqlite:///{tmp_path / 'new.db'}")
    assert runner.invoke(app, ["db", "current"]).exit_code == 1
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert runner.invoke(app, ["db", "current"]).exit_code == 0


# ------------------------------------------------------------------ demo


@pytest.mark.slow
def test_demo_builds_sample_registry_through_imports(tmp_path: Path) -> None:
    result = kc("demo", "--dir", str(tmp_path / "demo"), "-n", "120")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "enterprises.csv：共 120 行，新增 120" in out
    assert "(gbk)" in out
    assert "未做任何更改" in out  # re-import is idempotent
    assert "企业库概况" in out and "高新技术企业" in out
    assert (tmp_path / "demo" / "kechuang-demo.db").exists()
    demo_db = f"sqlite+pysqlite:///{tmp_path / 'demo' / 'kechuang-demo.db'}"
    summary = kc(
        "registry", "summary", "--json", "--as-of", "2023-12-31", KECHUANG_DATABASE_URL=demo_db
    )
    assert summary.returncode == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert data["enterprises"] == 120 and data["institutions"] == 13
    assert data["fiscal_years"]["2023"] == 120
