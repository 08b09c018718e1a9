"""Legal status of a patent over time — the one definition of "in force at a date".

专利法 第四十二条 (2020 amendment, in force 2021-06-01): invention patents last 20 years, utility
models 10 years and designs 15 years from the filing date; designs filed before 2021-06-01 keep
the former 10-year term. The term ends on the anniversary of the filing date, so the patent is in
force up to the day before (:func:`expiry_date` is the first day it is no longer in force).

A patent is **in force on a date** when it was granted on or before that date and no lapse,
full invalidation, surrender or expiry took effect on or before it. A restoration (恢复权利)
revives a lapsed patent from the restoration date on. Full invalidation and surrender are final.
Partial invalidation and transfers do not change whether the patent is in force.

Everything else — valid invention patents, maintenance years, high-value classification,
qualification IP counts — uses :func:`in_force` / :func:`status_on`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kechuang.core.i18n import Msg
from kechuang.core.periods import add_years, completed_years
from kechuang.ip.enums import EventKind, PatentType

DESIGN_TERM_CHANGE = dt.date(2021, 6, 1)
"""专利法第四次修正施行日: designs filed on or after it get 15 years."""

_EVENT_ORDER = {
    EventKind.LAPSE: 0,
    EventKind.RESTORATION: 1,
    EventKind.INVALIDATION_PARTIAL: 2,
    EventKind.TRANSFER: 3,
    EventKind.INVALIDATION_FULL: 4,
    EventKind.ABANDONMENT: 5,
}


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A dated legal-status event."""

    kind: EventKind
    date: dt.date


def term_years(patent_type: PatentType, filing_date: dt.date) -> int:
    """Years of protection from the filing date (专利法 第四十二条)."""
    if patent_type is PatentType.INVENTION:
        return 20
    if patent_type is PatentType.UTILITY_MODEL:
        return 10
    return 15 if filing_date >= DESIGN_TERM_CHANGE else 10


def expiry_date(patent_type: PatentType, filing_date: dt.date) -> dt.date:
    """The first day the patent is no longer in force: the term's anniversary of the filing date."""
    return add_years(filing_date, term_years(patent_type, filing_date))


STATES: dict[str, Msg] = {
    "pending": Msg("审查中（未授权）", "pending (not granted)"),
    "in_force": Msg("有效", "in force"),
    "lapsed": Msg("未缴年费终止", "lapsed"),
    "invalidated": Msg("全部无效", "invalidated"),
    "surrendered": Msg("放弃", "surrendered"),
    "expired": Msg("期限届满", "expired"),
}


@dataclass(frozen=True, slots=True)
class Status:
    """The state of a patent on a date and since when it holds."""

    state: str
    since: dt.date | None

    @property
    def in_force(self) -> bool:
        """True when the state is ``in_force``."""
        return self.state == "in_force"

    @property
    def label(self) -> Msg:
        """Bilingual name of the state."""
        return STATES[self.state]


def _sorted(events: Iterable[StatusEvent]) -> list[StatusEvent]:
    return sorted(events, key=lambda e: (e.date, _EVENT_ORDER[e.kind]))


def status_on(
    *,
    patent_type: PatentType,
    filing_date: dt.date,
    grant_date: dt.date | None,
    events: Iterable[StatusEvent],
    on: dt.date,
) -> Status:
    """The legal state of a patent on ``on`` (see the module docstring for the rules)."""
    if grant_date is None or grant_date > on:
        return Status("pending", None)
    expiry = expiry_date(patent_type, filing_date)
    state, since = "in_force", grant_date
    for event in _sorted(events):
        if event.date > on or event.date >= expiry:
            break
        if state in ("invalidated", "surrendered"):
            break
        if event.kind is EventKind.LAPSE and state == "in_force":
            state, since = "lapsed", event.date
        elif event.kind is EventKind.RESTORATION and state == "lapsed":
            state, since = "in_force", event.date
        elif event.kind is EventKind.INVALIDATION_FULL:
            state, since = "invalidated", event.date
        elif event.kind is EventKind.ABANDONMENT:
            state, since = "surrendered", event.date
    if state in ("in_force", "lapsed") and expiry <= on:
        return Status("expired", expiry)
    return Status(state, since)


def in_force(
    *,
    patent_type: PatentType,
    filing_date: dt.date,
    grant_date: dt.date | None,
    events: Iterable[StatusEvent],
    on: dt.date,
) -> bool:
    """True when the patent is in force on ``on``."""
    return status_on(
        patent_type=patent_type,
        filing_date=filing_date,
        grant_date=grant_date,
        events=events,
        on=on,
    ).in_force


def maintenance_years(
    *,
    patent_type: PatentType,
    filing_date: dt.date,
    grant_date: dt.date | None,
    events: Iterable[StatusEvent],
    on: dt.date,
) -> int | None:
    """Whole years maintained (维持年限): completed years from the filing date to ``on``, while in force.

    ``None`` when the patent is not in force on ``on``. (CNIPA's statistical convention counts the
    maintenance period from the filing date.)
    """
    if not in_force(
        patent_type=patent_type,
        filing_date=filing_date,
        grant_date=grant_date,
        events=events,
        on=on,
    ):
        return None
    return completed_years(filing_date, on)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a patent's legal-status history."""

    date: dt.date
    what: Msg
    state_after: str
    derived: bool = False


def timeline(
    *,
    patent_type: PatentType,
    filing_date: dt.date,
    publication_date: dt.date | None,
    grant_date: dt.date | None,
    events: Sequence[StatusEvent],
) -> list[TimelineEntry]:
    """Filing, publication, grant, every event and the derived expiry, with the state after each."""
    from kechuang.ip.enums import EventKind as K

    def state(day: dt.date) -> str:
        return status_on(
            patent_type=patent_type,
            filing_date=filing_date,
            grant_date=grant_date,
            events=events,
            on=day,
        ).state

    out = [TimelineEntry(filing_date, Msg("申请", "filed"), "pending")]
    if publication_date:
        out.append(
            TimelineEntry(publication_date, Msg("公布/公告", "published"), state(publication_date))
        )
    if grant_date:
        out.append(TimelineEntry(grant_date, Msg("授权", "granted"), state(grant_date)))
    for event in _sorted(events):
        out.append(TimelineEntry(event.date, K(event.kind).label, state(event.date)))
    expiry = expiry_date(patent_type, filing_date)
    if grant_date and state(expiry) == "expired":
        out.append(
            TimelineEntry(
                expiry,
                Msg(
                    f"期限届满（{term_years(patent_type, filing_date)}年，推算）",
                    f"term expired ({term_years(patent_type, filing_date)} years, derived)",
                ),
                "expired",
                derived=True,
            )
        )
    out.sort(key=lambda e: e.date)
    return out
