"""``kechuang ip show / portfolio / owners``: JSON and tables through the real CLI app."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.ip.enums import AwardKind, EventKind, MatchStatus, PatentType
from kechuang.ip.models import IpAward, IpcConcordance, Pledge
from kechuang.storage.db import unit_of_work
from tests.ip.test_service import A, B, add_enterprise, add_patent, owned

runner = CliRunner()
D = dt.date
TRANSFER = D(2021, 7, 1)


def _seed(db_url: str) -> dict[str, Any]:
    """甲 owns a high-value invention until the transfer to 乙; 乙 also has a proposed match."""
    with unit_of_work(db_url) as session:
        a, b = (
            add_enterprise(session, A, "上海甲科技有限公司"),
            add_enterprise(session, B, "上海乙科技有限公司"),
        )
        session.add(IpcConcordance(ipc_prefix="H01L", sei_code="1.2.1", sei_name="新型电子元器件"))
        main = add_patent(
            session,
            filed=D(2010, 3, 15),
            granted=D(2013, 6, 5),
            title="一种半导体器件",
            main_ipc="H01L 21/02",
            foreign_family_count=1,
            foreign_family_offices="US",
            owners=[owned(a, D(2010, 3, 15), TRANSFER - dt.timedelta(days=1)), owned(b, TRANSFER)],
            events=[
                (EventKind.LAPSE, D(2016, 3, 15)),
                (EventKind.RESTORATION, D(2016, 11, 2)),
                (EventKind.TRANSFER, TRANSFER),
            ],
        )
        session.add(
            Pledge(
                registration_no="Y2022310000001",
                pledgee_name="某银行上海分行",
                amount=Decimal("3000000.00"),
                registration_date=D(2022, 1, 10),
                patents=[main],
            )
        )
        session.add(
            IpAward(
                kind=AwardKind.CHINA_PATENT_AWARD_EXCELLENCE,
                edition="第23届",
                awarded_on=D(2022, 7, 1),
                recipient_key=main.application_no,
                patent_id=main.id,
            )
        )
        proposed = add_patent(
            session,
            ptype=PatentType.UTILITY_MODEL,
            filed=D(2020, 5, 1),
            granted=D(2020, 12, 1),
            owners=[(b, D(2020, 5, 1), None, MatchStatus.PROPOSED)],
        )
        session.flush()
        return {"main": main.application_no, "owner": proposed.owners[0].id}


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ip_show_json(db_url: str) -> None:
    seeded = _seed(db_url)
    data = _json(["ip", "show", seeded["main"].replace(".", ""), "--as-of", "2023-06-30", "--json"])
    assert data["patent"]["application_no"] == seeded["main"]
    assert data["patent"]["expiry_date"] == "2030-03-15"
    assert data["status"] == {
        "state": "in_force",
        "label_zh": "有效",
        "label_en": "in force",
        "since": "2016-11-02",
        "in_force": True,
    }
    assert data["maintenance_years"] == 13
    assert [
        (o["enterprise_uscc"], o["valid_to"], o["current"], o["counts"]) for o in data["owners"]
    ] == [
        (A, "2021-06-30", False, True),
        (B, None, True, True),
    ]
    assert [(e["date"], e["state_after"]) for e in data["timeline"]][1:4] == [
        ("2013-06-05", "in_force"),
        ("2016-03-15", "lapsed"),
        ("2016-11-02", "in_force"),
    ]
    assert data["timeline"][-1]["derived"] is True and data["timeline"][-1]["date"] == "2030-03-15"
    assert data["classification"] == {
        "sei_code": "1.2.1",
        "source": "concordance",
        "sei_name": "新型电子元器件",
        "ipc": "H01L21/02",
        "matched_prefix": "H01L",
        "illustrative": False,
    }
    assert [p["active"] for p in data["pledges"]] == [True] and data[
        "pledged_amount"
    ] == "3000000.00"
    assert [a["kind"] for a in data["awards"]] == ["china_patent_award_excellence"]
    hv = data["high_value"]
    assert hv["outcome"] == "qualified" and hv["standard"] == "high_value_patent"
    passed = {c["criterion"]: c["passed"] for c in hv["checks"]}
    assert passed == {
        "is_invention": True,
        "in_force": True,
        "sei_category": True,
        "foreign_family_category": True,
        "maintenance_category": True,
        "pledge_category": False,  # 300万 is below the (illustrative) 1000万
        "award_category": True,
        "any_category": True,
    }
    assert {u["key"] for u in hv["unverified_parameters"]} >= {
        "high_value_patent.thresholds.pledge_amount_min"
    }


def test_ip_show_table_and_errors(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KECHUANG_LANG", "zh")  # --lang en below sets it; undone after the test
    seeded = _seed(db_url)
    zh = runner.invoke(app, ["ip", "show", seeded["main"], "--as-of", "2016-06-01"])
    assert zh.exit_code == 0, zh.output
    assert seeded["main"] in zh.stdout and "未缴年费终止" in zh.stdout
    assert "尚无有效参数" in zh.stdout  # the high-value scope starts in 2021: no verdict
    early = _json(["ip", "show", seeded["main"], "--as-of", "2016-06-01", "--json"])
    assert early["status"]["state"] == "lapsed" and early["high_value"] is None
    assert early["maintenance_years"] is None
    assert "参数待核实" in runner.invoke(app, ["ip", "show", seeded["main"]]).stdout
    en = runner.invoke(app, ["--lang", "en", "ip", "show", seeded["main"], "--as-of", "2023-06-30"])
    assert en.exit_code == 0, en.output
    assert "High-value invention patent" in en.stdout and "derived" in en.stdout
    missing = runner.invoke(app, ["--lang", "zh", "ip", "show", "201710601862.3"])
    assert missing.exit_code == 1 and "专利库中没有" in missing.stderr
    bad = runner.invoke(app, ["ip", "show", "201710601862.4"])
    assert bad.exit_code == 1 and bad.stderr


def test_ip_portfolio_json_follows_the_transfer(db_url: str) -> None:
    _seed(db_url)
    before = _json(["ip", "portfolio", A, "--as-of", "2021-06-30", "--json"])
    after = _json(["ip", "portfolio", A, "--as-of", "2021-07-01", "--json"])
    new_owner = _json(["ip", "portfolio", B, "--as-of", "2023-06-30", "--json"])
    assert (before["class_i"], before["high_value"]) == (1, 1)
    assert _json(["ip", "portfolio", A, "--as-of", "2020-12-31", "--json"])["high_value"] is None
    assert (after["class_i"], after["total"], after["high_value"]) == (0, 0, 0)
    assert new_owner["by_type"] == {"invention": 1, "utility_model": 0, "design": 0}
    assert (new_owner["class_i"], new_owner["class_ii"], new_owner["high_value"]) == (1, 0, 1)
    assert new_owner["uscc"] == B and new_owner["as_of"] == "2023-06-30"
    table = runner.invoke(app, ["ip", "portfolio", B, "--as-of", "2023-06-30"])
    assert table.exit_code == 0 and "上海乙科技有限公司" in table.stdout


@pytest.mark.parametrize("decision", ["confirm", "reject"])
def test_owner_review_then_decide(db_url: str, decision: str) -> None:
    seeded = _seed(db_url)
    review = _json(["ip", "owners", "review", "--json"])
    assert [(r["owner_id"], r["enterprise_uscc"]) for r in review] == [(seeded["owner"], B)]
    table = runner.invoke(app, ["ip", "owners", "review"])
    assert table.exit_code == 0 and B in table.stdout and "待确认的名称匹配（1 条）" in table.stdout
    done = runner.invoke(app, ["ip", "owners", decision, str(seeded["owner"]), "--actor", "alice"])
    assert done.exit_code == 0, done.output
    assert _json(["ip", "owners", "review", "--json"]) == []
    counts = _json(["ip", "portfolio", B, "--as-of", "2023-06-30", "--json"])
    assert counts["class_ii"] == (1 if decision == "confirm" else 0)
    again = runner.invoke(app, ["ip", "owners", decision, str(seeded["owner"])])
    assert again.exit_code == 1 and again.stderr
