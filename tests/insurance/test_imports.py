"""Insurance imports on SQLite and PostgreSQL: policies, co-insurance shares, objects, claims.

Inputs are small CSV texts written in the test. The registry has two enterprises (``A``, ``B``),
three insurers, an incubator, a hospital and a bank, loaded through the registry import.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli import insurance_import
from kechuang.core import importspec as sp
from kechuang.core.errors import ImportRejected
from kechuang.insurance.enums import ClaimStatus, InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.insurance.imports import import_file, parse_rate, parse_share
from kechuang.insurance.models import (
    CoinsuranceShare,
    InsuranceClaim,
    InsurancePolicy,
    InsuredObject,
)
from kechuang.registry.imports import import_file as registry_import
from kechuang.registry.models import Institution
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory, ImportBatch

A = "91310115MA1H7K2A16"
B = "913101041234567882"
UNKNOWN = "91310112876543210R"  # a valid USCC that is not in the registry

ENTERPRISES = f"""统一社会信用代码,企业名称,所在区,成立日期
{A},上海甲集成电路有限公司,浦东新区,2010-01-01
{B},上海乙生物医药有限公司,徐汇区,2011-01-01
"""
INSTITUTIONS = """机构代码,机构名称,机构类型,所在区
PICC,人保财险上海分公司,保险机构,黄浦区
CPIC,太保产险上海分公司,保险机构,黄浦区
PING,平安产险上海分公司,保险机构,浦东新区
INC1,张江示例孵化器,孵化器,浦东新区
HOSP,示例医院,其他,徐汇区
BANK1,示例银行上海分行,银行,黄浦区
"""

# The renewal (P-2025) comes before the policy it renews: originals are written first.
POLICIES = f"""保单号,产品,险种,被保险人统一社会信用代码,被保险机构代码,被保险人,保额（亿元）,保费,费率,起保日期,终止日期,状态,共保体,所在区,孵化器机构代码,续保原保单号
P-2025,ic_coinsurance_pool,集成电路共保体,{A},,,2.5,750000,0.3%,2025-01-01,2025-12-31,,china_ic_pool,,,P-2024
P-2024,ic_coinsurance_pool,ic_coinsurance,{A},,,2,600000,0.003,2024-01-01,2024-12-31,已承保,china_ic_pool,浦东新区,,
P-CT,sh_clinical_trial_liability,临床试验责任险,,HOSP,,0.05,25000,0.5%,2024/3/1,2025/2/28,,,,,
P-F,sh_startup_founder_liability,创业责任险,,,某初创团队,0.0036,360,1%,2024-05-01,2025-04-30,,,浦东新区,INC1,
"""
SHARES = """保单号,保险机构代码,份额,主承保
P-2024,PICC,40%,是
P-2024,CPIC,0.35,否
P-2024,PING,25%,否
P-CT,PICC,100%,是
"""
OBJECTS = f"""保单号,类型,标识,名称,企业统一社会信用代码,保额
P-2024,企业,FAB-1,一号晶圆厂,{A},
P-CT,临床试验,CTR20240001,某创新药 I 期,{B},5000000
P-CT,临床试验,CTR20240002,某器械试验,,
P-F,创业者,F-001,张三,,12
"""
CLAIMS = """赔案号,保单号,出险日期,报案日期,定损金额,赔付金额,赔付日期,状态,说明
C-1,P-2024,2024-06-01,2024-06-02,1000000.01,1000000.01,2024-08-01,,洁净室火灾
C-2,P-2024,2024-07-01,2024-07-01,500000,,,,
C-3,P-CT,2024-09-01,2024-09-03,,,,,
C-4,P-F,2024-09-01,2024-09-03,,,,拒赔,
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


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> str:
    with unit_of_work(db_url) as session:
        registry_import(
            session=session,
            kind="enterprises",
            path=write(tmp_path, "ent.csv", ENTERPRISES),
            actor="setup",
        )
        registry_import(
            session=session,
            kind="institutions",
            path=write(tmp_path, "inst.csv", INSTITUTIONS),
            actor="setup",
        )
    return db_url


@pytest.fixture
def loaded(registry: str, tmp_path: Path) -> str:
    for kind, text in (("policies", POLICIES), ("shares", SHARES), ("objects", OBJECTS)):
        run(registry, kind, write(tmp_path, f"{kind}.csv", text))
    return registry


# ----------------------------------------------------------------------------- happy paths


