"""Standards services on a small registry: registry facts, evaluation, stored screening, what-if.

The registry is loaded through the import path from readable CSV text. As of 2024-06-30 the facts
are those of fiscal 2023 (three-year lists: 2021–2023). Under 国科发政〔2017〕115号 (tech_sme):

=====  ======  ==========================================================  ================
USCC   区       2023 facts                                                 tech_sme
=====  ======  ==========================================================  ================
A      浦东     100 staff, 30 S&T (20), R&D 5% of revenue (40), 1 class-II  66 → qualified
B      徐汇     100 staff, 20 S&T (12), R&D 4% (30), 2 class-II (12)         54 → not (gains at 50)
C      杨浦     valid high-tech certificate, 300 staff, 2亿 limits met        direct → qualified
D      浦东     as A, but on the serious-dishonesty list                     not qualified
E      浦东     no fiscal-year data                                          undetermined
F      徐汇     50 staff, 15 S&T (20), R&D and IP unknown → score 20–100     undetermined
G      浦东     deregistered (注销)                                          not screened
=====  ======  ==========================================================  ================
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from kechuang.core.errors import KechuangError, NotFound, ValidationError
from kechuang.registry.imports import import_file
from kechuang.standards import catalog, facts, service
from kechuang.standards.engine import FieldSpec, Standard
from kechuang.standards.models import ScreeningResult, ScreeningRun
from kechuang.standards.params import ParameterSet, default_parameters, load_directory
from kechuang.storage.db import unit_of_work

A = "91310115MA1H7K2A16"
B = "913101041234567882"
C = "91310110MA1FL3X723"
D = "91310115MA1D00019G"
E = "91310115MA1E000281"
F = "91310115MA1F00037H"
G = "91310115MA1G000462"
AS_OF = dt.date(2024, 6, 30)

# ibis 12 calls DuckDB 2.0's deprecated fetch_arrow_table() and, on SQLite, reads pandas 3's
# deprecated future.infer_string option; the project pins these, the deprecations are not ours.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
    r"ignore:fetch_record_batch\(\) is deprecated:DeprecationWarning",
    r"ignore:The 'future.infer_string' option is deprecated",
)

ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期,行业代码,列入严重失信名单,经营状态
{A},上海甲科技有限公司,浦东新区,2019-03-15,I6513,否,存续
{B},上海乙生物有限公司,徐汇区,2020-05-01,C2761,否,存续
{C},上海丙智能有限公司,杨浦区,2018-01-01,C3973,否,存续
{D},上海丁信息有限公司,浦东新区,2021-01-01,I6513,是,存续
{E},上海戊材料有限公司,浦东新区,2022-01-01,C2661,否,存续
{F},上海己软件有限公司,徐汇区,2020-01-01,I6513,否,存续
{G},上海庚已注销有限公司,浦东新区,2015-01-01,I6513,否,注销
"""

YEARS = f"""统一社会信用代码,年度,职工总数,科技人员数,销售收入,资产总额,研发费用,境内研发费用,成本费用支出总额,Ⅰ类知识产权数,Ⅱ类知识产权数,净资产,高新技术产品收入,总收入
{A},2021,,,6000000,,300000,300000,,,,8000000,,
{A},2022,90,25,8000000,15000000,400000,380000,,,,10000000,,
{A},2023,100,30,10000000,20000000,500000,450000,8000000,0,1,12000000,7000000,10500000
{B},2023,100,20,10000000,20000000,400000,400000,9000000,0,2,,,
{C},2023,300,20,50000000,30000000,,,,,,,,
{D},2023,100,30,10000000,20000000,500000,450000,8000000,0,1,,,
{F},2023,50,15,5000000,5000000,,,,,,,,
{G},2023,100,30,10000000,20000000,500000,450000,8000000,0,1,,,
{A},2020,100,30,1,1,1,1,1,1,1,1,,
"""

