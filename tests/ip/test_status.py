"""Legal status of a patent over time (:mod:`kechuang.ip.status`), without a database.

Each test reads as a small story: a patent is filed, granted, and events happen to it; we ask
whether it is in force on particular days. The last part checks general properties on random
event sequences with Hypothesis.
"""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.ip.enums import EventKind as K
from kechuang.ip.enums import PatentType
from kechuang.ip.status import (
    StatusEvent,
    expiry_date,
    in_force,
    maintenance_years,
    status_on,
    term_years,
    timeline,
)

D = dt.date
INV, UM, DES = PatentType.INVENTION, PatentType.UTILITY_MODEL, PatentType.DESIGN


def ev(kind: K, day: dt.date) -> StatusEvent:
    return StatusEvent(kind, day)


def state(
    on: dt.date,
    *events: StatusEvent,
    ptype: PatentType = INV,
    filed: dt.date = D(2010, 3, 15),
    granted: dt.date | None = D(2013, 6, 5),
) -> str:
    return status_on(
        patent_type=ptype, filing_date=filed, grant_date=granted, events=events, on=on
    ).state


def valid(
    on: dt.date,
    *events: StatusEvent,
    ptype: PatentType = INV,
    filed: dt.date = D(2010, 3, 15),
    granted: dt.date | None = D(2013, 6, 5),
) -> bool:
    return in_force(patent_type=ptype, filing_date=filed, grant_date=granted, events=events, on=on)


def day_before(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=1)


# ---------------------------------------------------------------------------- grant and pending


def test_not_granted_is_pending_and_never_in_force() -> None:
    assert state(D(2015, 1, 1), granted=None) == "pending"
    assert not valid(D(2015, 1, 1), granted=None)


def test_grant_on_the_date_counts() -> None:
    grant = D(2013, 6, 5)
    assert state(day_before(grant)) == "pending"
    assert state(grant) == "in_force"
    assert (
        status_on(
            patent_type=INV, filing_date=D(2010, 3, 15), grant_date=grant, events=(), on=grant
        ).since
        == grant
    )


# ---------------------------------------------------------------------------- events


def test_restoration_revives_from_its_date_and_not_between() -> None:
    lapse, restore = D(2016, 3, 15), D(2016, 11, 2)
    events = (ev(K.LAPSE, lapse), ev(K.RESTORATION, restore))
    assert valid(day_before(lapse), *events)
    assert state(lapse, *events) == "lapsed"
    assert not valid(D(2016, 7, 1), *events)
    assert not valid(day_before(restore), *events)
    assert valid(restore, *events)
    assert (
        status_on(
            patent_type=INV,
            filing_date=D(2010, 3, 15),
            grant_date=D(2013, 6, 5),
            events=events,
            on=D(2020, 1, 1),
        ).since
        == restore
    )


def test_lapse_restoration_lapse() -> None:
    events = (
        ev(K.LAPSE, D(2016, 3, 15)),
        ev(K.RESTORATION, D(2016, 11, 2)),
        ev(K.LAPSE, D(2019, 3, 15)),
    )
    assert [
        valid(d, *events)
        for d in (D(2016, 1, 1), D(2016, 6, 1), D(2017, 1, 1), D(2019, 3, 15), D(2022, 1, 1))
    ] == [
        True,
        False,
        True,
        False,
        False,
    ]
    assert state(D(2022, 1, 1), *events) == "lapsed"


def test_partial_invalidation_and_transfer_keep_it_in_force() -> None:
    events = (ev(K.INVALIDATION_PARTIAL, D(2015, 2, 1)), ev(K.TRANSFER, D(2016, 5, 1)))
    assert valid(D(2015, 2, 1), *events)
    assert valid(D(2016, 5, 1), *events)
    assert state(D(2020, 1, 1), *events) == "in_force"


def test_full_invalidation_is_final() -> None:
    events = (ev(K.INVALIDATION_FULL, D(2015, 2, 1)), ev(K.RESTORATION, D(2015, 9, 1)))
    assert valid(day_before(D(2015, 2, 1)), *events)
    assert state(D(2015, 2, 1), *events) == "invalidated"
    assert not valid(D(2015, 9, 1), *events)
    assert state(D(2040, 1, 1), *events) == "invalidated"  # not "expired": it never ran out


def test_surrender_is_final() -> None:
    events = (ev(K.ABANDONMENT, D(2018, 1, 10)), ev(K.RESTORATION, D(2018, 6, 1)))
    assert valid(D(2018, 1, 9), *events)
    assert state(D(2018, 1, 10), *events) == "surrendered"
    assert not valid(D(2019, 1, 1), *events)


def test_events_after_expiry_change_nothing() -> None:
    filed = D(2003, 5, 1)
    late = (ev(K.INVALIDATION_FULL, D(2024, 1, 1)),)
    assert state(D(2025, 1, 1), *late, filed=filed, granted=D(2006, 1, 1)) == "expired"


