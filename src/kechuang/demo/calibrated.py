"""``kechuang demo``: a calibrated synthetic Shanghai, imported through the platform's own paths.

Steps (each timed and shown with a progress bar):

1. a fresh embedded (SQLite) database, migrated;
2. the synthetic files (:mod:`kechuang.demo.synthetic`) for 2022 and 2023, calibrated to the
   seed (:mod:`kechuang.demo.calibration`);
3. every file imported with the domain's ``import_file`` — registry, credit, insurance, IP, funds —
   exactly as ``kechuang <domain> import`` does, plus the illustrative IPC→SEI concordance;
4. the headline figures computed from the database through the domain services
   (:mod:`kechuang.demo.figures`) and checked against the seed;
5. when :mod:`kechuang.indicators` / :mod:`kechuang.reports` are installed: the release
   (``synthetic=True``) and the report in every format.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from kechuang.demo.calibration import FIGURES, Calibration, Figure, calibrate, printed, yoy_pct
from kechuang.demo.synthetic import DemoFiles, generate
from kechuang.migrations import upgrade
from kechuang.storage.db import reset_engines, sqlite_url, unit_of_work

Importer = Callable[..., Any]


def _importer(domain: str) -> Importer:
    if domain == "registry":
        from kechuang.registry.imports import import_file as registry_import

        return registry_import
    if domain == "credit":
        from kechuang.credit.imports import import_file as credit_import

        return credit_import
    if domain == "insurance":
        from kechuang.insurance.imports import import_file as insurance_import

        return insurance_import
    if domain == "ip":
        from kechuang.ip.imports import import_file as ip_import

        return ip_import
    from kechuang.funds.imports import import_file as funds_import

    return funds_import


@dataclass
class Step:
    """One timed step of the demo."""

    name: str
    seconds: float
    """Wall-clock seconds."""
    detail: str = ""
    cpu: float = 0.0
    """CPU seconds of this process (all threads)."""


@dataclass
class DemoResult:
    """What a demo build produced."""

    url: str
    database: Path
    files: DemoFiles
    calibration: Calibration
    figures: dict[int, dict[str, Decimal]]
    steps: list[Step] = field(default_factory=list)
    imported: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """(created, updated, unchanged) of each imported file, by file name."""
    release_id: str | None = None
    report_files: list[Path] = field(default_factory=list)
    ok: bool = False
    """Every headline figure equals the seed's (set by ``run_calibrated_demo``)."""
    release_figures: dict[int, dict[str, Decimal]] = field(default_factory=dict)
    """The release's values by year (empty until :func:`release_and_report` ran)."""


ProgressFactory = Callable[[str], Any]
"""``progress(description)`` → a context manager yielding a progress callback, or ``None``."""


@contextmanager
def _no_progress(_description: str) -> Iterator[None]:
    yield None


def build(
    root: Path,
    *,
    seed: int = 2023,
    progress: ProgressFactory | None = None,
    log: Callable[[str], None] = lambda _m: None,
    utility_design_2022: int = 141_500,
    verify: bool = True,
) -> DemoResult:
    """Build the demo database in ``root`` (replacing it) and compute its figures.

    Args:
        root: directory for ``kechuang-demo.db`` and ``data/`` (the generated files).
        seed: random seed; the same seed gives the same data.
        progress: factory of progress contexts (the CLI passes rich progress bars).
        log: receives one line per finished step.
        utility_design_2022: utility models and designs granted in 2022 (see
            :func:`kechuang.demo.synthetic.generate`).
        verify: also compute the figures through the domain services
            (:mod:`kechuang.demo.figures`); ``figures`` stays empty otherwise.
    """
    progress = progress or _no_progress
    steps: list[Step] = []
    imported: dict[str, tuple[int, int, int]] = {}

    def step(name: str, t0: float, c0: float, detail: str = "") -> None:
        steps.append(Step(name, time.perf_counter() - t0, detail, time.process_time() - c0))
        s = steps[-1]
        log(f"{name}  {s.seconds:.1f}s (CPU {s.cpu:.1f}s)  {detail}")

    root.mkdir(parents=True, exist_ok=True)
    db_path = root / "kechuang-demo.db"
    reset_engines()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = sqlite_url(db_path)
    t0, c0 = time.perf_counter(), time.process_time()
    upgrade(url)
    step("migrate", t0, c0)

    t0, c0 = time.perf_counter(), time.process_time()
    cal = calibrate()
    with progress("generate") as tick:
        files = generate(
            root / "data",
            cal,
            seed=seed,
            utility_design_2022=utility_design_2022,
            progress=tick,
        )
    step("generate", t0, c0, f"{sum(files.counts.values()):,} rows")

    from kechuang.ip.imports import load_illustrative_concordance

    t0, c0 = time.perf_counter(), time.process_time()
    with unit_of_work(url) as session:
        load_illustrative_concordance(session, actor="demo")
    load_reference(url)
    step("reference data", t0, c0, "IPC→SEI concordance (illustrative), policy items, statistics")
    for domain, kind, path in files.plan:
        t0, c0 = time.perf_counter(), time.process_time()
        with progress(f"{domain} {kind} ← {path.name}") as tick, unit_of_work(url) as session:
            report = _importer(domain)(
                session=session, kind=kind, path=path, actor="demo", progress=tick
            )
        step(f"import {domain} {kind}", t0, c0, report.summary().text())
        imported[path.name] = (report.created, report.updated, report.unchanged)

    figures: dict[int, dict[str, Decimal]] = {}
    if verify:
        t0, c0 = time.perf_counter(), time.process_time()
        from kechuang.demo.figures import compute

        with unit_of_work(url, commit=False) as session:
            figures = compute(session)
        step("figures via domain services", t0, c0)
    reset_engines()
    return DemoResult(
        url=url,
        database=db_path,
        files=files,
        calibration=cal,
        figures=figures,
        steps=steps,
        imported=imported,
    )