QUALIFICATIONS = f"""统一社会信用代码,资质类型,证书编号,生效日期,有效期至
{C},高新技术企业,GR202331001234,2023-11-15,2026-11-14
{B},科技型中小企业,2023310400001,2023-06-01,2024-12-31
{A},高新技术企业,GR202031000001,2020-11-01,2023-10-31
"""


def load_registry(url: str, tmp_path: Path) -> None:
    """Import the enterprises, fiscal years and qualifications above into the database at ``url``."""
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
    load_registry(db_url, tmp_path)
    return db_url


# ---------------------------------------------------------------------------- registry facts


def test_tech_sme_facts_are_fen_of_the_last_fiscal_year_with_unknowns_kept(registry: str) -> None:
    with unit_of_work(registry) as session:
        built = facts.build(session=session, standard=catalog.get("tech_sme"), as_of=AS_OF)
    assert built.fiscal_years == (2021, 2022, 2023)
    rows = {s.uscc: s.row for s in built.subjects}
    assert set(rows) == {A, B, C, D, E, F, G}
    assert rows[A] == {
        "id": A,
        "employees": 100,
        "st_staff": 30,
        "revenue": 1_000_000_000,
        "total_assets": 2_000_000_000,
        "rd_expense": 50_000_000,
        "total_cost": 800_000_000,
        "ip_class1": 0,
        "ip_class2": 1,
        "registered_in_mainland": True,
        "restricted_industry": False,
        "serious_violation": False,
        "high_tech_certificate_valid": False,  # expired 2023-10-31
        "national_st_award_top3_5y": False,
        "provincial_rd_institution": False,
        "led_standard_5y": False,
    }
    # Unknown facts stay unknown (None), never False.
    assert rows[E]["employees"] is None and rows[E]["revenue"] is None
    assert rows[F]["rd_expense"] is None and rows[F]["ip_class1"] is None
    assert rows[C]["high_tech_certificate_valid"] is True
    assert rows[D]["serious_violation"] is True
    assert rows[G]["registered_in_mainland"] is False
    assert built.assumed == {
        "restricted_industry": False,
        "national_st_award_top3_5y": False,
        "provincial_rd_institution": False,
        "led_standard_5y": False,
    }
    assert built.unknown == ()


def test_a_year_later_the_facts_of_2023_are_not_used_for_2024(registry: str) -> None:
    with unit_of_work(registry) as session:
        built = facts.build(
            session=session, standard=catalog.get("tech_sme"), as_of=dt.date(2025, 3, 1), uscc=A
        )
    assert built.fiscal_years == (2022, 2023, 2024)
    assert built.subjects[0].row["employees"] is None


def test_high_tech_facts_are_three_years_oldest_first(registry: str) -> None:
    with unit_of_work(registry) as session:
        built = facts.build(
            session=session, standard=catalog.get("high_tech"), as_of=AS_OF, uscc=A.lower()
        )
    [subject] = built.subjects
    row = subject.row
    assert (subject.uscc, subject.district_code, subject.industry_code) == (A, "310115", "I6513")
    assert [row["revenue_1"], row["revenue_2"], row["revenue_3"]] == [6e8, 8e8, 1e9]
    assert [row["rd_expense_1"], row["rd_expense_2"], row["rd_expense_3"]] == [3e7, 4e7, 5e7]
    assert [row["net_assets_1"], row["net_assets_2"], row["net_assets_3"]] == [8e8, 1e9, 1.2e9]
    assert all(isinstance(row[f"revenue_{i}"], int) for i in (1, 2, 3))
    assert row["domestic_rd_expense"] == 113_000_000  # 30万 + 38万 + 45万, in fen
    assert row["high_tech_income"] == 700_000_000 and row["total_income"] == 1_050_000_000
    assert (row["employees"], row["st_staff"]) == (100, 30)
    assert row["registered_on"] == dt.date(2019, 3, 15)
    assert row["application_date"] == AS_OF
    assert row["core_ip"] is True
    assert row["serious_violation"] is False
    # Not recorded in the registry: unknown, not False.
    assert row["tech_field_supported"] is None
    assert row["score_ip"] is None
    assert {"tech_field_supported", "score_ip"} <= set(built.unknown)


