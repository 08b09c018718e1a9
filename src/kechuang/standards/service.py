"""Standards services: list, explain parameters, evaluate, screen the registry, simulate what-ifs.

Keyword-only arguments; functions that touch the database take the caller's ``session`` and never
commit (the caller owns the transaction with :func:`kechuang.storage.db.unit_of_work`). The CLI
(``kechuang standards …``) and, later, the API and web pages call these functions.

* :func:`list_standards` and :func:`show_parameters` describe the standards and their dated
  parameters (value, start, reference, status; unverified values flagged).
* :func:`evaluate_profiles` evaluates hand-written profiles (JSON/CSV/XLSX input);
  :func:`evaluate_enterprise` evaluates one registry enterprise from its registry facts
  (:mod:`kechuang.standards.facts`).
* :func:`screen` runs a standard over the whole registry on an analytics engine and **stores** the
  run and one result per enterprise (:class:`~kechuang.standards.models.ScreeningRun`).
* :func:`simulate` screens the same population twice — parameters as in force, and with what-if
  overrides — and reports who gains and who loses the qualification.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kechuang.core.errors import Issue, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.registry.models import Enterprise
from kechuang.standards import catalog, facts
from kechuang.standards import expr as ex
from kechuang.standards.engine import Evaluation, Standard, evaluate_row, profile_row, screen_rows
from kechuang.standards.engines import ENGINES, connect
from kechuang.standards.models import OUTCOMES, ScreeningResult, ScreeningRun
from kechuang.standards.params import ParameterSet, ParamValue, Resolved, default_parameters

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)`` callback; stages ``facts``, ``screen``, ``store``, ``baseline``, ``variant``."""

Change = Literal["gained", "lost", "changed"]

_STORE_CHUNK = 5000


# ---------------------------------------------------------------------------- overrides


def _shape(value: Any) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, int | Fraction):
        return "number"
    if isinstance(value, list):
        return "bands" if value and isinstance(value[0], tuple) else "list"
    return "text"


_SHAPES = {
    "flag": Msg("是/否（true/false）", "a flag (true/false)"),
    "number": Msg("数值（如 60、5%、2亿）", "a number (e.g. 60, 5%, 2亿)"),
    "bands": Msg(
        '分档表（如 [["30%",20],["25%",16]]）', 'a list of bands (e.g. [["30%",20],["25%",16]])'
    ),
    "list": Msg("列表", "a list"),
    "text": Msg("文本", "text"),
}


def resolve(
    *,
    as_of: dt.date,
    overrides: Mapping[str, Any] | None = None,
    params: ParameterSet | None = None,
) -> Resolved:
    """Parameters in force on ``as_of`` with what-if ``overrides``, each checked against its parameter.

    An override must have the shape of the parameter's dated values (a number for a threshold,
    bands for a band table, a flag for a flag), so a typo cannot silently change a rule's meaning.

    Raises:
        KechuangError: unknown parameter key.
        ValidationError: a value that does not parse or has the wrong shape (one issue per value).
    """
    params = params or default_parameters()
    given = dict(overrides or {})
    resolved = params.at(as_of, given)
    issues: list[Issue] = []
    for key, raw in given.items():
        expected = {_shape(v.value) for v in params.get(key).values if v.value is not None}
        if expected and _shape(resolved.values[key].value) not in expected:
            want = _SHAPES[sorted(expected)[0]]
            issues.append(
                Issue(
                    rule="parameter.shape",
                    column=key,
                    value=str(raw),
                    message=Msg(
                        f"参数 {key} 应为{want.zh}，收到 {raw!r}",
                        f"parameter {key} must be {want.en}, got {raw!r}",
                    ),
                )
            )
    if issues:
        raise ValidationError(
            Msg(
                f"模拟参数有 {len(issues)} 处取值无效",
                f"{len(issues)} invalid what-if parameter value(s)",
            ),
            code="parameter.invalid",
            issues=issues,
        )
    return resolved


# ---------------------------------------------------------------------------- describing standards


