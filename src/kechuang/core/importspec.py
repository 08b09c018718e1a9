"""Column specifications and row parsing for spreadsheet imports.

An :class:`ImportSpec` lists the columns of one import kind: the field name used in code
(GLOSSARY.md), the Chinese and English headers, aliases, a parser, whether it is required, a
description and an example. :func:`parse_table` maps a :class:`~kechuang.core.tabular.RawTable`'s
headers to columns (Chinese, English or field name, case- and width-insensitive; a unit in the
header such as ``营业收入（万元）`` scales money into 元), parses every cell and reports every
problem as an :class:`~kechuang.core.errors.Issue` with file, row, column, value and rule. Nothing
here touches the database: the domain's import flow resolves keys and writes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from kechuang.core.enums import LabelledEnum
from kechuang.core.errors import Issue, KechuangError
from kechuang.core.i18n import Msg
from kechuang.core.ids import validate_uscc
from kechuang.core.money import FEN, WAN, YI, decimal_from_cell
from kechuang.core.periods import parse_date
from kechuang.core.tabular import RawTable


class FieldError(Exception):
    """A cell value broke a rule; raised by parsers, turned into an :class:`Issue` by the caller."""

    def __init__(self, rule: str, message: Msg):
        super().__init__(message.both())
        self.rule = rule
        self.message = message


Parser = Callable[[Any], Any]
"""Turns a non-empty cell value into a Python value or raises :class:`FieldError`."""


# --------------------------------------------------------------------------- parsers


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text(max_length: int = 200) -> Parser:
    """Free text up to ``max_length`` characters."""

    def parse(value: Any) -> str:
        s = _text_of(value)
        if len(s) > max_length:
            raise FieldError(
                "value.too_long",
                Msg(
                    f"文本过长：{len(s)} 个字符，最多 {max_length} 个",
                    f"text too long: {len(s)} characters, at most {max_length}",
                ),
            )
        return s

    return parse


def code(pattern: str, what: Msg, example: str) -> Parser:
    """A code matching the regular expression ``pattern`` (after trimming and upper-casing)."""
    rx = re.compile(pattern)

    def parse(value: Any) -> str:
        s = unicodedata.normalize("NFKC", _text_of(value)).upper().replace(" ", "")
        if not rx.fullmatch(s):
            raise FieldError(
                "value.format",
                Msg(
                    f"{what.zh}格式不正确，示例：{example}",
                    f"malformed {what.en}; example: {example}",
                ),
            )
        return s

    return parse


def integer(*, minimum: int | None = 0) -> Parser:
    """A whole number (``12``, ``"12"``, ``12.0`` from a spreadsheet), at least ``minimum``."""

    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise FieldError("value.integer", Msg("应为整数", "must be a whole number"))
        if isinstance(value, int):
            n = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise FieldError(
                    "value.integer",
                    Msg("应为整数，不能有小数", "must be a whole number, not a fraction"),
                )
            n = int(value)
        else:
            s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
            if not re.fullmatch(r"[+-]?\d+(\.0+)?", s):
                raise FieldError("value.integer", Msg("应为整数", "must be a whole number"))
            n = int(s.split(".")[0])
        if minimum is not None and n < minimum:
            raise FieldError(
                "value.minimum", Msg(f"不能小于 {minimum}", f"must not be less than {minimum}")
            )
        return n

    return parse


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def amount(*, allow_negative: bool = False) -> Parser:
    """Money in 元 (or in the header's unit), exact to the fen.

    Accepts ``1234.5``, ``"1,234.50"``, ``"¥1234.5"``, ``"1234.5元"``; refuses more than two
    decimals (after any unit scaling) rather than rounding silently.
    """

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise FieldError("money.invalid", Msg("应为金额数字", "must be an amount"))
        if isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, float):
            # A spreadsheet number: its shortest repr is what the user typed.
            d = decimal_from_cell(value)
        elif isinstance(value, Decimal):
            d = value
        else:
            s = unicodedata.normalize("NFKC", str(value)).strip()
            s = s.replace(",", "").replace("¥", "").replace(" ", "").removesuffix("元")
            if not _NUMBER.fullmatch(s):
                raise FieldError(
                    "money.invalid", Msg("应为金额数字（元）", "must be an amount (yuan)")
                )
            try:
                d = Decimal(s)
            except InvalidOperation as exc:  # pragma: no cover - regex guards this
                raise FieldError("money.invalid", Msg("应为金额数字", "must be an amount")) from exc
        if d < 0 and not allow_negative:
            raise FieldError("money.negative", Msg("金额不能为负数", "amount must not be negative"))
        return d

    return parse


def date_value() -> Parser:
    """A date: ``2023-05-01``, ``2023/5/1``, ``2023年5月1日`` or an Excel date cell."""

    def parse(value: Any) -> Any:
        try:
            return parse_date(value)
        except KechuangError as exc:
            raise FieldError("date.invalid", exc.message) from exc

    return parse


def uscc() -> Parser:
    """A unified social credit code, validated and normalised (:mod:`kechuang.core.ids`)."""

    def parse(value: Any) -> str:
        try:
            return validate_uscc(_text_of(value)).code
        except KechuangError as exc:
            rule = exc.issues[0].rule if exc.issues else "uscc.invalid"
            raise FieldError(rule, exc.message) from exc

    return parse


def choice(enum: type[LabelledEnum]) -> Parser:
    """A member of ``enum`` given by its value, Chinese label or English label."""

    def parse(value: Any) -> LabelledEnum:
        member = enum.parse(_text_of(value))
        if member is None:
            allowed_zh = "、".join(f"{m.label.zh}({m.value})" for m in enum)
            allowed_en = ", ".join(m.value for m in enum)
            raise FieldError(
                "value.choice",
                Msg(f"取值不在允许范围内：{allowed_zh}", f"not an allowed value: {allowed_en}"),
            )
        return member

    return parse


_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "t"}
_FALSE = {"0", "false", "no", "n", "否", "无", "×", "f"}


def boolean() -> Parser:
    """Yes/no: 是/否, true/false, yes/no, 1/0."""

    def parse(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        s = _text_of(value).lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise FieldError("value.boolean", Msg("应为 是/否", "must be yes/no (是/否)"))

    return parse


# --------------------------------------------------------------------------- specs


_NO_TEXT = Msg("", "")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an import file.

    Attributes:
        field: identifier used in code (GLOSSARY.md) — also accepted as a header.
        zh: Chinese header written in templates.
        en: English header (accepted as a header).
        parse: parser for non-empty cells.
        required: the column must exist and every row must have a value.
        description: what to put there (shown in the template's description row).
        example: example value for the template.
        aliases: other accepted headers.
        money: the column holds money, so a unit in the header (万元/亿元) scales it.
    """

    field: str
    zh: str
    en: str
    parse: Parser
    required: bool = False
    description: Msg = _NO_TEXT
    example: Any = ""
    aliases: tuple[str, ...] = ()
    money: bool = False

    def label(self) -> str:
        """``中文 (english)`` for messages."""
        return f"{self.zh} ({self.en})"


@dataclass(frozen=True, slots=True)
class ImportSpec:
    """The columns and natural key of one import kind."""

    kind: str
    label: Msg
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, field_name: str) -> Column:
        """The column for ``field_name``."""
        for col in self.columns:
            if col.field == field_name:
                return col
        raise KeyError(field_name)