def test_facts_project_onto_any_field_layout(registry: str) -> None:
    # A standard keyed like a supported one but with fields of other kinds: the same pool fills it.
    probe = Standard(
        key="sci_tech_enterprise",
        label=catalog.get("tech_sme").label,
        reference="test",
        fields=(
            FieldSpec("holds_high_tech", "bool", catalog.get("tech_sme").label),
            FieldSpec("holds_tech_sme", "bool", catalog.get("tech_sme").label),
            FieldSpec("employees", "int_list", catalog.get("tech_sme").label),
            FieldSpec("no_such_fact", "bool", catalog.get("tech_sme").label),
        ),
        criteria=(),
        qualified=catalog.get("tech_sme").qualified,
    )
    with unit_of_work(registry) as session:
        built = facts.build(session=session, standard=probe, as_of=AS_OF)
    rows = {s.uscc: s.row for s in built.subjects}
    assert rows[B]["holds_tech_sme"] is True and rows[B]["holds_high_tech"] is False
    assert rows[C]["holds_high_tech"] is True
    assert [rows[A][f"employees_{i}"] for i in (1, 2, 3)] == [None, 90, 100]
    assert rows[A]["no_such_fact"] is None
    assert built.unknown == ("no_such_fact",)


def test_standards_without_registry_facts_are_refused(registry: str) -> None:
    other = Standard(
        key="little_giant",
        label=catalog.get("tech_sme").label,
        reference="x",
        fields=(),
        criteria=(),
        qualified=catalog.get("tech_sme").qualified,
    )
    with unit_of_work(registry) as session, pytest.raises(KechuangError) as info:
        facts.build(session=session, standard=other, as_of=AS_OF)
    assert info.value.code == "standards.no_registry_facts"
    assert "no registry facts" in info.value.message.en and "企业库" in info.value.message.zh


# ---------------------------------------------------------------------------- evaluation


def test_evaluate_enterprise_explains_every_check(registry: str) -> None:
    with unit_of_work(registry) as session:
        ev = service.evaluate_enterprise(
            session=session, standard_key="tech_sme", uscc=A, as_of=AS_OF
        )
    assert (ev.subject, ev.outcome, ev.route, ev.score) == (A, "qualified", "score", 66)
    data = ev.as_dict()
    checks = {c["criterion"]: c for c in data["checks"]}
    assert checks["st_staff_score"]["points"] == 20
    assert checks["rd_score"]["points"] == 40
    assert checks["ip_score"]["points"] == 6
    assert checks["total_score"]["passed"] is True
    assert checks["employees"]["parameter_version"] == [
        "tech_sme.eligibility.max_employees@2017-05-03"
    ]
    assert "第六条" in checks["employees"]["reference"]


def test_evaluate_enterprise_direct_route_and_unknowns(registry: str) -> None:
    with unit_of_work(registry) as session:
        c = service.evaluate_enterprise(
            session=session, standard_key="tech_sme", uscc=C, as_of=AS_OF
        )
        e = service.evaluate_enterprise(
            session=session, standard_key="tech_sme", uscc=E, as_of=AS_OF
        )
        f = service.evaluate_enterprise(
            session=session, standard_key="tech_sme", uscc=F, as_of=AS_OF
        )
        g = service.evaluate_enterprise(
            session=session, standard_key="tech_sme", uscc=G, as_of=AS_OF
        )
    assert (c.outcome, c.route) == ("qualified", "direct")
    assert e.outcome == "undetermined"
    assert (f.outcome, f.score, f.score_range) == ("undetermined", None, (20, 100))
    assert g.outcome == "not_qualified"


