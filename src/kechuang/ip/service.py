"""IP registry queries and owner review. Keyword-only arguments; the caller owns the transaction.

Everything about "in force at a date" goes through :mod:`kechuang.ip.status`; this module only
feeds it the stored patent and its events.

Ownership
    An owner row covers ``valid_from`` … ``valid_to`` (both inclusive; ``valid_to`` empty = still
    the owner). It counts for an enterprise only when it is **matched**: linked by USCC (``uscc``)
    or by a name match a person confirmed (``confirmed``). Proposed, rejected and unmatched owners
    never count. After a transfer on day T the old owners end on T − 1 and the new ones start on T,
    so portfolio counts move from T on.

Portfolio counts
    ``class_i`` = invention patents in force on the date; ``class_ii`` = utility models and designs
    in force. Only patents the enterprise owns on that date count (see above).

SEI classification
    The record's own ``sei_code`` wins; otherwise the IPC → SEI concordance is consulted with the
    **longest matching prefix**: IPC codes are normalised (NFKC, upper-case, no spaces, no version
    suffix such as ``(2006.01)``), the main class is tried first and the other classes only when
    the main class matches nothing.

Pledges
    A pledge counts on a date when it was registered on or before it and not released by it
    (release date empty or later). A pledge securing several patents counts in full for each of
    them: the amount is the financing the patent helped to secure.

Owner review
    :func:`confirm_owner` turns a ``proposed`` (or earlier ``rejected``) name match into
    ``confirmed``; :func:`reject_owner` turns a ``proposed`` or ``confirmed`` one into ``rejected``
    and keeps the candidate enterprise on the row so the decision stays visible. Both write a
    :class:`~kechuang.storage.history.ChangeHistory` row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from kechuang.core.errors import Conflict, NotFound
from kechuang.core.i18n import Msg
from kechuang.core.ids import normalize_patent_no
from kechuang.ip import status as ip_status
from kechuang.ip.enums import EventKind, MatchStatus, PatentType
from kechuang.ip.models import (
    IpAward,
    IpcConcordance,
    Patent,
    PatentEvent,
    PatentOwner,
    Pledge,
    pledge_patent,
)
from kechuang.ip.schemas import Classification, IpYearSummary, OwnerReviewItem, PortfolioCounts
from kechuang.registry.models import Enterprise
from kechuang.storage.history import ChangeHistory, diff

MATCHED: tuple[MatchStatus, ...] = (MatchStatus.USCC, MatchStatus.CONFIRMED)
"""Match statuses that link an owner to an enterprise for counting."""

CLASS_II_TYPES = (PatentType.UTILITY_MODEL, PatentType.DESIGN)


# ---------------------------------------------------------------------------- patents and status


def get_by_application_no(*, session: Session, application_no: str) -> Patent:
    """The patent with this application number (any written form; ``CN``/``ZL`` prefixes allowed).

    Raises:
        InvalidIdentifier: the number is not a valid application number.
        NotFound: no such patent in the registry.
    """
    code = normalize_patent_no(application_no)
    patent = session.scalars(
        select(Patent)
        .where(Patent.application_no == code)
        .options(selectinload(Patent.owners), selectinload(Patent.events))
    ).one_or_none()
    if patent is None:
        raise NotFound(
            Msg(f"专利库中没有申请号为 {code} 的专利", f"no patent with application number {code}")
        )
    return patent


def status_events(patent: Patent) -> list[ip_status.StatusEvent]:
    """The patent's stored events as :class:`~kechuang.ip.status.StatusEvent` values."""
    return [ip_status.StatusEvent(EventKind(e.kind), e.event_date) for e in patent.events]


def status(*, patent: Patent, on: dt.date) -> ip_status.Status:
    """The legal state of ``patent`` on ``on`` (:func:`kechuang.ip.status.status_on`)."""
    return ip_status.status_on(
        patent_type=patent.patent_type,
        filing_date=patent.filing_date,
        grant_date=patent.grant_date,
        events=status_events(patent),
        on=on,
    )


def maintenance_years(*, patent: Patent, on: dt.date) -> int | None:
    """Whole years maintained on ``on`` (:func:`kechuang.ip.status.maintenance_years`)."""
    return ip_status.maintenance_years(
        patent_type=patent.patent_type,
        filing_date=patent.filing_date,
        grant_date=patent.grant_date,
        events=status_events(patent),
        on=on,
    )


