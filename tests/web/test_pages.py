"""Every page for the roles that use it (in-process client): login, language, CSRF, scoping, the
main writes through the domain services with the user as actor."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kechuang.storage import audit
from kechuang.storage.db import unit_of_work
from tests.api.client import TestClient
from tests.web.conftest import WebWorld, web_app
from tests.web.world import APPLICATION, PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_client(web_world: WebWorld) -> Iterator[TestClient]:
    with TestClient(web_app(web_world.url), follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    """Sign in through the form; returns the CSRF token of the session."""
    client.cookies.clear()
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD, "next": "/dashboard"}
    )
    assert r.status_code == 303, r.text
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


def test_pages_need_login_and_come_back(app_client: TestClient) -> None:
    app_client.cookies.clear()
    r = app_client.get("/bank?status=submitted")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fbank%3Fstatus%3Dsubmitted"
    bad = app_client.post("/login", data={"username": "bank_a", "password": "wrong password"})
    assert bad.status_code == 401
    assert "用户名或密码错误" in bad.text
    ok = app_client.post(
        "/login", data={"username": "bank_a", "password": PASSWORD, "next": "/bank"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/bank"
    assert "kechuang_session" in ok.cookies


def test_chinese_by_default_english_switch(app_client: TestClient) -> None:
    sign_in(app_client, "gov")
    zh = app_client.get("/dashboard")
    assert "仪表盘" in zh.text and "统计发布" in zh.text
    en = app_client.get("/dashboard?lang=en")
    assert "Dashboard" in en.text and "仪表盘" not in en.text
    # the choice sticks (cookie)
    assert "Releases" in app_client.get("/office/releases").text
    app_client.get("/dashboard?lang=zh")


@pytest.mark.parametrize(
    ("username", "pages", "forbidden"),
    [
        (
            "gov",
            [
                "/dashboard",
                "/office/registry",
                "/office/standards",
                "/office/products",
                "/office/approvals",
                "/office/releases",
                "/admin/users",
                "/admin/audit",
                "/bank",
                "/insurance",
                "/funds",
                "/selfcheck",
            ],
            [],
        ),
        (
            "prog",
            ["/office/standards/tech_sme", "/office/approvals", "/office/releases"],
            ["/admin/users"],
        ),
        (
            "bank_a",
            ["/bank", "/selfcheck", "/dashboard"],
            ["/office/registry", "/admin/audit", "/funds"],
        ),
        ("ins_a", ["/insurance"], ["/bank"]),
        ("fm_a", ["/funds"], ["/insurance"]),
        ("ent_a", ["/selfcheck", "/dashboard", "/bank"], ["/office/approvals", "/funds"]),
        ("aud", ["/admin/audit", "/admin/users", "/office/approvals"], []),
    ],
)
def test_role_pages(
    app_client: TestClient, username: str, pages: list[str], forbidden: list[str]
) -> None:
    sign_in(app_client, username)
    for page in pages:
        r = app_client.get(page)
        assert r.status_code == 200, (page, r.text[:2000])
    for page in forbidden:
        r = app_client.get(page)
        assert r.status_code == 403, (page, r.status_code)
        assert "无权限" in r.text


def test_bank_sees_only_its_own_rows(app_client: TestClient, web_world: WebWorld) -> None:
    sign_in(app_client, "bank_a")
    page = app_client.get("/bank").text
    assert "APP-A-0001" in page and "LN-A-0001" in page
    assert "APP-B-0001" not in page and "LN-B-0001" not in page
    # another bank's loan cannot be touched even with a valid form
    token = sign_in(app_client, "bank_a")
    r = app_client.post(
        "/bank/loans/LN-B-0001/repay",
        data={"csrf_token": token, "principal": "1", "interest": "0", "on": "2024-02-01"},
    )
    assert r.status_code == 403


def test_forms_need_the_csrf_token(app_client: TestClient) -> None:
    sign_in(app_client, "bank_a")
    r = app_client.post(
        f"/bank/applications/{APPLICATION}/reject", data={"reason": "x", "csrf_token": "forged"}
    )
    assert r.status_code == 403
    assert "CSRF" in r.text


def test_registry_edit_is_audited_with_history(app_client: TestClient, web_world: WebWorld) -> None:
    token = sign_in(app_client, "prog")
    uscc = web_world.side.uscc
    page = app_client.get(f"/office/registry/{uscc}").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    r = app_client.post(
        f"/office/registry/{uscc}",
        data={
            "csrf_token": token,
            "version": version.group(1),
            "address": "上海市浦东新区网页路 1 号",
        },
    )
    assert r.status_code == 303
    after = app_client.get(f"/office/registry/{uscc}").text
    assert "网页路" in after and "prog" in after  # history names the actor
    # a stale version is refused and shown
    stale = app_client.post(
        f"/office/registry/{uscc}",
        data={"csrf_token": token, "version": version.group(1), "address": "again"},
    )
    assert stale.status_code == 303
    assert "刷新" in app_client.get(f"/office/registry/{uscc}").text
    with unit_of_work(web_world.url) as s:
        rows = audit.list_(session=s, actor="prog", table_name="enterprise")
        assert rows and rows[0].actor_role == "programme_officer"


def test_bank_import_reports_rows(app_client: TestClient) -> None:
    token = sign_in(app_client, "bank_a")
    bad = "loan_no,contract_no,amount\nLN-X,NO-SUCH,abc\n"
    r = app_client.post(
        "/bank/import",
        data={"csrf_token": token, "kind": "loans"},
        files={"file": ("loans-2024-06.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert 'data-testid="import-issues"' in r.text
    assert "loans-2024-06.csv" in r.text


def test_whatif_and_selfcheck_profile(app_client: TestClient) -> None:
    token = sign_in(app_client, "prog")
    r = app_client.post(
        "/office/standards/tech_sme/whatif",
        data={
            "csrf_token": token,
            "parameter": "tech_sme.scoring.pass_mark",
            "value": "50",
            "as_of": "2024-06-30",
        },
    )
    assert r.status_code == 200, r.text[:3000]
    assert 'data-testid="whatif-result"' in r.text
    p = app_client.post(
        "/selfcheck/profile",
        data={
            "csrf_token": token,
            "name": "试算企业",
            "district_code": "310115",
            "employees": "50",
            "revenue": "20000000",
            "q_tech_sme": "1",
            "as_of": "2024-06-30",
        },
    )
    assert p.status_code == 200, p.text[:3000]
    assert 'data-testid="products"' in p.text


def test_drill_down_is_for_city_wide_roles(app_client: TestClient, web_world: WebWorld) -> None:
    sign_in(app_client, "gov")
    rid = web_world.release_id
    dash = app_client.get(f"/dashboard?release={rid}")
    assert 'data-testid="indicators"' in dash.text and "科创助力贷授信企业" in dash.text
    r = app_client.get(f"/dashboard/{rid}/sh_boost_loan_enterprises")
    assert r.status_code == 200, r.text[:2000]
    assert 'data-testid="records"' in r.text
    assert "GC-A-0001" in r.text or "GC-B-0001" in r.text
    sign_in(app_client, "bank_a")
    assert app_client.get(f"/dashboard/{rid}/sh_boost_loan_enterprises").status_code == 403
    assert app_client.get("/dashboard?release=no-such").status_code == 404


def test_kechuang_serve_mounts_the_pages(
    web_world: WebWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kechuang.cli.serve import asgi_app

    monkeypatch.setenv("KECHUANG_DATABASE_URL", web_world.url)
    with TestClient(asgi_app(), follow_redirects=False) as c:  # type: ignore[arg-type]
        assert c.get("/login").status_code == 200
        assert c.get("/").headers["location"] == "/dashboard"
        js = c.get("/static/vendor/echarts.min.js")
        assert js.status_code == 200 and len(js.content) > 100_000
        assert c.get("/static/vendor/htmx.min.js").status_code == 200
        assert c.get("/api/v1/health").json()["status"] == "ok"


def test_fund_manager_sees_its_fund_metrics(app_client: TestClient) -> None:
    sign_in(app_client, "fm_a")
    page = app_client.get("/funds?as_of=2024-12-31").text
    assert "FUND-A" in page and "FUND-B" not in page
    assert "¥10,000,000.00" in page and "¥4,000,000.00" in page and "¥1,000,000.00" in page
    assert ">0.25x<" in page  # DPI = 1,000,000 / 4,000,000


def test_insurer_sees_its_policies_with_shares(app_client: TestClient) -> None:
    sign_in(app_client, "ins_a")
    page = app_client.get("/insurance").text
    assert "POL-A-0001" in page and "POL-B-0001" not in page
    assert "INS-A 100.00%" in page and "主承保" in page


def test_bad_numbers_come_back_as_messages(app_client: TestClient) -> None:
    token = sign_in(app_client, "prog")
    r = app_client.post("/office/releases", data={"csrf_token": token, "year": "twenty"})
    assert r.status_code == 303
    assert "输入无效" in app_client.get("/office/releases").text


def test_apply_only_for_own_organisation(app_client: TestClient, web_world: WebWorld) -> None:
    token = sign_in(app_client, "ent_a")
    other = "91310115700000020Y"  # not side A's USCC
    form = {
        "csrf_token": token,
        "uscc": other,
        "bank_code": web_world.side.bank,
        "product_key": "sh_micro_loan",
        "amount": "100000.00",
        "term_months": "12",
        "applied_on": "2024-06-30",
    }
    r = app_client.post("/selfcheck/apply", data=form)
    assert r.status_code == 303
    assert "只能为本机构或本企业办理" in app_client.get(r.headers["location"]).text
    token = sign_in(app_client, "bank_a")
    form.update(csrf_token=token, uscc=web_world.side.uscc, bank_code="BANK-B")
    r = app_client.post("/selfcheck/apply", data=form)
    assert "只能为本机构或本企业办理" in app_client.get(r.headers["location"]).text
    assert "BANK-B" not in app_client.get("/bank").text


def test_an_enterprise_cannot_decide_its_own_application(app_client: TestClient) -> None:
    token = sign_in(app_client, "ent_a")
    page = app_client.get("/bank").text
    assert "APP-A-0001" in page and "/grant" not in page  # no decision buttons
    r = app_client.post(
        "/bank/applications/APP-A-0001/grant",
        data={
            "csrf_token": token,
            "contract_no": "GC-SELF",
            "amount": "1",
            "term_months": "12",
            "annual_rate": "0.01",
            "repayment_method": "interest_only",
            "security": "none",
        },
    )
    assert r.status_code == 403
