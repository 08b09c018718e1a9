"""``kechuang release``: create, list, show, diff, verify and publish statistical releases."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kechuang.cli.auditing import record_write
from kechuang.cli.common import console, handle_errors, print_json, progress_bar, t
from kechuang.core.periods import parse_date
from kechuang.indicators import releases
from kechuang.indicators.display import percent, scaled
from kechuang.indicators.options import Options
from kechuang.migrations import ensure_schema

app = typer.Typer(
    help=t(
        "统计发布：冻结数据快照、计算全部指标、校验与比较",
        "Statistical releases: frozen snapshots, every indicator computed, verified and compared",
    ),
    no_args_is_help=True,
)

_JSON = t("输出 JSON", "print JSON")
_ROOT = t(
    "发布目录（默认 KECHUANG_RELEASES_DIR 或 ~/.local/share/kechuang/releases）", "releases folder"
)
_ENGINE = t(
    "计算引擎：duckdb（默认）、sqlite、postgres、spark",
    "engine: duckdb (default), sqlite, postgres, spark",
)


@app.command("create")
@handle_errors
def create_cmd(
    year: int = typer.Option(..., "--year", help=t("报告年份", "report year")),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help=t("数据截止日期（默认今天）", "data cut-off date (default today)")
    ),
    engine: str = typer.Option("duckdb", "--engine", help=_ENGINE),
    note: str | None = typer.Option(
        None,
        "--note",
        help=t(
            "修订说明（更正已发布的统计发布时必填）",
            "revision note (required to correct a published release)",
        ),
    ),
    synthetic: bool = typer.Option(
        False, "--synthetic", help=t("数据为合成演示数据", "the data are synthetic")
    ),
    sme_rule: str = typer.Option(
        "size_class",
        "--sme-rule",
        help=t(
            "科技型中小企业口径：size_class（默认）或 tech_sme",
            "sci-tech SME rule: size_class (default) or tech_sme",
        ),
    ),
    root: Path | None = typer.Option(None, "--root", help=_ROOT),
    json_out: bool = typer.Option(False, "--json", help=_JSON),
) -> None:
    """生成统计发布 / Create a release."""
    ensure_schema()
    if sme_rule not in ("size_class", "tech_sme"):
        raise typer.BadParameter("--sme-rule: size_class | tech_sme")
    with progress_bar(t("统计发布", "release")) as progress:
        manifest = releases.create_release(
            url=None,
            year=year,
            cutoff=parse_date(cutoff) if cutoff else None,
            engine=engine,
            root=root,
            revision_note=note,
            synthetic=synthetic,
            progress=progress,
            options=Options(sme_rule=sme_rule),  # type: ignore[arg-type]
        )
    record_write(  # as the API does: a release is files, not rows the audit hook sees
        action="insert",
        table_name="release",
        record_id=manifest.release_id,
        changes={"year": manifest.year, "status": manifest.status, "cutoff": manifest.cutoff},
    )
    if json_out:
        print_json(releases.manifest_to_dict(manifest))
        return
    empty = [
        v.key for v in releases.open_release(manifest.release_id, root).values() if v.value is None
    ]
    if empty:
        console.print(
            t(
                f"[yellow]以下指标在 {year} 年没有数据（外部统计未录入或记录缺失）：{', '.join(empty)}[/yellow]",
                f"[yellow]no data for {year}: {', '.join(empty)} (external statistic not entered or records missing)[/yellow]",
            )
        )
    console.print(
        t(
            f"已生成统计发布 {manifest.release_id}（草稿；{len(manifest.row_counts)} 张表，引擎 {engine}）",
            f"created release {manifest.release_id} (draft; {len(manifest.row_counts)} tables, engine {engine})",
        )
    )


@app.command("list")
@handle_errors
def list_cmd(
    root: Path | None = typer.Option(None, "--root", help=_ROOT),
    json_out: bool = typer.Option(False, "--json", help=_JSON),
) -> None:
    """列出统计发布 / List releases."""
    items = releases.list_releases(root)
    if json_out:
        print_json([releases.manifest_to_dict(m) for m in items])
        return
    table = Table(title=t(f"统计发布（共 {len(items)} 个）", f"Releases ({len(items)})"))
    for col in (
        "id",
        t("年份", "year"),
        t("截止", "cut-off"),
        t("状态", "status"),
        t("口径版本", "definitions"),
        t("修订说明", "note"),
    ):
        table.add_column(col)
    for m in items:
        table.add_row(
            m.release_id,
            str(m.year),
            m.cutoff.isoformat(),
            m.status,
            m.definitions_version,
            m.revision_note or "",
        )
    console.print(table)


@app.command("show")
@handle_errors
def show_cmd(
    release_id: str = typer.Argument(
        ..., help=t("统计发布编号，如 2023-r1", "release id, e.g. 2023-r1")
    ),
    root: Path | None = typer.Option(None, "--root", help=_ROOT),
    json_out: bool = typer.Option(False, "--json", help=_JSON),
) -> None:
    """显示统计发布的清单与全部指标 / Show a release's manifest and figures."""
    rel = releases.open_release(release_id, root)
    if json_out:
        print_json(
            {
                "manifest": releases.manifest_to_dict(rel.manifest),
                "values": [releases.value_to_dict(v) for v in rel.values()],
            }
        )
        return
    m = rel.manifest
    console.print(
        f"[bold]{m.release_id}[/bold]  {t('年份', 'year')} {m.year} · {t('截止', 'cut-off')} {m.cutoff} · "
        f"{m.status} · {t('口径', 'definitions')} {m.definitions_version} · {m.engine} · kechuang {m.software_version}"
        + (f" · {t('合成数据', 'synthetic data')}" if m.synthetic else "")
    )
    if m.revision_note:
        console.print(
            t(
                f"修订：{m.revision_note}（更正 {m.revision_of}）",
                f"revision: {m.revision_note} (corrects {m.revision_of})",
            )
        )
    table = Table()
    for col in (
        t("指标", "indicator"),
        str(m.year),
        str(m.year - 1),
        t("同比", "yoy"),
        t("单位", "unit"),
    ):
        table.add_column(col)
    for d, v in zip(rel.definitions, rel.values(), strict=False):
        label = d.label_zh if t("zh", "en") == "zh" else d.label_en
        unit = d.unit_zh if t("zh", "en") == "zh" else d.unit_en
        table.add_row(label, scaled(d, v.value), scaled(d, v.previous), percent(v.yoy), unit)
    console.print(table)


