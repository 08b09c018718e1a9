"""Closed vocabularies of the policy domain."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "plan": Msg("规划/实施方案", "plan"),
        "action_programme": Msg("专项行动方案", "action programme"),
        "policy": Msg("政策文件", "policy"),
        "fund_launch": Msg("基金设立", "fund launch"),
        "alliance": Msg("联盟", "alliance"),
        "forum": Msg("论坛/交流平台", "forum"),
        "pilot": Msg("试点", "pilot"),
        "mechanism": Msg("工作机制", "mechanism"),
        "recognition": Msg("认定/批复", "recognition"),
        "award": Msg("奖项", "award"),
        "project": Msg("项目", "project"),
        "other": Msg("其他", "other"),
    }
)
class PolicyKind(LabelledEnum):
    """What a programme-registry entry is."""

    PLAN = "plan"
    ACTION_PROGRAMME = "action_programme"
    POLICY = "policy"
    FUND_LAUNCH = "fund_launch"
    ALLIANCE = "alliance"
    FORUM = "forum"
    PILOT = "pilot"
    MECHANISM = "mechanism"
    RECOGNITION = "recognition"
    AWARD = "award"
    PROJECT = "project"
    OTHER = "other"


@labels(
    {
        "confirmed": Msg("已核实", "confirmed"),
        "secondary": Msg("二手来源", "secondary"),
        "unconfirmed": Msg("未核实", "unconfirmed"),
    }
)
class SourceStatus(LabelledEnum):
    """How far a figure's source has been checked (RULES.md tags)."""

    CONFIRMED = "confirmed"
    SECONDARY = "secondary"
    UNCONFIRMED = "unconfirmed"