def test_evaluate_enterprise_unknown_uscc_is_not_found(registry: str) -> None:
    with unit_of_work(registry) as session, pytest.raises(NotFound):
        service.evaluate_enterprise(
            session=session, standard_key="tech_sme", uscc="91310115MA1H7K2A25", as_of=AS_OF
        )


def test_evaluate_profiles_reports_every_bad_field_with_its_row() -> None:
    profiles = [
        {"id": "ok", "employees": 10, "st_staff": 5, "revenue": "100", "total_assets": 1},
        {"employees": "many", "revenue": "12.345"},
        "not an object",
    ]
    with pytest.raises(ValidationError) as info:
        service.evaluate_profiles(
            standard_key="tech_sme", profiles=profiles, as_of=AS_OF, source="p.json"
        )
    got = sorted((i.row, i.column) for i in info.value.issues)
    assert got == [(2, "employees"), (2, "revenue"), (3, None)]
    assert all(i.file == "p.json" for i in info.value.issues)


def test_evaluate_profiles_names_subjects_and_applies_overrides() -> None:
    profile = {
        "employees": 100,
        "st_staff": 20,
        "revenue": 10_000_000,
        "total_assets": 20_000_000,
        "rd_expense": 400_000,
        "total_cost": 9_000_000,
        "ip_class1": 0,
        "ip_class2": 2,
    }
    [base, named] = service.evaluate_profiles(
        standard_key="tech_sme", profiles=[profile, {**profile, "uscc": B}], as_of=AS_OF
    )
    assert (base.subject, base.outcome, base.score) == ("#1", "not_qualified", 54)
    assert named.subject == B
    [what_if] = service.evaluate_profiles(
        standard_key="tech_sme",
        profiles=[profile],
        as_of=AS_OF,
        overrides={"tech_sme.scoring.pass_mark": 50},
    )
    assert what_if.outcome == "qualified"
    assert what_if.overrides == [f"tech_sme.scoring.pass_mark@{AS_OF.isoformat()}"]


# ---------------------------------------------------------------------------- parameters


def test_list_and_show_parameters_with_references() -> None:
    keys = {s.key for s in service.list_standards()}
    assert "tech_sme" in keys
    shown = service.show_parameters(standard_key="tech_sme", as_of=AS_OF)
    by_key = {p.key: p for p in shown.parameters}
    mark = by_key["tech_sme.scoring.pass_mark"]
    assert mark.current is not None
    assert (mark.current.value, mark.current.start) == ("60", dt.date(2017, 5, 3))
    assert mark.current.reference == "国科发政〔2017〕115号 第六条（五）"
    assert mark.version == "tech_sme.scoring.pass_mark@2017-05-03" and not mark.unverified
    assert by_key["tech_sme.eligibility.max_revenue"].as_dict()["value"] == "2亿元"
    before = service.show_parameters(standard_key="tech_sme", as_of=dt.date(2017, 1, 1))
    assert all(p.current is None for p in before.parameters)


def test_show_flags_unverified_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    params = _params_with_unverified_pass_mark(tmp_path)
    monkeypatch.setattr(service, "default_parameters", lambda: params)
    shown = service.show_parameters(standard_key="tech_sme", as_of=AS_OF)
    assert shown.as_dict()["unverified"] == ["tech_sme.scoring.pass_mark"]
    [ev] = service.evaluate_profiles(
        standard_key="tech_sme", profiles=[{"employees": 10}], as_of=AS_OF
    )
    assert [u["key"] for u in ev.unverified_parameters] == ["tech_sme.scoring.pass_mark"]
    total = next(c for c in ev.checks if c.criterion == "total_score")
    assert "参数待核实" in total.message.zh and "unverified" in total.message.en


