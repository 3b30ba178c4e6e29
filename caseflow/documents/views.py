"""Document upload and download (being written)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)