@dataclass(frozen=True, slots=True)
class StandardInfo:
    """A standard as listed by :func:`list_standards`.

    Attributes:
        key: stable key (``tech_sme``).
        label: bilingual name.
        reference: legal basis (document number).
        registry_facts: True when profiles can be built from the registry (``--enterprise``,
            ``screen``, ``simulate``).
        fields: input field names of a profile.
        criteria: criterion keys, in evaluation order.
        parameters: keys of the parameters the standard uses.
    """

    key: str
    label: Msg
    reference: str
    registry_facts: bool
    fields: tuple[str, ...]
    criteria: tuple[str, ...]
    parameters: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "key": self.key,
            "label_zh": self.label.zh,
            "label_en": self.label.en,
            "reference": self.reference,
            "registry_facts": self.registry_facts,
            "fields": list(self.fields),
            "criteria": list(self.criteria),
            "parameters": list(self.parameters),
        }


@dataclass(frozen=True, slots=True)
class ParameterValueInfo:
    """One dated value of a parameter (history included).

    Attributes:
        start: first day in force.
        end: last day in force, ``None`` while current.
        value: the value as a reader writes it (``10%``, ``2亿元``), ``None`` when the value ends
            the parameter.
        raw: the value as written in the YAML file.
        reference: document and article.
        status: ``confirmed`` or ``unverified``.
        note: history note.
    """

    start: dt.date
    end: dt.date | None
    value: str | None
    raw: Any
    reference: str
    status: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "value": self.value,
            "raw": self.raw,
            "reference": self.reference,
            "status": self.status,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """A parameter of a standard and the value in force on the date asked.

    Attributes:
        key: dotted key (``tech_sme.scoring.pass_mark``).
        description: bilingual description as written in the YAML file.
        unit: unit (``ratio``, ``fen``, ``persons``, ``points`` …).
        current: the value in force on the date, or ``None`` when none is.
        values: every dated value, oldest first.
    """

    key: str
    description: str
    unit: str
    current: ParameterValueInfo | None
    values: tuple[ParameterValueInfo, ...]

    @property
    def version(self) -> str | None:
        """``key@start`` of the value in force."""
        return f"{self.key}@{self.current.start.isoformat()}" if self.current else None

    @property
    def unverified(self) -> bool:
        """True when the value in force is not confirmed law (参数待核实)."""
        return self.current is not None and self.current.status != "confirmed"

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``value``/``start``/``reference``/``status`` of the value in force)."""
        cur = self.current
        return {
            "key": self.key,
            "description": self.description,
            "unit": self.unit,
            "value": cur.value if cur else None,
            "raw": cur.raw if cur else None,
            "start": cur.start.isoformat() if cur else None,
            "end": cur.end.isoformat() if cur and cur.end else None,
            "reference": cur.reference if cur else None,
            "status": cur.status if cur else None,
            "version": self.version,
            "unverified": self.unverified,
            "history": [v.as_dict() for v in self.values],
        }


@dataclass(frozen=True, slots=True)
class StandardParameters:
    """A standard with its parameters as of a date (:func:`show_parameters`)."""

    standard: StandardInfo
    as_of: dt.date
    parameters: list[ParameterInfo]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "standard": self.standard.as_dict(),
            "as_of": self.as_of.isoformat(),
            "parameters": [p.as_dict() for p in self.parameters],
            "unverified": [p.key for p in self.parameters if p.unverified],
        }


def standard_parameter_keys(standard: Standard) -> list[str]:
    """Keys of every parameter the rules of ``standard`` read, sorted."""
    keys: set[str] = set()
    exprs = [standard.qualified, standard.direct, standard.score, standard.score_high]
    for c in standard.criteria:
        exprs += [c.passed, c.points, c.points_high]
        keys.update(c.params)
    for e in exprs:
        if e is not None:
            keys |= ex.params_of(e)
    if standard.pass_mark:
        keys.add(standard.pass_mark)
    return sorted(keys)


def _info(standard: Standard, params: ParameterSet) -> StandardInfo:
    keys = set(standard_parameter_keys(standard)) | {p.key for p in params.under(standard.key)}
    return StandardInfo(
        key=standard.key,
        label=standard.label,
        reference=standard.reference,
        registry_facts=standard.key in facts.SUPPORTED,
        fields=tuple(f.name for f in standard.fields),
        criteria=tuple(c.key for c in standard.criteria),
        parameters=tuple(sorted(keys)),
    )


def list_standards() -> list[StandardInfo]:
    """Every standard shipped with kechuang."""
    params = default_parameters()
    return [_info(s, params) for s in catalog.all_standards()]


def _value_info(v: ParamValue) -> ParameterValueInfo:
    return ParameterValueInfo(
        start=v.start,
        end=v.end,
        value=None if v.value is None else v.display(),
        raw=v.raw,
        reference=v.reference,
        status=v.status,
        note=v.note,
    )


def show_parameters(*, standard_key: str, as_of: dt.date) -> StandardParameters:
    """The parameters of ``standard_key`` with the values in force on ``as_of`` and their history."""
    standard = catalog.get(standard_key)
    params = default_parameters()
    info = _info(standard, params)
    out: list[ParameterInfo] = []
    for key in info.parameters:
        p = params.get(key)
        cur = p.at(as_of)
        out.append(
            ParameterInfo(
                key=p.key,
                description=p.description,
                unit=p.unit,
                current=_value_info(cur) if cur is not None else None,
                values=tuple(_value_info(v) for v in p.values),
            )
        )
    return StandardParameters(standard=info, as_of=as_of, parameters=out)


# ---------------------------------------------------------------------------- single evaluations


def _subject_of(raw: Mapping[str, Any], n: int) -> str:
    for key in ("id", "uscc", "name"):
        value = raw.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return f"#{n}"


def evaluate_profiles(
    *,
    standard_key: str,
    profiles: Sequence[object],
    as_of: dt.date,
    overrides: Mapping[str, Any] | None = None,
    source: str | None = None,
    row_numbers: Sequence[int] | None = None,
) -> list[Evaluation]:
    """Evaluate hand-written profiles (field names of the standard; money in 元).

    Args:
        standard_key: the standard.
        profiles: one mapping per subject (anything else is reported as an issue); the subject
            is named by ``id`` (else ``uscc``, ``name``, or its position ``#n``).
        as_of: evaluation date (parameters in force then).
        overrides: what-if parameter values, key → raw value (``"5%"``, ``"2亿"``, ``60``).
        source: file name, for error messages.
        row_numbers: row number of each profile in ``source`` (default: 1, 2, 3 …).

    Raises:
        ValidationError: with one issue per bad field of any profile (nothing is evaluated).
    """
    standard = catalog.get(standard_key)
    resolved = resolve(as_of=as_of, overrides=overrides)
    if not profiles:
        raise ValidationError(
            Msg("输入中没有企业数据", "the input holds no profiles"),
            code="profiles.empty",
            issues=[
                Issue(
                    rule="profiles.empty",
                    file=source,
                    message=Msg("输入中没有企业数据", "the input holds no profiles"),
                )
            ],
        )
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(profiles) + 1))
    rows: list[dict[str, Any]] = []
    issues: list[Issue] = []
    for n, raw in zip(numbers, profiles, strict=True):
        if not isinstance(raw, Mapping):
            issues.append(
                Issue(
                    rule="profiles.object",
                    file=source,
                    row=n,
                    value=str(raw)[:60],
                    message=Msg(
                        "每个企业数据必须是一个 JSON 对象", "each profile must be an object"
                    ),
                )
            )
            continue
        try:
            row = profile_row(standard, raw, where=source or "", as_of=as_of)
        except ValidationError as exc:
            issues.extend(
                Issue(
                    rule=i.rule,
                    message=i.message,
                    file=i.file,
                    row=n,
                    column=i.column,
                    value=i.value,
                    severity=i.severity,
                )
                for i in exc.issues
            )
            continue
        row["id"] = _subject_of(raw, n)
        rows.append(row)
    if issues:
        raise ValidationError(
            Msg(
                f"输入数据有 {len(issues)} 处错误，未做评价",
                f"{len(issues)} invalid field(s) in the input; nothing was evaluated",
            ),
            code="profiles.invalid",
            issues=issues,
        )
    return [evaluate_row(standard, row, resolved) for row in rows]


def evaluate_enterprise(
    *,
    session: Session,
    standard_key: str,
    uscc: str,
    as_of: dt.date,
    overrides: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Evaluate one registry enterprise from its registry facts (see :mod:`kechuang.standards.facts`).

    Raises:
        NotFound: no enterprise with ``uscc``, or unknown standard.
        KechuangError: ``standards.no_registry_facts`` when the registry cannot fill the standard.
    """
    standard = catalog.get(standard_key)
    resolved = resolve(as_of=as_of, overrides=overrides)
    built = facts.build(session=session, standard=standard, as_of=as_of, uscc=uscc)
    return evaluate_row(standard, built.subjects[0].row, resolved)


# ---------------------------------------------------------------------------- batch screening


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValidationError(
            Msg(
                f"未知引擎：{engine}（可选 {', '.join(ENGINES)}）",
                f"unknown engine: {engine} (choose {', '.join(ENGINES)})",
            ),
            code="engine.unknown",
        )


def _close(con: Any) -> None:
    # Spark sessions are shared by the process (getOrCreate); the others are ours to close.
    if getattr(con, "name", "") != "pyspark" and hasattr(con, "disconnect"):
        con.disconnect()


def _parameter_record(
    standard: Standard,
    resolved: Resolved,
    overrides: Mapping[str, Any] | None,
    built: facts.Facts,
) -> dict[str, Any]:
    used = [resolved.values[k] for k in standard_parameter_keys(standard) if k in resolved.values]
    return {
        "versions": {v.key: v.version for v in used},
        "overrides": {k: _json_safe(v) for k, v in (overrides or {}).items()},
        "unverified": [v.key for v in used if v.status == "unverified"],
        "fiscal_years": list(built.fiscal_years),
        "assumed": dict(built.assumed),
        "unknown": list(built.unknown),
    }


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def _screen_population(
    standard: Standard,
    built: facts.Facts,
    *,
    as_of: dt.date,
    con: Any,
    overrides: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    if not built.subjects:
        return []
    return screen_rows(standard, built.rows(), as_of=as_of, overrides=overrides, connection=con)


def _checks(standard: Standard, result: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        c.key: [result.get(f"{c.key}__passed"), result.get(f"{c.key}__points")]
        for c in standard.criteria
    }


def screen(
    *,
    session: Session,
    standard_key: str,
    as_of: dt.date,
    engine: str = "duckdb",
    overrides: Mapping[str, Any] | None = None,
    actor: str = "system",
    progress: Progress | None = None,
) -> ScreeningRun:
    """Screen every active registry enterprise against a standard and store the run and results.

    The standard is compiled to Ibis and run on ``engine`` (see :mod:`kechuang.standards.engines`).
    The run records the parameter versions and overrides used, the fiscal years read, the
    registry-fact assumptions, and counts by outcome and by district.

    Args:
        session: the caller's session; the run and its results are added and flushed, not committed.
        standard_key: the standard.
        as_of: evaluation date.
        engine: ``duckdb`` (default), ``sqlite``, ``postgres`` or ``spark``.
        overrides: what-if parameter values (recorded in the run).
        actor: who runs the screening.
        progress: optional callback (stages ``facts``, ``screen``, ``store``).
    """
    _check_engine(engine)
    standard = catalog.get(standard_key)
    resolved = resolve(as_of=as_of, overrides=overrides)
    built = facts.build(
        session=session, standard=standard, as_of=as_of, active_only=True, progress=progress
    )
    total = len(built.subjects)
    if progress:
        progress("screen", 0, total)
    con = connect(engine) if built.subjects else None
    try:
        results = _screen_population(standard, built, as_of=as_of, con=con, overrides=overrides)
    finally:
        if con is not None:
            _close(con)
    if progress:
        progress("screen", total, total)

    by_outcome = Counter[str](dict.fromkeys(OUTCOMES, 0))
    by_district: dict[str, Counter[str]] = {}
    for subject, res in zip(built.subjects, results, strict=True):
        by_outcome[res["outcome"]] += 1
        by_district.setdefault(subject.district_code, Counter())[res["outcome"]] += 1
    run = ScreeningRun(
        standard=standard.key,
        as_of=as_of,
        engine=engine,
        parameters=_parameter_record(standard, resolved, overrides, built),
        total=total,
        counts={
            "by_outcome": dict(by_outcome),
            "by_district": {
                code: {o: c[o] for o in OUTCOMES if c[o]} for code, c in sorted(by_district.items())
            },
        },
        actor=actor,
    )
    session.add(run)
    session.flush()
    rows = [
        {
            "run_id": run.id,
            "enterprise_id": subject.enterprise_id,
            "outcome": res["outcome"],
            "route": res["route"],
            "score": res["score"],
            "score_high": res["score_high"],
            "checks": _checks(standard, res),
        }
        for subject, res in zip(built.subjects, results, strict=True)
    ]
    for start in range(0, len(rows), _STORE_CHUNK):
        session.execute(insert(ScreeningResult), rows[start : start + _STORE_CHUNK])
        if progress:
            progress("store", min(start + _STORE_CHUNK, len(rows)), len(rows))
    session.flush()
    return run


def get_run(*, session: Session, run_id: int) -> ScreeningRun:
    """The screening run ``run_id``; :class:`NotFound` if none."""
    run = session.get(ScreeningRun, run_id)
    if run is None:
        raise NotFound(Msg(f"没有编号为 {run_id} 的筛查", f"no screening run {run_id}"))
    return run


def list_results(*, session: Session, run_id: int) -> list[dict[str, Any]]:
    """Every result of a run as flat rows, ordered by USCC (the ``--explain-out`` columns).

    Each row has ``uscc``, ``name``, ``district_code``, ``industry_code``, ``outcome``, ``route``,
    ``score``, ``score_high`` and, per criterion of the standard, ``<key>__passed`` and
    ``<key>__points``.
    """
    run = get_run(session=session, run_id=run_id)
    criteria = [c.key for c in catalog.get(run.standard).criteria]
    stmt = (
        select(
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.district_code,
            Enterprise.industry_code,
            ScreeningResult.outcome,
            ScreeningResult.route,
            ScreeningResult.score,
            ScreeningResult.score_high,
            ScreeningResult.checks,
        )
        .join(Enterprise, Enterprise.id == ScreeningResult.enterprise_id)
        .where(ScreeningResult.run_id == run_id)
        .order_by(Enterprise.uscc)
    )
    out: list[dict[str, Any]] = []
    for rec in session.execute(stmt).mappings():
        row = {k: rec[k] for k in rec if k != "checks"}
        checks = rec["checks"] or {}
        for key in criteria:
            passed, points = checks.get(key, [None, None])
            row[f"{key}__passed"] = passed
            row[f"{key}__points"] = points
        out.append(row)
    return out


# ---------------------------------------------------------------------------- what-if simulation


@dataclass(frozen=True, slots=True)
class ParameterChange:
    """A parameter whose value the simulation changed.

    Attributes:
        key: parameter key.
        baseline: value in force (display form), ``None`` when none is.
        variant: the simulated value (display form).
        reference: reference of the value in force.
    """

    key: str
    baseline: str | None
    variant: str
    reference: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "key": self.key,
            "baseline": self.baseline,
            "variant": self.variant,
            "reference": self.reference,
        }


@dataclass(frozen=True, slots=True)
class AffectedEnterprise:
    """An enterprise whose outcome differs between baseline and variant.

    Attributes:
        uscc: unified social credit code.
        name: registered name.
        district_code: district code.
        industry_code: industry code, when known.
        baseline: outcome with the parameters in force.
        variant: outcome with the overrides.
        score_baseline: baseline score (low end).
        score_high_baseline: baseline score (high end).
        score_variant: variant score (low end).
        score_high_variant: variant score (high end).
        change: ``gained`` (now qualified), ``lost`` (no longer qualified) or ``changed``
            (between not qualified and undetermined).
    """

    uscc: str
    name: str
    district_code: str
    industry_code: str | None
    baseline: str
    variant: str
    score_baseline: int | None
    score_high_baseline: int | None
    score_variant: int | None
    score_high_variant: int | None
    change: Change

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "uscc": self.uscc,
            "name": self.name,
            "district_code": self.district_code,
            "industry_code": self.industry_code,
            "baseline": self.baseline,
            "variant": self.variant,
            "score_baseline": self.score_baseline,
            "score_high_baseline": self.score_high_baseline,
            "score_variant": self.score_variant,
            "score_high_variant": self.score_high_variant,
            "change": self.change,
        }


