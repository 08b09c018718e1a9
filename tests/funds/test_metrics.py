"""Fund metrics on small hand-computed portfolios (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kechuang.cli.funds import app
from kechuang.core.ids import make_uscc
from kechuang.funds.enums import DistributionType, FundKind, InvestorType, Stage
from kechuang.funds.metrics import (
    fund_metrics,
    irr,
    leverage_look_through,
    portfolio_companies,
    sponsor_metrics,
)
from kechuang.funds.models import (
    CapitalCall,
    Commitment,
    Distribution,
    Fund,
    Investment,
    Valuation,
)
from kechuang.registry.enums import InstitutionKind, QualificationKind, SizeClass
from kechuang.registry.models import Enterprise, EnterpriseYear, Institution, Qualification
from kechuang.storage.db import unit_of_work

_serial = itertools.count(1)


# ----------------------------------------------------------------------------- builders


def add_fund(
    session: Session,
    code: str,
    kind: FundKind = FundKind.SUB_FUND,
    *,
    rules: dict[str, object] | None = None,
    sponsor: int | None = None,
) -> Fund:
    fund = Fund(
        code=code,
        name=f"{code} 基金",
        kind=kind,
        vintage=2021,
        target_size=Decimal("1000"),
        rules=rules or {},
        sponsor_institution_id=sponsor,
    )
    session.add(fund)
    session.flush()
    return fund


def commit(
    session: Session,
    fund: Fund,
    key: str,
    amount: str,
    investor_type: InvestorType = InvestorType.MARKET,
    *,
    investor_fund: Fund | None = None,
) -> Commitment:
    c = Commitment(
        fund_id=fund.id,
        investor_key=key,
        investor_name=key,
        investor_type=InvestorType.FUND if investor_fund else investor_type,
        investor_fund_id=investor_fund.id if investor_fund else None,
        amount=Decimal(amount),
        committed_on=date(2020, 12, 1),
    )
    session.add(c)
    session.flush()
    return c


def call(session: Session, fund: Fund, day: date, amount: str) -> None:
    no = f"C{next(_serial)}"
    session.add(CapitalCall(fund_id=fund.id, call_no=no, call_date=day, amount=Decimal(amount)))
    session.flush()


def distribute(
    session: Session,
    fund: Fund,
    day: date,
    amount: str,
    kind: DistributionType = DistributionType.GAIN,
) -> None:
    no = f"D{next(_serial)}"
    session.add(
        Distribution(
            fund_id=fund.id, dist_no=no, dist_date=day, dist_type=kind, amount=Decimal(amount)
        )
    )
    session.flush()


def value(session: Session, fund: Fund, day: date, nav: str, *, gross: bool = False) -> None:
    session.add(Valuation(fund_id=fund.id, as_of=day, nav=Decimal(nav), gross=gross))
    session.flush()


def add_enterprise(
    session: Session,
    *,
    district: str = "310115",
    size: SizeClass | None = None,
) -> Enterprise:
    n = next(_serial)
    ent = Enterprise(
        uscc=make_uscc(org8=f"{n:08d}"),
        name=f"上海测试科技有限公司{n}",
        district_code=district,
        registered_on=date(2018, 1, 1),
        size_class=size,
    )
    session.add(ent)
    session.flush()
    return ent


def invest(
    session: Session,
    fund: Fund,
    amount: str,
    stage: Stage,
    *,
    enterprise: Enterprise | None = None,
    on: date = date(2021, 6, 1),
    **extra: object,
) -> Investment:
    inv = Investment(
        investment_no=f"I{next(_serial)}",
        fund_id=fund.id,
        enterprise_id=enterprise.id if enterprise else None,
        investee_name=enterprise.name if enterprise else "某公司",
        amount=Decimal(amount),
        invested_on=on,
        stage=stage,
        **extra,
    )
    session.add(inv)
    session.flush()
    return inv


# ----------------------------------------------------------------------------- multiples


def test_no_distributions_dpi_zero_tvpi_equals_rvpi(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "F1")
        commit(s, f, "gov", "300", InvestorType.PUBLIC)
        commit(s, f, "mkt", "700")
        call(s, f, date(2021, 1, 1), "500")
        call(s, f, date(2023, 1, 1), "100")  # after as_of: not paid in yet
        value(s, f, date(2022, 1, 1), "600")
        value(s, f, date(2022, 3, 1), "900", gross=True)  # gross: ignored
        m = fund_metrics(session=s, fund=f, as_of=date(2022, 6, 30))
    assert m.paid_in == Decimal("500")
    assert m.distributed == 0
    assert m.dpi == 0
    assert m.nav == Decimal("600")
    assert m.nav_date == date(2022, 1, 1)
    assert m.rvpi == Decimal("1.2")
    assert m.tvpi == m.rvpi
    assert m.leverage is not None and m.leverage.quantize(Decimal("0.0001")) == Decimal("3.3333")
    assert m.irr is not None and m.irr > 0


def test_nav_zero_and_distribution_types(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "F2")
        call(s, f, date(2021, 1, 1), "100")
        distribute(s, f, date(2022, 1, 1), "30", DistributionType.RETURN_OF_CAPITAL)
        distribute(s, f, date(2022, 1, 1), "20", DistributionType.GAIN)
        value(s, f, date(2022, 1, 1), "0")
        m = fund_metrics(session=s, fund=f, as_of=date(2022, 1, 1))
    assert m.distributed == Decimal("50")
    assert m.distributed_by_type == {"return_of_capital": Decimal("30"), "gain": Decimal("20")}
    assert (m.dpi, m.rvpi, m.tvpi) == (Decimal("0.5"), Decimal(0), Decimal("0.5"))
    assert m.irr == Decimal("-0.5")  # −100, +50 exactly 365 days later
    assert m.leverage is None  # no public money


def test_no_nav_and_no_paid_in(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "F3")
        m = fund_metrics(session=s, fund=f, as_of=date(2022, 1, 1))
        call(s, f, date(2021, 1, 1), "100")
        m2 = fund_metrics(session=s, fund=f, as_of=date(2022, 1, 1))
    assert (m.dpi, m.rvpi, m.tvpi, m.irr, m.nav) == (None, None, None, None, None)
    assert m2.dpi == 0 and m2.rvpi is None and m2.tvpi is None and m2.irr is None


def test_irr_known_answer() -> None:
    # (121/100)^(365/730) − 1 = 0.1
    flows = [(date(2021, 1, 1), Decimal(-100)), (date(2023, 1, 1), Decimal(121))]
    assert irr(flows) == Decimal("0.100000")
    assert irr([(date(2021, 1, 1), Decimal(-100))]) is None


def test_irr_nav_as_terminal_flow(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "F4")
        call(s, f, date(2021, 1, 1), "100")
        value(s, f, date(2022, 12, 31), "121")
        m = fund_metrics(session=s, fund=f, as_of=date(2023, 1, 1))
    assert m.irr == Decimal("0.100000")
    assert m.tvpi == Decimal("1.21")


# ----------------------------------------------------------------------------- look-through


def build_two_level(s: Session) -> tuple[Fund, Fund, Fund]:
    """FoF (public 200, market 300) → S1 (FoF 100, public 50, market 350), S2 (FoF 150, market 450)."""
    fof = add_fund(
        s,
        "FOF",
        FundKind.FUND_OF_FUNDS,
        rules={
            "max_public_share": {"value": "30%", "reference": "指引第5条", "status": "unverified"}
        },
    )
    commit(s, fof, "gov", "200", InvestorType.PUBLIC)
    commit(s, fof, "mkt", "300")
    s1 = add_fund(s, "S1")
    commit(s, s1, "fund:FOF", "100", investor_fund=fof)
    commit(s, s1, "district-gov", "50", InvestorType.PUBLIC)
    commit(s, s1, "mkt1", "350")
    s2 = add_fund(s, "S2")
    commit(s, s2, "fund:FOF", "150", investor_fund=fof)
    commit(s, s2, "mkt2", "450")
    invest(s, fof, "10", Stage.SEED)
    invest(s, s1, "200", Stage.EARLY)
    invest(s, s2, "300", Stage.GROWTH)
    return fof, s1, s2


def test_leverage_look_through_two_levels(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        fof, s1, _ = build_two_level(s)
        day = date(2022, 1, 1)
        m = fund_metrics(session=s, fund=fof, as_of=day)
        lt = leverage_look_through(session=s, fund=fof, as_of=day)
        sub = fund_metrics(session=s, fund=s1, as_of=day)
        companies = portfolio_companies(session=s, fund=fof, as_of=day)
    assert m.leverage == Decimal("2.5")  # 500 / 200
    assert lt == Decimal("4.4")  # (500 + 600) / (200 + 50)
    assert m.leverage_look_through == lt
    assert sub.leverage == Decimal(10)  # 500 / 50
    got = {(c.via_fund_code, c.weight, c.look_through_amount) for c in companies}
    assert got == {
        ("FOF", Decimal(1), Decimal("10")),
        ("S1", Decimal("0.2"), Decimal("40.0")),
        ("S2", Decimal("0.25"), Decimal("75.00")),
    }


def test_sponsor_book(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        inst = Institution(code="SP", name="发起人", kind=InstitutionKind.GOVERNMENT)
        s.add(inst)
        s.flush()
        a = add_fund(s, "A", sponsor=inst.id)
        b = add_fund(s, "B", sponsor=inst.id)
        call(s, a, date(2021, 1, 1), "100")
        call(s, b, date(2021, 1, 1), "100")
        distribute(s, a, date(2022, 1, 1), "50")
        value(s, b, date(2022, 1, 1), "150")
        book = sponsor_metrics(session=s, sponsor_institution_id=inst.id, as_of=date(2022, 1, 1))
    assert book.fund_codes == ["A", "B"]
    assert (book.paid_in, book.distributed, book.nav) == (Decimal(200), Decimal(50), Decimal(150))
    assert (book.dpi, book.rvpi, book.tvpi) == (Decimal("0.25"), Decimal("0.75"), Decimal(1))
    assert book.irr == Decimal("0.000000")


# ----------------------------------------------------------------------------- portfolio mix


def test_stage_hard_tech_small_local_shares(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "F5", FundKind.DIRECT_FUND)
        commit(s, f, "gov", "200", InvestorType.PUBLIC)
        commit(s, f, "mkt", "800")
        # A: PoC, high-tech valid on the investment date, registered in the city → local
        ea = add_enterprise(s)
        s.add(
            Qualification(
                enterprise_id=ea.id,
                kind=QualificationKind.HIGH_TECH,
                valid_from=date(2020, 1, 1),
                valid_to=date(2022, 12, 31),
            )
        )
        invest(s, f, "100", Stage.PROOF_OF_CONCEPT, enterprise=ea)
        # B: seed, high-tech expired before the investment; registered outside; small
        eb = add_enterprise(s, district="320102", size=SizeClass.SMALL)
        s.add(
            Qualification(
                enterprise_id=eb.id,
                kind=QualificationKind.HIGH_TECH,
                valid_from=date(2017, 1, 1),
                valid_to=date(2019, 12, 31),
            )
        )
        invest(s, f, "200", Stage.SEED, enterprise=eb)
        # C: growth, no registry record, hard tech by override, local by flag
        invest(
            s,
            f,
            "300",
            Stage.GROWTH,
            hard_tech_override=True,
            hard_tech_reason="核心芯片",
            local=True,
        )
        # D: late, no size class but 250 employees, not local by flag, exited
        ed = add_enterprise(s, size=None)
        s.add(EnterpriseYear(enterprise_id=ed.id, fiscal_year=2020, employees=250))
        s.add(EnterpriseYear(enterprise_id=ed.id, fiscal_year=2023, employees=900))
        invest(
            s,
            f,
            "400",
            Stage.LATE,
            enterprise=ed,
            local=False,
            on=date(2021, 1, 1),
            exited_on=date(2021, 12, 27),
        )
        s.flush()
        m = fund_metrics(session=s, fund=f, as_of=date(2021, 12, 31))
    assert m.invested == Decimal(1000)
    assert m.invested_by_stage["proof_of_concept"] == Decimal(100)
    assert m.early_stage_share == Decimal("0.3")
    assert m.priority_stage_share == Decimal("0.1")
    assert m.hard_tech_share == Decimal("0.4")
    assert m.small_share == Decimal("0.6")
    assert m.local_invested == Decimal(400)
    assert m.local_reinvestment_ratio == Decimal(2)  # 400 / 200 public
    assert m.local_share_of_invested == Decimal("0.4")
    # A, B, C held 2021-06-01 → 2021-12-31 = 213 days; D 2021-01-01 → 2021-12-27 = 360 days
    assert m.avg_holding_days == Decimal(600 * 213 + 400 * 360) / 1000


# ----------------------------------------------------------------------------- CLI


def test_cli_metrics_json_shape(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "CLI1")
        commit(s, f, "gov", "300", InvestorType.PUBLIC)
        commit(s, f, "mkt", "700")
        call(s, f, date(2021, 1, 1), "100")
        distribute(s, f, date(2023, 1, 1), "121")
        value(s, f, date(2023, 1, 1), "0")
    runner = CliRunner()
    out = runner.invoke(app, ["metrics", "CLI1", "--as-of", "2023-01-01", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    for key in (
        "fund",
        "as_of",
        "paid_in",
        "distributed",
        "nav",
        "dpi",
        "rvpi",
        "tvpi",
        "irr",
        "leverage",
        "local_reinvestment_ratio",
    ):
        assert key in data
    assert data["fund"] == "CLI1"
    assert data["as_of"] == "2023-01-01"
    assert data["paid_in"] == "100.00"
    assert data["distributed"] == "121.00"
    assert data["nav"] == "0.00"
    assert data["dpi"] == "1.210000"
    assert data["tvpi"] == "1.210000"
    assert data["irr"] == "0.100000"
    assert data["leverage"] == "3.333333"
    assert data["local_reinvestment_ratio"] == "0.000000"

    table = runner.invoke(app, ["metrics", "CLI1", "--as-of", "2023-01-01"])
    assert table.exit_code == 0, table.output
    listing = runner.invoke(app, ["list", "--json"])
    assert json.loads(listing.output)["items"][0]["code"] == "CLI1"
    show = runner.invoke(app, ["show", "CLI1", "--as-of", "2023-01-01", "--json"])
    assert show.exit_code == 0, show.output
    shown = json.loads(show.output)
    assert shown["calls"] == {"count": 1, "total": "100.00"}
    assert [lp["investor_key"] for lp in shown["lps"]] == ["gov", "mkt"]
    assert runner.invoke(app, ["show", "CLI1"]).exit_code == 0
    missing = runner.invoke(app, ["metrics", "NOPE"])
    assert missing.exit_code == 1
