"""Match rows: one flat row per enterprise holding every fact product rules read.

A product's eligibility is compiled (:mod:`kechuang.matching.rules`) to expressions of
:mod:`kechuang.standards.expr` over **one flat row** per enterprise, so the same rule runs for one
enterprise in Python and for a population on Ibis/DuckDB. The columns:

=============================  ==========================================================
column                          meaning
=============================  ==========================================================
``id``                          USCC (or the profile's id)
``name`` ``district_code``      display; ``industry_code`` (GB/T 4754), text
``industry_code``
``ent__district``               district code as an integer (``310115``)
``ent__division``               industry division as an integer (``C3973`` → ``39``)
``ent__registered_ymd``         date of establishment as ``yyyymmdd`` (ages compare digits)
``ent__size_class``             declared size class code (1 large, 2 medium, 3 small, 4 micro)
``ent__dishonest``              on the serious-dishonesty list
``holds__<kind>``               holds a valid qualification of the kind on the date
``fact__<name>``                latest fiscal year's fact (:data:`~kechuang.products.schemas.FACTS`;
                                money in fen, counts as integers)
``<standard>__<column>``        the standard's own profile row (``tech_sme__rd_expense``, fen)
=============================  ==========================================================

Facts come from the registry exactly as the standards read them (:func:`kechuang.standards.facts.build`
for every standard, fiscal years that ended before the as-of date), or from an ad-hoc profile
(one JSON object, fields named as in the standards' profiles, money in 元).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.ids import normalize_uscc
from kechuang.core.periods import parse_date
from kechuang.products.schemas import FACTS
from kechuang.registry.enums import EnterpriseStatus, QualificationKind, SizeClass
from kechuang.registry.models import Enterprise, EnterpriseYear, Qualification
from kechuang.registry.reference import resolve_district
from kechuang.standards import catalog as standards_catalog
from kechuang.standards import facts as standards_facts
from kechuang.standards.engine import Standard, profile_row

__all__ = [
    "MATCH_STANDARDS",
    "SIZE_CODES",
    "MatchSubject",
    "arrow_schema",
    "columns_for",
    "field_name",
    "profile_subject",
    "registry_subjects",
    "rows_to_arrow",
    "ymd",
]

MATCH_STANDARDS: Final = ("tech_sme", "high_tech", "sme_size_class")
"""Standards whose profile rows are part of a match row (registry facts exist for all three)."""

SIZE_CODES: Final[dict[str, int]] = {"large": 1, "medium": 2, "small": 3, "micro": 4}
"""Size class → code (the ``size_class`` criterion of ``sme_size_class`` uses the same codes)."""

_ENT_TYPES: Final[dict[str, str]] = {
    "ent__district": "int",
    "ent__division": "int",
    "ent__registered_ymd": "int",
    "ent__size_class": "int",
    "ent__dishonest": "bool",
}
_FIELD_NAMES: Final[dict[str, str]] = {
    "ent__district": "district_code",
    "ent__division": "industry_code",
    "ent__registered_ymd": "registered_on",
    "ent__size_class": "size_class",
    "ent__dishonest": "on_dishonesty_list",
    "sme_size_class__industry_group": "industry_code",
}


def ymd(day: dt.date) -> int:
    """``2024-06-01`` → ``20240601`` (ages are compared on these digits, in Python and SQL)."""
    return day.year * 10000 + day.month * 100 + day.day


def field_name(column: str) -> str:
    """The input field behind a match-row column (``tech_sme__rd_expense`` → ``rd_expense``)."""
    if column in _FIELD_NAMES:
        return _FIELD_NAMES[column]
    name = column.split("__", 1)[1] if "__" in column else column
    if column.startswith("holds__"):
        return f"holds_{name}"
    if name[-2:-1] == "_" and name[-1:].isdigit():
        name = name[:-2]
    return name


@dataclass(frozen=True, slots=True)
class MatchSubject:
    """One enterprise (or ad-hoc profile) and its match row.

    Attributes:
        uscc: USCC, or the profile's ``id`` / ``uscc`` / ``name``.
        name: registered name ("" when unknown).
        district_code: district code ("" when unknown).
        industry_code: GB/T 4754 code, when known.
        row: the flat match row (see the module docstring).
        standard_rows: each standard's own converted profile row (for its explanations).
    """

    uscc: str
    name: str
    district_code: str
    industry_code: str | None
    row: dict[str, Any]
    standard_rows: Mapping[str, Mapping[str, Any]]


def _division(code: str | None) -> int | None:
    if not code:
        return None
    text = code.strip().upper()
    text = text[1:] if text[:1].isalpha() else text
    return int(text[:2]) if len(text) >= 2 and text[:2].isdigit() else None


def _district(code: str | None) -> int | None:
    return int(code) if code and code.isdigit() else None


def columns_for(standards: Iterable[str] = MATCH_STANDARDS) -> dict[str, str]:
    """Column → type (``int``, ``bool``, ``date``) of a match row with ``standards``' columns."""
    cols: dict[str, str] = dict(_ENT_TYPES)
    for kind in QualificationKind:
        cols[f"holds__{kind.value}"] = "bool"
    for name in FACTS:
        cols[f"fact__{name}"] = "int"
    for key in standards:
        std = standards_catalog.get(key)
        for spec in std.fields:
            typ = "bool" if spec.kind == "bool" else "date" if spec.kind == "date" else "int"
            for col in spec.columns():
                cols[f"{key}__{col}"] = typ
    return cols


