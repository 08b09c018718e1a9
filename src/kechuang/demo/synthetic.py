"""A synthetic Shanghai for 2022 and 2023, calibrated to the seed's figures (``kechuang demo``).

Everything here is invented — names, codes, amounts — and every file says so in the report's
front matter (the release is created with ``synthetic=True``). The generator writes the files
that banks, insurers, the IP office and the registry would send, in the platform's import
formats; :mod:`kechuang.demo.calibrated` imports them through the ordinary import paths.

How the figures come out exactly (targets from :mod:`kechuang.demo.calibration`):

* **Enterprises** fall into cohorts fixed in advance: sci-tech SMEs and large sci-tech firms that
  borrow in 2022 only, in 2023 only or in both years; a few non-sci-tech borrowers (not counted);
  qualified firms without loans; start-ups in incubators. The size class is stable over the
  fiscal years 2021–2023 (so the ``sme_size_class`` verdict does not depend on which year is read)
  and the declared 企业规模 agrees with it. Every sci-tech firm holds certificates valid on both
  2022-12-31 and 2023-12-31.
* **Loans**: one grant and one loan per borrower and year. A 2022 loan is drawn in 2022, partly
  repaid in 2022 for some, and repaid in full at its one-year maturity in 2023; a 2023 loan is
  drawn in 2023 and partly repaid before the year end. Year-end balances are allocated exactly
  (integer yuan, largest remainder) so that their sums are the targets; product grants (授信) are
  split exactly in whole 万元.
* **Patents**: invention patents in force at both year ends, lapsing in 2023, and granted in each
  year are counted from the targets. High-value status (any category of the ``high_value_patent``
  standard) is decided by construction: a patent is high-value by a foreign family member (and a
  strategic-emerging-industry IPC), or by age (maintained more than 10 years); every other
  invention patent has an IPC outside the SEI concordance, no foreign family, is younger than
  10 years and has no pledge or award — so every reading of the standard gives the same count.
* **Insurance**: IC pool policies are all written January–September 2023 with one-year cover (the
  same 家次 whether counted as written to 30 September, cumulative since the pool began, or in
  force on 30 September); first-of-kind policies from 2019; clinical-trial and founder policies
  written in 2023 and in force at its end.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Final

from kechuang.core.ids import USCC_CHARSET, make_patent_no, make_uscc
from kechuang.demo.calibration import Calibration
from kechuang.demo.samples import _DISTRICT_WEIGHTS, INSTITUTION_HEADERS
from kechuang.registry.reference import districts

Y22_END: Final = dt.date(2022, 12, 31)
Y23_END: Final = dt.date(2023, 12, 31)

# ------------------------------------------------------------------ cohort sizes (design choices)

SME_CHURN: Final = 1500
"""Sci-tech SMEs that borrowed in 2022 and repaid everything in 2023 without borrowing again."""
LARGE_BOTH: Final = 3400
"""Large sci-tech firms borrowing at both year ends (the rest of each year's large borrowers
borrow in one year only)."""
NON_SCI_TECH_BORROWERS: Final = 1200
"""Borrowers without a counted qualification: in the ledger, not in the sci-tech figures."""
QUALIFIED_NON_BORROWERS: Final = 3000
"""Sci-tech firms without loans (they own patents and file PCT applications)."""

PRODUCTS_2022: Final[dict[str, tuple[int, int]]] = {
    # product key → (enterprises, amount in 万元). RULES.md §5 "2022 volumes by product" [confirmed]
    # for the first four; 高企贷 2022 is synthetic (no published figure).
    "sh_performance_loan": (510, 247_400),
    "sh_micro_loan": (7, 1_080),
    "sh_little_giant_credit_loan": (200, 434_600),
    "sh_boost_loan": (125, 28_300),
    "sh_high_tech_loan": (7_600, 26_500_000),
}
MICRO_2023: Final = (8, 1_200)
"""科技微贷通 in 2023 (within the 科技履约贷 figure): enterprises, 万元 — synthetic split."""

BANKS: Final[list[tuple[str, str, str, str]]] = [
    ("BOC-SH", "中国银行股份有限公司上海市分行", "Bank of China Shanghai Branch", "黄浦区"),
    ("ICBC-SH", "中国工商银行股份有限公司上海市分行", "ICBC Shanghai Branch", "浦东新区"),
    ("CCB-SH", "中国建设银行股份有限公司上海市分行", "CCB Shanghai Branch", "浦东新区"),
    ("ABC-SH", "中国农业银行股份有限公司上海市分行", "ABC Shanghai Branch", "浦东新区"),
    ("BOCOM-SH", "交通银行股份有限公司上海市分行", "Bank of Communications Shanghai", "浦东新区"),
    ("BOSC", "上海银行股份有限公司", "Bank of Shanghai", "浦东新区"),
    ("SPDB-SH", "上海浦东发展银行股份有限公司上海分行", "SPDB Shanghai Branch", "黄浦区"),
    ("CMB-SH", "招商银行股份有限公司上海分行", "China Merchants Bank Shanghai", "浦东新区"),
    ("SRCB", "上海农村商业银行股份有限公司", "Shanghai Rural Commercial Bank", "黄浦区"),
    ("CITIC-SH", "中信银行股份有限公司上海分行", "China CITIC Bank Shanghai", "浦东新区"),
    ("SPDBSVB", "浦发硅谷银行有限公司", "SPD Silicon Valley Bank", "黄浦区"),
]
PERFORMANCE_BANKS: Final = ["BOC-SH", "BOSC", "SPDB-SH"]
INSURERS: Final[list[tuple[str, str, str]]] = [
    ("PICC-SH", "中国人民财产保险股份有限公司上海市分公司", "PICC P&C Shanghai"),
    ("CPIC-PC", "中国太平洋财产保险股份有限公司", "CPIC P&C"),
    ("PING-SH", "中国平安财产保险股份有限公司上海分公司", "Ping An P&C Shanghai"),
    ("CLPC-SH", "中国人寿财产保险股份有限公司上海市分公司", "China Life P&C Shanghai"),
    ("TPI-SH", "太平财产保险有限公司上海分公司", "Taiping General Shanghai"),
    ("SUNS-SH", "阳光财产保险股份有限公司上海市分公司", "Sunshine P&C Shanghai"),
]
STARTUP_DISTRICTS: Final = ["310115", "310104", "310110", "310112", "310117", "310120"]
"""The six pilot districts of the founder-liability pilot (synthetic choice)."""

_PREFIX = (
    "瀚澜星辰启明恒越睿智云帆金桥海纳博远卓越鼎峰智源微芯光子量子凌云翔宇思创华擎易联锦程新航天衡"
)
_ROOT = ["科技", "智能", "生物", "医疗", "微电子", "新材料", "信息", "软件", "半导体", "光电"]
_ROOT += ["能源", "机器人", "数据", "航空", "集成电路", "医药", "精密", "自动化"]
_FORM = ["有限公司", "股份有限公司", "技术有限公司", "科技有限公司"]
SOFTWARE = ["I6513", "I6520", "I6531", "I6550"]
MANUFACTURING = ["C3973", "C2761", "C3581", "C4011", "C3985", "C2662", "C3841", "C3562", "C3976"]

HV_IPC: Final = ["H01L21/02", "H04W72/04", "G06F16/22", "G06N3/08", "B25J9/16", "A61K39/395"]
HV_IPC_SEI: Final = {"H01L": "1.2", "H04W": "1.1", "G06F": "1.3", "G06N": "1.5", "B25J": "2.1"}
HV_IPC_SEI["A61K"] = "4.1"
PLAIN_IPC: Final = [
    *("F16H57/04", "E04B1/00", "G01M13/00", "B23K26/00", "F24F11/00", "G01R31/00"),
    *("B65G47/00", "C08L67/00", "A47J27/00", "F16K31/00"),
]
"""IPC groups outside the illustrative SEI concordance (no strategic-emerging-industry code)."""


# ------------------------------------------------------------------ helpers


def split(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """``total`` split into integers proportional to ``weights``, each ≥ ``minimum``, summing exactly.

    Largest-remainder rounding; deterministic for given inputs.
    """
    n = len(weights)
    if n == 0:
        if total:
            raise ValueError("nothing to split into")
        return []
    rest = total - minimum * n
    if rest < 0:
        raise ValueError(f"{total} cannot give {n} parts of at least {minimum}")
    wsum = sum(weights)
    raw = [rest * w / wsum for w in weights]
    parts = [int(r) for r in raw]
    short = rest - sum(parts)
    order = sorted(range(n), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[:short]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _yuan(amount: int) -> str:
    return str(amount)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(0, max(1, (end - start).days + 1)))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    last = [31, 29 if y % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return dt.date(y, m, min(day.day, last))


# ------------------------------------------------------------------ records


@dataclass(slots=True)
class Firm:
    """One synthetic enterprise and the plan for it."""

    uscc: str
    name: str
    district: str
    industry: str
    founded: dt.date
    size: str  # large / medium / small / micro
    sci_tech: bool
    quals: list[str] = field(default_factory=list)
    product22: str | None = None
    product23: str | None = None
    grant22: int = 0  # 万元 (product grants only)
    grant23: int = 0
    balance22: int = 0  # yuan, outstanding at 2022-12-31
    balance23: int = 0


@dataclass(frozen=True, slots=True)
class DemoFiles:
    """The generated files in import order: (domain, kind, path)."""

    directory: Path
    plan: list[tuple[str, str, Path]]
    counts: dict[str, int]
    """Rows per file name (for the progress messages and the report)."""


class _Gen:
    def __init__(self, cal: Calibration, seed: int) -> None:
        self.cal = cal
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.names: set[str] = set()
        self.district_names = {code: d.name.zh for code, d in districts().items()}
        self.district_codes = [c for c in _DISTRICT_WEIGHTS if c in self.district_names]
        self.district_weights = [_DISTRICT_WEIGHTS[c] for c in self.district_codes]
        self.firms: list[Firm] = []

    # -------------------------------------------------------------- enterprises

    def _uscc(self, district: str) -> str:
        rng = self.rng
        while True:
            org8 = "MA" + "".join(rng.choice(USCC_CHARSET) for _ in range(6))
            try:
                code = make_uscc(division=district, org8=org8)
            except ValueError:
                continue
            if code not in self.used:
                self.used.add(code)
                return code

    def _name(self, root: str | None = None) -> str:
        rng = self.rng
        while True:
            name = f"上海{rng.choice(_PREFIX)}{rng.choice(_PREFIX)}{root or rng.choice(_ROOT)}{rng.choice(_FORM)}"
            if name not in self.names:
                self.names.add(name)
                return name
            # Many firms: disambiguate with a trade-name digit pair, as registries do.
            name = name.replace("上海", f"上海{rng.choice(_PREFIX)}", 1)
            if name not in self.names:
                self.names.add(name)
                return name

    def firm(
        self, size: str, *, sci_tech: bool, district: str | None = None, root: str | None = None
    ) -> Firm:
        rng = self.rng
        district = district or rng.choices(self.district_codes, self.district_weights)[0]
        industry = rng.choice(SOFTWARE if rng.random() < 0.35 else MANUFACTURING)
        if size == "large":
            industry = rng.choice(MANUFACTURING)
        founded = _day(rng, dt.date(1995 if size == "large" else 2003, 1, 1), dt.date(2019, 6, 30))
        f = Firm(
            uscc=self._uscc(district),
            name=self._name(root),
            district=district,
            industry=industry,
            founded=founded,
            size=size,
            sci_tech=sci_tech,
        )
        self.firms.append(f)
        return f

    def sme_size(self) -> str:
        return self.rng.choices(["medium", "small", "micro"], [30, 50, 20])[0]

    # -------------------------------------------------------------- plan

    def plan(self) -> dict[str, list[Firm]]:
        cal = self.cal
        s22, s23 = cal.count("sci_tech_sme_borrowers", 2022), cal.count("sci_tech_sme_borrowers")
        t22, t23 = cal.count("sci_tech_borrowers", 2022), cal.count("sci_tech_borrowers")
        l22, l23 = t22 - s22, t23 - s23
        sme_both = s22 - SME_CHURN
        groups: dict[str, list[Firm]] = {
            "sme_both": [self.firm(self.sme_size(), sci_tech=True) for _ in range(sme_both)],
            "sme_22": [self.firm(self.sme_size(), sci_tech=True) for _ in range(SME_CHURN)],
            "sme_23": [self.firm(self.sme_size(), sci_tech=True) for _ in range(s23 - sme_both)],
            "large_both": [self.firm("large", sci_tech=True) for _ in range(LARGE_BOTH)],
            "large_22": [self.firm("large", sci_tech=True) for _ in range(l22 - LARGE_BOTH)],
            "large_23": [self.firm("large", sci_tech=True) for _ in range(l23 - LARGE_BOTH)],
            "other_borrowers": [
                self.firm(self.sme_size() if self.rng.random() < 0.9 else "large", sci_tech=False)
                for _ in range(NON_SCI_TECH_BORROWERS)
            ],
            "qualified": [
                self.firm(self.sme_size(), sci_tech=True) for _ in range(QUALIFIED_NON_BORROWERS)
            ],
            "startups": [
                self.firm("micro", sci_tech=False, district=self.rng.choice(STARTUP_DISTRICTS))
                for _ in range(cal.count("startup_founder_enterprises"))
            ],
        }
        return groups


# ------------------------------------------------------------------ file writers


def _institutions(n_incubators: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for code, name, en, district in BANKS:
        rows.append([code, name, "银行", en, "", district])
    for code, name, en in INSURERS:
        rows.append([code, name, "保险机构", en, "", "黄浦区"])
    rows += [
        [
            "SH-GUAR",
            "上海市中小微企业政策性融资担保基金管理中心",
            "融资担保机构",
            "Shanghai SME policy guarantee fund",
            "",
            "黄浦区",
        ],
        ["FDU", "复旦大学", "高校", "Fudan University", "", "杨浦区"],
        [
            "FDU-CAP",
            "上海复旦科创投资管理示例有限公司",
            "基金管理人",
            "Fudan sci-tech venture manager (sample)",
            "",
            "杨浦区",
        ],
        [
            "SH-STGF",
            "上海科技创新引导基金（示例）",
            "政府部门",
            "Shanghai sci-tech guide fund (sample)",
            "",
            "黄浦区",
        ],
        [
            "YP-GOV",
            "上海市杨浦区人民政府（出资平台示例）",
            "政府部门",
            "Yangpu district government (sample)",
            "",
            "杨浦区",
        ],
        [
            "STCSM",
            "上海市科学技术委员会",
            "政府部门",
            "Science and Technology Commission of Shanghai Municipality",
            "",
            "徐汇区",
        ],
        [
            "SHIPA",
            "上海市知识产权局",
            "政府部门",
            "Shanghai Intellectual Property Administration",
            "",
            "黄浦区",
        ],
        [
            "UNISOC-IPOC",
            "国家级集成电路产业知识产权运营中心（示例）",
            "知识产权中心",
            "National IC industry IP operation centre (sample)",
            "",
            "浦东新区",
        ],
    ]
    for i in range(1, 31):
        rows.append(
            [f"HOSP-{i:02d}", f"上海示例医院{i}", "其他", f"Sample hospital {i}", "", "徐汇区"]
        )
    names = districts()
    for i in range(n_incubators):
        district = STARTUP_DISTRICTS[i % len(STARTUP_DISTRICTS)]
        rows.append(
            [
                f"INC-{i + 1:02d}",
                f"{names[district].name.zh}示例科技孵化器{i + 1}",
                "孵化器",
                f"Sample incubator {i + 1}",
                "",
                names[district].name.zh,
            ]
        )
    return rows


_SIZE_ZH: Final = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}


def _fiscal(rng: random.Random, f: Firm) -> tuple[int, int]:
    """(employees, revenue in yuan) for 2021 inside the firm's size band (300号, both metrics)."""
    software = f.industry.startswith("I")
    if f.size == "large":
        return rng.randint(1100, 6000), int(rng.uniform(5e8, 6e9))
    if software:  # 软件和信息技术服务业: SME < 300 人 or < 1亿; medium ≥100 人 and ≥ 1000万
        band = {
            "medium": ((110, 280), (1.2e7, 9e7)),
            "small": ((12, 90), (6e5, 9e6)),
            "micro": ((2, 8), (1e5, 4e5)),
        }[f.size]
    else:  # 工业: SME < 1000 人 or < 4亿; medium ≥ 300 人 and ≥ 2000万; small ≥ 20 人 and ≥ 300万
        band = {
            "medium": ((320, 900), (2.5e7, 3.5e8)),
            "small": ((25, 280), (3.5e6, 1.8e7)),
            "micro": ((3, 18), (2e5, 2.8e6)),
        }[f.size]
    (e0, e1), (r0, r1) = band
    return rng.randint(e0, e1), int(rng.uniform(r0, r1))


