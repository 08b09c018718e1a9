"""Generic maker-checker: one user requests, a different user with the right role decides.

Rules kept here, once for every kind:

* the checker must not be the maker (the requester);
* the checker must hold a role allowed to approve that kind (:data:`CHECKER_ROLES`);
* a decided approval cannot be decided again; one pending approval per kind and target.

Compensation payouts and premium subsidies already have maker / checker steps in their domains
(``kechuang.credit.claims.approve_claim``, ``kechuang.insurance.subsidies.approve``); the API calls
those and mirrors each step here with :func:`record_step`, so their own rules stay the only ones.
Publishing a release uses :func:`request` and :func:`decide` directly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.auth.enums import ApprovalKind, ApprovalStatus, Role
from kechuang.auth.errors import PermissionDenied
from kechuang.auth.models import Approval
from kechuang.auth.service import Principal
from kechuang.core.errors import Conflict, NotFound
from kechuang.core.i18n import Msg
from kechuang.storage.base import utcnow

MAKER_ROLES: dict[ApprovalKind, frozenset[Role]] = {
    ApprovalKind.COMPENSATION_PAYOUT: frozenset({Role.GOV_ADMIN, Role.PROGRAMME_OFFICER}),
    ApprovalKind.SUBSIDY_PAYMENT: frozenset({Role.GOV_ADMIN, Role.PROGRAMME_OFFICER}),
    ApprovalKind.RELEASE_PUBLISH: frozenset({Role.GOV_ADMIN, Role.PROGRAMME_OFFICER}),
}
"""Who may request (make) each kind of approval."""

CHECKER_ROLES: dict[ApprovalKind, frozenset[Role]] = {
    ApprovalKind.COMPENSATION_PAYOUT: frozenset({Role.GOV_ADMIN, Role.PROGRAMME_OFFICER}),
    ApprovalKind.SUBSIDY_PAYMENT: frozenset({Role.GOV_ADMIN, Role.PROGRAMME_OFFICER}),
    ApprovalKind.RELEASE_PUBLISH: frozenset({Role.GOV_ADMIN}),
}
"""Who may approve (check) each kind."""


def _check_role(
    principal: Principal, kind: ApprovalKind, table: dict[ApprovalKind, frozenset[Role]], step: Msg
) -> None:
    if principal.role not in table[kind]:
        raise PermissionDenied(
            Msg(
                f"角色 {principal.role.label.zh} 不能{step.zh}「{kind.label.zh}」",
                f"role {principal.role.value} may not {step.en} a {kind.label.en}",
            ),
            code="approval.role",
        )


def get(*, session: Session, approval_id: int) -> Approval:
    """The approval ``approval_id``.

    Raises:
        NotFound: no such approval.
    """
    row = session.get(Approval, approval_id)
    if row is None:
        raise NotFound(
            Msg(f"没有审批 {approval_id}", f"no approval {approval_id}"), code="approval.not_found"
        )
    return row


def pending_for(*, session: Session, kind: ApprovalKind, target: str) -> Approval | None:
    """The pending approval of ``kind`` for ``target``, if any."""
    return session.scalar(
        select(Approval).where(
            Approval.kind == kind,
            Approval.target == target,
            Approval.status == ApprovalStatus.PENDING,
        )
    )


def list_(
    *, session: Session, kind: ApprovalKind | None = None, status: ApprovalStatus | None = None
) -> list[Approval]:
    """Approvals, newest first."""
    stmt = select(Approval)
    if kind is not None:
        stmt = stmt.where(Approval.kind == kind)
    if status is not None:
        stmt = stmt.where(Approval.status == status)
    return list(session.scalars(stmt.order_by(Approval.id.desc())))


def request(
    *,
    session: Session,
    principal: Principal,
    kind: ApprovalKind,
    target: str,
    payload: dict[str, Any] | None = None,
    note: str | None = None,
) -> Approval:
    """Record the maker's request.

    Raises:
        PermissionDenied: the maker's role may not request this kind.
        Conflict: a request for the same kind and target is already pending.
    """
    _check_role(principal, kind, MAKER_ROLES, Msg("发起", "request"))
    if pending_for(session=session, kind=kind, target=target) is not None:
        raise Conflict(
            Msg(
                f"「{kind.label.zh}」{target} 已有待复核的申请",
                f"{kind.label.en} {target} already awaits a checker",
            ),
            code="approval.pending_exists",
        )
    row = Approval(
        kind=kind,
        target=target,
        status=ApprovalStatus.PENDING,
        requested_by=principal.username,
        requested_role=principal.role.value,
        payload=payload or {},
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def decide(
    *,
    session: Session,
    principal: Principal,
    approval: Approval,
    approve: bool,
    note: str | None = None,
) -> Approval:
    """Record the checker's decision.

    Raises:
        Conflict: ``maker_checker`` — the checker is the maker; ``approval.decided`` — already decided.
        PermissionDenied: the checker's role may not approve this kind.
    """
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict(
            Msg(
                f"审批 {approval.id} 已处理（{approval.status.label.zh}）",
                f"approval {approval.id} is already {approval.status.value}",
            ),
            code="approval.decided",
        )
    if principal.username == approval.requested_by:
        raise Conflict(
            Msg(
                f"复核人（checker）不能与经办人（maker）{approval.requested_by} 为同一人",
                f"the checker must not be the maker ({approval.requested_by})",
            ),
            code="maker_checker",
        )
    _check_role(principal, approval.kind, CHECKER_ROLES, Msg("复核", "approve"))
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by = principal.username
    approval.decided_role = principal.role.value
    approval.decided_at = utcnow()
    if note:
        approval.note = note
    session.flush()
    return approval


def record_step(
    *,
    session: Session,
    principal: Principal,
    kind: ApprovalKind,
    target: str,
    approved: bool,
    payload: dict[str, Any] | None = None,
) -> Approval:
    """Mirror a domain's own maker-checker step (the domain has already enforced its rules).

    With ``approved=False`` the maker's step opens a pending approval; with ``approved=True`` the
    checker's step closes it (creating it if the maker acted before this queue existed). Role rules
    of :data:`MAKER_ROLES` / :data:`CHECKER_ROLES` still apply.
    """
    row = pending_for(session=session, kind=kind, target=target)
    if not approved:
        if row is not None:
            return row
        return request(
            session=session, principal=principal, kind=kind, target=target, payload=payload
        )
    _check_role(principal, kind, CHECKER_ROLES, Msg("复核", "approve"))
    if row is None:
        row = Approval(
            kind=kind,
            target=target,
            status=ApprovalStatus.PENDING,
            requested_by="(domain)",
            requested_role="",
            payload=payload or {},
        )
        session.add(row)
    row.status = ApprovalStatus.APPROVED
    row.decided_by = principal.username
    row.decided_role = principal.role.value
    row.decided_at = utcnow()
    session.flush()
    return row
