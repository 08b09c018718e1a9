"""IP registry queries on SQLite and PostgreSQL: portfolios, ownership, classification, pledges,
the high-value verdict and the patent counts that feed qualification facts.

Records are built directly with the ORM (:func:`add_patent`), not through the importer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.core.errors import Conflict, NotFound
from kechuang.core.ids import make_patent_no, make_uscc
from kechuang.ip import service as ip_service
from kechuang.ip.enums import AwardKind, EventKind, MatchStatus, PatentType
from kechuang.ip.models import (
    IpAward,
    IpcConcordance,
    Patent,
    PatentEvent,
    PatentOwner,
    Pledge,
)
from kechuang.registry.models import Enterprise, EnterpriseYear
from kechuang.standards import catalog, facts, ip_facts
from kechuang.storage.db import unit_of_work
from kechuang.storage.history import ChangeHistory

D = dt.date
A = "91310115MA1H7K2A16"
B = "913101041234567882"
INV, UM, DES = PatentType.INVENTION, PatentType.UTILITY_MODEL, PatentType.DESIGN
_TYPE_CODE = {INV: "1", UM: "2", DES: "3"}
_serial = iter(range(100_000, 200_000))


def add_enterprise(session: Session, uscc: str, name: str) -> Enterprise:
    ent = Enterprise(uscc=uscc, name=name, district_code="310115", registered_on=D(2005, 1, 1))
    session.add(ent)
    session.flush()
    return ent


def add_patent(
    session: Session,
    *,
    ptype: PatentType = INV,
    filed: dt.date,
    granted: dt.date | None,
    owners: Sequence[tuple[Enterprise | None, dt.date, dt.date | None, MatchStatus]] = (),
    events: Sequence[tuple[EventKind, dt.date]] = (),
    **fields: Any,
) -> Patent:
    """A patent with owners ``(enterprise, valid_from, valid_to, match status)`` and events."""
    patent = Patent(
        application_no=make_patent_no(filed.year, _TYPE_CODE[ptype], next(_serial)),
        patent_type=ptype,
        filing_date=filed,
        grant_date=granted,
        **fields,
    )
    for position, (ent, start, end, match) in enumerate(owners, start=1):
        patent.owners.append(
            PatentOwner(
                position=position,
                name=ent.name if ent else "某某大学",
                uscc=ent.uscc if ent and match is MatchStatus.USCC else None,
                enterprise_id=ent.id if ent else None,
                match_status=match,
                valid_from=start,
                valid_to=end,
            )
        )
    for kind, day in events:
        patent.events.append(PatentEvent(kind=kind, event_date=day))
    session.add(patent)
    session.flush()
    return patent


def owned(ent: Enterprise, since: dt.date, until: dt.date | None = None) -> Any:
    return (ent, since, until, MatchStatus.USCC)


# ---------------------------------------------------------------------------- look-ups


def test_get_by_application_no_accepts_any_written_form(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        p = add_patent(session, filed=D(2017, 7, 21), granted=None)
        number = p.application_no
    digits = number.replace(".", "")
    with unit_of_work(db_url) as session:
        for form in (
            number,
            f"CN{digits[:4]} {digits[4]} {digits[5:12]}.{digits[12]}",
            "ZL" + number,
        ):
            assert (
                ip_service.get_by_application_no(
                    session=session, application_no=form
                ).application_no
                == number
            )
        missing = make_patent_no(2017, "1", 601862)
        with pytest.raises(NotFound) as err:
            ip_service.get_by_application_no(session=session, application_no=missing)
        assert missing in err.value.message.zh and missing in err.value.message.en
        assert "专利" in err.value.message.zh and "no patent" in err.value.message.en


def test_owners_on_periods_are_inclusive(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        a, b = add_enterprise(session, A, "甲"), add_enterprise(session, B, "乙")
        p = add_patent(
            session,
            filed=D(2015, 1, 1),
            granted=D(2017, 1, 1),
            owners=[owned(a, D(2015, 1, 1), D(2019, 12, 31)), owned(b, D(2020, 1, 1))],
        )
        assert [o.name for o in ip_service.owners_on(patent=p, on=D(2019, 12, 31))] == ["甲"]
        assert [o.name for o in ip_service.owners_on(patent=p, on=D(2020, 1, 1))] == ["乙"]
        assert ip_service.owners_on(patent=p, on=D(2014, 12, 31)) == []


# ---------------------------------------------------------------------------- portfolio


def test_portfolio_counts_by_type_state_and_class(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        a, b = add_enterprise(session, A, "甲"), add_enterprise(session, B, "乙")
        add_patent(
            session, filed=D(2016, 1, 1), granted=D(2018, 1, 1), owners=[owned(a, D(2016, 1, 1))]
        )
        add_patent(  # lapsed
            session,
            filed=D(2016, 2, 1),
            granted=D(2018, 2, 1),
            owners=[owned(a, D(2016, 2, 1))],
            events=[(EventKind.LAPSE, D(2021, 2, 1))],
        )
        add_patent(session, filed=D(2022, 1, 1), granted=None, owners=[owned(a, D(2022, 1, 1))])
        add_patent(  # co-owned with B: counts for both
            session,
            ptype=UM,
            filed=D(2020, 1, 1),
            granted=D(2020, 8, 1),
            owners=[owned(a, D(2020, 1, 1)), owned(b, D(2020, 1, 1))],
        )
        add_patent(
            session,
            ptype=UM,
            filed=D(2012, 1, 1),
            granted=D(2012, 9, 1),
            owners=[owned(a, D(2012, 1, 1))],
        )  # expired 2022
        add_patent(
            session,
            ptype=DES,
            filed=D(2021, 6, 1),
            granted=D(2021, 12, 1),
            owners=[owned(a, D(2021, 6, 1))],
        )
        ids = (a.id, b.id)
    with unit_of_work(db_url) as session:
        c = ip_service.portfolio_counts(session=session, enterprise_id=ids[0], on=D(2023, 6, 30))
        assert c.by_type == {"invention": 3, "utility_model": 2, "design": 1}
        assert c.in_force_by_type == {"invention": 1, "utility_model": 1, "design": 1}
        assert (c.total, c.in_force, c.class_i, c.class_ii) == (6, 3, 1, 2)
        assert ip_service.ip_class_counts(session=session, on=D(2023, 6, 30)) == {
            ids[0]: ip_service.IpClassCounts(1, 2),
            ids[1]: ip_service.IpClassCounts(0, 1),
        }
        # Before the utility model expired and the invention lapsed:
        earlier = ip_service.portfolio_counts(
            session=session, enterprise_id=ids[0], on=D(2020, 12, 31)
        )
        assert (earlier.class_i, earlier.class_ii, earlier.total) == (2, 2, 4)


def test_transfer_moves_the_patent_between_portfolios_from_its_date(db_url: str) -> None:
    transfer = D(2021, 7, 1)
    with unit_of_work(db_url) as session:
        a, b = add_enterprise(session, A, "甲"), add_enterprise(session, B, "乙")
        add_patent(
            session,
            filed=D(2016, 1, 1),
            granted=D(2018, 1, 1),
            owners=[owned(a, D(2016, 1, 1), transfer - dt.timedelta(days=1)), owned(b, transfer)],
            events=[(EventKind.TRANSFER, transfer)],
        )
        ids = (a.id, b.id)
    with unit_of_work(db_url) as session:

        def class_i(ent_id: int, on: dt.date) -> int:
            return ip_service.portfolio_counts(session=session, enterprise_id=ent_id, on=on).class_i

        before, on_day = transfer - dt.timedelta(days=1), transfer
        assert (class_i(ids[0], before), class_i(ids[1], before)) == (1, 0)
        assert (class_i(ids[0], on_day), class_i(ids[1], on_day)) == (0, 1)
        assert ip_service.ip_class_counts(session=session, on=before) == {
            ids[0]: ip_service.IpClassCounts(1, 0)
        }
        assert ip_service.ip_class_counts(session=session, on=on_day) == {
            ids[1]: ip_service.IpClassCounts(1, 0)
        }


def test_proposed_name_matches_count_only_once_confirmed(db_url: str) -> None:
    on = D(2023, 1, 1)
    with unit_of_work(db_url) as session:
        a = add_enterprise(session, A, "上海甲科技有限公司")
        p1 = add_patent(
            session,
            filed=D(2016, 1, 1),
            granted=D(2018, 1, 1),
            owners=[(a, D(2016, 1, 1), None, MatchStatus.PROPOSED)],
        )
        p2 = add_patent(
            session,
            filed=D(2016, 3, 1),
            granted=D(2018, 3, 1),
            owners=[(a, D(2016, 3, 1), None, MatchStatus.PROPOSED)],
        )
        add_patent(
            session,
            filed=D(2016, 4, 1),
            granted=D(2018, 4, 1),
            owners=[(None, D(2016, 4, 1), None, MatchStatus.UNMATCHED)],
        )
        owner1, owner2, ent_id = p1.owners[0].id, p2.owners[0].id, a.id
        numbers = (p1.application_no, p2.application_no)
    with unit_of_work(db_url) as session:
        assert (
            ip_service.portfolio_counts(session=session, enterprise_id=ent_id, on=on).class_i == 0
        )
        assert ip_service.ip_class_counts(session=session, on=on) == {}
        review = ip_service.owner_review_list(session=session)
        assert [(r.owner_id, r.application_no, r.enterprise_uscc) for r in review] == [
            (owner1, numbers[0], A),
            (owner2, numbers[1], A),
        ]
        confirmed = ip_service.confirm_owner(session=session, owner_id=owner1, actor="alice")
        assert (confirmed.match_status, confirmed.reviewed_by) == (MatchStatus.CONFIRMED, "alice")
        ip_service.reject_owner(session=session, owner_id=owner2, actor="bob")
    with unit_of_work(db_url) as session:
        assert (
            ip_service.portfolio_counts(session=session, enterprise_id=ent_id, on=on).class_i == 1
        )
        assert ip_service.owner_review_list(session=session) == []
        history = session.scalars(
            select(ChangeHistory)
            .where(ChangeHistory.table_name == "patent_owner")
            .order_by(ChangeHistory.id)
        ).all()
        assert [(h.record_id, h.actor, h.changes["match_status"]) for h in history] == [
            (owner1, "alice", ["proposed", "confirmed"]),
            (owner2, "bob", ["proposed", "rejected"]),
        ]
        assert history[0].record_key.startswith(numbers[0])
        with pytest.raises(Conflict):  # already confirmed
            ip_service.confirm_owner(session=session, owner_id=owner1, actor="alice")
        with pytest.raises(NotFound):
            ip_service.confirm_owner(session=session, owner_id=999_999, actor="alice")


def test_uscc_linked_owners_are_not_reviewed(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        a = add_enterprise(session, A, "甲")
        p = add_patent(session, filed=D(2016, 1, 1), granted=None, owners=[owned(a, D(2016, 1, 1))])
        owner_id = p.owners[0].id
    with unit_of_work(db_url) as session, pytest.raises(Conflict) as err:
        ip_service.reject_owner(session=session, owner_id=owner_id, actor="bob")
    assert err.value.code == "ip.owner_status"


# ---------------------------------------------------------------------------- classification


def _concordance(session: Session) -> None:
    for prefix, code in (("H01", "1.1"), ("H01L", "1.2"), ("H01L21/02", "1.3")):
        session.add(IpcConcordance(ipc_prefix=prefix, sei_code=code, sei_name=f"产业{code}"))
    session.flush()


def test_longest_matching_prefix_wins(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        _concordance(session)

        def sei(*codes: str) -> tuple[str, str] | None:
            return ip_service.sei_for_ipc(session=session, ipc_codes=codes)

        assert sei("H01L 21/0234") == ("1.3", "H01L21/02")
        assert sei("h01l 27/12 (2006.01)") == ("1.2", "H01L")
        assert sei("H01M10/05") == ("1.1", "H01")
        assert sei("H0") is None
        assert sei("G06F17/00") is None
        # The main class first, then the others — even when another class matches longer.
        assert sei("G06F17/00", "H01L21/02") == ("1.3", "H01L21/02")
        assert sei("H01M10/05", "H01L21/02") == ("1.1", "H01")


def test_classification_prefers_the_declared_code(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        _concordance(session)
        declared = add_patent(
            session, filed=D(2019, 1, 1), granted=None, main_ipc="G06F17/00", sei_code="1.2"
        )
        mapped = add_patent(
            session,
            filed=D(2019, 1, 2),
            granted=None,
            main_ipc="G06F 17/00",
            ipc_classes="G06F17/00; H01L21/0234",
        )
        none = add_patent(session, filed=D(2019, 1, 3), granted=None, main_ipc="A61K 31/00")
        c = ip_service.classification(session=session, patent=declared)
        assert (c.sei_code, c.source, c.sei_name) == ("1.2", "declared", "产业1.2")
        c = ip_service.classification(session=session, patent=mapped)
        assert (c.sei_code, c.source, c.ipc, c.matched_prefix) == (
            "1.3",
            "concordance",
            "H01L21/0234",
            "H01L21/02",
        )
        c = ip_service.classification(session=session, patent=none)
        assert (c.sei_code, c.source) == (None, None)


# ---------------------------------------------------------------------------- pledges


def test_pledged_amount_counts_active_pledges_only(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        p = add_patent(session, filed=D(2015, 1, 1), granted=D(2017, 1, 1))
        other = add_patent(session, filed=D(2015, 1, 2), granted=D(2017, 1, 2))
        session.add_all(
            [
                Pledge(
                    registration_no="Y2020310000001",
                    amount=Decimal("5000000.00"),
                    registration_date=D(2020, 1, 1),
                    release_date=D(2022, 6, 30),
                    patents=[p, other],
                ),
                Pledge(
                    registration_no="Y2021310000002",
                    amount=Decimal("8000000.00"),
                    registration_date=D(2021, 1, 1),
                    patents=[p],
                ),
            ]
        )
        session.flush()

        def amount(on: dt.date) -> Decimal:
            return ip_service.pledged_amount(session=session, patent=p, on=on)

        assert amount(D(2019, 12, 31)) == 0
        assert amount(D(2020, 1, 1)) == Decimal("5000000.00")
        assert amount(D(2022, 6, 29)) == Decimal("13000000.00")
        assert amount(D(2022, 6, 30)) == Decimal("8000000.00")  # released that day
        assert ip_service.pledged_amount(session=session, patent=other, on=D(2023, 1, 1)) == 0


# ---------------------------------------------------------------------------- high-value verdict


def _checks(ev: Any) -> dict[str, bool | None]:
    return {c.criterion: c.passed for c in ev.checks}


def test_maintained_more_than_ten_years_is_high_value(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        p = add_patent(session, filed=D(2010, 1, 10), granted=D(2013, 5, 1))
        ten = ip_facts.high_value_verdict(session=session, patent=p, on=D(2021, 1, 9))
        eleven = ip_facts.high_value_verdict(session=session, patent=p, on=D(2021, 1, 10))
        row = ip_facts.high_value_row(session=session, patent=p, on=D(2021, 1, 10))
    assert (
        row["maintenance_years"] == 11 and row["in_force"] is True and row["is_invention"] is True
    )
    assert ten.outcome == "not_qualified" and _checks(ten)["maintenance_category"] is False
    assert eleven.outcome == "qualified" and _checks(eleven)["maintenance_category"] is True
    maint = next(c for c in eleven.checks if c.criterion == "maintenance_category")
    assert (maint.observed, maint.required) == ("11年", "> 10年")
    assert {u["key"] for u in eleven.unverified_parameters} >= {
        "high_value_patent.thresholds.maintenance_years_over"
    }
    assert "参数待核实" in maint.message.zh


def test_foreign_family_member_makes_it_high_value(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        p = add_patent(
            session,
            filed=D(2019, 1, 1),
            granted=D(2021, 1, 1),
            foreign_family_count=2,
            foreign_family_offices="US;EP",
        )
        ev = ip_facts.high_value_verdict(session=session, patent=p, on=D(2023, 1, 1))
    assert ev.outcome == "qualified"
    assert _checks(ev)["foreign_family_category"] is True
    assert _checks(ev)["sei_category"] is False


def test_pledge_category_counts_before_2026_only(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        p = add_patent(session, filed=D(2020, 1, 1), granted=D(2022, 1, 1))
        session.add(
            Pledge(
                registration_no="Y2024310000009",
                amount=Decimal("12000000.00"),
                registration_date=D(2024, 3, 1),
                patents=[p],
            )
        )
        session.flush()
        before = ip_facts.high_value_verdict(session=session, patent=p, on=D(2025, 12, 31))
        after = ip_facts.high_value_verdict(session=session, patent=p, on=D(2026, 1, 1))
        row = ip_facts.high_value_row(session=session, patent=p, on=D(2025, 12, 31))
    assert row["pledge_amount"] == 1_200_000_000  # fen
    assert before.outcome == "qualified" and _checks(before)["pledge_category"] is True
    assert after.outcome == "not_qualified" and _checks(after)["pledge_category"] is False
    pledge_after = next(c for c in after.checks if c.criterion == "pledge_category")
    assert "不再计入" in (pledge_after.required or "")
    assert "4" in (next(c for c in after.checks if c.criterion == "any_category").required or "")


def test_awards_and_type_and_state(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        gold = add_patent(session, filed=D(2018, 1, 1), granted=D(2020, 1, 1))
        wipo = add_patent(session, filed=D(2018, 1, 2), granted=D(2020, 1, 2))
        utility = add_patent(
            session, ptype=UM, filed=D(2018, 1, 3), granted=D(2018, 8, 1), foreign_family_count=1
        )
        lapsed = add_patent(
            session,
            filed=D(2018, 1, 4),
            granted=D(2020, 1, 4),
            foreign_family_count=1,
            events=[(EventKind.LAPSE, D(2022, 1, 4))],
        )
        session.add_all(
            [
                IpAward(
                    kind=AwardKind.CHINA_PATENT_AWARD_GOLD,
                    edition="第24届",
                    awarded_on=D(2023, 7, 1),
                    recipient_key=gold.application_no,
                    patent_id=gold.id,
                ),
                IpAward(
                    kind=AwardKind.WIPO_GLOBAL_AWARD,
                    edition="2023",
                    awarded_on=D(2023, 7, 1),
                    recipient_key=wipo.application_no,
                    patent_id=wipo.id,
                ),
            ]
        )
        session.flush()
        on = D(2023, 12, 31)
        outcome = {
            name: ip_facts.high_value_verdict(session=session, patent=p, on=on)
            for name, p in (
                ("gold", gold),
                ("wipo", wipo),
                ("utility", utility),
                ("lapsed", lapsed),
            )
        }
        before_award = ip_facts.high_value_verdict(session=session, patent=gold, on=D(2023, 6, 30))
    assert (
        outcome["gold"].outcome == "qualified"
        and _checks(outcome["gold"])["award_category"] is True
    )
    assert outcome["wipo"].outcome == "not_qualified"
    assert (
        outcome["utility"].outcome == "not_qualified"
        and _checks(outcome["utility"])["is_invention"] is False
    )
    assert (
        outcome["lapsed"].outcome == "not_qualified"
        and _checks(outcome["lapsed"])["in_force"] is False
    )
    assert before_award.outcome == "not_qualified"


def test_ip_portfolio_counts_high_value_valid_inventions(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        a = add_enterprise(session, A, "甲")
        high = add_patent(
            session,
            filed=D(2019, 1, 1),
            granted=D(2021, 1, 1),
            foreign_family_count=1,
            owners=[owned(a, D(2019, 1, 1))],
        )
        add_patent(
            session, filed=D(2019, 1, 2), granted=D(2021, 1, 2), owners=[owned(a, D(2019, 1, 2))]
        )
        add_patent(  # high-value but lapsed
            session,
            filed=D(2019, 1, 3),
            granted=D(2021, 1, 3),
            foreign_family_count=1,
            owners=[owned(a, D(2019, 1, 3))],
            events=[(EventKind.LAPSE, D(2022, 1, 3))],
        )
        add_patent(
            session,
            ptype=UM,
            filed=D(2019, 1, 4),
            granted=D(2019, 9, 1),
            foreign_family_count=1,
            owners=[owned(a, D(2019, 1, 4))],
        )
        number = high.application_no
    with unit_of_work(db_url) as session:
        result = ip_facts.portfolio(session=session, uscc=A.lower(), on=D(2023, 6, 30))
    assert (result.counts.class_i, result.counts.class_ii, result.counts.total) == (2, 1, 4)
    assert (result.high_value, result.high_value_patents) == (1, [number])
    data = result.as_dict()
    assert data["uscc"] == A and data["class_i"] == 2 and data["high_value"] == 1
    assert data["unverified_parameters"]


# ---------------------------------------------------------------------------- qualification facts


def test_tech_sme_ip_counts_use_the_patent_registry(db_url: str) -> None:
    as_of = D(2024, 6, 30)
    c = make_uscc(org8="MA1FL0WX")
    with unit_of_work(db_url) as session:
        a, b = add_enterprise(session, A, "甲"), add_enterprise(session, B, "乙")
        none = add_enterprise(session, c, "丙")
        # 甲 declared 0 class-I and nothing for class II; the registry holds 2 valid inventions + 1 design.
        session.add(EnterpriseYear(enterprise_id=a.id, fiscal_year=2023, ip_class1_count=0))
        for day in (D(2019, 1, 1), D(2019, 2, 1)):
            add_patent(session, filed=day, granted=D(2021, 1, 1), owners=[owned(a, day)])
        add_patent(
            session,
            ptype=DES,
            filed=D(2022, 1, 1),
            granted=D(2022, 6, 1),
            owners=[owned(a, D(2022, 1, 1))],
        )
        # 乙 declared 5 / 4: more than the registry's 1 / 0.
        session.add(
            EnterpriseYear(
                enterprise_id=b.id, fiscal_year=2023, ip_class1_count=5, ip_class2_count=4
            )
        )
        add_patent(
            session, filed=D(2019, 3, 1), granted=D(2021, 1, 1), owners=[owned(b, D(2019, 3, 1))]
        )
        # 丙: nothing declared, no patents → unknown stays unknown.
        assert none.id
    with unit_of_work(db_url) as session:
        built = facts.build(session=session, standard=catalog.get("tech_sme"), as_of=as_of)
        rows = {s.uscc: s.row for s in built.subjects}
        one = facts.build(session=session, standard=catalog.get("tech_sme"), as_of=as_of, uscc=A)
        high_tech = facts.build(session=session, standard=catalog.get("high_tech"), as_of=as_of)
    assert (rows[A]["ip_class1"], rows[A]["ip_class2"]) == (2, 1)
    assert (rows[B]["ip_class1"], rows[B]["ip_class2"]) == (5, 4)
    assert (rows[c]["ip_class1"], rows[c]["ip_class2"]) == (None, None)
    assert one.subjects[0].row["ip_class1"] == 2
    core = {s.uscc: s.row["core_ip"] for s in high_tech.subjects}
    assert core == {A: True, B: True, c: None}
