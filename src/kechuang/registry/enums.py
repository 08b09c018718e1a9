"""Closed vocabularies of the registry, with Chinese and English labels (GLOSSARY.md)."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "high_tech": Msg("高新技术企业", "high-tech enterprise"),
        "tech_sme": Msg("科技型中小企业", "tech-based SME"),
        "innovative_sme": Msg("创新型中小企业", "innovative SME"),
        "specialised_sme": Msg("专精特新中小企业", "specialised SME"),
        "little_giant": Msg('专精特新"小巨人"', "little giant"),
        "sh_little_giant": Msg("上海科技小巨人", "Shanghai sci-tech little giant"),
        "tech_innovation_demo": Msg("国家技术创新示范企业", "technology innovation demonstration"),
        "single_champion": Msg("制造业单项冠军", "manufacturing single champion"),
        "ip_advantage": Msg("知识产权优势/示范企业", "IP advantage/demonstration enterprise"),
    }
)
class QualificationKind(LabelledEnum):
    """Kinds of sci-tech qualification an enterprise can hold (GLOSSARY.md)."""

    HIGH_TECH = "high_tech"
    TECH_SME = "tech_sme"
    INNOVATIVE_SME = "innovative_sme"
    SPECIALISED_SME = "specialised_sme"
    LITTLE_GIANT = "little_giant"
    SH_LITTLE_GIANT = "sh_little_giant"
    TECH_INNOVATION_DEMO = "tech_innovation_demo"
    SINGLE_CHAMPION = "single_champion"
    IP_ADVANTAGE = "ip_advantage"


@labels(
    {
        "bank": Msg("银行", "bank"),
        "insurer": Msg("保险机构", "insurer"),
        "guarantor": Msg("融资担保机构", "guarantor"),
        "fund_manager": Msg("基金管理人", "fund manager"),
        "incubator": Msg("孵化器", "incubator"),
        "university": Msg("高校", "university"),
        "ip_centre": Msg("知识产权中心", "IP centre"),
        "government": Msg("政府部门", "government agency"),
        "other": Msg("其他", "other"),
    }
)
class InstitutionKind(LabelledEnum):
    """Kinds of institution that take part in the system."""

    BANK = "bank"
    INSURER = "insurer"
    GUARANTOR = "guarantor"
    FUND_MANAGER = "fund_manager"
    INCUBATOR = "incubator"
    UNIVERSITY = "university"
    IP_CENTRE = "ip_centre"
    GOVERNMENT = "government"
    OTHER = "other"


@labels(
    {
        "large": Msg("大型", "large"),
        "medium": Msg("中型", "medium"),
        "small": Msg("小型", "small"),
        "micro": Msg("微型", "micro"),
    }
)
class SizeClass(LabelledEnum):
    """Enterprise size class (企业划型, 工信部联企业〔2011〕300号)."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


@labels(
    {
        "active": Msg("存续", "active"),
        "deregistered": Msg("注销", "deregistered"),
        "revoked": Msg("吊销", "revoked"),
    }
)
class EnterpriseStatus(LabelledEnum):
    """Registration status of an enterprise."""

    ACTIVE = "active"
    DEREGISTERED = "deregistered"
    REVOKED = "revoked"