def _params_with_unverified_pass_mark(tmp_path: Path) -> ParameterSet:
    from importlib import resources

    text = (
        resources.files("kechuang.standards")
        .joinpath("parameters/tech_sme.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    data["scoring"]["pass_mark"]["values"].append(
        {"start": "2024-01-01", "value": 60, "reference": "待核实的新文件", "status": "unverified"}
    )
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "tech_sme.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return load_directory(folder)


# ---------------------------------------------------------------------------- screening


def test_screen_stores_the_run_and_one_result_per_active_enterprise(registry: str) -> None:
    with unit_of_work(registry) as session:
        run = service.screen(session=session, standard_key="tech_sme", as_of=AS_OF, actor="alice")
        run_id = run.id
    with unit_of_work(registry) as session:
        run = service.get_run(session=session, run_id=run_id)
        assert (run.standard, run.as_of, run.engine, run.actor, run.total) == (
            "tech_sme",
            AS_OF,
            "duckdb",
            "alice",
            6,
        )
        assert run.counts["by_outcome"] == {"qualified": 2, "not_qualified": 2, "undetermined": 2}
        assert run.counts["by_district"] == {
            "310104": {"not_qualified": 1, "undetermined": 1},
            "310110": {"qualified": 1},
            "310115": {"qualified": 1, "not_qualified": 1, "undetermined": 1},
        }
        assert run.parameters["versions"]["tech_sme.scoring.pass_mark"] == (
            "tech_sme.scoring.pass_mark@2017-05-03"
        )
        assert run.parameters["fiscal_years"] == [2021, 2022, 2023]
        assert run.parameters["assumed"]["restricted_industry"] is False
        assert run.parameters["overrides"] == {}
        n = session.scalar(
            select(func.count())
            .select_from(ScreeningResult)
            .where(ScreeningResult.run_id == run_id)
        )
        assert n == 6
        rows = {r["uscc"]: r for r in service.list_results(session=session, run_id=run_id)}
    assert G not in rows
    assert (rows[A]["outcome"], rows[A]["route"], rows[A]["score"]) == ("qualified", "score", 66)
    assert rows[A]["st_staff_score__points"] == 20 and rows[A]["total_score__passed"] is True
    assert (rows[C]["outcome"], rows[C]["route"]) == ("qualified", "direct")
    assert (rows[F]["score"], rows[F]["score_high"]) == (20, 100)
    assert rows[D]["no_serious_violation__passed"] is False


def test_screen_matches_single_evaluations_and_records_overrides(
    sqlite_url: str, tmp_path: Path
) -> None:
    load_registry(sqlite_url, tmp_path)
    overrides = {"tech_sme.scoring.pass_mark": 50}
    with unit_of_work(sqlite_url) as session:
        run = service.screen(
            session=session,
            standard_key="tech_sme",
            as_of=AS_OF,
            engine="sqlite",
            overrides=overrides,
        )
        stored = {r["uscc"]: r for r in service.list_results(session=session, run_id=run.id)}
        for uscc, result in stored.items():
            ev = service.evaluate_enterprise(
                session=session,
                standard_key="tech_sme",
                uscc=uscc,
                as_of=AS_OF,
                overrides=overrides,
            )
            assert result["outcome"] == ev.outcome, uscc
        assert run.engine == "sqlite"
        assert run.parameters["overrides"] == {"tech_sme.scoring.pass_mark": 50}
        assert run.counts["by_outcome"]["qualified"] == 3
        assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 1


def test_screen_of_an_empty_registry_stores_an_empty_run(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        run = service.screen(session=session, standard_key="tech_sme", as_of=AS_OF)
        assert run.total == 0
        assert run.counts["by_outcome"] == {"qualified": 0, "not_qualified": 0, "undetermined": 0}


def test_screen_refuses_unknown_engine_and_bad_overrides(registry: str) -> None:
    with unit_of_work(registry) as session:
        with pytest.raises(ValidationError):
            service.screen(session=session, standard_key="tech_sme", as_of=AS_OF, engine="oracle")
        with pytest.raises(ValidationError):
            service.screen(
                session=session,
                standard_key="tech_sme",
                as_of=AS_OF,
                overrides={"tech_sme.scoring.pass_mark": "lots"},
            )
        with pytest.raises(KechuangError):
            service.screen(
                session=session,
                standard_key="tech_sme",
                as_of=AS_OF,
                overrides={"tech_sme.no_such_parameter": 1},
            )
        with pytest.raises(NotFound):
            service.screen(session=session, standard_key="nope", as_of=AS_OF)


# ---------------------------------------------------------------------------- simulation


def test_simulate_lower_pass_mark_gains_b(registry: str) -> None:
    with unit_of_work(registry) as session:
        result = service.simulate(
            session=session,
            standard_key="tech_sme",
            as_of=AS_OF,
            overrides={"tech_sme.scoring.pass_mark": 50},
        )
        assert session.scalar(select(func.count()).select_from(ScreeningRun)) == 0
    assert (result.total, result.gained, result.lost, result.changed) == (6, 1, 0, 0)
    assert result.baseline == {"qualified": 2, "not_qualified": 2, "undetermined": 2}
    assert result.variant == {"qualified": 3, "not_qualified": 1, "undetermined": 2}
    [b] = result.affected
    assert (b.uscc, b.name, b.district_code) == (B, "上海乙生物有限公司", "310104")
    assert (b.baseline, b.variant, b.score_baseline, b.score_variant) == (
        "not_qualified",
        "qualified",
        54,
        54,
    )
    assert result.by_district == {"310104": {"gained": 1, "lost": 0, "changed": 0}}
    assert result.by_industry == {"C27": {"gained": 1, "lost": 0, "changed": 0}}
    [change] = result.changes
    assert (change.key, change.baseline, change.variant) == (
        "tech_sme.scoring.pass_mark",
        "60",
        "50",
    )


def test_simulate_reports_losses_and_other_changes(registry: str) -> None:
    with unit_of_work(registry) as session:
        result = service.simulate(
            session=session,
            standard_key="tech_sme",
            as_of=AS_OF,
            overrides={"tech_sme.eligibility.max_employees": 40},
        )
    got = {(a.uscc, a.baseline, a.variant, a.change) for a in result.affected}
    assert got == {
        (A, "qualified", "not_qualified", "lost"),
        (C, "qualified", "not_qualified", "lost"),
        (F, "undetermined", "not_qualified", "changed"),
    }
    assert (result.gained, result.lost, result.changed) == (0, 2, 1)
    assert [a.change for a in result.affected] == ["lost", "lost", "changed"]


def test_simulate_needs_overrides_the_standard_reads(registry: str) -> None:
    with unit_of_work(registry) as session:
        with pytest.raises(ValidationError) as none:
            service.simulate(session=session, standard_key="tech_sme", as_of=AS_OF, overrides={})
        assert none.value.code == "simulate.no_overrides"
        with pytest.raises(ValidationError) as unused:
            service.simulate(
                session=session,
                standard_key="tech_sme",
                as_of=AS_OF,
                overrides={_other_standards_key(): 1},
            )
        assert unused.value.code == "simulate.unused_overrides"


def _other_standards_key() -> str:
    return min(k for k in default_parameters().parameters if not k.startswith("tech_sme."))


def test_screen_on_the_postgres_engine_uses_the_configured_database(registry: str) -> None:
    # KECHUANG_DATABASE_URL points at the test database: PostgreSQL runs the rules there; a SQLite
    # operational store gives a clear error instead.
    with unit_of_work(registry) as session:
        if registry.startswith("postgresql"):
            run = service.screen(
                session=session, standard_key="tech_sme", as_of=AS_OF, engine="postgres"
            )
            assert run.counts["by_outcome"] == {
                "qualified": 2,
                "not_qualified": 2,
                "undetermined": 2,
            }
        else:
            with pytest.raises(KechuangError) as info:
                service.screen(
                    session=session, standard_key="tech_sme", as_of=AS_OF, engine="postgres"
                )
            assert info.value.code == "engine.unavailable"
