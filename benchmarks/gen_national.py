"""Generate a national-scale release snapshot (Parquet) for the indicator benchmark.

``.venv/bin/python benchmarks/gen_national.py OUT [--scale S] [--seed N]`` writes
``OUT/tables/<table>.parquet`` — every table of a release snapshot, in the layout and with the
Arrow schemas :func:`kechuang.storage.release_export.snapshot` writes (derived from the ORM
metadata, see ``benchmarks/national/schema.py``). At ``--scale 1``:

=====================  ============  ====================================================
table                  rows          what
=====================  ============  ====================================================
enterprise             1,000,000     industry codes over 14 groups (+ J / none), recorded size class
enterprise_year        ~1,600,000    fiscal 2021 and 2022 (80 % each), some figures missing
qualification          ~450,000      all 9 kinds, valid / expired / revoked / open-ended
credit_grant           4,000,000     7 policy products + ordinary loans, 5 % cancelled
loan                   10,000,000    drawn 2019–2023, grant's enterprise and product
loan_ledger_event      ~25,000,000   drawdowns, principal and interest repayments, write-offs
patent                 5,000,000     inventions / utility models / designs filed 1998–2023
patent_event           ~700,000      lapses, restorations, invalidations, abandonment, transfers
pledge / pledge_patent 50,000 / ~100k
insurance_policy       200,000       the 4 policy products + others; bound / quoted / cancelled
insured_object         ~300,000      enterprises, projects, equipment sets, trials, founders
=====================  ============  ====================================================

plus institutions, PCT filings, IP centres and programmes, awards, the IPC concordance, funds
(with ``fudan_fof``) and external statistics; every other table is written empty. Everything is
vectorised numpy/pyarrow and deterministic for a seed (same seed and scale → same files).
``--scale 0.1`` is a quick run (about 10 s); the full scale takes a few minutes and ~1.5 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kechuang.storage.release_export import ROW_GROUP_ROWS

# run as a script: benchmarks/ is on sys.path (the tests put it there too)
from national.schema import Writer, table_names, write_empty

SEED = 20231231
EPOCH = dt.date(1970, 1, 1)
CHUNK = 1_000_000
"""Loans (and their events) per written chunk: bounds the generator's memory."""

FULL = {
    "enterprises": 1_000_000,
    "grants": 4_000_000,
    "loans": 10_000_000,
    "patents": 5_000_000,
    "policies": 200_000,
    "pledges": 50_000,
    "pct": 60_000,
    "awards": 5_000,
}

DISTRICTS = [f"3101{n:02d}" for n in (1, 4, 5, 6, 7, 9, 10, 12, 13, 14, 15, 16, 17, 18, 20, 51)]
INDUSTRY_CODES = [
    "C3973", "C2710", "C3911", "I6510", "I6420", "I6311", "M7320", "M7512", "F5110", "F5210",
    "G5430", "G5920", "G6010", "E4710", "K7010", "K7020", "K7090", "L7212", "A0111", "H6110",
    "H6210", "R8610", "N7710", "J6620", "S9100",
]  # fmt: skip
SIZE_CLASSES = ["large", "medium", "small", "micro"]
QUAL_KINDS = [
    "high_tech", "tech_sme", "innovative_sme", "specialised_sme", "little_giant",
    "sh_little_giant", "tech_innovation_demo", "single_champion", "ip_advantage",
]  # fmt: skip
QUAL_P = [0.22, 0.28, 0.12, 0.1, 0.03, 0.05, 0.05, 0.05, 0.1]
PRODUCTS = [
    "sh_performance_loan", "sh_micro_loan", "sh_boost_loan", "sh_little_giant_credit_loan",
    "sh_high_tech_loan", "esop_loan", "commercial_loan", "sh_ip_pledge_loan",
]  # fmt: skip
PRODUCT_P = [0.08, 0.05, 0.05, 0.03, 0.1, 0.02, 0.6, 0.07]
EVENT_KINDS = ["drawdown", "repayment_principal", "repayment_interest", "write_off", "recovery"]
IPC_CODES = [
    "H01L21/02", "H01L29/78", "G06N3/08", "G06F16/00", "G06Q40/02", "H04L9/00", "H04W72/04",
    "A61K31/00", "A61K39/395", "A61P35/00", "C12N15/11", "C07D401/04", "B25J9/16", "B60L53/00",
    "F16H57/00", "E04B1/00", "A01B1/00", "D06F39/00", "G01N33/00", "H02J7/00", "B01D53/00",
    "C08L23/00", "F24S10/00", "G02B6/00",
]  # fmt: skip
CONCORDANCE = [
    ("H01L", "1.2.1"), ("G06N", "1.5.1"), ("H04L9", "1.1.3"), ("A61K39", "4.1.1"),
    ("C12N15", "4.1.2"), ("B25J", "2.1.1"), ("B60L53", "5.1.1"), ("F24S", "6.3.1"),
    ("H02J7", "6.1.2"), ("G01N33/5", "4.2.1"),
]  # fmt: skip
PATENT_TYPES = ["invention", "utility_model", "design"]
POLICY_PRODUCTS = [
    "ic_coinsurance_pool", "first_of_kind_equipment_insurance", "sh_clinical_trial_liability",
    "sh_startup_founder_liability", "sh_product_liability", "sh_cyber_insurance",
]  # fmt: skip
POLICY_LINES = {
    "ic_coinsurance_pool": "ic_coinsurance",
    "first_of_kind_equipment_insurance": "first_of_kind_equipment",
    "sh_clinical_trial_liability": "clinical_trial_liability",
    "sh_startup_founder_liability": "startup_founder_liability",
    "sh_product_liability": "product_liability",
    "sh_cyber_insurance": "cyber",
}
AWARD_KINDS = [
    "china_patent_award_gold", "china_patent_award_silver", "china_patent_award_excellence",
    "national_st_award", "wipo_global_award",
]  # fmt: skip