def timeline(*, patent: Patent) -> list[ip_status.TimelineEntry]:
    """The patent's legal-status history including the derived expiry."""
    return ip_status.timeline(
        patent_type=patent.patent_type,
        filing_date=patent.filing_date,
        publication_date=patent.publication_date,
        grant_date=patent.grant_date,
        events=status_events(patent),
    )


def expiry_date(patent: Patent) -> dt.date:
    """The first day the patent is no longer in force by the end of its term."""
    return ip_status.expiry_date(patent.patent_type, patent.filing_date)


# ---------------------------------------------------------------------------- owners


def owner_covers(owner: PatentOwner, on: dt.date) -> bool:
    """True when ``owner``'s period (inclusive) covers ``on``."""
    return owner.valid_from <= on and (owner.valid_to is None or owner.valid_to >= on)


def is_matched(owner: PatentOwner) -> bool:
    """True when the owner counts for its enterprise (linked by USCC or confirmed)."""
    return owner.enterprise_id is not None and owner.match_status in MATCHED


def owners_on(*, patent: Patent, on: dt.date, matched_only: bool = False) -> list[PatentOwner]:
    """Owners of ``patent`` on ``on`` (periods inclusive), in position order.

    With ``matched_only`` only owners that count for an enterprise (``uscc`` / ``confirmed``).
    """
    return [
        o
        for o in sorted(patent.owners, key=lambda o: (o.position, o.valid_from))
        if owner_covers(o, on) and (not matched_only or is_matched(o))
    ]


def _owned_on(on: dt.date) -> list[ColumnElement[bool]]:
    return [
        PatentOwner.enterprise_id.is_not(None),
        PatentOwner.match_status.in_(MATCHED),
        PatentOwner.valid_from <= on,
        PatentOwner.valid_to.is_(None) | (PatentOwner.valid_to >= on),
    ]


def owned_patents(*, session: Session, enterprise_id: int, on: dt.date) -> list[Patent]:
    """Patents (any state) the enterprise owns on ``on``, with their events (two queries)."""
    ids = select(PatentOwner.patent_id).where(
        PatentOwner.enterprise_id == enterprise_id, *_owned_on(on)
    )
    return list(
        session.scalars(
            select(Patent)
            .where(Patent.id.in_(ids))
            .options(selectinload(Patent.events))
            .order_by(Patent.application_no)
        )
    )


def counts_of(*, enterprise_id: int, patents: Iterable[Patent], on: dt.date) -> PortfolioCounts:
    """Counts by type and in-force state of already loaded ``patents`` on ``on``."""
    by_type: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    for p in patents:
        by_type[p.patent_type.value] += 1
        if status(patent=p, on=on).in_force:
            valid[p.patent_type.value] += 1
    types = [t.value for t in PatentType]
    return PortfolioCounts(
        enterprise_id=enterprise_id,
        as_of=on,
        total=sum(by_type.values()),
        in_force=sum(valid.values()),
        by_type={t: by_type[t] for t in types},
        in_force_by_type={t: valid[t] for t in types},
        class_i=valid[PatentType.INVENTION.value],
        class_ii=sum(valid[t.value] for t in CLASS_II_TYPES),
    )


def portfolio_counts(*, session: Session, enterprise_id: int, on: dt.date) -> PortfolioCounts:
    """Patents the enterprise owns on ``on`` by type and in force, with class I / class II counts."""
    patents = owned_patents(session=session, enterprise_id=enterprise_id, on=on)
    return counts_of(enterprise_id=enterprise_id, patents=patents, on=on)


@dataclass(frozen=True, slots=True)
class IpClassCounts:
    """Patents in force that an enterprise owns on a date: class I (inventions), class II (others)."""

    class_i: int = 0
    class_ii: int = 0