# ---------------------------------------------------------------------------- registry


def _fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def registry_subjects(
    *,
    session: Session,
    as_of: dt.date,
    uscc: str | None = None,
    standards: Sequence[str] = MATCH_STANDARDS,
) -> list[MatchSubject]:
    """Match rows of one registry enterprise (``uscc``) or every active one, ordered by USCC.

    Raises:
        NotFound: no enterprise with ``uscc``.
    """
    code = normalize_uscc(uscc) if uscc is not None else None
    ent_stmt = select(
        Enterprise.id,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.district_code,
        Enterprise.industry_code,
        Enterprise.registered_on,
        Enterprise.size_class,
        Enterprise.on_dishonesty_list,
    ).order_by(Enterprise.uscc)
    latest = standards_facts.fiscal_years(as_of)[-1]
    year_cols = [getattr(EnterpriseYear, _registry_column(n)) for n in FACTS]
    year_stmt = select(EnterpriseYear.enterprise_id, *year_cols).where(
        EnterpriseYear.fiscal_year == latest
    )
    qual_stmt = select(Qualification.enterprise_id, Qualification.kind).where(
        Qualification.valid_from <= as_of,
        Qualification.valid_to.is_(None) | (Qualification.valid_to >= as_of),
        Qualification.revoked_on.is_(None) | (Qualification.revoked_on > as_of),
    )
    if code is not None:
        ent_stmt = ent_stmt.where(Enterprise.uscc == code)
        year_stmt = year_stmt.join(Enterprise).where(Enterprise.uscc == code)
        qual_stmt = qual_stmt.join(Enterprise).where(Enterprise.uscc == code)
    else:
        ent_stmt = ent_stmt.where(Enterprise.status == EnterpriseStatus.ACTIVE)
    enterprises = session.execute(ent_stmt).all()
    if code is not None and not enterprises:
        raise NotFound(
            Msg(f"企业库中没有统一社会信用代码为 {code} 的企业", f"no enterprise with USCC {code}")
        )
    years = {rec[0]: rec for rec in session.execute(year_stmt).all()}
    held: dict[int, set[str]] = {}
    for ent_id, kind in session.execute(qual_stmt).all():
        held.setdefault(ent_id, set()).add(kind.value)
    std_rows: dict[str, dict[str, dict[str, Any]]] = {}
    for key in standards:
        built = standards_facts.build(
            session=session,
            standard=standards_catalog.get(key),
            as_of=as_of,
            uscc=code,
            active_only=code is None,
        )
        std_rows[key] = {s.uscc: s.row for s in built.subjects}
    out: list[MatchSubject] = []
    for ent in enterprises:
        row: dict[str, Any] = {
            "id": ent.uscc,
            "ent__district": _district(ent.district_code),
            "ent__division": _division(ent.industry_code),
            "ent__registered_ymd": ymd(ent.registered_on) if ent.registered_on else None,
            "ent__size_class": SIZE_CODES[ent.size_class.value] if ent.size_class else None,
            "ent__dishonest": bool(ent.on_dishonesty_list),
        }
        kinds = held.get(ent.id, set())
        for kind in QualificationKind:
            row[f"holds__{kind.value}"] = kind.value in kinds
        rec = years.get(ent.id)
        for i, name in enumerate(FACTS, start=1):
            value = rec[i] if rec is not None else None
            row[f"fact__{name}"] = (
                _fen(value) if FACTS[name][0] == "money" and value is not None else value
            )
        own: dict[str, Mapping[str, Any]] = {}
        for key in standards:
            srow = std_rows[key].get(ent.uscc, {})
            own[key] = srow
            for col, value in srow.items():
                if col != "id":
                    row[f"{key}__{col}"] = value
        out.append(
            MatchSubject(
                uscc=ent.uscc,
                name=ent.name,
                district_code=ent.district_code,
                industry_code=ent.industry_code,
                row=row,
                standard_rows=own,
            )
        )
    return out


