"""Writers of the chapter: Markdown, HTML, XLSX and PDF.

* **md** — the chapter as Markdown; charts are written as SVG files into ``<stem>_charts/`` next
  to it and linked as images.
* **html** — one self-contained file (CSS and SVG charts inline). Every figure links to its row
  in the definitions appendix (``#def-<key>``) and carries that row's number as a superscript.
* **pdf** — the HTML laid out by WeasyPrint; the Noto CJK font is embedded (subset), so the PDF
  reads the same on a machine without Chinese fonts. Internal links survive in the PDF.
* **xlsx** — one tidy table of every indicator of the release (one row per indicator and year)
  with its definition, plus an ``about`` sheet with the front matter.

Output is deterministic for a given release and language, except the PDF's creation date
metadata, which WeasyPrint writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kechuang.core.i18n import Lang, Msg
from kechuang.indicators.model import ReleaseView
from kechuang.reports.chapter import Chapter, Span, build_chapter
from kechuang.reports.formatting import format_value

__all__ = ["FORMATS", "LANGS", "render", "render_all", "write_html", "write_md", "write_xlsx"]

FORMATS = ("md", "html", "xlsx", "pdf")
"""Output formats of :func:`render`."""
LANGS: tuple[Lang, ...] = ("zh", "en")

_LABELS: dict[str, Msg] = {
    "notice": Msg("提示：", "Note:"),
    "colon": Msg("：", ": "),
    "space": Msg("", " "),
    "definitions": Msg("附：指标定义", "Appendix: indicator definitions"),
    "externals": Msg("附：外部统计数据及来源", "Appendix: external statistics and sources"),
    "key": Msg("键", "Key"),
    "indicator": Msg("指标", "Indicator"),
    "unit": Msg("单位", "Unit"),
    "formula": Msg("定义/口径", "Definition"),
    "section": Msg("章节", "Section"),
    "source": Msg("来源", "Source"),
    "year": Msg("年度", "Year"),
    "value": Msg("数值", "Value"),
    "published": Msg("发布日期", "Published"),
    "status": Msg("核实状态", "Status"),
    "note": Msg("备注", "Note"),
}


def _labels(lang: Lang) -> dict[str, str]:
    return {k: m.text(lang) for k, m in _LABELS.items()}


# ---------------------------------------------------------------- jinja


def _md_line(line: Sequence[Span]) -> str:
    out = []
    for s in line:
        text = s.text.replace("*", r"\*")
        out.append(f"**{text}**" if s.bold and text else text)
    return "".join(out)


def _cell(text: str) -> str:
    return text.replace("|", r"\|").replace("\n", " ")


def _environment(refs: dict[str, int]) -> Environment:
    env = Environment(
        loader=PackageLoader("kechuang.reports", "templates"),
        autoescape=select_autoescape(["html", "html.j2"], default_for_string=False),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )

    def html_line(line: Sequence[Span]) -> Markup:
        parts: list[str] = []
        for s in line:
            text = str(escape(s.text))
            if s.bold:
                text = f"<strong>{text}</strong>"
            if s.key is not None:
                href = f"#def-{escape(s.key)}"
                text = f'<a class="fig" href="{href}" data-key="{escape(s.key)}">{text}</a>'
                if s.ref and s.key in refs:
                    text += f'<sup class="ref"><a href="{href}">{refs[s.key]}</a></sup>'
            parts.append(text)
        return Markup("".join(parts))

    env.filters["md"] = _md_line
    env.filters["cell"] = _cell
    env.filters["html_line"] = html_line
    return env


def _css() -> str:
    return (resources.files("kechuang.reports") / "templates" / "report.css").read_text("utf-8")


# ---------------------------------------------------------------- md / html


def write_md(chapter: Chapter, out: Path) -> Path:
    """Write the chapter as Markdown to ``out`` and its charts to ``<stem>_charts/*.svg``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    chart_dir = f"{out.stem}_charts"
    if chapter.charts:
        (out.parent / chart_dir).mkdir(exist_ok=True)
        for chart in chapter.charts:
            (out.parent / chart_dir / f"{chart.chart_id}.svg").write_text(
                chart.svg + "\n", encoding="utf-8"
            )
    env = _environment(chapter.figure_refs())
    text = env.get_template("chapter.md.j2").render(
        ch=chapter, t=_labels(chapter.lang), chart_dir=chart_dir
    )
    out.write_text(_squeeze_blank_lines(text), encoding="utf-8")
    return out


def _squeeze_blank_lines(text: str) -> str:
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() and lines and not lines[-1].strip():
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"


def html_text(chapter: Chapter) -> str:
    """The chapter as one self-contained HTML document."""
    env = _environment(chapter.figure_refs())
    return env.get_template("chapter.html.j2").render(
        ch=chapter, t=_labels(chapter.lang), css=Markup(_css())
    )


def write_html(chapter: Chapter, out: Path) -> Path:
    """Write the chapter as a self-contained HTML file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_text(chapter), encoding="utf-8")
    return out


def write_pdf(chapter: Chapter, out: Path) -> Path:
    """Lay the HTML out with WeasyPrint (fonts embedded) and write the PDF."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # slow import: PDF only

    out.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html_text(chapter), base_url=str(out.parent)).write_pdf(
        str(out), uncompressed_pdf=False
    )
    return out


# ---------------------------------------------------------------- xlsx

XLSX_COLUMNS: tuple[tuple[str, Msg], ...] = (
    ("key", Msg("指标键", "key")),
    ("label_zh", Msg("指标（中文）", "label (zh)")),
    ("label_en", Msg("指标（英文）", "label (en)")),
    ("year", Msg("年度", "year")),
    ("value", Msg("数值（基本单位）", "value (base unit)")),
    ("unit", Msg("基本单位", "base unit")),
    ("printed", Msg("报告写法", "as printed")),
    ("previous", Msg("上年数值", "previous")),
    ("yoy", Msg("比上年增长（比率）", "yoy (ratio)")),
    ("definition_zh", Msg("定义（中文）", "definition (zh)")),
    ("definition_en", Msg("定义（英文）", "definition (en)")),
    ("section", Msg("章节", "section")),
    ("group", Msg("分组", "group")),
    ("segment_of", Msg("所属指标", "segment of")),
    ("product_key", Msg("产品", "product")),
    ("external", Msg("外部数据", "external")),
    ("source", Msg("来源", "source")),
    ("source_status", Msg("核实状态", "source status")),
    ("definitions_version", Msg("口径版本", "definitions version")),
    ("release_id", Msg("发布编号", "release")),
)
"""Columns of the ``indicators`` sheet: field name and header."""


def indicator_rows(release: ReleaseView, *, lang: Lang = "zh") -> list[dict[str, Any]]:
    """One tidy row per indicator for the release year (the previous year's value and the
    year-over-year ratio are columns), ordered by section and catalogue order."""
    m = release.manifest
    rows: list[dict[str, Any]] = []
    values = {v.key: v for v in release.values(m.year)}
    for d in sorted(release.definitions, key=lambda d: (d.section, d.order, d.key)):
        for y in (m.year,):
            v = values.get(d.key)
            value = None if v is None else v.value
            rows.append(
                {
                    "key": d.key,
                    "label_zh": d.label_zh,
                    "label_en": d.label_en,
                    "year": y,
                    "value": value,
                    "unit": d.unit,
                    "printed": "" if value is None else format_value(d, value, lang=lang),
                    "previous": None if v is None else v.previous,
                    "yoy": None if v is None else v.yoy,
                    "definition_zh": d.formula_zh,
                    "definition_en": d.formula_en,
                    "section": d.section,
                    "group": d.group,
                    "segment_of": d.segment_of or "",
                    "product_key": d.product_key or "",
                    "external": d.external,
                    "source": (v.source if v else None) or "",
                    "source_status": (v.source_status if v else None) or "",
                    "definitions_version": d.definitions_version or m.definitions_version,
                    "release_id": m.release_id,
                }
            )
    return rows


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        # openpyxl writes Decimal as a number; keep integers integral.
        return int(value) if value == value.to_integral_value() else value
    return value


def write_xlsx(release: ReleaseView, chapter: Chapter, out: Path) -> Path:
    """Write the tidy ``indicators`` table and the ``about`` sheet."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lang = chapter.lang
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "indicators"
    headers = [h.text(lang) for _, h in XLSX_COLUMNS]
    ws.append(headers)
    ws.append([f for f, _ in XLSX_COLUMNS])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[2]:
        cell.font = Font(italic=True, color="777777")
    for row in indicator_rows(release, lang=lang):
        ws.append([_xlsx_value(row[f]) for f, _ in XLSX_COLUMNS])
    widths = {"key": 30, "label_zh": 30, "label_en": 36, "definition_zh": 50, "definition_en": 50}
    for i, (f, _) in enumerate(XLSX_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(f, 14)
    ws.freeze_panes = "B3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(XLSX_COLUMNS))}{ws.max_row}"

    about = wb.create_sheet("about")
    about.append([chapter.title])
    about["A1"].font = Font(bold=True, size=13)
    for label, value in chapter.front:
        about.append([label, value])
    for notice in chapter.notices:
        about.append([notice])
        about.cell(about.max_row, 1).font = Font(bold=True, color="C55A11")
        about.cell(about.max_row, 1).alignment = Alignment(wrap_text=False)
    about.column_dimensions["A"].width = 22
    about.column_dimensions["B"].width = 40
    if chapter.externals:
        about.append([])
        about.append([_LABELS["externals"].text(lang)])
        about.cell(about.max_row, 1).font = bold
        about.append(
            [
                _LABELS[k].text(lang)
                for k in ("key", "year", "value", "source", "published", "status", "note")
            ]
        )
        for e in chapter.externals:
            about.append([e.key, e.year, e.value, e.source, e.published_on, e.status, e.note])
    wb.save(out)
    return out


# ---------------------------------------------------------------- entry points


def render(release: ReleaseView, *, fmt: str, lang: str = "zh", out: Path | str) -> Path:
    """Render the chapter of ``release`` as ``fmt`` (md, html, xlsx, pdf) in ``lang`` to ``out``.

    Returns the path written. Raises ``ValueError`` for an unknown format or language.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; zh or en")
    language: Lang = "en" if lang == "en" else "zh"
    path = Path(out)
    chapter = build_chapter(release, lang=language)
    if fmt == "md":
        return write_md(chapter, path)
    if fmt == "html":
        return write_html(chapter, path)
    if fmt == "xlsx":
        return write_xlsx(release, chapter, path)
    return write_pdf(chapter, path)


def render_all(
    release: ReleaseView,
    out_dir: Path | str,
    langs: Iterable[str] = LANGS,
    formats: Iterable[str] = FORMATS,
) -> list[Path]:
    """Write every format in every language as ``<out_dir>/report-<release>-<lang>.<ext>``."""
    directory = Path(out_dir)
    stem = f"report-{release.manifest.release_id}"
    return [
        render(release, fmt=fmt, lang=lang, out=directory / f"{stem}-{lang}.{fmt}")
        for lang in langs
        for fmt in formats
    ]
