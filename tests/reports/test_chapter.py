"""The chapter's structure and sentences, from an in-memory release with the seed's figures."""

from __future__ import annotations

import dataclasses

import pytest

from kechuang.indicators.model import IndicatorDefinition
from kechuang.reports.chapter import Chapter, build_chapter, plain_text
from tests.reports.fake import DEFINITIONS, FakeRelease


def _text(ch: Chapter) -> str:
    out = []
    for s in ch.sections:
        out.append(f"{s.number} {s.heading}")
        for b in s.blocks:
            out.extend(plain_text(line) for line in b.lines)
    return "\n".join(out)


@pytest.fixture(scope="module")
def zh() -> Chapter:
    return build_chapter(FakeRelease(), lang="zh")


def test_outline_follows_the_seed(zh: Chapter) -> None:
    assert [(s.number, s.heading) for s in zh.sections] == [
        ("7.1", "科技金融服务体系持续完善"),
        ("7.1.1", "金融支持科技创新持续深入"),
        ("7.1.2", "科技信贷融资服务体系进一步优化"),
        ("7.1.3", "科技保险风险缓释作用有力发挥"),
        ("7.2", "知识产权创造、运用、保护、管理水平全面提升"),
        ("7.2.1", "知识产权发展质效稳步提高"),
        ("7.2.2", "实施专利转化专项计划"),
        ("7.2.3", "加强创新主体能力建设"),
    ]
    subheadings = [
        plain_text(b.lines[0]) for s in zh.sections for b in s.blocks if b.kind == "subheading"
    ]
    assert subheadings == ["科技型企业贷款持续增长", "科技金融信贷产品持续优化"]


def test_sentences_are_filled_from_the_release(zh: Chapter) -> None:
    text = _text(zh)
    assert (
        "科技型企业贷款存量户数 2.99 万户，比上年增长 49.99%，"
        "其中科技型中小企业贷款存量户 2.63 万户，比上年增长 73.79%" in text
    )
    assert (
        "科技型企业贷款余额 10486.31 亿元，比上年增长 52.14%，"
        "其中科技型中小企业贷款余额 4756.47 亿元，比上年增长 92.70%" in text
    )
    assert "科技履约贷授信企业 368 家，授信金额 18.69 亿元" in text
    assert "小巨人信用贷授信企业 233 家，授信金额 45 亿元" in text
    assert "上海-苏州集群位列全球科技集群第5位，较上年上升1位。" in text
    assert (
        "2023年，全市专利授权量 15.91 万件，其中发明专利授权量 4.43 万件，比上年增长 20.51%" in text
    )
    assert "10.62%。截至年底，每万人口高价值发明专利拥有量 50.2 件，比上年增长 22.74%。" in text
    # programme entries link their figures: title, description, then the product's figures
    assert "开展科技企业创业责任保险试点，保障创业者 816 位，承保风险 2937.6 万元。" in text
    assert "认定市级知识产权金融创新中心 10 家" in text
    assert "实施中小企业知识产权运营能力提升项目 50 个" in text
    # a figure shown inside a programme entry is not repeated as a bullet of its own
    assert text.count("816 位") == 1 and text.count("员工持股计划融资贷款企业") == 1


def test_programme_list_is_the_seeds_in_order_with_bold_titles(zh: Chapter) -> None:
    bullets = next(b for b in zh.sections[1].blocks if b.kind == "bullets")
    titles = [line[0].text for line in bullets.lines]
    assert titles == [
        "加快推进科创金融改革试验区建设",
        "推动设立科技创新引导基金",
        "设立复旦科创母基金",
        "发布《上海科创金融服务能力提升专项行动方案》",
        "启动“沪科专贷”“沪科专贴”科创专项再贷款再贴现工作",
        "研究制定推动股权投资行业高质量发展政策",
        "举办第14届陆家嘴论坛",
        "成立科创金融联盟",
    ]
    assert all(line[0].bold for line in bullets.lines)


def test_every_figure_has_one_definition_and_a_number(zh: Chapter) -> None:
    keys = [
        span.key
        for s in zh.sections
        for b in s.blocks
        for line in b.lines
        for span in line
        if span.key is not None
    ]
    refs = zh.figure_refs()
    assert set(keys) == set(refs)
    assert sorted(refs.values()) == list(range(1, len(refs) + 1))
    gii = next(d for d in zh.definitions if d.key == "gii_cluster_rank")
    assert "2023年全球创新指数报告" in gii.source and "二手来源" in gii.source


def test_front_matter_says_synthetic_and_flags_unconfirmed_sources(zh: Chapter) -> None:
    front = dict(zh.front)
    assert front["发布编号"] == "2023-test" and front["数据截止日"] == "2023-12-31"
    assert front["指标口径版本"] == "test-1" and front["软件版本"] == "kechuang 0.1.0"
    assert any("合成" in n for n in zh.notices)
    assert any("未核实" in n for n in zh.notices)
    real = FakeRelease()
    real.manifest = dataclasses.replace(real.manifest, synthetic=False, status="draft")
    real.tables["external_statistic"] = [
        r for r in real.tables["external_statistic"] if r["status"] != "unconfirmed"
    ]
    real.data.pop("resident_population")
    notices = build_chapter(real).notices
    assert not any("合成" in n for n in notices) and not any("未核实" in n for n in notices)
    assert any("草稿" in n for n in notices)


def test_english_chapter() -> None:
    text = _text(build_chapter(FakeRelease(), lang="en"))
    assert "7.1 The sci-tech finance service system keeps improving" in text
    assert "Sci-tech enterprises with loans: 29,900 enterprises, up 49.99% on the year" in text
    assert "CNY 1,048.631 billion" in text
    assert "the Shanghai–Suzhou cluster ranked 5th, up 1 on the previous year." in text
    assert "Set up the Sci-Tech Finance Alliance" in text


def test_gii_rank_from_a_definition_and_missing_tables() -> None:
    gii = IndicatorDefinition(
        key="gii_cluster_rank", label_zh="上海-苏州科技集群全球排名", label_en="GII cluster rank",
        unit="rank", unit_zh="位", unit_en="rank", formula_zh="WIPO GII", formula_en="WIPO GII",
        section="7.2", group="external", yoy=False, external=True,
    )  # fmt: skip
    release = FakeRelease(definitions=(*DEFINITIONS, gii), tables={})
    release.data["gii_cluster_rank"] = ("7", "5", None)
    ch = build_chapter(release)
    text = _text(ch)
    assert "位列全球科技集群第7位，较上年下降2位。" in text
    # no policy_item table: no programme bullets, the figures are still there
    assert "成立科创金融联盟" not in text
    assert "科技履约贷授信企业 368 家" in text
    assert ch.externals == []


def test_no_value_no_sentence() -> None:
    release = FakeRelease()
    for key in ("tech_sme_loan_borrowers", "pct_applications"):
        release.data.pop(key)
    text = _text(build_chapter(release))
    assert "科技型企业贷款存量户数 2.99 万户，比上年增长 49.99%\n" in text + "\n"
    assert "PCT" not in text
    release.data["sci_tech_loan_balance"] = ("1048631000000", "1100000000000", "-0.0467")
    assert "比上年下降 4.67%" in _text(build_chapter(release))


def test_value_with_yoy_false_prints_no_growth() -> None:
    release = FakeRelease()
    release.data["performance_loan_amount"] = ("1869000000", "1000000000", "0.869")
    text = _text(build_chapter(release))
    # the ratio is in the release, but the definition says the report shows no growth
    assert "科技履约贷授信企业 368 家，授信金额 18.69 亿元\n" in text + "\n"
