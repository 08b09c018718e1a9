"""Plumbing shared by every page: the signed-in user, language, templates, flash messages, CSRF.

A page handler takes ``ctx: PageCtx`` (see :func:`page_context`): the request, the request's
database session (committed when the handler returns, rolled back on error — the API's
``SessionDep``), the signed-in :class:`~kechuang.auth.service.Principal` and the language. A page
that needs a permission calls :meth:`Ctx.require` (the one policy of :mod:`kechuang.auth.policy`;
nothing here decides who may do what). Writes go through :meth:`Ctx.act`, which checks the form's
CSRF token, runs the domain service with the user as actor and redirects back with a message.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kechuang.api.deps import SessionDep, check_csrf_token, resolve_principal
from kechuang.api.errors import status_of
from kechuang.auth import policy
from kechuang.auth.errors import AuthenticationFailed
from kechuang.auth.service import Principal
from kechuang.core.errors import Issue, KechuangError
from kechuang.core.i18n import Lang, Msg
from kechuang.core.money import format_yuan
from kechuang.core.periods import today

LANG_COOKIE: Final = "kechuang_lang"
FLASH_COOKIE: Final = "kechuang_flash"
ROLLBACK_ONLY: Final = "kechuang_rollback_only"


class LoginRequired(Exception):
    """Raised by a page when nobody is signed in; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageError(Exception):
    """An error shown as an HTML page (403 forbidden, 404 not found …)."""

    def __init__(self, status: int, message: Msg, issues: tuple[Issue, ...] = ()) -> None:
        super().__init__(message.both())
        self.status = status
        self.message = message
        self.issues = issues

    @classmethod
    def of(cls, exc: KechuangError) -> PageError:
        """The page error of a domain error (same status as the API would answer)."""
        return cls(status_of(exc), exc.message, tuple(exc.issues))


# ----------------------------------------------------------------------------- language


def lang_of(request: Request) -> Lang:
    """``?lang=en`` wins, then the ``kechuang_lang`` cookie; Chinese by default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if asked.strip().lower().startswith("en") else "zh"


def remember_lang(request: Request, response: Response) -> None:
    """Keep a ``?lang=`` choice in a cookie so the following pages use it too."""
    asked = request.query_params.get("lang")
    if asked:
        response.set_cookie(
            LANG_COOKIE, lang_of(request), max_age=365 * 86400, samesite="lax", path="/"
        )


# ----------------------------------------------------------------------------- formatting


def fmt_money(value: Any, lang: Lang) -> str:
    """An amount in 元 for a table cell, exact to the fen (``¥1,234,567.89``)."""
    if value is None or value == "":
        return "—"
    return format_yuan(Decimal(str(value)))


def fmt_pct(value: Any) -> str:
    """A ratio as a percentage with two decimals."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"


def fmt_multiple(value: Any) -> str:
    """A fund multiple (DPI, TVPI) with two decimals: ``0.25x``."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)).quantize(Decimal('0.01'))}x"


def label(value: Any, lang: Lang) -> str:
    """The bilingual label of an enum member (``LabelledEnum``), else the value."""
    lab = getattr(value, "label", None)
    if isinstance(lab, Msg):
        return lab.text(lang)
    if value is None:
        return "—"
    return str(getattr(value, "value", value))


_ENV: Environment | None = None


def environment() -> Environment:
    """The Jinja2 environment of the package templates (autoescaped)."""
    global _ENV
    if _ENV is None:
        env = Environment(
            loader=PackageLoader("kechuang.web", "templates"),
            autoescape=select_autoescape(["html", "j2"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["tojson_attr"] = lambda v: Markup(
            json.dumps(v, ensure_ascii=False, default=str)
        )
        _ENV = env
    return _ENV


# ----------------------------------------------------------------------------- flash


def _encode_flash(kind: str, message: Msg, issues: tuple[Issue, ...] = ()) -> str:
    data = {
        "kind": kind,
        "zh": message.zh,
        "en": message.en,
        "issues": [i.as_dict() for i in issues[:50]],
    }
    return base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False).encode()).decode()


def _decode_flash(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def redirect(url: str, *, flash: tuple[str, Msg, tuple[Issue, ...]] | None = None) -> Response:
    """303 to ``url`` (after a POST), optionally carrying a one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        response.set_cookie(
            FLASH_COOKIE, _encode_flash(*flash), max_age=60, httponly=True, samesite="lax", path="/"
        )
    return response