def test_restoration_without_lapse_changes_nothing() -> None:
    assert state(D(2016, 1, 1), ev(K.RESTORATION, D(2015, 1, 1))) == "in_force"


# ---------------------------------------------------------------------------- expiry


def test_invention_expires_on_the_twentieth_anniversary() -> None:
    filed = D(2003, 5, 1)
    assert expiry_date(INV, filed) == D(2023, 5, 1)
    assert valid(D(2023, 4, 30), filed=filed, granted=D(2006, 1, 1))
    assert not valid(D(2023, 5, 1), filed=filed, granted=D(2006, 1, 1))
    s = status_on(
        patent_type=INV, filing_date=filed, grant_date=D(2006, 1, 1), events=(), on=D(2024, 1, 1)
    )
    assert (s.state, s.since) == ("expired", D(2023, 5, 1))


def test_lapsed_patent_reaching_its_term_is_expired() -> None:
    filed = D(2003, 5, 1)
    events = (ev(K.LAPSE, D(2010, 5, 1)),)
    assert state(D(2015, 1, 1), *events, filed=filed, granted=D(2006, 1, 1)) == "lapsed"
    assert state(D(2023, 5, 1), *events, filed=filed, granted=D(2006, 1, 1)) == "expired"


def test_utility_model_lasts_ten_years() -> None:
    filed = D(2014, 8, 20)
    assert term_years(UM, filed) == 10
    assert valid(D(2024, 8, 19), ptype=UM, filed=filed, granted=D(2015, 2, 1))
    assert not valid(D(2024, 8, 20), ptype=UM, filed=filed, granted=D(2015, 2, 1))


def test_design_term_depends_on_filing_before_or_after_2021_06_01() -> None:
    old, new = D(2021, 5, 31), D(2021, 6, 1)
    assert (term_years(DES, old), term_years(DES, new)) == (10, 15)
    assert expiry_date(DES, old) == D(2031, 5, 31)
    assert expiry_date(DES, new) == D(2036, 6, 1)
    on = D(2032, 1, 1)
    assert not valid(on, ptype=DES, filed=old, granted=D(2021, 9, 1))
    assert valid(on, ptype=DES, filed=new, granted=D(2021, 9, 1))


def test_february_29_filing() -> None:
    # Leap year 20 years on: the anniversary exists.
    assert expiry_date(INV, D(2004, 2, 29)) == D(2024, 2, 29)
    assert valid(D(2024, 2, 28), filed=D(2004, 2, 29), granted=D(2008, 1, 1))
    assert not valid(D(2024, 2, 29), filed=D(2004, 2, 29), granted=D(2008, 1, 1))
    # Ten years on is not a leap year: the term ends on 28 February.
    assert expiry_date(UM, D(2012, 2, 29)) == D(2022, 2, 28)
    assert valid(D(2022, 2, 27), ptype=UM, filed=D(2012, 2, 29), granted=D(2012, 9, 1))
    assert not valid(D(2022, 2, 28), ptype=UM, filed=D(2012, 2, 29), granted=D(2012, 9, 1))


# ---------------------------------------------------------------------------- maintenance years


def _maint(on: dt.date, *events: StatusEvent) -> int | None:
    return maintenance_years(
        patent_type=INV, filing_date=D(2010, 3, 15), grant_date=D(2013, 6, 5), events=events, on=on
    )


def test_maintenance_years_are_completed_years_from_filing() -> None:
    assert _maint(D(2013, 6, 5)) == 3
    assert _maint(D(2021, 3, 14)) == 10
    assert _maint(D(2021, 3, 15)) == 11


def test_maintenance_years_unknown_when_not_in_force() -> None:
    assert _maint(D(2012, 1, 1)) is None  # pending
    assert _maint(D(2021, 6, 1), ev(K.LAPSE, D(2021, 1, 1))) is None
    assert _maint(D(2031, 1, 1)) is None  # expired


# ---------------------------------------------------------------------------- timeline


def test_timeline_lists_every_step_with_the_state_after_it() -> None:
    events = [
        ev(K.TRANSFER, D(2014, 1, 10)),
        ev(K.LAPSE, D(2016, 3, 15)),
        ev(K.RESTORATION, D(2016, 11, 2)),
        ev(K.INVALIDATION_PARTIAL, D(2018, 4, 1)),
        ev(K.ABANDONMENT, D(2029, 1, 1)),
    ]
    lines = timeline(
        patent_type=INV,
        filing_date=D(2010, 3, 15),
        publication_date=D(2011, 9, 16),
        grant_date=D(2013, 6, 5),
        events=events,
    )
    assert [(e.date, e.state_after) for e in lines] == [
        (D(2010, 3, 15), "pending"),
        (D(2011, 9, 16), "pending"),
        (D(2013, 6, 5), "in_force"),
        (D(2014, 1, 10), "in_force"),
        (D(2016, 3, 15), "lapsed"),
        (D(2016, 11, 2), "in_force"),
        (D(2018, 4, 1), "in_force"),
        (D(2029, 1, 1), "surrendered"),
    ]
    assert lines[4].what == K.LAPSE.label
    assert not any(e.derived for e in lines)  # surrendered before the term ran out


