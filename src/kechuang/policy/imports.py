"""File imports of the policy domain: programme/policy entries and external statistics.

Same guarantees as :mod:`kechuang.registry.imports`: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX,
Chinese or English headers, every row checked before anything is written, all or nothing
(:class:`~kechuang.core.errors.ImportRejected` lists every issue, row by row, in both languages),
idempotent on the natural key (policy entries by ``code``; external statistics by ``key`` and
``period_year``), one :class:`~kechuang.storage.history.ImportBatch` per file that changed
something, one history row per created or changed record.

List cells (bodies, indicator keys, product keys) are separated by ``；`` ``;`` ``、`` or ``|``.
An external statistic's value may carry 万 or 亿 (``2475.89万`` → 24758900); it is stored in the
base unit named in the ``unit`` column, exact to 4 decimals.

:func:`load_shipped` imports the Shanghai 2023 entries and external statistics shipped in
``kechuang/policy/data`` through this same path (the demo uses it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kechuang.core import importspec as sp
from kechuang.core.errors import Issue
from kechuang.core.i18n import Msg
from kechuang.core.money import decimal_from_cell
from kechuang.core.tabular import RawTable
from kechuang.policy.enums import PolicyKind, SourceStatus
from kechuang.policy.models import ExternalStatistic, PolicyItem
from kechuang.policy.schemas import CODE_PATTERN, KEY_PATTERN, SECTION_PATTERN
from kechuang.registry import import_kit as kit
from kechuang.registry.import_kit import ImportReport, Progress
from kechuang.storage.base import Base

__all__ = [
    "SHIPPED_FILES",
    "SPECS",
    "ImportReport",
    "import_external_statistics",
    "import_file",
    "import_policy_items",
    "load_shipped",
    "read_and_parse",
    "spec_for",
]

_LIST_SPLIT = re.compile(r"[;；、|｜\n]+")


# ---------------------------------------------------------------- parsers


def _text_list(*, key_pattern: str | None = None) -> sp.Parser:
    """A list of texts separated by ；/;/、/|; with ``key_pattern`` every item must match it."""
    rx = re.compile(key_pattern) if key_pattern else None

    def parse(value: Any) -> list[str]:
        items: list[str] = []
        for part in _LIST_SPLIT.split(unicodedata.normalize("NFKC", str(value))):
            s = part.strip()
            if not s or s in items:
                continue
            if rx is not None and not rx.fullmatch(s):
                raise sp.FieldError(
                    "value.key",
                    Msg(
                        f"“{s}”不是合法的键（小写字母、数字和下划线）",
                        f"'{s}' is not a key (lower-case letters, digits and _)",
                    ),
                )
            items.append(s)
        return items

    return parse


_SCALE = {"万": Decimal(10**4), "亿": Decimal(10**8), "万亿": Decimal(10**12)}
_QUANTITY = re.compile(r"(?P<num>[+-]?(\d+(\.\d*)?|\.\d+))(?P<scale>万亿|万|亿)?")


def _quantity() -> sp.Parser:
    """A number, optionally with 万/亿/万亿 (``2475.89万``), exact to 4 decimals after scaling."""

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise sp.FieldError("value.number", Msg("应为数字", "must be a number"))
        if isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, float):
            d = decimal_from_cell(value)
        else:
            s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
            m = _QUANTITY.fullmatch(s)
            if m is None:
                raise sp.FieldError(
                    "value.number",
                    Msg(
                        "应为数字，可带“万”或“亿”，如 2475.89万", "must be a number, e.g. 24758900"
                    ),
                )
            try:
                d = Decimal(m.group("num"))
            except InvalidOperation as exc:  # pragma: no cover - the regex guards this
                raise sp.FieldError("value.number", Msg("应为数字", "must be a number")) from exc
            if m.group("scale"):
                d *= _SCALE[m.group("scale")]
        if d != d.quantize(Decimal("0.0001")):
            raise sp.FieldError(
                "value.precision",
                Msg("数值最多保留 4 位小数（按基本单位）", "at most 4 decimals (in the base unit)"),
            )
        return d

    return parse


def _url() -> sp.Parser:
    base = sp.text(500)

    def parse(value: Any) -> str:
        s: str = base(value)
        if not re.match(r"^https?://\S+$", s):
            raise sp.FieldError(
                "value.url",
                Msg("链接应以 http:// 或 https:// 开头", "must be an http:// or https:// link"),
            )
        return s

    return parse


def _pattern(pattern: str, what: Msg, example: str) -> sp.Parser:
    rx = re.compile(pattern)

    def parse(value: Any) -> str:
        s = unicodedata.normalize("NFKC", str(value)).strip()
        if isinstance(value, float) and value.is_integer():
            s = str(int(value))
        if not rx.fullmatch(s):
            raise sp.FieldError(
                "value.format",
                Msg(
                    f"{what.zh}格式不正确，示例：{example}",
                    f"malformed {what.en}; example: {example}",
                ),
            )
        return s

    return parse


# ---------------------------------------------------------------- specs


POLICY_ITEMS = sp.ImportSpec(
    kind="policy_items",
    label=Msg("规划/政策条目", "programme and policy entries"),
    key=("code",),
    columns=(
        kit.column(
            "code",
            "编号",
            "Code",
            _pattern(CODE_PATTERN, Msg("编号", "code"), "2023-sti-finance-alliance"),
            Msg("条目唯一编号（小写字母、数字、- _ .）", "unique code (lower case, digits, - _ .)"),
            "2023-sti-finance-alliance",
            required=True,
            aliases=("代码",),
        ),
        kit.column(
            "kind",
            "类型",
            "Kind",
            sp.choice(PolicyKind),
            Msg("规划/专项行动方案/政策文件/基金设立/联盟/论坛…", "plan, action_programme, …"),
            "alliance",
            required=True,
        ),
        kit.column(
            "title_zh",
            "标题",
            "Title (zh)",
            sp.text(300),
            Msg("报告中加粗显示的标题", "title as printed (bold) in the report"),
            "成立科创金融联盟",
            required=True,
            aliases=("中文标题", "名称"),
        ),
        kit.column(
            "title_en",
            "英文标题",
            "Title (en)",
            sp.text(300),
            Msg("英文标题", "English title"),
            "Set up the sci-tech finance alliance",
            aliases=("title",),
        ),
        kit.column(
            "announced_on",
            "发布日期",
            "Announced on",
            sp.date_value(),
            Msg("发布或启动日期（不详可空）", "date announced or launched (blank if unknown)"),
            "2023-12-03",
            aliases=("日期", "date"),
        ),
        kit.column(
            "year",
            "年度",
            "Year",
            sp.integer(minimum=1949),
            Msg("所属报告年度（空则取发布日期的年份）", "report year (default: year announced)"),
            2023,
        ),
        kit.column(
            "bodies",
            "发布/组织单位",
            "Bodies",
            _text_list(),
            Msg("多个单位用“；”分隔", "several bodies separated by ';'"),
            "上海市科学技术委员会；中国人民银行上海总部",
            aliases=("单位", "发布单位"),
        ),
        kit.column(
            "description_zh",
            "简述",
            "Description (zh)",
            sp.text(2000),
            Msg("一句话说明（接在标题后）", "one-line description (printed after the title)"),
            "加强联动协同，构筑完善、多元的科创金融生态圈",
            aliases=("说明", "描述"),
        ),
        kit.column(
            "description_en",
            "英文简述",
            "Description (en)",
            sp.text(2000),
            Msg("英文说明", "English description"),
            "",
            aliases=("description",),
        ),
        kit.column(
            "section",
            "章节",
            "Section",
            _pattern(SECTION_PATTERN, Msg("章节号", "section number"), "7.1.1"),
            Msg("报告章节，如 7.1.1、7.2.2", "report section, e.g. 7.1.1 or 7.2.2"),
            "7.1.1",
        ),
        kit.column(
            "indicator_keys",
            "相关指标",
            "Indicator keys",
            _text_list(key_pattern=KEY_PATTERN),
            Msg("相关指标键，用“；”分隔", "related indicator keys, separated by ';'"),
            "",
        ),
        kit.column(
            "product_keys",
            "相关产品",
            "Product keys",
            _text_list(key_pattern=KEY_PATTERN),
            Msg("相关产品键，用“；”分隔", "related product keys, separated by ';'"),
            "relending；rediscount",
        ),
        kit.column(
            "source_url",
            "来源链接",
            "Source URL",
            _url(),
            Msg("公开来源链接", "public source link"),
            "",
            aliases=("链接", "url"),
        ),
        kit.column(
            "sort_order",
            "排序",
            "Sort order",
            sp.integer(minimum=None),
            Msg("同一章节内的顺序（小的在前）", "order within the section (smaller first)"),
            10,
            aliases=("顺序", "order"),
        ),
    ),
)

EXTERNAL_STATISTICS = sp.ImportSpec(
    kind="external_statistics",
    label=Msg("外部统计数据", "external statistics"),
    key=("key", "period_year"),
    columns=(
        kit.column(
            "key",
            "指标键",
            "Key",
            _pattern(KEY_PATTERN, Msg("指标键", "key"), "resident_population"),
            Msg("指标键（如 resident_population）", "key, e.g. resident_population"),
            "resident_population",
            required=True,
            aliases=("指标", "indicator"),
        ),
        kit.column(
            "period_year",
            "年度",
            "Year",
            sp.integer(minimum=1949),
            Msg("数据所属年度", "year the figure refers to"),
            2023,
            required=True,
            aliases=("year", "period"),
        ),
        kit.column(
            "value",
            "数值",
            "Value",
            _quantity(),
            Msg("按基本单位填写，可写“2475.89万”", "in the base unit; '2475.89万' is accepted"),
            "2487.45万",
            required=True,
        ),
        kit.column(
            "unit",
            "单位",
            "Unit",
            sp.text(30),
            Msg("基本单位，如 person（人）、rank（名次）", "base unit, e.g. person, rank"),
            "person",
            required=True,
        ),
        kit.column(
            "label_zh",
            "名称",
            "Label (zh)",
            sp.text(200),
            Msg("中文名称", "Chinese label"),
            "年末常住人口",
            required=True,
            aliases=("中文名称",),
        ),
        kit.column(
            "label_en",
            "英文名称",
            "Label (en)",
            sp.text(200),
            Msg("英文名称", "English label"),
            "Year-end resident population",
            aliases=("label",),
        ),
        kit.column(
            "source_title",
            "来源",
            "Source",
            sp.text(300),
            Msg("来源文件或发布物名称", "title of the source document"),
            "上海市国民经济和社会发展统计公报",
            required=True,
            aliases=("来源名称", "source title"),
        ),
        kit.column(
            "source_url",
            "来源链接",
            "Source URL",
            _url(),
            Msg("来源链接", "source link"),
            "",
            aliases=("链接", "url"),
        ),
        kit.column(
            "published_on",
            "发布日期",
            "Published on",
            sp.date_value(),
            Msg("来源发布日期", "date the source was published"),
            "",
            aliases=("日期", "date"),
        ),
        kit.column(
            "status",
            "核实状态",
            "Status",
            sp.choice(SourceStatus),
            Msg(
                "已核实(confirmed)/二手来源(secondary)/未核实(unconfirmed)",
                "confirmed / secondary / unconfirmed",
            ),
            "unconfirmed",
            required=True,
            aliases=("状态",),
        ),
        kit.column(
            "note",
            "备注",
            "Note",
            sp.text(2000),
            Msg("口径或核实说明", "scope or verification note"),
            "",
        ),
    ),
)

SPECS: dict[str, sp.ImportSpec] = {
    POLICY_ITEMS.kind: POLICY_ITEMS,
    EXTERNAL_STATISTICS.kind: EXTERNAL_STATISTICS,
}

SHIPPED_FILES: dict[str, str] = {
    "policy_items": "shanghai_2023_policy_items.csv",
    "external_statistics": "shanghai_external_statistics.csv",
}
"""Files in ``kechuang/policy/data`` loaded by :func:`load_shipped`, by import kind."""


# ---------------------------------------------------------------- checks


_POLICY_FIELDS = tuple(c.field for c in POLICY_ITEMS.columns)
_STAT_FIELDS = tuple(c.field for c in EXTERNAL_STATISTICS.columns)


def _check_policy_items(
    file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[dict[str, Any]]:
    payload: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        year = v.get("year")
        announced = v.get("announced_on")
        if year is None:
            if announced is None:
                issues.append(
                    sp.row_issue(
                        file,
                        r,
                        "year",
                        "import.year_required",
                        Msg("“年度”和“发布日期”至少填一个", "give the year or the date announced"),
                    )
                )
                continue
            year = announced.year
        out: dict[str, Any] = {}
        for f in _POLICY_FIELDS:
            out[f] = v.get(f)
        out["year"] = year
        for f in ("bodies", "indicator_keys", "product_keys"):
            out[f] = out[f] or []
        out["sort_order"] = out["sort_order"] or 0
        payload.append(out)
    return payload


def _check_statistics(
    file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> list[dict[str, Any]]:
    payload: list[dict[str, Any]] = []
    limit = Decimal(10) ** 20
    for r in rows:
        v = r.values
        if abs(v["value"]) >= limit:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "value",
                    "value.range",
                    Msg("数值过大（应小于 10^20）", "value too large (must be below 10^20)"),
                )
            )
            continue
        payload.append({f: v.get(f) for f in _STAT_FIELDS})
    return payload


# ---------------------------------------------------------------- entry points


def spec_for(kind: str) -> sp.ImportSpec:
    """The import spec of ``kind``; ``KeyError`` if unknown."""
    return SPECS[kind]


def read_and_parse(path: str | Path, kind: str) -> tuple[RawTable, sp.ParsedTable]:
    """Read ``path`` and parse it against the spec of ``kind`` (no database access)."""
    return kit.read_and_parse(path, SPECS[kind])


def import_file(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str = "cli",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one policy-domain file of ``kind``, all or nothing.

    Args:
        session: the caller's session; the caller commits (or, for a dry run, rolls back).
        kind: ``policy_items`` or ``external_statistics``.
        path: CSV or XLSX file.
        actor: who imports (for history).
        dry_run: mark the report as a dry run (the caller must roll back).
        progress: optional progress callback ``(stage, done, total)``.

    Raises:
        ImportRejected: with every issue, when any row has an error. Nothing is written.
        KeyError: unknown ``kind``.
    """
    spec = SPECS[kind]
    path = Path(path)
    # is_file(), not exists(): a directory is reported by the reader (file.not_found)
    data = path.read_bytes() if path.is_file() else b""
    sha = hashlib.sha256(data).hexdigest()
    return kit.import_prepared(
        session=session,
        kind=kind,
        spec=spec,
        path=path,
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        context=kit.ImportContext,
        prepare=lambda ctx, rows: _prepare(kind, ctx, rows),
        batch_kind=f"policy-{kind}",
        source=f"import policy {kind}",
        sha256=sha,
    )