# ----------------------------------------------------------------------------- menu


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One entry of the navigation, shown to the roles the policy allows."""

    url: str
    title: Msg
    resource: str
    action: str = "read"
    section: str = ""
    """Path prefix whose pages highlight this entry (default: ``url``)."""

    def covers(self, path: str) -> bool:
        """Whether ``path`` is one of this entry's pages."""
        prefix = self.section or self.url
        return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def active_item(menu: list[MenuItem], path: str) -> str:
    """URL of the entry to highlight for ``path``: the most specific one that covers it."""
    covering = [i for i in menu if i.covers(path)]
    if not covering:
        return ""
    return max(covering, key=lambda i: len(i.section or i.url)).url


WITHDRAW_APPLICATION: Final[tuple[str, str]] = ("credit.application", "withdraw")
"""Withdrawing a credit application (the 授信申请 page's action and its menu entry): the
applicant's step, so enterprises only."""

MENU: Final[tuple[MenuItem, ...]] = (
    MenuItem("/dashboard", Msg("仪表盘", "Dashboard"), "dashboard"),
    MenuItem("/selfcheck", Msg("政策计算器", "Self-check"), "products.matching"),
    MenuItem("/bank", Msg("信贷工作台", "Bank workbench"), "credit.application"),
    MenuItem("/applications", Msg("授信申请", "Applications"), *WITHDRAW_APPLICATION),
    MenuItem("/insurance", Msg("科技保险", "Insurance"), "insurance.policy"),
    MenuItem("/insurance/claims", Msg("保险理赔", "Claims"), "insurance.claim"),
    MenuItem("/funds", Msg("基金", "Funds"), "funds.fund"),
    MenuItem("/ip/patents", Msg("知识产权", "IP"), "ip.patent", section="/ip"),
    MenuItem("/office/registry", Msg("企业名录", "Registry"), "registry.summary"),
    MenuItem("/office/standards", Msg("认定标准", "Standards"), "standards.simulation"),
    MenuItem("/office/products", Msg("金融产品", "Products"), "products.product"),
    MenuItem("/office/approvals", Msg("待复核", "Approvals"), "approval"),
    MenuItem("/office/releases", Msg("统计发布", "Releases"), "indicators.release"),
    MenuItem("/admin/users", Msg("用户与角色", "Users"), "auth.user"),
    MenuItem("/admin/audit", Msg("审计日志", "Audit log"), "audit"),
)


# ----------------------------------------------------------------------------- context