def _year_rows(rng: random.Random, firms: Sequence[Firm]) -> list[list[object]]:
    """Fiscal years 2021 and 2022 — what a screening as of 2022-12-31 and 2023-12-31 reads (the
    year before) — with the size class unchanged (figures stay inside the band)."""
    rows: list[list[object]] = []
    for f in firms:
        employees, revenue = _fiscal(rng, f)
        # Figures consistent with the certificates held: high-tech firms spend ≥ 5.5 % on R&D
        # and earn 70 % from high-tech products; tech-based SMEs stay within ≤ 500 staff and
        # ≤ 2亿 revenue and assets (RULES.md §1–2).
        high_tech = "high_tech" in f.quals
        rd_ratio = rng.uniform(0.055, 0.12) if high_tech else rng.uniform(0.02, 0.12)
        product_share = 0.7 if high_tech else rng.uniform(0.2, 0.6)
        st_ratio = rng.uniform(0.12, 0.6)
        assets_ratio = rng.uniform(0.8, 1.6)
        if "tech_sme" in f.quals:
            employees = min(employees, 480)
            revenue = min(revenue, 180_000_000)
            assets_ratio = min(assets_ratio, 1.0)
        for year in (2021, 2022):
            growth = rng.uniform(0.0, 0.04)  # small growth: stays inside the size band
            rev = int(revenue * (1 + growth) ** (year - 2021))
            emp = employees
            st = max(1, int(emp * st_ratio))
            rd = int(rev * rd_ratio)
            assets = int(rev * assets_ratio)
            rows.append(
                [
                    f.uscc,
                    year,
                    emp,
                    st,
                    int(st * 0.7),
                    rev,
                    rev,
                    int(rev * 1.03),
                    int(rev * 0.96),
                    int(rev * product_share),
                    assets,
                    int(assets * rng.uniform(0.2, 0.6)),
                    rd,
                    int(rd * 0.95),
                    int(rev * rng.uniform(0.7, 0.95)),
                    0,
                    rng.choice([0, 1, 2, 3]),
                    rng.choice([1, 2, 4, 6, 10]),
                ]
            )
    return rows


