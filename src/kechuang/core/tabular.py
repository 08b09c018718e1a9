"""Read users' spreadsheets (CSV and XLSX) and write templates and error reports.

This is the single place where kechuang opens a user's table. Every import goes through
:func:`read_table`, which turns a file into a :class:`RawTable`: the header cells as written
and the data rows with their spreadsheet row numbers. It does not interpret values; the
import layer maps headers to fields and parses values, and reports problems against the
row numbers kept here.

Reading rules:

* The format is chosen by the file's content when it is unmistakable (a ZIP container is
  XLSX, an OLE2 container is an old ``.xls`` or an encrypted workbook) and otherwise by the
  suffix: ``.csv``, ``.tsv``, ``.txt`` and unknown suffixes are read as CSV; ``.xlsx``,
  ``.xlsm``, ``.xltx`` and ``.xltm`` as XLSX; ``.xls``, ``.xlsb``, ``.ods``, ``.et`` and
  ``.numbers`` are rejected with a request to save the file as ``.xlsx``.
* CSV text may be UTF-8 (with or without BOM) or GBK/GB18030; see :func:`detect_encoding`.
  The delimiter is a comma, unless the header line has no comma but tabs (or semicolons).
* The header row is the first non-blank row. Blank rows are skipped everywhere. A data row
  whose first cell starts with ``#`` is a comment (templates put a ``# ...`` description row
  under the headers) and is skipped; Excel error literals such as ``#N/A`` are not comments.
* Rows are padded to the header's width; cells beyond the last header must be empty.

Problems that make the whole file unusable raise
:class:`~kechuang.core.errors.ImportRejected` whose issues carry a stable rule name
(``file.not_found``, ``file.unreadable``, ``file.format``, ``file.encoding``, ``file.empty``,
``file.sheet_not_found``, ``file.duplicate_header``, ``file.blank_header``,
``file.extra_cells``), the file's display name, and where known the row and column.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from kechuang.core.errors import ImportRejected, Issue, ValidationError
from kechuang.core.i18n import Msg

__all__ = [
    "ISSUE_COLUMNS",
    "RawRow",
    "RawTable",
    "detect_encoding",
    "read_table",
    "write_csv",
    "write_issues",
    "write_xlsx",
]

TableFormat = Literal["csv", "xlsx"]

#: What :func:`write_xlsx` hands to openpyxl for one cell (``bool`` is an ``int``).
_XlsxValue = str | int | float | Decimal | datetime | date | time | timedelta | None

#: Columns of an error report written by :func:`write_issues`, in order.
ISSUE_COLUMNS: tuple[str, ...] = (
    "severity",
    "file",
    "row",
    "column",
    "value",
    "rule",
    "message_zh",
    "message_en",
)

_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
_UNSUPPORTED_SUFFIXES = frozenset({".xls", ".xlsb", ".ods", ".et", ".numbers"})

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

#: Excel error literals: a first cell holding one of these is data, not a comment.
_EXCEL_ERRORS = frozenset(ERROR_CODES) | {"#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!"}

#: Invisible characters that editors leave around header text (BOM, zero-width spaces).
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_COMMENT_FONT = Font(italic=True, color="FF808080")

_MIN_WIDTH = 8
_MAX_AUTO_WIDTH = 50
_MAX_EXTRA_SHEET_WIDTH = 80

# ---------------------------------------------------------------- messages

_M_NOT_FOUND = Msg("找不到文件：{path}", "File not found: {path}")
_M_UNREADABLE = Msg("无法读取文件 {file}：{reason}", "Cannot read file {file}: {reason}")
_M_OLD_FORMAT = Msg(
    "不支持 {kind} 格式的文件 {file}。请在 Excel 或 WPS 中打开并“另存为” Excel 工作簿（.xlsx）"
    "或 CSV UTF-8（逗号分隔）后再导入。",
    "{file} is in the {kind} format, which is not supported. Open it in Excel or WPS and "
    "use “Save As” Excel Workbook (.xlsx) or CSV UTF-8 (comma delimited), then import again.",
)
_M_OLE2 = Msg(
    "文件 {file} 是旧版 Excel 97-2003 工作簿（.xls）或已加密的工作簿，无法读取。"
    "请去掉密码并“另存为” Excel 工作簿（.xlsx）后再导入。",
    "{file} is an old Excel 97-2003 workbook (.xls) or a password-protected workbook and "
    "cannot be read. Remove the password and “Save As” Excel Workbook (.xlsx), then import "
    "again.",
)
_M_NOT_XLSX = Msg(
    "文件 {file} 的扩展名是 {suffix}，但内容不是 Excel 工作簿。请用 Excel 打开后“另存为” .xlsx。",
    "{file} has the suffix {suffix} but is not an Excel workbook. Open it in Excel and "
    "“Save As” .xlsx.",
)
_M_BAD_XLSX = Msg(
    "无法读取 Excel 文件 {file}，文件可能已损坏：{reason}",
    "Cannot read the Excel file {file}; it may be damaged: {reason}",
)
_M_BAD_CSV = Msg(
    "无法解析 CSV 文件 {file} 第 {row} 行附近：{reason}",
    "Cannot parse the CSV file {file} near row {row}: {reason}",
)
_M_ENCODING = Msg(
    "无法识别文件 {file} 的编码：已尝试 UTF-8（含 BOM）、UTF-8、GBK/GB18030，"
    "第 {line} 行有无法解码的字节 {bytes}。请在 Excel 中“另存为” CSV UTF-8（逗号分隔）。",
    "Cannot detect the text encoding of {file}: tried UTF-8 with BOM, UTF-8 and GBK/GB18030; "
    "line {line} has undecodable bytes {bytes}. In Excel, “Save As” CSV UTF-8 (comma "
    "delimited).",
)
_M_BAD_BOM = Msg(
    "文件 {file} 以 UTF-8 BOM 开头，但第 {line} 行有不是 UTF-8 的字节 {bytes}。"
    "请在 Excel 中“另存为” CSV UTF-8（逗号分隔）。",
    "{file} starts with a UTF-8 BOM but line {line} has bytes {bytes} that are not UTF-8. "
    "In Excel, “Save As” CSV UTF-8 (comma delimited).",
)
_M_UTF16 = Msg(
    "文件 {file} 是 UTF-16（“Unicode 文本”）编码，不受支持；支持 UTF-8（含 BOM）、UTF-8、"
    "GBK/GB18030。请在 Excel 中“另存为” CSV UTF-8（逗号分隔）。",
    "{file} is UTF-16 (“Unicode Text”), which is not supported; supported encodings are "
    "UTF-8 with BOM, UTF-8 and GBK/GB18030. In Excel, “Save As” CSV UTF-8 (comma delimited).",
)
_M_BINARY = Msg(
    "文件 {file} 含有空字节（0x00），不是文本表格；已尝试 UTF-8（含 BOM）、UTF-8、GBK/GB18030。"
    "请在 Excel 中“另存为” CSV UTF-8（逗号分隔）或 .xlsx。",
    "{file} contains NUL bytes (0x00) and is not a text table; tried UTF-8 with BOM, UTF-8 "
    "and GBK/GB18030. In Excel, “Save As” CSV UTF-8 (comma delimited) or .xlsx.",
)
_M_EMPTY = Msg(
    "文件 {file} 是空的：没有找到表头行。",
    "{file} is empty: no header row was found.",
)
_M_NO_SHEETS = Msg(
    "Excel 文件 {file} 中没有工作表。",
    "The Excel file {file} has no worksheet.",
)
_M_SHEET_NOT_FOUND = Msg(
    "Excel 文件 {file} 中没有名为“{sheet}”的工作表；现有工作表：{available}。",
    "The Excel file {file} has no sheet named '{sheet}'; available sheets: {available}.",
)
_M_NOT_WORKSHEET = Msg(
    "Excel 文件 {file} 中的“{sheet}”是图表页，不是数据工作表。",
    "'{sheet}' in the Excel file {file} is a chart sheet, not a worksheet.",
)
_M_DUPLICATE_HEADER = Msg(
    "表头“{name}”重复：第 {first} 列和第 {second} 列。每个列名只能出现一次。",
    "Duplicate header '{name}' in column {first} and column {second}; "
    "each header may appear only once.",
)
_M_BLANK_HEADER = Msg(
    "第 {col} 列没有表头，但第 {row} 行在该列有数据。请补上列名或删除该列的数据。",
    "Column {col} has no header but row {row} has data in it. Add a header or clear the column.",
)
_M_EXTRA_CELLS = Msg(
    "第 {row} 行在第 {col} 列有数据（“{value}”），超出了表头范围（共 {width} 列）。"
    "请检查是否多了分隔符或漏了列名。",
    "Row {row} has data in column {col} ('{value}'), beyond the {width} header columns. "
    "Check for a stray delimiter or a missing header.",
)
_M_MANY = Msg(
    "文件 {file} 有 {count} 处问题，第一处：{first}",
    "{file} has {count} problems; the first: {first}",
)
_M_REPORT_SUFFIX = Msg(
    "不支持的报告格式“{suffix}”：请使用 .csv、.xlsx 或 .json。",
    "Unsupported report format '{suffix}': use .csv, .xlsx or .json.",
)


# ---------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row as read from the file.

    Attributes:
        row: the row number as a spreadsheet shows it (the header row has its own number,
            usually 1, so the first data row is usually 2). For CSV this counts records,
            so a quoted field spanning lines does not shift later rows.
        values: one value per header column. CSV: stripped strings (``""`` for empty).
            XLSX: cell values as openpyxl gives them, strings stripped (``str``, ``int``,
            ``float``, ``bool``, ``datetime``/``date``/``time``/``timedelta`` or ``None``).
    """

    row: int
    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class RawTable:
    """A spreadsheet read by :func:`read_table`, values not yet interpreted.

    Attributes:
        file: display name used in messages (the file's name, not its full path).
        format: ``csv`` or ``xlsx``.
        encoding: the detected CSV encoding (``utf-8-sig``, ``utf-8``, ``gbk`` or
            ``gb18030``); ``None`` for XLSX.
        headers: header cells as written, stripped (full-width spaces too); an empty
            header cell is ``""``. Trailing empty header cells are dropped.
        rows: data rows in file order, without blank rows and comment rows.
    """

    file: str
    format: TableFormat
    encoding: str | None
    headers: tuple[str, ...]
    rows: tuple[RawRow, ...]

    def records(self) -> Iterator[tuple[int, dict[str, object]]]:
        """Yield ``(row number, {header: value})`` for each row, skipping unnamed columns."""
        named = [(i, h) for i, h in enumerate(self.headers) if h]
        for raw in self.rows:
            values = raw.values
            yield raw.row, {h: values[i] for i, h in named}


