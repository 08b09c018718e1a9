"""Deterministic sample IP records for the demo: patents with status events, PCT filings, pledges,
IP centres, programmes and awards, owned by the sample enterprises (all invented)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kechuang.core.ids import make_patent_no
from kechuang.core.tabular import write_csv

IPC = [
    "H01L21/02",
    "H04W72/04",
    "H04L67/10",
    "G06F16/22",
    "G06N3/08",
    "B25J9/16",
    "A61K39/395",
    "A61B5/00",
    "C12N15/11",
    "H01M10/052",
    "B60L53/10",
    "H02J3/38",
    "G06T7/00",
    "B64C27/00",
    "C22C38/00",
    "G01N21/00",
]
OFFICES = ["US", "EP", "JP", "KR", "US;EP", "US;EP;JP"]


@dataclass(frozen=True, slots=True)
class IpSampleFiles:
    """Paths of the IP sample files, in import order."""

    pct: Path
    patents: Path
    events: Path
    pledges: Path
    centres: Path
    programmes: Path
    awards: Path


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(0, max(1, (end - start).days)))


def write_ip_samples(
    directory: Path, enterprises: Sequence[Sequence[object]], *, seed: int = 2023
) -> IpSampleFiles:
    """Write the IP sample files for ``enterprises`` (rows of ``samples.enterprise_rows``)."""
    rng = random.Random(seed + 10)
    directory.mkdir(parents=True, exist_ok=True)
    serial: dict[tuple[int, str], int] = {}

    def number(year: int, type_code: str) -> str:
        serial[(year, type_code)] = serial.get((year, type_code), 100000) + rng.randint(1, 40)
        return make_patent_no(year, type_code, serial[(year, type_code)])

    patents: list[list[object]] = []
    events: list[list[object]] = []
    pct: list[list[object]] = []
    granted_inventions: list[tuple[str, str, str]] = []
    for idx, ent in enumerate(enterprises):
        uscc, name = str(ent[0]), str(ent[1])
        founded = int(str(ent[4])[:4])
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 9])):
            year = rng.randint(max(founded, 2008), 2023)
            kind = rng.choices(["1", "2", "3", "8"], [45, 38, 12, 5])[0]
            filed = _date_between(rng, dt.date(year, 1, 1), dt.date(year, 12, 28))
            pct_no = ""
            if kind == "8":
                intl_year = year - 1
                pct_no = f"PCT/CN{intl_year}/{rng.randint(100000, 999999)}"
                filed = _date_between(rng, dt.date(intl_year, 1, 1), dt.date(intl_year, 12, 28))
                pct.append([pct_no, "CN", filed.isoformat(), "一种示例方法", name, uscc])
            delay = {"1": 900, "8": 1100, "2": 240, "3": 180}[kind]
            grant = filed + dt.timedelta(days=delay + rng.randint(0, 400))
            granted = grant <= dt.date(2023, 12, 31) and rng.random() < 0.85
            app_no = number(year, kind)
            ipc = rng.choice(IPC)
            family = rng.choice([0, 0, 0, 0, 1, 2, 3]) if kind in ("1", "8") else 0
            # One in ten owners is named without a USCC: a reviewed name match links it.
            named_only = idx % 10 == 0
            patents.append(
                [
                    app_no,
                    f"一种{rng.choice(['半导体', '通信', '图像识别', '电池', '抗体', '机器人', '检测'])}装置及方法",
                    filed.isoformat(),
                    (filed + dt.timedelta(days=180)).isoformat() if kind in ("1", "8") else "",
                    grant.isoformat() if granted else "",
                    ipc,
                    ipc,
                    rng.randint(1, 8),
                    family,
                    rng.choice(OFFICES) if family else "",
                    pct_no,
                    name,
                    "" if named_only else uscc,
                ]
            )
            if not granted:
                continue
            if kind in ("1", "8"):
                granted_inventions.append((app_no, name, uscc))
            r = rng.random()
            if r < 0.08 and grant < dt.date(2022, 6, 1):
                lapse = grant + dt.timedelta(days=rng.randint(400, 900))
                if lapse < dt.date(2023, 12, 1):
                    events.append(
                        [app_no, "lapse", lapse.isoformat(), "未缴年费专利权终止", "", ""]
                    )
                    if rng.random() < 0.4:
                        events.append(
                            [
                                app_no,
                                "restoration",
                                (lapse + dt.timedelta(days=60)).isoformat(),
                                "恢复权利",
                                "",
                                "",
                            ]
                        )
            elif r < 0.11:
                other = enterprises[(idx + 7) % len(enterprises)]
                when = min(grant + dt.timedelta(days=rng.randint(30, 700)), dt.date(2023, 11, 30))
                events.append(
                    [
                        app_no,
                        "transfer",
                        when.isoformat(),
                        "专利权转让",
                        str(other[1]),
                        str(other[0]),
                    ]
                )
            elif r < 0.12:
                when = min(grant + dt.timedelta(days=rng.randint(30, 700)), dt.date(2023, 11, 30))
                events.append(
                    [app_no, "invalidation_partial", when.isoformat(), "部分无效宣告", "", ""]
                )
    pledges = []
    for i, (app_no, name, uscc) in enumerate(
        granted_inventions[: max(1, len(granted_inventions) // 12)]
    ):
        reg = dt.date(2023, rng.randint(1, 11), rng.randint(1, 28))
        pledges.append(
            [
                f"Y2023310000{i:05d}",
                app_no,
                name,
                uscc,
                rng.choice(["BOSC", "SPDB-SCI", "BOC-SH"]),
                "",
                str(rng.choice([300, 500, 1000, 2000, 5000]) * 10000),
                reg.isoformat(),
                "",
            ]
        )
    centres = [
        [
            "SH-IC-IPOC",
            "国家级集成电路产业知识产权运营中心（示例）",
            "national_operation_centre",
            "国家知识产权局",
            "2023-08-15",
            "示例集成电路企业",
            "",
            "IPC-IC",
            "浦东新区",
        ]
    ]
    centres += [
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
        for i in range(1, 11)
    ]
    centres += [
        [
            f"SH-MEDIPOC-{i:02d}",
            f"医疗卫生系统知识产权运营中心（示例{i}）",
            "medical_operation_centre",
            "上海市卫生健康委员会、上海市知识产权局",
            f"2023-{5 + i % 7:02d}-{8 + i:02d}",
            f"示例医院{i}",
            "",
            "",
            "",
        ]
        for i in range(1, 11)
    ]
    programmes = [
        [
            f"SME-IPO-2023-{i:03d}",
            "sme_ip_operation",
            f"中小企业知识产权运营能力提升项目（示例{i}）",
            2023,
            f"2023-{1 + i % 12:02d}-15",
            str(enterprises[i % len(enterprises)][0]),
            "上海市知识产权局",
            "",
        ]
        for i in range(1, 51)
    ]
    programmes.append(
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
    awards = []
    for i, (app_no, name, _uscc) in enumerate(granted_inventions[:7]):
        kind = "china_patent_award_gold" if i < 4 else "china_patent_award_silver"
        awards.append([kind, "第24届", "2023-07-20", app_no, "", name])
    if enterprises:
        awards.append(
            [
                "wipo_global_award",
                "第2届",
                "2023-09-20",
                "",
                str(enterprises[0][0]),
                str(enterprises[0][1]),
            ]
        )

    files = IpSampleFiles(
        pct=directory / "pct.csv",
        patents=directory / "patents.csv",
        events=directory / "patent-events.csv",
        pledges=directory / "pledges.csv",
        centres=directory / "ip-centres.csv",
        programmes=directory / "ip-programmes.csv",
        awards=directory / "ip-awards.csv",
    )
    write_csv(
        files.pct,
        [
            "international_no",
            "receiving_office",
            "filing_date",
            "title",
            "applicant_name",
            "applicant_uscc",
        ],
        pct,
    )
    write_csv(
        files.patents,
        [
            "application_no",
            "title",
            "filing_date",
            "publication_date",
            "grant_date",
            "main_ipc",
            "ipc_classes",
            "inventors_count",
            "foreign_family_count",
            "foreign_family_offices",
            "pct_international_no",
            "owner_names",
            "owner_usccs",
        ],
        patents,
    )
    write_csv(
        files.events,
        ["application_no", "kind", "event_date", "detail", "new_owner_names", "new_owner_usccs"],
        events,
    )
    write_csv(
        files.pledges,
        [
            "registration_no",
            "application_nos",
            "pledgor_name",
            "pledgor_uscc",
            "pledgee_code",
            "pledgee_name",
            "amount",
            "registration_date",
            "release_date",
        ],
        pledges,
    )
    write_csv(
        files.centres,
        [
            "code",
            "name",
            "kind",
            "recognising_body",
            "recognised_on",
            "operator_name",
            "operator_uscc",
            "operator_institution_code",
            "district_code",
        ],
        centres,
    )
    write_csv(
        files.programmes,
        ["code", "kind", "name", "year", "started_on", "uscc", "organiser", "participants"],
        programmes,
    )
    write_csv(
        files.awards,
        ["kind", "edition", "awarded_on", "application_no", "uscc", "recipient_name"],
        awards,
    )
    return files