def ip_class_counts(
    *, session: Session, on: dt.date, enterprise_id: int | None = None
) -> dict[int, IpClassCounts]:
    """Class I / class II counts on ``on`` for every enterprise that owns a granted patent.

    One query reads matched owners on the date with their granted patents and events; the legal
    state is then decided per patent with :func:`kechuang.ip.status.in_force`. Enterprises without
    any such patent are absent from the result. ``enterprise_id`` limits it to one enterprise.
    """
    stmt = (
        select(
            PatentOwner.enterprise_id,
            Patent.id,
            Patent.patent_type,
            Patent.filing_date,
            Patent.grant_date,
            PatentEvent.kind,
            PatentEvent.event_date,
        )
        .join(Patent, Patent.id == PatentOwner.patent_id)
        .outerjoin(PatentEvent, PatentEvent.patent_id == Patent.id)
        .where(*_owned_on(on), Patent.grant_date.is_not(None), Patent.grant_date <= on)
    )
    if enterprise_id is not None:
        stmt = stmt.where(PatentOwner.enterprise_id == enterprise_id)
    facts: dict[int, tuple[PatentType, dt.date, dt.date | None]] = {}
    events: dict[int, set[ip_status.StatusEvent]] = {}
    owners: dict[int, set[int]] = {}
    for ent_id, pid, ptype, filed, granted, kind, day in session.execute(stmt):
        if ent_id is None:  # excluded by the query; keeps the type checker informed
            continue
        facts[pid] = (ptype, filed, granted)
        owners.setdefault(pid, set()).add(ent_id)
        evs = events.setdefault(pid, set())
        if kind is not None:
            evs.add(ip_status.StatusEvent(EventKind(kind), day))
    class_i: Counter[int] = Counter()
    class_ii: Counter[int] = Counter()
    for pid, (ptype, filed, granted) in facts.items():
        if not ip_status.in_force(
            patent_type=ptype, filing_date=filed, grant_date=granted, events=events[pid], on=on
        ):
            continue
        target = class_i if ptype is PatentType.INVENTION else class_ii
        for ent_id in owners[pid]:
            target[ent_id] += 1
    return {
        ent_id: IpClassCounts(class_i[ent_id], class_ii[ent_id])
        for ent_id in sorted(set(class_i) | set(class_ii))
    }


# ---------------------------------------------------------------------------- classification


_VERSION_SUFFIX = re.compile(r"\([^)]*\)")
_SEPARATORS = re.compile(r"[;,]")
_PREFIX_MAX = 32
"""Longest stored concordance prefix (``IpcConcordance.ipc_prefix`` is ``VARCHAR(32)``)."""


def normalize_ipc(code: str) -> str:
    """``h01l 21/02 (2006.01)`` → ``H01L21/02``: NFKC, no version suffix, no spaces, upper-case."""
    text = unicodedata.normalize("NFKC", code)
    text = _VERSION_SUFFIX.sub("", text)
    return "".join(text.split()).upper()


def ipc_codes_of(patent: Patent) -> list[str]:
    """The patent's IPC classes, normalised: the main class first, then the others (no repeats)."""
    raw: list[str] = []
    if patent.main_ipc:
        raw.append(patent.main_ipc)
    if patent.ipc_classes:
        raw.extend(_SEPARATORS.split(unicodedata.normalize("NFKC", patent.ipc_classes)))
    codes = [normalize_ipc(c) for c in raw]
    return list(dict.fromkeys(c for c in codes if c))


def _concordance_match(
    session: Session, ipc_codes: Sequence[str]
) -> tuple[str, IpcConcordance] | None:
    codes = [c for c in (normalize_ipc(c) for c in ipc_codes) if c]
    if not codes:
        return None
    candidates = {c[:n] for c in codes for n in range(1, min(len(c), _PREFIX_MAX) + 1)}
    rows = {
        r.ipc_prefix: r
        for r in session.scalars(
            select(IpcConcordance).where(IpcConcordance.ipc_prefix.in_(candidates))
        )
    }
    for code in codes:  # main class first
        hits = [prefix for prefix in rows if code.startswith(prefix)]
        if hits:
            best = max(hits, key=len)
            return code, rows[best]
    return None


def sei_for_ipc(*, session: Session, ipc_codes: Sequence[str]) -> tuple[str, str] | None:
    """``(sei_code, matched_prefix)`` of the longest concordance prefix, or ``None``.

    ``ipc_codes`` are tried in order (main class first); a later code is only consulted when the
    earlier ones match nothing.
    """
    match = _concordance_match(session, ipc_codes)
    return None if match is None else (match[1].sei_code, match[1].ipc_prefix)


def classification(*, session: Session, patent: Patent) -> Classification:
    """The patent's SEI classification: its declared ``sei_code``, else the concordance."""
    declared = (patent.sei_code or "").strip()
    if declared:
        name = session.scalars(
            select(IpcConcordance.sei_name)
            .where(IpcConcordance.sei_code == declared, IpcConcordance.sei_name.is_not(None))
            .limit(1)
        ).first()
        return Classification(sei_code=declared, source="declared", sei_name=name)
    match = _concordance_match(session, ipc_codes_of(patent))
    if match is None:
        return Classification(sei_code=None, source=None)
    code, row = match
    return Classification(
        sei_code=row.sei_code,
        source="concordance",
        sei_name=row.sei_name,
        ipc=code,
        matched_prefix=row.ipc_prefix,
        illustrative=row.illustrative,
    )


