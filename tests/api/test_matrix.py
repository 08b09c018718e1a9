"""Role × endpoint matrix: every API route, every role, own and foreign organisation.

The routes come from the app's route table, so a new route without a policy requirement (or an
explicit ``public`` marker) fails :func:`test_every_route_names_its_policy`, and a route whose
sample request is not described here fails :func:`test_every_route_has_a_sample`.

For every route and role: a role the policy does not allow gets 403; an allowed role acting on its
own organisation's records is neither refused nor a server error (reads answer 200). For every
route that addresses one record, an org-bound role asking for another organisation's record gets
403/404, and lists never show another organisation's records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from kechuang.api import create_app
from kechuang.api.deps import PUBLIC, Authorize
from kechuang.api.routes import ROUTERS
from kechuang.api.settings import Settings
from kechuang.auth import policy
from kechuang.auth.enums import ORG_KIND, Role
from kechuang.indicators.releases import create_release, publish_release
from kechuang.migrations import upgrade
from kechuang.policy.imports import load_shipped
from kechuang.storage.db import reset_engines, unit_of_work
from kechuang.storage.db import sqlite_url as make_sqlite_url
from tests.api.client import TestClient
from tests.api.world import PASSWORD, USERS, Side, build

PREFIX = "/api/v1"


@dataclass(frozen=True)
class World:
    client: TestClient
    app: FastAPI
    a: Side
    b: Side
    headers: dict[Role, dict[str, str]]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = make_sqlite_url(tmp_path_factory.mktemp("matrix") / "matrix.db")
    upgrade(url)
    a, b = build(url)
    releases = tmp_path_factory.mktemp("releases")
    with unit_of_work(url) as session:
        load_shipped(session=session, actor="fixture")  # the shipped programme entries
    made = create_release(url=url, year=2024, root=releases, synthetic=True)
    publish_release(
        made.release_id, by="fixture", approved_by="checker", root=releases
    )  # readable by every role
    app = create_app(url, Settings(database_url=url, releases_root=str(releases)))
    with TestClient(app) as client:
        headers = {}
        for role, username in USERS.items():
            r = client.post(
                f"{PREFIX}/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert r.status_code == 200, r.text
            headers[role] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield World(client=client, app=app, a=a, b=b, headers=headers)
    reset_engines()


# ------------------------------------------------------------------------- the route table


@dataclass(frozen=True)
class Route:
    """One API operation: method, full path and its FastAPI route (with its dependencies)."""

    method: str
    path: str
    route: APIRoute


def api_routes(app: FastAPI) -> list[Route]:
    """Every operation under ``/api/v1``: the routers' routes, checked against the OpenAPI schema
    so that a route added any other way is not missed."""
    found: list[Route] = []
    for router in ROUTERS:
        for r in router.routes:
            assert isinstance(r, APIRoute)
            found.append(Route(method_of(r), PREFIX + r.path, r))
    found.append(Route("GET", f"{PREFIX}/health", _health_route()))
    schema_ops = {
        (m.upper(), p)
        for p, ops in app.openapi()["paths"].items()
        if p.startswith(PREFIX)
        for m in ops
    }
    assert {(r.method, r.path) for r in found} == schema_ops
    return found


def _health_route() -> APIRoute:
    def health() -> None:
        """Stand-in for the app's health route (public)."""

    return APIRoute("/health", health, openapi_extra={"x-kechuang-auth": PUBLIC})


def requirement(route: APIRoute) -> tuple[str, str] | str | None:
    """``(resource, action)`` of the route's :class:`Authorize` dependency, ``"public"``, or None."""
    if (route.openapi_extra or {}).get("x-kechuang-auth") == PUBLIC:
        return PUBLIC
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Authorize):
            return (dep.call.resource, dep.call.action)
        stack.extend(dep.dependencies)
    return None


def method_of(route: APIRoute) -> str:
    return sorted(route.methods - {"HEAD", "OPTIONS"})[0]


def test_every_route_names_its_policy() -> None:
    app = create_app("sqlite+pysqlite:///:memory:")
    routes = api_routes(app)
    missing = [f"{r.method} {r.path}" for r in routes if requirement(r.route) is None]
    assert missing == [], f"routes without authorize(...) or a public marker: {missing}"
    for r in routes:
        req = requirement(r.route)
        if req != PUBLIC:
            assert req in policy.POLICY, (r.path, req)
    public = sorted(r.path for r in routes if requirement(r.route) == PUBLIC)
    assert public == [f"{PREFIX}/auth/login", f"{PREFIX}/health"]


