"""沪科专贷 / 沪科专贴 submissions on SQLite and PostgreSQL: eligibility, caps, quota, amounts.

The registry, grants and loans come in through the import paths, as small CSV texts:

* ``A`` is a high-tech enterprise (2023-01-01 .. 2025-12-31), ``B`` is a tech-based SME only from
  2024-06-01 (after its loan was drawn), ``C`` holds an ineligible qualification (innovative SME);
* ``BANK1`` has a branch ``BANK1-PD``; ``BANK2`` is another bank;
* loans (drawn March–April 2024, submitted on 2024-06-15): ``L1`` and ``L6`` (the branch's) are
  eligible; ``L2`` (B), ``L3`` (rate 4.5% > 4% cap), ``L4`` (BANK2's), ``L5`` (12,000,000 >
  10,000,000 limit) and ``L7`` (C) are not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli import credit_refinance
from kechuang.core.errors import Conflict, ImportRejected, NotFound, ValidationError
from kechuang.credit import refinance
from kechuang.credit.enums import RefinanceProgramme
from kechuang.credit.imports import import_file as credit_import
from kechuang.credit.models import RefinanceItem, RefinanceQuota, RefinanceSubmission
from kechuang.credit.refinance import BillRecord
from kechuang.registry.imports import import_file as registry_import
from kechuang.registry.models import Institution
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory

A = "91310115MA1H7K2A16"
B = "913101041234567882"
C = "91310112876543210R"
RL = RefinanceProgramme.RELENDING
RD = RefinanceProgramme.REDISCOUNT
ON = dt.date(2024, 6, 15)

FILES = {
    ("enterprises", "e.csv"): f"""统一社会信用代码,企业名称,所在区,成立日期
{A},上海甲科技有限公司,浦东新区,2010-01-01
{B},上海乙科技有限公司,徐汇区,2011-01-01
{C},上海丙科技有限公司,闵行区,2012-01-01
""",
    ("institutions", "i.csv"): """机构代码,机构名称,机构类型,上级机构代码
BANK1,示例银行上海分行,银行,
BANK1-PD,示例银行浦东支行,银行,BANK1
BANK2,另一银行上海分行,银行,
INS1,示例保险,保险机构,
""",
    ("qualifications", "q.csv"): f"""统一社会信用代码,资质类型,证书编号,生效日期,有效期至
{A},高新技术企业,GR202331000001,2023-01-01,2025-12-31
{B},科技型中小企业,2024310000000001,2024-06-01,2025-12-31
{C},创新型中小企业,,2023-01-01,
""",
}
GRANTS = f"""合同编号,统一社会信用代码,产品,银行机构代码,授信金额,授信日期,期限（月）,年利率,还款方式,担保方式,首贷
HT-A1,{A},p,BANK1,50000000,2024-01-01,24,3.85%,等额本息,信用,是
HT-A2,{A},p,BANK2,5000000,2024-01-01,24,3.85%,等额本息,信用,否
HT-A3,{A},p,BANK1-PD,5000000,2024-01-01,24,3.85%,等额本息,保证,否
HT-B1,{B},p,BANK1,5000000,2024-01-01,24,3.5%,等额本息,保证,否
HT-C1,{C},p,BANK1,5000000,2024-01-01,24,3.5%,等额本息,信用,否
"""
LOANS = """借据号,合同编号,放款日期,放款金额,到期日,年利率,还款方式,报告月份,月末余额
L1,HT-A1,2024-03-01,1234567.89,2025-03-01,3.85%,等额本息,2024-05,1234567.89
L2,HT-B1,2024-03-01,800000,2025-03-01,3.5%,等额本息,2024-05,800000
L3,HT-A1,2024-03-05,2000000,2025-03-05,4.5%,等额本息,2024-05,2000000
L4,HT-A2,2024-03-01,500000,2025-03-01,3.5%,等额本息,2024-05,500000
L5,HT-A1,2024-03-10,12000000,2025-03-10,3.5%,等额本息,2024-05,12000000
L6,HT-A3,2024-04-01,500000.05,2025-04-01,3.5%,等额本息,2024-05,500000.05
L7,HT-C1,2024-04-01,100000,2025-04-01,3.5%,等额本息,2024-05,100000
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> str:
    with unit_of_work(db_url) as session:
        for (kind, name), text in FILES.items():
            registry_import(session=session, kind=kind, path=write(tmp_path, name, text))
        credit_import(session=session, kind="grants", path=write(tmp_path, "g.csv", GRANTS))
        credit_import(session=session, kind="loans", path=write(tmp_path, "l.csv", LOANS))
    return db_url


