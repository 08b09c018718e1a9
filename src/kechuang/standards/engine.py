"""The standards engine: criteria with explanations, single evaluation and batch screening.

A :class:`Standard` is a set of :class:`Criterion` objects plus an outcome rule, all written in
the expression language of :mod:`kechuang.standards.expr`. :func:`evaluate_profile` runs it for
one profile in Python and explains every criterion; :func:`screen_table` compiles the very same
expressions to Ibis and runs them over a whole population. Parameters are resolved for the
evaluation date first, so both see the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from kechuang.core.errors import Issue, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.periods import parse_date
from kechuang.standards import expr as ex
from kechuang.standards.params import ParameterSet, Resolved, default_parameters, format_value

Outcome = Literal["qualified", "not_qualified", "undetermined"]
FieldKind = Literal["int", "money", "bool", "date", "money_list", "int_list"]
LIST_LEN = 3
"""Lists of fiscal years carry up to three years, oldest first (columns ``name_1`` … ``name_3``)."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One input field of a standard's profile.

    Attributes:
        name: field name (GLOSSARY.md), exactly as in JSON/CSV input.
        kind: ``int``, ``money`` (元 in, fen inside), ``bool`` (missing = false), ``date``,
            ``money_list`` / ``int_list`` (up to three fiscal years, oldest first).
        label: bilingual label.
        default: value when missing (booleans default to ``False``; others to unknown).
    """

    name: str
    kind: FieldKind
    label: Msg
    default: Any = None

    def columns(self) -> list[str]:
        """Column names in the batch table."""
        if self.kind in ("money_list", "int_list"):
            return [f"{self.name}_{i}" for i in range(1, LIST_LEN + 1)]
        return [self.name]


Display = Callable[[Mapping[str, Any], Resolved], str]
"""Renders an observed or required value for messages."""


@dataclass(frozen=True, slots=True)
class Criterion:
    """One condition or scored item of a standard, with everything needed to explain it.

    Attributes:
        key: stable identifier, e.g. ``st_staff_score``.
        label: bilingual name.
        passed: Kleene boolean expression (``None`` for items that only score points).
        points: points awarded (low end when a range), or ``None``.
        points_high: high end of the points when an expert must settle a range.
        observed: renders the observed value for the explanation.
        required: renders the required value (from parameters).
        params: parameter keys the criterion cites (their references and versions are reported).
        article: article of the legal basis when no parameter carries it.
    """

    key: str
    label: Msg
    passed: ex.Expr | None = None
    points: ex.Expr | None = None
    points_high: ex.Expr | None = None
    observed: Display | None = None
    required: Display | None = None
    params: tuple[str, ...] = ()
    article: str = ""


@dataclass(frozen=True, slots=True)
class Standard:
    """A qualification standard: input fields, criteria, and the outcome rule.

    ``qualified`` is a Kleene boolean: true → qualified, false → not qualified, unknown →
    undetermined. ``direct`` (true when a direct route applies) sets ``route``.
    """

    key: str
    label: Msg
    reference: str
    fields: tuple[FieldSpec, ...]
    criteria: tuple[Criterion, ...]
    qualified: ex.Expr
    direct: ex.Expr | None = None
    score: ex.Expr | None = None
    score_high: ex.Expr | None = None
    pass_mark: str | None = None
    """Parameter key of the pass mark, when the standard scores."""
    as_of_defaults: tuple[str, ...] = ()
    """Date fields that default to the evaluation date when missing (e.g. ``application_date``)."""

    def field(self, name: str) -> FieldSpec:
        """The field spec named ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def columns(self) -> list[str]:
        """Columns of the batch profile table (besides ``id``)."""
        return [c for f in self.fields for c in f.columns()]


@dataclass(slots=True)
class Check:
    """The explanation of one criterion for one subject."""

    criterion: str
    label: Msg
    passed: bool | None
    observed: str | None
    required: str | None
    points: int | None
    points_high: int | None
    reference: str
    parameter_version: list[str]
    message: Msg

    def as_dict(self) -> dict[str, Any]:
        """JSON form (issue 3's ``checks`` items)."""
        return {
            "criterion": self.criterion,
            "label_zh": self.label.zh,
            "label_en": self.label.en,
            "passed": self.passed,
            "observed": self.observed,
            "required": self.required,
            "points": self.points
            if self.points_high in (None, self.points)
            else [self.points, self.points_high],
            "reference": self.reference,
            "parameter_version": self.parameter_version,
            "message_zh": self.message.zh,
            "message_en": self.message.en,
        }


