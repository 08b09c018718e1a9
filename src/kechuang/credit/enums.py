"""Closed vocabularies of the credit domain (GLOSSARY.md, Credit)."""

from __future__ import annotations

from kechuang.core.enums import LabelledEnum, labels
from kechuang.core.i18n import Msg


@labels(
    {
        "submitted": Msg("已提交", "submitted"),
        "under_review": Msg("审查中", "under review"),
        "approved": Msg("已授信", "approved (credit granted)"),
        "rejected": Msg("已拒绝", "rejected"),
        "withdrawn": Msg("已撤回", "withdrawn"),
    }
)
class ApplicationStatus(LabelledEnum):
    """Status of a credit application."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@labels(
    {
        "current": Msg("正常", "current"),
        "overdue": Msg("逾期", "overdue"),
        "defaulted": Msg("违约/不良", "defaulted"),
        "written_off": Msg("已核销", "written off"),
        "repaid": Msg("已结清", "repaid"),
    }
)
class LoanStatus(LabelledEnum):
    """Lifecycle state of a loan (transitions in :mod:`kechuang.credit.lifecycle`)."""

    CURRENT = "current"
    OVERDUE = "overdue"
    DEFAULTED = "defaulted"
    WRITTEN_OFF = "written_off"
    REPAID = "repaid"


@labels(
    {
        "drawdown": Msg("放款", "drawdown"),
        "repayment_principal": Msg("归还本金", "principal repayment"),
        "repayment_interest": Msg("支付利息", "interest payment"),
        "write_off": Msg("核销", "write-off"),
        "recovery": Msg("核销后收回", "recovery"),
        "compensation": Msg("风险补偿拨付", "risk-compensation payout"),
        "pool_recovery": Msg("补偿后收回返还资金池", "recovery returned to the compensation pool"),
        "clawback": Msg("风险补偿追回", "compensation clawback"),
    }
)
class LedgerKind(LabelledEnum):
    """Kinds of loan ledger event. Balances are sums of these, never stored.

    ``compensation``, ``pool_recovery`` and ``clawback`` record government risk-compensation money
    on the loan; they do not change the principal balance.
    """

    DRAWDOWN = "drawdown"
    REPAYMENT_PRINCIPAL = "repayment_principal"
    REPAYMENT_INTEREST = "repayment_interest"
    WRITE_OFF = "write_off"
    RECOVERY = "recovery"
    COMPENSATION = "compensation"
    POOL_RECOVERY = "pool_recovery"
    CLAWBACK = "clawback"


@labels(
    {
        "equal_installment": Msg("等额本息", "equal installments"),
        "equal_principal": Msg("等额本金", "equal principal"),
        "interest_only": Msg("按期付息到期还本", "interest only, principal at maturity"),
    }
)
class RepaymentMethod(LabelledEnum):
    """Repayment methods of schedules."""

    EQUAL_INSTALLMENT = "equal_installment"
    EQUAL_PRINCIPAL = "equal_principal"
    INTEREST_ONLY = "interest_only"


@labels(
    {
        "none": Msg("信用（无担保）", "unsecured"),
        "guarantee": Msg("保证/担保", "guarantee"),
        "insurance": Msg("履约保证保险", "performance-guarantee insurance"),
        "ip_pledge": Msg("知识产权质押", "IP pledge"),
        "collateral": Msg("抵押", "collateral"),
    }
)
class Security(LabelledEnum):
    """What secures a credit grant (``none`` = 信用贷)."""

    NONE = "none"
    GUARANTEE = "guarantee"
    INSURANCE = "insurance"
    IP_PLEDGE = "ip_pledge"
    COLLATERAL = "collateral"


@labels(
    {
        "filed": Msg("已申报", "filed"),
        "approved": Msg("已审批", "approved"),
        "rejected": Msg("已驳回", "rejected"),
        "paid": Msg("已拨付", "paid"),
        "clawed_back": Msg("已追回", "clawed back"),
    }
)
class ClaimStatus(LabelledEnum):
    """Status of a risk-compensation claim (maker-checker between filed and approved)."""

    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"
    CLAWED_BACK = "clawed_back"


@labels(
    {
        "relending": Msg("沪科专贷（再贷款）", "sci-tech re-lending (沪科专贷)"),
        "rediscount": Msg("沪科专贴（再贴现）", "sci-tech rediscount (沪科专贴)"),
    }
)
class RefinanceProgramme(LabelledEnum):
    """Central-bank refinancing programmes."""

    RELENDING = "relending"
    REDISCOUNT = "rediscount"
