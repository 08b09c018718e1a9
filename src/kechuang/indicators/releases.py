"""Statistical releases (统计发布): frozen snapshots, the figures computed on them, and a manifest.

A release lives in ``<root>/<release_id>/`` where ``root`` is ``KECHUANG_RELEASES_DIR`` or
``kechuang_home()/releases``::

    manifest.json          ReleaseManifest: cut-off, definitions version, engine, options,
                           row counts and the sha256 of every other file
    tables/<table>.parquet one file per operational table (kechuang.storage.release_export)
    definitions.json       the indicator catalogue the figures were computed with
    indicators.json        IndicatorValue per indicator (exact decimals as text)
    indicators.parquet     the same as a table

Ids are ``<year>-r<n>`` (``2023-r1``, ``2023-r2`` …): a release is built in a scratch folder and
renamed into place, so creating one never overwrites another. A **published** release is
immutable: :func:`verify_release` detects any changed byte through the checksums and recomputes
every figure from the snapshot; a correction is a new release of the same year with a revision
note (``revision_of`` names the release it corrects), and :func:`diff_releases` shows what
changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from kechuang import __version__
from kechuang.core.errors import Conflict, NotFound, ValidationError
from kechuang.core.i18n import Msg
from kechuang.core.periods import today
from kechuang.indicators.catalog import DEFINITIONS, DEFINITIONS_VERSION
from kechuang.indicators.compute import compute_values
from kechuang.indicators.expressions import SPECS
from kechuang.indicators.model import IndicatorDefinition, IndicatorValue, ReleaseManifest
from kechuang.indicators.options import Options
from kechuang.indicators.tables import ENGINES, Tables
from kechuang.storage.base import Base, utcnow
from kechuang.storage.db import get_engine, kechuang_home
from kechuang.storage.release_export import sha256_of, snapshot, write_parquet

Progress = Callable[[str, int, int], None]
"""``(stage, done, total)``; stages ``snapshot``, ``indicators``, ``write``."""

_ID = re.compile(r"^(?P<year>\d{4})-r(?P<n>\d+)$")


def _load_models() -> None:
    """Import every module with ORM models so ``Base.metadata`` knows every table."""
    import kechuang.credit.models
    import kechuang.funds.models
    import kechuang.insurance.models
    import kechuang.ip.models
    import kechuang.policy.models
    import kechuang.registry.models
    import kechuang.standards.models
    import kechuang.storage.history  # noqa: F401


def _revision(release_id: str) -> int:
    m = _ID.match(release_id)
    return int(m.group("n")) if m else 0


def releases_root(root: Path | None = None) -> Path:
    """Where releases live: ``root``, else ``KECHUANG_RELEASES_DIR``, else ``kechuang_home()/releases``."""
    if root is not None:
        return Path(root)
    if env := os.environ.get("KECHUANG_RELEASES_DIR"):
        return Path(env).expanduser()
    return kechuang_home() / "releases"


# ============================================================================== (de)serialising


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value))


def manifest_to_dict(m: ReleaseManifest) -> dict[str, Any]:
    """JSON-ready form of a manifest."""
    data = asdict(m)
    data["cutoff"] = m.cutoff.isoformat()
    data["created_at"] = m.created_at.isoformat()
    data["published_at"] = m.published_at.isoformat() if m.published_at else None
    return data


def manifest_from_dict(data: dict[str, Any]) -> ReleaseManifest:
    """Inverse of :func:`manifest_to_dict`."""
    known = {f.name for f in fields(ReleaseManifest)}
    d = {k: v for k, v in data.items() if k in known}
    d["cutoff"] = dt.date.fromisoformat(d["cutoff"])
    d["created_at"] = dt.datetime.fromisoformat(d["created_at"])
    if d.get("published_at"):
        d["published_at"] = dt.datetime.fromisoformat(d["published_at"])
    return ReleaseManifest(**d)


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def value_to_dict(v: IndicatorValue) -> dict[str, Any]:
    """JSON-ready form of a value (decimals as exact text)."""
    return {
        "key": v.key,
        "year": v.year,
        "value": None if v.value is None else str(v.value),
        "previous": None if v.previous is None else str(v.previous),
        "yoy": None if v.yoy is None else str(v.yoy),
        "source": v.source,
        "source_status": v.source_status,
    }


def value_from_dict(d: dict[str, Any]) -> IndicatorValue:
    """Inverse of :func:`value_to_dict`."""
    return IndicatorValue(
        key=d["key"],
        year=int(d["year"]),
        value=_dec(d["value"]),
        previous=_dec(d["previous"]),
        yoy=_dec(d["yoy"]),
        source=d.get("source"),
        source_status=d.get("source_status"),
    )


def definition_to_dict(d: IndicatorDefinition) -> dict[str, Any]:
    """JSON-ready form of a definition."""
    return asdict(d)


def definition_from_dict(d: dict[str, Any]) -> IndicatorDefinition:
    """Inverse of :func:`definition_to_dict` (unknown keys ignored)."""
    known = {f.name for f in fields(IndicatorDefinition)}
    return IndicatorDefinition(**{k: v for k, v in d.items() if k in known})


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default)
    path.write_text(text + "\n", encoding="utf-8")


def _write_values(folder: Path, values: Sequence[IndicatorValue]) -> None:
    import pyarrow as pa

    rows = [value_to_dict(v) for v in values]
    _write_json(folder / "indicators.json", rows)
    schema = pa.schema(
        [
            ("key", pa.string()),
            ("year", pa.int64()),
            ("value", pa.string()),
            ("previous", pa.string()),
            ("yoy", pa.string()),
            ("source", pa.string()),
            ("source_status", pa.string()),
        ]
    )
    write_parquet(pa.Table.from_pylist(rows, schema=schema), folder / "indicators.parquet")


def _checksums(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            out[path.relative_to(folder).as_posix()] = sha256_of(path)
    return out


# ============================================================================== the release object


@dataclass
class Release:
    """An opened release (implements :class:`~kechuang.indicators.model.ReleaseView`)."""

    path: Path
    manifest: ReleaseManifest
    _definitions: tuple[IndicatorDefinition, ...] = field(default=(), repr=False)
    _values: tuple[IndicatorValue, ...] = field(default=(), repr=False)

    @property
    def definitions(self) -> Sequence[IndicatorDefinition]:
        """The catalogue as it was when the release was computed."""
        return self._definitions

    def values(self, year: int | None = None) -> list[IndicatorValue]:
        """Every value for ``year`` (the release year, or the year before), catalogue order."""
        year = self.manifest.year if year is None else year
        if year == self.manifest.year:
            return list(self._values)
        if year == self.manifest.year - 1:
            return [
                IndicatorValue(key=v.key, year=year, value=v.previous, source=None)
                for v in self._values
            ]
        return []

    def value(self, key: str) -> IndicatorValue:
        """The value of ``key`` for the release year.

        Raises:
            NotFound: the release has no such indicator.
        """
        for v in self._values:
            if v.key == key:
                return v
        raise NotFound(
            Msg(
                f"发布 {self.manifest.release_id} 中没有指标 {key}",
                f"release {self.manifest.release_id} has no indicator {key}",
            ),
            code="indicators.unknown",
        )

    def table(self, name: str) -> Any:
        """A snapshot table as Arrow (declared types; decimals exact)."""
        import pyarrow.parquet as pq

        path = self.path / "tables" / f"{name}.parquet"
        if not path.exists():
            raise NotFound(
                Msg(
                    f"发布 {self.manifest.release_id} 中没有表 {name}",
                    f"release {self.manifest.release_id} has no table {name}",
                ),
                code="release.no_table",
            )
        return pq.read_table(path)

    def tables(self, engine: str | None = None, *, url: str | None = None) -> Tables:
        """The snapshot loaded on an Ibis engine (default: the engine the release used)."""
        return Tables(self.path / "tables", engine or self.manifest.engine, url=url)

    @property
    def options(self) -> Options:
        """The definition options the release was computed under."""
        return Options.from_dict(self.manifest.options)


def _read(path: Path) -> Release:
    manifest = manifest_from_dict(json.loads((path / "manifest.json").read_text("utf-8")))
    defs = tuple(
        definition_from_dict(d) for d in json.loads((path / "definitions.json").read_text("utf-8"))
    )
    values = tuple(
        value_from_dict(d) for d in json.loads((path / "indicators.json").read_text("utf-8"))
    )
    return Release(path=path, manifest=manifest, _definitions=defs, _values=values)


def open_release(release_id: str, root: Path | None = None) -> Release:
    """Open the release ``release_id``.

    Raises:
        NotFound: no such release.
    """
    path = releases_root(root) / release_id
    if not (path / "manifest.json").exists():
        raise NotFound(
            Msg(f"没有统计发布 {release_id}", f"no release {release_id}"), code="release.not_found"
        )
    return _read(path)


def list_releases(root: Path | None = None, *, year: int | None = None) -> list[ReleaseManifest]:
    """Manifests of every release (by year, then revision)."""
    base = releases_root(root)
    if not base.exists():
        return []
    out = []
    for child in base.iterdir():
        m = _ID.match(child.name)
        if m and (child / "manifest.json").exists():
            if year is not None and int(m.group("year")) != year:
                continue
            out.append(
                (
                    int(m.group("year")),
                    int(m.group("n")),
                    manifest_from_dict(json.loads((child / "manifest.json").read_text("utf-8"))),
                )
            )
    return [m for _, _, m in sorted(out, key=lambda x: (x[0], x[1]))]


# ============================================================================== create


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValidationError(
            Msg(
                f"未知引擎：{engine}（可选 {', '.join(ENGINES)}）",
                f"unknown engine: {engine} (choose {', '.join(ENGINES)})",
            ),
            code="engine.unknown",
        )


def create_release(
    *,
    url: str | None,
    year: int,
    cutoff: dt.date | None = None,
    engine: str = "duckdb",
    root: Path | None = None,
    revision_note: str | None = None,
    synthetic: bool = False,
    progress: Progress | None = None,
    options: Options | None = None,
    analytics_url: str | None = None,
) -> ReleaseManifest:
    """Snapshot the operational store, compute every indicator for ``year`` and ``year − 1``.

    Args:
        url: operational database URL (``None``: ``KECHUANG_DATABASE_URL`` or the default file).
        year: the report year.
        cutoff: the data cut-off date recorded in the manifest (default: today, UTC+8): the day
            data collection for the year closed. It must fall on or after the year's 12-31 (the
            year-end figures need the whole year) and not after today (the snapshot is what the
            store holds now, so a future cut-off would promise data it cannot contain).
        engine: analytics engine for the figures (``duckdb``, ``sqlite``, ``postgres``, ``spark``).
        root: releases folder (default :func:`releases_root`).
        revision_note: why this release corrects an earlier one of the same year; required when
            a published release of the year exists.
        synthetic: the data are synthetic (demo); reports say so.
        progress: ``(stage, done, total)`` callback.
        options: definition options (default :class:`Options`).
        analytics_url: for ``engine="postgres"``, where to compute (default: env / ``url``).

    Returns:
        The new release's manifest (status ``draft``).

    Raises:
        ValidationError: unknown engine; a cut-off before the year end or in the future; a
            correction without a revision note.
    """
    _check_engine(engine)
    cutoff = cutoff or today()
    if cutoff < dt.date(year, 12, 31) or cutoff > today():
        raise ValidationError(
            Msg(
                f"截止日 {cutoff} 应在 {year}-12-31 至今天（{today()}）之间："
                "年末数据须覆盖全年，快照为当前库中数据",
                f"the cut-off {cutoff} must fall between {year}-12-31 and today ({today()}): "
                "year-end figures need the whole year, and the snapshot is what the store holds now",
            ),
            code="release.cutoff",
        )
    _load_models()
    options = options or Options()
    base = releases_root(root)
    base.mkdir(parents=True, exist_ok=True)
    previous = list_releases(base, year=year)
    if any(m.status == "published" for m in previous) and not (revision_note or "").strip():
        raise ValidationError(
            Msg(
                f"{year} 年已有已发布的统计发布；更正须给出修订说明（--note）",
                f"{year} already has a published release; a correction needs a revision note",
            ),
            code="release.revision_note",
        )
    scratch = Path(tempfile.mkdtemp(prefix=".building-", dir=base))
    try:
        tables_dir = scratch / "tables"
        snaps = snapshot(get_engine(url), Base.metadata, tables_dir, progress=progress)
        pg_url = analytics_url or (url if engine == "postgres" else None)
        t = Tables(tables_dir, engine, url=pg_url)
        try:
            values = compute_values(t, year, options, progress=progress)
        finally:
            t.close()
        _write_values(scratch, values)
        _write_json(scratch / "definitions.json", [definition_to_dict(d) for d in DEFINITIONS])
        manifest = ReleaseManifest(
            release_id="",
            year=year,
            cutoff=cutoff,
            created_at=utcnow(),
            definitions_version=DEFINITIONS_VERSION,
            engine=engine,
            software_version=__version__,
            status="draft",
            revision_of=previous[-1].release_id if previous else None,
            revision_note=revision_note,
            row_counts={s.name: s.rows for s in snaps},
            checksums=_checksums(scratch),
            synthetic=synthetic,
            options=options.as_dict(),
        )
        n = max((_revision(m.release_id) for m in previous), default=0)
        while True:
            n += 1
            release_id = f"{year}-r{n}"
            manifest = replace(manifest, release_id=release_id)
            _write_json(scratch / "manifest.json", manifest_to_dict(manifest))
            target = base / release_id
            try:
                os.rename(scratch, target)  # atomic; fails when the id is taken
            except OSError:
                if target.exists():
                    continue
                raise
            break
        if progress:
            progress("write", 1, 1)
        return manifest
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)


# ============================================================================== publish, verify, diff


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_release` found.

    Attributes:
        release_id: the release checked.
        files_checked: files whose checksum was compared.
        changed_files: files whose bytes differ from the manifest's checksum.
        missing_files: files listed in the manifest but absent.
        extra_files: files present but not listed.
        mismatches: ``(key, stored, recomputed)`` for figures the snapshot no longer reproduces.
        engine: engine used to recompute.
    """

    release_id: str
    files_checked: int
    changed_files: list[str]
    missing_files: list[str]
    extra_files: list[str]
    mismatches: list[tuple[str, str, str]]
    engine: str

    @property
    def ok(self) -> bool:
        """True when every byte and every figure matches."""
        return not (self.changed_files or self.missing_files or self.extra_files or self.mismatches)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "ok": self.ok}


