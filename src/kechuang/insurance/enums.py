"""Closed vocabularies of the insurance domain (GLOSSARY.md, Insurance)."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "first_of_kind_equipment": Msg(
            "首台（套）重大技术装备保险", "first-of-kind major equipment insurance"
        ),
        "clinical_trial_liability": Msg(
            "生物医药人体临床试验责任保险", "clinical-trial liability insurance"
        ),
        "product_liability": Msg("生物医药产品责任保险", "product liability insurance"),
        "ic_coinsurance": Msg("集成电路共保体保险", "IC co-insurance pool cover"),
        "startup_founder_liability": Msg(
            "科技企业创业责任保险", "start-up founder liability insurance"
        ),
        "cyber": Msg("网络安全保险", "cyber insurance"),
        "performance_guarantee": Msg("科技履约保证保险", "performance-guarantee insurance"),
        "ip": Msg("知识产权保险", "IP insurance"),
    }
)
class InsuranceLine(LabelledEnum):
    """Lines of sci-tech insurance."""

    FIRST_OF_KIND_EQUIPMENT = "first_of_kind_equipment"
    CLINICAL_TRIAL_LIABILITY = "clinical_trial_liability"
    PRODUCT_LIABILITY = "product_liability"
    IC_COINSURANCE = "ic_coinsurance"
    STARTUP_FOUNDER_LIABILITY = "startup_founder_liability"
    CYBER = "cyber"
    PERFORMANCE_GUARANTEE = "performance_guarantee"
    IP = "ip"


@labels(
    {
        "quoted": Msg("已报价", "quoted"),
        "bound": Msg("已承保", "bound"),
        "cancelled": Msg("已退保", "cancelled"),
    }
)
class PolicyStatus(LabelledEnum):
    """Recorded status; "in force" and "expired" are derived from the dates (bound policies only)."""

    QUOTED = "quoted"
    BOUND = "bound"
    CANCELLED = "cancelled"


@labels(
    {
        "enterprise": Msg("企业", "enterprise"),
        "project": Msg("项目", "project"),
        "equipment_set": Msg("装备（台套）", "equipment set"),
        "clinical_trial": Msg("临床试验", "clinical trial"),
        "founder": Msg("创业者", "founder"),
        "product": Msg("产品", "product"),
    }
)
class InsuredObjectKind(LabelledEnum):
    """What a policy covers."""

    ENTERPRISE = "enterprise"
    PROJECT = "project"
    EQUIPMENT_SET = "equipment_set"
    CLINICAL_TRIAL = "clinical_trial"
    FOUNDER = "founder"
    PRODUCT = "product"


@labels(
    {
        "applied": Msg("已申请", "applied"),
        "approved": Msg("已审批", "approved"),
        "rejected": Msg("已驳回", "rejected"),
        "paid": Msg("已拨付", "paid"),
    }
)
class SubsidyStatus(LabelledEnum):
    """Premium-subsidy status (maker-checker between applied and approved)."""

    APPLIED = "applied"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


@labels(
    {
        "notified": Msg("已报案", "notified"),
        "assessed": Msg("已定损", "assessed"),
        "paid": Msg("已赔付", "paid"),
        "rejected": Msg("已拒赔", "rejected"),
    }
)
class ClaimStatus(LabelledEnum):
    """Insurance claim status."""

    NOTIFIED = "notified"
    ASSESSED = "assessed"
    PAID = "paid"
    REJECTED = "rejected"
