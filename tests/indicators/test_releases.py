"""Releases: ids, immutability once published, verify (bytes and figures), revisions and diff,
and the Parquet snapshot's exact types."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select

from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.credit.models import LedgerEvent, Loan
from kechuang.indicators.model import ReleaseView
from kechuang.indicators.releases import (
    create_release,
    diff_releases,
    list_releases,
    open_release,
    publish_release,
    releases_root,
    verify_release,
)
from kechuang.storage import Base
from kechuang.storage.db import get_engine, unit_of_work
from kechuang.storage.release_export import read_table
from tests.indicators import dataset
from tests.indicators.conftest import Built


def test_release_is_a_release_view_with_a_complete_manifest(built: Built) -> None:
    release = built.open()
    view: ReleaseView = release
    m = view.manifest
    assert m.release_id == "2023-r1"
    assert (m.year, m.status, m.engine, m.synthetic) == (2023, "draft", "duckdb", True)
    assert m.definitions_version == "2023.1"
    assert m.row_counts["loan"] == 5
    assert m.row_counts["insurance_policy"] == 12
    assert "tables/policy_item.parquet" in m.checksums
    assert "indicators.json" in m.checksums
    assert m.options["sme_rule"] == "size_class"
    assert view.table("external_statistic").num_rows == 4
    assert view.path == built.root / "2023-r1"


def test_snapshot_keeps_money_exact(built: Built) -> None:
    grants = built.open().table("credit_grant")
    assert grants.schema.field("amount").type == pa.decimal128(20, 2)
    assert sorted(grants.column("amount").to_pylist())[0] == Decimal("200000.00")
    stats = built.open().table("external_statistic")
    assert stats.schema.field("value").type == pa.decimal128(24, 4)
    events = built.open().table("loan_ledger_event")
    assert events.schema.field("event_date").type == pa.date32()


def test_snapshot_reads_every_table_with_declared_types(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        dataset.build(session)
    engine = get_engine(db_url)
    loans = read_table(engine, Base.metadata.tables["loan"])
    assert loans.column("principal").to_pylist() == [
        Decimal(x) for x in ("1000000.00", "500000.00", "300000.00", "200000.00", "2000000.00")
    ]
    assert loans.schema.field("first_loan").type == pa.bool_()
    assert loans.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    funds = read_table(engine, Base.metadata.tables["fund"])
    assert json.loads(funds.column("phases")[0].as_py()) == [
        {"phase": "首期", "target": "1000000000.00"}
    ]


def test_untouched_release_verifies(built: Built) -> None:
    res = verify_release(built.release_id, root=built.root)
    assert res.ok
    assert res.files_checked == len(built.open().manifest.checksums)


@pytest.mark.parametrize(
    ("maker", "checker"), [("统计员", "统计员"), ("Ann", " ann "), ("统计员", "")]
)
def test_publishing_needs_a_second_person(fresh_built: Built, maker: str, checker: str) -> None:
    with pytest.raises(ValidationError) as err:
        publish_release(
            fresh_built.release_id, by=maker, approved_by=checker, root=fresh_built.root
        )
    assert err.value.code == "release.same_checker"
    assert open_release(fresh_built.release_id, fresh_built.root).manifest.status == "draft"


def test_publish_makes_it_immutable_and_verify_sees_a_changed_byte(fresh_built: Built) -> None:
    m = publish_release(
        fresh_built.release_id, by="统计员", approved_by="审核员", root=fresh_built.root
    )
    assert (m.status, m.published_by, m.approved_by) == ("published", "统计员", "审核员")
    assert m.published_at is not None
    assert open_release(fresh_built.release_id, fresh_built.root).manifest.approved_by == "审核员"
    with pytest.raises(Conflict):
        publish_release(fresh_built.release_id, by="x", approved_by="y", root=fresh_built.root)
    path = fresh_built.root / fresh_built.release_id / "tables" / "loan_ledger_event.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    res = verify_release(fresh_built.release_id, root=fresh_built.root, recompute=False)
    assert not res.ok
    assert res.changed_files == ["tables/loan_ledger_event.parquet"]


def test_verify_recomputes_and_reports_a_figure_that_no_longer_matches(fresh_built: Built) -> None:
    folder = fresh_built.root / fresh_built.release_id
    rows = json.loads((folder / "indicators.json").read_text("utf-8"))
    for row in rows:
        if row["key"] == "sci_tech_borrowers":
            row["value"] = "3"
    (folder / "indicators.json").write_text(json.dumps(rows), "utf-8")
    res = verify_release(fresh_built.release_id, root=fresh_built.root)
    assert "indicators.json" in res.changed_files
    assert ("sci_tech_borrowers", "3", "2") in res.mismatches
    with pytest.raises(Conflict):
        publish_release(fresh_built.release_id, by="x", approved_by="y", root=fresh_built.root)


def test_correction_is_a_new_release_with_a_note_and_diff_shows_the_change(
    fresh_built: Built,
) -> None:
    root = fresh_built.root
    publish_release(fresh_built.release_id, by="统计员", approved_by="审核员", root=root)
    with unit_of_work(fresh_built.url) as session:  # a late repayment report for L1
        loan = session.scalars(select(Loan).where(Loan.loan_no == "L1")).one()
        session.add(
            LedgerEvent(
                loan_id=loan.id,
                kind="repayment_principal",
                event_date=dt.date(2023, 12, 31),
                amount=Decimal("800000.00"),
                recorded_by="bank",
            )
        )
    with pytest.raises(ValidationError):
        create_release(url=fresh_built.url, year=2023, root=root)
    m2 = create_release(url=fresh_built.url, year=2023, root=root, revision_note="L1 已于年末还清")
    assert (m2.release_id, m2.revision_of, m2.revision_note) == (
        "2023-r2",
        "2023-r1",
        "L1 已于年末还清",
    )
    first = open_release("2023-r1", root)
    assert first.value("sci_tech_loan_balance").value == Decimal("2800000.00")  # unchanged
    assert first.manifest.status == "published"
    diff = diff_releases("2023-r1", "2023-r2", root=root)
    changed = {c.key: (c.before, c.after) for c in diff.values}
    assert changed["sci_tech_loan_balance"] == (Decimal("2800000.00"), Decimal("2000000.00"))
    assert changed["sci_tech_sme_loan_balance"] == (Decimal("1300000.00"), Decimal("500000.00"))
    assert "sci_tech_borrowers" not in changed  # E1 still owes L2
    assert diff.row_counts["loan_ledger_event"] == (13, 14)
    assert [m.release_id for m in list_releases(root)] == ["2023-r1", "2023-r2"]
    assert verify_release("2023-r1", root=root).ok


def test_unknown_release_and_root_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KECHUANG_RELEASES_DIR", str(tmp_path))
    assert releases_root() == tmp_path
    assert list_releases() == []
    with pytest.raises(NotFound):
        open_release("2023-r9")


def test_unknown_engine_is_refused(built: Built, tmp_path: Path) -> None:
    root = tmp_path / "releases"
    with pytest.raises(ValidationError):
        create_release(url=built.url, year=2023, root=root, engine="oracle")
    assert not root.exists()


@pytest.mark.parametrize(
    "cutoff",
    [dt.date(2023, 12, 30), dt.date(2023, 6, 30), dt.date(2999, 1, 1)],
)
def test_a_cutoff_before_the_year_end_or_in_the_future_is_refused(
    built: Built, tmp_path: Path, cutoff: dt.date
) -> None:
    root = tmp_path / "releases"
    with pytest.raises(ValidationError) as err:
        create_release(url=built.url, year=2023, root=root, cutoff=cutoff)
    assert err.value.code == "release.cutoff"
    assert not root.exists() or list_releases(root) == []


def test_a_cutoff_on_the_year_end_is_accepted(built: Built, tmp_path: Path) -> None:
    m = create_release(url=built.url, year=2023, root=tmp_path, cutoff=dt.date(2023, 12, 31))
    assert m.cutoff == dt.date(2023, 12, 31)
