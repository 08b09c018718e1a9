"""``kechuang report --release ID --format md|html|xlsx|pdf [--lang zh|en] -o PATH``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from kechuang.cli.common import console, handle_errors, t
from kechuang.core.i18n import current_lang
from kechuang.indicators.model import ReleaseView


class ReportFormatOption(StrEnum):
    """Output formats of the chapter."""

    md = "md"
    html = "html"
    xlsx = "xlsx"
    pdf = "pdf"


class ReportLang(StrEnum):
    """Languages of the chapter."""

    zh = "zh"
    en = "en"


def _open_release(release_id: str, root: Path | None) -> ReleaseView:
    from kechuang.indicators.releases import open_release

    return open_release(release_id, root=root)


@handle_errors
def report_cmd(
    release: str = typer.Option(..., "--release", "-r", help=t("统计发布编号", "release id")),
    fmt: ReportFormatOption = typer.Option(
        ReportFormatOption.md, "--format", "-f", help=t("输出格式", "output format")
    ),
    lang: ReportLang | None = typer.Option(
        None, "--lang", help=t("报告语言（默认界面语言）", "report language (default: UI language)")
    ),
    out: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help=t(
            "输出文件（默认 report-<发布编号>-<语言>.<格式>）",
            "output file (default report-<id>-<lang>.<fmt>)",
        ),
    ),
    root: Path | None = typer.Option(
        None, "--root", help=t("发布目录（默认 $KECHUANG_HOME/releases）", "releases directory")
    ),
) -> None:
    """按统计发布生成报告章节（7.1 科技金融、7.2 知识产权）/ Render the report chapter (7.1 sci-tech finance, 7.2 IP) from a release."""
    from kechuang.reports import render

    language = lang.value if lang is not None else current_lang()
    view = _open_release(release, root)
    path = out or Path(f"report-{release}-{language}.{fmt.value}")
    written = render(view, fmt=fmt.value, lang=language, out=path)
    console.print(t(f"报告已写入 {written}", f"report written to {written}"))