def test_timeline_ends_with_the_derived_expiry() -> None:
    lines = timeline(
        patent_type=UM,
        filing_date=D(2012, 2, 29),
        publication_date=None,
        grant_date=D(2012, 9, 1),
        events=[ev(K.INVALIDATION_PARTIAL, D(2015, 1, 1))],
    )
    last = lines[-1]
    assert (last.date, last.state_after, last.derived) == (D(2022, 2, 28), "expired", True)
    assert "10" in last.what.en and "derived" in last.what.en


def test_timeline_of_a_pending_application_has_no_expiry() -> None:
    lines = timeline(
        patent_type=INV,
        filing_date=D(2020, 1, 1),
        publication_date=D(2021, 7, 1),
        grant_date=None,
        events=[],
    )
    assert [e.state_after for e in lines] == ["pending", "pending"]


# ---------------------------------------------------------------------------- properties

KINDS = list(K)


@st.composite
def patents(draw: st.DrawFn) -> dict:
    ptype = draw(st.sampled_from(list(PatentType)))
    filed = draw(st.dates(D(1995, 1, 1), D(2030, 12, 31)))
    granted = draw(st.none() | st.integers(0, 6 * 365).map(lambda n: filed + dt.timedelta(days=n)))
    events = draw(
        st.lists(
            st.builds(
                StatusEvent,
                st.sampled_from(KINDS),
                st.integers(0, 26 * 365).map(lambda n: filed + dt.timedelta(days=n)),
            ),
            max_size=8,
            unique_by=lambda e: (e.kind, e.date),
        )
    )
    days = draw(
        st.lists(
            st.integers(-30, 26 * 365).map(lambda n: filed + dt.timedelta(days=n)),
            min_size=1,
            max_size=12,
        )
    )
    return {"ptype": ptype, "filed": filed, "granted": granted, "events": events, "days": days}


def _in_force(p: dict, on: dt.date, events: list[StatusEvent] | None = None) -> bool:
    return in_force(
        patent_type=p["ptype"],
        filing_date=p["filed"],
        grant_date=p["granted"],
        events=p["events"] if events is None else events,
        on=on,
    )


@settings(max_examples=300, deadline=None)
@given(patents())
def test_never_in_force_before_grant_or_from_expiry(p: dict) -> None:
    expiry = expiry_date(p["ptype"], p["filed"])
    for on in p["days"]:
        if _in_force(p, on):
            assert p["granted"] is not None and p["granted"] <= on < expiry
        if p["granted"] is None or on < p["granted"]:
            assert (
                status_on(
                    patent_type=p["ptype"],
                    filing_date=p["filed"],
                    grant_date=p["granted"],
                    events=p["events"],
                    on=on,
                ).state
                == "pending"
            )


@settings(max_examples=300, deadline=None)
@given(patents())
def test_full_invalidation_and_surrender_are_final(p: dict) -> None:
    finals = [e.date for e in p["events"] if e.kind in (K.INVALIDATION_FULL, K.ABANDONMENT)]
    if not finals:
        return
    first = min(finals)
    for on in p["days"]:
        if on >= first:
            assert not _in_force(p, on)


@settings(max_examples=300, deadline=None)
@given(patents())
def test_lapse_without_later_restoration_ends_it(p: dict) -> None:
    for on in p["days"]:
        past = [e for e in p["events"] if e.date <= on]
        lapses = [e.date for e in past if e.kind is K.LAPSE]
        if lapses and not any(e.kind is K.RESTORATION and e.date >= max(lapses) for e in past):
            assert not _in_force(p, on)


@settings(max_examples=200, deadline=None)
@given(patents(), st.randoms(use_true_random=False))
def test_event_order_and_transfers_do_not_matter(p: dict, rnd: random.Random) -> None:
    shuffled = list(p["events"])
    rnd.shuffle(shuffled)
    without_transfers = [e for e in p["events"] if e.kind is not K.TRANSFER]
    without_partial = [e for e in without_transfers if e.kind is not K.INVALIDATION_PARTIAL]
    for on in p["days"]:
        expected = _in_force(p, on)
        assert _in_force(p, on, shuffled) == expected
        assert _in_force(p, on, without_partial) == expected


@settings(max_examples=200, deadline=None)
@given(patents())
def test_maintenance_years_exactly_when_in_force(p: dict) -> None:
    for on in p["days"]:
        years = maintenance_years(
            patent_type=p["ptype"],
            filing_date=p["filed"],
            grant_date=p["granted"],
            events=p["events"],
            on=on,
        )
        if _in_force(p, on):
            assert years is not None and 0 <= years < term_years(p["ptype"], p["filed"])
        else:
            assert years is None
