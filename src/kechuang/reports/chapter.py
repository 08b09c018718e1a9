"""The annual chapter (seed §7.1 and §7.2) built from a release, independent of output format.

:func:`build_chapter` reads a :class:`~kechuang.indicators.model.ReleaseView` and returns a
:class:`Chapter`: front matter, sections of blocks (paragraphs, bullet lists, sub-headings,
charts) whose text is a sequence of :class:`Span` — plain text or a *figure* that carries the key
of the indicator it shows — and the appendix of definitions that every figure points to. The
md/html/pdf/xlsx writers only lay this out.

Where a figure goes is decided by the indicator definition, not by its key:

========================  ===========================================================
``group``                 place in the chapter
========================  ===========================================================
``finance_support``       7.1.1, bullets after the programme list
``credit``                7.1.2 "科技型企业贷款持续增长", one bullet per top-level indicator,
                          its segments (``segment_of``) after "其中"
``credit_products``       7.1.2 "科技金融信贷产品持续优化", one bullet per product
``insurance``             7.1.3, one paragraph per product
``ip_creation``           7.2.1, one paragraph
``ip_transformation``     7.2.2 "实施专利转化专项计划", bullets
``ip_capability``         7.2.3 "加强创新主体能力建设", bullets
``external``              not in the text (appendix), except the GII cluster rank in 7.2
========================  ===========================================================

Programme entries (``policy_item`` table of the release, filtered by year and ``section``) are
printed as the seed prints them — a bold title, then the one-line description — and the figures
of the indicators and products they link to follow in the same bullet, so a figure is printed
once. Sentences are templates in both languages; the numbers come from the release only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from kechuang.core.errors import NotFound
from kechuang.core.i18n import Lang, Msg
from kechuang.indicators.model import IndicatorDefinition, IndicatorValue, ReleaseView
from kechuang.reports.charts import Chart, grouped_bars, horizontal_bars
from kechuang.reports.formatting import SCALE_FACTOR, format_number, format_value, format_yoy

__all__ = [
    "GII_KEY",
    "POPULATION_KEY",
    "Block",
    "Chapter",
    "DefinitionEntry",
    "ExternalEntry",
    "Section",
    "Span",
    "build_chapter",
]

_PRODUCT_END = ("）", ")", "贷", "款", "险", "体")
"""A product designation in a Chinese label ends with one of these (…贷, …（含微贷通）, …保险)."""

GII_KEY = "gii_cluster_rank"
"""External statistic: rank of the Shanghai–Suzhou cluster in WIPO's GII science and technology
clusters (printed in the 7.2 lead paragraph)."""
POPULATION_KEY = "resident_population"
"""External statistic: year-end resident population (denominator of per-10k indicators)."""

Line = tuple["Span", ...]


@dataclass(frozen=True)
class Span:
    """A run of text; with ``key`` it is a figure of that indicator (linked to its definition).

    Attributes:
        text: the text as printed.
        key: indicator key when the text is a figure.
        ref: print the footnote number after this figure (the value, not its YoY).
        bold: print in bold (programme titles).
    """

    text: str
    key: str | None = None
    ref: bool = False
    bold: bool = False


@dataclass
class Block:
    """One block of a section: ``para`` (each line a paragraph), ``bullets`` (each line a
    bullet), ``subheading`` (one line) or ``chart``."""

    kind: Literal["para", "bullets", "subheading", "chart"]
    lines: list[Line] = field(default_factory=list)
    chart: Chart | None = None


@dataclass
class Section:
    """A numbered section (level 1: ``7.1 …``) or a » sub-section (level 2)."""

    number: str
    heading: str
    level: int
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class DefinitionEntry:
    """One entry of the definitions appendix; figures point to ``#def-<key>``."""

    number: int
    key: str
    label: str
    unit: str
    formula: str
    section: str
    source: str
    unconfirmed: bool


@dataclass(frozen=True)
class ExternalEntry:
    """An external statistic of the release, with its source and status."""

    key: str
    year: int
    label: str
    value: str
    source: str
    published_on: str
    status: str
    note: str


@dataclass
class Chapter:
    """The chapter in one language, ready for a writer."""

    lang: Lang
    title: str
    front: list[tuple[str, str]]
    notices: list[str]
    sections: list[Section]
    definitions: list[DefinitionEntry]
    externals: list[ExternalEntry]
    year: int

    @property
    def charts(self) -> list[Chart]:
        """Every chart, in order."""
        return [b.chart for s in self.sections for b in s.blocks if b.kind == "chart" and b.chart]

    def figure_refs(self) -> dict[str, int]:
        """Footnote number of each indicator key."""
        return {d.key: d.number for d in self.definitions}