# ------------------------------------------------------------------------- sample requests

CSV = ("sample.csv", b"a,b\n", "text/csv")


def _params(w: World, side: Side, path: str) -> dict[str, str]:
    """Path parameters of ``path`` addressing ``side``'s records."""
    credit_claim = "/credit/claims/" in path
    insurance_claim = "/insurance/claims/" in path
    patent = "/ip/patents/" in path
    return {
        "uscc": side.uscc,
        "application_no": side.patent_no if patent else side.application_no,
        "contract_no": side.contract_no,
        "loan_no": side.loan_no,
        "claim_no": side.claim_no
        if credit_claim
        else side.insurance_claim_no
        if insurance_claim
        else "",
        "policy_no": side.policy_no,
        "subsidy_no": side.subsidy_no,
        "code": "2023-sti-guide-fund" if "/policy/" in path else side.fund_code,
        "standard_key": "tech_sme",
        "key": "patents_granted" if "/indicators/" in path else "sh_boost_loan",
        "kind": "",  # filled per route below
        "username": "victim",
        "token_id": "999999",
        "release_id": "2024-r1",
        "approval_id": "1",
    }


KINDS = {
    "/registry/imports/": "enterprises",
    "/credit/imports/": "grants",
    "/insurance/imports/": "policies",
    "/funds/imports/": "funds",
    "/ip/imports/": "patents",
    "/policy/imports/": "policy_items",
}


def sample(w: World, side: Side, method: str, path: str) -> dict[str, Any]:
    """A request for ``method path`` acting on ``side`` (url, json, files)."""
    values = _params(w, side, path)
    for prefix, kind in KINDS.items():
        if prefix in path:
            values["kind"] = kind
    url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    spec: dict[str, Any] = {"url": url}
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/auth/tokens"): {"name": "matrix", "scopes": ["read"]},
        ("POST", "/auth/login"): {"username": "gov", "password": PASSWORD},
        ("POST", "/auth/password"): {"current_password": "wrong", "new_password": "x" * 12},
        ("POST", "/users"): {"username": "matrix-user", "password": PASSWORD, "role": "auditor"},
        ("POST", "/registry/enterprises"): {
            "uscc": "91310000MA1K000007",
            "name": "矩阵测试公司",
            "district_code": "310115",
            "registered_on": "2020-01-01",
        },
        ("PATCH", "/registry/enterprises/{uscc}"): {"version": 999, "address": "上海"},
        ("POST", "/registry/institutions"): {
            "code": "MATRIX-INST",
            "name": "矩阵",
            "kind": "other",
        },
        ("POST", "/standards/{standard_key}/simulate"): {
            "as_of": "2024-06-30",
            "overrides": {"tech_sme.min_score": 50},
        },
        ("POST", "/credit/applications"): {
            "application_no": f"APP-M-{side.bank}",
            "uscc": side.uscc,
            "bank_code": side.bank,
            "product_key": "sh_boost_loan",
            "requested_amount": "500000.00",
            "requested_term_months": 12,
            "applied_on": "2024-02-01",
        },
        ("POST", "/credit/claims"): {
            "claim_no": f"CL-M-{side.bank}",
            "loan_no": side.loan_no,
            "agreement_key": "sh_sme_risk_compensation_2024",
            "on": "2024-07-20",
        },
        ("POST", "/credit/claims/{claim_no}/approve"): {"on": "2024-07-20"},
        ("POST", "/credit/applications/{application_no}/approve"): {
            "on": "2024-01-04",
            "grant": {
                "contract_no": f"GC-M-{side.bank}",
                "amount": "800000.00",
                "term_months": 12,
                "annual_rate": "0.0345",
                "repayment_method": "interest_only",
                "security": "insurance",
            },
        },
        ("POST", "/credit/applications/{application_no}/review"): {"on": "2024-01-03"},
        ("POST", "/credit/applications/{application_no}/withdraw"): {"on": "2024-01-03"},
        ("POST", "/credit/applications/{application_no}/reject"): {
            "on": "2024-01-04",
            "reason": "材料不全",
        },
        ("POST", "/credit/grants/{contract_no}/drawdowns"): {
            "loan_no": f"LN-M-{side.bank}",
            "amount": "100000.00",
            "on": "2024-02-01",
        },
        ("POST", "/credit/loans/{loan_no}/repayments"): {
            "principal": "1000.00",
            "on": "2024-08-01",
        },
        ("POST", "/credit/claims/{claim_no}/pay"): {"on": "2024-07-25"},
        ("POST", "/insurance/subsidies/{subsidy_no}/approve"): {"on": "2024-03-20"},
        ("POST", "/insurance/claims"): {
            "claim_no": f"ICL-M-{side.insurer}",
            "policy_no": side.policy_no,
            "loss_date": "2024-06-01",
            "notified_on": "2024-06-02",
        },
        ("POST", "/insurance/claims/{claim_no}/assess"): {"amount": "50000.00", "on": "2024-06-10"},
        ("POST", "/insurance/claims/{claim_no}/pay"): {"on": "2024-06-20"},
        ("POST", "/insurance/claims/{claim_no}/reject"): {"reason": "不在保险责任范围"},
        ("POST", "/products/match"): {"as_of": "2024-06-30", "profile": {"employees": 100}},
        ("POST", "/policy/items"): {
            "code": "MATRIX-1",
            "kind": "policy",
            "title_zh": "矩阵测试",
            "year": 2023,
        },
        ("POST", "/policy/statistics"): {
            "key": "resident_population",
            "period_year": 1999,
            "value": "24000000",
            "unit": "persons",
            "label_zh": "常住人口",
            "source_title": "测试",
            "status": "confirmed",
        },
        ("POST", "/standards/{standard_key}/evaluate"): {
            "as_of": "2024-06-30",
            "profiles": [{"id": "x", "employees": 100}],
        },
        ("POST", "/releases"): {"year": 2024, "synthetic": True},
        ("POST", "/insurance/subsidies/{subsidy_no}/pay"): {
            "on": "2024-03-25",
            "payment_ref": "PV1",
        },
    }
    key = (method, path.removeprefix(PREFIX))
    if key in bodies:
        spec["json"] = bodies[key]
    elif "/imports/" in path:
        spec["files"] = {"file": CSV}
    elif method in {"POST", "PATCH", "PUT"} and not path.endswith(
        ("/logout", "/disable", "/publish", "/approve", "/reject")
    ):
        raise KeyError(f"no sample body for {method} {path}")
    return spec


