"""File imports into the IP registry: patents, legal-status events, PCT filings, pledges, IP
centres, programmes, awards and the IPC → strategic-emerging-industry concordance.

Each kind is an :class:`~kechuang.core.importspec.ImportSpec`; :func:`import_file` follows the
registry import (:mod:`kechuang.registry.imports`) exactly: it reads a CSV (UTF-8, UTF-8 with BOM
or GBK) or XLSX file, parses and checks every row, resolves references (application number →
patent, USCC → enterprise, code → institution) without writing anything, and only then upserts on
the natural key in the caller's transaction. It is all-or-nothing: any error raises
:class:`~kechuang.core.errors.ImportRejected` with every issue. Re-importing a file changes
nothing.

Patent owners (申请人/专利权人) are linked to registry enterprises by USCC only. An owner named
without a USCC gets a *proposed* link when exactly one registry enterprise has that exact name
(after NFKC normalisation); a proposal does not count for the enterprise until a person confirms
it (only :attr:`MatchStatus.USCC <kechuang.ip.enums.MatchStatus.USCC>` and ``CONFIRMED`` count).
Owners from a transfer event start on its date; the owners before end the day before.

Patents, their owners and events are high-volume: creating them writes no history row (they are
traced by ``Patent.import_batch_id`` / the import batch); every later change does.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from kechuang.core import importspec as sp
from kechuang.core.errors import InvalidIdentifier, Issue
from kechuang.core.i18n import Msg
from kechuang.core.ids import (
    PATENT_KINDS,
    PatentApplicationNumber,
    patent_check_char,
    validate_patent_no,
    validate_uscc,
)
from kechuang.core.periods import today
from kechuang.ip.enums import (
    AwardKind,
    CentreKind,
    EventKind,
    MatchStatus,
    PatentType,
    ProgrammeKind,
)
from kechuang.ip.models import (
    IpAward,
    IpcConcordance,
    IpCentre,
    IpProgramme,
    Patent,
    PatentEvent,
    PatentOwner,
    PctFiling,
    Pledge,
    pledge_patent,
)
from kechuang.registry import import_kit as kit
from kechuang.registry.import_kit import ImportReport, Progress
from kechuang.registry.imports import district_parser
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.base import utcnow
from kechuang.storage.history import ChangeHistory

__all__ = [
    "ILLUSTRATIVE_CONCORDANCE",
    "SPECS",
    "import_file",
    "load_illustrative_concordance",
    "normalize_enterprise_name",
    "normalize_ipc",
    "normalize_pct_no",
    "spec_for",
]

_INSERT_CHUNK = 10_000

# =============================================================================== parsers


_CANONICAL_NO = re.compile(r"(\d{4})([12389])(\d{7})\.([0-9X])")


def _canonical_patent_no(text: str, latest_year: int) -> PatentApplicationNumber | None:
    """Fast path for a number already in canonical 12-digit form (what bulk exports contain).

    Accepts only what :func:`~kechuang.core.ids.validate_patent_no` accepts with the same result;
    anything else (including any error) returns ``None`` and goes through the full validation.
    """
    m = _CANONICAL_NO.fullmatch(text)
    if m is None:
        return None
    year = int(m.group(1))
    if not 2003 <= year <= latest_year or patent_check_char(text[:12]) != m.group(4):
        return None
    type_code = m.group(2)
    return PatentApplicationNumber(
        canonical=text,
        year=year,
        type_code=type_code,
        kind=PATENT_KINDS[type_code][0],
        serial=m.group(3),
        check=m.group(4),
        legacy=False,
    )


def _patent_no() -> sp.Parser:
    latest_year = today().year  # conservative: later years take the full validation

    def parse(value: Any) -> PatentApplicationNumber:
        text = kit.cell_text(value)
        fast = _canonical_patent_no(text, latest_year)
        if fast is not None:
            return fast
        try:
            return validate_patent_no(text)
        except InvalidIdentifier as exc:
            raise sp.FieldError(exc.rule, exc.message) from exc

    return parse


_LIST_SEP = re.compile(r"[;；\n]")
_PATENT_LIST_SEP = re.compile(r"[;；,，、\n]")


def _split(text: str, sep: re.Pattern[str] = _LIST_SEP) -> list[str]:
    parts = [p.strip() for p in sep.split(text)]
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _nth(i: int) -> Msg:
    return Msg(f"第 {i} 项", f"entry {i}")


def _patent_no_list() -> sp.Parser:
    one = _patent_no()

    def parse(value: Any) -> tuple[PatentApplicationNumber, ...]:
        out: list[PatentApplicationNumber] = []
        for i, part in enumerate(_split(kit.cell_text(value), _PATENT_LIST_SEP), start=1):
            if not part:
                continue
            try:
                pn = one(part)
            except sp.FieldError as exc:
                where = _nth(i)
                raise sp.FieldError(
                    exc.rule,
                    Msg(
                        f"{where.zh}（{part}）：{exc.message.zh}",
                        f"{where.en} ({part}): {exc.message.en}",
                    ),
                ) from exc
            if pn not in out:
                out.append(pn)
        return tuple(out)

    return parse


def _names(max_length: int = 200) -> sp.Parser:
    """``;``-separated names, in order (trailing separators ignored, empty entries refused)."""

    def parse(value: Any) -> tuple[str, ...]:
        parts = _split(kit.cell_text(value))
        for i, part in enumerate(parts, start=1):
            if not part:
                raise sp.FieldError(
                    "owner.empty_name",
                    Msg(
                        f"第 {i} 个名称为空（名称之间用 ; 分隔）",
                        f"name {i} is empty (separate names with ;)",
                    ),
                )
            if len(part) > max_length:
                raise sp.FieldError(
                    "value.too_long",
                    Msg(
                        f"第 {i} 个名称过长：{len(part)} 个字符，最多 {max_length} 个",
                        f"name {i} too long: {len(part)} characters, at most {max_length}",
                    ),
                )
        return tuple(parts)

    return parse


@lru_cache(maxsize=65536)
def _valid_uscc(text: str) -> str:
    """Validated, normalised USCC (cached: one enterprise owns many patents)."""
    return validate_uscc(text).code


def _uscc() -> sp.Parser:
    """:func:`kechuang.core.importspec.uscc`, cached."""

    def parse(value: Any) -> str:
        try:
            return _valid_uscc(kit.cell_text(value))
        except InvalidIdentifier as exc:
            rule = exc.issues[0].rule if exc.issues else "uscc.invalid"
            raise sp.FieldError(rule, exc.message) from exc

    return parse


def _date() -> sp.Parser:
    """:func:`kechuang.core.importspec.date_value`, cached for text cells (dates repeat a lot)."""
    base = sp.date_value()
    cached = lru_cache(maxsize=65536)(base)

    def parse(value: Any) -> Any:
        return cached(value) if isinstance(value, str) else base(value)

    return parse


def _usccs() -> sp.Parser:
    """``;``-separated USCCs aligned with a names column; entries may be empty (→ ``None``)."""

    def parse(value: Any) -> tuple[str | None, ...]:
        out: list[str | None] = []
        for i, part in enumerate(_split(kit.cell_text(value)), start=1):
            if not part:
                out.append(None)
                continue
            try:
                out.append(_valid_uscc(part))
            except InvalidIdentifier as exc:
                raise sp.FieldError(
                    exc.rule,
                    Msg(
                        f"第 {i} 个统一社会信用代码（{part}）：{exc.message.zh}",
                        f"USCC {i} ({part}): {exc.message.en}",
                    ),
                ) from exc
        return tuple(out)

    return parse


_IPC_RE = re.compile(r"[A-H]\d{2}(?:[A-Z](?:\d{1,4}(?:/\d{1,6})?)?)?")
_IPC_VERSION = re.compile(r"\(\d{4}\.\d{2}\)$")


@lru_cache(maxsize=65536)
def normalize_ipc(text: str) -> str | None:
    """Canonical IPC symbol or prefix (``H01L 21/02`` → ``H01L21/02``); ``None`` if malformed.

    Checked loosely: section ``A``–``H``, 2-digit class, optionally subclass letter, main group
    and ``/`` subgroup (``B64``, ``H01L``, ``H01L21``, ``H01L21/02``). A trailing version such as
    ``(2006.01)`` is dropped.
    """
    s = "".join(unicodedata.normalize("NFKC", text).upper().split())
    s = _IPC_VERSION.sub("", s)
    return s if _IPC_RE.fullmatch(s) else None


def _ipc_error(text: str) -> sp.FieldError:
    return sp.FieldError(
        "ipc.format",
        Msg(
            f"IPC 分类号“{text}”格式不正确，示例：H01L、H01L 21/02、G06N3/08",
            f"malformed IPC symbol '{text}'; examples: H01L, H01L 21/02, G06N3/08",
        ),
    )


def _ipc() -> sp.Parser:
    def parse(value: Any) -> str:
        text = kit.cell_text(value)
        ipc = normalize_ipc(text)
        if ipc is None:
            raise _ipc_error(text)
        return ipc

    return parse


def _ipc_list() -> sp.Parser:
    def parse(value: Any) -> tuple[str, ...]:
        out: list[str] = []
        for part in _split(kit.cell_text(value), _PATENT_LIST_SEP):
            if not part:
                continue
            ipc = normalize_ipc(part)
            if ipc is None:
                raise _ipc_error(part)
            if ipc not in out:
                out.append(ipc)
        return tuple(out)

    return parse


def _offices() -> sp.Parser:
    def parse(value: Any) -> str:
        text = unicodedata.normalize("NFKC", kit.cell_text(value))
        parts: list[str] = []
        for p in re.split(r"[;,、\s]+", text.upper()):
            if p and p not in parts:
                parts.append(p)
        joined = ";".join(parts)
        if len(joined) > 200 or any(len(p) > 40 for p in parts):
            raise sp.FieldError(
                "value.too_long", Msg("国家/地区列表过长", "list of offices too long")
            )
        return joined

    return parse


_PCT_RE = re.compile(r"PCT/([A-Z]{2})(\d{4})/(\d{6})")
_PCT_OLD_RE = re.compile(r"PCT/([A-Z]{2})(\d{2})/(\d{5,6})")


def normalize_pct_no(text: str) -> str | None:
    """Canonical PCT international application number, or ``None`` when malformed.

    ``pct/cn2023/123456`` and ``PCT / CN 2023 / 123456`` → ``PCT/CN2023/123456``. The form used
    before 2004 (2-digit year, e.g. ``PCT/CN03/000123``) is accepted and kept as written, upper
    case.
    """
    s = "".join(unicodedata.normalize("NFKC", text).upper().split())
    if _PCT_RE.fullmatch(s) or _PCT_OLD_RE.fullmatch(s):
        return s
    return None


def _pct_year(no: str) -> int:
    """Filing year encoded in a (normalised) PCT number."""
    m = _PCT_RE.fullmatch(no)
    if m:
        return int(m.group(2))
    yy = int(no[6:8])
    return 1900 + yy if yy >= 78 else 2000 + yy


def _pct_no() -> sp.Parser:
    def parse(value: Any) -> str:
        text = kit.cell_text(value)
        no = normalize_pct_no(text)
        if no is None:
            raise sp.FieldError(
                "pct_no.format",
                Msg(
                    f"PCT 国际申请号“{text}”格式不正确，应为 PCT/国家代码+4 位年份/6 位序号，如 PCT/CN2023/123456",
                    f"malformed PCT international application number '{text}': expected "
                    "PCT/CCYYYY/NNNNNN, e.g. PCT/CN2023/123456",
                ),
            )
        return no

    return parse


_OFFICE_NAMES = {
    "国家知识产权局": "CN",
    "中国国家知识产权局": "CN",
    "CNIPA": "CN",
    "SIPO": "CN",
    "国际局": "IB",
    "WIPO": "IB",
}


def _office() -> sp.Parser:
    def parse(value: Any) -> str:
        text = "".join(unicodedata.normalize("NFKC", kit.cell_text(value)).upper().split())
        text = _OFFICE_NAMES.get(text, text)
        if not re.fullmatch(r"[A-Z]{2}", text):
            raise sp.FieldError(
                "value.format",
                Msg(
                    "受理局应为两位代码，如 CN（国家知识产权局）或 IB（国际局）",
                    "receiving office must be a 2-letter code, e.g. CN or IB",
                ),
            )
        return text

    return parse


def _patent_type() -> sp.Parser:
    base = sp.choice(PatentType)

    def parse(value: Any) -> Any:
        text = kit.cell_text(value)
        return base(text.removesuffix("专利") if text.endswith("专利") else text)

    return parse


_EXPIRY_WORDS = frozenset(
    {
        "expiry",
        "expired",
        "expiration",
        "期限届满",
        "届满",
        "专利权期限届满",
        "期满终止",
        "届满终止",
    }
)


def _event_kind() -> sp.Parser:
    base = sp.choice(EventKind)

    def parse(value: Any) -> Any:
        text = kit.cell_text(value)
        if text.lower() in _EXPIRY_WORDS:
            raise sp.FieldError(
                "event.expiry_derived",
                Msg(
                    "期限届满不作为事件导入：届满日由申请日和专利类型推算（专利法第四十二条）",
                    "expiry is not imported as an event: it is derived from the filing date and "
                    "the patent type (Patent Law art. 42)",
                ),
            )
        return base(text)

    return parse


def _year() -> sp.Parser:
    base = sp.integer(minimum=1949)

    def parse(value: Any) -> int:
        text = str(value).strip().removesuffix("年度").removesuffix("年")
        year: int = base(text if isinstance(value, str) else value)
        if year > 2100:
            raise sp.FieldError("value.year", Msg("年度不合理", "implausible year"))
        return year

    return parse


_CODE = sp.code(r"[0-9A-Z][0-9A-Z._\-/]{0,39}", Msg("代码", "code"), "SH-IPOC-01")
_INSTITUTION_CODE = sp.code(
    r"[0-9A-Z][0-9A-Z._\-]{0,31}", Msg("机构代码", "institution code"), "BOC-SH"
)
_SEI_CODE = sp.code(
    r"\d{1,2}(\.\d{1,3}){0,4}", Msg("战略性新兴产业代码", "strategic-emerging-industry code"), "1.2"
)
_COUNT = sp.integer(minimum=0)


# =============================================================================== specs


def _col(
    field_name: str,
    zh: str,
    en: str,
    parse: sp.Parser,
    desc_zh: str,
    desc_en: str,
    example: Any = "",
    *,
    required: bool = False,
    aliases: tuple[str, ...] = (),
    money: bool = False,
) -> sp.Column:
    return sp.Column(
        field_name,
        zh,
        en,
        parse,
        required=required,
        description=Msg(desc_zh, desc_en),
        example=example,
        aliases=aliases,
        money=money,
    )


def _app_no_col(*, required: bool = True) -> sp.Column:
    return _col(
        "application_no",
        "申请号",
        "Application no",
        _patent_no(),
        "专利申请号，如 201710601862.3（可带 CN/ZL 前缀和空格）",
        "patent application number, e.g. 201710601862.3 (CN/ZL prefix and spaces allowed)",
        "201710601862.3",
        required=required,
        aliases=("专利申请号", "专利号", "application number", "patent no"),
    )


PATENTS = sp.ImportSpec(
    kind="patents",
    label=Msg("专利", "patents"),
    key=("application_no",),
    columns=(
        _app_no_col(),
        _col(
            "title",
            "名称",
            "Title",
            sp.text(1000),
            "专利名称",
            "title",
            "一种示例半导体器件",
            aliases=("专利名称", "发明名称"),
        ),
        _col(
            "filing_date",
            "申请日",
            "Filing date",
            _date(),
            "申请日（PCT 国家阶段为国际申请日）",
            "filing date (international filing date for PCT national phase)",
            "2017-07-26",
            required=True,
            aliases=("申请日期",),
        ),
        _col(
            "publication_date",
            "公开（公告）日",
            "Publication date",
            _date(),
            "公开或公告日，可空",
            "publication date, optional",
            "2017-11-21",
            aliases=("公开日", "公告日", "公开日期", "公开公告日"),
        ),
        _col(
            "grant_date",
            "授权日",
            "Grant date",
            _date(),
            "授权公告日，未授权留空",
            "grant date; empty while pending",
            "2019-05-10",
            aliases=("授权公告日", "授权日期"),
        ),
        _col(
            "patent_type",
            "专利类型",
            "Patent type",
            _patent_type(),
            "发明/实用新型/外观设计，可空（由申请号第 5 位推出，填写则须一致）",
            "invention / utility model / design; optional (follows from the number; must agree)",
            "发明",
            aliases=("类型",),
        ),
        _col(
            "main_ipc",
            "主分类号",
            "Main IPC",
            _ipc(),
            "IPC 主分类号",
            "main IPC class",
            "H01L 21/02",
            aliases=("IPC主分类号", "主IPC"),
        ),
        _col(
            "ipc_classes",
            "分类号",
            "IPC classes",
            _ipc_list(),
            "全部 IPC 分类号，用 ; 分隔",
            "all IPC classes, ;-separated",
            "H01L 21/02;H01L 29/78",
            aliases=("IPC分类号", "IPC"),
        ),
        _col(
            "inventors_count",
            "发明人数",
            "Inventors",
            _COUNT,
            "发明人数",
            "number of inventors",
            3,
            aliases=("发明人数量",),
        ),
        _col(
            "sei_code",
            "战略性新兴产业代码",
            "SEI code",
            _SEI_CODE,
            "战略性新兴产业分类（2018）代码，可空",
            "strategic-emerging-industry code (2018 classification), optional",
            "1.2",
            aliases=("战略性新兴产业分类代码", "战新产业代码"),
        ),
        _col(
            "foreign_family_count",
            "海外同族数",
            "Foreign family count",
            _COUNT,
            "海外同族专利数，默认 0",
            "number of foreign family members, default 0",
            0,
            aliases=("海外同族专利数",),
        ),
        _col(
            "foreign_family_offices",
            "海外同族国家/地区",
            "Foreign family offices",
            _offices(),
            "有同族的国家/地区，用 ; 分隔，如 US;EP;JP",
            "offices with family members, ;-separated, e.g. US;EP;JP",
            "",
            aliases=("海外同族国家", "同族国家/地区"),
        ),
        _col(
            "pct_international_no",
            "PCT国际申请号",
            "PCT international no",
            _pct_no(),
            "PCT 国际申请号，如 PCT/CN2023/123456，可空",
            "PCT international application number, e.g. PCT/CN2023/123456, optional",
            "",
            aliases=("PCT申请号", "国际申请号"),
        ),
        _col(
            "owner_names",
            "申请人/专利权人",
            "Owners",
            _names(),
            "申请人或专利权人名称，多个用 ; 分隔（按署名顺序）",
            "applicants / owners, ;-separated, in order",
            "上海示例科技有限公司",
            aliases=("申请人", "专利权人", "权利人", "applicants"),
        ),
        _col(
            "owner_usccs",
            "申请人统一社会信用代码",
            "Owner USCCs",
            _usccs(),
            "与申请人逐一对应的统一社会信用代码，用 ; 分隔，个别可空",
            "USCCs aligned with the owners, ;-separated, entries may be empty",
            "91310115MA1H7XXXX0",
            aliases=("专利权人统一社会信用代码", "申请人信用代码", "owner uscc"),
        ),
    ),
)

EVENTS = sp.ImportSpec(
    kind="events",
    label=Msg("专利法律事件", "patent legal-status events"),
    key=("application_no", "kind", "event_date"),
    columns=(
        _app_no_col(),
        _col(
            "kind",
            "事件",
            "Event",
            _event_kind(),
            "未缴年费终止/恢复权利/全部无效/部分无效/权利转移/放弃专利权（期限届满由系统推算，不导入）",
            "lapse / restoration / invalidation_full / invalidation_partial / transfer / "
            "abandonment (expiry is derived, not imported)",
            "权利转移",
            required=True,
            aliases=("事件类型", "法律事件", "法律状态", "event kind"),
        ),
        _col(
            "event_date",
            "日期",
            "Date",
            _date(),
            "事件生效日（须晚于授权日）",
            "date the event takes effect (after the grant date)",
            "2021-03-01",
            required=True,
            aliases=("事件日期", "生效日", "event date"),
        ),
        _col(
            "detail",
            "说明",
            "Detail",
            sp.text(2000),
            "说明，可空",
            "detail, optional",
            "",
            aliases=("备注",),
        ),
        _col(
            "new_owner_names",
            "受让人",
            "New owners",
            _names(),
            "权利转移的新权利人，多个用 ; 分隔",
            "for transfers: the new owners, ;-separated",
            "上海示例智能科技有限公司",
            aliases=("新权利人", "受让方"),
        ),
        _col(
            "new_owner_usccs",
            "受让人统一社会信用代码",
            "New owner USCCs",
            _usccs(),
            "与受让人逐一对应的统一社会信用代码，用 ; 分隔，个别可空",
            "USCCs aligned with the new owners, ;-separated, entries may be empty",
            "91310115MA1H7XXXX0",
            aliases=("受让人信用代码",),
        ),
    ),
)

PCT = sp.ImportSpec(
    kind="pct",
    label=Msg("PCT 国际申请", "PCT international applications"),
    key=("international_no",),
    columns=(
        _col(
            "international_no",
            "PCT国际申请号",
            "International no",
            _pct_no(),
            "如 PCT/CN2023/123456",
            "e.g. PCT/CN2023/123456",
            "PCT/CN2023/123456",
            required=True,
            aliases=("国际申请号", "PCT申请号", "international application number"),
        ),
        _col(
            "receiving_office",
            "受理局",
            "Receiving office",
            _office(),
            "受理局代码，如 CN（国家知识产权局）、IB（国际局）",
            "receiving office code, e.g. CN or IB",
            "CN",
            required=True,
            aliases=("受理局代码",),
        ),
        _col(
            "filing_date",
            "国际申请日",
            "Filing date",
            _date(),
            "国际申请日",
            "international filing date",
            "2023-06-01",
            required=True,
            aliases=("申请日",),
        ),
        _col(
            "title",
            "名称",
            "Title",
            sp.text(1000),
            "发明名称",
            "title",
            "一种示例方法",
            aliases=("发明名称",),
        ),
        _col(
            "applicant_name",
            "申请人",
            "Applicant",
            sp.text(200),
            "申请人名称",
            "applicant name",
            "上海示例科技有限公司",
            aliases=("申请人名称",),
        ),
        _col(
            "applicant_uscc",
            "申请人统一社会信用代码",
            "Applicant USCC",
            _uscc(),
            "申请人的统一社会信用代码，可空",
            "applicant's USCC, optional",
            "91310115MA1H7XXXX0",
            aliases=("申请人信用代码",),
        ),
    ),
)

PLEDGES = sp.ImportSpec(
    kind="pledges",
    label=Msg("专利质押", "patent pledges"),
    key=("registration_no",),
    columns=(
        _col(
            "registration_no",
            "质押登记号",
            "Registration no",
            _CODE,
            "专利权质押登记号",
            "pledge registration number",
            "Y2023310000123",
            required=True,
            aliases=("登记号", "质押登记编号"),
        ),
        _col(
            "application_nos",
            "申请号",
            "Application nos",
            _patent_no_list(),
            "出质专利的申请号，多个用 ; 分隔（须已导入）",
            "pledged patents' application numbers, ;-separated (must be imported)",
            "201710601862.3",
            required=True,
            aliases=("专利申请号", "专利号", "application no"),
        ),
        _col(
            "pledgor_name",
            "出质人",
            "Pledgor",
            sp.text(200),
            "出质人名称",
            "pledgor name",
            "上海示例科技有限公司",
            aliases=("出质人名称",),
        ),
        _col(
            "pledgor_uscc",
            "出质人统一社会信用代码",
            "Pledgor USCC",
            _uscc(),
            "出质人统一社会信用代码，可空",
            "pledgor's USCC, optional",
            "91310115MA1H7XXXX0",
        ),
        _col(
            "pledgee_code",
            "质权人机构代码",
            "Pledgee code",
            _INSTITUTION_CODE,
            "质权人在机构库中的代码（与质权人名称至少填一项）",
            "pledgee's institution code (this or the pledgee name)",
            "BOC-SH",
            aliases=("质权人代码",),
        ),
        _col(
            "pledgee_name",
            "质权人",
            "Pledgee",
            sp.text(200),
            "质权人名称",
            "pledgee name",
            "中国银行股份有限公司上海市分行",
            aliases=("质权人名称",),
        ),
        _col(
            "amount",
            "金额",
            "Amount",
            sp.amount(),
            "质押融资金额，单位元（表头写“金额（万元）”则按万元），须大于 0",
            "secured amount in yuan (header 'Amount (万元)' means 10k yuan); > 0",
            "5000000",
            required=True,
            aliases=("质押金额", "融资金额"),
            money=True,
        ),
        _col(
            "registration_date",
            "登记日",
            "Registration date",
            _date(),
            "质押登记日",
            "registration date",
            "2023-08-01",
            required=True,
            aliases=("登记日期", "质押登记日"),
        ),
        _col(
            "release_date",
            "解除日",
            "Release date",
            _date(),
            "质押解除（注销）日，可空",
            "release date, optional",
            "",
            aliases=("解除日期", "注销日"),
        ),
    ),
)

CENTRES = sp.ImportSpec(
    kind="centres",
    label=Msg("知识产权中心", "IP centres"),
    key=("code",),
    columns=(
        _col(
            "code",
            "代码",
            "Code",
            _CODE,
            "中心代码（自定，唯一）",
            "centre code (unique)",
            "SH-IPOC-01",
            required=True,
        ),
        _col(
            "name",
            "名称",
            "Name",
            sp.text(200),
            "中心名称",
            "name",
            "上海示例知识产权运营中心",
            required=True,
            aliases=("中心名称",),
        ),
        _col(
            "kind",
            "类型",
            "Kind",
            sp.choice(CentreKind),
            "国家级知识产权运营中心/市级知识产权金融创新中心/医疗卫生系统知识产权运营中心/知识产权保护中心/其他",
            "national_operation_centre / ip_finance_centre / medical_operation_centre / "
            "protection_centre / other",
            "国家级知识产权运营中心",
            required=True,
            aliases=("中心类型",),
        ),
        _col(
            "recognising_body",
            "认定单位",
            "Recognising body",
            sp.text(200),
            "认定或批准单位",
            "recognising authority",
            "国家知识产权局",
            aliases=("批准单位",),
        ),
        _col(
            "recognised_on",
            "认定日期",
            "Recognised on",
            _date(),
            "认定日期",
            "date recognised",
            "2022-09-01",
            required=True,
            aliases=("批准日期",),
        ),
        _col(
            "operator_name",
            "运营机构",
            "Operator",
            sp.text(200),
            "运营机构名称",
            "operator name",
            "上海示例知识产权服务有限公司",
            aliases=("运营单位",),
        ),
        _col(
            "operator_uscc",
            "运营企业统一社会信用代码",
            "Operator USCC",
            _uscc(),
            "运营企业的统一社会信用代码，可空",
            "operator's USCC, optional",
            "91310115MA1H7XXXX0",
        ),
        _col(
            "operator_institution_code",
            "运营机构代码",
            "Operator institution code",
            _INSTITUTION_CODE,
            "运营机构在机构库中的代码，可空",
            "operator's institution code, optional",
            "",
        ),
        _col(
            "district_code",
            "所在区",
            "District",
            district_parser(),
            "所在区名称或行政区划代码",
            "district name or GB/T 2260 code",
            "浦东新区",
            aliases=("区", "district code"),
        ),
    ),
)

PROGRAMMES = sp.ImportSpec(
    kind="programmes",
    label=Msg("知识产权项目", "IP programmes"),
    key=("code",),
    columns=(
        _col(
            "code",
            "代码",
            "Code",
            _CODE,
            "项目代码（唯一）",
            "programme code (unique)",
            "SME-IP-2023-001",
            required=True,
        ),
        _col(
            "kind",
            "类型",
            "Kind",
            sp.choice(ProgrammeKind),
            "中小企业知识产权运营能力提升项目/首席知识产权官培养/专利转化专项计划项目/其他",
            "sme_ip_operation / cipo_training / patent_conversion / other",
            "首席知识产权官培养",
            required=True,
            aliases=("项目类型",),
        ),
        _col(
            "name",
            "名称",
            "Name",
            sp.text(200),
            "项目名称",
            "name",
            "2023 年首席知识产权官培训班",
            required=True,
            aliases=("项目名称",),
        ),
        _col(
            "year", "年度", "Year", _year(), "年度，如 2023", "year, e.g. 2023", 2023, required=True
        ),
        _col(
            "started_on",
            "开始日期",
            "Started on",
            _date(),
            "开始日期，可空",
            "start date, optional",
            "2023-04-01",
            aliases=("开始时间",),
        ),
        _col(
            "uscc",
            "企业统一社会信用代码",
            "USCC",
            _uscc(),
            "承担企业的统一社会信用代码（须已在企业库中），可空",
            "the enterprise's USCC (must be in the registry), optional",
            "91310115MA1H7XXXX0",
            aliases=("统一社会信用代码",),
        ),
        _col(
            "organiser",
            "组织单位",
            "Organiser",
            sp.text(200),
            "组织单位",
            "organiser",
            "上海市知识产权局",
            aliases=("主办单位",),
        ),
        _col(
            "participants",
            "参与人数",
            "Participants",
            _COUNT,
            "参与人数，可空",
            "participants, optional",
            60,
            aliases=("人数",),
        ),
    ),
)

AWARDS = sp.ImportSpec(
    kind="awards",
    label=Msg("知识产权奖项", "IP awards"),
    key=("kind", "edition", "recipient_key"),
    columns=(
        _col(
            "kind",
            "奖项",
            "Award",
            sp.choice(AwardKind),
            "中国专利金奖/中国专利银奖/中国专利优秀奖/国家科学技术奖/世界知识产权组织全球奖",
            "china_patent_award_gold / _silver / _excellence / national_st_award / wipo_global_award",
            "中国专利优秀奖",
            required=True,
            aliases=("奖项名称", "奖励"),
        ),
        _col(
            "edition",
            "届次",
            "Edition",
            sp.text(40),
            "届次或年度，如 第二十四届",
            "edition or year, e.g. 第二十四届",
            "第二十四届",
            required=True,
            aliases=("年度",),
        ),
        _col(
            "awarded_on",
            "授奖日期",
            "Awarded on",
            _date(),
            "授奖（公布）日期",
            "award date",
            "2023-07-20",
            required=True,
            aliases=("获奖日期", "公布日期"),
        ),
        _app_no_col(required=False),
        _col(
            "uscc",
            "统一社会信用代码",
            "USCC",
            _uscc(),
            "获奖单位的统一社会信用代码，可空",
            "recipient's USCC, optional",
            "91310115MA1H7XXXX0",
            aliases=("获奖单位统一社会信用代码",),
        ),
        _col(
            "recipient_name",
            "获奖单位",
            "Recipient",
            sp.text(200),
            "获奖单位名称",
            "recipient name",
            "上海示例科技有限公司",
            aliases=("获奖单位名称", "获奖人"),
        ),
    ),
)

CONCORDANCE = sp.ImportSpec(
    kind="concordance",
    label=Msg("IPC 与战略性新兴产业对照", "IPC → strategic-emerging-industry concordance"),
    key=("ipc_prefix",),
    columns=(
        _col(
            "ipc_prefix",
            "IPC分类号",
            "IPC prefix",
            _ipc(),
            "IPC 分类号或前缀，如 H01L、H01L 21/02",
            "IPC symbol or prefix, e.g. H01L or H01L 21/02",
            "H01L",
            required=True,
            aliases=("IPC前缀", "IPC", "分类号"),
        ),
        _col(
            "sei_code",
            "战略性新兴产业代码",
            "SEI code",
            _SEI_CODE,
            "战略性新兴产业分类（2018）代码",
            "strategic-emerging-industry code (2018 classification)",
            "1.2",
            required=True,
            aliases=("战略性新兴产业分类代码", "战新产业代码"),
        ),
        _col(
            "sei_name",
            "名称",
            "SEI name",
            sp.text(200),
            "产业名称",
            "industry name",
            "电子核心产业",
            aliases=("战略性新兴产业名称", "产业名称"),
        ),
        _col(
            "source",
            "来源",
            "Source",
            sp.text(500),
            "对照关系的来源",
            "source of the mapping",
            "示例",
        ),
        _col(
            "illustrative",
            "示例",
            "Illustrative",
            sp.boolean(),
            "是否为示例数据（是/否，默认否）",
            "illustrative data? yes/no, default no",
            "否",
        ),
    ),
)

SPECS: dict[str, sp.ImportSpec] = {
    s.kind: s for s in (CONCORDANCE, PCT, PATENTS, EVENTS, PLEDGES, AWARDS, CENTRES, PROGRAMMES)
}
"""IP import kinds by name, in a workable loading order (PCT filings may also come after patents)."""


def spec_for(kind: str) -> sp.ImportSpec:
    """The import spec of ``kind``; ``KeyError`` if unknown."""
    return SPECS[kind]


# =============================================================================== context


@lru_cache(maxsize=65536)
def normalize_enterprise_name(name: str) -> str:
    """Name as compared for name matching: NFKC (full-width brackets → half-width), trimmed."""
    return unicodedata.normalize("NFKC", name).replace("（", "(").replace("）", ")").strip()


_Wanted = tuple[str, str | None, int | None, MatchStatus]
"""A wanted owner: name, USCC, enterprise id, match status (its position is its index + 1)."""


@dataclass(slots=True)
class _Ctx(kit.ImportContext):
    """What one import run knows: the file's context, and lazily loaded registry look-ups."""

    _by_uscc: dict[str, int] | None = None
    _by_name: dict[str, list[int]] | None = None
    proposed: int = 0
    ambiguous: int = 0

    # ---------------------------------------------------------------- registry look-ups

    def _load_enterprises(self) -> None:
        by_uscc: dict[str, int] = {}
        by_name: dict[str, list[int]] = defaultdict(list)
        for ident, uscc, name in self.session.execute(
            select(Enterprise.id, Enterprise.uscc, Enterprise.name)
        ):
            by_uscc[uscc] = ident
            by_name[normalize_enterprise_name(name)].append(ident)
        self._by_uscc, self._by_name = by_uscc, dict(by_name)

    @property
    def by_uscc(self) -> dict[str, int]:
        if self._by_uscc is None:
            self._load_enterprises()
        assert self._by_uscc is not None
        return self._by_uscc

    @property
    def by_name(self) -> dict[str, list[int]]:
        if self._by_name is None:
            self._load_enterprises()
        assert self._by_name is not None
        return self._by_name

    def enterprise(self, row: sp.ParsedRow, field_name: str, *, required: bool) -> int | None:
        """The enterprise with the row's USCC in ``field_name``; an error or warning if unknown."""
        uscc = row.values.get(field_name)
        if uscc is None:
            return None
        ident = self.by_uscc.get(uscc)
        if ident is None:
            if required:
                self.unknown_enterprise(row, field_name)
            else:
                self._unknown_uscc_warning(row, field_name, uscc)
        return ident

    def _unknown_uscc_warning(self, row: sp.ParsedRow, field_name: str, uscc: str) -> None:
        self.issue(
            row,
            field_name,
            "import.uscc_not_in_registry",
            Msg(
                "统一社会信用代码有效，但企业库中没有该企业：已保存代码，暂不关联",
                "valid USCC, but no such enterprise in the registry: stored, not linked",
            ),
            value=uscc,
            severity="warning",
        )

    def owners(
        self,
        row: sp.ParsedRow,
        names_field: str,
        usccs_field: str,
    ) -> list[_Wanted] | None:
        """Match the row's owners to enterprises (``None`` when the names column is absent)."""
        if names_field not in row.raw:
            return None
        names: tuple[str, ...] = row.values.get(names_field) or ()
        usccs: tuple[str | None, ...] = row.values.get(usccs_field) or ()
        if len(usccs) > len(names):
            self.issue(
                row,
                usccs_field,
                "owner.uscc_without_name",
                Msg(
                    f"统一社会信用代码有 {len(usccs)} 个，名称只有 {len(names)} 个：须逐一对应",
                    f"{len(usccs)} USCCs for {len(names)} names: they must be aligned",
                ),
            )
            return []
        out: list[_Wanted] = []
        by_uscc = self.by_uscc
        for i, name in enumerate(names):
            uscc = usccs[i] if i < len(usccs) else None
            if uscc is not None:
                ident = by_uscc.get(uscc)
                if ident is None:
                    self._unknown_uscc_warning(row, usccs_field, uscc)
                    out.append((name, uscc, None, MatchStatus.UNMATCHED))
                else:
                    out.append((name, uscc, ident, MatchStatus.USCC))
                continue
            candidates = self.by_name.get(normalize_enterprise_name(name))
            if candidates and len(candidates) == 1:
                self.proposed += 1
                out.append((name, None, candidates[0], MatchStatus.PROPOSED))
            else:
                if candidates:
                    self.ambiguous += 1
                out.append((name, None, None, MatchStatus.UNMATCHED))
        return out

    def name_match_warnings(self) -> None:
        if self.proposed:
            self.issues.append(
                Issue(
                    rule="owner.name_match_proposed",
                    severity="warning",
                    file=self.file,
                    message=Msg(
                        f"{self.proposed} 个权利人未给统一社会信用代码，按名称与企业库中唯一同名企业建议关联，"
                        "状态为“名称匹配待确认”，确认前不计入该企业",
                        f"{self.proposed} owner(s) without a USCC have a proposed link to the only "
                        "registry enterprise of that name; proposals do not count until confirmed",
                    ),
                )
            )
        if self.ambiguous:
            self.issues.append(
                Issue(
                    rule="owner.name_ambiguous",
                    severity="warning",
                    file=self.file,
                    message=Msg(
                        f"{self.ambiguous} 个权利人的名称在企业库中有多家同名企业，未关联（请补充统一社会信用代码）",
                        f"{self.ambiguous} owner name(s) match several registry enterprises; not "
                        "linked (add the USCC)",
                    ),
                )
            )

    # ---------------------------------------------------------------- IP look-ups

    def patents(self, numbers: Iterable[str]) -> dict[str, tuple[int, dt.date, dt.date | None]]:
        """Existing patents by canonical number: (id, filing date, grant date)."""
        p = Patent
        found = kit.preload(
            self.session, p.application_no, [p.id, p.filing_date, p.grant_date], numbers
        )
        return {no: (r.id, r.filing_date, r.grant_date) for no, r in found.items()}

    def history(
        self, table: str, record_id: int, key: str, changes: dict[str, list[Any]]
    ) -> dict[str, Any]:
        return self.history_row(table, record_id, key, "update", changes, utcnow())


