"""Small project middleware (ACC-51, ACC-53)."""

from patt.errors import api_error, is_api_request, log_unhandled

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Adds the headers Django does not set itself: Permissions-Policy (ACC-53)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ApiErrorMiddleware:
    """ACC-51: under `/api/`, every error response is the JSON envelope of ACC-3.

    The error handlers already answer JSON there; this catches the error responses that are
    returned rather than raised — 405 from `require_http_methods`, a bare
    `HttpResponseForbidden`, Django's debug 404/500 pages when DEBUG is on. A response that is
    already JSON keeps its own (specific) message. Placed last in MIDDLEWARE so the converted
    response still passes through the session, CSRF, CSP and header middleware.
    """

    # Headers the client needs to act on the error; everything else describes the old body.
    KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Cache-Control")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        extra = {}
        if response.status_code == 500:
            # handler500 answers JSON itself; this is Django's debug page or a view's own 500.
            extra["error_id"] = log_unhandled(request)
        converted = api_error(response.status_code, **extra)
        for header in self.KEPT_HEADERS:
            if header in response:
                converted[header] = response[header]
        return converted