def bank(session: Session, code: str) -> int:
    return refinance.bank_by_code(session, code).id


def quota(
    db_url: str, amount: str, *, code: str = "BANK1", programme: RefinanceProgramme = RL
) -> None:
    with unit_of_work(db_url) as session:
        refinance.set_quota(
            session=session,
            programme=programme,
            bank_id=bank(session, code),
            year=2024,
            quota=amount,
        )


def submit(
    db_url: str, no: str, items: list[str] | list[BillRecord], *, programme: RefinanceProgramme = RL
) -> dict[str, Any]:
    with unit_of_work(db_url) as session:
        refinance.submit(
            session=session,
            programme=programme,
            bank_id=bank(session, "BANK1"),
            submission_no=no,
            items=items,
            on=ON,
            actor="bank-ops",
        )
        return refinance.submission_report(session=session, submission_no=no)


def items(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["item_ref"]: i for i in report["items"]}


def failed(item: dict[str, Any]) -> list[str]:
    return [c["criterion"] for c in item["checks"] if c["blocking"] and not c["passed"]]


def check(item: dict[str, Any], criterion: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in item["checks"] if c["criterion"] == criterion]
    assert len(found) == 1
    return found[0]


# ----------------------------------------------------------------------------- parameters


def test_parameters_are_dated_referenced_and_flagged() -> None:
    params = refinance.parameters_on(RL, ON)
    assert [k.value for k in params.eligible_kinds.value] == [
        "high_tech",
        "sh_little_giant",
        "specialised_sme",
        "little_giant",
        "tech_sme",
    ]
    assert (params.eligible_kinds.status, params.priority.status) == ("confirmed", "confirmed")
    assert params.priority.value == ("first_loan", "unsecured")
    assert (params.share.value, params.share.status) == (Decimal("0.60"), "unverified")
    assert (params.refinancing_rate.value, params.refinancing_rate.status) == (
        Decimal("0.0175"),
        "unverified",
    )
    assert (params.rate_cap.status, params.amount_limit.status) == ("illustrative", "illustrative")
    assert params.share.version == "relending.share@2023-07-27"
    assert "2023-07-27" in params.eligible_kinds.reference
    assert {p.key for p in params.not_confirmed()} == {
        "relending.rate_cap",
        "relending.amount_limit",
        "relending.share",
        "relending.refinancing_rate",
    }
    assert refinance.parameters_on(RD, ON).share.value == Decimal("1.00")
    with pytest.raises(NotFound):
        refinance.parameters_on(RL, dt.date(2023, 7, 26))


# ----------------------------------------------------------------------------- checks


def test_eligibility_uses_the_qualification_in_force_on_the_loan_date(world: str) -> None:
    quota(world, "100000000")
    got = items(submit(world, "S1", ["L1", "L2", "L7"]))
    l1, l2, l7 = got["L1"], got["L2"], got["L7"]
    assert l1["eligible"] is True
    q1 = check(l1, "borrower.qualification")
    assert (q1["passed"], q1["observed"], q1["status"]) == (True, ["high_tech"], "confirmed")
    assert q1["required"] == [
        "high_tech",
        "sh_little_giant",
        "specialised_sme",
        "little_giant",
        "tech_sme",
    ]
    assert "2024-03-01" in q1["message_zh"] and "高新技术企业" in q1["message_zh"]
    # B became a tech-based SME on 2024-06-01, after its loan was drawn on 2024-03-01
    assert (l2["eligible"], failed(l2)) == (False, ["borrower.qualification"])
    q2 = check(l2, "borrower.qualification")
    assert q2["observed"] == []
    assert (
        "2024-06-01" in q2["message_zh"] and "started later and does not count" in q2["message_en"]
    )
    assert (l7["eligible"], failed(l7), l7["refinanced_amount"]) == (
        False,
        ["borrower.qualification"],
        "0.00",
    )
    assert l2["reasons"][0]["zh"] == q2["message_zh"]
    for c in l1["checks"]:
        assert {"criterion", "passed", "observed", "required", "message_zh", "message_en"} <= set(c)


