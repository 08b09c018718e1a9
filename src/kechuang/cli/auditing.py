"""The audit log for CLI commands: every command runs inside one audit context (channel ``cli``).

:func:`begin` is called once, by the root ``kechuang`` callback, so that every unit of work a
command opens — directly or inside a domain function — logs its row changes like an API request
does. What the log records:

- actor: the command's ``--by`` or ``--actor`` option when it has one and it is given, else the OS
  user (:func:`getpass.getuser`);
- request id: ``cli-`` and a random hex id, the same for every row of one command run;
- one ``command`` row per command run (table ``cli``) with the channel, the command path, its
  options and the OS user, written with the first commit that logged a change;
- file imports: one ``import`` row per file, no row per imported row
  (:func:`kechuang.storage.audit.audited_import`, shared with the API uploads).

Dry runs and failed commands roll back, and their audit rows with them. ``serve`` (the API sets its
own context per request), ``demo`` (a throwaway synthetic database) and ``db`` (schema only) are
not audited.
"""

from __future__ import annotations

import datetime as dt
import getpass
import importlib
import uuid
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from kechuang.migrations import ensure_schema
from kechuang.storage import audit
from kechuang.storage.audit import AuditContext, current, reset_context, set_context
from kechuang.storage.db import unit_of_work

CHANNEL = "cli"
UNAUDITED_COMMANDS = frozenset({"serve", "demo", "db"})
"""Top-level commands that run without a CLI audit context."""

ACTOR_OPTIONS = ("by", "actor")
"""Parameter names whose value is the actor (``--by``, ``--actor``), in order of preference."""

SECRET_WORDS = ("password", "token", "secret")
"""Text options whose names contain one of these are logged as ``***``."""


def os_user() -> str:
    """The OS user running the command (``unknown`` if it cannot be determined)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user database entry (containers)
        return "unknown"


def _option_value(name: str, value: Any) -> Any:
    if isinstance(value, str) and any(word in name for word in SECRET_WORDS):
        return "***"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path | dt.date):
        return str(value)
    if isinstance(value, list | tuple):
        return [_option_value(name, v) for v in value]
    return str(value)


def actor_of(params: dict[str, Any]) -> str | None:
    """The ``--by`` / ``--actor`` value among a command's parsed parameters, if given."""
    for name in ACTOR_OPTIONS:
        value = params.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _context_finder() -> Callable[..., Any] | None:
    """Click's ``get_current_context`` (vendored by Typer ≥ 0.2x as ``typer._click``)."""
    for module in ("typer._click.globals", "click.globals"):
        try:
            finder: Callable[..., Any] = importlib.import_module(module).get_current_context
        except (ImportError, AttributeError):  # pragma: no cover - depends on the Typer version
            continue
        return finder
    return None  # pragma: no cover


_find_context = _context_finder()


def _command_path(command: Any) -> str:
    """``kechuang user create`` whatever the program was started as (``python -m kechuang.cli``)."""
    names: list[str] = []
    while command is not None:
        names.append(str(command.info_name or ""))
        command = command.parent
    names[-1] = "kechuang"
    return " ".join(reversed(names))


def _resolve(ctx: AuditContext) -> None:
    """Bring the actor and the command details up to date from the running command."""
    command = _find_context(silent=True) if _find_context is not None else None
    if command is None:
        return
    params = dict(command.params)
    ctx.actor = actor_of(params) or os_user()
    ctx.details = {
        "channel": CHANNEL,
        "command": _command_path(command),
        "options": {k: _option_value(k, v) for k, v in params.items()},
        "os_user": os_user(),
    }


def cli_context(actor: str | None = None) -> AuditContext:
    """A fresh CLI audit context (its actor and details follow the running command)."""
    ctx = AuditContext(
        actor=actor or os_user(),
        request_id=f"{CHANNEL}-{uuid.uuid4().hex}",
        channel=CHANNEL,
        details={"channel": CHANNEL, "command": None, "options": {}, "os_user": os_user()},
        resolve=_resolve,
    )
    return ctx


def begin(ctx: typer.Context) -> AuditContext | None:
    """Open the command's audit context (the root callback calls this; closed with the command).

    Returns the context, or ``None`` for an unaudited command (``serve``, ``demo``, ``db``) or
    when a context is already active (an embedding caller's own context wins).
    """
    if ctx.resilient_parsing or ctx.invoked_subcommand in UNAUDITED_COMMANDS:
        return None
    if current() is not None:
        return None
    audit_ctx = cli_context()
    token = set_context(audit_ctx)
    ctx.call_on_close(lambda: reset_context(token))
    return audit_ctx


def record_write(
    *, action: str, table_name: str, record_id: str | None, changes: dict[str, Any]
) -> None:
    """Log, in its own unit of work, a write that is not an ORM row change (release or product files).

    Under the running command's context (nothing when the command is not audited).
    """
    if current() is None:
        return
    ensure_schema()  # a file-only command may run before any database exists
    with unit_of_work() as session:
        audit.record(
            session=session,
            action=action,
            table_name=table_name,
            record_id=record_id,
            changes=changes,
        )
