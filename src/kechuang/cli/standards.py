"""``kechuang standards``: list standards, show parameters, evaluate, screen the registry, simulate."""

from __future__ import annotations

import csv
import getpass
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from kechuang.cli.common import console, err_console, handle_errors, print_json, t
from kechuang.core.errors import Issue, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.periods import parse_as_of
from kechuang.core.tabular import read_table, write_csv, write_xlsx
from kechuang.migrations import ensure_schema
from kechuang.registry.reference import district_name
from kechuang.standards import catalog, service
from kechuang.standards.engine import Evaluation
from kechuang.standards.params import default_parameters, with_overlay
from kechuang.storage.db import unit_of_work

app = typer.Typer(
    help=t(
        "认定标准：参数、单家评价、企业库批量筛查、政策模拟",
        "Qualification standards: parameters, evaluation, registry screening, what-if simulation",
    ),
    no_args_is_help=True,
)

OUTCOME_LABELS = {
    "qualified": Msg("符合", "qualified"),
    "not_qualified": Msg("不符合", "not qualified"),
    "undetermined": Msg("无法确定", "undetermined"),
}
OUTCOME_STYLES = {"qualified": "green", "not_qualified": "red", "undetermined": "yellow"}
ROUTE_LABELS = {"direct": Msg("直接认定", "direct route"), "score": Msg("评分", "by score")}
CHANGE_LABELS = {
    "gained": Msg("新增符合", "gains"),
    "lost": Msg("不再符合", "loses"),
    "changed": Msg("其他变化", "other change"),
}
STAGES = {
    "facts": Msg("读取企业库数据", "building registry facts"),
    "screen": Msg("筛查", "screening"),
    "store": Msg("保存结果", "storing results"),
    "baseline": Msg("基准筛查", "baseline screening"),
    "variant": Msg("模拟筛查", "variant screening"),
}


class ListFormat(StrEnum):
    """Output of list/show/screen/simulate."""

    table = "table"
    json = "json"


class EvalFormat(StrEnum):
    """Output of evaluate."""

    table = "table"
    json = "json"
    csv = "csv"


class Engine(StrEnum):
    """Analytics engines."""

    duckdb = "duckdb"
    sqlite = "sqlite"
    postgres = "postgres"
    spark = "spark"


_STANDARD_HELP = t("标准代码，如 tech_sme", "standard key, e.g. tech_sme")
_SET_HELP = t(
    "模拟参数取值 KEY=VALUE，可重复；取值写法同参数文件，如 5%、2亿、60、'[[\"30%\",20]]'",
    "what-if parameter value KEY=VALUE, repeatable; values as in the parameter files, e.g. 5%, 2亿, 60, '[[\"30%\",20]]'",
)


# ---------------------------------------------------------------------------- helpers


def _outcome_text(outcome: str) -> str:
    style = OUTCOME_STYLES.get(outcome, "white")
    return f"[{style}]{OUTCOME_LABELS[outcome].text() if outcome in OUTCOME_LABELS else outcome}[/{style}]"


def _bad_option(option: str, value: str, zh: str, en: str) -> ValidationError:
    msg = Msg(f"{option} {value}：{zh}", f"{option} {value}: {en}")
    return ValidationError(
        msg,
        code="cli.option",
        issues=[Issue(rule="cli.option", column=option, value=value, message=msg)],
    )


