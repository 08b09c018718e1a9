"""Who may do what, to whose records: the whole authorisation policy in one place.

Two parts:

1. :data:`POLICY` — a table of ``(resource, action) → roles``. Every API route names the
   ``(resource, action)`` it needs (the matrix test fails for a route that names none); the
   dependency :func:`kechuang.api.deps.authorize` calls :func:`require`.
2. :data:`SCOPES` — per resource, how a row belongs to an organisation: a bank officer's rows are
   those whose bank is the officer's bank, an enterprise's rows are its own, and so on.
   :func:`scope` filters a query, :func:`check_object` checks one row with the *same* clause, and
   :func:`require_own` checks an organisation named in a write's payload. A role that may act on a
   resource but has no scope rule for its kind of organisation sees nothing (fail closed).

City-wide roles (``gov_admin``, ``programme_officer``, ``auditor``) are not scoped. Auditors read
everything and change nothing: :func:`require` refuses them every action but ``read``, whatever the
table says. API tokens with only the ``read`` scope likewise cannot write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from kechuang.auth.enums import ORG_KIND, Role
from kechuang.auth.errors import PermissionDenied
from kechuang.auth.service import Principal
from kechuang.core.i18n import Msg
from kechuang.credit.models import CompensationClaim, CreditApplication, CreditGrant, Loan
from kechuang.funds.models import Fund
from kechuang.insurance.models import (
    CoinsuranceShare,
    InsuranceClaim,
    InsurancePolicy,
    PremiumSubsidy,
)
from kechuang.ip.models import Patent, PatentOwner
from kechuang.registry.models import Enterprise, Institution

T = TypeVar("T", bound=Select[Any])

G, P, A = Role.GOV_ADMIN, Role.PROGRAMME_OFFICER, Role.AUDITOR
BANK, INS, FUND, IPO, ENT = (
    Role.BANK_OFFICER,
    Role.INSURER_OFFICER,
    Role.FUND_MANAGER,
    Role.IP_OFFICER,
    Role.ENTERPRISE,
)
EVERYONE = frozenset(Role)
CITY = frozenset({G, P, A})

READ = "read"
ACTIONS = ("read", "write", "import", "approve", "admin")
"""``read`` looks; ``write`` creates or changes; ``import`` loads a file; ``approve`` is the
checker's (or maker's) step of a maker-checker; ``admin`` manages users and tokens."""

POLICY: dict[tuple[str, str], frozenset[Role]] = {
    # own account: every signed-in user
    ("auth.self", "read"): EVERYONE,
    ("auth.self", "write"): EVERYONE,
    ("auth.user", "read"): frozenset({G, A}),
    ("auth.user", "admin"): frozenset({G}),
    ("audit", "read"): frozenset({G, A}),
    ("approval", "read"): frozenset({G, P, A}),
    ("approval", "approve"): frozenset({G, P}),
    ("dashboard", "read"): EVERYONE,
    # registry
    ("registry.enterprise", "read"): EVERYONE,
    ("registry.enterprise", "write"): frozenset({G, P}),
    ("registry.enterprise", "import"): frozenset({G, P}),
    ("registry.institution", "read"): EVERYONE,
    ("registry.institution", "write"): frozenset({G}),
    ("registry.summary", "read"): frozenset({G, P, A}),
    # standards
    ("standards.catalog", "read"): EVERYONE,
    ("standards.evaluation", "read"): EVERYONE,
    ("standards.simulation", "read"): frozenset({G, P, A}),
    # products
    ("products.product", "read"): EVERYONE,
    ("products.matching", "read"): EVERYONE,
    ("products.outreach", "read"): CITY,
    # credit
    ("credit.application", "read"): CITY | {BANK, ENT},
    ("credit.application", "write"): frozenset({BANK, ENT}),
    ("credit.application", "withdraw"): frozenset({ENT}),  # only the applicant withdraws
    ("credit.grant", "read"): CITY | {BANK, ENT},
    ("credit.grant", "write"): frozenset({BANK}),
    ("credit.loan", "read"): CITY | {BANK, ENT},
    ("credit.loan", "write"): frozenset({BANK}),
    ("credit.claim", "read"): CITY | {BANK},
    ("credit.claim", "write"): frozenset({BANK}),
    ("credit.claim", "approve"): frozenset({G, P}),
    ("credit.import", "import"): frozenset({BANK}),
    # insurance
    ("insurance.policy", "read"): CITY | {INS, ENT},
    ("insurance.claim", "read"): CITY | {INS, ENT},
    ("insurance.claim", "write"): frozenset({INS}),
    ("insurance.subsidy", "read"): CITY | {INS, ENT},
    ("insurance.subsidy", "approve"): frozenset({G, P}),
    ("insurance.import", "import"): frozenset({INS}),
    # funds
    ("funds.fund", "read"): CITY | {FUND},
    ("funds.import", "import"): frozenset({FUND}),
    # ip
    ("ip.patent", "read"): CITY | {IPO, BANK, INS, FUND, ENT},
    ("ip.patent", "import"): frozenset({G, IPO}),
    # programme / policy registry and external statistics (public information)
    ("policy.item", "read"): EVERYONE,
    ("policy.item", "write"): frozenset({G, P}),
    ("policy.item", "import"): frozenset({G, P}),
    # indicators and releases
    ("indicators.release", "read"): EVERYONE,
    ("indicators.draft", "read"): CITY,
    ("indicators.release", "write"): frozenset({G, P}),
    ("indicators.release", "approve"): frozenset({G}),
}


def allowed_roles(resource: str, action: str) -> frozenset[Role]:
    """Roles allowed ``action`` on ``resource`` (empty for an unknown pair: deny)."""
    roles = POLICY.get((resource, action), frozenset())
    if action != READ:
        roles = roles - {Role.AUDITOR}
    return roles


def _deny(resource: str, action: str, why: Msg) -> PermissionDenied:
    return PermissionDenied(
        Msg(
            f"无权限：{resource} / {action}（{why.zh}）",
            f"not allowed: {resource} / {action} ({why.en})",
        )
    )


def require(principal: Principal, resource: str, action: str) -> None:
    """Raise :class:`PermissionDenied` unless ``principal`` may do ``action`` on ``resource``.

    Raises:
        PermissionDenied: wrong role, an auditor writing, or a read-only API token writing.
    """
    if (resource, action) not in POLICY:
        raise _deny(resource, action, Msg("策略表中没有此项", "no policy entry"))
    if principal.role not in allowed_roles(resource, action):
        raise _deny(
            resource,
            action,
            Msg(f"角色 {principal.role.label.zh} 不可", f"role {principal.role.value} may not"),
        )
    needed = "read" if action == READ else "write"
    if needed not in principal.scopes:
        raise _deny(
            resource, action, Msg(f"令牌缺少 {needed} 权限范围", f"token lacks the {needed} scope")
        )


# ------------------------------------------------------------------------------ org scoping

Clause = Callable[[int], ColumnElement[bool]]
"""Given the caller's organisation id (institution or enterprise), the rows that are theirs."""


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """How rows of one resource belong to organisations.

    Attributes:
        model: the ORM class the rule filters.
        institution: clause for institution-bound roles, or ``None`` when they see every row
            (only where a role may read at all — the table decides that).
        enterprise: clause for enterprise users; ``None`` means they see every row.
        institution_roles: institution-bound roles the ``institution`` clause applies to;
            institution roles not listed see every row (e.g. any bank may read the registry).
    """

    model: type[Any]
    institution: Clause | None = None
    enterprise: Clause | None = None
    institution_roles: frozenset[Role] = frozenset()