@dataclass
class Ctx:
    """What a page handler needs: request, session, user, language."""

    request: Request
    session: Session
    principal: Principal
    lang: Lang
    extra_headers: dict[str, str] = field(default_factory=dict)

    # -- permissions (the policy decides) ------------------------------------------------
    def may(self, resource: str, action: str = "read") -> bool:
        """Whether the user's role may do ``action`` on ``resource`` (for showing buttons)."""
        return (resource, action) in policy.POLICY and self.principal.role in policy.allowed_roles(
            resource, action
        )

    def require(self, resource: str, action: str = "read") -> None:
        """Stop with a 403 page unless the policy allows."""
        try:
            policy.require(self.principal, resource, action)
        except KechuangError as exc:
            raise PageError.of(exc) from exc

    def scope(self, stmt: Select[Any], resource: str) -> Select[Any]:
        """Restrict ``stmt`` to the user's rows of ``resource`` (the policy's org scoping)."""
        return policy.scope(stmt, session=self.session, principal=self.principal, resource=resource)

    def check(self, obj: Any, resource: str) -> None:
        """Stop with a 403 page unless ``obj`` is one of the user's rows."""
        try:
            policy.check_object(
                session=self.session, principal=self.principal, resource=resource, obj=obj
            )
        except KechuangError as exc:
            raise PageError.of(exc) from exc

    def get(self, fn: Callable[[], Any]) -> Any:
        """Run a read; a domain error (not found …) becomes an error page."""
        try:
            return fn()
        except KechuangError as exc:
            raise PageError.of(exc) from exc

    # -- i18n ------------------------------------------------------------------------------
    def t(self, zh: str, en: str) -> str:
        """``zh`` or ``en`` by the page language."""
        return en if self.lang == "en" else zh

    def m(self, msg: Msg | None) -> str:
        """A :class:`Msg` in the page language."""
        return "" if msg is None else msg.text(self.lang)

    @property
    def releases_root(self) -> Path | None:
        """Folder of statistical releases (the API settings' ``releases_root``; else default)."""
        root = getattr(self.request.app.state.settings, "releases_root", None)
        return None if root is None else Path(root)

    @property
    def actor(self) -> str:
        """The user's name, for services' ``actor`` arguments."""
        return self.principal.username

    # -- forms -----------------------------------------------------------------------------
    async def form(self) -> dict[str, Any]:
        """The posted form, after checking its CSRF token (403 page when wrong)."""
        form = await self.request.form()
        try:
            check_csrf_token(self.request, str(form.get("csrf_token") or ""))
        except KechuangError as exc:
            raise PageError.of(exc) from exc
        return dict(form.items())

    def act(self, back: str, ok: Msg, fn: Callable[[], Any]) -> Response:
        """Run a write; on a domain error roll back and show the error on ``back``."""
        try:
            result = fn()
            self.session.flush()
        except KechuangError as exc:
            self.rollback()
            return redirect(back, flash=("error", exc.message, tuple(exc.issues)))
        except (ValueError, ArithmeticError) as exc:  # a number or date typed wrongly
            self.rollback()
            text = str(exc).splitlines()[0][:200]
            return redirect(
                back, flash=("error", Msg(f"输入无效：{text}", f"invalid input: {text}"), ())
            )
        if isinstance(result, Msg):
            ok = result
        return redirect(back, flash=("ok", ok, ()))

    def rollback(self) -> None:
        """Undo this request's writes (the session is then not committed)."""
        self.session.rollback()
        self.session.info[ROLLBACK_ONLY] = True

    # -- rendering -------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        """Render ``template`` with the layout's values (menu, user, language, flash, CSRF)."""
        flash = _decode_flash(self.request.cookies.get(FLASH_COOKIE))
        menu = [i for i in MENU if self.may(i.resource, i.action)]
        path = self.request.url.path
        html = (
            environment()
            .get_template(template)
            .render(
                ctx=self,
                t=self.t,
                m=self.m,
                lang=self.lang,
                user=self.principal,
                csrf_token=getattr(self.request.state, "csrf_token", ""),
                csrf_field=Markup('<input type="hidden" name="csrf_token" value="{}">').format(
                    getattr(self.request.state, "csrf_token", "")
                ),
                menu=menu,
                active=active_item(menu, path),
                path=path,
                flash=flash,
                money=lambda v: fmt_money(v, self.lang),
                pct=fmt_pct,
                multiple=fmt_multiple,
                lab=lambda v: label(v, self.lang),
                url_with=self.url_with,
                **values,
            )
        )
        response = HTMLResponse(html, status_code=status)
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        remember_lang(self.request, response)
        for key, value in self.extra_headers.items():
            response.headers[key] = value
        return response

    def url_with(self, **params: Any) -> str:
        """The current URL with some query parameters replaced."""
        query = dict(self.request.query_params)
        query.update({k: str(v) for k, v in params.items() if v is not None})
        return f"{self.request.url.path}?{urlencode(query)}"


def page_context(request: Request, session: SessionDep) -> Ctx:
    """Dependency of every signed-in page; redirects to the login page when nobody is."""
    try:
        principal = resolve_principal(request, session, check_csrf=False)
    except AuthenticationFailed as exc:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        raise LoginRequired(target) from exc
    return Ctx(request=request, session=session, principal=principal, lang=lang_of(request))


PageCtx = Annotated[Ctx, Depends(page_context)]


def login_url(next_url: str) -> str:
    """The login page, coming back to ``next_url`` afterwards."""
    return "/login?next=" + quote(next_url, safe="")


def safe_next(value: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/dashboard"
    return value


def parse_date(value: Any, default: dt.date | None = None) -> dt.date:
    """A form's ISO date (``default`` or today when empty)."""
    text = str(value or "").strip()
    if not text:
        return default or today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        from kechuang.core.errors import ValidationError

        raise ValidationError(
            Msg(f"日期无效：{text}", f"invalid date: {text}"), code="date_invalid"
        ) from exc


def as_mapping(obj: Any) -> Mapping[str, Any]:
    """A dataclass / pydantic object as a mapping (for generic tables)."""
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump())
    if hasattr(obj, "__dataclass_fields__"):
        return {k: getattr(obj, k) for k in obj.__dataclass_fields__}
    return dict(obj)


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a list: its rows and where it sits (``page`` counts from 1)."""

    rows: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when there are none)."""
        return 0 if not self.rows else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        """1-based position of the last row shown."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def page_number(value: Any) -> int:
    """A ``?page=`` value as a page number (1 when missing or not a positive integer)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else 1


def paginate(session: Session, stmt: Select[Any], page: int, per_page: int = 50) -> Pager:
    """Run ``stmt`` (already scoped and ordered) for one page, with the total count."""
    total = int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Pager(rows=rows, total=total, page=page, per_page=per_page)
