"""Case pages (being written)."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
