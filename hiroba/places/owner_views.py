"""An owner's pages: registering and editing places, their photos, and my places."""

from flask import Blueprint

bp = Blueprint("owner", __name__)