def _qualification_rows(rng: random.Random, firms: Sequence[Firm]) -> list[list[object]]:
    """Certificates valid on both 2022-12-31 and 2023-12-31 for every sci-tech firm."""
    rows: list[list[object]] = []
    for f in firms:
        if not f.sci_tech:
            continue
        serial = f.uscc[-8:-2]
        for kind in f.quals:
            if kind == "high_tech":
                start = _day(rng, dt.date(2021, 1, 10), dt.date(2022, 12, 20))
                end = add_months(start, 36) - dt.timedelta(days=1)
                rows.append(
                    [
                        f.uscc,
                        "高新技术企业",
                        f"GR{start.year}31{serial}",
                        start.isoformat(),
                        end.isoformat(),
                        f"{start.year}年上海市认定报备的高新技术企业名单",
                    ]
                )
            elif kind == "tech_sme":
                for year in (2022, 2023):
                    start = _day(rng, dt.date(year, 3, 1), dt.date(year, 9, 30))
                    rows.append(
                        [
                            f.uscc,
                            "科技型中小企业",
                            f"{year}3101{serial}",
                            start.isoformat(),
                            dt.date(year + 1, 12, 31).isoformat(),
                            f"{year}年科技型中小企业入库名单",
                        ]
                    )
            elif kind in ("innovative_sme", "specialised_sme", "little_giant"):
                label = {
                    "innovative_sme": "创新型中小企业",
                    "specialised_sme": "专精特新中小企业",
                    "little_giant": '专精特新"小巨人"',
                }[kind]
                start = _day(rng, dt.date(2021, 3, 1), dt.date(2022, 11, 30))
                end = add_months(start, 36) - dt.timedelta(days=1)
                rows.append([f.uscc, label, "", start.isoformat(), end.isoformat(), f"{label}名单"])
            elif kind == "sh_little_giant":
                start = _day(rng, dt.date(2019, 6, 1), dt.date(2022, 10, 31))
                rows.append(
                    [f.uscc, "上海科技小巨人", "", start.isoformat(), "", "上海市科技小巨人工程"]
                )
    return rows


def _assign_quals(rng: random.Random, groups: dict[str, list[Firm]]) -> None:
    for name, firms in groups.items():
        for f in firms:
            if not f.sci_tech:
                continue
            if f.size == "large":
                f.quals = ["high_tech"] if rng.random() < 0.8 else ["sh_little_giant"]
                continue
            quals: list[str] = []
            r = rng.random()
            if r < 0.45:
                quals.append("high_tech")
            if r > 0.3 or not quals:
                quals.append("tech_sme")
            if rng.random() < 0.15:
                quals.append("innovative_sme")
            if rng.random() < 0.08:
                quals.append("specialised_sme")
            if rng.random() < 0.015:
                quals.append("little_giant")
            f.quals = quals
        del name


def _pick(rng: random.Random, pool: list[Firm], n: int, what: str) -> list[Firm]:
    if len(pool) < n:
        raise ValueError(f"not enough firms for {what}: {len(pool)} < {n}")
    chosen = rng.sample(pool, n)
    taken = {id(f) for f in chosen}
    pool[:] = [f for f in pool if id(f) not in taken]
    return chosen


def _ensure(f: Firm, kind: str) -> None:
    if kind not in f.quals:
        f.quals.append(kind)