@dataclass(slots=True)
class Evaluation:
    """The outcome of one standard for one subject, with every check explained."""

    subject: str
    standard: str
    as_of: dt.date
    outcome: Outcome
    route: str | None
    score: int | None
    score_range: tuple[int, int] | None
    checks: list[Check]
    unverified_parameters: list[dict[str, str]]
    overrides: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form of the evaluation."""
        return {
            "subject": self.subject,
            "standard": self.standard,
            "as_of": self.as_of.isoformat(),
            "outcome": self.outcome,
            "route": self.route,
            "score": self.score,
            "score_range": list(self.score_range) if self.score_range else None,
            "checks": [c.as_dict() for c in self.checks],
            "unverified_parameters": self.unverified_parameters,
            "overrides": self.overrides,
        }


# ---------------------------------------------------------------------------- profiles


def _to_fen(value: Any) -> int:
    if isinstance(value, float):
        d = Decimal(repr(value))
    else:
        d = Decimal(str(value).replace(",", "").strip())
    fen = d * 100
    if fen != fen.to_integral_value():
        raise ValueError("finer than a fen")
    return int(fen)


_TRUE = {"1", "true", "yes", "y", "是", "t"}
_FALSE = {"0", "false", "no", "n", "否", "f", ""}


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not a yes/no value")


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise ValueError("not an integer")
    return int(text)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _list_of(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip().strip("[]")
        return [
            p.strip() for p in text.replace("；", ";").replace(";", ",").split(",") if p.strip()
        ]
    return [value]


def profile_row(
    standard: Standard, raw: Mapping[str, Any], *, where: str = "", as_of: dt.date | None = None
) -> dict[str, Any]:
    """Convert one input profile (JSON object or CSV row) to a row of exact values.

    Money is read in 元 (numbers or numeric strings) and held in fen; lists of fiscal years are
    right-aligned so ``name_3`` is always the latest year. Raises :class:`ValidationError` with
    every bad field.
    """
    row: dict[str, Any] = {"id": str(raw.get("id", "")).strip() or None}
    issues: list[Issue] = []
    for spec in standard.fields:
        value = raw.get(spec.name)
        try:
            if spec.kind in ("money_list", "int_list"):
                items = [] if _blank(value) else _list_of(value)
                if len(items) > LIST_LEN:
                    raise ValueError(f"at most {LIST_LEN} fiscal years")
                conv = _to_fen if spec.kind == "money_list" else _to_int
                parsed = [None if _blank(v) else conv(v) for v in items]
                padded = [None] * (LIST_LEN - len(parsed)) + parsed
                for col, v in zip(spec.columns(), padded, strict=True):
                    row[col] = v
                continue
            if _blank(value) and spec.name in standard.as_of_defaults and as_of is not None:
                row[spec.name] = as_of
                continue
            if _blank(value):
                row[spec.name] = (
                    spec.default
                    if spec.default is not None
                    else (False if spec.kind == "bool" else None)
                )
                continue
            if spec.kind == "money":
                row[spec.name] = _to_fen(value)
            elif spec.kind == "int":
                row[spec.name] = _to_int(value)
            elif spec.kind == "bool":
                row[spec.name] = _to_bool(value)
            else:
                row[spec.name] = parse_date(value)
        except Exception as exc:  # every conversion error becomes an issue
            issues.append(
                Issue(
                    rule=f"profile.{spec.kind}",
                    file=where or None,
                    column=spec.name,
                    value=str(value),
                    message=Msg(
                        f"字段 {spec.name}（{spec.label.zh}）取值无效：{exc}",
                        f"field {spec.name} ({spec.label.en}) is invalid: {exc}",
                    ),
                )
            )
    if issues:
        raise ValidationError(
            Msg(f"输入数据有 {len(issues)} 处错误", f"{len(issues)} invalid field(s) in the input"),
            issues=issues,
        )
    return row


# ---------------------------------------------------------------------------- single evaluation


def _outcome(value: Any) -> Outcome:
    return "qualified" if value is True else "not_qualified" if value is False else "undetermined"


def _msg_for(
    c: Criterion,
    passed: bool | None,
    observed: str | None,
    required: str | None,
    points: int | None,
    points_high: int | None,
    flagged: bool,
) -> Msg:
    obs = observed if observed is not None else "—"
    req = f"（要求 {required}）" if required else ""
    req_en = f" (required {required})" if required else ""
    if points is not None and points_high is not None and points_high != points:
        pts, pts_en = (
            f"，得 {points}–{points_high} 分（待定）",
            f", {points}–{points_high} points (to be settled)",
        )
    elif points is not None:
        pts, pts_en = f"，得 {points} 分", f", {points} points"
    else:
        pts = pts_en = ""
    if passed is True:
        zh, en = f"{c.label.zh}：{obs}{req}，符合{pts}", f"{c.label.en}: {obs}{req_en}, met{pts_en}"
    elif passed is False:
        zh, en = (
            f"{c.label.zh}：{obs}{req}，不符合{pts}",
            f"{c.label.en}: {obs}{req_en}, not met{pts_en}",
        )
    elif c.passed is None and points is not None:
        zh, en = f"{c.label.zh}：{obs}{req}{pts}", f"{c.label.en}: {obs}{req_en}{pts_en}"
    elif observed is not None:
        zh, en = (
            f"{c.label.zh}：{obs}{req}，待定{pts}",
            f"{c.label.en}: {obs}{req_en}, not yet decided{pts_en}",
        )
    else:
        zh, en = (
            f"{c.label.zh}：缺少数据，无法判断{req}",
            f"{c.label.en}: input missing, cannot decide{req_en}",
        )
    if flagged:
        zh += "（参数待核实）"
        en += " (parameter unverified)"
    return Msg(zh, en)


def evaluate_row(standard: Standard, row: Mapping[str, Any], resolved: Resolved) -> Evaluation:
    """Evaluate ``standard`` for one converted profile row with already-resolved parameters."""
    res = resolved.fresh()
    checks: list[Check] = []
    for c in standard.criteria:
        crit_res = res.fresh()
        passed = ex.evaluate(c.passed, row, crit_res) if c.passed is not None else None
        points = ex.evaluate(c.points, row, crit_res) if c.points is not None else None
        points_high = (
            ex.evaluate(c.points_high, row, crit_res) if c.points_high is not None else points
        )
        observed = c.observed(row, crit_res) if c.observed else None
        required = c.required(row, crit_res) if c.required else None
        for key in c.params:
            crit_res(key)
        used = list(crit_res.used.values())
        res.used.update(crit_res.used)
        flagged = any(v.unverified for v in used)
        # Cite the criterion's own parameters when it names them (a total score reads every
        # item's parameters, but its legal basis is the pass mark's article).
        cited = [crit_res.values[k] for k in c.params if k in crit_res.values] or used
        reference = (
            "; ".join(dict.fromkeys(v.reference for v in cited if v.reference))
            or c.article
            or standard.reference
        )
        checks.append(
            Check(
                criterion=c.key,
                label=c.label,
                passed=passed,
                observed=observed,
                required=required,
                points=points,
                points_high=points_high,
                reference=reference,
                parameter_version=[v.version for v in used],
                message=_msg_for(c, passed, observed, required, points, points_high, flagged),
            )
        )
    qualified = ex.evaluate(standard.qualified, row, res)
    direct = ex.evaluate(standard.direct, row, res) if standard.direct is not None else None
    score = ex.evaluate(standard.score, row, res) if standard.score is not None else None
    score_high = (
        ex.evaluate(standard.score_high, row, res) if standard.score_high is not None else score
    )
    if standard.pass_mark:
        res(standard.pass_mark)
    route = (
        "direct"
        if direct is True
        else ("score" if standard.score is not None and qualified is not None else None)
    )
    unverified = [
        {
            "key": v.key,
            "version": v.version,
            "value": v.display(),
            "reference": v.reference,
            "status": v.status,
        }
        for v in sorted(res.used.values(), key=lambda v: v.key)
        if v.unverified
    ]
    return Evaluation(
        subject=str(row.get("id") or ""),
        standard=standard.key,
        as_of=resolved.day,
        outcome=_outcome(qualified),
        route=route,
        score=score if score_high == score else None,
        score_range=(score, score_high)
        if score is not None and score_high is not None and score_high != score
        else None,
        checks=checks,
        unverified_parameters=unverified,
        overrides=[v.version for v in res.used.values() if v.status == "override"],
    )


def evaluate_profile(
    standard: Standard,
    profile: Mapping[str, Any],
    *,
    as_of: dt.date,
    parameters: ParameterSet | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Evaluate one raw profile (JSON-like mapping) as of ``as_of``."""
    resolved = (parameters or default_parameters()).at(as_of, overrides)
    return evaluate_row(standard, profile_row(standard, profile, as_of=as_of), resolved)


