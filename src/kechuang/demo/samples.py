"""Deterministic sample data for the demo and the benchmarks.

Everything here is invented (names, codes, figures) but well-formed: USCCs carry correct check
characters, fiscal-year figures are internally consistent, qualifications have plausible dates.
The same ``seed`` always gives the same files.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kechuang.core.ids import USCC_CHARSET, make_uscc
from kechuang.core.tabular import write_csv, write_xlsx
from kechuang.registry.reference import districts

_PREFIX = "瀚澜星辰启明恒越睿智云帆金桥海纳博远卓越鼎峰智源微芯光子量子凌云翔宇思创华擎易联"
_ROOT = [
    "科技",
    "智能",
    "生物",
    "医疗",
    "微电子",
    "新材料",
    "信息",
    "软件",
    "半导体",
    "光电",
    "能源",
    "机器人",
    "数据",
    "航空",
]
_FORM = ["有限公司", "股份有限公司", "技术有限公司", "科技有限公司"]
# GB/T 4754-2017 codes of typical sci-tech industries.
INDUSTRIES = [
    "I6513",
    "I6520",
    "C3973",
    "C2761",
    "C3581",
    "C4011",
    "M7320",
    "I6450",
    "C3985",
    "C2662",
    "C3841",
    "M7520",
    "I6531",
    "C3562",
]
_DISTRICT_WEIGHTS = {
    "310115": 30,
    "310112": 12,
    "310104": 8,
    "310110": 7,
    "310114": 7,
    "310117": 6,
    "310113": 5,
    "310106": 4,
    "310107": 4,
    "310105": 3,
    "310109": 3,
    "310118": 3,
    "310120": 3,
    "310101": 2,
    "310116": 2,
    "310151": 1,
}

ENTERPRISE_HEADERS = [
    "统一社会信用代码",
    "企业名称",
    "所在区",
    "行业代码",
    "成立日期",
    "企业规模",
    "注册资本（万元）",
    "经营状态",
]
YEAR_HEADERS = [
    "统一社会信用代码",
    "年度",
    "职工总数",
    "科技人员数",
    "研发人员数",
    "销售收入",
    "营业收入",
    "总收入",
    "主营业务收入",
    "高新技术产品收入",
    "资产总额",
    "负债总额",
    "研发费用",
    "境内研发费用",
    "成本费用支出总额",
    "股权融资额",
    "Ⅰ类知识产权数",
    "Ⅱ类知识产权数",
]
QUAL_HEADERS = ["统一社会信用代码", "资质类型", "证书编号", "生效日期", "有效期至", "来源"]
INSTITUTION_HEADERS = ["机构代码", "机构名称", "机构类型", "英文名称", "上级机构代码", "所在区"]

INSTITUTIONS: list[list[str]] = [
    ["BOC", "中国银行股份有限公司", "银行", "Bank of China", "", "黄浦区"],
    [
        "BOC-SH",
        "中国银行股份有限公司上海市分行",
        "银行",
        "Bank of China Shanghai Branch",
        "BOC",
        "黄浦区",
    ],
    ["BOSC", "上海银行股份有限公司", "银行", "Bank of Shanghai", "", "浦东新区"],
    [
        "SPDB",
        "上海浦东发展银行股份有限公司",
        "银行",
        "Shanghai Pudong Development Bank",
        "",
        "黄浦区",
    ],
    [
        "SPDB-SCI",
        "上海浦东发展银行科技金融中心",
        "银行",
        "SPDB sci-tech finance centre",
        "SPDB",
        "浦东新区",
    ],
    [
        "CPIC-PC",
        "中国太平洋财产保险股份有限公司",
        "保险机构",
        "CPIC Property & Casualty",
        "",
        "黄浦区",
    ],
    [
        "PICC-SH",
        "中国人民财产保险股份有限公司上海市分公司",
        "保险机构",
        "PICC P&C Shanghai",
        "",
        "黄浦区",
    ],
    [
        "SH-GUAR",
        "上海市中小微企业政策性融资担保基金管理中心",
        "融资担保机构",
        "Shanghai SME policy guarantee fund",
        "",
        "黄浦区",
    ],
    [
        "STVC",
        "上海科创投资管理示例公司",
        "基金管理人",
        "Sample STI venture capital manager",
        "",
        "徐汇区",
    ],
    ["FDU", "复旦大学", "高校", "Fudan University", "", "杨浦区"],
    ["INC-ZJ", "张江示例孵化器", "孵化器", "Zhangjiang sample incubator", "", "浦东新区"],
    [
        "IPC-IC",
        "集成电路产业知识产权运营中心（示例）",
        "知识产权中心",
        "IC industry IP operation centre (sample)",
        "",
        "浦东新区",
    ],
    [
        "STCSM",
        "上海市科学技术委员会",
        "政府部门",
        "Science and Technology Commission of Shanghai Municipality",
        "",
        "徐汇区",
    ],
]


@dataclass(frozen=True, slots=True)
class SampleFiles:
    """Paths of the generated sample files, in import order."""

    institutions: Path
    enterprises: Path
    enterprise_years: Path
    qualifications: Path


def _uscc(rng: random.Random, district: str, used: set[str]) -> str:
    while True:
        org8 = "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))
        try:
            code = make_uscc(division=district, org8=org8)
        except ValueError:
            continue
        if code not in used:
            used.add(code)
            return code


def _yuan(value: float) -> Decimal:
    # Sample generation only: round a simulated figure to whole yuan for readable files.
    return Decimal(int(value))


def enterprise_rows(n: int, seed: int) -> Iterator[list[object]]:
    """``n`` enterprise rows (Chinese headers :data:`ENTERPRISE_HEADERS`)."""
    rng = random.Random(seed)
    used: set[str] = set()
    names = districts()
    codes = [c for c in _DISTRICT_WEIGHTS if c in names] or list(names)
    weights = [_DISTRICT_WEIGHTS.get(c, 1) for c in codes]
    sizes = ["微型", "小型", "小型", "中型", "中型", "大型"]
    for i in range(n):
        district = rng.choices(codes, weights)[0]
        name = f"上海{rng.choice(_PREFIX)}{rng.choice(_PREFIX)}{rng.choice(_ROOT)}{_FORM[i % len(_FORM)]}"
        if i >= 200:
            name = name.replace("上海", f"上海{i}", 1)
        founded = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 18))
        yield [
            _uscc(rng, district, used),
            name,
            names[district].name.zh,
            rng.choice(INDUSTRIES),
            founded.isoformat() if i % 3 else f"{founded.year}/{founded.month}/{founded.day}",
            rng.choice(sizes),
            str(rng.choice([100, 300, 500, 1000, 2000, 5000])),
            "存续",
        ]


def year_rows(
    enterprises: list[list[object]], years: list[int], seed: int
) -> Iterator[list[object]]:
    """Consistent fiscal-year figures for each enterprise and year."""
    rng = random.Random(seed + 1)
    for row in enterprises:
        uscc = row[0]
        founded = int(str(row[4])[:4])
        employees = rng.randint(8, 480)
        revenue = rng.lognormvariate(17.2, 1.1)  # median ≈ 3 千万
        assets = revenue * rng.uniform(0.6, 1.8)
        rd_ratio = rng.uniform(0.01, 0.14)
        st_ratio = rng.uniform(0.05, 0.6)
        for year in years:
            if year < founded:
                continue
            growth = rng.uniform(-0.1, 0.35)
            revenue *= 1 + growth
            assets *= 1 + growth * rng.uniform(0.5, 1.2)
            employees = max(5, int(employees * (1 + growth / 2)))
            st_staff = int(employees * st_ratio)
            rd = revenue * rd_ratio
            liabilities = assets * rng.uniform(0.2, 0.7)
            cost = revenue * rng.uniform(0.7, 0.95)
            yield [
                uscc,
                year,
                employees,
                st_staff,
                int(st_staff * 0.7),
                _yuan(revenue),
                _yuan(revenue * 1.02),
                _yuan(revenue * 1.05),
                _yuan(revenue * 0.95),
                _yuan(revenue * rng.uniform(0.3, 0.9)),
                _yuan(assets),
                _yuan(liabilities),
                _yuan(rd),
                _yuan(rd * rng.uniform(0.85, 1.0)),
                _yuan(cost),
                _yuan(rng.choice([0, 0, 0, 0, 5e6, 1e7, 3e7])),
                rng.choice([0, 0, 1, 2, 3, 5]),
                rng.choice([0, 1, 2, 4, 6, 10]),
            ]


def qualification_rows(enterprises: list[list[object]], seed: int) -> Iterator[list[object]]:
    """Qualifications: high-tech (3 years), tech SME (1 year), the MIIT ladder, Shanghai little giants."""
    rng = random.Random(seed + 2)
    for row in enterprises:
        uscc = str(row[0])
        founded = (
            dt.date.fromisoformat(str(row[4]).replace("/", "-"))
            if "-" in str(row[4])
            else _slash(str(row[4]))
        )
        serial = uscc[-6:]
        if rng.random() < 0.38:
            start = dt.date(
                rng.choice([2021, 2022, 2023]), rng.choice([10, 11, 12]), rng.randint(1, 28)
            )
            if start > founded + dt.timedelta(days=365):
                yield [
                    uscc,
                    "高新技术企业",
                    f"GR{start.year}310{serial}",
                    start.isoformat(),
                    (start.replace(year=start.year + 3) - dt.timedelta(days=1)).isoformat(),
                    f"{start.year}年上海市认定报备的高新技术企业名单",
                ]
        if rng.random() < 0.55:
            for year in (2022, 2023):
                start = dt.date(year, rng.randint(4, 9), rng.randint(1, 28))
                yield [
                    uscc,
                    "科技型中小企业",
                    f"{year}3101{serial}",
                    start.isoformat(),
                    dt.date(year + 1, 12, 31).isoformat(),
                    f"{year}年科技型中小企业入库名单",
                ]
        ladder = rng.random()
        if ladder < 0.22:
            start = dt.date(2023, rng.randint(3, 11), rng.randint(1, 28))
            yield [
                uscc,
                "创新型中小企业",
                "",
                start.isoformat(),
                (start.replace(year=start.year + 3) - dt.timedelta(days=1)).isoformat(),
                "2023年创新型中小企业名单",
            ]
        if ladder < 0.14:
            start = dt.date(2022, rng.randint(3, 11), rng.randint(1, 28))
            yield [
                uscc,
                "专精特新中小企业",
                "",
                start.isoformat(),
                (start.replace(year=start.year + 3) - dt.timedelta(days=1)).isoformat(),
                "上海市专精特新中小企业名单",
            ]
        if ladder < 0.04:
            start = dt.date(2022, 7, rng.randint(1, 28))
            yield [
                uscc,
                '专精特新"小巨人"',
                "",
                start.isoformat(),
                (start.replace(year=start.year + 3) - dt.timedelta(days=1)).isoformat(),
                '第四批专精特新"小巨人"企业名单',
            ]
        if rng.random() < 0.05:
            start = dt.date(2022, 12, rng.randint(1, 28))
            yield [uscc, "上海科技小巨人", "", start.isoformat(), "", "上海市科技小巨人工程"]


def _slash(text: str) -> dt.date:
    y, m, d = (int(p) for p in text.split("/"))
    return dt.date(y, m, d)


def write_samples(
    directory: Path,
    *,
    enterprises: int = 300,
    seed: int = 2023,
    years: tuple[int, ...] = (2021, 2022, 2023),
) -> SampleFiles:
    """Write the four sample files into ``directory`` in the formats users send.

    Institutions as UTF-8 CSV, enterprises as a GBK CSV (as exported by Chinese Excel),
    fiscal years as XLSX, qualifications as UTF-8-with-BOM CSV.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ent = list(enterprise_rows(enterprises, seed))
    files = SampleFiles(
        institutions=directory / "institutions.csv",
        enterprises=directory / "enterprises.csv",
        enterprise_years=directory / "enterprise-years.xlsx",
        qualifications=directory / "qualifications.csv",
    )
    write_csv(files.institutions, INSTITUTION_HEADERS, INSTITUTIONS, encoding="utf-8")
    write_csv(files.enterprises, ENTERPRISE_HEADERS, ent, encoding="gbk")
    write_xlsx(
        files.enterprise_years,
        YEAR_HEADERS,
        year_rows(ent, list(years), seed),
        sheet_title="年度数据",
    )
    write_csv(
        files.qualifications, QUAL_HEADERS, qualification_rows(ent, seed), encoding="utf-8-sig"
    )
    return files
