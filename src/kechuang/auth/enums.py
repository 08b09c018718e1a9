"""Closed vocabularies of the auth domain: roles, approval kinds and states."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "gov_admin": Msg("政府管理员", "government administrator"),
        "programme_officer": Msg("项目管理人员", "programme officer"),
        "bank_officer": Msg("银行经办人员", "bank officer"),
        "insurer_officer": Msg("保险机构经办人员", "insurer officer"),
        "fund_manager": Msg("基金管理人", "fund manager"),
        "ip_officer": Msg("知识产权工作人员", "IP officer"),
        "enterprise": Msg("企业用户", "enterprise"),
        "auditor": Msg("审计人员（只读）", "auditor (read-only)"),
    }
)
class Role(LabelledEnum):
    """A user's role; with the user's organisation it decides what the user may see and do."""

    GOV_ADMIN = "gov_admin"
    PROGRAMME_OFFICER = "programme_officer"
    BANK_OFFICER = "bank_officer"
    INSURER_OFFICER = "insurer_officer"
    FUND_MANAGER = "fund_manager"
    IP_OFFICER = "ip_officer"
    ENTERPRISE = "enterprise"
    AUDITOR = "auditor"


ORG_KIND: dict[Role, str | None] = {
    Role.GOV_ADMIN: None,
    Role.PROGRAMME_OFFICER: None,
    Role.AUDITOR: None,
    Role.BANK_OFFICER: "institution",
    Role.INSURER_OFFICER: "institution",
    Role.FUND_MANAGER: "institution",
    Role.IP_OFFICER: "institution",
    Role.ENTERPRISE: "enterprise",
}
"""What a role's organisation is: an institution code, an enterprise USCC, or none (city-wide)."""


@labels(
    {
        "compensation_payout": Msg("风险补偿拨付", "compensation payout"),
        "subsidy_payment": Msg("补贴拨付", "subsidy payment"),
        "release_publish": Msg("统计发布", "release publication"),
    }
)
class ApprovalKind(LabelledEnum):
    """What a maker-checker approval authorises."""

    COMPENSATION_PAYOUT = "compensation_payout"
    SUBSIDY_PAYMENT = "subsidy_payment"
    RELEASE_PUBLISH = "release_publish"


@labels(
    {
        "pending": Msg("待复核", "pending"),
        "approved": Msg("已批准", "approved"),
        "rejected": Msg("已驳回", "rejected"),
    }
)
class ApprovalStatus(LabelledEnum):
    """State of a maker-checker approval."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