def _unknown_patent(ctx: _Ctx, row: sp.ParsedRow, field_name: str, no: str) -> None:
    ctx.issue(
        row,
        field_name,
        "import.unknown_patent",
        Msg(
            f"专利库中没有申请号 {no}，请先导入专利",
            f"no patent {no} in the IP registry; import the patent first",
        ),
        value=no,
    )


# =============================================================================== owners


@dataclass(slots=True)
class _OwnerRow:
    id: int
    patent_id: int
    position: int
    name: str
    uscc: str | None
    enterprise_id: int | None
    match_status: MatchStatus
    valid_from: dt.date
    valid_to: dt.date | None
    reviewed_by: str | None
    version: int


_REVIEWED = (MatchStatus.CONFIRMED, MatchStatus.REJECTED)
_OWNER_TABLE = cast(Table, PatentOwner.__table__)


def _load_owners(session: Session, patent_ids: Iterable[int]) -> dict[int, list[_OwnerRow]]:
    out: dict[int, list[_OwnerRow]] = defaultdict(list)
    t = _OWNER_TABLE.c
    cols = (
        t.id,
        t.patent_id,
        t.position,
        t.name,
        t.uscc,
        t.enterprise_id,
        t.match_status,
        t.valid_from,
        t.valid_to,
        t.reviewed_by,
        t.version,
    )
    for chunk in kit.chunks(sorted(set(patent_ids))):
        for r in session.execute(select(*cols).where(t.patent_id.in_(chunk))):
            out[r.patent_id].append(_OwnerRow(*r))
    return out


