"""科技型中小企业 (tech-based SME) evaluation — 国科发政〔2017〕115号.

* Art. 6 (all must hold): (1) resident enterprise registered in mainland China; (2) employees
  ≤ 500, sales revenue ≤ 2亿, total assets ≤ 2亿; (3) not in a prohibited/restricted/eliminated
  industry; (4) no serious violation (accident, environmental, misconduct, abnormal or dishonesty
  list); (5) composite score ≥ 60 **and** the S&T-staff score is not 0.
* Art. 7 scoring, 100 points: S&T staff ratio (20), R&D input (50: the better of R&D ÷ sales
  revenue and R&D ÷ total cost), S&T achievements / IP (30).
* Art. 8 direct routes (with Art. 6 (1)–(4)): a valid high-tech certificate; a national S&T award
  in the last 5 years ranked in the top 3 units; a provincial-or-higher R&D institution; led an
  international/national/industry standard in the last 5 years.

Unknown inputs make a score a range: the low end counts an unknown item as 0, the high end as its
maximum, so the outcome is ``undetermined`` only when the missing facts could change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.standards import expr as ex
from kechuang.standards.engine import Criterion, FieldSpec, Standard, fraction_pct, param_text, yuan
from kechuang.standards.params import Resolved

REF = "国科发政〔2017〕115号"
F, P = ex.F, ex.P

FIELDS = (
    FieldSpec("employees", "int", Msg("职工总数", "employees")),
    FieldSpec("st_staff", "int", Msg("科技人员数", "S&T staff")),
    FieldSpec("revenue", "money", Msg("销售收入", "sales revenue")),
    FieldSpec("total_assets", "money", Msg("资产总额", "total assets")),
    FieldSpec("rd_expense", "money", Msg("研发费用", "R&D expense")),
    FieldSpec("total_cost", "money", Msg("成本费用支出总额", "total cost and expense")),
    FieldSpec("ip_class1", "int", Msg("Ⅰ类知识产权数", "class-I IP count")),
    FieldSpec("ip_class2", "int", Msg("Ⅱ类知识产权数", "class-II IP count")),
    FieldSpec(
        "registered_in_mainland",
        "bool",
        Msg(
            "在中国境内（不含港澳台）注册的居民企业",
            "resident enterprise registered in mainland China",
        ),
        default=True,
    ),
    FieldSpec(
        "restricted_industry",
        "bool",
        Msg("属于国家禁止、限制和淘汰类", "in a prohibited/restricted/eliminated industry"),
    ),
    FieldSpec(
        "serious_violation",
        "bool",
        Msg(
            "上一年度至当年有重大违法违规或列入异常/失信名单",
            "serious violation or on an abnormal/dishonesty list",
        ),
    ),
    FieldSpec(
        "high_tech_certificate_valid",
        "bool",
        Msg("持有有效期内高新技术企业资格证书", "holds a valid high-tech enterprise certificate"),
    ),
    FieldSpec(
        "national_st_award_top3_5y",
        "bool",
        Msg("近五年获国家级科技奖励且排名前三", "national S&T award in last 5 years, top-3 unit"),
    ),
    FieldSpec(
        "provincial_rd_institution",
        "bool",
        Msg("拥有省部级以上研发机构", "provincial-or-higher R&D institution"),
    ),
    FieldSpec(
        "led_standard_5y",
        "bool",
        Msg(
            "近五年主导制定国际、国家或行业标准",
            "led an international/national/industry standard in last 5 years",
        ),
    ),
)

# Points per item. Unknown inputs make an item a range: the low end counts it as 0 (or the
# other R&D option, if known), the high end as the most it could score.
ST_POINTS = ex.Bands(F("st_staff"), F("employees"), P("tech_sme.scoring.st_staff_bands"))
ST_LOW, ST_HIGH = ST_POINTS.fill(0), ST_POINTS.fill(20)
RD_REVENUE = ex.Bands(F("rd_expense"), F("revenue"), P("tech_sme.scoring.rd_revenue_bands"))
RD_COST = ex.Bands(F("rd_expense"), F("total_cost"), P("tech_sme.scoring.rd_cost_bands"))
RD_LOW = ex.greatest(RD_REVENUE, RD_COST).fill(0)  # the enterprise takes the better option
RD_HIGH = ex.greatest(RD_REVENUE.fill(50), RD_COST.fill(50))
IP_CLASS2 = ex.CountBands(F("ip_class2"), P("tech_sme.scoring.ip_class2_bands"))
IP_LOW = ex.case(
    (F("ip_class1") >= 1, P("tech_sme.scoring.ip_class1_points")), otherwise=IP_CLASS2.fill(0)
)
IP_HIGH = ex.case(
    (F("ip_class1") >= 1, P("tech_sme.scoring.ip_class1_points")),
    (F("ip_class1").is_null(), P("tech_sme.scoring.ip_class1_points")),
    otherwise=IP_CLASS2.fill(24),
)
SCORE_LOW = ST_LOW + RD_LOW + IP_LOW
SCORE_HIGH = ST_HIGH + RD_HIGH + IP_HIGH

MAINLAND = F("registered_in_mainland")
EMPLOYEES_OK = F("employees") <= P("tech_sme.eligibility.max_employees")
REVENUE_OK = F("revenue") <= P("tech_sme.eligibility.max_revenue")
ASSETS_OK = F("total_assets") <= P("tech_sme.eligibility.max_total_assets")
NOT_RESTRICTED = ~F("restricted_industry")
NO_VIOLATION = ~F("serious_violation")
ST_NONZERO = ST_POINTS > 0
SCORE_OK = ex.case(
    (P("tech_sme.scoring.pass_mark") <= SCORE_LOW, ex.Lit(True)),
    (P("tech_sme.scoring.pass_mark") > SCORE_HIGH, ex.Lit(False)),
    otherwise=ex.Null("boolean"),
)
DIRECT = ex.any_of(
    F("high_tech_certificate_valid"),
    F("national_st_award_top3_5y"),
    F("provincial_rd_institution"),
    F("led_standard_5y"),
)
ELIGIBLE = ex.all_of(MAINLAND, EMPLOYEES_OK, REVENUE_OK, ASSETS_OK, NOT_RESTRICTED, NO_VIOLATION)


def _count(name: str, unit_zh: str = "人") -> Any:
    def show(row: Mapping[str, Any], _res: Resolved) -> str | None:
        v = row.get(name)
        return None if v is None else f"{v}{unit_zh}"

    return show


def _money(name: str) -> Any:
    return lambda row, _res: yuan(row.get(name))


def _ratio(num: str, den: str) -> Any:
    return lambda row, _res: fraction_pct(row.get(num), row.get(den))


def _rd_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    a = fraction_pct(row.get("rd_expense"), row.get("revenue")) or "—"
    b = fraction_pct(row.get("rd_expense"), row.get("total_cost")) or "—"
    return f"研发/销售收入 {a}；研发/成本费用 {b} · R&D/revenue {a}; R&D/total cost {b}"


def _ip_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    c1, c2 = row.get("ip_class1"), row.get("ip_class2")
    return f"Ⅰ类 {'—' if c1 is None else c1}，Ⅱ类 {'—' if c2 is None else c2} · class I {'—' if c1 is None else c1}, class II {'—' if c2 is None else c2}"


def _flag(name: str, *, want: bool) -> Any:
    return lambda row, _res: (
        ("是 yes" if row.get(name) else "否 no") if row.get(name) is not None else None
    )


def _score_observed(row: Mapping[str, Any], res: Resolved) -> str:
    lo, hi = ex.evaluate(SCORE_LOW, row, res), ex.evaluate(SCORE_HIGH, row, res)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _direct_observed(row: Mapping[str, Any], _res: Resolved) -> str:
    routes = [f.label.zh for f in FIELDS[11:] if row.get(f.name)]
    return "、".join(routes) if routes else "无 none"


STANDARD = Standard(
    key="tech_sme",
    label=Msg("科技型中小企业", "tech-based SME"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        Criterion(
            "registered_in_mainland",
            Msg("境内注册居民企业", "resident enterprise in mainland China"),
            passed=MAINLAND,
            observed=_flag("registered_in_mainland", want=True),
            required=lambda r, s: "是 yes",
            article=f"{REF} 第六条（一）",
        ),
        Criterion(
            "employees",
            Msg("职工总数", "employees"),
            passed=EMPLOYEES_OK,
            observed=_count("employees"),
            required=lambda r, s: f"≤ {s('tech_sme.eligibility.max_employees')}人",
            params=("tech_sme.eligibility.max_employees",),
        ),
        Criterion(
            "revenue",
            Msg("年销售收入", "annual sales revenue"),
            passed=REVENUE_OK,
            observed=_money("revenue"),
            required=lambda r, s: "≤ " + param_text("tech_sme.eligibility.max_revenue")(r, s),
            params=("tech_sme.eligibility.max_revenue",),
        ),
        Criterion(
            "total_assets",
            Msg("资产总额", "total assets"),
            passed=ASSETS_OK,
            observed=_money("total_assets"),
            required=lambda r, s: "≤ " + param_text("tech_sme.eligibility.max_total_assets")(r, s),
            params=("tech_sme.eligibility.max_total_assets",),
        ),
        Criterion(
            "not_restricted_industry",
            Msg("不属于禁止、限制和淘汰类", "not a prohibited/restricted/eliminated industry"),
            passed=NOT_RESTRICTED,
            observed=_flag("restricted_industry", want=False),
            required=lambda r, s: "否 no",
            article=f"{REF} 第六条（三）",
        ),
        Criterion(
            "no_serious_violation",
            Msg(
                "无重大违法违规、未列入异常或失信名单",
                "no serious violation, not on abnormal/dishonesty lists",
            ),
            passed=NO_VIOLATION,
            observed=_flag("serious_violation", want=False),
            required=lambda r, s: "否 no",
            article=f"{REF} 第六条（四）",
        ),
        Criterion(
            "direct_route",
            Msg("直接认定条件（第八条）", "direct route (Art. 8)"),
            passed=DIRECT,
            observed=_direct_observed,
            required=lambda r, s: "任一项 any one",
            article=f"{REF} 第八条",
        ),
        Criterion(
            "st_staff_score",
            Msg("科技人员指标", "S&T staff score"),
            passed=ST_NONZERO,
            points=ST_LOW,
            points_high=ST_HIGH,
            observed=_ratio("st_staff", "employees"),
            required=lambda r, s: "≥ 10%（得分不为0 / score not 0）",
            params=("tech_sme.scoring.st_staff_bands",),
        ),
        Criterion(
            "rd_score",
            Msg("研发投入指标（两种方式取高）", "R&D input score (better of two options)"),
            points=RD_LOW,
            points_high=RD_HIGH,
            observed=_rd_observed,
            params=("tech_sme.scoring.rd_revenue_bands", "tech_sme.scoring.rd_cost_bands"),
        ),
        Criterion(
            "ip_score",
            Msg("科技成果指标（知识产权）", "S&T achievements (IP) score"),
            points=IP_LOW,
            points_high=IP_HIGH,
            observed=_ip_observed,
            params=("tech_sme.scoring.ip_class1_points", "tech_sme.scoring.ip_class2_bands"),
        ),
        Criterion(
            "total_score",
            Msg("综合评价得分", "composite score"),
            passed=SCORE_OK,
            observed=_score_observed,
            required=lambda r, s: f"≥ {s('tech_sme.scoring.pass_mark')}",
            params=("tech_sme.scoring.pass_mark",),
        ),
    ),
    qualified=ELIGIBLE & (DIRECT | (ST_NONZERO & SCORE_OK)),
    direct=ELIGIBLE & DIRECT,
    score=SCORE_LOW,
    score_high=SCORE_HIGH,
    pass_mark="tech_sme.scoring.pass_mark",
)
