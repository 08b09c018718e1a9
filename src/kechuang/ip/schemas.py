"""Pydantic schemas of the IP registry queries: ``<Noun>Read`` views and query results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from kechuang.ip.enums import AwardKind, EventKind, MatchStatus, PatentType


class PatentRead(BaseModel):
    """A patent record as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    application_no: str
    patent_type: PatentType
    pct_national_phase: bool
    title: str | None
    filing_date: dt.date
    publication_date: dt.date | None
    grant_date: dt.date | None
    main_ipc: str | None
    ipc_classes: str | None
    inventors_count: int | None
    sei_code: str | None
    foreign_family_count: int
    foreign_family_offices: str | None
    pct_international_no: str | None


class OwnerRead(BaseModel):
    """An applicant or owner of a patent for a period (inclusive), with how it is linked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name: str
    uscc: str | None
    enterprise_id: int | None
    match_status: MatchStatus
    valid_from: dt.date
    valid_to: dt.date | None
    reviewed_by: str | None


class EventRead(BaseModel):
    """A legal-status event as stored."""

    model_config = ConfigDict(from_attributes=True)

    kind: EventKind
    event_date: dt.date
    detail: str | None
    new_owner_names: str | None
    new_owner_usccs: str | None


class PledgeRead(BaseModel):
    """A pledge securing the patent; ``active`` on the query date."""

    model_config = ConfigDict(from_attributes=True)

    registration_no: str
    pledgor_name: str | None
    pledgee_name: str | None
    amount: Decimal
    """元."""
    registration_date: dt.date
    release_date: dt.date | None
    active: bool = False


class AwardRead(BaseModel):
    """An award linked to the patent."""

    model_config = ConfigDict(from_attributes=True)

    kind: AwardKind
    edition: str
    awarded_on: dt.date
    recipient_name: str | None


class Classification(BaseModel):
    """The strategic-emerging-industry (SEI) classification of a patent and where it comes from.

    ``source`` is ``declared`` (the patent record's own ``sei_code``), ``concordance`` (the longest
    matching IPC prefix of the IPC → SEI concordance) or ``None`` (not classified).
    """

    sei_code: str | None
    source: str | None
    sei_name: str | None = None
    ipc: str | None = None
    """The IPC class that matched (normalised), for ``concordance``."""
    matched_prefix: str | None = None
    illustrative: bool = False
    """The matched concordance row belongs to the illustrative subset (not an official table)."""


class PortfolioCounts(BaseModel):
    """Patents an enterprise owns on a date (matched ownership only), by type and legal state.

    ``class_i`` = invention patents in force; ``class_ii`` = utility models and designs in force.
    """

    enterprise_id: int
    as_of: dt.date
    total: int
    in_force: int
    by_type: dict[str, int]
    in_force_by_type: dict[str, int]
    class_i: int
    class_ii: int


class OwnerReviewItem(BaseModel):
    """A proposed name match awaiting a person's decision."""

    owner_id: int
    application_no: str
    title: str | None
    position: int
    owner_name: str
    valid_from: dt.date
    valid_to: dt.date | None
    enterprise_id: int | None
    enterprise_uscc: str | None
    enterprise_name: str | None


__all__ = [
    "AwardRead",
    "Classification",
    "EventRead",
    "OwnerRead",
    "OwnerReviewItem",
    "PatentRead",
    "PledgeRead",
    "PortfolioCounts",
]


class IpYearSummary(BaseModel):
    """What the IP registry holds for one calendar year (counts of records, not official statistics).

    ``granted_by_type``: patents whose grant date falls in the year; ``valid_by_type``: patents in
    force on 31 December; ``pct_filings``: PCT applications filed in the year; centres, programmes
    and awards dated in the year, by kind; ``pending_owner_reviews``: proposed name matches.
    """

    year: int
    granted_by_type: dict[str, int]
    valid_by_type: dict[str, int]
    pct_filings: int
    centres_by_kind: dict[str, int]
    programmes_by_kind: dict[str, int]
    awards_by_kind: dict[str, int]
    pending_owner_reviews: int
