"""An in-memory release implementing :class:`kechuang.indicators.model.ReleaseView`, with the
seed's 2023 figures (so the rendered chapter can be compared with the seed's wording)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from kechuang.core.errors import NotFound
from kechuang.core.i18n import Msg
from kechuang.indicators.model import IndicatorDefinition, IndicatorValue, ReleaseManifest
from kechuang.policy.imports import read_and_parse, shipped_path

D = Decimal


def _d(
    key: str,
    zh: str,
    en: str,
    unit: str,
    unit_zh: str,
    unit_en: str,
    group: str,
    section: str,
    order: int,
    **kw: Any,
) -> IndicatorDefinition:
    return IndicatorDefinition(
        key=key,
        label_zh=zh,
        label_en=en,
        unit=unit,
        unit_zh=unit_zh,
        unit_en=unit_en,
        formula_zh=f"{zh}的口径（测试）",
        formula_en=f"definition of {en} (test)",
        section=section,
        group=group,
        order=order,
        definitions_version="test-1",
        **kw,
    )


DEFINITIONS: tuple[IndicatorDefinition, ...] = (
    _d(
        "sci_tech_loan_borrowers",
        "科技型企业贷款存量户数",
        "Sci-tech enterprises with loans",
        "enterprise",
        "万户",
        "10k enterprises",
        "credit",
        "7.1.2",
        10,
        scale="wan",
        decimals=2,
    ),
    _d(
        "tech_sme_loan_borrowers",
        "科技型中小企业贷款存量户",
        "Tech SMEs with loans",
        "enterprise",
        "万户",
        "10k enterprises",
        "credit",
        "7.1.2",
        11,
        scale="wan",
        decimals=2,
        segment_of="sci_tech_loan_borrowers",
    ),
    _d(
        "sci_tech_loan_balance",
        "科技型企业贷款余额",
        "Loans to sci-tech enterprises",
        "yuan",
        "亿元",
        "CNY 100m",
        "credit",
        "7.1.2",
        20,
        scale="yi",
        decimals=2,
    ),
    _d(
        "tech_sme_loan_balance",
        "科技型中小企业贷款余额",
        "Loans to tech SMEs",
        "yuan",
        "亿元",
        "CNY 100m",
        "credit",
        "7.1.2",
        21,
        scale="yi",
        decimals=2,
        segment_of="sci_tech_loan_balance",
    ),
    _d(
        "performance_loan_enterprises",
        "科技履约贷授信企业",
        "Sci-tech performance loan: firms",
        "enterprise",
        "家",
        "firms",
        "credit_products",
        "7.1.2",
        30,
        yoy=False,
        product_key="sh_performance_loan",
    ),
    _d(
        "performance_loan_amount",
        "科技履约贷授信金额",
        "Sci-tech performance loan: credit granted",
        "yuan",
        "亿元",
        "CNY 100m",
        "credit_products",
        "7.1.2",
        31,
        scale="yi",
        decimals=2,
        yoy=False,
        product_key="sh_performance_loan",
    ),
    _d(
        "little_giant_loan_enterprises",
        "小巨人信用贷授信企业",
        "Little-giant loan: firms",
        "enterprise",
        "家",
        "firms",
        "credit_products",
        "7.1.2",
        32,
        yoy=False,
        product_key="sh_little_giant_credit_loan",
    ),
    _d(
        "little_giant_loan_amount",
        "小巨人信用贷授信金额",
        "Little-giant loan: credit granted",
        "yuan",
        "亿元",
        "CNY 100m",
        "credit_products",
        "7.1.2",
        33,
        scale="yi",
        decimals=2,
        yoy=False,
        product_key="sh_little_giant_credit_loan",
    ),
    _d(
        "esop_loan_enterprises",
        "员工持股计划融资贷款企业",
        "ESOP loans: firms",
        "enterprise",
        "家",
        "firms",
        "credit_products",
        "7.1.2",
        34,
        yoy=False,
        product_key="esop_loan",
    ),
    _d(
        "ic_pool_policies",
        "集成电路企业保险保障",
        "IC firms covered",
        "policy",
        "家次",
        "firm-policies",
        "insurance",
        "7.1.3",
        40,
        yoy=False,
        product_key="ic_coinsurance_pool",
    ),
    _d(
        "ic_pool_sum_insured",
        "保险保障供给",
        "cover provided",
        "yuan",
        "万亿元",
        "CNY trillion",
        "insurance",
        "7.1.3",
        41,
        scale="wan_yi",
        decimals=2,
        yoy=False,
        product_key="ic_coinsurance_pool",
    ),
    _d(
        "startup_founders",
        "科技企业创业责任保险保障创业者",
        "Founders covered",
        "person",
        "位",
        "founders",
        "insurance",
        "7.1.3",
        42,
        yoy=False,
        product_key="sh_startup_founder_liability",
    ),
    _d(
        "startup_sum_insured",
        "科技企业创业责任保险承保风险",
        "Start-up cover",
        "yuan",
        "万元",
        "CNY 10k",
        "insurance",
        "7.1.3",
        43,
        scale="wan_yuan",
        decimals=1,
        yoy=False,
        product_key="sh_startup_founder_liability",
    ),
    _d(
        "patents_granted",
        "专利授权量",
        "Patents granted",
        "patent",
        "万件",
        "10k patents",
        "ip_creation",
        "7.2.1",
        50,
        scale="wan",
        decimals=2,
        yoy=False,
    ),
    _d(
        "invention_patents_granted",
        "发明专利授权量",
        "Invention patents granted",
        "patent",
        "万件",
        "10k patents",
        "ip_creation",
        "7.2.1",
        51,
        scale="wan",
        decimals=2,
        segment_of="patents_granted",
    ),
    _d(
        "pct_applications",
        "PCT专利申请受理量",
        "PCT applications",
        "patent",
        "件",
        "applications",
        "ip_creation",
        "7.2.1",
        52,
    ),
    _d(
        "high_value_patents_per_10k",
        "每万人口高价值发明专利拥有量",
        "High-value invention patents per 10k residents",
        "per_10k",
        "件",
        "per 10k residents",
        "ip_creation",
        "7.2.1",
        53,
        decimals=1,
    ),
    _d(
        "ip_finance_centres",
        "市级知识产权金融创新中心",
        "Municipal IP-finance innovation centres",
        "centre",
        "家",
        "centres",
        "ip_transformation",
        "7.2.2",
        60,
        yoy=False,
    ),
    _d(
        "sme_ip_projects",
        "中小企业知识产权运营能力提升项目",
        "SME IP-operation projects",
        "project",
        "个",
        "projects",
        "ip_capability",
        "7.2.3",
        70,
        yoy=False,
    ),
    _d(
        "resident_population",
        "年末常住人口",
        "Year-end resident population",
        "persons",
        "万人",
        "10k persons",
        "external",
        "7.2.1",
        90,
        scale="wan",
        decimals=2,
        external=True,
        yoy=False,
    ),
)

_V: dict[str, tuple[str, str | None, str | None]] = {
    # key: (value, previous, yoy)
    "sci_tech_loan_borrowers": ("29900", "19934", "0.4999"),
    "tech_sme_loan_borrowers": ("26300", "15132", "0.7379"),
    "sci_tech_loan_balance": ("1048631000000", "689248000000", "0.5214"),
    "tech_sme_loan_balance": ("475647000000", "246830000000", "0.9270"),
    "performance_loan_enterprises": ("368", None, None),
    "performance_loan_amount": ("1869000000", None, None),
    "little_giant_loan_enterprises": ("233", None, None),
    "little_giant_loan_amount": ("4500000000", None, None),
    "esop_loan_enterprises": ("6", None, None),
    "ic_pool_policies": ("55", None, None),
    "ic_pool_sum_insured": ("2060000000000", None, None),
    "startup_founders": ("816", None, None),
    "startup_sum_insured": ("29376000", None, None),
    "patents_granted": ("159100", None, None),
    "invention_patents_granted": ("44300", "36760", "0.2051"),
    "pct_applications": ("6185", "5591", "0.1062"),
    "high_value_patents_per_10k": ("50.2", "40.9", "0.2274"),
    "ip_finance_centres": ("10", None, None),
    "sme_ip_projects": ("50", None, None),
    "resident_population": ("24874500", "24758900", None),
}

SOURCES = {"resident_population": ("2023年上海市国民经济和社会发展统计公报", "unconfirmed")}


def _policy_rows() -> list[dict[str, Any]]:
    _, parsed = read_and_parse(shipped_path("policy_items"), "policy_items")
    rows = []
    for r in parsed.rows:
        v = dict(r.values)
        v["kind"] = v["kind"].value
        for f in ("bodies", "indicator_keys", "product_keys"):
            v[f] = json.dumps(v[f] or [], ensure_ascii=False)
        rows.append(v)
    return rows


def _external_rows() -> list[dict[str, Any]]:
    _, parsed = read_and_parse(shipped_path("external_statistics"), "external_statistics")
    return [{**r.values, "status": r.values["status"].value} for r in parsed.rows]


@dataclass
class FakeRelease:
    """ReleaseView over in-memory data (``synthetic`` like the demo)."""

    manifest: ReleaseManifest = field(
        default_factory=lambda: ReleaseManifest(
            release_id="2023-test",
            year=2023,
            cutoff=dt.date(2023, 12, 31),
            created_at=dt.datetime(2024, 1, 15, 9, 0, tzinfo=dt.UTC),
            definitions_version="test-1",
            engine="duckdb",
            software_version="0.1.0",
            status="published",
            synthetic=True,
        )
    )
    path: Path = Path("/nonexistent/release")
    definitions: Sequence[IndicatorDefinition] = DEFINITIONS
    data: dict[str, tuple[str, str | None, str | None]] = field(default_factory=lambda: dict(_V))
    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "policy_item": _policy_rows(),
            "external_statistic": _external_rows(),
        }
    )

    def values(self, year: int | None = None) -> list[IndicatorValue]:
        if year not in (None, self.manifest.year):
            return []
        out = []
        for d in self.definitions:
            if d.key not in self.data:
                out.append(IndicatorValue(d.key, self.manifest.year, None))
                continue
            value, prev, yoy = self.data[d.key]
            src = SOURCES.get(d.key)
            out.append(
                IndicatorValue(
                    key=d.key,
                    year=self.manifest.year,
                    value=D(value),
                    previous=None if prev is None else D(prev),
                    yoy=None if yoy is None else D(yoy),
                    source=None if src is None else src[0],
                    source_status=None if src is None else src[1],
                )
            )
        return out

    def table(self, name: str) -> pa.Table:
        if name not in self.tables:  # as kechuang.indicators.releases.Release does
            raise NotFound(Msg(f"没有表 {name}", f"no table {name}"), code="release.no_table")
        return pa.Table.from_pylist(self.tables[name])
