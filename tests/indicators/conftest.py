"""Fixtures: the hand-computed dataset in a database, and a release made from it (once per session)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kechuang.indicators.releases import Release, create_release, open_release
from kechuang.storage import db as storage_db
from kechuang.storage.db import reset_engines, unit_of_work
from tests.indicators import dataset


@dataclass(frozen=True)
class Built:
    """A database holding the dataset and a draft release computed from it."""

    url: str
    root: Path
    release_id: str

    def open(self) -> Release:
        return open_release(self.release_id, self.root)


@pytest.fixture(scope="session")
def built(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """The dataset in SQLite and release ``2023-r1`` computed on DuckDB (read-only for tests)."""
    folder = tmp_path_factory.mktemp("indicators")
    target = folder / "kechuang.db"
    shutil.copyfile(_sqlite_template, target)
    url = storage_db.sqlite_url(target)
    with unit_of_work(url) as session:
        dataset.build(session)
    root = folder / "releases"
    manifest = create_release(url=url, year=2023, root=root, synthetic=True)
    reset_engines()  # closing the last connection checkpoints the WAL: the file alone is complete
    yield Built(url=url, root=root, release_id=manifest.release_id)
    reset_engines()


@pytest.fixture
def fresh_built(built: Built, tmp_path: Path) -> Built:
    """A private copy of the built database and its release folder (tests that write)."""
    db = tmp_path / "kechuang.db"
    shutil.copyfile(Path(built.url.split("///", 1)[1]), db)
    root = tmp_path / "releases"
    shutil.copytree(built.root, root)
    return Built(url=storage_db.sqlite_url(db), root=root, release_id=built.release_id)


def values_by_key(release: Release) -> dict[str, Any]:
    return {v.key: v for v in release.values()}
