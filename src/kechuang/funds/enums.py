"""Closed vocabularies of the funds domain (GLOSSARY.md, Funds)."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "guide_fund": Msg("引导基金", "guide fund"),
        "fund_of_funds": Msg("母基金", "fund of funds"),
        "sub_fund": Msg("子基金", "sub-fund"),
        "direct_fund": Msg("直投基金", "direct fund"),
    }
)
class FundKind(LabelledEnum):
    """Kinds of fund."""

    GUIDE_FUND = "guide_fund"
    FUND_OF_FUNDS = "fund_of_funds"
    SUB_FUND = "sub_fund"
    DIRECT_FUND = "direct_fund"


@labels(
    {
        "fundraising": Msg("募集", "fundraising"),
        "investing": Msg("投资", "investing"),
        "managing": Msg("管理", "managing"),
        "exiting": Msg("退出", "exiting"),
        "liquidated": Msg("清算完毕", "liquidated"),
    }
)
class FundState(LabelledEnum):
    """Lifecycle (募投管退) state of a fund."""

    FUNDRAISING = "fundraising"
    INVESTING = "investing"
    MANAGING = "managing"
    EXITING = "exiting"
    LIQUIDATED = "liquidated"


@labels(
    {
        "public": Msg("财政/政府出资", "public (government)"),
        "state_owned": Msg("国有企业", "state-owned"),
        "university": Msg("高校", "university"),
        "market": Msg("市场化机构", "market investor"),
        "fund": Msg("基金（母基金/引导基金）", "fund (fund of funds / guide fund)"),
    }
)
class InvestorType(LabelledEnum):
    """LP investor types; ``public`` counts as public money for leverage and public-share caps."""

    PUBLIC = "public"
    STATE_OWNED = "state_owned"
    UNIVERSITY = "university"
    MARKET = "market"
    FUND = "fund"


@labels(
    {
        "return_of_capital": Msg("返还本金", "return of capital"),
        "gain": Msg("收益分配", "gain"),
        "dividend": Msg("股息", "dividend"),
    }
)
class DistributionType(LabelledEnum):
    """Types of distribution to LPs."""

    RETURN_OF_CAPITAL = "return_of_capital"
    GAIN = "gain"
    DIVIDEND = "dividend"


@labels(
    {
        "proof_of_concept": Msg("概念验证", "proof of concept"),
        "pre_incubation": Msg("超前孵化", "pre-incubation"),
        "pilot": Msg("中试", "pilot scale-up"),
        "seed": Msg("种子期", "seed"),
        "early": Msg("初创期", "early"),
        "growth": Msg("成长期", "growth"),
        "late": Msg("成熟期", "late"),
    }
)
class Stage(LabelledEnum):
    """Investment stage of a portfolio company."""

    PROOF_OF_CONCEPT = "proof_of_concept"
    PRE_INCUBATION = "pre_incubation"
    PILOT = "pilot"
    SEED = "seed"
    EARLY = "early"
    GROWTH = "growth"
    LATE = "late"