@dataclass(slots=True)
class ParsedRow:
    """One data row: its spreadsheet row number and the parsed values by field (None = empty)."""

    row: int
    values: dict[str, Any]
    raw: dict[str, str] = field(default_factory=dict)
    """Header as written in the file for each field (for error messages)."""


@dataclass(slots=True)
class ParsedTable:
    """Parse result: rows that parsed cleanly and every issue found (errors and warnings)."""

    rows: list[ParsedRow]
    issues: list[Issue]
    headers: dict[str, str]
    """Field → header as written in the file."""

    @property
    def errors(self) -> list[Issue]:
        """Issues that reject the file."""
        return [i for i in self.issues if i.severity == "error"]


_UNIT = re.compile(
    r"^(?P<name>.*?)[(（\[【]\s*(?P<unit>万元|亿元|元|万|亿|yuan|10k yuan|wan|yi)\s*[)）\]】]$",
    re.I,
)
_UNIT_FACTOR = {
    "元": Decimal(1),
    "yuan": Decimal(1),
    "万元": WAN,
    "万": WAN,
    "10k yuan": WAN,
    "wan": WAN,
    "亿元": YI,
    "亿": YI,
    "yi": YI,
}


def normalize_header(header: str) -> str:
    """Canonical form for matching headers: NFKC, lower case, no spaces or ``*`` marks."""
    s = unicodedata.normalize("NFKC", header).strip().lower()
    return re.sub(r"[\s*_\-]+", "", s)


def _header_index(spec: ImportSpec) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in spec.columns:
        for name in (col.field, col.zh, col.en, *col.aliases):
            index[normalize_header(name)] = col
    return index


