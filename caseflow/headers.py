"""Security headers on every response.

caseflow serves special-category personal data, so the browser is told to do as little as it
can with it: run only our own scripts (no inline script anywhere: the Content-Security-Policy
below would block it), load images only from us or `data:` (QR codes and charts), never embed
the pages in a frame, never store a response that is not a public static file, and, outside
development, speak to us over HTTPS only.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"
# Our static files (CSS, fonts, the jobs script, the favicon) hold no personal data.
CACHEABLE_ENDPOINTS = frozenset({"static"})


def secure_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
    return response


def strict_transport(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
    # HTTPS is the proxy's job in production; a developer's http://127.0.0.1 must keep working.
    if app.config.get("CASEFLOW_ENV") not in ("development", "testing"):
        app.after_request(strict_transport)