@app.command("diff")
@handle_errors
def diff_cmd(
    a: str = typer.Argument(..., help=t("较早的统计发布", "earlier release")),
    b: str = typer.Argument(..., help=t("较新的统计发布", "later release")),
    root: Path | None = typer.Option(None, "--root", help=_ROOT),
    json_out: bool = typer.Option(False, "--json", help=_JSON),
) -> None:
    """比较两个统计发布 / Show what changed between two releases."""
    diff = releases.diff_releases(a, b, root=root)
    if json_out:
        print_json(diff.as_dict())
        return
    if not diff.values and not diff.row_counts and not diff.manifest:
        console.print(t("两个统计发布没有差别", "no differences"))
        return
    if diff.values:
        table = Table(title=t("指标变化", "figures changed"))
        for col in (
            t("指标", "indicator"),
            a,
            b,
            f"{t('上年', 'prev')} {a}",
            f"{t('上年', 'prev')} {b}",
        ):
            table.add_column(col)
        for c in diff.values:
            table.add_row(
                c.key, str(c.before), str(c.after), str(c.previous_before), str(c.previous_after)
            )
        console.print(table)
    for name, (x, y) in diff.row_counts.items():
        console.print(f"{name}: {x} → {y} {t('行', 'rows')}")
    for name, (x, y) in diff.manifest.items():
        console.print(f"{name}: {x} → {y}")


@app.command("verify")
@handle_errors
def verify_cmd(
    release_id: str = typer.Argument(..., help=t("统计发布编号", "release id")),
    engine: str | None = typer.Option(None, "--engine", help=_ENGINE),
    root: Path | None = typer.Option(None, "--root", help=_ROOT),
    json_out: bool = typer.Option(False, "--json", help=_JSON),
) -> None:
    """校验文件校验和并从快照重算全部指标 / Check checksums and recompute every figure."""
    res = releases.verify_release(release_id, root=root, engine=engine)
    if json_out:
        print_json(res.as_dict())
    elif res.ok:
        console.print(
            t(
                f"✓ {release_id}：{res.files_checked} 个文件校验和一致，全部指标重算一致（{res.engine}）",
                f"✓ {release_id}: {res.files_checked} files match their checksums; every figure recomputes ({res.engine})",
            )
        )
    else:
        for f in res.changed_files:
            console.print(t(f"✗ 文件已被改动：{f}", f"✗ file changed: {f}"))
        for f in res.missing_files:
            console.print(t(f"✗ 文件缺失：{f}", f"✗ file missing: {f}"))
        for f in res.extra_files:
            console.print(t(f"✗ 多出的文件：{f}", f"✗ unexpected file: {f}"))
        for key, stored, fresh in res.mismatches:
            console.print(
                t(
                    f"✗ {key}：发布值 {stored}，重算 {fresh}",
                    f"✗ {key}: published {stored}, recomputed {fresh}",
                )
            )
    if not res.ok:
        raise typer.Exit(1)


@app.command("publish")
@handle_errors
def publish_cmd(
    release_id: str = typer.Argument(..., help=t("统计发布编号", "release id")),
    by: str = typer.Option(..., "--by", help=t("发起发布的人", "who asks for publication (maker)")),
    approved_by: str = typer.Option(
        ...,
        "--approved-by",
        help=t("复核人（须为另一人）", "who approves it (checker, a different person)"),
    ),
    root: Path | None = typer.Option(None, "--root", help=_ROOT),
) -> None:
    """发布（双人复核；此后不可更改）/ Publish a release (maker-checker; immutable from then on)."""
    m = releases.publish_release(release_id, by=by, approved_by=approved_by, root=root)
    record_write(
        action="update",
        table_name="release",
        record_id=m.release_id,
        changes={"status": m.status, "published_by": m.published_by, "approved_by": m.approved_by},
    )
    console.print(
        t(
            f"已发布 {m.release_id}（发起 {m.published_by}，复核 {m.approved_by}）",
            f"published {m.release_id} (maker {m.published_by}, checker {m.approved_by})",
        )
    )
