"""Who may talk to the server, and what every answer tells the browser.

One ASGI middleware, outermost, so nothing is read or stored for a refused request:

- **Host allow-list** (against DNS rebinding): the ``Host`` header must name this server
  (:attr:`ServerConfig.host_names`), else 400.
- **Token** (when the server has one; required off loopback): ``Authorization: Bearer TOKEN`` or
  the ``emoscore_token`` cookie, compared in constant time, else 401. ``GET /?token=TOKEN`` sets
  the cookie (HttpOnly, SameSite=Strict) and redirects to ``/``, so the page works after one visit.
- **Same origin for state changes**: a POST/PUT/PATCH/DELETE whose ``Origin`` is another site (or
  ``null``), or whose ``Sec-Fetch-Site`` is ``cross-site``/``same-site``, is refused with 403.
  Clients that send neither (curl, scripts) are not browsers and pass.
- **Security headers** on every answer: a Content-Security-Policy that allows only this server's
  own scripts, styles, media and connections (the docs pages also their inline boot script),
  ``frame-ancestors 'none'``, ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer`` and a Permissions-Policy that allows only the microphone.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emoscore.web.config import ServerConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

COOKIE = "emoscore_token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DOCS_PATHS = ("/docs", "/redoc")

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc boot from one inline script and style their own elements inline
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"microphone=(self), camera=(), geolocation=(), payment=(), usb=()"),
)


def host_name(header: str) -> str:
    """The name of a ``Host`` header without its port, lower case.

    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("127.0.0.1")
    ('localhost', '[::1]', '127.0.0.1')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def cross_origin(headers: dict[bytes, bytes], host: str) -> str | None:
    """Why a state-changing request comes from another site, or None when it is same-origin
    (or from a client that is not a browser and sends no ``Origin``).

    >>> cross_origin({b"origin": b"http://localhost:8000"}, "localhost:8000") is None
    True
    >>> cross_origin({b"origin": b"https://evil.example"}, "localhost:8000")
    'origin https://evil.example is not this server'
    """
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    if site in ("cross-site", "same-site"):
        return f"a {site} request"
    origin = headers.get(b"origin")
    if origin is None:
        return None
    text = origin.decode("latin-1").strip()
    if text.lower() == "null" or urlsplit(text).netloc.lower() != host.strip().lower():
        return f"origin {text} is not this server"
    return None


def _csp(path: str) -> bytes:
    return (DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP).encode()


class AccessControl:
    """The checks above, in front of the whole application."""

    def __init__(self, app: Any, config: ServerConfig):
        self.app = app
        self.token = config.token
        self.names = config.host_names
        self.any_host = "*" in self.names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", _csp(path)))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        host = headers.get(b"host", b"").decode("latin-1")
        refusal = self._refusal(scope, headers, host)
        if refusal is not None:
            status, detail, extra = refusal
            await _answer(send_with_headers, status, {"detail": detail}, extra)
            return
        given = self._login(scope) if self.token else None
        if given:
            secure = "; Secure" if scope.get("scheme") == "https" else ""
            cookie = f"{COOKIE}={given}; HttpOnly; SameSite=Strict; Path=/{secure}"
            await _answer(
                send_with_headers, 303, None, [(b"location", b"/"), (b"set-cookie", cookie.encode("latin-1"))]
            )
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(
        self, scope: Scope, headers: dict[bytes, bytes], host: str
    ) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        name = host_name(host)
        if not self.any_host and name not in self.names:
            shown = name or "(none)"
            return (
                400,
                f"Host {shown!r} is not a name of this server (serve --allow-host {shown} allows it)",
                [],
            )
        if self.token and not self._authorised(scope, headers):
            return (
                401,
                "this server needs its token: send 'Authorization: Bearer TOKEN' or open /?token=TOKEN once",
                [(b"www-authenticate", b'Bearer realm="emoscore"')],
            )
        if scope["method"] in STATE_CHANGING:
            why = cross_origin(headers, host)
            if why is not None:
                return 403, f"cross-origin {scope['method']} refused ({why})", []
        return None

    def _valid(self, given: str) -> bool:
        assert self.token is not None
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode("utf-8"))

    def _authorised(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value and self._valid(value.strip()):
            return True
        raw = headers.get(b"cookie", b"").decode("latin-1")
        if raw:
            try:
                morsel = SimpleCookie(raw).get(COOKIE)
            except Exception:  # a malformed cookie header is simply no token
                morsel = None
            if morsel is not None and self._valid(morsel.value):
                return True
        return self._login(scope) is not None

    def _login(self, scope: Scope) -> str | None:
        """The valid token of the page's login link ``GET /?token=…``, else None."""
        if scope["method"] != "GET" or scope.get("path") != "/" or not scope.get("query_string"):
            return None
        given = parse_qs(scope["query_string"].decode("latin-1")).get("token", [""])[0]
        return given if given and self._valid(given) else None


async def _answer(
    send: Send, status: int, body: dict[str, Any] | None, headers: list[tuple[bytes, bytes]]
) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    head = [(b"content-length", str(len(data)).encode()), *headers]
    if body is not None:
        head.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": data})
