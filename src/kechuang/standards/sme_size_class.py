"""企业划型 (SME size class) — 《中小企业划型标准规定》工信部联企业〔2011〕300号.

RULES.md §10 marks the table **[unconfirmed: from general knowledge]**, so every threshold is an
``unverified`` parameter (``sme_size_class.<group>.*``) and every explanation says 参数待核实.

Per industry group, an enterprise is an SME (中小微型企业) when it is below **any** of the group's
upper limits (strict ``<``). Among SMEs it is **medium** when it meets **all** of the medium
lower limits (inclusive ``≥``), else **small** when it meets all of the small lower limits, else
**micro**. An enterprise that is not an SME is **large**.

The outcome of this standard is ``qualified`` = "is an SME" (medium, small or micro). The class
itself is exposed by the criteria ``is_sme``, ``is_medium``, ``is_small``, ``is_micro`` (passed) and
``size_class``, whose ``points`` carry the class code (see :data:`SIZE_CLASS_BY_CODE`):

====  ======  ========
code  class   中文
====  ======  ========
1     large   大型企业
2     medium  中型企业
3     small   小型企业
4     micro   微型企业
====  ======  ========

Input ``industry_group`` is an integer code, the item number of Art. 4 of 300号:

====  ==========================  =======================================================
code  行业                         limits (SME if below any; medium/small lower limits)
====  ==========================  =======================================================
1     农、林、牧、渔业              revenue
2     工业                          employees, revenue
3     建筑业                        revenue, total assets
4     批发业                        employees, revenue
5     零售业                        employees, revenue
6     交通运输业                    employees, revenue
7     仓储业                        employees, revenue
8     邮政业                        employees, revenue
9     住宿业                        employees, revenue
10    餐饮业                        employees, revenue
11    信息传输业                    employees, revenue
12    软件和信息技术服务业          employees, revenue
13    房地产开发经营                revenue, total assets
14    物业管理                      employees, revenue
15    租赁和商务服务业              employees, total assets
16    其他未列明行业                employees
====  ==========================  =======================================================

:func:`industry_group_for` maps a GB/T 4754-2017 industry code (``C3973``, ``I65``, ``K7020``) to
this code by its division (two digits) — **unverified**, see its docstring.
:func:`size_class_of` returns ``"large"`` / ``"medium"`` / ``"small"`` / ``"micro"`` for other
modules, computed through :data:`STANDARD`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.standards import expr as ex
from kechuang.standards.engine import (
    Criterion,
    FieldSpec,
    Standard,
    evaluate_row,
    param_text,
    profile_row,
    yuan,
)
from kechuang.standards.params import ParameterSet, Resolved, default_parameters

REF = "工信部联企业〔2011〕300号"
F, P = ex.F, ex.P

SIZE_CLASS_BY_CODE: Final[dict[int, str]] = {1: "large", 2: "medium", 3: "small", 4: "micro"}
"""Code in the ``size_class`` criterion's points → class (values of ``registry`` ``SizeClass``)."""

SIZE_CLASS_LABELS: Final[dict[int, Msg]] = {
    1: Msg("大型企业", "large"),
    2: Msg("中型企业", "medium"),
    3: Msg("小型企业", "small"),
    4: Msg("微型企业", "micro"),
}

# Metric → (input field, Chinese name, unit shown after a count).
_METRICS: Final[dict[str, tuple[str, str]]] = {
    "employees": ("employees", "从业人员"),
    "revenue": ("operating_revenue", "营业收入"),
    "assets": ("total_assets", "资产总额"),
}


@dataclass(frozen=True, slots=True)
class IndustryGroup:
    """One row of the 300号 table.

    Attributes:
        code: integer code (the item number of Art. 4), the value of ``industry_group``.
        slug: parameter group name under ``sme_size_class``.
        label: bilingual industry name.
        metrics: the metrics of the row (``employees``, ``revenue``, ``assets``); each has an upper
            limit ``sme_<metric>_below`` and lower limits ``medium_<metric>_min`` and
            ``small_<metric>_min``.
    """

    code: int
    slug: str
    label: Msg
    metrics: tuple[str, ...]

    def key(self, name: str) -> str:
        """Dotted parameter key of ``name`` in this group."""
        return f"sme_size_class.{self.slug}.{name}"