def _products(cal: Calibration, rng: random.Random, groups: dict[str, list[Firm]]) -> None:
    """Assign product grants (授信) for 2022 and 2023 and their exact amounts (万元)."""
    g = groups
    # 2023 -------------------------------------------------------------------------------
    sme23 = list(g["sme_both"] + g["sme_23"])
    large23 = list(g["large_both"] + g["large_23"])
    ht_sme = cal.count("sh_high_tech_loan_sme_enterprises")
    ht_all = cal.count("sh_high_tech_loan_enterprises")
    ht_sme_amount = int(cal.current("sh_high_tech_loan_sme_amount")) // 10_000
    ht_amount = int(cal.current("sh_high_tech_loan_amount")) // 10_000
    # 高企贷 goes to high-tech enterprises: prefer those that already hold the certificate.
    sme_ht_pool = [f for f in sme23 if "high_tech" in f.quals]
    sme_ht_pool += [f for f in sme23 if "high_tech" not in f.quals]
    chosen = sme_ht_pool[:ht_sme]
    rng.shuffle(chosen)
    taken = {id(f) for f in chosen}
    sme_rest = [f for f in sme23 if id(f) not in taken]
    large_ht = _pick(rng, list(large23), ht_all - ht_sme, "高企贷 (large)")
    for f, amount in zip(
        chosen, split(ht_sme_amount, [rng.lognormvariate(0, 0.8) for _ in chosen], 50), strict=True
    ):
        f.product23, f.grant23 = "sh_high_tech_loan", amount
        _ensure(f, "high_tech")
    big = split(ht_amount - ht_sme_amount, [rng.lognormvariate(0, 0.7) for _ in large_ht], 2_000)
    for f, amount in zip(large_ht, big, strict=True):
        f.product23, f.grant23 = "sh_high_tech_loan", amount
        _ensure(f, "high_tech")
        if "sh_little_giant" in f.quals:
            f.quals.remove("sh_little_giant")
    # The other products go to SMEs.
    perf_n = cal.count("sh_performance_loan_enterprises")
    micro_n, micro_amount = MICRO_2023
    perf_amount = int(cal.current("sh_performance_loan_amount")) // 10_000
    plan = [
        ("sh_performance_loan", perf_n - micro_n, perf_amount - micro_amount, 20, "tech_sme"),
        ("sh_micro_loan", micro_n, micro_amount, 50, "tech_sme"),
        (
            "sh_boost_loan",
            cal.count("sh_boost_loan_enterprises"),
            int(cal.current("sh_boost_loan_amount")) // 10_000,
            20,
            "tech_sme",
        ),
        (
            "sh_little_giant_credit_loan",
            cal.count("sh_little_giant_credit_loan_enterprises"),
            int(cal.current("sh_little_giant_credit_loan_amount")) // 10_000,
            200,
            "sh_little_giant",
        ),
        (
            "esop_loan",
            cal.count("esop_loan_enterprises"),
            int(cal.current("esop_loan_amount")) // 10_000,
            500,
            "",
        ),
    ]
    for key, n, total, minimum, qual in plan:
        firms = _pick(rng, sme_rest, n, key)
        for f, amount in zip(
            firms, split(total, [rng.uniform(0.5, 1.5) for _ in firms], minimum), strict=True
        ):
            f.product23, f.grant23 = key, amount
            if qual:
                _ensure(f, qual)
    # 2022 -------------------------------------------------------------------------------
    sme22 = list(g["sme_both"] + g["sme_22"])
    large22 = list(g["large_both"] + g["large_22"])
    n_ht, amount_ht = PRODUCTS_2022["sh_high_tech_loan"]
    n_ht_large = 700
    ht_large = _pick(rng, large22, n_ht_large, "高企贷 2022 (large)")
    sme22_ht = sorted(sme22, key=lambda f: "high_tech" not in f.quals)
    ht_sme22 = sme22_ht[: n_ht - n_ht_large]
    taken = {id(f) for f in ht_sme22}
    sme22_rest = [f for f in sme22 if id(f) not in taken]
    ht22 = ht_large + ht_sme22
    weights = [rng.lognormvariate(0, 0.7) * (6 if f.size == "large" else 1) for f in ht22]
    for f, amount in zip(ht22, split(amount_ht, weights, 50), strict=True):
        f.product22, f.grant22 = "sh_high_tech_loan", amount
        _ensure(f, "high_tech")
        if f.size == "large" and "sh_little_giant" in f.quals:
            f.quals.remove("sh_little_giant")
    for key, (n, total) in PRODUCTS_2022.items():
        if key == "sh_high_tech_loan":
            continue
        minimum = 200 if key == "sh_little_giant_credit_loan" else 20
        # A firm that had the product in 2022 often renews it in 2023: prefer those.
        renewing = [f for f in sme22_rest if f.product23 == key]
        others = [f for f in sme22_rest if f.product23 != key]
        firms = (renewing + rng.sample(others, max(0, n - len(renewing))))[:n]
        taken = {id(f) for f in firms}
        sme22_rest[:] = [f for f in sme22_rest if id(f) not in taken]
        for f, amount in zip(
            firms, split(total, [rng.uniform(0.5, 1.5) for _ in firms], minimum), strict=True
        ):
            f.product22, f.grant22 = key, amount
            _ensure(f, "sh_little_giant" if key == "sh_little_giant_credit_loan" else "tech_sme")


def _balances(cal: Calibration, rng: random.Random, groups: dict[str, list[Firm]]) -> None:
    """Year-end balances (yuan) whose sums are exactly the targets, by size class and year."""
    g = groups

    def allocate(firms: list[Firm], total: int, year: int, scale: float) -> None:
        fixed = 0
        free: list[Firm] = []
        for f in firms:
            grant = f.grant22 if year == 2022 else f.grant23
            if grant:
                # A product loan: drawn in full and 40–90 % still outstanding at the year end.
                bal = int(grant * 10_000 * rng.uniform(0.4, 0.9))
                fixed += bal
                if year == 2022:
                    f.balance22 = bal
                else:
                    f.balance23 = bal
            else:
                free.append(f)
        weights = [rng.lognormvariate(0, 1.0) for _ in free]
        parts = split(total - fixed, weights, int(scale))
        for f, bal in zip(free, parts, strict=True):
            if year == 2022:
                f.balance22 = bal
            else:
                f.balance23 = bal

    sme23_total = int(cal.current("sci_tech_sme_loan_balance"))
    all23_total = int(cal.current("sci_tech_loan_balance"))
    sme22_total = int(cal.previous("sci_tech_sme_loan_balance"))
    all22_total = int(cal.previous("sci_tech_loan_balance"))
    allocate(g["sme_both"] + g["sme_23"], sme23_total, 2023, 200_000)
    allocate(g["large_both"] + g["large_23"], all23_total - sme23_total, 2023, 5_000_000)
    allocate(g["sme_both"] + g["sme_22"], sme22_total, 2022, 200_000)
    allocate(g["large_both"] + g["large_22"], all22_total - sme22_total, 2022, 5_000_000)
    for f in g["other_borrowers"]:
        f.balance22 = int(rng.lognormvariate(15.5, 0.8))
        f.balance23 = int(rng.lognormvariate(15.6, 0.8))


_SECURITY: Final = {
    "sh_performance_loan": "履约保证保险",
    "sh_micro_loan": "保证",
    "sh_boost_loan": "保证",
    "sh_little_giant_credit_loan": "信用",
    "esop_loan": "抵押",
}
_METHODS: Final = ["按期付息到期还本", "等额本金", "等额本息"]