# ---------------------------------------------------------------------------- batch screening


OUTCOME_CODES: dict[Outcome, int] = {"not_qualified": 0, "qualified": 1, "undetermined": 2}


def screen_table(standard: Standard, table: Any, resolved: Resolved) -> Any:
    """Compile ``standard`` over an Ibis table of profiles (columns of :meth:`Standard.columns`).

    Returns an Ibis table with ``id``, ``outcome`` (text), ``route``, ``score``, ``score_high``
    and, per criterion, ``<key>__passed`` and ``<key>__points``.
    """
    import ibis

    res = resolved.fresh()
    roots = [standard.qualified]
    for extra in (standard.direct, standard.score, standard.score_high):
        if extra is not None:
            roots.append(extra)
    for c in standard.criteria:
        roots.extend(x for x in (c.passed, c.points) if x is not None)
    wide, shared = ex.materialise_shared(roots, table, res)

    def comp(node: ex.Expr) -> Any:
        if id(node) in shared:
            return wide[shared[id(node)]]
        return ex.to_ibis(node, wide, res, shared)

    q = comp(standard.qualified)
    outcome = ibis.cases((q.isnull(), "undetermined"), (q, "qualified"), else_="not_qualified")
    cols: dict[str, Any] = {"id": wide["id"], "outcome": outcome}
    direct = (
        comp(standard.direct).coalesce(False)
        if standard.direct is not None
        else ibis.literal(False)
    )
    if standard.score is not None:
        cols["score"] = comp(standard.score)
        cols["score_high"] = (
            comp(standard.score_high) if standard.score_high is not None else cols["score"]
        )
        route = ibis.cases((direct, "direct"), (q.notnull(), "score"), else_=ibis.null("string"))
    else:
        cols["score"] = ibis.null("int64")
        cols["score_high"] = ibis.null("int64")
        route = ibis.cases((direct, "direct"), else_=ibis.null("string"))
    cols["route"] = route
    for c in standard.criteria:
        cols[f"{c.key}__passed"] = comp(c.passed) if c.passed is not None else ibis.null("boolean")
        cols[f"{c.key}__points"] = comp(c.points) if c.points is not None else ibis.null("int64")
    return wide.select(**cols)