# ---------------------------------------------------------------------------- pledges and awards


def pledge_active(pledge: Pledge, on: dt.date) -> bool:
    """True when ``pledge`` is registered on or before ``on`` and not released by ``on``."""
    return pledge.registration_date <= on and (
        pledge.release_date is None or pledge.release_date > on
    )


def pledges_of(*, session: Session, patent: Patent) -> list[Pledge]:
    """Every pledge securing ``patent``, by registration date."""
    return list(
        session.scalars(
            select(Pledge)
            .join(pledge_patent, pledge_patent.c.pledge_id == Pledge.id)
            .where(pledge_patent.c.patent_id == patent.id)
            .order_by(Pledge.registration_date, Pledge.registration_no)
        )
    )


def pledged_amount(*, session: Session, patent: Patent, on: dt.date) -> Decimal:
    """Sum (元) of the pledges securing ``patent`` that are active on ``on``."""
    return sum(
        (p.amount for p in pledges_of(session=session, patent=patent) if pledge_active(p, on)),
        Decimal("0.00"),
    )


def awards_of(*, session: Session, patent: Patent) -> list[IpAward]:
    """Awards linked to ``patent``, oldest first."""
    return list(
        session.scalars(
            select(IpAward)
            .where(IpAward.patent_id == patent.id)
            .order_by(IpAward.awarded_on, IpAward.id)
        )
    )


# ---------------------------------------------------------------------------- owner review


def owner_review_list(*, session: Session) -> list[OwnerReviewItem]:
    """Owners whose name match to an enterprise is proposed and awaits a person's decision."""
    stmt = (
        select(PatentOwner, Patent.application_no, Patent.title, Enterprise.uscc, Enterprise.name)
        .join(Patent, Patent.id == PatentOwner.patent_id)
        .outerjoin(Enterprise, Enterprise.id == PatentOwner.enterprise_id)
        .where(PatentOwner.match_status == MatchStatus.PROPOSED)
        .order_by(Patent.application_no, PatentOwner.position, PatentOwner.valid_from)
    )
    return [
        OwnerReviewItem(
            owner_id=o.id,
            application_no=app_no,
            title=title,
            position=o.position,
            owner_name=o.name,
            valid_from=o.valid_from,
            valid_to=o.valid_to,
            enterprise_id=o.enterprise_id,
            enterprise_uscc=uscc,
            enterprise_name=name,
        )
        for o, app_no, title, uscc, name in session.execute(stmt)
    ]


def get_owner(*, session: Session, owner_id: int) -> PatentOwner:
    """The owner row ``owner_id``; :class:`NotFound` if none."""
    owner = session.get(PatentOwner, owner_id)
    if owner is None:
        raise NotFound(
            Msg(f"没有编号为 {owner_id} 的专利权人记录", f"no patent owner with id {owner_id}")
        )
    return owner


def _owner_values(owner: PatentOwner) -> dict[str, Any]:
    return {
        "match_status": owner.match_status,
        "enterprise_id": owner.enterprise_id,
        "reviewed_by": owner.reviewed_by,
    }


def _decide(
    session: Session,
    owner_id: int,
    actor: str,
    *,
    allowed: tuple[MatchStatus, ...],
    new: MatchStatus,
) -> PatentOwner:
    owner = get_owner(session=session, owner_id=owner_id)
    if owner.match_status not in allowed:
        current = MatchStatus(owner.match_status).label
        raise Conflict(
            Msg(
                f"专利权人记录 {owner_id}（{owner.name}）当前为“{current.zh}”，不能改为“{new.label.zh}”",
                f"patent owner {owner_id} ({owner.name}) is '{current.en}'; it cannot become '{new.label.en}'",
            ),
            code="ip.owner_status",
        )
    if owner.enterprise_id is None:
        raise Conflict(
            Msg(
                f"专利权人记录 {owner_id}（{owner.name}）没有候选企业，无从确认或否决",
                f"patent owner {owner_id} ({owner.name}) has no candidate enterprise to confirm or reject",
            ),
            code="ip.owner_no_candidate",
        )
    before = _owner_values(owner)
    owner.match_status = new
    owner.reviewed_by = actor
    session.flush()  # the version counter makes a concurrent stale decision fail here
    app_no = session.scalar(select(Patent.application_no).where(Patent.id == owner.patent_id))
    session.add(
        ChangeHistory(
            table_name="patent_owner",
            record_id=owner.id,
            record_key=f"{app_no}/{owner.position}/{owner.valid_from.isoformat()}",
            action="update",
            changes=diff(before, _owner_values(owner)),
            actor=actor,
            source="service",
        )
    )
    session.flush()
    return owner


