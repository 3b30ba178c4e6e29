"""HTML to PDF in one small function, with a URL fetcher that reaches nothing but the app's
static folder and inline data: URLs.

Certificates are rendered from templates that contain user text (names, places). Even though
that text is escaped, the renderer must never be able to read local files or call the network:
the fetcher serves files that resolve inside the static folder (no `..`, no symlink out) and
data: URLs (the QR code), and refuses and logs everything else.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30.0


class URLRefused(ValueError):
    """The renderer asked for a URL outside the static folder."""


class PdfRenderTimeout(RuntimeError):
    """The render took longer than PDF_RENDER_TIMEOUT seconds."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files inside `static_folder` and data: URLs; refuses every other URL."""

    def __init__(self, static_folder: Path) -> None:
        # Only the data: handler of urllib is ever reached (files are read here).
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.root = Path(static_folder).resolve(strict=True)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            self.served.append(url[:40])
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.static_path(url)
            if path is not None:
                logger.debug("PDF render: serving %s", path)
                self.served.append(url)
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        logger.warning("PDF render: refused URL %r", url)
        raise URLRefused(f"URL not allowed in a printed document: {url!r}")

    def static_path(self, url: str) -> Path | None:
        """The file `url` names if it is inside the static folder, else None."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        raw = unquote(parts.path)
        if "\x00" in raw or ".." in Path(raw).parts:
            return None
        try:
            # resolve() follows symlinks, so a link that points out of static is refused too.
            resolved = Path(raw).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved


_paused_renders = 0
_paused_lock = threading.Lock()
_paused_state: dict[str, bool] = {}  # whether the collector was on when the first began


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while WeasyPrint works.

    A render allocates hundreds of thousands of short-lived objects (boxes, styles) that
    reference counting frees; the cyclic collector, triggered again and again by those
    allocations, walked every object of the process each time and cost a fifth of a large
    report. Paused while any render runs (renders may overlap in threads), collected once
    the last one ends."""
    global _paused_renders
    with _paused_lock:
        _paused_renders += 1
        if _paused_renders == 1:
            was_enabled = gc.isenabled()
            gc.disable()
            _paused_state["enabled"] = was_enabled
    try:
        yield
    finally:
        with _paused_lock:
            _paused_renders -= 1
            if _paused_renders == 0 and _paused_state.get("enabled"):
                gc.enable()


def render_timeout() -> float:
    if has_app_context():
        return float(current_app.config.get("PDF_RENDER_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
    return DEFAULT_TIMEOUT_SECONDS


def render_pdf(html: str, *, static_folder: Path, timeout: float | None = None,
               fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF of `html`; relative URLs resolve against `static_folder`.

    The render runs in a worker thread and we stop waiting after `timeout` seconds
    (PDF_RENDER_TIMEOUT, default 30) with PdfRenderTimeout. Python cannot kill a thread: a
    render that overruns keeps a daemon thread busy until WeasyPrint returns, but the request
    is answered and the thread never blocks shutdown. A subprocess would be needed to reclaim
    that CPU (later, if runaway renders are ever seen)."""
    limit = render_timeout() if timeout is None else timeout
    fetcher = fetcher or StaticOnlyFetcher(static_folder)
    base_url = Path(static_folder).resolve().as_uri() + "/"
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            with _collector_paused():
                result["pdf"] = HTML(string=html, base_url=base_url,
                                     url_fetcher=fetcher).write_pdf()
        except BaseException as error:  # handed over to the waiting thread
            result["error"] = error

    worker = threading.Thread(target=work, name="pdf-render", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        logger.error("PDF render stopped after %s seconds", limit)
        raise PdfRenderTimeout(f"The PDF could not be produced within {limit:g} seconds.")
    if "error" in result:
        raise result["error"]
    return bytes(result["pdf"])
