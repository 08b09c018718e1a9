"""The national indicator benchmark at a tiny scale: same layout, exact agreement of all methods.

The full benchmark (``benchmarks/bench_indicators.py``) is not run in CI; this test runs its
generator and its three computations in-process on ~2,000 enterprises so that a change in the
indicator definitions, in the snapshot schemas or in a baseline is caught here.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import bench_indicators  # noqa: E402
import gen_national  # noqa: E402
from national import common, workers  # noqa: E402
from national.schema import table_names  # noqa: E402

YEAR = 2023
SCALE = 0.002  # 2,000 enterprises, 20,000 loans (~50,000 events), 10,000 patents, 400 policies


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("national")
    info = gen_national.generate(out, scale=SCALE)
    return out / "tables", info


@pytest.fixture(scope="module")
def results(data: tuple[Path, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    tables, _ = data
    return {m: workers.measure(m, tables, YEAR, "1GB") for m in workers.METHODS}


def test_generator_writes_the_release_snapshot_layout(
    data: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    from kechuang.indicators.releases import _load_models
    from kechuang.migrations import upgrade
    from kechuang.storage.base import Base
    from kechuang.storage.db import get_engine, reset_engines, sqlite_url
    from kechuang.storage.release_export import snapshot

    tables, info = data
    url = sqlite_url(tmp_path / "empty.db")
    reset_engines()
    upgrade(url)
    _load_models()
    snapshot(get_engine(url), Base.metadata, tmp_path / "snap")
    reset_engines()
    release_tables = {f"{n}.parquet" for n in table_names()}
    want = {p.name: pq.read_schema(p) for p in (tmp_path / "snap").glob("*.parquet")}
    got = {p.name: pq.read_schema(p) for p in tables.glob("*.parquet")}
    assert set(got) == release_tables
    assert release_tables <= set(want)
    assert "auth_user.parquet" not in got  # never part of a release
    assert len(got) == 40
    for name, schema in got.items():
        assert want[name].remove_metadata() == schema.remove_metadata(), name
    assert info["rows"]["enterprise"] == 2000
    assert info["rows"]["loan"] == 20000
    assert info["rows"]["loan_ledger_event"] > 40000
    assert info["rows"]["patent"] == 10000


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a = gen_national.generate(tmp_path / "a", scale=0.0005, seed=7)
    b = gen_national.generate(tmp_path / "b", scale=0.0005, seed=7)
    c = gen_national.generate(tmp_path / "c", scale=0.0005, seed=8)
    files = sorted(p.name for p in (tmp_path / "a" / "tables").glob("*.parquet"))
    same = [
        (tmp_path / "a" / "tables" / f).read_bytes() == (tmp_path / "b" / "tables" / f).read_bytes()
        for f in files
    ]
    assert all(same)
    assert a["rows"] == b["rows"]
    loan_a = (tmp_path / "a" / "tables" / "loan_ledger_event.parquet").read_bytes()
    loan_c = (tmp_path / "c" / "tables" / "loan_ledger_event.parquet").read_bytes()
    assert loan_a != loan_c
    assert c["rows"]["loan"] == a["rows"]["loan"]


def test_baseline_industry_groups_match_the_standard() -> None:
    from kechuang.standards.sme_size_class import industry_group_for

    for code in gen_national.INDUSTRY_CODES:
        try:
            want: int | None = industry_group_for(code)
        except ValueError:
            want = None
        assert common.industry_group(code) == want, code


@pytest.mark.slow
def test_all_methods_agree_exactly(results: dict[str, dict[str, Any]]) -> None:
    assert bench_indicators.disagreements(results) == []
    kechuang = {r["key"]: r for r in results["kechuang"]["values"]}
    assert len(kechuang) == 40
    # the data exercise the figures: nearly every figure is non-zero in both years
    zero = [
        k
        for k, r in kechuang.items()
        if r["value"] is None or Decimal(r["value"]) == 0 or Decimal(r["previous"] or 0) == 0
    ]
    assert len(zero) <= 4, zero
    assert Decimal(kechuang["sci_tech_sme_borrowers"]["value"]) < Decimal(
        kechuang["sci_tech_borrowers"]["value"]
    )
    assert Decimal(kechuang["high_value_invention_patents"]["value"]) < Decimal(
        kechuang["valid_invention_patents"]["value"]
    )
    for r in results.values():
        assert r["seconds"] > 0
        assert r["peak_rss_bytes"] >= r["rss_before_bytes"] > 0


@pytest.mark.slow
def test_a_wrong_baseline_is_caught(results: dict[str, dict[str, Any]]) -> None:
    broken = {m: {**r, "values": [dict(v) for v in r["values"]]} for m, r in results.items()}
    row = next(v for v in broken["sql"]["values"] if v["key"] == "sci_tech_loan_balance")
    row["value"] = str(Decimal(row["value"]) + Decimal("0.01"))
    row2 = next(v for v in broken["pandas"]["values"] if v["key"] == "patents_granted")
    row2["previous"] = row2["previous"] + ".0"  # equal as a number, not as a figure
    bad = bench_indicators.disagreements(broken)
    assert any(line.startswith("sci_tech_loan_balance.value") for line in bad)
    assert any(line.startswith("patents_granted.previous") for line in bad)


def test_targets_are_enforced_only_at_national_scale() -> None:
    fast = {"seconds": 1.0, "cpu_seconds": 1.0, "peak_rss_bytes": 1 << 30}
    slow = {"seconds": 2.0, "cpu_seconds": 2.0, "peak_rss_bytes": 5 << 30}
    results = {"kechuang": slow, "sql": fast, "pandas": fast}
    enforced = bench_indicators.verdicts(results, enforced=True)
    assert [t["verdict"] for t in enforced] == ["FAIL", "FAIL", "FAIL"]
    assert {t["verdict"] for t in bench_indicators.verdicts(results, enforced=False)} == {"info"}
    good = {"kechuang": fast, "sql": fast, "pandas": {**fast, "seconds": 3.5}}
    assert [t["verdict"] for t in bench_indicators.verdicts(good, enforced=True)] == ["PASS"] * 3
