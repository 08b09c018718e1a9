"""Every indicator in pandas, the way an analyst would write it with DataFrames.

Each table is read with ``pandas.read_parquet`` (pyarrow engine, only the columns needed); money
(``decimal128``) is turned into integer fen with pyarrow before it reaches pandas, so every sum
is an exact integer sum (``Decimal`` objects in pandas would be both slow and unfair). Low-
cardinality text (kinds, product keys) is read as ``category``. Three-valued logic of the
standards uses pandas' nullable ``boolean`` dtype (Kleene, like SQL). See :mod:`common` for the
assumptions shared with the SQL baseline.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import common as c

PRODUCTS = {
    "sh_performance_loan": ("sh_performance_loan", "sh_micro_loan"),
    "sh_boost_loan": ("sh_boost_loan",),
    "sh_little_giant_credit_loan": ("sh_little_giant_credit_loan",),
    "sh_high_tech_loan": ("sh_high_tech_loan",),
    "esop_loan": ("esop_loan",),
}


class Frames:
    """Lazily read DataFrames of one snapshot folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[tuple[str, tuple[str, ...]], Any] = {}

    def __call__(
        self, name: str, columns: tuple[str, ...], categories: tuple[str, ...] = ()
    ) -> Any:
        key = (name, columns)
        if key not in self._cache:
            import pyarrow as pa
            import pyarrow.compute as pc
            import pyarrow.parquet as pq

            table = pq.read_table(
                self.folder / f"{name}.parquet",
                columns=list(columns),
                read_dictionary=list(categories),
            )
            for i, field in enumerate(table.schema):
                if pa.types.is_decimal(field.type):  # exact integer (fen / 10⁻⁴)
                    factor = pa.scalar(
                        Decimal(10) ** field.type.scale, pa.decimal128(field.type.scale + 1, 0)
                    )
                    ints = pc.multiply(table.column(i), factor).cast(pa.int64())
                    table = table.set_column(i, field.name, ints)
            self._cache[key] = table.to_pandas(date_as_object=False)
        return self._cache[key]


def _ts(day: dt.date) -> Any:
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    return pd.Timestamp(day)


