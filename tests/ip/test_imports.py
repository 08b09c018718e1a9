"""IP registry imports on SQLite and PostgreSQL: every kind, owner linking, transfers, PCT links.

Inputs are small readable CSV texts written in the test. Registry enterprises come in through the
registry import: ``A`` (上海甲科技有限公司（集团）) and two enterprises sharing one name (``B``,
``D``); ``C`` is a valid USCC that is not in the registry.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.core.errors import ImportRejected
from kechuang.core.ids import make_patent_no, make_uscc
from kechuang.core.tabular import read_table
from kechuang.ip.enums import AwardKind, CentreKind, EventKind, MatchStatus, PatentType
from kechuang.ip.imports import (
    ILLUSTRATIVE_CONCORDANCE,
    import_file,
    load_illustrative_concordance,
    normalize_ipc,
    normalize_pct_no,
)
from kechuang.ip.models import (
    IpAward,
    IpcConcordance,
    IpCentre,
    IpProgramme,
    Patent,
    PatentEvent,
    PatentOwner,
    PctFiling,
    Pledge,
)
from kechuang.registry.imports import import_file as registry_import
from kechuang.registry.models import Enterprise
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory, ImportBatch

A = "91310115MA1H7K2A16"
B = "913101041234567882"
C = "91310110MA1FL3X723"
D = make_uscc(division="310112", org8="12345678")
P1 = "201710601862.3"
P2 = "200710308494.X"
UM = make_patent_no(2020, "2", 1234)
PCT8 = make_patent_no(2020, "8", 12345)

ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期
{A},上海甲科技有限公司（集团）,浦东新区,2010-01-01
{B},上海同名科技有限公司,徐汇区,2011-01-01
{D},上海同名科技有限公司,闵行区,2012-01-01
"""

