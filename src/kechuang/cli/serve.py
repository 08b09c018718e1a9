"""``kechuang serve``: run the API (and the web pages mounted on it) with uvicorn."""

from __future__ import annotations

import contextlib
import importlib
import os

import typer

from kechuang.cli.common import console, handle_errors, t


@handle_errors
def serve_cmd(
    host: str = typer.Option(
        "127.0.0.1", "--host", envvar="KECHUANG_HOST", help=t("监听地址", "address to listen on")
    ),
    port: int = typer.Option(8000, "--port", envvar="KECHUANG_PORT", help=t("端口", "port")),
    workers: int = typer.Option(1, "--workers", min=1, help=t("工作进程数", "worker processes")),
    reload: bool = typer.Option(
        False,
        "--reload",
        help=t("代码变化时重启（开发用）", "reload on code changes (development)"),
    ),
) -> None:
    """启动 API 与网页服务（默认仅本机 127.0.0.1:8000）/ Serve the API and web (127.0.0.1:8000 by default).

    Other settings come from the environment: KECHUANG_DATABASE_URL, KECHUANG_TOKEN_TTL_HOURS,
    KECHUANG_COOKIE_SECURE, KECHUANG_LOGIN_MAX_FAILURES, KECHUANG_LOGIN_WINDOW_MINUTES,
    KECHUANG_MAX_UPLOAD_MB.
    """
    import uvicorn

    console.print(
        t(
            f"kechuang 服务：http://{host}:{port}/api/docs （Ctrl+C 停止）",
            f"kechuang serving at http://{host}:{port}/api/docs (Ctrl+C to stop)",
        )
    )
    os.environ.setdefault("KECHUANG_SERVE", "1")
    uvicorn.run(
        "kechuang.cli.serve:asgi_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
    )


def asgi_app() -> object:
    """The ASGI application ``kechuang serve`` runs: the API, plus the web pages if installed."""
    from kechuang.api.app import create_app

    app = create_app()
    # The web pages (kechuang.web, built separately) mount themselves with ``mount(app)``.
    try:
        web = importlib.import_module("kechuang.web")
    except ModuleNotFoundError:
        return app
    mount = getattr(web, "mount", None)
    if callable(mount):
        mount(app)
    _settle_heap()
    return app


def _settle_heap() -> None:
    """Import what requests will need, then freeze the start-up heap out of the garbage collector.

    The analytics stack (Ibis, DuckDB, PyArrow, the standards) makes a large long-lived heap; a
    full collection scanning it pauses a worker for hundreds of milliseconds, which is what a
    user sees as a slow page. ``gc.freeze()`` moves everything alive at start-up into a permanent
    generation the collector no longer scans (see docs/api.md, "Load").
    """
    import gc

    for module in (
        "kechuang.standards.service",
        "kechuang.matching",
        "kechuang.indicators.releases",
    ):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    gc.collect()
    gc.freeze()