def test_policies_import(registry: str, tmp_path: Path) -> None:
    report = run(registry, "policies", write(tmp_path, "policies.csv", POLICIES))
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert report.issues == []
    with unit_of_work(registry) as s:
        by_no = {p.policy_no: p for p in s.scalars(select(InsurancePolicy))}
        p24, p25, ct, f = by_no["P-2024"], by_no["P-2025"], by_no["P-CT"], by_no["P-F"]
        assert p24.line is InsuranceLine.IC_COINSURANCE
        assert p24.sum_insured == Decimal("200000000.00")  # 2 亿元
        assert p24.rate == Decimal("0.003")
        assert p24.insured_name == "上海甲集成电路有限公司"  # from the registry
        assert p24.status is PolicyStatus.BOUND
        assert p24.bound_on == p24.start_date
        assert p24.district_code == "310115"
        assert p25.renewal_of_id == p24.id
        assert p25.rate == Decimal("0.003")
        hosp = s.scalars(select(Institution).where(Institution.code == "HOSP")).one()
        assert ct.insured_institution_id == hosp.id
        assert ct.insured_enterprise_id is None
        assert ct.insured_name == "示例医院"
        assert ct.sum_insured == Decimal("5000000.00")
        assert f.insured_name == "某初创团队"
        assert f.insured_enterprise_id is None and f.insured_institution_id is None
        inc = s.scalars(select(Institution).where(Institution.code == "INC1")).one()
        assert f.incubator_institution_id == inc.id
        assert f.sum_insured == Decimal("360000.00")
        history = s.scalar(
            select(func.count())
            .select_from(ChangeHistory)
            .where(ChangeHistory.table_name == "insurance_policy")
        )
        assert history == 4


def test_full_load_and_idempotent_reimport(loaded: str, tmp_path: Path) -> None:
    report = run(loaded, "claims", write(tmp_path, "claims.csv", CLAIMS))
    assert report.created == 4
    with unit_of_work(loaded) as s:
        shares = s.execute(
            select(Institution.code, CoinsuranceShare.share, CoinsuranceShare.lead)
            .join(Institution, Institution.id == CoinsuranceShare.insurer_id)
            .order_by(CoinsuranceShare.id)
        ).all()
        assert [(c, sh, ld) for c, sh, ld in shares] == [
            ("PICC", Decimal("0.4"), True),
            ("CPIC", Decimal("0.35"), False),
            ("PING", Decimal("0.25"), False),
            ("PICC", Decimal("1"), True),
        ]
        objs = {o.ref: o for o in s.scalars(select(InsuredObject))}
        assert objs["FAB-1"].kind is InsuredObjectKind.ENTERPRISE
        assert objs["FAB-1"].enterprise_id is not None
        assert objs["CTR20240001"].sum_insured == Decimal("5000000.00")
        assert objs["F-001"].kind is InsuredObjectKind.FOUNDER
        by_no = {c.claim_no: c for c in s.scalars(select(InsuranceClaim))}
        c1 = by_no["C-1"]
        assert c1.status is ClaimStatus.PAID
        assert c1.assessed_amount == Decimal("1000000.01")
        assert c1.allocations == {"PICC": "400000.01", "CPIC": "350000.00", "PING": "250000.00"}
        assert sum(Decimal(v) for v in c1.allocations.values()) == c1.paid_amount
        assert by_no["C-2"].status is ClaimStatus.ASSESSED
        assert by_no["C-2"].allocations is None
        assert by_no["C-3"].status is ClaimStatus.NOTIFIED
        assert by_no["C-4"].status is ClaimStatus.REJECTED
    batches = count(loaded, ImportBatch)
    history = count(loaded, ChangeHistory)
    for kind, text in (
        ("policies", POLICIES),
        ("shares", SHARES),
        ("objects", OBJECTS),
        ("claims", CLAIMS),
    ):
        again = run(loaded, kind, write(tmp_path, f"again-{kind}.csv", text))
        assert (again.created, again.updated, again.changed) == (0, 0, False), kind
        assert again.unchanged == again.rows_total
    assert count(loaded, ImportBatch) == batches
    assert count(loaded, ChangeHistory) == history


