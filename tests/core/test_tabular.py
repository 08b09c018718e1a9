"""Tests of kechuang.core.tabular: reading user spreadsheets and writing templates/reports."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from kechuang.core.errors import ImportRejected, Issue, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.tabular import (
    ISSUE_COLUMNS,
    RawRow,
    detect_encoding,
    read_table,
    write_csv,
    write_issues,
    write_xlsx,
)

ENTERPRISES = "统一社会信用代码,企业名称,注册资本\n91110000100000000A,北京科创有限公司,100\n"


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rejected(path: Path, **kwargs: str) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        read_table(path, **kwargs)
    return info.value


def rules(exc: ImportRejected) -> list[str]:
    return [i.rule for i in exc.issues]


# ---------------------------------------------------------------- CSV encodings


def test_utf8_csv(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "enterprises.csv", ENTERPRISES))
    assert table.file == "enterprises.csv"
    assert table.format == "csv"
    assert table.encoding == "utf-8"
    assert table.headers == ("统一社会信用代码", "企业名称", "注册资本")
    assert table.rows == (RawRow(2, ("91110000100000000A", "北京科创有限公司", "100")),)


def test_utf8_bom_csv(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "e.csv", ENTERPRISES, "utf-8-sig"))
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "统一社会信用代码"  # no BOM left on the first header


def test_gbk_csv(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "e.csv", ENTERPRISES, "gbk"))
    assert table.encoding == "gbk"
    assert table.headers == ("统一社会信用代码", "企业名称", "注册资本")
    assert table.rows[0].values[1] == "北京科创有限公司"


def test_gb18030_only_characters(tmp_path: Path) -> None:
    # "𠀀" (U+20000) exists in GB18030 but not in GBK.
    table = read_table(write_text(tmp_path / "e.csv", "名称\n𠀀科技\n", "gb18030"))
    assert table.encoding == "gb18030"
    assert table.rows[0].values == ("𠀀科技",)


def test_detect_encoding() -> None:
    assert detect_encoding(b"a,b\n1,2\n") == "utf-8"
    assert detect_encoding("名称".encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding("名称".encode("gbk")) == "gbk"


def test_undecodable_bytes_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,value\nok,1\n\xff\xfe\xfa,2\n")
    exc = rejected(path)
    assert rules(exc) == ["file.encoding"]
    issue = exc.issues[0]
    assert issue.file == "bad.csv"
    assert "GBK" in issue.message.zh
    assert "UTF-8" in issue.message.zh
    assert "GBK" in issue.message.en
    assert "line 3" in issue.message.en
    with pytest.raises(ImportRejected):
        detect_encoding(b"\xff\xff")


def test_utf16_rejected(tmp_path: Path) -> None:
    exc = rejected(write_text(tmp_path / "u.txt", "名称\t金额\n", "utf-16"))
    assert rules(exc) == ["file.encoding"]
    assert "UTF-16" in exc.issues[0].message.en


# ---------------------------------------------------------------- CSV structure


def test_empty_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert rules(rejected(path)) == ["file.empty"]
    assert rules(rejected(write_text(tmp_path / "blank.csv", "\n , \n\n"))) == ["file.empty"]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "h.csv", "名称,金额\n"))
    assert table.headers == ("名称", "金额")
    assert table.rows == ()


def test_blank_rows_skipped_and_numbers_kept(tmp_path: Path) -> None:
    text = "\n名称,金额\n甲,1\n\n , \n乙,2\n"
    table = read_table(write_text(tmp_path / "b.csv", text))
    assert table.headers == ("名称", "金额")
    assert [(r.row, r.values) for r in table.rows] == [(3, ("甲", "1")), (6, ("乙", "2"))]


def test_comment_rows_skipped(tmp_path: Path) -> None:
    text = "名称,金额\n# 必填，文本,# 万元\n甲,1\n#N/A,2\n"
    table = read_table(write_text(tmp_path / "c.csv", text))
    # "#N/A" is an Excel error value in data, not a comment.
    assert [(r.row, r.values) for r in table.rows] == [(3, ("甲", "1")), (4, ("#N/A", "2"))]


def test_values_and_headers_stripped(tmp_path: Path) -> None:
    text = "\u3000名称 ,\ufeff金额\u200b\n  甲\u3000, 1 \n"
    table = read_table(write_text(tmp_path / "s.csv", text))
    assert table.headers == ("名称", "金额")
    assert table.rows[0].values == ("甲", "1")


def test_quoted_fields_with_commas_and_newlines(tmp_path: Path) -> None:
    text = '名称,地址,备注\n甲,"北京市,海淀区","第一行\n第二行"\n乙,上海,无\n'
    table = read_table(write_text(tmp_path / "q.csv", text))
    assert table.rows[0].values == ("甲", "北京市,海淀区", "第一行\n第二行")
    # Rows count records, not physical lines.
    assert [r.row for r in table.rows] == [2, 3]


def test_short_rows_padded(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "p.csv", "a,b,c\n1\n1,2\n"))
    assert [r.values for r in table.rows] == [("1", "", ""), ("1", "2", "")]


def test_trailing_empty_cells_allowed(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "t.csv", "a,b,,\n1,2,,\n3,4, ,\n"))
    assert table.headers == ("a", "b")
    assert [r.values for r in table.rows] == [("1", "2"), ("3", "4")]


def test_long_rows_rejected(tmp_path: Path) -> None:
    exc = rejected(write_text(tmp_path / "l.csv", "a,b\n1,2\n3,4,5\n6,7,,8\n"))
    assert rules(exc) == ["file.extra_cells", "file.extra_cells"]
    assert [(i.row, i.column, i.value) for i in exc.issues] == [(3, "C", "5"), (4, "D", "8")]
    assert "2 problems" in exc.message.en


def test_duplicate_headers_rejected(tmp_path: Path) -> None:
    exc = rejected(write_text(tmp_path / "d.csv", "名称,金额, 名称 \n甲,1,乙\n"))
    assert rules(exc) == ["file.duplicate_header"]
    issue = exc.issues[0]
    assert (issue.row, issue.column) == (1, "名称")
    assert "1 (A)" in issue.message.en
    assert "3 (C)" in issue.message.en
    assert "名称" in issue.message.zh


def test_blank_header_over_data_rejected(tmp_path: Path) -> None:
    exc = rejected(write_text(tmp_path / "bh.csv", "a,,c\n1,,3\n4,5,6\n"))
    assert rules(exc) == ["file.blank_header"]
    assert (exc.issues[0].row, exc.issues[0].column) == (3, "B")


def test_blank_header_over_empty_column_allowed(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "be.csv", "a,,c\n1,,3\n"))
    assert table.headers == ("a", "", "c")
    assert table.rows[0].values == ("1", "", "3")
    assert list(table.records()) == [(2, {"a": "1", "c": "3"})]


def test_tab_delimited(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "t.txt", "名称\t金额\n甲,乙\t1\n"))
    assert table.headers == ("名称", "金额")
    assert table.rows[0].values == ("甲,乙", "1")


def test_semicolon_delimited(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "s.csv", "name;amount\nx;1\n"))
    assert table.headers == ("name", "amount")


def test_missing_file_rejected(tmp_path: Path) -> None:
    exc = rejected(tmp_path / "nope.csv")
    assert rules(exc) == ["file.not_found"]
    assert exc.issues[0].file == "nope.csv"


def test_display_name(tmp_path: Path) -> None:
    path = write_text(tmp_path / "upload-1234.csv", "a\n1\n")
    assert read_table(path, display_name="企业.csv").file == "企业.csv"
    exc = rejected(write_text(tmp_path / "x.csv", "a,a\n"), display_name="企业.csv")
    assert exc.issues[0].file == "企业.csv"


# ---------------------------------------------------------------- XLSX


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_xlsx(
        path,
        ["企业名称", "成立日期", "员工人数", "注册资本", "公式"],
        [
            [" 北京科创 ", date(2020, 5, 17), 120, 1000.5, "=1+1"],
            [None, None, None, None, None],
            ["上海科创", datetime(2021, 1, 2, 3, 4, 5), 0, Decimal("2.5"), None],
        ],
        comment_rows=[["# 必填", "# 日期", "# 整数", "# 万元", ""]],
        extra_sheets={"说明 Guide": [["字段", "说明"], ["企业名称", "必填"]]},
    )
    table = read_table(path)
    assert table.format == "xlsx"
    assert table.encoding is None
    assert table.headers == ("企业名称", "成立日期", "员工人数", "注册资本", "公式")
    assert [r.row for r in table.rows] == [3, 5]  # header 1, comment row 2, blank row 4
    first, second = table.rows
    assert first.values[0] == "北京科创"
    assert isinstance(first.values[1], date)
    assert first.values[1] == datetime(2020, 5, 17)  # openpyxl reads dates as datetimes
    assert first.values[2] == 120
    assert type(first.values[2]) is int
    assert first.values[3] == 1000.5
    assert first.values[4] == "=1+1"  # written as text, never as a formula
    assert second.values[1] == datetime(2021, 1, 2, 3, 4, 5)
    assert second.values[2] == 0  # zero is data, not blank
    assert second.values[4] is None

    guide = read_table(path, sheet="说明 Guide")
    assert guide.headers == ("字段", "说明")
    assert guide.rows[0].values == ("企业名称", "必填")


def test_xlsx_styles(tmp_path: Path) -> None:
    path = tmp_path / "styled.xlsx"
    write_xlsx(
        path,
        ["统一社会信用代码", "name"],
        [["x", "y"]],
        comment_rows=[["# 18 位", "# text"]],
        sheet_title="企业 Enterprises",
    )
    wb = load_workbook(path)
    try:
        ws = wb["企业 Enterprises"]
        assert ws.freeze_panes == "A3"
        assert ws["A1"].font.b
        assert ws["A1"].fill.fill_type == "solid"
        assert ws["A2"].font.i
        assert ws.column_dimensions["A"].width == 18  # 8 CJK characters × 2 + 2
        assert ws.column_dimensions["B"].width == 8  # minimum width
    finally:
        wb.close()


def test_xlsx_short_rows_padded_with_none(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["a", "b", "c"])
    ws.append([1])
    ws.append([None, None, None, None, None])
    ws.append(["#comment", 9, 9])
    ws.append([True, None, " x "])
    wb.save(path)
    table = read_table(path)
    assert [(r.row, r.values) for r in table.rows] == [(2, (1, None, None)), (5, (True, None, "x"))]


def test_xlsx_extra_cells_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    write_xlsx(path, ["a", "b"], [[1, 2], [3, 4, None, "extra"]])
    exc = rejected(path)
    assert rules(exc) == ["file.extra_cells"]
    assert (exc.issues[0].row, exc.issues[0].column, exc.issues[0].value) == (3, "D", "extra")


def test_xlsx_empty_sheet_rejected(tmp_path: Path) -> None:
    path = tmp_path / "e.xlsx"
    write_xlsx(path, [], [])
    assert rules(rejected(path)) == ["file.empty"]


def test_xlsx_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    write_xlsx(path, ["a"], [[1]], sheet_title="企业", extra_sheets={"说明": [["x"]]})
    exc = rejected(path, sheet="专利")
    assert rules(exc) == ["file.sheet_not_found"]
    assert "企业" in exc.issues[0].message.zh
    assert "说明" in exc.issues[0].message.en
    assert read_table(path, sheet=" 说明 ").headers == ("x",)  # lenient unique match


def test_xlsx_sniffed_by_content(tmp_path: Path) -> None:
    path = tmp_path / "data.upload"
    write_xlsx(tmp_path / "data.xlsx", ["a"], [[1]])
    path.write_bytes((tmp_path / "data.xlsx").read_bytes())
    table = read_table(path)
    assert table.format == "xlsx"
    assert table.rows[0].values == (1,)


def test_xls_rejected(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    exc = rejected(path)
    assert rules(exc) == ["file.format"]
    assert ".xlsx" in exc.issues[0].message.zh
    assert ".xlsx" in exc.issues[0].message.en
    path = tmp_path / "other.xls"
    path.write_bytes(b"a\tb\n1\t2\n")
    assert rules(rejected(path)) == ["file.format"]


def test_broken_xlsx_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 definitely not a zip")
    assert rules(rejected(path)) == ["file.format"]
    path = tmp_path / "text.xlsx"
    path.write_text("a,b\n", encoding="utf-8")
    assert rules(rejected(path)) == ["file.format"]


# ---------------------------------------------------------------- writers


def test_write_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["名称", "日期", "金额"], [["甲,乙", date(2024, 1, 31), 1.5], ["丙", None, 2]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read_table(path)
    assert table.encoding == "utf-8-sig"
    assert [r.values for r in table.rows] == [("甲,乙", "2024-01-31", "1.5"), ("丙", "", "2")]


ISSUES = [
    Issue(
        rule="import.required",
        message=Msg("必填", "required"),
        file="e.csv",
        row=7,
        column="企业名称",
        value="",
    ),
    Issue(
        rule="uscc.check_char",
        message=Msg("校验码错误", "bad check character"),
        file="e.csv",
        row=8,
        column="统一社会信用代码",
        value="=HYPERLINK(1)",
        severity="warning",
    ),
]


def test_write_issues_csv(tmp_path: Path) -> None:
    path = tmp_path / "errors.csv"
    write_issues(path, ISSUES)
    table = read_table(path)
    assert table.headers == ISSUE_COLUMNS
    assert table.rows[0].values == (
        "error",
        "e.csv",
        "7",
        "企业名称",
        "",
        "import.required",
        "必填",
        "required",
    )
    assert table.rows[1].values[4] == "'=HYPERLINK(1)"  # defused for Excel


def test_write_issues_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "errors.xlsx"
    write_issues(path, ISSUES)
    table = read_table(path)
    assert table.headers == ISSUE_COLUMNS
    assert table.rows[0].values[:4] == ("error", "e.csv", 7, "企业名称")
    assert table.rows[1].values[0] == "warning"
    assert table.rows[1].values[4] == "=HYPERLINK(1)"  # text, not a formula
    assert table.rows[1].values[6:] == ("校验码错误", "bad check character")


def test_write_issues_json(tmp_path: Path) -> None:
    path = tmp_path / "errors.json"
    write_issues(path, ISSUES)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == [i.as_dict() for i in ISSUES]
    assert "必填" in path.read_text(encoding="utf-8")  # not \u-escaped


def test_write_issues_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        write_issues(tmp_path / "errors.txt", ISSUES)