FUND_CODE = "FUDAN_FOF"
"""Code of the synthetic 复旦科创母基金 (fund codes are upper-cased by the funds import)."""


def load_reference(url: str) -> None:
    """The shipped Shanghai 2023 programme list and external statistics (population, GII rank)."""
    from kechuang.policy.imports import load_shipped

    with unit_of_work(url) as session:
        load_shipped(session=session, actor="demo")


def release_and_report(
    result: DemoResult,
    out: Path,
    *,
    root: Path | None = None,
    progress: ProgressFactory | None = None,
) -> None:
    """Create the release (``synthetic=True``), check it against the demo's own figures and write
    the report in every format and language into ``out``."""
    from kechuang.indicators.options import Options
    from kechuang.indicators.releases import create_release, open_release
    from kechuang.reports import render_all

    progress = progress or _no_progress
    t0, c0 = time.perf_counter(), time.process_time()
    with progress("release 2023") as tick:
        manifest = create_release(
            url=result.url,
            year=2023,
            cutoff=None,
            engine="duckdb",
            root=root,
            revision_note="kechuang demo：合成数据 / synthetic data",
            synthetic=True,
            progress=tick,
            options=Options(fudan_fof_code=FUND_CODE),
        )
    result.release_id = manifest.release_id
    result.steps.append(
        Step("release", time.perf_counter() - t0, manifest.release_id, time.process_time() - c0)
    )
    release = open_release(manifest.release_id, root=root)
    for year in (2022, 2023):
        values = {v.key: v.value for v in release.values(year)}
        result.release_figures[year] = {k: v for k, v in values.items() if v is not None}
    t0, c0 = time.perf_counter(), time.process_time()
    out.mkdir(parents=True, exist_ok=True)
    with progress("report md/html/xlsx/pdf × zh/en"):
        result.report_files = render_all(release, out)
    result.steps.append(
        Step("report", time.perf_counter() - t0, str(out), time.process_time() - c0)
    )


# ------------------------------------------------------------------ the headline table


@dataclass(frozen=True)
class HeadlineRow:
    """One line of the headline table."""

    key: str
    label: str
    value: str
    seed: str
    yoy: str
    seed_yoy: str
    ok: bool


def _display(figure: Figure, value: Decimal) -> str:
    shown = printed(value, figure.scale, figure.decimals)
    prefix = "近" if figure.approx_below and value < figure.value * figure.scale else ""
    return f"{prefix}{shown}{figure.unit}"


def headline(figures: dict[int, dict[str, Decimal]]) -> list[HeadlineRow]:
    """Each seed figure next to the demo's value as printed, with yoy where the seed has one."""
    rows: list[HeadlineRow] = []
    this, last = figures[2023], figures.get(2022, {})
    for key, figure in FIGURES.items():
        value = this.get(key)
        if value is None:
            rows.append(HeadlineRow(key, figure.label, "—", figure.text(), "", "", False))
            continue
        ok = figure.matches(value)
        yoy_text = seed_yoy = ""
        if figure.yoy is not None:
            seed_yoy = f"{figure.yoy}%"
            prev = last.get(key)
            if prev:
                y = yoy_pct(value, prev)
                yoy_text = f"{y}%"
                ok = ok and y == figure.yoy
            else:
                ok = False
        rows.append(
            HeadlineRow(
                key, figure.label, _display(figure, value), figure.text(), yoy_text, seed_yoy, ok
            )
        )
    rows.append(_gii_row(this.get("gii_cluster_rank"), last.get("gii_cluster_rank")))
    return rows


GII_SEED_RANK: Final = 5
GII_SEED_RISE: Final = 1
"""Seed §7.2: 上海-苏州集群跻身全球科技集群第 5 位，较上年上升 1 位 (an external record, not computed)."""


def _gii_row(rank: Decimal | None, previous: Decimal | None) -> HeadlineRow:
    """The GII cluster rank: an external statistic loaded with its source, shown for completeness."""
    shown = "—" if rank is None else f"第{int(rank)}位"
    rise = None if rank is None or previous is None else int(previous) - int(rank)
    return HeadlineRow(
        "gii_cluster_rank",
        "全球科技集群排名（上海-苏州，外部数据）",
        shown,
        f"第{GII_SEED_RANK}位",
        "" if rise is None else f"上升{rise}位",
        f"上升{GII_SEED_RISE}位",
        rank == GII_SEED_RANK and rise == GII_SEED_RISE,
    )


__all__ = ["DemoResult", "HeadlineRow", "Step", "build", "headline", "release_and_report"]