@dataclass(slots=True)
class SimulationResult:
    """Baseline vs. variant outcomes of a standard over the registry (:func:`simulate`).

    Attributes:
        standard: key of the standard.
        as_of: evaluation date.
        engine: analytics engine used.
        overrides: the what-if values (key → raw value).
        changes: each overridden parameter, value in force → simulated value.
        total: enterprises screened.
        baseline: counts by outcome with the parameters in force.
        variant: counts by outcome with the overrides.
        gained: enterprises that become qualified.
        lost: enterprises that stop being qualified.
        changed: other outcome changes (not qualified ↔ undetermined).
        by_district: district code → ``{"gained", "lost", "changed"}`` counts (changes only).
        by_industry: industry division (e.g. ``C39``, ``unknown``) → the same counts.
        affected: every enterprise whose outcome changes, ordered by change then USCC.
        fiscal_years: fiscal years of the registry facts.
        assumed: registry-fact assumptions (field → value).
    """

    standard: str
    as_of: dt.date
    engine: str
    overrides: dict[str, Any]
    changes: list[ParameterChange]
    total: int
    baseline: dict[str, int]
    variant: dict[str, int]
    gained: int
    lost: int
    changed: int
    by_district: dict[str, dict[str, int]]
    by_industry: dict[str, dict[str, int]]
    affected: list[AffectedEnterprise] = field(default_factory=list)
    fiscal_years: tuple[int, ...] = ()
    assumed: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "standard": self.standard,
            "as_of": self.as_of.isoformat(),
            "engine": self.engine,
            "overrides": {k: _json_safe(v) for k, v in self.overrides.items()},
            "changes": [c.as_dict() for c in self.changes],
            "total": self.total,
            "baseline": self.baseline,
            "variant": self.variant,
            "gained": self.gained,
            "lost": self.lost,
            "changed": self.changed,
            "by_district": self.by_district,
            "by_industry": self.by_industry,
            "affected": [a.as_dict() for a in self.affected],
            "fiscal_years": list(self.fiscal_years),
            "assumed": self.assumed,
        }