# ---------------------------------------------------------------- texts

_T: dict[str, Msg] = {
    "title": Msg(
        "第七章 科技金融与知识产权（{year}年）", "Chapter 7 — Sci-tech finance and IP ({year})"
    ),
    "7.1": Msg("科技金融服务体系持续完善", "The sci-tech finance service system keeps improving"),
    "7.1.intro": Msg(
        "以金融支持科技创新中心建设，加快构建广渠道、多层次、全覆盖、可持续的科创金融服务体系为主线，"
        "突出金融供给侧精准发力，协同推进原始创新、技术创新和产业创新。",
        "Finance supports the building of the innovation centre: the main line is a sci-tech finance "
        "service system with broad channels, many levels, full coverage and sustainability, with "
        "precise supply-side effort that advances original, technological and industrial "
        "innovation together.",
    ),
    "7.1.1": Msg("金融支持科技创新持续深入", "Finance support for innovation deepens"),
    "7.1.1.intro": Msg(
        "加强国际科技创新中心与国际金融中心联动发展，以更大力度的金融支持，推动更高水平的创新突破，"
        "鼓励更多耐心资本、长期资本投早、投小、投硬科技，强化创新全链条金融服务。",
        "Linking the international innovation centre with the international financial centre: "
        "stronger finance support for higher-level breakthroughs, more patient and long-term "
        "capital invested early, small and in hard tech, and finance services along the whole "
        "innovation chain.",
    ),
    "7.1.2": Msg(
        "科技信贷融资服务体系进一步优化", "The sci-tech credit service system is further optimised"
    ),
    "7.1.2.intro": Msg(
        "发挥科技金融推进器功能，支持银行业金融机构优化科创信贷产品，不断提升银行业金融机构科技金融服务能力。",
        "Sci-tech finance as an accelerator: banks are supported in improving their sci-tech "
        "credit products and their sci-tech finance service capability.",
    ),
    "7.1.2.loans": Msg("科技型企业贷款持续增长", "Loans to sci-tech enterprises keep growing"),
    "7.1.2.products": Msg("科技金融信贷产品持续优化", "Sci-tech credit products keep improving"),
    "7.1.3": Msg("科技保险风险缓释作用有力发挥", "Sci-tech insurance mitigates risk effectively"),
    "7.1.3.intro": Msg(
        "引导保险机构按照市场化原则，为科技创新提供全流程保险服务。进一步丰富和完善知识产权保险、融资担保等工作。",
        "Insurers are guided, on market principles, to cover the whole innovation process; IP "
        "insurance and financing guarantees are further developed.",
    ),
    "7.2": Msg(
        "知识产权创造、运用、保护、管理水平全面提升",
        "IP creation, use, protection and management improve across the board",
    ),
    "7.2.intro": Msg(
        "以高标准建设知识产权强市为引领，全市知识产权创造质量、保护效果、运用效益、管理能力和服务水平不断提升。",
        "Led by building a strong IP city to high standards, the quality of IP creation, the "
        "effect of protection, the benefit of use, management capability and services keep "
        "improving.",
    ),
    "7.2.1": Msg("知识产权发展质效稳步提高", "IP quality and efficiency rise steadily"),
    "7.2.2": Msg("实施专利转化专项计划", "Patent transformation programme"),
    "7.2.3": Msg("加强创新主体能力建设", "Building the capability of innovators"),
    "gii": Msg(
        "在世界知识产权组织发布的《{year}年全球创新指数报告》“科技集群”中，上海-苏州集群位列全球科技集群第",
        " In the science and technology clusters of WIPO's Global Innovation Index {year}, the "
        "Shanghai–Suzhou cluster ranked ",
    ),
    "gii.up": Msg("位，较上年上升{n}位。", ", up {n} on the previous year."),
    "gii.down": Msg("位，较上年下降{n}位。", ", down {n} on the previous year."),
    "gii.same": Msg("位，与上年持平。", ", the same as the previous year."),
    "gii.none": Msg("位。", "."),
    "of_which": Msg("，其中", "; of which "),
    "sep": Msg("，", ", "),
    "semi": Msg("；", "; "),
    "end": Msg("。", "."),
    "city_year": Msg("{year}年，全市", "In {year}, Shanghai recorded: "),
    "year_end": Msg("截至年底，", "At the end of the year: "),
    "space": Msg("", " "),
    "yoy.up": Msg("，比上年增长 ", ", up "),
    "yoy.down": Msg("，比上年下降 ", ", down "),
    "yoy.same": Msg("，与上年持平", ", unchanged on the year"),
    "yoy.tail": Msg("", " on the year"),
    "chart.yoy": Msg(
        "{label}：{prev}年与{year}年（{unit}）", "{label}: {prev} and {year} ({unit})"
    ),
    "chart.loans": Msg("科技型企业贷款", "Loans to sci-tech enterprises"),
    "chart.products": Msg(
        "科技信贷产品授信金额（{unit}）", "Credit granted by sci-tech credit product ({unit})"
    ),
    "chart.patents": Msg("专利（按类型，{unit}）", "Patents by type ({unit})"),
    "front.release": Msg("发布编号", "Release"),
    "front.year": Msg("报告年度", "Report year"),
    "front.cutoff": Msg("数据截止日", "Data cut-off"),
    "front.definitions": Msg("指标口径版本", "Definitions version"),
    "front.software": Msg("软件版本", "Software version"),
    "front.engine": Msg("计算引擎", "Engine"),
    "front.status": Msg("发布状态", "Status"),
    "front.created": Msg("生成时间", "Created"),
    "front.revision": Msg("修订", "Revision"),
    "status.draft": Msg("草稿（未正式发布）", "draft (not published)"),
    "status.published": Msg("已发布", "published"),
    "synthetic": Msg(
        "本报告中的数据为合成（虚构）的演示数据，仅用于展示软件功能，不代表任何真实统计结果。",
        "The data in this report are SYNTHETIC (made up) demonstration data; they show how the "
        "software works and are not real statistics.",
    ),
    "unconfirmed": Msg(
        "标注“未核实”的外部数据来源尚未核实（参数待核实）。",
        "External figures marked 'unconfirmed' come from sources not yet verified.",
    ),
    "external.formula": Msg(
        "外部统计数据，按来源录入（非本系统计算）",
        "external statistic entered from its source (not computed)",
    ),
    "draft": Msg(
        "本版本为草稿，数字可能在正式发布前变化。",
        "This is a draft; figures may change before publication.",
    ),
}

