"""A hand-computed dataset for the indicator tests (report year 2023, previous year 2022).

Every expected figure in :data:`EXPECTED_2023` / :data:`EXPECTED_2022` is worked out by hand in
the comments below; the records include the edge cases of the issue: an enterprise with two
loans, a loan repaid on 12-31, a qualification expiring on 12-31 (and one expiring on 12-30), a
patent lapsing on 12-31, a policy cancelled on 12-31, a quoted policy, a renewal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from kechuang.credit.models import CreditGrant, LedgerEvent, Loan
from kechuang.funds.models import Fund
from kechuang.insurance.models import InsurancePolicy, InsuredObject
from kechuang.ip.models import (
    IpcConcordance,
    IpCentre,
    IpProgramme,
    Patent,
    PatentEvent,
    PctFiling,
)
from kechuang.policy.models import ExternalStatistic
from kechuang.registry.models import Enterprise, EnterpriseYear, Institution, Qualification

D = dt.date
Y = Decimal

# --- credit --------------------------------------------------------------------------------
# E1 high_tech (2020–2025), fiscal 2022: 50 staff, 1000万 revenue → SME by the standard.
#    two loans: L1 1,000,000 drawn 2023-03-01, 200,000 repaid → 800,000; L2 500,000 (2022) → 500,000
#    2023: 1,300,000; 2022: 500,000 (fiscal 2021 missing → registry size_class small → SME)
# E2 tech_sme valid to 2023-12-31 (counts on 12-31), micro; L3 300,000 repaid on 2023-12-31 → 0
# E3 high_tech valid to 2023-12-30 (expired at year end); L4 200,000 → not sci-tech
# E4 little_giant, large (fiscal 2022/2021: 5000 staff, 50亿 revenue); L5 2,000,000 (2022),
#    500,000 repaid 2023-01-15 → 2023: 1,500,000; 2022: 2,000,000
# 2023: borrowers E1, E4 = 2; SME E1 = 1; balance 2,800,000; SME 1,300,000
# 2022: borrowers E1, E4 = 2; SME E1 = 1; balance 2,500,000; SME   500,000
# grants 2023: high_tech G1 E1 1.5m, G2 E1 0.5m, G3 E4 3m → 2 firms, 5,000,000; SME: E1, 2,000,000
#              performance (incl. micro): G4 E2 micro 300,000 (G5 E3 cancelled 2023-10-01) → 1, 300,000
# grants 2022: high_tech G6 E4 2,000,000; boost G7 E1 500,000

EXPECTED_2023: dict[str, Decimal | None] = {
    "sci_tech_borrowers": Y(2),
    "sci_tech_sme_borrowers": Y(1),
    "sci_tech_loan_balance": Y("2800000.00"),
    "sci_tech_sme_loan_balance": Y("1300000.00"),
    "sh_high_tech_loan_enterprises": Y(2),
    "sh_high_tech_loan_amount": Y("5000000.00"),
    "sh_high_tech_loan_sme_enterprises": Y(1),
    "sh_high_tech_loan_sme_amount": Y("2000000.00"),
    "sh_performance_loan_enterprises": Y(1),
    "sh_performance_loan_amount": Y("300000.00"),
    "sh_boost_loan_enterprises": Y(0),
    "sh_boost_loan_amount": Y("0.00"),
    "sh_little_giant_credit_loan_enterprises": Y(0),
    "esop_loan_amount": Y("0.00"),
    # insurance: P1 (E1 + group object E4) and P3 (E4, 2022) written by 09-30; P2 after → 3 家次
    "ic_coinsurance_pool_enterprise_policies": Y(3),
    "ic_coinsurance_pool_sum_insured": Y("1500000000.00"),
    # first-of-kind: P11 (2016: EQ1, PJ1) + P12 renewal (2023: EQ1) → 2 objects, 9,000,000
    "first_of_kind_equipment_projects": Y(2),
    "first_of_kind_equipment_sum_insured": Y("9000000.00"),
    # clinical: P4 (hospital H1: T1, T2), P5 (E2: T2, T3); P6 quoted; P7 cancelled on its start
    "clinical_trial_insured": Y(2),
    "clinical_trial_projects": Y(3),
    "clinical_trial_sum_insured": Y("3000000.00"),
    # founders in force 12-31: P8 (E5 @ INC1, 310104: F1, F2 of E5), P9 (INC2 itself, 310110:
    # F3 of E3); P10 cancelled 12-31 (cover ended 12-30)
    "startup_founder_districts": Y(2),
    "startup_founder_incubators": Y(2),
    "startup_founder_enterprises": Y(2),
    "startup_founder_founders": Y(3),
    "startup_founder_sum_insured": Y("150000.00"),
    # IP: granted 2023 PA1, PA4 (utility), PA5, PA8 → 4, inventions 3
    "patents_granted": Y(4),
    "invention_patents_granted": Y(3),
    "pct_applications": Y(2),
    # in force 2023-12-31: PA1, PA3, PA5 (lapsed 11-20, restored 12-01), PA8; PA2 lapsed 12-31;
    # PA6 expired
    "valid_invention_patents": Y(4),
    # high value: PA1 (SEI code), PA3 (13 years maintained), PA8 (SEI by IPC concordance)
    "high_value_invention_patents": Y(3),
    "resident_population": Y(20000),
    "high_value_patents_per_10k": Y("1.500000"),
    "gii_cluster_rank": Y(5),
    "ip_finance_centres": Y(1),
    "medical_ip_centres": Y(1),
    "sme_ip_projects": Y(2),
    "fudan_fof_phase1_size": Y("1000000000.00"),
}

EXPECTED_2022: dict[str, Decimal | None] = {
    "sci_tech_borrowers": Y(2),
    "sci_tech_sme_borrowers": Y(1),
    "sci_tech_loan_balance": Y("2500000.00"),
    "sci_tech_sme_loan_balance": Y("500000.00"),
    "sh_high_tech_loan_enterprises": Y(1),
    "sh_high_tech_loan_amount": Y("2000000.00"),
    "sh_boost_loan_enterprises": Y(1),
    "sh_boost_loan_amount": Y("500000.00"),
    "ic_coinsurance_pool_enterprise_policies": Y(1),
    "first_of_kind_equipment_projects": Y(2),
    "first_of_kind_equipment_sum_insured": Y("5000000.00"),
    "patents_granted": Y(1),
    "invention_patents_granted": Y(1),
    "pct_applications": Y(1),
    # in force 2022-12-31: PA2, PA3, PA6 (expires 2023-06-01)
    "valid_invention_patents": Y(3),
    # PA3 (12 years), PA6 (19 years)
    "high_value_invention_patents": Y(2),
    "high_value_patents_per_10k": Y("0.800000"),
    "gii_cluster_rank": Y(6),
    "medical_ip_centres": Y(1),
    "fudan_fof_phase1_size": None,
}

EXPECTED_YOY_2023: dict[str, Decimal | None] = {
    "sci_tech_borrowers": Y("0E-10"),
    "sci_tech_loan_balance": Y("0.1200000000"),
    "sci_tech_sme_loan_balance": Y("1.6000000000"),
    "sh_high_tech_loan_amount": Y("1.5000000000"),
    "valid_invention_patents": Y("0.3333333333"),
    "high_value_patents_per_10k": Y("0.8750000000"),
    "invention_patents_granted": Y("2.0000000000"),
    "gii_cluster_rank": None,
    "sh_performance_loan_amount": None,
}


def _ent(s: Session, code: str, **kw: object) -> Enterprise:
    e = Enterprise(
        uscc=code,
        name=f"企业{code}",
        district_code=kw.pop("district", "310104"),
        registered_on=D(2015, 1, 1),
        **kw,
    )
    s.add(e)
    s.flush()
    return e


def _loan(
    s: Session,
    no: str,
    grant: CreditGrant,
    amount: str,
    drawn: dt.date,
    repaid: list[tuple[dt.date, str]] = (),  # type: ignore[assignment]
) -> Loan:
    loan = Loan(
        loan_no=no,
        grant_id=grant.id,
        enterprise_id=grant.enterprise_id,
        bank_id=grant.bank_id,
        product_key=grant.product_key,
        principal=Y(amount),
        drawdown_date=drawn,
        maturity_date=drawn.replace(year=drawn.year + 3),
        annual_rate=Y("0.035"),
        repayment_method="interest_only",
        status_since=drawn,
    )
    s.add(loan)
    s.flush()
    s.add(
        LedgerEvent(
            loan_id=loan.id, kind="drawdown", event_date=drawn, amount=Y(amount), recorded_by="t"
        )
    )
    for day, amt in repaid:
        s.add(
            LedgerEvent(
                loan_id=loan.id,
                kind="repayment_principal",
                event_date=day,
                amount=Y(amt),
                recorded_by="t",
            )
        )
    # interest never changes a balance
    s.add(
        LedgerEvent(
            loan_id=loan.id,
            kind="repayment_interest",
            event_date=drawn,
            amount=Y("1.00"),
            recorded_by="t",
        )
    )
    return loan


def _grant(
    s: Session,
    no: str,
    ent: Enterprise,
    bank: Institution,
    product: str,
    amount: str,
    on: dt.date,
    cancelled: dt.date | None = None,
) -> CreditGrant:
    g = CreditGrant(
        contract_no=no,
        enterprise_id=ent.id,
        bank_id=bank.id,
        product_key=product,
        amount=Y(amount),
        granted_on=on,
        term_months=12,
        expires_on=on.replace(year=on.year + 1),
        annual_rate=Y("0.035"),
        repayment_method="interest_only",
        security="none",
        cancelled_on=cancelled,
    )
    s.add(g)
    s.flush()
    return g


def _policy(
    s: Session,
    no: str,
    product: str,
    line: str,
    *,
    sum_insured: str,
    start: dt.date,
    end: dt.date,
    enterprise: Enterprise | None = None,
    institution: Institution | None = None,
    name: str = "被保险人",
    status: str = "bound",
    bound_on: dt.date | None = None,
    cancelled_on: dt.date | None = None,
    district: str | None = None,
    incubator: Institution | None = None,
    objects: list[tuple[str, str, Enterprise | None]] = (),
) -> InsurancePolicy:  # type: ignore[assignment]
    p = InsurancePolicy(
        policy_no=no,
        product_key=product,
        line=line,
        insured_enterprise_id=enterprise.id if enterprise else None,
        insured_institution_id=institution.id if institution else None,
        insured_name=enterprise.name if enterprise else (institution.name if institution else name),
        sum_insured=Y(sum_insured),
        premium=Y("100.00"),
        rate=Y("0.01"),
        start_date=start,
        end_date=end,
        status=status,
        bound_on=bound_on,
        cancelled_on=cancelled_on,
        district_code=district,
        incubator_institution_id=incubator.id if incubator else None,
    )
    s.add(p)
    s.flush()
    for kind, ref, ent in objects:
        s.add(
            InsuredObject(policy_id=p.id, kind=kind, ref=ref, enterprise_id=ent.id if ent else None)
        )
    return p


def _patent(
    s: Session,
    no: str,
    kind: str,
    filed: dt.date,
    granted: dt.date | None,
    *,
    sei: str | None = None,
    events: list[tuple[str, dt.date]] = (),
) -> Patent:  # type: ignore[assignment]
    p = Patent(
        application_no=no, patent_type=kind, filing_date=filed, grant_date=granted, sei_code=sei
    )
    s.add(p)
    s.flush()
    for k, day in events:
        s.add(PatentEvent(patent_id=p.id, kind=k, event_date=day))
    return p


def build(s: Session) -> None:
    """Insert the dataset (the caller commits)."""
    bank = Institution(code="BANK1", name="银行", kind="bank")
    hosp = Institution(code="H1", name="医院", kind="other", district_code="310101")
    inc1 = Institution(code="INC1", name="孵化器一", kind="incubator", district_code="310104")
    inc2 = Institution(code="INC2", name="孵化器二", kind="incubator", district_code="310110")
    s.add_all([bank, hosp, inc1, inc2])
    s.flush()

    e1 = _ent(s, "E1", industry_code="C3973", size_class="small")
    e2 = _ent(s, "E2", industry_code="C3973", size_class="micro")
    e3 = _ent(s, "E3", industry_code="C3973", size_class="small")
    e4 = _ent(s, "E4", industry_code="C3973", size_class="large")
    e5 = _ent(s, "E5", industry_code="I6513", size_class="micro")
    s.add_all(
        [
            Qualification(
                enterprise_id=e1.id,
                kind="high_tech",
                valid_from=D(2020, 1, 1),
                valid_to=D(2025, 12, 31),
            ),
            Qualification(
                enterprise_id=e2.id,
                kind="tech_sme",
                valid_from=D(2023, 1, 1),
                valid_to=D(2023, 12, 31),
            ),
            Qualification(
                enterprise_id=e3.id,
                kind="high_tech",
                valid_from=D(2020, 12, 31),
                valid_to=D(2023, 12, 30),
            ),
            Qualification(
                enterprise_id=e4.id, kind="little_giant", valid_from=D(2021, 1, 1), valid_to=None
            ),
            EnterpriseYear(
                enterprise_id=e1.id,
                fiscal_year=2022,
                employees=50,
                operating_revenue=Y("10000000.00"),
                total_assets=Y("20000000.00"),
            ),
            EnterpriseYear(
                enterprise_id=e4.id,
                fiscal_year=2022,
                employees=5000,
                operating_revenue=Y("5000000000.00"),
                total_assets=Y("9000000000.00"),
            ),
            EnterpriseYear(
                enterprise_id=e4.id,
                fiscal_year=2021,
                employees=5000,
                operating_revenue=Y("5000000000.00"),
                total_assets=Y("9000000000.00"),
            ),
        ]
    )

    g1 = _grant(s, "G1", e1, bank, "sh_high_tech_loan", "1500000", D(2023, 2, 20))
    _grant(s, "G2", e1, bank, "sh_high_tech_loan", "500000", D(2023, 3, 1))
    _grant(s, "G3", e4, bank, "sh_high_tech_loan", "3000000", D(2023, 5, 1))
    g4 = _grant(s, "G4", e2, bank, "sh_micro_loan", "300000", D(2023, 1, 20))
    g5 = _grant(
        s, "G5", e3, bank, "sh_performance_loan", "200000", D(2023, 4, 1), cancelled=D(2023, 10, 1)
    )
    g6 = _grant(s, "G6", e4, bank, "sh_high_tech_loan", "2000000", D(2022, 1, 1))
    g7 = _grant(s, "G7", e1, bank, "sh_boost_loan", "500000", D(2022, 4, 1))

    _loan(s, "L1", g1, "1000000", D(2023, 3, 1), [(D(2023, 6, 30), "200000")])
    _loan(s, "L2", g7, "500000", D(2022, 5, 1))
    _loan(s, "L3", g4, "300000", D(2023, 2, 1), [(D(2023, 12, 31), "300000")])
    _loan(s, "L4", g5, "200000", D(2023, 4, 10))
    _loan(s, "L5", g6, "2000000", D(2022, 1, 10), [(D(2023, 1, 15), "500000")])

    ic, fk, ct, sf = (
        "ic_coinsurance",
        "first_of_kind_equipment",
        "clinical_trial_liability",
        "startup_founder_liability",
    )
    _policy(
        s,
        "P1",
        "ic_coinsurance_pool",
        ic,
        sum_insured="1000000000",
        start=D(2023, 3, 1),
        end=D(2024, 2, 28),
        enterprise=e1,
        bound_on=D(2023, 2, 20),
        objects=[("enterprise", "E4", e4), ("enterprise", "E1", e1)],
    )
    _policy(
        s,
        "P2",
        "ic_coinsurance_pool",
        ic,
        sum_insured="700000000",
        start=D(2023, 10, 1),
        end=D(2024, 9, 30),
        enterprise=e1,
    )
    _policy(
        s,
        "P3",
        "ic_coinsurance_pool",
        ic,
        sum_insured="500000000",
        start=D(2022, 6, 1),
        end=D(2023, 5, 31),
        enterprise=e4,
    )
    _policy(
        s,
        "P4",
        "sh_clinical_trial_liability",
        ct,
        sum_insured="1000000",
        start=D(2023, 5, 1),
        end=D(2024, 4, 30),
        institution=hosp,
        objects=[("clinical_trial", "T1", None), ("clinical_trial", "T2", None)],
    )
    _policy(
        s,
        "P5",
        "sh_clinical_trial_liability",
        ct,
        sum_insured="2000000",
        start=D(2023, 7, 1),
        end=D(2024, 6, 30),
        enterprise=e2,
        objects=[("clinical_trial", "T2", None), ("clinical_trial", "T3", None)],
    )
    _policy(
        s,
        "P6",
        "sh_clinical_trial_liability",
        ct,
        sum_insured="9000000",
        start=D(2023, 7, 1),
        end=D(2024, 6, 30),
        enterprise=e3,
        status="quoted",
        objects=[("clinical_trial", "T9", None)],
    )
    _policy(
        s,
        "P7",
        "sh_clinical_trial_liability",
        ct,
        sum_insured="8000000",
        start=D(2023, 8, 1),
        end=D(2024, 7, 31),
        name="某  研究所",
        status="cancelled",
        bound_on=D(2023, 7, 20),
        cancelled_on=D(2023, 8, 1),
        objects=[("clinical_trial", "T8", None)],
    )
    _policy(
        s,
        "P8",
        "sh_startup_founder_liability",
        sf,
        sum_insured="100000",
        start=D(2023, 6, 1),
        end=D(2024, 5, 31),
        enterprise=e5,
        incubator=inc1,
        district="310104",
        objects=[("founder", "F1", e5), ("founder", "F2", e5)],
    )
    _policy(
        s,
        "P9",
        "sh_startup_founder_liability",
        sf,
        sum_insured="50000",
        start=D(2023, 1, 1),
        end=D(2023, 12, 31),
        institution=inc2,
        objects=[("founder", "F3", e3)],
    )
    _policy(
        s,
        "P10",
        "sh_startup_founder_liability",
        sf,
        sum_insured="70000",
        start=D(2023, 1, 1),
        end=D(2024, 6, 30),
        enterprise=e4,
        status="cancelled",
        bound_on=D(2022, 12, 20),
        cancelled_on=D(2023, 12, 31),
        district="310115",
        objects=[("founder", "F4", e4)],
    )
    _policy(
        s,
        "P11",
        "first_of_kind_equipment_insurance",
        fk,
        sum_insured="5000000",
        start=D(2016, 3, 1),
        end=D(2017, 2, 28),
        enterprise=e4,
        objects=[("equipment_set", "EQ1", None), ("project", "PJ1", None)],
    )
    _policy(
        s,
        "P12",
        "first_of_kind_equipment_insurance",
        fk,
        sum_insured="4000000",
        start=D(2023, 3, 1),
        end=D(2024, 2, 29),
        enterprise=e4,
        objects=[("equipment_set", "EQ1", None)],
    )

    _patent(s, "PA1", "invention", D(2020, 1, 1), D(2023, 3, 1), sei="1.1")
    _patent(
        s, "PA2", "invention", D(2019, 1, 1), D(2022, 5, 1), events=[("lapse", D(2023, 12, 31))]
    )
    _patent(s, "PA3", "invention", D(2010, 6, 1), D(2021, 1, 1))
    _patent(s, "PA4", "utility_model", D(2023, 1, 1), D(2023, 8, 1))
    _patent(
        s,
        "PA5",
        "invention",
        D(2021, 1, 1),
        D(2023, 11, 1),
        events=[("lapse", D(2023, 11, 20)), ("restoration", D(2023, 12, 1))],
    )
    _patent(s, "PA6", "invention", D(2003, 6, 1), D(2006, 1, 1))
    _patent(s, "PA7", "invention", D(2023, 1, 1), None)
    # PA8: no declared SEI code; its messy main IPC normalises to H01L21/02 → concordance "H01L"
    pa8 = _patent(s, "PA8", "invention", D(2022, 1, 1), D(2023, 6, 1))
    pa8.main_ipc = "h01l 21/02 (2006.01)"
    s.add(IpcConcordance(ipc_prefix="H01L", sei_code="1.2", sei_name="集成电路"))
    s.add(IpcConcordance(ipc_prefix="G06Q", sei_code="1.5", sei_name="其他"))
    s.add_all(
        [
            PctFiling(
                international_no="PCT/CN2023/000001",
                receiving_office="CN",
                filing_date=D(2023, 2, 1),
            ),
            PctFiling(
                international_no="PCT/CN2023/000002",
                receiving_office="CN",
                filing_date=D(2023, 12, 31),
            ),
            PctFiling(
                international_no="PCT/CN2022/000001",
                receiving_office="CN",
                filing_date=D(2022, 6, 1),
            ),
            IpCentre(
                code="C1", name="金融中心", kind="ip_finance_centre", recognised_on=D(2023, 6, 1)
            ),
            IpCentre(
                code="C2",
                name="医疗中心",
                kind="medical_operation_centre",
                recognised_on=D(2023, 6, 1),
            ),
            IpCentre(
                code="C3",
                name="医疗中心二",
                kind="medical_operation_centre",
                recognised_on=D(2022, 6, 1),
            ),
            IpProgramme(code="S1", kind="sme_ip_operation", name="项目一", year=2023),
            IpProgramme(code="S2", kind="sme_ip_operation", name="项目二", year=2023),
            IpProgramme(code="S3", kind="cipo_training", name="培训", year=2023),
            ExternalStatistic(
                key="resident_population",
                period_year=2023,
                value=Y(20000),
                unit="persons",
                label_zh="常住人口",
                source_title="统计公报",
                status="confirmed",
            ),
            ExternalStatistic(
                key="resident_population",
                period_year=2022,
                value=Y(25000),
                unit="persons",
                label_zh="常住人口",
                source_title="统计公报",
                status="confirmed",
            ),
            ExternalStatistic(
                key="gii_cluster_rank",
                period_year=2023,
                value=Y(5),
                unit="rank",
                label_zh="集群排名",
                source_title="WIPO GII 2023",
                status="confirmed",
            ),
            ExternalStatistic(
                key="gii_cluster_rank",
                period_year=2022,
                value=Y(6),
                unit="rank",
                label_zh="集群排名",
                source_title="WIPO GII 2022",
                status="confirmed",
            ),
            Fund(
                code="fudan_fof",
                name="复旦科创母基金",
                kind="fund_of_funds",
                vintage=2023,
                target_size=Y("3000000000"),
                phases=[{"phase": "首期", "target": "1000000000.00"}],
            ),
        ]
    )
    s.flush()
