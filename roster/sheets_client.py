"""The download of the legacy Google Sheets export for `import_sheets --url` (ROS-63).

`SheetsExportClient` fetches one export URL through the shared `patt.http.HttpClient`
(session, timeout, typed failures, log redaction). ROS-63: GET with a 30 s timeout, no retry;
anything but a 200 with a JSON object is a `SheetsExportError` whose message is the one line
the command prints.

The URL is the credential: an Apps Script web app answers whoever knows its deployment id
(`/macros/s/<id>/exec`), and a `?key=` parameter is a shared secret. So the URL (its path and
query, as urllib3 logs them) is registered for redaction, and neither our log lines nor our
messages quote it: they name the call `GET <export URL>`.
"""

import logging
from urllib.parse import urlsplit

import requests

from patt.http import NO_RETRY, Call, Failure, FailureKind, HttpClient, register_secret

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30  # ROS-63
EXPORT_ROUTE = "<export URL>"  # what log lines name instead of the URL

NOT_ONE_OBJECT = "The export must be one JSON object."  # ROS-64's first shape rule
NOT_JSON = "The downloaded export is not valid JSON."
DOWNLOAD_FAILED = "Could not download the export: {reason}."
NO_ANSWER = "Could not download the export: no answer within {seconds:g} s."


class SheetsExportError(Exception):
    """A failed download; `message` is the line the command prints (ROS-63)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of `url` that give access to the export: the whole URL and its path with the
    query (urllib3's DEBUG line quotes that); `patt.http` ignores the too-short ones."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return (url, path)


def _is_json(response: requests.Response | None) -> bool:
    if response is None:
        return False
    try:
        response.json()
    except ValueError:
        return False
    return True


class SheetsExportClient(HttpClient):
    """One GET of an export URL (ROS-63). `timeout` and `session` are for tests."""

    service = "Google Sheets"
    logger = logger

    def __init__(
        self,
        *,
        timeout: float = TIMEOUT_SECONDS,
        session: requests.Session | None = None,
    ):
        # The base URL is empty: each call carries its absolute URL.
        super().__init__(base_url="", timeout=(timeout, timeout), session=session)
        self.timeout_seconds = timeout

    def fetch_export(self, url: str) -> dict:
        """The export as parsed JSON: a 200 whose body is one JSON object."""
        for secret in url_secrets(url):
            # Registered before the request, so urllib3's own line is redacted too.
            register_secret(secret)
        call = Call("GET", EXPORT_ROUTE, url=url)
        response = self.send(call, NO_RETRY)
        if response.status_code != 200:  # a 2xx other than 200 is no export either
            raise self._error(Failure(FailureKind.REFUSED, call, 1, response=response))
        return self.json_of(call, response, dict)

    def _error(self, failure: Failure) -> SheetsExportError:
        """ROS-63's one-line messages; the log names the failure, never the URL."""
        if failure.kind is FailureKind.BAD_BODY:
            # JSON of another shape is ROS-64's refusal; anything else is not JSON at all.
            message = NOT_ONE_OBJECT if _is_json(failure.response) else NOT_JSON
        elif isinstance(failure.exc, requests.Timeout):
            message = NO_ANSWER.format(seconds=self.timeout_seconds)
        else:
            message = DOWNLOAD_FAILED.format(reason=failure.reason)
        logger.warning("Google Sheets GET %s failed: %s", EXPORT_ROUTE, failure.reason)
        return SheetsExportError(message, status=failure.status)
