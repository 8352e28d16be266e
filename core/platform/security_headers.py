"""Headers every response carries (docs/security.md, "Headers").

* No framing, no sniffing, a strict referrer policy.
* A Content-Security-Policy without ``'unsafe-inline'``: scripts and styles come from this server,
  and the few inline ``<script>`` blocks FAB writes carry the request's nonce — FAB 5.3 asks for one
  through the Jinja global ``csp_nonce()`` (as Flask-Talisman provides it; ``baselib.get_nonce``), which
  :func:`nonce` is. Our own templates have no inline script or style attribute (``core/static/baocao/``).
  FAB's templates still write a handful of fixed ``style="…"`` attributes (the hidden action form, the
  login box); :data:`FAB_STYLE_ATTRIBUTES` allows exactly those by hash (``'unsafe-hashes'``), nothing
  else. ``tests/test_security_headers.py`` fails when a template writes one not listed.
* ``Cache-Control: no-store`` on everything but static files: data pages, downloads and API answers
  must not stay in a shared computer's browser cache or a proxy.
* JSON answers get :data:`DATA_POLICY` (nothing may load), pages the full policy above.
* ``Strict-Transport-Security`` when the site is served over https (``PREFERRED_URL_SCHEME = "https"``,
  behind the reverse proxy that ends TLS).
* No ``Server`` banner: :func:`hide_server_banner` keeps gunicorn from announcing itself.
"""
from __future__ import annotations

import base64
import hashlib
import secrets

from flask import Flask, current_app, g, request

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: The ``style`` attribute values FAB 5.3's templates and ``ab_filters.js`` write (lib.html, show.html,
#: edit.html, show widgets, login_db.html), allowed by their hashes; the browser refuses any other.
FAB_STYLE_ATTRIBUTES = (
    "display: none", "display: none;", "", "display:inherit;", "color: red", "display: flex;",
    "white-space: pre-line", "margin-top:50px;", "padding-top:30px", "width: 100%",
)


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


_STYLE_HASHES = " ".join(_hash(s) for s in FAB_STYLE_ATTRIBUTES)


def nonce() -> str:
    """This request's CSP nonce, made when a template first asks for it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(request_nonce: str) -> str:
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{request_nonce}'",
        f"style-src 'self' 'nonce-{request_nonce}' 'unsafe-hashes' {_STYLE_HASHES}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


#: For answers that are data, not pages (the API's JSON): nothing in them may load or run anything, and
#: the page policy's nonce and hashes would only cost time on every autosave (OWASP's REST advice).
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _is_static() -> bool:
    return bool(request.endpoint) and (request.endpoint == "static" or request.endpoint.endswith(".static"))


def _headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "application/json" and "csp_nonce" not in g:
        response.headers.setdefault("Content-Security-Policy", DATA_POLICY)
    else:
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce()))
    if not _is_static():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    if current_app.config.get("PREFERRED_URL_SCHEME") == "https":
        max_age = int(current_app.config.get("HSTS_MAX_AGE", 63072000))
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    response.headers.pop("Server", None)
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = nonce  # FAB's templates: nonce="{{ baselib.get_nonce() }}"
    app.after_request(_headers)


def hide_server_banner() -> None:
    """gunicorn writes ``Server: gunicorn`` itself, before the app's headers: leave that line out.
    Called by ``baocao serve`` and ``core.wsgi`` in the worker process (gunicorn has no setting for it)."""
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "baocao_no_banner", False):
        return
    original = wsgi.Response.default_headers

    def default_headers(self):
        return [line for line in original(self) if not line.lower().startswith("server:")]

    default_headers.baocao_no_banner = True
    wsgi.Response.default_headers = default_headers
