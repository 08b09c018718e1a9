"""The policy table and org scoping, directly (the API matrix covers them through HTTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kechuang.auth import policy
from kechuang.auth.enums import ORG_KIND, Role
from kechuang.auth.errors import PermissionDenied
from kechuang.auth.service import Principal
from kechuang.credit.models import Loan
from kechuang.registry.models import Enterprise
from kechuang.storage.db import unit_of_work
from tests.api.world import build


def who(
    role: Role, org: str | None = None, scopes: frozenset[str] = frozenset({"read", "write"})
) -> Principal:
    return Principal(user_id=1, username="u", role=role, org=org, scopes=scopes)


def test_unknown_pairs_and_wrong_roles_are_refused() -> None:
    with pytest.raises(PermissionDenied):
        policy.require(who(Role.GOV_ADMIN), "no.such.resource", "read")
    with pytest.raises(PermissionDenied):
        policy.require(who(Role.ENTERPRISE, "X"), "audit", "read")
    policy.require(who(Role.AUDITOR), "audit", "read")


def test_read_only_tokens_cannot_write() -> None:
    reader = who(Role.GOV_ADMIN, scopes=frozenset({"read"}))
    policy.require(reader, "registry.enterprise", "read")
    with pytest.raises(PermissionDenied):
        policy.require(reader, "registry.enterprise", "write")


def test_every_org_scoped_resource_names_a_rule_for_the_roles_that_read_it() -> None:
    """Fail closed: an org-bound role reading a resource with a scope rule is either listed in the
    rule (scoped) or deliberately unscoped (``institution_roles`` excludes it)."""
    for (resource, action), roles in policy.POLICY.items():
        if action != "read" or resource not in policy.SCOPES:
            continue
        rule = policy.SCOPES[resource]
        for role in roles:
            if ORG_KIND[role] == "institution" and role in rule.institution_roles:
                assert rule.institution is not None, (resource, role)


def test_scope_filters_and_unknown_org_sees_nothing(sqlite_url: str) -> None:
    a, b = build(sqlite_url)
    with unit_of_work(sqlite_url) as session:
        bank_a = who(Role.BANK_OFFICER, a.bank)
        loans = session.scalars(
            policy.scope(select(Loan), session=session, principal=bank_a, resource="credit.loan")
        ).all()
        assert [x.loan_no for x in loans] == [a.loan_no]
        ghost = who(Role.BANK_OFFICER, "NO-SUCH-BANK")
        assert (
            session.scalars(
                policy.scope(select(Loan), session=session, principal=ghost, resource="credit.loan")
            ).all()
            == []
        )
        ent_b = session.scalars(select(Enterprise).where(Enterprise.uscc == b.uscc)).one()
        with pytest.raises(PermissionDenied):
            policy.check_object(
                session=session,
                principal=who(Role.ENTERPRISE, a.uscc),
                resource="registry.enterprise",
                obj=ent_b,
            )
        # a bank may read the registry (not org-scoped for banks)
        policy.check_object(
            session=session, principal=bank_a, resource="registry.enterprise", obj=ent_b
        )


def test_require_own_checks_the_callers_kind_of_organisation() -> None:
    policy.require_own(who(Role.BANK_OFFICER, "BANK-A"), institution="BANK-A", enterprise="E")
    with pytest.raises(PermissionDenied):
        policy.require_own(who(Role.BANK_OFFICER, "BANK-A"), institution="BANK-B")
    policy.require_own(
        who(Role.ENTERPRISE, "91310000X"), institution="BANK-B", enterprise="91310000x"
    )
    with pytest.raises(PermissionDenied):
        policy.require_own(who(Role.ENTERPRISE, "91310000X"), enterprise="91310000Y")
    policy.require_own(who(Role.PROGRAMME_OFFICER), institution="ANY")
