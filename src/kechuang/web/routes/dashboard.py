"""The dashboard: the release's indicators with year-over-year, charts and drill-down to records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import func, select

from kechuang.api.routes.dashboard import COUNTED
from kechuang.auth import policy
from kechuang.core.errors import KechuangError
from kechuang.core.i18n import Msg
from kechuang.indicators.display import SCALES, percent, scaled
from kechuang.indicators.explain import explain
from kechuang.indicators.model import ReleaseManifest
from kechuang.indicators.releases import list_releases, open_release
from kechuang.web.core import PageCtx, PageError

router = APIRouter(include_in_schema=False)

GROUPS: dict[str, Msg] = {
    "finance_support": Msg("科技金融支持", "Finance support"),
    "credit": Msg("科技信贷", "Sci-tech credit"),
    "credit_products": Msg("信贷产品", "Credit products"),
    "insurance": Msg("科技保险", "Sci-tech insurance"),
    "ip_creation": Msg("知识产权创造", "IP creation"),
    "ip_transformation": Msg("知识产权转化", "IP transformation"),
    "ip_capability": Msg("知识产权能力", "IP capability"),
    "external": Msg("外部统计", "External statistics"),
}

RESOURCE_TITLES: dict[str, Msg] = {
    "registry.enterprise": Msg("企业", "Enterprises"),
    "credit.application": Msg("授信申请", "Credit applications"),
    "credit.grant": Msg("授信", "Credit grants"),
    "credit.loan": Msg("贷款", "Loans"),
    "credit.claim": Msg("风险补偿申请", "Compensation claims"),
    "insurance.policy": Msg("保单", "Insurance policies"),
    "insurance.claim": Msg("保险理赔", "Insurance claims"),
    "insurance.subsidy": Msg("保费补贴", "Premium subsidies"),
    "funds.fund": Msg("基金", "Funds"),
    "ip.patent": Msg("专利", "Patents"),
}


def default_release(manifests: list[ReleaseManifest]) -> ReleaseManifest | None:
    """The newest published release, else the newest release."""
    published = [m for m in manifests if m.status == "published"]
    pool = published or manifests
    return max(pool, key=lambda m: (m.year, m.created_at)) if pool else None


def _counts(ctx: PageCtx) -> list[tuple[str, int]]:
    out = []
    for resource in COUNTED:
        if not ctx.may(resource):
            continue
        model: Any = policy.SCOPES[resource].model
        stmt = ctx.scope(select(func.count()).select_from(model), resource)
        out.append((ctx.m(RESOURCE_TITLES[resource]), int(ctx.session.scalar(stmt) or 0)))
    return out


@router.get("/dashboard")
def dashboard(ctx: PageCtx, release: str | None = None) -> Response:
    """Indicators of a release (default: the newest published) and the user's record counts."""
    ctx.require("dashboard")
    ctx.require("indicators.release")
    manifests = list_releases(ctx.releases_root)
    chosen = next((m for m in manifests if m.release_id == release), None)
    if release and chosen is None:
        raise PageError(404, Msg(f"没有统计发布 {release}", f"no release {release}"))
    chosen = chosen or default_release(manifests)
    rows: list[dict[str, Any]] = []
    charts: list[dict[str, Any]] = []
    if chosen is not None:
        opened = ctx.get(lambda: open_release(chosen.release_id, ctx.releases_root))
        values = {v.key: v for v in opened.values(chosen.year)}
        by_group: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for d in sorted(opened.definitions, key=lambda d: (d.section, d.order, d.key)):
            v = values.get(d.key)
            unit = d.unit_en if ctx.lang == "en" else d.unit_zh
            row = {
                "key": d.key,
                "label": d.label_en if ctx.lang == "en" else d.label_zh,
                "section": d.section,
                "group": ctx.m(GROUPS.get(d.group, Msg(d.group, d.group))),
                "value": scaled(d, v.value if v else None),
                "previous": scaled(d, v.previous if v else None),
                "yoy": percent(v.yoy) if v is not None and d.yoy else "—",
                "unit": unit,
                "segment": d.segment_of is not None,
            }
            rows.append(row)
            if v is not None and v.value is not None and not d.external:
                div = SCALES[d.scale]
                by_group.setdefault((d.group, unit), []).append(
                    {
                        "label": row["label"],
                        "unit": unit,
                        "value": float(v.value / div),
                        "previous": None if v.previous is None else float(v.previous / div),
                    }
                )
        for n, ((group, unit), items) in enumerate(by_group.items()):
            charts.append(
                {
                    "id": f"chart-{n}",
                    "title": f"{ctx.m(GROUPS.get(group, Msg(group, group)))}（{unit}）",
                    "items": items[:12],
                    "year": chosen.year,
                }
            )
    return ctx.render(
        "dashboard.html",
        manifests=manifests,
        chosen=chosen,
        rows=rows,
        charts=charts,
        counts=_counts(ctx),
        may_drill=ctx.may("registry.summary"),
    )


@router.get("/dashboard/{release_id}/{key}")
def drill_down(ctx: PageCtx, release_id: str, key: str, year: int | None = None) -> Response:
    """The records behind one figure (record level: city-wide roles only, per the policy)."""
    ctx.require("indicators.release")
    ctx.require("registry.summary")
    try:
        exp = explain(release_id, key, root=ctx.releases_root, year=year)
    except KechuangError as exc:
        raise PageError.of(exc) from exc
    records = exp.rows
    columns = list(exp.records.column_names)
    d = exp.definition
    return ctx.render(
        "drill.html",
        release_id=release_id,
        definition=d,
        label=d.label_en if ctx.lang == "en" else d.label_zh,
        formula=d.formula_en if ctx.lang == "en" else d.formula_zh,
        value=scaled(d, exp.value.value if exp.year == exp.value.year else exp.value.previous),
        unit=d.unit_en if ctx.lang == "en" else d.unit_zh,
        year=exp.year,
        columns=columns,
        records=records[:500],
        total=len(records),
    )
