"""CLI writes reach the audit log: actor (``--by``/``--actor`` or the OS user), channel ``cli``,
one ``import`` row per imported file, nothing for dry runs and failed commands."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Institution
from kechuang.storage import audit
from kechuang.storage.audit import AuditLog
from kechuang.storage.db import unit_of_work

runner = CliRunner()
A = "91310115MA1H7K2A16"
B = "913101041234567882"
GOOD = f"""统一社会信用代码,企业名称,所在区,成立日期,行业代码,注册资本（万元）
{A},上海甲科技有限公司,浦东新区,2019-03-15,I6513,100.5
{B},上海乙生物有限公司,310104,2020/5/1,C2761,
"""
BAD = GOOD + "91310115MA1H7K2A1,上海丙有限公司,浦东新区,2021-01-01,,\n"
OS_USER = "ops-olga"


@pytest.fixture(autouse=True)
def _os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kechuang.cli.auditing.getpass.getuser", lambda: OS_USER)


def _rows(url: str) -> list[AuditLog]:
    with unit_of_work(url, commit=False) as session:
        rows = list(session.scalars(select(AuditLog).order_by(AuditLog.id)))
        session.expunge_all()
    return rows


def _csv(tmp_path: Path, text: str, name: str = "enterprises.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _create_user(username: str) -> str:
    result = runner.invoke(
        app,
        ["user", "create", username, "--role", "auditor", "--password-stdin"],
        input="a long password\n",
    )
    return result.output if result.exit_code == 0 else f"exit {result.exit_code}: {result.output}"


def test_a_single_record_write_is_logged_as_the_os_user_on_the_cli_channel(db_url: str) -> None:
    assert "carol" in _create_user("carol")
    rows = _rows(db_url)
    inserted = [r for r in rows if r.table_name == "auth_user"]
    assert [r.action for r in inserted] == ["insert"]
    assert inserted[0].actor == OS_USER
    assert inserted[0].changes["username"] == [None, "carol"]
    assert inserted[0].changes["password_hash"] == [None, "***"]
    [command] = [r for r in rows if r.action == "command"]
    assert command.table_name == "cli"
    assert command.actor == OS_USER
    assert command.changes["channel"] == "cli"
    assert command.changes["command"] == "kechuang user create"
    assert command.changes["options"]["username"] == "carol"
    assert command.changes["os_user"] == OS_USER
    # one request id ties the command to every row it changed
    assert inserted[0].request_id is not None and inserted[0].request_id.startswith("cli-")
    assert {r.request_id for r in rows} == {inserted[0].request_id}
    assert audit.current() is None  # the context ends with the command


def test_each_command_run_has_its_own_request_id_and_a_failed_one_logs_nothing(
    db_url: str,
) -> None:
    _create_user("dave")
    disabled = runner.invoke(app, ["user", "disable", "dave"])
    assert disabled.exit_code == 0, disabled.output
    before = _rows(db_url)
    assert len({r.request_id for r in before}) == 2
    update = [r for r in before if r.table_name == "auth_user" and r.action == "update"]
    assert update and update[0].changes["active"] == [True, False]
    assert _create_user("dave").startswith("exit 1")  # the user exists: rolled back
    assert [r.id for r in _rows(db_url)] == [r.id for r in before]
    assert audit.current() is None  # the context ends with a failed command too


def test_a_cli_import_logs_one_import_row_and_no_row_per_record(
    db_url: str, tmp_path: Path
) -> None:
    path = _csv(tmp_path, GOOD)
    result = runner.invoke(app, ["import", "enterprises", str(path), "--actor", "imp-ivy"])
    assert result.exit_code == 0, result.output
    rows = _rows(db_url)
    assert sorted(r.action for r in rows) == ["command", "import"]
    [row] = [r for r in rows if r.action == "import"]
    assert row.actor == "imp-ivy"  # --actor, not the OS user
    assert row.table_name == "import:registry.enterprises"
    assert row.record_id is not None  # the import batch
    assert row.changes == {
        "file": "enterprises.csv",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rows_total": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    [command] = [r for r in rows if r.action == "command"]
    assert command.actor == "imp-ivy"
    assert command.changes["options"]["actor"] == "imp-ivy"
    assert command.request_id == row.request_id


def test_dry_runs_and_rejected_imports_log_nothing(db_url: str, tmp_path: Path) -> None:
    good, bad = _csv(tmp_path, GOOD), _csv(tmp_path, BAD, "bad.csv")
    dry = runner.invoke(app, ["import", "enterprises", str(good), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    rejected = runner.invoke(app, ["import", "enterprises", str(bad)])
    assert rejected.exit_code == 1
    assert _rows(db_url) == []


def test_rows_suppressed_hides_orm_writes_and_record_import_still_logs(sqlite_url: str) -> None:
    class Report:
        rows_total, created, updated, unchanged, batch_id, sha256 = 1, 1, 0, 0, 7, "ab"

    with audit.audit_context(actor="x"), unit_of_work(sqlite_url) as session:

        def run() -> Report:
            session.add(Institution(code="BANK-Q", name="甲银行", kind=InstitutionKind.BANK))
            return Report()

        report = audit.audited_import(
            run,
            session=session,
            domain="registry",
            kind="institutions",
            file="i.csv",
            dry_run=False,
        )
        session.add(Institution(code="BANK-R", name="乙银行", kind=InstitutionKind.BANK))
    assert report.batch_id == 7
    rows = _rows(sqlite_url)
    assert [(r.action, r.table_name) for r in rows] == [
        ("import", "import:registry.institutions"),
        ("insert", "institution"),  # after the import, logging is back on
    ]
    assert rows[0].record_id == "7" and rows[0].changes["sha256"] == "ab"
    assert rows[1].changes["code"] == [None, "BANK-R"]


@pytest.mark.slow
def test_release_create_and_publish_are_logged_publish_as_the_by_maker(
    sqlite_url: str, tmp_path: Path
) -> None:
    created = runner.invoke(
        app, ["release", "create", "--year", "2024", "--synthetic", "--root", str(tmp_path)]
    )
    assert created.exit_code == 0, created.output
    [made] = [r for r in _rows(sqlite_url) if r.table_name == "release"]
    assert (made.action, made.actor, made.changes["status"]) == ("insert", OS_USER, "draft")
    release_id = made.record_id
    assert release_id is not None
    published = runner.invoke(
        app,
        [
            "release",
            "publish",
            release_id,
            "--by",
            "maker-mia",
            "--approved-by",
            "checker-cal",
            "--root",
            str(tmp_path),
        ],
    )
    assert published.exit_code == 0, published.output
    rows = [r for r in _rows(sqlite_url) if r.table_name == "release"]
    assert [(r.action, r.actor) for r in rows] == [("insert", OS_USER), ("update", "maker-mia")]
    assert rows[1].changes == {
        "status": "published",
        "published_by": "maker-mia",
        "approved_by": "checker-cal",
    }


def test_policy_load_shipped_logs_one_import_row_per_shipped_file(sqlite_url: str) -> None:
    from kechuang.policy.imports import SHIPPED_FILES

    result = runner.invoke(app, ["policy", "load-shipped", "--actor", "pol-pat"])
    assert result.exit_code == 0, result.output
    rows = _rows(sqlite_url)
    imports = [r for r in rows if r.action == "import"]
    assert sorted(r.table_name for r in imports) == sorted(
        f"import:policy.{kind}" for kind in SHIPPED_FILES
    )
    assert {r.actor for r in rows} == {"pol-pat"}
    assert all(r.changes["created"] > 0 and r.changes["sha256"] for r in imports)
    assert sorted({r.action for r in rows}) == ["command", "import"]  # no row per entry


def test_kechuang_audit_lists_and_exports_cli_rows(sqlite_url: str, tmp_path: Path) -> None:
    _create_user("erin")
    listed = runner.invoke(app, ["audit", "list", "--table", "cli", "--json"])
    assert listed.exit_code == 0, listed.output
    [command] = json.loads(listed.stdout)
    assert (command["action"], command["actor"]) == ("command", OS_USER)
    same_run = runner.invoke(
        app, ["audit", "list", "--request-id", command["request_id"], "--json"]
    )
    assert sorted(r["table_name"] for r in json.loads(same_run.stdout)) == ["auth_user", "cli"]
    out = tmp_path / "audit.csv"
    exported = runner.invoke(app, ["audit", "export", "--format", "csv", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(audit.EXPORT_FIELDS)
    assert len(lines) == 3 and "argon2" not in out.read_text(encoding="utf-8")