_ER = ("employees", "revenue")
GROUPS: Final[tuple[IndustryGroup, ...]] = (
    IndustryGroup(1, "agriculture", Msg("农、林、牧、渔业", "agriculture"), ("revenue",)),
    IndustryGroup(2, "industry", Msg("工业", "industry"), _ER),
    IndustryGroup(3, "construction", Msg("建筑业", "construction"), ("revenue", "assets")),
    IndustryGroup(4, "wholesale", Msg("批发业", "wholesale"), _ER),
    IndustryGroup(5, "retail", Msg("零售业", "retail"), _ER),
    IndustryGroup(6, "transport", Msg("交通运输业", "transport"), _ER),
    IndustryGroup(7, "warehousing", Msg("仓储业", "warehousing"), _ER),
    IndustryGroup(8, "postal", Msg("邮政业", "postal services"), _ER),
    IndustryGroup(9, "accommodation", Msg("住宿业", "accommodation"), _ER),
    IndustryGroup(10, "catering", Msg("餐饮业", "catering"), _ER),
    IndustryGroup(
        11, "information_transmission", Msg("信息传输业", "information transmission"), _ER
    ),
    IndustryGroup(12, "software_it", Msg("软件和信息技术服务业", "software and IT services"), _ER),
    IndustryGroup(
        13,
        "real_estate_development",
        Msg("房地产开发经营", "real-estate development"),
        ("revenue", "assets"),
    ),
    IndustryGroup(14, "property_management", Msg("物业管理", "property management"), _ER),
    IndustryGroup(
        15,
        "leasing_business_services",
        Msg("租赁和商务服务业", "leasing and business services"),
        ("employees", "assets"),
    ),
    IndustryGroup(16, "other", Msg("其他未列明行业", "other industries"), ("employees",)),
)
GROUP_BY_CODE: Final[dict[int, IndustryGroup]] = {g.code: g for g in GROUPS}

FIELDS = (
    FieldSpec(
        "industry_group",
        "int",
        Msg("行业类别代码（1–16，见300号第四条）", "industry group code (1–16, Art. 4 of 300号)"),
    ),
    FieldSpec("employees", "int", Msg("从业人员", "employees")),
    FieldSpec("operating_revenue", "money", Msg("营业收入", "operating revenue")),
    FieldSpec("total_assets", "money", Msg("资产总额", "total assets")),
)

GROUP = F("industry_group")


def _per_group(build: Any, otherwise: ex.Expr) -> ex.Expr:
    """``CASE industry_group WHEN g THEN build(g) … ELSE otherwise``."""
    return ex.case(*((GROUP.eq(g.code), build(g)) for g in GROUPS), otherwise=otherwise)


def _below_any(g: IndustryGroup) -> ex.Expr:
    return ex.any_of(*(F(_METRICS[m][0]) < P(g.key(f"sme_{m}_below")) for m in g.metrics))


def _meets_all(tier: str) -> Any:
    def build(g: IndustryGroup) -> ex.Expr:
        return ex.all_of(*(F(_METRICS[m][0]) >= P(g.key(f"{tier}_{m}_min")) for m in g.metrics))

    return build


KNOWN_GROUP = ex.any_of(*(GROUP.eq(g.code) for g in GROUPS))
IS_SME = _per_group(_below_any, ex.Null("boolean"))
MEDIUM_LIMITS = _per_group(_meets_all("medium"), ex.Null("boolean"))
SMALL_LIMITS = _per_group(_meets_all("small"), ex.Null("boolean"))
IS_MEDIUM = IS_SME & MEDIUM_LIMITS
IS_SMALL = ex.all_of(IS_SME, ~MEDIUM_LIMITS, SMALL_LIMITS)
IS_MICRO = ex.all_of(IS_SME, ~MEDIUM_LIMITS, ~SMALL_LIMITS)
SIZE_CODE = ex.case(
    (~IS_SME, 1), (IS_MEDIUM, 2), (IS_SMALL, 3), (IS_MICRO, 4), otherwise=ex.Null("int64")
)


# ---------------------------------------------------------------------------- explanations


def _group_of(row: Mapping[str, Any]) -> IndustryGroup | None:
    code = row.get("industry_group")
    return GROUP_BY_CODE.get(code) if isinstance(code, int) else None


def _metric_value(row: Mapping[str, Any], metric: str) -> str:
    field, name = _METRICS[metric]
    v = row.get(field)
    if metric == "employees":
        return f"{name} {'—' if v is None else f'{v}人'}"
    return f"{name} {yuan(v) or '—'}"


def _observed(row: Mapping[str, Any], _res: Resolved) -> str:
    g = _group_of(row)
    metrics = g.metrics if g else tuple(_METRICS)
    return "，".join(_metric_value(row, m) for m in metrics)


def _limit(g: IndustryGroup, name: str, metric: str, op: str, res: Resolved) -> str:
    text = param_text(g.key(name))({}, res)
    return f"{_METRICS[metric][1]} {op} {text}{'人' if metric == 'employees' else ''}"


