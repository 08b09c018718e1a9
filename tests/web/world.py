"""The small world the web tests run on: the API tests' two-sided world (enterprises, banks,
insurers, funds, a defaulted loan with a filed claim …) plus an application waiting for a bank,
a release of 2024 whose publication a programme officer has requested, and an administrator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from kechuang.auth import approvals
from kechuang.auth import service as auth_service
from kechuang.auth.enums import ApprovalKind, Role
from kechuang.credit import service as credit_service
from kechuang.credit.schemas import ApplicationCreate
from kechuang.funds import service as funds_service
from kechuang.funds.enums import DistributionType, InvestorType
from kechuang.indicators.releases import create_release
from kechuang.migrations import upgrade
from kechuang.storage.db import unit_of_work
from tests.api import world as api_world

PASSWORD = api_world.PASSWORD
YEAR = 2024
APPLICATION = "APP-WEB-0001"


def build(url: str, releases: Path) -> tuple[api_world.Side, str]:
    """Migrate ``url``, seed it and create the release; returns side ``A`` and the release id."""
    upgrade(url)
    a, _b = api_world.build(url)
    with unit_of_work(url) as session:
        credit_service.submit_application(
            session=session,
            application_in=ApplicationCreate(
                application_no=APPLICATION,
                uscc=a.uscc,
                bank_code=a.bank,
                product_key="sh_boost_loan",
                requested_amount=Decimal("500000.00"),
                requested_term_months=12,
                applied_on=dt.date(2024, 3, 1),
            ),
            actor="seed",
        )
        auth_service.create_user(
            session=session, username="gov2", password=PASSWORD, role=Role.GOV_ADMIN
        )
        fund = funds_service.get_by_code(session=session, code=a.fund_code)
        funds_service.commit(
            session=session,
            fund=fund,
            investor_key="LP-CITY",
            investor_name="市引导基金",
            investor_type=InvestorType.PUBLIC,
            amount=Decimal("10000000.00"),
            committed_on=dt.date(2022, 3, 1),
            actor="seed",
        )
        funds_service.call_capital(
            session=session,
            fund=fund,
            call_no="CALL-1",
            call_date=dt.date(2022, 4, 1),
            amount=Decimal("4000000.00"),
            actor="seed",
        )
        funds_service.distribute(
            session=session,
            fund=fund,
            dist_no="DIST-1",
            dist_date=dt.date(2024, 6, 1),
            dist_type=DistributionType.RETURN_OF_CAPITAL,
            amount=Decimal("1000000.00"),
            actor="seed",
        )
    manifest = create_release(url=url, year=YEAR, root=releases, synthetic=True)
    with unit_of_work(url) as session:
        prog = auth_service.get_by_username(session=session, username="prog")
        approvals.request(
            session=session,
            principal=auth_service.principal_of(prog),
            kind=ApprovalKind.RELEASE_PUBLISH,
            target=manifest.release_id,
        )
    return a, manifest.release_id
