"""Standards screening benchmark: one million enterprises per standard on DuckDB, in seconds.

Run ``.venv/bin/python benchmarks/bench_standards.py [--rows N] [--sample S] [--single K]
[--repeat R] [--only KEY] [--json FILE]``. See ``docs/benchmarks.md`` ("Standards screening").

For ``tech_sme`` and ``high_tech`` (those of the two that are in the catalogue):

1. ``--rows`` synthetic profiles are generated vectorised (:mod:`standards_data`, NumPy → Arrow,
   seeded) and written to Parquet in a temporary directory. **Not timed.**
2. **Batch** (timed): ``engine.screen_table(standard, con.read_parquet(path), resolved)`` on a
   fresh in-process DuckDB connection, materialised in full with ``.to_pyarrow()`` (every
   subject, every criterion column).
3. **Python one by one** (baseline): ``engine.evaluate_row`` on the first ``--sample`` converted
   rows (conversion untimed), extrapolated linearly to ``--rows``. The batch result for those
   subjects must equal the single evaluations column by column, or the run stops with an error.
4. **Single enterprise** (in-process latency): ``engine.evaluate_profile`` on ``--single`` raw
   profiles (amounts in 元 as text, as the CLI/API receive them), each call timed on its own.

Budgets: both standards screened in ≤ 10 s in total (``target_10s``); batch ≥ 50× faster than
Python one by one (``python_one_by_one``: ratio ≤ 0.02); a single evaluation's median ≤ 20 ms
(``target_20ms``). The 10 s and 50× budgets are enforced at ≥ 1,000,000 rows only (smaller smoke
runs are dominated by fixed costs: verdict ``info``). Exit status 1 when a budget fails, 2 for
bad arguments; a batch/single mismatch raises.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

if __package__:
    from . import standards_data as data
    from ._common import Stopwatch, environment
else:  # run as a script: benchmarks/ is on sys.path
    import standards_data as data
    from _common import Stopwatch, environment

WANTED = ("tech_sme", "high_tech")
REQUIREMENT_ROWS = 1_000_000
BATCH_BUDGET_SECONDS = 10.0
MIN_SPEEDUP = 50.0
SINGLE_BUDGET_MS = 20.0


@dataclass(slots=True)
class Line:
    """One row of the results table: a measurement against one named baseline."""

    benchmark: str
    rows: int
    value: float
    unit: str  # "s" or "ms"
    baseline: str
    baseline_value: float
    limit: float | None
    """Largest passing ratio (ours ÷ baseline), or ``None`` for information only."""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value if self.baseline_value > 0 else float("inf")

    @property
    def verdict(self) -> str:
        if self.limit is None:
            return "info"
        return "PASS" if self.ratio <= self.limit else "FAIL"

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "rows": self.rows,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "baseline_value": self.baseline_value,
            "ratio": self.ratio,
            "limit": self.limit,
            "verdict": self.verdict,
            "note": self.note,
            **self.extra,
        }


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def bench_environment() -> dict[str, str]:
    env = environment()
    for dist in ("duckdb", "ibis-framework", "pyarrow", "numpy"):
        env[dist] = _version(dist)
    for dist in ("sqlalchemy", "openpyxl"):
        env.pop(dist, None)
    return env


# ---------------------------------------------------------------- comparison


def _single_as_batch(ev: Any) -> dict[str, Any]:
    """A single :class:`Evaluation` in the shape of a batch row (points: the low end)."""
    out: dict[str, Any] = {"outcome": ev.outcome, "route": ev.route}
    for check in ev.checks:
        out[f"{check.criterion}__passed"] = check.passed
        out[f"{check.criterion}__points"] = check.points
    return out


def check_identical(key: str, evaluations: list[Any], batch: dict[str, dict[str, Any]]) -> None:
    """Every single evaluation equals the batch row of the same subject, or raise."""
    bad = []
    for ev in evaluations:
        got = batch.get(ev.subject)
        if got is None:
            bad.append((ev.subject, "missing from the batch result"))
            continue
        want = _single_as_batch(ev)
        diff = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
        # batch (score, score_high) read the way evaluate_row reports them
        low, high = got.get("score"), got.get("score_high")
        batch_score = (
            low if high == low else None,
            (low, high) if low is not None and high is not None and low != high else None,
        )
        if batch_score != (ev.score, ev.score_range):
            diff["score"] = ((ev.score, ev.score_range), (low, high))
        if diff:
            bad.append((ev.subject, diff))
    if bad:
        raise RuntimeError(
            f"{key}: batch and single evaluation differ on {len(bad)} of {len(evaluations)} "
            f"subjects (single, batch): {bad[:5]}"
        )


# ---------------------------------------------------------------- measurements


@dataclass(slots=True)
class Measured:
    key: str
    rows: int
    batch: list[float]
    outcomes: dict[str, int]
    sample: int
    python_seconds: float
    single_ms: list[float]

    @property
    def batch_seconds(self) -> float:
        return statistics.median(self.batch)

    @property
    def python_extrapolated(self) -> float:
        return self.python_seconds * self.rows / self.sample


def measure(
    key: str, path: Path, rows: int, sample: int, single: int, repeat: int, log: Console
) -> Measured:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from kechuang.standards import catalog, engine
    from kechuang.standards.engines import connect
    from kechuang.standards.params import default_parameters

    standard = catalog.get(key)
    resolved = default_parameters().at(data.AS_OF)

    timings: list[float] = []
    result = None
    for i in range(repeat):
        con = connect("duckdb")
        try:
            with Stopwatch() as sw:
                result = engine.screen_table(
                    standard, con.read_parquet(str(path)), resolved
                ).to_pyarrow()
        finally:
            con.disconnect()
        if result.num_rows != rows:
            raise RuntimeError(f"{key}: screened {result.num_rows} of {rows} rows")
        timings.append(sw.seconds)
        log.print(f"[dim]  {key}: batch run {i + 1}/{repeat}: {sw.seconds:.2f} s")
    assert result is not None
    counts = pc.value_counts(result["outcome"]).to_pylist()
    outcomes = {c["values"]: c["counts"] for c in counts}

    # Python one by one on a sample: conversion to rows is not timed, evaluation is.
    profiles = pq.read_table(path).slice(0, sample)
    sample_rows = profiles.to_pylist()
    evaluations = []
    with Stopwatch() as sw:
        for row in sample_rows:
            evaluations.append(engine.evaluate_row(standard, row, resolved))
    python_seconds = sw.seconds
    log.print(f"[dim]  {key}: python one by one, {len(sample_rows):,} rows: {python_seconds:.2f} s")
    ids = profiles["id"].combine_chunks()
    sample_batch = result.filter(pc.is_in(result["id"], value_set=ids)).to_pylist()
    by_id = {r["id"]: r for r in sample_batch}
    check_identical(key, evaluations, by_id)

    # A single raw profile, end to end in process (parameters resolved per call, as the API does).
    raw = [data.raw_profile(key, row) for row in sample_rows[:single]]
    single_ms: list[float] = []
    for profile in raw:
        start = time.perf_counter()
        ev = engine.evaluate_profile(standard, profile, as_of=data.AS_OF)
        single_ms.append((time.perf_counter() - start) * 1000)
        if ev.outcome != by_id[profile["id"]]["outcome"]:
            raise RuntimeError(
                f"{key}: evaluate_profile({profile['id']}) = {ev.outcome}, batch says "
                f"{by_id[profile['id']]['outcome']}"
            )
    return Measured(key, rows, timings, outcomes, len(sample_rows), python_seconds, single_ms)


def lines(results: Sequence[Measured], rows: int) -> list[Line]:
    enforced = rows >= REQUIREMENT_ROWS
    out: list[Line] = []
    for m in results:
        out.append(
            Line(
                f"screen_{m.key}",
                m.rows,
                m.batch_seconds,
                "s",
                "python_one_by_one",
                m.python_extrapolated,
                1 / MIN_SPEEDUP if enforced else None,
                note=f"extrapolated from {m.sample:,} rows ({m.python_seconds:.2f} s)",
                extra={
                    "batch_samples": m.batch,
                    "outcomes": m.outcomes,
                    "speedup": m.python_extrapolated / m.batch_seconds,
                },
            )
        )
    total = sum(m.batch_seconds for m in results)
    python_total = sum(m.python_extrapolated for m in results)
    both = "+".join(m.key for m in results)
    budget = BATCH_BUDGET_SECONDS * rows / REQUIREMENT_ROWS
    out.append(
        Line(
            f"screen_{both}",
            sum(m.rows for m in results),
            total,
            "s",
            "target_10s",
            budget,
            1.0 if enforced else None,
            note="requirement: both standards, 1,000,000 enterprises each, ≤ 10 s"
            if rows == REQUIREMENT_ROWS
            else f"10 s per 1,000,000 rows, scaled to {rows:,}",
        )
    )
    out.append(
        Line(
            f"screen_{both}",
            sum(m.rows for m in results),
            total,
            "s",
            "python_one_by_one",
            python_total,
            1 / MIN_SPEEDUP if enforced else None,
            note="extrapolated",
            extra={"speedup": python_total / total if total else float("inf")},
        )
    )
    for m in results:
        ordered = sorted(m.single_ms)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        out.append(
            Line(
                f"single_{m.key}",
                len(m.single_ms),
                statistics.median(m.single_ms),
                "ms",
                "target_20ms",
                SINGLE_BUDGET_MS,
                1.0,
                note=f"median; p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms",
                extra={"p95_ms": p95, "samples_ms": m.single_ms},
            )
        )
    return out


# ---------------------------------------------------------------- output


def environment_table(env: dict[str, str]) -> Table:
    table = Table(title="Environment", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in env.items():
        table.add_row(key, value)
    return table


def results_table(out: Sequence[Line], repeat: int) -> Table:
    title = "Standards screening" + (f" (batch: median of {repeat})" if repeat > 1 else "")
    table = Table(title=title, title_justify="left")
    table.add_column("benchmark", overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("ours", justify="right")
    table.add_column("rows/s", justify="right")
    table.add_column("baseline", overflow="fold")
    table.add_column("baseline", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("pass if", justify="right")
    table.add_column("verdict")
    table.add_column("note", overflow="fold")
    styles = {"PASS": "bold green", "FAIL": "bold red", "info": "dim"}
    for line in out:
        per_second = f"{line.rows / line.value:,.0f}" if line.unit == "s" and line.value else ""
        table.add_row(
            line.benchmark,
            f"{line.rows:,}",
            f"{line.value:.2f} {line.unit}",
            per_second,
            line.baseline,
            f"{line.baseline_value:.2f} {line.unit}",
            f"{line.ratio:.4f}" if line.ratio < 0.1 else f"{line.ratio:.2f}",
            f"≤ {line.limit:g}" if line.limit is not None else "–",
            f"[{styles[line.verdict]}]{line.verdict}[/]",
            line.note,
        )
    return table


def outcomes_table(results: Sequence[Measured]) -> Table:
    table = Table(title="Outcomes of the generated population", title_justify="left")
    table.add_column("standard")
    for name in ("qualified", "not_qualified", "undetermined"):
        table.add_column(name, justify="right")
    for m in results:
        table.add_row(
            m.key,
            *(f"{m.outcomes.get(n, 0):,}" for n in ("qualified", "not_qualified", "undetermined")),
        )
    return table


# ---------------------------------------------------------------- entry point


def available() -> list[str]:
    from kechuang.standards import catalog

    return [k for k in WANTED if k in catalog.MODULES]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/bench_standards.py",
        description="Screen generated enterprise profiles on DuckDB and compare with Python "
        "one by one (ratio = ours ÷ baseline).",
    )
    parser.add_argument("--rows", type=int, default=REQUIREMENT_ROWS, metavar="N")
    parser.add_argument(
        "--sample",
        type=int,
        default=10_000,
        metavar="S",
        help="rows evaluated one by one in Python and checked against the batch (default %(default)s)",
    )
    parser.add_argument(
        "--single",
        type=int,
        default=200,
        metavar="K",
        help="raw profiles timed through evaluate_profile (default %(default)s)",
    )
    parser.add_argument("--repeat", type=int, default=1, metavar="R", help="batch runs (median)")
    parser.add_argument("--only", action="append", choices=list(WANTED), metavar="KEY")
    parser.add_argument("--seed", type=int, default=data.SEED)
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.sample < 1 or args.single < 1 or args.repeat < 1:
        parser.error("--rows, --sample, --single and --repeat must be at least 1")
    args.sample = min(args.sample, args.rows)
    args.single = min(args.single, args.sample)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = Console()
    if not out.is_terminal and out.width < 160:
        out = Console(width=160)
    log = Console(stderr=True)
    env = bench_environment()
    out.print(environment_table(env))

    keys = [k for k in (args.only or available()) if k in available()]
    missing = [k for k in WANTED if k not in available()]
    if missing:
        log.print(f"[yellow]not in the catalogue yet, skipped:[/] {', '.join(missing)}")
    if not keys:
        log.print("[bold red]no standard to benchmark")
        return 1

    results: list[Measured] = []
    generation: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-std-") as tmp:
        for key in keys:
            log.print(f"[dim]generating {args.rows:,} {key} profiles (vectorised, untimed)…")
            with Stopwatch() as sw:
                table = data.generate(key, args.rows, args.seed)
                path = data.write_parquet(table, Path(tmp) / f"{key}.parquet")
            generation[key] = sw.seconds
            log.print(f"[dim]  {sw.seconds:.2f} s, {path.stat().st_size / 1e6:.1f} MB Parquet")
            del table
            log.print(f"[bold]screening[/] {key}…")
            results.append(
                measure(key, path, args.rows, args.sample, args.single, args.repeat, log)
            )

    report = lines(results, args.rows)
    out.print(results_table(report, args.repeat))
    out.print(outcomes_table(results))
    out.print(
        "ratio = ours ÷ baseline. target_10s: both standards' batch seconds against 10 s. "
        "python_one_by_one: engine.evaluate_row per subject, timed on the sample and "
        f"extrapolated; PASS when ratio ≤ {1 / MIN_SPEEDUP:g} (≥ {MIN_SPEEDUP:g}× faster). "
        "target_20ms: median of engine.evaluate_profile per raw profile. "
        "Batch and single results were identical on every sampled subject."
    )
    failed = [f"{line.benchmark} vs {line.baseline}" for line in report if line.verdict == "FAIL"]
    if failed:
        out.print(f"[bold red]FAILED budget:[/] {', '.join(failed)}")
    if args.json:
        payload = {
            "environment": env,
            "options": {
                "rows": args.rows,
                "sample": args.sample,
                "single": args.single,
                "repeat": args.repeat,
                "seed": args.seed,
                "standards": keys,
                "not_in_catalogue": missing,
            },
            "untimed_generation_seconds": generation,
            "results": [line.as_dict() for line in report],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
        log.print(f"[dim]wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
