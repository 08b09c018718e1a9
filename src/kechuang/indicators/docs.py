"""``docs/indicators.md``, generated from the catalogue (``kechuang indicators docs``)."""

from __future__ import annotations

from kechuang.indicators.catalog import DEFINITIONS, DEFINITIONS_VERSION
from kechuang.indicators.options import Options

_SCALE = {"one": "—", "wan": "÷10⁴", "yi": "÷10⁸", "wan_yi": "÷10¹²", "wan_yuan": "÷10⁴"}
_GROUPS = {
    "finance_support": "7.1.1 金融支持科技创新 / finance support",
    "credit": "7.1.2 科技信贷 / sci-tech credit",
    "credit_products": "7.1.2 科技金融信贷产品 / credit products",
    "insurance": "7.1.3 科技保险 / sci-tech insurance",
    "external": "外部统计 / external statistics",
    "ip_creation": "7.2.1 知识产权创造 / IP creation",
    "ip_transformation": "7.2.2 专利转化 / IP transformation",
    "ip_capability": "7.2.3 创新主体能力 / capability building",
}

INTRO = f"""# 指标口径 / Indicator definitions

> 本文件由 `kechuang indicators docs` 从 `kechuang.indicators.catalog` 生成，请勿手改。
> Generated from the catalogue by `kechuang indicators docs`; do not edit by hand.

口径版本 / definitions version: **{DEFINITIONS_VERSION}**（随每个统计发布记录在清单中 / recorded
in every release manifest）.

## 通则 / General rules

- **一次定义，处处可算**：每个指标是 `kechuang.indicators.expressions.SPECS` 中的一个 Ibis 表达式
  （`records` 给出构成该数字的记录，`measure` 把记录汇总成数字），在 DuckDB（默认）、SQLite、
  PostgreSQL、Spark 上结果完全相同（测试覆盖）。Every figure is one Ibis expression (records +
  measure) that gives identical results on DuckDB, SQLite, PostgreSQL and Spark.
- **数据来源**：统计发布的 Parquet 快照（`release create` 时冻结），不是运行中的业务库。金额在计算时为
  整数“分”，结果为精确 `Decimal`（元）。Figures are computed on the release's frozen snapshot; money
  is integer fen inside, exact `Decimal` yuan out.
- **同比** `yoy = (本年 − 上年) ÷ 上年`，精确到 10⁻¹⁰（四舍五入），上年为 0 或缺失时为空；两年都按
  发布年份年末在用的认定标准参数计算（同口径比较）。yoy is exact to 10⁻¹⁰; both years are computed
  under the standards' parameters in force at the release year's end (like with like).
- **年末** = 12 月 31 日当天结束时：12 月 31 日到期的资格仍有效，12 月 31 日还清的贷款余额为 0，
  12 月 31 日终止的专利不再有效，12 月 31 日退保的保单当天已无保障。Year end = the end of 31 December.
- **可下钻**：`kechuang indicators explain KEY --release ID [--out FILE]` 列出每个数字背后的记录。
- **外部指标**（全球创新指数集群排名、常住人口）来自 `external_statistic` 表，带来源、发布日期和核实状态，
  不写在代码里。External figures are records with their source, not constants.

## 统计发布 / Releases

```
kechuang release create --year 2023 [--cutoff 2024-03-31] [--engine duckdb|sqlite|postgres|spark] [--note 修订说明]
kechuang release list | show 2023-r1 | diff 2023-r1 2023-r2 | verify 2023-r1 [--engine sqlite]
kechuang release publish 2023-r1 --by 统计员 --approved-by 审核员
kechuang indicators explain sci_tech_borrowers --release 2023-r1 --out borrowers.xlsx
```

发布目录 `KECHUANG_RELEASES_DIR`（默认 `~/.local/share/kechuang/releases`）下每个发布一个文件夹：
`tables/*.parquet`（全部业务表快照）、`definitions.json`、`indicators.json`/`.parquet`、`manifest.json`
（截止日期、口径版本、引擎、软件版本、口径选项、行数、每个文件的 sha256）。已发布的统计发布不可更改；
更正须新建同年发布并给出修订说明，`diff` 显示变化，`verify` 校验每个字节并从快照重算全部指标。
A release is a folder of Parquet snapshots, definitions, figures and a manifest with checksums;
published releases are immutable, corrections are new releases with a note (see
`docs/adr/0007-releases.md`).

## 口径选项 / Definition options

记录在每个发布清单的 `options` 中 / recorded in each manifest's `options`:

| 选项 option | 默认 default | 含义 meaning |
|---|---|---|
"""


def render_markdown() -> str:
    """The whole ``docs/indicators.md``."""
    opts = Options()
    lines = [INTRO.rstrip("\n")]
    docs = {
        "sme_rule": "科技型中小企业口径：`size_class` = 企业划型为中/小/微；`tech_sme` = 持有有效科技型中小企业资格",
        "fudan_fof_code": "复旦科创母基金的基金代码",
        "first_phase": "“首期”在基金分期记录中的名称",
        "ic_pool_start": "集成电路共保体累计起算日（待核实）",
        "first_of_kind_start": "首台（套）保险累计起算日（2015 年试点）",
        "ic_pool_month_end": "共保体数字截至该年第几个月末（“截至9月底”）",
    }
    for key, value in opts.as_dict().items():
        lines.append(f"| `{key}` | `{value}` | {docs.get(key, '')} |")
    lines.append("")
    current = None
    for d in DEFINITIONS:
        if d.group != current:
            current = d.group
            lines += [f"## {_GROUPS.get(d.group, d.group)}", ""]
        flags = []
        if d.segment_of:
            flags.append(f"其中项 / segment of `{d.segment_of}`")
        if d.external:
            flags.append("外部统计 / external")
        if d.product_key:
            flags.append(f"产品 / product `{d.product_key}`")
        flags.append("显示同比 / yoy shown" if d.yoy else "不显示同比 / no yoy")
        lines += [
            f"### `{d.key}` — {d.label_zh} / {d.label_en}",
            "",
            f"- 单位 unit: `{d.unit}`，报告中 / printed as {d.unit_zh} ({d.unit_en}), "
            f"{_SCALE[d.scale]}，{d.decimals} 位小数 / decimals",
            f"- 章节 section: {d.section}；{'；'.join(flags)}",
            f"- 口径：{d.formula_zh}",
            f"- Formula: {d.formula_en}",
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


__all__ = ["render_markdown"]
