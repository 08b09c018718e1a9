"""高价值发明专利 (high-value invention patent) — CNIPA statistical scope, RULES.md §3.

A patent is high-value when it is an **invention patent**, **in force**, and meets **any** of the
categories in force on the evaluation date:

1. it belongs to a strategic emerging industry (战略性新兴产业);
2. it has a foreign family member, i.e. patent rights abroad (在海外有同族专利权);
3. it has been maintained for **more than** 10 years (维持年限超过10年);
4. it has raised a relatively high amount of pledge financing (实现较高质押融资金额);
5. it won a National S&T Award or a China Patent Award (国家科学技术奖或中国专利奖).

Every parameter is ``unverified``: the 14th-FYP definition is [secondary] in RULES.md, and:

* The pledge threshold was **not found**; ``pledge_amount_min`` ships an illustrative demo value
  (1000万), not a fact.
* RULES.md reports [secondary] that the 15th-FYP material lists only four categories, dropping
  pledge financing. The category list is versioned by the boolean parameter
  ``high_value_patent.categories.pledge_category_in_force``: ``true`` from 2021-01-01, ``false``
  from 2026-01-01.

Maintenance is the input ``maintenance_years``: whole years the patent has been maintained, as
counted by the patent office's statistics; "more than 10 years" is ``maintenance_years > 10``, so
10 does not qualify and 11 does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kechuang.core.i18n import Msg
from kechuang.standards import expr as ex
from kechuang.standards.engine import Criterion, FieldSpec, Standard, param_text, yuan
from kechuang.standards.params import Resolved

REF = "国家知识产权局 高价值发明专利统计口径（“十四五”规划纲要指标：每万人口高价值发明专利拥有量）"
F, P = ex.F, ex.P
K = "high_value_patent."

FIELDS = (
    FieldSpec("is_invention", "bool", Msg("发明专利", "invention patent")),
    FieldSpec("in_force", "bool", Msg("处于有效状态", "in force")),
    FieldSpec(
        "sei_classified",
        "bool",
        Msg("属于战略性新兴产业", "belongs to a strategic emerging industry"),
    ),
    FieldSpec(
        "foreign_family_count",
        "int",
        Msg("海外同族专利权数", "foreign family members with patent rights"),
    ),
    FieldSpec("maintenance_years", "int", Msg("维持年限（整年）", "years maintained (whole)")),
    FieldSpec("pledge_amount", "money", Msg("质押融资金额", "pledge financing amount")),
    FieldSpec(
        "award",
        "bool",
        Msg("获国家科学技术奖或中国专利奖", "won a National S&T Award or China Patent Award"),
    ),
)

INVENTION = F("is_invention")
IN_FORCE = F("in_force")
SEI = F("sei_classified")
FOREIGN = F("foreign_family_count") >= P(K + "thresholds.min_foreign_family")
MAINTAINED = F("maintenance_years") > P(K + "thresholds.maintenance_years_over")
PLEDGE_IN_FORCE = P(K + "categories.pledge_category_in_force")
PLEDGE = PLEDGE_IN_FORCE & (F("pledge_amount") >= P(K + "thresholds.pledge_amount_min"))
AWARD = F("award")
ANY_CATEGORY = ex.any_of(SEI, FOREIGN, MAINTAINED, PLEDGE, AWARD)


def _flag(name: str) -> Any:
    return lambda row, _res: (
        ("是 yes" if row.get(name) else "否 no") if row.get(name) is not None else None
    )


def _count(name: str, unit: str) -> Any:
    return lambda row, _res: None if row.get(name) is None else f"{row[name]}{unit}"


def _money(name: str) -> Any:
    return lambda row, _res: yuan(row.get(name))


def _pledge_required(row: Mapping[str, Any], res: Resolved) -> str:
    if not res(K + "categories.pledge_category_in_force"):
        return "该类别不再计入 / category no longer counted"
    return "≥ " + param_text(K + "thresholds.pledge_amount_min")(row, res)


def _categories_observed(row: Mapping[str, Any], res: Resolved) -> str:
    labels = (
        ("战略性新兴产业", SEI),
        ("海外同族", FOREIGN),
        ("维持超10年", MAINTAINED),
        ("质押融资", PLEDGE),
        ("获奖", AWARD),
    )
    met = [name for name, node in labels if ex.evaluate(node, row, res) is True]
    return "、".join(met) if met else "无 none"


def _categories_required(_row: Mapping[str, Any], res: Resolved) -> str:
    n = 5 if res(K + "categories.pledge_category_in_force") else 4
    return f"{n} 类中任一类 / any of {n} categories"


STANDARD = Standard(
    key="high_value_patent",
    label=Msg("高价值发明专利", "high-value invention patent"),
    reference=REF,
    fields=FIELDS,
    criteria=(
        Criterion(
            "is_invention",
            Msg("发明专利", "invention patent"),
            passed=INVENTION,
            observed=_flag("is_invention"),
            required=lambda r, s: "是 yes",
            article=REF,
        ),
        Criterion(
            "in_force",
            Msg("有效发明专利", "in force"),
            passed=IN_FORCE,
            observed=_flag("in_force"),
            required=lambda r, s: "是 yes",
            article=REF,
        ),
        Criterion(
            "sei_category",
            Msg("类别一：战略性新兴产业", "category 1: strategic emerging industry"),
            passed=SEI,
            observed=_flag("sei_classified"),
            required=lambda r, s: "是 yes",
            article=REF,
        ),
        Criterion(
            "foreign_family_category",
            Msg("类别二：在海外有同族专利权", "category 2: foreign family member"),
            passed=FOREIGN,
            observed=_count("foreign_family_count", "件"),
            required=lambda r, s: f"≥ {s(K + 'thresholds.min_foreign_family')}件",
            params=(K + "thresholds.min_foreign_family",),
        ),
        Criterion(
            "maintenance_category",
            Msg("类别三：维持年限超过10年", "category 3: maintained more than 10 years"),
            passed=MAINTAINED,
            observed=_count("maintenance_years", "年"),
            required=lambda r, s: f"> {s(K + 'thresholds.maintenance_years_over')}年",
            params=(K + "thresholds.maintenance_years_over",),
        ),
        Criterion(
            "pledge_category",
            Msg("类别四：实现较高质押融资金额", "category 4: high pledge financing"),
            passed=PLEDGE,
            observed=_money("pledge_amount"),
            required=_pledge_required,
            params=(K + "categories.pledge_category_in_force", K + "thresholds.pledge_amount_min"),
        ),
        Criterion(
            "award_category",
            Msg("类别五：获国家科学技术奖或中国专利奖", "category 5: national award"),
            passed=AWARD,
            observed=_flag("award"),
            required=lambda r, s: "是 yes",
            article=REF,
        ),
        Criterion(
            "any_category",
            Msg("符合任一高价值类别", "meets any high-value category"),
            passed=ANY_CATEGORY,
            observed=_categories_observed,
            required=_categories_required,
            params=(K + "categories.pledge_category_in_force",),
        ),
    ),
    qualified=ex.all_of(INVENTION, IN_FORCE, ANY_CATEGORY),
)
