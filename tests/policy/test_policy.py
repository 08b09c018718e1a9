"""Programme/policy registry and external statistics: services with history, imports (all or
nothing, idempotent, CSV/GBK/XLSX, Chinese or English headers), shipped data, CLI."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from kechuang.cli.app import app
from kechuang.core.errors import Conflict, ImportRejected, NotFound
from kechuang.policy import service
from kechuang.policy.enums import PolicyKind, SourceStatus
from kechuang.policy.imports import import_external_statistics, import_policy_items, load_shipped
from kechuang.policy.models import ExternalStatistic, PolicyItem
from kechuang.policy.schemas import (
    ExternalStatisticCreate,
    ExternalStatisticUpdate,
    PolicyItemCreate,
    PolicyItemUpdate,
)
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ImportBatch

ITEMS = """编号,类型,标题,发布日期,年度,发布/组织单位,简述,章节,相关指标,相关产品,排序
2023-alliance,联盟,成立科创金融联盟,,2023,,加强联动协同,7.1.1,,,80
2023-relending,mechanism,启动“沪科专贷”“沪科专贴”,2023-05-01,,市科委；人民银行上海总部,精准支持,7.1.1,,relending；rediscount,50
"""

STATS = """key,year,value,unit,label (zh),source,status,published on
resident_population,2022,2475.89万,person,年末常住人口,2022年统计公报,已核实,2023-03-01
resident_population,2023,24874500,person,年末常住人口,2023年统计公报,unconfirmed,
"""


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- imports


def test_shipped_data_load_on_both_backends_and_are_idempotent(db_url: str) -> None:
    with unit_of_work(db_url) as s:
        first = load_shipped(session=s, actor="t")
    assert [(r.created, r.updated) for r in first] == [(21, 0), (4, 0)]
    with unit_of_work(db_url) as s:
        again = load_shipped(session=s, actor="t")
        assert [r.changed for r in again] == [False, False]
        pop = service.get_external_statistic(session=s, key="resident_population", period_year=2023)
        assert pop.value == Decimal("24874500") and pop.status is SourceStatus.UNCONFIRMED
        pop22 = service.get_external_statistic(
            session=s, key="resident_population", period_year=2022
        )
        assert pop22.status is SourceStatus.CONFIRMED
        gii = service.get_external_statistic(session=s, key="gii_cluster_rank", period_year=2023)
        assert gii.value == 5 and gii.source_title
        assert (
            service.get_external_statistic(
                session=s, key="gii_cluster_rank", period_year=2022
            ).value
            == 6
        )
        finance = service.list_policy_items(session=s, year=2023, section="7.1.1")
        assert [i.title_zh for i in finance][:2] == [
            "加快推进科创金融改革试验区建设",
            "推动设立科技创新引导基金",
        ]
        assert len(finance) == 8
        fudan = service.get_policy_item(session=s, code="2023-fudan-sti-fof")
        assert fudan.announced_on == dt.date(2023, 12, 3)
        assert fudan.kind is PolicyKind.FUND_LAUNCH and fudan.bodies == ["复旦大学"]
        assert fudan.indicator_keys == ["fudan_fof_phase1_size"]
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 2


def test_policy_items_csv_in_gbk_with_lists_and_year_from_date(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = _write(tmp_path, "items.csv", ITEMS, "gbk")
    with unit_of_work(sqlite_url) as s:
        report = import_policy_items(session=s, path=path, actor="t")
        assert report.created == 2 and report.encoding is not None
        item = service.get_policy_item(session=s, code="2023-relending")
        assert item.year == 2023  # from the date announced
        assert item.bodies == ["市科委", "人民银行上海总部"]
        assert item.product_keys == ["relending", "rediscount"]
        assert item.kind is PolicyKind.MECHANISM
        assert service.get_policy_item(session=s, code="2023-alliance").kind is PolicyKind.ALLIANCE


def test_reimport_with_a_change_updates_and_keeps_history(sqlite_url: str, tmp_path: Path) -> None:
    with unit_of_work(sqlite_url) as s:
        import_external_statistics(session=s, path=_write(tmp_path, "a.csv", STATS), actor="t")
    corrected = STATS.replace(
        "24874500,person,年末常住人口,2023年统计公报,unconfirmed",
        "24874600,person,年末常住人口,2023年统计公报,confirmed",
    )
    with unit_of_work(sqlite_url) as s:
        report = import_external_statistics(
            session=s, path=_write(tmp_path, "b.csv", corrected), actor="checker"
        )
        assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
        stat = service.get_external_statistic(
            session=s, key="resident_population", period_year=2023
        )
        assert stat.value == Decimal("24874600") and stat.version == 2
        hist = service.history(
            session=s, table="external_statistic", record_key="resident_population/2023"
        )
        assert [h.action for h in hist] == ["create", "update"]
        assert hist[1].changes["status"] == ["unconfirmed", "confirmed"]
        assert hist[1].actor == "checker"
        # 2475.89万 is read exactly as 24758900 persons
        assert service.get_external_statistic(
            session=s, key="resident_population", period_year=2022
        ).value == Decimal("24758900")


def test_xlsx_with_english_headers(sqlite_url: str, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Code", "Kind", "Title (zh)", "Title (en)", "Year", "Section", "Indicator keys"])
    ws.append(
        [
            "2023-centres",
            "recognition",
            "认定市级知识产权金融创新中心",
            "IP-finance centres",
            2023,
            "7.2.2",
            "ip_finance_centres",
        ]
    )
    path = tmp_path / "items.xlsx"
    wb.save(path)
    with unit_of_work(sqlite_url) as s:
        assert import_policy_items(session=s, path=path).created == 1
        assert service.get_policy_item(session=s, code="2023-centres").indicator_keys == [
            "ip_finance_centres"
        ]


def test_a_bad_file_is_rejected_whole_with_row_and_column(sqlite_url: str, tmp_path: Path) -> None:
    bad = (
        "编号,类型,标题,发布日期,年度,章节,相关指标\n"
        "ok-1,alliance,好的条目,,2023,7.1.1,\n"
        "Bad Code,alliance,标题,,2023,7.1.1,\n"
        "ok-2,no-such-kind,标题,,2023,7.1.1,\n"
        "ok-3,forum,标题,2023-13-45,2023,7.1.1,\n"
        "ok-4,forum,标题,,,7.1.1,\n"
        "ok-5,forum,标题,,2023,seven,\n"
        "ok-6,forum,标题,,2023,7.2,Not A Key\n"
        "ok-1,forum,重复,,2023,7.1.1,\n"
    )
    with unit_of_work(sqlite_url) as s, pytest.raises(ImportRejected) as exc:
        import_policy_items(session=s, path=_write(tmp_path, "bad.csv", bad))
    issues = [(i.row, i.column, i.rule) for i in exc.value.issues if i.severity == "error"]
    assert (3, "编号", "value.format") in issues
    assert (4, "类型", "value.choice") in issues
    assert (5, "发布日期", "date.invalid") in issues
    assert (6, "年度", "import.year_required") in issues
    assert (7, "章节", "value.format") in issues
    assert (8, "相关指标", "value.key") in issues
    assert (9, "编号", "import.duplicate_key") in issues
    assert all(i.message.zh and i.message.en for i in exc.value.issues)
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(PolicyItem)) == 0


def test_statistics_refuse_bad_values_and_status(sqlite_url: str, tmp_path: Path) -> None:
    bad = (
        "指标键,年度,数值,单位,名称,来源,核实状态\n"
        "resident_population,2023,12.345678,person,人口,公报,confirmed\n"
        "resident_population,2022,很多,person,人口,公报,confirmed\n"
        "gii_cluster_rank,2023,5,rank,排名,GII,maybe\n"
        "gii_cluster_rank,2022,6,rank,排名,,confirmed\n"
    )
    with unit_of_work(sqlite_url) as s, pytest.raises(ImportRejected) as exc:
        import_external_statistics(session=s, path=_write(tmp_path, "bad.csv", bad))
    rules = {(i.row, i.rule) for i in exc.value.issues}
    assert rules >= {
        (2, "value.precision"),
        (3, "value.number"),
        (4, "value.choice"),
        (5, "import.required"),
    }
    with unit_of_work(sqlite_url) as s:
        assert s.scalar(select(func.count()).select_from(ExternalStatistic)) == 0


# ---------------------------------------------------------------- services


def test_services_create_update_list_with_history_and_versions(sqlite_url: str) -> None:
    with unit_of_work(sqlite_url) as s:
        item = service.create_policy_item(
            session=s,
            item_in=PolicyItemCreate(
                code="2024-forum",
                kind=PolicyKind.FORUM,
                title_zh="举办第15届陆家嘴论坛",
                year=2024,
                bodies=[" 上海市人民政府 ", "上海市人民政府"],
                section="7.1.1",
            ),
            actor="maker",
        )
        assert item.bodies == ["上海市人民政府"] and item.version == 1
        with pytest.raises(Conflict):
            service.create_policy_item(
                session=s,
                item_in=PolicyItemCreate(code="2024-forum", kind="forum", title_zh="x", year=2024),
                actor="maker",
            )
    with unit_of_work(sqlite_url) as s:
        updated = service.update_policy_item(
            session=s,
            code="2024-forum",
            item_in=PolicyItemUpdate(description_zh="设置科创金融专场", sort_order=5),
            actor="editor",
            expected_version=1,
        )
        assert updated.version == 2
        with pytest.raises(Conflict):
            service.update_policy_item(
                session=s,
                code="2024-forum",
                item_in=PolicyItemUpdate(sort_order=6),
                actor="editor",
                expected_version=1,
            )
        # nothing differs: no new history
        service.update_policy_item(
            session=s, code="2024-forum", item_in=PolicyItemUpdate(sort_order=5), actor="x"
        )
        hist = service.history(session=s, table="policy_item", record_key="2024-forum")
        assert [(h.action, h.actor) for h in hist] == [("create", "maker"), ("update", "editor")]
        assert hist[1].changes["sort_order"] == [0, 5]
        assert [i.code for i in service.list_policy_items(session=s, section="7.1")] == [
            "2024-forum"
        ]
        assert service.list_policy_items(session=s, year=2023) == []
        assert service.list_policy_items(session=s, kind=PolicyKind.PLAN) == []
        with pytest.raises(NotFound):
            service.get_policy_item(session=s, code="nope")


def test_external_statistic_service_corrects_status_with_history(sqlite_url: str) -> None:
    with unit_of_work(sqlite_url) as s:
        service.create_external_statistic(
            session=s,
            stat_in=ExternalStatisticCreate(
                key="resident_population",
                period_year=2023,
                value=Decimal("24874500"),
                unit="person",
                label_zh="年末常住人口",
                source_title="2023年统计公报",
                status=SourceStatus.UNCONFIRMED,
            ),
            actor="maker",
        )
        with pytest.raises(ValueError, match="4 decimals"):
            ExternalStatisticCreate(
                key="k",
                period_year=2023,
                value=Decimal("1.00001"),
                unit="x",
                label_zh="x",
                source_title="x",
                status=SourceStatus.CONFIRMED,
            )
        stat = service.update_external_statistic(
            session=s,
            key="resident_population",
            period_year=2023,
            stat_in=ExternalStatisticUpdate(status=SourceStatus.CONFIRMED, note="checked"),
            actor="checker",
        )
        assert stat.status is SourceStatus.CONFIRMED
        hist = service.history(
            session=s, table="external_statistic", record_key="resident_population/2023"
        )
        assert hist[-1].changes["status"] == ["unconfirmed", "confirmed"]
        assert [x.key for x in service.list_external_statistics(session=s, period_year=2023)] == [
            "resident_population"
        ]
        with pytest.raises(NotFound):
            service.get_external_statistic(session=s, key="resident_population", period_year=1999)


# ---------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_load_list_show_and_stats(sqlite_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "load-shipped", "--actor", "t"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["policy", "list", "--section", "7.2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 7
    assert "紫光展锐获批建设国家级集成电路产业知识产权运营中心" in [
        i["title_zh"] for i in data["items"]
    ]
    result = runner.invoke(app, ["policy", "show", "2023-sti-finance-alliance", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["kind"] == "alliance" and shown["history"][0]["action"] == "create"
    result = runner.invoke(app, ["policy", "stats", "list", "--key", "gii_cluster_rank", "--json"])
    assert [(i["period_year"], i["value"]) for i in json.loads(result.output)["items"]] == [
        (2022, "6"),
        (2023, "5"),
    ]
    result = runner.invoke(
        app, ["policy", "stats", "show", "resident_population", "2023", "--json"]
    )
    assert json.loads(result.output)["status"] == "unconfirmed"
    result = runner.invoke(app, ["policy", "show", "missing"])
    assert result.exit_code == 1
    bad = _write(tmp_path, "bad.csv", "编号,类型,标题\nx,nope,t\n")
    result = runner.invoke(app, ["policy", "import", str(bad)])
    assert result.exit_code == 1
    good = _write(tmp_path, "stats.csv", STATS)
    result = runner.invoke(app, ["policy", "stats", "import", str(good), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True


@pytest.mark.parametrize("kind", ["policy_items", "external_statistics"])
def test_template_example_row_imports(sqlite_url: str, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.xlsx"
    result = runner.invoke(app, ["policy", "template", kind, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with unit_of_work(sqlite_url) as s:
        report = (import_policy_items if kind == "policy_items" else import_external_statistics)(
            session=s, path=out
        )
        assert report.created == 1
