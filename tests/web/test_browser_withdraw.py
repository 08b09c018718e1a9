"""Browser journey (Playwright, Debian's Chromium, a real server): an enterprise withdraws a credit
application — the confirmation comes in through htmx, the list updates in place; screenshots
under ``tests/artifacts/screenshots/``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from kechuang.credit.enums import ApplicationStatus
from kechuang.credit.models import CreditApplication
from kechuang.storage.db import unit_of_work
from tests.web.conftest import Server
from tests.web.test_browser import shot, sign_in
from tests.web.world import APPLICATION

pytestmark = pytest.mark.slow


def test_enterprise_withdraws_an_application(browser_context: Any, server: Server) -> None:
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    sign_in(page, server, "ent_a")
    page.click("nav.menu a[href='/applications']")
    row = page.locator(f"tr[data-row={APPLICATION}]")
    assert "已提交" in row.inner_text()
    assert page.locator("tr[data-row=APP-B-0001]").count() == 0
    shot(page, "13-enterprise-my-applications")
    url_before = page.url
    page.click(f"[data-testid=withdraw-{APPLICATION}]")
    confirm = page.locator("[data-testid=withdraw-confirm]")
    confirm.wait_for()
    assert page.url == url_before  # swapped in by htmx, no navigation
    assert APPLICATION in confirm.inner_text()
    confirm.locator("input[name=reason]").fill("资金需求已满足")
    shot(page, "14-enterprise-withdraw-confirm")
    confirm.locator("[data-testid=confirm-withdraw]").click()
    page.wait_for_selector("[data-testid=notice]")
    assert f"已撤回申请 {APPLICATION}" in page.inner_text("[data-testid=notice]")
    assert "已撤回" in page.inner_text(f"[data-testid=status-{APPLICATION}]")
    assert page.locator(f"[data-testid=withdraw-{APPLICATION}]").count() == 0
    assert page.locator("[data-testid=withdraw-confirm]").count() == 0
    shot(page, "15-enterprise-withdrawn")
    with unit_of_work(server.world.url) as s:
        app = s.scalars(
            select(CreditApplication).where(CreditApplication.application_no == APPLICATION)
        ).one()
        assert app.status is ApplicationStatus.WITHDRAWN
        assert app.decided_by == "ent_a"
