"""File imports of the insurance domain: policies, co-insurance shares, insured objects, claims.

``kechuang insurance import policies|shares|objects|claims FILE`` gives the registry import's
guarantees (:mod:`kechuang.registry.imports`): a CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX file
with Chinese or English headers is read, every row is parsed and checked, references are resolved
(USCC → enterprise, institution code → institution, policy number → policy) with one query each,
and only then is anything written, in the caller's transaction. Any error raises
:class:`~kechuang.core.errors.ImportRejected` with every issue (file, row, column, value, rule,
Chinese and English message) and nothing is written; a dry run is the caller's
``unit_of_work(commit=False)``. Re-importing a file changes nothing. Money columns may carry a
unit in the header (``保额（万元）``, ``保额（亿元）``).

Kinds (load them in this order):

``policies``
    Upserted on the policy number. The product must be of the row's line when it is in the
    product catalogue (a product not in the catalogue is a warning). The insured is a registry enterprise (by USCC: a valid USCC
    that is not in the registry is an error), a registry institution (by code), or a party named
    only (``insured_name``); the name defaults to the registry's. ``status`` defaults to
    ``bound``; ``bound_on`` (签单日期) defaults to the start date for bound and cancelled
    policies, as :func:`kechuang.insurance.policies.create_policy` does; ``cancelled_on``
    (退保日期, the first day without cover) is allowed only with ``cancelled``. ``renewal_of`` names the policy renewed: already stored or earlier in the
    same file (written originals first).
``shares``
    Co-insurance shares. For every policy in the file the listed shares must sum to exactly 100%
    and have exactly one lead insurer (errors name the policy and the sum). The shares of a
    policy are **replaced as a set**: insurers not listed any more are removed (a warning lists
    each), changed shares updated, new ones added. Insurers are institutions of kind insurer.
``objects``
    Insured objects, upserted on (policy, kind, ref); objects of a policy not in the file are
    kept. An object of kind ``enterprise`` (group cover) needs the enterprise's USCC.
``claims``
    Claims upserted on the claim number. The status defaults from the amounts (paid amount →
    paid, assessed amount → assessed, else notified); a paid claim's allocation across the
    co-insurers is computed exactly as :func:`kechuang.insurance.claims.pay` does. The loss
    date must be within the policy's cover (:func:`kechuang.insurance.claims.check_loss_date`).

Shares and objects have no version column, so they are written with plain bulk statements (one
history row per created, updated or removed record); policies and claims go through
:func:`kechuang.storage.upsert.upsert`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from kechuang.core import importspec as sp
from kechuang.core.errors import Issue, KechuangError
from kechuang.core.i18n import Msg
from kechuang.core.money import decimal_from_cell
from kechuang.insurance.claims import ShareRow, allocate, check_loss_date, shares_of
from kechuang.insurance.enums import ClaimStatus, InsuranceLine, InsuredObjectKind, PolicyStatus
from kechuang.insurance.models import (
    CoinsuranceShare,
    InsuranceClaim,
    InsurancePolicy,
    InsuredObject,
)
from kechuang.products import catalog as product_catalog
from kechuang.products.schemas import ProductKind
from kechuang.registry import import_kit as kit
from kechuang.registry.enums import InstitutionKind
from kechuang.registry.import_kit import ImportReport, Progress
from kechuang.registry.imports import district_parser
from kechuang.registry.models import Enterprise, Institution
from kechuang.storage.base import utcnow
from kechuang.storage.history import ChangeHistory, diff, json_value

__all__ = [
    "CLAIMS",
    "OBJECTS",
    "POLICIES",
    "SHARES",
    "SPECS",
    "import_file",
    "parse_rate",
    "parse_share",
    "spec_for",
]

_RATIO_QUANTUM: Final = Decimal("1e-8")
_ONE: Final = Decimal(1)

# =============================================================================== parsers


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _fraction(value: Any, what: Msg, forms: Msg) -> tuple[Decimal, bool]:
    """A number written as a fraction or a percentage: ``(fraction, written_with_percent)``."""
    if isinstance(value, bool):
        raise sp.FieldError(
            f"{what.en}.invalid",
            Msg(f"{what.zh}应为数字，{forms.zh}", f"not a {what.en}; {forms.en}"),
        )
    if isinstance(value, int | float | Decimal):
        try:
            number = decimal_from_cell(value) if isinstance(value, float) else Decimal(value)
        except KechuangError as exc:
            raise sp.FieldError(f"{what.en}.invalid", exc.message) from exc
        return number, False
    text = "".join(unicodedata.normalize("NFKC", str(value)).split())
    percent = text.endswith("%")
    digits = text[:-1] if percent else text
    if not _NUMBER.fullmatch(digits):
        raise sp.FieldError(
            f"{what.en}.invalid",
            Msg(f"无法识别的{what.zh}，{forms.zh}", f"not a {what.en}; {forms.en}"),
        )
    try:
        number = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the regex guards this
        raise sp.FieldError(f"{what.en}.invalid", Msg("无法识别", "not a number")) from exc
    return (number / 100 if percent else number), percent


def _precise(number: Decimal, what: Msg) -> Decimal:
    if number != number.quantize(_RATIO_QUANTUM):
        raise sp.FieldError(
            f"{what.en}.precision",
            Msg(
                f"{what.zh}最多精确到 0.000001%（小数 8 位）",
                f"a {what.en} has at most 8 decimals as a fraction",
            ),
        )
    return number


_RATE = Msg("费率", "rate")
_RATE_FORMS = Msg("请写成 3% 或 0.03", "write it as 3% or 0.03")


def parse_rate(value: Any) -> Decimal:
    """A premium rate as a fraction: ``0.03``, ``"3%"``, an Excel percent cell.

    A bare number of 1 or more (``3``) is ambiguous — percent or fraction? — and refused, as are
    negative rates, rates above 100% and more than 8 decimals of a fraction.
    """
    rate, percent = _fraction(value, _RATE, _RATE_FORMS)
    if rate < 0:
        raise sp.FieldError("rate.negative", Msg("费率不能为负数", "a rate must not be negative"))
    if not percent and rate >= 1:
        raise sp.FieldError(
            "rate.ambiguous",
            Msg(
                f"费率 {value} 含义不明（百分数还是小数？），{_RATE_FORMS.zh}",
                f"rate {value} is ambiguous (percent or fraction?); {_RATE_FORMS.en}",
            ),
        )
    if rate > 1:
        raise sp.FieldError(
            "rate.range", Msg("费率不能超过 100%", "a premium rate cannot exceed 100%")
        )
    return _precise(rate, _RATE)


_SHARE = Msg("份额", "share")
_SHARE_FORMS = Msg("请写成 35% 或 0.35", "write it as 35% or 0.35")


def parse_share(value: Any) -> Decimal:
    """A co-insurance share as a fraction: ``0.35``, ``"35%"``; above 0 and at most 100%.

    A bare number above 1 (``35``) is ambiguous and refused; ``1`` is the whole risk.
    """
    share, percent = _fraction(value, _SHARE, _SHARE_FORMS)
    if share <= 0:
        raise sp.FieldError("share.range", Msg("份额须大于 0", "a share must be above 0"))
    if share > 1:
        if not percent:
            raise sp.FieldError(
                "share.ambiguous",
                Msg(
                    f"份额 {value} 含义不明，{_SHARE_FORMS.zh}",
                    f"share {value} is ambiguous; {_SHARE_FORMS.en}",
                ),
            )
        raise sp.FieldError("share.range", Msg("份额不能超过 100%", "a share cannot exceed 100%"))
    return _precise(share, _SHARE)


def _positive(parse: sp.Parser, what: Msg) -> sp.Parser:
    def check(value: Any) -> Any:
        parsed = parse(value)
        if parsed <= 0:
            raise sp.FieldError(
                "money.positive", Msg(f"{what.zh}须大于 0", f"the {what.en} must be above 0")
            )
        return parsed

    return check


_POLICY_NO = kit.reference(Msg("保单号", "policy number"), 60)
_CLAIM_NO = kit.reference(Msg("赔案号", "claim number"), 60)
_INSTITUTION_CODE = sp.code(
    r"[0-9A-Z][0-9A-Z._\-]{0,31}", Msg("机构代码", "institution code"), "PICC-SH"
)
_MONEY = sp.amount()
_LINE = kit.choice(
    InsuranceLine,
    {
        "首台套": InsuranceLine.FIRST_OF_KIND_EQUIPMENT,
        "首台（套）": InsuranceLine.FIRST_OF_KIND_EQUIPMENT,
        "首台(套)": InsuranceLine.FIRST_OF_KIND_EQUIPMENT,
        "首台套保险": InsuranceLine.FIRST_OF_KIND_EQUIPMENT,
        "临床试验责任险": InsuranceLine.CLINICAL_TRIAL_LIABILITY,
        "临床试验责任保险": InsuranceLine.CLINICAL_TRIAL_LIABILITY,
        "人体临床试验责任保险": InsuranceLine.CLINICAL_TRIAL_LIABILITY,
        "产品责任险": InsuranceLine.PRODUCT_LIABILITY,
        "产品责任保险": InsuranceLine.PRODUCT_LIABILITY,
        "集成电路共保体": InsuranceLine.IC_COINSURANCE,
        "集共体": InsuranceLine.IC_COINSURANCE,
        "共保体": InsuranceLine.IC_COINSURANCE,
        "创业责任险": InsuranceLine.STARTUP_FOUNDER_LIABILITY,
        "创业责任保险": InsuranceLine.STARTUP_FOUNDER_LIABILITY,
        "网络安全险": InsuranceLine.CYBER,
        "网络安全保险": InsuranceLine.CYBER,
        "履约保证保险": InsuranceLine.PERFORMANCE_GUARANTEE,
        "知识产权险": InsuranceLine.IP,
    },
)
_POLICY_STATUS = kit.choice(
    PolicyStatus,
    {
        "承保": PolicyStatus.BOUND,
        "有效": PolicyStatus.BOUND,
        "生效": PolicyStatus.BOUND,
        "报价": PolicyStatus.QUOTED,
        "退保": PolicyStatus.CANCELLED,
        "注销": PolicyStatus.CANCELLED,
    },
)
_OBJECT_KIND = kit.choice(
    InsuredObjectKind,
    {
        "装备": InsuredObjectKind.EQUIPMENT_SET,
        "台套": InsuredObjectKind.EQUIPMENT_SET,
        "首台套": InsuredObjectKind.EQUIPMENT_SET,
        "重点创新项目": InsuredObjectKind.PROJECT,
        "临床试验项目": InsuredObjectKind.CLINICAL_TRIAL,
        "试验": InsuredObjectKind.CLINICAL_TRIAL,
        "trial": InsuredObjectKind.CLINICAL_TRIAL,
        "创业人员": InsuredObjectKind.FOUNDER,
    },
)
_CLAIM_STATUS = kit.choice(
    ClaimStatus,
    {
        "报案": ClaimStatus.NOTIFIED,
        "定损": ClaimStatus.ASSESSED,
        "赔付": ClaimStatus.PAID,
        "已结案": ClaimStatus.PAID,
        "结案": ClaimStatus.PAID,
        "拒赔": ClaimStatus.REJECTED,
    },
)


# =============================================================================== specs


def _policy_no_col(desc: Msg) -> sp.Column:
    return kit.column(
        "policy_no",
        "保单号",
        "Policy no",
        _POLICY_NO,
        desc,
        "PICC-IC-2024-0001",
        required=True,
        aliases=("保险单号", "保单编号", "policy number"),
    )


POLICIES = sp.ImportSpec(
    kind="policies",
    label=Msg("保单", "insurance policies"),
    key=("policy_no",),
    columns=(
        _policy_no_col(Msg("保单号（唯一）", "policy number (unique)")),
        kit.column(
            "product_key",
            "产品",
            "Product",
            kit.key(Msg("产品代码", "product key"), "sh_first_of_kind_equipment"),
            Msg("保险产品代码", "insurance product key"),
            "sh_ic_coinsurance",
            required=True,
            aliases=("产品代码", "product key"),
        ),
        kit.column(
            "line",
            "险种",
            "Line",
            _LINE,
            Msg(
                "首台（套）/ 临床试验责任 / 产品责任 / 集成电路共保体 / 创业责任 / 网络安全 / 履约保证 / 知识产权",
                "first_of_kind_equipment / clinical_trial_liability / product_liability / "
                "ic_coinsurance / startup_founder_liability / cyber / performance_guarantee / ip",
            ),
            "集成电路共保体",
            required=True,
            aliases=("险种类别", "line of business"),
        ),
        kit.column(
            "insured_uscc",
            "被保险人统一社会信用代码",
            "Insured USCC",
            sp.uscc(),
            Msg(
                "被保险企业的统一社会信用代码（须已在企业库中）",
                "USCC of the insured enterprise (must be in the registry)",
            ),
            "91310115MA1H7XXXX0",
            aliases=("统一社会信用代码", "USCC", "insured uscc"),
        ),
        kit.column(
            "insured_institution_code",
            "被保险机构代码",
            "Insured institution code",
            _INSTITUTION_CODE,
            Msg(
                "被保险人为机构（医院、高校、孵化器）时的机构代码",
                "institution code when the insured is an institution",
            ),
            "",
            aliases=("被保险机构", "insured institution"),
        ),
        kit.column(
            "insured_name",
            "被保险人",
            "Insured name",
            sp.text(200),
            Msg(
                "被保险人名称（填写统一社会信用代码或机构代码时可空，取库中名称）",
                "insured's name (optional with a USCC or institution code: the registry's name)",
            ),
            "上海示例集成电路有限公司",
            aliases=("被保险人名称", "insured"),
        ),
        kit.column(
            "sum_insured",
            "保额",
            "Sum insured",
            _positive(_MONEY, Msg("保额", "sum insured")),
            Msg(
                "保险金额（风险保障），单位元（表头写“保额（万元）”或“保额（亿元）”则按该单位）",
                "sum insured in yuan (header 'Sum insured (万元)' or '(亿元)' scales it)",
            ),
            "500000000",
            required=True,
            money=True,
            aliases=("保险金额", "风险保障"),
        ),
        kit.column(
            "premium",
            "保费",
            "Premium",
            _MONEY,
            Msg("实收保费，单位元", "premium charged, yuan"),
            "1500000",
            required=True,
            money=True,
            aliases=("保险费",),
        ),
        kit.column(
            "rate",
            "费率",
            "Rate",
            parse_rate,
            Msg("费率，写成 0.3% 或 0.003", "premium rate: 0.3% or 0.003"),
            "0.3%",
            required=True,
            aliases=("保险费率", "premium rate"),
        ),
        kit.column(
            "start_date",
            "起保日期",
            "Start date",
            sp.date_value(),
            Msg("保险期间第一天", "first day of cover"),
            "2024-01-01",
            required=True,
            aliases=("保险起期", "起保日", "start"),
        ),
        kit.column(
            "end_date",
            "终止日期",
            "End date",
            sp.date_value(),
            Msg("保险期间最后一天（含）", "last day of cover (inclusive)"),
            "2024-12-31",
            required=True,
            aliases=("保险止期", "终保日期", "end"),
        ),
        kit.column(
            "status",
            "状态",
            "Status",
            _POLICY_STATUS,
            Msg(
                "已承保 / 已报价 / 已退保，默认已承保", "bound / quoted / cancelled (default bound)"
            ),
            "已承保",
            aliases=("保单状态",),
        ),
        kit.column(
            "bound_on",
            "签单日期",
            "Bound on",
            sp.date_value(),
            Msg(
                "承保（签单）日期，可空；统计“承保”按此日期，空则按起保日期",
                "date bound, optional; 'written' counts use it, else the start date",
            ),
            "2023-12-20",
            aliases=("承保日期", "bound date"),
        ),
        kit.column(
            "cancelled_on",
            "退保日期",
            "Cancelled on",
            sp.date_value(),
            Msg(
                "退保生效日（当日起无保障），仅状态为已退保时填写",
                "cancellation date (first day without cover), only for cancelled policies",
            ),
            "",
            aliases=("cancellation date",),
        ),
        kit.column(
            "pool_key",
            "共保体",
            "Pool",
            kit.key(Msg("共保体代码", "pool key"), "china_ic_pool"),
            Msg("共保体代码，可空", "co-insurance pool key, optional"),
            "china_ic_pool",
            aliases=("共保体代码", "pool key"),
        ),
        kit.column(
            "district_code",
            "所在区",
            "District",
            district_parser(),
            Msg("所在区（试点区）名称或行政区划代码，可空", "district name or code, optional"),
            "浦东新区",
            aliases=("区", "district code", "试点区"),
        ),
        kit.column(
            "incubator_code",
            "孵化器机构代码",
            "Incubator code",
            _INSTITUTION_CODE,
            Msg("创业责任险：初创企业所在孵化器的机构代码", "founder cover: the incubator's code"),
            "",
            aliases=("孵化器代码", "孵化器", "incubator"),
        ),
        kit.column(
            "renewal_of",
            "续保原保单号",
            "Renewal of",
            _POLICY_NO,
            Msg(
                "续保时原保单号（须已导入或在本文件中）", "policy renewed (stored or in this file)"
            ),
            "",
            aliases=("原保单号", "续保保单号"),
        ),
    ),
)

SHARES = sp.ImportSpec(
    kind="shares",
    label=Msg("共保份额", "co-insurance shares"),
    key=("policy_no", "insurer_code"),
    columns=(
        _policy_no_col(Msg("保单号（须已导入）", "policy number (imported first)")),
        kit.column(
            "insurer_code",
            "保险机构代码",
            "Insurer code",
            _INSTITUTION_CODE,
            Msg("共保保险机构的机构代码（机构类型为保险机构）", "code of the insurer"),
            "PICC-SH",
            required=True,
            aliases=("保险公司代码", "机构代码", "insurer"),
        ),
        kit.column(
            "share",
            "份额",
            "Share",
            parse_share,
            Msg(
                "承保份额，写成 35% 或 0.35；同一保单合计须恰好 100%",
                "share: 35% or 0.35; a policy's shares sum to exactly 100%",
            ),
            "35%",
            required=True,
            aliases=("承保份额", "共保份额", "比例"),
        ),
        kit.column(
            "lead",
            "主承保",
            "Lead",
            sp.boolean(),
            Msg("是否主承保人（是/否，每张保单恰好一家）", "lead insurer (yes/no, exactly one)"),
            "是",
            aliases=("主承保人", "首席承保", "lead insurer"),
        ),
    ),
)

OBJECTS = sp.ImportSpec(
    kind="objects",
    label=Msg("保险标的", "insured objects"),
    key=("policy_no", "kind", "ref"),
    columns=(
        _policy_no_col(Msg("保单号（须已导入）", "policy number (imported first)")),
        kit.column(
            "kind",
            "类型",
            "Kind",
            _OBJECT_KIND,
            Msg(
                "企业 / 项目 / 装备（台套）/ 临床试验 / 创业者 / 产品",
                "enterprise / project / equipment_set / clinical_trial / founder / product",
            ),
            "临床试验",
            required=True,
            aliases=("标的类型", "object kind"),
        ),
        kit.column(
            "ref",
            "标识",
            "Ref",
            sp.text(80),
            Msg(
                "标的标识：项目编号、装备编号、临床试验登记号、创业者编号",
                "identifier: project code, equipment key, trial registration no., founder code",
            ),
            "CTR20240001",
            required=True,
            aliases=("标的编号", "编号", "reference"),
        ),
        kit.column(
            "name",
            "名称",
            "Name",
            sp.text(200),
            Msg("标的名称，可空", "name, optional"),
            "某创新药 I 期临床试验",
            aliases=("标的名称",),
        ),
        kit.column(
            "uscc",
            "企业统一社会信用代码",
            "Enterprise USCC",
            sp.uscc(),
            Msg(
                "标的所属企业（如创业者所在初创企业）的统一社会信用代码，可空",
                "USCC of the enterprise the object belongs to (e.g. a founder's start-up), optional",
            ),
            "",
            aliases=("统一社会信用代码", "USCC"),
        ),
        kit.column(
            "sum_insured",
            "保额",
            "Sum insured",
            _MONEY,
            Msg("该标的的保额，单位元，可空", "sum insured of this object, yuan, optional"),
            "",
            money=True,
            aliases=("保险金额",),
        ),
    ),
)

CLAIMS = sp.ImportSpec(
    kind="claims",
    label=Msg("理赔", "insurance claims"),
    key=("claim_no",),
    columns=(
        kit.column(
            "claim_no",
            "赔案号",
            "Claim no",
            _CLAIM_NO,
            Msg("赔案号（唯一）", "claim number (unique)"),
            "CLM-2024-0001",
            required=True,
            aliases=("赔案编号", "报案号", "claim number"),
        ),
        _policy_no_col(Msg("保单号（须已导入）", "policy number (imported first)")),
        kit.column(
            "loss_date",
            "出险日期",
            "Loss date",
            sp.date_value(),
            Msg("出险日期（须在保险期间内）", "date of loss (within the cover)"),
            "2024-06-01",
            required=True,
            aliases=("事故日期", "loss"),
        ),
        kit.column(
            "notified_on",
            "报案日期",
            "Notified on",
            sp.date_value(),
            Msg("报案日期", "date notified"),
            "2024-06-02",
            required=True,
            aliases=("报案时间", "notified"),
        ),
        kit.column(
            "assessed_amount",
            "定损金额",
            "Assessed amount",
            _positive(_MONEY, Msg("定损金额", "assessed amount")),
            Msg("定损金额，单位元，可空", "assessed loss, yuan, optional"),
            "1000000",
            money=True,
            aliases=("核定损失",),
        ),
        kit.column(
            "assessed_on",
            "定损日期",
            "Assessed on",
            sp.date_value(),
            Msg("定损日期，可空", "date assessed, optional"),
            "2024-07-01",
            aliases=("assessed date",),
        ),
        kit.column(
            "paid_amount",
            "赔付金额",
            "Paid amount",
            _positive(_MONEY, Msg("赔付金额", "paid amount")),
            Msg("已赔付金额，单位元，可空", "amount paid, yuan, optional"),
            "1000000",
            money=True,
            aliases=("赔款", "已决赔款", "paid"),
        ),
        kit.column(
            "paid_on",
            "赔付日期",
            "Paid on",
            sp.date_value(),
            Msg("赔付日期，可空", "date paid, optional"),
            "2024-07-15",
            aliases=("结案日期", "paid date"),
        ),
        kit.column(
            "status",
            "状态",
            "Status",
            _CLAIM_STATUS,
            Msg(
                "已报案 / 已定损 / 已赔付 / 已拒赔，空则按金额推定",
                "notified / assessed / paid / rejected; empty: from the amounts",
            ),
            "已赔付",
            aliases=("案件状态",),
        ),
        kit.column(
            "rejection_reason",
            "拒赔原因",
            "Rejection reason",
            sp.text(2000),
            Msg("拒赔原因，可空", "reason for rejection, optional"),
            "",
            aliases=("拒赔理由",),
        ),
        kit.column(
            "description",
            "说明",
            "Description",
            sp.text(2000),
            Msg("出险经过等说明，可空", "description, optional"),
            "洁净室火灾",
            aliases=("出险经过", "备注"),
        ),
    ),
)

SPECS: dict[str, sp.ImportSpec] = {s.kind: s for s in (POLICIES, SHARES, OBJECTS, CLAIMS)}
"""Import kinds by name, in the order an insurer's data is loaded."""


