"""``kechuang standards``: list, show, evaluate (files and registry), screen, simulate, languages.

The registry of :mod:`tests.standards.test_service` is loaded through the import path; see the
table in that module for what each enterprise should get under tech_sme as of 2024-06-30.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.cli.standards import parse_sets
from kechuang.standards import service
from kechuang.standards.models import ScreeningResult, ScreeningRun
from kechuang.storage.db import unit_of_work
from tests.standards.test_service import (
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    _params_with_unverified_pass_mark,
    load_registry,
)

runner = CliRunner()
AS_OF = "2024-06-30"

pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
    r"ignore:The 'future.infer_string' option is deprecated",
)

PROFILE_B = {
    "id": "乙",
    "employees": 100,
    "st_staff": 20,
    "revenue": 10_000_000,
    "total_assets": 20_000_000,
    "rd_expense": 400_000,
    "total_cost": 9_000_000,
    "ip_class1": 0,
    "ip_class2": 2,
}

CHECK_KEYS = {
    "criterion",
    "label_zh",
    "label_en",
    "passed",
    "observed",
    "required",
    "points",
    "reference",
    "parameter_version",
    "message_zh",
    "message_en",
}
EVALUATION_KEYS = {
    "subject",
    "standard",
    "as_of",
    "outcome",
    "route",
    "score",
    "score_range",
    "checks",
    "unverified_parameters",
    "overrides",
}


@pytest.fixture(autouse=True)
def _chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    # ``--lang en`` sets KECHUANG_LANG for the process; monkeypatch restores it after each test.
    monkeypatch.setenv("KECHUANG_LANG", "zh")


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> str:
    load_registry(db_url, tmp_path)
    return db_url


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def as_json(*args: str) -> Any:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------- list / show


def test_list_names_every_standard_and_which_have_registry_facts() -> None:
    rows = {r["key"]: r for r in as_json("standards", "list", "--format", "json")}
    assert rows["tech_sme"]["registry_facts"] is True
    assert rows["tech_sme"]["label_zh"] == "科技型中小企业"
    assert "tech_sme.scoring.pass_mark" in rows["tech_sme"]["parameters"]
    assert invoke("standards", "list").exit_code == 0


def test_show_lists_values_start_dates_references_and_status() -> None:
    data = as_json("standards", "show", "tech_sme", "--as-of", AS_OF, "--format", "json")
    params = {p["key"]: p for p in data["parameters"]}
    mark = params["tech_sme.scoring.pass_mark"]
    assert (mark["value"], mark["start"], mark["status"], mark["unverified"]) == (
        "60",
        "2017-05-03",
        "confirmed",
        False,
    )
    assert mark["reference"] == "国科发政〔2017〕115号 第六条（五）"
    assert params["tech_sme.scoring.st_staff_bands"]["value"].startswith("≥30%→20")
    assert data["unverified"] == []


def test_show_flags_unverified_parameters(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    params = _params_with_unverified_pass_mark(tmp_path)
    monkeypatch.setattr(service, "default_parameters", lambda: params)
    data = as_json("standards", "show", "tech_sme", "--as-of", AS_OF, "--format", "json")
    assert data["unverified"] == ["tech_sme.scoring.pass_mark"]
    mark = next(p for p in data["parameters"] if p["key"] == "tech_sme.scoring.pass_mark")
    assert (mark["start"], mark["reference"], mark["status"]) == (
        "2024-01-01",
        "待核实的新文件",
        "unverified",
    )
    assert [h["start"] for h in mark["history"]] == ["2017-05-03", "2024-01-01"]
    table = invoke("standards", "show", "tech_sme", "--as-of", AS_OF)
    assert table.exit_code == 0 and "参数待核实" in table.stdout


def test_show_unknown_standard_exits_1_with_the_choices() -> None:
    result = invoke("standards", "show", "rocket")
    assert result.exit_code == 1
    assert "未知标准" in result.stderr and "tech_sme" in result.stderr


# ---------------------------------------------------------------------------- evaluate


def test_evaluate_enterprise_json_has_the_documented_shape(registry: str) -> None:
    [ev] = as_json(
        "standards", "evaluate", "tech_sme", "--enterprise", A, "--as-of", AS_OF, "-f", "json"
    )
    assert set(ev) == EVALUATION_KEYS
    assert (ev["subject"], ev["standard"], ev["as_of"]) == (A, "tech_sme", AS_OF)
    assert (ev["outcome"], ev["route"], ev["score"], ev["score_range"]) == (
        "qualified",
        "score",
        66,
        None,
    )
    assert all(set(c) == CHECK_KEYS for c in ev["checks"])
    assert ev["unverified_parameters"] == []
    rd = next(c for c in ev["checks"] if c["criterion"] == "rd_score")
    assert rd["points"] == 40
    assert rd["parameter_version"] == [
        "tech_sme.scoring.rd_revenue_bands@2017-05-03",
        "tech_sme.scoring.rd_cost_bands@2017-05-03",
    ]


def test_evaluate_enterprise_range_and_what_if(registry: str) -> None:
    [f] = as_json(
        "standards", "evaluate", "tech_sme", "-e", F, "--as-of", AS_OF, "--format", "json"
    )
    assert (f["outcome"], f["score"], f["score_range"]) == ("undetermined", None, [20, 100])
    [b] = as_json(
        "standards",
        "evaluate",
        "tech_sme",
        "-e",
        B,
        "--as-of",
        AS_OF,
        "-f",
        "json",
        "--set",
        "tech_sme.scoring.pass_mark=50",
    )
    assert b["outcome"] == "qualified"
    assert b["overrides"] == ["tech_sme.scoring.pass_mark@2024-06-30"]


def test_evaluate_enterprise_table_and_unknown_uscc(registry: str) -> None:
    result = invoke("standards", "evaluate", "tech_sme", "-e", C, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "符合" in result.stdout and "直接认定" in result.stdout
    missing = invoke("standards", "evaluate", "tech_sme", "-e", "91310115MA1H7K2A25")
    assert missing.exit_code == 1 and "企业库中没有" in missing.stderr


def test_evaluate_json_object_and_array_files(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(PROFILE_B, ensure_ascii=False), encoding="utf-8")
    [ev] = as_json(
        "standards", "evaluate", "tech_sme", "-i", str(one), "--as-of", AS_OF, "-f", "json"
    )
    assert set(ev) == EVALUATION_KEYS
    assert (ev["subject"], ev["outcome"], ev["score"]) == ("乙", "not_qualified", 54)
    many = tmp_path / "many.json"
    many.write_text(
        json.dumps([PROFILE_B, {**PROFILE_B, "id": "丙", "ip_class1": 1}]), encoding="utf-8"
    )
    got = as_json(
        "standards", "evaluate", "tech_sme", "-i", str(many), "--as-of", AS_OF, "-f", "json"
    )
    assert [(e["subject"], e["outcome"], e["score"]) for e in got] == [
        ("乙", "not_qualified", 54),
        ("丙", "qualified", 72),
    ]


def test_evaluate_csv_input_and_csv_output(tmp_path: Path) -> None:
    path = tmp_path / "profiles.csv"
    path.write_text(
        "id,employees,st_staff,revenue,total_assets,rd_expense,total_cost,ip_class1,ip_class2\n"
        "乙,100,20,10000000,20000000,400000,9000000,0,2\n"
        "己,50,15,5000000,5000000,,,,\n",
        encoding="utf-8",
    )
    got = as_json(
        "standards", "evaluate", "tech_sme", "-i", str(path), "--as-of", AS_OF, "-f", "json"
    )
    assert [(e["subject"], e["outcome"], e["score_range"]) for e in got] == [
        ("乙", "not_qualified", None),
        ("己", "undetermined", [20, 100]),
    ]
    result = invoke(
        "standards", "evaluate", "tech_sme", "-i", str(path), "--as-of", AS_OF, "-f", "csv"
    )
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2 * len(got[0]["checks"])
    st = next(r for r in rows if r["subject"] == "己" and r["criterion"] == "st_staff_score")
    assert (st["passed"], st["points"], st["outcome"]) == ("true", "20", "undetermined")
    assert (st["score_low"], st["score_high"]) == ("20", "100")
    assert st["parameter_version"] == "tech_sme.scoring.st_staff_bands@2017-05-03"


def test_evaluate_csv_lists_as_semicolon_text(tmp_path: Path) -> None:
    # high_tech reads three fiscal years per list field; a CSV cell holds them as "a;b;c".
    path = tmp_path / "ht.csv"
    path.write_text(
        "id,registered_on,revenue,rd_expense,net_assets,employees,st_staff\n"
        "甲,2019-03-15,6000000;8000000;10000000,300000;400000;500000,8000000;10000000;12000000,100,30\n",
        encoding="utf-8",
    )
    [ev] = as_json(
        "standards", "evaluate", "high_tech", "-i", str(path), "--as-of", AS_OF, "-f", "json"
    )
    assert (ev["subject"], ev["standard"]) == ("甲", "high_tech")
    assert ev["outcome"] in ("qualified", "not_qualified", "undetermined")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,revenue\n甲,1;2;3;4\n", encoding="utf-8")
    result = invoke("standards", "evaluate", "high_tech", "-i", str(bad), "--as-of", AS_OF)
    assert result.exit_code == 1 and "revenue" in result.stderr


def test_bad_input_exits_1_with_bilingual_errors_and_issues(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,employees,revenue\n甲,很多,100\n乙,10,1.234\n", encoding="utf-8")
    zh = invoke("standards", "evaluate", "tech_sme", "-i", str(path), "--as-of", AS_OF)
    assert zh.exit_code == 1
    assert "处错误" in zh.stderr and "employees" in zh.stderr and "bad.csv" in zh.stderr
    en = invoke("--lang", "en", "standards", "evaluate", "tech_sme", "-i", str(path))
    assert en.exit_code == 1
    assert "invalid field(s) in the input" in en.stderr and "Issues" in en.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"employees": 1,', encoding="utf-8")
    result = invoke("--lang", "en", "standards", "evaluate", "tech_sme", "-i", str(broken))
    assert result.exit_code == 1 and "not valid JSON" in result.stderr
    neither = invoke("standards", "evaluate", "tech_sme")
    assert neither.exit_code == 1 and "--input/--enterprise" in neither.stderr
    bad_set = invoke(
        "standards",
        "evaluate",
        "tech_sme",
        "-i",
        str(broken),
        "--set",
        "tech_sme.scoring.pass_mark",
    )
    assert bad_set.exit_code == 1 and "KEY=VALUE" in bad_set.stderr


def test_lang_en_renders_english_outcomes(registry: str) -> None:
    result = invoke("--lang", "en", "standards", "evaluate", "tech_sme", "-e", D, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "outcome: not qualified" in result.stdout
    [ev] = as_json("standards", "evaluate", "tech_sme", "-e", D, "--as-of", AS_OF, "-f", "json")
    check = next(c for c in ev["checks"] if c["criterion"] == "no_serious_violation")
    assert check["passed"] is False
    assert "not met" in check["message_en"] and "不符合" in check["message_zh"]


# ---------------------------------------------------------------------------- screen


def test_screen_stores_the_run_prints_counts_and_writes_parquet(
    registry: str, tmp_path: Path
) -> None:
    out = tmp_path / "explain.parquet"
    data = as_json(
        "standards",
        "screen",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--explain-out",
        str(out),
        "--actor",
        "alice",
        "--format",
        "json",
    )
    assert (data["standard"], data["as_of"], data["engine"], data["actor"], data["total"]) == (
        "tech_sme",
        AS_OF,
        "duckdb",
        "alice",
        6,
    )
    assert data["by_outcome"] == {"qualified": 2, "not_qualified": 2, "undetermined": 2}
    assert data["by_district"]["310115"] == {"qualified": 1, "not_qualified": 1, "undetermined": 1}
    with unit_of_work(registry) as session:
        assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 1
        assert session.scalar(select(func.count()).select_from(ScreeningResult)) == 6
        stored = session.get(ScreeningRun, data["run_id"])
        assert stored is not None and stored.counts["by_outcome"] == data["by_outcome"]
    table = pq.read_table(out)
    rows = {r["uscc"]: r for r in table.to_pylist()}
    assert set(rows) == {A, B, C, D, E, F}  # G is deregistered
    assert rows[A]["st_staff_score__points"] == 20 and rows[A]["total_score__passed"] is True
    assert rows[F]["score"] == 20 and rows[F]["score_high"] == 100
    assert rows[E]["employees__passed"] is None
    assert str(table.schema.field("rd_score__points").type) == "int64"
    assert G not in rows


def test_screen_table_on_sqlite_engine_with_csv_explain(sqlite_url: str, tmp_path: Path) -> None:
    load_registry(sqlite_url, tmp_path)
    out = tmp_path / "explain.csv"
    result = invoke(
        "standards",
        "screen",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--engine",
        "sqlite",
        "--explain-out",
        str(out),
        "--set",
        "tech_sme.scoring.pass_mark=50",
    )
    assert result.exit_code == 0, result.output
    assert "浦东新区" in result.stdout and "restricted_industry=False" in result.stdout
    with out.open(encoding="utf-8-sig") as fh:
        rows = {r["uscc"]: r for r in csv.DictReader(fh)}
    assert rows[B]["outcome"] == "qualified"  # pass mark 50
    assert rows[B]["total_score__passed"] == "True"
    with unit_of_work(sqlite_url) as session:
        run = session.scalars(select(ScreeningRun)).one()
        assert run.engine == "sqlite"
        assert run.parameters["overrides"] == {"tech_sme.scoring.pass_mark": 50}


def test_screen_refuses_a_bad_explain_file_before_running(registry: str, tmp_path: Path) -> None:
    result = invoke(
        "standards",
        "screen",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--explain-out",
        str(tmp_path / "x.txt"),
    )
    assert result.exit_code == 1 and ".parquet" in result.stderr
    with unit_of_work(registry) as session:
        assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 0


# ---------------------------------------------------------------------------- simulate


def test_simulate_lower_pass_mark_shows_who_gains(registry: str) -> None:
    data = as_json(
        "standards",
        "simulate",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--set",
        "tech_sme.scoring.pass_mark=50",
        "--format",
        "json",
    )
    assert (data["gained"], data["lost"], data["changed"], data["total"]) == (1, 0, 0, 6)
    assert data["baseline"]["qualified"] == 2 and data["variant"]["qualified"] == 3
    assert data["affected"] == [
        {
            "uscc": B,
            "name": "上海乙生物有限公司",
            "district_code": "310104",
            "industry_code": "C2761",
            "baseline": "not_qualified",
            "variant": "qualified",
            "score_baseline": 54,
            "score_high_baseline": 54,
            "score_variant": 54,
            "score_high_variant": 54,
            "change": "gained",
        }
    ]
    assert data["by_district"] == {"310104": {"gained": 1, "lost": 0, "changed": 0}}
    assert data["changes"] == [
        {
            "key": "tech_sme.scoring.pass_mark",
            "baseline": "60",
            "variant": "50",
            "reference": "国科发政〔2017〕115号 第六条（五）",
        }
    ]
    with unit_of_work(registry) as session:  # a simulation stores nothing
        assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 0
    table = invoke(
        "standards",
        "simulate",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--set",
        "tech_sme.scoring.pass_mark=50",
    )
    assert table.exit_code == 0 and "新增符合 1 家，不再符合 0 家" in table.stdout


def test_simulate_overlay_and_out_files(registry: str, tmp_path: Path) -> None:
    overlay = tmp_path / "what-if.yaml"
    overlay.write_text("tech_sme:\n  scoring:\n    pass_mark: 70\n", encoding="utf-8")
    out = tmp_path / "affected.xlsx"
    data = as_json(
        "standards",
        "simulate",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--overlay",
        str(overlay),
        "--out",
        str(out),
        "-f",
        "json",
    )
    assert [(a["uscc"], a["change"]) for a in data["affected"]] == [(A, "lost")]
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "受影响企业"
    rows = list(wb.worksheets[0].values)
    assert rows[1][0] == A and rows[1][4] == "不再符合"
    # --set wins over the overlay; bands as a YAML list.
    csv_out = tmp_path / "affected.csv"
    data = as_json(
        "standards",
        "simulate",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--overlay",
        str(overlay),
        "--set",
        "tech_sme.scoring.pass_mark=60",
        "--set",
        "tech_sme.scoring.ip_class2_bands=[[2, 18], [1, 6]]",
        "--out",
        str(csv_out),
        "-f",
        "json",
    )
    assert data["overrides"] == {
        "tech_sme.scoring.pass_mark": 60,
        "tech_sme.scoring.ip_class2_bands": [[2, 18], [1, 6]],
    }
    assert [(a["uscc"], a["change"], a["score_variant"]) for a in data["affected"]] == [
        (B, "gained", 60)
    ]
    with csv_out.open(encoding="utf-8-sig") as fh:
        assert [r["统一社会信用代码"] for r in csv.DictReader(fh)] == [B]


def test_simulate_needs_a_change_and_valid_values(registry: str) -> None:
    none = invoke("standards", "simulate", "tech_sme", "--as-of", AS_OF)
    assert none.exit_code == 1 and "至少一个参数改动" in none.stderr
    bad = invoke(
        "--lang",
        "en",
        "standards",
        "simulate",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--set",
        "tech_sme.scoring.pass_mark=lots",
    )
    assert bad.exit_code == 1 and "invalid what-if parameter value" in bad.stderr
    unknown = invoke(
        "--lang",
        "zh",
        "standards",
        "simulate",
        "tech_sme",
        "--as-of",
        AS_OF,
        "--set",
        "tech_sme.nope=1",
    )
    assert unknown.exit_code == 1 and "未知参数" in unknown.stderr


def test_parse_sets_keeps_parameter_syntax() -> None:
    assert parse_sets(
        [
            "a=5%",
            "b=2亿",
            "c=60",
            "d=0.05",
            'e=[["30%",20],["25%",16]]',
            "f=true",
            "g = 1/2",
        ]
    ) == {
        "a": "5%",
        "b": "2亿",
        "c": 60,
        "d": "0.05",
        "e": [["30%", 20], ["25%", 16]],
        "f": True,
        "g": "1/2",
    }