def check_files(release: Release) -> tuple[list[str], list[str], list[str]]:
    """(changed, missing, extra) files against the manifest's checksums."""
    stored = release.manifest.checksums
    actual = _checksums(release.path)
    changed = sorted(k for k in stored if k in actual and actual[k] != stored[k])
    missing = sorted(k for k in stored if k not in actual)
    extra = sorted(k for k in actual if k not in stored)
    return changed, missing, extra


def verify_release(
    release_id: str,
    *,
    root: Path | None = None,
    engine: str | None = None,
    url: str | None = None,
    recompute: bool = True,
) -> VerifyResult:
    """Check every file's checksum and recompute every figure from the snapshot.

    Raises:
        NotFound: no such release.
    """
    release = open_release(release_id, root)
    changed, missing, extra = check_files(release)
    used = engine or release.manifest.engine
    mismatches: list[tuple[str, str, str]] = []
    if recompute and not missing:
        # the release's own definitions (its catalogue version), as far as this software has them
        defs = tuple(d for d in release.definitions if d.key in SPECS)
        mismatches += [(d.key, "", "") for d in release.definitions if d.key not in SPECS]
        t = release.tables(used, url=url)
        try:
            fresh = compute_values(t, release.manifest.year, release.options, definitions=defs)
        finally:
            t.close()
        stored = {v.key: v for v in release.values()}
        for v in fresh:
            s = stored.get(v.key)
            a = value_to_dict(s) if s else None
            b = value_to_dict(v)
            if a is None or (a["value"], a["previous"], a["yoy"]) != (
                b["value"],
                b["previous"],
                b["yoy"],
            ):
                mismatches.append((v.key, "" if a is None else str(a["value"]), str(b["value"])))
    return VerifyResult(
        release_id=release_id,
        files_checked=len(release.manifest.checksums),
        changed_files=changed,
        missing_files=missing,
        extra_files=extra,
        mismatches=mismatches,
        engine=used,
    )


