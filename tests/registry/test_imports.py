"""Registry imports: every kind of bad input named in the foundation issue, on SQLite and PostgreSQL.

Inputs are small readable CSV texts written in the test. Two valid USCCs are used throughout:
``91310115MA1H7K2A16`` (浦东新区) and ``913101041234567882`` (徐汇区).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from kechuang.core.errors import ImportRejected
from kechuang.registry.enums import EnterpriseStatus, QualificationKind
from kechuang.registry.imports import import_file
from kechuang.registry.models import Enterprise, EnterpriseYear, Institution, Qualification
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory, ImportBatch

A = "91310115MA1H7K2A16"
B = "913101041234567882"
C = "91310110MA1FL3X723"

ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期,行业代码,注册资本（万元）
{A},上海甲科技有限公司,浦东新区,2019-03-15,I6513,100.5
{B},上海乙生物有限公司,310104,2020/5/1,C2761,
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(db_url: str, kind: str, path: Path, *, dry_run: bool = False):
    with unit_of_work(db_url, commit=not dry_run) as session:
        return import_file(session=session, kind=kind, path=path, actor="tester", dry_run=dry_run)


def rejected(db_url: str, kind: str, path: Path) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        run(db_url, kind, path)
    return info.value


def count(db_url: str, model: type) -> int:
    with unit_of_work(db_url) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def rules(exc: ImportRejected) -> list[tuple[int | None, str | None, str]]:
    return [(i.row, i.column, i.rule) for i in exc.issues if i.severity == "error"]


# ------------------------------------------------------------------ happy path and idempotency


def test_import_enterprises_creates_rows_with_exact_money_and_history(
    db_url: str, tmp_path: Path
) -> None:
    report = run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    with unit_of_work(db_url) as session:
        a = session.scalars(select(Enterprise).where(Enterprise.uscc == A)).one()
        assert a.registered_capital == Decimal("1005000.00")  # 100.5 万元 → 元, exact
        assert a.district_code == "310115"
        assert a.registered_on == dt.date(2019, 3, 15)
        assert a.status is EnterpriseStatus.ACTIVE
        b = session.scalars(select(Enterprise).where(Enterprise.uscc == B)).one()
        assert b.registered_on == dt.date(2020, 5, 1)
        assert b.registered_capital is None
        hist = session.scalars(select(ChangeHistory).where(ChangeHistory.record_key == A)).all()
        assert [h.action for h in hist] == ["create"]
        assert hist[0].actor == "tester"
        assert hist[0].changes["registered_capital"] == [None, "1005000.00"]
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_reimport_same_file_changes_nothing_and_says_so(db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", ENTERPRISES)
    run(db_url, "enterprises", path)
    again = run(db_url, "enterprises", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert not again.changed
    assert "未做任何更改" in again.summary().zh and "nothing changed" in again.summary().en
    assert count(db_url, ChangeHistory) == 2  # only the two creations
    assert count(db_url, ImportBatch) == 1  # the no-op import left no batch behind


def test_changed_row_is_updated_with_old_and_new_values_in_history(
    db_url: str, tmp_path: Path
) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    changed = ENTERPRISES.replace("上海甲科技有限公司", "上海甲智能科技有限公司")
    report = run(db_url, "enterprises", write(tmp_path, "e2.csv", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    with unit_of_work(db_url) as session:
        a = session.scalars(select(Enterprise).where(Enterprise.uscc == A)).one()
        assert a.name == "上海甲智能科技有限公司"
        assert a.version == 2
        upd = session.scalars(select(ChangeHistory).where(ChangeHistory.action == "update")).one()
        assert upd.changes == {"name": ["上海甲科技有限公司", "上海甲智能科技有限公司"]}


def test_dry_run_reports_but_saves_nothing(db_url: str, tmp_path: Path) -> None:
    report = run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES), dry_run=True)
    assert report.created == 2 and report.dry_run
    assert "试运行" in report.summary().zh
    assert count(db_url, Enterprise) == 0
    assert count(db_url, ChangeHistory) == 0


def test_english_headers_and_gbk_file(db_url: str, tmp_path: Path) -> None:
    english = (
        f"USCC,Name,District,Registered on\n{A},上海甲科技有限公司,Pudong New Area,2019年3月15日\n"
    )
    assert run(db_url, "enterprises", write(tmp_path, "en.csv", english, "gbk")).created == 1
    assert (
        run(db_url, "enterprises", write(tmp_path, "zh.csv", ENTERPRISES, "gbk")).encoding == "gbk"
    )


def test_utf8_bom_file(db_url: str, tmp_path: Path) -> None:
    report = run(db_url, "enterprises", write(tmp_path, "bom.csv", ENTERPRISES, "utf-8-sig"))
    assert report.created == 2 and report.encoding == "utf-8-sig"


def test_xlsx_with_excel_date_cells(db_url: str, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["统一社会信用代码", "企业名称", "所在区", "成立日期"])
    ws.append([A, "上海甲科技有限公司", "浦东新区", dt.datetime(2019, 3, 15)])
    ws.append([B, "上海乙生物有限公司", "徐汇区", 45047])  # an Excel serial number = 2023-05-01
    path = tmp_path / "e.xlsx"
    wb.save(path)
    assert run(db_url, "enterprises", path).created == 2
    with unit_of_work(db_url) as session:
        days = dict(session.execute(select(Enterprise.uscc, Enterprise.registered_on)).all())
    assert days == {A: dt.date(2019, 3, 15), B: dt.date(2023, 5, 1)}


# ------------------------------------------------------------------ bad input (issue 2 list)


@pytest.mark.parametrize(
    ("uscc", "rule"),
    [
        (A[:-1] + "7", "uscc.check_char"),  # wrong check character
        ("91310115MA1H7K2I16", "uscc.charset"),  # I is not used in USCCs
        ("91310115MA1H7K2O16", "uscc.charset"),
        ("91310115MA1H7K2S16", "uscc.charset"),
        ("91310115MA1H7K2V16", "uscc.charset"),
        ("91310115MA1H7K2Z16", "uscc.charset"),
        (
            "913101151234567893",
            "uscc.org_code",
        ),  # embedded org code check digit wrong, final char right
        ("91310115MA1H7K2A1", "uscc.length"),
    ],
)
def test_bad_uscc_rejects_file_with_row_and_column(
    db_url: str, tmp_path: Path, uscc: str, rule: str
) -> None:
    text = ENTERPRISES + f"{uscc},上海丙有限公司,浦东新区,2021-01-01,,\n"
    exc = rejected(db_url, "enterprises", write(tmp_path, "e.csv", text))
    assert rules(exc) == [(4, "统一社会信用代码", rule)]
    issue = exc.issues[-1]
    assert issue.file == "e.csv" and issue.value == uscc
    assert issue.message.zh and issue.message.en
    assert count(db_url, Enterprise) == 0  # the two good rows were not imported either


def test_duplicate_uscc_inside_one_file(db_url: str, tmp_path: Path) -> None:
    text = ENTERPRISES + f"{A.lower()},重复公司,浦东新区,2021-01-01,,\n"
    exc = rejected(db_url, "enterprises", write(tmp_path, "e.csv", text))
    assert rules(exc) == [(4, "统一社会信用代码", "import.duplicate_key")]
    assert "第 2 行" in exc.issues[0].message.zh


def test_negative_amount_and_non_integer_employee_count(db_url: str, tmp_path: Path) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    years = f"统一社会信用代码,年度,职工总数,销售收入,研发费用\n{A},2023,12.5,1000,10\n{B},2023,10,-5,1\n"
    exc = rejected(db_url, "enterprise-years", write(tmp_path, "y.csv", years))
    assert rules(exc) == [(2, "职工总数", "value.integer"), (3, "销售收入", "money.negative")]
    assert count(db_url, EnterpriseYear) == 0


@pytest.mark.parametrize("text", ["2023/5/1", "2023-05-01", "2023年5月1日", "45047"])
def test_accepted_date_forms(db_url: str, tmp_path: Path, text: str) -> None:
    csv = f"统一社会信用代码,企业名称,所在区,成立日期\n{A},上海甲科技有限公司,浦东新区,{text}\n"
    run(db_url, "enterprises", write(tmp_path, "e.csv", csv))
    with unit_of_work(db_url) as session:
        assert session.scalar(select(Enterprise.registered_on)) == dt.date(2023, 5, 1)


@pytest.mark.parametrize("text", ["2023-02-30", "五月一日", "5/1/2023", "2023-13-01"])
def test_garbage_dates_rejected(db_url: str, tmp_path: Path, text: str) -> None:
    csv = f"统一社会信用代码,企业名称,所在区,成立日期\n{A},上海甲科技有限公司,浦东新区,{text}\n"
    exc = rejected(db_url, "enterprises", write(tmp_path, "e.csv", csv))
    assert rules(exc) == [(2, "成立日期", "date.invalid")]


def test_empty_file(db_url: str, tmp_path: Path) -> None:
    exc = rejected(db_url, "enterprises", write(tmp_path, "empty.csv", ""))
    assert exc.issues[0].rule == "file.empty"


def test_header_only_file_has_no_rows(db_url: str, tmp_path: Path) -> None:
    exc = rejected(
        db_url,
        "enterprises",
        write(tmp_path, "h.csv", "统一社会信用代码,企业名称,所在区,成立日期\n"),
    )
    assert [i.rule for i in exc.issues] == ["import.no_rows"]


def test_missing_required_column(db_url: str, tmp_path: Path) -> None:
    exc = rejected(
        db_url,
        "enterprises",
        write(tmp_path, "e.csv", f"统一社会信用代码,企业名称,成立日期\n{A},甲,2020-01-01\n"),
    )
    assert rules(exc) == [(None, "所在区", "import.missing_column")]
    assert "District" in exc.issues[0].message.en


def test_unknown_extra_columns_are_reported_and_ignored(db_url: str, tmp_path: Path) -> None:
    text = (
        f"统一社会信用代码,企业名称,所在区,成立日期,备注\n{A},甲公司,浦东新区,2020-01-01,随便写\n"
    )
    report = run(db_url, "enterprises", write(tmp_path, "e.csv", text))
    assert report.created == 1
    assert [(i.severity, i.column, i.rule) for i in report.issues] == [
        ("warning", "备注", "import.unknown_column")
    ]


def test_file_failing_on_its_last_row_imports_nothing(db_url: str, tmp_path: Path) -> None:
    good = "".join(
        f"{code},公司{i},浦东新区,2020-01-0{i + 1}\n" for i, code in enumerate([A, B, C])
    )
    text = (
        "统一社会信用代码,企业名称,所在区,成立日期\n"
        + good
        + f"{A[:-1]}0,坏公司,浦东新区,2020-01-01\n"
    )
    exc = rejected(db_url, "enterprises", write(tmp_path, "e.csv", text))
    assert rules(exc) == [(5, "统一社会信用代码", "uscc.check_char")]
    assert count(db_url, Enterprise) == 0
    assert count(db_url, ChangeHistory) == 0
    assert count(db_url, ImportBatch) == 0


def test_every_problem_is_reported_at_once(db_url: str, tmp_path: Path) -> None:
    text = f"统一社会信用代码,企业名称,所在区,成立日期\n{A[:-1]}0,,火星区,昨天\n"
    exc = rejected(db_url, "enterprises", write(tmp_path, "e.csv", text))
    assert {r for _, _, r in rules(exc)} == {
        "uscc.check_char",
        "import.required",
        "district.unknown",
        "date.invalid",
    }


def test_money_more_precise_than_a_fen_is_refused_not_rounded(db_url: str, tmp_path: Path) -> None:
    text = (
        f"统一社会信用代码,企业名称,所在区,成立日期,注册资本\n{A},甲,浦东新区,2020-01-01,100.005\n"
    )
    exc = rejected(db_url, "enterprises", write(tmp_path, "e.csv", text))
    assert rules(exc) == [(2, "注册资本", "money.precision")]


# ------------------------------------------------------------------ enterprise years, qualifications


def test_enterprise_years_need_a_registered_enterprise_and_consistent_figures(
    db_url: str, tmp_path: Path
) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    text = (
        "统一社会信用代码,年度,职工总数,科技人员数,资产总额,负债总额,研发费用,境内研发费用\n"
        f"{A},2023,100,120,500,200,10,9\n"
        f"{C},2023,10,1,1,1,1,1\n"
        f"{B},2023,10,1,100,40,5,6\n"
    )
    exc = rejected(db_url, "enterprise-years", write(tmp_path, "y.csv", text))
    assert sorted(rules(exc)) == [
        (2, "科技人员数", "consistency.st_staff"),
        (3, "统一社会信用代码", "import.unknown_enterprise"),
        (4, "境内研发费用", "consistency.domestic_rd_expense"),
    ]


def test_enterprise_years_derive_net_assets_and_upsert_on_uscc_and_year(
    db_url: str, tmp_path: Path
) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    text = f"统一社会信用代码,年度,资产总额（万元）,负债总额（万元）,研发费用\n{A},2023,500,200.25,1234.56\n{A},2022,400,100,1000\n"
    report = run(db_url, "enterprise-years", write(tmp_path, "y.csv", text))
    assert report.created == 2
    with unit_of_work(db_url) as session:
        y = session.scalars(select(EnterpriseYear).where(EnterpriseYear.fiscal_year == 2023)).one()
        assert y.total_assets == Decimal("5000000.00")
        assert y.net_assets == Decimal("2997500.00")
        assert y.rd_expense == Decimal("1234.56")
    assert run(db_url, "enterprise-years", write(tmp_path, "y.csv", text)).unchanged == 2


def test_qualifications_by_chinese_label_and_validity(db_url: str, tmp_path: Path) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    text = (
        "统一社会信用代码,资质类型,证书编号,生效日期,有效期至\n"
        f"{A},高新技术企业,GR202331001234,2023-11-15,2026-11-14\n"
        f"{B},tech_sme,2023310400001,2023-06-01,2024-12-31\n"
    )
    assert run(db_url, "qualifications", write(tmp_path, "q.csv", text)).created == 2
    with unit_of_work(db_url) as session:
        q = session.scalars(
            select(Qualification).where(Qualification.kind == QualificationKind.HIGH_TECH)
        ).one()
        assert q.is_valid_on(dt.date(2023, 11, 15)) and q.is_valid_on(dt.date(2026, 11, 14))
        assert not q.is_valid_on(dt.date(2026, 11, 15))
    bad = f"统一社会信用代码,资质类型,生效日期,有效期至\n{A},火箭企业,2023-01-01,\n{B},高新技术企业,2023-01-01,2022-01-01\n"
    exc = rejected(db_url, "qualifications", write(tmp_path, "q2.csv", bad))
    assert rules(exc) == [
        (2, "资质类型", "value.choice"),
        (3, "有效期至", "consistency.valid_range"),
    ]


def test_institutions_with_parent_in_same_file_in_any_order(db_url: str, tmp_path: Path) -> None:
    text = "机构代码,机构名称,机构类型,上级机构代码\nBOC-SH,中国银行上海市分行,银行,BOC\nBOC,中国银行,bank,\n"
    assert run(db_url, "institutions", write(tmp_path, "i.csv", text)).created == 2
    with unit_of_work(db_url) as session:
        branch = session.scalars(select(Institution).where(Institution.code == "BOC-SH")).one()
        assert branch.parent is not None and branch.parent.code == "BOC"
    assert run(db_url, "institutions", write(tmp_path, "i.csv", text)).unchanged == 2
    cyc = "机构代码,机构名称,机构类型,上级机构代码\nX1,甲,银行,X2\nX2,乙,银行,X1\n"
    exc = rejected(db_url, "institutions", write(tmp_path, "c.csv", cyc))
    assert {i.rule for i in exc.issues} == {"import.parent_cycle"}
    missing = "机构代码,机构名称,机构类型,上级机构代码\nY1,甲,银行,NOPE\n"
    assert rules(rejected(db_url, "institutions", write(tmp_path, "m.csv", missing))) == [
        (2, "上级机构代码", "import.unknown_parent")
    ]


def test_net_assets_derived_for_every_row_when_its_column_is_absent(
    db_url: str, tmp_path: Path
) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    text = f"统一社会信用代码,年度,资产总额,负债总额\n{A},2023,500,200\n{B},2023,,\n"
    assert run(db_url, "enterprise-years", write(tmp_path, "y.csv", text)).created == 2
    with unit_of_work(db_url) as session:
        got = dict(
            session.execute(select(EnterpriseYear.enterprise_id, EnterpriseYear.net_assets)).all()
        )
    assert sorted(got.values(), key=str) == [Decimal("300.00"), None]


def test_inconsistent_net_assets_is_a_warning(db_url: str, tmp_path: Path) -> None:
    run(db_url, "enterprises", write(tmp_path, "e.csv", ENTERPRISES))
    text = f"统一社会信用代码,年度,资产总额,负债总额,净资产\n{A},2023,500,200,301\n"
    report = run(db_url, "enterprise-years", write(tmp_path, "y.csv", text))
    assert [(i.severity, i.rule) for i in report.issues] == [("warning", "consistency.net_assets")]
