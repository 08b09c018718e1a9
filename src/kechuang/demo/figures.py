"""The demo's own computation of the seed's figures from a database, through the domain services.

This is a **second implementation** of the headline indicators, written against the domain
services rather than the indicators package: the standards screening (``sci_tech_enterprise``,
``sme_size_class``, ``high_value_patent`` on DuckDB), the credit ledger
(:func:`kechuang.credit.ledger.outstanding_principal`), insurance counting
(:mod:`kechuang.insurance.counting`) and the IP legal-status rules (:mod:`kechuang.ip.status`). The demo checks that it agrees with the targets (and
with the release, when one is created).

Definitions (issue 9):

* 科技型企业: qualified under ``sci_tech_enterprise`` on the year end; 科技型中小企业: also an SME
  (medium, small or micro) under ``sme_size_class`` on the year end.
* 存量户数: distinct enterprises with outstanding principal > 0 at the year end; 余额: the sum of
  that outstanding principal.
* Product figures: credit grants (授信) made in the year — distinct enterprises and amount; 科技履约贷
  includes 科技微贷通.
* 有效发明专利: invention patents in force at the year end; 每万人口高价值发明专利: high-value
  invention patents in force ÷ year-end resident population × 10⁴.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kechuang.core.errors import NotFound
from kechuang.credit.ledger import Entry, outstanding_principal
from kechuang.credit.models import CreditGrant, LedgerEvent, Loan
from kechuang.demo.calibration import POPULATION, WAN
from kechuang.insurance import counting
from kechuang.insurance.enums import InsuranceLine, InsuredObjectKind
from kechuang.ip import status as ip_status
from kechuang.ip.enums import AwardKind, CentreKind, EventKind, PatentType, ProgrammeKind
from kechuang.ip.models import (
    IpAward,
    IpcConcordance,
    IpCentre,
    IpProgramme,
    Patent,
    PatentEvent,
    PctFiling,
    Pledge,
    pledge_patent,
)
from kechuang.policy import service as policy_service
from kechuang.standards import service as standards_service
from kechuang.standards.engine import screen_rows
from kechuang.standards.high_value_patent import STANDARD as HIGH_VALUE
from kechuang.standards.models import ScreeningResult

PERFORMANCE_FAMILY = ("sh_performance_loan", "sh_micro_loan")
"""科技履约贷 (含微贷通): the product keys counted together."""
IC_POOL_START = dt.date(2021, 1, 1)
"""Programme start used for the cumulative insurance figures (the pool's catalogue date)."""
FIRST_OF_KIND_START = dt.date(2015, 1, 1)
"""首台（套）保险补偿 started with the 2015 pilot (RULES.md §6)."""


DEFINITIONS_FROM = dt.date(2023, 1, 1)
"""The ``sci_tech_enterprise`` parameters start on 2023-01-01 (the NFRA statistics' kinds); the
2022 comparison applies the same definition to the earlier date (a like-for-like growth rate)."""


def _overrides(key: str, on: dt.date) -> dict[str, Any] | None:
    if key != "sci_tech_enterprise" or on >= DEFINITIONS_FROM:
        return None
    from kechuang.standards.params import default_parameters
    from kechuang.standards.sci_tech_enterprise import KINDS

    resolved = default_parameters().at(DEFINITIONS_FROM)
    return {
        f"sci_tech_enterprise.counts_{kind}": resolved(f"sci_tech_enterprise.counts_{kind}")
        for kind, _label in KINDS
    }


def _screen_ids(session: Session, key: str, on: dt.date) -> set[int]:
    run = standards_service.screen(
        session=session,
        standard_key=key,
        as_of=on,
        engine="duckdb",
        actor="demo",
        overrides=_overrides(key, on),
    )
    return set(
        session.scalars(
            select(ScreeningResult.enterprise_id).where(
                ScreeningResult.run_id == run.id, ScreeningResult.outcome == "qualified"
            )
        )
    )


def balances(session: Session, on: dt.date) -> dict[int, Decimal]:
    """Outstanding principal by enterprise at ``on`` (ledger events up to and including it)."""
    events: dict[int, list[Entry]] = defaultdict(list)
    owner: dict[int, int] = dict(session.execute(select(Loan.id, Loan.enterprise_id)).all())
    stmt = select(LedgerEvent.loan_id, LedgerEvent.kind, LedgerEvent.event_date, LedgerEvent.amount)
    for loan_id, kind, day, amount in session.execute(stmt.where(LedgerEvent.event_date <= on)):
        events[loan_id].append(Entry(kind=kind, date=day, amount=amount))
    out: dict[int, Decimal] = defaultdict(Decimal)
    for loan_id, entries in events.items():
        out[owner[loan_id]] += outstanding_principal(entries, on)
    return {k: v for k, v in out.items() if v > 0}


def credit_figures(session: Session, year: int) -> dict[str, Decimal]:
    """Borrowers, balances and product grants of ``year``."""
    end = dt.date(year, 12, 31)
    sci = _screen_ids(session, "sci_tech_enterprise", end)
    sme = _screen_ids(session, "sme_size_class", end)
    bal = balances(session, end)
    out: dict[str, Decimal] = {
        "sci_tech_borrowers": Decimal(sum(1 for e in bal if e in sci)),
        "sci_tech_sme_borrowers": Decimal(sum(1 for e in bal if e in sci and e in sme)),
        "sci_tech_loan_balance": sum((v for e, v in bal.items() if e in sci), Decimal(0)),
        "sci_tech_sme_loan_balance": sum(
            (v for e, v in bal.items() if e in sci and e in sme), Decimal(0)
        ),
    }
    grants = session.execute(
        select(CreditGrant.product_key, CreditGrant.enterprise_id, CreditGrant.amount).where(
            CreditGrant.granted_on >= dt.date(year, 1, 1), CreditGrant.granted_on <= end
        )
    ).all()
    families = {
        "sh_performance_loan": PERFORMANCE_FAMILY,
        "sh_boost_loan": ("sh_boost_loan",),
        "sh_little_giant_credit_loan": ("sh_little_giant_credit_loan",),
        "sh_high_tech_loan": ("sh_high_tech_loan",),
        "esop_loan": ("esop_loan",),
    }
    for key, members in families.items():
        rows = [(e, a) for p, e, a in grants if p in members]
        out[f"{key}_enterprises"] = Decimal(len({e for e, _a in rows}))
        out[f"{key}_amount"] = sum((a for _e, a in rows), Decimal(0))
        if key == "sh_high_tech_loan":
            out[f"{key}_sme_enterprises"] = Decimal(len({e for e, _a in rows if e in sme}))
            out[f"{key}_sme_amount"] = sum((a for e, a in rows if e in sme), Decimal(0))
    return out


def insurance_figures(session: Session, year: int) -> dict[str, Decimal]:
    """The insurance figures of §7.1 for ``year`` (docs/insurance.md, "统计口径")."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    sept = dt.date(year, 9, 30)
    pool_line = InsuranceLine.IC_COINSURANCE
    out: dict[str, Decimal] = {
        "ic_coinsurance_pool_enterprise_policies": Decimal(
            counting.enterprise_policies(
                session=session, line=pool_line, written_from=IC_POOL_START, written_to=sept
            ).value
        ),
        "ic_coinsurance_pool_sum_insured": counting.sum_insured_written(
            session=session, line=pool_line, start=IC_POOL_START, end=sept
        ).value,
    }
    fok = counting.cumulative_since(
        session=session,
        programme_start=FIRST_OF_KIND_START,
        until=end,
        line=InsuranceLine.FIRST_OF_KIND_EQUIPMENT,
    )
    out["first_of_kind_equipment_projects"] = Decimal(fok.objects)
    out["first_of_kind_equipment_sum_insured"] = fok.sum_insured
    ct = InsuranceLine.CLINICAL_TRIAL_LIABILITY
    out["clinical_trial_insured"] = Decimal(
        counting.distinct_insured(
            session=session, line=ct, written_from=start, written_to=end
        ).value
    )
    objs = counting.objects(session=session, line=ct, written_from=start, written_to=end)
    out["clinical_trial_projects"] = Decimal(objs.by_kind.get(InsuredObjectKind.CLINICAL_TRIAL, 0))
    out["clinical_trial_sum_insured"] = counting.sum_insured_written(
        session=session, line=ct, start=start, end=end
    ).value
    sf = InsuranceLine.STARTUP_FOUNDER_LIABILITY
    out["startup_founder_districts"] = Decimal(
        counting.districts(session=session, line=sf, in_force_on=end).value
    )
    out["startup_founder_incubators"] = Decimal(
        counting.incubators(session=session, line=sf, in_force_on=end).value
    )
    out["startup_founder_enterprises"] = Decimal(
        counting.distinct_insured(session=session, line=sf, in_force_on=end).value
    )
    fobj = counting.objects(session=session, line=sf, in_force_on=end)
    out["startup_founder_founders"] = Decimal(fobj.by_kind.get(InsuredObjectKind.FOUNDER, 0))
    out["startup_founder_sum_insured"] = counting.sum_insured_in_force(
        session=session, on=end, line=sf
    ).value
    return out


def _sei_prefixes(session: Session) -> list[str]:
    return list(session.scalars(select(IpcConcordance.ipc_prefix)))


def patent_figures(session: Session, on: dt.date) -> dict[str, int]:
    """Patents granted in ``on``'s year and in force on ``on`` by type, and high-value invention
    patents in force, screened with the ``high_value_patent`` standard on DuckDB from registry rows
    built in bulk (the inputs of :func:`kechuang.standards.ip_facts.high_value_row`; in force and
    maintenance years from :mod:`kechuang.ip.status`, the one definition)."""
    prefixes = _sei_prefixes(session)
    events: dict[int, list[ip_status.StatusEvent]] = defaultdict(list)
    for pid, kind, day in session.execute(
        select(PatentEvent.patent_id, PatentEvent.kind, PatentEvent.event_date)
    ):
        events[pid].append(ip_status.StatusEvent(EventKind(kind), day))
    pledged: dict[int, Decimal] = defaultdict(Decimal)
    for pid, amount in session.execute(
        select(pledge_patent.c.patent_id, Pledge.amount)
        .join(Pledge, Pledge.id == pledge_patent.c.pledge_id)
        .where(Pledge.registration_date <= on)
        .where((Pledge.release_date.is_(None)) | (Pledge.release_date > on))
    ):
        pledged[pid] += amount
    counted = {
        AwardKind.CHINA_PATENT_AWARD_GOLD,
        AwardKind.CHINA_PATENT_AWARD_SILVER,
        AwardKind.CHINA_PATENT_AWARD_EXCELLENCE,
        AwardKind.NATIONAL_ST_AWARD,
    }
    awarded = {
        pid
        for pid, kind in session.execute(
            select(IpAward.patent_id, IpAward.kind).where(
                IpAward.patent_id.is_not(None), IpAward.awarded_on <= on
            )
        )
        if kind in counted
    }
    start = dt.date(on.year, 1, 1)
    out: dict[str, int] = defaultdict(int)
    rows: list[dict[str, Any]] = []
    stmt = select(
        Patent.id,
        Patent.patent_type,
        Patent.filing_date,
        Patent.grant_date,
        Patent.main_ipc,
        Patent.sei_code,
        Patent.foreign_family_count,
    ).where(Patent.grant_date.is_not(None), Patent.grant_date <= on)
    for pid, ptype, filed, granted, ipc, sei, family in session.execute(stmt):
        if granted is None:
            continue
        if granted >= start:
            out[f"granted.{ptype.value}"] += 1
        evs = events.get(pid, [])
        if not ip_status.in_force(
            patent_type=ptype, filing_date=filed, grant_date=granted, events=evs, on=on
        ):
            continue
        out[f"valid.{ptype.value}"] += 1
        if ptype is not PatentType.INVENTION:
            continue
        code = (ipc or "").replace(" ", "")
        rows.append(
            {
                "id": str(pid),
                "is_invention": True,
                "in_force": True,
                "sei_classified": bool(sei) or any(code.startswith(p) for p in prefixes),
                "foreign_family_count": family,
                "maintenance_years": ip_status.maintenance_years(
                    patent_type=ptype, filing_date=filed, grant_date=granted, events=evs, on=on
                ),
                "pledge_amount": int(pledged.get(pid, Decimal(0)) * 100),
                "award": pid in awarded,
            }
        )
    result = screen_rows(HIGH_VALUE, rows, as_of=on, engine="duckdb")
    out["high_value"] = sum(1 for r in result if r["outcome"] == "qualified")
    return dict(out)


def ip_figures(session: Session, year: int) -> dict[str, Decimal]:
    """Patents granted and in force, PCT filings, centres, programmes and high-value patents."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    p = patent_figures(session, end)
    hv = p["high_value"]

    def count(stmt: Any) -> Decimal:
        return Decimal(session.scalar(stmt) or 0)

    def centres(kind: CentreKind) -> Decimal:
        return count(
            select(func.count())
            .select_from(IpCentre)
            .where(IpCentre.kind == kind, IpCentre.recognised_on.between(start, end))
        )

    return {
        "patents_granted": Decimal(sum(v for k, v in p.items() if k.startswith("granted."))),
        "invention_patents_granted": Decimal(p.get("granted.invention", 0)),
        "valid_invention_patents": Decimal(p.get("valid.invention", 0)),
        "pct_applications": count(
            select(func.count())
            .select_from(PctFiling)
            .where(PctFiling.filing_date.between(start, end))
        ),
        "high_value_invention_patents": Decimal(hv),
        "high_value_patents_per_10k": Decimal(hv) * WAN / _population(session, year),
        "ip_finance_centres": centres(CentreKind.IP_FINANCE_CENTRE),
        "medical_ip_centres": centres(CentreKind.MEDICAL_OPERATION_CENTRE),
        "sme_ip_projects": count(
            select(func.count())
            .select_from(IpProgramme)
            .where(IpProgramme.kind == ProgrammeKind.SME_IP_OPERATION, IpProgramme.year == year)
        ),
    }


def _population(session: Session, year: int) -> Decimal:
    """Year-end resident population from its external-statistic record (the calibration's
    constant only when the record is missing, which the demo never leaves it)."""
    try:
        record = policy_service.get_external_statistic(
            session=session, key="resident_population", period_year=year
        )
    except NotFound:
        return Decimal(POPULATION[year])
    return Decimal(record.value)


def external_figures(session: Session, year: int) -> dict[str, Decimal]:
    """External statistics read back from their records (GII cluster rank)."""
    out: dict[str, Decimal] = {}
    with contextlib.suppress(NotFound):
        out["gii_cluster_rank"] = Decimal(
            policy_service.get_external_statistic(
                session=session, key="gii_cluster_rank", period_year=year
            ).value
        )
    return out


def fund_figures(session: Session) -> dict[str, Decimal]:
    """复旦科创母基金首期规模: the target of the fund's phase one (首期)."""
    from kechuang.funds.models import Fund

    fund = session.scalars(select(Fund).where(Fund.code == "FUDAN_FOF")).first()
    phases = fund.phases if fund is not None else []
    value = next((Decimal(p["target"]) for p in phases if p.get("phase") == "首期"), Decimal(0))
    return {"fudan_fof_phase1_size": value}


def compute(session: Session) -> dict[int, dict[str, Decimal]]:
    """Every headline figure for 2022 and 2023."""
    out: dict[int, dict[str, Decimal]] = {}
    for year in (2022, 2023):
        figures = credit_figures(session, year)
        figures.update(insurance_figures(session, year))
        figures.update(ip_figures(session, year))
        figures.update(external_figures(session, year))
        out[year] = figures
    out[2023].update(fund_figures(session))
    count = session.scalar(select(func.count()).select_from(Patent))
    out[2023]["patents_total"] = Decimal(count or 0)
    return out


__all__ = [
    "balances",
    "compute",
    "credit_figures",
    "insurance_figures",
    "ip_figures",
    "patent_figures",
]
