"""API load benchmark: 50 concurrent simulated users on the self-check and dashboard endpoints.

Run ``.venv/bin/python benchmarks/bench_api.py [--users 50] [--duration 60] [--think 1.0]
[--enterprises 2000] [--workers 1] [--json FILE]``. Loopback only. See ``docs/api.md`` ("Load").

What it does:

1. Builds a fresh SQLite database (migrated; ``--enterprises`` enterprises with two fiscal years,
   a bank with grants and loans) and one user per simulated user: most are enterprise users (each
   its own enterprise), the rest government officers and bank officers. Login tokens are issued
   through the auth service (argon2 logins are not what is measured).
2. Starts ``uvicorn`` in a subprocess on ``127.0.0.1`` (a free port; ``kechuang serve``'s
   application) and waits for ``/api/v1/health``.
3. Runs ``--users`` concurrent closed-loop users for ``--duration`` seconds. Each user repeatedly
   calls its endpoints in turn — enterprise users the self-check (``GET
   /api/v1/standards/tech_sme/evaluate/{own USCC}`` and ``GET /api/v1/products/match/{own USCC}``,
   every product matched) and ``GET /api/v1/dashboard``; officers ``GET /api/v1/dashboard`` — then
   waits a think time drawn uniformly from 0.5–1.5 × ``--think`` seconds (a person reading the
   page; 0 = flat out). Users start spread over one think time, so they do not arrive in lockstep.
4. Prints requests, errors, throughput and p50 / p95 / p99 latency (overall and per endpoint)
   against the target: p95 ≤ 100 ms and no errors. Exit status 1 when the target is missed.

The load generator runs on the same machine as the server, so on a 2-core machine the two compete
for the CPUs; the numbers are therefore conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

if __package__:
    from ._common import environment
else:  # run as a script: benchmarks/ is on sys.path
    from _common import environment

TARGET_P95_MS = 100.0
SELF_CHECK = "self-check"
DASHBOARD = "dashboard"
PRODUCT_MATCH = "self-check products"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_database(path: Path, enterprises: int, users: int) -> tuple[str, list[dict[str, str]]]:
    """A migrated database with data and ``users`` users; returns its URL and the users."""
    from kechuang.auth import service as auth_service
    from kechuang.auth.enums import Role
    from kechuang.auth.models import User
    from kechuang.core.ids import make_uscc
    from kechuang.credit.enums import LoanStatus, RepaymentMethod, Security
    from kechuang.credit.models import CreditGrant, Loan
    from kechuang.migrations import upgrade
    from kechuang.registry.enums import InstitutionKind
    from kechuang.registry.models import Enterprise, EnterpriseYear, Institution
    from kechuang.storage.db import sqlite_url, unit_of_work

    url = sqlite_url(path)
    upgrade(url)
    hashed = auth_service.hash_password("benchmark-password")
    people: list[dict[str, str]] = []
    with unit_of_work(url) as session:
        bank = Institution(code="BANK-BENCH", name="基准银行", kind=InstitutionKind.BANK)
        session.add(bank)
        session.flush()
        ents = []
        for n in range(enterprises):
            ent = Enterprise(
                uscc=make_uscc(org8=f"{n + 1:08d}"),
                name=f"上海基准科技有限公司{n}",
                district_code=("310115", "310104", "310112", "310110")[n % 4],
                industry_code=("I6513", "C3562", "M7320")[n % 3],
                registered_on=dt.date(2010 + n % 12, 1 + n % 12, 1),
            )
            ents.append(ent)
        session.add_all(ents)
        session.flush()
        for n, ent in enumerate(ents):
            for year in (2022, 2023):
                session.add(
                    EnterpriseYear(
                        enterprise_id=ent.id,
                        fiscal_year=year,
                        employees=20 + n % 400,
                        st_staff=5 + n % 80,
                        revenue=Decimal(1_000_000 + 37_000 * n),
                        total_assets=Decimal(2_000_000 + 41_000 * n),
                        rd_expense=Decimal(80_000 + 2_900 * n),
                    )
                )
        for n, ent in enumerate(ents[: enterprises // 4]):
            grant = CreditGrant(
                contract_no=f"GC-B-{n:06d}",
                enterprise_id=ent.id,
                bank_id=bank.id,
                product_key="sh_boost_loan",
                amount=Decimal("1000000.00"),
                granted_on=dt.date(2024, 1, 5),
                term_months=12,
                expires_on=dt.date(2025, 1, 5),
                annual_rate=Decimal("0.0345"),
                repayment_method=RepaymentMethod.INTEREST_ONLY,
                security=Security.INSURANCE,
            )
            session.add(grant)
            session.flush()
            session.add(
                Loan(
                    loan_no=f"LN-B-{n:06d}",
                    grant_id=grant.id,
                    enterprise_id=ent.id,
                    bank_id=bank.id,
                    product_key="sh_boost_loan",
                    principal=Decimal("1000000.00"),
                    drawdown_date=dt.date(2024, 1, 10),
                    maturity_date=dt.date(2025, 1, 10),
                    annual_rate=Decimal("0.0345"),
                    repayment_method=RepaymentMethod.INTEREST_ONLY,
                    status=LoanStatus.CURRENT,
                    status_since=dt.date(2024, 1, 10),
                )
            )
        officers = max(1, users // 5)
        for i in range(users):
            if i < officers:
                role, org = (
                    (Role.PROGRAMME_OFFICER, None) if i % 2 else (Role.BANK_OFFICER, bank.code)
                )
            else:
                role, org = Role.ENTERPRISE, ents[i % len(ents)].uscc
            user = User(
                username=f"user{i:03d}", password_hash=hashed, role=role, org=org, active=True
            )
            session.add(user)
            session.flush()
            token = auth_service.login(session=session, user=user, ttl=dt.timedelta(hours=2)).token
            people.append({"role": role.value, "org": org or "", "token": token})
    return url, people


async def simulated_user(
    client: httpx.AsyncClient,
    person: dict[str, str],
    stop_at: float,
    think: float,
    samples: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    headers = {"Authorization": f"Bearer {person['token']}"}
    calls = [(DASHBOARD, "/api/v1/dashboard")]
    if person["role"] == "enterprise":
        # the 政策计算器: a qualification check and every product matched, as the page shows them
        calls[0:0] = [
            (SELF_CHECK, f"/api/v1/standards/tech_sme/evaluate/{person['org']}?as_of=2024-06-30"),
            (PRODUCT_MATCH, f"/api/v1/products/match/{person['org']}?as_of=2024-06-30"),
        ]
    rng = random.Random(person["token"])
    if think:  # users arrive spread over one think time, not all at once
        await asyncio.sleep(rng.uniform(0, think))
    i = 0
    while time.perf_counter() < stop_at:
        name, path = calls[i % len(calls)]
        i += 1
        start = time.perf_counter()
        try:
            r = await client.get(path, headers=headers)
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        elapsed = (time.perf_counter() - start) * 1000
        samples[name].append(elapsed)
        if not ok:
            errors[name] += 1
        if think:  # randomised think time (0.5–1.5 × --think) keeps users from synchronising
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def load(
    base: str, people: list[dict[str, str]], duration: float, think: float
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=len(people), max_keepalive_connections=len(people))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        begin = time.perf_counter()
        stop_at = begin + duration
        await asyncio.gather(
            *(simulated_user(client, p, stop_at, think, samples, errors) for p in people)
        )
        wall = time.perf_counter() - begin
    return samples, errors, wall


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float], errors: int, wall: float) -> dict[str, Any]:
    return {
        "requests": len(values),
        "errors": errors,
        "per_second": round(len(values) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(max(values), 1) if values else None,
        "mean_ms": round(statistics.fmean(values), 1) if values else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between a user's requests"
    )
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.duration > 600 or args.users > 500:
        parser.error("bounded benchmark: at most 500 users and 600 s")

    with tempfile.TemporaryDirectory(prefix="kechuang-bench-api-") as tmp:
        t0 = time.perf_counter()
        url, people = build_database(Path(tmp) / "bench.db", args.enterprises, args.users)
        print(
            f"database: {args.enterprises} enterprises, {len(people)} users ({time.perf_counter() - t0:.1f} s)"
        )
        port = free_port()
        env = {**os.environ, "KECHUANG_DATABASE_URL": url, "KECHUANG_HOME": tmp}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "kechuang.cli.serve:asgi_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            # warm-up (not measured): every user's requests for --warmup seconds
            asyncio.run(load(base, people, args.warmup, 0.2))
            print(
                f"load: {args.users} users × {args.duration:.0f} s, think {args.think} s, {args.workers} worker(s) …"
            )
            samples, errors, wall = asyncio.run(load(base, people, args.duration, args.think))
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

    everything = [v for values in samples.values() for v in values]
    result = {
        "environment": environment(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "target": {"p95_ms": TARGET_P95_MS, "errors": 0},
        "overall": summary(everything, sum(errors.values()), wall),
        "endpoints": {
            name: summary(values, errors[name], wall) for name, values in samples.items()
        },
    }
    overall = result["overall"]
    # every endpoint must meet the target, not only the mix
    passed = all(
        s["errors"] == 0 and s["p95_ms"] <= TARGET_P95_MS
        for s in [overall, *result["endpoints"].values()]
    )
    result["passed"] = passed
    print(
        f"{'endpoint':20} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)"
    )
    for name, s in [("overall", overall), *result["endpoints"].items()]:
        print(
            f"{name:20} {s['requests']:9d} {s['errors']:7d} {s['per_second']:7.1f} "
            f"{s['p50_ms']:7.1f} {s['p95_ms']:7.1f} {s['p99_ms']:7.1f} {s['max_ms']:7.1f}"
        )
    verdict = "PASS" if passed else "FAIL"
    print(
        f"target: p95 ≤ {TARGET_P95_MS:.0f} ms on every endpoint, no errors → {verdict} "
        f"(overall p95 {overall['p95_ms']} ms, {overall['errors']} errors)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
