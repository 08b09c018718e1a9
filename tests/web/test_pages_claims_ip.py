"""The 授信申请 (withdraw), 保险理赔 and 知识产权 pages (in-process client): menu and pages per role as
the policy allows, organisation scoping, the withdraw confirmation and action through htmx and
plain forms, the insurer's claim actions with history, patent search, detail and IP centres."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from kechuang.core.ids import make_patent_no
from kechuang.credit.enums import ApplicationStatus
from kechuang.credit.models import CreditApplication
from kechuang.insurance.enums import ClaimStatus
from kechuang.insurance.models import InsuranceClaim
from kechuang.ip.enums import CentreKind, EventKind, MatchStatus, PatentType
from kechuang.ip.models import IpCentre, Patent, PatentEvent, PatentOwner, Pledge
from kechuang.registry.models import Institution
from kechuang.storage import audit
from kechuang.storage.db import unit_of_work
from tests.api.client import TestClient
from tests.web.conftest import WebWorld, web_app
from tests.web.test_pages import sign_in
from tests.web.world import APPLICATION

pytestmark = pytest.mark.slow

BULK = 55
"""Extra utility-model patents of an owner linked to no enterprise (two pages of 50)."""
HTMX = {"HX-Request": "true"}


def _seed(url: str) -> None:
    """Patent A granted and later lapsed, pledged; many unlinked patents; two IP centres."""
    with unit_of_work(url) as s:
        a = s.scalars(select(Patent).where(Patent.title == "测试专利A")).one()
        a.grant_date = dt.date(2023, 6, 1)
        s.add(PatentEvent(patent_id=a.id, kind=EventKind.LAPSE, event_date=dt.date(2025, 3, 1)))
        bank = s.scalars(select(Institution).where(Institution.code == "BANK-A")).one()
        pledge = Pledge(
            registration_no="ZX-WEB-0001",
            pledgor_name="上海A测试科技有限公司",
            pledgee_institution_id=bank.id,
            pledgee_name="BANK-A 上海",
            amount=Decimal("2000000.00"),
            registration_date=dt.date(2024, 1, 15),
        )
        pledge.patents.append(a)
        s.add(pledge)
        for n in range(BULK):
            p = Patent(
                application_no=make_patent_no(2020, "2", 500000 + n),
                patent_type=PatentType.UTILITY_MODEL,
                filing_date=dt.date(2020, 1, 1) + dt.timedelta(days=n),
                title=f"批量实用新型{n}",
            )
            s.add(p)
            s.flush()
            s.add(
                PatentOwner(
                    patent_id=p.id,
                    position=1,
                    name="批量专利持有人",
                    match_status=MatchStatus.UNMATCHED,
                    valid_from=p.filing_date,
                )
            )
        ipc = s.scalars(select(Institution).where(Institution.code == "IPC-A")).one()
        s.add(
            IpCentre(
                code="CTR-FIN-1",
                name="浦东知识产权金融服务中心",
                kind=CentreKind.IP_FINANCE_CENTRE,
                recognising_body="市知识产权局",
                recognised_on=dt.date(2023, 5, 1),
                operator_institution_id=ipc.id,
                district_code="310115",
            )
        )
        s.add(
            IpCentre(
                code="CTR-PRO-1",
                name="上海知识产权保护中心",
                kind=CentreKind.PROTECTION_CENTRE,
                recognised_on=dt.date(2021, 9, 1),
                operator_name="保护中心运营方",
            )
        )


@pytest.fixture(scope="module")
def client(web_world: WebWorld) -> Iterator[TestClient]:
    _seed(web_world.url)
    with TestClient(web_app(web_world.url), follow_redirects=False) as c:
        yield c


def _status_of(url: str, number: str) -> ApplicationStatus:
    with unit_of_work(url) as s:
        app = s.scalars(
            select(CreditApplication).where(CreditApplication.application_no == number)
        ).one()
        return app.status


def _nav(html: str) -> set[str]:
    nav = re.search(r'<nav class="menu">(.*?)</nav>', html, re.S)
    assert nav is not None
    return set(re.findall(r'href="([^"]+)"', nav.group(1)))


# ----------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        ("ent_a", {"/applications", "/insurance/claims", "/ip/patents"}, set()),
        ("bank_a", {"/ip/patents"}, {"/applications", "/insurance/claims"}),
        ("ins_a", {"/insurance/claims", "/ip/patents"}, {"/applications"}),
        ("ipo_a", {"/ip/patents"}, {"/applications", "/insurance/claims"}),
        ("fm_a", {"/ip/patents"}, {"/applications", "/insurance/claims"}),
        ("prog", {"/insurance/claims", "/ip/patents"}, {"/applications"}),
        ("aud", {"/insurance/claims", "/ip/patents"}, {"/applications"}),
    ],
)
def test_menu_links_follow_the_policy(
    client: TestClient, username: str, shown: set[str], hidden: set[str]
) -> None:
    sign_in(client, username)
    links = _nav(client.get("/dashboard").text)
    assert shown <= links, (username, links)
    assert not hidden & links, (username, links)


@pytest.mark.parametrize(
    ("username", "pages", "forbidden"),
    [
        ("ent_a", ["/applications", "/insurance/claims", "/ip/patents", "/ip/centres"], []),
        ("ins_a", ["/insurance/claims", "/insurance/claims/ICL-A-0001"], ["/applications"]),
        ("ipo_a", ["/ip/patents", "/ip/centres"], ["/insurance/claims", "/applications"]),
        ("fm_a", ["/ip/patents"], ["/insurance/claims", "/applications"]),
        ("prog", ["/insurance/claims/ICL-B-0001", "/applications"], []),
        ("aud", ["/insurance/claims", "/ip/patents", "/ip/centres"], []),
    ],
)
def test_pages_per_role(
    client: TestClient, username: str, pages: list[str], forbidden: list[str]
) -> None:
    sign_in(client, username)
    for page in pages:
        r = client.get(page)
        assert r.status_code == 200, (page, r.text[:2000])
    for page in forbidden:
        r = client.get(page)
        assert r.status_code == 403, (page, r.status_code)
        assert "无权限" in r.text


def test_pages_need_login(client: TestClient) -> None:
    client.cookies.clear()
    r = client.get("/insurance/claims?status=notified")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Finsurance%2Fclaims%3Fstatus%3Dnotified"
    assert client.get("/applications").status_code == 303


def test_active_menu_entry_is_the_most_specific(client: TestClient) -> None:
    sign_in(client, "ins_a")
    html = client.get("/insurance/claims").text
    assert re.search(r'href="/insurance/claims" class="active"', html)
    assert not re.search(r'href="/insurance" class="active"', html)
    sign_in(client, "ipo_a")
    assert re.search(r'href="/ip/patents" class="active"', client.get("/ip/centres").text)


# ----------------------------------------------------------------------------- withdraw


def test_enterprise_sees_only_its_own_applications(client: TestClient) -> None:
    sign_in(client, "ent_a")
    page = client.get("/applications").text
    assert "APP-A-0001" in page and APPLICATION in page
    assert "APP-B-0001" not in page
    assert "BANK-A 上海" in page and "sh_boost_loan" in page and "¥500,000.00" in page
    assert 'data-testid="withdraw-APP-A-0001"' in page
    only = client.get("/applications?status=withdrawn").text
    assert "APP-A-0001" not in only
    assert client.get("/applications?status=nonsense").status_code == 422


def test_withdraw_confirmation_then_htmx_update(client: TestClient, web_world: WebWorld) -> None:
    token = sign_in(client, "ent_a")
    frag = client.get(f"/applications/{APPLICATION}/withdraw", headers=HTMX)
    assert frag.status_code == 200
    assert "<html" not in frag.text and 'data-testid="withdraw-form"' in frag.text
    assert 'hx-post="/applications/' in frag.text and 'name="csrf_token"' in frag.text
    page = client.get(f"/applications/{APPLICATION}/withdraw")  # without JavaScript: a page
    assert "<html" in page.text and "确认撤回" in page.text
    assert _status_of(web_world.url, APPLICATION) is ApplicationStatus.SUBMITTED
    r = client.post(
        f"/applications/{APPLICATION}/withdraw",
        data={"csrf_token": token, "reason": "资金需求已满足"},
        headers=HTMX,
    )
    assert r.status_code == 200
    assert f"已撤回申请 {APPLICATION}" in r.text
    assert 'id="applications-panel"' in r.text
    assert re.search(rf'data-testid="status-{APPLICATION}">已撤回', r.text)
    assert f'data-testid="withdraw-{APPLICATION}"' not in r.text
    assert _status_of(web_world.url, APPLICATION) is ApplicationStatus.WITHDRAWN
    with unit_of_work(web_world.url) as s:
        rows = audit.list_(session=s, actor="ent_a", table_name="credit_application")
        assert rows and rows[0].actor_role == "enterprise"
    # the status no longer allows it: a bilingual error, nothing written
    again = client.post(
        f"/applications/{APPLICATION}/withdraw?lang=en",
        data={"csrf_token": token},
        headers=HTMX,
    )
    assert again.status_code == 200
    assert "cannot withdraw" in again.text and "withdrawn" in again.text
    zh = client.post(
        f"/applications/{APPLICATION}/withdraw?lang=zh", data={"csrf_token": token}, headers=HTMX
    )
    assert "不能撤回" in zh.text
    gone = client.get(f"/applications/{APPLICATION}/withdraw")
    assert "不能撤回" in gone.text and 'data-testid="withdraw-form"' not in gone.text


def test_withdraw_without_htmx_redirects_with_message(
    client: TestClient, web_world: WebWorld
) -> None:
    token = sign_in(client, "ent_a")
    with unit_of_work(web_world.url) as s:
        app = s.scalars(
            select(CreditApplication).where(CreditApplication.application_no == "APP-A-0001")
        ).one()
        app.status = ApplicationStatus.UNDER_REVIEW
    r = client.post("/applications/APP-A-0001/withdraw", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/applications"
    assert "已撤回申请 APP-A-0001" in client.get("/applications").text
    assert _status_of(web_world.url, "APP-A-0001") is ApplicationStatus.WITHDRAWN


def test_withdraw_is_scoped_and_needs_csrf(client: TestClient, web_world: WebWorld) -> None:
    token = sign_in(client, "ent_a")
    other = client.post("/applications/APP-B-0001/withdraw", data={"csrf_token": token})
    assert other.status_code == 403
    assert client.get("/applications/APP-B-0001/withdraw").status_code == 403
    forged = client.post("/applications/APP-B-0001/withdraw", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert _status_of(web_world.url, "APP-B-0001") is ApplicationStatus.SUBMITTED
    token = sign_in(client, "prog")  # reads every application, may not withdraw any
    assert "APP-B-0001" in client.get("/applications").text
    assert 'data-testid="withdraw-' not in client.get("/applications").text
    r = client.post("/applications/APP-B-0001/withdraw", data={"csrf_token": token})
    assert r.status_code == 403
    assert _status_of(web_world.url, "APP-B-0001") is ApplicationStatus.SUBMITTED


# ----------------------------------------------------------------------------- claims


def test_insurer_sees_only_claims_on_its_policies(client: TestClient) -> None:
    sign_in(client, "ins_a")
    page = client.get("/insurance/claims").text
    assert "ICL-A-0001" in page and "ICL-B-0001" not in page
    assert "POL-A-0001" in page
    assert client.get("/insurance/claims/ICL-B-0001").status_code == 403
    assert "ICL-A-0001" not in client.get("/insurance/claims?status=paid").text
    assert "ICL-A-0001" in client.get("/insurance/claims?status=notified").text
    none = client.get("/insurance/claims?product=no_such_product").text
    assert "ICL-A-0001" not in none
    dated = client.get("/insurance/claims?date_from=2024-05-01&date_to=2024-05-31").text
    assert "ICL-A-0001" in dated
    assert "ICL-A-0001" not in client.get("/insurance/claims?date_from=2024-06-01").text
    assert client.get("/insurance/claims?date_from=yesterday").status_code == 422


def test_city_wide_roles_read_claims_without_buttons(client: TestClient) -> None:
    token = sign_in(client, "prog")
    page = client.get("/insurance/claims").text
    assert "ICL-A-0001" in page and "ICL-B-0001" in page
    assert 'data-testid="notify-form"' not in page
    detail = client.get("/insurance/claims/ICL-B-0001").text
    assert 'data-testid="assess-form"' not in detail
    r = client.post(
        "/insurance/claims/ICL-B-0001/assess",
        data={"csrf_token": token, "amount": "1.00", "on": "2024-06-01"},
    )
    assert r.status_code == 403
    sign_in(client, "ent_a")  # the insured enterprise reads its own claims
    own = client.get("/insurance/claims").text
    assert "ICL-A-0001" in own and "ICL-B-0001" not in own
    assert 'data-testid="notify-form"' not in own


def test_insurer_notifies_assesses_and_pays(client: TestClient, web_world: WebWorld) -> None:
    token = sign_in(client, "ins_a")
    page = client.get("/insurance/claims").text
    assert 'data-testid="notify-form"' in page and "POL-B-0001" not in page
    foreign = client.post(
        "/insurance/claims",
        data={
            "csrf_token": token,
            "claim_no": "ICL-WEB-X",
            "policy_no": "POL-B-0001",
            "loss_date": "2024-06-01",
            "notified_on": "2024-06-02",
        },
    )
    assert foreign.status_code == 403
    r = client.post(
        "/insurance/claims",
        data={
            "csrf_token": token,
            "claim_no": "ICL-WEB-1",
            "policy_no": "POL-A-0001",
            "loss_date": "2024-06-01",
            "notified_on": "2024-06-03",
            "description": "设备故障",
        },
    )
    assert r.status_code == 303
    assert "已报案 ICL-WEB-1" in client.get("/insurance/claims").text
    url = "/insurance/claims/ICL-WEB-1"
    detail = client.get(url).text
    assert 'data-testid="assess-form"' in detail and 'data-testid="pay-form"' not in detail
    # above the sum insured: refused with the domain's message, nothing written
    too_much = client.post(
        f"{url}/assess", data={"csrf_token": token, "amount": "20000000.00", "on": "2024-06-10"}
    )
    assert too_much.headers["location"] == url
    assert "超过保额" in client.get(url).text
    ok = client.post(
        f"{url}/assess", data={"csrf_token": token, "amount": "123456.78", "on": "2024-06-10"}
    )
    assert ok.status_code == 303
    detail = client.get(url).text
    assert "已定损 ICL-WEB-1" in detail and 'data-testid="pay-form"' in detail
    client.post(f"{url}/pay", data={"csrf_token": token, "on": "2024-06-20"})
    detail = client.get(url + "?lang=en").text
    assert "claim ICL-WEB-1 paid" in detail
    assert 'data-testid="allocations"' in detail and "INS-A" in detail
    assert "¥123,456.78" in detail
    history = detail.split('data-testid="history"', 1)[1]
    assert history.count("ins_a") == 3  # notified, assessed, paid — each with the user as actor
    assert "assessed at" in history
    assert 'data-testid="reject-form"' not in detail  # paid is final
    with unit_of_work(web_world.url) as s:
        claim = s.scalars(
            select(InsuranceClaim).where(InsuranceClaim.claim_no == "ICL-WEB-1")
        ).one()
        assert claim.status is ClaimStatus.PAID
        assert claim.paid_amount == Decimal("123456.78")
        assert claim.allocations == {"INS-A": "123456.78"}


def test_insurer_rejects_with_reason(client: TestClient) -> None:
    token = sign_in(client, "ins_a")
    url = "/insurance/claims/ICL-A-0001"
    empty = client.post(f"{url}/reject", data={"csrf_token": token, "reason": "", "on": ""})
    assert empty.status_code == 303
    assert "拒赔必须说明理由" in client.get(url).text
    client.post(f"{url}/reject", data={"csrf_token": token, "reason": "不属保险责任", "on": ""})
    detail = client.get(url).text
    assert "已拒赔" in detail and "不属保险责任" in detail
    assert 'data-testid="assess-form"' not in detail


# ----------------------------------------------------------------------------- IP


def _patent_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-row="([^"]+)">', html.split('data-testid="patents"', 1)[1])


def test_patent_search_filters_and_pages(client: TestClient, web_world: WebWorld) -> None:
    sign_in(client, "ipo_a")
    a_no = web_world.side.patent_no
    first = client.get("/ip/patents").text
    assert len(_patent_rows(first)) == 50
    assert f"共 {BULK + 2} 条" in first and 'data-testid="next-page"' in first
    second = client.get("/ip/patents?page=2").text
    assert len(_patent_rows(second)) == BULK + 2 - 50
    assert not set(_patent_rows(first)) & set(_patent_rows(second))
    assert _patent_rows(client.get(f"/ip/patents?number=CN{a_no}").text) == [a_no]
    assert len(_patent_rows(client.get("/ip/patents?owner=批量专利持有人").text)) == 50
    assert _patent_rows(client.get(f"/ip/patents?owner={web_world.side.uscc}").text) == [a_no]
    invention = _patent_rows(client.get("/ip/patents?patent_type=invention").text)
    assert a_no in invention and len(invention) == 2
    in_force = client.get("/ip/patents?status=in_force&on=2024-06-30").text
    assert _patent_rows(in_force) == [a_no]
    assert _patent_rows(client.get("/ip/patents?status=lapsed&on=2025-06-30").text) == [a_no]
    assert _patent_rows(client.get("/ip/patents?status=in_force&on=2025-06-30").text) == []
    dated = _patent_rows(client.get("/ip/patents?filed_from=2021-01-01&filed_to=2021-12-31").text)
    assert a_no in dated and len(dated) == 2
    assert client.get("/ip/patents?status=bogus").status_code == 422
    assert client.get("/ip/patents?patent_type=bogus").status_code == 422


def test_enterprise_sees_only_its_patents(client: TestClient, web_world: WebWorld) -> None:
    sign_in(client, "ent_a")
    rows = _patent_rows(client.get("/ip/patents").text)
    assert rows == [web_world.side.patent_no]
    b_no = make_patent_no(2021, "1", 100002)
    assert client.get(f"/ip/patents/{b_no}").status_code == 403


def test_patent_detail_timeline_owners_pledges_verdict(
    client: TestClient, web_world: WebWorld
) -> None:
    sign_in(client, "bank_a")
    a_no = web_world.side.patent_no
    page = client.get(f"/ip/patents/{a_no}?on=2024-06-30").text
    status = page.split('data-testid="status"', 1)[1][:400]
    assert "有效" in status and "2023-06-01" in status
    timeline = page.split('data-testid="timeline"', 1)[1].split("</table>", 1)[0]
    assert "2025-03-01" in timeline and "未缴年费终止" in timeline
    assert "上海A测试科技有限公司" in page.split('data-testid="owners"', 1)[1]
    pledges = page.split('data-testid="pledges"', 1)[1].split("</table>", 1)[0]
    assert "ZX-WEB-0001" in pledges and "¥2,000,000.00" in pledges and "✓" in pledges
    verdict = page.split('data-testid="high-value"', 1)[1]
    assert "高价值发明专利" in verdict
    assert 'data-testid="high-value-checks"' in page
    later = client.get(f"/ip/patents/{a_no}?on=2025-06-30&lang=en").text
    assert "lapsed" in later.split('data-testid="status"', 1)[1][:400]
    early = client.get(f"/ip/patents/{a_no}?on=2020-06-30&lang=zh").text
    assert "不作判定" in early
    assert client.get("/ip/patents/CN000000000000").status_code in (404, 422)
    assert client.get(f"/ip/patents/{a_no}?on=someday").status_code == 422


def test_ip_centres_list(client: TestClient) -> None:
    sign_in(client, "ipo_a")
    page = client.get("/ip/centres").text
    assert "浦东知识产权金融服务中心" in page and "上海知识产权保护中心" in page
    assert "IPC-A 上海" in page and "保护中心运营方" in page
    only = client.get("/ip/centres?kind=protection_centre").text
    assert "上海知识产权保护中心" in only and "浦东知识产权金融服务中心" not in only
    assert "IP centres" in client.get("/ip/centres?lang=en").text
    client.get("/ip/centres?lang=zh")
