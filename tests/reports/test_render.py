"""Rendering in every format and language: Markdown with SVG charts, self-contained HTML whose
figures link to their definitions, the tidy XLSX table, and a PDF with embedded CJK fonts whose
text holds the Chinese headings and figures."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.reports import FORMATS, render, render_all
from kechuang.reports.chapter import build_chapter
from tests.reports.fake import DEFINITIONS, FakeRelease


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.figures: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("class") == "fig":
            self.figures.append(str(a["href"]))
        if tag == "svg":
            self.svgs += 1


def test_markdown_with_chart_files(tmp_path: Path) -> None:
    out = render(FakeRelease(), fmt="md", lang="zh", out=tmp_path / "r.md")
    text = out.read_text("utf-8")
    assert text.startswith("# 第七章 科技金融与知识产权（2023年）")
    assert "## 7.1 科技金融服务体系持续完善" in text
    assert "### » 金融支持科技创新持续深入" in text
    assert "#### 科技型企业贷款持续增长" in text
    assert "- **成立科创金融联盟**，加强联动协同" in text
    assert "本报告中的数据为合成（虚构）的演示数据" in text
    assert "| 1 | `sci_tech_loan_borrowers` | 科技型企业贷款存量户数 |" in text
    charts = sorted((tmp_path / "r_charts").glob("*.svg"))
    assert [c.name for c in charts] == [
        "chart-credit-products.svg",
        "chart-loans-1.svg",
        "chart-loans-2.svg",
        "chart-patents.svg",
    ]
    for c in charts:
        assert f"](r_charts/{c.name})" in text
        root = ET.fromstring(c.read_text("utf-8"))  # well-formed SVG
        assert root.tag.endswith("svg") and root.findall(".//{http://www.w3.org/2000/svg}rect")
    # deterministic: same release, same bytes
    again = render(FakeRelease(), fmt="md", lang="zh", out=tmp_path / "again.md")
    assert again.read_text("utf-8") == text.replace("r_charts/", "again_charts/")
    assert (tmp_path / "again_charts" / "chart-loans-2.svg").read_bytes() == (
        tmp_path / "r_charts" / "chart-loans-2.svg"
    ).read_bytes()


def test_html_figures_link_to_their_definitions(tmp_path: Path) -> None:
    out = render(FakeRelease(), fmt="html", lang="zh", out=tmp_path / "r.html")
    html = out.read_text("utf-8")
    parser = _Links()
    parser.feed(html)
    assert len(parser.figures) > 20
    assert all(href.startswith("#def-") and href[1:] in parser.ids for href in parser.figures)
    assert parser.svgs == 4  # charts inline
    assert '<a class="fig" href="#def-sci_tech_loan_borrowers"' in html
    assert "2.99 万户</a><sup" in html
    assert "<strong>成立科创金融联盟</strong>" in html
    assert '<html lang="zh-CN">' in html
    en = render(FakeRelease(), fmt="html", lang="en", out=tmp_path / "en.html").read_text("utf-8")
    assert '<html lang="en">' in en and "SYNTHETIC" in en


def test_xlsx_is_one_tidy_table_with_definitions(tmp_path: Path) -> None:
    out = render(FakeRelease(), fmt="xlsx", lang="zh", out=tmp_path / "r.xlsx")
    wb = load_workbook(out)
    ws = wb["indicators"]
    rows = list(ws.iter_rows(values_only=True))
    fields = list(rows[1])
    assert fields[:9] == [
        "key", "label_zh", "label_en", "year", "value", "unit", "printed", "previous", "yoy",
    ]  # fmt: skip
    data = [dict(zip(fields, r, strict=True)) for r in rows[2:]]
    assert len(data) == len(DEFINITIONS)
    by_key = {r["key"]: r for r in data}
    balance = by_key["sci_tech_loan_balance"]
    assert balance["value"] == 1048631000000 and balance["printed"] == "10486.31 亿元"
    assert balance["previous"] == 689248000000 and str(balance["yoy"]) == "0.5214"
    assert balance["definition_zh"] == "科技型企业贷款余额的口径（测试）"
    assert balance["section"] == "7.1.2" and balance["year"] == 2023
    assert by_key["resident_population"]["source_status"] == "unconfirmed"
    about = [r for r in wb["about"].iter_rows(values_only=True) if r and r[0]]
    assert ("发布编号", "2023-test") in [tuple(r[:2]) for r in about]
    assert any("合成" in str(r[0]) for r in about)


@pytest.mark.slow
def test_pdf_embeds_cjk_fonts_and_holds_headings_and_figures(tmp_path: Path) -> None:
    out = render(FakeRelease(), fmt="pdf", lang="zh", out=tmp_path / "r.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    pdftotext, pdffonts = shutil.which("pdftotext"), shutil.which("pdffonts")
    assert pdftotext and pdffonts, "poppler-utils (pdftotext, pdffonts) is required"
    text = subprocess.run(
        [pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    for needle in (
        "7.1科技金融服务体系持续完善",
        "»金融支持科技创新持续深入",
        "科技型企业贷款持续增长",
        "7.2知识产权创造、运用、保护、管理水平全面提升",
        "实施专利转化专项计划",
        "加强创新主体能力建设",
        "2.99万户",
        "10486.31亿元",
        "49.99%",
        "92.70%",
        "50.2件",
        "合成（虚构）",
    ):
        assert needle in flat, needle
    fonts = subprocess.run(
        [pdffonts, str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    cjk = [f for f in fonts if "CJK" in f]
    assert cjk and all(" yes " in f for f in cjk)  # embedded (and subset)


@pytest.mark.slow
def test_render_all_writes_every_format_in_both_languages(tmp_path: Path) -> None:
    paths = render_all(FakeRelease(), tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"report-2023-test-{lang}.{fmt}" for lang in ("zh", "en") for fmt in FORMATS
    )
    assert all(p.stat().st_size > 0 for p in paths)


def test_bad_format_or_language(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        render(FakeRelease(), fmt="docx", out=tmp_path / "x")
    with pytest.raises(ValueError, match="language"):
        render(FakeRelease(), fmt="md", lang="fr", out=tmp_path / "x")


def test_cli_report_renders_a_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kechuang.indicators.releases as releases

    seen: list[object] = []

    def fake_open(release_id: str, root: Path | None = None) -> FakeRelease:
        seen.append((release_id, root))
        release = FakeRelease()
        release.manifest = dataclasses.replace(release.manifest, release_id=release_id)
        return release

    monkeypatch.setattr(releases, "open_release", fake_open)
    out = tmp_path / "chapter.md"
    result = CliRunner().invoke(
        app, ["report", "--release", "2023-r9", "--format", "md", "--lang", "en", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert seen == [("2023-r9", None)]
    assert "- Release: 2023-r9" in out.read_text("utf-8")
    assert build_chapter(FakeRelease(), lang="en").title in out.read_text("utf-8")