def spec_for(kind: str) -> sp.ImportSpec:
    """The import spec of ``kind``; ``KeyError`` if unknown."""
    return SPECS[kind]


# =============================================================================== context


Writer = kit.Writer[kit.ImportContext]


def _institutions(session: Session) -> dict[str, tuple[int, InstitutionKind, str]]:
    """Every institution: code → (id, kind, name) (one query; the table is small)."""
    return {
        code: (ident, kind, name)
        for code, ident, kind, name in session.execute(
            select(Institution.code, Institution.id, Institution.kind, Institution.name)
        )
    }


def _pct(d: Decimal) -> str:
    text = format((d * 100).normalize(), "f")
    return f"{text}%"


_UNKNOWN_POLICY = Msg(
    "没有该保单号的保单，请先导入保单（policies）",
    "no policy with this number; import the policies first",
)


def _history_rows(
    ctx: kit.ImportContext,
    table: str,
    rows: Iterable[tuple[int, str, str, dict[str, list[Any]]]],
) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        ctx.history_row(table, ident, key, action, changes, now)
        for ident, key, action, changes in rows
    ]


# =============================================================================== policies


def _catalogue_lines(ctx: kit.ImportContext) -> dict[str, str | None] | None:
    """Insurance products of the catalogue: key → line; ``None`` (with a warning) if unreadable."""
    try:
        return {p.key: p.line for p in product_catalog.all_products(kind=ProductKind.INSURANCE)}
    except KechuangError as exc:
        ctx.issues.append(
            Issue(
                rule="product.catalogue_unreadable",
                severity="warning",
                file=ctx.file,
                message=Msg(
                    f"无法读取产品目录，未核对产品：{exc.message.zh}",
                    f"the product catalogue could not be read; products not checked: {exc.message.en}",
                ),
            )
        )
        return None


