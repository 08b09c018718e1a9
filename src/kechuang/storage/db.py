"""Engine, sessions and the unit of work.

Where the operational store lives:

* ``KECHUANG_DATABASE_URL`` — any SQLAlchemy URL, e.g.
  ``postgresql+psycopg://user:pw@host:5432/kechuang`` for a multi-user PostgreSQL server;
* otherwise one SQLite file, ``$KECHUANG_HOME/kechuang.db`` (``KECHUANG_HOME`` defaults to
  ``$XDG_DATA_HOME/kechuang``, i.e. ``~/.local/share/kechuang``), opened in WAL mode with
  foreign keys enforced.

Services never commit: the caller opens ``with unit_of_work() as session:`` and everything done
inside commits together on success or rolls back together on any exception.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def kechuang_home() -> Path:
    """Directory for kechuang's local files (the default SQLite database among them)."""
    if home := os.environ.get("KECHUANG_HOME"):
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg).expanduser() / "kechuang"


def default_database_path() -> Path:
    """The default SQLite file: ``$KECHUANG_HOME/kechuang.db``."""
    return kechuang_home() / "kechuang.db"


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite+pysqlite:///{Path(path).expanduser().resolve()}"


def database_url(url: str | None = None) -> str:
    """Resolve the database URL: explicit argument, then ``KECHUANG_DATABASE_URL``, then the default file."""
    if url:
        return url
    if env := os.environ.get("KECHUANG_DATABASE_URL"):
        return env
    return sqlite_url(default_database_path())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """Return the (cached) engine for ``url`` (resolved with :func:`database_url`)."""
    resolved = database_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            parsed = make_url(resolved)
            kwargs: dict[str, Any] = {"future": True}
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            else:
                kwargs["pool_pre_ping"] = True
            engine = create_engine(resolved, **kwargs)
            if parsed.get_backend_name() == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            _engines[resolved] = engine
        return engine


def reset_engines() -> None:
    """Dispose every cached engine (tests and ``kechuang demo`` use this between databases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """A session factory bound to the engine for ``url``."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(url: str | None = None, *, commit: bool = True) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on any exception.

    With ``commit=False`` (dry runs) the work is rolled back even on success.

    Example::

        with unit_of_work() as session:
            registry_service.create(session=session, enterprise_in=...)
    """
    session = session_factory(url)()
    try:
        yield session
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
