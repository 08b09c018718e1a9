"""Drill-down: the records behind a published figure.

``explain(release_id, key)`` recomputes the indicator's records (the ``records`` expression of its
:class:`~kechuang.indicators.expressions.Spec`) on the release's own snapshot, so the list always
adds up to the published figure: e.g. every enterprise counted in 科技型企业贷款存量户数 with its
outstanding balance, size class rule and the qualifications it held at year end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.indicators.catalog import get
from kechuang.indicators.expressions import SPECS, qualifications_on
from kechuang.indicators.model import IndicatorDefinition, IndicatorValue
from kechuang.indicators.releases import open_release
from kechuang.indicators.tables import Period, Tables

MONEY_COLUMNS = frozenset({"balance", "amount", "sum_insured", "target_size", "pledge_amount"})
"""Record columns holding fen (shown as 元 with two decimals)."""


@dataclass(frozen=True)
class Explanation:
    """The records behind one figure of a release.

    Attributes:
        release_id: the release.
        definition: the indicator's definition (as stored in the release).
        value: the published value.
        year: the year the records are for.
        records: Arrow table of the records (money in 元, exact decimals).
    """

    release_id: str
    definition: IndicatorDefinition
    value: IndicatorValue
    year: int
    records: Any

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The records as dicts."""
        return list(self.records.to_pylist())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""

        def plain(v: Any) -> Any:
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, dt.date):
                return v.isoformat()
            return v

        return {
            "release_id": self.release_id,
            "key": self.definition.key,
            "label_zh": self.definition.label_zh,
            "label_en": self.definition.label_en,
            "formula_zh": self.definition.formula_zh,
            "formula_en": self.definition.formula_en,
            "year": self.year,
            "value": plain(
                self.value.value if self.year == self.value.year else self.value.previous
            ),
            "count": self.records.num_rows,
            "records": [{k: plain(v) for k, v in r.items()} for r in self.rows],
        }


def _to_yuan(arrow: Any, scales: dict[str, int] | None = None) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    cols, names = [], []
    for name, col in zip(arrow.column_names, arrow.columns, strict=True):
        if scales and name in scales and pa.types.is_integer(col.type):
            q = scales[name]
            unit = pa.scalar(Decimal(1).scaleb(-q), pa.decimal128(q or 1, q))
            col = pc.multiply(col.cast(pa.decimal128(19, 0)), unit).cast(pa.decimal128(24, q))
        elif name in MONEY_COLUMNS and pa.types.is_integer(col.type):
            col = pc.multiply(
                col.cast(pa.decimal128(19, 0)), pa.scalar(Decimal("0.01"), pa.decimal128(2, 2))
            ).cast(pa.decimal128(22, 2))
        cols.append(col)
        names.append(name)
    return pa.table(cols, names=names)


def _with_qualifications(t: Tables, records: Any, on: dt.date) -> Any:
    """Add ``qualifications`` (kinds valid on ``on``, comma-separated) to enterprise records."""
    q = qualifications_on(t, on)
    held = q.group_by(qid=q.enterprise_id).aggregate(qualifications=q.kind.group_concat(","))
    j = records.left_join(held, records.enterprise_id == held.qid)
    return j.drop("qid")


def explain(
    release_id: str,
    key: str,
    *,
    root: Path | None = None,
    engine: str | None = None,
    year: int | None = None,
) -> Explanation:
    """The records behind ``key`` in release ``release_id`` (default: the release year).

    Raises:
        NotFound: no such release or indicator.
        ValidationError: ``year`` is neither the release year nor the year before.
    """
    release = open_release(release_id, root)
    definition = next((d for d in release.definitions if d.key == key), None) or get(key)
    value = release.value(key)
    year = release.manifest.year if year is None else year
    if year not in (release.manifest.year, release.manifest.year - 1):
        raise ValidationError(
            Msg(
                f"统计发布 {release_id} 只含 {release.manifest.year - 1}–{release.manifest.year} 年",
                f"release {release_id} covers {release.manifest.year - 1}–{release.manifest.year} only",
            ),
            code="release.year",
        )
    t = release.tables(engine or "duckdb")
    try:
        t.params_on = dt.date(release.manifest.year, 12, 31)
        period = Period(year)
        records = SPECS[key].records(t, period, release.options)
        if "enterprise_id" in records.columns and key.startswith("sci_tech"):
            records = _with_qualifications(t, records, period.end)
        records = records.order_by(records.columns[0])
        scales = t.scales.get("external_statistic") if definition.external else None
        arrow = _to_yuan(t.to_arrow(records), scales)
    finally:
        t.close()
    return Explanation(
        release_id=release_id, definition=definition, value=value, year=year, records=arrow
    )


def write_records(explanation: Explanation, out: Path) -> Path:
    """Write the records to ``out`` by its suffix: ``.csv``, ``.parquet``, ``.json`` or ``.xlsx``."""
    import json

    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(explanation.records, out)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(explanation.records, out)
    elif suffix == ".json":
        out.write_text(
            json.dumps(explanation.as_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = explanation.definition.key[:31]
        data = explanation.as_dict()["records"]
        ws.append(list(explanation.records.column_names))
        for row in data:
            ws.append([row[c] for c in explanation.records.column_names])
        wb.save(out)
    else:
        raise ValidationError(
            Msg(
                f"不支持的输出格式：{out.suffix}（可用 .csv .parquet .json .xlsx）",
                f"unsupported output format: {out.suffix} (use .csv .parquet .json .xlsx)",
            ),
            code="explain.format",
        )
    return out


__all__ = ["Explanation", "explain", "write_records"]