def _owner_text(rows: Iterable[tuple[dt.date, dt.date | None, int, str, str | None]]) -> str:
    parts: dict[tuple[dt.date, dt.date | None], list[str]] = defaultdict(list)
    for vf, vt, pos, name, uscc in sorted(rows, key=lambda r: (r[0], r[2])):
        parts[(vf, vt)].append(f"{pos}.{name}" + (f"（{uscc}）" if uscc else ""))
    return " | ".join(
        f"{vf.isoformat()}~{vt.isoformat() if vt else ''}: {'；'.join(names)}"
        for (vf, vt), names in parts.items()
    )


@dataclass(slots=True)
class _OwnerWrites:
    """Owner rows to delete, update and insert, and one history row per changed patent."""

    deletes: list[int] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    inserts: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)

    def plan(
        self,
        ctx: _Ctx,
        patent_id: int,
        key: str,
        existing: list[_OwnerRow],
        replace: dict[dt.date, tuple[dt.date, list[_Wanted] | None]],
    ) -> None:
        """Replace owner groups of one patent and re-chain the periods.

        Owners form groups by ``valid_from`` (the filing date for the original owners, a
        transfer's date for the owners it brings). ``replace`` maps a group's current start to
        its new start and wanted owners (``None``: keep the owners, only move the start). An owner
        already stored at the same position with the same name and USCC is kept (with any review
        a person made); each group ends the day before the next group starts.
        """
        groups: dict[dt.date, list[_OwnerRow]] = defaultdict(list)
        for r in existing:
            groups[r.valid_from].append(r)
        final: dict[dt.date, list[tuple[_OwnerRow | None, _Wanted, str | None]]] = {}
        for start, rows in groups.items():
            if start not in replace:
                final[start] = [
                    (r, (r.name, r.uscc, r.enterprise_id, r.match_status), r.reviewed_by)
                    for r in sorted(rows, key=lambda r: r.position)
                ]
        for old_start, (new_start, wanted) in replace.items():
            old_rows = sorted(groups.get(old_start, []), key=lambda r: r.position)
            if wanted is None:
                if old_rows:
                    final[new_start] = [
                        (r, (r.name, r.uscc, r.enterprise_id, r.match_status), r.reviewed_by)
                        for r in old_rows
                    ]
                continue
            by_pos = {r.position: r for r in old_rows}
            group: list[tuple[_OwnerRow | None, _Wanted, str | None]] = []
            for pos, want in enumerate(wanted, start=1):
                old = by_pos.get(pos)
                if old is not None and old.name == want[0] and old.uscc == want[1]:
                    if old.match_status in _REVIEWED:
                        want = (want[0], want[1], old.enterprise_id, old.match_status)
                    group.append((old, want, old.reviewed_by))
                else:
                    group.append((None, want, None))
            if group:
                final[new_start] = group
        starts = sorted(final)
        now = utcnow()
        used: set[int] = set()
        before = [(r.valid_from, r.valid_to, r.position, r.name, r.uscc) for r in existing]
        after: list[tuple[dt.date, dt.date | None, int, str, str | None]] = []
        changed = False
        for i, start in enumerate(starts):
            end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else None
            for pos, (old, (name, uscc, ent, status), reviewed) in enumerate(final[start], 1):
                after.append((start, end, pos, name, uscc))
                values = {
                    "position": pos,
                    "name": name,
                    "uscc": uscc,
                    "enterprise_id": ent,
                    "match_status": status,
                    "valid_from": start,
                    "valid_to": end,
                    "reviewed_by": reviewed,
                }
                if old is not None and old.id not in used:
                    used.add(old.id)
                    current = {
                        "position": old.position,
                        "name": old.name,
                        "uscc": old.uscc,
                        "enterprise_id": old.enterprise_id,
                        "match_status": old.match_status,
                        "valid_from": old.valid_from,
                        "valid_to": old.valid_to,
                        "reviewed_by": old.reviewed_by,
                    }
                    if current != values:
                        changed = True
                        self.updates.append(
                            {
                                **{f"v_{k}": v for k, v in values.items()},
                                "_id": old.id,
                                "v_version": old.version + 1,
                                "v_updated_at": now,
                            }
                        )
                else:
                    changed = True
                    self.inserts.append(_owner_insert(patent_id, values, now))
        gone = [r.id for r in existing if r.id not in used]
        if gone:
            changed = True
            self.deletes.extend(gone)
        if not changed:
            return
        self.changed.add(patent_id)
        old_text, new_text = _owner_text(before), _owner_text(after)
        if old_text != new_text:
            self.history.append(
                ctx.history("patent", patent_id, key, {"owners": [old_text, new_text]})
            )
        else:  # only the links changed (e.g. the enterprise is now in the registry)
            links_before = [
                f"{r.position}.{r.name}:{r.match_status.value}"
                for r in sorted(existing, key=lambda r: (r.valid_from, r.position))
            ]
            links_after = [
                f"{pos}.{name}:{status.value}"
                for start in starts
                for pos, (_, (name, _u, _e, status), _r) in enumerate(final[start], 1)
            ]
            self.history.append(
                ctx.history(
                    "patent",
                    patent_id,
                    key,
                    {"owner_links": ["；".join(links_before), "；".join(links_after)]},
                )
            )

    def execute(self, session: Session) -> None:
        if self.deletes:
            for chunk in kit.chunks(self.deletes):
                session.execute(delete(_OWNER_TABLE).where(_OWNER_TABLE.c.id.in_(chunk)))
        if self.updates:
            fields = [
                "position",
                "name",
                "uscc",
                "enterprise_id",
                "match_status",
                "valid_from",
                "valid_to",
                "reviewed_by",
                "version",
                "updated_at",
            ]
            stmt = (
                update(_OWNER_TABLE)
                .where(_OWNER_TABLE.c.id == bindparam("_id"))
                .values({f: bindparam(f"v_{f}") for f in fields})
            )
            session.execute(stmt, self.updates)
        if self.inserts:
            for chunk in kit.chunks(self.inserts, _INSERT_CHUNK):
                session.execute(insert(_OWNER_TABLE), list(chunk))
        if self.history:
            session.execute(insert(ChangeHistory), self.history)