_STATUS = {
    "confirmed": Msg("已核实", "confirmed"),
    "secondary": Msg("二手来源", "secondary source"),
    "unconfirmed": Msg("未核实", "unconfirmed"),
}


def _t(key: str, lang: Lang, **kw: object) -> str:
    msg = _T[key]
    return msg.format(**kw).text(lang) if kw else msg.text(lang)


# ---------------------------------------------------------------- release access


def _rows(release: ReleaseView, name: str) -> list[dict[str, Any]]:
    """Rows of a release table as dicts; no table (or an unreadable one) means no rows."""
    try:
        table = release.table(name)
    except (NotFound, LookupError, OSError, ValueError):
        return []
    return list(table.to_pylist())


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return [p.strip() for p in text.replace("；", ";").split(";") if p.strip()]
        return [str(p) for p in parsed] if isinstance(parsed, list) else [str(parsed)]
    return [str(p) for p in value]


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@dataclass(frozen=True)
class _Item:
    code: str
    title: str
    description: str
    section: str
    indicator_keys: tuple[str, ...]
    product_keys: tuple[str, ...]
    order: tuple[int, str]


def _product_names(lang: Lang) -> dict[str, str]:
    try:
        from kechuang.products.catalog import all_products

        return {p.key: (p.name_en if lang == "en" else p.name_zh) for p in all_products()}
    except Exception:  # pragma: no cover - a broken catalogue must not stop the report
        return {}


# ---------------------------------------------------------------- builder


