"""Credit benchmark: 1,000,000 loan rows (a bank's monthly report) imported into SQLite in ≤ 120 s.

Run: ``.venv/bin/python benchmarks/bench_credit.py [--rows N] [--grants G] [--enterprises M]
[--json FILE]``. The inputs are generated (untimed): registry enterprises and ten banks, then one
grants file (G credit grants, imported first and untimed), then a UTF-8 CSV of N loans under those
grants, each reported for 2024-12 with its full principal as the month-end balance. The timed
part is ``kechuang credit import loans``: read + parse + validate + preload look-ups +
reconciliation against the ledger + loan and drawdown-event inserts + commit, in one unit of work.
Afterwards the same file is imported again (timed, informational): every loan is known, so it is
all look-ups and one aggregate ledger query, and nothing is written.

Baselines: ``target_120s`` (the requirement, scaled linearly for other sizes; enforced at ≥ 1M
rows) and ``raw_sqlite_executemany`` (the same CSV inserted with stdlib sqlite3 into bare ``loan``
and ``loan_ledger_event`` tables with the same indexes, no validation, no look-ups: the floor).
Exit status 1 when an enforced budget fails.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment, fresh_database, import_kind, write_enterprises_csv

TARGET_ROWS = 1_000_000
TARGET_SECONDS = 120.0
BANKS = 10
REPORT_MONTH = "2024-12"
GRANT_HEADERS = [
    "合同编号",
    "统一社会信用代码",
    "产品",
    "银行机构代码",
    "授信金额",
    "授信日期",
    "期限（月）",
    "年利率",
    "还款方式",
    "担保方式",
    "首贷",
]
LOAN_HEADERS = [
    "借据号",
    "合同编号",
    "放款日期",
    "放款金额",
    "到期日",
    "年利率",
    "还款方式",
    "报告月份",
    "月末余额",
]
_METHODS = ("等额本息", "等额本金", "按期付息到期还本")
_SECURITY = ("信用", "保证", "履约保证保险", "知识产权质押")


def write_banks(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["机构代码", "机构名称", "机构类型"])
        for b in range(BANKS):
            w.writerow([f"BANK{b:02d}", f"示例银行{b}上海分行", "银行"])


def write_grants(path: Path, n: int, usccs: list[str], seed: int) -> None:
    """``n`` grants granted in January 2024 for 24 months, 1亿 each (untimed input)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(GRANT_HEADERS)
        for g in range(n):
            w.writerow(
                [
                    f"HT{g:07d}",
                    usccs[g % len(usccs)],
                    "sci_tech_performance_loan",
                    f"BANK{g % BANKS:02d}",
                    "100000000",
                    f"2024-01-{1 + g % 28:02d}",
                    24,
                    rng.choice(("3.85%", "0.0345", "4.2%")),
                    rng.choice(_METHODS),
                    rng.choice(_SECURITY),
                    "是" if g % 5 == 0 else "否",
                ]
            )


