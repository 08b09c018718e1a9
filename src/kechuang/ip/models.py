"""ORM records of the IP registry.

Natural keys (what imports upsert on): ``Patent.application_no`` (canonical form of
:func:`kechuang.core.ids.normalize_patent_no`); ``PatentEvent`` (patent, kind, event_date);
``PctFiling.international_no``; ``Pledge.registration_no``; ``IpCentre.code``;
``IpProgramme.code``; ``IpAward`` (kind, edition, recipient_key); ``IpcConcordance.ipc_prefix``.
Money is exact (:func:`kechuang.storage.Money`), in 元.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kechuang.ip.enums import (
    AwardKind,
    CentreKind,
    EventKind,
    MatchStatus,
    PatentType,
    ProgrammeKind,
)
from kechuang.storage import Base, Money, TimestampMixin
from kechuang.storage.base import enum_type


class PctFiling(TimestampMixin, Base):
    """A PCT international application (e.g. ``PCT/CN2023/123456``)."""

    __tablename__ = "pct_filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    international_no: Mapped[str] = mapped_column(String(32), unique=True)
    """Canonical ``PCT/CCYYYY/NNNNNN``."""
    receiving_office: Mapped[str] = mapped_column(String(8))
    """Receiving office code, e.g. ``CN`` (国家知识产权局) or ``IB``."""
    filing_date: Mapped[dt.date] = mapped_column(Date, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    applicant_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id"), index=True
    )
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Patent(TimestampMixin, Base):
    """A Chinese patent application and, once granted, the patent.

    The type follows from the application number (type code 1/8 invention, 2/9 utility model,
    3 design); ``pct_national_phase`` is true for type codes 8 and 9. Expiry is derived from the
    filing date and the type (see :mod:`kechuang.ip.status`), never stored.
    """

    __tablename__ = "patent"
    __table_args__ = (
        CheckConstraint(
            "grant_date IS NULL OR grant_date >= filing_date", name="grant_after_filing"
        ),
        CheckConstraint(
            "publication_date IS NULL OR publication_date >= filing_date",
            name="publication_after_filing",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_no: Mapped[str] = mapped_column(String(20), unique=True)
    """专利申请号, canonical (e.g. ``201710601862.3``)."""
    patent_type: Mapped[PatentType] = mapped_column(enum_type(PatentType), index=True)
    pct_national_phase: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(Text)
    filing_date: Mapped[dt.date] = mapped_column(Date, index=True)
    """申请日."""
    publication_date: Mapped[dt.date | None] = mapped_column(Date)
    grant_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    """授权公告日."""
    main_ipc: Mapped[str | None] = mapped_column(String(32), index=True)
    ipc_classes: Mapped[str | None] = mapped_column(Text)
    """All IPC classes, ``;``-separated, main class first."""
    inventors_count: Mapped[int | None] = mapped_column(Integer)
    sei_code: Mapped[str | None] = mapped_column(String(16), index=True)
    """Strategic-emerging-industry code (战略性新兴产业分类) as declared in the source data."""
    foreign_family_count: Mapped[int] = mapped_column(Integer, default=0)
    foreign_family_offices: Mapped[str | None] = mapped_column(String(200))
    """Offices with family members, ``;``-separated (e.g. ``US;EP;JP``)."""
    pct_international_no: Mapped[str | None] = mapped_column(String(32), index=True)
    """The PCT application this national-phase entry comes from."""
    pct_filing_id: Mapped[int | None] = mapped_column(ForeignKey("pct_filing.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    """The import batch that created the record (history rows cover later changes)."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    owners: Mapped[list[PatentOwner]] = relationship(
        back_populates="patent", cascade="all, delete-orphan", order_by="PatentOwner.position"
    )
    events: Mapped[list[PatentEvent]] = relationship(
        back_populates="patent", cascade="all, delete-orphan", order_by="PatentEvent.event_date"
    )
    pct_filing: Mapped[PctFiling | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PatentOwner(TimestampMixin, Base):
    """An applicant or owner of a patent for a period (``valid_from`` … ``valid_to``, inclusive).

    Owners come with the patent (``valid_from`` = filing date) or with a transfer event (from its
    date; the previous owners end the day before). An owner named without a USCC is only linked to
    an enterprise after a person confirms the proposed name match.
    """

    __tablename__ = "patent_owner"
    __table_args__ = (UniqueConstraint("patent_id", "position", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patent.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    """1 for the first-named applicant or owner."""
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    match_status: Mapped[MatchStatus] = mapped_column(enum_type(MatchStatus))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    patent: Mapped[Patent] = relationship(back_populates="owners")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PatentEvent(TimestampMixin, Base):
    """A legal-status event after grant (lapse, restoration, invalidation, transfer, surrender)."""

    __tablename__ = "patent_event"
    __table_args__ = (UniqueConstraint("patent_id", "kind", "event_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patent.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    event_date: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[str | None] = mapped_column(Text)
    new_owner_names: Mapped[str | None] = mapped_column(Text)
    """For transfers: the new owners' names, ``;``-separated."""
    new_owner_usccs: Mapped[str | None] = mapped_column(Text)
    """For transfers: the new owners' USCCs, ``;``-separated (empty entries allowed)."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    patent: Mapped[Patent] = relationship(back_populates="events")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


pledge_patent = Table(
    "pledge_patent",
    Base.metadata,
    Column("pledge_id", ForeignKey("pledge.id", ondelete="CASCADE"), primary_key=True),
    Column("patent_id", ForeignKey("patent.id", ondelete="CASCADE"), primary_key=True),
)


class Pledge(TimestampMixin, Base):
    """A patent pledge (专利权质押登记) securing financing."""

    __tablename__ = "pledge"
    __table_args__ = (
        CheckConstraint(
            "release_date IS NULL OR release_date >= registration_date",
            name="release_after_registration",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(40), unique=True)
    pledgor_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id"), index=True
    )
    pledgor_name: Mapped[str | None] = mapped_column(String(200))
    pledgee_institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id"), index=True
    )
    pledgee_name: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money())
    """Secured financing amount, 元."""
    registration_date: Mapped[dt.date] = mapped_column(Date, index=True)
    release_date: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    patents: Mapped[list[Patent]] = relationship(secondary=pledge_patent)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IpAward(TimestampMixin, Base):
    """An IP award (China Patent Award, national S&T award, WIPO Global Award)."""

    __tablename__ = "ip_award"
    __table_args__ = (UniqueConstraint("kind", "edition", "recipient_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AwardKind] = mapped_column(enum_type(AwardKind), index=True)
    edition: Mapped[str] = mapped_column(String(40))
    """Session or year as named by the award, e.g. ``第24届`` or ``2023``."""
    awarded_on: Mapped[dt.date] = mapped_column(Date, index=True)
    recipient_key: Mapped[str] = mapped_column(String(60))
    """Natural key of the recipient: the patent's application number, else the USCC, else the name."""
    patent_id: Mapped[int | None] = mapped_column(ForeignKey("patent.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IpCentre(TimestampMixin, Base):
    """An IP operation / IP-finance / medical-system centre recognised by an authority."""

    __tablename__ = "ip_centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CentreKind] = mapped_column(enum_type(CentreKind), index=True)
    recognising_body: Mapped[str | None] = mapped_column(String(200))
    recognised_on: Mapped[dt.date] = mapped_column(Date, index=True)
    operator_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    operator_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    operator_name: Mapped[str | None] = mapped_column(String(200))
    district_code: Mapped[str | None] = mapped_column(String(6))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IpProgramme(TimestampMixin, Base):
    """A programme record: an SME IP operation project, a CIPO training cohort, …"""

    __tablename__ = "ip_programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[ProgrammeKind] = mapped_column(enum_type(ProgrammeKind), index=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer, index=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    organiser: Mapped[str | None] = mapped_column(String(200))
    participants: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class IpcConcordance(TimestampMixin, Base):
    """IPC prefix → strategic-emerging-industry code (longest matching prefix wins)."""

    __tablename__ = "ipc_concordance"

    id: Mapped[int] = mapped_column(primary_key=True)
    ipc_prefix: Mapped[str] = mapped_column(String(32), unique=True)
    """Normalised IPC prefix without spaces, e.g. ``H01L`` or ``H01L21/02``."""
    sei_code: Mapped[str] = mapped_column(String(16))
    sei_name: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    """True for the small illustrative subset shipped with kechuang (not an official table)."""
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