def call(w: World, role: Role, method: str, spec: dict[str, Any], path: str) -> Any:
    headers = w.headers[role]
    if path.endswith("/auth/logout"):  # logging out must not end the role's shared session
        r = w.client.post(
            f"{PREFIX}/auth/login", json={"username": USERS[role], "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return w.client.request(method, headers=headers, **spec)


def test_every_route_has_a_sample(world: World) -> None:
    for route in api_routes(world.app):
        sample(world, world.a, route.method, route.path)


# ------------------------------------------------------------------------- the matrix


def _routes() -> list[tuple[str, str]]:
    app = create_app("sqlite+pysqlite:///:memory:")
    return [
        (r.method, r.path) for r in api_routes(app) if requirement(r.route) not in (None, PUBLIC)
    ]


ROUTES = _routes()


@pytest.mark.slow
def test_role_by_endpoint_matrix(world: World) -> None:
    """Every route × every role on its own organisation's records."""
    app_routes = {(r.method, r.path): r.route for r in api_routes(world.app)}
    failures: list[str] = []
    for method, path in ROUTES:
        req = requirement(app_routes[(method, path)])
        assert isinstance(req, tuple)
        allowed = policy.allowed_roles(*req)
        for role in Role:
            spec = sample(world, world.a, method, path)
            r = call(world, role, method, spec, path)
            where = f"{role.value:18} {method} {path} -> {r.status_code}"
            if r.status_code >= 500:
                failures.append(f"{where} server error {r.text[:200]}")
            elif role not in allowed:
                if r.status_code != 403:
                    failures.append(f"{where}: expected 403")
            elif r.status_code in (401, 403):
                failures.append(f"{where}: allowed role refused {r.text[:200]}")
            elif method == "GET" and r.status_code != 200:
                failures.append(f"{where}: read failed {r.text[:200]}")
    assert failures == [], "\n".join(failures)


FOREIGN_PARAMS = {
    "uscc",
    "application_no",
    "contract_no",
    "loan_no",
    "claim_no",
    "policy_no",
    "subsidy_no",
    "code",
}

ORG_BOUND = [r for r in Role if ORG_KIND[r] is not None]


def _org_scoped(resource: str, role: Role) -> bool:
    rule = policy.SCOPES.get(resource)
    if rule is None:
        return False
    if ORG_KIND[role] == "enterprise":
        return rule.enterprise is not None
    return role in rule.institution_roles


@pytest.mark.slow
def test_no_foreign_read_or_write_succeeds(world: World) -> None:
    """Org-bound roles addressing side B's records are refused, for reads and writes alike."""
    app_routes = {(r.method, r.path): r.route for r in api_routes(world.app)}
    checked = 0
    failures: list[str] = []
    for method, path in ROUTES:
        names = set(re.findall(r"\{(\w+)\}", path))
        body_names = {"/credit/applications", "/credit/claims", "/insurance/claims"}
        addresses_record = bool(names & FOREIGN_PARAMS) or (
            method == "POST" and path.removeprefix(PREFIX) in body_names
        )
        if not addresses_record:
            continue
        req = requirement(app_routes[(method, path)])
        assert isinstance(req, tuple)
        for role in ORG_BOUND:
            if role not in policy.allowed_roles(*req):
                continue
            resource = req[0]
            if path.endswith("/evaluate/{uscc}"):
                resource = "standards.evaluation"
            if path.removeprefix(PREFIX) == "/credit/claims" and method == "POST":
                resource = "credit.loan"
            if path.removeprefix(PREFIX) == "/credit/applications" and method == "POST":
                resource = "credit.application"
            if path.removeprefix(PREFIX) == "/insurance/claims" and method == "POST":
                resource = "insurance.policy"
            if not _org_scoped(resource, role):
                continue
            spec = sample(world, world.b, method, path)
            r = call(world, role, method, spec, path)
            checked += 1
            if r.status_code not in (403, 404):
                failures.append(
                    f"{role.value} {method} {spec['url']} -> {r.status_code} {r.text[:160]}"
                )
    assert failures == [], "\n".join(failures)
    assert checked >= 15


def _markers(side: Side, role: Role) -> list[str]:
    """Keys of side B's records the role must never see."""
    credit = [side.application_no, side.contract_no, side.loan_no]
    insurance = [side.policy_no, side.insurance_claim_no, side.subsidy_no]
    return {
        Role.BANK_OFFICER: [*credit, side.claim_no],
        Role.INSURER_OFFICER: insurance,
        Role.FUND_MANAGER: [side.fund_code],
        Role.ENTERPRISE: [side.uscc, *credit, *insurance, side.patent_no],
        Role.IP_OFFICER: [],
    }[role]


@pytest.mark.slow
def test_lists_show_only_own_records(world: World) -> None:
    failures: list[str] = []
    for method, path in ROUTES:
        if method != "GET" or "{" in path:
            continue
        for role in ORG_BOUND:
            r = world.client.get(path, headers=world.headers[role])
            if r.status_code != 200:
                continue
            leaked = [m for m in _markers(world.b, role) if m in r.text]
            if leaked:
                failures.append(f"{role.value} GET {path} shows {leaked}")
    assert failures == [], "\n".join(failures)
    # and the own records are there (the filter is not simply empty)
    r = world.client.get(f"{PREFIX}/credit/loans", headers=world.headers[Role.BANK_OFFICER])
    assert [x["loan_no"] for x in r.json()["items"]] == [world.a.loan_no]
    r = world.client.get(f"{PREFIX}/registry/enterprises", headers=world.headers[Role.ENTERPRISE])
    assert [x["uscc"] for x in r.json()["items"]] == [world.a.uscc]
    r = world.client.get(f"{PREFIX}/dashboard", headers=world.headers[Role.INSURER_OFFICER])
    assert r.json()["counts"]["insurance.policy"] == 1
    r = world.client.get(f"{PREFIX}/dashboard", headers=world.headers[Role.AUDITOR])
    assert r.json()["counts"]["insurance.policy"] == 2


def test_auditor_can_change_nothing() -> None:
    for resource, action in policy.POLICY:
        if action != "read":
            assert Role.AUDITOR not in policy.allowed_roles(resource, action), resource
    assert all(
        Role.AUDITOR in policy.allowed_roles(res, act)
        for (res, act), roles in policy.POLICY.items()
        if act == "read" and Role.AUDITOR in roles
    )
