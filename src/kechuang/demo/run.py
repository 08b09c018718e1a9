"""Run the demo: fresh database, sample files, the real import path, a summary."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from rich.panel import Panel

from kechuang.cli.common import console, progress_bar, t
from kechuang.core.periods import year_end
from kechuang.demo.calibrated import DemoResult
from kechuang.demo.samples import write_samples
from kechuang.migrations import upgrade
from kechuang.registry import service as registry_service
from kechuang.registry.imports import import_file
from kechuang.storage.db import kechuang_home, reset_engines, sqlite_url, unit_of_work


def _import_ip(url: str, directory: Path, *, enterprises: int, seed: int) -> None:
    """Import the sample IP records (and the illustrative IPC concordance) through `ip import`."""
    from kechuang.demo.ip_samples import write_ip_samples
    from kechuang.demo.samples import enterprise_rows
    from kechuang.ip.imports import import_file as ip_import_file
    from kechuang.ip.imports import load_illustrative_concordance

    files = write_ip_samples(directory, list(enterprise_rows(enterprises, seed)), seed=seed)
    with unit_of_work(url) as session:
        report = load_illustrative_concordance(session, actor="demo")
    console.print(f"[green]✓[/green] {report.summary().text()}")
    plan = [
        ("pct", files.pct),
        ("patents", files.patents),
        ("events", files.events),
        ("pledges", files.pledges),
        ("centres", files.centres),
        ("programmes", files.programmes),
        ("awards", files.awards),
    ]
    for kind, path in plan:
        with (
            progress_bar(t(f"导入 {path.name}", f"importing {path.name}")) as progress,
            unit_of_work(url) as session,
        ):
            report = ip_import_file(
                session=session, kind=kind, path=path, actor="demo", progress=progress
            )
        console.print(f"[green]✓[/green] {report.summary().text()}")


def _ip_summary(url: str, year: int) -> None:
    """Print what the IP registry holds for ``year``."""
    from rich.table import Table

    from kechuang.ip import service as ip_service
    from kechuang.ip.enums import AwardKind, CentreKind, PatentType, ProgrammeKind

    with unit_of_work(url) as session:
        s = ip_service.year_summary(session=session, year=year)
    table = Table(title=t(f"知识产权库（{year}年）", f"IP registry ({year})"))
    table.add_column(t("项目", "item"))
    table.add_column(t("数量", "count"), justify="right")
    for kind in PatentType:
        table.add_row(
            t(f"授权专利：{kind.label.zh}", f"patents granted: {kind.label.en}"),
            str(s.granted_by_type.get(kind.value, 0)),
        )
    for kind in PatentType:
        table.add_row(
            t(f"年末有效专利：{kind.label.zh}", f"in force at year end: {kind.label.en}"),
            str(s.valid_by_type.get(kind.value, 0)),
        )
    table.add_row(t("PCT 国际申请", "PCT applications"), str(s.pct_filings))
    for c in CentreKind:
        if s.centres_by_kind.get(c.value):
            table.add_row(c.label.text(), str(s.centres_by_kind[c.value]))
    for pk in ProgrammeKind:
        if s.programmes_by_kind.get(pk.value):
            table.add_row(pk.label.text(), str(s.programmes_by_kind[pk.value]))
    for a in AwardKind:
        if s.awards_by_kind.get(a.value):
            table.add_row(a.label.text(), str(s.awards_by_kind[a.value]))
    table.add_row(
        t(
            "待确认的名称匹配（kechuang ip owners review）",
            "name matches awaiting review (kechuang ip owners review)",
        ),
        str(s.pending_owner_reviews),
    )
    console.print(table)


def _screen(url: str) -> None:
    """Screen the sample registry with the standards that registry facts can feed."""
    from rich.table import Table

    from kechuang.standards import service as standards_service
    from kechuang.standards.catalog import get as get_standard

    as_of = dt.date(2024, 6, 30)
    table = Table(
        title=t(
            f"认定标准筛查（截至 {as_of}，DuckDB）", f"Standards screening (as of {as_of}, DuckDB)"
        )
    )
    for col in (
        t("标准", "standard"),
        t("符合", "qualified"),
        t("不符合", "not qualified"),
        t("待定", "undetermined"),
        t("运行编号", "run"),
    ):
        table.add_column(col, justify="right")
    for key in ("sci_tech_enterprise", "tech_sme", "high_tech"):
        with unit_of_work(url) as session:
            run = standards_service.screen(
                session=session, standard_key=key, as_of=as_of, engine="duckdb", actor="demo"
            )
            counts = run.counts["by_outcome"]
            table.add_row(
                get_standard(key).label.text(),
                str(counts.get("qualified", 0)),
                str(counts.get("not_qualified", 0)),
                str(counts.get("undetermined", 0)),
                str(run.id),
            )
    console.print(table)
    from sqlalchemy import select

    from kechuang.ip.models import Patent
    from kechuang.registry.models import Enterprise

    with unit_of_work(url) as session:
        example = session.scalars(select(Enterprise.uscc).order_by(Enterprise.id).limit(1)).first()
        patent = session.scalars(
            select(Patent.application_no)
            .where(Patent.grant_date.is_not(None))
            .order_by(Patent.id)
            .limit(1)
        ).first()
    env = f"KECHUANG_DATABASE_URL={url}"
    console.print(t("接下来可以试试：", "Try next:"))
    console.print(
        f"  {env} kechuang standards evaluate tech_sme --enterprise {example} --as-of {as_of}"
    )
    console.print(
        f"  {env} kechuang standards simulate tech_sme --as-of {as_of} --set tech_sme.scoring.pass_mark=50"
    )
    console.print(f"  {env} kechuang registry show {example}")
    console.print(f"  {env} kechuang ip show {patent} --as-of 2023-12-31")
    console.print(f"  {env} kechuang ip portfolio {example} --as-of 2023-12-31")


def run_demo(*, directory: str | None = None, enterprises: int = 300, seed: int = 2023) -> Path:
    """Build the demo registry in ``directory`` and print its summary; returns the database path."""
    from kechuang.cli.registry import render_summary

    root = Path(directory) if directory else kechuang_home() / "demo"
    db_path = root / "kechuang-demo.db"
    root.mkdir(parents=True, exist_ok=True)
    reset_engines()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    data_dir = root / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    url = sqlite_url(db_path)
    console.print(
        Panel(
            t(
                f"科创 kechuang 演示\n数据库：{db_path}\n示例文件：{data_dir}",
                f"kechuang demo\ndatabase: {db_path}\nsample files: {data_dir}",
            )
        )
    )
    upgrade(url)
    files = write_samples(data_dir, enterprises=enterprises, seed=seed)
    plan = [
        ("institutions", files.institutions),
        ("enterprises", files.enterprises),
        ("enterprise-years", files.enterprise_years),
        ("qualifications", files.qualifications),
    ]
    for kind, path in plan:
        with (
            progress_bar(t(f"导入 {path.name}", f"importing {path.name}")) as progress,
            unit_of_work(url) as session,
        ):
            report = import_file(
                session=session, kind=kind, path=path, actor="demo", progress=progress
            )
        console.print(
            f"[green]✓[/green] {report.summary().text()}"
            + (f"  ({report.encoding})" if report.encoding else "")
        )
    _import_ip(url, data_dir / "ip", enterprises=enterprises, seed=seed)
    # Importing the same file again changes nothing: imports are idempotent on natural keys.
    with unit_of_work(url) as session:
        again = import_file(
            session=session, kind="enterprises", path=files.enterprises, actor="demo"
        )
    console.print(f"[cyan]↺[/cyan] {again.summary().text()}")
    with unit_of_work(url) as session:
        summary = registry_service.summary(session=session, as_of=year_end(2023))
    render_summary(summary)
    _ip_summary(url, 2023)
    _screen(url)
    reset_engines()
    return db_path


def _headline_table(result: Any) -> tuple[Any, bool]:
    from rich.table import Table

    from kechuang.demo.calibrated import headline

    release = result.release_figures
    table = Table(
        title=t(
            "头条指标：kechuang 2023 vs 种子（合成数据）",
            "Headline figures: kechuang 2023 vs the seed (synthetic data)",
        )
    )
    for col, justify in (
        (t("指标", "indicator"), "left"),
        ("kechuang 2023", "right"),
        (t("种子", "seed"), "right"),
        (t("同比", "yoy"), "right"),
        (t("种子同比", "seed yoy"), "right"),
        ("", "center"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    rows = headline(release or result.figures)
    check = headline(result.figures) if release and result.figures else rows
    for row, own in zip(rows, check, strict=True):
        ok = row.ok and own.ok and row.value == own.value
        table.add_row(
            row.label,
            row.value,
            row.seed,
            row.yoy,
            row.seed_yoy,
            "[green]✓[/green]" if ok else "[red]✗[/red]",
        )
    return table, all(r.ok for r in rows) and all(r.ok for r in check)


def run_calibrated_demo(
    *, directory: str | None = None, out: str | None = None, seed: int = 2023, check: bool = False
) -> DemoResult:
    """``kechuang demo``: the calibrated synthetic Shanghai, its release and report.

    ``result.ok`` is True when every headline figure of the release (and, with ``check``, of the
    recomputation through the domain services) prints as the seed's figure.
    """
    import time
    from collections.abc import Iterator
    from contextlib import contextmanager

    from kechuang.demo.calibrated import build, release_and_report

    started, started_cpu = time.perf_counter(), time.process_time()
    root = Path(directory) if directory else kechuang_home() / "demo"
    out_dir = Path(out) if out else root / "report"
    console.print(
        Panel(
            t(
                f"科创 kechuang 演示（合成数据，已按种子校准）\n目录：{root}\n报告：{out_dir}",
                f"kechuang demo (synthetic data, calibrated to the seed)\ndirectory: {root}\nreport: {out_dir}",
            )
        )
    )

    @contextmanager
    def bar(description: str) -> Iterator[Any]:
        with progress_bar(description) as update:
            yield update

    def log(line: str) -> None:
        console.print(f"[green]✓[/green] {line}")

    result = build(root, seed=seed, progress=bar, log=log, verify=check)
    releases_dir = root / "releases"
    release_and_report(result, out_dir, root=releases_dir, progress=bar)
    for s in result.steps[-2:]:
        log(f"{s.name}  {s.seconds:.1f}s (CPU {s.cpu:.1f}s)  {s.detail}")
    table, ok = _headline_table(result)
    result.ok = ok
    console.print(table)
    for path in result.report_files:
        console.print(f"  {path}")
    env = f"KECHUANG_DATABASE_URL={result.url}"
    console.print(t("接下来可以试试：", "Try next:"))
    rid, rdir = result.release_id, releases_dir
    console.print(f"  kechuang release show {rid} --root {rdir}")
    console.print(
        f"  kechuang indicators explain sci_tech_borrowers --release {rid} --root {rdir} --limit 5"
    )
    console.print(f"  kechuang report --release {rid} --root {rdir} -f html -o report.html")
    console.print(f"  {env} kechuang registry summary")
    console.print(
        t(
            f"用时 {time.perf_counter() - started:.0f} 秒（CPU {time.process_time() - started_cpu:.0f} 秒）；"
            f"头条指标{'全部' if ok else '并非全部'}与种子一致",
            f"{time.perf_counter() - started:.0f} s (CPU {time.process_time() - started_cpu:.0f} s); "
            f"headline figures {'all' if ok else 'NOT all'} equal the seed's",
        )
    )
    reset_engines()
    return result
