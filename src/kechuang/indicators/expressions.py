"""The Ibis expressions of every indicator, written once over the release's logical tables.

Each indicator is a :class:`Spec`: ``records(tables, period, options)`` is the table of the rows
behind the figure (what ``kechuang indicators explain`` lists) and ``measure(records)`` reduces it
to the figure. Both are plain Ibis, so the same definition runs on DuckDB, SQLite, PostgreSQL and
Spark. Money columns are ``int64`` fen (see :mod:`kechuang.indicators.tables`); ``kind`` says how
the measured number becomes a :class:`~decimal.Decimal` in the indicator's base unit.

Shared building blocks (each cached per date within a computation):

* :func:`classification` — per enterprise on a date: ``sci_tech`` (the ``qualified`` rule of the
  ``sci_tech_enterprise`` standard, compiled as :func:`kechuang.standards.engine.screen_table`
  compiles it, over ``holds_<kind>`` built from the ``qualification`` snapshot) and ``is_sme``
  (the ``sme_size_class`` standard, or ``holds_tech_sme``, per
  :class:`~kechuang.indicators.options.Options`);
* :func:`loan_balances` — outstanding principal per loan at a date, from ledger events
  (:mod:`kechuang.credit.ledger`'s rule); :func:`enterprise_balances` sums it per enterprise
  (cached; the per-loan rows are never materialised);
* the year's credit grants with the grantee (cached per year; every product figure filters it);
* :func:`patents_in_force` — :mod:`kechuang.ip.status`'s "in force on a date", set-based;
* :func:`high_value` — the ``high_value_patent`` standard over profiles built from the snapshot
  (:mod:`kechuang.standards.ip_facts`' field meanings);
* :func:`policies_written` / :func:`policies_in_force` and the party/object/district/incubator
  tables — :mod:`kechuang.insurance.counting`'s definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from kechuang.core.periods import add_years
from kechuang.indicators.options import Options
from kechuang.indicators.tables import Period, Tables
from kechuang.ip import service as ip_service
from kechuang.ip.status import DESIGN_TERM_CHANGE
from kechuang.standards import expr as ex
from kechuang.standards import high_value_patent, sci_tech_enterprise, sme_size_class
from kechuang.standards.ip_facts import COUNTED_AWARDS
from kechuang.standards.params import default_parameters

Kind = Literal["count", "fen", "special"]
Records = Callable[[Tables, Period, Options], Any]
Measure = Callable[[Any], Any]

SME_CLASSES = ("medium", "small", "micro")
PRINCIPAL_KINDS = ("drawdown", "repayment_principal", "write_off")


def _ibis() -> Any:
    import ibis

    return ibis


def _lj(
    left: Any, right: Any, lkey: str | list[str], rkey: str | list[str], how: str = "left"
) -> Any:
    """``left`` joined with ``right`` on ``lkey == rkey``, closed with a projection (so joins can
    be chained over tables that share a lineage)."""
    lkeys = [lkey] if isinstance(lkey, str) else lkey
    rkeys = [rkey] if isinstance(rkey, str) else rkey
    preds = [left[a] == right[b] for a, b in zip(lkeys, rkeys, strict=True)]
    j = left.join(right, preds, how=how)
    extra = [c for c in right.columns if c not in left.columns]
    return j.select(*[j[c] for c in left.columns], *[j[c] for c in extra])


# =============================================================================== enterprises


def qualifications_on(t: Tables, on: dt.date) -> Any:
    """Qualifications valid on ``on``: started, not expired (``valid_to`` inclusive), not revoked."""
    q = t["qualification"]
    return q.filter(
        q.valid_from <= on,
        q.valid_to.isnull() | (q.valid_to >= on),
        q.revoked_on.isnull() | (q.revoked_on > on),
    )


def _holds(t: Tables, on: dt.date) -> Any:
    """Per enterprise: ``holds_<kind>`` for every kind of the sci-tech standard (false if none)."""
    ibis = _ibis()
    q = qualifications_on(t, on)
    kinds = [k for k, _ in sci_tech_enterprise.KINDS]
    held = q.group_by("enterprise_id").aggregate(
        **{f"h_{k}": ibis.ifelse(q.kind == k, 1, 0).max() for k in kinds}
    )
    e = t["enterprise"]
    j = e.left_join(held, e.id == held.enterprise_id)
    return j.select(
        id=j.id,
        **{f"holds_{k}": ibis.coalesce(j[f"h_{k}"], 0) == 1 for k in kinds},
    )


def _industry_lookup(t: Tables) -> Any:
    """``code → grp``: the 300号 industry group of every distinct industry code of the
    enterprises (``sme_size_class.industry_group_for``, run on codes, not rows), once per
    computation."""
    import pyarrow as pa

    def build() -> Any:
        e = t["enterprise"]
        codes = [
            c
            for c in t.to_arrow(e.select("industry_code").distinct())["industry_code"].to_pylist()
            if c
        ]
        groups: dict[str, int | None] = {}
        for code in codes:
            try:
                groups[code] = sme_size_class.industry_group_for(code)
            except ValueError:
                groups[code] = None
        return t.load(
            "industry_group",
            pa.table(
                {
                    "code": pa.array(list(groups), pa.string()),
                    "grp": pa.array([groups[c] for c in groups], pa.int64()),
                }
            ),
        )

    return t.memo(("industry_lookup",), build)


def _size_profiles(t: Tables, on: dt.date) -> Any:
    """``sme_size_class`` profiles: the latest fiscal year before ``on`` (as in standards.facts)."""
    e = t["enterprise"]
    lookup = _industry_lookup(t)
    y = t["enterprise_year"]
    y = y.filter(y.fiscal_year == on.year - 1)
    y = y.select("enterprise_id", "employees", "operating_revenue", "total_assets")
    j = _lj(_lj(e, y, "id", "enterprise_id"), lookup, "industry_code", "code")
    return j.select(
        id=j.id,
        industry_group=j.grp,
        employees=j.employees.cast("int64"),
        operating_revenue=j.operating_revenue,
        total_assets=j.total_assets,
        recorded_class=j.size_class,
    )


def qualified_column(standard: Any, table: Any, resolved: Any) -> tuple[Any, Any]:
    """``standard``'s ``qualified`` rule compiled over ``table`` (as
    :func:`~kechuang.standards.engine.screen_table` compiles it), without the per-criterion
    explanation columns: ``(widened table, qualified)``, where ``qualified`` is true, false or
    null (screen_table's outcome ``qualified`` / ``not_qualified`` / ``undetermined``)."""
    res = resolved.fresh()
    wide, shared = ex.materialise_shared([standard.qualified], table, res)
    node = standard.qualified
    if id(node) in shared:
        return wide, wide[shared[id(node)]]
    return wide, ex.to_ibis(node, wide, res, shared)


def classification(t: Tables, on: dt.date, options: Options) -> Any:
    """Per enterprise on ``on``: ``enterprise_id``, ``sci_tech``, ``size_sme`` (size class medium,
    small or micro), ``is_sme`` (the SME rule of the loan statistics, per ``options.sme_rule``)
    and ``size_rule`` (what decided the size class).

    Both standards' ``qualified`` rules run over one table (qualifications and size profile side
    by side), one after the other, so the population is joined once and only the columns the
    outcomes need are computed.
    """

    def build() -> Any:
        ibis = _ibis()
        resolved = default_parameters().at(t.params_on or on)
        holds = _holds(t, on)
        prof = _size_profiles(t, on).rename(pid="id")
        both = holds.join(prof, holds.id == prof.pid).drop("pid")
        wide, st_q = qualified_column(sci_tech_enterprise.STANDARD, both, resolved)
        both = wide.select(*both.columns, sci_tech=st_q.fill_null(False))
        wide, sz_q = qualified_column(sme_size_class.STANDARD, both, resolved)
        size_sme = (
            sz_q.fill_null(False) | (sz_q.isnull() & wide.recorded_class.isin(SME_CLASSES))
        ).fill_null(False)
        return wide.select(
            enterprise_id=wide.id,
            sci_tech=wide.sci_tech,
            size_sme=size_sme,
            is_sme=wide.holds_tech_sme if options.sme_rule == "tech_sme" else size_sme,
            size_rule=ibis.ifelse(sz_q.isnull(), "recorded_size_class", "sme_size_class"),
        )

    return t.memo(("classification", on, options.sme_rule), build)


# =============================================================================== credit


def loan_balances(t: Tables, on: dt.date) -> Any:
    """Outstanding principal per loan at the end of ``on`` (fen): drawdowns − repaid − written off."""
    ibis = _ibis()
    ev = t["loan_ledger_event"]
    ev = ev.filter(ev.event_date <= on, ev.kind.isin(PRINCIPAL_KINDS))
    signed = ibis.ifelse(ev.kind == "drawdown", ev.amount, -ev.amount)
    per_loan = ev.group_by(ev.loan_id).aggregate(balance=signed.sum())
    loan = t["loan"]
    j = per_loan.join(loan, per_loan.loan_id == loan.id)
    return j.select(
        loan_id=j.loan_id,
        loan_no=j.loan_no,
        enterprise_id=j.enterprise_id,
        product_key=j.product_key,
        balance=j.balance,
    )


def enterprise_balances(t: Tables, on: dt.date, *, loans: bool = True) -> Any:
    """Per enterprise with outstanding principal above 0 at ``on``: ``balance`` (fen, the sum of
    :func:`loan_balances`) and, with ``loans``, ``loans`` (loans with a principal event by then).

    The per-loan balances are never materialised. When ``on`` is one of ``t.report_dates``, the
    balances at all of those dates come from **one** pass over the ledger (a conditional sum per
    date) and are cached together.

    ``loans=False`` (the figures, which only sum and count enterprises) sums the ledger events
    straight per enterprise — the same balances, since an enterprise's balance is the sum of its
    loans' and a sum of sums is the sum — without the per-loan grouping the loan count needs
    (10 million groups at national scale).
    """
    ibis = _ibis()
    dates = tuple(sorted(set(t.report_dates))) if on in t.report_dates else (on,)

    def signed_events() -> tuple[Any, Any]:
        ev = t["loan_ledger_event"]
        ev = ev.filter(ev.event_date <= dates[-1], ev.kind.isin(PRINCIPAL_KINDS))
        return ev, ibis.ifelse(ev.kind == "drawdown", ev.amount, -ev.amount)

    def build_with_loans() -> Any:
        ev, signed = signed_events()
        aggs: dict[str, Any] = {}
        for i, day in enumerate(dates):
            by_then = ev.event_date <= day
            aggs[f"b{i}"] = ibis.ifelse(by_then, signed, 0).sum()
            aggs[f"n{i}"] = ibis.ifelse(by_then, 1, 0).max()
        per_loan = ev.group_by(ev.loan_id).aggregate(**aggs)
        loan = t["loan"].select(lid="id", enterprise_id="enterprise_id")
        j = per_loan.join(loan, per_loan.loan_id == loan.lid)
        sums: dict[str, Any] = {}
        for i in range(len(dates)):
            sums[f"b{i}"] = j[f"b{i}"].sum()
            sums[f"n{i}"] = j[f"n{i}"].sum()
        return j.group_by("enterprise_id").aggregate(**sums)

    def build_balances() -> Any:
        # No filter on the events before the join: every event is summed conditionally instead
        # (0 for other kinds or later dates). Filtered, DuckDB estimates the events below the
        # loans and builds its hash table on the (larger) events.
        # The signed principal is computed before the join, so the join carries one number per
        # event instead of its kind and amount.
        ev = t["loan_ledger_event"]
        ev = ev.select(
            ev.loan_id,
            ev.event_date,
            signed=ibis.cases(
                (ev.kind == "drawdown", ev.amount),
                (ev.kind.isin(PRINCIPAL_KINDS[1:]), -ev.amount),
                else_=0,
            ),
        )
        loan = t["loan"].select(lid="id", enterprise_id="enterprise_id")
        j = ev.join(loan, ev.loan_id == loan.lid)
        sums = {
            f"b{i}": ibis.ifelse(j.event_date <= day, j.signed, 0).sum()
            for i, day in enumerate(dates)
        }
        return j.group_by("enterprise_id").aggregate(**sums)

    if loans:
        per = t.memo(("enterprise_balances", dates), build_with_loans)
    else:
        per = t.memo(("enterprise_balances_only", dates), build_balances)
    i = dates.index(on)
    per = per.filter(per[f"b{i}"] > 0)
    cols = {"enterprise_id": per.enterprise_id, "balance": per[f"b{i}"].cast("int64")}
    if loans:
        cols["loans"] = per[f"n{i}"].cast("int64")
    return per.select(**cols)


def _with_names(t: Tables, rows: Any) -> Any:
    """``rows`` with the enterprise's ``uscc`` and ``name`` (a left join: the same rows)."""
    e = t["enterprise"]
    return _lj(rows, e.select(eid=e.id, uscc=e.uscc, name=e.name), "enterprise_id", "eid")


def borrowers(t: Tables, on: dt.date, options: Options, *, sme: bool, names: bool = True) -> Any:
    """Sci-tech (SME) enterprises with outstanding principal above 0 at ``on``, with balance.

    ``names=False`` leaves out what only people read — ``uscc``, ``name``, ``loans`` and
    ``size_rule`` (the same rows, for measuring)."""
    per = enterprise_balances(t, on, loans=names)
    cls = classification(t, on, options)
    j = per.join(cls, "enterprise_id")
    j = j.filter(j.sci_tech & j.is_sme) if sme else j.filter(j.sci_tech)
    if not names:
        return j.select("enterprise_id", "balance", "is_sme")
    j = j.select("enterprise_id", "balance", "loans", "is_sme", "size_rule")
    j = _with_names(t, j)
    return j.select("enterprise_id", "uscc", "name", "balance", "loans", "is_sme", "size_rule")


def _grants_of_year(t: Tables, p: Period, options: Options) -> Any:
    """Credit grants (every product) made in the year and not cancelled by year end, with the
    grantee's ``size_sme``: cached per year, so the product figures share one scan of
    ``credit_grant``."""

    def build() -> Any:
        g = t["credit_grant"]
        g = g.filter(
            g.granted_on >= p.start,
            g.granted_on <= p.end,
            g.cancelled_on.isnull() | (g.cancelled_on > p.end),
        )
        g = g.select("contract_no", "enterprise_id", "product_key", "granted_on", "amount")
        cls = classification(t, p.end, options)
        c = cls.select(cid=cls.enterprise_id, size_sme=cls.size_sme)
        j = _lj(g, c, "enterprise_id", "cid")
        return j.select(*g.columns, size_sme=j.size_sme.fill_null(False))

    return t.memo(("grants", p.year, options.sme_rule), build)


def grants(
    t: Tables,
    p: Period,
    options: Options,
    products: tuple[str, ...],
    *,
    sme: bool,
    names: bool = True,
) -> Any:
    """Credit grants of ``products`` made in the year and not cancelled by year end.

    ``names=False`` leaves out the grantee's ``uscc`` and ``name`` (the same rows, for measuring).
    """
    g = _grants_of_year(t, p, options)
    g = g.filter(g.product_key.isin(products))
    if sme:
        g = g.filter(g.size_sme)
    g = g.select("contract_no", "enterprise_id", "product_key", "granted_on", "amount")
    if not names:
        return g
    g = _with_names(t, g)
    return g.select(
        "contract_no", "enterprise_id", "uscc", "name", "product_key", "granted_on", "amount"
    )


# =============================================================================== insurance


def _covered_on(p: Any, day: Any) -> Any:
    """Bound, or cancelled after ``day`` having been bound (counting._covered_on)."""
    return (p.status == "bound") | (
        (p.status == "cancelled") & p.bound_on.notnull() & (p.cancelled_on > day)
    )


def policies_written(t: Tables, product: str, start: dt.date, end: dt.date) -> Any:
    """Policies of ``product`` written in ``[start, end]`` (counting.written_clause)."""
    ibis = _ibis()
    p = t["insurance_policy"]
    written_on = ibis.coalesce(p.bound_on, p.start_date)
    return p.filter(
        p.product_key == product,
        written_on >= start,
        written_on <= end,
        _covered_on(p, p.start_date),
    )


def policies_in_force(t: Tables, product: str, day: dt.date) -> Any:
    """Policies of ``product`` in force on ``day`` (counting.in_force_clause)."""
    p = t["insurance_policy"]
    return p.filter(
        p.product_key == product, p.start_date <= day, p.end_date >= day, _covered_on(p, day)
    )


def parties(t: Tables, policies: Any) -> Any:
    """Distinct (policy, insured party) pairs: the insured enterprise / institution / name, plus
    enterprises insured as objects of kind ``enterprise`` (counting's insured parties)."""
    ibis = _ibis()
    p = policies
    kind = ibis.cases(
        (p.insured_enterprise_id.notnull(), "enterprise"),
        (p.insured_institution_id.notnull(), "institution"),
        else_="name",
    )
    name = p.insured_name.re_replace(r"\s+", " ").strip()
    ref = ibis.cases(
        (p.insured_enterprise_id.notnull(), p.insured_enterprise_id.cast("string")),
        (p.insured_institution_id.notnull(), p.insured_institution_id.cast("string")),
        else_=name,
    )
    own = p.select(policy_no=p.policy_no, party_kind=kind, party_ref=ref)
    o = t["insured_object"]
    o = o.filter(o.kind == "enterprise", o.enterprise_id.notnull())
    pp = p.select(pid=p.id, pno=p.policy_no)
    grp = o.join(pp, o.policy_id == pp.pid)
    group = grp.select(
        policy_no=grp.pno,
        party_kind=ibis.literal("enterprise"),
        party_ref=grp.enterprise_id.cast("string"),
    )
    return own.union(group, distinct=True)


def objects_of(t: Tables, policies: Any, kinds: tuple[str, ...]) -> Any:
    """Insured objects of ``kinds`` on ``policies``: one row per (policy, object)."""
    o = t["insured_object"]
    o = o.filter(o.kind.isin(kinds))
    pp = policies.select(pid=policies.id, policy_no=policies.policy_no)
    j = o.join(pp, o.policy_id == pp.pid)
    return j.select("policy_no", "kind", "ref", "name", "enterprise_id")


def policy_places(t: Tables, policies: Any) -> Any:
    """Per policy: ``district`` (policy, else insured enterprise's, else institution's) and
    ``incubator`` (named incubator's code, else the insured institution when an incubator)."""
    ibis = _ibis()
    e = t["enterprise"].select(e_id="id", e_district="district_code")
    ins = t["institution"].select(
        i_id="id", i_district="district_code", i_code="code", i_kind="kind"
    )
    inc = t["institution"].select(c_id="id", c_code="code")
    p = policies
    j = _lj(
        _lj(_lj(p, e, "insured_enterprise_id", "e_id"), ins, "insured_institution_id", "i_id"),
        inc,
        "incubator_institution_id",
        "c_id",
    )
    return j.select(
        policy_no=j.policy_no,
        sum_insured=j.sum_insured,
        district=ibis.coalesce(j.district_code, j.e_district, j.i_district),
        incubator=ibis.coalesce(
            j.c_code, ibis.ifelse(j.i_kind == "incubator", j.i_code, ibis.null("string"))
        ),
    )


# =============================================================================== IP


def _last_expired_filing(on: dt.date, years: int) -> dt.date:
    """The latest filing date whose term of ``years`` has ended on or before ``on``."""
    guess = add_years(
        dt.date(on.year, on.month, 28 if (on.month, on.day) == (2, 29) else on.day), -years
    )
    day = guess + dt.timedelta(days=3)
    while add_years(day, years) > on:
        day -= dt.timedelta(days=1)
    return day


def _in_force(t: Tables, on: dt.date, types: tuple[str, ...] | None = None) -> Any:
    """The patents (of ``types``, default all) in force on ``on``, uncached: ``patent_id``, the
    patent's own columns and ``maintenance_years``. See :func:`patents_in_force`."""
    ibis = _ibis()
    p = t["patent"]
    p = p.filter(p.grant_date.notnull(), p.grant_date <= on)
    if types is not None:
        p = p.filter(p.patent_type.isin(types))
    l20, l10, l15 = (_last_expired_filing(on, n) for n in (20, 10, 15))
    f = p.filing_date
    expired = (
        ((p.patent_type == "invention") & (f <= l20))
        | ((p.patent_type == "utility_model") & (f <= l10))
        | (
            (p.patent_type == "design")
            & (((f < DESIGN_TERM_CHANGE) & (f <= l10)) | ((f >= DESIGN_TERM_CHANGE) & (f <= l15)))
        )
    )
    p = p.filter(~expired)
    ev = t["patent_event"]
    ev = ev.filter(ev.event_date <= on)
    final = (
        ev.filter(ev.kind.isin(("invalidation_full", "abandonment")))
        .select(fid=ev.patent_id)
        .distinct()
    )
    lapse = (
        ev.filter(ev.kind == "lapse")
        .group_by(lid=ev.patent_id)
        .aggregate(last_lapse=ev.event_date.max())
    )
    rest = (
        ev.filter(ev.kind == "restoration")
        .group_by(rid=ev.patent_id)
        .aggregate(last_rest=ev.event_date.max())
    )
    p = p.anti_join(final, p.id == final.fid)
    j = _lj(_lj(p, lapse, "id", "lid"), rest, "id", "rid")
    j = j.filter(j.last_lapse.isnull() | (j.last_rest.notnull() & (j.last_rest >= j.last_lapse)))
    md = j.filing_date.month() * 100 + j.filing_date.day()
    on_md = on.month * 100 + on.day
    leap = on.year % 4 == 0 and (on.year % 100 != 0 or on.year % 400 == 0)
    limit = 229 if (on_md == 228 and not leap) else on_md
    years = (on.year - j.filing_date.year()) - ibis.ifelse(md > limit, 1, 0)
    return j.select(
        patent_id=j.id,
        application_no=j.application_no,
        patent_type=j.patent_type,
        filing_date=j.filing_date,
        grant_date=j.grant_date,
        sei_code=j.sei_code,
        main_ipc=j.main_ipc,
        ipc_classes=j.ipc_classes,
        foreign_family_count=j.foreign_family_count,
        maintenance_years=years.cast("int64"),
    )


def patents_in_force(t: Tables, on: dt.date) -> Any:
    """Patents in force on ``on`` (:mod:`kechuang.ip.status`), with ``maintenance_years``.

    Granted on or before ``on``; not expired (term from the filing date, designs filed from
    2021-06-01 get 15 years); no full invalidation or surrender on or before ``on``; and the latest
    lapse on or before ``on``, if any, followed (same day counts) by a restoration.

    Cached per date. The invention figures use :func:`high_value` instead, which holds the
    in-force inventions of a date with their verdict in one cached table.
    """
    return t.memo(("in_force", on), lambda: _in_force(t, on))


@dataclass(frozen=True, slots=True)
class _IpcTexts:
    """The two IPC fields :func:`kechuang.ip.service.ipc_codes_of` reads from a patent."""

    main_ipc: str | None
    ipc_classes: str | None


def _concordance_lookup(t: Tables, candidates: Any) -> Any:
    """(main_ipc, ipc_classes) → matched, over the distinct IPC texts of ``candidates``.

    Normalisation and longest-prefix matching are :mod:`kechuang.ip.service`'s own functions, run
    on distinct IPC texts (not on rows) and joined back.
    """
    import pyarrow as pa

    ibis = _ibis()
    conc = t["ipc_concordance"]
    prefixes = set(t.to_arrow(conc.select("ipc_prefix"))["ipc_prefix"].to_pylist())
    pairs = candidates.select(
        m=ibis.coalesce(candidates.main_ipc, ""), c=ibis.coalesce(candidates.ipc_classes, "")
    ).filter((ibis._.m != "") | (ibis._.c != ""))
    if not prefixes:  # no concordance loaded: nothing can match
        pairs = pairs.limit(0)
    pairs = t.to_arrow(pairs.distinct())
    mains, classes, matched = [], [], []
    for main, other in zip(pairs["m"].to_pylist(), pairs["c"].to_pylist(), strict=True):
        codes = ip_service.ipc_codes_of(cast(Any, _IpcTexts(main or None, other or None)))
        hit = any(code[:n] in prefixes for code in codes for n in range(1, min(len(code), 32) + 1))
        mains.append(main)
        classes.append(other)
        matched.append(hit)
    return t.load(
        "concordance",
        pa.table(
            {
                "lm": pa.array(mains, pa.string()),
                "lc": pa.array(classes, pa.string()),
                "matched": pa.array(matched, pa.bool_()),
            }
        ),
    )


def _sei_classified(t: Tables, on: dt.date) -> Any:
    """``cid``: the inventions granted by ``on`` (by the last of ``t.report_dates``, so that both
    year ends share it) that are in a strategic emerging industry — a declared SEI code, or an
    IPC code matching the concordance (:func:`_concordance_lookup`). It does not depend on the
    date, so it is computed once, over a superset of every year end's in-force inventions."""
    day = max((on, *t.report_dates))

    def build() -> Any:
        ibis = _ibis()
        p = t["patent"]
        p = p.filter(p.patent_type == "invention", p.grant_date.notnull(), p.grant_date <= day)
        declared = p.sei_code.notnull() & (p.sei_code.strip() != "")
        undeclared = p.filter(~declared)
        lookup = _concordance_lookup(t, undeclared)
        lookup = lookup.filter(lookup.matched).select(km="lm", kc="lc")
        u = undeclared.select(
            cid=undeclared.id,
            lm=ibis.coalesce(undeclared.main_ipc, ""),
            lc=ibis.coalesce(undeclared.ipc_classes, ""),
        )
        matched = u.join(lookup, [u.lm == lookup.km, u.lc == lookup.kc]).select("cid")
        return p.filter(declared).select(cid=p.id).union(matched, distinct=False)

    return t.memo(("sei_classified", day), build)


def high_value(t: Tables, on: dt.date) -> Any:
    """Every invention patent in force on ``on`` with the ``high_value_patent`` profile and verdict
    (``outcome``): cached per date, one row per in-force invention, so it is also the table of
    valid inventions (``valid_invention_patents`` counts its rows). Only what the verdict reads is
    cached; :func:`in_force_inventions` adds the patent's number and dates for people."""
    ibis = _ibis()

    def build() -> Any:
        inv = _in_force(t, on, ("invention",))
        sei = _sei_classified(t, on)
        pl = t["pledge"]
        pl = pl.filter(
            pl.registration_date <= on, pl.release_date.isnull() | (pl.release_date > on)
        )
        pp = t["pledge_patent"]
        pledged = (
            pp.join(pl, pp.pledge_id == pl.id)
            .group_by(gid=pp.patent_id)
            .aggregate(pledge_amount=pl.amount.sum())
        )
        aw = t["ip_award"]
        aw = (
            aw.filter(
                aw.patent_id.notnull(),
                aw.kind.isin([k.value for k in COUNTED_AWARDS]),
                aw.awarded_on <= on,
            )
            .select(aid=aw.patent_id)
            .distinct()
        )
        j = _lj(
            _lj(_lj(inv, sei, "patent_id", "cid"), pledged, "patent_id", "gid"),
            aw,
            "patent_id",
            "aid",
        )
        prof = j.select(
            id=j.patent_id,
            is_invention=ibis.literal(True),
            in_force=ibis.literal(True),
            sei_classified=j.cid.notnull(),
            foreign_family_count=j.foreign_family_count.cast("int64"),
            maintenance_years=j.maintenance_years,
            pledge_amount=ibis.coalesce(j.pledge_amount, 0).cast("int64"),
            award=j.aid.notnull(),
        )
        wide, q = qualified_column(
            high_value_patent.STANDARD, prof, default_parameters().at(t.params_on or on)
        )
        return wide.select(*prof.columns, verdict=q)

    hv = t.memo(("high_value", on), build)
    outcome = ibis.cases(
        (hv.verdict.isnull(), "undetermined"), (hv.verdict, "qualified"), else_="not_qualified"
    )
    return hv.select(*[c for c in hv.columns if c != "verdict"], outcome=outcome)


def in_force_inventions(t: Tables, on: dt.date) -> Any:
    """:func:`high_value` with each patent's ``application_no``, ``filing_date`` and
    ``grant_date`` (a join on the patent: the same rows)."""
    hv = high_value(t, on)
    p = t["patent"].select(
        pid="id",
        application_no="application_no",
        filing_date="filing_date",
        grant_date="grant_date",
    )
    j = hv.join(p, hv.id == p.pid)
    return j.select(
        "id",
        "application_no",
        "filing_date",
        "grant_date",
        *[c for c in hv.columns if c != "id"],
    )


# =============================================================================== specs


@dataclass(frozen=True)
class Spec:
    """How one indicator is computed.

    Attributes:
        key: the indicator key (catalogue).
        records: the rows behind the figure.
        measure: the figure from its records (an Ibis scalar).
        kind: ``count`` (an integer), ``fen`` (money: ÷ 100 → 元) or ``special`` (computed in
            :mod:`kechuang.indicators.compute` from records, e.g. external statistics).
        measured: the same rows as ``records`` without the columns only shown to people (the
            enterprise's name and USCC), which the measure does not read; ``None``: ``records``.
    """

    key: str
    records: Records
    measure: Measure
    kind: Kind = "count"
    measured: Records | None = None

    def measured_records(self, t: Tables, p: Period, o: Options) -> Any:
        """The rows the figure is measured over (``measured``, else ``records``)."""
        return (self.measured or self.records)(t, p, o)


def _count(r: Any) -> Any:
    return r.count()


def _sum_amount(r: Any) -> Any:
    return r.amount.sum().fill_null(0)


def _sum_insured(r: Any) -> Any:
    return r.sum_insured.sum().fill_null(0)


def _nunique_enterprise(r: Any) -> Any:
    return r.enterprise_id.nunique()


def _credit_specs() -> list[Spec]:
    specs: list[Spec] = []
    for prefix, sme in (("sci_tech", False), ("sci_tech_sme", True)):

        def rows(t: Tables, p: Period, o: Options, _s: bool = sme) -> Any:
            return borrowers(t, p.end, o, sme=_s)

        def bare(t: Tables, p: Period, o: Options, _s: bool = sme) -> Any:
            return borrowers(t, p.end, o, sme=_s, names=False)

        specs.append(Spec(f"{prefix}_borrowers", rows, _count, measured=bare))
        specs.append(
            Spec(
                f"{prefix}_loan_balance",
                rows,
                lambda r: r.balance.sum().fill_null(0),
                "fen",
                measured=bare,
            )
        )
    specs = [specs[0], specs[2], specs[1], specs[3]]  # the catalogue's order
    products: list[tuple[str, tuple[str, ...], bool]] = [
        ("sh_performance_loan", ("sh_performance_loan", "sh_micro_loan"), False),
        ("sh_boost_loan", ("sh_boost_loan",), False),
        ("sh_little_giant_credit_loan", ("sh_little_giant_credit_loan",), False),
        ("sh_high_tech_loan", ("sh_high_tech_loan",), False),
        ("sh_high_tech_loan_sme", ("sh_high_tech_loan",), True),
        ("esop_loan", ("esop_loan",), False),
    ]
    for key, keys, sme in products:

        def rec(
            t: Tables, p: Period, o: Options, _k: tuple[str, ...] = keys, _s: bool = sme
        ) -> Any:
            return grants(t, p, o, _k, sme=_s)

        def bare_grants(
            t: Tables, p: Period, o: Options, _k: tuple[str, ...] = keys, _s: bool = sme
        ) -> Any:
            return grants(t, p, o, _k, sme=_s, names=False)

        specs.append(Spec(f"{key}_enterprises", rec, _nunique_enterprise, measured=bare_grants))
        specs.append(Spec(f"{key}_amount", rec, _sum_amount, "fen", measured=bare_grants))
    return specs


def _ic_pool(t: Tables, p: Period, o: Options) -> Any:
    month_end = (
        (dt.date(p.year, o.ic_pool_month_end % 12 + 1, 1) - dt.timedelta(days=1))
        if o.ic_pool_month_end < 12
        else p.end
    )
    return policies_written(t, "ic_coinsurance_pool", o.ic_pool_start, month_end)


def _first_of_kind(t: Tables, p: Period, o: Options) -> Any:
    return policies_written(t, "first_of_kind_equipment_insurance", o.first_of_kind_start, p.end)


def _clinical(t: Tables, p: Period, o: Options) -> Any:
    return policies_written(t, "sh_clinical_trial_liability", p.start, p.end)


def _founder(t: Tables, p: Period, o: Options) -> Any:
    return policies_in_force(t, "sh_startup_founder_liability", p.end)


def _policy_rows(select: Records) -> Records:
    def rec(t: Tables, p: Period, o: Options) -> Any:
        pol = select(t, p, o)
        return pol.select(
            "policy_no", "insured_name", "start_date", "end_date", "status", "sum_insured"
        )

    return rec


def _kind_key(r: Any) -> Any:
    return (r.kind + ":" + r.ref).nunique()


def _insurance_specs() -> list[Spec]:
    return [
        Spec(
            "ic_coinsurance_pool_enterprise_policies",
            lambda t, p, o: parties(t, _ic_pool(t, p, o)),
            _count,
        ),
        Spec("ic_coinsurance_pool_sum_insured", _policy_rows(_ic_pool), _sum_insured, "fen"),
        Spec(
            "first_of_kind_equipment_projects",
            lambda t, p, o: objects_of(t, _first_of_kind(t, p, o), ("project", "equipment_set")),
            _kind_key,
        ),
        Spec(
            "first_of_kind_equipment_sum_insured", _policy_rows(_first_of_kind), _sum_insured, "fen"
        ),
        Spec(
            "clinical_trial_insured",
            lambda t, p, o: parties(t, _clinical(t, p, o)),
            lambda r: (r.party_kind + ":" + r.party_ref).nunique(),
        ),
        Spec(
            "clinical_trial_projects",
            lambda t, p, o: objects_of(t, _clinical(t, p, o), ("clinical_trial",)),
            _kind_key,
        ),
        Spec("clinical_trial_sum_insured", _policy_rows(_clinical), _sum_insured, "fen"),
        Spec(
            "startup_founder_districts",
            lambda t, p, o: policy_places(t, _founder(t, p, o)),
            lambda r: r.district.nunique(),
        ),
        Spec(
            "startup_founder_incubators",
            lambda t, p, o: policy_places(t, _founder(t, p, o)),
            lambda r: r.incubator.nunique(),
        ),
        Spec(
            "startup_founder_enterprises",
            lambda t, p, o: objects_of(t, _founder(t, p, o), ("founder",)),
            _nunique_enterprise,
        ),
        Spec(
            "startup_founder_founders",
            lambda t, p, o: objects_of(t, _founder(t, p, o), ("founder",)),
            _kind_key,
        ),
        Spec("startup_founder_sum_insured", _policy_rows(_founder), _sum_insured, "fen"),
    ]


def _granted(t: Tables, p: Period, invention: bool) -> Any:
    pt = t["patent"]
    pt = pt.filter(pt.grant_date >= p.start, pt.grant_date <= p.end)
    if invention:
        pt = pt.filter(pt.patent_type == "invention")
    return pt.select("application_no", "patent_type", "filing_date", "grant_date", "title")


def _centres(kind: str) -> Records:
    def rec(t: Tables, p: Period, o: Options) -> Any:
        c = t["ip_centre"]
        c = c.filter(c.kind == kind, c.recognised_on >= p.start, c.recognised_on <= p.end)
        return c.select("code", "name", "kind", "recognised_on", "recognising_body")

    return rec


def _sme_ip(t: Tables, p: Period, o: Options) -> Any:
    g = t["ip_programme"]
    g = g.filter(g.kind == "sme_ip_operation", g.year == p.year)
    return g.select("code", "name", "kind", "year", "enterprise_id", "organiser")


def _pct(t: Tables, p: Period, o: Options) -> Any:
    f = t["pct_filing"]
    f = f.filter(f.filing_date >= p.start, f.filing_date <= p.end)
    return f.select("international_no", "filing_date", "applicant_name", "title")


def _valid_inventions(t: Tables, p: Period, o: Options) -> Any:
    r = in_force_inventions(t, p.end)
    return r.select("application_no", "filing_date", "grant_date", "maintenance_years")


def _valid_inventions_bare(t: Tables, p: Period, o: Options) -> Any:
    return high_value(t, p.end).select("id", "maintenance_years")


def _high_value_rows(t: Tables, p: Period, o: Options) -> Any:
    r = in_force_inventions(t, p.end)
    return r.filter(r.outcome == "qualified").drop(
        "is_invention", "in_force", "id", "filing_date", "grant_date"
    )


def _high_value_bare(t: Tables, p: Period, o: Options) -> Any:
    r = high_value(t, p.end)
    return r.filter(r.outcome == "qualified").drop("is_invention", "in_force")


def external_records(key: str) -> Records:
    """The ``external_statistic`` row of ``key`` for the year."""

    def rec(t: Tables, p: Period, o: Options) -> Any:
        x = t["external_statistic"]
        x = x.filter(x.key == key, x.period_year == p.year)
        return x.select(
            "key",
            "period_year",
            "value",
            "unit",
            "source_title",
            "source_url",
            "published_on",
            "status",
        )

    return rec


def _fund(t: Tables, p: Period, o: Options) -> Any:
    f = t["fund"]
    f = f.filter(f.code.upper() == o.fudan_fof_code.upper(), f.vintage <= p.year)
    return f.select("code", "name", "kind", "vintage", "target_size", "phases")


def _ip_specs() -> list[Spec]:
    return [
        Spec("patents_granted", lambda t, p, o: _granted(t, p, False), _count),
        Spec("invention_patents_granted", lambda t, p, o: _granted(t, p, True), _count),
        Spec("pct_applications", _pct, _count),
        Spec("valid_invention_patents", _valid_inventions, _count, measured=_valid_inventions_bare),
        Spec("high_value_invention_patents", _high_value_rows, _count, measured=_high_value_bare),
        Spec(
            "high_value_patents_per_10k",
            _high_value_rows,
            _count,
            "special",
            measured=_high_value_bare,
        ),
        Spec("ip_finance_centres", _centres("ip_finance_centre"), _count),
        Spec("medical_ip_centres", _centres("medical_operation_centre"), _count),
        Spec("sme_ip_projects", _sme_ip, _count),
    ]


SPECS: dict[str, Spec] = {
    s.key: s
    for s in [
        Spec("fudan_fof_phase1_size", _fund, _count, "special"),
        *_credit_specs(),
        *_insurance_specs(),
        Spec("gii_cluster_rank", external_records("gii_cluster_rank"), _count, "special"),
        Spec("resident_population", external_records("resident_population"), _count, "special"),
        *_ip_specs(),
    ]
}
"""Every indicator's computation, by key (the same keys as the catalogue)."""


__all__ = [
    "SPECS",
    "Spec",
    "borrowers",
    "classification",
    "enterprise_balances",
    "grants",
    "high_value",
    "in_force_inventions",
    "loan_balances",
    "objects_of",
    "parties",
    "patents_in_force",
    "policies_in_force",
    "policies_written",
    "policy_places",
    "qualified_column",
]