def _check_product(ctx: kit.ImportContext, r: sp.ParsedRow, lines: dict[str, str | None]) -> bool:
    """An unknown product is a warning; a product of another line is an error."""
    key: str = r.values["product_key"]
    line: InsuranceLine = r.values["line"]
    if key not in lines:
        ctx.issue(
            r,
            "product_key",
            "product.unknown",
            Msg(
                "产品目录中没有该保险产品（已导入，但不核对产品条款）",
                "no insurance product with this key in the catalogue (imported; product terms "
                "not checked)",
            ),
            severity="warning",
        )
        return True
    if lines[key] != line.value:
        ctx.issue(
            r,
            "line",
            "product.line",
            Msg(
                f"产品 {key} 的险种为 {lines[key]}，与本行险种 {line.value} 不符",
                f"product {key} is of line {lines[key]}, not {line.value}",
            ),
        )
        return False
    return True


def _prepare_policies(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    enterprises = kit.preload(
        session,
        Enterprise.uscc,
        [Enterprise.id, Enterprise.name],
        (r.values.get("insured_uscc") for r in rows),
    )
    institutions = _institutions(session)
    in_file = {r.values["policy_no"] for r in rows}
    stored = kit.preload(
        session,
        InsurancePolicy.policy_no,
        [InsurancePolicy.id],
        (r.values.get("renewal_of") for r in rows),
    )
    present = set(rows[0].raw) if rows else set()
    lines = _catalogue_lines(ctx)
    payload: dict[str, dict[str, Any]] = {}
    renews: dict[str, str | None] = {}
    for r in rows:
        v = r.values
        ok = True
        if lines is not None:
            ok = _check_product(ctx, r, lines)
        if v["end_date"] < v["start_date"]:
            ctx.issue(
                r,
                "end_date",
                "policy.term_order",
                Msg(
                    f"终止日期早于起保日期 {v['start_date']}",
                    f"the end date is before the start date {v['start_date']}",
                ),
            )
            ok = False
        uscc, code, name = (
            v.get("insured_uscc"),
            v.get("insured_institution_code"),
            v.get("insured_name"),
        )
        enterprise_id: int | None = None
        institution_id: int | None = None
        if uscc is not None and code is not None:
            ctx.issue(
                r,
                "insured_institution_code",
                "policy.two_insured",
                Msg(
                    "被保险人只能是一家企业或一家机构：统一社会信用代码与机构代码只填其一",
                    "the insured is one enterprise or one institution: give a USCC or an "
                    "institution code, not both",
                ),
            )
            ok = False
        elif uscc is not None:
            ent = enterprises.get(uscc)
            if ent is None:
                ctx.unknown_enterprise(r, "insured_uscc")
                ok = False
            else:
                enterprise_id, name = ent.id, name or ent.name
        elif code is not None:
            inst = institutions.get(code)
            if inst is None:
                ctx.issue(
                    r,
                    "insured_institution_code",
                    "import.unknown_institution",
                    Msg(
                        "机构库中没有该机构代码，请先导入机构",
                        "no institution with this code; import the institution first",
                    ),
                )
                ok = False
            else:
                institution_id, name = inst[0], name or inst[2]
        elif name is None:
            ctx.issue(
                r,
                "insured_name",
                "policy.insured_required",
                Msg(
                    "请填写被保险人：统一社会信用代码、机构代码或名称",
                    "give the insured: a USCC, an institution code or a name",
                ),
            )
            ok = False
        status = v.get("status") or PolicyStatus.BOUND
        if status is PolicyStatus.CANCELLED and v.get("cancelled_on") is None:
            ctx.issue(
                r,
                "status",
                "policy.cancelled_without_date",
                Msg(
                    "已退保保单未填写退保日期：视为从未提供保障，不计入承保和有效保单",
                    "a cancelled policy without a cancellation date counts as never having "
                    "given cover (neither written nor in force)",
                ),
                severity="warning",
            )
        if v.get("cancelled_on") is not None and status is not PolicyStatus.CANCELLED:
            ctx.issue(
                r,
                "cancelled_on",
                "policy.cancelled_on",
                Msg(
                    "只有已退保的保单才能填写退保日期",
                    "a cancellation date is only for cancelled policies",
                ),
            )
            ok = False
        incubator_id: int | None = None
        if (inc := v.get("incubator_code")) is not None:
            inst = institutions.get(inc)
            if inst is None:
                ctx.issue(
                    r,
                    "incubator_code",
                    "import.unknown_institution",
                    Msg(
                        "机构库中没有该孵化器机构代码，请先导入机构",
                        "no institution with this code; import the incubator first",
                    ),
                )
                ok = False
            elif inst[1] is not InstitutionKind.INCUBATOR:
                ctx.issue(
                    r,
                    "incubator_code",
                    "import.not_an_incubator",
                    Msg(
                        f"该机构不是孵化器（{inst[1].label.zh}）",
                        f"this institution is not an incubator ({inst[1].label.en})",
                    ),
                )
                ok = False
            else:
                incubator_id = inst[0]
        renewal = v.get("renewal_of")
        if renewal is not None:
            if renewal == v["policy_no"]:
                ctx.issue(
                    r,
                    "renewal_of",
                    "policy.renewal_cycle",
                    Msg("保单不能续保自身", "a policy cannot renew itself"),
                )
                ok = False
            elif renewal not in in_file and renewal not in stored:
                ctx.issue(
                    r,
                    "renewal_of",
                    "import.unknown_policy",
                    Msg(
                        "原保单不存在（须已导入或在本文件中）",
                        "the renewed policy does not exist (stored or in this file)",
                    ),
                )
                ok = False
        if not ok:
            continue
        item: dict[str, Any] = {
            "policy_no": v["policy_no"],
            "product_key": v["product_key"],
            "line": v["line"],
            "insured_enterprise_id": enterprise_id,
            "insured_institution_id": institution_id,
            "insured_name": name,
            "sum_insured": v["sum_insured"],
            "premium": v["premium"],
            "rate": v["rate"],
            "start_date": v["start_date"],
            "end_date": v["end_date"],
            "status": status,
        }
        # as create_policy does: a bound (or later cancelled) policy was bound on its start
        # date unless the file says otherwise
        item["bound_on"] = (
            None if status is PolicyStatus.QUOTED else v.get("bound_on") or v["start_date"]
        )
        for f in ("cancelled_on", "pool_key", "district_code"):
            if f in present:
                item[f] = v.get(f)
        if "incubator_code" in present:
            item["incubator_institution_id"] = incubator_id
        payload[v["policy_no"]] = item
        renews[v["policy_no"]] = renewal
    # renewals inside the file: write originals first; a cycle cannot be written
    levels: list[list[str]] = []
    if not ctx.failed:
        pending = dict(renews)
        while pending:
            level = [no for no, orig in pending.items() if orig is None or orig not in pending]
            if not level:
                by_no = {r.values["policy_no"]: r for r in rows}
                for no in sorted(pending):
                    ctx.issue(
                        by_no[no],
                        "renewal_of",
                        "policy.renewal_cycle",
                        Msg("续保关系成环", "renewals form a cycle"),
                    )
                return kit.nothing
            levels.append(level)
            for no in level:
                del pending[no]
    if ctx.failed:
        return kit.nothing
    known: dict[str, int] = {no: row.id for no, row in stored.items()}
    track_renewal = "renewal_of" in present

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        tick = kit.write_tick(progress, len(payload))
        done = 0
        for level in levels:
            batch = []
            for no in level:
                item = dict(payload[no])
                if track_renewal:
                    orig = renews[no]
                    item["renewal_of_id"] = None if orig is None else known[orig]
                batch.append(item)
            res = ctx.upsert(
                InsurancePolicy,
                batch,
                key=("policy_no",),
            )
            for (no,), ident in res.ids.items():
                known[no] = ident
            report.created += res.created
            report.updated += res.updated
            report.unchanged += res.unchanged
            done += len(batch)
            tick(done)

    return write


# =============================================================================== shares


def _prepare_shares(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    policies = kit.preload(
        session,
        InsurancePolicy.policy_no,
        [InsurancePolicy.id],
        (r.values["policy_no"] for r in rows),
    )
    institutions = _institutions(session)
    by_policy: dict[str, list[sp.ParsedRow]] = defaultdict(list)
    for r in rows:
        v = r.values
        policy = policies.get(v["policy_no"])
        if policy is None:
            ctx.issue(r, "policy_no", "import.unknown_policy", _UNKNOWN_POLICY)
        inst = institutions.get(v["insurer_code"])
        if inst is None:
            ctx.issue(
                r,
                "insurer_code",
                "import.unknown_insurer",
                Msg(
                    "机构库中没有该保险机构代码，请先导入机构",
                    "no institution with this code; import the insurer first",
                ),
            )
        elif inst[1] is not InstitutionKind.INSURER:
            ctx.issue(
                r,
                "insurer_code",
                "import.not_an_insurer",
                Msg(
                    f"该机构不是保险机构（{inst[1].label.zh}）",
                    f"this institution is not an insurer ({inst[1].label.en})",
                ),
            )
        by_policy[v["policy_no"]].append(r)
    for no, group in by_policy.items():
        total = sum((r.values["share"] for r in group), Decimal(0))
        if total != _ONE:
            ctx.issue(
                group[0],
                "share",
                "shares.sum",
                Msg(
                    f"保单 {no} 的共保份额合计为 {_pct(total)}，应恰好为 100%",
                    f"the shares of policy {no} sum to {_pct(total)}; they must sum to exactly 100%",
                ),
                value=_pct(total),
            )
        leads = [r for r in group if r.values.get("lead")]
        if len(leads) != 1:
            ctx.issue(
                (leads[1] if len(leads) > 1 else group[0]),
                "lead",
                "shares.lead",
                Msg(
                    f"保单 {no} 有 {len(leads)} 家主承保人，应恰好一家",
                    f"policy {no} has {len(leads)} lead insurers; it needs exactly one",
                ),
                value=str(len(leads)),
            )
    if ctx.failed:
        return kit.nothing

    policy_ids = {no: policies[no].id for no in by_policy}
    existing: dict[int, dict[int, tuple[int, Decimal, bool, str]]] = defaultdict(dict)
    codes = {ident: code for code, (ident, _kind, _name) in institutions.items()}
    for chunk in kit.chunks(sorted(policy_ids.values())):
        for sid, pid, insurer_id, share, lead in session.execute(
            select(
                CoinsuranceShare.id,
                CoinsuranceShare.policy_id,
                CoinsuranceShare.insurer_id,
                CoinsuranceShare.share,
                CoinsuranceShare.lead,
            ).where(CoinsuranceShare.policy_id.in_(chunk))
        ):
            existing[pid][insurer_id] = (sid, share, bool(lead), codes.get(insurer_id, "?"))

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    deletes: list[tuple[int, str, dict[str, list[Any]]]] = []
    history: list[tuple[int, str, str, dict[str, list[Any]]]] = []
    unchanged = 0
    for no, group in by_policy.items():
        pid = policy_ids[no]
        old = existing.get(pid, {})
        listed: set[int] = set()
        for r in group:
            insurer_id = institutions[r.values["insurer_code"]][0]
            listed.add(insurer_id)
            new = {"share": r.values["share"], "lead": bool(r.values.get("lead"))}
            key = f"{no}/{r.values['insurer_code']}"
            before = old.get(insurer_id)
            if before is None:
                inserts.append({"policy_id": pid, "insurer_id": insurer_id, **new})
                history.append((0, key, "create", diff(None, new)))
                continue
            changes = diff({"share": before[1], "lead": before[2]}, new)
            if not changes:
                unchanged += 1
                continue
            updates.append({"_id": before[0], "v_share": new["share"], "v_lead": new["lead"]})
            history.append((before[0], key, "update", changes))
        for insurer_id, (sid, share, lead, code) in old.items():
            if insurer_id not in listed:
                key = f"{no}/{code}"
                deletes.append(
                    (sid, key, {"share": [json_value(share), None], "lead": [lead, None]})
                )
                ctx.issue(
                    group[0],
                    "insurer_code",
                    "shares.removed",
                    Msg(
                        f"保单 {no} 的共保人 {code}（{_pct(share)}）不在文件中，已移除",
                        f"insurer {code} ({_pct(share)}) of policy {no} is not in the file and was removed",
                    ),
                    value=code,
                    severity="warning",
                )

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        s = ctx.session
        table = cast(Table, CoinsuranceShare.__table__)
        tick = kit.write_tick(progress, len(rows))
        rows_history: list[tuple[int, str, str, dict[str, list[Any]]]] = []
        if deletes:
            for chunk in kit.chunks([d[0] for d in deletes]):
                s.execute(delete(table).where(table.c.id.in_(chunk)))
            rows_history.extend((sid, key, "delete", changes) for sid, key, changes in deletes)
        if updates:
            s.execute(
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values(share=bindparam("v_share"), lead=bindparam("v_lead")),
                updates,
            )
        new_ids: dict[tuple[int, int], int] = {}
        if inserts:
            stmt = insert(table).returning(table.c.id, table.c.policy_id, table.c.insurer_id)
            new_ids = {(pid, iid): ident for ident, pid, iid in s.execute(stmt, inserts)}
        created = iter(new_ids[(i["policy_id"], i["insurer_id"])] for i in inserts)
        for ident, key, action, changes in history:
            rows_history.append(
                (next(created) if action == "create" else ident, key, action, changes)
            )
        if rows_history:
            s.execute(insert(ChangeHistory), _history_rows(ctx, "coinsurance_share", rows_history))
        # a removed insurer changes its policy's share set: it counts as an update
        report.created, report.updated = len(inserts), len(updates) + len(deletes)
        report.unchanged = unchanged
        tick(len(rows))

    return write


# =============================================================================== objects

_OBJECT_FIELDS: Final = ("name", "enterprise_id", "sum_insured")


def _prepare_objects(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    policies = kit.preload(
        session,
        InsurancePolicy.policy_no,
        [InsurancePolicy.id],
        (r.values["policy_no"] for r in rows),
    )
    enterprises = kit.preload(
        session, Enterprise.uscc, [Enterprise.id], (r.values.get("uscc") for r in rows)
    )
    present = set(rows[0].raw) if rows else set()
    fields = [f for f in _OBJECT_FIELDS if (f if f != "enterprise_id" else "uscc") in present]
    items: list[tuple[str, dict[str, Any]]] = []
    for r in rows:
        v = r.values
        ok = True
        policy = policies.get(v["policy_no"])
        if policy is None:
            ctx.issue(r, "policy_no", "import.unknown_policy", _UNKNOWN_POLICY)
            ok = False
        enterprise_id: int | None = None
        if (uscc := v.get("uscc")) is not None:
            ent = enterprises.get(uscc)
            if ent is None:
                ctx.unknown_enterprise(r, "uscc")
                ok = False
            else:
                enterprise_id = ent.id
        elif v["kind"] is InsuredObjectKind.ENTERPRISE:
            ctx.issue(
                r,
                "uscc",
                "object.enterprise_uscc",
                Msg(
                    "类型为“企业”的标的须填写企业统一社会信用代码",
                    "an object of kind enterprise needs the enterprise's USCC",
                ),
            )
            ok = False
        if not ok or policy is None:
            continue
        item = {"policy_id": policy.id, "kind": v["kind"], "ref": v["ref"]}
        values = {
            "name": v.get("name"),
            "enterprise_id": enterprise_id,
            "sum_insured": v.get("sum_insured"),
        }
        item.update({f: values[f] for f in fields})
        items.append((f"{v['policy_no']}/{v['kind'].value}/{v['ref']}", item))
    if ctx.failed:
        return kit.nothing

    existing: dict[tuple[int, InsuredObjectKind, str], Any] = {}
    o = InsuredObject
    for chunk in kit.chunks(sorted({i["policy_id"] for _, i in items})):
        for row in session.execute(
            select(o.policy_id, o.kind, o.ref, o.id, o.name, o.enterprise_id, o.sum_insured).where(
                o.policy_id.in_(chunk)
            )
        ):
            existing[(row.policy_id, row.kind, row.ref)] = row
    inserts: list[tuple[str, dict[str, Any]]] = []
    updates: list[dict[str, Any]] = []
    history: list[tuple[int, str, str, dict[str, list[Any]]]] = []
    unchanged = 0
    for key, item in items:
        old = existing.get((item["policy_id"], item["kind"], item["ref"]))
        if old is None:
            inserts.append((key, item))
            continue
        new = {f: item[f] for f in fields}
        changes = diff({f: getattr(old, f) for f in fields}, new)
        if not changes:
            unchanged += 1
            continue
        updates.append({"_id": old.id, **{f"v_{f}": new[f] for f in fields}})
        history.append((old.id, key, "update", changes))

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        s = ctx.session
        table = cast(Table, InsuredObject.__table__)
        tick = kit.write_tick(progress, len(rows))
        if updates and fields:
            s.execute(
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({f: bindparam(f"v_{f}") for f in fields}),
                updates,
            )
        rows_history = list(history)
        if inserts:
            stmt = insert(table).returning(table.c.id, table.c.policy_id, table.c.kind, table.c.ref)
            ids = {
                (pid, kind, ref): ident
                for ident, pid, kind, ref in s.execute(stmt, [i for _, i in inserts])
            }
            for key, item in inserts:
                ident = ids[(item["policy_id"], item["kind"], item["ref"])]
                rows_history.append((ident, key, "create", diff(None, item)))
        if rows_history:
            s.execute(insert(ChangeHistory), _history_rows(ctx, "insured_object", rows_history))
        report.created, report.updated, report.unchanged = len(inserts), len(updates), unchanged
        tick(len(rows))

    return write


# =============================================================================== claims


_DATE_ORDER: Final = (
    ("notified_on", "loss_date", Msg("出险日期", "loss date")),
    ("assessed_on", "notified_on", Msg("报案日期", "notification date")),
    ("paid_on", "notified_on", Msg("报案日期", "notification date")),
    ("paid_on", "assessed_on", Msg("定损日期", "assessment date")),
)
"""(date field, field it may not precede, what that is) for claim rows."""


def _prepare_claims(ctx: kit.ImportContext, rows: list[sp.ParsedRow]) -> Writer:
    session = ctx.session
    p = InsurancePolicy
    policies = kit.preload(
        session,
        p.policy_no,
        [p.id, p.status, p.start_date, p.end_date, p.bound_on, p.cancelled_on, p.sum_insured],
        (r.values["policy_no"] for r in rows),
    )
    shares: dict[int, list[ShareRow]] = shares_of(session, [row.id for row in policies.values()])
    present = set(rows[0].raw) if rows else set()
    payload: list[dict[str, Any]] = []
    for r in rows:
        v = r.values
        policy = policies.get(v["policy_no"])
        if policy is None:
            ctx.issue(r, "policy_no", "import.unknown_policy", _UNKNOWN_POLICY)
            continue
        start = len(ctx.issues)
        why = check_loss_date(
            policy_no=v["policy_no"],
            status=policy.status,
            start_date=policy.start_date,
            end_date=policy.end_date,
            bound_on=policy.bound_on,
            cancelled_on=policy.cancelled_on,
            loss_date=v["loss_date"],
        )
        if why is not None:
            ctx.issue(r, "loss_date", "claim.not_covered", why)
        for field_name, since_field, what in _DATE_ORDER:
            day, since = v.get(field_name), v.get(since_field)
            if day is not None and since is not None and day < since:
                ctx.issue(
                    r,
                    field_name,
                    "claim.backdated",
                    Msg(f"早于{what.zh} {since}", f"before the {what.en} {since}"),
                )
        assessed, paid = v.get("assessed_amount"), v.get("paid_amount")
        status: ClaimStatus | None = v.get("status")
        if status is None:
            status = (
                ClaimStatus.PAID
                if paid is not None
                else ClaimStatus.ASSESSED
                if assessed is not None
                else ClaimStatus.NOTIFIED
            )
        if status is ClaimStatus.PAID:
            if paid is None:
                ctx.issue(
                    r,
                    "paid_amount",
                    "claim.paid_amount_required",
                    Msg("已赔付的理赔须填写赔付金额", "a paid claim needs the amount paid"),
                )
            if v.get("paid_on") is None:
                ctx.issue(
                    r,
                    "paid_on",
                    "claim.paid_on_required",
                    Msg("已赔付的理赔须填写赔付日期", "a paid claim needs the date paid"),
                )
            if assessed is None:
                assessed = paid
        elif paid is not None or v.get("paid_on") is not None:
            ctx.issue(
                r,
                "paid_amount",
                "claim.status_amounts",
                Msg(
                    f"状态为“{status.label.zh}”的理赔不能有赔付金额或赔付日期",
                    f"a {status.label.en} claim cannot have a paid amount or date",
                ),
            )
        if status is ClaimStatus.ASSESSED and assessed is None:
            ctx.issue(
                r,
                "assessed_amount",
                "claim.assessed_amount_required",
                Msg("已定损的理赔须填写定损金额", "an assessed claim needs the assessed amount"),
            )
        if status is ClaimStatus.NOTIFIED and assessed is not None:
            ctx.issue(
                r,
                "assessed_amount",
                "claim.status_amounts",
                Msg(
                    "状态为“已报案”的理赔不能有定损金额",
                    "a notified claim cannot have an assessed amount",
                ),
            )
        for f, amount in (("assessed_amount", assessed), ("paid_amount", paid)):
            if amount is not None and amount > policy.sum_insured:
                ctx.issue(
                    r,
                    f,
                    "claim.amount",
                    Msg(
                        f"金额超过保额 {policy.sum_insured:,.2f} 元",
                        f"the amount exceeds the sum insured of {policy.sum_insured:,.2f} yuan",
                    ),
                )
        if paid is not None and assessed is not None and paid > assessed:
            ctx.issue(
                r,
                "paid_amount",
                "claim.paid_over_assessed",
                Msg(
                    f"赔付金额超过定损金额 {assessed:,.2f} 元",
                    f"the amount paid exceeds the assessed amount of {assessed:,.2f} yuan",
                ),
            )
        allocations: dict[str, str] | None = None
        if status is ClaimStatus.PAID and paid is not None:
            try:
                parts = allocate(paid, shares.get(policy.id, []))
            except KechuangError as exc:
                ctx.issue(r, "paid_amount", "claim.allocation", exc.message)
            else:
                allocations = {k: str(a) for k, a in parts.items()}
        if any(i.severity == "error" for i in ctx.issues[start:]):
            continue
        item: dict[str, Any] = {
            "claim_no": v["claim_no"],
            "policy_id": policy.id,
            "loss_date": v["loss_date"],
            "notified_on": v["notified_on"],
            "assessed_amount": assessed,
            "paid_amount": paid,
            "paid_on": v.get("paid_on"),
            "allocations": allocations,
            "status": status,
        }
        for f in ("assessed_on", "rejection_reason", "description"):
            if f in present:
                item[f] = v.get(f)
        payload.append(item)
    if ctx.failed:
        return kit.nothing

    def write(ctx: kit.ImportContext, report: ImportReport, progress: Progress | None) -> None:
        res = ctx.upsert(
            InsuranceClaim,
            payload,
            key=("claim_no",),
            progress=kit.write_tick(progress, len(payload)),
        )
        kit.set_counts(report, res)

    return write


_PREPARE: dict[str, Callable[[kit.ImportContext, list[sp.ParsedRow]], Writer]] = {
    "policies": _prepare_policies,
    "shares": _prepare_shares,
    "objects": _prepare_objects,
    "claims": _prepare_claims,
}


# =============================================================================== entry point


def import_file(
    *,
    session: Session,
    kind: str,
    path: str | Path,
    actor: str = "cli",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one insurance file of ``kind``, all or nothing.

    Args:
        session: the caller's session; the caller commits (or, for a dry run, rolls back).
        kind: ``policies``, ``shares``, ``objects`` or ``claims`` (:data:`SPECS`).
        path: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX file.
        actor: who imports (history).
        dry_run: mark the report as a dry run (the caller must roll back).
        progress: optional callback ``(stage, done, total)``.

    Raises:
        KeyError: unknown ``kind``.
        ImportRejected: with every issue when any row has an error; nothing is written.
    """
    return kit.import_prepared(
        session=session,
        kind=kind,
        spec=SPECS[kind],
        path=Path(path),
        actor=actor,
        dry_run=dry_run,
        progress=progress,
        context=kit.ImportContext,
        prepare=_PREPARE[kind],
        batch_kind=f"insurance-{kind}",
        source=f"insurance import {kind}",
        # cell errors and database checks together, in file order (file-level issues first)
        sort_issues=True,
    )
