"""Domain errors, and the one place where any error becomes an HTTP response.

Services raise the typed errors below; views never catch them to build responses by hand.
Under ``/api`` every error is ``application/problem+json`` (RFC 9457); elsewhere it is an HTML page
in the visitor's language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, json, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class HirobaError(Exception):
    """Base of the domain errors: an HTTP status, a short title and a specific detail."""

    status = 400
    slug = "bad-request"
    title = _l("The request could not be processed")

    def __init__(self, detail: Any = None):
        super().__init__(str(detail) if detail is not None else str(self.title))
        self.detail = detail

    def extra(self) -> dict[str, Any]:
        """Members added to the problem document beyond type/title/status/detail."""
        return {}


class ValidationFailed(HirobaError):
    """One or more submitted values are wrong; ``errors`` maps each field to what is wrong."""

    status = 422
    slug = "validation-failed"
    title = _l("Some values need correcting")

    def __init__(self, errors: Mapping[str, Any]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))

    def extra(self) -> dict[str, Any]:
        return {"invalid-params": [{"name": k, "reason": str(v)} for k, v in self.errors.items()]}


class InvalidGeometry(ValidationFailed):
    """A location or shape is malformed, out of range or not a valid geometry."""

    slug = "invalid-geometry"

    def __init__(self, field: str, reason: Any):
        super().__init__({field: reason})


class OutsideDistricts(InvalidGeometry):
    """The point lies in none of the districts (wards) this registry covers."""

    slug = "outside-districts"

    def __init__(self, field: str = "location"):
        super().__init__(field, _l("This point is outside every ward covered by hiroba."))


class InvalidParameter(HirobaError):
    """A query parameter of the API is unknown or has a bad value."""

    slug = "invalid-parameter"
    title = _l("Invalid query parameter")

    def __init__(self, name: str, reason: Any):
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")

    def extra(self) -> dict[str, Any]:
        return {"invalid-params": [{"name": self.name, "reason": str(self.reason)}]}


class NotFound(HirobaError):
    status = 404
    slug = "not-found"
    title = _l("Not found")


class PermissionDenied(HirobaError):
    status = 403
    slug = "forbidden"
    title = _l("You are not allowed to do this")


class InvalidTransition(HirobaError):
    """A status change that the workflow's transition table does not allow."""

    status = 409
    slug = "invalid-transition"
    title = _l("This status change is not allowed")


class EditConflict(HirobaError):
    """Someone else saved the object since it was loaded (optimistic locking)."""

    status = 409
    slug = "edit-conflict"
    title = _l("Someone else changed this in the meantime")


def wants_problem_json() -> bool:
    """Machine endpoints: the API, and the map page's own data."""
    return request.path == "/api" or request.path.startswith(("/api/", "/map/"))


def problem_response(status: int, title: Any, detail: Any, slug: str, **extra: Any) -> Response:
    body = {
        "type": f"urn:hiroba:problem:{slug}",
        "title": str(title),
        "status": status,
        "detail": str(detail),
        "instance": request.path,
        **extra,
    }
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype=PROBLEM_JSON)


def _render(status: int, title: Any, detail: Any, slug: str, extra: dict[str, Any]) -> Response:
    if wants_problem_json():
        return problem_response(status, title, detail, slug, **extra)
    html = render_template("errors/error.html", status=status, title=title, detail=detail)
    return Response(html, status, mimetype="text/html")


def handle_domain_error(error: HirobaError) -> Response:
    detail = error.detail if error.detail is not None else error.title
    return _render(error.status, error.title, detail, error.slug, error.extra())


# Visitors read these in their own language; Werkzeug's texts are English only.
HTTP_MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Forbidden"), _l("You are not allowed to see this page.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    405: (_l("Method not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than we accept.")),
    429: (_l("Too many requests"), _l("Please wait a little and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. Please try again later.")),
}


def handle_csrf_error(error: CSRFError) -> Response:
    detail = _l(
        "This form has expired or was not sent from this site. Reload the page and try again."
    )
    return _render(400, _l("Form expired"), detail, "csrf", {})


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        log.error("HTTP %s on %s", status, request.path)
    title, detail = HTTP_MESSAGES.get(status, (error.name, error.description))
    response = _render(status, title, detail, f"http-{status}", {})
    # Keep what Werkzeug computed for this error (Allow on 405, Retry-After on 429, …).
    for header, value in error.get_headers():
        if header.lower() not in {"content-type", "content-length"}:
            response.headers[header] = value
    return response


def handle_unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error on %s", request.path)
    return handle_http_error(InternalServerError())


def register_errorhandlers(app: Flask) -> None:
    app.register_error_handler(HirobaError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
