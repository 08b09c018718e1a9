"""Compliance checks of funds against their rules parameters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from kechuang.core.errors import ValidationError
from kechuang.core.money import ratio
from kechuang.funds.compliance import check_fund, parse_share
from kechuang.funds.enums import FundKind, InvestorType, Stage
from kechuang.funds.models import Commitment, Investment
from kechuang.storage.db import unit_of_work
from tests.funds.test_metrics import add_enterprise, add_fund, build_two_level, commit, invest


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30%", "0.3"),
        (" 12.5 % ", "0.125"),
        ("0.25", "0.25"),
        (1, "1"),
        (0.3, "0.3"),
        ("１５％", "0.15"),
    ],
)
def test_parse_share_exact(raw: object, expected: str) -> None:
    assert parse_share(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", None, "30%%", True])
def test_parse_share_rejects(raw: object) -> None:
    with pytest.raises(ValidationError):
        parse_share(raw)


def test_sub_fund_breaching_public_share_cap_is_flagged(db_url: str) -> None:
    day = date(2022, 1, 1)
    with unit_of_work(db_url) as s:
        fof, s1, s2 = build_two_level(s)  # FoF cap 30%: 100/500 of S1 = 20%, 150/600 of S2 = 25%
        commit(s, s1, "fund:FOF-2", "1", InvestorType.MARKET)  # unrelated LP
        # raise the FoF's share of S2 above the cap: 150 / (150 + 200) ≈ 42.9%
        mkt2 = s.scalars(
            select(Commitment).where(Commitment.fund_id == s2.id, Commitment.investor_key == "mkt2")
        ).one()
        mkt2.amount = Decimal(200)
        s.flush()
        fof_checks = check_fund(session=s, fund=fof, as_of=day)
        s2_checks = check_fund(session=s, fund=s2, as_of=day)

    by_subject = {(c.rule, c.subject): c for c in fof_checks}
    own = by_subject[("max_public_share", "FOF")]
    assert own.passed is False  # 200 / 500 = 40% public in the FoF itself
    assert own.observed == Decimal("0.4")
    ok = by_subject[("max_public_share.sub_fund", "S1")]
    assert ok.passed is True and ok.observed == ratio(100, 501)
    bad = by_subject[("max_public_share.sub_fund", "S2")]
    assert bad.passed is False
    assert bad.required == Decimal("0.3")
    assert bad.observed == ratio(150, 350)
    assert bad.reference == "指引第5条" and bad.status == "unverified"
    assert "exceeds the cap of 30%" in bad.message.en
    assert "S2" in bad.message.en and "42.857143%" in bad.message.en
    assert "超过上限 30%" in bad.message.zh
    # flagged from the sub-fund's side too
    assert [(c.rule, c.passed) for c in s2_checks] == [("max_public_share.sub_fund", False)]
    assert bad.to_json()["observed"] == "0.428571"


def test_local_reinvestment_and_stage_quotas(db_url: str) -> None:
    rules = {
        "min_local_reinvestment": {
            "value": "1.5",
            "reference": "返投 1.0–1.5×",
            "status": "unverified",
        },
        "stage_quotas": {
            "value": {"early_stages": "30%", "priority_stages": "20%", "hard_tech": "0"},
            "status": "confirmed",
        },
    }
    with unit_of_work(db_url) as s:
        f = add_fund(s, "F", FundKind.DIRECT_FUND, rules=rules)
        commit(s, f, "gov", "100", InvestorType.PUBLIC)
        commit(s, f, "mkt", "400")
        invest(s, f, "100", Stage.PILOT, enterprise=add_enterprise(s))  # local by district
        invest(s, f, "200", Stage.GROWTH, local=True)
        invest(s, f, "700", Stage.LATE, local=False)
        checks = {c.rule: c for c in check_fund(session=s, fund=f, as_of=date(2022, 1, 1))}
    local = checks["min_local_reinvestment"]
    assert local.observed == Decimal(3) and local.passed is True  # 300 / 100
    assert local.comparison == ">="
    early = checks["stage_quotas.early_stages"]
    assert early.observed == Decimal("0.1") and early.passed is False
    assert "below the floor of 30%" in early.message.en
    assert "parameter status" not in early.message.en  # confirmed
    assert checks["stage_quotas.priority_stages"].passed is False
    assert checks["stage_quotas.hard_tech"].passed is True


def test_uncomputable_check_and_bad_group(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        f = add_fund(s, "G", rules={"min_local_reinvestment": "100%"})
        (c,) = check_fund(session=s, fund=f, as_of=date(2022, 1, 1))
        assert c.passed is None and c.status == "unverified"
        bad = add_fund(s, "H", rules={"stage_quotas": {"value": {"nonsense": "1%"}}})
        with pytest.raises(ValidationError):
            check_fund(session=s, fund=bad, as_of=date(2022, 1, 1))


def test_fund_of_funds_local_reinvestment_looks_through_sub_funds(db_url: str) -> None:
    """FoF public 200; S1 (FoF share 0.2) invests 200 locally, S2 (0.25) 300 not local, FoF's own
    10 local: look-through local = 10 + 0.2 × 200 = 50 → 50 / 200 = 0.25; direct basis: 10 / 200."""
    with unit_of_work(db_url) as s:
        fof, _s1, s2 = build_two_level(s)
        for inv in s.scalars(select(Investment)):
            inv.local = inv.fund_id != s2.id
        fof.rules = {
            **fof.rules,
            "min_local_reinvestment": {"value": "0.25", "status": "unverified"},
        }
        s.flush()
        looked = {c.rule: c for c in check_fund(session=s, fund=fof, as_of=date(2022, 1, 1))}
        fof.rules = {
            **fof.rules,
            "min_local_reinvestment": {"value": "0.25", "basis": "direct", "status": "unverified"},
        }
        s.flush()
        direct = {c.rule: c for c in check_fund(session=s, fund=fof, as_of=date(2022, 1, 1))}
        fof.rules = {**fof.rules, "min_local_reinvestment": {"value": "1", "basis": "gross"}}
        s.flush()
        with pytest.raises(ValidationError):
            check_fund(session=s, fund=fof, as_of=date(2022, 1, 1))
    lt = looked["min_local_reinvestment"]
    assert lt.observed == Decimal("0.25") and lt.passed is True  # exactly at the floor
    assert "look-through" in lt.message.en
    d = direct["min_local_reinvestment"]
    assert d.observed == Decimal("0.05") and d.passed is False
