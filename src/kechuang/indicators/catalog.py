"""The indicator catalogue: every published figure of the report chapter, defined once.

Each :class:`~kechuang.indicators.model.IndicatorDefinition` states what the figure is (labels,
unit, formula in words, the seed section it serves); the Ibis expression that computes it lives in
:mod:`kechuang.indicators.expressions` under the same key. The catalogue is versioned as a whole
(:data:`DEFINITIONS_VERSION`), and every release records the version it was computed with.

``docs/indicators.md`` is generated from this module (``kechuang indicators docs``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kechuang.core.errors import NotFound
from kechuang.core.i18n import Msg
from kechuang.indicators.model import IndicatorDefinition

DEFINITIONS_VERSION = "2023.1"
"""Version of the definitions below; bump it whenever a formula, a filter or a default changes."""

_SCI_TECH_ZH = (
    "科技型企业 = 在该日持有至少一项计入口径的有效资格的企业（sci_tech_enterprise 标准，"
    "资格有效期含起止日）"
)
_SCI_TECH_EN = (
    "sci-tech enterprise = holds at least one counted qualification valid on the date "
    "(the sci_tech_enterprise standard; validity includes both ends)"
)
_SME_ZH = (
    "科技型中小企业 = 企业划型（sme_size_class 标准，按日期前最近一个会计年度；标准无法判定时取企业库登记的规模）"
    "为中型、小型或微型的科技型企业（可配置为“持有有效的科技型中小企业资格”）"
)
_SME_EN = (
    "sci-tech SME = a sci-tech enterprise whose size class (sme_size_class standard on the latest "
    "fiscal year before the date; the registry's recorded size class when the standard cannot "
    "decide) is medium, small or micro (configurable to 'holds a valid tech_sme qualification')"
)
_BALANCE_ZH = "贷款余额 = 放款 − 归还本金 − 核销（事件日期不晚于该日），按贷款计"
_BALANCE_EN = (
    "outstanding principal = drawdowns − principal repaid − written off, events up to the date"
)
_GRANT_ZH = "授信 = 当年（1月1日至12月31日）签订、年底前未取消的授信合同"
_GRANT_EN = "credit grants made in the year (1 Jan – 31 Dec) and not cancelled by year end"
_IN_FORCE_ZH = "有效 = 已授权且未因未缴年费终止（恢复权利的除外）、全部无效、放弃或期限届满（kechuang.ip.status）"
_IN_FORCE_EN = (
    "in force = granted and not lapsed (unless restored), invalidated in full, surrendered or "
    "expired (kechuang.ip.status)"
)


def _d(
    key: str,
    zh: str,
    en: str,
    unit: str,
    unit_zh: str,
    unit_en: str,
    formula_zh: str,
    formula_en: str,
    section: str,
    group: str,
    **kw: Any,
) -> IndicatorDefinition:
    return IndicatorDefinition(
        key=key,
        label_zh=zh,
        label_en=en,
        unit=unit,
        unit_zh=unit_zh,
        unit_en=unit_en,
        formula_zh=formula_zh,
        formula_en=formula_en,
        section=section,
        group=group,
        definitions_version=DEFINITIONS_VERSION,
        **kw,
    )


def _product_pair(
    product_key: str,
    zh: str,
    en: str,
    products_zh: str,
    products_en: str,
    *,
    segment: bool = False,
    base: str | None = None,
) -> list[IndicatorDefinition]:
    seg_zh = "，其中企业划型为中型、小型或微型的企业" if segment else ""
    seg_en = ", of which enterprises whose size class is medium, small or micro" if segment else ""
    key = f"{product_key}_sme" if segment else product_key
    return [
        _d(
            f"{key}_enterprises",
            f"{zh}授信企业",
            f"{en}: enterprises granted credit",
            "enterprise",
            "家",
            "enterprises",
            f"{products_zh}的{_GRANT_ZH}{seg_zh}：去重的企业数",
            f"{products_en}: {_GRANT_EN}{seg_en}; distinct enterprises",
            "7.1.2",
            "credit_products",
            product_key=product_key,
            segment_of=f"{base}_enterprises" if base else None,
        ),
        _d(
            f"{key}_amount",
            f"{zh}授信金额",
            f"{en}: amount granted",
            "yuan",
            "亿元",
            "100 million yuan",
            f"{products_zh}的{_GRANT_ZH}{seg_zh}：授信金额之和",
            f"{products_en}: {_GRANT_EN}{seg_en}; sum of the amounts granted",
            "7.1.2",
            "credit_products",
            scale="yi",
            decimals=2,
            product_key=product_key,
            segment_of=f"{base}_amount" if base else None,
        ),
    ]


def _build() -> tuple[IndicatorDefinition, ...]:
    defs: list[IndicatorDefinition] = [
        # ------------------------------------------------------------------ 7.1.1 finance support
        _d(
            "fudan_fof_phase1_size",
            "复旦科创母基金首期规模",
            "Fudan sci-tech fund of funds: first-phase size",
            "yuan",
            "亿元",
            "100 million yuan",
            "基金库中复旦科创母基金（fund.code = 选项 fudan_fof_code，不区分大小写，设立年份不晚于该年）"
            "分期记录中“首期”的目标规模",
            "target size of the first phase (首期) in the phases of the Fudan fund of funds "
            "(fund.code = option fudan_fof_code, case-insensitive, vintage not after the year)",
            "7.1.1",
            "finance_support",
            scale="yi",
            yoy=False,
        ),
        # ------------------------------------------------------------------ 7.1.2 credit
        _d(
            "sci_tech_borrowers",
            "科技型企业贷款存量户数",
            "Sci-tech enterprises with outstanding loans",
            "enterprise",
            "万户",
            "10 thousand enterprises",
            f"年末贷款余额大于 0 的科技型企业去重户数。{_SCI_TECH_ZH}；{_BALANCE_ZH}",
            f"distinct sci-tech enterprises whose outstanding principal at year end is above 0. "
            f"{_SCI_TECH_EN}; {_BALANCE_EN}",
            "7.1.2",
            "credit",
            scale="wan",
            decimals=2,
        ),
        _d(
            "sci_tech_sme_borrowers",
            "科技型中小企业贷款存量户数",
            "Sci-tech SMEs with outstanding loans",
            "enterprise",
            "万户",
            "10 thousand enterprises",
            f"年末贷款余额大于 0 的科技型中小企业去重户数。{_SME_ZH}",
            f"distinct sci-tech SMEs whose outstanding principal at year end is above 0. {_SME_EN}",
            "7.1.2",
            "credit",
            scale="wan",
            decimals=2,
            segment_of="sci_tech_borrowers",
        ),
        _d(
            "sci_tech_loan_balance",
            "科技型企业贷款余额",
            "Loans outstanding to sci-tech enterprises",
            "yuan",
            "亿元",
            "100 million yuan",
            f"科技型企业年末全部贷款的未偿本金之和。{_BALANCE_ZH}",
            f"sum of the outstanding principal of every loan of sci-tech enterprises at year end. "
            f"{_BALANCE_EN}",
            "7.1.2",
            "credit",
            scale="yi",
            decimals=2,
        ),
        _d(
            "sci_tech_sme_loan_balance",
            "科技型中小企业贷款余额",
            "Loans outstanding to sci-tech SMEs",
            "yuan",
            "亿元",
            "100 million yuan",
            "科技型中小企业年末全部贷款的未偿本金之和",
            "sum of the outstanding principal of every loan of sci-tech SMEs at year end",
            "7.1.2",
            "credit",
            scale="yi",
            decimals=2,
            segment_of="sci_tech_loan_balance",
        ),
    ]
    defs += _product_pair(
        "sh_performance_loan",
        "科技履约贷（含微贷通）",
        "Sci-tech performance loan (incl. micro loan)",
        "科技履约贷（sh_performance_loan）与微贷通（sh_micro_loan）",
        "sh_performance_loan and sh_micro_loan",
    )
    defs += _product_pair(
        "sh_boost_loan", "科创助力贷", "Sci-tech boost loan", "科创助力贷", "sh_boost_loan"
    )
    defs += _product_pair(
        "sh_little_giant_credit_loan",
        "小巨人信用贷",
        "Little-giant credit loan",
        "小巨人信用贷",
        "sh_little_giant_credit_loan",
    )
    defs += _product_pair(
        "sh_high_tech_loan", "高企贷", "High-tech enterprise loan", "高企贷", "sh_high_tech_loan"
    )
    defs += _product_pair(
        "sh_high_tech_loan",
        "高企贷（中小企业）",
        "High-tech enterprise loan (SMEs)",
        "高企贷",
        "sh_high_tech_loan",
        segment=True,
        base="sh_high_tech_loan",
    )
    defs += _product_pair(
        "esop_loan",
        "员工持股计划和股权激励贷款",
        "Employee share-ownership loans",
        "员工持股计划和股权激励贷款",
        "esop_loan",
    )
    # ---------------------------------------------------------------------- 7.1.3 insurance
    written_zh = "承保 = 承保日期（签单日，无则起保日）在期间内且至少提供过一天保障（kechuang.insurance.counting）"
    written_en = (
        "written = written date (bound_on, else start_date) in the window and at least one day "
        "of cover (kechuang.insurance.counting)"
    )
    in_force_zh = "有效 = 年末当日在保障期内（kechuang.insurance.counting）"
    in_force_en = "in force = covering the last day of the year (kechuang.insurance.counting)"
    defs += [
        _d(
            "ic_coinsurance_pool_enterprise_policies",
            "集成电路共保体承保企业（家次）",
            "IC co-insurance pool: enterprise-policies",
            "policy",
            "家次",
            "enterprise-policies",
            "中国集成电路共保体保险（产品 ic_coinsurance_pool）自共保体成立日至该年 9 月 30 日承保的保单的"
            f"（被保险人，保单）组合数——同一企业两张保单计 2 家次。{written_zh}",
            "(insured party, policy) pairs of the IC pool policies (product ic_coinsurance_pool) "
            "written from the pool's start to 30 September of the year — one enterprise holding "
            f"two policies counts twice. {written_en}",
            "7.1.3",
            "insurance",
            product_key="ic_coinsurance_pool",
        ),
        _d(
            "ic_coinsurance_pool_sum_insured",
            "集成电路共保体风险保障",
            "IC co-insurance pool: sum insured",
            "yuan",
            "万亿元",
            "trillion yuan",
            "同上保单的保额之和",
            "sum insured of the same policies",
            "7.1.3",
            "insurance",
            scale="wan_yi",
            decimals=2,
            product_key="ic_coinsurance_pool",
        ),
        _d(
            "first_of_kind_equipment_projects",
            "首台（套）保险累计承保项目",
            "First-of-kind equipment insurance: projects covered (cumulative)",
            "project",
            "个",
            "projects",
            "首台（套）重大技术装备综合保险（产品 first_of_kind_equipment_insurance）自试点开始日至年末承保的保单"
            f"所承保的项目与装备（project、equipment_set），同一标的只计一次。{written_zh}",
            "distinct projects and equipment sets covered by the first-of-kind policies (product "
            "first_of_kind_equipment_insurance) written from the pilot's start to year end; each "
            f"object once. {written_en}",
            "7.1.3",
            "insurance",
            product_key="first_of_kind_equipment_insurance",
        ),
        _d(
            "first_of_kind_equipment_sum_insured",
            "首台（套）保险累计风险保障",
            "First-of-kind equipment insurance: sum insured (cumulative)",
            "yuan",
            "亿元",
            "100 million yuan",
            "同上保单的保额之和（续保累加）",
            "sum insured of the same policies (renewals add up)",
            "7.1.3",
            "insurance",
            scale="yi",
            product_key="first_of_kind_equipment_insurance",
        ),
        _d(
            "clinical_trial_insured",
            "临床试验责任险承保企业及机构",
            "Clinical-trial liability: enterprises and institutions insured",
            "enterprise",
            "家",
            "enterprises and institutions",
            "生物医药人体临床试验责任保险（产品 sh_clinical_trial_liability）全年承保保单的去重被保险人数"
            f"（企业、机构、仅有名称者）。{written_zh}",
            "distinct insured parties (enterprises, institutions, names only) of the clinical-trial "
            f"liability policies (product sh_clinical_trial_liability) written in the year. {written_en}",
            "7.1.3",
            "insurance",
            product_key="sh_clinical_trial_liability",
        ),
        _d(
            "clinical_trial_projects",
            "临床试验责任险承保项目",
            "Clinical-trial liability: trials covered",
            "project",
            "个",
            "projects",
            "同上保单所承保的临床试验（标的类型 clinical_trial），同一试验只计一次",
            "distinct clinical trials (object kind clinical_trial) covered by the same policies",
            "7.1.3",
            "insurance",
            product_key="sh_clinical_trial_liability",
        ),
        _d(
            "clinical_trial_sum_insured",
            "临床试验责任险承保风险",
            "Clinical-trial liability: sum insured",
            "yuan",
            "亿元",
            "100 million yuan",
            "同上保单的保额之和",
            "sum insured of the same policies",
            "7.1.3",
            "insurance",
            scale="yi",
            decimals=2,
            product_key="sh_clinical_trial_liability",
        ),
    ]
    founder = (
        "科技企业创业责任保险（产品 sh_startup_founder_liability）年末有效保单",
        "start-up founder liability policies (product sh_startup_founder_liability) in force at year end",
    )
    defs += [
        _d(
            "startup_founder_districts",
            "创业责任险试点区",
            "Start-up founder liability: districts",
            "district",
            "个区",
            "districts",
            f"{founder[0]}的去重所在区（保单所在区，无则被保险企业/机构注册区）。{in_force_zh}",
            f"distinct districts of the {founder[1]} (policy district, else the insured's registered "
            f"district). {in_force_en}",
            "7.1.3",
            "insurance",
            product_key="sh_startup_founder_liability",
        ),
        _d(
            "startup_founder_incubators",
            "创业责任险覆盖孵化器",
            "Start-up founder liability: incubators",
            "incubator",
            "家",
            "incubators",
            f"{founder[0]}所载孵化器（无则被保险机构为孵化器时取之）去重数",
            f"distinct incubators named on the {founder[1]} (else the insured institution when it is "
            "an incubator)",
            "7.1.3",
            "insurance",
            product_key="sh_startup_founder_liability",
        ),
        _d(
            "startup_founder_enterprises",
            "创业责任险覆盖初创企业",
            "Start-up founder liability: start-ups",
            "enterprise",
            "家",
            "start-ups",
            f"{founder[0]}承保的创业者（标的类型 founder）所属企业的去重数",
            f"distinct enterprises of the founders (object kind founder) insured by the {founder[1]}",
            "7.1.3",
            "insurance",
            product_key="sh_startup_founder_liability",
        ),
        _d(
            "startup_founder_founders",
            "创业责任险保障创业者",
            "Start-up founder liability: founders",
            "person",
            "位",
            "founders",
            f"{founder[0]}承保的创业者（标的类型 founder）去重数",
            f"distinct founders (object kind founder) insured by the {founder[1]}",
            "7.1.3",
            "insurance",
            product_key="sh_startup_founder_liability",
        ),
        _d(
            "startup_founder_sum_insured",
            "创业责任险承保风险",
            "Start-up founder liability: sum insured",
            "yuan",
            "万元",
            "10 thousand yuan",
            f"{founder[0]}的保额之和",
            f"sum insured of the {founder[1]}",
            "7.1.3",
            "insurance",
            scale="wan_yuan",
            decimals=1,
            product_key="sh_startup_founder_liability",
        ),
        # ------------------------------------------------------------------ 7.2 external
        _d(
            "gii_cluster_rank",
            "上海-苏州科技集群全球排名",
            "Shanghai–Suzhou cluster rank (Global Innovation Index)",
            "rank",
            "位",
            "rank",
            "外部统计 external_statistic（key = gii_cluster_rank，期间 = 报告年份），含来源与发布日期",
            "external statistic (key gii_cluster_rank, period = the report year), with its source "
            "and publication date",
            "7.2",
            "external",
            yoy=False,
            external=True,
        ),
        _d(
            "resident_population",
            "年末常住人口",
            "Year-end resident population",
            "persons",
            "万人",
            "10 thousand persons",
            "外部统计 external_statistic（key = resident_population，单位：人）",
            "external statistic (key resident_population, in persons)",
            "7.2.1",
            "external",
            scale="wan",
            decimals=2,
            yoy=False,
            external=True,
        ),
        # ------------------------------------------------------------------ 7.2.1 IP creation
        _d(
            "patents_granted",
            "专利授权量",
            "Patents granted",
            "patent",
            "万件",
            "10 thousand patents",
            "授权日在该年内的专利（发明、实用新型、外观设计）件数（kechuang.ip.service.year_summary）",
            "patents of every type whose grant date falls in the year (year_summary)",
            "7.2.1",
            "ip_creation",
            scale="wan",
            decimals=2,
        ),
        _d(
            "invention_patents_granted",
            "发明专利授权量",
            "Invention patents granted",
            "patent",
            "万件",
            "10 thousand patents",
            "授权日在该年内的发明专利件数",
            "invention patents whose grant date falls in the year",
            "7.2.1",
            "ip_creation",
            scale="wan",
            decimals=2,
        ),
        _d(
            "pct_applications",
            "PCT 专利申请受理量",
            "PCT applications received",
            "patent",
            "件",
            "applications",
            "国际申请日在该年内的 PCT 申请件数（pct_filing）",
            "PCT filings whose international filing date falls in the year",
            "7.2.1",
            "ip_creation",
        ),
        _d(
            "valid_invention_patents",
            "有效发明专利拥有量",
            "Valid invention patents",
            "patent",
            "万件",
            "10 thousand patents",
            f"年末有效的发明专利件数。{_IN_FORCE_ZH}",
            f"invention patents in force at year end. {_IN_FORCE_EN}",
            "7.2.1",
            "ip_creation",
            scale="wan",
            decimals=2,
        ),
        _d(
            "high_value_invention_patents",
            "高价值发明专利拥有量",
            "High-value valid invention patents",
            "patent",
            "万件",
            "10 thousand patents",
            "年末有效且符合高价值发明专利标准（high_value_patent，按年末在用参数）的发明专利件数",
            "invention patents in force at year end that meet the high_value_patent standard "
            "(parameters in force at year end)",
            "7.2.1",
            "ip_creation",
            scale="wan",
            decimals=2,
        ),
        _d(
            "high_value_patents_per_10k",
            "每万人口高价值发明专利拥有量",
            "High-value invention patents per 10,000 residents",
            "per_10k",
            "件",
            "per 10,000 residents",
            "高价值发明专利拥有量 ÷ 年末常住人口 × 10⁴（保留 6 位小数）",
            "high-value valid invention patents ÷ year-end resident population × 10⁴ (6 decimals)",
            "7.2.1",
            "ip_creation",
            decimals=1,
        ),
        # ------------------------------------------------------------------ 7.2.2 / 7.2.3
        _d(
            "ip_finance_centres",
            "认定市级知识产权金融创新中心",
            "IP-finance innovation centres recognised",
            "centre",
            "家",
            "centres",
            "认定日期在该年内的知识产权金融创新中心（ip_centre.kind = ip_finance_centre）",
            "IP-finance innovation centres recognised in the year",
            "7.2.2",
            "ip_transformation",
            yoy=False,
        ),
        _d(
            "medical_ip_centres",
            "认定医疗卫生系统知识产权运营中心",
            "Medical IP operation centres recognised",
            "centre",
            "家",
            "centres",
            "认定日期在该年内的医疗卫生系统知识产权运营中心（ip_centre.kind = medical_operation_centre）",
            "medical IP operation centres recognised in the year",
            "7.2.2",
            "ip_transformation",
            yoy=False,
        ),
        _d(
            "sme_ip_projects",
            "中小企业知识产权运营能力提升项目",
            "SME IP operation capability projects",
            "project",
            "个",
            "projects",
            "该年度的中小企业知识产权运营能力提升项目（ip_programme.kind = sme_ip_operation）",
            "SME IP operation capability projects of the year",
            "7.2.3",
            "ip_capability",
            yoy=False,
        ),
    ]
    return tuple(replace(d, order=n) for n, d in enumerate(defs, start=1))


DEFINITIONS: tuple[IndicatorDefinition, ...] = _build()
"""Every indicator, in report order."""

_BY_KEY = {d.key: d for d in DEFINITIONS}


def get(key: str) -> IndicatorDefinition:
    """The definition of ``key``.

    Raises:
        NotFound: no indicator with this key.
    """
    try:
        return _BY_KEY[key]
    except KeyError:
        raise NotFound(
            Msg(f"没有指标 {key}", f"no indicator {key}"), code="indicators.unknown"
        ) from None


def keys() -> list[str]:
    """Every indicator key, in catalogue order."""
    return [d.key for d in DEFINITIONS]


__all__ = ["DEFINITIONS", "DEFINITIONS_VERSION", "get", "keys"]
