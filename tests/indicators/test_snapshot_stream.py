"""The streamed snapshot: row groups of a fixed size written as batches are fetched, the same bytes
as writing the whole table at once, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kechuang.storage import Base
from kechuang.storage import release_export as rx
from kechuang.storage.db import get_engine, unit_of_work
from tests.indicators import dataset


def test_streamed_parquet_equals_whole_table_write(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(db_url) as session:
        dataset.build(session)
    engine = get_engine(db_url)
    monkeypatch.setattr(rx, "BATCH_ROWS", 2)  # several fetches per row group, and a remainder
    monkeypatch.setattr(rx, "ROW_GROUP_ROWS", 3)
    checked = 0
    for name in ("loan", "loan_ledger_event", "insurance_policy", "fund", "audit_log"):
        table = Base.metadata.tables[name]
        whole = rx.read_table(engine, table)
        assert all(b.num_rows <= 2 for b in rx.iter_batches(engine, table))
        rx.write_parquet(whole, tmp_path / f"{name}.whole.parquet")
        rows = rx.write_table_parquet(engine, table, tmp_path / f"{name}.parquet")
        assert rows == whole.num_rows
        streamed = pq.ParquetFile(tmp_path / f"{name}.parquet")
        assert streamed.schema_arrow == whole.schema
        assert streamed.read().equals(whole)
        assert rx.sha256_of(tmp_path / f"{name}.parquet") == rx.sha256_of(
            tmp_path / f"{name}.whole.parquet"
        )
        groups = [streamed.metadata.row_group(i).num_rows for i in range(streamed.num_row_groups)]
        assert all(g == 3 for g in groups[:-1]) and sum(groups) == rows
        checked += rows > 3
    assert checked >= 2  # the data span more than one row group for some tables
