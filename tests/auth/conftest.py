"""The API fixtures (app, client, make_user) serve the auth tests too."""

from tests.api.conftest import app, client, make_user

__all__ = ["app", "client", "make_user"]
