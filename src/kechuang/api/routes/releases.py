"""Statistical releases (统计发布), their indicators and the report chapter; publication needs a
second person (maker-checker through :mod:`kechuang.auth.approvals`)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kechuang.api.deps import Scoped, authorize, settings_of
from kechuang.auth import approvals, policy
from kechuang.auth.enums import ApprovalKind
from kechuang.core.errors import Conflict, NotFound
from kechuang.core.i18n import Msg
from kechuang.indicators import releases as rel
from kechuang.indicators.model import ReleaseManifest
from kechuang.storage import audit

router = APIRouter(prefix="/releases", tags=["releases"])

ReleaseId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^\d{4}-r\d{1,4}$")]

MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class ReleaseIn(BaseModel):
    """A new release: freeze the operational store and compute the indicators of ``year``."""

    year: int = Field(ge=2000, le=2100)
    cutoff: dt.date | None = None
    revision_note: str | None = Field(default=None, max_length=2000)
    synthetic: bool = False


def _root(request: Request) -> FilePath | None:
    root = settings_of(request).releases_root
    return None if root is None else FilePath(root)


def _sees_drafts(scoped: Scoped) -> bool:
    return scoped.principal.role in policy.allowed_roles("indicators.draft", "read")


def _open(request: Request, scoped: Scoped, release_id: str) -> rel.Release:
    """Open a release; drafts only for the roles the policy lets see drafts."""
    r = rel.open_release(release_id, _root(request))
    if r.manifest.status != "published" and not _sees_drafts(scoped):
        raise NotFound(
            Msg(f"没有已发布的统计发布 {release_id}", f"no published release {release_id}"),
            code="release.not_found",
        )
    return r


def _manifest(m: ReleaseManifest) -> dict[str, Any]:
    data: dict[str, Any] = rel.manifest_to_dict(m)
    return data


@router.get("", response_model=list[dict[str, Any]])
def list_releases(
    request: Request,
    scoped: Annotated[Scoped, authorize("indicators.release", "read")],
    year: int | None = None,
) -> list[dict[str, Any]]:
    """Releases with their manifests (drafts only for government officers and auditors)."""
    drafts = _sees_drafts(scoped)
    return [
        _manifest(m)
        for m in rel.list_releases(_root(request), year=year)
        if drafts or m.status == "published"
    ]


@router.get("/{release_id}", response_model=dict[str, Any])
def get_release(
    release_id: ReleaseId,
    request: Request,
    scoped: Annotated[Scoped, authorize("indicators.release", "read")],
) -> dict[str, Any]:
    """A release: manifest and every indicator value (with the year before and the change)."""
    r = _open(request, scoped, release_id)
    return {
        "manifest": _manifest(r.manifest),
        "indicators": [rel.value_to_dict(v) for v in r.values()],
    }


@router.post("", response_model=dict[str, Any], status_code=201)
def create_release(
    body: ReleaseIn,
    request: Request,
    scoped: Annotated[Scoped, authorize("indicators.release", "write")],
) -> dict[str, Any]:
    """Create a draft release (snapshot + indicators); publish it with a second person."""
    m = rel.create_release(
        url=settings_of(request).database_url,
        year=body.year,
        cutoff=body.cutoff,
        root=_root(request),
        revision_note=body.revision_note,
        synthetic=body.synthetic,
    )
    audit.record(
        session=scoped.session,
        action="insert",
        table_name="release",
        record_id=m.release_id,
        changes={"year": m.year, "status": m.status, "cutoff": m.cutoff},
    )
    return _manifest(m)


@router.get("/{release_id}/verify", response_model=dict[str, Any])
def verify(
    release_id: ReleaseId,
    request: Request,
    scoped: Annotated[Scoped, authorize("indicators.release", "read")],
    recompute: bool = False,
) -> dict[str, Any]:
    """Check every file's checksum; with ``recompute=true`` also recompute every figure from the
    snapshot (seconds on a large release)."""
    _open(request, scoped, release_id)
    result: dict[str, Any] = rel.verify_release(
        release_id, root=_root(request), recompute=recompute
    ).as_dict()
    return result


@router.post("/{release_id}/publish", response_model=dict[str, Any], status_code=202)
def request_publication(
    release_id: ReleaseId,
    request: Request,
    scoped: Annotated[Scoped, authorize("indicators.release", "write")],
) -> dict[str, Any]:
    """Ask for publication (the maker's step); a different administrator approves it with
    ``POST /api/v1/approvals/{id}/approve``, which publishes."""
    r = rel.open_release(release_id, _root(request))
    if r.manifest.status == "published":
        raise Conflict(
            Msg(f"统计发布 {release_id} 已发布", f"release {release_id} is already published"),
            code="release.published",
        )
    row = approvals.request(
        session=scoped.session,
        principal=scoped.principal,
        kind=ApprovalKind.RELEASE_PUBLISH,
        target=r.manifest.release_id,
    )
    return {"approval_id": row.id, "status": row.status.value, "release_id": release_id}


@router.get("/{release_id}/report", response_class=Response)
def report(
    release_id: ReleaseId,
    request: Request,
    scoped: Annotated[Scoped, authorize("indicators.release", "read")],
    format: Literal["md", "html", "xlsx", "pdf"] = "html",
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The report chapter (7.1 / 7.2 style) rendered from the release."""
    from kechuang.reports import render

    r = _open(request, scoped, release_id)
    with tempfile.TemporaryDirectory(prefix="kechuang-report-") as tmp:
        path = render(
            r, fmt=format, lang=lang, out=FilePath(tmp) / f"report-{release_id}-{lang}.{format}"
        )
        data = path.read_bytes()
    return Response(
        data,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'inline; filename="report-{release_id}-{lang}.{format}"'},
    )
