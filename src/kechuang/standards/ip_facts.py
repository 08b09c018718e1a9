"""High-value invention patents (高价值发明专利) from the IP registry.

:func:`high_value_row` builds, for one patent and one date, the **converted profile row** of the
``high_value_patent`` standard (:mod:`kechuang.standards.high_value_patent`) from the registry:

``is_invention``
    the patent type is invention (type codes 1 and 8);
``in_force``
    :func:`kechuang.ip.status.status_on` on the date (the one definition of "in force");
``sei_classified``
    the patent has a strategic-emerging-industry code: its declared ``sei_code``, else the
    longest-prefix IPC concordance (:func:`kechuang.ip.service.classification`);
``foreign_family_count``
    the stored number of foreign family members with patent rights;
``maintenance_years``
    :func:`kechuang.ip.status.maintenance_years` (unknown when not in force);
``pledge_amount``
    fen; pledges securing the patent registered on or before the date and not released by it;
``award``
    a China Patent Award (gold, silver or excellence) or a National S&T Award linked to the
    patent and awarded on or before the date. The WIPO Global Award does not count.

:func:`high_value_verdict` evaluates the row with the parameters in force on the date, so the
category list follows its versions (the pledge category counts before 2026-01-01, not from then
on). :func:`portfolio` adds the number of high-value valid invention patents to the enterprise's
portfolio counts (:func:`kechuang.ip.service.portfolio_counts`).

This module lives in ``kechuang.standards`` because the IP domain must not depend on the
standards engine; it reads the IP registry through :mod:`kechuang.ip.service` only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from kechuang.ip import service as ip_service
from kechuang.ip.enums import AwardKind, PatentType
from kechuang.ip.models import Patent
from kechuang.ip.schemas import PortfolioCounts
from kechuang.registry import service as registry_service
from kechuang.standards.engine import Evaluation, evaluate_row
from kechuang.standards.high_value_patent import STANDARD
from kechuang.standards.params import ParameterSet, Resolved, default_parameters

COUNTED_AWARDS: frozenset[AwardKind] = frozenset(
    {
        AwardKind.CHINA_PATENT_AWARD_GOLD,
        AwardKind.CHINA_PATENT_AWARD_SILVER,
        AwardKind.CHINA_PATENT_AWARD_EXCELLENCE,
        AwardKind.NATIONAL_ST_AWARD,
    }
)
"""Awards that make a patent high-value (category 5: 国家科学技术奖或中国专利奖)."""


def high_value_row(*, session: Session, patent: Patent, on: dt.date) -> dict[str, Any]:
    """The converted ``high_value_patent`` profile row of ``patent`` on ``on`` (money in fen)."""
    awarded = any(
        a.kind in COUNTED_AWARDS and a.awarded_on <= on
        for a in ip_service.awards_of(session=session, patent=patent)
    )
    pledged = ip_service.pledged_amount(session=session, patent=patent, on=on)
    return {
        "id": patent.application_no,
        "is_invention": patent.patent_type is PatentType.INVENTION,
        "in_force": ip_service.status(patent=patent, on=on).in_force,
        "sei_classified": ip_service.classification(session=session, patent=patent).sei_code
        is not None,
        "foreign_family_count": patent.foreign_family_count,
        "maintenance_years": ip_service.maintenance_years(patent=patent, on=on),
        "pledge_amount": int(pledged * 100),  # Money is exact to the fen, so ×100 is exact
        "award": awarded,
    }


def _resolved(on: dt.date, parameters: ParameterSet | None) -> Resolved:
    return (parameters or default_parameters()).at(on)


def high_value_in_force(on: dt.date, parameters: ParameterSet | None = None) -> bool:
    """True when every parameter of the high-value standard has a value in force on ``on``.

    The statistical scope starts with the 14th Five-Year Plan (parameters from 2021-01-01); before
    that there is no verdict to give.
    """
    params = parameters or default_parameters()
    return all(p.at(on) is not None for p in params.under(STANDARD.key))


def high_value_verdict(
    *,
    session: Session,
    patent: Patent,
    on: dt.date,
    parameters: ParameterSet | None = None,
) -> Evaluation:
    """Evaluate ``patent`` against the high-value standard with the parameters in force on ``on``.

    The evaluation's checks are the reasons (one per criterion, with observed and required values);
    ``unverified_parameters`` lists every parameter used that is not confirmed.

    Raises:
        KechuangError: ``parameter.not_in_force`` before the scope's parameters start (see
            :func:`high_value_in_force`).
    """
    row = high_value_row(session=session, patent=patent, on=on)
    return evaluate_row(STANDARD, row, _resolved(on, parameters))


@dataclass(slots=True)
class Portfolio:
    """An enterprise's patents on a date, with the high-value invention patents among them.

    Attributes:
        uscc: the enterprise's USCC.
        name: registered name.
        counts: counts by type, in force, class I / class II.
        high_value: number of high-value invention patents in force; ``None`` before the
            high-value parameters are in force (:func:`high_value_in_force`).
        high_value_patents: their application numbers.
        unverified_parameters: parameters of the high-value standard used that are unverified.
    """

    uscc: str
    name: str
    counts: PortfolioCounts
    high_value: int | None
    high_value_patents: list[str]
    unverified_parameters: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "uscc": self.uscc,
            "name": self.name,
            **self.counts.model_dump(mode="json"),
            "high_value": self.high_value,
            "high_value_patents": self.high_value_patents,
            "unverified_parameters": self.unverified_parameters,
        }


def portfolio(
    *, session: Session, uscc: str, on: dt.date, parameters: ParameterSet | None = None
) -> Portfolio:
    """Portfolio counts of the enterprise ``uscc`` on ``on`` plus its high-value invention patents.

    Raises:
        NotFound: no enterprise with this USCC.
    """
    ent = registry_service.get_by_uscc(session=session, uscc=uscc)
    patents = ip_service.owned_patents(session=session, enterprise_id=ent.id, on=on)
    counts = ip_service.counts_of(enterprise_id=ent.id, patents=patents, on=on)
    if not high_value_in_force(on, parameters):
        return Portfolio(
            uscc=ent.uscc, name=ent.name, counts=counts, high_value=None, high_value_patents=[]
        )
    resolved = _resolved(on, parameters)
    high: list[str] = []
    unverified: dict[str, dict[str, str]] = {}
    for p in patents:
        if (
            p.patent_type is not PatentType.INVENTION
            or not ip_service.status(patent=p, on=on).in_force
        ):
            continue
        ev = evaluate_row(STANDARD, high_value_row(session=session, patent=p, on=on), resolved)
        unverified.update((u["key"], u) for u in ev.unverified_parameters)
        if ev.outcome == "qualified":
            high.append(p.application_no)
    return Portfolio(
        uscc=ent.uscc,
        name=ent.name,
        counts=counts,
        high_value=len(high),
        high_value_patents=high,
        unverified_parameters=[unverified[k] for k in sorted(unverified)],
    )


__all__ = [
    "COUNTED_AWARDS",
    "Portfolio",
    "high_value_in_force",
    "high_value_row",
    "high_value_verdict",
    "portfolio",
]
