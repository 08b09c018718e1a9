"""``kechuang user``: create, list and disable users; issue API tokens for integrations."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from typing import Any

import typer
from rich.table import Table

from kechuang.auth import service as auth_service
from kechuang.auth.enums import Role
from kechuang.cli.common import console, fail, handle_errors, print_json, t
from kechuang.core.i18n import Msg
from kechuang.storage.base import utcnow
from kechuang.storage.db import unit_of_work

app = typer.Typer(help=t("用户与 API 令牌", "Users and API tokens"), no_args_is_help=True)
token_app = typer.Typer(
    help=t("API 令牌（系统对接）", "API tokens (system integrations)"), no_args_is_help=True
)
app.add_typer(token_app, name="token")

_ROLES = ", ".join(r.value for r in Role)


def _role(value: str) -> Role:
    role = Role.parse(value)
    if role is None:
        fail(Msg(f"未知角色 {value}（可选：{_ROLES}）", f"unknown role {value} (one of: {_ROLES})"))
        raise AssertionError  # unreachable: fail() exits
    return role


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("密码：", "Password: "))
    second = getpass.getpass(t("再次输入密码：", "Repeat password: "))
    if first != second:
        fail(Msg("两次输入的密码不一致", "the passwords differ"))
    return first


@app.command("create")
@handle_errors
def create_cmd(
    username: str = typer.Argument(..., help=t("用户名", "username")),
    role: str = typer.Option(..., "--role", help=t(f"角色：{_ROLES}", f"role: {_ROLES}")),
    org: str | None = typer.Option(
        None,
        "--org",
        help=t(
            "所属机构代码（银行、保险、基金管理人、知识产权机构）或企业统一社会信用代码；政府、审计角色不填",
            "institution code (bank, insurer, fund manager, IP body) or enterprise USCC; none for government / auditor roles",
        ),
    ),
    display_name: str | None = typer.Option(None, "--name", help=t("显示名称", "display name")),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help=t("从标准输入读取密码", "read the password from stdin")
    ),
) -> None:
    """新建用户（密码以 argon2 散列保存）/ Create a user (argon2-hashed password)."""
    parsed = _role(role)
    password = _read_password(password_stdin)
    with unit_of_work() as session:
        user = auth_service.create_user(
            session=session,
            username=username,
            password=password,
            role=parsed,
            org=org,
            display_name=display_name,
        )
        console.print(
            t(
                f"已创建用户 {user.username}（{parsed.label.zh}{'，' + user.org if user.org else ''}）",
                f"created user {user.username} ({parsed.value}{', ' + user.org if user.org else ''})",
            )
        )


@app.command("list")
@handle_errors
def list_cmd(
    role: str | None = typer.Option(None, "--role", help=t("只列此角色", "only this role")),
    as_json: bool = typer.Option(False, "--json", help=t("输出 JSON", "JSON output")),
) -> None:
    """列出用户 / List users."""
    with unit_of_work(commit=False) as session:
        users = auth_service.list_users(session=session, role=_role(role) if role else None)
        rows: list[dict[str, Any]] = [
            {
                "username": u.username,
                "role": u.role.value,
                "org": u.org,
                "active": u.active,
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in users
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=t("用户", "Users"))
    for col in (t("用户名", "username"), t("角色", "role"), t("机构", "org"), t("启用", "active")):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["username"]), str(r["role"]), r["org"] or "", "✓" if r["active"] else "✗"
        )
    console.print(table)


@app.command("disable")
@handle_errors
def disable_cmd(username: str = typer.Argument(..., help=t("用户名", "username"))) -> None:
    """停用用户并吊销其全部登录与令牌 / Disable a user and revoke their logins and tokens."""
    with unit_of_work() as session:
        user = auth_service.get_by_username(session=session, username=username)
        auth_service.set_active(session=session, user=user, active=False)
    console.print(t(f"已停用 {username}", f"disabled {username}"))


@token_app.command("create")
@handle_errors
def token_create_cmd(
    username: str = typer.Argument(..., help=t("令牌代表的用户", "user the token acts as")),
    name: str = typer.Option(..., "--name", help=t("令牌用途名称", "what the token is for")),
    scopes: str = typer.Option(
        "read", "--scopes", help=t("read、write 或 read,write", "read, write or read,write")
    ),
    days: int = typer.Option(90, "--days", min=1, help=t("有效天数", "days valid")),
) -> None:
    """为系统对接签发 API 令牌（只显示一次）/ Issue an API token (shown once)."""
    with unit_of_work() as session:
        user = auth_service.get_by_username(session=session, username=username)
        issued = auth_service.issue_api_token(
            session=session,
            user=user,
            name=name,
            scopes={s.strip() for s in scopes.split(",") if s.strip()},
            expires_at=utcnow() + dt.timedelta(days=days),
        )
    console.print(
        t("API 令牌（请妥善保存，只显示一次）：", "API token (store it now; shown once):")
    )
    typer.echo(issued.token)
