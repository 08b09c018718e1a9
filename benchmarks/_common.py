"""Shared helpers of the benchmarks: environment, timing, sample files, fresh databases.

Nothing here runs on import. The benchmarks themselves live in :mod:`run`.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

#: The requirement: 100,000 enterprise rows import into SQLite in under 30 s.
REQUIREMENT_ROWS = 100_000
REQUIREMENT_SECONDS = 30.0

#: Seed of the generated sample files (the same seed always gives the same files).
SEED = 2023
#: Fiscal years written to the enterprise-years workbook.
YEARS = (2021, 2022, 2023)


# ---------------------------------------------------------------- environment


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def environment() -> dict[str, str]:
    """What the numbers depend on: interpreter, SQLite library, CPUs, library versions."""
    try:
        usable = str(len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        usable = "-"
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": str(os.cpu_count()),
        "cpu_usable": usable,
        "sqlite": sqlite3.sqlite_version,
        "kechuang": _version("kechuang"),
        "sqlalchemy": _version("sqlalchemy"),
        "openpyxl": _version("openpyxl"),
    }


# ---------------------------------------------------------------- timing and results


@dataclass(slots=True)
class Baseline:
    """What a measurement is compared with.

    ``enforced`` baselines are budgets: ratio < 1 is PASS, otherwise FAIL (and ``run.py``
    exits non-zero). Other baselines are informational (verdict ``info``).
    """

    name: str
    seconds: float
    enforced: bool
    samples: list[float] = field(default_factory=list)
    note: str = ""


@dataclass(slots=True)
class Result:
    """One benchmark's measurement (median of the repeats) and its baselines."""

    name: str
    rows: int
    samples: list[float]
    baselines: list[Baseline]
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return statistics.median(self.samples)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")

    def ratio(self, baseline: Baseline) -> float:
        """Ours ÷ baseline (below 1 is faster than the baseline)."""
        return self.seconds / baseline.seconds if baseline.seconds > 0 else float("inf")

    def verdict(self, baseline: Baseline) -> str:
        if not baseline.enforced:
            return "info"
        return "PASS" if self.ratio(baseline) < 1 else "FAIL"

    @property
    def failed(self) -> bool:
        return any(self.verdict(b) == "FAIL" for b in self.baselines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "seconds": self.seconds,
            "samples": self.samples,
            "rows_per_second": self.rows_per_second,
            "detail": self.detail,
            "baselines": [
                {
                    "name": b.name,
                    "seconds": b.seconds,
                    "samples": b.samples,
                    "enforced": b.enforced,
                    "ratio": self.ratio(b),
                    "verdict": self.verdict(b),
                    "note": b.note,
                }
                for b in self.baselines
            ],
        }


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds`` (wall clock, ``perf_counter``)."""

    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def budget(rows: int) -> Baseline:
    """The requirement's budget, scaled linearly when the run uses another row count.

    It is enforced (PASS/FAIL) only at the requirement's size or above: on a smaller
    smoke run the fixed start-up cost of an import would dominate the scaled budget, so
    the verdict there is ``info``.
    """
    seconds = REQUIREMENT_SECONDS * rows / REQUIREMENT_ROWS
    note = (
        "requirement: 100,000 rows < 30 s"
        if rows == REQUIREMENT_ROWS
        else f"30 s per 100,000 rows, scaled to {rows:,} rows"
    )
    enforced = rows >= REQUIREMENT_ROWS
    return Baseline("target_30s", seconds, enforced=enforced, samples=[seconds], note=note)


# ---------------------------------------------------------------- sample files


def enterprise_table(n: int, seed: int = SEED) -> list[list[object]]:
    """``n`` generated enterprise rows (headers ``ENTERPRISE_HEADERS``)."""
    from kechuang.demo.samples import enterprise_rows

    return list(enterprise_rows(n, seed))


def write_enterprises_csv(path: Path, rows: list[list[object]], encoding: str) -> Path:
    """Write enterprise rows as a CSV in ``encoding`` (GBK is what Chinese Excel exports)."""
    from kechuang.core.tabular import write_csv
    from kechuang.demo.samples import ENTERPRISE_HEADERS

    write_csv(path, ENTERPRISE_HEADERS, rows, encoding=encoding)
    return path


def year_table(n: int, seed: int = SEED) -> tuple[list[list[object]], list[list[object]]]:
    """Exactly ``n`` fiscal-year rows and the enterprise rows they refer to."""
    from kechuang.demo.samples import year_rows

    per = len(YEARS)
    count = n // per + n // 50 + 10  # a few enterprises are founded after the first year
    while True:
        enterprises = enterprise_table(count, seed)
        years = list(itertools.islice(year_rows(enterprises, list(YEARS), seed), n))
        if len(years) == n:
            used = {row[0] for row in years}
            return [e for e in enterprises if e[0] in used], years
        count *= 2


def write_years_xlsx(path: Path, rows: list[list[object]]) -> Path:
    from kechuang.core.tabular import write_xlsx
    from kechuang.demo.samples import YEAR_HEADERS

    write_xlsx(path, YEAR_HEADERS, rows, sheet_title="年度数据")
    return path


# ---------------------------------------------------------------- databases


_db_counter = itertools.count(1)


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """A new, migrated SQLite database in ``directory``; yields its URL (migration untimed).

    The engine is disposed and the file removed afterwards.
    """
    from kechuang.migrations import upgrade
    from kechuang.storage.db import reset_engines, sqlite_url

    path = directory / f"bench-{next(_db_counter)}.db"
    url = sqlite_url(path)
    reset_engines()
    upgrade(url)
    try:
        yield url
    finally:
        reset_engines()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def import_kind(url: str, kind: str, path: Path) -> Any:
    """``kechuang import KIND PATH`` in one unit of work; returns the ``ImportReport``."""
    from kechuang.registry.imports import import_file
    from kechuang.storage.db import unit_of_work

    with unit_of_work(url) as session:
        return import_file(session=session, kind=kind, path=path, actor="benchmark")


# ---------------------------------------------------------------- the raw-SQLite floor

#: The ``enterprise`` table of migration 0001 with its unique key and indexes, but no
#: CHECK constraints; what a loader that validates nothing would write into.
_BARE_ENTERPRISE_DDL = (
    """
    CREATE TABLE enterprise (
        id INTEGER NOT NULL PRIMARY KEY,
        uscc VARCHAR(18) NOT NULL UNIQUE,
        name VARCHAR(200) NOT NULL,
        district_code VARCHAR(6) NOT NULL,
        industry_code VARCHAR(8),
        registered_on DATE NOT NULL,
        size_class VARCHAR(30),
        registered_capital VARCHAR,
        status VARCHAR(30) NOT NULL,
        on_abnormal_list BOOLEAN NOT NULL,
        on_dishonesty_list BOOLEAN NOT NULL,
        address TEXT,
        version INTEGER NOT NULL,
        created_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL
    )
    """,
    "CREATE INDEX ix_enterprise_district_code ON enterprise (district_code)",
    "CREATE INDEX ix_enterprise_industry_code ON enterprise (industry_code)",
    "CREATE INDEX ix_enterprise_name ON enterprise (name)",
)

_BARE_INSERT = (
    "INSERT INTO enterprise (uscc, name, district_code, industry_code, registered_on, size_class,"
    " registered_capital, status, on_abnormal_list, on_dishonesty_list, address, version,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, 1, ?, ?)"
)


def raw_sqlite_import(directory: Path, csv_path: Path, encoding: str) -> tuple[float, int]:
    """Time the floor: read the CSV and ``executemany`` the raw strings, then commit.

    Same file, same SQLite pragmas as kechuang's engine (WAL, ``synchronous=NORMAL``), an
    equivalent table; no parsing, validation, upsert lookup, history or ORM. Creating the
    table is not timed. Returns ``(seconds, rows inserted)``.
    """
    path = directory / f"raw-{next(_db_counter)}.db"
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        for ddl in _BARE_ENTERPRISE_DDL:
            con.execute(ddl)
        con.commit()
        with Stopwatch() as sw:
            now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
            with open(csv_path, encoding=encoding, newline="") as fh:
                reader = csv.reader(fh)
                next(reader)  # header
                con.executemany(_BARE_INSERT, ([*row[:8], now, now] for row in reader if row))
            con.commit()
        (count,) = con.execute("SELECT count(*) FROM enterprise").fetchone()
    finally:
        con.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return sw.seconds, int(count)


def measure(fn: Callable[[], float], repeat: int) -> list[float]:
    """Call ``fn`` (which returns its own timed seconds) ``repeat`` times."""
    return [fn() for _ in range(repeat)]
