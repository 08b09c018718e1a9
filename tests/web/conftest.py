"""Fixtures of the web tests: one seeded database and release per module, the app on it, and (for
the browser tests) a real server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI

from kechuang.api import create_app
from kechuang.storage.db import reset_engines
from kechuang.web import mount
from tests.api.world import Side
from tests.web import world

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Flags for Debian's Chromium in CI containers (see docs/web.md)."""

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@dataclass
class WebWorld:
    """The seeded database of a module."""

    url: str
    releases: Path
    side: Side
    release_id: str


def _world(url: str, base: Path) -> Iterator[WebWorld]:
    releases = base / "releases"
    old = os.environ.get("KECHUANG_RELEASES_DIR")
    os.environ["KECHUANG_RELEASES_DIR"] = str(releases)
    try:
        side, release_id = world.build(url, releases)
        yield WebWorld(url=url, releases=releases, side=side, release_id=release_id)
    finally:
        if old is None:
            os.environ.pop("KECHUANG_RELEASES_DIR", None)
        else:
            os.environ["KECHUANG_RELEASES_DIR"] = old
        reset_engines()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def web_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebWorld]:
    """A migrated database with the web world and a 2024 release (one per module and backend):
    the page tests run on SQLite and on a throwaway PostgreSQL database, as the API tests do."""
    base = tmp_path_factory.mktemp("web")
    if request.param == "sqlite":
        yield from _world(f"sqlite:///{base / 'web.db'}", base)
        return
    from tests.conftest import _PgTemplate

    pg: _PgTemplate = request.getfixturevalue("_pg_template")
    name = pg.clone()
    try:
        yield from _world(pg.server.url(name), base)
    finally:
        pg.drop(name)


@pytest.fixture(scope="module")
def browser_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    """The browser journeys' world: SQLite only (the pages are tested on both backends above;
    a browser run per backend would double the slowest tests for no other code path)."""
    base = tmp_path_factory.mktemp("web-browser")
    yield from _world(f"sqlite:///{base / 'web.db'}", base)


@pytest.fixture(autouse=True)
def _releases_dir(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages read releases from the module's release directory."""
    for name in ("web_world", "browser_world"):
        if name in request.fixturenames:
            ww: WebWorld = request.getfixturevalue(name)
            monkeypatch.setenv("KECHUANG_RELEASES_DIR", str(ww.releases))


def web_app(url: str) -> FastAPI:
    """The API with the web pages mounted, as ``kechuang serve`` builds it."""
    app = create_app(url)
    mount(app)
    return app


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """A uvicorn server running the web app in a thread."""

    base_url: str
    world: WebWorld


@pytest.fixture(scope="module")
def server(browser_world: WebWorld) -> Iterator[Server]:
    """uvicorn on 127.0.0.1 with a free port, serving the web app on the module's database."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        web_app(browser_world.url), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield Server(base_url=f"http://127.0.0.1:{port}", world=browser_world)
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser_context(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium (Debian's, never a downloaded one) for the module."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Debian's chromium is required (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1366, "height": 900},
            accept_downloads=True,
            locale="zh-CN",
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