def _sme_required(row: Mapping[str, Any], res: Resolved) -> str:
    g = _group_of(row)
    if g is None:
        return "行业类别代码 1–16 / industry group 1–16"
    parts = [_limit(g, f"sme_{m}_below", m, "<", res) for m in g.metrics]
    return f"{g.label.zh}：" + " 或 ".join(parts)


def _tier_required(tier: str) -> Any:
    def show(row: Mapping[str, Any], res: Resolved) -> str:
        g = _group_of(row)
        if g is None:
            return "行业类别代码 1–16 / industry group 1–16"
        parts = [_limit(g, f"{tier}_{m}_min", m, "≥", res) for m in g.metrics]
        return "中小微型企业，且 " + " 且 ".join(parts)

    return show


def _micro_required(row: Mapping[str, Any], res: Resolved) -> str:
    g = _group_of(row)
    if g is None:
        return "行业类别代码 1–16 / industry group 1–16"
    parts = [_limit(g, f"small_{m}_min", m, "<", res) for m in g.metrics]
    return "中小微型企业，且 " + " 或 ".join(parts)


def _group_observed(row: Mapping[str, Any], _res: Resolved) -> Any:
    code = row.get("industry_group")
    if code is None:
        return None
    g = _group_of(row)
    return f"{code} {g.label.zh}" if g else f"{code}（未知代码 unknown code）"


def _class_observed(row: Mapping[str, Any], res: Resolved) -> Any:
    code = ex.evaluate(SIZE_CODE, row, res)
    if code is None:
        return None
    label = SIZE_CLASS_LABELS[code]
    return f"{label.zh} {label.en}（代码 code {code}）"


STANDARD = Standard(
    key="sme_size_class",
    label=Msg("中小企业划型", "SME size class"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        Criterion(
            "industry_group",
            Msg("行业类别", "industry group"),
            passed=KNOWN_GROUP,
            observed=_group_observed,
            required=lambda r, s: "1–16（300号第四条）",
            article=f"{REF} 第四条",
        ),
        Criterion(
            "is_sme",
            Msg("属于中小微型企业", "is an SME (medium, small or micro)"),
            passed=IS_SME,
            observed=_observed,
            required=_sme_required,
            article=f"{REF} 第四条",
        ),
        Criterion(
            "is_medium",
            Msg("中型企业", "medium enterprise"),
            passed=IS_MEDIUM,
            observed=_observed,
            required=_tier_required("medium"),
            article=f"{REF} 第四条",
        ),
        Criterion(
            "is_small",
            Msg("小型企业", "small enterprise"),
            passed=IS_SMALL,
            observed=_observed,
            required=_tier_required("small"),
            article=f"{REF} 第四条",
        ),
        Criterion(
            "is_micro",
            Msg("微型企业", "micro enterprise"),
            passed=IS_MICRO,
            observed=_observed,
            required=_micro_required,
            article=f"{REF} 第四条",
        ),
        Criterion(
            "size_class",
            Msg(
                "企业规模类型代码（1大型 2中型 3小型 4微型）", "size class code (1 large … 4 micro)"
            ),
            points=SIZE_CODE,
            observed=_class_observed,
            article=f"{REF} 第四条",
        ),
    ),
    qualified=IS_SME,
)


# ---------------------------------------------------------------------------- helpers


def size_class_of(
    industry_group: int | None,
    employees: int | None,
    operating_revenue: int | str | Decimal | None,
    total_assets: int | str | Decimal | None,
    *,
    as_of: dt.date | None = None,
    parameters: ParameterSet | None = None,
) -> str | None:
    """The size class (``"large"``, ``"medium"``, ``"small"``, ``"micro"``) or ``None`` if unknown.

    Computed through :data:`STANDARD` (the ``size_class`` criterion's points), so it always agrees
    with a screening run. Amounts are in 元 (as in profile input); ``None`` means unknown, and the
    result is ``None`` only when the missing facts could change the class. Parameters are those in
    force on ``as_of`` (default: today).

    Args:
        industry_group: code 1–16 (see the module docstring; :func:`industry_group_for`).
        employees: 从业人员.
        operating_revenue: 营业收入 in 元.
        total_assets: 资产总额 in 元.
        as_of: evaluation date for the parameters.
        parameters: parameter set (default: the shipped parameters).
    """
    raw = {
        "industry_group": industry_group,
        "employees": employees,
        "operating_revenue": None if operating_revenue is None else str(operating_revenue),
        "total_assets": None if total_assets is None else str(total_assets),
    }
    row = profile_row(STANDARD, raw)
    day = as_of or today()
    resolved = (parameters or default_parameters()).at(day)
    evaluation = evaluate_row(STANDARD, row, resolved)
    [check] = [c for c in evaluation.checks if c.criterion == "size_class"]
    return SIZE_CLASS_BY_CODE.get(check.points) if check.points is not None else None


