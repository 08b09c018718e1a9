"""API workflows: uploads with the CLI's row-level report, maker-checker, audit, pagination, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kechuang.api import create_app
from kechuang.auth.enums import ApprovalKind, ApprovalStatus
from kechuang.auth.models import Approval
from kechuang.core.errors import ImportRejected
from kechuang.indicators.releases import create_release, open_release
from kechuang.registry.imports import import_file
from kechuang.registry.models import Enterprise
from kechuang.storage.audit import AuditLog
from kechuang.storage.db import unit_of_work
from tests.api.client import TestClient
from tests.api.world import PASSWORD, Side, build

A_USCC = "91310115MA1H7K2A16"
B_USCC = "913101041234567882"
GOOD = f"""统一社会信用代码,企业名称,所在区,成立日期,行业代码,注册资本（万元）
{A_USCC},上海甲科技有限公司,浦东新区,2019-03-15,I6513,100.5
{B_USCC},上海乙生物有限公司,310104,2020/5/1,C2761,
"""
BAD = GOOD + "91310115MA1H7K2A1,上海丙有限公司,浦东新区,2021-01-01,,\n"


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[TestClient, Side, Side, str]]:
    """The two-sided world on SQLite and on PostgreSQL."""
    a, b = build(db_url)
    with TestClient(create_app(db_url)) as client:
        yield client, a, b, db_url


def auth(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_upload_rejected_with_the_same_row_level_report_as_the_cli(
    world: tuple[TestClient, Side, Side, str], tmp_path: Path
) -> None:
    client, _a, _b, url = world
    gov = auth(client, "gov")
    r = client.post(
        "/api/v1/registry/imports/enterprises",
        files={"file": ("e.csv", BAD.encode(), "text/csv")},
        headers=gov,
    )
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected"
    # the CLI's import function on the same file gives the same issues
    path = tmp_path / "e.csv"
    path.write_bytes(BAD.encode())
    with unit_of_work(url, commit=False) as session, pytest.raises(ImportRejected) as exc:
        import_file(session=session, kind="enterprises", path=path, actor="cli")
    expected = [(i.file, i.row, i.column, i.value, i.rule) for i in exc.value.issues]
    got = [(d["file"], d["row"], d["column"], d["value"], d["rule"]) for d in body["details"]]
    assert got == expected
    assert got[0][:3] == ("e.csv", 4, "统一社会信用代码")
    with unit_of_work(url) as session:  # nothing written
        assert session.scalar(select(Enterprise).where(Enterprise.uscc == A_USCC)) is None


def test_upload_dry_run_then_import(world: tuple[TestClient, Side, Side, str]) -> None:
    client, _a, _b, url = world
    gov = auth(client, "gov")
    files = {"file": ("e.csv", GOOD.encode(), "text/csv")}
    dry = client.post("/api/v1/registry/imports/enterprises?dry_run=true", files=files, headers=gov)
    assert dry.status_code == 200, dry.text
    assert dry.json()["created"] == 2
    assert dry.json()["dry_run"] is True
    with unit_of_work(url) as session:
        assert session.scalar(select(Enterprise).where(Enterprise.uscc == A_USCC)) is None
    real = client.post("/api/v1/registry/imports/enterprises", files=files, headers=gov)
    assert real.status_code == 200
    assert (real.json()["created"], real.json()["dry_run"]) == (2, False)
    with unit_of_work(url) as session:
        assert session.scalar(select(Enterprise).where(Enterprise.uscc == A_USCC)) is not None
        logged = session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
        assert logged.actor == "gov"
        assert logged.table_name == "import:registry.enterprises"
        assert logged.changes["created"] == 2


def test_bank_cannot_upload_another_banks_rows(world: tuple[TestClient, Side, Side, str]) -> None:
    client, a, b, _url = world
    bank = auth(client, "bank_a")
    csv = (
        "合同编号,统一社会信用代码,产品,银行机构代码,授信金额,授信日期,期限（月）,年利率,还款方式,担保方式\n"
        f"GC-X-1,{a.uscc},sh_boost_loan,{b.bank},1000000,2024-02-01,12,3.45%,到期还本,信用\n"
    )
    r = client.post(
        "/api/v1/credit/imports/grants",
        files={"file": ("grants.csv", csv.encode(), "text/csv")},
        headers=bank,
    )
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "auth.foreign_org"
    assert r.json()["details"][0]["row"] == 2
    assert r.json()["details"][0]["value"] == b.bank


def test_claim_maker_checker_through_the_api(world: tuple[TestClient, Side, Side, str]) -> None:
    client, a, _b, url = world
    prog, prog2, bank = auth(client, "prog"), auth(client, "prog2"), auth(client, "bank_a")
    path = f"/api/v1/credit/claims/{a.claim_no}/approve"
    # a bank may file but not approve
    assert client.post(path, json={"on": "2024-07-20"}, headers=bank).status_code == 403
    first = client.post(path, json={"on": "2024-07-20"}, headers=prog)
    assert first.status_code == 200, first.text
    assert first.json()["action"] == "maker_recorded"
    same = client.post(path, json={"on": "2024-07-20"}, headers=prog)
    assert same.status_code == 409
    assert same.json()["code"] == "maker_checker"
    with unit_of_work(url) as session:
        pending = session.scalars(select(Approval)).one()
        assert (pending.kind, pending.status, pending.requested_by) == (
            ApprovalKind.COMPENSATION_PAYOUT,
            ApprovalStatus.PENDING,
            "prog",
        )
    second = client.post(path, json={"on": "2024-07-20"}, headers=prog2)
    assert second.status_code == 200, second.text
    assert second.json()["action"] == "approved"
    queue = client.get("/api/v1/approvals", headers=auth(client, "aud")).json()
    assert queue["total"] == 1
    item = queue["items"][0]
    assert (item["status"], item["requested_by"], item["decided_by"]) == (
        "approved",
        "prog",
        "prog2",
    )
    paid = client.post(
        f"/api/v1/credit/claims/{a.claim_no}/pay", json={"on": "2024-07-25"}, headers=prog
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["claim"]["status"] == "paid"


def test_every_write_is_audited_old_to_new(world: tuple[TestClient, Side, Side, str]) -> None:
    client, a, _b, url = world
    gov = auth(client, "gov")
    ent = client.get(f"/api/v1/registry/enterprises/{a.uscc}", headers=gov).json()
    r = client.patch(
        f"/api/v1/registry/enterprises/{a.uscc}",
        json={"version": ent["version"], "address": "上海市浦东新区张江路 1 号"},
        headers={**gov, "X-Request-ID": "patch-1"},
    )
    assert r.status_code == 200, r.text
    with unit_of_work(url) as session:
        rows = session.scalars(select(AuditLog).where(AuditLog.request_id == "patch-1")).all()
    by_table = {row.table_name: row for row in rows}
    assert by_table["enterprise"].action == "update"
    assert by_table["enterprise"].changes["address"] == [None, "上海市浦东新区张江路 1 号"]
    assert by_table["enterprise"].actor == "gov"
    assert "change_history" in by_table  # the domain's own history row is audited too
    # auditors read and export the log but cannot change anything
    aud = auth(client, "aud")
    assert client.get("/api/v1/audit?request_id=patch-1", headers=aud).json()["total"] == len(rows)
    export = client.get("/api/v1/audit/export?format=json", headers=aud)
    assert "patch-1" in export.text
    denied = client.patch(
        f"/api/v1/registry/enterprises/{a.uscc}", json={"version": 2, "address": "x"}, headers=aud
    )
    assert denied.status_code == 403


def test_pagination_and_consistent_errors(world: tuple[TestClient, Side, Side, str]) -> None:
    client, _a, _b, _url = world
    gov = auth(client, "gov")
    page = client.get("/api/v1/registry/enterprises?limit=1&offset=1", headers=gov).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 1, 1)
    bad = client.get("/api/v1/registry/enterprises?limit=0", headers=gov)
    assert bad.status_code == 422
    assert bad.json()["details"][0]["field"] == "query.limit"
    missing = client.get("/api/v1/credit/loans/NOPE", headers=gov)
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "message_zh", "message_en", "details"}
    body = client.post("/api/v1/registry/enterprises", json={"uscc": "x"}, headers=gov)
    assert body.status_code == 422
    fields = {d["field"] for d in body.json()["details"]}
    assert {"body.uscc", "body.name"} <= fields


@pytest.mark.slow
def test_release_publication_needs_a_second_administrator(
    world: tuple[TestClient, Side, Side, str],
) -> None:
    client, _a, _b, url = world
    m = create_release(url=url, year=2024, synthetic=True)
    prog, prog2, gov = auth(client, "prog"), auth(client, "prog2"), auth(client, "gov")
    ent = auth(client, "ent_a")
    assert client.get(f"/api/v1/releases/{m.release_id}", headers=ent).status_code == 404  # draft
    assert client.get("/api/v1/releases", headers=ent).json() == []
    assert client.get(f"/api/v1/releases/{m.release_id}", headers=prog).status_code == 200
    asked = client.post(f"/api/v1/releases/{m.release_id}/publish", headers=prog)
    assert asked.status_code == 202, asked.text
    approval = asked.json()["approval_id"]
    again = client.post(f"/api/v1/releases/{m.release_id}/publish", headers=gov)
    assert again.status_code == 409  # one pending request per release
    same = client.post(f"/api/v1/approvals/{approval}/approve", headers=prog)
    assert (same.status_code, same.json()["code"]) == (409, "maker_checker")
    wrong_role = client.post(f"/api/v1/approvals/{approval}/approve", headers=prog2)
    assert (wrong_role.status_code, wrong_role.json()["code"]) == (403, "approval.role")
    assert open_release(m.release_id).manifest.status == "draft"
    ok = client.post(f"/api/v1/approvals/{approval}/approve", headers=gov)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["status"], ok.json()["requested_by"], ok.json()["decided_by"]) == (
        "approved",
        "prog",
        "gov",
    )
    published = open_release(m.release_id).manifest
    assert client.get(f"/api/v1/releases/{m.release_id}", headers=ent).status_code == 200
    assert client.post(f"/api/v1/releases/{m.release_id}/publish", headers=prog).status_code == 409
    assert (published.status, published.published_by, published.approved_by) == (
        "published",
        "prog",
        "gov",
    )
    verify = client.get(f"/api/v1/releases/{m.release_id}/verify", headers=auth(client, "aud"))
    assert verify.json()["ok"] is True
    html = client.get(f"/api/v1/releases/{m.release_id}/report?format=html&lang=en", headers=gov)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")


def test_enterprise_self_check_and_matching_only_for_itself(
    world: tuple[TestClient, Side, Side, str],
) -> None:
    client, a, b, _url = world
    ent = auth(client, "ent_a")
    own = client.get(f"/api/v1/standards/tech_sme/evaluate/{a.uscc}?as_of=2024-06-30", headers=ent)
    assert own.status_code == 200, own.text
    assert own.json()["checks"]
    assert (
        client.get(f"/api/v1/standards/tech_sme/evaluate/{b.uscc}", headers=ent).status_code == 403
    )
    matches = client.get(f"/api/v1/products/match/{a.uscc}?as_of=2024-06-30", headers=ent)
    assert matches.status_code == 200, matches.text
    assert {m["outcome"] for m in matches.json()} <= {"eligible", "not_eligible", "undetermined"}
    assert client.get(f"/api/v1/products/match/{b.uscc}", headers=ent).status_code == 403
    # an enterprise applies for itself, not for another
    body = {
        "application_no": "APP-SELF-1",
        "uscc": a.uscc,
        "bank_code": a.bank,
        "product_key": "sh_boost_loan",
        "requested_amount": "300000.00",
        "requested_term_months": 12,
        "applied_on": "2024-07-01",
    }
    assert client.post("/api/v1/credit/applications", json=body, headers=ent).status_code == 201
    foreign = {**body, "application_no": "APP-SELF-2", "uscc": b.uscc}
    assert client.post("/api/v1/credit/applications", json=foreign, headers=ent).status_code == 403


def test_bank_grants_draws_and_repays_only_its_own(
    world: tuple[TestClient, Side, Side, str],
) -> None:
    client, a, _b, _url = world
    bank_a, bank_b = auth(client, "bank_a"), auth(client, "bank_b")
    decision = {
        "on": "2024-01-04",
        "grant": {
            "contract_no": "GC-NEW-1",
            "amount": "800000.00",
            "term_months": 12,
            "annual_rate": "0.0345",
            "repayment_method": "interest_only",
            "security": "insurance",
        },
    }
    review = f"/api/v1/credit/applications/{a.application_no}/review"
    assert client.post(review, json={"on": "2024-01-03"}, headers=bank_b).status_code == 403
    assert client.post(review, json={"on": "2024-01-03"}, headers=bank_a).status_code == 200
    path = f"/api/v1/credit/applications/{a.application_no}/approve"
    assert client.post(path, json=decision, headers=bank_b).status_code == 403
    granted = client.post(path, json=decision, headers=bank_a)
    assert granted.status_code == 201, granted.text
    drawdown = {"loan_no": "LN-NEW-1", "amount": "200000.00", "on": "2024-02-01"}
    assert (
        client.post(
            "/api/v1/credit/grants/GC-NEW-1/drawdowns", json=drawdown, headers=bank_b
        ).status_code
        == 403
    )
    loan = client.post("/api/v1/credit/grants/GC-NEW-1/drawdowns", json=drawdown, headers=bank_a)
    assert loan.status_code == 201, loan.text
    assert loan.json()["principal"] == "200000.00"
    paid = client.post(
        "/api/v1/credit/loans/LN-NEW-1/repayments",
        json={"principal": "200000.00", "interest": "1500.00", "on": "2024-03-01"},
        headers=bank_a,
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "repaid"
    statement = client.get("/api/v1/credit/loans/LN-NEW-1/statement?on=2024-03-02", headers=bank_a)
    assert statement.status_code == 200


def test_insurer_records_a_claim_on_its_own_policy(
    world: tuple[TestClient, Side, Side, str],
) -> None:
    client, a, b, _url = world
    ins = auth(client, "ins_a")
    body = {
        "claim_no": "ICL-NEW-1",
        "policy_no": a.policy_no,
        "loss_date": "2024-06-01",
        "notified_on": "2024-06-02",
    }
    foreign = client.post(
        "/api/v1/insurance/claims", json={**body, "policy_no": b.policy_no}, headers=ins
    )
    assert foreign.status_code == 403
    notified = client.post("/api/v1/insurance/claims", json=body, headers=ins)
    assert notified.status_code == 201, notified.text
    assessed = client.post(
        "/api/v1/insurance/claims/ICL-NEW-1/assess",
        json={"amount": "50000.00", "on": "2024-06-10"},
        headers=ins,
    )
    assert assessed.status_code == 200, assessed.text
    paid = client.post(
        "/api/v1/insurance/claims/ICL-NEW-1/pay", json={"on": "2024-06-20"}, headers=ins
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    listed = client.get("/api/v1/insurance/claims", headers=ins).json()
    assert sorted(c["claim_no"] for c in listed["items"]) == ["ICL-A-0001", "ICL-NEW-1"]


def test_only_the_applicant_withdraws_its_application(
    world: tuple[TestClient, Side, Side, str],
) -> None:
    client, a, b, _url = world
    path = f"/api/v1/credit/applications/{a.application_no}/withdraw"
    body = {"on": "2024-01-03", "reason": "改用其他产品"}
    ent = auth(client, "ent_a")
    # the bank that received it may not withdraw it; an enterprise may not withdraw another's
    assert client.post(path, json=body, headers=auth(client, "bank_a")).status_code == 403
    foreign = f"/api/v1/credit/applications/{b.application_no}/withdraw"
    assert client.post(foreign, json=body, headers=ent).status_code in (403, 404)
    done = client.post(path, json=body, headers=ent)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "withdrawn"
    again = client.post(path, json=body, headers=ent)
    assert again.status_code == 409, again.text
    assert again.json()["message_zh"] and again.json()["message_en"]


def test_a_patent_reads_like_ip_show(world: tuple[TestClient, Side, Side, str]) -> None:
    """The API returns the whole patent report of ``kechuang ip show --json`` on a date."""
    client, a, _b, _url = world
    r = client.get(f"/api/v1/ip/patents/{a.patent_no}?on=2024-06-30", headers=auth(client, "prog"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["as_of"] == "2024-06-30"
    assert data["patent"]["application_no"] == a.patent_no
    assert data["expiry_date"] == data["patent"]["expiry_date"]
    for key in ("status", "owners", "timeline", "classification", "pledges", "awards"):
        assert key in data, key
    assert data["status"]["label_zh"] and data["status"]["label_en"]
    assert data["timeline"], "a granted patent has at least its filing and grant"
    assert data["high_value"] is None or data["high_value"]["outcome"] in {
        "qualified",
        "not_qualified",
        "undetermined",
    }
