"""Match one product against a population: the outreach list a bank or programme office asks for.

The product's conditions (the same expressions :func:`~kechuang.matching.match_enterprise`
evaluates in Python) are compiled to Ibis and run over a match table — the registry's active
enterprises as of the date, or any table with the match-row columns
(:mod:`~kechuang.matching.rows`; e.g. built from a release) — on DuckDB by default.
Every enterprise gets a tier: ``eligible``, ``near_eligible`` (exactly one condition unmet),
``not_eligible`` or ``undetermined``; counts by district and industry division come with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from kechuang.core.errors import ValidationError
from kechuang.core.i18n import Msg
from kechuang.products.catalog import Catalog, default_catalog
from kechuang.registry.reference import district_name
from kechuang.standards import expr as ex
from kechuang.standards.engines import connect, load_table
from kechuang.standards.params import default_parameters

from .rows import MatchSubject, columns_for, profile_subject, registry_subjects, rows_to_arrow
from .rules import CompiledProduct, compile_product, resolver
from .service import OUTCOME_LABELS

__all__ = [
    "TIERS",
    "CityMatch",
    "CityRow",
    "match_product",
    "population_table",
    "profiles_table",
    "release_table",
    "write_outreach_xlsx",
]

TIERS: Final = ("eligible", "near_eligible", "not_eligible", "undetermined")


@dataclass(frozen=True, slots=True)
class CityRow:
    """One enterprise of a product-to-city match.

    Attributes:
        uscc: USCC (or the table's ``id``).
        name: name.
        district_code: district code.
        industry_code: industry code.
        tier: ``eligible`` / ``near_eligible`` / ``not_eligible`` / ``undetermined``.
        unmet: keys of the conditions not met.
        unknown: keys of the conditions that could not be decided.
    """

    uscc: str
    name: str
    district_code: str
    industry_code: str | None
    tier: str
    unmet: tuple[str, ...]
    unknown: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "uscc": self.uscc,
            "name": self.name,
            "district_code": self.district_code,
            "industry_code": self.industry_code,
            "tier": self.tier,
            "unmet": list(self.unmet),
            "unknown": list(self.unknown),
        }


@dataclass(slots=True)
class CityMatch:
    """A product matched against a population.

    Attributes:
        product: product key.
        name: product name.
        as_of: date matched on.
        conditions: ``(key, label)`` of the product's conditions, in order (columns ``c0``, …).
        table: the result as Arrow (``id``, ``name``, ``district_code``, ``industry_code``,
            ``tier``, ``unmet``, ``c0`` … per condition: true / false / null).
        total: enterprises matched.
        by_tier: counts per tier.
        by_district: district code → counts per tier.
        by_industry: industry division (``C39``; ``unknown``) → counts per tier.
    """

    product: str
    name: Msg
    as_of: dt.date
    conditions: list[tuple[str, Msg]]
    table: Any
    total: int
    by_tier: dict[str, int]
    by_district: dict[str, dict[str, int]] = field(default_factory=dict)
    by_industry: dict[str, dict[str, int]] = field(default_factory=dict)

    def rows(self, tiers: Sequence[str] | None = None) -> Iterator[CityRow]:
        """The enterprises (of ``tiers`` if given), in table order (USCC)."""
        data = self.table.to_pydict()
        keys = [key for key, _label in self.conditions]
        for i, uscc in enumerate(data["id"]):
            tier = data["tier"][i]
            if tiers is not None and tier not in tiers:
                continue
            values = [data[f"c{j}"][i] for j in range(len(keys))]
            yield CityRow(
                uscc=uscc,
                name=data["name"][i] or "",
                district_code=data["district_code"][i] or "",
                industry_code=data["industry_code"][i],
                tier=tier,
                unmet=tuple(k for k, v in zip(keys, values, strict=True) if v is False),
                unknown=tuple(k for k, v in zip(keys, values, strict=True) if v is None),
            )

    def tiers(self) -> dict[str, str]:
        """USCC → tier."""
        data = self.table.select(["id", "tier"]).to_pydict()
        return dict(zip(data["id"], data["tier"], strict=True))

    def as_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """JSON form (the rows up to ``limit``)."""
        rows = []
        for n, row in enumerate(self.rows()):
            if limit is not None and n >= limit:
                break
            rows.append(row.as_dict())
        return {
            "product": self.product,
            "name_zh": self.name.zh,
            "name_en": self.name.en,
            "as_of": self.as_of.isoformat(),
            "conditions": [
                {"key": k, "label_zh": m.zh, "label_en": m.en} for k, m in self.conditions
            ],
            "total": self.total,
            "by_tier": self.by_tier,
            "by_district": self.by_district,
            "by_industry": self.by_industry,
            "rows": rows,
        }


def population_table(
    *, session: Session, as_of: dt.date, standards: Sequence[str] | None = None
) -> Any:
    """The match table (Arrow) of every active registry enterprise on ``as_of``."""
    stds = (
        tuple(standards) if standards is not None else ("tech_sme", "high_tech", "sme_size_class")
    )
    subjects = registry_subjects(session=session, as_of=as_of, standards=stds)
    return rows_to_arrow(subjects, columns_for(stds))


RELEASE_TABLES: Final = (
    "enterprise",
    "enterprise_year",
    "qualification",
    "patent",
    "patent_owner",
    "patent_event",
)
"""Snapshot tables a release must hold for product matching (the IP ones may be absent)."""


def release_table(*, release: Any, as_of: dt.date, chunk: int = 20_000) -> Any:
    """The match table (Arrow) of a statistical release's registry snapshot.

    ``release`` is anything with ``table(name) -> pyarrow.Table`` (the ``ReleaseView`` of
    :mod:`kechuang.indicators.model`). The snapshot tables are loaded into a private in-memory
    SQLite database with the registry's own schema and the facts are built by the same code that
    reads the operational registry (:func:`population_table`), so a release and the registry it
    froze match identically. Tables the release lacks (e.g. no IP snapshot) stay empty.

    Raises:
        ValidationError: the release holds no ``enterprise`` table.
    """
    from sqlalchemy import create_engine, insert
    from sqlalchemy.orm import Session as OrmSession
    from sqlalchemy.pool import StaticPool

    import kechuang.ip.models  # registers the IP tables in the metadata
    import kechuang.registry.models  # noqa: F401
    from kechuang.storage import Base

    engine = create_engine("sqlite://", poolclass=StaticPool)
    tables = [Base.metadata.tables[name] for name in RELEASE_TABLES]
    Base.metadata.create_all(engine, tables=tables)
    try:
        with OrmSession(engine) as session:
            for table in tables:
                try:
                    arrow = release.table(table.name)
                except (KeyError, FileNotFoundError, LookupError):
                    if table.name == "enterprise":
                        raise ValidationError(
                            Msg(
                                "统计发布中没有企业表（enterprise）",
                                "the release holds no enterprise table",
                            ),
                            code="match.release",
                        ) from None
                    continue
                names = [c.name for c in table.columns if c.name in arrow.column_names]
                arrow = arrow.select(names)
                for start in range(0, arrow.num_rows, chunk):
                    rows = arrow.slice(start, chunk).to_pylist()
                    if rows:
                        session.execute(insert(table), rows)
            session.flush()
            return population_table(session=session, as_of=as_of)
    finally:
        engine.dispose()


def profiles_table(profiles: Sequence[Mapping[str, Any]], *, as_of: dt.date) -> Any:
    """The match table (Arrow) of ad-hoc profiles (each converted as :func:`match_profile` does)."""
    subjects: list[MatchSubject] = [profile_subject(p, as_of=as_of) for p in profiles]
    return rows_to_arrow(subjects, columns_for())


def _compile(compiled: CompiledProduct, table: Any, res: Any) -> Any:
    import ibis

    roots = [c.expr for c in compiled.conditions] + [compiled.eligible]
    wide, shared = ex.materialise_shared(roots, table, res)

    def comp(node: ex.Expr) -> Any:
        if id(node) in shared:
            return wide[shared[id(node)]]
        return ex.to_ibis(node, wide, res, shared)

    cols: dict[str, Any] = {
        "id": wide["id"],
        "name": wide["name"],
        "district_code": wide["district_code"],
        "industry_code": wide["industry_code"],
    }
    unmet = ibis.literal(0, type="int64")
    for i, cond in enumerate(compiled.conditions):
        value = comp(cond.expr)
        cols[f"c{i}"] = value
        unmet = unmet + ibis.ifelse(value.isnull(), 0, ibis.ifelse(value, 0, 1))
    if compiled.conditions:
        overall = comp(compiled.eligible)
        tier = ibis.cases(
            (overall.isnull(), "undetermined"),
            (overall, "eligible"),
            (unmet == 1, "near_eligible"),
            else_="not_eligible",
        )
    else:
        tier = ibis.literal("eligible")
    cols["unmet"] = unmet
    cols["tier"] = tier
    return wide.select(**cols).order_by("id")


def _counts(arrow: Any, key: Any) -> dict[str, dict[str, int]]:
    import pyarrow as pa

    grouped = (
        pa.table({"k": key, "tier": arrow["tier"]})
        .group_by(["k", "tier"])
        .aggregate([("tier", "count")])
    )
    out: dict[str, dict[str, int]] = {}
    for k, tier, n in zip(
        grouped["k"].to_pylist(),
        grouped["tier"].to_pylist(),
        grouped["tier_count"].to_pylist(),
        strict=True,
    ):
        out.setdefault(k or "unknown", dict.fromkeys(TIERS, 0))[tier] = n
    return dict(sorted(out.items()))


def match_product(
    *,
    session: Session | None = None,
    table: Any = None,
    product_key: str,
    as_of: dt.date,
    catalog: Catalog | None = None,
    engine: str = "duckdb",
    connection: Any = None,
) -> CityMatch:
    """Match product ``product_key`` (open on ``as_of``) against a population.

    Args:
        session: read the registry's active enterprises (when ``table`` is not given).
        table: an Ibis table or an Arrow table with the match-row columns (e.g. from
            :func:`population_table`, :func:`profiles_table` or a release).
        product_key: the product.
        as_of: the date (terms in force, qualifications valid, fiscal years before it).
        catalog: the catalogue (default: shipped plus imported products).
        engine: analytics engine for Arrow input (``duckdb`` default).
        connection: an open Ibis connection to reuse.

    Raises:
        NotFound: unknown product, or not open on ``as_of``.
        ValidationError: neither ``session`` nor ``table`` given.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    cat = catalog or default_catalog()
    product = cat.get(product_key, as_of)
    terms = product.terms_at(as_of)
    assert terms is not None
    compiled = compile_product(product, terms)
    res = resolver(default_parameters().at(as_of), compiled.params, as_of)
    own = None
    if table is None:
        if session is None:
            raise ValidationError(
                Msg("需提供企业库会话或匹配表", "give a registry session or a match table"),
                code="match.no_population",
            )
        # only the standards this product's conditions read are built from the registry
        table = population_table(session=session, as_of=as_of, standards=sorted(compiled.standards))
    needed: set[str] = set()
    for cond in compiled.conditions:
        needed |= ex.fields_of(cond.expr)
    keep = ["id", "name", "district_code", "industry_code", *sorted(needed)]
    if isinstance(table, pa.Table):
        own = connection or connect(engine)
        name = f"match_{product.key}"
        arrow_in = table.select(keep)
        if getattr(own, "name", "") == "duckdb":
            # DuckDB scans the Arrow table in place (no copy); others load it.
            own.con.register(name, arrow_in)
            table = own.table(name)
        else:
            table = load_table(own, name, arrow_in)
    else:
        table = table.select(*keep)
    try:
        arrow = _compile(compiled, table, res).to_pyarrow()
    finally:
        if own is not None and connection is None and engine != "spark":
            own.disconnect()
    counted = pc.value_counts(arrow["tier"]).to_pylist()
    by_tier = dict.fromkeys(TIERS, 0)
    for item in counted:
        by_tier[item["values"]] = item["counts"]
    division = pc.utf8_slice_codeunits(arrow["industry_code"], 0, 3)
    return CityMatch(
        product=product.key,
        name=product.name,
        as_of=as_of,
        conditions=[(c.key, c.label) for c in compiled.conditions],
        table=arrow,
        total=arrow.num_rows,
        by_tier=by_tier,
        by_district=_counts(arrow, arrow["district_code"]),
        by_industry=_counts(arrow, division),
    )


def write_outreach_xlsx(city_match: CityMatch, path: Path | str) -> Path:
    """Write the outreach list to XLSX: the list (tier, unmet conditions), counts by district and
    by industry division. Returns the path."""
    from openpyxl import Workbook

    target = Path(path)
    labels = dict(city_match.conditions)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名单 List")
    ws.append([f"{city_match.name.zh} / {city_match.name.en}", f"as of {city_match.as_of}"])
    ws.append(
        [
            "统一社会信用代码 USCC",
            "企业名称 name",
            "所在区 district",
            "行业代码 industry",
            "匹配结果 tier",
            "未满足条件 unmet",
            "待定条件 undetermined",
        ]
    )
    order = {t: i for i, t in enumerate(TIERS)}
    for row in sorted(city_match.rows(), key=lambda r: (order[r.tier], r.uscc)):
        ws.append(
            [
                row.uscc,
                row.name,
                district_name(row.district_code).both() if row.district_code else "",
                row.industry_code or "",
                OUTCOME_LABELS[row.tier].both(),
                "；".join(labels[k].both() for k in row.unmet),
                "；".join(labels[k].both() for k in row.unknown),
            ]
        )
    for title, counts, name in (
        ("按区 By district", city_match.by_district, "district"),
        ("按行业 By industry", city_match.by_industry, "industry"),
    ):
        sheet = wb.create_sheet(title)
        sheet.append([name, *(OUTCOME_LABELS[t].both() for t in TIERS), "合计 total"])
        for key, by in counts.items():
            shown = district_name(key).both() if name == "district" and key != "unknown" else key
            sheet.append([shown, *(by[t] for t in TIERS), sum(by.values())])
    summary = wb.create_sheet("合计 Total")
    for tier in TIERS:
        summary.append([OUTCOME_LABELS[tier].both(), city_match.by_tier[tier]])
    summary.append(["合计 total", city_match.total])
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target
