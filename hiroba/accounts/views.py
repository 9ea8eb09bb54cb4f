"""Sign-up, log-in and the user's own account pages."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
