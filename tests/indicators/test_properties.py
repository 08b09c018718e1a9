"""Invariants: the set-based Ibis rules agree with the Python rules they mirror, on random data.

* patents in force on a date == :func:`kechuang.ip.status.in_force` (lapses, restorations, full
  invalidation, surrender, expiry by type and filing date, Feb 29 filings);
* loan balances on a date == :func:`kechuang.credit.ledger.outstanding_principal`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.credit import ledger
from kechuang.credit.enums import LedgerKind
from kechuang.indicators.expressions import loan_balances, patents_in_force
from kechuang.indicators.tables import Tables
from kechuang.ip import status as ip_status
from kechuang.ip.enums import EventKind, PatentType

DAYS = st.dates(min_value=dt.date(1998, 1, 1), max_value=dt.date(2024, 12, 31))
EVENT_KINDS = ["lapse", "restoration", "invalidation_full", "abandonment", "transfer"]


@st.composite
def patents(draw: st.DrawFn) -> list[dict[str, object]]:
    out = []
    for n in range(draw(st.integers(1, 25))):
        filed = draw(st.one_of(DAYS, st.just(dt.date(2004, 2, 29)), st.just(dt.date(2003, 12, 31))))
        granted = draw(
            st.one_of(st.none(), st.dates(min_value=filed, max_value=dt.date(2024, 12, 31)))
        )
        events = draw(st.lists(st.tuples(st.sampled_from(EVENT_KINDS), DAYS), max_size=4))
        kind = draw(st.sampled_from(["invention", "utility_model", "design"]))
        out.append(
            {"id": n + 1, "type": kind, "filed": filed, "granted": granted, "events": events}
        )
    return out


def _write(
    folder: Path, name: str, data: dict[str, list[object]], types: dict[str, pa.DataType]
) -> None:
    pq.write_table(
        pa.table({k: pa.array(v, types[k]) for k, v in data.items()}), folder / f"{name}.parquet"
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=patents(),
    on=st.sampled_from([dt.date(2023, 12, 31), dt.date(2024, 2, 28), dt.date(2023, 6, 1)]),
)
def test_in_force_matches_ip_status(
    tmp_path_factory: object, items: list[dict[str, object]], on: dt.date
) -> None:
    folder = Path(tmp_path_factory.mktemp("p"))  # type: ignore[attr-defined]
    _write(
        folder,
        "patent",
        {
            "id": [p["id"] for p in items],
            "application_no": [f"A{p['id']}" for p in items],
            "patent_type": [p["type"] for p in items],
            "filing_date": [p["filed"] for p in items],
            "grant_date": [p["granted"] for p in items],
            "sei_code": [None for _ in items],
            "main_ipc": [None for _ in items],
            "ipc_classes": [None for _ in items],
            "foreign_family_count": [0 for _ in items],
        },
        {
            "id": pa.int64(),
            "application_no": pa.string(),
            "patent_type": pa.string(),
            "filing_date": pa.date32(),
            "grant_date": pa.date32(),
            "sei_code": pa.string(),
            "main_ipc": pa.string(),
            "ipc_classes": pa.string(),
            "foreign_family_count": pa.int64(),
        },
    )
    ev = [(p["id"], k, d) for p in items for k, d in p["events"]]  # type: ignore[attr-defined]
    _write(
        folder,
        "patent_event",
        {
            "patent_id": [e[0] for e in ev],
            "kind": [e[1] for e in ev],
            "event_date": [e[2] for e in ev],
        },
        {"patent_id": pa.int64(), "kind": pa.string(), "event_date": pa.date32()},
    )
    t = Tables(folder)
    try:
        rows = t.to_arrow(patents_in_force(t, on)).to_pylist()
    finally:
        t.close()
    got = {r["patent_id"]: r["maintenance_years"] for r in rows}
    want = {}
    for p in items:
        events = [ip_status.StatusEvent(EventKind(k), d) for k, d in p["events"]]  # type: ignore[attr-defined]
        years = ip_status.maintenance_years(
            patent_type=PatentType(p["type"]),
            filing_date=p["filed"],  # type: ignore[arg-type]
            grant_date=p["granted"],
            events=events,
            on=on,  # type: ignore[arg-type]
        )
        if years is not None:
            want[p["id"]] = years
    assert got == want


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    loans=st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "drawdown",
                        "repayment_principal",
                        "repayment_interest",
                        "write_off",
                        "recovery",
                    ]
                ),
                st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2024, 12, 31)),
                st.integers(1, 10**9),
            ),
            max_size=6,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_balances_match_the_ledger(
    tmp_path_factory: object, loans: list[list[tuple[str, dt.date, int]]]
) -> None:
    folder = Path(tmp_path_factory.mktemp("l"))  # type: ignore[attr-defined]
    on = dt.date(2023, 12, 31)
    ids = list(range(1, len(loans) + 1))
    _write(
        folder,
        "loan",
        {
            "id": ids,
            "loan_no": [f"L{i}" for i in ids],
            "enterprise_id": ids,
            "product_key": ["x"] * len(ids),
        },
        {
            "id": pa.int64(),
            "loan_no": pa.string(),
            "enterprise_id": pa.int64(),
            "product_key": pa.string(),
        },
    )
    rows = [(i, k, d, a) for i, evs in zip(ids, loans, strict=True) for k, d, a in evs]
    _write(
        folder,
        "loan_ledger_event",
        {
            "loan_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "event_date": [r[2] for r in rows],
            "amount": [Decimal(r[3]).scaleb(-2) for r in rows],
        },
        {
            "loan_id": pa.int64(),
            "kind": pa.string(),
            "event_date": pa.date32(),
            "amount": pa.decimal128(20, 2),
        },
    )
    t = Tables(folder)
    try:
        got = {
            r["loan_id"]: Decimal(r["balance"]).scaleb(-2)
            for r in t.to_arrow(loan_balances(t, on)).to_pylist()
        }
    finally:
        t.close()
    for i, evs in zip(ids, loans, strict=True):
        entries = [ledger.Entry(LedgerKind(k), d, Decimal(a).scaleb(-2)) for k, d, a in evs]
        want = ledger.outstanding_principal(entries, on)
        assert got.get(i, Decimal(0)) == want
