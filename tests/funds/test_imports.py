"""Funds imports on SQLite and PostgreSQL: funds, commitments, calls, distributions, valuations,
investments — all or nothing, idempotent, dry runs, exact pro-rata splits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli import funds_import
from kechuang.core.errors import ImportRejected
from kechuang.funds import service
from kechuang.funds.enums import FundKind, FundState, InvestorType, Stage
from kechuang.funds.imports import SPECS, import_file
from kechuang.funds.models import (
    CapitalCall,
    Commitment,
    Distribution,
    Fund,
    Investment,
    Valuation,
)
from kechuang.registry.imports import import_file as registry_import
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ImportBatch

A = "91310115MA1H7K2A16"
UNKNOWN = "91310112876543210R"

INSTITUTIONS = """机构代码,机构名称,机构类型
SH-GUIDE,上海市引导基金,政府部门
GP-001,示例基金管理有限公司,基金管理人
"""
ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期
{A},上海甲科技有限公司,浦东新区,2010-01-01
"""
FUNDS = """基金代码,名称,类型,发起机构代码,管理人机构代码,设立年份,目标规模,已募规模,期限（年）,延长期,重点领域,所在区,状态,政府出资比例上限,返投比例下限,早期投资比例下限
FOF-1,上海示例母基金,母基金,SH-GUIDE,GP-001,2023,1000000000,800000000,10,2,集成电路,浦东新区,投资,30%,100%,
SUB-1,上海示例子基金,子基金,,gp-001,2024,300000000,,8,,生物医药,徐汇区,,,1.0,0.5
"""
COMMITMENTS = """基金代码,出资人,出资人名称,出资人类型,认缴金额,认缴日期,期次
SUB-1,fund:fof-1,上海示例母基金,基金,100000000,2024-01-10,首期
SUB-1,SH-GUIDE,上海市引导基金,财政/政府出资,100000000,2024-01-10,首期
SUB-1,张三投资,张三投资有限公司,市场化机构,100000000,2024-01-10,首期
FOF-1,SH-GUIDE,上海市引导基金,财政/政府出资,300000000,2023-06-01,
"""
CALLS = """基金代码,缴款编号,缴款日期,金额
SUB-1,C-01,2024-02-01,100.01
SUB-1,C-02,2024-03-01,30000000
"""
DISTRIBUTIONS = """基金代码,分配编号,日期,类型,金额
SUB-1,D-01,2025-01-01,返还本金,1000000.01
"""
VALUATIONS = """基金代码,估值日,净值,毛值
SUB-1,2024-12-31,31000000,32000000
FOF-1,2024-12-31,50000000,
"""
INVESTMENTS = f"""投资编号,基金代码,被投企业统一社会信用代码,被投企业名称,金额,投资日期,轮次,阶段,硬科技,理由,本地,退出日期,退出金额,当前估值
INV-1,SUB-1,{A},上海甲科技有限公司,10000000,2024-04-01,A轮,初创期,是,光刻胶国产替代,是,,,15000000
INV-2,SUB-1,{UNKNOWN},某未入库企业,5000000,2024-05-01,天使轮,种子期,,,否,2025-06-01,6000000,
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(db_url: str, kind: str, path: Path, *, dry_run: bool = False) -> Any:
    with unit_of_work(db_url, commit=not dry_run) as session:
        return import_file(session=session, kind=kind, path=path, actor="tester", dry_run=dry_run)


def rejected(db_url: str, kind: str, path: Path) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        run(db_url, kind, path)
    return info.value


def rules(exc: ImportRejected) -> list[tuple[int | None, str]]:
    return [(i.row, i.rule) for i in exc.issues if i.severity == "error"]


def count(db_url: str, model: type) -> int:
    with unit_of_work(db_url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def load(db_url: str, tmp_path: Path, *kinds: str) -> None:
    """Registry, then the given funds kinds in order."""
    with unit_of_work(db_url) as session:
        registry_import(
            session=session,
            kind="institutions",
            path=write(tmp_path, "inst.csv", INSTITUTIONS),
            actor="t",
        )
        registry_import(
            session=session,
            kind="enterprises",
            path=write(tmp_path, "ent.csv", ENTERPRISES),
            actor="t",
        )
    texts = {
        "funds": FUNDS,
        "commitments": COMMITMENTS,
        "calls": CALLS,
        "distributions": DISTRIBUTIONS,
        "valuations": VALUATIONS,
        "investments": INVESTMENTS,
    }
    for kind in kinds:
        run(db_url, kind, write(tmp_path, f"{kind}.csv", texts[kind]))


def test_specs_cover_every_kind() -> None:
    assert list(SPECS) == [
        "funds",
        "commitments",
        "calls",
        "distributions",
        "valuations",
        "investments",
    ]


def test_funds_happy_path_rules_and_idempotent(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    path = write(tmp_path, "funds.csv", FUNDS)
    report = run(db_url, "funds", path)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    again = run(db_url, "funds", path)
    assert (again.created, again.updated, again.unchanged, again.changed) == (0, 0, 2, False)
    with unit_of_work(db_url) as session:
        fof = session.scalars(select(Fund).where(Fund.code == "FOF-1")).one()
        sub = session.scalars(select(Fund).where(Fund.code == "SUB-1")).one()
        assert fof.kind is FundKind.FUND_OF_FUNDS and fof.state is FundState.INVESTING
        assert fof.sponsor_institution_id is not None and fof.manager_institution_id is not None
        assert fof.district_code == "310115" and fof.term_years == 10
        assert fof.rules == {
            "max_public_share": {
                "value": "30%",
                "reference": "fund agreement",
                "status": "unverified",
            },
            "min_local_reinvestment": {
                "value": "100%",
                "reference": "fund agreement",
                "status": "unverified",
            },
        }
        assert sub.state is FundState.FUNDRAISING
        assert sub.rules["min_local_reinvestment"]["value"] == "100%"
        assert sub.rules["min_early_share"]["value"] == "50%"
        assert sub.closed_size is None
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 3  # 2 registry


def test_fund_state_cannot_go_back(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    back = FUNDS.replace(",投资,30%", ",募集,30%")
    exc = rejected(db_url, "funds", write(tmp_path, "back.csv", back))
    assert rules(exc) == [(2, "import.invalid_transition")]


def test_unknown_institution_rejected(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    exc = rejected(db_url, "funds", write(tmp_path, "f.csv", FUNDS.replace("SH-GUIDE", "NOPE")))
    assert rules(exc) == [(2, "import.unknown_institution")]


def test_gbk_file(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    report = run(db_url, "funds", write(tmp_path, "gbk.csv", FUNDS, encoding="gbk"))
    assert report.created == 2 and report.encoding is not None
    assert report.encoding.lower() in ("gbk", "gb18030", "gb2312")


def test_commitments_link_fund_lp(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    path = write(tmp_path, "c.csv", COMMITMENTS)
    assert run(db_url, "commitments", path).created == 4
    assert run(db_url, "commitments", path).changed is False
    with unit_of_work(db_url) as session:
        fof_id = session.scalar(select(Fund.id).where(Fund.code == "FOF-1"))
        c = session.scalars(select(Commitment).where(Commitment.investor_key == "fund:FOF-1")).one()
        assert c.investor_fund_id == fof_id and c.fund.code == "SUB-1"
        assert c.investor_type is InvestorType.FUND and c.phase == "首期"
        guide = session.scalars(
            select(Commitment).where(Commitment.investor_key == "SH-GUIDE")
        ).first()
        assert guide is not None and guide.investor_institution_id is not None
        named = session.scalars(
            select(Commitment).where(Commitment.investor_key == "张三投资")
        ).one()
        assert named.investor_fund_id is None and named.investor_institution_id is None


def test_commitment_to_unknown_lp_fund_or_fund(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    bad = COMMITMENTS.replace("fund:fof-1", "fund:NOFUND").replace(
        "FOF-1,SH-GUIDE", "NOPE-9,SH-GUIDE"
    )
    exc = rejected(db_url, "commitments", write(tmp_path, "c.csv", bad))
    assert sorted(rules(exc)) == [(2, "import.unknown_lp_fund"), (5, "import.unknown_fund")]
    assert count(db_url, Commitment) == 0


def test_calls_split_exactly_and_idempotent(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds", "commitments")
    path = write(tmp_path, "calls.csv", CALLS)
    assert run(db_url, "calls", path).created == 2
    again = run(db_url, "calls", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with unit_of_work(db_url) as session:
        c1 = session.scalars(select(CapitalCall).where(CapitalCall.call_no == "C-01")).one()
        parts = {k: Decimal(v) for k, v in c1.by_investor.items()}
        assert set(parts) == {"fund:FOF-1", "SH-GUIDE", "张三投资"}
        assert sum(parts.values()) == Decimal("100.01")
        assert sorted(parts.values()) == [Decimal("33.33"), Decimal("33.34"), Decimal("33.34")]
    assert count(db_url, CapitalCall) == 2


def test_calls_exceeding_commitments_rejected(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds", "commitments", "calls")
    over = "基金代码,缴款编号,缴款日期,金额\nSUB-1,C-03,2024-06-01,270000000\n"
    exc = rejected(db_url, "calls", write(tmp_path, "over.csv", over))
    assert rules(exc) == [(2, "import.over_committed")]
    early = "基金代码,缴款编号,缴款日期,金额\nSUB-1,C-00,2023-01-01,1\n"
    exc = rejected(db_url, "calls", write(tmp_path, "early.csv", early))
    assert rules(exc) == [(2, "import.no_commitments")]
    assert count(db_url, CapitalCall) == 2


def test_unknown_fund_rejected(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds", "commitments")
    exc = rejected(
        db_url, "calls", write(tmp_path, "c.csv", CALLS.replace("SUB-1,C-02", "ZZZ,C-02"))
    )
    assert rules(exc) == [(3, "import.unknown_fund")]
    assert count(db_url, CapitalCall) == 0


def test_last_row_failure_imports_nothing(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    bad = COMMITMENTS + "SUB-1,某人,某人,市场化机构,-5,2024-01-10,\n"
    exc = rejected(db_url, "commitments", write(tmp_path, "c.csv", bad))
    assert [r for r, _ in rules(exc)] == [6]
    assert count(db_url, Commitment) == 0


def test_dry_run_writes_nothing(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    report = run(db_url, "funds", write(tmp_path, "f.csv", FUNDS), dry_run=True)
    assert report.dry_run and report.created == 2
    assert count(db_url, Fund) == 0
    assert count(db_url, ImportBatch) == 2  # the registry's


def test_distributions_pro_rata_to_paid_in(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds", "commitments", "calls")
    path = write(tmp_path, "d.csv", DISTRIBUTIONS)
    assert run(db_url, "distributions", path).created == 1
    assert run(db_url, "distributions", path).changed is False
    with unit_of_work(db_url) as session:
        d = session.scalars(select(Distribution)).one()
        assert sum(Decimal(v) for v in d.by_investor.values()) == Decimal("1000000.01")
        assert len(d.by_investor) == 3
    early = "基金代码,分配编号,日期,类型,金额\nSUB-1,D-00,2024-01-01,gain,5\n"
    exc = rejected(db_url, "distributions", write(tmp_path, "e.csv", early))
    assert rules(exc) == [(2, "import.no_paid_in")]


def test_valuations_net_and_gross(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    path = write(tmp_path, "v.csv", VALUATIONS)
    assert run(db_url, "valuations", path).created == 3
    assert run(db_url, "valuations", path).changed is False
    changed = run(
        db_url, "valuations", write(tmp_path, "v2.csv", VALUATIONS.replace("50000000", "51000000"))
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    with unit_of_work(db_url) as session:
        gross = session.scalars(select(Valuation).where(Valuation.gross.is_(True))).one()
        assert gross.nav == Decimal("32000000.00") and gross.as_of == dt.date(2024, 12, 31)


def test_investments(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    path = write(tmp_path, "i.csv", INVESTMENTS)
    report = run(db_url, "investments", path)
    assert report.created == 2
    assert [i.rule for i in report.issues if i.severity == "warning"] == [
        "import.unknown_enterprise"
    ]
    assert run(db_url, "investments", path).changed is False
    with unit_of_work(db_url) as session:
        inv = {i.investment_no: i for i in session.scalars(select(Investment))}
        assert inv["INV-1"].enterprise_id is not None and inv["INV-1"].hard_tech_override is True
        assert inv["INV-1"].stage is Stage.EARLY and inv["INV-1"].local is True
        assert inv["INV-2"].enterprise_id is None and inv["INV-2"].hard_tech_override is None
        assert inv["INV-2"].exit_proceeds == Decimal("6000000.00")


def test_hard_tech_override_needs_reason(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path, "funds")
    bad = INVESTMENTS.replace("是,光刻胶国产替代", "是,")
    exc = rejected(db_url, "investments", write(tmp_path, "i.csv", bad))
    assert rules(exc) == [(2, "import.hard_tech_reason_required")]
    assert count(db_url, Investment) == 0


def test_cli_import(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    app = typer.Typer()
    funds_import.register(app)
    app.command("noop")(lambda: None)
    path = write(tmp_path, "f.csv", FUNDS)
    res = CliRunner().invoke(app, ["import", "funds", str(path), "--dry-run", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert count(db_url, Fund) == 0
    res = CliRunner().invoke(app, ["import", "funds", str(path), "--actor", "me"])
    assert res.exit_code == 0, res.output
    assert count(db_url, Fund) == 2


def test_phase_targets_and_committed_by_phase(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path)
    funds = "基金代码,名称,类型,设立年份,目标规模,分期目标规模\nFUDAN-FOF,复旦科创母基金（示例）,母基金,2023,1000000000,首期:10亿;二期：5亿\n"
    run(db_url, "funds", write(tmp_path, "f.csv", funds))
    commitments = "基金代码,出资人,出资人名称,出资人类型,认缴金额,认缴日期,期次\nFUDAN-FOF,SH-GUIDE,上海市引导基金,财政/政府出资,300000000,2023-12-03,首期\nFUDAN-FOF,MKT-1,市场化机构甲,市场化机构,250000000,2024-12-01,首期\n"
    run(db_url, "commitments", write(tmp_path, "c.csv", commitments))
    with unit_of_work(db_url) as session:
        fund = service.get_by_code(session=session, code="FUDAN-FOF")
        assert service.phase_sizes(session=session, fund=fund) == [
            {"phase": "首期", "target": "1000000000.00", "committed": "550000000.00"},
            {"phase": "二期", "target": "500000000.00", "committed": "0.00"},
        ]
    bad = "基金代码,名称,类型,设立年份,目标规模,分期目标规模\nX,坏,母基金,2023,1,首期十亿\n"
    assert rules(rejected(db_url, "funds", write(tmp_path, "b.csv", bad))) == [(2, "fund.phases")]
