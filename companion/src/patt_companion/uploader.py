"""HTTP client for the site's addon upload API (CMPN-20, CMPN-21, UPL-13/14)."""

from __future__ import annotations

import gzip
import json
import platform
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from patt_companion import __version__
from patt_companion.config import upload_url

CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60
BASE_DELAY_S = 30
MAX_DELAY_S = 30 * 60
JITTER = 0.2
ERROR_BODY_LIMIT = 500

SUCCESS = "success"
RETRY = "retry"
PAUSED = "paused"
REJECTED = "rejected"

TOKEN_REJECTED = "The site rejected the upload token -- run `patt-companion set-token`."
URL_NOT_FOUND = "Upload URL not found -- check the site URL (`patt-companion setup`)."


@dataclass
class Outcome:
    kind: str
    message: str
    status: int | None = None
    retry_after_s: float | None = None
    response: dict = field(default_factory=dict)
    details: list = field(default_factory=list)


def backoff_delay(attempt: int, retry_after_s: float | None = None, rng=random) -> float:
    """30 s x 2^(attempt-1), max 30 min, +-20 % jitter; a larger Retry-After wins (CMPN-21)."""
    base = min(BASE_DELAY_S * 2 ** max(attempt - 1, 0), MAX_DELAY_S)
    delay = base * (1 + rng.uniform(-JITTER, JITTER))
    if retry_after_s is not None and retry_after_s > delay:
        return retry_after_s
    return delay


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def truncate(text: str, limit: int = ERROR_BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def user_agent() -> str:
    return f"patt-companion/{__version__} ({platform.system() or 'unknown'} {platform.release()})"


def make_session() -> requests.Session:
    """urllib3 retries only for connection setup, 2 tries in all (CMPN-20)."""
    session = requests.Session()
    retry = Retry(
        total=1,
        connect=1,
        read=0,
        status=0,
        other=0,
        redirect=0,
        backoff_factor=0,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Uploader:
    def __init__(self, site_url: str, token: str, session: requests.Session | None = None):
        self.url = upload_url(site_url)
        self.token = token
        self.session = session or make_session()

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "User-Agent": user_agent()}

    def send(self, payload: dict) -> Outcome:
        """POST one payload and classify the answer (CMPN-21). Never raises for HTTP trouble."""
        body = gzip.compress(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
        headers = self._headers() | {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        try:
            response = self.session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                allow_redirects=False,
            )
        except requests.Timeout:
            return Outcome(RETRY, "the site did not answer in time")
        except requests.ConnectionError as exc:
            return Outcome(RETRY, f"cannot reach the site ({type(exc).__name__})")
        except requests.RequestException as exc:
            return Outcome(RETRY, f"request failed ({type(exc).__name__})")
        return classify(response)

    def check_token(self) -> tuple[bool, str, dict]:
        """GET on the upload URL (UPL-14): (ok, message, body)."""
        try:
            response = self.session.get(
                self.url, headers=self._headers(), timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
            )
        except requests.RequestException as exc:
            return False, f"Cannot reach {self.url} ({type(exc).__name__}).", {}
        data = _json(response)
        if response.status_code in (401, 403):
            return False, TOKEN_REJECTED, data
        if response.status_code in (404, 405):
            return False, URL_NOT_FOUND, data
        if response.status_code == 200 and data.get("ok") is True:
            return True, "Token accepted.", data
        return (
            False,
            f"Unexpected answer {response.status_code}: {_error_text(response, data)}",
            data,
        )


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_text(response: requests.Response, data: dict) -> str:
    if isinstance(data.get("error"), str):
        return truncate(data["error"])
    return truncate(response.text or response.reason or "")


def classify(response: requests.Response) -> Outcome:
    status = response.status_code
    data = _json(response)
    if 200 <= status < 300 and data.get("ok") is True:
        return Outcome(SUCCESS, "uploaded", status, response=data)
    if status in (401, 403):
        return Outcome(PAUSED, TOKEN_REJECTED, status, response=data)
    if status in (404, 405):
        return Outcome(PAUSED, URL_NOT_FOUND, status, response=data)
    if status in (400, 413, 415, 422):
        details = data.get("details") if isinstance(data.get("details"), list) else []
        details = [truncate(str(d)) for d in details[:20]]
        return Outcome(
            REJECTED, _error_text(response, data), status, response=data, details=details
        )
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return Outcome(
        RETRY, f"HTTP {status}: {_error_text(response, data)}", status, retry_after_s=retry_after
    )