def publish_release(
    release_id: str, *, by: str, approved_by: str, root: Path | None = None
) -> ReleaseManifest:
    """Publish a draft release: from now on it is immutable.

    Publication is maker-checker: ``by`` asked for it and ``approved_by``, a different person,
    approved it; both are recorded in the manifest. (The API and web check the checker's role.)

    Raises:
        NotFound: no such release.
        ValidationError: the checker is the maker (or a name is blank).
        Conflict: already published, or its files no longer match their checksums.
    """
    maker, checker = by.strip(), approved_by.strip()
    if not maker or not checker or maker.casefold() == checker.casefold():
        raise ValidationError(
            Msg(
                f"发布统计发布须由另一人复核：发起人 {maker or '（空）'}，复核人 {checker or '（空）'}",
                f"publishing a release needs a second person: maker {maker or '(blank)'}, "
                f"checker {checker or '(blank)'}",
            ),
            code="release.same_checker",
        )
    release = open_release(release_id, root)
    if release.manifest.status == "published":
        raise Conflict(
            Msg(
                f"统计发布 {release_id} 已发布，不能再改",
                f"release {release_id} is already published",
            ),
            code="release.published",
        )
    changed, missing, extra = check_files(release)
    if changed or missing or extra:
        raise Conflict(
            Msg(
                f"统计发布 {release_id} 的文件与清单不符，不能发布：{', '.join(changed + missing + extra)}",
                f"release {release_id} does not match its manifest: {', '.join(changed + missing + extra)}",
            ),
            code="release.tampered",
        )
    manifest = replace(
        release.manifest,
        status="published",
        published_at=utcnow(),
        published_by=maker,
        approved_by=checker,
    )
    _write_json(release.path / "manifest.json", manifest_to_dict(manifest))
    return manifest


