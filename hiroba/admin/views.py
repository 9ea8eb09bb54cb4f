"""Administration: users, roles and staff wards."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
