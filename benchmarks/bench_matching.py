"""Product-matching benchmark: one enterprise against the catalogue; one product against 1M.

Run ``.venv/bin/python benchmarks/bench_matching.py [--rows N] [--single K] [--product KEY]
[--json FILE]``. See ``docs/products.md`` ("Speed").

1. **One enterprise, whole catalogue** (in-process latency): :func:`match_profile` on ``--single``
   ad-hoc profiles (amounts in 元 as text, as the CLI/API receive them), each call timed on its
   own — every product open on the date, checks, standards' explanations and closest changes.
   Budget: median ≤ 50 ms.
2. **One product, the city** (batch): ``--rows`` synthetic match rows are generated vectorised
   (NumPy → Arrow, seeded; the standards' columns from :mod:`standards_data`, untimed), then
   :func:`match_product` runs the product's conditions on DuckDB and materialises every row with
   its tier and per-condition results, plus the counts by district and industry (timed). Budget:
   ≤ 10 s at 1,000,000 rows (the default product, ``sh_performance_loan``, runs the whole
   ``tech_sme`` standard, the size class and the dishonesty list).

Exit status 1 when a budget fails (the 10 s budget is enforced at ≥ 1,000,000 rows only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

if __package__:
    from . import standards_data as data
    from ._common import environment
else:  # run as a script: benchmarks/ is on sys.path
    import standards_data as data
    from _common import environment

from kechuang.matching import match_product, match_profile
from kechuang.matching.rows import arrow_schema, columns_for

AS_OF = data.AS_OF
DISTRICTS = (
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310109",
    "310110",
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310120",
    "310151",
)
INDUSTRIES = ("I6513", "C3973", "C2761", "M7320", "C3581", "I6510", "C3562", "L7212")


def match_table(n: int, seed: int = data.SEED) -> pa.Table:
    """``n`` synthetic match rows with every column of the match table (vectorised, seeded)."""
    rng = np.random.default_rng(seed)
    cols = columns_for()
    schema = arrow_schema(cols)
    out: dict[str, pa.Array] = {}
    tech = data.tech_sme_table(n, seed)
    high = data.high_tech_table(n, seed + 1)
    for name, table in (("tech_sme", tech), ("high_tech", high)):
        for col in table.column_names:
            if col != "id":
                out[f"{name}__{col}"] = table[col].combine_chunks()
    out["id"] = tech["id"].combine_chunks()
    out["name"] = pa.nulls(n, pa.string())
    district = rng.choice(np.array(DISTRICTS), n)
    industry = rng.choice(np.array(INDUSTRIES), n)
    out["district_code"] = pa.array(district)
    out["industry_code"] = pa.array(industry)
    out["ent__district"] = pa.array(district.astype(np.int64))
    out["ent__division"] = pa.array(
        np.array([int(i[1:3]) for i in INDUSTRIES], dtype=np.int64)[
            rng.integers(0, len(INDUSTRIES), n)
        ]
    )
    years = rng.integers(2000, 2024, n)
    out["ent__registered_ymd"] = pa.array(years * 10000 + rng.integers(1, 13, n) * 100 + 1)
    size = rng.integers(1, 5, n)
    out["ent__size_class"] = pa.array(size, mask=rng.random(n) < 0.3)  # 30% undeclared
    out["ent__dishonest"] = pa.array(rng.random(n) < 0.02)
    for col in cols:
        if col.startswith("holds__"):
            out[col] = pa.array(rng.random(n) < 0.15)
        elif col.startswith("sme_size_class__"):
            source = {
                "industry_group": pa.array(rng.integers(1, 17, n)),
                "employees": out.get("tech_sme__employees"),
                "operating_revenue": out.get("tech_sme__revenue"),
                "total_assets": out.get("tech_sme__total_assets"),
            }[col.split("__", 1)[1]]
            out[col] = source
        elif col.startswith("fact__"):
            name = col.split("__", 1)[1]
            out[col] = out.get(f"tech_sme__{name}", pa.nulls(n, pa.int64()))
    arrays = []
    for f in schema:
        value = out.get(f.name)
        arrays.append(pa.nulls(n, f.type) if value is None else value.cast(f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def profiles(k: int, seed: int = data.SEED) -> list[dict[str, Any]]:
    """``k`` ad-hoc profiles (元 as text) drawn from the synthetic tech_sme rows."""
    rows = data.tech_sme_table(k, seed).to_pylist()
    out = []
    for i, row in enumerate(rows):
        raw = data.raw_profile("tech_sme", row)
        raw.update(
            {
                "uscc": f"B{i}",
                "district_code": DISTRICTS[i % len(DISTRICTS)],
                "industry_code": INDUSTRIES[i % len(INDUSTRIES)],
                "registered_on": f"{2010 + i % 14}-03-15",
                "size_class": ("micro", "small", "medium", None)[i % 4],
                "qualifications": ["high_tech"] if i % 5 == 0 else [],
                "rd_staff": row.get("st_staff"),
            }
        )
        out.append(raw)
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--single", type=int, default=200)
    p.add_argument("--product", default="sh_performance_loan")
    p.add_argument("--json", type=Path, default=None)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sample = profiles(args.single)
    match_profile(profile=sample[0], as_of=AS_OF)  # warm caches (compiled products, parameters)
    times = []
    for raw in sample:
        start = time.perf_counter()
        match_profile(profile=raw, as_of=AS_OF)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]

    table = match_table(args.rows)
    start = time.perf_counter()
    city = match_product(table=table, product_key=args.product, as_of=AS_OF)
    batch = time.perf_counter() - start

    single_ok = median <= 50
    batch_ok = batch <= 10 or args.rows < 1_000_000
    result = {
        "environment": environment(),
        "single": {
            "profiles": len(sample),
            "median_ms": round(median, 2),
            "p95_ms": round(p95, 2),
            "target_ms": 50,
            "ok": single_ok,
        },
        "batch": {
            "product": args.product,
            "rows": args.rows,
            "seconds": round(batch, 2),
            "target_s": 10,
            "ok": batch_ok,
            "by_tier": city.by_tier,
        },
    }
    print(
        f"one enterprise × whole catalogue: median {median:.2f} ms (p95 {p95:.2f} ms) "
        f"over {len(sample)} profiles — target ≤ 50 ms: {'OK' if single_ok else 'FAIL'}"
    )
    print(
        f"{args.product} × {args.rows:,} enterprises on DuckDB: {batch:.2f} s "
        f"— target ≤ 10 s: {'OK' if batch_ok else 'FAIL'}  tiers {city.by_tier}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if single_ok and batch_ok else 1


if __name__ == "__main__":
    sys.exit(main())
