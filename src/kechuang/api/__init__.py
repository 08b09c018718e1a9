"""The HTTP API (FastAPI): ``create_app`` in :mod:`kechuang.api.app`."""

from kechuang.api.app import create_app

__all__ = ["create_app"]
