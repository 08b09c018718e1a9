"""National-scale indicator benchmark: kechuang vs hand-written DuckDB SQL vs pandas.

``.venv/bin/python benchmarks/bench_indicators.py [--data DIR] [--scale S] [--year Y]
[--methods kechuang,sql,pandas] [--memory-limit 4GB] [--json FILE]``

1. Generates the national snapshot with ``gen_national`` (untimed) into ``DIR`` — or reuses
   ``DIR/tables`` when it is already there for the same scale and seed.
2. Computes the full indicator set for the report year and the year before, three ways, on the
   same Parquet files: ``kechuang`` (:func:`kechuang.indicators.compute.compute_values` on
   :class:`kechuang.indicators.tables.Tables`, DuckDB — what ``create_release`` and
   ``verify_release`` run), ``sql`` (``national/handsql.py``) and ``pandas``
   (``national/handpandas.py``). Each runs in its own child process, so its wall time and peak
   RSS are its own (``national/workers.py``).
3. Checks that all three agree **exactly** (every value, previous value and yoy, as decimals).
4. Prints times, peak memory and the ratios against the targets of issue 9:
   kechuang ≤ 1.5 × hand-written SQL, ≥ 3 × faster than pandas, peak memory ≤ 4 GiB.

Exit status: 0 when the methods agree and (at ``--scale`` ≥ 1) every target is met; 1 when they
disagree or a target fails; 2 for bad arguments. Below scale 1 the targets are informational
(fixed costs dominate small data). See ``docs/benchmarks-national.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# run as a script: benchmarks/ is on sys.path (the tests put it there too)
import gen_national
from _common import environment
from kechuang.storage.release_export import ROW_GROUP_ROWS
from national.workers import ALL_METHODS, METHODS, worker_main

GIB = 1 << 30
TARGET_SQL_RATIO = 1.5
TARGET_PANDAS_SPEEDUP = 3.0
TARGET_PEAK_BYTES = 4 * GIB


def ensure_data(folder: Path, scale: float, seed: int, log: Any) -> dict[str, Any]:
    """``folder/tables`` for ``scale``/``seed``: reused when ``generated.json`` matches."""
    info_path = folder / "generated.json"
    if info_path.exists():
        info = json.loads(info_path.read_text("utf-8"))
        if (
            info.get("scale") == scale
            and info.get("seed") == seed
            and info.get("row_group_rows") == ROW_GROUP_ROWS  # the snapshot's layout
        ):
            log(f"reusing {folder / 'tables'} (scale {scale}, seed {seed})")
            info["reused"] = True
            return dict(info)
    log(f"generating scale {scale} into {folder / 'tables'} …")
    return gen_national.generate(folder, scale=scale, seed=seed, log=log)


def run_worker(method: str, tables: Path, year: int, memory_limit: str | None) -> dict[str, Any]:
    """One method in a child process; its JSON result."""
    with tempfile.TemporaryDirectory(prefix="kc-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            method,
            "--tables",
            str(tables),
            "--year",
            str(year),
            "--out",
            str(out),
        ]
        if memory_limit:
            cmd += ["--memory-limit", memory_limit]
        subprocess.run(cmd, check=True)
        return dict(json.loads(out.read_text("utf-8")))


def disagreements(results: dict[str, dict[str, Any]]) -> list[str]:
    """Every (key, field) where a method differs from the first one (exact text of decimals)."""
    from decimal import Decimal

    def norm(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    methods = list(results)
    ref = {r["key"]: r for r in results[methods[0]]["values"]}
    out: list[str] = []
    for m in methods[1:]:
        rows = {r["key"]: r for r in results[m]["values"]}
        if set(rows) != set(ref):
            out.append(f"{m}: keys differ: {sorted(set(rows) ^ set(ref))}")
        for key, want in ref.items():
            got = rows.get(key)
            if got is None:
                continue
            for field in ("value", "previous", "yoy"):
                a, b = norm(want[field]), norm(got[field])
                # equal as decimals AND as text (the same scale: 0.00 vs 0 would be a bug)
                if a != b or (want[field] != got[field]):
                    out.append(f"{key}.{field}: {methods[0]}={want[field]} {m}={got[field]}")
    return out


def verdicts(results: dict[str, dict[str, Any]], enforced: bool) -> list[dict[str, Any]]:
    """The three targets for ``kechuang``: measured, goal, verdict."""
    out: list[dict[str, Any]] = []

    def add(method: str, name: str, measured: float, goal: str, ok: bool, note: str) -> None:
        verdict = ("PASS" if ok else "FAIL") if enforced and method == "kechuang" else "info"
        out.append(
            {
                "method": method,
                "target": name,
                "measured": measured,
                "goal": goal,
                "verdict": verdict,
                "note": note,
            }
        )

    for method in ("kechuang",):
        k = results.get(method)
        if k is None:
            continue
        if "sql" in results:
            ratio = k["seconds"] / results["sql"]["seconds"]
            cpu = k["cpu_seconds"] / results["sql"]["cpu_seconds"]
            add(method, "time vs hand-written SQL", ratio, f"<= {TARGET_SQL_RATIO}x",
                ratio <= TARGET_SQL_RATIO, f"wall ratio; CPU-time ratio {cpu:.2f}")  # fmt: skip
        if "pandas" in results:
            speedup = results["pandas"]["seconds"] / k["seconds"]
            cpu = results["pandas"]["cpu_seconds"] / k["cpu_seconds"]
            add(method, "speed-up over pandas", speedup, f">= {TARGET_PANDAS_SPEEDUP}x",
                speedup >= TARGET_PANDAS_SPEEDUP, f"wall ratio; CPU-time ratio {cpu:.2f}")  # fmt: skip
        peak = k["peak_rss_bytes"]
        add(method, "peak memory (GiB)", peak / GIB, "<= 4", peak <= TARGET_PEAK_BYTES,
            "peak RSS (VmHWM) of the method's process")  # fmt: skip
    return out


def report(
    results: dict[str, dict[str, Any]], targets: list[dict[str, Any]], info: dict[str, Any]
) -> str:
    lines = [
        f"data: scale {info['scale']}, seed {info['seed']}, "
        f"{info['rows']['loan']:,} loans, {info['rows']['loan_ledger_event']:,} ledger events, "
        f"{info['rows']['patent']:,} patents, {info['rows']['enterprise']:,} enterprises, "
        f"{info['rows']['insurance_policy']:,} policies; {info['bytes'] / 1e6:,.0f} MB Parquet",
        "",
        f"{'method':<15} {'wall s':>8} {'CPU s':>8} {'peak RSS GiB':>13} {'RSS after imports':>18}",
    ]
    for m, r in results.items():
        lines.append(
            f"{m:<15} {r['seconds']:>8.2f} {r['cpu_seconds']:>8.2f} "
            f"{r['peak_rss_bytes'] / GIB:>13.2f} {r['rss_before_bytes'] / GIB:>18.2f}"
        )
    lines += ["", f"{'method':<15} {'target':<26} {'measured':>9} {'goal':>7}  verdict  note"]
    for t in targets:
        lines.append(
            f"{t['method']:<15} {t['target']:<26} {t['measured']:>9.2f} {t['goal']:>7}  "
            f"{t['verdict']:<7}  {t['note']}"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/bench_indicators.py",
        description="Full indicator set (both years) three ways on the same Parquet: kechuang, "
        "hand-written DuckDB SQL, pandas; exact agreement; time and peak-memory ratios.",
    )
    parser.add_argument("--data", type=Path, help="data folder (default: a temporary folder)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national scale (default)")
    parser.add_argument("--seed", type=int, default=gen_national.SEED)
    parser.add_argument("--year", type=int, default=2023, help="report year (default 2023)")
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help=f"comma-separated, among {','.join(ALL_METHODS)} (default: all)",
    )
    parser.add_argument(
        "--memory-limit",
        default="4GB",
        help="DuckDB memory_limit for kechuang and SQL (default 4GB; 'none' for DuckDB's own)",
    )
    parser.add_argument("--json", type=Path, help="also write environment and results here")
    # internal: one method in a child process
    parser.add_argument("--worker", choices=ALL_METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--tables", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods or any(m not in ALL_METHODS for m in methods):
        parser.error(f"--methods: choose among {', '.join(ALL_METHODS)}")
    args.methods = methods
    if args.memory_limit and args.memory_limit.lower() == "none":
        args.memory_limit = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.tables, args.year, args.out, args.memory_limit)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="kc-national-") as tmp:
        folder = args.data or Path(tmp)
        info = ensure_data(folder, args.scale, args.seed, log)
        results: dict[str, dict[str, Any]] = {}
        for method in args.methods:
            log(f"running {method} …")
            results[method] = run_worker(method, folder / "tables", args.year, args.memory_limit)
            log(f"  {method}: {results[method]['seconds']:.2f} s")
    bad = disagreements(results)
    targets = verdicts(results, enforced=args.scale >= 1)
    print(report(results, targets, info))
    if len(results) > 1:
        if bad:
            print(f"\nDISAGREE ({len(bad)}):")
            for line in bad[:50]:
                print("  " + line)
        else:
            n = len(next(iter(results.values()))["values"])
            print(f"\nall {len(results)} methods agree exactly on {n} indicators × 2 years (+ yoy)")
    if args.json:
        payload = {
            "environment": {**environment(), "cpu_usable": str(len(os.sched_getaffinity(0)))},
            "data": info,
            "options": {"year": args.year, "memory_limit": args.memory_limit},
            "results": results,
            "targets": targets,
            "disagreements": bad,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", "utf-8")
        log(f"wrote {args.json}")
    failed = bool(bad) or any(t["verdict"] == "FAIL" for t in targets)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
