"""Every indicator as hand-written DuckDB SQL straight over the snapshot's Parquet files.

The baseline a data engineer would write without kechuang: one DuckDB connection, a view per
Parquet file (so DuckDB reads only the columns and row groups a query needs), temporary tables
for what several figures share (the classification of enterprises and the in-force inventions
of a year end), and one query per group of figures. Money stays ``DECIMAL`` (exact) and becomes
``Decimal`` in Python. Each year is computed on its own, like the definitions say (no trick of
computing both year ends in one scan). See :mod:`common` for the assumptions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import common as c

TABLES = (
    "enterprise",
    "enterprise_year",
    "qualification",
    "loan",
    "loan_ledger_event",
    "credit_grant",
    "insurance_policy",
    "insured_object",
    "institution",
    "fund",
    "patent",
    "patent_event",
    "pledge",
    "pledge_patent",
    "ip_award",
    "ipc_concordance",
    "pct_filing",
    "ip_centre",
    "ip_programme",
    "external_statistic",
)

PRODUCTS = {
    "sh_performance_loan": ("sh_performance_loan", "sh_micro_loan"),
    "sh_boost_loan": ("sh_boost_loan",),
    "sh_little_giant_credit_loan": ("sh_little_giant_credit_loan",),
    "sh_high_tech_loan": ("sh_high_tech_loan",),
    "esop_loan": ("esop_loan",),
}


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _d(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


def _group_sql() -> str:
    whens = [f"WHEN div BETWEEN {lo} AND {hi} THEN {g}" for lo, hi, g in c.DIVISIONS]
    return (
        "CASE WHEN industry_code IS NULL THEN NULL "
        "WHEN div = 70 THEN CASE substr(industry_code, 4, 1) WHEN '1' THEN 13 WHEN '2' THEN 14 "
        "ELSE 16 END " + " ".join(whens) + " ELSE NULL END"
    )


def _sme_sql(p: c.Params) -> str:
    column = {"employees": "employees", "revenue": "operating_revenue", "assets": "total_assets"}
    whens = []
    for code, (slug, metrics) in c.GROUPS.items():
        parts = []
        for m in metrics:
            limit = p.sme[f"{slug}.sme_{m}_below"]
            parts.append(f"{column[m]} < {limit if m == 'employees' else _yuan(limit)}")
        whens.append(f"WHEN {code} THEN ({' OR '.join(parts)})")
    return f"CASE grp {' '.join(whens)} ELSE NULL END"


class HandSql:
    """The indicators of one snapshot folder on one DuckDB connection."""

    def __init__(
        self, folder: Path, *, memory_limit: str | None = None, threads: int | None = None
    ):
        import duckdb

        self.con = duckdb.connect()
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        for name in TABLES:
            path = (folder / f"{name}.parquet").as_posix()
            self.con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")

    def one(self, sql: str) -> Any:
        return self.con.execute(sql).fetchone()

    def rows(self, sql: str) -> list[Any]:
        return self.con.execute(sql).fetchall()

    # ------------------------------------------------------------------ shared per year end

    def classify(self, year: int, p: c.Params) -> None:
        """``cls(enterprise_id, sci_tech, is_sme)`` on 31 December of ``year``."""
        end = _d(dt.date(year, 12, 31))
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE cls AS
            WITH held AS (
                SELECT DISTINCT enterprise_id FROM qualification
                WHERE valid_from <= {end} AND (valid_to IS NULL OR valid_to >= {end})
                  AND (revoked_on IS NULL OR revoked_on > {end}) AND kind IN {_in(p.counted_kinds)}
            ),
            fy AS (
                SELECT enterprise_id, employees, operating_revenue, total_assets
                FROM enterprise_year WHERE fiscal_year = {year - 1}
            ),
            prof AS (
                SELECT e.id, e.size_class, fy.employees, fy.operating_revenue, fy.total_assets,
                       {_group_sql()} AS grp
                FROM (SELECT id, size_class, industry_code,
                             TRY_CAST(substr(industry_code, 2, 2) AS INTEGER) AS div
                      FROM enterprise) e
                LEFT JOIN fy ON fy.enterprise_id = e.id
            ),
            sized AS (SELECT id, size_class, {_sme_sql(p)} AS sme FROM prof)
            SELECT s.id AS enterprise_id,
                   h.enterprise_id IS NOT NULL AS sci_tech,
                   CASE WHEN s.sme IS NULL THEN coalesce(s.size_class IN {_in(c.SME_CLASSES)}, false)
                        ELSE s.sme END AS is_sme
            FROM sized s LEFT JOIN held h ON h.enterprise_id = s.id
            """
        )

    def in_force(self, year: int) -> None:
        """``inv(...)``: invention patents in force on 31 December of ``year``."""
        end = _d(dt.date(year, 12, 31))
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE inv AS
            WITH ev AS (
                SELECT patent_id,
                       bool_or(kind IN ('invalidation_full', 'abandonment')) AS final,
                       max(event_date) FILTER (WHERE kind = 'lapse') AS lapse,
                       max(event_date) FILTER (WHERE kind = 'restoration') AS rest
                FROM patent_event WHERE event_date <= {end} GROUP BY patent_id
            )
            SELECT p.id, p.sei_code, p.main_ipc, p.ipc_classes, p.foreign_family_count,
                   {year} - year(p.filing_date) AS maintenance_years
            FROM patent p LEFT JOIN ev ON ev.patent_id = p.id
            WHERE p.patent_type = 'invention' AND p.grant_date <= {end}
              AND year(p.filing_date) > {year - 20}
              AND NOT coalesce(ev.final, false)
              AND (ev.lapse IS NULL OR ev.rest >= ev.lapse)
            """
        )

    # ------------------------------------------------------------------ one year

    def year(self, year: int, p: c.Params) -> c.Values:
        start, end = _d(dt.date(year, 1, 1)), _d(dt.date(year, 12, 31))
        v: c.Values = {}
        self.classify(year, p)

        # credit: balances per enterprise at year end
        n, bal, n_sme, bal_sme = self.one(
            f"""
            WITH per_loan AS (
                SELECT loan_id,
                       sum(CASE WHEN kind = 'drawdown' THEN amount ELSE -amount END) AS balance
                FROM loan_ledger_event
                WHERE event_date <= {end} AND kind IN {_in(c.PRINCIPAL_KINDS)}
                GROUP BY loan_id
            ),
            per_ent AS (
                SELECT l.enterprise_id, sum(b.balance) AS balance
                FROM per_loan b JOIN loan l ON l.id = b.loan_id
                GROUP BY l.enterprise_id HAVING sum(b.balance) > 0
            )
            SELECT count(*), sum(pe.balance),
                   count(*) FILTER (WHERE cls.is_sme), sum(pe.balance) FILTER (WHERE cls.is_sme)
            FROM per_ent pe JOIN cls USING (enterprise_id) WHERE cls.sci_tech
            """
        )
        v["sci_tech_borrowers"] = c.count(n)
        v["sci_tech_sme_borrowers"] = c.count(n_sme)
        v["sci_tech_loan_balance"] = _money(bal)
        v["sci_tech_sme_loan_balance"] = _money(bal_sme)

        grants = f"""
            SELECT enterprise_id, amount, product_key FROM credit_grant
            WHERE granted_on BETWEEN {start} AND {end}
              AND (cancelled_on IS NULL OR cancelled_on > {end})
        """
        case = " ".join(
            f"WHEN product_key IN {_in(keys)} THEN '{k}'" for k, keys in PRODUCTS.items()
        )
        found = {
            key: (ents, amount)
            for key, ents, amount in self.rows(
                f"""
                SELECT CASE {case} END AS key, count(DISTINCT enterprise_id), sum(amount)
                FROM ({grants}) g GROUP BY key
                """
            )
        }
        for key in PRODUCTS:
            ents, amount = found.get(key, (0, None))
            v[f"{key}_enterprises"] = c.count(ents)
            v[f"{key}_amount"] = _money(amount)
        ents, amount = self.one(
            f"""
            SELECT count(DISTINCT g.enterprise_id), sum(g.amount)
            FROM ({grants}) g JOIN cls USING (enterprise_id)
            WHERE g.product_key = 'sh_high_tech_loan' AND cls.is_sme
            """
        )
        v["sh_high_tech_loan_sme_enterprises"] = c.count(ents)
        v["sh_high_tech_loan_sme_amount"] = _money(amount)

        self._insurance(year, v)
        self._ip(year, p, v)

        # the fund, external statistics
        rows = self.rows(
            f"SELECT phases FROM fund WHERE code = 'fudan_fof' AND vintage <= {year} ORDER BY id"
        )
        v["fudan_fof_phase1_size"] = c.fund_phase([r[0] for r in rows])
        for key in ("gii_cluster_rank", "resident_population"):
            row = self.one(
                f"SELECT value FROM external_statistic WHERE key = '{key}' AND period_year = {year}"
            )
            v[key] = None if row is None else c.external_value(int(row[0] * 10000))
        v["high_value_patents_per_10k"] = c.per_10k(
            v["high_value_invention_patents"] or Decimal(0), v["resident_population"]
        )
        return v

    def _insurance(self, year: int, v: c.Values) -> None:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)

        def covered(day: str) -> str:
            return (
                f"(status = 'bound' OR (status = 'cancelled' AND bound_on IS NOT NULL"
                f" AND cancelled_on > {day}))"
            )

        def written(product: str, lo: dt.date, hi: dt.date) -> str:
            return f"""
                SELECT * FROM insurance_policy
                WHERE product_key = '{product}'
                  AND coalesce(bound_on, start_date) BETWEEN {_d(lo)} AND {_d(hi)}
                  AND {covered("start_date")}
            """

        def parties(pol: str) -> str:
            return f"""
                SELECT policy_no,
                       CASE WHEN insured_enterprise_id IS NOT NULL THEN 'enterprise'
                            WHEN insured_institution_id IS NOT NULL THEN 'institution'
                            ELSE 'name' END AS kind,
                       CASE WHEN insured_enterprise_id IS NOT NULL
                                 THEN CAST(insured_enterprise_id AS VARCHAR)
                            WHEN insured_institution_id IS NOT NULL
                                 THEN CAST(insured_institution_id AS VARCHAR)
                            ELSE trim(regexp_replace(insured_name, '\\s+', ' ', 'g')) END AS ref
                FROM ({pol})
                UNION
                SELECT p.policy_no, 'enterprise', CAST(o.enterprise_id AS VARCHAR)
                FROM insured_object o JOIN ({pol}) p ON o.policy_id = p.id
                WHERE o.kind = 'enterprise' AND o.enterprise_id IS NOT NULL
            """

        def objects(pol: str, kinds: tuple[str, ...]) -> str:
            return f"""
                SELECT o.kind, o.ref, o.enterprise_id
                FROM insured_object o JOIN ({pol}) p ON o.policy_id = p.id
                WHERE o.kind IN {_in(kinds)}
            """

        pool = written("ic_coinsurance_pool", dt.date(2021, 1, 1), dt.date(year, 9, 30))
        (n,) = self.one(f"SELECT count(*) FROM ({parties(pool)})")
        v["ic_coinsurance_pool_enterprise_policies"] = c.count(n)
        v["ic_coinsurance_pool_sum_insured"] = _money(
            self.one(f"SELECT sum(sum_insured) FROM ({pool})")[0]
        )

        fok = written("first_of_kind_equipment_insurance", dt.date(2015, 1, 1), end)
        (n,) = self.one(
            f"SELECT count(DISTINCT kind || ':' || ref) FROM ({objects(fok, ('project', 'equipment_set'))})"
        )
        v["first_of_kind_equipment_projects"] = c.count(n)
        v["first_of_kind_equipment_sum_insured"] = _money(
            self.one(f"SELECT sum(sum_insured) FROM ({fok})")[0]
        )

        clin = written("sh_clinical_trial_liability", start, end)
        (n,) = self.one(f"SELECT count(DISTINCT kind || ':' || ref) FROM ({parties(clin)})")
        v["clinical_trial_insured"] = c.count(n)
        (n,) = self.one(
            f"SELECT count(DISTINCT kind || ':' || ref) FROM ({objects(clin, ('clinical_trial',))})"
        )
        v["clinical_trial_projects"] = c.count(n)
        v["clinical_trial_sum_insured"] = _money(
            self.one(f"SELECT sum(sum_insured) FROM ({clin})")[0]
        )

        founder = f"""
            SELECT * FROM insurance_policy
            WHERE product_key = 'sh_startup_founder_liability'
              AND start_date <= {_d(end)} AND end_date >= {_d(end)} AND {covered(_d(end))}
        """
        districts, incubators, total = self.one(
            f"""
            SELECT count(DISTINCT coalesce(p.district_code, e.district_code, i.district_code)),
                   count(DISTINCT coalesce(inc.code,
                                           CASE WHEN i.kind = 'incubator' THEN i.code END)),
                   sum(p.sum_insured)
            FROM ({founder}) p
            LEFT JOIN enterprise e ON e.id = p.insured_enterprise_id
            LEFT JOIN institution i ON i.id = p.insured_institution_id
            LEFT JOIN institution inc ON inc.id = p.incubator_institution_id
            """
        )
        v["startup_founder_districts"] = c.count(districts)
        v["startup_founder_incubators"] = c.count(incubators)
        v["startup_founder_sum_insured"] = _money(total)
        ents, founders = self.one(
            f"SELECT count(DISTINCT enterprise_id), count(DISTINCT kind || ':' || ref)"
            f" FROM ({objects(founder, ('founder',))})"
        )
        v["startup_founder_enterprises"] = c.count(ents)
        v["startup_founder_founders"] = c.count(founders)

    def _ip(self, year: int, p: c.Params, v: c.Values) -> None:
        start, end = _d(dt.date(year, 1, 1)), _d(dt.date(year, 12, 31))
        granted, inventions = self.one(
            f"""
            SELECT count(*), count(*) FILTER (WHERE patent_type = 'invention')
            FROM patent WHERE grant_date BETWEEN {start} AND {end}
            """
        )
        v["patents_granted"] = c.count(granted)
        v["invention_patents_granted"] = c.count(inventions)
        (n,) = self.one(
            f"SELECT count(*) FROM pct_filing WHERE filing_date BETWEEN {start} AND {end}"
        )
        v["pct_applications"] = c.count(n)

        self.in_force(year)
        pledge = (
            f"coalesce(pl.amount, 0) >= {_yuan(p.pledge_amount_min)}"
            if p.pledge_in_force
            else "false"
        )
        valid, hv = self.one(
            f"""
            WITH declared AS (
                SELECT id, sei_code IS NOT NULL AND trim(sei_code) <> '' AS declared,
                       main_ipc, ipc_classes
                FROM inv
            ),
            codes AS (
                SELECT id, unnest(list_concat([main_ipc],
                                              coalesce(string_split(ipc_classes, ';'), []))) AS code
                FROM declared WHERE NOT declared
            ),
            matched AS (
                SELECT DISTINCT codes.id FROM codes
                JOIN ipc_concordance k ON starts_with(codes.code, k.ipc_prefix)
                WHERE codes.code IS NOT NULL AND codes.code <> ''
            ),
            pl AS (
                SELECT pp.patent_id, sum(pg.amount) AS amount
                FROM pledge_patent pp JOIN pledge pg ON pg.id = pp.pledge_id
                WHERE pg.registration_date <= {end}
                  AND (pg.release_date IS NULL OR pg.release_date > {end})
                GROUP BY pp.patent_id
            ),
            aw AS (
                SELECT DISTINCT patent_id FROM ip_award
                WHERE patent_id IS NOT NULL AND kind IN {_in(c.COUNTED_AWARDS)}
                  AND awarded_on <= {end}
            )
            SELECT count(*),
                   count(*) FILTER (WHERE d.declared OR m.id IS NOT NULL
                                    OR inv.foreign_family_count >= {p.min_foreign_family}
                                    OR inv.maintenance_years > {p.maintenance_years_over}
                                    OR {pledge}
                                    OR aw.patent_id IS NOT NULL)
            FROM inv
            JOIN declared d ON d.id = inv.id
            LEFT JOIN matched m ON m.id = inv.id
            LEFT JOIN pl ON pl.patent_id = inv.id
            LEFT JOIN aw ON aw.patent_id = inv.id
            """
        )
        v["valid_invention_patents"] = c.count(valid)
        v["high_value_invention_patents"] = c.count(hv)

        for key, kind in (
            ("ip_finance_centres", "ip_finance_centre"),
            ("medical_ip_centres", "medical_operation_centre"),
        ):
            (n,) = self.one(
                f"SELECT count(*) FROM ip_centre WHERE kind = '{kind}'"
                f" AND recognised_on BETWEEN {start} AND {end}"
            )
            v[key] = c.count(n)
        (n,) = self.one(
            f"SELECT count(*) FROM ip_programme WHERE kind = 'sme_ip_operation' AND year = {year}"
        )
        v["sme_ip_projects"] = c.count(n)

    def close(self) -> None:
        self.con.close()


def _money(value: Any) -> Decimal:
    """A DuckDB ``DECIMAL`` sum in 元 (``None`` → 0.00), quantised to the fen."""
    return (Decimal(0) if value is None else Decimal(value)).quantize(c.FEN)


def compute(
    folder: Path, year: int, *, memory_limit: str | None = None, threads: int | None = None
) -> list[dict[str, Any]]:
    """Every indicator for ``year`` and ``year − 1`` (rows of :func:`common.assemble`)."""
    p = c.params(year)  # both years under the release year's parameters, as kechuang does
    h = HandSql(folder, memory_limit=memory_limit, threads=threads)
    try:
        this = h.year(year, p)
        last = h.year(year - 1, p)
    finally:
        h.close()
    return c.assemble(year, this, last)


__all__ = ["HandSql", "compute"]