def days(d: dt.date) -> int:
    """Days since 1970-01-01 (Arrow ``date32``)."""
    return (d - EPOCH).days


def dates(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """``date32`` array from day numbers (``mask`` true → null)."""
    return pa.array(values.astype(np.int32), pa.date32(), mask=mask)


def money(fen: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """``decimal128(20, 2)`` from integer fen, exactly (no float on the way)."""
    ints = pa.array(fen.astype(np.int64), pa.int64(), mask=mask).cast(pa.decimal128(19, 0))
    return pc.multiply(ints, pa.scalar(Decimal("0.01"), pa.decimal128(2, 2))).cast(
        pa.decimal128(20, 2)
    )


def pick(vocab: Sequence[str | None], idx: np.ndarray) -> pa.Array:
    """Strings of ``vocab`` at ``idx``."""
    return pa.array(list(vocab), pa.string()).take(pa.array(idx.astype(np.int64)))


def numbered(prefix: str, ids: np.ndarray, width: int = 0) -> pa.Array:
    """``prefix`` + zero-padded number, vectorised."""
    text = pc.cast(pa.array(ids.astype(np.int64)), pa.string())
    if width:
        text = pc.utf8_lpad(text, width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def rand_days(rng: np.random.Generator, start: dt.date, end: dt.date, n: int) -> np.ndarray:
    """Uniform day numbers in ``[start, end]``."""
    return rng.integers(days(start), days(end) + 1, n, dtype=np.int64)


def lognormal_fen(rng: np.random.Generator, mean_yuan: float, sigma: float, n: int) -> np.ndarray:
    """Positive amounts in fen, whole yuan × 100 plus a few fen."""
    yuan = np.maximum(1, rng.lognormal(np.log(mean_yuan), sigma, n)).astype(np.int64)
    return yuan * 100 + rng.integers(0, 100, n)


class Generator:
    """Writes every table of the snapshot into ``folder`` for one scale and seed."""

    def __init__(self, folder: Path, scale: float, seed: int, log: Any = None) -> None:
        self.folder = folder
        self.scale = scale
        self.rng = np.random.default_rng(seed)
        self.n = {k: max(1, round(v * scale)) for k, v in FULL.items()}
        self.rows: dict[str, int] = {}
        self.log = log or (lambda msg: None)

    def _write(self, name: str, columns: dict[str, Any], n: int) -> None:
        w = Writer(self.folder, name)
        w.write(columns, n)
        self.rows[name] = w.close()
        self.log(f"  {name}: {n:,} rows")

    # ------------------------------------------------------------------ registry

    def institutions(self) -> None:
        kinds = ["bank"] * 100 + ["insurer"] * 40 + ["incubator"] * 60 + ["university"] * 50
        kinds += ["guarantor"] * 20 + ["other"] * 30
        n = len(kinds)
        rng = self.rng
        ids = np.arange(1, n + 1)
        district = rng.integers(0, len(DISTRICTS), n)
        mask = rng.random(n) < 0.2  # some institutions have no district
        self.inst_kind = np.array(kinds)
        self._write(
            "institution",
            {
                "id": ids,
                "code": numbered("INST", ids, 4),
                "name": numbered("机构", ids),
                "kind": pa.array(kinds, pa.string()),
                "district_code": pa.array(np.array(DISTRICTS)[district], pa.string(), mask=mask),
                "is_active": pa.repeat(pa.scalar(True), n),
            },
            n,
        )

    def enterprises(self) -> None:
        n, rng = self.n["enterprises"], self.rng
        ids = np.arange(1, n + 1)
        code_idx = rng.integers(0, len(INDUSTRY_CODES) + 1, n)  # last index: no code
        codes = pa.array([*INDUSTRY_CODES, None], pa.string()).take(pa.array(code_idx))
        size = rng.integers(0, len(SIZE_CLASSES) + 1, n)
        self.ent_district = rng.integers(0, len(DISTRICTS), n)
        self._write(
            "enterprise",
            {
                "id": ids,
                "uscc": numbered("91310000", ids, 10),
                "name": numbered("上海科创企业", ids),
                "district_code": pick(DISTRICTS, self.ent_district),
                "industry_code": codes,
                "registered_on": dates(
                    rand_days(rng, dt.date(1995, 1, 1), dt.date(2023, 6, 30), n)
                ),
                "size_class": pa.array([*SIZE_CLASSES, None], pa.string()).take(pa.array(size)),
                "registered_capital": money(lognormal_fen(rng, 5e6, 1.5, n)),
                "status": pa.repeat(pa.scalar("active"), n),
            },
            n,
        )
        w = Writer(self.folder, "enterprise_year")
        next_id = 1
        for fy in (2021, 2022):
            keep = ids[rng.random(n) < 0.8]
            m = len(keep)
            employees = np.maximum(1, rng.lognormal(np.log(60), 1.6, m)).astype(np.int64)
            revenue = lognormal_fen(rng, 2e7, 2.0, m)
            assets = lognormal_fen(rng, 3e7, 2.0, m)
            w.write(
                {
                    "id": np.arange(next_id, next_id + m),
                    "enterprise_id": keep,
                    "fiscal_year": np.full(m, fy),
                    "employees": pa.array(employees, mask=rng.random(m) < 0.05),
                    "operating_revenue": money(revenue, rng.random(m) < 0.05),
                    "total_assets": money(assets, rng.random(m) < 0.05),
                },
                m,
            )
            next_id += m
        self.rows["enterprise_year"] = w.close()
        self.log(f"  enterprise_year: {self.rows['enterprise_year']:,} rows")

        q = int(n * 0.45)
        start = rand_days(rng, dt.date(2016, 1, 1), dt.date(2023, 12, 31), q)
        holder = rng.integers(1, n + 1, q)
        kind = rng.choice(len(QUAL_KINDS), q, p=QUAL_P)
        # UNIQUE (enterprise_id, kind, valid_from): drop the rare repeats
        _, first = np.unique(np.stack([holder, kind, start]), axis=1, return_index=True)
        keep = np.sort(first)
        holder, kind, start = holder[keep], kind[keep], start[keep]
        q = len(keep)
        end = start + rng.choice([364, 365, 1094, 1095, 1096], q)
        revoked = start + rng.integers(0, 1500, q)
        self._write(
            "qualification",
            {
                "id": np.arange(1, q + 1),
                "enterprise_id": holder,
                "kind": pick(QUAL_KINDS, kind),
                "certificate_no": numbered("GR", np.arange(1, q + 1), 10),
                "valid_from": dates(start),
                "valid_to": dates(end, rng.random(q) < 0.1),
                "revoked_on": dates(revoked, rng.random(q) >= 0.03),
            },
            q,
        )

    # ------------------------------------------------------------------ credit

    def credit(self) -> None:
        rng, ne, g = self.rng, self.n["enterprises"], self.n["grants"]
        borrowers = rng.permutation(ne)[: max(1, int(ne * 0.6))] + 1
        g_ent = borrowers[rng.integers(0, len(borrowers), g)]
        g_prod = rng.choice(len(PRODUCTS), g, p=PRODUCT_P)
        g_on = rand_days(rng, dt.date(2019, 1, 1), dt.date(2023, 12, 31), g)
        g_amount = lognormal_fen(rng, 3e6, 1.0, g)
        cancelled = g_on + rng.integers(1, 700, g)
        banks = np.flatnonzero(self.inst_kind == "bank") + 1
        g_bank = banks[rng.integers(0, len(banks), g)]
        gids = np.arange(1, g + 1)
        self._write(
            "credit_grant",
            {
                "id": gids,
                "contract_no": numbered("SXHT", gids, 10),
                "enterprise_id": g_ent,
                "bank_id": g_bank,
                "product_key": pick(PRODUCTS, g_prod),
                "amount": money(g_amount),
                "granted_on": dates(g_on),
                "term_months": np.full(g, 12),
                "expires_on": dates(g_on + 365),
                "annual_rate": pa.repeat(pa.scalar(3.45), g).cast(pa.decimal128(18, 8)),
                "repayment_method": pa.repeat(pa.scalar("equal_principal"), g),
                "security": pa.repeat(pa.scalar("none"), g),
                "cancelled_on": dates(cancelled, rng.random(g) >= 0.05),
            },
            g,
        )
        loans = Writer(self.folder, "loan")
        events = Writer(self.folder, "loan_ledger_event")
        total, next_event = self.n["loans"], 1
        for lo in range(0, total, CHUNK):
            m = min(CHUNK, total - lo)
            lids = np.arange(lo + 1, lo + m + 1)
            grant = rng.integers(0, g, m)
            principal = lognormal_fen(rng, 1e6, 1.0, m)
            drawn = rand_days(rng, dt.date(2019, 1, 1), dt.date(2023, 12, 31), m)
            loans.write(
                {
                    "id": lids,
                    "loan_no": numbered("JJ", lids, 10),
                    "grant_id": grant + 1,
                    "enterprise_id": g_ent[grant],
                    "bank_id": g_bank[grant],
                    "product_key": pick(PRODUCTS, g_prod[grant]),
                    "principal": money(principal),
                    "drawdown_date": dates(drawn),
                    "maturity_date": dates(drawn + 365 * rng.integers(1, 4, m)),
                    "annual_rate": pa.repeat(pa.scalar(3.45), m).cast(pa.decimal128(18, 8)),
                    "repayment_method": pa.repeat(pa.scalar("equal_principal"), m),
                    "status": pa.repeat(pa.scalar("current"), m),
                    "status_since": dates(drawn),
                    "first_loan": rng.random(m) < 0.2,
                    "unsecured": rng.random(m) < 0.5,
                },
                m,
            )
            parts_loan, parts_kind, parts_date, parts_amount = (
                [lids],
                [np.zeros(m)],
                [drawn],
                [principal],
            )
            # 0–3 principal repayments, together at most 3/4 of the principal
            n_rep = rng.choice(4, m, p=[0.3, 0.3, 0.25, 0.15])
            for k in range(1, 4):
                sel = np.flatnonzero(n_rep >= k)
                parts_loan.append(lids[sel])
                parts_kind.append(np.ones(len(sel)))
                parts_date.append(drawn[sel] + rng.integers(1, 1200, len(sel)))
                share = (principal[sel] // 4 * rng.random(len(sel))).astype(np.int64)
                parts_amount.append(np.maximum(1, share))  # CHECK amount > 0
            # 3 %: repaid in full, the remainder in one go (balance exactly 0 afterwards)
            full = np.flatnonzero((rng.random(m) < 0.03) & (n_rep == 0))
            parts_loan.append(lids[full])
            parts_kind.append(np.ones(len(full)))
            parts_date.append(drawn[full] + rng.integers(0, 900, len(full)))
            parts_amount.append(principal[full])
            # interest (not principal: ignored by the balances)
            sel = np.flatnonzero(rng.random(m) < 0.2)
            parts_loan.append(lids[sel])
            parts_kind.append(np.full(len(sel), 2))
            parts_date.append(drawn[sel] + rng.integers(20, 400, len(sel)))
            parts_amount.append(principal[sel] // 50)
            # 1 %: half written off; 0.5 % of those recovered later (not principal)
            sel = np.flatnonzero(rng.random(m) < 0.01)
            parts_loan.append(lids[sel])
            parts_kind.append(np.full(len(sel), 3))
            parts_date.append(drawn[sel] + rng.integers(200, 1500, len(sel)))
            parts_amount.append(principal[sel] // 2)
            sel = sel[rng.random(len(sel)) < 0.5]
            parts_loan.append(lids[sel])
            parts_kind.append(np.full(len(sel), 4))
            parts_date.append(drawn[sel] + rng.integers(1500, 1800, len(sel)))
            parts_amount.append(principal[sel] // 10)
            ev_loan = np.concatenate(parts_loan)
            order = np.argsort(ev_loan, kind="stable")
            e = len(order)
            events.write(
                {
                    "id": np.arange(next_event, next_event + e),
                    "loan_id": ev_loan[order],
                    "kind": pick(EVENT_KINDS, np.concatenate(parts_kind)[order].astype(np.int64)),
                    "event_date": dates(np.concatenate(parts_date)[order]),
                    "amount": money(np.concatenate(parts_amount)[order].astype(np.int64)),
                    "recorded_by": pa.repeat(pa.scalar("bench"), e),
                },
                e,
            )
            next_event += e
            self.log(f"  loans {lo + m:,} / {total:,}")
        self.rows["loan"] = loans.close()
        self.rows["loan_ledger_event"] = events.close()
        self.log(f"  loan_ledger_event: {self.rows['loan_ledger_event']:,} rows")

    # ------------------------------------------------------------------ insurance

    def insurance(self) -> None:
        rng, n, ne = self.rng, self.n["policies"], self.n["enterprises"]
        pids = np.arange(1, n + 1)
        product = rng.choice(len(POLICY_PRODUCTS), n, p=[0.15, 0.15, 0.15, 0.25, 0.15, 0.15])
        start = rand_days(rng, dt.date(2014, 1, 1), dt.date(2023, 12, 31), n)
        end = start + rng.choice([364, 365, 729], n)
        status = rng.choice(3, n, p=[0.8, 0.08, 0.12])  # bound, quoted, cancelled
        bound = start - rng.integers(0, 40, n)
        bound_null = (status == 1) | (rng.random(n) < 0.1)
        cancelled = start + rng.integers(-10, 400, n)
        who = rng.choice(3, n, p=[0.7, 0.15, 0.15])  # enterprise, institution, name only
        ent = rng.integers(1, ne + 1, n)
        ninst = len(self.inst_kind)
        inst = rng.integers(1, ninst + 1, n)
        names = [" 张三  创业团队", "李四 工作室 ", "王五\t实验室", "赵六 联合体"]
        name_idx = rng.integers(0, len(names), n)
        incubators = np.flatnonzero(self.inst_kind == "incubator") + 1
        inc = incubators[rng.integers(0, len(incubators), n)]
        self._write(
            "insurance_policy",
            {
                "id": pids,
                "policy_no": numbered("BD", pids, 9),
                "product_key": pick(POLICY_PRODUCTS, product),
                "line": pa.array([POLICY_LINES[p] for p in POLICY_PRODUCTS]).take(
                    pa.array(product)
                ),
                "insured_enterprise_id": pa.array(ent, mask=who != 0),
                "insured_institution_id": pa.array(inst, mask=who != 1),
                "insured_name": pc.if_else(
                    pa.array(who == 2), pick(names, name_idx), numbered("被保险人", pids)
                ),
                "sum_insured": money(lognormal_fen(rng, 2e6, 1.2, n)),
                "premium": money(lognormal_fen(rng, 2e4, 1.0, n)),
                "rate": pa.repeat(pa.scalar(0.01), n).cast(pa.decimal128(18, 8)),
                "start_date": dates(start),
                "end_date": dates(end),
                "status": pick(["bound", "quoted", "cancelled"], status),
                "bound_on": dates(bound, bound_null),
                "cancelled_on": dates(cancelled, (status != 2) | (rng.random(n) < 0.05)),
                "district_code": pa.array(
                    np.array(DISTRICTS)[rng.integers(0, len(DISTRICTS), n)],
                    pa.string(),
                    mask=rng.random(n) < 0.4,
                ),
                "incubator_institution_id": pa.array(inc, mask=rng.random(n) >= 0.3),
            },
            n,
        )
        # insured objects: kind by product; refs from small pools so renewals share objects
        per = rng.integers(0, 4, n)
        pol = np.repeat(pids, per)
        prod = product[pol - 1]
        m = len(pol)
        kind_by_product = np.array(
            [0, 1, 3, 4, 5, 5]
        )  # enterprise, project, trial, founder, product
        kind = kind_by_product[prod]
        kind = np.where((kind == 1) & (rng.random(m) < 0.5), 2, kind)  # equipment sets
        kinds = ["enterprise", "project", "equipment_set", "clinical_trial", "founder", "product"]
        refs = rng.integers(1, max(10, n // 5), m)
        # UNIQUE (policy_id, kind, ref): drop the rare repeats
        _, first = np.unique(np.stack([pol, kind, refs]), axis=1, return_index=True)
        keep = np.sort(first)
        pol, kind, refs = pol[keep], kind[keep], refs[keep]
        m = len(keep)
        enterprise = rng.integers(1, ne + 1, m)
        ent_mask = ~np.isin(kind, [0, 4]) | (rng.random(m) < 0.1)
        self._write(
            "insured_object",
            {
                "id": np.arange(1, m + 1),
                "policy_id": pol,
                "kind": pick(kinds, kind),
                "ref": numbered("OBJ", refs, 7),
                "name": numbered("标的", refs),
                "enterprise_id": pa.array(enterprise, mask=ent_mask),
            },
            m,
        )

    # ------------------------------------------------------------------ IP

    def patents(self) -> None:
        rng, n = self.rng, self.n["patents"]
        ids = np.arange(1, n + 1)
        ptype = rng.choice(3, n, p=[0.45, 0.45, 0.1])
        filed = rand_days(rng, dt.date(1998, 1, 1), dt.date(2023, 12, 31), n)
        granted = filed + rng.integers(150, 1800, n)
        not_granted = (granted > days(dt.date(2023, 12, 31))) | (rng.random(n) < 0.15)
        sei = rng.random(n)
        sei_codes = pa.array(["4.1.1", "1.2.1", "  ", "7.1.2"]).take(
            pa.array(rng.integers(0, 4, n))
        )
        sei_codes = pc.if_else(pa.array(sei < 0.1), sei_codes, pa.nulls(n, pa.string()))
        main = rng.integers(0, len(IPC_CODES), n)
        other = rng.integers(0, len(IPC_CODES), n)
        other2 = rng.integers(0, len(IPC_CODES), n)
        two = pc.binary_join_element_wise(pick(IPC_CODES, other), pick(IPC_CODES, other2), ";")
        classes = pc.if_else(pa.array(rng.random(n) < 0.3), two, pick(IPC_CODES, other))
        classes = pc.if_else(pa.array(rng.random(n) < 0.5), pa.nulls(n, pa.string()), classes)
        family = np.where(rng.random(n) < 0.05, rng.integers(1, 6, n), 0)
        self._write(
            "patent",
            {
                "id": ids,
                "application_no": numbered("CN", ids, 12),
                "patent_type": pick(PATENT_TYPES, ptype),
                "pct_national_phase": rng.random(n) < 0.02,
                "title": numbered("专利", ids),
                "filing_date": dates(filed),
                "grant_date": dates(granted, not_granted),
                "main_ipc": pa.array(
                    np.array(IPC_CODES)[main], pa.string(), mask=rng.random(n) < 0.05
                ),
                "ipc_classes": classes,
                "sei_code": sei_codes,
                "foreign_family_count": family,
            },
            n,
        )
        # status events on granted patents
        g_ids = ids[~not_granted]
        g_at = granted[~not_granted]
        parts: list[tuple[np.ndarray, int, np.ndarray]] = []
        lapse = rng.random(len(g_ids)) < 0.08
        lapse_on = g_at + rng.integers(200, 4000, len(g_ids))
        parts.append((g_ids[lapse], 0, lapse_on[lapse]))
        back = lapse & (rng.random(len(g_ids)) < 0.5)
        parts.append((g_ids[back], 1, lapse_on[back] + rng.integers(0, 300, back.sum())))
        second = back & (rng.random(len(g_ids)) < 0.2)
        parts.append((g_ids[second], 0, lapse_on[second] + rng.integers(300, 900, second.sum())))
        for kind, p in ((2, 0.004), (3, 0.005), (4, 0.02), (5, 0.005)):
            sel = rng.random(len(g_ids)) < p
            parts.append((g_ids[sel], kind, g_at[sel] + rng.integers(30, 3000, sel.sum())))
        pid = np.concatenate([p[0] for p in parts])
        ev_kind = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
        ev_day = np.concatenate([p[2] for p in parts])
        # UNIQUE (patent_id, kind, event_date), rows in patent order
        _, first = np.unique(np.stack([pid, ev_kind, ev_day]), axis=1, return_index=True)
        first = np.sort(first)
        pid, ev_kind, ev_day = pid[first], ev_kind[first], ev_day[first]
        order = np.argsort(pid, kind="stable")
        e = len(pid)
        kinds = [
            "lapse",
            "restoration",
            "invalidation_full",
            "transfer",
            "invalidation_partial",
            "abandonment",
        ]
        self._write(
            "patent_event",
            {
                "id": np.arange(1, e + 1),
                "patent_id": pid[order],
                "kind": pick(kinds, ev_kind[order]),
                "event_date": dates(ev_day[order]),
            },
            e,
        )
        inventions = ids[(ptype == 0) & ~not_granted]
        pl = self.n["pledges"]
        reg = rand_days(rng, dt.date(2012, 1, 1), dt.date(2023, 12, 31), pl)
        big = rng.random(pl) < 0.1
        amount = np.where(
            big, rng.integers(10_000_000, 50_000_000, pl) * 100, lognormal_fen(rng, 2e6, 1.0, pl)
        )
        amount = np.where(rng.random(pl) < 0.01, 1_000_000_000, amount)  # exactly at the threshold
        self._write(
            "pledge",
            {
                "id": np.arange(1, pl + 1),
                "registration_no": numbered("ZY", np.arange(1, pl + 1), 8),
                "pledgor_enterprise_id": rng.integers(1, self.n["enterprises"] + 1, pl),
                "amount": money(amount),
                "registration_date": dates(reg),
                "release_date": dates(reg + rng.integers(100, 1500, pl), rng.random(pl) < 0.6),
            },
            pl,
        )
        per = rng.integers(1, 4, pl)
        pledge_ids = np.repeat(np.arange(1, pl + 1), per)
        pats = inventions[rng.integers(0, len(inventions), len(pledge_ids))]
        pairs = np.unique(np.stack([pledge_ids, pats], axis=1), axis=0)
        self._write(
            "pledge_patent", {"pledge_id": pairs[:, 0], "patent_id": pairs[:, 1]}, len(pairs)
        )
        a = self.n["awards"]
        self._write(
            "ip_award",
            {
                "id": np.arange(1, a + 1),
                "kind": pick(AWARD_KINDS, rng.integers(0, len(AWARD_KINDS), a)),
                "edition": numbered("第", rng.integers(15, 26, a)),
                "awarded_on": dates(rand_days(rng, dt.date(2010, 1, 1), dt.date(2023, 12, 31), a)),
                "recipient_key": numbered("R", np.arange(1, a + 1)),
                "patent_id": pa.array(
                    inventions[rng.integers(0, len(inventions), a)], mask=rng.random(a) < 0.2
                ),
            },
            a,
        )
        c = len(CONCORDANCE)
        self._write(
            "ipc_concordance",
            {
                "id": np.arange(1, c + 1),
                "ipc_prefix": pa.array([p for p, _ in CONCORDANCE]),
                "sei_code": pa.array([s for _, s in CONCORDANCE]),
                "illustrative": pa.repeat(pa.scalar(True), c),
            },
            c,
        )
        f = self.n["pct"]
        self._write(
            "pct_filing",
            {
                "id": np.arange(1, f + 1),
                "international_no": numbered("PCT/CN2023/", np.arange(1, f + 1), 6),
                "receiving_office": pa.repeat(pa.scalar("CN"), f),
                "filing_date": dates(rand_days(rng, dt.date(2019, 1, 1), dt.date(2023, 12, 31), f)),
                "title": numbered("国际申请", np.arange(1, f + 1)),
                "applicant_name": numbered("申请人", rng.integers(1, 5000, f)),
            },
            f,
        )
        kinds_c = [
            "national_operation_centre",
            "ip_finance_centre",
            "medical_operation_centre",
            "protection_centre",
            "other",
        ]
        k = 60
        self._write(
            "ip_centre",
            {
                "id": np.arange(1, k + 1),
                "code": numbered("IPC-", np.arange(1, k + 1), 3),
                "name": numbered("知识产权中心", np.arange(1, k + 1)),
                "kind": pick(kinds_c, rng.integers(0, len(kinds_c), k)),
                "recognised_on": dates(
                    rand_days(rng, dt.date(2018, 1, 1), dt.date(2023, 12, 31), k)
                ),
            },
            k,
        )
        k = 3000
        kinds_p = ["sme_ip_operation", "cipo_training", "patent_conversion", "other"]
        self._write(
            "ip_programme",
            {
                "id": np.arange(1, k + 1),
                "code": numbered("XM", np.arange(1, k + 1), 5),
                "kind": pick(kinds_p, rng.integers(0, len(kinds_p), k)),
                "name": numbered("项目", np.arange(1, k + 1)),
                "year": rng.integers(2019, 2024, k),
                "enterprise_id": rng.integers(1, self.n["enterprises"] + 1, k),
            },
            k,
        )

    # ------------------------------------------------------------------ funds, statistics

    def others(self) -> None:
        funds = [
            ("fudan_fof", "复旦科创母基金", "fund_of_funds", 2022, "3000000000.00",
             [{"phase": "首期", "target": "1000000000.00"}, {"phase": "二期", "target": "2000000000.00"}]),
            ("sh_guide", "上海市创业投资引导基金", "guide_fund", 2015, "5000000000.00", []),
            ("pd_angel", "浦东天使基金", "direct_fund", 2020, "800000000.00",
             [{"phase": "首期", "target": "300000000.00"}]),
        ]  # fmt: skip
        k = len(funds)
        self._write(
            "fund",
            {
                "id": np.arange(1, k + 1),
                "code": pa.array([f[0] for f in funds]),
                "name": pa.array([f[1] for f in funds]),
                "kind": pa.array([f[2] for f in funds]),
                "vintage": np.array([f[3] for f in funds]),
                "target_size": pa.array([f[4] for f in funds]).cast(pa.decimal128(20, 2)),
                "phases": pa.array([json.dumps(f[5], ensure_ascii=False) for f in funds]),
                "rules": pa.repeat(pa.scalar("{}"), k),
                "state": pa.repeat(pa.scalar("investing"), k),
            },
            k,
        )
        stats = [
            ("gii_cluster_rank", 2021, "8", "rank"), ("gii_cluster_rank", 2022, "6", "rank"),
            ("gii_cluster_rank", 2023, "5", "rank"),
            ("resident_population", 2021, "24894300", "persons"),
            ("resident_population", 2022, "24757500", "persons"),
            ("resident_population", 2023, "24874500", "persons"),
        ]  # fmt: skip
        k = len(stats)
        self._write(
            "external_statistic",
            {
                "id": np.arange(1, k + 1),
                "key": pa.array([s[0] for s in stats]),
                "period_year": np.array([s[1] for s in stats]),
                "value": pa.array([s[2] for s in stats]).cast(pa.decimal128(24, 4)),
                "unit": pa.array([s[3] for s in stats]),
                "label_zh": pa.array([s[0] for s in stats]),
                "source_title": pa.repeat(pa.scalar("上海市统计年鉴（基准测试）"), k),
                "status": pa.repeat(pa.scalar("secondary"), k),
            },
            k,
        )

    def run(self) -> dict[str, int]:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.institutions()
        self.enterprises()
        self.credit()
        self.insurance()
        self.patents()
        self.others()
        for name in table_names():
            if name not in self.rows:
                write_empty(self.folder, name)
                self.rows[name] = 0
        return dict(sorted(self.rows.items()))


def generate(out: Path, *, scale: float = 1.0, seed: int = SEED, log: Any = None) -> dict[str, Any]:
    """Write ``out/tables/*.parquet`` and ``out/generated.json``; returns the latter's content."""
    started = time.perf_counter()
    rows = Generator(out / "tables", scale, seed, log).run()
    info = {
        "scale": scale,
        "seed": seed,
        "row_group_rows": ROW_GROUP_ROWS,
        "rows": rows,
        "bytes": sum(p.stat().st_size for p in (out / "tables").glob("*.parquet")),
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / "generated.json").write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="benchmarks/gen_national.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out", type=Path, help="output folder (tables/ is written inside it)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national scale (default)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    info = generate(
        args.out, scale=args.scale, seed=args.seed, log=lambda m: print(m, file=sys.stderr)
    )
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
