"""The import machinery every domain shares (:mod:`kechuang.registry.import_kit`).

The domains' own import tests cover it end to end; these pin the pieces whose paths a small
domain file does not reach: the range scan of :func:`preload`, the plain-number shortcut of
:func:`reference`, the ``allowed`` subset of :func:`choice`, and the skeleton's order of work.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kechuang.core import importspec as sp
from kechuang.core.errors import ImportRejected
from kechuang.core.i18n import Msg
from kechuang.registry import import_kit as kit
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Institution
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ImportBatch


def test_preload_range_scan_finds_the_same_rows_as_in_lists(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        session.add_all(
            Institution(code=f"I{n:03d}", name=f"机构{n}", kind=InstitutionKind.BANK)
            for n in range(30)
        )
    wanted = ["I003", "I010", "I011", "I027", "I999", None, "I010"]
    with unit_of_work(db_url) as session:
        cols = [Institution.name]
        by_in = kit.preload(session, Institution.code, cols, wanted)
        by_range = kit.preload(session, Institution.code, cols, wanted, range_scan_above=2)
        nothing = kit.preload(session, Institution.code, cols, [None])
    assert sorted(by_in) == ["I003", "I010", "I011", "I027"]  # unknown and None keys skipped
    assert {k: r.name for k, r in by_range.items()} == {k: r.name for k, r in by_in.items()}
    assert by_range["I027"].name == "机构27"
    assert nothing == {}


def test_reference_keeps_plain_numbers_and_normalises_the_rest() -> None:
    parse = kit.reference(Msg("合同编号", "contract number"), 12)
    assert parse(" BOC-2024/01 ") == "BOC-2024/01"
    assert parse("ＢＯＣ－２０２４") == "BOC-2024"  # full-width: NFKC
    assert parse("合同 0001") == "合同0001"  # whitespace inside is dropped
    assert parse(20240001.0) == "20240001"  # an XLSX number cell
    with pytest.raises(sp.FieldError) as info:
        parse("X" * 13)
    assert info.value.rule == "value.format"
    assert info.value.message.en == "contract number must have 1–12 characters"


def test_choice_accepts_labels_and_aliases_of_the_allowed_members_only() -> None:
    kinds = (InstitutionKind.BANK, InstitutionKind.INSURER)
    parse = kit.choice(
        InstitutionKind,
        {"商业银行": InstitutionKind.BANK, "孵化": InstitutionKind.INCUBATOR},
        kinds,
    )
    assert parse("商业银行") is InstitutionKind.BANK
    assert parse(InstitutionKind.INSURER.label.zh) is InstitutionKind.INSURER
    assert parse("BANK") is InstitutionKind.BANK  # values and English labels: any case
    for refused in ("孵化", InstitutionKind.INCUBATOR.value):
        with pytest.raises(sp.FieldError):
            parse(refused)


_SPEC = sp.ImportSpec(
    kind="things",
    label=Msg("示例", "things"),
    key=("code",),
    columns=(
        kit.column("code", "代码", "Code", sp.text(10), Msg("代码", "code"), "A", required=True),
    ),
)


def _run(db_url: str, path: Path, *, bad: str | None) -> tuple[kit.ImportReport, list[str]]:
    calls: list[str] = []

    def prepare(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> kit.Writer[kit.ImportContext]:
        calls.append(f"prepare {len(rows)}")
        for r in rows:
            if r.values["code"] == bad:
                ctx.issue(r, "code", "test.bad", Msg("坏", "bad"))
        if ctx.failed:
            return kit.nothing

        def write(ctx: kit.ImportContext, report: kit.ImportReport, progress: object) -> None:
            calls.append(f"write batch={ctx.batch_id > 0} source={ctx.source}")
            report.created = len(rows)

        return write

    def progress(stage: str, done: int, total: int) -> None:
        calls.append(f"{stage} {done}/{total}")

    with unit_of_work(db_url) as session:
        report = kit.import_prepared(
            session=session,
            kind="things",
            spec=_SPEC,
            path=path,
            actor="tester",
            dry_run=False,
            progress=progress,
            context=kit.ImportContext,
            prepare=prepare,
            batch_kind="test-things",
            source="test import things",
        )
    return report, calls


def test_import_prepared_checks_then_writes_in_one_batch(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("代码\nA\nB\n".encode("gbk"))
    report, calls = _run(sqlite_url, path, bad=None)
    assert calls == [
        "parse 0/2",
        "prepare 2",
        "parse 2/2",
        "write batch=True source=test import things: t.csv",
    ]
    assert (report.kind, report.rows_total, report.created, report.encoding) == (
        "things",
        2,
        2,
        "gbk",
    )
    with unit_of_work(sqlite_url) as session:
        batch = session.scalars(select(ImportBatch)).one()
    assert (batch.id, batch.kind, batch.created, batch.sha256) == (
        report.batch_id,
        "test-things",
        2,
        kit.file_sha256(path),
    )


def test_import_prepared_rejects_before_opening_a_batch(sqlite_url: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("代码\nA\nB\n", encoding="utf-8-sig")
    with pytest.raises(ImportRejected) as info:
        _run(sqlite_url, path, bad="B")
    assert [(i.row, i.rule) for i in info.value.issues] == [(3, "test.bad")]
    assert info.value.message.en == "t.csv: 1 error(s) found; nothing was imported"
    with unit_of_work(sqlite_url) as session:
        assert session.scalars(select(ImportBatch)).all() == []


def test_preload_range_scan_does_not_depend_on_the_collation(tmp_path: Path) -> None:
    """A column whose collation orders text unlike Python (SQLite ``NOCASE`` here; PostgreSQL
    with a language locale in production) still finds every key: ``B`` < ``a`` in Python, so the
    range ``BETWEEN 'B' AND 'a'`` is empty under ``NOCASE``, and the keys come from the look-up of
    the ones the scan missed."""

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "thing"
        id: Mapped[int] = mapped_column(primary_key=True)
        code: Mapped[str] = mapped_column(String(collation="NOCASE"), unique=True)

    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Thing(code=c) for c in ("B", "a", "c", "D"))
        session.commit()
        assert session.scalars(select(Thing.code).where(Thing.code.between("B", "a"))).all() == []
        found = kit.preload(
            session, Thing.code, [Thing.id], ["B", "a", "D", "zz"], range_scan_above=1
        )
    engine.dispose()
    assert sorted(found) == ["B", "D", "a"]
