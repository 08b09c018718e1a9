"""``kechuang db``: schema migrations of the operational store."""

from __future__ import annotations

import typer

from kechuang.cli.common import console, handle_errors, t
from kechuang.migrations import current_revision, head_revision, upgrade
from kechuang.storage.db import database_url

app = typer.Typer(help=t("数据库迁移", "Database migrations"), no_args_is_help=True)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("upgrade")
@handle_errors
def upgrade_cmd(
    revision: str = typer.Argument("head", help=t("目标版本", "target revision")),
) -> None:
    """把数据库结构升级到最新版本（新库会自动创建）/ Upgrade the schema (creates a new database)."""
    url = database_url()
    upgrade(url, revision)
    console.print(
        t(
            f"数据库已升级到 {current_revision(url)}：{_safe_url(url)}",
            f"database at revision {current_revision(url)}: {_safe_url(url)}",
        )
    )


@app.command("current")
def current_cmd() -> None:
    """显示数据库当前版本 / Show the schema revision."""
    url = database_url()
    cur = current_revision(url)
    head = head_revision()
    console.print(
        t(
            f"数据库：{_safe_url(url)}\n当前版本：{cur or '（空库）'}\n最新版本：{head}",
            f"database: {_safe_url(url)}\ncurrent: {cur or '(empty)'}\nhead: {head}",
        )
    )
    if cur != head:
        console.print(t("请运行 kechuang db upgrade", "run kechuang db upgrade"))
        raise typer.Exit(1)