# ---------------------------------------------------------------- reading


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    display_name: str | None = None,
) -> RawTable:
    """Read a CSV or XLSX file into a :class:`RawTable`.

    Args:
        path: the file to read.
        sheet: XLSX only: the worksheet to read (default: the first worksheet). An exact
            name is preferred; otherwise a unique case- and space-insensitive match is used.
            Ignored for CSV.
        display_name: the name to use in messages and issues (default: the file's name).

    Returns:
        The header and data rows; a file with a header row but no data rows gives zero
        rows.

    Raises:
        ImportRejected: the file is missing, unreadable, in an unsupported format or
            encoding, empty, or its header or row structure is broken. Every issue names
            the rule broken and, where known, the row and column.
    """
    p = Path(path)
    name = display_name if display_name is not None else p.name
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        shown = os.fspath(path) if display_name is None else name
        raise _reject("file.not_found", _M_NOT_FOUND.format(path=shown), name) from None
    except OSError as exc:
        raise _reject(
            "file.unreadable", _M_UNREADABLE.format(file=name, reason=_reason(exc)), name
        ) from exc

    suffix = p.suffix.lower()
    if head.startswith(_OLE2_MAGIC):
        raise _reject("file.format", _M_OLE2.format(file=name), name)
    if suffix in _UNSUPPORTED_SUFFIXES:
        kind = suffix if suffix != ".xls" else ".xls（Excel 97-2003）"
        raise _reject("file.format", _M_OLD_FORMAT.format(file=name, kind=kind), name)
    if head.startswith(_ZIP_MAGIC):
        return _read_xlsx(p, name, sheet)
    if suffix in _XLSX_SUFFIXES:
        if not head:
            raise _reject("file.empty", _M_EMPTY.format(file=name), name)
        raise _reject("file.format", _M_NOT_XLSX.format(file=name, suffix=suffix), name)
    return _read_csv(p, name, tab=suffix == ".tsv")


