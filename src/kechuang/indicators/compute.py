"""Compute every indicator of the catalogue on a release's tables, with year-over-year.

``yoy = (this − last) ÷ last`` as an exact ratio quantised to 10⁻¹⁰ (half-up), for every indicator
whose definition shows it and whose previous value is known and not zero.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from kechuang.indicators.catalog import DEFINITIONS
from kechuang.indicators.expressions import SPECS
from kechuang.indicators.model import IndicatorDefinition, IndicatorValue
from kechuang.indicators.options import Options
from kechuang.indicators.tables import Period, Tables

Progress = Callable[[str, int, int], None]

YOY_QUANTUM = Decimal("1E-10")
PER_10K_QUANTUM = Decimal("1E-6")
FEN = Decimal("0.01")


def yoy(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """``(value − previous) ÷ previous``, exact to 10⁻¹⁰, or ``None``."""
    if value is None or previous is None or previous == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        return ((value - previous) / previous).quantize(YOY_QUANTUM, rounding=ROUND_HALF_UP)


def _scalar(raw: Any) -> int:
    if raw is None:
        return 0
    try:
        import math

        if isinstance(raw, float) and math.isnan(raw):
            return 0
    except TypeError:  # pragma: no cover
        pass
    return int(raw)


def _external(
    t: Tables, key: str, period: Period, options: Options
) -> tuple[Decimal | None, str | None, str | None]:
    rows = t.to_arrow(SPECS[key].records(t, period, options)).to_pylist()
    if not rows:
        return None, None, None
    row = rows[0]
    scale = t.scales.get("external_statistic", {}).get("value", 4)
    value = Decimal(int(row["value"])).scaleb(-scale).normalize()
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    status = row.get("status")
    source = row.get("source_title")
    if source and status:
        source = f"{source} ({status})"
    return value, source, status


def _fund_size(t: Tables, period: Period, options: Options) -> Decimal | None:
    rows = t.to_arrow(SPECS["fudan_fof_phase1_size"].records(t, period, options)).to_pylist()
    for row in rows:
        phases = json.loads(row["phases"] or "[]")
        for phase in phases:
            if phase.get("phase") == options.first_phase and phase.get("target") is not None:
                return Decimal(str(phase["target"])).quantize(FEN)
    return None


def value_of(
    t: Tables,
    key: str,
    period: Period,
    options: Options,
    cache: dict[tuple[str, int], Decimal | None],
    raws: dict[tuple[str, int], int] | None = None,
) -> tuple[Decimal | None, str | None, str | None]:
    """One indicator's value for ``period`` (with source and status for external ones).

    ``raws`` holds measures already computed in a batch (:func:`measure_batch`).
    """
    raws = raws or {}
    spec = SPECS[key]
    if key in ("gii_cluster_rank", "resident_population"):
        return _external(t, key, period, options)
    if key == "fudan_fof_phase1_size":
        return _fund_size(t, period, options), None, None
    if key == "high_value_patents_per_10k":
        hv = cache.get(("high_value_invention_patents", period.year))
        if hv is None:
            hv = Decimal(
                _scalar(t.execute(spec.measure(spec.measured_records(t, period, options))))
            )
        pop, _, _ = _external(t, "resident_population", period, options)
        if pop is None or pop == 0:
            return None, None, None
        with localcontext() as ctx:
            ctx.prec = 50
            return (hv * 10000 / pop).quantize(PER_10K_QUANTUM, rounding=ROUND_HALF_UP), None, None
    if (key, period.year) in raws:
        raw = raws[(key, period.year)]
    else:
        raw = _scalar(t.execute(spec.measure(spec.measured_records(t, period, options))))
    if spec.kind == "fen":
        return (Decimal(raw) / 100).quantize(FEN), None, None
    return Decimal(raw), None, None


def measure_batch(
    t: Tables, keys: list[str], period: Period | Sequence[Period], options: Options
) -> dict[tuple[str, int], int]:
    """The raw measures of ``keys`` for ``period`` (or several periods) in **one** query, so an
    engine with a high per-query cost (Spark) plans and runs it once, and DuckDB schedules every
    branch in one plan.

    Figures measured over the same rows (e.g. a product's enterprises and amount, which are both
    measured over that product's grants of the year) are one aggregate with several columns:
    the query is a ``UNION ALL`` of one row per distinct set of rows, ``g`` naming the set and
    ``v0``, ``v1``, … its measures (``NULL`` where a set has fewer)."""
    import ibis

    periods = [period] if isinstance(period, Period) else list(period)
    groups: dict[Any, tuple[Any, list[tuple[str, int, Any]]]] = {}
    for p in periods:
        for key in keys:
            spec = SPECS[key]
            records = spec.measured_records(t, p, options)
            _, members = groups.setdefault(records.op(), (records, []))
            members.append((key, p.year, spec.measure(records)))
    if not groups:
        return {}
    width = max(len(members) for _, members in groups.values())
    parts = []
    for g, (records, members) in enumerate(groups.values()):
        agg = records.aggregate(
            **{f"v{i}": measure.cast("int64") for i, (_, _, measure) in enumerate(members)}
        )
        parts.append(
            agg.select(
                g=ibis.literal(g, "int64"),
                **{
                    f"v{i}": agg[f"v{i}"] if i < len(members) else ibis.null("int64")
                    for i in range(width)
                },
            )
        )
    rows = t.to_arrow(ibis.union(*parts, distinct=False)).to_pylist()
    members_of = [members for _, members in groups.values()]
    out: dict[tuple[str, int], int] = {}
    for row in rows:
        for i, (key, year, _) in enumerate(members_of[int(row["g"])]):
            out[(key, year)] = _scalar(row[f"v{i}"])
    return out


def compute_values(
    t: Tables,
    year: int,
    options: Options,
    *,
    definitions: tuple[IndicatorDefinition, ...] = DEFINITIONS,
    progress: Progress | None = None,
) -> list[IndicatorValue]:
    """Every indicator for ``year`` and ``year − 1`` (each an :class:`IndicatorValue` of ``year``)."""
    out: list[IndicatorValue] = []
    cache: dict[tuple[str, int], Decimal | None] = {}
    period = Period(year)
    t.params_on = period.end  # both years under the release year's parameters (like with like)
    t.report_dates = (period.end, period.previous().end)
    batched = [d.key for d in definitions if SPECS[d.key].kind != "special"]
    batched.append("high_value_invention_patents")  # the per-10k figure needs it
    batched = list(dict.fromkeys(batched))
    total = len(definitions) + 2
    raws = measure_batch(t, batched, (period, period.previous()), options)
    if progress:
        progress("indicators", 2, total)
    for k in ("high_value_invention_patents",):
        for y in (year, year - 1):
            cache[(k, y)] = Decimal(raws[(k, y)])
    for n, d in enumerate(definitions, start=3):
        value, source, status = value_of(t, d.key, period, options, cache, raws)
        cache[(d.key, year)] = value
        previous, _, _ = value_of(t, d.key, period.previous(), options, cache, raws)
        cache[(d.key, year - 1)] = previous
        out.append(
            IndicatorValue(
                key=d.key,
                year=year,
                value=value,
                previous=previous,
                yoy=yoy(value, previous) if d.yoy else None,
                source=source,
                source_status=status,
            )
        )
        if progress:
            progress("indicators", n, total)
    return out


__all__ = ["compute_values", "value_of", "yoy"]
