"""The calibrated demo end to end: ``kechuang demo`` builds the synthetic Shanghai through the
import paths, creates the release and writes the report; every headline figure equals the seed's.

One full run per session (about 2–3 minutes on 2 cores): the CLI with ``--check``, so the release
*and* the demo's second computation through the domain services are compared with the seed.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.demo.calibrated import headline
from kechuang.demo.calibration import FIGURES, SEED_FIGURES, calibrate, printed, yoy_pct
from kechuang.demo.synthetic import generate
from kechuang.indicators.releases import open_release

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(
        app,
        ["demo", "--dir", str(root), "--out", str(root / "out"), "--check"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return root


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
    assert [r.key for r in rows] == [f.key for f in SEED_FIGURES]
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
    for name in ("credit-grants.csv", "credit-events.csv", "ip-patents.csv", "insurance-shares.csv"):
        first = hashlib.sha256((demo_dir / "data" / name).read_bytes()).hexdigest()
        assert hashlib.sha256((again.directory / name).read_bytes()).hexdigest() == first, name
