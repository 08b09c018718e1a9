"""IP benchmark: 1,000,000 patent rows imported into SQLite in ≤ 120 s (issue 4).

Run: ``make bench`` (after the other benchmarks) or ``.venv/bin/python benchmarks/bench_ip.py
[--rows N] [--enterprises M]``. The input is generated (untimed): a UTF-8 CSV of patents with
canonical application numbers of all three types, filing/publication/grant dates, IPC classes and
owners — two thirds named with the USCC of a registry enterprise, the rest by name only. The
enterprises are imported first (untimed). The timed part is ``kechuang ip import patents``:
read + parse + validate + owner linking + upsert + owners + commit, in one unit of work.

Baselines: ``target_120s`` (the requirement, scaled linearly for other sizes; enforced at ≥ 1M
rows) and ``raw_sqlite_executemany`` (the same CSV's patent columns inserted with stdlib sqlite3,
no validation: the floor).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
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
HEADERS = [
    "application_no",
    "title",
    "filing_date",
    "publication_date",
    "grant_date",
    "main_ipc",
    "ipc_classes",
    "inventors_count",
    "foreign_family_count",
    "owner_names",
    "owner_usccs",
]
IPC = [
    "H01L21/02",
    "H04W72/04",
    "G06F16/22",
    "G06N3/08",
    "A61K39/395",
    "C12N15/11",
    "H01M10/052",
    "B25J9/16",
]


def write_patents(path: Path, n: int, owners: list[tuple[str, str]], seed: int = 2023) -> None:
    """``n`` patent rows with unique canonical numbers (untimed input generation)."""
    from kechuang.core.ids import make_patent_no

    rng = random.Random(seed)
    serial: dict[tuple[int, str], int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for i in range(n):
            year = 2005 + i % 19
            kind = "123"[i % 3] if i % 7 else "1"
            serial[(year, kind)] = serial.get((year, kind), 0) + 1
            filed = dt.date(year, 1 + i % 12, 1 + i % 28)
            granted = filed + dt.timedelta(days=200 + (i % 900))
            uscc, name = owners[i % len(owners)]
            ipc = IPC[i % len(IPC)]
            w.writerow(
                [
                    make_patent_no(year, kind, serial[(year, kind)]),
                    "一种示例装置",
                    filed.isoformat(),
                    (filed + dt.timedelta(days=180)).isoformat(),
                    granted.isoformat() if granted < dt.date(2024, 1, 1) and i % 5 else "",
                    ipc,
                    ipc,
                    1 + i % 6,
                    rng.choice((0, 0, 0, 1, 2)),
                    name,
                    uscc if i % 3 else "",
                ]
            )


def raw_floor(directory: Path, csv_path: Path) -> float:
    """Seconds to insert the CSV's patent columns with stdlib sqlite3 into a bare table."""
    db = directory / "raw.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(
        "CREATE TABLE patent (id INTEGER PRIMARY KEY, application_no VARCHAR(20) UNIQUE NOT NULL, title TEXT,"
        " filing_date DATE, publication_date DATE, grant_date DATE, main_ipc VARCHAR(32), ipc_classes TEXT,"
        " inventors_count INTEGER, foreign_family_count INTEGER)"
    )
    con.execute(
        "CREATE TABLE patent_owner (id INTEGER PRIMARY KEY, patent_no VARCHAR(20), name VARCHAR(200), uscc VARCHAR(18))"
    )
    start = time.perf_counter()
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = list(reader)
    con.executemany(
        "INSERT INTO patent (application_no, title, filing_date, publication_date, grant_date, main_ipc, ipc_classes, inventors_count, foreign_family_count) VALUES (?,?,?,?,?,?,?,?,?)",
        (r[:9] for r in rows),
    )
    con.executemany(
        "INSERT INTO patent_owner (patent_no, name, uscc) VALUES (?,?,?)",
        ((r[0], r[9], r[10]) for r in rows),
    )
    con.commit()
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--enterprises", type=int, default=20_000)
    args = parser.parse_args(argv)
    console = Console()
    env = environment()
    console.print(f"python {env['python']} · sqlite {env['sqlite']} · cpus {env['cpu_count']}")
    from kechuang.demo.samples import enterprise_rows
    from kechuang.ip.imports import import_file
    from kechuang.storage.db import unit_of_work

    budget = TARGET_SECONDS * args.rows / TARGET_ROWS
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-ip-") as tmp:
        directory = Path(tmp)
        ents = list(enterprise_rows(args.enterprises, 2023))
        owners = [(str(r[0]), str(r[1])) for r in ents]
        ent_csv = write_enterprises_csv(directory / "enterprises.csv", ents, "utf-8")
        console.print(f"generating {args.rows:,} patent rows…")
        pat_csv = directory / "patents.csv"
        write_patents(pat_csv, args.rows, owners)
        with fresh_database(directory) as url:
            import_kind(url, "enterprises", ent_csv)
            console.print("importing patents (timed)…")
            start = time.perf_counter()
            with unit_of_work(url) as session:
                report = import_file(
                    session=session, kind="patents", path=pat_csv, actor="benchmark"
                )
            seconds = time.perf_counter() - start
            if report.created != args.rows:
                raise SystemExit(f"expected {args.rows} patents created, got {report.created}")
        floor = raw_floor(directory, pat_csv)
    table = Table(title="IP import benchmark")
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
    table.add_row(
        "import_patents_csv",
        f"{args.rows:,}",
        f"{seconds:.2f}",
        f"{args.rows / seconds:,.0f}",
        "target_120s",
        f"{budget:.2f}",
        f"{seconds / budget:.2f}",
        ("PASS" if ok else "FAIL") if enforce else "info",
    )
    table.add_row(
        "", "", "", "", "raw_sqlite_executemany", f"{floor:.2f}", f"{seconds / floor:.2f}", "info"
    )
    console.print(table)
    console.print("ratio = ours ÷ baseline; target_120s enforced at ≥ 1,000,000 rows.")
    return 0 if ok or not enforce else 1


if __name__ == "__main__":
    raise SystemExit(main())