def _prepare(
    kind: str, ctx: kit.ImportContext, rows: list[sp.ParsedRow]
) -> kit.Writer[kit.ImportContext]:
    """Check the rows (no database needed: reported together with cell errors); upsert them."""
    model: type[Base]
    key: tuple[str, ...]
    if kind == "policy_items":
        payload = _check_policy_items(ctx.file, rows, ctx.issues)
        model, key = PolicyItem, ("code",)
    else:
        payload = _check_statistics(ctx.file, rows, ctx.issues)
        model, key = ExternalStatistic, ("key", "period_year")

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        res = ctx.upsert(
            model,
            payload,
            key=key,
            key_label=lambda v: "/".join(str(v[k]) for k in key),
            progress=kit.write_tick(progress, len(payload)),
        )
        kit.set_counts(report, res)

    return write


def import_policy_items(
    *, session: Session, path: str | Path, actor: str = "cli", dry_run: bool = False
) -> ImportReport:
    """Import a file of programme/policy entries (see :func:`import_file`)."""
    return import_file(
        session=session, kind="policy_items", path=path, actor=actor, dry_run=dry_run
    )


def import_external_statistics(
    *, session: Session, path: str | Path, actor: str = "cli", dry_run: bool = False
) -> ImportReport:
    """Import a file of external statistics (see :func:`import_file`)."""
    return import_file(
        session=session, kind="external_statistics", path=path, actor=actor, dry_run=dry_run
    )


def shipped_path(kind: str) -> Path:
    """Path of the shipped data file of ``kind`` (``policy_items`` / ``external_statistics``)."""
    return Path(str(resources.files("kechuang.policy") / "data" / SHIPPED_FILES[kind]))


def load_shipped(*, session: Session, actor: str = "kechuang") -> list[ImportReport]:
    """Import the shipped Shanghai entries (seed §7.1–7.2, 2023) and external statistics
    (resident population, GII cluster rank) through the ordinary import path; idempotent."""
    return [
        import_file(session=session, kind=kind, path=shipped_path(kind), actor=actor)
        for kind in SHIPPED_FILES
    ]