def profiles_to_arrow(standard: Standard, rows: Iterable[Mapping[str, Any]]) -> Any:
    """Converted profile rows → a typed Arrow table (money and counts as int64, fen)."""
    import pyarrow as pa

    types = {
        "int": pa.int64(),
        "money": pa.int64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "money_list": pa.int64(),
        "int_list": pa.int64(),
    }
    schema = [pa.field("id", pa.string())]
    for f in standard.fields:
        for col in f.columns():
            schema.append(pa.field(col, types[f.kind]))
    data = list(rows)
    return pa.table(
        {fld.name: pa.array([r.get(fld.name) for r in data], fld.type) for fld in schema},
        schema=pa.schema(schema),
    )


def screen_rows(
    standard: Standard,
    rows: Sequence[Mapping[str, Any]],
    *,
    as_of: dt.date,
    engine: str = "duckdb",
    parameters: ParameterSet | None = None,
    overrides: Mapping[str, Any] | None = None,
    connection: Any = None,
) -> list[dict[str, Any]]:
    """Screen converted profile rows on an Ibis engine; one result dict per subject, input order."""
    from kechuang.standards.engines import connect, load_table

    resolved = (parameters or default_parameters()).at(as_of, overrides)
    arrow = profiles_to_arrow(standard, rows)
    con = connection or connect(engine)
    try:
        table = load_table(con, f"profiles_{standard.key}", arrow)
        result = screen_table(standard, table, resolved).to_pyarrow().to_pylist()
    finally:
        if connection is None and engine != "spark":  # a Spark session is shared per process
            con.disconnect()
    by_id = {r["id"]: r for r in result}
    return [by_id[r["id"]] for r in rows]


def fraction_pct(num: int | None, den: int | None) -> str | None:
    """``num / den`` as a percentage with two decimals, for explanations (display only)."""
    if num is None or den is None or den <= 0:
        return None
    value = Fraction(num, den) * 100
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}%"


def yuan(fen: int | None) -> str | None:
    """Fen as yuan text with two decimals (display only)."""
    if fen is None:
        return None
    return f"{Decimal(fen) / 100:,.2f}元"


def param_text(key: str, unit: str = "") -> Display:
    """A :data:`Display` that shows a parameter's value."""

    def show(_row: Mapping[str, Any], res: Resolved) -> str:
        v = res.value(key)
        return format_value(v.value, unit or v.unit)

    return show


__all__ = [
    "Check",
    "Criterion",
    "Evaluation",
    "FieldSpec",
    "Standard",
    "evaluate_profile",
    "evaluate_row",
    "fraction_pct",
    "param_text",
    "profile_row",
    "profiles_to_arrow",
    "screen_rows",
    "screen_table",
    "yuan",
]