def _cell_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_table(table: RawTable, spec: ImportSpec) -> ParsedTable:
    """Map headers, parse every cell and check required values and duplicate natural keys.

    Unknown columns are reported as warnings and ignored. A missing required column, an
    unparseable cell, a missing required value or a natural key repeated inside the file is an
    error. Every row is checked, so one run reports every problem.
    """
    issues: list[Issue] = []
    index = _header_index(spec)
    mapping: list[tuple[int, Column, Decimal]] = []
    headers: dict[str, str] = {}
    for pos, header in enumerate(table.headers):
        if not header:
            continue
        factor = Decimal(1)
        col = index.get(normalize_header(header))
        if col is None and (m := _UNIT.match(unicodedata.normalize("NFKC", header).strip())):
            col = index.get(normalize_header(m.group("name")))
            if col is not None:
                if not col.money:
                    col = None
                else:
                    factor = _UNIT_FACTOR[m.group("unit").lower()]
        if col is None:
            issues.append(
                Issue(
                    rule="import.unknown_column",
                    severity="warning",
                    file=table.file,
                    row=None,
                    column=header,
                    message=Msg(f"未知列“{header}”，已忽略", f"unknown column '{header}' ignored"),
                )
            )
            continue
        if col.field in headers:
            issues.append(
                Issue(
                    rule="import.duplicate_column",
                    file=table.file,
                    column=header,
                    message=Msg(
                        f"列“{header}”与“{headers[col.field]}”是同一字段 {col.field}",
                        f"column '{header}' repeats field {col.field} (already '{headers[col.field]}')",
                    ),
                )
            )
            continue
        headers[col.field] = header
        mapping.append((pos, col, factor))

    for col in spec.columns:
        if col.required and col.field not in headers:
            issues.append(
                Issue(
                    rule="import.missing_column",
                    file=table.file,
                    column=col.zh,
                    message=Msg(
                        f"缺少必填列“{col.zh}”（也可写作 {col.en} 或 {col.field}）",
                        f"missing required column '{col.en}' (or '{col.zh}' / {col.field})",
                    ),
                )
            )
    if any(i.severity == "error" for i in issues):
        return ParsedTable(rows=[], issues=issues, headers=headers)

    rows: list[ParsedRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    for raw_row in table.rows:
        values: dict[str, Any] = {}
        ok = True
        for pos, col, factor in mapping:
            cell = raw_row.values[pos] if pos < len(raw_row.values) else None
            if _cell_empty(cell):
                if col.required:
                    ok = False
                    issues.append(
                        Issue(
                            rule="import.required",
                            file=table.file,
                            row=raw_row.row,
                            column=headers[col.field],
                            value="",
                            message=Msg(f"“{col.zh}”为必填项", f"'{col.en}' is required"),
                        )
                    )
                values[col.field] = None
                continue
            try:
                parsed = col.parse(cell)
                if col.money and factor != 1:
                    parsed = parsed * factor
                if col.money and parsed != parsed.quantize(FEN):
                    raise FieldError(
                        "money.precision",
                        Msg(
                            "金额最多精确到分（两位小数，按元计）",
                            "amounts are exact to the fen (2 decimals of a yuan)",
                        ),
                    )
                if col.money:
                    parsed = parsed.quantize(FEN)
                values[col.field] = parsed
            except FieldError as exc:
                ok = False
                issues.append(
                    Issue(
                        rule=exc.rule,
                        file=table.file,
                        row=raw_row.row,
                        column=headers[col.field],
                        value=_display(cell),
                        message=exc.message,
                    )
                )
        if not ok:
            continue
        key = tuple(values.get(k) for k in spec.key)
        if all(k is not None for k in key):
            if key in seen:
                issues.append(
                    Issue(
                        rule="import.duplicate_key",
                        file=table.file,
                        row=raw_row.row,
                        column=headers.get(spec.key[0]),
                        value=" / ".join(_display(k) for k in key),
                        message=Msg(
                            f"与第 {seen[key]} 行重复（同一{'、'.join(spec.column(k).zh for k in spec.key)}）",
                            f"duplicates row {seen[key]} (same {', '.join(spec.column(k).en for k in spec.key)})",
                        ),
                    )
                )
                continue
            seen[key] = raw_row.row
        rows.append(ParsedRow(row=raw_row.row, values=values, raw=headers))
    return ParsedTable(rows=rows, issues=issues, headers=headers)


def row_issue(
    table_file: str,
    row: ParsedRow,
    field_name: str,
    rule: str,
    message: Msg,
    *,
    severity: str = "error",
) -> Issue:
    """An issue about ``field_name`` of an already parsed row (for cross-field and database checks)."""
    return Issue(
        rule=rule,
        severity=severity,
        file=table_file,
        row=row.row,
        column=row.raw.get(field_name, field_name),
        value=_display(row.values.get(field_name)),
        message=message,
    )


def template_rows(spec: ImportSpec, lang: str = "zh") -> tuple[list[str], list[str], list[Any]]:
    """Header row, description row (starting with ``#``) and example row for an XLSX template."""
    headers = [(c.zh if lang == "zh" else c.en) + ("*" if c.required else "") for c in spec.columns]
    descriptions = [
        (c.description.zh if lang == "zh" else c.description.en)
        + (("（必填）" if lang == "zh" else " (required)") if c.required else "")
        for c in spec.columns
    ]
    descriptions[0] = "# " + descriptions[0]
    examples = [c.example for c in spec.columns]
    return headers, descriptions, examples


__all__: Sequence[str] = [
    "Column",
    "FieldError",
    "ImportSpec",
    "ParsedRow",
    "ParsedTable",
    "amount",
    "boolean",
    "choice",
    "code",
    "date_value",
    "integer",
    "normalize_header",
    "parse_table",
    "row_issue",
    "template_rows",
    "text",
    "uscc",
]