def parse_sets(values: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` options → ``{key: raw value}``.

    The value is read as YAML so lists of bands work (``[["30%",20],["25%",16]]``); integers,
    booleans and lists keep their type, everything else (``5%``, ``2亿``, ``0.05``) stays text so
    the parameter parser reads it exactly.
    """
    out: dict[str, Any] = {}
    for item in values:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise _bad_option("--set", item, "应写成 KEY=VALUE", "expected KEY=VALUE")
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            loaded = text.strip()
        if isinstance(loaded, Mapping):
            raise _bad_option("--set", item, "取值不能是映射", "the value cannot be a mapping")
        out[key] = loaded if isinstance(loaded, bool | int | str | list) else text.strip()
    return out


def _overrides(sets: Sequence[str] | None, overlay: Path | None = None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    if overlay is not None:
        try:
            data = yaml.safe_load(overlay.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise _bad_option(
                "--overlay", str(overlay), f"无法读取 YAML：{exc}", f"cannot read YAML: {exc}"
            ) from exc
        if not isinstance(data, Mapping):
            raise _bad_option(
                "--overlay",
                str(overlay),
                "应为参数键到取值的嵌套映射",
                "expected a nested mapping of parameter keys to values",
            )
        merged.update(with_overlay(default_parameters(), data))
    merged.update(parse_sets(sets or []))
    return merged


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A spinner and bar per stage on stderr (hidden when stderr is not a terminal)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = STAGES[stage].text() if stage in STAGES else stage
                tasks[stage] = progress.add_task(label, total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        yield update


def _read_profiles(path: Path) -> tuple[list[Any], list[int], str]:
    """Profiles from a JSON object/array, CSV or XLSX file, with their row numbers."""
    name = path.name
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            msg = Msg(f"找不到文件：{path}", f"file not found: {path}")
            raise ValidationError(
                msg,
                code="file.not_found",
                issues=[Issue(rule="file.not_found", file=name, message=msg)],
            ) from None
        except json.JSONDecodeError as exc:
            msg = Msg(
                f"{name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}",
                f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
            )
            raise ValidationError(
                msg,
                code="file.json",
                issues=[Issue(rule="file.json", file=name, row=exc.lineno, message=msg)],
            ) from exc
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            msg = Msg(
                f"{name} 应为 JSON 对象或对象数组",
                f"{name} must hold a JSON object or an array of objects",
            )
            raise ValidationError(
                msg, code="file.json", issues=[Issue(rule="file.json", file=name, message=msg)]
            )
        return data, list(range(1, len(data) + 1)), name
    table = read_table(path)
    numbers: list[int] = []
    profiles: list[Any] = []
    for row, record in table.records():
        numbers.append(row)
        profiles.append(record)
    return profiles, numbers, table.file


# ---------------------------------------------------------------------------- list / show


@app.command("list")
@handle_errors
def list_cmd(
    fmt: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """列出内置认定标准 / List the standards."""
    infos = service.list_standards()
    if fmt is ListFormat.json:
        print_json([i.as_dict() for i in infos])
        return
    table = Table(title=t("认定标准", "Standards"))
    for col in (
        t("代码", "key"),
        t("名称", "name"),
        t("依据", "reference"),
        t("条件数", "criteria"),
        t("参数数", "parameters"),
        t("企业库数据", "registry facts"),
    ):
        table.add_column(col, overflow="fold")
    for i in infos:
        table.add_row(
            i.key,
            i.label.text(),
            i.reference,
            str(len(i.criteria)),
            str(len(i.parameters)),
            "✓" if i.registry_facts else "—",
        )
    console.print(table)


@app.command("show")
@handle_errors
def show_cmd(
    standard: str = typer.Argument(..., help=_STANDARD_HELP),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help=t("参数生效日期（默认今天）", "date the parameters are in force (default today)"),
    ),
    fmt: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """显示标准的参数：取值、生效日期、依据、状态（待核实的标出）/ Show a standard's parameters."""
    shown = service.show_parameters(standard_key=standard, as_of=parse_as_of(as_of))
    if fmt is ListFormat.json:
        print_json(shown.as_dict())
        return
    info = shown.standard
    console.print(f"[bold]{info.label.text()}[/bold] ({info.key}) · {info.reference}")
    table = Table(title=t(f"参数（{shown.as_of} 有效）", f"Parameters in force on {shown.as_of}"))
    for col in (
        t("参数", "parameter"),
        t("取值", "value"),
        t("生效日期", "since"),
        t("依据", "reference"),
        t("状态", "status"),
    ):
        table.add_column(col, overflow="fold")
    for p in shown.parameters:
        cur = p.current
        if cur is None:
            status = f"[dim]{t('无有效取值', 'not in force')}[/dim]"
        elif p.unverified:
            status = f"[yellow]{t('参数待核实', 'unverified')}[/yellow]"
        else:
            status = f"[green]{t('已核实', 'confirmed')}[/green]"
        table.add_row(
            f"{p.key}\n[dim]{p.description}[/dim]",
            (cur.value or "—") if cur else "—",
            cur.start.isoformat() if cur else "—",
            cur.reference if cur else "—",
            status,
        )
    console.print(table)
    flagged = [p.key for p in shown.parameters if p.unverified]
    if flagged:
        console.print(
            f"[yellow]{t('参数待核实', 'unverified parameters')}: {', '.join(flagged)}[/yellow]"
        )


# ---------------------------------------------------------------------------- evaluate


def _points_text(points: Any) -> str:
    if points is None:
        return ""
    if isinstance(points, list):
        return f"{points[0]}–{points[1]}"
    return str(points)


def _render_evaluation(ev: Evaluation, label: str) -> None:
    data = ev.as_dict()
    score = (
        f"{ev.score}"
        if ev.score is not None
        else (f"{ev.score_range[0]}–{ev.score_range[1]}" if ev.score_range else "—")
    )
    route = ROUTE_LABELS[ev.route].text() if ev.route in ROUTE_LABELS else "—"
    table = Table(title=f"{ev.subject} · {label} · {t('截至', 'as of')} {ev.as_of}")
    for col in (
        t("条件", "criterion"),
        t("结果", "result"),
        t("实际", "observed"),
        t("要求", "required"),
        t("得分", "points"),
        t("依据", "reference"),
    ):
        table.add_column(col, overflow="fold")
    for c, d in zip(ev.checks, data["checks"], strict=True):
        mark = (
            "[green]✓[/green]"
            if c.passed is True
            else "[red]✗[/red]"
            if c.passed is False
            else ("[yellow]?[/yellow]" if c.points is None else "")
        )
        table.add_row(
            c.label.text(),
            mark,
            c.observed or "—",
            c.required or "",
            _points_text(d["points"]),
            c.reference,
        )
    console.print(table)
    console.print(
        f"[bold]{t('结论', 'outcome')}: {_outcome_text(ev.outcome)}[/bold]   "
        f"{t('途径', 'route')}: {route}   {t('得分', 'score')}: {score}"
    )
    for u in ev.unverified_parameters:
        console.print(
            f"[yellow]{t('参数待核实', 'unverified parameter')}: {u['key']} = {u['value']} ({u['reference']})[/yellow]"
        )
    for o in ev.overrides:
        console.print(f"[cyan]{t('模拟参数', 'what-if value')}: {o}[/cyan]")


_CSV_COLUMNS = (
    "subject",
    "standard",
    "as_of",
    "outcome",
    "route",
    "score",
    "score_low",
    "score_high",
    "criterion",
    "label_zh",
    "label_en",
    "passed",
    "observed",
    "required",
    "points",
    "reference",
    "parameter_version",
    "message_zh",
    "message_en",
)


def _evaluations_csv(evaluations: Sequence[Evaluation]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for ev in evaluations:
        low, high = ev.score_range if ev.score_range else (ev.score, ev.score)
        for c in ev.as_dict()["checks"]:
            writer.writerow(
                [
                    ev.subject,
                    ev.standard,
                    ev.as_of.isoformat(),
                    ev.outcome,
                    ev.route or "",
                    "" if ev.score is None else ev.score,
                    "" if low is None else low,
                    "" if high is None else high,
                    c["criterion"],
                    c["label_zh"],
                    c["label_en"],
                    "" if c["passed"] is None else str(c["passed"]).lower(),
                    c["observed"] or "",
                    c["required"] or "",
                    _points_text(c["points"]),
                    c["reference"],
                    ";".join(c["parameter_version"]),
                    c["message_zh"],
                    c["message_en"],
                ]
            )
    return buf.getvalue()


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    standard: str = typer.Argument(..., help=_STANDARD_HELP),
    input_file: Path | None = typer.Option(
        None,
        "--input",
        "-i",
        help=t(
            "企业数据文件：JSON 对象或数组、CSV 或 XLSX（表头为字段名，金额单位元）",
            "profiles file: JSON object or array, CSV or XLSX (headers are field names, money in 元)",
        ),
    ),
    enterprise: str | None = typer.Option(
        None,
        "--enterprise",
        "-e",
        help=t(
            "用企业库数据评价这家企业（统一社会信用代码）",
            "evaluate this registry enterprise (USCC)",
        ),
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help=t("评价日期（默认今天）", "evaluation date (default today)")
    ),
    fmt: EvalFormat = typer.Option(
        EvalFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
    sets: list[str] | None = typer.Option(None, "--set", help=_SET_HELP),
) -> None:
    """评价企业是否符合标准，逐条说明（不符合时退出码仍为 0）/ Evaluate profiles against a standard, explained."""
    if (input_file is None) == (enterprise is None):
        raise _bad_option(
            "--input/--enterprise",
            "",
            "请给出且只给出其中一个",
            "give exactly one of them",
        )
    day = parse_as_of(as_of)
    overrides = _overrides(sets)
    label = catalog.get(standard).label.text()
    if enterprise is not None:
        ensure_schema()
        with unit_of_work() as session:
            evaluations = [
                service.evaluate_enterprise(
                    session=session,
                    standard_key=standard,
                    uscc=enterprise,
                    as_of=day,
                    overrides=overrides,
                )
            ]
    else:
        assert input_file is not None
        profiles, numbers, name = _read_profiles(input_file)
        evaluations = service.evaluate_profiles(
            standard_key=standard,
            profiles=profiles,
            as_of=day,
            overrides=overrides,
            source=name,
            row_numbers=numbers,
        )
    if fmt is EvalFormat.json:
        print_json([ev.as_dict() for ev in evaluations])
    elif fmt is EvalFormat.csv:
        typer.echo(_evaluations_csv(evaluations), nl=False)
    else:
        for ev in evaluations:
            _render_evaluation(ev, label)


# ---------------------------------------------------------------------------- screen


def _explain_path(path: Path | None) -> None:
    if path is not None and path.suffix.lower() not in (".parquet", ".csv"):
        raise _bad_option(
            "--explain-out",
            str(path),
            "文件应为 .parquet 或 .csv",
            "the file must be .parquet or .csv",
        )


def _write_explain(path: Path, rows: list[dict[str, Any]], criteria: Sequence[str]) -> None:
    columns = [
        "uscc",
        "name",
        "district_code",
        "industry_code",
        "outcome",
        "route",
        "score",
        "score_high",
    ]
    for key in criteria:
        columns += [f"{key}__passed", f"{key}__points"]
    if path.suffix.lower() == ".csv":
        write_csv(path, columns, ([r.get(c) for c in columns] for r in rows))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    def dtype(col: str) -> Any:
        if col.endswith("__passed"):
            return pa.bool_()
        if col.endswith("__points") or col in ("score", "score_high"):
            return pa.int64()
        return pa.string()

    schema = pa.schema([pa.field(c, dtype(c)) for c in columns])
    table = pa.table(
        {c: pa.array([r.get(c) for r in rows], dtype(c)) for c in columns}, schema=schema
    )
    pq.write_table(table, path)


def _counts_table(
    by_outcome: Mapping[str, int], by_district: Mapping[str, Mapping[str, int]]
) -> None:
    head = Table(title=t("按结论", "By outcome"))
    head.add_column(t("结论", "outcome"))
    head.add_column(t("企业数", "enterprises"), justify="right")
    for outcome in OUTCOME_LABELS:
        head.add_row(_outcome_text(outcome), str(by_outcome.get(outcome, 0)))
    console.print(head)
    dist = Table(title=t("按区", "By district"))
    dist.add_column(t("区", "district"))
    for outcome in OUTCOME_LABELS:
        dist.add_column(OUTCOME_LABELS[outcome].text(), justify="right")
    for code, counts in by_district.items():
        dist.add_row(district_name(code).text(), *(str(counts.get(o, 0)) for o in OUTCOME_LABELS))
    console.print(dist)


@app.command("screen")
@handle_errors
def screen_cmd(
    standard: str = typer.Argument(..., help=_STANDARD_HELP),
    as_of: str = typer.Option(..., "--as-of", help=t("评价日期", "evaluation date")),
    engine: Engine = typer.Option(
        Engine.duckdb, "--engine", help=t("分析引擎", "analytics engine")
    ),
    explain_out: Path | None = typer.Option(
        None,
        "--explain-out",
        help=t(
            "把每家企业的逐条结果写入 .parquet 或 .csv",
            "write every subject's per-criterion columns to .parquet or .csv",
        ),
    ),
    sets: list[str] | None = typer.Option(None, "--set", help=_SET_HELP),
    actor: str | None = typer.Option(
        None, "--actor", help=t("操作人（默认当前系统用户）", "who runs it (default: OS user)")
    ),
    fmt: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
) -> None:
    """按标准筛查整个企业库并保存结果 / Screen the whole registry against a standard and store the results."""
    _explain_path(explain_out)
    day = parse_as_of(as_of)
    overrides = _overrides(sets)
    ensure_schema()
    with _progress() as progress, unit_of_work() as session:
        run = service.screen(
            session=session,
            standard_key=standard,
            as_of=day,
            engine=engine.value,
            overrides=overrides,
            actor=actor or getpass.getuser(),
            progress=progress,
        )
        if explain_out is not None:
            rows = service.list_results(session=session, run_id=run.id)
            keys = [c.key for c in catalog.get(run.standard).criteria]
            _write_explain(explain_out, rows, keys)
        summary = {
            "run_id": run.id,
            "standard": run.standard,
            "as_of": run.as_of.isoformat(),
            "engine": run.engine,
            "actor": run.actor,
            "total": run.total,
            "by_outcome": run.counts["by_outcome"],
            "by_district": run.counts["by_district"],
            "parameters": run.parameters,
            "explain_out": str(explain_out) if explain_out else None,
        }
    if fmt is ListFormat.json:
        print_json(summary)
        return
    console.print(
        t(
            f"筛查 #{summary['run_id']}：{standard}，截至 {day}，{engine.value} 引擎，共 {summary['total']} 家企业",
            f"screening run #{summary['run_id']}: {standard} as of {day} on {engine.value}, {summary['total']} enterprises",
        )
    )
    _counts_table(summary["by_outcome"], summary["by_district"])
    _print_assumptions(run.parameters)
    if explain_out is not None:
        console.print(
            t(f"逐条结果已写入 {explain_out}", f"per-criterion results written to {explain_out}")
        )


def _print_assumptions(parameters: Mapping[str, Any]) -> None:
    years = parameters.get("fiscal_years") or []
    if years:
        console.print(
            t(
                f"企业库年度数据：{years[-1]} 年度（三年数据 {years[0]}–{years[-1]}）",
                f"registry facts: fiscal {years[-1]} (three-year data {years[0]}–{years[-1]})",
            )
        )
    assumed = parameters.get("assumed") or {}
    if assumed:
        shown = ", ".join(f"{k}={v}" for k, v in assumed.items())
        console.print(
            f"[dim]{t('企业库未记录、按假定值处理', 'not recorded in the registry, assumed')}: {shown}[/dim]"
        )
    unknown = parameters.get("unknown") or []
    if unknown:
        console.print(
            f"[dim]{t('企业库未记录、视为未知', 'not recorded in the registry, unknown')}: {', '.join(unknown)}[/dim]"
        )
    unverified = parameters.get("unverified") or []
    if unverified:
        console.print(
            f"[yellow]{t('参数待核实', 'unverified parameters')}: {', '.join(unverified)}[/yellow]"
        )


# ---------------------------------------------------------------------------- simulate


def _out_path(path: Path | None) -> None:
    if path is not None and path.suffix.lower() not in (".xlsx", ".csv"):
        raise _bad_option(
            "--out", str(path), "文件应为 .xlsx 或 .csv", "the file must be .xlsx or .csv"
        )


_AFFECTED_HEADERS = (
    ("uscc", "统一社会信用代码", "USCC"),
    ("name", "企业名称", "name"),
    ("district", "所在区", "district"),
    ("industry_code", "行业代码", "industry code"),
    ("change", "变化", "change"),
    ("baseline", "基准结论", "baseline"),
    ("variant", "模拟结论", "variant"),
    ("score_baseline", "基准得分", "baseline score"),
    ("score_variant", "模拟得分", "variant score"),
)


def _score(low: int | None, high: int | None) -> str:
    if low is None:
        return "—"
    return str(low) if high in (None, low) else f"{low}–{high}"


def _affected_rows(result: service.SimulationResult) -> list[list[Any]]:
    return [
        [
            a.uscc,
            a.name,
            district_name(a.district_code).text(),
            a.industry_code or "",
            CHANGE_LABELS[a.change].text(),
            OUTCOME_LABELS[a.baseline].text(),
            OUTCOME_LABELS[a.variant].text(),
            _score(a.score_baseline, a.score_high_baseline),
            _score(a.score_variant, a.score_high_variant),
        ]
        for a in result.affected
    ]


def _write_simulation(path: Path, result: service.SimulationResult) -> None:
    headers = [t(zh, en) for _k, zh, en in _AFFECTED_HEADERS]
    rows = _affected_rows(result)
    if path.suffix.lower() == ".csv":
        write_csv(path, headers, rows)
        return
    summary: list[list[Any]] = [
        [t("项目", "item"), t("基准", "baseline"), t("模拟", "variant")],
        *(
            [OUTCOME_LABELS[o].text(), result.baseline.get(o, 0), result.variant.get(o, 0)]
            for o in OUTCOME_LABELS
        ),
        [],
        [t("新增符合", "gains"), result.gained],
        [t("不再符合", "losses"), result.lost],
        [t("其他变化", "other changes"), result.changed],
        [],
        [
            t("参数", "parameter"),
            t("现行取值", "in force"),
            t("模拟取值", "simulated"),
            t("依据", "reference"),
        ],
        *([c.key, c.baseline, c.variant, c.reference] for c in result.changes),
    ]
    head = [t("新增符合", "gains"), t("不再符合", "losses"), t("其他变化", "other changes")]
    districts = [[t("区", "district"), *head]] + [
        [district_name(code).text(), n["gained"], n["lost"], n["changed"]]
        for code, n in result.by_district.items()
    ]
    industries = [[t("行业门类大类", "industry division"), *head]] + [
        [code, n["gained"], n["lost"], n["changed"]] for code, n in result.by_industry.items()
    ]
    write_xlsx(
        path,
        headers,
        rows,
        sheet_title=t("受影响企业", "affected"),
        extra_sheets={
            t("汇总", "summary"): summary,
            t("按区", "by district"): districts,
            t("按行业", "by industry"): industries,
        },
    )


def _render_simulation(result: service.SimulationResult) -> None:
    console.print(
        t(
            f"政策模拟：{result.standard}，截至 {result.as_of}，{result.engine} 引擎，共 {result.total} 家企业",
            f"simulation: {result.standard} as of {result.as_of} on {result.engine}, {result.total} enterprises",
        )
    )
    params = Table(title=t("参数改动", "Parameter changes"))
    for col in (
        t("参数", "parameter"),
        t("现行取值", "in force"),
        t("模拟取值", "simulated"),
        t("依据", "reference"),
    ):
        params.add_column(col, overflow="fold")
    for c in result.changes:
        params.add_row(c.key, c.baseline or "—", c.variant, c.reference)
    console.print(params)
    counts = Table(title=t("按结论", "By outcome"))
    counts.add_column(t("结论", "outcome"))
    counts.add_column(t("基准", "baseline"), justify="right")
    counts.add_column(t("模拟", "variant"), justify="right")
    for o in OUTCOME_LABELS:
        counts.add_row(
            _outcome_text(o), str(result.baseline.get(o, 0)), str(result.variant.get(o, 0))
        )
    console.print(counts)
    console.print(
        t(
            f"新增符合 [green]{result.gained}[/green] 家，不再符合 [red]{result.lost}[/red] 家，其他变化 {result.changed} 家",
            f"gains [green]{result.gained}[/green], losses [red]{result.lost}[/red], other changes {result.changed}",
        )
    )
    for title, head, data, name in (
        (
            t("按区", "By district"),
            t("区", "district"),
            result.by_district,
            lambda c: district_name(c).text(),
        ),
        (
            t("按行业（门类大类）", "By industry division"),
            t("行业", "industry"),
            result.by_industry,
            str,
        ),
    ):
        if not data:
            continue
        table = Table(title=title)
        table.add_column(head)
        for k in ("gained", "lost", "changed"):
            table.add_column(CHANGE_LABELS[k].text(), justify="right")
        for code, n in data.items():
            table.add_row(name(code), str(n["gained"]), str(n["lost"]), str(n["changed"]))
        console.print(table)
    if result.affected:
        table = Table(title=t("受影响企业", "Affected enterprises"))
        for _k, zh, en in _AFFECTED_HEADERS:
            table.add_column(t(zh, en), overflow="fold")
        for row in _affected_rows(result):
            table.add_row(*(str(v) for v in row))
        console.print(table)


@app.command("simulate")
@handle_errors
def simulate_cmd(
    standard: str = typer.Argument(..., help=_STANDARD_HELP),
    as_of: str = typer.Option(..., "--as-of", help=t("评价日期", "evaluation date")),
    sets: list[str] | None = typer.Option(None, "--set", help=_SET_HELP),
    overlay: Path | None = typer.Option(
        None,
        "--overlay",
        help=t(
            "参数改动 YAML 文件（参数键的嵌套映射）",
            "YAML file of parameter changes (nested mapping of keys)",
        ),
    ),
    engine: Engine = typer.Option(
        Engine.duckdb, "--engine", help=t("分析引擎", "analytics engine")
    ),
    fmt: ListFormat = typer.Option(
        ListFormat.table, "--format", "-f", help=t("输出格式", "output format")
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help=t("把受影响企业写入 .xlsx 或 .csv", "write the affected enterprises to .xlsx or .csv"),
    ),
) -> None:
    """政策模拟：现行参数与改动后参数的筛查结果对比（不保存）/ What-if: baseline vs. changed parameters (nothing stored)."""
    _out_path(out)
    day = parse_as_of(as_of)
    overrides = _overrides(sets, overlay)
    ensure_schema()
    with _progress() as progress, unit_of_work(commit=False) as session:
        result = service.simulate(
            session=session,
            standard_key=standard,
            as_of=day,
            overrides=overrides,
            engine=engine.value,
            progress=progress,
        )
    if out is not None:
        _write_simulation(out, result)
    if fmt is ListFormat.json:
        print_json(result.as_dict())
    else:
        _render_simulation(result)
        if out is not None:
            console.print(t(f"受影响企业已写入 {out}", f"affected enterprises written to {out}"))