def _registry_column(name: str) -> str:
    return {"ip_class1": "ip_class1_count", "ip_class2": "ip_class2_count"}.get(name, name)


# ---------------------------------------------------------------------------- ad-hoc profiles

_TRUE: Final = {"1", "true", "yes", "y", "是", "t"}
_FALSE: Final = {"0", "false", "no", "n", "否", "f"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _latest(value: Any) -> Any:
    """The latest year of a list of fiscal years (oldest first), or the value itself."""
    if isinstance(value, list | tuple):
        return value[-1] if value else None
    return value


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not a yes/no value")


def _standard_input(standard: Standard, raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` adapted to one standard: scalars from lists (latest year) and derived fields."""
    out: dict[str, Any] = dict(raw)
    for spec in standard.fields:
        value = raw.get(spec.name)
        if value is None and spec.name in ("ip_class1", "ip_class2"):
            value = raw.get(f"{spec.name}_count")
        if spec.kind in ("int", "money") and isinstance(value, list | tuple):
            value = _latest(value)
        out[spec.name] = value
    return out


def profile_subject(
    raw: Mapping[str, Any],
    *,
    as_of: dt.date,
    standards: Sequence[str] = MATCH_STANDARDS,
    where: str = "",
) -> MatchSubject:
    """The match row of an ad-hoc profile (a form or a file; money in 元).

    Fields: ``uscc`` / ``id``, ``name``, ``district_code`` (code or district name),
    ``industry_code``, ``registered_on``, ``size_class`` (``micro`` … ``large``),
    ``on_dishonesty_list``, ``qualifications`` (list of kinds held on the date) or
    ``holds_<kind>`` flags, the facts of :data:`~kechuang.products.schemas.FACTS` (lists of fiscal
    years are read oldest first, the latest year counts) and every field of the standards'
    profiles (``st_staff``, ``rd_expense`` as a list of three years for ``high_tech`` …). A
    missing fact stays unknown, so rules that need it say ``undetermined`` and name it.

    Raises:
        ValidationError: every invalid field, named.
    """
    issues: list[Issue] = []

    def bad(column: str, value: Any, exc: Exception) -> None:
        issues.append(
            Issue(
                rule="profile.field",
                file=where or None,
                column=column,
                value=str(value)[:80],
                message=Msg(f"字段 {column} 取值无效：{exc}", f"field {column} is invalid: {exc}"),
            )
        )

    held: set[str] = set()
    quals = raw.get("qualifications")
    if not _blank(quals):
        items = (
            quals if isinstance(quals, list | tuple) else str(quals).replace("，", ",").split(",")
        )
        for item in items:
            text = str(item).strip()
            if text not in {k.value for k in QualificationKind}:
                bad("qualifications", text, ValueError("unknown qualification kind"))
            else:
                held.add(text)
    row: dict[str, Any] = {}
    for kind in QualificationKind:
        value = raw.get(f"holds_{kind.value}")
        try:
            row[f"holds__{kind.value}"] = kind.value in held or (not _blank(value) and _bool(value))
        except ValueError as exc:
            bad(f"holds_{kind.value}", value, exc)
    district = raw.get("district_code")
    district_code = ""
    if not _blank(district):
        found = resolve_district(str(district).strip())
        if found is None:
            bad("district_code", district, ValueError("unknown district"))
        else:
            district_code = found.code
    industry = None if _blank(raw.get("industry_code")) else str(raw["industry_code"]).strip()
    registered: dt.date | None = None
    if not _blank(raw.get("registered_on")):
        try:
            registered = parse_date(raw["registered_on"])
        except Exception as exc:
            bad("registered_on", raw["registered_on"], exc)
    size = raw.get("size_class")
    size_code: int | None = None
    if not _blank(size):
        parsed = SizeClass.parse(str(size).strip())
        if parsed is None:
            bad("size_class", size, ValueError(f"use {', '.join(SIZE_CODES)}"))
        else:
            size_code = SIZE_CODES[parsed.value]
    dishonest = raw.get("on_dishonesty_list", raw.get("serious_dishonesty"))
    try:
        row["ent__dishonest"] = None if _blank(dishonest) else _bool(dishonest)
    except ValueError as exc:
        bad("on_dishonesty_list", dishonest, exc)
    row.update(
        {
            "ent__district": _district(district_code),
            "ent__division": _division(industry),
            "ent__registered_ymd": ymd(registered) if registered else None,
            "ent__size_class": size_code,
        }
    )
    for name, (fact_kind, _label) in FACTS.items():
        value = _latest(raw.get(name, raw.get(f"{name}_count")))
        if _blank(value):
            row[f"fact__{name}"] = None
            continue
        try:
            number = Decimal(str(value).replace(",", "").strip())
            scaled = number * 100 if fact_kind == "money" else number
            if scaled != scaled.to_integral_value():
                raise ValueError(
                    "finer than a fen" if fact_kind == "money" else "not a whole number"
                )
            row[f"fact__{name}"] = int(scaled)
        except Exception as exc:
            bad(name, value, exc)
    extra: dict[str, Any] = {}
    if row.get("holds__high_tech") and _blank(raw.get("high_tech_certificate_valid")):
        extra["high_tech_certificate_valid"] = True
    if _blank(raw.get("industry_group")) and industry:
        from kechuang.standards.sme_size_class import industry_group_for

        with contextlib.suppress(ValueError):
            extra["industry_group"] = industry_group_for(industry)
    if _blank(raw.get("serious_violation")) and row.get("ent__dishonest"):
        extra["serious_violation"] = True
    own: dict[str, Mapping[str, Any]] = {}
    for key in standards:
        std = standards_catalog.get(key)
        try:
            srow = profile_row(
                std, {**_standard_input(std, raw), **extra}, where=where, as_of=as_of
            )
        except ValidationError as exc:
            issues.extend(exc.issues)
            continue
        own[key] = srow
        for col, value in srow.items():
            if col != "id":
                row[f"{key}__{col}"] = value
    if issues:
        unique = list({(i.column, i.value): i for i in issues}.values())
        raise ValidationError(
            Msg(
                f"企业数据有 {len(unique)} 处错误", f"{len(unique)} invalid field(s) in the profile"
            ),
            code="profile.invalid",
            issues=unique,
        )
    ident = next(
        (str(raw[k]).strip() for k in ("uscc", "id", "name") if not _blank(raw.get(k))), "profile"
    )
    row["id"] = ident
    return MatchSubject(
        uscc=ident,
        name=str(raw.get("name") or ""),
        district_code=district_code,
        industry_code=industry,
        row=row,
        standard_rows=own,
    )


# ---------------------------------------------------------------------------- Arrow


def arrow_schema(columns: Mapping[str, str]) -> Any:
    """The Arrow schema of a match table with ``columns`` (plus the display columns)."""
    import pyarrow as pa

    types = {"int": pa.int64(), "bool": pa.bool_(), "date": pa.date32()}
    fields = [
        pa.field("id", pa.string()),
        pa.field("name", pa.string()),
        pa.field("district_code", pa.string()),
        pa.field("industry_code", pa.string()),
    ]
    fields += [pa.field(col, types[typ]) for col, typ in columns.items()]
    return pa.schema(fields)


def rows_to_arrow(subjects: Sequence[MatchSubject], columns: Mapping[str, str]) -> Any:
    """A typed Arrow table of ``subjects``' match rows (only ``columns`` are kept)."""
    import pyarrow as pa

    schema = arrow_schema(columns)
    data: dict[str, list[Any]] = {
        "id": [s.row["id"] for s in subjects],
        "name": [s.name for s in subjects],
        "district_code": [s.district_code for s in subjects],
        "industry_code": [s.industry_code for s in subjects],
    }
    for col in columns:
        data[col] = [s.row.get(col) for s in subjects]
    return pa.table({f.name: pa.array(data[f.name], f.type) for f in schema}, schema=schema)