def test_rate_cap_amount_limit_and_bank(world: str) -> None:
    quota(world, "100000000")
    got = items(submit(world, "S1", ["L3", "L4", "L5", "L6", "NOPE"]))
    assert failed(got["L3"]) == ["rate.cap"]
    cap = check(got["L3"], "rate.cap")
    assert (cap["observed"], cap["required"], cap["status"]) == (
        "0.04500000",
        "0.0400",
        "illustrative",
    )
    assert "4.50%" in cap["message_zh"] and "（演示参数）" in cap["message_zh"]
    assert failed(got["L4"]) == ["loan.bank"]
    assert failed(got["L5"]) == ["amount.limit"]
    assert check(got["L5"], "amount.limit")["required"] == "10000000.00"
    assert got["L6"]["eligible"] is True  # a branch's loan belongs to its head office
    assert failed(got["NOPE"]) == ["loan.exists"]
    assert got["NOPE"]["amount"] == "0.00"


def test_priority_flags_are_recorded_not_required(world: str) -> None:
    quota(world, "100000000")
    got = items(submit(world, "S1", ["L1", "L6"]))
    l1, l6 = got["L1"], got["L6"]
    assert (
        check(l1, "priority.first_loan")["passed"],
        check(l1, "priority.unsecured")["passed"],
    ) == (True, True)
    assert (
        check(l6, "priority.first_loan")["passed"],
        check(l6, "priority.unsecured")["passed"],
    ) == (False, False)
    assert check(l6, "priority.unsecured")["blocking"] is False
    assert l6["eligible"] is True


def test_refinanced_amounts_are_exact_to_the_fen(world: str) -> None:
    quota(world, "100000000")
    report = submit(world, "S1", ["L1", "L6"])
    got = items(report)
    # 1,234,567.89 × 60% = 740,740.734 → 740,740.73; 500,000.05 × 60% = 300,000.03
    assert (got["L1"]["refinanced_amount"], got["L6"]["refinanced_amount"]) == (
        "740740.73",
        "300000.03",
    )
    assert report["refinanced_total"] == "1040740.76"
    share = check(got["L1"], "refinance.share")
    assert (share["status"], share["parameter"]) == ("unverified", "relending.share@2023-07-27")
    assert "参数待核实" in share["message_zh"]
    assert check(got["L1"], "refinance.rate")["status"] == "unverified"
    assert [p["key"] for p in report["unverified_parameters"]] == [
        "relending.rate_cap",
        "relending.amount_limit",
        "relending.share",
        "relending.refinancing_rate",
    ]


def test_refinanced_amount_rounds_half_up(world: str, monkeypatch: pytest.MonkeyPatch) -> None:
    share = refinance.PARAMETERS[RL]["share"][0]
    monkeypatch.setitem(
        refinance.PARAMETERS[RL], "share", (dataclasses.replace(share, value=Decimal("0.55")),)
    )
    quota(world, "100000000")
    got = items(submit(world, "S1", ["L1", "L6"]))
    # 1,234,567.89 × 55% = 679,012.3395 → .34; 500,000.05 × 55% = 275,000.0275 → .03 (half up, not half even .02)
    assert (got["L1"]["refinanced_amount"], got["L6"]["refinanced_amount"]) == (
        "679012.34",
        "275000.03",
    )