def _change(before: str, after: str) -> Change:
    if after == "qualified":
        return "gained"
    if before == "qualified":
        return "lost"
    return "changed"


def simulate(
    *,
    session: Session,
    standard_key: str,
    as_of: dt.date,
    overrides: Mapping[str, Any],
    engine: str = "duckdb",
    progress: Progress | None = None,
) -> SimulationResult:
    """Screen the registry with the parameters in force and with ``overrides``; report the changes.

    Nothing is stored. Both runs use the same registry facts and the same engine connection.

    Raises:
        ValidationError: no overrides, an invalid value, or overrides the standard never reads.
        KechuangError: unknown parameter key.
    """
    _check_engine(engine)
    standard = catalog.get(standard_key)
    if not overrides:
        raise ValidationError(
            Msg(
                "模拟需要至少一个参数改动（--set 或 --overlay）",
                "a simulation needs at least one parameter change (--set or --overlay)",
            ),
            code="simulate.no_overrides",
        )
    params = default_parameters()
    base_res = params.at(as_of)
    variant_res = resolve(as_of=as_of, overrides=overrides, params=params)
    used = set(standard_parameter_keys(standard))
    if not used & set(overrides):
        raise ValidationError(
            Msg(
                f"所改参数（{', '.join(overrides)}）不被标准 {standard.key} 使用",
                f"the changed parameters ({', '.join(overrides)}) are not used by {standard.key}",
            ),
            code="simulate.unused_overrides",
        )
    changes = [
        ParameterChange(
            key=key,
            baseline=base_res.values[key].display() if key in base_res.values else None,
            variant=variant_res.values[key].display(),
            reference=base_res.values[key].reference if key in base_res.values else "",
        )
        for key in overrides
    ]
    built = facts.build(
        session=session, standard=standard, as_of=as_of, active_only=True, progress=progress
    )
    total = len(built.subjects)
    con = connect(engine) if built.subjects else None
    try:
        if progress:
            progress("baseline", 0, total)
        base = _screen_population(standard, built, as_of=as_of, con=con, overrides=None)
        if progress:
            progress("baseline", total, total)
            progress("variant", 0, total)
        variant = _screen_population(standard, built, as_of=as_of, con=con, overrides=overrides)
        if progress:
            progress("variant", total, total)
    finally:
        if con is not None:
            _close(con)

    base_counts = Counter[str](dict.fromkeys(OUTCOMES, 0))
    variant_counts = Counter[str](dict.fromkeys(OUTCOMES, 0))
    affected: list[AffectedEnterprise] = []
    for subject, b, v in zip(built.subjects, base, variant, strict=True):
        base_counts[b["outcome"]] += 1
        variant_counts[v["outcome"]] += 1
        if b["outcome"] != v["outcome"]:
            affected.append(
                AffectedEnterprise(
                    uscc=subject.uscc,
                    name=subject.name,
                    district_code=subject.district_code,
                    industry_code=subject.industry_code,
                    baseline=b["outcome"],
                    variant=v["outcome"],
                    score_baseline=b["score"],
                    score_high_baseline=b["score_high"],
                    score_variant=v["score"],
                    score_high_variant=v["score_high"],
                    change=_change(b["outcome"], v["outcome"]),
                )
            )
    order = {"gained": 0, "lost": 1, "changed": 2}
    affected.sort(key=lambda a: (order[a.change], a.uscc))
    by_district: dict[str, Counter[str]] = {}
    by_industry: dict[str, Counter[str]] = {}
    for a in affected:
        by_district.setdefault(a.district_code, Counter())[a.change] += 1
        division = a.industry_code[:3] if a.industry_code else "unknown"
        by_industry.setdefault(division, Counter())[a.change] += 1
    kinds = ("gained", "lost", "changed")
    return SimulationResult(
        standard=standard.key,
        as_of=as_of,
        engine=engine,
        overrides=dict(overrides),
        changes=changes,
        total=total,
        baseline=dict(base_counts),
        variant=dict(variant_counts),
        gained=sum(a.change == "gained" for a in affected),
        lost=sum(a.change == "lost" for a in affected),
        changed=sum(a.change == "changed" for a in affected),
        by_district={k: {c: n[c] for c in kinds} for k, n in sorted(by_district.items())},
        by_industry={k: {c: n[c] for c in kinds} for k, n in sorted(by_industry.items())},
        affected=affected,
        fiscal_years=built.fiscal_years,
        assumed=dict(built.assumed),
    )


__all__ = [
    "AffectedEnterprise",
    "ParameterChange",
    "ParameterInfo",
    "ParameterValueInfo",
    "SimulationResult",
    "StandardInfo",
    "StandardParameters",
    "evaluate_enterprise",
    "evaluate_profiles",
    "get_run",
    "list_results",
    "list_standards",
    "resolve",
    "screen",
    "show_parameters",
    "simulate",
    "standard_parameter_keys",
]