@dataclass(frozen=True)
class ValueChange:
    """One indicator whose figures differ between two releases."""

    key: str
    label_zh: str
    before: Decimal | None
    after: Decimal | None
    previous_before: Decimal | None
    previous_after: Decimal | None
    yoy_before: Decimal | None
    yoy_after: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (decimals as text)."""
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ReleaseDiff:
    """What changed from release ``a`` to release ``b``."""

    a: str
    b: str
    values: list[ValueChange]
    row_counts: dict[str, tuple[int | None, int | None]]
    manifest: dict[str, tuple[Any, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.a,
            "b": self.b,
            "values": [v.as_dict() for v in self.values],
            "row_counts": {k: list(v) for k, v in self.row_counts.items()},
            "manifest": {
                k: [str(x) if x is not None else None for x in v] for k, v in self.manifest.items()
            },
        }


def diff_releases(a: str, b: str, *, root: Path | None = None) -> ReleaseDiff:
    """Figures, row counts and manifest fields that differ between releases ``a`` and ``b``."""
    ra, rb = open_release(a, root), open_release(b, root)
    va = {v.key: v for v in ra.values()}
    vb = {v.key: v for v in rb.values()}
    labels = {d.key: d.label_zh for d in [*ra.definitions, *rb.definitions]}
    changes = []
    for key in list(dict.fromkeys([*va, *vb])):
        x, y = va.get(key), vb.get(key)
        triple_x = (x.value, x.previous, x.yoy) if x else (None, None, None)
        triple_y = (y.value, y.previous, y.yoy) if y else (None, None, None)
        if triple_x != triple_y or (x is None) != (y is None):
            changes.append(
                ValueChange(
                    key,
                    labels.get(key, key),
                    triple_x[0],
                    triple_y[0],
                    triple_x[1],
                    triple_y[1],
                    triple_x[2],
                    triple_y[2],
                )
            )
    rows: dict[str, tuple[int | None, int | None]] = {}
    for name in sorted({*ra.manifest.row_counts, *rb.manifest.row_counts}):
        pair = (ra.manifest.row_counts.get(name), rb.manifest.row_counts.get(name))
        if pair[0] != pair[1]:
            rows[name] = pair
    meta = {}
    for fname in (
        "year",
        "cutoff",
        "definitions_version",
        "engine",
        "software_version",
        "options",
        "synthetic",
    ):
        pa_, pb_ = getattr(ra.manifest, fname), getattr(rb.manifest, fname)
        if pa_ != pb_:
            meta[fname] = (pa_, pb_)
    return ReleaseDiff(a=a, b=b, values=changes, row_counts=rows, manifest=meta)


__all__ = [
    "Release",
    "ReleaseDiff",
    "ValueChange",
    "VerifyResult",
    "create_release",
    "diff_releases",
    "list_releases",
    "open_release",
    "publish_release",
    "releases_root",
    "verify_release",
]
