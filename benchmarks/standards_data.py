"""Synthetic enterprise profiles for the standards-screening benchmark, generated vectorised.

Every column is drawn with NumPy in one call (no per-row Python) from a seeded generator and
assembled into a PyArrow table whose schema is exactly what
:func:`kechuang.standards.engine.profiles_to_arrow` produces (``id`` text, counts and money as
int64 in fen, booleans, dates as date32). The same seed always gives the same table.

The distributions are meant to look like a city's population of small and medium technology
enterprises: log-normal sizes, ratios spread around the statutory thresholds, a few percent of
unknown values, young enterprises with fewer fiscal years. They are not calibrated on real data.

Nothing runs on import. The benchmark itself is :mod:`bench_standards`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SEED = 2024
#: Evaluation date of the benchmark: every parameter of the shipped standards is in force.
AS_OF = dt.date(2024, 6, 30)
WAN_FEN = 10**4 * 100
"""One 万元 in fen."""

Gen = np.random.Generator


def _ids(n: int, prefix: str) -> pa.Array:
    """``prefix`` + zero-padded row number, built by Arrow (no Python loop)."""
    import pyarrow.compute as pc

    numbers = pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, 7, "0"), "")


def _int(values: np.ndarray, rng: Gen, null_share: float) -> pa.Array:
    """int64 Arrow array with ``null_share`` of the values unknown."""
    mask = rng.random(len(values)) < null_share
    return pa.array(values.astype(np.int64), pa.int64(), mask=mask)


def _bool(rng: Gen, n: int, true_share: float, null_share: float = 0.0) -> pa.Array:
    mask = rng.random(n) < null_share if null_share else None
    return pa.array(rng.random(n) < true_share, pa.bool_(), mask=mask)


def _money(wan: np.ndarray) -> np.ndarray:
    """Amounts in 万元 (floats) → whole fen (int64), never negative."""
    return np.maximum(np.rint(wan * WAN_FEN), 0).astype(np.int64)


def _sizes(rng: Gen, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Employees and sales revenue (万元) of SMEs: log-normal, correlated."""
    employees = np.clip(np.rint(rng.lognormal(4.0, 1.0, n)), 1, 5000)
    revenue_wan = employees * rng.lognormal(3.6, 0.8, n)  # ≈ 36万元 per employee
    return employees, revenue_wan


def tech_sme_table(n: int, seed: int = SEED) -> pa.Table:
    """``n`` profiles for ``tech_sme`` (科技型中小企业)."""
    rng = np.random.default_rng([seed, 1])
    employees, revenue_wan = _sizes(rng, n)
    st_staff = np.rint(employees * rng.beta(2.0, 6.0, n))
    rd_wan = revenue_wan * rng.beta(1.5, 30.0, n)  # mean ≈ 4.8% of revenue
    cost_wan = revenue_wan * rng.uniform(0.6, 1.1, n)
    assets_wan = revenue_wan * rng.lognormal(0.0, 0.5, n)
    return pa.table(
        {
            "id": _ids(n, "T"),
            "employees": _int(employees, rng, 0.01),
            "st_staff": _int(st_staff, rng, 0.02),
            "revenue": _int(_money(revenue_wan), rng, 0.02),
            "total_assets": _int(_money(assets_wan), rng, 0.02),
            "rd_expense": _int(_money(rd_wan), rng, 0.03),
            "total_cost": _int(_money(cost_wan), rng, 0.03),
            "ip_class1": _int(rng.poisson(0.4, n), rng, 0.05),
            "ip_class2": _int(rng.poisson(1.5, n), rng, 0.05),
            "registered_in_mainland": _bool(rng, n, 0.99),
            "restricted_industry": _bool(rng, n, 0.03),
            "serious_violation": _bool(rng, n, 0.02),
            "high_tech_certificate_valid": _bool(rng, n, 0.10),
            "national_st_award_top3_5y": _bool(rng, n, 0.01),
            "provincial_rd_institution": _bool(rng, n, 0.05),
            "led_standard_5y": _bool(rng, n, 0.03),
        }
    )


def _dates(days_before: np.ndarray, rng: Gen, null_share: float) -> pa.Array:
    """Dates ``days_before`` :data:`AS_OF` as date32 (days since the epoch, vectorised)."""
    epoch_day = (AS_OF - dt.date(1970, 1, 1)).days
    days = (epoch_day - days_before).astype(np.int32)
    mask = rng.random(len(days)) < null_share
    return pa.array(days, pa.int32(), mask=mask).cast(pa.date32())


