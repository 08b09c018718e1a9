"""The data contract between indicators/releases and their readers (reports, web, API).

Fields may be added; existing fields are not renamed or removed without changing every reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    import pyarrow as pa

Scale = Literal["one", "wan", "yi", "wan_yi", "wan_yuan"]
"""How the report prints a value: as is, in 万 (10⁴), 亿 (10⁸), 万亿 (10¹²), or 万元 (yuan ÷ 10⁴)."""


@dataclass(frozen=True)
class IndicatorDefinition:
    """One published figure: what it is, how it is computed and how the report prints it."""

    key: str
    label_zh: str
    label_en: str
    unit: str
    """Base unit of ``value``: ``yuan``, ``enterprise`` (户/家), ``patent`` (件), ``project`` (个),
    ``policy`` (家次), ``person`` (位), ``district`` (个区), ``incubator`` (家), ``centre`` (家),
    ``rank``, ``per_10k`` (件/万人), ``persons`` (人口, 人)."""
    unit_zh: str
    """Unit as printed after scaling, e.g. ``万户``, ``亿元``, ``件``, ``位``."""
    unit_en: str
    formula_zh: str
    formula_en: str
    section: str
    """Seed/report section, e.g. ``7.1.2`` (credit); see reports for the outline."""
    group: str
    """Report group: ``finance_support``, ``credit``, ``credit_products``, ``insurance``,
    ``ip_creation``, ``ip_transformation``, ``ip_capability``, ``external``."""
    scale: Scale = "one"
    decimals: int = 0
    yoy: bool = True
    """Whether the report shows year-over-year (``(this − last) ÷ last``)."""
    external: bool = False
    """Entered with a source (``external_statistic``), not computed."""
    segment_of: str | None = None
    """Key of the indicator this one is a subset of (e.g. SME borrowers of all borrowers)."""
    product_key: str | None = None
    order: int = 0
    definitions_version: str = ""


@dataclass(frozen=True)
class IndicatorValue:
    """An indicator's value for one year of a release."""

    key: str
    year: int
    value: Decimal | None
    """Exact value in the base unit; ``None`` when the release has no data for it."""
    previous: Decimal | None = None
    """Value for ``year - 1`` in the same release."""
    yoy: Decimal | None = None
    """``(value − previous) ÷ previous`` as a ratio (0.4999 = 49.99%), exact to 10⁻¹⁰, or ``None``."""
    source: str | None = None
    """For external indicators: source title (and status), e.g. ``"WIPO GII 2023 (confirmed)"``."""
    source_status: str | None = None


@dataclass(frozen=True)
class ReleaseManifest:
    """What a release froze and how (``manifest.json`` of a release directory)."""

    release_id: str
    year: int
    cutoff: dt.date
    created_at: dt.datetime
    definitions_version: str
    engine: str
    software_version: str
    status: str = "draft"
    """``draft`` or ``published`` (published releases are immutable)."""
    revision_of: str | None = None
    revision_note: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    """sha256 of every file in the release, by relative path."""
    synthetic: bool = False
    """True when the data are synthetic (the demo); reports say so in the front matter."""
    options: dict[str, Any] = field(default_factory=dict)
    """Definition options the figures were computed under (:class:`kechuang.indicators.options.Options`)."""
    published_at: dt.datetime | None = None
    published_by: str | None = None
    """Who asked for publication (the maker)."""
    approved_by: str | None = None
    """Who approved publication (the checker; a different person)."""


class ReleaseView(Protocol):
    """What readers (reports, web, API) need of a release; ``kechuang.indicators.releases``
    returns objects of this shape (``open_release(release_id) -> Release``)."""

    @property
    def manifest(self) -> ReleaseManifest: ...

    @property
    def path(self) -> Path: ...

    @property
    def definitions(self) -> Sequence[IndicatorDefinition]: ...

    def values(self, year: int | None = None) -> list[IndicatorValue]:
        """Every indicator's value for ``year`` (default: the release year), catalogue order."""
        ...

    def table(self, name: str) -> pa.Table:
        """A snapshot table of the release by table name (``policy_item``, ``external_statistic``,
        ``enterprise`` …) as Arrow."""
        ...
