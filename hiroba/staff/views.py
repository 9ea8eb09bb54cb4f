"""Ward staff: the review queue, review pages and 代理登録."""

from flask import Blueprint

bp = Blueprint("staff", __name__)
