"""The calibrated demo end to end: ``kechuang demo`` builds the synthetic Shanghai through the
import paths, creates the release and writes the report; every headline figure equals the seed's.

One full run per session (about 2–4 minutes on 2 cores) with ``--check``, so the release *and* the
demo's second computation through the domain services are compared with the seed.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.demo.calibrated import DemoResult, headline
from kechuang.demo.calibration import FIGURES, SEED_FIGURES, calibrate, printed, yoy_pct
from kechuang.demo.run import run_calibrated_demo
from kechuang.demo.synthetic import generate
from kechuang.indicators.releases import open_release

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """``kechuang demo --check`` (what the command runs, without the Typer wrapper)."""
    root = tmp_path_factory.mktemp("demo")
    return run_calibrated_demo(directory=str(root), out=str(root / "out"), check=True)


@pytest.fixture(scope="session")
def demo_dir(demo: DemoResult) -> Path:
    assert demo.ok
    return demo.database.parent


def test_cli_options() -> None:
    result = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--dir", "--out", "--check", "--seed", "--enterprises"):
        assert option in result.output


def test_every_file_imported_and_december_reports_reconcile(demo: DemoResult) -> None:
    for _domain, _kind, path in demo.files.plan:
        created, updated, unchanged = demo.imported[path.name]
        rows = demo.files.counts[path.name]
        if path.name == "credit-loans-december.csv":
            # Every year-end balance the banks report equals the ledger's: nothing to change.
            assert (created, updated, unchanged) == (0, 0, rows)
        else:
            assert (created, updated) == (rows, 0), path.name


def test_domain_recomputation_agrees_with_the_release(demo: DemoResult) -> None:
    # The release stores the per-10k ratio to 6 decimals; everything else is exact.
    tolerance = {"high_value_patents_per_10k": Decimal("0.000001")}
    for year in (2022, 2023):
        for key in [*FIGURES, "high_value_invention_patents"]:
            # A figure without data (the IC pool began in 2023) is 0 here, may be absent there.
            mine = demo.figures[year].get(key, Decimal(0))
            theirs = demo.release_figures[year].get(key, Decimal(0))
            assert abs(mine - theirs) <= tolerance.get(key, Decimal(0)), (year, key, mine, theirs)
    assert demo.figures[2023]["fudan_fof_phase1_size"] == Decimal("1000000000.00")


def _release_values(root: Path) -> dict[int, dict[str, Decimal]]:
    release = open_release("2023-r1", root=root / "releases")
    assert release.manifest.synthetic is True
    return {
        year: {v.key: v.value for v in release.values(year) if v.value is not None}
        for year in (2022, 2023)
    }


def test_headline_table_equals_the_seed(demo_dir: Path) -> None:
    values = _release_values(demo_dir)
    rows = headline(values)
    assert [r.key for r in rows] == [*(f.key for f in SEED_FIGURES), "gii_cluster_rank"]
    assert (rows[-1].value, rows[-1].yoy) == (
        "第5位",
        "上升1位",
    )  # external, loaded with its source
    bad = [(r.key, r.value, r.seed, r.yoy, r.seed_yoy) for r in rows if not r.ok]
    assert bad == []
    # Independently of the table code: every figure prints as the seed prints it.
    for key, figure in FIGURES.items():
        value = values[2023][key]
        assert figure.matches(value), key
        if figure.yoy is not None:
            assert yoy_pct(value, values[2022][key]) == figure.yoy, key
    assert printed(values[2023]["sci_tech_borrowers"], Decimal(10_000), 2) == Decimal("2.99")


def test_release_hits_the_exact_targets(demo_dir: Path) -> None:
    values = _release_values(demo_dir)
    cal = calibrate()
    for key, target in cal.targets.items():
        assert values[2023][key] == target.current, key
        if target.previous is not None:
            assert values[2022][key] == target.previous, key
    assert values[2023]["high_value_invention_patents"] == cal.high_value.current
    assert values[2022]["high_value_invention_patents"] == cal.high_value.previous


def test_report_in_every_format_says_synthetic(demo_dir: Path) -> None:
    out = demo_dir / "out"
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    for lang in ("zh", "en"):
        for fmt in ("md", "html", "xlsx", "pdf"):
            assert f"report-2023-r1-{lang}.{fmt}" in names
    zh = (out / "report-2023-r1-zh.md").read_text(encoding="utf-8")
    assert "合成" in zh
    assert "2.99 万户" in zh or "2.99万户" in zh


def test_generation_is_deterministic(demo_dir: Path, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", calibrate(), seed=2023)
    for name in (
        "credit-grants.csv",
        "credit-events.csv",
        "ip-patents.csv",
        "insurance-shares.csv",
    ):
        first = hashlib.sha256((demo_dir / "data" / name).read_bytes()).hexdigest()
        assert hashlib.sha256((again.directory / name).read_bytes()).hexdigest() == first, name