def _credit_rows(
    rng: random.Random, firms: Sequence[Firm]
) -> tuple[list[list[object]], list[list[object]], list[list[object]], list[list[object]]]:
    """Grants, loans (first monthly report of each loan), ledger events, and the banks' December
    reports of every loan outstanding at a year end (reconciled against the ledger on import)."""
    grants: list[list[object]] = []
    loans: list[list[object]] = []
    events: list[list[object]] = []
    year_end: list[list[object]] = []
    serial = 0
    bank_codes = [b[0] for b in BANKS]
    for f in firms:
        for year in (2022, 2023):
            balance = f.balance22 if year == 2022 else f.balance23
            if balance <= 0:
                continue
            serial += 1
            product = (f.product22 if year == 2022 else f.product23) or "bank_sci_tech_loan"
            grant_wan = f.grant22 if year == 2022 else f.grant23
            repaid_in_year = 0
            if grant_wan:
                principal = min(grant_wan * 10_000, balance + int(balance * rng.uniform(0, 0.3)))
                repaid_in_year = principal - balance
                amount = grant_wan * 10_000
            else:
                if rng.random() < 0.4:
                    repaid_in_year = int(balance * rng.uniform(0.05, 0.3))
                principal = balance + repaid_in_year
                amount = -(-principal // 100_000) * 100_000  # grant rounded up to 10万
            bank = (
                rng.choice(PERFORMANCE_BANKS)
                if product == "sh_performance_loan"
                else rng.choice(bank_codes)
            )
            granted = _day(rng, dt.date(year, 1, 5), dt.date(year, 10, 20))
            drawn = granted + dt.timedelta(days=rng.randint(3, 40))
            maturity = add_months(drawn, 12)
            rate = f"{rng.choice(['3.45', '3.55', '3.65', '3.85', '4.05', '4.35'])}%"
            method = rng.choice(_METHODS)
            contract = f"{bank}-{year}-{serial:06d}"
            loan_no = f"{bank}-L{year}-{serial:06d}"
            security = _SECURITY.get(product) or rng.choice(
                ["信用", "保证", "知识产权质押", "抵押"]
            )
            premium = ""
            if product == "sh_performance_loan":
                premium = _yuan(amount * 15 // 1000)
            first = "是" if year == 2023 and f.balance22 == 0 and rng.random() < 0.3 else "否"
            grants.append(
                [
                    contract,
                    f.uscc,
                    product,
                    bank,
                    _yuan(amount),
                    granted.isoformat(),
                    12,
                    rate,
                    method,
                    security,
                    first,
                    premium,
                ]
            )
            loans.append(
                [
                    loan_no,
                    contract,
                    drawn.isoformat(),
                    _yuan(principal),
                    maturity.isoformat(),
                    rate,
                    method,
                    f"{drawn.year}-{drawn.month:02d}",
                    _yuan(principal),
                ]
            )
            year_end.append([*loans[-1][:7], f"{year}-12", _yuan(balance)])
            if repaid_in_year:
                day = _day(
                    rng,
                    max(drawn + dt.timedelta(days=32), dt.date(year, 11, 1)),
                    dt.date(year, 12, 28),
                )
                events.append(
                    [loan_no, "归还本金", day.isoformat(), _yuan(repaid_in_year), f"T{serial:07d}A"]
                )
            if year == 2022:
                # Repaid in full at maturity in 2023.
                events.append(
                    [loan_no, "归还本金", maturity.isoformat(), _yuan(balance), f"T{serial:07d}M"]
                )
    return grants, loans, events, year_end


# ------------------------------------------------------------------ IP


@dataclass(slots=True)
class _Patent:
    app_no: str
    filed: dt.date
    granted: dt.date | None
    kind: str
    family: int
    owner: Firm
    lapse: dt.date | None = None


def _ip_rows(
    cal: Calibration,
    rng: random.Random,
    owners: Sequence[Firm],
    utility_design_2022: int,
) -> dict[str, list[list[object]]]:
    serial: dict[tuple[int, str], int] = {}

    def number(year: int, code: str) -> str:
        serial[(year, code)] = serial.get((year, code), 100_000) + rng.randint(1, 3)
        return make_patent_no(year, code, serial[(year, code)])

    weights = [rng.paretovariate(1.3) * (4 if f.size == "large" else 1) for f in owners]
    cum: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)

    drawn: list[Firm] = []

    def owner() -> Firm:
        # Drawn in batches: one ``choices`` call per 50,000 owners instead of one per patent.
        if not drawn:
            drawn.extend(rng.choices(owners, cum_weights=cum, k=50_000))
        return drawn.pop()

    g22 = cal.count("invention_patents_granted", 2022)
    g23 = cal.count("invention_patents_granted")
    v22 = cal.count("valid_invention_patents", 2022)
    v23 = cal.count("valid_invention_patents")
    lapse23 = v22 + g23 - v23
    old = v22 - g22  # granted before 2022, in force at 2022-12-31
    hv22, hv23 = cal.high_value.previous, cal.high_value.current

    patents: list[_Patent] = []

    def invention(filed: dt.date, granted: dt.date) -> _Patent:
        p = _Patent(number(filed.year, "1"), filed, granted, "1", 0, owner())
        patents.append(p)
        return p

    # Old patents (granted 2008–2021). Filing years 2004–2019; age > 10 years counts as high-value.
    olds: list[_Patent] = []
    for _ in range(old):
        filed = _day(rng, dt.date(2004, 3, 1), dt.date(2019, 6, 30))
        granted = filed + dt.timedelta(days=rng.randint(500, 1100))
        if granted > dt.date(2021, 12, 20):
            granted = _day(rng, filed + dt.timedelta(days=200), dt.date(2021, 12, 20))
        olds.append(invention(filed, granted))
    news22 = [
        invention(
            f := _day(rng, dt.date(2018, 6, 1), dt.date(2021, 6, 30)),
            _day(rng, dt.date(2022, 1, 4), dt.date(2022, 12, 27)),
        )
        for _ in range(g22)
    ]
    news23 = [
        invention(
            _day(rng, dt.date(2019, 3, 1), dt.date(2022, 3, 31)),
            _day(rng, dt.date(2023, 1, 4), dt.date(2023, 12, 27)),
        )
        for _ in range(g23)
    ]
    del f
    # Historical lapses (not in force at either year end): granted 2012–2019, lapsed 2020–2022.
    for _ in range(3000):
        filed = _day(rng, dt.date(2013, 1, 1), dt.date(2017, 12, 31))
        p = invention(filed, filed + dt.timedelta(days=rng.randint(600, 1000)))
        assert p.granted is not None
        p.lapse = _day(rng, p.granted + dt.timedelta(days=60), dt.date(2022, 11, 30))

    def young(p: _Patent, on: dt.date) -> bool:  # maintained ≤ 10 whole years on ``on``
        return p.filed > dt.date(on.year - 11, on.month, on.day)

    in22 = olds + news22
    lapsing = [p for p in in22 if young(p, Y23_END)]
    rng.shuffle(lapsing)
    for p in lapsing[:lapse23]:
        p.lapse = _day(
            rng,
            max(dt.date(2023, 1, 10), (p.granted or p.filed) + dt.timedelta(days=30)),
            dt.date(2023, 12, 20),
        )
    both = [p for p in in22 if p.lapse is None]
    a22 = sum(1 for p in both if not young(p, Y22_END))
    a23 = sum(1 for p in both if not young(p, Y23_END))
    young_both = [p for p in both if young(p, Y23_END)]
    f_a = hv22 - a22
    f_n = hv23 - f_a - a23
    if not (0 <= f_a <= len(young_both) and 0 <= f_n <= len(news23)):
        raise ValueError(f"high-value targets out of reach: f_a={f_a}, f_n={f_n}")
    for p in rng.sample(young_both, f_a) + rng.sample(news23, f_n):
        p.family = rng.choice([1, 1, 2, 3, 5])

    # Utility models and designs (not invention patents: never high-value).
    other23 = cal.count("patents_granted") - g23
    for year, count in ((2023, other23), (2022, utility_design_2022)):
        for _ in range(count):
            code = "2" if rng.random() < 0.83 else "3"
            filed = _day(rng, dt.date(year - 1, 3, 1), dt.date(year, 6, 30))
            granted = _day(
                rng, max(filed + dt.timedelta(days=120), dt.date(year, 1, 4)), dt.date(year, 12, 27)
            )
            patents.append(_Patent(number(filed.year, code), filed, granted, code, 0, owner()))

    patent_rows: list[list[object]] = []
    event_rows: list[list[object]] = []
    topics = [
        "半导体",
        "通信",
        "图像识别",
        "电池",
        "抗体",
        "机器人",
        "检测",
        "传动",
        "密封",
        "温控",
    ]
    for p in patents:
        if p.family:
            ipc = rng.choice(HV_IPC)
            sei = HV_IPC_SEI[ipc[:4]]
            offices = rng.choice(["US", "EP", "JP", "US;EP", "US;EP;JP"])
        else:
            ipc, sei, offices = rng.choice(PLAIN_IPC), "", ""
        publication = (p.filed + dt.timedelta(days=540)).isoformat() if p.kind == "1" else ""
        patent_rows.append(
            [
                p.app_no,
                f"一种{rng.choice(topics)}装置及方法",
                p.filed.isoformat(),
                publication,
                p.granted.isoformat() if p.granted else "",
                ipc,
                ipc,
                sei,
                rng.randint(1, 8),
                p.family,
                offices,
                p.owner.name,
                p.owner.uscc,
            ]
        )
        if p.lapse is not None:
            event_rows.append(
                [p.app_no, "lapse", p.lapse.isoformat(), "未缴年费专利权终止", "", ""]
            )
    # Transfers between firms (the patent stays in force).
    for p in rng.sample(both, 2000):
        new = owner()
        when = _day(rng, dt.date(2022, 2, 1), dt.date(2023, 11, 30))
        if p.granted is not None and when > p.granted and new is not p.owner:
            event_rows.append(
                [p.app_no, "transfer", when.isoformat(), "专利权转让", new.name, new.uscc]
            )

    pct_rows: list[list[object]] = []
    for year, n in (
        (2022, cal.count("pct_applications", 2022)),
        (2023, cal.count("pct_applications")),
    ):
        for i in range(n):
            o = owner()
            filed = _day(rng, dt.date(year, 1, 3), dt.date(year, 12, 29))
            pct_rows.append(
                [
                    f"PCT/CN{year}/{100000 + i:06d}",
                    "CN",
                    filed.isoformat(),
                    f"一种{rng.choice(topics)}系统",
                    o.name,
                    o.uscc,
                ]
            )

    family_patents = [p for p in patents if p.family and p.granted and p.granted.year <= 2022]
    pledge_rows: list[list[object]] = []
    for i, p in enumerate(rng.sample(family_patents, 1200)):
        reg = _day(rng, dt.date(2023, 1, 5), dt.date(2023, 11, 30))
        pledge_rows.append(
            [
                f"Y2023310000{i:05d}",
                p.app_no,
                p.owner.name,
                p.owner.uscc,
                rng.choice(["BOSC", "SPDB-SH", "BOC-SH", "CMB-SH"]),
                "",
                str(rng.choice([300, 500, 1000, 2000]) * 10_000),
                reg.isoformat(),
                "",
            ]
        )
    award_rows: list[list[object]] = []
    for i, p in enumerate(rng.sample(family_patents, 7)):
        kind = "china_patent_award_gold" if i < 4 else "china_patent_award_silver"
        award_rows.append([kind, "第24届", "2023-07-20", p.app_no, "", p.owner.name])
    award_rows.append(
        ["wipo_global_award", "第2届", "2023-09-20", "", owners[0].uscc, owners[0].name]
    )
    return {
        "patents": patent_rows,
        "events": event_rows,
        "pct": pct_rows,
        "pledges": pledge_rows,
        "awards": award_rows,
    }


def _centre_rows(cal: Calibration) -> list[list[object]]:
    rows: list[list[object]] = [
        [
            "SH-IC-IPOC",
            "国家级集成电路产业知识产权运营中心（示例）",
            "national_operation_centre",
            "国家知识产权局",
            "2023-08-15",
            "示例集成电路企业",
            "",
            "UNISOC-IPOC",
            "浦东新区",
        ]
    ]
    for i in range(1, cal.count("ip_finance_centres") + 1):
        rows.append(
            [
                f"SH-IPFC-{i:02d}",
                f"上海市知识产权金融创新中心（示例{i}）",
                "ip_finance_centre",
                "上海市知识产权局",
                f"2023-{6 + i % 6:02d}-{10 + i:02d}",
                f"示例金融机构{i}",
                "",
                "",
                "",
            ]
        )
    for i in range(1, cal.count("medical_ip_centres") + 1):
        rows.append(
            [
                f"SH-MEDIPOC-{i:02d}",
                f"医疗卫生系统知识产权运营中心（示例{i}）",
                "medical_operation_centre",
                "上海市卫生健康委员会、上海市知识产权局",
                f"2023-{5 + i % 7:02d}-{8 + i:02d}",
                f"示例医院{i}",
                "",
                f"HOSP-{i:02d}",
                "",
            ]
        )
    return rows


def _programme_rows(
    cal: Calibration, rng: random.Random, firms: Sequence[Firm]
) -> list[list[object]]:
    rows: list[list[object]] = []
    for year, n in ((2022, 42), (2023, cal.count("sme_ip_projects"))):
        for i, f in enumerate(rng.sample(list(firms), n), start=1):
            rows.append(
                [
                    f"SME-IPO-{year}-{i:03d}",
                    "sme_ip_operation",
                    f"中小企业知识产权运营能力提升项目（{f.name}）",
                    year,
                    f"{year}-{1 + i % 9:02d}-15",
                    f.uscc,
                    "上海市知识产权局",
                    "",
                ]
            )
    rows.append(
        [
            "CIPO-2023-01",
            "cipo_training",
            "中小企业知识产权首席运营官培养项目（2023年）",
            2023,
            "2023-05-10",
            "",
            "上海市知识产权局",
            120,
        ]
    )
    return rows


# ------------------------------------------------------------------ insurance


def _insurance_rows(
    cal: Calibration, rng: random.Random, groups: dict[str, list[Firm]], incubators: int
) -> dict[str, list[list[object]]]:
    policies: list[list[object]] = []
    shares: list[list[object]] = []
    objects: list[list[object]] = []
    manufacturers = [
        f for f in groups["large_both"] + groups["sme_both"] if f.industry.startswith("C")
    ]

    def policy(
        no: str,
        product: str,
        line: str,
        *,
        uscc: str = "",
        inst: str = "",
        sum_insured: int,
        rate: Decimal,
        start: dt.date,
        end: dt.date,
        pool: str = "",
        district: str = "",
        incubator: str = "",
    ) -> None:
        premium = (Decimal(sum_insured) * rate).quantize(Decimal("0.01"))
        policies.append(
            [
                no,
                product,
                line,
                uscc,
                inst,
                "",
                _yuan(sum_insured),
                str(premium),
                f"{rate * 100:.4f}%",
                start.isoformat(),
                end.isoformat(),
                "已承保",
                pool,
                district,
                incubator,
            ]
        )

    # IC co-insurance pool: 55 policies written Jan–Sep 2023, one-year cover, 4–6 insurers each.
    n_pool = cal.count("ic_coinsurance_pool_enterprise_policies")
    ic_firms = rng.sample(manufacturers, 40)
    insured = ic_firms + rng.sample(ic_firms, n_pool - len(ic_firms))  # some fabs insure twice
    amounts = split(
        int(cal.current("ic_coinsurance_pool_sum_insured")) // 10_000,
        [rng.lognormvariate(0, 0.8) for _ in insured],
        10_000,
    )
    for i, (f, wan) in enumerate(zip(insured, amounts, strict=True), start=1):
        no = f"ICPOOL-2023-{i:03d}"
        start = _day(rng, dt.date(2023, 1, 1), dt.date(2023, 9, 30))
        policy(
            no,
            "ic_coinsurance_pool",
            "ic_coinsurance",
            uscc=f.uscc,
            sum_insured=wan * 10_000,
            rate=Decimal("0.0003"),
            start=start,
            end=add_months(start, 12) - dt.timedelta(days=1),
            pool="china_ic_pool",
        )
        members = rng.sample([c for c, _n, _e in INSURERS], rng.randint(4, 6))
        if "PICC-SH" not in members:
            members[0] = "PICC-SH"
        members.remove("PICC-SH")
        members.insert(0, "PICC-SH")
        cuts = split(10_000, [3.0] + [rng.uniform(0.6, 1.4) for _ in members[1:]], 500)
        for j, (code, bp) in enumerate(zip(members, cuts, strict=True)):
            shares.append([no, code, f"{Decimal(bp) / 100:.2f}%", "是" if j == 0 else "否"])
        objects.append([no, "项目", f"FAB-{i:03d}", f"{f.name}晶圆生产线", f.uscc, ""])

    # First-of-kind equipment: 255 projects written 2019–2023 (cumulative), renewals add cover.
    n_fok = cal.count("first_of_kind_equipment_projects")
    fok_amounts = split(
        int(cal.current("first_of_kind_equipment_sum_insured")) // 10_000,
        [rng.lognormvariate(0, 0.9) for _ in range(n_fok)],
        2_000,
    )
    for i, wan in enumerate(fok_amounts, start=1):
        f = rng.choice(manufacturers)
        year = rng.choices([2019, 2020, 2021, 2022, 2023], [12, 15, 20, 25, 28])[0]
        start = _day(rng, dt.date(year, 1, 5), dt.date(year, 12, 20))
        no = f"FOK-{year}-{i:04d}"
        policy(
            no,
            "first_of_kind_equipment_insurance",
            "first_of_kind_equipment",
            uscc=f.uscc,
            sum_insured=wan * 10_000,
            rate=Decimal("0.012"),
            start=start,
            end=add_months(start, 12) - dt.timedelta(days=1),
        )
        shares.append([no, rng.choice(["PICC-SH", "CPIC-PC", "PING-SH"]), "100%", "是"])
        objects.append(
            [no, "项目", f"FOK-PRJ-{i:04d}", f"首台（套）重大技术装备项目{i}", f.uscc, ""]
        )

    # Clinical-trial liability 2023: 119 insured (enterprises and hospitals), 352 trials.
    n_ins = cal.count("clinical_trial_insured")
    n_trials = cal.count("clinical_trial_projects")
    bio = [
        f
        for f in groups["sme_both"] + groups["sme_23"]
        if f.industry.startswith("C27")
        or f.industry.startswith("C35")
        or f.industry.startswith("C38")
    ]
    hospitals = 24
    insured_parties: list[tuple[str, str]] = [
        ("", f"HOSP-{i:02d}") for i in range(1, hospitals + 1)
    ]
    insured_parties += [(f.uscc, "") for f in rng.sample(bio, n_ins - hospitals)]
    trials = split(n_trials, [rng.uniform(0.5, 2) for _ in insured_parties], 1)
    cover = split(
        int(cal.current("clinical_trial_sum_insured")) // 10_000,
        [float(t) for t in trials],
        100,
    )
    k = 0
    for i, ((uscc, inst), n_t, wan) in enumerate(
        zip(insured_parties, trials, cover, strict=True), start=1
    ):
        no = f"CT-2023-{i:03d}"
        start = _day(rng, dt.date(2023, 1, 5), dt.date(2023, 12, 1))
        policy(
            no,
            "sh_clinical_trial_liability",
            "clinical_trial_liability",
            uscc=uscc,
            inst=inst,
            sum_insured=wan * 10_000,
            rate=Decimal("0.005"),
            start=start,
            end=add_months(start, 24) - dt.timedelta(days=1),
        )
        shares.append([no, rng.choice(["PICC-SH", "CPIC-PC", "PING-SH", "TPI-SH"]), "100%", "是"])
        for _ in range(n_t):
            k += 1
            objects.append([no, "临床试验", f"CTR2023{k:05d}", f"示例临床试验{k}", uscc, ""])

    # Founder liability 2023: 300 start-ups in 49 incubators of 6 districts, 816 founders.
    startups = groups["startups"]
    n_founders = cal.count("startup_founder_founders")
    founders = split(n_founders, [rng.uniform(0.5, 2) for _ in startups], 1)
    cover_f = split(
        int(cal.current("startup_founder_sum_insured")),
        [float(n) for n in founders],
        10_000,
    )
    by_district: dict[str, list[str]] = {}
    for i in range(incubators):
        by_district.setdefault(STARTUP_DISTRICTS[i % len(STARTUP_DISTRICTS)], []).append(
            f"INC-{i + 1:02d}"
        )
    used_incubators: list[str] = []
    k = 0
    for i, (f, n_f, yuan) in enumerate(zip(startups, founders, cover_f, strict=True), start=1):
        options = by_district[f.district]
        inc = options[i % len(options)] if i <= incubators else rng.choice(options)
        used_incubators.append(inc)
        no = f"SFL-2023-{i:03d}"
        start = _day(rng, dt.date(2023, 3, 1), dt.date(2023, 11, 30))
        policy(
            no,
            "sh_startup_founder_liability",
            "startup_founder_liability",
            uscc=f.uscc,
            sum_insured=yuan,
            rate=Decimal("0.01"),
            start=start,
            end=add_months(start, 12) - dt.timedelta(days=1),
            district=f.district,
            incubator=inc,
        )
        shares.append([no, rng.choice(["CPIC-PC", "PICC-SH"]), "100%", "是"])
        for _ in range(n_f):
            k += 1
            objects.append([no, "创业者", f"FDR-{k:04d}", f"创业者{k}", f.uscc, ""])
    return {"policies": policies, "shares": shares, "objects": objects}


# ------------------------------------------------------------------ funds

FUNDS_HEADERS: Final = [
    "基金代码",
    "名称",
    "类型",
    "发起机构代码",
    "管理人机构代码",
    "设立年份",
    "目标规模",
    "已募规模",
    "分期目标规模",
    "期限（年）",
    "延长期",
    "重点领域",
    "所在区",
    "状态",
]
COMMITMENT_HEADERS: Final = [
    "基金代码",
    "出资人",
    "出资人名称",
    "出资人类型",
    "认缴金额",
    "认缴日期",
    "期次",
]


def _fund_rows() -> tuple[list[list[object]], list[list[object]]]:
    funds: list[list[object]] = [
        [
            "FUDAN_FOF",
            "复旦科创母基金（示例）",
            "母基金",
            "FDU",
            "FDU-CAP",
            2023,
            "1000000000",
            "1000000000",
            "首期:10亿",
            10,
            2,
            "集成电路、生物医药、人工智能、科技成果转化",
            "杨浦区",
            "投资",
        ],
    ]
    commitments: list[list[object]] = [
        ["FUDAN_FOF", "FDU", "复旦大学", "高校", "100000000", "2023-10-20", "首期"],
        [
            "FUDAN_FOF",
            "YP-GOV",
            "上海市杨浦区人民政府（出资平台示例）",
            "财政/政府出资",
            "300000000",
            "2023-10-20",
            "首期",
        ],
        [
            "FUDAN_FOF",
            "SH-STGF",
            "上海科技创新引导基金（示例）",
            "财政/政府出资",
            "200000000",
            "2023-10-20",
            "首期",
        ],
        [
            "FUDAN_FOF",
            "国资示例",
            "上海示例国有资本投资有限公司",
            "国有企业",
            "200000000",
            "2023-10-20",
            "首期",
        ],
        [
            "FUDAN_FOF",
            "市场化示例",
            "示例市场化投资机构",
            "市场化机构",
            "200000000",
            "2023-10-20",
            "首期",
        ],
    ]
    return funds, commitments


# ------------------------------------------------------------------ entry point

ENTERPRISE_HEADERS: Final = [
    "统一社会信用代码",
    "企业名称",
    "所在区",
    "行业代码",
    "成立日期",
    "企业规模",
    "注册资本（万元）",
    "经营状态",
]
YEAR_HEADERS: Final = [
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
QUAL_HEADERS: Final = ["统一社会信用代码", "资质类型", "证书编号", "生效日期", "有效期至", "来源"]
GRANT_HEADERS: Final = [
    "合同编号",
    "统一社会信用代码",
    "产品",
    "银行机构代码",
    "授信金额",
    "授信日期",
    "期限（月）",
    "年利率",
    "还款方式",
    "担保方式",
    "首贷",
    "保费",
]
LOAN_HEADERS: Final = [
    "借据号",
    "合同编号",
    "放款日期",
    "放款金额",
    "到期日",
    "年利率",
    "还款方式",
    "报告月份",
    "月末余额",
]
EVENT_HEADERS: Final = ["借据号", "类型", "日期", "金额", "流水号"]
POLICY_HEADERS: Final = [
    "保单号",
    "产品",
    "险种",
    "被保险人统一社会信用代码",
    "被保险机构代码",
    "被保险人",
    "保额",
    "保费",
    "费率",
    "起保日期",
    "终止日期",
    "状态",
    "共保体",
    "所在区",
    "孵化器机构代码",
]
SHARE_HEADERS: Final = ["保单号", "保险机构代码", "份额", "主承保"]
OBJECT_HEADERS: Final = ["保单号", "类型", "标识", "名称", "企业统一社会信用代码", "保额"]
PATENT_HEADERS: Final = [
    "application_no",
    "title",
    "filing_date",
    "publication_date",
    "grant_date",
    "main_ipc",
    "ipc_classes",
    "sei_code",
    "inventors_count",
    "foreign_family_count",
    "foreign_family_offices",
    "owner_names",
    "owner_usccs",
]
PATENT_EVENT_HEADERS: Final = [
    "application_no",
    "kind",
    "event_date",
    "detail",
    "new_owner_names",
    "new_owner_usccs",
]
PCT_HEADERS: Final = [
    "international_no",
    "receiving_office",
    "filing_date",
    "title",
    "applicant_name",
    "applicant_uscc",
]
PLEDGE_HEADERS: Final = [
    "registration_no",
    "application_nos",
    "pledgor_name",
    "pledgor_uscc",
    "pledgee_code",
    "pledgee_name",
    "amount",
    "registration_date",
    "release_date",
]
CENTRE_HEADERS: Final = [
    "code",
    "name",
    "kind",
    "recognising_body",
    "recognised_on",
    "operator_name",
    "operator_uscc",
    "operator_institution_code",
    "district_code",
]
PROGRAMME_HEADERS: Final = [
    "code",
    "kind",
    "name",
    "year",
    "started_on",
    "uscc",
    "organiser",
    "participants",
]
AWARD_HEADERS: Final = ["kind", "edition", "awarded_on", "application_no", "uscc", "recipient_name"]


def generate(
    directory: Path,
    cal: Calibration,
    *,
    seed: int = 2023,
    utility_design_2022: int = 141_500,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoFiles:
    """Write every demo file into ``directory`` and return them in import order.

    Args:
        directory: where to write (created).
        cal: the targets (:func:`kechuang.demo.calibration.calibrate`).
        seed: the random seed; the same seed gives byte-identical files.
        utility_design_2022: utility models and designs granted in 2022 (only the 2022 total of
            patents granted depends on it; 141,500 ≈ Shanghai's 2022 level).
        progress: optional ``(stage, done, total)`` callback: stage ``plan`` (5 steps: firms,
            qualifications, products, balances, records), then ``write`` (one step per file).
    """
    tick = progress or (lambda _stage, _done, _total: None)
    directory.mkdir(parents=True, exist_ok=True)
    gen = _Gen(cal, seed)
    rng = gen.rng
    groups = gen.plan()
    tick("plan", 1, 5)
    _assign_quals(rng, groups)
    tick("plan", 2, 5)
    _products(cal, rng, groups)
    tick("plan", 3, 5)
    _balances(cal, rng, groups)
    tick("plan", 4, 5)
    firms = gen.firms
    incubators = cal.count("startup_founder_incubators")
    n_districts = cal.count("startup_founder_districts")
    if n_districts != len(STARTUP_DISTRICTS):
        raise ValueError("founder pilot districts do not match the target")

    rows: dict[str, tuple[list[str], list[list[object]]]] = {}
    rows["institutions.csv"] = (INSTITUTION_HEADERS, _institutions(incubators))
    reg_capital = {
        "large": [5000, 10000, 50000],
        "medium": [1000, 2000, 5000],
        "small": [100, 300, 500, 1000],
        "micro": [10, 50, 100],
    }
    rows["enterprises.csv"] = (
        ENTERPRISE_HEADERS,
        [
            [
                f.uscc,
                f.name,
                gen.district_names[f.district],
                f.industry,
                f.founded.isoformat(),
                _SIZE_ZH[f.size],
                str(rng.choice(reg_capital[f.size])),
                "存续",
            ]
            for f in firms
        ],
    )
    rows["enterprise-years.csv"] = (YEAR_HEADERS, _year_rows(rng, firms))
    rows["qualifications.csv"] = (QUAL_HEADERS, _qualification_rows(rng, firms))
    grants, loans, events, year_end = _credit_rows(rng, firms)
    rows["credit-grants.csv"] = (GRANT_HEADERS, grants)
    rows["credit-loans.csv"] = (LOAN_HEADERS, loans)
    rows["credit-events.csv"] = (EVENT_HEADERS, events)
    rows["credit-loans-december.csv"] = (LOAN_HEADERS, year_end)
    ins = _insurance_rows(cal, rng, groups, incubators)
    rows["insurance-policies.csv"] = (POLICY_HEADERS, ins["policies"])
    rows["insurance-shares.csv"] = (SHARE_HEADERS, ins["shares"])
    rows["insurance-objects.csv"] = (OBJECT_HEADERS, ins["objects"])
    owners = [f for f in firms if f.sci_tech]
    ip = _ip_rows(cal, rng, owners, utility_design_2022)
    rows["ip-pct.csv"] = (PCT_HEADERS, ip["pct"])
    rows["ip-patents.csv"] = (PATENT_HEADERS, ip["patents"])
    rows["ip-patent-events.csv"] = (PATENT_EVENT_HEADERS, ip["events"])
    rows["ip-pledges.csv"] = (PLEDGE_HEADERS, ip["pledges"])
    rows["ip-centres.csv"] = (CENTRE_HEADERS, _centre_rows(cal))
    rows["ip-programmes.csv"] = (PROGRAMME_HEADERS, _programme_rows(cal, rng, owners))
    rows["ip-awards.csv"] = (AWARD_HEADERS, ip["awards"])
    funds, commitments = _fund_rows()
    rows["funds.csv"] = (FUNDS_HEADERS, funds)
    rows["fund-commitments.csv"] = (COMMITMENT_HEADERS, commitments)
    tick("plan", 5, 5)
    for done, (name, (headers, data)) in enumerate(rows.items(), start=1):
        # Generated values are plain text and numbers (no user input to defuse): the stdlib
        # writer is enough and much faster than core.tabular.write_csv for 900k rows.
        with (directory / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows(data)
        tick("write", done, len(rows))
    plan = [
        ("registry", "institutions", "institutions.csv"),
        ("registry", "enterprises", "enterprises.csv"),
        ("registry", "enterprise-years", "enterprise-years.csv"),
        ("registry", "qualifications", "qualifications.csv"),
        ("credit", "grants", "credit-grants.csv"),
        ("credit", "loans", "credit-loans.csv"),
        ("credit", "events", "credit-events.csv"),
        ("credit", "loans", "credit-loans-december.csv"),
        ("insurance", "policies", "insurance-policies.csv"),
        ("insurance", "shares", "insurance-shares.csv"),
        ("insurance", "objects", "insurance-objects.csv"),
        ("ip", "pct", "ip-pct.csv"),
        ("ip", "patents", "ip-patents.csv"),
        ("ip", "events", "ip-patent-events.csv"),
        ("ip", "pledges", "ip-pledges.csv"),
        ("ip", "centres", "ip-centres.csv"),
        ("ip", "programmes", "ip-programmes.csv"),
        ("ip", "awards", "ip-awards.csv"),
        ("funds", "funds", "funds.csv"),
        ("funds", "commitments", "fund-commitments.csv"),
    ]
    return DemoFiles(
        directory=directory,
        plan=[(domain, kind, directory / name) for domain, kind, name in plan],
        counts={name: len(data) for name, (_h, data) in rows.items()},
    )


__all__ = ["DemoFiles", "Firm", "add_months", "generate", "split"]
