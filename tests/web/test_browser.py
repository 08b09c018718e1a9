"""Browser journeys (Playwright driving Debian's Chromium against a real server): each role signs
in and walks its main journey; every page visited is saved as a screenshot under
``tests/artifacts/screenshots/``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kechuang.storage import audit
from kechuang.storage.db import unit_of_work
from tests.web.conftest import SCREENSHOTS, Server
from tests.web.world import APPLICATION, PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(browser_context: Any) -> Any:
    """The one tab of the module's browser."""
    return browser_context.pages[0] if browser_context.pages else browser_context.new_page()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: Server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard"))
    assert username in page.inner_text("[data-testid=user]")


def flash(page: Any) -> str:
    text: str = page.inner_text("[data-testid=flash]")
    return text


def test_login_page_and_language(page: Any, server: Server) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.base_url}/bank")
    page.wait_for_url(re.compile(r".*/login\?next=%2Fbank"))
    assert "登录" in page.content()
    shot(page, "00-login")
    page.fill("input[name=username]", "gov")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")
    sign_in(page, server, "gov")
    page.click("#lang-switch")
    assert page.inner_text("h1") == "Dashboard"
    page.goto(f"{server.base_url}/office/releases")
    assert page.inner_text("h1") == "Releases"
    page.click("#lang-switch")
    assert page.inner_text("h1") == "统计发布"


def test_enterprise_self_checks_and_applies(page: Any, server: Server) -> None:
    sign_in(page, server, "ent_a")
    page.goto(f"{server.base_url}/selfcheck?as_of=2024-06-30")
    quals = page.inner_text("[data-testid=qualifications]")
    assert "科技型中小企业" in quals
    products = page.locator("[data-testid=products]")
    assert products.locator("tr[data-product=sh_boost_loan]").count() == 1
    boost = products.locator("tr[data-product=sh_boost_loan]").inner_text()
    assert "差一项条件" in boost  # near-eligible, with what would make it eligible
    assert "科技型企业" in boost
    shot(page, "10-enterprise-selfcheck")
    page.click("[data-testid=apply-sh_micro_loan]")
    row = page.locator("tr[data-product=sh_micro_loan]")
    row.locator("input[name=amount]").fill("300000.00")
    row.locator("button[type=submit]").click()
    assert "已提交授信申请" in flash(page)
    shot(page, "11-enterprise-applied")
    page.goto(f"{server.base_url}/bank")
    apps = page.inner_text("[data-testid=applications]")
    assert "sh_micro_loan" in apps and "已提交" in apps
    assert "APP-B-0001" not in apps  # another enterprise's application stays hidden
    shot(page, "12-enterprise-applications")


def test_bank_officer_grants_and_draws_down(page: Any, server: Server) -> None:
    sign_in(page, server, "bank_a")
    page.goto(f"{server.base_url}/bank")
    shot(page, "20-bank-workbench")
    page.click(f"[data-testid=grant-{APPLICATION}]")
    row = page.locator(f"tr[data-row={APPLICATION}]")
    form = row.locator("form[action$='/grant']")
    form.locator("input[name=contract_no]").fill("GC-WEB-0001")
    form.locator("input[name=on]").fill("2024-03-05")
    row.locator("form[action$='/grant'] button[type=submit]").click()
    assert "已授信，合同 GC-WEB-0001" in flash(page)
    page.click("[data-testid=drawdown-GC-WEB-0001]")
    grant = page.locator("tr[data-row=GC-WEB-0001]")
    grant.locator("input[name=loan_no]").fill("LN-WEB-0001")
    grant.locator("input[name=amount]").fill("200000.00")
    grant.locator("input[name=on]").fill("2024-03-10")
    grant.locator("button[type=submit]").click()
    assert "已放款，借据 LN-WEB-0001" in flash(page)
    assert "LN-WEB-0001" in page.inner_text("[data-testid=loans]")
    shot(page, "21-bank-drawdown")
    # the monthly file: a bad row is reported row by row and nothing is imported
    page.set_input_files(
        "[data-testid=import-form] input[type=file]",
        files=[
            {
                "name": "loans-2024-03.csv",
                "mimeType": "text/csv",
                "buffer": b"loan_no,contract_no,amount\nLN-X,GC-NONE,abc\n",
            }
        ],
    )
    page.click("[data-testid=import-form] button[type=submit]")
    assert page.locator("[data-testid=import-issues] tbody tr").count() >= 1
    shot(page, "22-bank-import-errors")
    with unit_of_work(server.world.url) as s:
        rows = audit.list_(session=s, actor="bank_a", table_name="loan")
        assert any(r.action == "insert" or r.action == "create" for r in rows)


def test_programme_officer_makes_and_another_approves_payout(page: Any, server: Server) -> None:
    claim = server.world.side.claim_no
    sign_in(page, server, "prog")
    page.goto(f"{server.base_url}/office/approvals")
    shot(page, "30-approvals")
    page.click(f"[data-testid=approve-{claim}]")
    first = flash(page)
    assert "经办" in first or "maker" in first.lower()
    # the maker cannot also be the checker
    page.click(f"[data-testid=approve-{claim}]")
    assert "不能" in flash(page)
    shot(page, "31-maker-cannot-check")
    sign_in(page, server, "prog2")
    page.goto(f"{server.base_url}/office/approvals")
    page.click(f"[data-testid=approve-{claim}]")
    assert "已审批" in flash(page)
    assert page.locator(f"[data-testid=payouts] tr[data-row={claim}]").count() == 0
    shot(page, "32-payout-approved")


def test_admin_publishes_release_and_downloads_pdf(page: Any, server: Server) -> None:
    rid = server.world.release_id
    sign_in(page, server, "gov")
    page.goto(f"{server.base_url}/dashboard?release={rid}")
    page.wait_for_selector(".chart[data-drawn='1']")
    shot(page, "40-dashboard")
    page.goto(f"{server.base_url}/office/releases")
    assert "待复核发布" in page.inner_text(f"[data-testid=status-{rid}]")
    page.click(f"[data-testid=publish-{rid}]")
    assert "已发布" in flash(page)
    assert "已发布" in page.inner_text(f"[data-testid=status-{rid}]")
    shot(page, "41-release-published")
    with page.expect_download() as info:
        page.click(f"[data-testid=report-{rid}-pdf]")
    download = info.value
    path = download.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.suggested_filename == f"report-{rid}-zh.pdf"
    for name, url in (
        ("42-users", "/admin/users"),
        ("43-audit", "/admin/audit"),
        ("44-registry", "/office/registry"),
        ("45-standard", "/office/standards/tech_sme"),
        ("46-products", "/office/products"),
        ("47-insurance", "/insurance"),
        ("48-funds", "/funds"),
        ("49-insurance-claims", "/insurance/claims"),
        ("50-patents", "/ip/patents"),
        ("51-patent", f"/ip/patents/{server.world.side.patent_no}"),
        ("52-ip-centres", "/ip/centres"),
    ):
        page.goto(server.base_url + url)
        assert page.locator("h1").count() == 1
        shot(page, name)