def _loan_bank(bank: int) -> ColumnElement[bool]:
    return CompensationClaim.loan_id.in_(select(Loan.id).where(Loan.bank_id == bank))


def _policy_insurer(insurer: int) -> ColumnElement[bool]:
    return InsurancePolicy.shares.any(CoinsuranceShare.insurer_id == insurer)


def _policies_of_insurer(insurer: int) -> Select[Any]:
    return select(CoinsuranceShare.policy_id).where(CoinsuranceShare.insurer_id == insurer)


def _policies_of_enterprise(ent: int) -> Select[Any]:
    return select(InsurancePolicy.id).where(InsurancePolicy.insured_enterprise_id == ent)


SCOPES: dict[str, ScopeRule] = {
    "registry.enterprise": ScopeRule(Enterprise, enterprise=lambda e: Enterprise.id == e),
    "registry.institution": ScopeRule(Institution),
    "standards.evaluation": ScopeRule(Enterprise, enterprise=lambda e: Enterprise.id == e),
    "products.matching": ScopeRule(Enterprise, enterprise=lambda e: Enterprise.id == e),
    "credit.application": ScopeRule(
        CreditApplication,
        institution=lambda b: CreditApplication.bank_id == b,
        enterprise=lambda e: CreditApplication.enterprise_id == e,
        institution_roles=frozenset({BANK}),
    ),
    "credit.grant": ScopeRule(
        CreditGrant,
        institution=lambda b: CreditGrant.bank_id == b,
        enterprise=lambda e: CreditGrant.enterprise_id == e,
        institution_roles=frozenset({BANK}),
    ),
    "credit.loan": ScopeRule(
        Loan,
        institution=lambda b: Loan.bank_id == b,
        enterprise=lambda e: Loan.enterprise_id == e,
        institution_roles=frozenset({BANK}),
    ),
    "credit.claim": ScopeRule(
        CompensationClaim,
        institution=_loan_bank,
        institution_roles=frozenset({BANK}),
    ),
    "insurance.policy": ScopeRule(
        InsurancePolicy,
        institution=_policy_insurer,
        enterprise=lambda e: InsurancePolicy.insured_enterprise_id == e,
        institution_roles=frozenset({INS}),
    ),
    "insurance.claim": ScopeRule(
        InsuranceClaim,
        institution=lambda i: InsuranceClaim.policy_id.in_(_policies_of_insurer(i)),
        enterprise=lambda e: InsuranceClaim.policy_id.in_(_policies_of_enterprise(e)),
        institution_roles=frozenset({INS}),
    ),
    "insurance.subsidy": ScopeRule(
        PremiumSubsidy,
        institution=lambda i: PremiumSubsidy.policy_id.in_(_policies_of_insurer(i)),
        enterprise=lambda e: PremiumSubsidy.policy_id.in_(_policies_of_enterprise(e)),
        institution_roles=frozenset({INS}),
    ),
    "funds.fund": ScopeRule(
        Fund,
        institution=lambda m: Fund.manager_institution_id == m,
        institution_roles=frozenset({FUND}),
    ),
    "ip.patent": ScopeRule(
        Patent,
        enterprise=lambda e: Patent.owners.any(PatentOwner.enterprise_id == e),
    ),
}
"""Org-scope rule of each resource whose rows belong to organisations."""