def _three_years(rng: Gen, latest: np.ndarray, young: np.ndarray) -> list[np.ndarray]:
    """Year-end series (oldest first) ending at ``latest``; growth −20 % … +60 % a year."""
    g2 = rng.uniform(0.8, 1.6, len(latest))
    g1 = rng.uniform(0.8, 1.6, len(latest))
    y3 = latest
    y2 = y3 / g2
    y1 = y2 / g1
    y1 = np.where(young, np.nan, y1)  # younger than three years: the first year is unknown
    return [y1, y2, y3]


def _money_or_null(wan: np.ndarray, rng: Gen, null_share: float) -> pa.Array:
    unknown = np.isnan(wan) | (rng.random(len(wan)) < null_share)
    return pa.array(_money(np.nan_to_num(wan)), pa.int64(), mask=unknown)


def high_tech_table(n: int, seed: int = SEED) -> pa.Table:
    """``n`` profiles for ``high_tech`` (高新技术企业)."""
    rng = np.random.default_rng([seed, 2])
    employees, revenue_wan = _sizes(rng, n)
    st_staff = np.rint(employees * rng.beta(2.0, 8.0, n))
    young = rng.random(n) < 0.10
    revenue = _three_years(rng, revenue_wan, young)
    rd_share = rng.beta(2.0, 35.0, n)  # mean ≈ 5.4% of revenue
    rd = [r * rd_share * rng.uniform(0.8, 1.2, n) for r in revenue]
    rd_total = np.nansum(np.vstack(rd), axis=0)
    domestic = rd_total * rng.beta(8.0, 2.0, n)  # mean ≈ 80% spent in China
    total_income = revenue_wan * rng.uniform(1.0, 1.2, n)
    high_tech_income = total_income * rng.beta(5.0, 2.0, n)
    net_assets = _three_years(rng, revenue_wan * rng.lognormal(-0.5, 0.6, n), young)

    def expert(top: int) -> pa.Array:
        return _int(np.rint(top * rng.beta(5.0, 2.0, n)), rng, 0.25)

    columns: dict[str, Any] = {
        "id": _ids(n, "H"),
        "registered_on": _dates(rng.integers(100, 7300, n), rng, 0.01),
        "application_date": _dates(rng.integers(0, 60, n), rng, 0.0),
        "core_ip": _bool(rng, n, 0.85),
        "tech_field_supported": _bool(rng, n, 0.90),
        "employees": _int(employees, rng, 0.01),
        "st_staff": _int(st_staff, rng, 0.02),
    }
    for name, series, null_share in (("revenue", revenue, 0.01), ("rd_expense", rd, 0.02)):
        for i, values in enumerate(series, start=1):
            columns[f"{name}_{i}"] = _money_or_null(values, rng, null_share)
    columns["domestic_rd_expense"] = _money_or_null(domestic, rng, 0.03)
    columns["high_tech_income"] = _money_or_null(high_tech_income, rng, 0.02)
    columns["total_income"] = _money_or_null(total_income, rng, 0.02)
    for i, values in enumerate(net_assets, start=1):
        columns[f"net_assets_{i}"] = _money_or_null(values, rng, 0.02)
    columns["score_ip"] = expert(30)
    columns["score_transformation"] = expert(30)
    columns["score_rd_management"] = expert(20)
    columns["serious_violation"] = _bool(rng, n, 0.02)
    return pa.table(columns)


GENERATORS: dict[str, Callable[[int, int], pa.Table]] = {
    "tech_sme": tech_sme_table,
    "high_tech": high_tech_table,
}


def generate(key: str, n: int, seed: int = SEED) -> pa.Table:
    """``n`` profiles for the standard ``key``, in the column order of its batch table."""
    from kechuang.standards.catalog import get

    table = GENERATORS[key](n, seed)
    columns = ["id", *get(key).columns()]
    missing = set(columns) - set(table.column_names)
    if missing:
        raise RuntimeError(f"generator for {key} lacks columns {sorted(missing)}")
    return table.select(columns)


def write_parquet(table: pa.Table, path: Path) -> Path:
    """Write ``table`` as Parquet (zstd) and return ``path``."""
    pq.write_table(table, path, compression="zstd")
    return path


def raw_profile(key: str, row: dict[str, Any]) -> dict[str, Any]:
    """A converted row back to the raw JSON form users send (元 as text, lists, ISO dates)."""
    from kechuang.standards.catalog import get

    out: dict[str, Any] = {"id": row["id"]}
    for spec in get(key).fields:
        cols = spec.columns()
        values = [row[c] for c in cols]
        if spec.kind in ("money", "money_list"):
            values = [None if v is None else str(Decimal(v).scaleb(-2)) for v in values]
        elif spec.kind == "date":
            values = [None if v is None else v.isoformat() for v in values]
        out[spec.name] = values if len(cols) > 1 else values[0]
    return out
