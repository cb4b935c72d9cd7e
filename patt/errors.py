"""Error pages and JSON errors (ACC-49, ACC-50, ACC-51).

HTML error pages use the site layout; every error for a path under `/api/` is the JSON envelope
of ACC-3 instead. The handlers are wired in `patt/urls.py` (handler400/403/404/500) and the CSRF
failure view through `CSRF_FAILURE_VIEW`. `ApiErrorMiddleware` (patt/middleware.py) converts the
error responses that do not come through these handlers (405 from method decorators, a bare
`HttpResponseForbidden` …) using the same messages.
"""

import logging
import secrets
import sys

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.urls import Resolver404

from patt.context_processors import fallback_context

logger = logging.getLogger("patt.errors")

# ACC-51: the `error` text of each status under /api/ when the view gave no specific message.
API_MESSAGES = {
    400: "Bad request.",
    401: "Sign in required.",
    403: "Forbidden.",
    404: "Not found.",
    405: "Method not allowed.",
    429: "Too many requests. Try again later.",
    500: "Internal server error.",
    503: "Service unavailable.",
}
DATABASE_UNAVAILABLE_MESSAGE = "Database unavailable. Try again in a minute."
# issue 17: how long a client should wait before retrying after a 503 of the database.
DATABASE_RETRY_AFTER = "30"
API_CSRF_MESSAGE = "CSRF check failed. Reload the page and try again."
CSRF_PAGE_MESSAGE = "This form expired. Go back, reload the page and try again."
FORBIDDEN_PAGE_MESSAGE = "You don't have permission to view this page."


def is_api_request(request: HttpRequest) -> bool:
    """ACC-51: every path starting with `/api/` answers errors in JSON."""
    return request.path_info.startswith("/api/")


def api_error(status: int, message: str | None = None, **extra) -> JsonResponse:
    """The ACC-3 error envelope with a real 4xx/5xx status."""
    fallback = API_MESSAGES.get(status, "Error.")
    return JsonResponse({"ok": False, "error": message or fallback, **extra}, status=status)


def new_error_id() -> str:
    """ACC-50: an 8-character lower-case hex id that ties the page to the log line."""
    return secrets.token_hex(4)


def log_unhandled(request: HttpRequest, exc_info=None) -> str:
    """Log an unhandled exception at ERROR with its error id, method and path (ACC-50)."""
    error_id = new_error_id()
    logger.error(
        "Unhandled exception, error id %s: %s %s",
        error_id,
        request.method,
        request.path,
        exc_info=exc_info,
    )
    return error_id


def render_error_page(
    request: HttpRequest, template_name: str, status: int, context: dict | None = None
) -> HttpResponse:
    """Render an error page in the site layout (ACC-49).

    The full render uses the request context (user menu, messages). If that fails — typically
    the database is down and the session or user cannot be loaded (ACC-50) — the page is
    rendered again without context processors, as an anonymous visitor with the SiteConfig
    defaults, so an error page never turns into a bare server error.
    """
    context = context or {}
    try:
        body = loader.render_to_string(template_name, context, request=request)
    except Exception:
        logger.warning("Error page %s rendered without request context", status, exc_info=True)
        minimal = {**fallback_context(), "user": AnonymousUser(), **context}
        body = loader.render_to_string(template_name, minimal)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """handler400 (ACC-49, ACC-51).

    Only `BadRequest` raised by our own code carries a message meant for the client;
    `SuspiciousOperation` texts (hosts, headers) stay in the security log.
    """
    message = str(exception) if type(exception) is BadRequest and str(exception) else None
    if is_api_request(request):
        return api_error(400, message)
    return render_error_page(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """handler403: the specific message if any, else the generic one (ACC-49, ACC-51)."""
    message = str(exception) if exception is not None and str(exception) else None
    if is_api_request(request):
        return api_error(403, message)
    return render_error_page(
        request, "errors/403.html", 403, {"message": message or FORBIDDEN_PAGE_MESSAGE}
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """handler404 (ACC-49, ACC-51, ACC-62).

    A view's own `Http404("Campaign not found.")` message is shown under the heading; the
    resolver's "no URL matched" details are not meant for visitors and are dropped.
    """
    if is_api_request(request):
        return api_error(404)
    message = None
    if isinstance(exception, Http404) and not isinstance(exception, Resolver404):
        text = exception.args[0] if exception.args else None
        message = text if isinstance(text, str) and text else None
    return render_error_page(request, "errors/404.html", 404, {"message": message})


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for the errors of a database that cannot be reached or dropped the connection
    (issue 17): Django's OperationalError and InterfaceError, from any backend."""
    return isinstance(exc, (OperationalError, InterfaceError))


def release_broken_connections() -> None:
    """Close every connection that is no longer usable, so the next request opens a fresh one
    (issue 17). Django does this itself when the next request starts; doing it here as well
    covers callers that do not go through `close_old_connections` (tests, management code)."""
    for conn in connections.all(initialized_only=True):
        try:
            if conn.connection is not None and not conn.is_usable():
                conn.close()
        except Exception:  # the connection is beyond saving; Django reopens it on next use
            logger.warning("Closing broken database connection %s failed", conn.alias)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """issue 17: a 503 when the database cannot be reached, never a 500 page.

    JSON under /api/ (ACC-51), else the themed `errors/503.html` (rendered without the request
    context when that needs the database, see `render_error_page`); `Retry-After` tells
    clients and proxies when to try again. The broken connection is released first.
    """
    release_broken_connections()
    response: HttpResponse
    if is_api_request(request):
        response = api_error(503, DATABASE_UNAVAILABLE_MESSAGE)
    else:
        response = render_error_page(request, "errors/503.html", 503)
    response["Retry-After"] = DATABASE_RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: log the exception under a fresh error id and show the id (ACC-50).

    Django calls this inside its `except` block, so `sys.exc_info()` is the failure. Django
    logs the same failure again on `django.request` (without the id); marking the response as
    logged keeps one ERROR line per failure, the one operators can find by the id.

    A failure of the database connection (issue 17) is no bug of the page: it answers 503
    (`database_unavailable`), logged once at ERROR with its id, and the next request works
    once the database answers again.
    """
    exc = sys.exc_info()[1]
    response: HttpResponse
    if is_database_unavailable(exc):
        error_id = new_error_id()
        logger.error(
            "Database unavailable, error id %s: %s %s: %s",
            error_id,
            request.method,
            request.path,
            exc,
        )
        response = database_unavailable(request)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    error_id = log_unhandled(request, sys.exc_info())
    if is_api_request(request):
        response = api_error(500, error_id=error_id)
    else:
        response = render_error_page(request, "errors/500.html", 500, {"error_id": error_id})
    # Django's private marker, read by django.utils.log.log_response; the stubs omit it.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a themed 403 page, or JSON under /api/ (ACC-49, ACC-51).

    Django's CSRF middleware already logs the reason on `django.security.csrf`.
    """
    if is_api_request(request):
        return api_error(403, API_CSRF_MESSAGE)
    return render_error_page(request, "errors/403.html", 403, {"message": CSRF_PAGE_MESSAGE})
