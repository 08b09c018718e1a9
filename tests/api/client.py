"""Starlette's ``TestClient``, imported once with its httpx deprecation warning silenced.

Starlette 1.x prefers the ``httpx2`` package and warns (an error under our pytest settings) when it
falls back to ``httpx``; the behaviour is the same. Import ``TestClient`` from here.
"""

from __future__ import annotations

import warnings

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

__all__ = ["TestClient"]