# GB/T 4754-2017 door letter → group, for doors that map to a single group. Doors F (批发/零售),
# G (交通运输/仓储/邮政), H (住宿/餐饮), I (信息传输/软件) and K (房地产开发/物业管理/other) need
# the division; J (金融, 银发〔2015〕309号 applies), S (公共管理) and T (国际组织) are not covered.
INDUSTRY_GROUP_BY_GBT4754_DOOR: Final[dict[str, int]] = {
    "A": 1,
    "B": 2,
    "C": 2,
    "D": 2,
    "E": 3,
    "L": 15,
    "M": 16,
    "N": 16,
    "O": 16,
    "P": 16,
    "Q": 16,
    "R": 16,
}

# Door → (first, last) two-digit division of GB/T 4754-2017.
_DOOR_DIVISIONS: Final[dict[str, tuple[int, int]]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}

# Divisions whose group differs from their door's (F, G, H, I split by division).
_GROUP_BY_DIVISION: Final[dict[int, int]] = {
    51: 4,  # 批发业
    52: 5,  # 零售业
    **dict.fromkeys(range(53, 59), 6),  # 铁路/道路/水上/航空/管道运输, 多式联运和运输代理
    59: 7,  # 装卸搬运和仓储业
    60: 8,  # 邮政业
    61: 9,  # 住宿业
    62: 10,  # 餐饮业
    63: 11,  # 电信、广播电视和卫星传输服务
    64: 11,  # 互联网和相关服务
    65: 12,  # 软件和信息技术服务业
}

_CODE = re.compile(r"^(?P<door>[A-Z])?(?P<digits>\d{2,4})?$")


def industry_group_for(code: str) -> int:
    """The 300号 industry group (1–16) of a GB/T 4754-2017 industry code — **unverified**.

    Accepts a door letter, a door letter with 2–4 digits (``C3973``, ``I65``, ``K7020``) or the
    digits alone (``6513``). The mapping follows the division (two digits): 01–05 → 1, 06–46 → 2
    (工业 = 采矿、制造、电力热力燃气水), 47–50 → 3, 51 → 4, 52 → 5, 53–58 → 6, 59 → 7, 60 → 8,
    61 → 9, 62 → 10, 63–64 → 11, 65 → 12, 701 → 13 (房地产开发经营), 702 → 14 (物业管理), other
    70x → 16, 71–72 → 15, 73–90 → 16. This is our reading of 300号 against GB/T 4754-2017, not an
    official concordance (RULES.md §10 is itself unconfirmed).

    Raises:
        ValueError: the code is malformed, its letter and digits disagree, it needs more digits to
            decide (``F``, ``G``, ``H``, ``I``, ``K``, ``K70``), or it is outside 300号 (金融 J,
            公共管理 S, 国际组织 T).
    """
    text = code.strip().upper().replace(" ", "")
    m = _CODE.match(text)
    if not m or not text:
        raise ValueError(f"not a GB/T 4754 industry code: {code!r}")
    door, digits = m.group("door"), m.group("digits")
    if digits is None:
        if door is None:
            raise ValueError(f"not a GB/T 4754 industry code: {code!r}")
        if door in INDUSTRY_GROUP_BY_GBT4754_DOOR:
            return INDUSTRY_GROUP_BY_GBT4754_DOOR[door]
        raise ValueError(f"industry door {door} spans several groups or is not covered: {code!r}")
    division = int(digits[:2])
    owner = next((d for d, (lo, hi) in _DOOR_DIVISIONS.items() if lo <= division <= hi), None)
    if owner is None or (door is not None and door != owner):
        raise ValueError(f"division {digits[:2]} does not match door {door or '?'}: {code!r}")
    if owner in ("J", "S", "T"):
        raise ValueError(f"industry {code!r} is outside 工信部联企业〔2011〕300号")
    if division == 70:
        if len(digits) < 3:
            raise ValueError(f"real estate needs the group digit (701/702): {code!r}")
        return {"1": 13, "2": 14}.get(digits[2], 16)
    if division in _GROUP_BY_DIVISION:
        return _GROUP_BY_DIVISION[division]
    return INDUSTRY_GROUP_BY_GBT4754_DOOR[owner]


__all__ = [
    "GROUPS",
    "GROUP_BY_CODE",
    "INDUSTRY_GROUP_BY_GBT4754_DOOR",
    "SIZE_CLASS_BY_CODE",
    "STANDARD",
    "IndustryGroup",
    "industry_group_for",
    "size_class_of",
]
