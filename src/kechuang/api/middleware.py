"""Request-id middleware: every request gets an id (``X-Request-ID``), echoed in the response and
written to the audit log with every change the request makes."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kechuang.storage.audit import AuditContext, reset_context, set_context

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Pure ASGI middleware: request id in ``scope["state"]["audit"]`` and the audit context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        ctx = AuditContext(actor="anonymous", request_id=request_id)
        scope.setdefault("state", {})["audit"] = ctx
        token = set_context(ctx)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            reset_context(token)