# ----------------------------------------------------------------------------- quota


def test_items_beyond_the_quota_are_rejected(world: str) -> None:
    quota(world, "1000000")
    report = submit(world, "S1", ["L1", "L6"])
    got = items(report)
    assert got["L1"]["eligible"] is True
    l6 = got["L6"]
    assert (l6["eligible"], failed(l6), l6["refinanced_amount"]) == (
        False,
        ["quota.remaining"],
        "0.00",
    )
    assert l6["reasons"][0]["en"].startswith("quota exhausted")
    assert "额度已用完" in l6["reasons"][0]["zh"] and "259,259.27" in l6["reasons"][0]["zh"]
    assert report["refinanced_total"] == "740740.73"
    with unit_of_work(world) as session:
        usage = refinance.quota_usage(
            session=session, programme=RL, bank_id=bank(session, "BANK1"), year=2024
        )
    assert (usage.quota, usage.used, usage.remaining) == (
        Decimal("1000000.00"),
        Decimal("740740.73"),
        Decimal("259259.27"),
    )
    assert (usage.submissions, usage.items_accepted, usage.items_rejected) == (1, 1, 1)
    # more quota: the rejected loan may be submitted again and now fits
    quota(world, "2000000")
    again = items(submit(world, "S2", ["L6"]))
    assert again["L6"]["eligible"] is True
    with unit_of_work(world) as session:
        usage = refinance.quota_usage(
            session=session, programme=RL, bank_id=bank(session, "BANK1"), year=2024
        )
        assert usage.used == Decimal("1040740.76")
        # the quota cannot go below what is used; changes keep history
        with pytest.raises(ValidationError) as info:
            refinance.set_quota(
                session=session,
                programme=RL,
                bank_id=bank(session, "BANK1"),
                year=2024,
                quota="1000000",
            )
        assert info.value.code == "refinance.quota_below_used"
        history = session.scalars(
            select(ChangeHistory.action).where(ChangeHistory.table_name == "refinance_quota")
        ).all()
        assert sorted(history) == ["create", "update"]
        assert session.scalars(select(RefinanceQuota.version)).one() == 2


def test_no_quota_no_parameters_not_a_bank(world: str) -> None:
    with unit_of_work(world) as session:
        with pytest.raises(NotFound) as info:
            refinance.submit(
                session=session,
                programme=RL,
                bank_id=bank(session, "BANK1"),
                submission_no="S",
                items=["L1"],
                on=ON,
                actor="x",
            )
        assert info.value.code == "refinance.no_quota"
        with pytest.raises(NotFound):
            refinance.submit(
                session=session,
                programme=RL,
                bank_id=bank(session, "BANK1"),
                submission_no="S",
                items=["L1"],
                on=dt.date(2023, 1, 1),
                actor="x",
            )
        insurer = session.scalars(select(Institution.id).where(Institution.code == "INS1")).one()
        with pytest.raises(ValidationError):
            refinance.set_quota(
                session=session, programme=RL, bank_id=insurer, year=2024, quota="1"
            )
        assert (
            refinance.quota_usage(session=session, programme=RL, bank_id=insurer, year=2024).quota
            is None
        )


# ----------------------------------------------------------------------------- duplicates