def _sme(prof: Any, p: c.Params) -> Any:
    """Kleene "is an SME" per row of ``prof`` (nullable boolean; NA when undetermined)."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    column = {"employees": "employees", "revenue": "operating_revenue", "assets": "total_assets"}
    out = pd.Series(pd.NA, index=prof.index, dtype="boolean")
    for code, (slug, metrics) in c.GROUPS.items():
        rows = prof["grp"] == code
        if not rows.any():
            continue
        part = prof.loc[rows]
        acc = pd.Series(False, index=part.index, dtype="boolean")
        for m in metrics:
            values = part[column[m]].astype("Int64")
            acc = acc | (values < p.sme[f"{slug}.sme_{m}_below"])
        out.loc[rows] = acc
    return out


def classification(f: Frames, year: int, p: c.Params) -> Any:
    """DataFrame ``enterprise_id, sci_tech, is_sme`` on 31 December of ``year``."""
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    end = _ts(dt.date(year, 12, 31))
    q = f(
        "qualification",
        ("enterprise_id", "kind", "valid_from", "valid_to", "revoked_on"),
        ("kind",),
    )
    ok = (
        (q.valid_from <= end)
        & (q.valid_to.isna() | (q.valid_to >= end))
        & (q.revoked_on.isna() | (q.revoked_on > end))
        & q.kind.isin(p.counted_kinds)
    )
    held = pd.Index(q.loc[ok, "enterprise_id"].unique())
    e = f("enterprise", ("id", "industry_code", "size_class"))
    y = f(
        "enterprise_year",
        ("enterprise_id", "fiscal_year", "employees", "operating_revenue", "total_assets"),
    )
    y = y[y.fiscal_year == year - 1].drop(columns="fiscal_year")
    prof = e.merge(y, how="left", left_on="id", right_on="enterprise_id")
    groups = {code: c.industry_group(code) for code in prof.industry_code.dropna().unique()}
    prof["grp"] = prof.industry_code.map(groups).astype("Int64")
    sme = _sme(prof, p)
    recorded = prof.size_class.isin(c.SME_CLASSES)
    is_sme = sme.fillna(False).astype(bool).where(sme.notna(), recorded)
    return pd.DataFrame(
        {
            "enterprise_id": prof.id.values,
            "sci_tech": prof.id.isin(held).values,
            "is_sme": is_sme.values,
        }
    )


def year_values(f: Frames, year: int, p: c.Params) -> c.Values:
    start, end = _ts(dt.date(year, 1, 1)), _ts(dt.date(year, 12, 31))
    v: c.Values = {}
    cls = classification(f, year, p)

    # credit
    ev = f("loan_ledger_event", ("loan_id", "kind", "event_date", "amount"), ("kind",))
    ev = ev[(ev.event_date <= end) & ev.kind.isin(c.PRINCIPAL_KINDS)]
    signed = ev.amount.where(ev.kind == "drawdown", -ev.amount)
    per_loan = signed.groupby(ev.loan_id).sum().rename("balance").reset_index()
    loans = f("loan", ("id", "enterprise_id"))
    per_loan = per_loan.merge(loans, left_on="loan_id", right_on="id")
    per_ent = per_loan.groupby("enterprise_id").balance.sum()
    per_ent = per_ent[per_ent > 0].reset_index().merge(cls, on="enterprise_id")
    st = per_ent[per_ent.sci_tech]
    sme = st[st.is_sme]
    v["sci_tech_borrowers"] = c.count(len(st))
    v["sci_tech_sme_borrowers"] = c.count(len(sme))
    v["sci_tech_loan_balance"] = c.yuan(st.balance.sum())
    v["sci_tech_sme_loan_balance"] = c.yuan(sme.balance.sum())

    g = f(
        "credit_grant",
        ("enterprise_id", "product_key", "amount", "granted_on", "cancelled_on"),
        ("product_key",),
    )
    g = g[
        (g.granted_on >= start)
        & (g.granted_on <= end)
        & (g.cancelled_on.isna() | (g.cancelled_on > end))
    ]
    for key, keys in PRODUCTS.items():
        sel = g[g.product_key.isin(keys)]
        v[f"{key}_enterprises"] = c.count(sel.enterprise_id.nunique())
        v[f"{key}_amount"] = c.yuan(sel.amount.sum())
    ht = g[g.product_key == "sh_high_tech_loan"].merge(cls[cls.is_sme], on="enterprise_id")
    v["sh_high_tech_loan_sme_enterprises"] = c.count(ht.enterprise_id.nunique())
    v["sh_high_tech_loan_sme_amount"] = c.yuan(ht.amount.sum())

    _insurance(f, year, v)
    _ip(f, year, p, v)

    funds = f("fund", ("id", "code", "vintage", "phases"))
    funds = funds[(funds.code == "fudan_fof") & (funds.vintage <= year)].sort_values("id")
    v["fudan_fof_phase1_size"] = c.fund_phase(list(funds.phases))
    x = f("external_statistic", ("key", "period_year", "value"))
    for key in ("gii_cluster_rank", "resident_population"):
        row = x[(x.key == key) & (x.period_year == year)]
        v[key] = None if row.empty else c.external_value(int(row.value.iloc[0]))
    v["high_value_patents_per_10k"] = c.per_10k(
        v["high_value_invention_patents"] or Decimal(0), v["resident_population"]
    )
    return v


def _insurance(f: Frames, year: int, v: c.Values) -> None:
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    pol = f(
        "insurance_policy",
        (
            "id",
            "policy_no",
            "product_key",
            "insured_enterprise_id",
            "insured_institution_id",
            "insured_name",
            "sum_insured",
            "start_date",
            "end_date",
            "status",
            "bound_on",
            "cancelled_on",
            "district_code",
            "incubator_institution_id",
        ),
        ("product_key", "status"),
    )
    obj = f("insured_object", ("policy_id", "kind", "ref", "enterprise_id"), ("kind",))
    start, end = _ts(dt.date(year, 1, 1)), _ts(dt.date(year, 12, 31))

    def covered(p: Any, day: Any) -> Any:
        return (p.status == "bound") | (
            (p.status == "cancelled") & p.bound_on.notna() & (p.cancelled_on > day)
        )

    def written(product: str, lo: Any, hi: Any) -> Any:
        p = pol[pol.product_key == product]
        on = p.bound_on.fillna(p.start_date)
        return p[(on >= lo) & (on <= hi) & covered(p, p.start_date)]

    def parties(p: Any) -> Any:
        kind = pd.Series("name", index=p.index)
        kind[p.insured_institution_id.notna()] = "institution"
        kind[p.insured_enterprise_id.notna()] = "enterprise"
        name = p.insured_name.str.replace(r"\s+", " ", regex=True).str.strip()
        ref = name.where(
            p.insured_institution_id.isna(), p.insured_institution_id.astype("Int64").astype(str)
        )
        ref = ref.where(
            p.insured_enterprise_id.isna(), p.insured_enterprise_id.astype("Int64").astype(str)
        )
        own = pd.DataFrame({"policy_no": p.policy_no, "kind": kind, "ref": ref})
        o = obj[(obj.kind == "enterprise") & obj.enterprise_id.notna()]
        o = o.merge(p[["id", "policy_no"]], left_on="policy_id", right_on="id")
        group = pd.DataFrame(
            {
                "policy_no": o.policy_no,
                "kind": "enterprise",
                "ref": o.enterprise_id.astype("Int64").astype(str),
            }
        )
        return pd.concat([own, group], ignore_index=True).drop_duplicates()

    def objects(p: Any, kinds: tuple[str, ...]) -> Any:
        o = obj[obj.kind.isin(kinds)]
        return o.merge(p[["id"]], left_on="policy_id", right_on="id")

    def kind_keys(o: Any) -> int:
        return int((o.kind.astype(str) + ":" + o.ref.astype(str)).nunique())

    pool = written("ic_coinsurance_pool", _ts(dt.date(2021, 1, 1)), _ts(dt.date(year, 9, 30)))
    v["ic_coinsurance_pool_enterprise_policies"] = c.count(len(parties(pool)))
    v["ic_coinsurance_pool_sum_insured"] = c.yuan(pool.sum_insured.sum())

    fok = written("first_of_kind_equipment_insurance", _ts(dt.date(2015, 1, 1)), end)
    v["first_of_kind_equipment_projects"] = c.count(
        kind_keys(objects(fok, ("project", "equipment_set")))
    )
    v["first_of_kind_equipment_sum_insured"] = c.yuan(fok.sum_insured.sum())

    clin = written("sh_clinical_trial_liability", start, end)
    v["clinical_trial_insured"] = c.count(kind_keys(parties(clin)))
    v["clinical_trial_projects"] = c.count(kind_keys(objects(clin, ("clinical_trial",))))
    v["clinical_trial_sum_insured"] = c.yuan(clin.sum_insured.sum())

    fd = pol[pol.product_key == "sh_startup_founder_liability"]
    fd = fd[(fd.start_date <= end) & (fd.end_date >= end) & covered(fd, end)]
    ent = f("enterprise", ("id", "district_code")).rename(
        columns={"id": "e_id", "district_code": "e_district"}
    )
    inst = f("institution", ("id", "code", "kind", "district_code"))
    ins = inst.rename(
        columns={"id": "i_id", "code": "i_code", "kind": "i_kind", "district_code": "i_district"}
    )
    inc = inst[["id", "code"]].rename(columns={"id": "c_id", "code": "c_code"})
    j = fd.merge(ent, how="left", left_on="insured_enterprise_id", right_on="e_id")
    j = j.merge(ins, how="left", left_on="insured_institution_id", right_on="i_id")
    j = j.merge(inc, how="left", left_on="incubator_institution_id", right_on="c_id")
    district = j.district_code.fillna(j.e_district).fillna(j.i_district)
    incubator = j.c_code.fillna(j.i_code.where(j.i_kind == "incubator"))
    v["startup_founder_districts"] = c.count(district.nunique())
    v["startup_founder_incubators"] = c.count(incubator.nunique())
    v["startup_founder_sum_insured"] = c.yuan(fd.sum_insured.sum())
    fo = objects(fd, ("founder",))
    v["startup_founder_enterprises"] = c.count(fo.enterprise_id.nunique())
    v["startup_founder_founders"] = c.count(kind_keys(fo))


def _matches(main: str, classes: str, prefixes: list[str]) -> bool:
    codes = [main] if main else []
    codes += [x for x in classes.split(";") if x]
    return any(code.startswith(pre) for code in codes for pre in prefixes)


def _ip(f: Frames, year: int, p: c.Params, v: c.Values) -> None:
    import pandas as pd  # type: ignore[import-untyped,unused-ignore]

    start, end = _ts(dt.date(year, 1, 1)), _ts(dt.date(year, 12, 31))
    pat = f(
        "patent",
        (
            "id",
            "patent_type",
            "filing_date",
            "grant_date",
            "sei_code",
            "main_ipc",
            "ipc_classes",
            "foreign_family_count",
        ),
        ("patent_type",),
    )
    gr = pat[(pat.grant_date >= start) & (pat.grant_date <= end)]
    v["patents_granted"] = c.count(len(gr))
    v["invention_patents_granted"] = c.count(int((gr.patent_type == "invention").sum()))
    pct = f("pct_filing", ("filing_date",))
    v["pct_applications"] = c.count(
        int(((pct.filing_date >= start) & (pct.filing_date <= end)).sum())
    )

    inv = pat[
        (pat.patent_type == "invention")
        & (pat.grant_date <= end)
        & (pat.filing_date.dt.year > year - 20)
    ]
    ev = f("patent_event", ("patent_id", "kind", "event_date"), ("kind",))
    ev = ev[ev.event_date <= end]
    final = ev.loc[ev.kind.isin(("invalidation_full", "abandonment")), "patent_id"].unique()
    lapse = ev[ev.kind == "lapse"].groupby("patent_id").event_date.max()
    rest = ev[ev.kind == "restoration"].groupby("patent_id").event_date.max()
    inv = inv[~inv.id.isin(final)]
    last_lapse = inv.id.map(lapse)
    last_rest = inv.id.map(rest)
    inv = inv[last_lapse.isna() | (last_rest.notna() & (last_rest >= last_lapse))]
    v["valid_invention_patents"] = c.count(len(inv))

    declared = inv.sei_code.notna() & (inv.sei_code.str.strip() != "")
    prefixes = list(f("ipc_concordance", ("ipc_prefix",)).ipc_prefix)
    main_ipc, classes = inv.main_ipc.fillna(""), inv.ipc_classes.fillna("")
    pairs = set(zip(main_ipc[~declared], classes[~declared], strict=True))
    hit = {pair: _matches(*pair, prefixes) for pair in pairs}
    matched = pd.Series(
        [hit.get(pair, False) for pair in zip(main_ipc, classes, strict=True)],
        index=inv.index,
        dtype=bool,
    )
    pl = f("pledge", ("id", "amount", "registration_date", "release_date"))
    pl = pl[(pl.registration_date <= end) & (pl.release_date.isna() | (pl.release_date > end))]
    pp = f("pledge_patent", ("pledge_id", "patent_id")).merge(
        pl, left_on="pledge_id", right_on="id"
    )
    pledged = pp.groupby("patent_id").amount.sum()
    aw = f("ip_award", ("kind", "awarded_on", "patent_id"))
    aw = aw[aw.patent_id.notna() & aw.kind.isin(c.COUNTED_AWARDS) & (aw.awarded_on <= end)]
    awarded = inv.id.isin(aw.patent_id.astype("int64"))
    pledge_ok = inv.id.map(pledged).fillna(0) >= p.pledge_amount_min if p.pledge_in_force else False
    high = (
        declared
        | matched
        | (inv.foreign_family_count >= p.min_foreign_family)
        | ((year - inv.filing_date.dt.year) > p.maintenance_years_over)
        | pledge_ok
        | awarded
    )
    v["high_value_invention_patents"] = c.count(int(high.sum()))

    centres = f("ip_centre", ("kind", "recognised_on"))
    in_year = (centres.recognised_on >= start) & (centres.recognised_on <= end)
    v["ip_finance_centres"] = c.count(int((in_year & (centres.kind == "ip_finance_centre")).sum()))
    v["medical_ip_centres"] = c.count(
        int((in_year & (centres.kind == "medical_operation_centre")).sum())
    )
    prog = f("ip_programme", ("kind", "year"))
    v["sme_ip_projects"] = c.count(
        int(((prog.kind == "sme_ip_operation") & (prog.year == year)).sum())
    )


def compute(folder: Path, year: int) -> list[dict[str, Any]]:
    """Every indicator for ``year`` and ``year − 1`` (rows of :func:`common.assemble`)."""
    p = c.params(year)
    f = Frames(folder)
    return c.assemble(year, year_values(f, year, p), year_values(f, year - 1, p))


__all__ = ["Frames", "compute"]
