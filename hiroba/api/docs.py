"""The API described: its OpenAPI document, and the same document rendered for people.

The HTML page is served by the app itself (no Swagger UI, nothing from a CDN) and is not
cached publicly: like every page it carries the language switcher's CSRF token.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Response, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from hiroba.api.openapi import OPENAPI_JSON, describe, document
from hiroba.api.params import parse_format, reject_unknown
from hiroba.api.views import HTML, bp, cacheable, json_response, metadata_format

# Around 中原区 (141330), to 3 decimals.
NAKAHARA_BBOX = "139.627,35.553,139.685,35.598"
MUSASHI_KOSUGI_STATION = "139.6572,35.5763"


def server_url() -> str:
    """Base URL of the API (…/api) as this request reached it."""
    return url_for("api.landing", _external=True).rstrip("/")


def inline_code(text: str) -> Markup:
    """Escape ``text`` and show its `backticked` parts as code."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _examples() -> list[dict[str, str]]:
    def example(title, **args):
        href = url_for("api.place_items", _external=True, **args)
        return {"title": str(title), "href": href, "text": unquote(href)}

    return [
        example(_l("Places around 中原区 (bbox)"), bbox=NAKAHARA_BBOX),
        example(_l("Text search: カフェ"), q="カフェ"),
        example(_l("Within 1 km of 武蔵小杉駅, nearest first"),
                near=MUSASHI_KOSUGI_STATION, radius="1000"),
        example(_l("Free community halls with a kitchen, 10 at a time"),
                kind="community_hall", condition="free", amenity="kitchen", limit="10"),
        example(_l("Every place in 中原区 as 公共施設一覧 CSV"), district="141330", f="csv"),
    ]  # fmt: skip


def docs_page() -> Response:
    api = document(server_url())
    html = render_template(
        "api/docs.html",
        api=api,
        operations=describe(api),
        examples=_examples(),
        inline_code=inline_code,
    )
    return Response(html, mimetype=HTML)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 document of this API."""
    reject_unknown(request.args, {"f"})
    metadata_format()
    return cacheable(json_response(document(server_url()), OPENAPI_JSON), None)


@bp.get("/docs")
def docs():
    """The API's documentation for people."""
    reject_unknown(request.args, {"f"})
    if "f" in request.args:
        parse_format(request.args, ("html",))
    return docs_page()