def test_a_refinanced_loan_cannot_be_submitted_again(world: str) -> None:
    quota(world, "100000000")
    submit(world, "S1", ["L1", "L2"])
    got = items(submit(world, "S2", ["L1", "L2"]))
    l1 = got["L1"]
    assert (l1["eligible"], failed(l1)) == (False, ["item.not_resubmitted"])
    assert check(l1, "item.not_resubmitted")["observed"] == "S1"
    assert "S1" in l1["reasons"][0]["zh"]
    # L2 was rejected in S1, so submitting it again is not a duplicate (it still fails on its own)
    assert failed(got["L2"]) == ["borrower.qualification"]
    with unit_of_work(world) as session:
        with pytest.raises(Conflict):
            refinance.submit(
                session=session,
                programme=RL,
                bank_id=bank(session, "BANK1"),
                submission_no="S1",
                items=["L6"],
                on=ON,
                actor="x",
            )
        with pytest.raises(ValidationError) as info:
            refinance.submit(
                session=session,
                programme=RL,
                bank_id=bank(session, "BANK1"),
                submission_no="S3",
                items=["L6", "L6"],
                on=ON,
                actor="x",
            )
        assert info.value.code == "refinance.repeated_item"
        assert refinance.next_submission_no(session, RL, bank(session, "BANK1"), ON).endswith(
            "-001"
        )
    with unit_of_work(world) as session:
        assert len(session.scalars(select(RefinanceSubmission)).all()) == 2
        assert len(session.scalars(select(RefinanceItem)).all()) == 4


# ----------------------------------------------------------------------------- rediscount


def test_rediscount_bills(world: str, tmp_path: Path) -> None:
    quota(world, "5000000", programme=RD)
    bills = f"""票据号码,统一社会信用代码,票面金额,贴现日期,贴现利率
BILL-1,{A},1000000.01,2024-05-10,1.5%
BILL-2,{B},2000000,2024-05-20,1.5%
BILL-3,{B},2000000,2024-06-10,0.015
BILL-4,{A},300000,2024-05-10,3.2%
"""
    records = refinance.read_items(write(tmp_path, "bills.csv", bills), RD)
    assert isinstance(records[0], BillRecord) and records[0].rate == Decimal("0.015")
    report = submit(world, "D1", records, programme=RD)
    got = items(report)
    assert (got["BILL-1"]["eligible"], got["BILL-1"]["refinanced_amount"]) == (True, "1000000.01")
    # B's tech-SME qualification started on 2024-06-01: a bill discounted on 2024-05-20 does not count
    assert failed(got["BILL-2"]) == ["borrower.qualification"]
    assert got["BILL-3"]["eligible"] is True
    assert failed(got["BILL-4"]) == ["rate.cap"]
    assert report["refinanced_total"] == "3000000.01"
    assert not [c for c in got["BILL-1"]["checks"] if c["criterion"].startswith("priority.")]
    with pytest.raises(ImportRejected) as info:
        refinance.read_items(write(tmp_path, "bad.csv", bills.replace("1.5%\n", "1.5\n", 1)), RD)
    assert info.value.issues[0].rule == "rate.ambiguous"


# ----------------------------------------------------------------------------- CLI


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(credit_refinance.app, name="refinance")
    return app


def test_cli_quota_submit_show_usage(world: str, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["refinance"]
    result = runner.invoke(
        _cli(),
        [
            *base,
            "quota",
            "--programme",
            "relending",
            "--bank",
            "bank1",
            "--year",
            "2024",
            "--amount",
            "100万",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1,000,000.00" in result.output
    loans = write(tmp_path, "loans.csv", "借据号\nL1\nL6\nL3\n")
    result = runner.invoke(
        _cli(),
        [
            *base,
            "submit",
            "--programme",
            "relending",
            "--bank",
            "BANK1",
            "--file",
            str(loans),
            "--on",
            "2024-06-15",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    no = body["submission_no"]
    assert no.startswith("RL20240615-")
    assert [(i["item_ref"], i["eligible"]) for i in body["items"]] == [
        ("L1", True),
        ("L6", False),
        ("L3", False),
    ]
    result = runner.invoke(_cli(), [*base, "show", no])
    assert result.exit_code == 0, result.output
    assert "L6" in result.output and "参数待核实" in result.output
    result = runner.invoke(
        _cli(),
        [*base, "usage", "--programme", "relending", "--bank", "BANK1", "--year", "2024", "--json"],
    )
    usage = json.loads(result.stdout)
    assert (usage["quota"], usage["used"], usage["remaining"]) == (
        "1000000.00",
        "740740.73",
        "259259.27",
    )
    result = runner.invoke(_cli(), [*base, "show", "NOPE"])
    assert result.exit_code == 1
