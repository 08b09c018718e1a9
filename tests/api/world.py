"""A small two-sided world for authorisation tests: for every kind of organisation an ``A`` (the
caller's own) and a ``B`` (someone else's) with records in every domain, plus one user per role.

Keys are distinctive strings so a test can assert that nothing of ``B`` leaks into a response.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.auth.models import User
from kechuang.core.ids import make_patent_no, make_uscc
from kechuang.credit import claims
from kechuang.credit.enums import LedgerKind, LoanStatus, RepaymentMethod, Security
from kechuang.credit.models import CreditApplication, CreditGrant, LedgerEvent, Loan
from kechuang.funds.enums import FundKind
from kechuang.funds.models import Fund
from kechuang.insurance.enums import InsuranceLine
from kechuang.insurance.models import (
    CoinsuranceShare,
    InsuranceClaim,
    InsurancePolicy,
    PremiumSubsidy,
)
from kechuang.ip.enums import MatchStatus, PatentType
from kechuang.ip.models import Patent, PatentOwner
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.models import Enterprise, EnterpriseYear, Institution
from kechuang.storage.db import unit_of_work

PASSWORD = "correct horse battery"
_HASH: list[str] = []


def password_hash() -> str:
    """argon2 hash of :data:`PASSWORD`, computed once (a hash costs ~0.3 s by design)."""
    if not _HASH:
        _HASH.append(auth_service.hash_password(PASSWORD))
    return _HASH[0]


D = dt.date
AGREEMENT = "sh_sme_risk_compensation_2024"


@dataclass
class Side:
    """The records of one side (``A`` or ``B``)."""

    uscc: str
    bank: str
    insurer: str
    fund_manager: str
    ip_centre: str
    application_no: str
    contract_no: str
    loan_no: str
    claim_no: str
    policy_no: str
    insurance_claim_no: str
    subsidy_no: str
    fund_code: str
    patent_no: str
    markers: dict[str, str] = field(default_factory=dict)


USERS: dict[Role, str] = {
    Role.GOV_ADMIN: "gov",
    Role.PROGRAMME_OFFICER: "prog",
    Role.AUDITOR: "aud",
    Role.BANK_OFFICER: "bank_a",
    Role.INSURER_OFFICER: "ins_a",
    Role.FUND_MANAGER: "fm_a",
    Role.IP_OFFICER: "ipo_a",
    Role.ENTERPRISE: "ent_a",
}
"""The user of each role; org-bound users belong to side ``A``."""


def _side(tag: str, n: int) -> Side:
    return Side(
        uscc=make_uscc(org8=f"7{n:07d}"),
        bank=f"BANK-{tag}",
        insurer=f"INS-{tag}",
        fund_manager=f"FM-{tag}",
        ip_centre=f"IPC-{tag}",
        application_no=f"APP-{tag}-0001",
        contract_no=f"GC-{tag}-0001",
        loan_no=f"LN-{tag}-0001",
        claim_no=f"CL-{tag}-0001",
        policy_no=f"POL-{tag}-0001",
        insurance_claim_no=f"ICL-{tag}-0001",
        subsidy_no=f"SUB-{tag}-0001",
        fund_code=f"FUND-{tag}",
        patent_no=make_patent_no(2021, "1", 100000 + n),
    )


def _build_side(session: Session, side: Side, tag: str) -> None:
    inst = {}
    for code, kind in (
        (side.bank, InstitutionKind.BANK),
        (side.insurer, InstitutionKind.INSURER),
        (side.fund_manager, InstitutionKind.FUND_MANAGER),
        (side.ip_centre, InstitutionKind.IP_CENTRE),
    ):
        row = Institution(code=code, name=f"{code} 上海", kind=kind)
        session.add(row)
        session.flush()
        inst[code] = row
    ent = Enterprise(
        uscc=side.uscc,
        name=f"上海{tag}测试科技有限公司",
        district_code="310115",
        industry_code="I6510",
        registered_on=D(2015, 1, 1),
    )
    session.add(ent)
    session.flush()
    session.add(
        EnterpriseYear(
            enterprise_id=ent.id,
            fiscal_year=2023,
            employees=120,
            st_staff=40,
            revenue=Decimal("50000000.00"),
            total_assets=Decimal("60000000.00"),
            rd_expense=Decimal("4000000.00"),
        )
    )
    bank = inst[side.bank]
    session.add(
        CreditApplication(
            application_no=side.application_no,
            enterprise_id=ent.id,
            bank_id=bank.id,
            product_key="sh_boost_loan",
            requested_amount=Decimal("1000000.00"),
            requested_term_months=12,
            applied_on=D(2024, 1, 2),
        )
    )
    grant = CreditGrant(
        contract_no=side.contract_no,
        enterprise_id=ent.id,
        bank_id=bank.id,
        product_key="sh_boost_loan",
        amount=Decimal("1000000.00"),
        granted_on=D(2024, 1, 5),
        term_months=12,
        expires_on=D(2025, 1, 5),
        annual_rate=Decimal("0.0345"),
        repayment_method=RepaymentMethod.INTEREST_ONLY,
        security=Security.INSURANCE,
    )
    session.add(grant)
    session.flush()
    loan = Loan(
        loan_no=side.loan_no,
        grant=grant,
        enterprise_id=ent.id,
        bank_id=bank.id,
        product_key="sh_boost_loan",
        principal=Decimal("1000000.00"),
        drawdown_date=D(2024, 1, 10),
        maturity_date=D(2025, 1, 10),
        annual_rate=Decimal("0.0345"),
        repayment_method=RepaymentMethod.INTEREST_ONLY,
        status=LoanStatus.DEFAULTED,
        status_since=D(2024, 6, 30),
    )
    session.add(loan)
    session.flush()
    session.add(
        LedgerEvent(
            loan_id=loan.id,
            kind=LedgerKind.DRAWDOWN,
            event_date=D(2024, 1, 10),
            amount=Decimal("1000000.00"),
            recorded_by="test",
        )
    )
    session.flush()
    claims.file_claim(
        session=session,
        loan=loan,
        agreement_key=AGREEMENT,
        on=D(2024, 7, 15),
        actor="bank-clerk",
        claim_no=side.claim_no,
    )
    policy = InsurancePolicy(
        policy_no=side.policy_no,
        product_key="first_of_kind_equipment_insurance",
        line=InsuranceLine.FIRST_OF_KIND_EQUIPMENT,
        insured_enterprise_id=ent.id,
        insured_name=ent.name,
        sum_insured=Decimal("10000000.00"),
        premium=Decimal("300000.00"),
        rate=Decimal("0.03"),
        start_date=D(2024, 3, 1),
        end_date=D(2025, 2, 28),
    )
    session.add(policy)
    session.flush()
    session.add(
        CoinsuranceShare(
            policy_id=policy.id, insurer_id=inst[side.insurer].id, share=Decimal("1"), lead=True
        )
    )
    session.add(
        InsuranceClaim(
            claim_no=side.insurance_claim_no,
            policy_id=policy.id,
            loss_date=D(2024, 5, 1),
            notified_on=D(2024, 5, 3),
        )
    )
    session.add(
        PremiumSubsidy(
            subsidy_no=side.subsidy_no,
            policy_id=policy.id,
            applied_on=D(2024, 3, 10),
            applicant="insurer-clerk",
            amount=Decimal("0.00"),
            explanation=[],
        )
    )
    session.add(
        Fund(
            code=side.fund_code,
            name=f"测试基金{tag}",
            kind=FundKind.SUB_FUND,
            vintage=2022,
            target_size=Decimal("100000000.00"),
            manager_institution_id=inst[side.fund_manager].id,
        )
    )
    patent = Patent(
        application_no=side.patent_no,
        patent_type=PatentType.INVENTION,
        filing_date=D(2021, 3, 1),
        title=f"测试专利{tag}",
    )
    session.add(patent)
    session.flush()
    session.add(
        PatentOwner(
            patent_id=patent.id,
            position=1,
            name=ent.name,
            uscc=ent.uscc,
            enterprise_id=ent.id,
            match_status=MatchStatus.USCC,
            valid_from=D(2021, 3, 1),
        )
    )
    session.flush()


def build(url: str) -> tuple[Side, Side]:
    """Create sides ``A`` and ``B`` and the users of :data:`USERS` (org-bound ones on ``A``)."""
    a, b = _side("A", 1), _side("B", 2)
    with unit_of_work(url) as session:
        _build_side(session, a, "A")
        _build_side(session, b, "B")
        orgs = {
            Role.BANK_OFFICER: a.bank,
            Role.INSURER_OFFICER: a.insurer,
            Role.FUND_MANAGER: a.fund_manager,
            Role.IP_OFFICER: a.ip_centre,
            Role.ENTERPRISE: a.uscc,
        }
        users = [(u, role, orgs.get(role)) for role, u in USERS.items()]
        users += [("prog2", Role.PROGRAMME_OFFICER, None), ("bank_b", Role.BANK_OFFICER, b.bank)]
        for username, role, org in users:
            session.add(
                User(
                    username=username,
                    password_hash=password_hash(),
                    role=role,
                    org=org,
                    active=True,
                )
            )
    return a, b
