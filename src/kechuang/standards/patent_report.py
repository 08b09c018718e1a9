"""Everything known about one patent on a date, in one place: what ``kechuang ip show`` prints and
the web's patent page shows.

:func:`patent_report` gathers the records (status on the date, term end, years maintained,
owners with their registry match, legal-status timeline, SEI classification, pledges, awards and
the high-value verdict with every check) as objects; :meth:`PatentReport.as_json` turns them into
JSON-ready data for the CLI and API. It lives beside the standards because the high-value verdict
is the ``high_value_patent`` standard (:mod:`kechuang.standards.ip_facts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kechuang.ip import service as ip_service
from kechuang.ip.enums import MatchStatus, PatentType
from kechuang.ip.models import IpAward, Patent, PatentOwner, Pledge
from kechuang.ip.schemas import AwardRead, OwnerRead, PatentRead, PledgeRead
from kechuang.registry.models import Enterprise
from kechuang.standards import ip_facts


@dataclass(frozen=True, slots=True)
class OwnerLine:
    """One owner of the patent, with the registry enterprise it was matched to (if any)."""

    owner: PatentOwner
    match: MatchStatus
    enterprise: Enterprise | None
    current: bool
    """The ownership covers the report date."""
    counts: bool
    """The match is good enough for the owner's statistics (:func:`ip_service.is_matched`)."""


@dataclass(frozen=True, slots=True)
class PledgeLine:
    """One pledge registration of the patent and whether it is active on the report date."""

    pledge: Pledge
    active: bool


@dataclass(frozen=True, slots=True)
class PatentReport:
    """A patent on ``on``: see the module docstring."""

    patent: Patent
    on: dt.date
    status: Any
    """:class:`kechuang.ip.status` state on the date (``state``, ``label``, ``since``, ``in_force``)."""
    expiry_date: dt.date
    maintenance_years: int | None
    owners: list[OwnerLine]
    timeline: list[Any]
    classification: Any
    pledges: list[PledgeLine]
    pledged_amount: Decimal
    awards: list[IpAward]
    high_value: dict[str, Any] | None
    """The ``high_value_patent`` verdict with every check, or ``None`` before the standard was in
    force (:func:`ip_facts.high_value_in_force`)."""

    def as_json(self) -> dict[str, Any]:
        """JSON-ready data (what ``kechuang ip show --json`` prints)."""
        patent, day, state = self.patent, self.on, self.status
        return {
            "as_of": day.isoformat(),
            "patent": PatentRead.model_validate(patent).model_dump(mode="json")
            | {
                "type_label_zh": PatentType(patent.patent_type).label.zh,
                "type_label_en": PatentType(patent.patent_type).label.en,
                "expiry_date": self.expiry_date.isoformat(),
            },
            "status": {
                "state": state.state,
                "label_zh": state.label.zh,
                "label_en": state.label.en,
                "since": state.since.isoformat() if state.since else None,
                "in_force": state.in_force,
            },
            "maintenance_years": self.maintenance_years,
            "owners": [
                OwnerRead.model_validate(o.owner).model_dump(mode="json")
                | {
                    "match_label_zh": o.match.label.zh,
                    "match_label_en": o.match.label.en,
                    "enterprise_uscc": o.enterprise.uscc if o.enterprise else None,
                    "enterprise_name": o.enterprise.name if o.enterprise else None,
                    "current": o.current,
                    "counts": o.counts,
                }
                for o in self.owners
            ],
            "timeline": [
                {
                    "date": e.date.isoformat(),
                    "event_zh": e.what.zh,
                    "event_en": e.what.en,
                    "state_after": e.state_after,
                    "derived": e.derived,
                }
                for e in self.timeline
            ],
            "classification": self.classification.model_dump(mode="json"),
            "pledges": [
                PledgeRead.model_validate(p.pledge).model_dump(mode="json") | {"active": p.active}
                for p in self.pledges
            ],
            "pledged_amount": str(self.pledged_amount),
            "awards": [AwardRead.model_validate(a).model_dump(mode="json") for a in self.awards],
            "high_value": self.high_value,
        }


def patent_report(*, session: Session, patent: Patent, on: dt.date) -> PatentReport:
    """Gather :class:`PatentReport` for ``patent`` on ``on`` (reads only)."""
    ids = {o.enterprise_id for o in patent.owners if o.enterprise_id}
    enterprises = (
        {e.id: e for e in session.scalars(select(Enterprise).where(Enterprise.id.in_(ids)))}
        if ids
        else {}
    )
    owners = [
        OwnerLine(
            owner=o,
            match=MatchStatus(o.match_status),
            enterprise=enterprises.get(o.enterprise_id) if o.enterprise_id else None,
            current=ip_service.owner_covers(o, on),
            counts=ip_service.is_matched(o),
        )
        for o in sorted(patent.owners, key=lambda o: (o.valid_from, o.position))
    ]
    verdict = (
        ip_facts.high_value_verdict(session=session, patent=patent, on=on).as_dict()
        if ip_facts.high_value_in_force(on)
        else None
    )
    return PatentReport(
        patent=patent,
        on=on,
        status=ip_service.status(patent=patent, on=on),
        expiry_date=ip_service.expiry_date(patent),
        maintenance_years=ip_service.maintenance_years(patent=patent, on=on),
        owners=owners,
        timeline=list(ip_service.timeline(patent=patent)),
        classification=ip_service.classification(session=session, patent=patent),
        pledges=[
            PledgeLine(pledge=p, active=ip_service.pledge_active(p, on))
            for p in ip_service.pledges_of(session=session, patent=patent)
        ],
        pledged_amount=ip_service.pledged_amount(session=session, patent=patent, on=on),
        awards=list(ip_service.awards_of(session=session, patent=patent)),
        high_value=verdict,
    )


__all__ = ["OwnerLine", "PatentReport", "PledgeLine", "patent_report"]