class _Builder:
    def __init__(self, release: ReleaseView, lang: Lang) -> None:
        self.release = release
        self.lang = lang
        self.manifest = release.manifest
        self.year = self.manifest.year
        self.defs: dict[str, IndicatorDefinition] = {d.key: d for d in release.definitions}
        self.values: dict[str, IndicatorValue] = {
            v.key: v for v in release.values(self.year) if v.value is not None
        }
        self.products = _product_names(lang)
        self.used: list[str] = []
        """Keys in order of first appearance (footnote numbers)."""
        self.consumed: set[str] = set()
        self.externals = self._external_rows()
        self.items = self._items()

    # -- inputs

    def _external_rows(self) -> dict[tuple[str, int], dict[str, Any]]:
        out: dict[tuple[str, int], dict[str, Any]] = {}
        for row in _rows(self.release, "external_statistic"):
            try:
                out[(str(row["key"]), int(row["period_year"]))] = row
            except (KeyError, TypeError, ValueError):
                continue
        return out

    def _items(self) -> list[_Item]:
        items: list[_Item] = []
        for row in _rows(self.release, "policy_item"):
            if row.get("year") is not None and int(row["year"]) != self.year:
                continue
            en = self.lang == "en"
            title = (row.get("title_en") if en else None) or row.get("title_zh") or ""
            desc = (row.get("description_en") if en else row.get("description_zh")) or ""
            items.append(
                _Item(
                    code=str(row.get("code", "")),
                    title=str(title),
                    description=str(desc),
                    section=str(row.get("section") or ""),
                    indicator_keys=tuple(_as_list(row.get("indicator_keys"))),
                    product_keys=tuple(_as_list(row.get("product_keys"))),
                    order=(int(row.get("sort_order") or 0), str(row.get("code", ""))),
                )
            )
        return sorted(items, key=lambda i: i.order)

    def items_in(self, section: str) -> list[_Item]:
        return [i for i in self.items if i.section == section]

    def group(self, name: str) -> list[IndicatorDefinition]:
        """Definitions of a group that have a value, in catalogue order."""
        defs = [d for d in self.release.definitions if d.group == name and d.key in self.values]
        return sorted(defs, key=lambda d: d.order)

    # -- phrases

    def _use(self, key: str) -> None:
        if key not in self.used:
            self.used.append(key)
        self.consumed.add(key)

    def label(self, d: IndicatorDefinition) -> str:
        return d.label_en if self.lang == "en" else d.label_zh

    def figure(self, key: str) -> list[Span]:
        """The value (and YoY) of ``key`` as spans, without the label."""
        d, v = self.defs[key], self.values[key]
        assert v.value is not None
        self._use(key)
        spans = [Span(format_value(d, v.value, lang=self.lang), key=key, ref=True)]
        if d.yoy and v.yoy is not None:
            pct = format_yoy(v.yoy)
            if pct == "0.00%":
                spans.append(Span(_t("yoy.same", self.lang)))
            else:
                spans.append(Span(_t("yoy.up" if v.yoy > 0 else "yoy.down", self.lang)))
                spans.append(Span(pct, key=key))
                tail = _t("yoy.tail", self.lang)
                if tail:
                    spans.append(Span(tail))
        return spans

    def phrase(self, key: str, *, label: str | None = None) -> list[Span]:
        """``label value[，比上年增长 x%]`` for one indicator."""
        d = self.defs[key]
        text = self.label(d) if label is None else label
        unit = self._unit(d)
        if unit:  # "承保企业（家次） 55 家次" → "承保企业 55 家次"
            for suffix in (f"（{unit}）", f"({unit})", f" ({unit})"):
                text = text.removesuffix(suffix)
        joiner = ": " if self.lang == "en" and text else " "
        return [Span(text + joiner if text else ""), *self.figure(key)]

    def segments(self, parent: str, pool: Sequence[IndicatorDefinition]) -> list[str]:
        return [d.key for d in pool if d.segment_of == parent]

    def phrase_with_segments(self, key: str, pool: Sequence[IndicatorDefinition]) -> list[Span]:
        spans = self.phrase(key)
        children = self.segments(key, pool)
        for i, child in enumerate(children):
            spans.append(Span(_t("of_which" if i == 0 else "semi", self.lang)))
            spans.extend(self.phrase(child))
        return spans

    def product_prefix(self, keys: Sequence[str], product_key: str | None) -> list[str]:
        """Prefixes to strip from the labels of one product's figures after the first: the
        labels' common prefix cut after the product designation (``科技履约贷（含微贷通）``,
        ``Sci-tech performance loan (incl. micro loan):``), then the catalogue's product name."""
        labels = [self.label(self.defs[k]) for k in keys]
        common = _common_prefix(labels) if len(labels) > 1 else ""
        ends = (":",) if self.lang == "en" else _PRODUCT_END
        cut = max(common.rfind(c) + 1 for c in ends)
        prefixes = [common[:cut]] if cut >= 2 else []
        if self.lang == "en" and labels and ":" in labels[0]:
            # "High-tech enterprise loan: amount granted" after "High-tech enterprise loan: …"
            prefixes.append(labels[0][: labels[0].index(":") + 1])
        if len(common) >= 4 and all(
            len(label) > len(common) and label[len(common)] in " (（:：" for label in labels
        ):
            # "High-tech enterprise loan (SMEs): …" → "(SMEs): …" → "SMEs: …"
            prefixes.append(common)
        name = self.products.get(product_key or "", "")
        prefixes += [n for n in (name, re.sub(r"[（(][^）)]*[）)]", "", name).strip()) if n]
        return prefixes

    def product_phrases(
        self, keys: Sequence[str], product_key: str | None, *, strip_first: bool = False
    ) -> list[Span]:
        """Figures of one product: the first with its full label, the next ones with the product
        designation stripped (``科技履约贷（含微贷通）授信企业数 368 家，授信金额 18.69 亿元``);
        segments (``segment_of``) follow "其中" (``其中中小企业授信企业数 8890 家``)."""
        prefixes = self.product_prefix(keys, product_key)
        spans: list[Span] = []
        in_segments = False
        for i, key in enumerate(keys):
            d = self.defs[key]
            label = self.label(d)
            if i > 0:
                if d.segment_of is not None and d.segment_of in keys and not in_segments:
                    spans.append(Span(_t("of_which", self.lang)))
                    in_segments = True
                else:
                    spans.append(Span(_t("sep", self.lang)))
            if i > 0 or strip_first:
                for n in prefixes:
                    if label.startswith(n) and len(label) > len(n):
                        label = label[len(n) :].lstrip(" ：:-—")
                        break
                # "（中小企业）授信企业数" → "中小企业授信企业数"
                label = re.sub(r"^[（(]([^）)]*)[）)]\s*", r"\1", label)
            spans.extend(self.phrase(key, label=label))
        return spans

    def item_line(self, item: _Item, extra: Sequence[str]) -> Line:
        """``**title**，description，figures`` for a programme entry and the figures it links."""
        spans: list[Span] = [Span(item.title, bold=True)]
        if item.description:
            spans.append(Span(_t("sep", self.lang) + item.description))
        rest = list(extra)
        if rest:
            label = self.label(self.defs[rest[0]])
            if label and label in item.title and not item.description:
                # "认定市级知识产权金融创新中心" + "10 家": the title already names the figure.
                spans.append(Span(" "))
                spans.extend(self.figure(rest.pop(0)))
        by_product: dict[str | None, list[str]] = {}
        for key in rest:
            by_product.setdefault(self.defs[key].product_key, []).append(key)
        for pkey, keys in by_product.items():
            spans.append(Span(_t("sep", self.lang)))
            spans.extend(self.product_phrases(keys, pkey, strip_first=pkey is not None))
        return tuple(spans)

    def linked(self, item: _Item, pool: Sequence[IndicatorDefinition]) -> list[str]:
        """Keys of ``pool`` an entry links to (directly or through its products), not yet shown."""
        keys = [
            d.key
            for d in pool
            if (
                d.key in item.indicator_keys
                or (d.product_key and d.product_key in item.product_keys)
            )
            and d.key not in self.consumed
        ]
        keys += [
            k
            for k in item.indicator_keys
            if k in self.values and k not in keys and k not in self.consumed and k in self.defs
        ]
        return keys

    # -- sections

    def section_7_1(self) -> list[Section]:
        lang = self.lang
        s71 = Section("7.1", _t("7.1", lang), 1, [Block("para", [(Span(_t("7.1.intro", lang)),)])])

        # 7.1.1 finance support: programme list, then any finance-support figures
        s711 = Section("7.1.1", _t("7.1.1", lang), 2)
        s711.blocks.append(Block("para", [(Span(_t("7.1.1.intro", lang)),)]))
        pool = self.group("finance_support")
        bullets = [self.item_line(i, self.linked(i, pool)) for i in self.items_in("7.1.1")]
        bullets += [
            tuple(self.phrase_with_segments(d.key, pool))
            for d in pool
            if d.segment_of is None and d.key not in self.consumed
        ]
        if bullets:
            s711.blocks.append(Block("bullets", bullets))

        # 7.1.2 credit
        s712 = Section("7.1.2", _t("7.1.2", lang), 2)
        s712.blocks.append(Block("para", [(Span(_t("7.1.2.intro", lang)),)]))
        credit = self.group("credit")
        if credit:
            s712.blocks.append(Block("subheading", [(Span(_t("7.1.2.loans", lang)),)]))
            s712.blocks.append(
                Block(
                    "bullets",
                    [
                        tuple(self.phrase_with_segments(d.key, credit))
                        for d in credit
                        if d.segment_of is None or d.segment_of not in self.values
                    ],
                )
            )
            s712.blocks.extend(self.yoy_charts(credit, "loans", _t("chart.loans", lang)))
        products = self.group("credit_products")
        items = self.items_in("7.1.2")
        if products or items:
            s712.blocks.append(Block("subheading", [(Span(_t("7.1.2.products", lang)),)]))
            reserved = {k for i in items for k in self.linked(i, products)}
            lines: list[Line] = [
                tuple(self.product_phrases(keys, pkey))
                for pkey, keys in self.by_product(products, skip=reserved)
            ]
            lines += [self.item_line(i, self.linked(i, products)) for i in items]
            s712.blocks.append(Block("bullets", lines))
            chart = self.product_chart(products)
            if chart is not None:
                s712.blocks.append(Block("chart", chart=chart))

        # 7.1.3 insurance
        s713 = Section("7.1.3", _t("7.1.3", lang), 2)
        s713.blocks.append(Block("para", [(Span(_t("7.1.3.intro", lang)),)]))
        insurance = self.group("insurance")
        paras: list[Line] = [
            (*self.item_line(i, self.linked(i, insurance)), Span(_t("end", lang)))
            for i in self.items_in("7.1.3")
        ]
        for pkey, keys in self.by_product(insurance):
            paras.append((*self.product_phrases(keys, pkey), Span(_t("end", lang))))
        if paras:
            s713.blocks.append(Block("para", paras))
        return [s71, s711, s712, s713]

    def by_product(
        self, pool: Sequence[IndicatorDefinition], *, skip: set[str] | None = None
    ) -> list[tuple[str | None, list[str]]]:
        """Not-yet-shown keys of ``pool`` (minus ``skip``) grouped by product, catalogue order."""
        groups: dict[str | None, list[str]] = {}
        for d in pool:
            if d.key in self.consumed or (skip and d.key in skip):
                continue
            groups.setdefault(d.product_key, []).append(d.key)
        return list(groups.items())

    def gii_line(self) -> Line | None:
        this = self._external_value(GII_KEY, self.year)
        if this is None:
            return None
        prev = self._external_value(GII_KEY, self.year - 1)
        self._use(GII_KEY)
        rank = format(this.quantize(Decimal(1)), "f")
        if self.lang == "en":
            rank += _ordinal_suffix(int(rank))
        spans = [Span(_t("gii", self.lang, year=self.year)), Span(rank, key=GII_KEY, ref=True)]
        if prev is None:
            spans.append(Span(_t("gii.none", self.lang)))
        else:
            diff = int(prev - this)  # a smaller rank is better
            key = "gii.up" if diff > 0 else "gii.down" if diff < 0 else "gii.same"
            spans.append(Span(_t(key, self.lang, n=abs(diff))))
        return tuple(spans)

    def _external_value(self, key: str, year: int) -> Decimal | None:
        if key in self.defs:
            if year == self.year and key in self.values:
                return self.values[key].value
            if year == self.year - 1 and key in self.values:
                prev = self.values[key].previous
                if prev is not None:
                    return prev
        row = self.externals.get((key, year))
        return None if row is None else _dec(row.get("value"))

    def section_7_2(self) -> list[Section]:
        lang = self.lang
        intro: list[Span] = [Span(_t("7.2.intro", lang))]
        gii = self.gii_line()
        if gii is not None:
            intro.extend(gii)
        s72 = Section("7.2", _t("7.2", lang), 1, [Block("para", [tuple(intro)])])
        creation = self.group("ip_creation")
        s721 = Section("7.2.1", _t("7.2.1", lang), 2)
        top = [d for d in creation if d.segment_of is None or d.segment_of not in self.values]
        # The seed gives the year's flows first ("2023年，全市专利授权量…"), then the stocks
        # ("截至年底，有效发明专利拥有量…"); a stock is a 拥有量.
        flows = [d for d in top if not _is_stock(d)]
        stocks = [d for d in top if _is_stock(d)]
        spans: list[Span] = []
        for lead, defs in (("city_year", flows), ("year_end", stocks)):
            if not defs:
                continue
            if spans:
                spans.append(Span(_t("space", lang)))
            spans.append(Span(_t(lead, lang, year=self.year)))
            for i, d in enumerate(defs):
                if i:
                    spans.append(Span(_t("semi", lang)))
                spans.extend(self.phrase_with_segments(d.key, creation))
            spans.append(Span(_t("end", lang)))
        if spans:
            s721.blocks.append(Block("para", [tuple(spans)]))
            chart = self.patent_chart(creation)
            if chart is not None:
                s721.blocks.append(Block("chart", chart=chart))
        out = [s72, s721]
        for number, group in (("7.2.2", "ip_transformation"), ("7.2.3", "ip_capability")):
            pool = self.group(group)
            section = Section(number, _t(number, lang), 2)
            lines = [self.item_line(i, self.linked(i, pool)) for i in self.items_in(number)]
            lines += [
                tuple(self.phrase_with_segments(d.key, pool))
                for d in pool
                if d.key not in self.consumed and d.segment_of is None
            ]
            if lines:
                section.blocks.append(Block("bullets", lines))
            out.append(section)
        return out

    # -- charts

    def _scaled(self, d: IndicatorDefinition, value: Decimal) -> Decimal:
        return value / SCALE_FACTOR[d.scale]

    def _unit(self, d: IndicatorDefinition) -> str:
        return d.unit_en if self.lang == "en" else d.unit_zh

    def yoy_charts(self, pool: Sequence[IndicatorDefinition], stem: str, label: str) -> list[Block]:
        """Last year and this year, one chart per printed unit (户 and 亿元 do not share an axis)."""
        by_unit: dict[str, list[IndicatorDefinition]] = {}
        for d in pool:
            if self.values[d.key].previous is not None:
                by_unit.setdefault(self._unit(d), []).append(d)
        blocks: list[Block] = []
        for n, (unit, defs) in enumerate(by_unit.items()):
            prev = [self._scaled(d, self.values[d.key].previous or Decimal(0)) for d in defs]
            this = [self._scaled(d, self.values[d.key].value or Decimal(0)) for d in defs]
            chart = grouped_bars(
                f"chart-{stem}-{n + 1}",
                _t(
                    "chart.yoy",
                    self.lang,
                    label=label,
                    prev=self.year - 1,
                    year=self.year,
                    unit=unit,
                ),
                [self.label(d) for d in defs],
                [(str(self.year - 1), prev), (str(self.year), this)],
                value_labels=[
                    [
                        _short(v, d.decimals, money=d.unit == "yuan")
                        for v, d in zip(prev, defs, strict=True)
                    ],
                    [
                        _short(v, d.decimals, money=d.unit == "yuan")
                        for v, d in zip(this, defs, strict=True)
                    ],
                ],
            )
            blocks.append(Block("chart", chart=chart))
        return blocks

    def product_chart(self, pool: Sequence[IndicatorDefinition]) -> Chart | None:
        money = [d for d in pool if d.unit == "yuan" and d.segment_of is None]
        if len(money) < 2:
            return None
        scale = money[0].scale
        money = [d for d in money if d.scale == scale]
        unit = self._unit(money[0])
        names = [self.products.get(d.product_key or "", "") or self.label(d) for d in money]
        values = [self._scaled(d, self.values[d.key].value or Decimal(0)) for d in money]
        return horizontal_bars(
            "chart-credit-products",
            _t("chart.products", self.lang, unit=unit),
            names,
            values,
            value_labels=[
                _short(v, d.decimals, money=True) for v, d in zip(values, money, strict=True)
            ],
        )

    def patent_chart(self, pool: Sequence[IndicatorDefinition]) -> Chart | None:
        # flows of the year only: stocks (拥有量) do not share a bar chart with grants
        patents = [d for d in pool if d.unit == "patent" and "拥有" not in d.label_zh]
        if len(patents) < 2:
            return None
        # One axis: show every patent count in the unit of the largest one.
        big = max(patents, key=lambda d: SCALE_FACTOR[d.scale])
        factor = SCALE_FACTOR[big.scale]
        values = [(self.values[d.key].value or Decimal(0)) / factor for d in patents]
        return horizontal_bars(
            "chart-patents",
            _t("chart.patents", self.lang, unit=self._unit(big)),
            [self.label(d) for d in patents],
            values,
            value_labels=[_short(v, 2) for v in values],
        )

    # -- appendix and front matter

    def definitions(self) -> list[DefinitionEntry]:
        out: list[DefinitionEntry] = []
        en = self.lang == "en"
        for n, key in enumerate(self.used, start=1):
            d = self.defs.get(key)
            v = self.values.get(key)
            row = self.externals.get((key, self.year))
            if d is not None:
                source = (v.source if v else None) or ""
                status = (v.source_status if v else None) or ""
                label, unit = self.label(d), self._unit(d)
                formula = d.formula_en if en else d.formula_zh
                section = d.section
            else:
                row = row or {}
                label = str((row.get("label_en") if en else None) or row.get("label_zh") or key)
                unit = str(row.get("unit") or "")
                source = str(row.get("source_title") or "")
                status = str(row.get("status") or "")
                formula = _t("external.formula", self.lang)
                section = "7.2"
            if status:
                source = f"{source} ({_STATUS.get(status, Msg(status, status)).text(self.lang)})"
            out.append(
                DefinitionEntry(
                    number=n,
                    key=key,
                    label=label,
                    unit=unit,
                    formula=formula,
                    section=section,
                    source=source.strip(),
                    unconfirmed=status == "unconfirmed",
                )
            )
        return out

    def external_entries(self) -> list[ExternalEntry]:
        out: list[ExternalEntry] = []
        en = self.lang == "en"
        for (key, year), row in sorted(self.externals.items()):
            value = _dec(row.get("value"))
            status = str(row.get("status") or "")
            published = row.get("published_on")
            out.append(
                ExternalEntry(
                    key=key,
                    year=year,
                    label=str((row.get("label_en") if en else None) or row.get("label_zh") or key),
                    value="" if value is None else _plain(value),
                    source=str(row.get("source_title") or ""),
                    published_on="" if published is None else str(published),
                    status=_STATUS.get(status, Msg(status, status)).text(self.lang),
                    note=str(row.get("note") or ""),
                )
            )
        return out

    def front(self) -> tuple[list[tuple[str, str]], list[str]]:
        m, lang = self.manifest, self.lang
        status = _T.get(f"status.{m.status}")
        front = [
            (_t("front.release", lang), m.release_id),
            (_t("front.year", lang), str(m.year)),
            (_t("front.cutoff", lang), m.cutoff.isoformat()),
            (_t("front.definitions", lang), m.definitions_version),
            (_t("front.software", lang), f"kechuang {m.software_version}"),
            (_t("front.engine", lang), m.engine),
            (_t("front.status", lang), status.text(lang) if status else m.status),
            (_t("front.created", lang), m.created_at.isoformat(timespec="seconds")),
        ]
        if m.revision_of:
            note = f"{m.revision_of}: {m.revision_note}" if m.revision_note else m.revision_of
            front.append((_t("front.revision", lang), note))
        notices: list[str] = []
        if m.synthetic:
            notices.append(_t("synthetic", lang))
        if m.status != "published":
            notices.append(_t("draft", lang))
        return front, notices