def write_loans(path: Path, n: int, grants: int, seed: int) -> None:
    """``n`` loans spread over the grants, drawn in February–December 2024 (untimed input)."""
    rng = random.Random(seed)
    start = dt.date(2024, 2, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(LOAN_HEADERS)
        for i in range(n):
            drawn = start + dt.timedelta(days=rng.randrange(0, 330))
            principal = f"{rng.randrange(100_000, 10_000_000)}.{rng.randrange(100):02d}"
            w.writerow(
                [
                    f"JJ{i:09d}",
                    f"HT{i % grants:07d}",
                    drawn.isoformat(),
                    principal,
                    (drawn + dt.timedelta(days=365)).isoformat(),
                    rng.choice(("3.85%", "0.0345", "4.2%", "0.04")),
                    rng.choice(_METHODS),
                    REPORT_MONTH,
                    principal,
                ]
            )


_RAW_DDL = (
    "CREATE TABLE loan (id INTEGER PRIMARY KEY, loan_no VARCHAR(60) NOT NULL UNIQUE, contract_no VARCHAR(60),"
    " principal BIGINT, drawdown_date DATE, maturity_date DATE, annual_rate BIGINT, repayment_method VARCHAR(30),"
    " status VARCHAR(30), created_at DATETIME, updated_at DATETIME)",
    "CREATE INDEX ix_loan_contract ON loan (contract_no)",
    "CREATE INDEX ix_loan_drawdown ON loan (drawdown_date)",
    "CREATE TABLE loan_ledger_event (id INTEGER PRIMARY KEY, loan_no VARCHAR(60), kind VARCHAR(30),"
    " event_date DATE, amount VARCHAR(30), recorded_at DATETIME)",
    "CREATE INDEX ix_event_loan ON loan_ledger_event (loan_no)",
    "CREATE INDEX ix_event_date ON loan_ledger_event (event_date)",
)


def raw_floor(directory: Path, csv_path: Path) -> float:
    """Seconds to insert the CSV's loans and their drawdowns with stdlib sqlite3 (bare tables)."""
    db = directory / "raw.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    for ddl in _RAW_DDL:
        con.execute(ddl)
    con.commit()
    start = time.perf_counter()
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = list(reader)
    con.executemany(
        "INSERT INTO loan (loan_no, contract_no, drawdown_date, principal, maturity_date, annual_rate,"
        " repayment_method, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,'current',?,?)",
        ((*r[:7], now, now) for r in rows),
    )
    con.executemany(
        "INSERT INTO loan_ledger_event (loan_no, kind, event_date, amount, recorded_at)"
        " VALUES (?, 'drawdown', ?, ?, ?)",
        ((r[0], r[2], r[3], now) for r in rows),
    )
    con.commit()
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--grants", type=int, default=0, help="default: rows / 10")
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    grants = args.grants or max(1, args.rows // 10)
    console = Console(width=120)
    env = environment()
    console.print(f"python {env['python']} · sqlite {env['sqlite']} · cpus {env['cpu_count']}")
    from kechuang.credit.imports import import_file
    from kechuang.demo.samples import enterprise_rows
    from kechuang.storage.db import unit_of_work

    budget = TARGET_SECONDS * args.rows / TARGET_ROWS
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-credit-") as tmp:
        directory = Path(tmp)
        ents = list(enterprise_rows(args.enterprises, 2023))
        ent_csv = write_enterprises_csv(directory / "enterprises.csv", ents, "utf-8")
        banks_csv = directory / "banks.csv"
        write_banks(banks_csv)
        grants_csv = directory / "grants.csv"
        write_grants(grants_csv, grants, [str(r[0]) for r in ents], args.seed)
        console.print(f"generating {args.rows:,} loan rows under {grants:,} grants…")
        loans_csv = directory / "loans.csv"
        write_loans(loans_csv, args.rows, grants, args.seed)
        with fresh_database(directory) as url:
            import_kind(url, "enterprises", ent_csv)
            import_kind(url, "institutions", banks_csv)
            untimed = time.perf_counter()
            with unit_of_work(url) as session:
                g = import_file(session=session, kind="grants", path=grants_csv, actor="benchmark")
            grant_seconds = time.perf_counter() - untimed
            if g.created != grants:
                raise SystemExit(f"expected {grants} grants created, got {g.created}")
            console.print(f"grants imported (untimed): {grants:,} in {grant_seconds:.1f} s")
            console.print("importing loans (timed)…")
            start = time.perf_counter()
            with unit_of_work(url) as session:
                report = import_file(
                    session=session, kind="loans", path=loans_csv, actor="benchmark"
                )
            seconds = time.perf_counter() - start
            if report.created != args.rows:
                raise SystemExit(f"expected {args.rows} loans created, got {report.created}")
            console.print("importing the same file again (timed, informational)…")
            start = time.perf_counter()
            with unit_of_work(url) as session:
                again = import_file(
                    session=session, kind="loans", path=loans_csv, actor="benchmark"
                )
            reimport_seconds = time.perf_counter() - start
            if again.changed or again.unchanged != args.rows:
                raise SystemExit(f"re-import changed something: {again.summary().en}")
        floor = raw_floor(directory, loans_csv)
    table = Table(title="Credit import benchmark")
    for col in (
        "benchmark",
        "rows",
        "seconds",
        "rows/s",
        "baseline",
        "baseline s",
        "ratio",
        "verdict",
    ):
        table.add_column(
            col, justify="right" if col not in ("benchmark", "baseline", "verdict") else "left"
        )
    enforce = args.rows >= TARGET_ROWS
    ok = seconds <= budget
    verdict = ("PASS" if ok else "FAIL") if enforce else "info"
    table.add_row(
        "import_loans_csv",
        f"{args.rows:,}",
        f"{seconds:.2f}",
        f"{args.rows / seconds:,.0f}",
        "target_120s",
        f"{budget:.2f}",
        f"{seconds / budget:.2f}",
        verdict,
    )
    table.add_row(
        "", "", "", "", "raw_sqlite_executemany", f"{floor:.2f}", f"{seconds / floor:.2f}", "info"
    )
    table.add_row(
        "reimport_loans_unchanged",
        f"{args.rows:,}",
        f"{reimport_seconds:.2f}",
        f"{args.rows / reimport_seconds:,.0f}",
        "target_120s",
        f"{budget:.2f}",
        f"{reimport_seconds / budget:.2f}",
        "info",
    )
    console.print(table)
    console.print(
        "ratio = ours ÷ baseline; target_120s enforced at ≥ 1,000,000 rows; "
        f"grants ({grants:,}) imported first, untimed: {grant_seconds:.1f} s."
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "environment": env,
                    "rows": args.rows,
                    "grants": grants,
                    "import_loans_seconds": seconds,
                    "reimport_seconds": reimport_seconds,
                    "grant_import_seconds": grant_seconds,
                    "raw_floor_seconds": floor,
                    "budget_seconds": budget,
                    "verdict": verdict,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if ok or not enforce else 1


if __name__ == "__main__":
    raise SystemExit(main())