PATENTS = f"""申请号,名称,申请日,公开（公告）日,授权日,主分类号,分类号,发明人数,海外同族数,海外同族国家/地区,申请人/专利权人,申请人统一社会信用代码
CN{P1},一种半导体器件,2017-07-26,2017-11-21,2019-05-10,H01L 21/02,H01L29/78;h01l 21/02,3,2,us; ep,上海甲科技有限公司（集团）;上海丙有限公司,{A};{C}
{P2},一种方法,2007-12-28,,,G06N 3/08,,1,,,上海甲科技有限公司(集团),
{UM},一种装置,2020-03-02,,2020-09-01,,,,,,上海同名科技有限公司,
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


def registry(db_url: str, tmp_path: Path) -> dict[str, int]:
    with unit_of_work(db_url) as session:
        registry_import(
            session=session,
            kind="enterprises",
            path=write(tmp_path, "enterprises.csv", ENTERPRISES),
            actor="tester",
        )
        return dict(session.execute(select(Enterprise.uscc, Enterprise.id)).all())


def owners(db_url: str, no: str) -> list[tuple[int, str, str | None, MatchStatus, object, object]]:
    with unit_of_work(db_url) as session:
        rows = session.execute(
            select(
                PatentOwner.position,
                PatentOwner.name,
                PatentOwner.enterprise_id,
                PatentOwner.match_status,
                PatentOwner.valid_from,
                PatentOwner.valid_to,
            )
            .join(Patent, Patent.id == PatentOwner.patent_id)
            .where(Patent.application_no == no)
            .order_by(PatentOwner.valid_from, PatentOwner.position)
        ).all()
    return [tuple(r) for r in rows]


def patent_csv(*rows: str) -> str:
    return "申请号,名称,申请日,授权日,申请人/专利权人,申请人统一社会信用代码\n" + "".join(
        r + "\n" for r in rows
    )


# ------------------------------------------------------------------ patents: happy path


def test_import_patents_normalises_numbers_and_classes_and_links_owners(
    db_url: str, tmp_path: Path
) -> None:
    ids = registry(db_url, tmp_path)
    report = run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    with unit_of_work(db_url) as session:
        p = session.scalars(select(Patent).where(Patent.application_no == P1)).one()
        assert p.patent_type is PatentType.INVENTION and not p.pct_national_phase
        assert (p.filing_date, p.grant_date) == (dt.date(2017, 7, 26), dt.date(2019, 5, 10))
        assert p.main_ipc == "H01L21/02"
        assert p.ipc_classes == "H01L21/02;H01L29/78"  # main class first, no repeats
        assert (p.inventors_count, p.foreign_family_count) == (3, 2)
        assert p.foreign_family_offices == "US;EP"
        assert p.import_batch_id == report.batch_id is not None
        um = session.scalars(select(Patent).where(Patent.application_no == UM)).one()
        assert um.patent_type is PatentType.UTILITY_MODEL and um.foreign_family_count == 0
        # high-volume records are traced by their batch, not by one history row each
        assert session.scalar(select(func.count()).select_from(ChangeHistory)) == 3  # registry
    start = dt.date(2017, 7, 26)
    assert owners(db_url, P1) == [
        (1, "上海甲科技有限公司（集团）", ids[A], MatchStatus.USCC, start, None),
        (2, "上海丙有限公司", None, MatchStatus.UNMATCHED, start, None),  # C: valid, unknown
    ]
    # name only, one exact match after NFKC (half-width brackets) → proposed, linked to candidate
    assert owners(db_url, P2) == [
        (1, "上海甲科技有限公司(集团)", ids[A], MatchStatus.PROPOSED, dt.date(2007, 12, 28), None)
    ]
    # name only, two registry enterprises of that name → not linked
    assert owners(db_url, UM)[0][2:4] == (None, MatchStatus.UNMATCHED)
    with unit_of_work(db_url) as session:
        c_owner = session.scalars(select(PatentOwner).where(PatentOwner.uscc == C)).one()
        assert c_owner.enterprise_id is None
    warnings = {(i.row, i.rule, i.value) for i in report.issues if i.severity == "warning"}
    assert (2, "import.uscc_not_in_registry", C) in warnings
    assert {r for _, r, _ in warnings} >= {"owner.name_match_proposed", "owner.name_ambiguous"}


def test_reimport_changes_nothing_and_leaves_no_batch(db_url: str, tmp_path: Path) -> None:
    registry(db_url, tmp_path)
    path = write(tmp_path, "p.csv", PATENTS)
    run(db_url, "patents", path)
    before = count(db_url, ChangeHistory)
    again = run(db_url, "patents", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert not again.changed and again.batch_id is None
    assert count(db_url, ChangeHistory) == before
    assert count(db_url, ImportBatch) == 2  # registry file + first patent file
    assert count(db_url, PatentOwner) == 4


def test_changed_patent_and_owners_are_updated_with_history(db_url: str, tmp_path: Path) -> None:
    registry(db_url, tmp_path)
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    changed = PATENTS.replace("一种方法", "一种改进方法").replace(
        "上海甲科技有限公司（集团）;上海丙有限公司", "上海甲科技有限公司（集团）;上海丁有限公司"
    )
    report = run(db_url, "patents", write(tmp_path, "p2.csv", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert [o[1] for o in owners(db_url, P1)] == ["上海甲科技有限公司（集团）", "上海丁有限公司"]
    with unit_of_work(db_url) as session:
        hist = session.scalars(
            select(ChangeHistory).where(ChangeHistory.table_name == "patent")
        ).all()
        by_key = {h.record_key: h.changes for h in hist}
        assert by_key[P2] == {"title": ["一种方法", "一种改进方法"]}
        old, new = by_key[P1]["owners"]
        assert "上海丙有限公司" in old and "上海丁有限公司" in new


def test_reimport_keeps_reviews_and_links_owners_once_the_enterprise_is_registered(
    db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "p.csv", PATENTS)
    run(db_url, "patents", path)  # empty registry: nobody is linked
    assert [o[3] for o in owners(db_url, P1)] == [MatchStatus.UNMATCHED] * 2
    ids = registry(db_url, tmp_path)
    report = run(db_url, "patents", path)
    assert (report.updated, report.unchanged) == (2, 1)  # P1: A by USCC; P2: name proposal
    assert owners(db_url, P1)[0][2:4] == (ids[A], MatchStatus.USCC)
    with unit_of_work(db_url) as session:
        owner = session.scalars(select(PatentOwner).where(PatentOwner.name.like("%(集团)"))).one()
        assert owner.match_status is MatchStatus.PROPOSED
        owner.match_status, owner.reviewed_by = MatchStatus.CONFIRMED, "reviewer"
        links = session.scalars(
            select(ChangeHistory.changes).where(ChangeHistory.record_key == P1)
        ).one()
        assert set(links) == {"owner_links"}
    again = run(db_url, "patents", path)
    assert not again.changed  # the person's confirmation is kept, nothing rewritten
    assert owners(db_url, P2)[0][3] is MatchStatus.CONFIRMED


def test_dry_run_reports_but_saves_nothing(db_url: str, tmp_path: Path) -> None:
    registry(db_url, tmp_path)
    report = run(db_url, "patents", write(tmp_path, "p.csv", PATENTS), dry_run=True)
    assert report.created == 3 and report.dry_run
    assert count(db_url, Patent) == 0
    assert count(db_url, PatentOwner) == 0
    assert count(db_url, ImportBatch) == 1  # the registry's


def test_gbk_file_and_english_headers(db_url: str, tmp_path: Path) -> None:
    text = (
        "Application no,Title,Filing date,Owners\n"
        f"ZL {P1},一种半导体器件,2017年7月26日,上海甲公司\n"
    )
    report = run(db_url, "patents", write(tmp_path, "p.csv", text, "gbk"))
    assert (report.created, report.encoding) == (1, "gbk")
    assert owners(db_url, P1)[0][1] == "上海甲公司"


def test_xlsx_patents(db_url: str, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["申请号", "申请日", "授权日"])
    ws.append([P1, dt.datetime(2017, 7, 26), dt.datetime(2019, 5, 10)])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    assert run(db_url, "patents", path).created == 1


# ------------------------------------------------------------------ patents: bad input


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("201710601862.4", "patent_no.check_char"),
        ("200710308494.1", "patent_no.check_char"),
        ("201710601862", "patent_no.missing_check"),
        ("20171060186.3", "patent_no.length"),
        ("201750601862.3", "patent_no.type_code"),
        ("2017106O1862.3", "patent_no.charset"),
    ],
)
def test_bad_application_numbers(db_url: str, tmp_path: Path, number: str, rule: str) -> None:
    text = patent_csv(f"{P2},甲,2007-12-28,,甲公司,", f"{number},乙,2017-07-26,,乙公司,")
    exc = rejected(db_url, "patents", write(tmp_path, "p.csv", text))
    assert rules(exc) == [(3, "申请号", rule)]
    assert exc.issues[0].value == number and exc.issues[0].message.en
    assert count(db_url, Patent) == 0


def test_date_rules(db_url: str, tmp_path: Path) -> None:
    future = dt.date.today() + dt.timedelta(days=400)
    no = make_patent_no(2024, "1", 5)
    text = (
        "申请号,申请日,公开（公告）日,授权日\n"
        f"{P1},2017-07-26,,2017-07-25\n"
        f"{P2},2007-12-28,2007-12-01,\n"
        f"{no},2024-01-01,,{future.isoformat()}\n"
    )
    exc = rejected(db_url, "patents", write(tmp_path, "p.csv", text))
    assert rules(exc) == [
        (2, "授权日", "patent.grant_before_filing"),
        (3, "公开（公告）日", "patent.publication_before_filing"),
        (4, "授权日", "patent.grant_in_future"),
    ]


def test_duplicate_numbers_in_different_written_forms(db_url: str, tmp_path: Path) -> None:
    text = patent_csv(
        f"{P1},甲,2017-07-26,,甲公司,",
        f"CN{P1},甲,2017-07-26,,甲公司,",
        "ZL 2017 1 0601862.3,甲,2017-07-26,,甲公司,",
    )
    exc = rejected(db_url, "patents", write(tmp_path, "p.csv", text))
    assert rules(exc) == [
        (3, "申请号", "import.duplicate_key"),
        (4, "申请号", "import.duplicate_key"),
    ]
    assert "第 2 行" in exc.issues[0].message.zh


def test_type_and_year_mismatch(db_url: str, tmp_path: Path) -> None:
    text = (
        "申请号,专利类型,申请日\n"
        f"{P1},实用新型,2017-07-26\n"
        f"{P2},发明专利,2008-01-02\n"
        f"{UM},实用新型,2020-03-02\n"
        "97101765.4,发明,1998-01-05\n"
        "97101766.2,,1997-01-05\n"
    )
    exc = rejected(db_url, "patents", write(tmp_path, "p.csv", text))
    assert rules(exc) == [
        (2, "专利类型", "patent.type_mismatch"),
        (3, "申请日", "patent.year_mismatch"),
        (5, "申请日", "patent.year_mismatch"),  # legacy 8-digit number: 2-digit year 97
    ]
    assert "97" in exc.issues[2].message.zh


def test_invalid_owner_uscc_and_misaligned_usccs(db_url: str, tmp_path: Path) -> None:
    text = patent_csv(
        f"{P1},甲,2017-07-26,,甲公司;乙公司,;{A[:-1]}7",
        f"{P2},乙,2007-12-28,,甲公司,{A};{B}",
    )
    exc = rejected(db_url, "patents", write(tmp_path, "p.csv", text))
    assert rules(exc) == [
        (2, "申请人统一社会信用代码", "uscc.check_char"),
        (3, "申请人统一社会信用代码", "owner.uscc_without_name"),
    ]


def test_file_failing_on_its_last_row_imports_nothing(db_url: str, tmp_path: Path) -> None:
    good = [f"{make_patent_no(2019, '1', i)},专利{i},2019-01-0{i},,甲公司," for i in range(1, 6)]
    text = patent_csv(*good, f"{P1},坏,2018-07-26,,乙公司,")
    exc = rejected(db_url, "patents", write(tmp_path, "p.csv", text))
    assert rules(exc) == [(7, "申请日", "patent.year_mismatch")]
    assert count(db_url, Patent) == 0
    assert count(db_url, PatentOwner) == 0
    assert count(db_url, ImportBatch) == 0


# ------------------------------------------------------------------ events


EVENTS_HEAD = "申请号,事件,日期,受让人,受让人统一社会信用代码\n"


def test_transfer_closes_and_opens_owner_periods_idempotently(db_url: str, tmp_path: Path) -> None:
    ids = registry(db_url, tmp_path)
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    text = EVENTS_HEAD + f"{P1},权利转移,2021-03-01,上海同名科技有限公司;上海戊有限公司,{B};\n"
    report = run(db_url, "events", write(tmp_path, "e.csv", text))
    assert report.created == 1
    start, end, new = dt.date(2017, 7, 26), dt.date(2021, 2, 28), dt.date(2021, 3, 1)
    assert owners(db_url, P1) == [
        (1, "上海甲科技有限公司（集团）", ids[A], MatchStatus.USCC, start, end),
        (2, "上海丙有限公司", None, MatchStatus.UNMATCHED, start, end),
        (1, "上海同名科技有限公司", ids[B], MatchStatus.USCC, new, None),
        (2, "上海戊有限公司", None, MatchStatus.UNMATCHED, new, None),
    ]
    with unit_of_work(db_url) as session:
        ev = session.scalars(select(PatentEvent)).one()
        assert ev.kind is EventKind.TRANSFER
        assert (ev.new_owner_names, ev.new_owner_usccs) == (
            "上海同名科技有限公司;上海戊有限公司",
            B,  # aligned with the names; the trailing empty entry is dropped
        )
    history = count(db_url, ChangeHistory)
    again = run(db_url, "events", write(tmp_path, "e.csv", text))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert count(db_url, ChangeHistory) == history and count(db_url, PatentOwner) == 6
    # Re-importing the patent with changed original owners leaves the transfer's owners alone
    changed = PATENTS.replace("上海丙有限公司", "上海己有限公司")
    assert run(db_url, "patents", write(tmp_path, "p2.csv", changed)).updated == 1
    got = owners(db_url, P1)
    assert [(o[1], o[4], o[5]) for o in got] == [
        ("上海甲科技有限公司（集团）", start, end),
        ("上海己有限公司", start, end),
        ("上海同名科技有限公司", new, None),
        ("上海戊有限公司", new, None),
    ]


def test_transfers_imported_out_of_order_chain_the_periods(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    later = EVENTS_HEAD + f"{P1},transfer,2023-01-01,乙公司,\n"
    earlier = EVENTS_HEAD + f"{P1},transfer,2021-01-01,甲公司,\n"
    run(db_url, "events", write(tmp_path, "e1.csv", later))
    run(db_url, "events", write(tmp_path, "e2.csv", earlier))
    assert [(o[1], o[4], o[5]) for o in owners(db_url, P1)] == [
        ("上海甲科技有限公司（集团）", dt.date(2017, 7, 26), dt.date(2020, 12, 31)),
        ("上海丙有限公司", dt.date(2017, 7, 26), dt.date(2020, 12, 31)),
        ("甲公司", dt.date(2021, 1, 1), dt.date(2022, 12, 31)),
        ("乙公司", dt.date(2023, 1, 1), None),
    ]


def test_event_rules(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    unknown = make_patent_no(2019, "1", 42)
    text = (
        EVENTS_HEAD + f"{P1},恢复权利,2021-01-01,,\n"  # no earlier lapse
        f"{UM},lapse,2020-09-01,,\n"  # on the grant date
        f"{P2},未缴年费终止,2020-01-01,,\n"  # not granted
        f"{unknown},lapse,2021-01-01,,\n"
        f"{P1},transfer,2022-01-01,,\n"  # no new owners
        f"{P1},期限届满,2037-07-26,,\n"
    )
    exc = rejected(db_url, "events", write(tmp_path, "e.csv", text))
    assert rules(exc) == [
        (7, "事件", "event.expiry_derived"),
        (2, "事件", "event.restoration_without_lapse"),
        (3, "日期", "event.before_grant"),
        (4, "日期", "event.before_grant"),
        (5, "申请号", "import.unknown_patent"),
        (6, "受让人", "event.transfer_without_owners"),
    ]
    expiry = next(i for i in exc.issues if i.rule == "event.expiry_derived")
    assert "申请日" in expiry.message.zh and "derived" in expiry.message.en


def test_restoration_needs_a_lapse_in_the_database_or_the_file(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    both = EVENTS_HEAD + f"{P1},恢复权利,2020-09-01,,\n{P1},未缴年费终止,2020-06-01,,\n"
    assert run(db_url, "events", write(tmp_path, "e1.csv", both)).created == 2
    second = EVENTS_HEAD + f"{P1},restoration,2021-09-01,,\n"  # already restored in 2020
    exc = rejected(db_url, "events", write(tmp_path, "e2.csv", second))
    assert rules(exc) == [(2, "事件", "event.restoration_without_lapse")]
    third = EVENTS_HEAD + f"{P1},lapse,2021-06-01,,\n"
    run(db_url, "events", write(tmp_path, "e3.csv", third))
    assert run(db_url, "events", write(tmp_path, "e2.csv", second)).created == 1  # stored lapse


# ------------------------------------------------------------------ PCT


PCT_TEXT = "PCT国际申请号,受理局,国际申请日,名称,申请人,申请人统一社会信用代码\n" + (
    f"pct/cn2020/012345,国家知识产权局,2020-01-15,一种方法,上海甲科技有限公司（集团）,{A}\n"
    f"PCT/CN03/000123,CN,2003-02-01,旧式编号,,{C}\n"
)
PCT_PATENT = f"申请号,申请日,PCT国际申请号\n{PCT8},2020-01-15,PCT/CN2020/012345\n"


@pytest.mark.parametrize("pct_first", [True, False])
def test_pct_national_phase_links_in_either_order(
    db_url: str, tmp_path: Path, pct_first: bool
) -> None:
    ids = registry(db_url, tmp_path)
    files = [("pct", PCT_TEXT), ("patents", PCT_PATENT)]
    for kind, text in files if pct_first else files[::-1]:
        run(db_url, kind, write(tmp_path, f"{kind}.csv", text))
    with unit_of_work(db_url) as session:
        filing = session.scalars(
            select(PctFiling).where(PctFiling.international_no == "PCT/CN2020/012345")
        ).one()
        assert filing.receiving_office == "CN" and filing.applicant_enterprise_id == ids[A]
        assert session.scalar(
            select(PctFiling.international_no).where(PctFiling.id != filing.id)
        ) == ("PCT/CN03/000123")
        p = session.scalars(select(Patent).where(Patent.application_no == PCT8)).one()
        assert p.pct_national_phase and p.patent_type is PatentType.INVENTION
        assert p.pct_filing_id == filing.id
    for kind, text in files:  # both re-imports are no-ops
        assert not run(db_url, kind, write(tmp_path, f"{kind}.csv", text)).changed


def test_pct_rules(db_url: str, tmp_path: Path) -> None:
    text = "PCT国际申请号,受理局,国际申请日\nPCT/CN2020/12345,CN,2020-01-15\nPCT/CN2020/123456,US,2021-01-15\n"
    exc = rejected(db_url, "pct", write(tmp_path, "pct.csv", text))
    assert rules(exc) == [
        (2, "PCT国际申请号", "pct_no.format"),
        (3, "国际申请日", "pct.year_mismatch"),
    ]
    assert normalize_pct_no(" pct / cn 2023 / 123456 ") == "PCT/CN2023/123456"
    assert normalize_pct_no("PCT/cn03/000123") == "PCT/CN03/000123"


# ------------------------------------------------------------------ pledges


def _institution(db_url: str, tmp_path: Path) -> None:
    with unit_of_work(db_url) as session:
        registry_import(
            session=session,
            kind="institutions",
            path=write(
                tmp_path, "i.csv", "机构代码,机构名称,机构类型\nBOC-SH,中国银行上海市分行,银行\n"
            ),
            actor="tester",
        )


def test_pledges_link_patents_and_relink_on_change(db_url: str, tmp_path: Path) -> None:
    ids = registry(db_url, tmp_path)
    _institution(db_url, tmp_path)
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    head = "质押登记号,申请号,出质人,出质人统一社会信用代码,质权人机构代码,金额（万元）,登记日,解除日\n"
    text = (
        head
        + f"Y2023310000123,{P1}；CN{P2},上海甲科技有限公司（集团）,{A},BOC-SH,500.5,2023-08-01,\n"
    )
    assert run(db_url, "pledges", write(tmp_path, "l.csv", text)).created == 1
    with unit_of_work(db_url) as session:
        pledge = session.scalars(select(Pledge)).one()
        assert pledge.amount == Decimal("5005000.00")
        assert pledge.pledgor_enterprise_id == ids[A]
        assert pledge.pledgee_name == "中国银行上海市分行"
        assert sorted(p.application_no for p in pledge.patents) == [P2, P1]
    assert not run(db_url, "pledges", write(tmp_path, "l.csv", text)).changed
    fewer = text.replace(f"；CN{P2}", "")
    report = run(db_url, "pledges", write(tmp_path, "l2.csv", fewer))
    assert (report.updated, report.unchanged) == (1, 0)
    with unit_of_work(db_url) as session:
        assert [p.application_no for p in session.scalars(select(Pledge)).one().patents] == [P1]
        hist = session.scalars(
            select(ChangeHistory).where(ChangeHistory.table_name == "pledge")
        ).all()
        assert hist[-1].changes == {"patents": [f"{P2};{P1}", P1]}


def test_pledge_with_unknown_patent_or_bad_values_is_rejected(db_url: str, tmp_path: Path) -> None:
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    unknown = make_patent_no(2018, "1", 7)
    text = (
        "质押登记号,申请号,质权人机构代码,质权人,金额,登记日,解除日\n"
        f"Y1,{P1};{unknown},,某银行,100,2023-08-01,\n"
        f"Y2,{P1},NOPE,,100,2023-08-01,\n"
        f"Y3,{P1},,某银行,0,2023-08-01,2023-07-01\n"
    )
    exc = rejected(db_url, "pledges", write(tmp_path, "l.csv", text))
    assert rules(exc) == [
        (2, "申请号", "import.unknown_patent"),
        (3, "质权人机构代码", "import.unknown_institution"),
        (4, "金额", "money.not_positive"),
        (4, "解除日", "pledge.release_before_registration"),
    ]
    assert exc.issues[0].value == unknown
    assert count(db_url, Pledge) == 0


# ------------------------------------------------------------------ centres, programmes, awards


def test_centres_programmes_and_awards(db_url: str, tmp_path: Path) -> None:
    ids = registry(db_url, tmp_path)
    run(db_url, "patents", write(tmp_path, "p.csv", PATENTS))
    centres = (
        "代码,名称,类型,认定单位,认定日期,运营机构,运营企业统一社会信用代码,所在区\n"
        f"SH-IPOC-01,上海示例知识产权运营中心,国家级知识产权运营中心,国家知识产权局,2022-09-01,甲,{A},浦东新区\n"
        f"SH-FIN-01,上海示例知识产权金融创新中心,ip_finance_centre,,2023-01-05,丙,{C},310104\n"
    )
    report = run(db_url, "centres", write(tmp_path, "c.csv", centres))
    assert report.created == 2
    assert [i.rule for i in report.issues] == ["import.uscc_not_in_registry"]
    programmes = (
        "代码,类型,名称,年度,开始日期,企业统一社会信用代码,参与人数\n"
        f"CIPO-2023,首席知识产权官培养,2023 年首席知识产权官培训班,2023年,2023-04-01,,60\n"
        f"SME-2023-001,sme_ip_operation,运营能力提升,2023,,{A},\n"
    )
    assert run(db_url, "programmes", write(tmp_path, "g.csv", programmes)).created == 2
    bad = programmes.replace(f",{A},", f",{C},")
    exc = rejected(db_url, "programmes", write(tmp_path, "g2.csv", bad))
    assert rules(exc) == [(3, "企业统一社会信用代码", "import.unknown_enterprise")]
    awards = (
        "奖项,届次,授奖日期,申请号,统一社会信用代码,获奖单位\n"
        f"中国专利优秀奖,第二十四届,2023-07-20,CN{P1},{A},上海甲科技有限公司（集团）\n"
        f"national_st_award,2023,2024-06-24,,{A},\n"
        "世界知识产权组织全球奖,2024,2024-07-10,,,上海某研究所\n"
    )
    assert run(db_url, "awards", write(tmp_path, "a.csv", awards)).created == 3
    assert not run(db_url, "awards", write(tmp_path, "a.csv", awards)).changed
    with unit_of_work(db_url) as session:
        centre = session.scalars(select(IpCentre).where(IpCentre.code == "SH-IPOC-01")).one()
        assert centre.kind is CentreKind.NATIONAL_OPERATION_CENTRE
        assert (centre.operator_enterprise_id, centre.district_code) == (ids[A], "310115")
        prog = session.scalars(select(IpProgramme).where(IpProgramme.code == "SME-2023-001")).one()
        assert prog.enterprise_id == ids[A] and prog.year == 2023
        keys = dict(session.execute(select(IpAward.kind, IpAward.recipient_key)).all())
        assert keys == {
            AwardKind.CHINA_PATENT_AWARD_EXCELLENCE: P1,
            AwardKind.NATIONAL_ST_AWARD: A,
            AwardKind.WIPO_GLOBAL_AWARD: "上海某研究所",
        }
        award = session.scalars(select(IpAward).where(IpAward.recipient_key == P1)).one()
        assert award.patent_id is not None and award.enterprise_id == ids[A]
    dup = awards.splitlines()[0] + "\n" + f"中国专利优秀奖,第二十四届,2023-07-20,{P1},,\n" * 2
    exc = rejected(db_url, "awards", write(tmp_path, "a2.csv", dup))
    assert rules(exc) == [(3, "届次", "import.duplicate_key")]


# ------------------------------------------------------------------ concordance


def test_concordance_import_and_illustrative_file(db_url: str, tmp_path: Path) -> None:
    text = (
        "IPC分类号,战略性新兴产业代码,名称,来源,示例\n"
        "h01l 21/02,1.2,电子核心产业,测试,否\nB64,2.2,航空装备产业,,\n"
    )
    assert run(db_url, "concordance", write(tmp_path, "k.csv", text)).created == 2
    with unit_of_work(db_url) as session:
        got = dict(
            session.execute(select(IpcConcordance.ipc_prefix, IpcConcordance.illustrative)).all()
        )
        assert got == {"H01L21/02": False, "B64": False}
        report = load_illustrative_concordance(session, "tester")
        assert report.file == ILLUSTRATIVE_CONCORDANCE and report.created >= 20
        rows = session.scalars(select(IpcConcordance).where(IpcConcordance.illustrative)).all()
        assert all("illustrative" in (r.source or "") for r in rows)
        sei = {r.ipc_prefix: r.sei_code for r in rows}
        assert sei["H01L"].startswith("1.") and sei["A61K"].startswith("4")
        assert sei["G06N"] == "1.5" and sei["H01M"].startswith("5")
        assert not load_illustrative_concordance(session, "tester").changed
    bad = "IPC分类号,战略性新兴产业代码\nZ01L,1.2\nH01L,一点二\n"
    exc = rejected(db_url, "concordance", write(tmp_path, "bad.csv", bad))
    assert rules(exc) == [(2, "IPC分类号", "ipc.format"), (3, "战略性新兴产业代码", "value.format")]
    assert normalize_ipc("H01L 21/02 (2006.01)") == "H01L21/02"


# ------------------------------------------------------------------ CLI


runner = CliRunner()


def test_cli_ip_import_dry_run_json_then_real(db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", PATENTS, "gbk")
    dry = runner.invoke(
        app, ["ip", "import", "patents", str(path), "--dry-run", "--format", "json"]
    )
    assert dry.exit_code == 0, dry.output
    body = json.loads(dry.stdout)
    assert (body["created"], body["dry_run"], body["encoding"]) == (3, True, "gbk")
    real = runner.invoke(app, ["ip", "import", "patents", str(path), "--actor", "alice"])
    assert real.exit_code == 0, real.output
    assert count(db_url, Patent) == 3
    again = runner.invoke(app, ["ip", "import", "patents", str(path)])
    assert "未做任何更改" in again.stdout
    bad = write(tmp_path, "bad.csv", patent_csv(f"{P1[:-1]}4,甲,2017-07-26,,甲,"))
    out = tmp_path / "issues.json"
    failed = runner.invoke(app, ["ip", "import", "patents", str(bad), "--errors-out", str(out)])
    assert failed.exit_code == 1 and "未导入" in failed.output
    assert [i["rule"] for i in json.loads(out.read_text(encoding="utf-8"))] == [
        "patent_no.check_char"
    ]


@pytest.mark.parametrize(
    "kind",
    ["patents", "events", "pct", "pledges", "centres", "programmes", "awards", "concordance"],
)
def test_templates_for_ip_kinds(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.xlsx"
    result = runner.invoke(app, ["template", kind, "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = read_table(out)
    assert table.headers[0].endswith("*") and len(table.rows) == 1


def test_patent_template_example_imports_back(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "patents.xlsx"
    runner.invoke(app, ["template", "patents", "-o", str(out)])
    with pytest.raises(ImportRejected) as info:
        run(db_url, "patents", out)
    # only the placeholder USCC may fail; every other example value is valid
    assert {i.rule for i in info.value.issues if i.severity == "error"} <= {"uscc.check_char"}
