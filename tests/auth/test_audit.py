"""The audit hook: inserts, updates and deletes with actor, request id and old → new."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Institution
from kechuang.storage import audit
from kechuang.storage.audit import AuditLog
from kechuang.storage.db import unit_of_work


def test_insert_update_delete_are_logged_old_to_new(db_url: str) -> None:
    with audit.audit_context(actor="alice", request_id="r-1", role="gov_admin"):
        with unit_of_work(db_url) as session:
            session.add(Institution(code="BANK-Z", name="甲银行", kind=InstitutionKind.BANK))
        with unit_of_work(db_url) as session:
            inst = session.scalars(select(Institution)).one()
            inst.name = "乙银行"
        with unit_of_work(db_url) as session:
            session.delete(session.scalars(select(Institution)).one())
    with unit_of_work(db_url) as session:
        rows = audit.list_(session=session, table_name="institution")
    assert [r.action for r in rows] == ["delete", "update", "insert"]  # newest first
    delete, update, insert = rows
    assert {r.actor for r in rows} == {"alice"}
    assert {r.request_id for r in rows} == {"r-1"}
    assert insert.changes["code"] == [None, "BANK-Z"]
    assert insert.changes["kind"] == [None, "bank"]
    assert update.changes == {"name": ["甲银行", "乙银行"]}
    assert delete.changes["name"] == ["乙银行", None]
    assert insert.record_id == update.record_id == delete.record_id


def test_nothing_is_logged_outside_an_audit_context(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        session.add(Institution(code="BANK-Y", name="丙银行", kind=InstitutionKind.BANK))
    with unit_of_work(db_url) as session:
        assert session.scalars(select(AuditLog)).all() == []


def test_rolled_back_changes_leave_no_audit_rows(db_url: str) -> None:
    with audit.audit_context(actor="bob"), unit_of_work(db_url, commit=False) as session:
        session.add(Institution(code="BANK-X", name="丁银行", kind=InstitutionKind.BANK))
        session.flush()
    with unit_of_work(db_url) as session:
        assert session.scalars(select(AuditLog)).all() == []


def test_secrets_are_masked_and_export_formats(db_url: str) -> None:
    with audit.audit_context(actor="root"), unit_of_work(db_url) as session:
        auth_service.create_user(
            session=session, username="carol", password="a long password", role=Role.AUDITOR
        )
    with unit_of_work(db_url) as session:
        rows = audit.list_(session=session, table_name="auth_user")
        assert rows[0].changes["password_hash"] == [None, "***"]
        csv_text = audit.export(rows, fmt="csv")
        json_text = audit.export(rows, fmt="json")
    assert csv_text.splitlines()[0] == ",".join(audit.EXPORT_FIELDS)
    assert "argon2" not in csv_text
    assert "argon2" not in json_text
    assert '"carol"' in json_text


def test_secret_tables_are_marked_not_for_release() -> None:
    import kechuang.auth.models  # noqa: F401 - registers the auth tables
    from kechuang.storage import Base

    marked = {t.name for t in Base.metadata.sorted_tables if t.info.get("release") is False}
    assert marked == {
        "auth_user",
        "auth_session",
        "auth_api_token",
        "auth_login_attempt",
        "approval",
        "audit_log",
    }


def test_a_release_never_contains_password_or_token_hashes(sqlite_url: str, tmp_path: Path) -> None:
    from kechuang.indicators.releases import create_release, releases_root

    with unit_of_work(sqlite_url) as session:
        auth_service.create_user(
            session=session, username="dave", password="a long password", role=Role.AUDITOR
        )
    made = create_release(url=sqlite_url, year=2024, root=tmp_path, synthetic=True)
    tables = {
        p.stem for p in (releases_root(tmp_path) / made.release_id / "tables").glob("*.parquet")
    }
    assert "enterprise" in tables  # the snapshot itself was written
    assert not tables & {
        "auth_user",
        "auth_session",
        "auth_api_token",
        "auth_login_attempt",
        "audit_log",
        "approval",
    }
    manifest = (releases_root(tmp_path) / made.release_id / "manifest.json").read_text("utf-8")
    assert "auth_user" not in manifest and "audit_log" not in manifest