def _is_stock(d: IndicatorDefinition) -> bool:
    """Whether an IP figure is a year-end stock (拥有量) rather than a flow of the year."""
    return "拥有" in d.label_zh


def _common_prefix(texts: Sequence[str]) -> str:
    first, last = min(texts), max(texts)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _short(value: Decimal, decimals: int, *, money: bool = False) -> str:
    """A bar label: like the text, money without trailing zeros (``45``), counts fixed."""
    return format_number(value, decimals=max(decimals, 0), strip_zeros=money)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def build_chapter(release: ReleaseView, *, lang: Lang = "zh") -> Chapter:
    """The chapter of ``release`` in ``lang`` (``zh`` or ``en``)."""
    b = _Builder(release, lang)
    sections = b.section_7_1() + b.section_7_2()
    front, notices = b.front()
    definitions = b.definitions()
    externals = b.external_entries()
    if any(e.unconfirmed for e in definitions) or any(
        e.status == _STATUS["unconfirmed"].text(lang) for e in externals
    ):
        notices.append(_t("unconfirmed", lang))
    return Chapter(
        lang=lang,
        title=_t("title", lang, year=b.year),
        front=front,
        notices=notices,
        sections=sections,
        definitions=definitions,
        externals=externals,
        year=b.year,
    )


def plain_text(line: Iterable[Span]) -> str:
    """A line's text without markup (for tests and logs)."""
    return "".join(s.text for s in line)
