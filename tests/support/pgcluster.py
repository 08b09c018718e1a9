"""A throwaway PostgreSQL cluster for the test suite.

``start()`` returns a running server to create databases on:

* if ``KECHUANG_TEST_PG_URL`` is set (a SQLAlchemy/libpq URL of an *admin* database on an
  existing server, e.g. ``postgresql://postgres:pw@db:5432/postgres``), that server is used and
  nothing is started or stopped;
* otherwise a private cluster is created with ``initdb`` in a temporary directory (on the
  ``/dev/shm`` tmpfs when it has room; ``KECHUANG_TEST_PG_TMPDIR`` overrides) and started on a
  free TCP port on 127.0.0.1 (never 5432) with durability switched off (``fsync=off`` …) —
  fast, and gone after ``stop()``.

The server binaries are found with ``pg_config --bindir`` or, failing that, the newest
``/usr/lib/postgresql/*/bin`` (Debian/Ubuntu layout).  ``initdb`` refuses to run as root, so
when the tests run as root the cluster is owned by, and run as, the ``postgres`` system user
(via ``runuser``).  ``scripts/install-system-deps.sh`` installs the binaries.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ENV_URL = "KECHUANG_TEST_PG_URL"
ENV_TMPDIR = "KECHUANG_TEST_PG_TMPDIR"  # override where the throwaway cluster lives
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # the OS account the cluster runs as when the tests run as root
DRIVER = "postgresql+psycopg"

_MIN_FREE_BYTES = 1 << 30  # a cluster is ~40 MB, each cloned database ~8 MB; leave headroom

_SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed."""


class PgStartError(RuntimeError):
    """The binaries exist but the cluster could not be created or started."""


# ----------------------------------------------------------------------------- binaries


def _has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: str) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,)
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path:
    """Directory with ``initdb``/``pg_ctl``/``postgres``; raises :class:`PostgresUnavailable`."""
    if pg_config := shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
            if out and _has_server_binaries(Path(out)):
                return Path(out)
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if _has_server_binaries(Path(candidate)):
            return Path(candidate)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (no initdb via `pg_config --bindir` nor in "
        "/usr/lib/postgresql/*/bin); run `make sysdeps` (scripts/install-system-deps.sh) "
        f"or point {ENV_URL} at a server"
    )


# ----------------------------------------------------------------------------- servers


def _as_psycopg_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"{ENV_URL} must be a PostgreSQL URL, got {parsed.get_backend_name()!r}")
    return parsed.set(drivername=DRIVER).render_as_string(hide_password=False)


class ExternalServer:
    """An already running server named by ``KECHUANG_TEST_PG_URL``; never started or stopped."""

    external = True

    def __init__(self, admin_url: str) -> None:
        self.admin_url = _as_psycopg_url(admin_url)

    def url(self, dbname: str) -> str:
        """URL of database ``dbname`` on this server."""
        return make_url(self.admin_url).set(database=dbname).render_as_string(hide_password=False)

    def stop(self) -> None:
        """Nothing to do: the server is not ours."""

    def __repr__(self) -> str:
        return f"ExternalServer({make_url(self.admin_url)!r})"


