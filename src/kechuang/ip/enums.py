"""Closed vocabularies of the IP registry (GLOSSARY.md, IP)."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "invention": Msg("发明", "invention"),
        "utility_model": Msg("实用新型", "utility model"),
        "design": Msg("外观设计", "design"),
    }
)
class PatentType(LabelledEnum):
    """The three Chinese patent types (PCT national-phase numbers map to invention / utility model)."""

    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"


@labels(
    {
        "lapse": Msg("未缴年费终止", "lapse (annuity not paid)"),
        "restoration": Msg("恢复权利", "restoration"),
        "invalidation_full": Msg("全部无效", "invalidated in whole"),
        "invalidation_partial": Msg("部分无效", "invalidated in part"),
        "transfer": Msg("权利转移", "transfer of ownership"),
        "abandonment": Msg("放弃专利权", "surrender"),
    }
)
class EventKind(LabelledEnum):
    """Legal-status events after grant. Grant is the patent's ``grant_date``; expiry is derived."""

    LAPSE = "lapse"
    RESTORATION = "restoration"
    INVALIDATION_FULL = "invalidation_full"
    INVALIDATION_PARTIAL = "invalidation_partial"
    TRANSFER = "transfer"
    ABANDONMENT = "abandonment"


@labels(
    {
        "uscc": Msg("按统一社会信用代码关联", "linked by USCC"),
        "confirmed": Msg("名称匹配已确认", "name match confirmed"),
        "proposed": Msg("名称匹配待确认", "name match awaiting review"),
        "unmatched": Msg("未关联", "not linked"),
        "rejected": Msg("名称匹配已否决", "name match rejected"),
    }
)
class MatchStatus(LabelledEnum):
    """How a patent owner is linked to a registry enterprise; only ``uscc`` and ``confirmed`` count."""

    USCC = "uscc"
    CONFIRMED = "confirmed"
    PROPOSED = "proposed"
    UNMATCHED = "unmatched"
    REJECTED = "rejected"


@labels(
    {
        "china_patent_award_gold": Msg("中国专利金奖", "China Patent Award, gold"),
        "china_patent_award_silver": Msg("中国专利银奖", "China Patent Award, silver"),
        "china_patent_award_excellence": Msg("中国专利优秀奖", "China Patent Award, excellence"),
        "national_st_award": Msg("国家科学技术奖", "National S&T Award"),
        "wipo_global_award": Msg("世界知识产权组织全球奖", "WIPO Global Award"),
    }
)
class AwardKind(LabelledEnum):
    """IP awards counted by the report."""

    CHINA_PATENT_AWARD_GOLD = "china_patent_award_gold"
    CHINA_PATENT_AWARD_SILVER = "china_patent_award_silver"
    CHINA_PATENT_AWARD_EXCELLENCE = "china_patent_award_excellence"
    NATIONAL_ST_AWARD = "national_st_award"
    WIPO_GLOBAL_AWARD = "wipo_global_award"


@labels(
    {
        "national_operation_centre": Msg("国家级知识产权运营中心", "national IP operation centre"),
        "ip_finance_centre": Msg(
            "市级知识产权金融创新中心", "municipal IP-finance innovation centre"
        ),
        "medical_operation_centre": Msg(
            "医疗卫生系统知识产权运营中心", "medical-system IP operation centre"
        ),
        "protection_centre": Msg("知识产权保护中心", "IP protection centre"),
        "other": Msg("其他", "other"),
    }
)
class CentreKind(LabelledEnum):
    """Kinds of IP centre recognised by the authorities."""

    NATIONAL_OPERATION_CENTRE = "national_operation_centre"
    IP_FINANCE_CENTRE = "ip_finance_centre"
    MEDICAL_OPERATION_CENTRE = "medical_operation_centre"
    PROTECTION_CENTRE = "protection_centre"
    OTHER = "other"


@labels(
    {
        "sme_ip_operation": Msg(
            "中小企业知识产权运营能力提升项目", "SME IP operation capability project"
        ),
        "cipo_training": Msg("首席知识产权官培养", "CIPO training cohort"),
        "patent_conversion": Msg("专利转化专项计划项目", "patent conversion programme project"),
        "other": Msg("其他", "other"),
    }
)
class ProgrammeKind(LabelledEnum):
    """Kinds of IP programme record."""

    SME_IP_OPERATION = "sme_ip_operation"
    CIPO_TRAINING = "cipo_training"
    PATENT_CONVERSION = "patent_conversion"
    OTHER = "other"