def confirm_owner(*, session: Session, owner_id: int, actor: str) -> PatentOwner:
    """Confirm a proposed (or previously rejected) name match; the owner then counts.

    Raises:
        NotFound: no such owner row.
        Conflict: ``ip.owner_status`` (not proposed/rejected) or ``ip.owner_no_candidate``.
    """
    return _decide(
        session,
        owner_id,
        actor,
        allowed=(MatchStatus.PROPOSED, MatchStatus.REJECTED),
        new=MatchStatus.CONFIRMED,
    )


def reject_owner(*, session: Session, owner_id: int, actor: str) -> PatentOwner:
    """Reject a proposed (or previously confirmed) name match; the owner no longer counts.

    Raises:
        NotFound: no such owner row.
        Conflict: ``ip.owner_status`` (not proposed/confirmed) or ``ip.owner_no_candidate``.
    """
    return _decide(
        session,
        owner_id,
        actor,
        allowed=(MatchStatus.PROPOSED, MatchStatus.CONFIRMED),
        new=MatchStatus.REJECTED,
    )


__all__ = [
    "CLASS_II_TYPES",
    "MATCHED",
    "IpClassCounts",
    "awards_of",
    "classification",
    "confirm_owner",
    "counts_of",
    "expiry_date",
    "get_by_application_no",
    "get_owner",
    "ip_class_counts",
    "ipc_codes_of",
    "is_matched",
    "maintenance_years",
    "normalize_ipc",
    "owned_patents",
    "owner_covers",
    "owner_review_list",
    "owners_on",
    "pledge_active",
    "pledged_amount",
    "pledges_of",
    "portfolio_counts",
    "reject_owner",
    "sei_for_ipc",
    "status",
    "status_events",
    "timeline",
]


def year_summary(*, session: Session, year: int) -> IpYearSummary:
    """Counts of the IP registry for ``year`` (grants, patents in force at year end, PCT, centres…)."""
    from sqlalchemy import func

    from kechuang.ip.models import IpAward, IpCentre, IpProgramme, PctFiling

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    granted: Counter[str] = Counter()
    valid: Counter[str] = Counter()
    patents = session.scalars(
        select(Patent)
        .where(Patent.grant_date.is_not(None), Patent.grant_date <= end)
        .options(selectinload(Patent.events))
    )
    for p in patents:
        if p.grant_date is not None and p.grant_date >= start:
            granted[p.patent_type.value] += 1
        if ip_status.in_force(
            patent_type=p.patent_type,
            filing_date=p.filing_date,
            grant_date=p.grant_date,
            events=status_events(p),
            on=end,
        ):
            valid[p.patent_type.value] += 1

    def by_kind(model: Any, date_col: Any) -> dict[str, int]:
        rows = session.execute(
            select(model.kind, func.count())
            .where(date_col >= start, date_col <= end)
            .group_by(model.kind)
        ).all()
        return {k.value: n for k, n in rows}

    pct = (
        session.scalar(
            select(func.count())
            .select_from(PctFiling)
            .where(PctFiling.filing_date >= start, PctFiling.filing_date <= end)
        )
        or 0
    )
    programmes = session.execute(
        select(IpProgramme.kind, func.count())
        .where(IpProgramme.year == year)
        .group_by(IpProgramme.kind)
    ).all()
    pending = (
        session.scalar(
            select(func.count())
            .select_from(PatentOwner)
            .where(PatentOwner.match_status == MatchStatus.PROPOSED)
        )
        or 0
    )
    return IpYearSummary(
        year=year,
        granted_by_type=dict(granted),
        valid_by_type=dict(valid),
        pct_filings=pct,
        centres_by_kind=by_kind(IpCentre, IpCentre.recognised_on),
        programmes_by_kind={k.value: n for k, n in programmes},
        awards_by_kind=by_kind(IpAward, IpAward.awarded_on),
        pending_owner_reviews=pending,
    )
