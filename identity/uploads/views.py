"""`/api/v1/guild-sync/addon-upload`: the companion's upload endpoint (UPL-1 … UPL-14).

Token auth only (sessions and CSRF do not apply). Every answer is JSON: the site's envelope
`{"ok": false, "error": ...}` for errors, and no error escapes as a bare 500: an unexpected
failure is logged under an error id and answered with it, the transaction leaving nothing
half-written. The token is never logged.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from identity.auth.ratelimit import client_ip
from identity.models import AddonUpload
from identity.uploads import limits
from identity.uploads.apply import receive_upload, upload_answer
from identity.uploads.body import read_upload
from identity.uploads.tokens import authenticate, bearer_secret, record_use
from patt.errors import api_error, log_unhandled
from patt.models import SiteConfig
from patt.refusals import Refused, api_refusal, status_for
from patt.timefmt import iso_utc

log = logging.getLogger(__name__)

INVALID_TOKEN = "Invalid or revoked upload token."
UPLOAD_PATH = "/api/v1/guild-sync/addon-upload"
LEGACY_UPLOAD_RETIRED = (
    "This upload endpoint was retired and the old companion uploader no longer works. "
    "Install the new companion app, patt-companion, and run `patt-companion setup` with an "
    f"upload token from an officer; it uploads to {UPLOAD_PATH}."
)
TOO_MANY = "Too many requests. Try again later."


def _refused(status: int, message: str, **extra) -> JsonResponse:
    return api_error(status, message, **extra)


def _too_many(refusal: limits.Refusal) -> JsonResponse:
    response = _refused(429, TOO_MANY)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _authenticate(request: HttpRequest):
    """The request's token, or the 401/429 answer (UPL-3, UPL-4)."""
    ip = client_ip(request)
    blocked = limits.auth_failures_exceeded(ip)
    if blocked is not None:
        log.warning("Addon upload refused: too many failed token checks from %s", ip)
        return None, _too_many(blocked)
    token = authenticate(bearer_secret(request.META.get("HTTP_AUTHORIZATION")))
    if token is None:
        limits.record_auth_failure(ip)
        log.info("Addon upload refused: invalid or revoked token from %s", ip)
        response = _refused(401, INVALID_TOKEN)
        response["WWW-Authenticate"] = "Bearer"
        return None, response
    record_use(token, ip)
    return token, None


def _token_check(token) -> JsonResponse:
    """UPL-14: what the companion's `setup` and `status` show."""
    last = AddonUpload.objects.filter(token=token).order_by("-received_at", "-pk").first()
    last_upload = None
    if last is not None:
        last_upload = {
            "upload_id": last.pk,
            "received_at": iso_utc(last.received_at),
            "export_time": int(last.export_time.timestamp()),
            "status": last.status,
            "matching": last.matching,
        }
    return JsonResponse(
        {
            "ok": True,
            "token": {"name": token.name, "prefix": token.prefix},
            "guild_name": SiteConfig.get().guild_name,
            "max_bytes": settings.ADDON_UPLOAD_MAX_BYTES,
            "last_upload": last_upload,
        }
    )


def _upload(request: HttpRequest, token) -> JsonResponse:
    refusal = limits.take_upload_slot(token.pk)
    if refusal is not None:
        log.warning("Addon upload refused: token %s over its hourly limit", token.prefix)
        return _too_many(refusal)
    try:
        payload = read_upload(request)
        received = receive_upload(token=token, payload=payload)
    except Refused as rejected:
        extra = {"details": rejected.details} if rejected.details is not None else {}
        log.info("Addon upload rejected (%s): %s", status_for(rejected), rejected.message)
        return api_refusal(rejected, **extra)
    return JsonResponse(upload_answer(received.upload, duplicate=received.duplicate))


@csrf_exempt
def addon_upload(request: HttpRequest) -> JsonResponse:
    """UPL-1: POST uploads an export, GET checks the token, anything else is 405."""
    if request.method not in ("GET", "POST"):
        response = _refused(405, "Method not allowed.")
        response["Allow"] = "GET, POST"
        return response
    try:
        token, refusal = _authenticate(request)
        if refusal is not None:
            return refusal
        if request.method == "GET":
            return _token_check(token)
        return _upload(request, token)
    except Exception:
        return _refused(500, "Internal server error.", error_id=log_unhandled(request))


@csrf_exempt
def legacy_addon_upload(request: HttpRequest) -> JsonResponse:
    """The legacy companion's `/api/guild-sync/addon-upload` (any method): 410 Gone, naming the
    new companion and endpoint (issue 11 item 15; the `X-API-Key` scheme is gone, UPL-1).
    Nothing is read or stored."""
    return _refused(410, LEGACY_UPLOAD_RETIRED, endpoint=UPLOAD_PATH, companion="patt-companion")
