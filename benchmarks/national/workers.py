"""One measured computation of the full indicator set, run in its own process.

``python benchmarks/bench_indicators.py --worker METHOD --tables DIR --year Y --out FILE`` imports
what the method needs, then times the computation (wall clock) and reads the process's peak
resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) before and after it. One process
per method, so each peak is that method's own: ``tracemalloc`` would miss DuckDB's and Arrow's
native allocations, and ``ru_maxrss`` never goes down, so a shared process could not separate them.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

METHODS = ("kechuang", "sql", "pandas")
"""The default methods: kechuang as shipped and the two hand-written baselines."""
ALL_METHODS = METHODS
"""Every method (the same three: ``kechuang_fixed`` went once its proposed fixes had landed)."""


def _peak_bytes() -> int:
    """Peak RSS of this process: ``VmHWM`` (Linux; reset by ``exec``), else ``ru_maxrss``.

    ``ru_maxrss`` survives ``fork`` + ``exec`` on Linux, so a child would report its parent's
    peak if that were higher; ``VmHWM`` belongs to the process's own address space.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kib) * (1 if sys.platform == "darwin" else 1024)


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return float(r.ru_utime + r.ru_stime)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _kechuang(
    folder: Path, year: int, memory_limit: str | None
) -> Callable[[], list[dict[str, Any]]]:
    # Ibis imports its DuckDB backend on the first connect and its result converters (which
    # import pandas) on the first result: modules, like the baselines' duckdb and pandas, so
    # imported before the timer.
    import ibis.backends.duckdb
    import ibis.backends.duckdb.converter
    import ibis.expr.types.groupby
    import ibis.formats.pandas
    import ibis.formats.pyarrow  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from kechuang.indicators.compute import compute_values
    from kechuang.indicators.options import Options
    from kechuang.indicators.tables import Tables

    def run() -> list[dict[str, Any]]:
        t = Tables(folder, "duckdb")
        try:
            if memory_limit:
                t.con.raw_sql(f"SET memory_limit = '{memory_limit}'")
            values = compute_values(t, year, Options())
        finally:
            t.close()
        return [
            {"key": v.key, "year": v.year, "value": v.value, "previous": v.previous, "yoy": v.yoy}
            for v in values
        ]

    return run


def _sql(folder: Path, year: int, memory_limit: str | None) -> Callable[[], list[dict[str, Any]]]:
    import duckdb  # noqa: F401

    from . import handsql

    return lambda: handsql.compute(folder, year, memory_limit=memory_limit)


def _pandas(
    folder: Path, year: int, memory_limit: str | None
) -> Callable[[], list[dict[str, Any]]]:
    import pandas  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from . import handpandas

    return lambda: handpandas.compute(folder, year)


def prepare(method: str, folder: Path, year: int, memory_limit: str | None) -> Callable[[], Any]:
    """Import everything ``method`` needs (untimed) and return the timed computation."""
    from . import common

    common.params(year)  # load the parameter files once (untimed, the same for every method)
    factories = {"kechuang": _kechuang, "sql": _sql, "pandas": _pandas}
    return factories[method](folder, year, memory_limit)


def measure(method: str, folder: Path, year: int, memory_limit: str | None) -> dict[str, Any]:
    """Run ``method`` once; values (exact decimals as text), seconds and peak RSS."""
    run = prepare(method, folder, year, memory_limit)
    before = _peak_bytes()
    cpu = _cpu_seconds()
    start = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    peak = _peak_bytes()
    return {
        "method": method,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_bytes": peak,
        "rss_before_bytes": before,
        "values": [
            {
                "key": r["key"],
                "value": _text(r["value"]),
                "previous": _text(r["previous"]),
                "yoy": _text(r["yoy"]),
            }
            for r in rows
        ],
    }


def worker_main(method: str, folder: Path, year: int, out: Path, memory_limit: str | None) -> int:
    result = measure(method, folder, year, memory_limit)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


__all__ = ["ALL_METHODS", "METHODS", "measure", "prepare", "worker_main"]
