"""Refuse request text the database cannot store, before any view sees it.

PostgreSQL refuses a NUL character in text (SQLite stores it): a form field, query
parameter or file name carrying one would otherwise reach a query and end in a server
error. No person types one; it comes from a fuzzer, a broken client or an attack, and gets a
400 with a message instead. The API is left to its own schemas, which refuse control
characters in queries and bodies with its JSON errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _

NUL = "\x00"


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)


def _texts() -> Iterator[tuple[str, str]]:
    for values in (request.args, request.form):
        for name, items in values.lists():
            for value in items:
                yield name, value
    for name, upload in request.files.items(multi=True):
        yield name, upload.filename or ""


def refuse_nul_characters() -> Any:
    """A 400 naming the fields that hold a NUL character; None (go on) when none does."""
    if request.blueprint == "api":
        return None
    fields = sorted({name.replace(NUL, "\\0") for name, value in _texts()
                     if NUL in name or NUL in value})
    if not fields:
        return None
    message = _("Some fields contain a NUL character (\\0), which cannot be stored: "
                "%(fields)s. Remove it and send again.", fields=", ".join(fields)[:300])
    return render_template("errors/error.html", status=400, title=_("Request not accepted"),
                           message=message), 400
