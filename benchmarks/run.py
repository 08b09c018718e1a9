"""Import benchmarks of kechuang: time file imports into SQLite and compare them with baselines.

Run ``make bench`` or ``.venv/bin/python benchmarks/run.py [--rows N] [--repeat R]
[--only NAME] [--json FILE]``. See ``docs/benchmarks.md``.

Every measurement uses a new, migrated SQLite database in a temporary directory. Generating
the input files and migrating are never timed. The printed ratio is ours ÷ baseline; a
budget baseline (``target_30s``) passes when the ratio is below 1, and the script exits with
status 1 when any budget fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

if __package__:
    from ._common import (
        REQUIREMENT_ROWS,
        Baseline,
        Result,
        Stopwatch,
        budget,
        enterprise_table,
        environment,
        fresh_database,
        import_kind,
        raw_sqlite_import,
        write_enterprises_csv,
        write_years_xlsx,
        year_table,
    )
else:  # run as a script: benchmarks/ is on sys.path
    from _common import (
        REQUIREMENT_ROWS,
        Baseline,
        Result,
        Stopwatch,
        budget,
        enterprise_table,
        environment,
        fresh_database,
        import_kind,
        raw_sqlite_import,
        write_enterprises_csv,
        write_years_xlsx,
        year_table,
    )


class Context:
    """Options of the run and its input files, generated once on first use (untimed)."""

    def __init__(
        self, directory: Path, rows: int, repeat: int, encoding: str, log: Console
    ) -> None:
        self.directory = directory
        self.rows = rows
        self.year_rows = max(1, rows // 5)
        self.repeat = repeat
        self.encoding = encoding
        self.log = log
        self._enterprises_csv: Path | None = None
        self._years: tuple[Path, Path] | None = None
        self.generation: dict[str, float] = {}

    def enterprises_csv(self) -> Path:
        """The ``rows``-row enterprise CSV."""
        if self._enterprises_csv is None:
            self.log.print(f"[dim]generating {self.rows:,} enterprise rows ({self.encoding})…")
            with Stopwatch() as sw:
                rows = enterprise_table(self.rows)
                path = self.directory / f"enterprises-{self.rows}.csv"
                write_enterprises_csv(path, rows, self.encoding)
            self.generation["enterprises_csv"] = sw.seconds
            self._enterprises_csv = path
        return self._enterprises_csv

    def years_files(self) -> tuple[Path, Path]:
        """``(enterprises CSV, enterprise-years XLSX)`` with ``year_rows`` fiscal-year rows."""
        if self._years is None:
            self.log.print(f"[dim]generating {self.year_rows:,} fiscal-year rows (XLSX)…")
            with Stopwatch() as sw:
                enterprises, years = year_table(self.year_rows)
                ent = write_enterprises_csv(
                    self.directory / "years-enterprises.csv", enterprises, self.encoding
                )
                xlsx = write_years_xlsx(self.directory / "enterprise-years.xlsx", years)
            self.generation["enterprise_years_xlsx"] = sw.seconds
            self._years = (ent, xlsx)
        return self._years


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"benchmark sanity check failed: {message}")


# ---------------------------------------------------------------- the benchmarks


def import_enterprises_csv(ctx: Context) -> Result:
    """Parse + validate + upsert + commit ``rows`` new enterprises from a CSV."""
    path = ctx.enterprises_csv()
    samples: list[float] = []
    for _ in range(ctx.repeat):
        with fresh_database(ctx.directory) as url, Stopwatch() as sw:
            report = import_kind(url, "enterprises", path)
        _check(report.created == ctx.rows, f"created {report.created} of {ctx.rows}")
        samples.append(sw.seconds)

    raw: list[float] = []
    for _ in range(ctx.repeat):
        seconds, count = raw_sqlite_import(ctx.directory, path, ctx.encoding)
        _check(count == ctx.rows, f"raw baseline inserted {count} of {ctx.rows}")
        raw.append(seconds)
    floor = Baseline(
        "raw_sqlite_executemany",
        statistics.median(raw),
        enforced=False,
        samples=raw,
        note="stdlib csv + sqlite3 executemany of the raw strings into an equivalent table",
    )
    return Result(
        "import_enterprises_csv_100k",
        ctx.rows,
        samples,
        [budget(ctx.rows), floor],
        detail={"file_bytes": path.stat().st_size, "encoding": ctx.encoding},
    )


def reimport_unchanged(ctx: Context) -> Result:
    """Import the same CSV a second time: every row is compared and nothing changes."""
    path = ctx.enterprises_csv()
    samples: list[float] = []
    for _ in range(ctx.repeat):
        with fresh_database(ctx.directory) as url:
            import_kind(url, "enterprises", path)  # untimed first import
            with Stopwatch() as sw:
                report = import_kind(url, "enterprises", path)
        _check(
            report.unchanged == ctx.rows and not report.changed,
            f"re-import changed rows: {report.created} created, {report.updated} updated",
        )
        samples.append(sw.seconds)
    return Result(
        "reimport_unchanged_100k",
        ctx.rows,
        samples,
        [budget(ctx.rows)],
        detail={"file_bytes": path.stat().st_size, "encoding": ctx.encoding},
    )


def import_enterprise_years_xlsx(ctx: Context) -> Result:
    """Parse + check + resolve USCCs + upsert + commit fiscal-year rows from an XLSX workbook."""
    ent, xlsx = ctx.years_files()
    samples: list[float] = []
    for _ in range(ctx.repeat):
        with fresh_database(ctx.directory) as url:
            import_kind(url, "enterprises", ent)  # untimed: the enterprises must exist first
            with Stopwatch() as sw:
                report = import_kind(url, "enterprise-years", xlsx)
        _check(report.created == ctx.year_rows, f"created {report.created} of {ctx.year_rows}")
        samples.append(sw.seconds)
    target = budget(ctx.rows)
    target.enforced = False
    target.note = "informational: the 100k-enterprise budget, not a requirement for fiscal years"
    return Result(
        "import_enterprise_years_xlsx_20k",
        ctx.year_rows,
        samples,
        [target],
        detail={"file_bytes": xlsx.stat().st_size},
    )


BENCHMARKS: dict[str, Callable[[Context], Result]] = {
    "import_enterprises_csv_100k": import_enterprises_csv,
    "reimport_unchanged_100k": reimport_unchanged,
    "import_enterprise_years_xlsx_20k": import_enterprise_years_xlsx,
}


# ---------------------------------------------------------------- output


def environment_table(env: dict[str, str]) -> Table:
    table = Table(title="Environment", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in env.items():
        table.add_row(key, value)
    return table


def results_table(results: Sequence[Result], repeat: int) -> Table:
    title = "Import benchmarks" + (f" (median of {repeat})" if repeat > 1 else "")
    table = Table(title=title, title_justify="left")
    table.add_column("benchmark", overflow="fold")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("rows/s", justify="right")
    table.add_column("baseline", overflow="fold")
    table.add_column("baseline s", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("verdict")
    styles = {"PASS": "bold green", "FAIL": "bold red", "info": "dim"}
    for result in results:
        for i, b in enumerate(result.baselines):
            verdict = result.verdict(b)
            first = i == 0
            table.add_row(
                result.name if first else "",
                f"{result.rows:,}" if first else "",
                f"{result.seconds:.2f}" if first else "",
                f"{result.rows_per_second:,.0f}" if first else "",
                b.name,
                f"{b.seconds:.2f}",
                f"{result.ratio(b):.2f}",
                f"[{styles[verdict]}]{verdict}[/]",
                end_section=i == len(result.baselines) - 1,
            )
    return table


# ---------------------------------------------------------------- entry point


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Time kechuang's file imports into fresh SQLite databases and compare "
        "them with named baselines (ratio = ours ÷ baseline).",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=REQUIREMENT_ROWS,
        metavar="N",
        help="enterprise rows (default %(default)s; the XLSX benchmark uses N/5 fiscal-year "
        "rows; the 30 s budget is scaled linearly with N and enforced only for N >= 100000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="R",
        help="measurements per benchmark, each on a fresh database; the median is reported "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the environment and results here"
    )
    parser.add_argument(
        "--encoding",
        default="gbk",
        choices=["gbk", "utf-8", "utf-8-sig"],
        help="encoding of the enterprise CSV (default %(default)s, as Chinese Excel exports)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = Console()
    if not out.is_terminal and out.width < 132:
        out = Console(width=132)  # piped or under make: do not squeeze the table to 80 columns
    log = Console(stderr=True)
    env = environment()
    out.print(environment_table(env))

    names = args.only or list(BENCHMARKS)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="kechuang-bench-") as tmp:
        ctx = Context(Path(tmp), args.rows, args.repeat, args.encoding, log)
        for name in names:
            log.print(f"[bold]running[/] {name} ×{args.repeat}…")
            result = BENCHMARKS[name](ctx)
            log.print(f"[dim]  {result.name}: {result.seconds:.2f} s")
            results.append(result)
        generation = dict(ctx.generation)

    out.print(results_table(results, args.repeat))
    out.print(
        "ratio = ours ÷ baseline. target_30s is the requirement's budget: PASS when ratio < 1 "
        "(enforced at >= 100,000 rows; info on smaller runs and for the XLSX benchmark). "
        "raw_sqlite_executemany is the floor: the ratio is our overhead factor."
    )
    failed = [r.name for r in results if r.failed]
    if failed:
        out.print(f"[bold red]FAILED budget:[/] {', '.join(failed)}")

    if args.json:
        payload = {
            "environment": env,
            "options": {
                "rows": args.rows,
                "repeat": args.repeat,
                "encoding": args.encoding,
                "only": args.only,
            },
            "untimed_generation_seconds": generation,
            "results": [r.as_dict() for r in results],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
        log.print(f"[dim]wrote {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