def org_id(session: Session, principal: Principal) -> int | None:
    """Database id of the caller's organisation (institution or enterprise), ``None`` if none or
    unknown (an unknown organisation sees nothing). Cached per session."""
    kind = ORG_KIND[principal.role]
    if kind is None or principal.org is None:
        return None
    cache: dict[tuple[str, str], int | None] = session.info.setdefault("kechuang_org_ids", {})
    key = (kind, principal.org)
    if key not in cache:
        if kind == "enterprise":
            cache[key] = session.scalar(
                select(Enterprise.id).where(Enterprise.uscc == principal.org)
            )
        else:
            cache[key] = session.scalar(
                select(Institution.id).where(Institution.code == principal.org)
            )
    return cache[key]


def clause(session: Session, principal: Principal, resource: str) -> ColumnElement[bool] | None:
    """The filter restricting ``resource`` to the caller's rows; ``None`` when unrestricted."""
    kind = ORG_KIND[principal.role]
    if kind is None:
        return None
    rule = SCOPES.get(resource)
    if rule is None:
        # resources without org-bound rows (catalogues, products, releases): visible to all
        # allowed roles
        return None
    if kind == "enterprise":
        builder = rule.enterprise
        if builder is None:
            return None
    else:
        if principal.role not in rule.institution_roles:
            return None
        builder = rule.institution
        if builder is None:
            return false()
    ident = org_id(session, principal)
    if ident is None:
        return false()
    return builder(ident)


def scope(stmt: T, *, session: Session, principal: Principal, resource: str) -> T:
    """Restrict a ``select`` over the resource's model to the caller's rows."""
    where = clause(session, principal, resource)
    return stmt if where is None else stmt.where(where)


def check_object(*, session: Session, principal: Principal, resource: str, obj: Any) -> None:
    """Raise :class:`PermissionDenied` unless ``obj`` is among the caller's rows of ``resource``.

    Uses the same clause as :func:`scope`, evaluated in the database for ``obj``'s primary key.
    """
    where = clause(session, principal, resource)
    if where is None:
        return
    model = SCOPES[resource].model
    found = session.scalar(select(model.id).where(model.id == obj.id, where))
    if found is None:
        raise PermissionDenied(
            Msg(
                "无权限：该记录不属于您所在的机构或企业",
                "not allowed: the record belongs to another organisation",
            ),
            code="auth.foreign_org",
        )


def require_own(
    principal: Principal, *, institution: str | None = None, enterprise: str | None = None
) -> None:
    """For writes naming an organisation: an org-bound caller may only name its own.

    Raises:
        PermissionDenied: the payload names another institution or enterprise.
    """
    kind = ORG_KIND[principal.role]
    if kind is None:
        return
    named = institution if kind == "institution" else enterprise
    if named is None or named.strip().upper() != (principal.org or "").upper():
        raise PermissionDenied(
            Msg(
                "无权限：只能为本机构或本企业办理",
                "not allowed: you may act only for your own organisation",
            ),
            code="auth.foreign_org",
        )