def test_policy_update_writes_history(loaded: str, tmp_path: Path) -> None:
    changed = POLICIES.replace("0.05,25000,0.5%", "0.06,30000,0.5%")
    report = run(loaded, "policies", write(tmp_path, "p2.csv", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    with unit_of_work(loaded) as s:
        policy = s.scalars(select(InsurancePolicy).where(InsurancePolicy.policy_no == "P-CT")).one()
        assert policy.sum_insured == Decimal("6000000.00")
        assert policy.version == 2


def test_english_headers_and_unit_header(registry: str, tmp_path: Path) -> None:
    text = f"""Policy no,Product,Line,Insured USCC,Sum insured (万元),Premium,Rate,Start date,End date,Status
EN-1,sme_cyber_insurance,cyber,{B},150,1500,1%,2024-01-01,2024-12-31,bound
EN-2,sme_cyber_insurance,网络安全保险,{B},80.5,805,0.01,2024-02-01,2025-01-31,quoted
"""
    report = run(registry, "policies", write(tmp_path, "en.csv", text))
    assert report.created == 2
    with unit_of_work(registry) as s:
        by_no = {p.policy_no: p for p in s.scalars(select(InsurancePolicy))}
        assert by_no["EN-1"].sum_insured == Decimal("1500000.00")
        assert by_no["EN-2"].sum_insured == Decimal("805000.00")
        assert by_no["EN-2"].status is PolicyStatus.QUOTED
        assert by_no["EN-2"].bound_on is None


def test_gbk_file(registry: str, tmp_path: Path) -> None:
    report = run(registry, "policies", write(tmp_path, "gbk.csv", POLICIES, encoding="gbk"))
    assert report.created == 4
    assert report.encoding == "gbk"


def test_bom_and_xlsx(registry: str, tmp_path: Path) -> None:
    run(registry, "policies", write(tmp_path, "bom.csv", POLICIES, encoding="utf-8-sig"))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["保单号", "保险机构代码", "份额", "主承保"])
    ws.append(["P-2025", "PICC", 0.6, "是"])
    ws.append(["P-2025", "PING", 0.4, "否"])
    path = tmp_path / "shares.xlsx"
    wb.save(path)
    report = run(registry, "shares", path)
    assert report.created == 2
    assert report.file_format == "xlsx"


def test_dry_run_writes_nothing(registry: str, tmp_path: Path) -> None:
    report = run(registry, "policies", write(tmp_path, "p.csv", POLICIES), dry_run=True)
    assert report.dry_run
    assert report.created == 4
    assert count(registry, InsurancePolicy) == 0
    assert count(registry, ImportBatch) == 2  # the registry's own two imports


# ----------------------------------------------------------------------------- rejections


def test_last_row_failure_imports_nothing(registry: str, tmp_path: Path) -> None:
    bad = (
        POLICIES
        + f"P-BAD,ic_coinsurance_pool,ic_coinsurance,{UNKNOWN},,,1,1,1%,2024-01-01,2024-12-31,,,,,\n"
    )
    exc = rejected(registry, "policies", write(tmp_path, "bad.csv", bad))
    assert rules(exc) == [(6, "import.unknown_enterprise")]
    assert exc.issues[0].column == "被保险人统一社会信用代码"
    assert "企业库中没有" in exc.issues[0].message.zh
    assert "no enterprise" in exc.issues[0].message.en
    assert count(registry, InsurancePolicy) == 0


def test_policy_row_checks(registry: str, tmp_path: Path) -> None:
    text = f"""保单号,产品,险种,被保险人统一社会信用代码,被保险机构代码,被保险人,保额,保费,费率,起保日期,终止日期,状态,孵化器机构代码,续保原保单号,退保日期
X-1,p,cyber,{A},HOSP,,100,1,1%,2024-01-01,2024-12-31,,,,
X-2,p,cyber,,,,100,1,1%,2024-01-01,2024-12-31,,,,
X-3,p,cyber,,,名,100,1,3,2024-01-01,2024-12-31,,,,
X-4,p,cyber,,,名,100,1,1%,2024-12-31,2024-01-01,,,,
X-5,p,cyber,,,名,100,1,1%,2024-01-01,2024-12-31,,BANK1,,
X-6,p,cyber,,,名,100,1,1%,2024-01-01,2024-12-31,,,NOPE,
X-7,p,cyber,,,名,100,1,1%,2024-01-01,2024-12-31,已承保,,,2024-06-01
X-8,p,cyber,,,名,0,1,1%,2024-01-01,2024-12-31,,,,
X-9,p,cyber,,NOPE,,100,1,1%,2024-01-01,2024-12-31,,,,
"""
    exc = rejected(registry, "policies", write(tmp_path, "x.csv", text))
    assert rules(exc) == [
        (2, "policy.two_insured"),
        (3, "policy.insured_required"),
        (4, "rate.ambiguous"),
        (5, "policy.term_order"),
        (6, "import.not_an_incubator"),
        (7, "import.unknown_policy"),
        (8, "policy.cancelled_on"),
        (9, "money.positive"),
        (10, "import.unknown_institution"),
    ]


def test_product_must_match_the_line_unknown_product_warns(registry: str, tmp_path: Path) -> None:
    text = """保单号,产品,险种,被保险人,保额,保费,费率,起保日期,终止日期
M-1,ic_coinsurance_pool,cyber,名,100,1,1%,2024-01-01,2024-12-31
"""
    exc = rejected(registry, "policies", write(tmp_path, "m.csv", text))
    assert rules(exc) == [(2, "product.line")]
    assert "ic_coinsurance" in exc.issues[0].message.en
    unknown = text.replace("ic_coinsurance_pool", "not_in_catalogue")
    report = run(registry, "policies", write(tmp_path, "u.csv", unknown))
    assert report.created == 1
    assert [(i.severity, i.rule) for i in report.issues] == [("warning", "product.unknown")]


def test_renewal_cycle_rejected(registry: str, tmp_path: Path) -> None:
    text = """保单号,产品,险种,被保险人,保额,保费,费率,起保日期,终止日期,续保原保单号
R-1,p,cyber,名,100,1,1%,2024-01-01,2024-12-31,R-2
R-2,p,cyber,名,100,1,1%,2025-01-01,2025-12-31,R-1
R-3,p,cyber,名,100,1,1%,2025-01-01,2025-12-31,R-3
"""
    exc = rejected(registry, "policies", write(tmp_path, "r.csv", text))
    assert rules(exc) == [(4, "policy.renewal_cycle")]
    text = text.replace("R-3,p,cyber,名,100,1,1%,2025-01-01,2025-12-31,R-3\n", "")
    exc = rejected(registry, "policies", write(tmp_path, "r2.csv", text))
    assert rules(exc) == [(2, "policy.renewal_cycle"), (3, "policy.renewal_cycle")]


def test_shares_not_summing_to_100_percent_name_the_sum(loaded: str, tmp_path: Path) -> None:
    text = """保单号,保险机构代码,份额,主承保
P-2025,PICC,40%,是
P-2025,CPIC,0.35,否
P-2025,PING,20%,否
P-CT,PICC,33.333333%,是
P-CT,CPIC,33.333333%,否
P-CT,PING,33.333333%,否
"""
    exc = rejected(loaded, "shares", write(tmp_path, "s.csv", text))
    assert rules(exc) == [(2, "shares.sum"), (5, "shares.sum")]
    first, second = (i for i in exc.issues if i.rule == "shares.sum")
    assert "P-2025" in first.message.zh and "95%" in first.message.zh
    assert "P-2025" in first.message.en and "95%" in first.message.en
    assert first.value == "95%"
    assert "99.999999%" in second.message.en
    with unit_of_work(loaded) as s:  # the stored shares are untouched
        assert s.scalar(select(func.count()).select_from(CoinsuranceShare)) == 4


def test_shares_need_exactly_one_lead(loaded: str, tmp_path: Path) -> None:
    two = """保单号,保险机构代码,份额,主承保
P-2025,PICC,50%,是
P-2025,CPIC,50%,是
P-F,PING,100%,否
"""
    exc = rejected(loaded, "shares", write(tmp_path, "lead.csv", two))
    assert rules(exc) == [(3, "shares.lead"), (4, "shares.lead")]
    msgs = [i.message.en for i in exc.issues]
    assert "policy P-2025 has 2 lead insurers" in msgs[0]
    assert "policy P-F has 0 lead insurers" in msgs[1]


def test_unknown_insurer_and_not_an_insurer(loaded: str, tmp_path: Path) -> None:
    text = """保单号,保险机构代码,份额,主承保
P-2025,NOPE,50%,是
P-2025,BANK1,50%,否
P-404,PICC,100%,是
"""
    exc = rejected(loaded, "shares", write(tmp_path, "u.csv", text))
    assert rules(exc) == [
        (2, "import.unknown_insurer"),
        (3, "import.not_an_insurer"),
        (4, "import.unknown_policy"),
    ]


def test_shares_are_replaced_as_a_set(loaded: str, tmp_path: Path) -> None:
    text = """保单号,保险机构代码,份额,主承保
P-2024,PICC,60%,是
P-2024,CPIC,40%,否
"""
    report = run(loaded, "shares", write(tmp_path, "set.csv", text))
    # PICC and CPIC changed, PING removed (counted as an update of the set, with a warning)
    assert (report.created, report.updated, report.unchanged) == (0, 3, 0)
    warnings = [i for i in report.issues if i.severity == "warning"]
    assert [w.rule for w in warnings] == ["shares.removed"]
    assert "PING" in warnings[0].message.en
    with unit_of_work(loaded) as s:
        rows = s.execute(
            select(Institution.code, CoinsuranceShare.share)
            .join(Institution, Institution.id == CoinsuranceShare.insurer_id)
            .join(InsurancePolicy, InsurancePolicy.id == CoinsuranceShare.policy_id)
            .where(InsurancePolicy.policy_no == "P-2024")
            .order_by(Institution.code)
        ).all()
        assert [(c, sh) for c, sh in rows] == [("CPIC", Decimal("0.4")), ("PICC", Decimal("0.6"))]
        actions = s.scalars(
            select(ChangeHistory.action)
            .where(ChangeHistory.table_name == "coinsurance_share")
            .order_by(ChangeHistory.id)
        ).all()
        assert actions.count("delete") == 1
        assert actions.count("update") == 2
    again = run(loaded, "shares", write(tmp_path, "set2.csv", text))
    assert not again.changed


def test_unknown_policy_for_objects_and_claims(loaded: str, tmp_path: Path) -> None:
    objects = """保单号,类型,标识
P-404,项目,X
P-2024,企业,NO-USCC
"""
    exc = rejected(loaded, "objects", write(tmp_path, "o.csv", objects))
    assert rules(exc) == [(2, "import.unknown_policy"), (3, "object.enterprise_uscc")]
    claims = """赔案号,保单号,出险日期,报案日期
C-9,P-404,2024-06-01,2024-06-02
"""
    exc = rejected(loaded, "claims", write(tmp_path, "c.csv", claims))
    assert rules(exc) == [(2, "import.unknown_policy")]
    assert "import the policies first" in exc.issues[0].message.en
    assert count(loaded, InsuranceClaim) == 0


def test_claim_row_checks(loaded: str, tmp_path: Path) -> None:
    text = """赔案号,保单号,出险日期,报案日期,定损金额,赔付金额,赔付日期,状态
K-1,P-2024,2025-01-01,2025-01-02,,,,
K-2,P-2024,2024-06-01,2024-05-31,,,,
K-3,P-2024,2024-06-01,2024-06-01,,100,,
K-4,P-2024,2024-06-01,2024-06-01,100,200,2024-07-01,
K-5,P-CT,2024-06-01,2024-06-01,5000000.01,,,
K-6,P-2024,2024-06-01,2024-06-01,100,,,已报案
K-7,P-2024,2024-06-01,2024-06-01,,,,已定损
"""
    exc = rejected(loaded, "claims", write(tmp_path, "k.csv", text))
    assert rules(exc) == [
        (2, "claim.not_covered"),
        (3, "claim.backdated"),
        (4, "claim.paid_on_required"),
        (5, "claim.paid_over_assessed"),
        (6, "claim.amount"),
        (7, "claim.status_amounts"),
        (8, "claim.assessed_amount_required"),
    ]


def test_parsers() -> None:
    assert parse_rate("3%") == Decimal("0.03")
    assert parse_rate(0.03) == Decimal("0.03")
    assert parse_rate("０．５％") == Decimal("0.005")
    assert parse_share("35%") == Decimal("0.35")
    assert parse_share("1") == Decimal(1)
    assert parse_share(0.35) == Decimal("0.35")
    for bad_share in ("35", "0", "-5%", "101%", "abc", "0.123456789"):
        with pytest.raises(sp.FieldError):
            parse_share(bad_share)
    for bad_rate in ("3", "-1%", "101%", "x"):
        with pytest.raises(sp.FieldError):
            parse_rate(bad_rate)


# ----------------------------------------------------------------------------- CLI


def test_cli_import(registry: str, tmp_path: Path) -> None:
    app = typer.Typer()
    insurance_import.register(app)

    @app.callback()
    def _root() -> None:  # a group, so ``import`` is a sub-command
        pass

    runner = CliRunner()
    path = write(tmp_path, "policies.csv", POLICIES)
    dry = runner.invoke(app, ["import", "policies", str(path), "--dry-run", "--format", "json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["dry_run"] is True
    assert count(registry, InsurancePolicy) == 0
    done = runner.invoke(app, ["import", "policies", str(path), "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["created"] == 4
    bad = write(tmp_path, "bad.csv", "保单号,保险机构代码,份额,主承保\nP-2024,PICC,50%,是\n")
    out = runner.invoke(app, ["import", "shares", str(bad), "--format", "json"])
    assert out.exit_code == 1
    issues = json.loads(out.output)["issues"]
    assert issues[0]["rule"] == "shares.sum"
    assert "50%" in issues[0]["message_en"]
