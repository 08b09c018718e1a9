"""File imports into the registry: enterprises, enterprise years, qualifications, institutions.

Each kind is an :class:`~kechuang.core.importspec.ImportSpec`. :func:`import_file` reads a CSV
(UTF-8, UTF-8 with BOM or GBK) or XLSX file, parses and checks every row, resolves references
(USCC → enterprise, parent code → institution) and upserts on the natural key in the caller's
transaction. It is all-or-nothing: if any row has an error, :class:`ImportRejected` is raised with
every issue, and the caller's unit of work rolls back. Re-importing the same file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core import importspec as sp
from kechuang.core.errors import Issue
from kechuang.core.i18n import Msg
from kechuang.core.tabular import RawTable
from kechuang.registry import import_kit as kit
from kechuang.registry.enums import EnterpriseStatus, InstitutionKind, QualificationKind, SizeClass
from kechuang.registry.import_kit import (
    ImportReport,
    Progress,
    cell_text,
    close_batch,
    file_sha256,
    no_rows_issue,
    open_batch,
    parse_for_import,
    reject,
    set_counts,
    write_tick,
)
from kechuang.registry.models import Enterprise, EnterpriseYear, Institution, Qualification
from kechuang.registry.reference import resolve_district
from kechuang.storage.upsert import upsert

__all__ = [
    "ENTERPRISES",
    "ENTERPRISE_YEARS",
    "INSTITUTIONS",
    "QUALIFICATIONS",
    "SPECS",
    "ImportReport",
    "Progress",
    "close_batch",
    "district_parser",
    "import_file",
    "no_rows_issue",
    "open_batch",
    "parse_for_import",
    "read_and_parse",
    "reject",
    "spec_for",
]
"""The report and batch helpers live in :mod:`kechuang.registry.import_kit`; re-exported here."""


def district_parser() -> sp.Parser:
    """A city district by name or GB/T 2260 code (shared by every import that takes a district)."""

    def parse(value: Any) -> str:
        text = cell_text(value)
        d = resolve_district(text)
        if d is None:
            raise sp.FieldError(
                "district.unknown",
                Msg(
                    f"未知的区：{text}（请填写本市区名或 6 位行政区划代码，如 浦东新区 / 310115）",
                    f"unknown district: {text} (use a district name or its 6-digit GB/T 2260 code, e.g. 310115)",
                ),
            )
        return d.code

    return parse


def _year() -> sp.Parser:
    base = sp.integer(minimum=1949)

    def parse(value: Any) -> int:
        text = str(value).strip().removesuffix("年").removesuffix("年度")
        year: int = base(text if isinstance(value, str) else value)
        if year > 2100:
            raise sp.FieldError("value.year", Msg("年度不合理", "implausible year"))
        return year

    return parse


_MONEY = sp.amount()
_SIGNED_MONEY = sp.amount(allow_negative=True)
_COUNT = sp.integer(minimum=0)
_INDUSTRY = sp.code(
    r"[A-T](\d{2}(\d{1,2})?)?", Msg("国民经济行业代码", "industry code (GB/T 4754)"), "C3973"
)
_USCC_COL = sp.Column(
    "uscc",
    "统一社会信用代码",
    "USCC",
    sp.uscc(),
    required=True,
    description=Msg("18 位统一社会信用代码", "18-character unified social credit code"),
    example="91310115MA1H7XXXX0",
    aliases=("社会信用代码", "信用代码", "unified social credit code"),
)


def _money_col(
    field_name: str,
    zh: str,
    en: str,
    desc_zh: str,
    example: str,
    *,
    signed: bool = False,
    aliases: tuple[str, ...] = (),
) -> sp.Column:
    return sp.Column(
        field_name,
        zh,
        en,
        _SIGNED_MONEY if signed else _MONEY,
        description=Msg(
            f"{desc_zh}，单位元（表头写“{zh}（万元）”则按万元）",
            f"{en} in yuan (header '{en} (万元)' means 10k yuan)",
        ),
        example=example,
        money=True,
        aliases=aliases,
    )


ENTERPRISES = sp.ImportSpec(
    kind="enterprises",
    label=Msg("企业", "enterprises"),
    key=("uscc",),
    columns=(
        _USCC_COL,
        sp.Column(
            "name",
            "企业名称",
            "Name",
            sp.text(200),
            required=True,
            description=Msg("登记的企业全称", "registered name"),
            example="上海示例科技有限公司",
            aliases=("名称", "enterprise name"),
        ),
        sp.Column(
            "district_code",
            "所在区",
            "District",
            district_parser(),
            required=True,
            description=Msg("注册所在区名称或行政区划代码", "district name or GB/T 2260 code"),
            example="浦东新区",
            aliases=("区", "注册区", "区县", "district code", "行政区划代码"),
        ),
        sp.Column(
            "industry_code",
            "行业代码",
            "Industry code",
            _INDUSTRY,
            description=Msg(
                "国民经济行业分类代码（GB/T 4754-2017）", "GB/T 4754-2017 industry code"
            ),
            example="C3973",
            aliases=("国民经济行业代码", "industry"),
        ),
        sp.Column(
            "registered_on",
            "成立日期",
            "Registered on",
            sp.date_value(),
            required=True,
            description=Msg(
                "成立日期，如 2019-03-15 或 2019年3月15日", "date of establishment, e.g. 2019-03-15"
            ),
            example="2019-03-15",
            aliases=("注册日期", "成立时间", "registration date"),
        ),
        sp.Column(
            "size_class",
            "企业规模",
            "Size class",
            sp.choice(SizeClass),
            description=Msg("大型/中型/小型/微型", "large / medium / small / micro"),
            example="小型",
            aliases=("企业划型", "规模"),
        ),
        _money_col("registered_capital", "注册资本", "Registered capital", "注册资本", "10000000"),
        sp.Column(
            "status",
            "经营状态",
            "Status",
            sp.choice(EnterpriseStatus),
            description=Msg(
                "存续/注销/吊销，默认存续", "active / deregistered / revoked (default active)"
            ),
            example="存续",
            aliases=("登记状态",),
        ),
        sp.Column(
            "on_abnormal_list",
            "列入经营异常名录",
            "On abnormal list",
            sp.boolean(),
            description=Msg("是/否，默认否", "yes/no, default no"),
            example="否",
        ),
        sp.Column(
            "on_dishonesty_list",
            "列入严重失信名单",
            "On dishonesty list",
            sp.boolean(),
            description=Msg("是/否，默认否", "yes/no, default no"),
            example="否",
        ),
        sp.Column(
            "address",
            "注册地址",
            "Address",
            sp.text(300),
            description=Msg("注册地址", "registered address"),
            example="上海市浦东新区示例路1号",
            aliases=("地址",),
        ),
    ),
)

ENTERPRISE_YEARS = sp.ImportSpec(
    kind="enterprise-years",
    label=Msg("企业年度数据", "enterprise fiscal years"),
    key=("uscc", "fiscal_year"),
    columns=(
        _USCC_COL,
        sp.Column(
            "fiscal_year",
            "年度",
            "Fiscal year",
            _year(),
            required=True,
            description=Msg("会计年度，如 2023", "fiscal year, e.g. 2023"),
            example=2023,
            aliases=("会计年度", "year"),
        ),
        sp.Column(
            "employees",
            "职工总数",
            "Employees",
            _COUNT,
            description=Msg(
                "职工总数（含累计工作满183天的兼职、临时人员）",
                "total employees (incl. part-time with ≥183 days)",
            ),
            example=120,
            aliases=("从业人员", "员工人数"),
        ),
        sp.Column(
            "st_staff",
            "科技人员数",
            "S&T staff",
            _COUNT,
            description=Msg("科技人员数", "S&T personnel"),
            example=40,
            aliases=("科技人员", "st staff"),
        ),
        sp.Column(
            "rd_staff",
            "研发人员数",
            "R&D staff",
            _COUNT,
            description=Msg("研发人员数", "R&D personnel"),
            example=30,
            aliases=("研发人员",),
        ),
        _money_col("revenue", "销售收入", "Revenue", "销售收入", "52000000"),
        _money_col("operating_revenue", "营业收入", "Operating revenue", "营业收入", "53000000"),
        _money_col(
            "total_income", "总收入", "Total income", "收入总额", "54000000", aliases=("收入总额",)
        ),
        _money_col(
            "main_business_revenue",
            "主营业务收入",
            "Main business revenue",
            "主营业务收入",
            "50000000",
        ),
        _money_col(
            "high_tech_income",
            "高新技术产品收入",
            "High-tech income",
            "高新技术产品（服务）收入",
            "40000000",
            aliases=("高新技术产品（服务）收入", "high tech revenue"),
        ),
        _money_col("total_assets", "资产总额", "Total assets", "年末资产总额", "80000000"),
        _money_col("liabilities", "负债总额", "Liabilities", "年末负债总额", "30000000"),
        _money_col(
            "net_assets",
            "净资产",
            "Net assets",
            "年末净资产（资产总额−负债总额，可为负）",
            "50000000",
            signed=True,
        ),
        _money_col(
            "rd_expense",
            "研发费用",
            "R&D expense",
            "研发费用（财税〔2015〕119号口径）",
            "3600000",
            aliases=("研发费用总额",),
        ),
        _money_col(
            "domestic_rd_expense",
            "境内研发费用",
            "Domestic R&D expense",
            "在中国境内发生的研发费用",
            "3500000",
        ),
        _money_col(
            "total_cost",
            "成本费用支出总额",
            "Total cost",
            "成本费用支出总额",
            "45000000",
            aliases=("成本费用总额",),
        ),
        _money_col(
            "equity_financing", "股权融资额", "Equity financing", "当年新增实缴股权融资", "0"
        ),
        sp.Column(
            "ip_class1_count",
            "Ⅰ类知识产权数",
            "Class I IP count",
            _COUNT,
            description=Msg(
                "年末有效Ⅰ类知识产权数（申报值）", "valid class-I IP at year end (declared)"
            ),
            example=2,
            aliases=("I类知识产权数", "一类知识产权数"),
        ),
        sp.Column(
            "ip_class2_count",
            "Ⅱ类知识产权数",
            "Class II IP count",
            _COUNT,
            description=Msg(
                "年末有效Ⅱ类知识产权数（申报值）", "valid class-II IP at year end (declared)"
            ),
            example=5,
            aliases=("II类知识产权数", "二类知识产权数"),
        ),
    ),
)

QUALIFICATIONS = sp.ImportSpec(
    kind="qualifications",
    label=Msg("资质", "qualifications"),
    key=("uscc", "kind", "valid_from"),
    columns=(
        _USCC_COL,
        sp.Column(
            "kind",
            "资质类型",
            "Kind",
            sp.choice(QualificationKind),
            required=True,
            description=Msg(
                "如 高新技术企业 / 科技型中小企业 / 专精特新中小企业",
                "e.g. high_tech / tech_sme / specialised_sme",
            ),
            example="高新技术企业",
            aliases=("类型", "资质", "qualification"),
        ),
        sp.Column(
            "certificate_no",
            "证书编号",
            "Certificate no",
            sp.text(64),
            description=Msg("证书编号或入库登记编号", "certificate or registration number"),
            example="GR202331001234",
            aliases=("证书号", "登记编号", "入库登记编号", "certificate number"),
        ),
        sp.Column(
            "valid_from",
            "生效日期",
            "Valid from",
            sp.date_value(),
            required=True,
            description=Msg("发证/认定日期", "date issued / recognised"),
            example="2023-11-15",
            aliases=("发证日期", "认定日期", "有效期起"),
        ),
        sp.Column(
            "valid_to",
            "有效期至",
            "Valid to",
            sp.date_value(),
            description=Msg(
                "有效期最后一天（含），可空", "last day of validity (inclusive), optional"
            ),
            example="2026-11-14",
            aliases=("截止日期", "有效期止"),
        ),
        sp.Column(
            "revoked_on",
            "撤销日期",
            "Revoked on",
            sp.date_value(),
            description=Msg("被撤销的日期，可空", "revocation date, optional"),
            example="",
        ),
        sp.Column(
            "source",
            "来源",
            "Source",
            sp.text(500),
            description=Msg("公示/公告文件或名单", "list or notice it comes from"),
            example="上海市2023年认定报备的第二批高新技术企业名单",
        ),
    ),
)

INSTITUTIONS = sp.ImportSpec(
    kind="institutions",
    label=Msg("机构", "institutions"),
    key=("code",),
    columns=(
        sp.Column(
            "code",
            "机构代码",
            "Code",
            sp.code(r"[0-9A-Z][0-9A-Z._\-]{0,31}", Msg("机构代码", "institution code"), "BOC-SH"),
            required=True,
            description=Msg(
                "机构唯一代码（有统一社会信用代码的可直接使用）",
                "unique code (the USCC when it has one)",
            ),
            example="BOC-SH",
            aliases=("代码",),
        ),
        sp.Column(
            "name",
            "机构名称",
            "Name",
            sp.text(200),
            required=True,
            description=Msg("机构全称", "full name"),
            example="中国银行股份有限公司上海市分行",
            aliases=("名称",),
        ),
        sp.Column(
            "kind",
            "机构类型",
            "Kind",
            sp.choice(InstitutionKind),
            required=True,
            description=Msg(
                "银行/保险机构/融资担保机构/基金管理人/孵化器/高校/知识产权中心/政府部门/其他",
                "bank / insurer / guarantor / fund_manager / incubator / university / ip_centre / government / other",
            ),
            example="银行",
            aliases=("类型",),
        ),
        sp.Column(
            "uscc",
            "统一社会信用代码",
            "USCC",
            sp.uscc(),
            description=Msg("18 位统一社会信用代码，可空", "USCC, optional"),
            example="",
            aliases=("社会信用代码", "信用代码"),
        ),
        sp.Column(
            "name_en",
            "英文名称",
            "English name",
            sp.text(200),
            description=Msg("英文名称，可空", "English name, optional"),
            example="Bank of China Shanghai Branch",
        ),
        sp.Column(
            "parent_code",
            "上级机构代码",
            "Parent code",
            sp.code(r"[0-9A-Z][0-9A-Z._\-]{0,31}", Msg("机构代码", "institution code"), "BOC"),
            description=Msg(
                "总行/总公司的机构代码，可空", "code of the parent institution, optional"
            ),
            example="BOC",
            aliases=("上级机构", "总行代码", "parent"),
        ),
        sp.Column(
            "district_code",
            "所在区",
            "District",
            district_parser(),
            description=Msg("所在区，可空", "district, optional"),
            example="黄浦区",
            aliases=("区",),
        ),
        sp.Column(
            "is_active",
            "是否有效",
            "Active",
            sp.boolean(),
            description=Msg("是/否，默认是", "yes/no, default yes"),
            example="是",
            aliases=("有效",),
        ),
    ),
)

SPECS: dict[str, sp.ImportSpec] = {
    s.kind: s for s in (ENTERPRISES, ENTERPRISE_YEARS, QUALIFICATIONS, INSTITUTIONS)
}
"""Import kinds by name, in the order a new registry is loaded."""

_DEFAULTS: dict[str, dict[str, Any]] = {
    "enterprises": {
        "status": EnterpriseStatus.ACTIVE,
        "on_abnormal_list": False,
        "on_dishonesty_list": False,
    },
    "institutions": {"is_active": True},
}


def _enterprise_ids(session: Session, usccs: set[str]) -> dict[str, int]:
    found = kit.preload(session, Enterprise.uscc, [Enterprise.id], usccs)
    return {uscc: r.id for uscc, r in found.items()}


def _check_year_row(file: str, row: sp.ParsedRow) -> list[Issue]:
    v = row.values
    issues: list[Issue] = []

    def over(small: str, big: str, zh: str, en: str) -> None:
        if v.get(small) is not None and v.get(big) is not None and v[small] > v[big]:
            issues.append(sp.row_issue(file, row, small, "consistency." + small, Msg(zh, en)))

    over("st_staff", "employees", "科技人员数不能大于职工总数", "S&T staff cannot exceed employees")
    over("rd_staff", "employees", "研发人员数不能大于职工总数", "R&D staff cannot exceed employees")
    over(
        "domestic_rd_expense",
        "rd_expense",
        "境内研发费用不能大于研发费用",
        "domestic R&D expense cannot exceed R&D expense",
    )
    ta, li, na = v.get("total_assets"), v.get("liabilities"), v.get("net_assets")
    if "net_assets" not in row.raw and "total_assets" in row.raw and "liabilities" in row.raw:
        # No net-assets column: derive it for every row (净资产 = 资产总额 − 负债总额).
        v["net_assets"] = None if ta is None or li is None else ta - li
    elif ta is not None and li is not None and na is not None and na != ta - li:
        issues.append(
            sp.row_issue(
                file,
                row,
                "net_assets",
                "consistency.net_assets",
                Msg(
                    f"净资产应等于资产总额−负债总额（{ta - li}）",
                    f"net assets should equal total assets − liabilities ({ta - li})",
                ),
                severity="warning",
            )
        )
    return issues


def _check_qualification_row(file: str, row: sp.ParsedRow) -> list[Issue]:
    v = row.values
    if v.get("valid_to") is not None and v["valid_to"] < v["valid_from"]:
        return [
            sp.row_issue(
                file,
                row,
                "valid_to",
                "consistency.valid_range",
                Msg("有效期至不能早于生效日期", "valid-to is before valid-from"),
            )
        ]
    if v.get("revoked_on") is not None and v["revoked_on"] < v["valid_from"]:
        return [
            sp.row_issue(
                file,
                row,
                "revoked_on",
                "consistency.revoked_on",
                Msg("撤销日期不能早于生效日期", "revocation is before valid-from"),
            )
        ]
    return []


def _resolve_enterprises(
    session: Session, file: str, rows: list[sp.ParsedRow], issues: list[Issue]
) -> None:
    ids = _enterprise_ids(session, {r.values["uscc"] for r in rows})
    for r in rows:
        ent = ids.get(r.values["uscc"])
        if ent is None:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "uscc",
                    "import.unknown_enterprise",
                    kit.UNKNOWN_ENTERPRISE,
                )
            )
        else:
            r.values["enterprise_id"] = ent


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
    """Import one file of ``kind`` into the registry, all or nothing.

    Args:
        session: the caller's session; the caller commits (or, for a dry run, rolls back).
        kind: one of :data:`SPECS` (``enterprises``, ``enterprise-years``, ``qualifications``, ``institutions``).
        path: CSV or XLSX file.
        actor: who imports (for history).
        dry_run: mark the report as a dry run (the caller must roll back).
        progress: optional progress callback.

    Raises:
        ImportRejected: with every issue, when any row has an error. Nothing is written.
    """
    path = Path(path)
    sha = file_sha256(path)
    spec = SPECS[kind]
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
        batch_kind=kind,
        source=f"import {kind}",
        sha256=sha,
    )


def _prepare(
    kind: str, ctx: kit.ImportContext, rows: list[sp.ParsedRow]
) -> kit.Writer[kit.ImportContext]:
    """Check the rows of ``kind`` (cross-field checks, USCC → enterprise); the writer upserts them."""
    if kind == "enterprise-years":
        for r in rows:
            ctx.issues.extend(_check_year_row(ctx.file, r))
    elif kind == "qualifications":
        for r in rows:
            ctx.issues.extend(_check_qualification_row(ctx.file, r))
    if kind in ("enterprise-years", "qualifications") and rows:
        _resolve_enterprises(ctx.session, ctx.file, rows, ctx.issues)
    defaults = _DEFAULTS.get(kind, {})

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        if kind == "institutions":
            _import_institutions(
                ctx.session,
                ctx.file,
                rows,
                report,
                actor=ctx.actor,
                source=ctx.source,
                batch_id=ctx.batch_id,
                defaults=defaults,
            )
            return
        model, key, drop = {
            "enterprises": (Enterprise, ("uscc",), ()),
            "enterprise-years": (EnterpriseYear, ("enterprise_id", "fiscal_year"), ("uscc",)),
            "qualifications": (Qualification, ("enterprise_id", "kind", "valid_from"), ("uscc",)),
        }[kind]
        payload = []
        for r in rows:
            values = {k: v for k, v in r.values.items() if k not in drop}
            for name, default in defaults.items():
                if name in values and values[name] is None:
                    values[name] = default
            payload.append(values)
        usccs = {r.values["enterprise_id"]: r.values["uscc"] for r in rows} if drop else {}

        def label(v: dict[str, Any]) -> str:
            if not drop:
                return str(v["uscc"])
            rest = "/".join(str(getattr(v[k], "value", v[k])) for k in key[1:])
            return f"{usccs.get(v['enterprise_id'], v['enterprise_id'])}/{rest}"

        res = ctx.upsert(
            model, payload, key=key, key_label=label, progress=write_tick(progress, len(rows))
        )
        set_counts(report, res)

    return write


def _import_institutions(
    session: Session,
    file: str,
    rows: list[sp.ParsedRow],
    report: ImportReport,
    *,
    actor: str,
    source: str,
    batch_id: int,
    defaults: dict[str, Any],
) -> None:
    """Upsert institutions parents-first, so a branch can name a parent in the same file."""
    known: dict[str, int] = dict(session.execute(select(Institution.code, Institution.id)).all())
    pending = list(rows)
    issues: list[Issue] = []
    in_file = {r.values["code"] for r in rows}
    for r in rows:
        parent = r.values.get("parent_code")
        if parent is not None and parent not in known and parent not in in_file:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "parent_code",
                    "import.unknown_parent",
                    Msg(
                        f"上级机构代码 {parent} 不存在",
                        f"parent institution {parent} does not exist",
                    ),
                )
            )
        if parent is not None and parent == r.values["code"]:
            issues.append(
                sp.row_issue(
                    file,
                    r,
                    "parent_code",
                    "import.parent_cycle",
                    Msg("机构不能以自身为上级", "an institution cannot be its own parent"),
                )
            )
    if issues:
        raise reject(file, [*report.issues, *issues])
    while pending:
        waiting = {p.values["code"] for p in pending}
        level = [
            r
            for r in pending
            if r.values.get("parent_code") is None
            or (r.values["parent_code"] in known and r.values["parent_code"] not in waiting)
        ]
        if not level:
            cyc = [
                sp.row_issue(
                    file,
                    r,
                    "parent_code",
                    "import.parent_cycle",
                    Msg("上级机构关系成环", "parent relationships form a cycle"),
                )
                for r in pending
            ]
            raise reject(file, [*report.issues, *cyc])
        payload = []
        for r in level:
            values = {k: v for k, v in r.values.items() if k != "parent_code"}
            if "parent_code" in r.values:
                parent = r.values["parent_code"]
                values["parent_id"] = known[parent] if parent is not None else None
            for name, default in defaults.items():
                if name in values and values[name] is None:
                    values[name] = default
            payload.append(values)
        res = upsert(
            session,
            Institution,
            payload,
            key=("code",),
            actor=actor,
            source=source,
            batch_id=batch_id,
        )
        report.created += res.created
        report.updated += res.updated
        report.unchanged += res.unchanged
        for (code,), ident in res.ids.items():
            known[code] = ident
        done = {id(r) for r in level}
        pending = [r for r in pending if id(r) not in done]


def spec_for(kind: str) -> sp.ImportSpec:
    """The import spec of ``kind``; ``KeyError`` if unknown."""
    return SPECS[kind]