def _owner_insert(patent_id: int, values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    return {
        "patent_id": patent_id,
        **values,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


# =============================================================================== kinds

Writer = kit.Writer[_Ctx]
"""Writes a checked file (after the batch exists); fills the report's counts."""


def _mark_updated(report: ImportReport, n: int) -> None:
    """``n`` records the upsert found unchanged had dependent rows changed: count them updated."""
    n = min(n, report.unchanged)
    report.unchanged -= n
    report.updated += n


_TYPE_OF_KIND = {
    "invention": PatentType.INVENTION,
    "utility_model": PatentType.UTILITY_MODEL,
    "design": PatentType.DESIGN,
    "pct_invention": PatentType.INVENTION,
    "pct_utility_model": PatentType.UTILITY_MODEL,
}
_PCT_ENTRY_YEARS = 3
"""A PCT national-phase number carries the year of entry, up to this many years after filing."""


# ------------------------------------------------------------------------------- patents


def _prepare_patents(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    headers = rows[0].raw if rows else {}
    if "owner_usccs" in headers and "owner_names" not in headers:
        ctx.issues.append(
            Issue(
                rule="import.missing_column",
                file=ctx.file,
                column=PATENTS.column("owner_names").zh,
                message=Msg(
                    "有“申请人统一社会信用代码”列时，必须同时有“申请人/专利权人”列",
                    "an Owner USCCs column needs the Owners column as well",
                ),
            )
        )
    latest = today()
    has_pct = "pct_international_no" in headers
    wanted_by_row: list[list[_Wanted] | None] = []
    for r in rows:
        v = r.values
        pn: PatentApplicationNumber = v["application_no"]
        derived = _TYPE_OF_KIND[pn.kind]
        pct_phase = pn.type_code in ("8", "9")
        given = v.get("patent_type")
        if given is not None and given is not derived:
            ctx.issue(
                r,
                "patent_type",
                "patent.type_mismatch",
                Msg(
                    f"专利类型“{given.label.zh}”与申请号第 5 位类型代码 {pn.type_code}（{derived.label.zh}）不一致",
                    f"patent type '{given.label.en}' disagrees with type code {pn.type_code} "
                    f"of the application number ({derived.label.en})",
                ),
            )
        filed: dt.date = v["filing_date"]
        if pct_phase:
            year_ok = filed.year <= pn.year <= filed.year + _PCT_ENTRY_YEARS
        else:
            year_ok = filed.year == pn.year
        if not year_ok:
            written = pn.canonical[:2] if pn.legacy else str(pn.year)
            ctx.issue(
                r,
                "filing_date",
                "patent.year_mismatch",
                Msg(
                    f"申请日年份 {filed.year} 与申请号中的年份 {written} 不一致"
                    + (
                        "（PCT 国家阶段申请号年份为进入国家阶段的年份，应在国际申请日后 0–3 年内）"
                        if pct_phase
                        else ""
                    ),
                    f"filing year {filed.year} disagrees with the year {written} in the application number"
                    + (
                        " (a PCT national-phase number carries the entry year, 0-3 years after filing)"
                        if pct_phase
                        else ""
                    ),
                ),
            )
        granted: dt.date | None = v.get("grant_date")
        published: dt.date | None = v.get("publication_date")
        if granted is not None and granted < filed:
            ctx.issue(
                r,
                "grant_date",
                "patent.grant_before_filing",
                Msg("授权日早于申请日", "the grant date is before the filing date"),
            )
        if granted is not None and granted > latest:
            ctx.issue(
                r,
                "grant_date",
                "patent.grant_in_future",
                Msg("授权日晚于今天", "the grant date is in the future"),
            )
        if published is not None and published < filed:
            ctx.issue(
                r,
                "publication_date",
                "patent.publication_before_filing",
                Msg("公开（公告）日早于申请日", "the publication date is before the filing date"),
            )
        wanted_by_row.append(ctx.owners(r, "owner_names", "owner_usccs"))
        v["application_no"] = pn.canonical
        v["patent_type"] = derived
        v["pct_national_phase"] = pct_phase
        if "ipc_classes" in v:
            classes: tuple[str, ...] | None = v["ipc_classes"]
            main = v.get("main_ipc")
            if classes and main:
                classes = (main, *(c for c in classes if c != main))
            v["ipc_classes"] = ";".join(classes) if classes else None
        if "foreign_family_count" in v and v["foreign_family_count"] is None:
            v["foreign_family_count"] = 0
        v.pop("owner_names", None)
        v.pop("owner_usccs", None)
    ctx.name_match_warnings()
    if ctx.failed:
        return kit.nothing

    def write(ctx: _Ctx, report: ImportReport, progress: Progress | None) -> None:
        session = ctx.session
        pct_ids: dict[str, int] = {}
        if has_pct:
            pct_ids = dict(session.execute(select(PctFiling.international_no, PctFiling.id)).all())
        existing: dict[str, tuple[int, dt.date, int | None]] = {}
        numbers = [r.values["application_no"] for r in rows]
        for chunk in kit.chunks(numbers):
            for no, ident, filed, batch in session.execute(
                select(
                    Patent.application_no, Patent.id, Patent.filing_date, Patent.import_batch_id
                ).where(Patent.application_no.in_(chunk))
            ):
                existing[no] = (ident, filed, batch)
        payload: list[dict[str, Any]] = []
        for r in rows:
            v = r.values
            if has_pct:
                pct_no = v.get("pct_international_no")
                v["pct_filing_id"] = pct_ids.get(pct_no) if pct_no else None
            old = existing.get(v["application_no"])
            v["import_batch_id"] = old[2] if old is not None else ctx.batch_id
            payload.append(v)
        res = ctx.upsert(
            Patent,
            payload,
            key=("application_no",),
            progress=kit.write_tick(progress, len(rows)),
            history_on_create=False,
        )
        kit.set_counts(report, res)
        updated_keys = {k[0] for k, action, _ in res.changes if action == "update"}
        # Owners of new patents: straight bulk insert, no look-ups.
        now = utcnow()
        batch_rows: list[dict[str, Any]] = []
        for r, wanted in zip(rows, wanted_by_row, strict=True):
            no = r.values["application_no"]
            if no in existing or not wanted:
                continue
            pid = res.ids[(no,)]
            filed = r.values["filing_date"]
            for pos, (name, uscc, ent, status) in enumerate(wanted, start=1):
                batch_rows.append(
                    {
                        "patent_id": pid,
                        "position": pos,
                        "name": name,
                        "uscc": uscc,
                        "enterprise_id": ent,
                        "match_status": status,
                        "valid_from": filed,
                        "valid_to": None,
                        "reviewed_by": None,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if len(batch_rows) >= _INSERT_CHUNK:
                session.execute(insert(_OWNER_TABLE), batch_rows)
                batch_rows = []
        if batch_rows:
            session.execute(insert(_OWNER_TABLE), batch_rows)
        # Owners of patents already stored: compare the original owners, re-chain the periods.
        touched = [
            (r, wanted, existing[r.values["application_no"]])
            for r, wanted in zip(rows, wanted_by_row, strict=True)
            if r.values["application_no"] in existing
            and (
                wanted is not None
                or existing[r.values["application_no"]][1] != r.values["filing_date"]
            )
        ]
        if touched:
            stored = _load_owners(session, [old[0] for _, _, old in touched])
            writes = _OwnerWrites()
            for r, wanted, (pid, old_filed, _batch) in touched:
                writes.plan(
                    ctx,
                    pid,
                    r.values["application_no"],
                    stored.get(pid, []),
                    {old_filed: (r.values["filing_date"], wanted)},
                )
            writes.execute(session)
            by_id = {old[0]: r.values["application_no"] for r, _, old in touched}
            _mark_updated(
                report, sum(1 for pid in writes.changed if by_id[pid] not in updated_keys)
            )

    return write


# ------------------------------------------------------------------------------- events


def _prepare_events(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    known = ctx.patents(r.values["application_no"].canonical for r in rows)
    for r in rows:
        r.values["application_no"] = r.values["application_no"].canonical
    ids = {no: p[0] for no, p in known.items()}
    stored: dict[int, dict[tuple[EventKind, dt.date], str | None]] = defaultdict(dict)
    for chunk in kit.chunks(sorted(ids.values())):
        for ev in ctx.session.execute(
            select(
                PatentEvent.patent_id,
                PatentEvent.kind,
                PatentEvent.event_date,
                PatentEvent.new_owner_usccs,
            ).where(PatentEvent.patent_id.in_(chunk))
        ):
            stored[ev.patent_id][(ev.kind, ev.event_date)] = ev.new_owner_usccs
    timeline: dict[int, set[tuple[EventKind, dt.date]]] = defaultdict(set)
    for pid, events in stored.items():
        timeline[pid].update(events)
    for r in rows:
        p = known.get(r.values["application_no"])
        if p is not None:
            timeline[p[0]].add((r.values["kind"], r.values["event_date"]))

    ok_rows: list[sp.ParsedRow] = []
    wanted_by_row: list[list[_Wanted] | None] = []
    for r in rows:
        v = r.values
        no = v["application_no"]
        p = known.get(no)
        if p is None:
            _unknown_patent(ctx, r, "application_no", no)
            continue
        pid, _filed, granted = p
        kind: EventKind = v["kind"]
        day: dt.date = v["event_date"]
        if granted is None or day <= granted:
            ctx.issue(
                r,
                "event_date",
                "event.before_grant",
                Msg(
                    "该专利尚未授权：法律事件只能在授权日之后"
                    if granted is None
                    else f"事件日期须晚于授权日 {granted.isoformat()}",
                    "the patent is not granted: legal-status events come after the grant"
                    if granted is None
                    else f"the event must be after the grant date {granted.isoformat()}",
                ),
            )
        if kind is EventKind.RESTORATION and not _lapsed_before(timeline[pid], day):
            ctx.issue(
                r,
                "kind",
                "event.restoration_without_lapse",
                Msg(
                    "恢复权利之前没有未缴年费终止事件（库中和本文件中均无）",
                    "restoration without an earlier lapse (neither stored nor in this file)",
                ),
                value=kind.label.zh,
            )
        names = v.get("new_owner_names")
        if kind is EventKind.TRANSFER:
            if not names:
                ctx.issue(
                    r,
                    "new_owner_names" if "new_owner_names" in r.raw else "kind",
                    "event.transfer_without_owners",
                    Msg("权利转移须填写受让人", "a transfer needs the new owners"),
                )
                wanted_by_row.append(None)
            else:
                if "new_owner_usccs" not in r.raw:
                    text = stored.get(pid, {}).get((kind, day))
                    r.values["new_owner_usccs"] = (
                        tuple(u or None for u in text.split(";")) if text else ()
                    )
                wanted_by_row.append(ctx.owners(r, "new_owner_names", "new_owner_usccs"))
        else:
            if names or v.get("new_owner_usccs"):
                ctx.issue(
                    r,
                    "new_owner_names",
                    "event.owners_not_transfer",
                    Msg(
                        "只有权利转移事件才有受让人：已忽略该列的值",
                        "only transfers have new owners: the value is ignored",
                    ),
                    severity="warning",
                )
            wanted_by_row.append(None)
        v["patent_id"] = pid
        ok_rows.append(r)
    ctx.name_match_warnings()
    if ctx.failed:
        return kit.nothing
    has_names = "new_owner_names" in (rows[0].raw if rows else {})
    has_usccs = "new_owner_usccs" in (rows[0].raw if rows else {})
    payload: list[dict[str, Any]] = []
    for r in ok_rows:
        v = r.values
        transfer = v["kind"] is EventKind.TRANSFER
        item: dict[str, Any] = {
            "patent_id": v["patent_id"],
            "kind": v["kind"],
            "event_date": v["event_date"],
        }
        if "detail" in v:
            item["detail"] = v["detail"]
        if has_names:
            item["new_owner_names"] = ";".join(v["new_owner_names"]) if transfer else None
        if has_usccs:
            new_usccs: tuple[str | None, ...] = v.get("new_owner_usccs") or ()
            item["new_owner_usccs"] = (
                ";".join(u or "" for u in new_usccs) if transfer and any(new_usccs) else None
            )
        payload.append(item)

    def write(ctx: _Ctx, report: ImportReport, progress: Progress | None) -> None:
        session = ctx.session
        numbers = {r.values["patent_id"]: r.values["application_no"] for r in ok_rows}
        res = ctx.upsert(
            PatentEvent,
            payload,
            key=("patent_id", "kind", "event_date"),
            key_label=lambda p: (
                f"{numbers[p['patent_id']]}/{p['kind'].value}/{p['event_date'].isoformat()}"
            ),
            progress=kit.write_tick(progress, len(payload)),
            history_on_create=False,
        )
        kit.set_counts(report, res)
        changed_keys = {k for k, _action, _ in res.changes}
        transfers: dict[int, dict[dt.date, tuple[dt.date, list[_Wanted] | None]]] = defaultdict(
            dict
        )
        for r, wanted in zip(ok_rows, wanted_by_row, strict=True):
            if wanted is not None:
                day = r.values["event_date"]
                transfers[r.values["patent_id"]][day] = (day, wanted)
        if not transfers:
            return
        owners = _load_owners(session, transfers)
        writes = _OwnerWrites()
        for pid, replace in transfers.items():
            writes.plan(ctx, pid, numbers[pid], owners.get(pid, []), replace)
        writes.execute(session)
        _mark_updated(
            report,
            sum(
                1
                for r in ok_rows
                if r.values["patent_id"] in writes.changed
                and r.values["kind"] is EventKind.TRANSFER
                and (r.values["patent_id"], EventKind.TRANSFER, r.values["event_date"])
                not in changed_keys
            ),
        )

    return write


def _lapsed_before(events: set[tuple[EventKind, dt.date]], day: dt.date) -> bool:
    """Whether the patent is lapsed just before ``day``: a lapse, not yet restored, before it."""
    lapses = [d for k, d in events if k is EventKind.LAPSE and d < day]
    if not lapses:
        return False
    last_lapse = max(lapses)
    restored = [d for k, d in events if k is EventKind.RESTORATION and last_lapse < d < day]
    return not restored


# ------------------------------------------------------------------------------- PCT


def _prepare_pct(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    for r in rows:
        v = r.values
        no: str = v["international_no"]
        if _pct_year(no) != v["filing_date"].year:
            ctx.issue(
                r,
                "filing_date",
                "pct.year_mismatch",
                Msg(
                    f"国际申请日年份 {v['filing_date'].year} 与国际申请号中的年份不一致（{no}）",
                    f"filing year {v['filing_date'].year} disagrees with the year in {no}",
                ),
            )
        office = no[4:6]
        if v["receiving_office"] not in (office, "IB"):
            ctx.issue(
                r,
                "receiving_office",
                "pct.office_mismatch",
                Msg(
                    f"受理局 {v['receiving_office']} 与国际申请号中的国家代码 {office} 不一致",
                    f"receiving office {v['receiving_office']} differs from {office} in the number",
                ),
                severity="warning",
            )
        if "applicant_uscc" in r.raw:
            v["applicant_enterprise_id"] = ctx.enterprise(r, "applicant_uscc", required=False)
            del v["applicant_uscc"]
    if ctx.failed:
        return kit.nothing

    def write(ctx: _Ctx, report: ImportReport, progress: Progress | None) -> None:
        res = ctx.upsert(
            PctFiling,
            [r.values for r in rows],
            key=("international_no",),
            progress=kit.write_tick(progress, len(rows)),
        )
        kit.set_counts(report, res)
        # Link patents that name these PCT filings (imported before or now).
        ids = {k[0]: ident for k, ident in res.ids.items()}
        relinked = _link_patents_to_pct(ctx, ids)
        changed = {k[0] for k, _a, _c in res.changes}
        _mark_updated(report, len(relinked - changed))

    return write


def _link_patents_to_pct(ctx: _Ctx, ids: dict[str, int]) -> set[str]:
    """Point patents naming these PCT numbers at their filings; the numbers whose links changed."""
    session = ctx.session
    relinked: set[str] = set()
    now = utcnow()
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for chunk in kit.chunks(sorted(ids)):
        for pid, no, pct_no, current, version in session.execute(
            select(
                Patent.id,
                Patent.application_no,
                Patent.pct_international_no,
                Patent.pct_filing_id,
                Patent.version,
            ).where(Patent.pct_international_no.in_(chunk))
        ):
            if pct_no is None or (want := ids[pct_no]) == current:
                continue
            relinked.add(pct_no)
            updates.append({"_id": pid, "v_pct": want, "v_version": version + 1, "v_now": now})
            history.append(ctx.history("patent", pid, no, {"pct_filing_id": [current, want]}))
    if updates:
        table = cast(Table, Patent.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                pct_filing_id=bindparam("v_pct"),
                version=bindparam("v_version"),
                updated_at=bindparam("v_now"),
            ),
            updates,
        )
        session.execute(insert(ChangeHistory), history)
    return relinked


# ------------------------------------------------------------------------------- pledges


def _prepare_pledges(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    known = ctx.patents(pn.canonical for r in rows for pn in r.values["application_nos"])
    institutions = _institutions(ctx, rows, "pledgee_code")
    headers = rows[0].raw if rows else {}
    if "pledgee_code" not in headers and "pledgee_name" not in headers:
        ctx.issues.append(
            Issue(
                rule="import.missing_column",
                file=ctx.file,
                column=PLEDGES.column("pledgee_name").zh,
                message=Msg(
                    "缺少质权人列：须有“质权人机构代码”或“质权人”列",
                    "missing the pledgee: the file needs a Pledgee code or a Pledgee column",
                ),
            )
        )
    links: dict[str, list[int]] = {}
    for r in rows:
        v = r.values
        patent_ids: list[int] = []
        for pn in v.pop("application_nos"):
            p = known.get(pn.canonical)
            if p is None:
                _unknown_patent(ctx, r, "application_nos", pn.canonical)
            else:
                patent_ids.append(p[0])
        links[v["registration_no"]] = patent_ids
        if v["amount"] <= 0:
            ctx.issue(
                r,
                "amount",
                "money.not_positive",
                Msg("质押金额须大于 0", "the pledged amount must be greater than 0"),
            )
        release = v.get("release_date")
        if release is not None and release < v["registration_date"]:
            ctx.issue(
                r,
                "release_date",
                "pledge.release_before_registration",
                Msg("解除日早于登记日", "the release date is before the registration date"),
            )
        if "pledgor_uscc" in headers:
            v["pledgor_enterprise_id"] = ctx.enterprise(r, "pledgor_uscc", required=False)
            del v["pledgor_uscc"]
        inst_name: str | None = None
        code: str | None = None
        if "pledgee_code" in headers:
            code = v.pop("pledgee_code")
            inst = institutions.get(code) if code else None
            if code and inst is None:
                ctx.issue(
                    r,
                    "pledgee_code",
                    "import.unknown_institution",
                    Msg(
                        f"机构库中没有代码为 {code} 的机构，请先导入机构",
                        f"no institution {code} in the registry; import it first",
                    ),
                    value=code,
                )
            v["pledgee_institution_id"] = inst[0] if inst else None
            inst_name = inst[1] if inst else None
        if "pledgee_code" in headers or "pledgee_name" in headers:
            v["pledgee_name"] = v.get("pledgee_name") or inst_name
            if v["pledgee_name"] is None and code is None:
                ctx.issue(
                    r,
                    "pledgee_name" if "pledgee_name" in headers else "pledgee_code",
                    "pledge.pledgee_missing",
                    Msg("须填写质权人机构代码或质权人名称", "give the pledgee's code or name"),
                )
    if ctx.failed:
        return kit.nothing

    def write(ctx: _Ctx, report: ImportReport, progress: Progress | None) -> None:
        session = ctx.session
        res = ctx.upsert(
            Pledge,
            [r.values for r in rows],
            key=("registration_no",),
            progress=kit.write_tick(progress, len(rows)),
        )
        kit.set_counts(report, res)
        changed_keys = {k[0] for k, _a, _c in res.changes}
        created_keys = {k[0] for k, action, _c in res.changes if action == "create"}
        pledge_ids = {reg: res.ids[(reg,)] for reg in links}
        have: dict[int, dict[int, str]] = defaultdict(dict)
        pp = pledge_patent.c
        for chunk in kit.chunks(sorted(pledge_ids.values())):
            for pledge_id, pid, no in session.execute(
                select(pp.pledge_id, Patent.id, Patent.application_no)
                .join(Patent, Patent.id == pp.patent_id)
                .where(pp.pledge_id.in_(chunk))
            ):
                have[pledge_id][pid] = no
        numbers = {p[0]: no for no, p in known.items()}
        inserts: list[dict[str, int]] = []
        history: list[dict[str, Any]] = []
        relinked = 0
        for reg, want in links.items():
            ident = pledge_ids[reg]
            old = have.get(ident, {})
            if set(old) == set(want):
                continue
            if old:
                session.execute(delete(pledge_patent).where(pp.pledge_id == ident))
            inserts.extend({"pledge_id": ident, "patent_id": pid} for pid in want)
            if reg not in created_keys:
                history.append(
                    ctx.history(
                        "pledge",
                        ident,
                        reg,
                        {
                            "patents": [
                                ";".join(sorted(old.values())),
                                ";".join(sorted(numbers[p] for p in want)),
                            ]
                        },
                    )
                )
                if reg not in changed_keys:
                    relinked += 1
        if inserts:
            session.execute(insert(pledge_patent), inserts)
        if history:
            session.execute(insert(ChangeHistory), history)
        _mark_updated(report, relinked)

    return write


def _institutions(
    ctx: _Ctx, rows: list[sp.ParsedRow], field_name: str
) -> dict[str, tuple[int, str]]:
    found = kit.preload(
        ctx.session,
        Institution.code,
        [Institution.id, Institution.name],
        (r.values[field_name] for r in rows if r.values.get(field_name)),
    )
    return {code: (r.id, r.name) for code, r in found.items()}


# ------------------------------------------------------------------------------- centres etc.


def _simple_writer(model: type[Any], rows: list[sp.ParsedRow], key: tuple[str, ...]) -> Writer:
    def write(ctx: _Ctx, report: ImportReport, progress: Progress | None) -> None:
        res = ctx.upsert(
            model,
            [r.values for r in rows],
            key=key,
            key_label=lambda p: "/".join(str(getattr(p[k], "value", p[k])) for k in key),
            progress=kit.write_tick(progress, len(rows)),
        )
        kit.set_counts(report, res)

    return write


def _prepare_centres(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    institutions = _institutions(ctx, rows, "operator_institution_code")
    for r in rows:
        v = r.values
        if "operator_uscc" in r.raw:
            v["operator_enterprise_id"] = ctx.enterprise(r, "operator_uscc", required=False)
            del v["operator_uscc"]
        if "operator_institution_code" in r.raw:
            code = v.pop("operator_institution_code")
            inst = institutions.get(code) if code else None
            if code and inst is None:
                ctx.issue(
                    r,
                    "operator_institution_code",
                    "import.unknown_institution",
                    Msg(
                        f"机构库中没有代码为 {code} 的机构，请先导入机构",
                        f"no institution {code} in the registry; import it first",
                    ),
                    value=code,
                )
            v["operator_institution_id"] = inst[0] if inst else None
    return kit.nothing if ctx.failed else _simple_writer(IpCentre, rows, ("code",))


def _prepare_programmes(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    for r in rows:
        if "uscc" in r.raw:
            r.values["enterprise_id"] = ctx.enterprise(r, "uscc", required=True)
            del r.values["uscc"]
    return kit.nothing if ctx.failed else _simple_writer(IpProgramme, rows, ("code",))


def _prepare_awards(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    has_no = any("application_no" in r.raw for r in rows)
    known = (
        ctx.patents(
            r.values["application_no"].canonical for r in rows if r.values.get("application_no")
        )
        if has_no
        else {}
    )
    seen: dict[tuple[Any, ...], int] = {}
    for r in rows:
        v = r.values
        pn: PatentApplicationNumber | None = v.pop("application_no", None)
        if has_no:
            p = known.get(pn.canonical) if pn else None
            if pn is not None and p is None:
                _unknown_patent(ctx, r, "application_no", pn.canonical)
            v["patent_id"] = p[0] if p else None
        uscc = v.get("uscc")
        if "uscc" in r.raw:
            v["enterprise_id"] = ctx.enterprise(r, "uscc", required=False)
            del v["uscc"]
        recipient = pn.canonical if pn else uscc or v.get("recipient_name")
        if recipient is None:
            ctx.issue(
                r,
                "recipient_name",
                "award.recipient_missing",
                Msg(
                    "须填写申请号、统一社会信用代码或获奖单位之一",
                    "give the application number, the USCC or the recipient's name",
                ),
            )
            continue
        v["recipient_key"] = recipient[:60]
        key = (v["kind"], v["edition"], v["recipient_key"])
        if key in seen:
            ctx.issue(
                r,
                "edition",
                "import.duplicate_key",
                Msg(
                    f"与第 {seen[key]} 行重复（同一奖项、届次和获奖对象）",
                    f"duplicates row {seen[key]} (same award, edition and recipient)",
                ),
                value=f"{v['kind'].value} / {v['edition']} / {recipient}",
            )
        else:
            seen[key] = r.row
    if ctx.failed:
        return kit.nothing
    return _simple_writer(IpAward, rows, ("kind", "edition", "recipient_key"))


def _prepare_concordance(ctx: _Ctx, rows: list[sp.ParsedRow]) -> Writer:
    for r in rows:
        if "illustrative" in r.values and r.values["illustrative"] is None:
            r.values["illustrative"] = False
    return _simple_writer(IpcConcordance, rows, ("ipc_prefix",))


_PREPARE: dict[str, Callable[[_Ctx, list[sp.ParsedRow]], Writer]] = {
    "patents": _prepare_patents,
    "events": _prepare_events,
    "pct": _prepare_pct,
    "pledges": _prepare_pledges,
    "centres": _prepare_centres,
    "programmes": _prepare_programmes,
    "awards": _prepare_awards,
    "concordance": _prepare_concordance,
}


# =============================================================================== entry points


def import_file(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str = "cli",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file of ``kind`` into the IP registry, all or nothing.

    Args:
        session: the caller's session; the caller commits (or, for a dry run, rolls back).
        kind: one of :data:`SPECS` (``patents``, ``events``, ``pct``, ``pledges``, ``centres``,
            ``programmes``, ``awards``, ``concordance``).
        path: CSV or XLSX file.
        actor: who imports (for history).
        dry_run: mark the report as a dry run (the caller must roll back).
        progress: optional progress callback ``(stage, done, total)``.

    Raises:
        KeyError: unknown ``kind``.
        ImportRejected: with every issue, when any row has an error. Nothing is written.
    """
    return kit.import_prepared(
        session=session,
        kind=kind,
        spec=SPECS[kind],
        path=Path(path),
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        context=_Ctx,
        prepare=_PREPARE[kind],
        batch_kind=kind,
        source=f"ip import {kind}",
    )


ILLUSTRATIVE_CONCORDANCE = "ipc_sei_concordance_illustrative.csv"
"""The small illustrative IPC → SEI table shipped in ``kechuang/ip/data`` (not official)."""


def load_illustrative_concordance(session: Session, actor: str = "kechuang") -> ImportReport:
    """Import the shipped illustrative concordance through :func:`import_file` (idempotent).

    The file is a hand-made subset marked ``illustrative`` — for demos and tests, not the
    official CNIPA concordance of IPC and the strategic-emerging-industry classification.
    """
    resource = resources.files("kechuang.ip").joinpath("data", ILLUSTRATIVE_CONCORDANCE)
    with resources.as_file(resource) as path:
        return import_file(session=session, kind="concordance", path=path, actor=actor)