def detect_encoding(data: bytes) -> str:
    """Detect the encoding of CSV bytes.

    A UTF-8 BOM gives ``utf-8-sig``; bytes that decode as strict UTF-8 give ``utf-8``;
    otherwise ``gbk`` when they decode as GBK, else ``gb18030`` (a superset of GBK).

    Args:
        data: the whole file's bytes.

    Returns:
        A codec name accepted by :meth:`bytes.decode`.

    Raises:
        ImportRejected: rule ``file.encoding``: UTF-16, NUL bytes, or bytes that are
            neither UTF-8 nor GB18030 (the message says which encodings were tried and
            where the first bad bytes are).
    """
    return _decode(data, None)[1]


def _decode(data: bytes, name: str | None) -> tuple[str, str]:
    """Decode CSV bytes, returning ``(text, encoding)``; see :func:`detect_encoding`."""
    file = name or "-"
    if data.startswith(_UTF16_BOMS):
        raise _reject("file.encoding", _M_UTF16.format(file=file), name)
    if b"\x00" in data:
        raise _reject("file.encoding", _M_BINARY.format(file=file), name)
    if data.startswith(_UTF8_BOM):
        try:
            return data[len(_UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            pos = exc.start + len(_UTF8_BOM)
            raise _reject(
                "file.encoding", _M_BAD_BOM.format(file=file, **_where_bytes(data, pos)), name
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    try:
        return data.decode("gbk"), "gbk"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        # Point at whichever decoding got further: that is the likelier intended encoding.
        pos = max(utf8_error, exc.start)
    raise _reject("file.encoding", _M_ENCODING.format(file=file, **_where_bytes(data, pos)), name)


def _where_bytes(data: bytes, pos: int) -> dict[str, object]:
    """Line number and a hex rendering of the bytes at ``pos``, for encoding messages."""
    line = data.count(b"\n", 0, pos) + 1
    shown = " ".join(f"0x{b:02X}" for b in data[pos : pos + 4])
    return {"line": line, "bytes": shown}


def _read_csv(path: Path, name: str, *, tab: bool) -> RawTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _reject(
            "file.unreadable", _M_UNREADABLE.format(file=name, reason=_reason(exc)), name
        ) from exc
    text, encoding = _decode(data, name)
    del data
    delimiter = "\t" if tab else _sniff_delimiter(text)
    headers, rows = _assemble(_csv_records(text, delimiter, name), "", name)
    return RawTable(file=name, format="csv", encoding=encoding, headers=headers, rows=rows)


def _sniff_delimiter(text: str) -> str:
    """Comma, unless the first non-blank line has no comma but tabs or semicolons."""
    for line in io.StringIO(text):
        if not line.strip():
            continue
        if "," in line:
            return ","
        tabs, semis = line.count("\t"), line.count(";")
        if tabs and tabs >= semis:
            return "\t"
        if semis:
            return ";"
        return ","
    return ","


def _csv_records(text: str, delimiter: str, name: str) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Yield ``(record number, stripped values)`` for non-blank CSV records."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rownum = 0
    try:
        for rownum, record in enumerate(reader, start=1):
            if not record:
                continue
            values = tuple([v.strip() for v in record])
            if any(values):
                yield rownum, values
    except csv.Error as exc:
        raise _reject(
            "file.format",
            _M_BAD_CSV.format(file=name, row=rownum + 1, reason=str(exc)),
            name,
            row=rownum + 1,
        ) from exc


def _read_xlsx(path: Path, name: str, sheet: str | None) -> RawTable:
    try:
        with path.open("rb") as fh, warnings.catch_warnings():
            # openpyxl warns about features it drops (data validation extensions, missing
            # default styles, ...) in files made by Excel or WPS; none matter for reading.
            # (catch_warnings changes process-wide state; acceptable for a short read.)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")
            try:
                wb = load_workbook(fh, read_only=True, data_only=True)
            except Exception as exc:
                raise _reject(
                    "file.format", _M_BAD_XLSX.format(file=name, reason=_reason(exc)), name
                ) from exc
            try:
                ws = _pick_sheet(wb, sheet, name)
                ws.reset_dimensions()  # some writers store a wrong <dimension>; read all cells
                # The stub types iter_rows for Worksheet only; ReadOnlyWorksheet borrows it.
                cells = ws.iter_rows(values_only=True)  # type: ignore[misc]
                headers, rows = _assemble(_xlsx_records(cells), None, name)
            except ImportRejected:
                raise
            except Exception as exc:
                raise _reject(
                    "file.format", _M_BAD_XLSX.format(file=name, reason=_reason(exc)), name
                ) from exc
            finally:
                wb.close()
    except OSError as exc:
        raise _reject(
            "file.unreadable", _M_UNREADABLE.format(file=name, reason=_reason(exc)), name
        ) from exc
    return RawTable(file=name, format="xlsx", encoding=None, headers=headers, rows=rows)


def _pick_sheet(wb: Workbook, sheet: str | None, name: str) -> ReadOnlyWorksheet:
    """The requested worksheet, or the first one."""
    if sheet is None:
        sheets = wb.worksheets
        if not sheets:
            raise _reject("file.empty", _M_NO_SHEETS.format(file=name), name)
        found: object = sheets[0]
        title = sheets[0].title
    else:
        names = wb.sheetnames
        if sheet in names:
            title = sheet
        else:
            key = sheet.strip().casefold()
            matches = [n for n in names if n.strip().casefold() == key]
            if len(matches) != 1:
                available = "、".join(f"“{n}”" for n in names) or "-"
                raise _reject(
                    "file.sheet_not_found",
                    _M_SHEET_NOT_FOUND.format(file=name, sheet=sheet, available=available),
                    name,
                    value=sheet,
                )
            title = matches[0]
        found = wb[title]
    if not isinstance(found, ReadOnlyWorksheet):
        raise _reject(
            "file.format", _M_NOT_WORKSHEET.format(file=name, sheet=title), name, value=title
        )
    return found


def _xlsx_records(
    rows: Iterable[tuple[object, ...]],
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Yield ``(row number, values with strings stripped)`` for non-blank worksheet rows."""
    for rownum, row in enumerate(rows, start=1):
        if not row:
            continue
        values = tuple([v.strip() if isinstance(v, str) else v for v in row])
        for v in values:
            if v is not None and v != "":
                yield rownum, values
                break


def _assemble(
    records: Iterator[tuple[int, tuple[object, ...]]],
    fill: object,
    name: str,
) -> tuple[tuple[str, ...], tuple[RawRow, ...]]:
    """Split non-blank records into header and data rows, checking the table's shape.

    Args:
        records: ``(row number, values)`` of the non-blank rows, in order.
        fill: the value that pads short rows (``""`` for CSV, ``None`` for XLSX).
        name: display name for issues.

    Returns:
        The header cells and the data rows.

    Raises:
        ImportRejected: no header row, duplicate headers, data under a blank header or
            beyond the last header.
    """
    first = next(records, None)
    if first is None:
        raise _reject("file.empty", _M_EMPTY.format(file=name), name)
    header_row, header_values = first
    cells = [_header_text(v) for v in header_values]
    width = len(cells)
    while width and not cells[width - 1]:
        width -= 1
    headers = tuple(cells[:width])

    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        if not header:
            continue
        if header in seen:
            msg = _M_DUPLICATE_HEADER.format(name=header, first=_col(seen[header]), second=_col(i))
            issues.append(
                Issue(
                    rule="file.duplicate_header",
                    message=msg,
                    file=name,
                    row=header_row,
                    column=header,
                    value=header,
                )
            )
        else:
            seen[header] = i

    blank_columns = [i for i, h in enumerate(headers) if not h]
    blank_with_data: dict[int, tuple[int, object]] = {}
    pad = (fill,) * width
    rows: list[RawRow] = []
    append = rows.append
    for rownum, values in records:
        lead = values[0]
        if isinstance(lead, str) and lead.startswith("#") and lead not in _EXCEL_ERRORS:
            continue
        n = len(values)
        if n != width:
            if n < width:
                values = values + pad[: width - n]
            else:
                extra = _first_filled(values, width)
                if extra is not None:
                    value = _text(values[extra])
                    issues.append(
                        Issue(
                            rule="file.extra_cells",
                            message=_M_EXTRA_CELLS.format(
                                row=rownum, col=_col(extra), value=value, width=width
                            ),
                            file=name,
                            row=rownum,
                            column=get_column_letter(extra + 1),
                            value=value,
                        )
                    )
                values = values[:width]
        if blank_columns:
            for c in blank_columns:
                v = values[c]
                if c not in blank_with_data and v is not None and v != "":
                    blank_with_data[c] = (rownum, v)
        append(RawRow(rownum, values))

    for c, (rownum, v) in sorted(blank_with_data.items()):
        issues.append(
            Issue(
                rule="file.blank_header",
                message=_M_BLANK_HEADER.format(col=_col(c), row=rownum),
                file=name,
                row=rownum,
                column=get_column_letter(c + 1),
                value=_text(v),
            )
        )
    if issues:
        issues.sort(key=lambda i: i.row or 0)
        raise _rejected(issues, name)
    return headers, tuple(rows)


def _first_filled(values: tuple[object, ...], start: int) -> int | None:
    """Index of the first non-empty value at or after ``start``."""
    for i in range(start, len(values)):
        v = values[i]
        if v is not None and v != "":
            return i
    return None


def _header_text(value: object) -> str:
    """A header cell as text: stripped, invisible characters removed, ``None`` → ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date | time):
        text = value.isoformat()
    else:
        text = str(value)
    return text.strip().strip(_INVISIBLE).strip()


def _text(value: object) -> str:
    """A cell value rendered for an issue's ``value``."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _col(index: int) -> str:
    """0-based column index → ``"3 (C)"``, the same in both languages."""
    return f"{index + 1} ({get_column_letter(index + 1)})"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _reject(
    rule: str,
    message: Msg,
    name: str | None,
    *,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
) -> ImportRejected:
    """An :class:`ImportRejected` carrying one issue."""
    issue = Issue(rule=rule, message=message, file=name, row=row, column=column, value=value)
    return ImportRejected(message, issues=[issue])


def _rejected(issues: Sequence[Issue], name: str) -> ImportRejected:
    """An :class:`ImportRejected` carrying several issues, summarised by the first."""
    if len(issues) == 1:
        return ImportRejected(issues[0].message, issues=issues)
    first = issues[0].message
    message = Msg(
        _M_MANY.zh.format(file=name, count=len(issues), first=first.zh),
        _M_MANY.en.format(file=name, count=len(issues), first=first.en),
    )
    return ImportRejected(message, issues=issues)


# ---------------------------------------------------------------- writing


def write_xlsx(
    path: str | os.PathLike[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    comment_rows: Sequence[Sequence[str]] = (),
    sheet_title: str = "data",
    column_widths: Sequence[int] | None = None,
    extra_sheets: Mapping[str, Sequence[Sequence[object]]] | None = None,
) -> None:
    """Write a styled workbook: a data sheet (templates, exports, reports) plus extra sheets.

    The header row is bold on a light-blue fill; ``comment_rows`` follow it in grey italics
    (each should start with ``#`` so :func:`read_table` skips it); panes are frozen below
    them. Values are written as typed: numbers stay numbers and dates stay dates. Strings
    are always stored as text (a leading ``=`` never becomes a formula) with characters
    XLSX cannot hold removed. Timezone-aware datetimes and unsupported types are written
    as text. The workbook is streamed, so large ``rows`` iterables are fine.

    Args:
        path: the ``.xlsx`` file to create (overwritten if it exists).
        headers: the header cells.
        rows: the data rows.
        comment_rows: rows written right under the header, e.g. ``[["# 必填", ...]]``.
        sheet_title: the data sheet's title (invalid characters replaced, cut to 31).
        column_widths: widths of the first columns, in characters; by default each width
            follows its header's display length (CJK characters count double).
        extra_sheets: further sheets, title → rows, appended after the data sheet with
            column widths fitted to their content (e.g. a ``说明 Guide`` sheet).
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_title))
    widths = (
        list(column_widths)
        if column_widths is not None
        else [_clamp(_display_width(h) + 2, _MIN_WIDTH, _MAX_AUTO_WIDTH) for h in headers]
    )
    _set_widths(ws, widths)
    ws.freeze_panes = f"A{len(comment_rows) + 2}"

    ws.append([_styled(ws, h, _HEADER_FONT, _HEADER_FILL) for h in headers])
    for comment in comment_rows:
        ws.append([_styled(ws, c, _COMMENT_FONT, None) for c in comment])
    for row in rows:
        ws.append([_xlsx_value(ws, v) for v in row])

    for title, sheet_rows in (extra_sheets or {}).items():
        extra = wb.create_sheet(_sheet_title(title))
        fitted: list[int] = []
        for sheet_row in sheet_rows:
            for i, v in enumerate(sheet_row):
                w = _display_width(_text(v)) + 2 if v is not None else 0
                if i >= len(fitted):
                    fitted.append(_MIN_WIDTH)
                fitted[i] = _clamp(w, fitted[i], _MAX_EXTRA_SHEET_WIDTH)
        _set_widths(extra, fitted)
        for sheet_row in sheet_rows:
            extra.append([_xlsx_value(extra, v) for v in sheet_row])

    wb.save(os.fspath(path))


def write_csv(
    path: str | os.PathLike[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8-sig",
) -> None:
    """Write a CSV file that Excel opens correctly (UTF-8 with BOM by default).

    ``None`` is written as an empty cell, dates and datetimes in ISO form
    (``2024-01-31``, ``2024-01-31 08:30:00``), everything else with ``str``.

    Args:
        path: the file to create (overwritten if it exists).
        headers: the header cells.
        rows: the data rows.
        encoding: the text encoding; keep ``utf-8-sig`` unless a consumer needs another.
    """
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows([_csv_value(v) for v in row] for row in rows)


def write_issues(path: str | os.PathLike[str], issues: Sequence[Issue]) -> None:
    """Write an error report, in the format given by the path's suffix.

    ``.csv`` (UTF-8 with BOM) and ``.xlsx`` get the columns of :data:`ISSUE_COLUMNS`;
    in CSV, text that Excel would run as a formula (``=…``, ``@…``, non-numeric
    ``+…``/``-…``) is prefixed with ``'``. ``.json`` gets an array of
    :meth:`Issue.as_dict`.

    Args:
        path: the report file to create (overwritten if it exists).
        issues: the issues to report, in order.

    Raises:
        ValidationError: the suffix is not ``.csv``, ``.xlsx`` or ``.json``.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        payload = json.dumps(
            [i.as_dict() for i in issues], ensure_ascii=False, indent=2, default=str
        )
        Path(path).write_text(payload + "\n", encoding="utf-8")
        return
    if suffix not in {".csv", ".xlsx"}:
        raise ValidationError(_M_REPORT_SUFFIX.format(suffix=suffix or "-"))
    table = [[d.get(c) for c in ISSUE_COLUMNS] for d in (i.as_dict() for i in issues)]
    if suffix == ".csv":
        safe = [[_defuse(v) if isinstance(v, str) else v for v in row] for row in table]
        write_csv(path, ISSUE_COLUMNS, safe)
    else:
        write_xlsx(
            path,
            ISSUE_COLUMNS,
            table,
            sheet_title="issues",
            column_widths=[10, 24, 8, 20, 24, 24, 60, 60],
        )


def _styled(ws: WriteOnlyWorksheet, value: object, font: Font, fill: PatternFill | None) -> Cell:
    """A write-only cell with a font (and fill)."""
    converted = _xlsx_value(ws, value)
    if isinstance(converted, Cell):
        cell = converted
    else:
        cell = WriteOnlyCell(ws)
        cell.value = converted
    cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _xlsx_value(ws: WriteOnlyWorksheet, value: object) -> _XlsxValue | Cell:
    """A value openpyxl can write as intended (see :func:`write_xlsx`)."""
    if value is None or isinstance(value, bool | int | Decimal | timedelta):
        return value
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if (len(text) > 1 and text.startswith("=")) or text in ERROR_CODES:
            cell = WriteOnlyCell(ws)
            cell.value = text
            cell.data_type = "s"  # keep as text: not a formula, not an error value
            return cell
        return text
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | time):
        return value if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value
    return _xlsx_value(ws, str(value))


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _defuse(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would evaluate as a formula."""
    if not text or text[0] not in "=+-@\t\r":
        return text
    if text[0] in "+-":
        try:
            float(text)
        except ValueError:
            return "'" + text
        return text
    return "'" + text


def _sheet_title(title: str) -> str:
    """A valid sheet title: no ``[]:*?/\\``, at most 31 characters, not empty."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")[:31]
    return cleaned or "Sheet"


def _display_width(text: str) -> int:
    """Display width: East Asian wide and full-width characters count as 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _set_widths(ws: WriteOnlyWorksheet, widths: Sequence[int]) -> None:
    # WriteOnlyWorksheet has column_dimensions at runtime (set up like Worksheet's); the
    # stub does not declare it.
    dimensions = ws.column_dimensions  # type: ignore[attr-defined]
    for i, width in enumerate(widths, start=1):
        dimensions[get_column_letter(i)].width = width
