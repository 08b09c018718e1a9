"""Alembic migrations of the operational store, and the functions ``kechuang db`` calls.

The migration environment sits above every domain (it must see all ORM models), so it lives in
its own top-layer package rather than in ``kechuang.storage``.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from kechuang.storage.db import database_url, get_engine


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration for the database at ``url`` (default: the configured database)."""
    cfg = Config()
    cfg.set_main_option("script_location", "kechuang:migrations")
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (creates the SQLite file if needed)."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(url: str | None = None) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of kechuang."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ensure_schema(url: str | None = None) -> bool:
    """Create the schema of an empty database; refuse to work on an outdated one.

    Returns:
        True when the schema was just created.

    Raises:
        KechuangError: the database has an older schema; run ``kechuang db upgrade``.
    """
    from kechuang.core.errors import KechuangError
    from kechuang.core.i18n import Msg

    cur = current_revision(url)
    head = head_revision()
    if cur == head:
        return False
    if cur is None:
        upgrade(url)
        return True
    raise KechuangError(
        Msg(
            f"数据库结构版本 {cur} 落后于 {head}，请先运行 kechuang db upgrade",
            f"database schema {cur} is behind {head}; run kechuang db upgrade first",
        ),
        code="schema_outdated",
    )