class PgCluster:
    """A private cluster in a temporary directory (see the module docstring)."""

    external = False

    def __init__(self, bindir: Path | None = None, host: str = "127.0.0.1") -> None:
        self.bindir = bindir if bindir is not None else find_bindir()
        self.host = host
        self.port: int | None = None
        self.base: Path | None = None
        self._started = False
        self._run_as = SYSTEM_USER if os.geteuid() == 0 else None

    # -- paths
    @property
    def datadir(self) -> Path:
        assert self.base is not None, "cluster not started"
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        assert self.base is not None, "cluster not started"
        return self.base / "postgresql.log"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, dbname: str) -> str:
        """``postgresql+psycopg://postgres@127.0.0.1:PORT/dbname``."""
        assert self.port is not None, "cluster not started"
        return f"{DRIVER}://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    # -- lifecycle
    def start(self, attempts: int = 3) -> PgCluster:
        """initdb + pg_ctl start; returns ``self``.  Raises :class:`PgStartError` with the log tail."""
        if self._started:
            return self
        self.base = Path(tempfile.mkdtemp(prefix="kechuang-pg-", dir=self._tempdir_parent()))
        atexit.register(self.stop)  # in case the session dies before the fixture finaliser runs
        try:
            if self._run_as:
                shutil.chown(self.base, user=self._run_as, group=self._run_as)
            self._initdb()
            for attempt in range(1, attempts + 1):
                self.port = free_port()
                try:
                    self._pg_ctl_start()
                    break
                except PgStartError:
                    # another process may have grabbed the port between probe and bind: retry
                    if attempt == attempts or "already in use" not in self._log_tail():
                        raise
            self._started = True
            return self
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """``pg_ctl stop -m fast`` and remove the temporary directory (idempotent)."""
        base, self.base = self.base, None
        if base is None:
            return
        try:
            pg_ctl = str(self.bindir / "pg_ctl")
            for mode in ("fast", "immediate"):  # immediate only if fast failed
                if not (base / "data" / "postmaster.pid").exists():
                    break
                args = [pg_ctl, "stop", "-D", str(base / "data"), "-m", mode, "-w", "-t", "60"]
                try:
                    self._run(args, cwd=base, timeout=90)
                    break
                except (OSError, subprocess.SubprocessError):
                    continue
        finally:
            self._started = False
            shutil.rmtree(base, ignore_errors=True)
            atexit.unregister(self.stop)

    def __enter__(self) -> PgCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PgCluster(bindir={str(self.bindir)!r}, port={self.port}, base={self.base})"

    # -- internals
    def _tempdir_parent(self) -> str:
        """Where the cluster directory goes: ``$KECHUANG_TEST_PG_TMPDIR``, else ``/dev/shm``
        (tmpfs: ``CREATE DATABASE … TEMPLATE`` is ~10x faster there than on disk) when it has
        room, else the temp dir, else ``/tmp``.  As root the cluster runs as ``postgres``,
        which must be able to reach the directory."""
        if override := os.environ.get(ENV_TMPDIR, "").strip():
            return override
        for candidate in ("/dev/shm", tempfile.gettempdir(), "/tmp"):
            if self._usable_parent(Path(candidate), min_free=_MIN_FREE_BYTES):
                return candidate
        return tempfile.gettempdir()

    def _usable_parent(self, path: Path, min_free: int) -> bool:
        try:
            path = path.resolve()
            if not (path.is_dir() and os.access(path, os.W_OK | os.X_OK)):
                return False
            if shutil.disk_usage(path).free < min_free:
                return False
            if self._run_as:  # every ancestor must be traversable by others
                return all(part.stat().st_mode & stat.S_IXOTH for part in (path, *path.parents))
        except OSError:
            return False
        return True

    def _command(self, args: list[str]) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return args

    def _run(
        self, args: list[str], *, cwd: Path, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        env.pop("PGDATA", None)
        return subprocess.run(
            self._command(args),
            cwd=cwd,  # the postgres user may not be able to enter the caller's cwd
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def _initdb(self) -> None:
        assert self.base is not None
        common = [str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", SUPERUSER]
        common += ["--auth=trust", "-E", "UTF8", "--no-sync"]
        errors: list[str] = []
        for locale_args in (["--locale=C.UTF-8"], ["--no-locale"]):
            shutil.rmtree(self.datadir, ignore_errors=True)
            try:
                self._run(common + locale_args, cwd=self.base, timeout=180)
                return
            except subprocess.CalledProcessError as exc:
                errors.append(f"$ {shlex.join(exc.cmd)}\n{exc.stdout}\n{exc.stderr}")
            except subprocess.TimeoutExpired as exc:
                errors.append(f"$ {shlex.join(exc.cmd)}: timed out")
        raise PgStartError("initdb failed:\n" + "\n".join(errors))

    def _pg_ctl_start(self) -> None:
        assert self.base is not None
        assert self.port is not None
        options = [f"-h {self.host}", f"-p {self.port}", f"-k {shlex.quote(str(self.datadir))}"]
        options += [f"-c {key}={value}" for key, value in _SERVER_SETTINGS.items()]
        args = [str(self.bindir / "pg_ctl"), "start", "-D", str(self.datadir)]
        args += ["-l", str(self.logfile), "-w", "-t", "60", "-o", " ".join(options)]
        try:
            self._run(args, cwd=self.base, timeout=120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            output = ""
            if isinstance(exc, subprocess.CalledProcessError):
                output = f"{exc.stdout}\n{exc.stderr}".strip()
            raise PgStartError(
                f"pg_ctl start failed on port {self.port} ({exc}):\n{output}\n"
                f"--- tail of {self.logfile} ---\n{self._log_tail()}"
            ) from exc
        _wait_for_port(self.host, self.port, timeout=30)

    def _log_tail(self, lines: int = 40) -> str:
        try:
            text = self.logfile.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])


# ----------------------------------------------------------------------------- helpers


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (never PostgreSQL's default 5432)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port != 5432:
            return port


def _wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise PgStartError(
                    f"PostgreSQL did not accept TCP connections on {host}:{port}"
                ) from None
            time.sleep(0.05)


def start() -> ExternalServer | PgCluster:
    """The server for this test session: ``KECHUANG_TEST_PG_URL`` if set, else a new cluster.

    Raises :class:`PostgresUnavailable` when no server is configured and the binaries are
    missing, :class:`PgStartError` when the cluster fails to start.
    """
    if url := os.environ.get(ENV_URL, "").strip():
        return ExternalServer(url)
    return PgCluster().start()
