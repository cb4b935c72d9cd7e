"""The HTTP client base of the Blizzard, Discord and Raid-Helper clients (issue 12 item 3).

`HttpClient` owns the mechanics every client shares, written once:

- one `requests.Session` per client, its fixed headers (auth, User-Agent) and connect/read
  timeouts on every call;
- the retry loop: transport errors and outage answers (5xx) retried after a backoff, 429s
  after their `Retry-After` (seconds or an HTTP date, capped), each within the budgets of a
  `RetryPolicy`; a POST that the server may already have acted on (a 500, a read timeout) is
  repeated only when the policy says the call is safe to repeat;
- one DEBUG line per attempt: service, method, route template, status, attempt, duration;
- JSON decoding whose failure is a `Failure` of kind `BAD_BODY`, never a raw decode error;
- token redaction: secrets given to the client, `Authorization` values and token-like query
  parameters never reach a log line, ours or urllib3's.

A client subclass keeps only its own routes, auth, limiter and error classes: it builds `Call`s,
picks a `RetryPolicy`, and maps each `Failure` to its typed error in `_error()`. Hooks
(`_before_attempt`, `_after_attempt`, `_retry_at_once`, `_rate_limit_wait`) carry the rules only
one service has: Blizzard's limiter and token renewal (IDN-19, IDN-20), Discord's buckets and
global pause (BOT-16), Raid-Helper's sign-up spacing (ROS-44).

`sleep`, `clock` (monotonic seconds), `jitter(low, high)` and `now` (aware wall clock, for an
HTTP-date `Retry-After`) are injectable, so tests observe every wait without sleeping.

This module is on the ground floor: it imports no app.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import requests
from requests.adapters import HTTPAdapter

T = TypeVar("T")

DEFAULT_RETRY_AFTER = 1.0  # a 429 that names no wait at all
MAX_RETRY_AFTER = 30.0
# A 500 means the server ran the handler: a POST may have taken effect (posted a message,
# created an event). 502/503/504 come from a gateway that did not get an answer.
MAY_HAVE_ACTED_STATUSES = frozenset({500})
ALL_5XX = frozenset(range(500, 600))


# --- redaction ------------------------------------------------------------------------------

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6  # shorter "secrets" (test stubs such as "t") would mangle every log line

_secrets: set[str] = set()
_secrets_lock = threading.Lock()

_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:access_token|refresh_token|id_token|token|client_secret|api_key|apikey|key|"
    r"secret|password|signature)=)[^&#\s'\"]*"
)
_AUTH_VALUE = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+")
# A credential after an auth scheme looks like one (a digit, a dot or base64 padding, or 20+
# characters): "Bot MTIz…" is redacted, while "the bot stopped" and "Bot online" stay readable.
_CREDENTIAL = r"[A-Za-z0-9._~+/=-]"
_AUTH_SCHEME = re.compile(
    rf"(?i)\b(Bot|Bearer|Basic)\s+(?={_CREDENTIAL}*[\d.=]|{_CREDENTIAL}{{20}}){_CREDENTIAL}{{6,}}"
)


def register_secret(secret: str | None) -> None:
    """Never log `secret` again in this process (a bot token, an API key, a client secret)."""
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """`text` without the registered secrets, `Authorization` values, `Bot`/`Bearer`/`Basic`
    credentials and token-like query parameters (`access_token=`, `key=`, ...)."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _QUERY_SECRET.sub(rf"\1{REDACTED}", text)
    text = _AUTH_VALUE.sub(rf"\1{REDACTED}", text)
    return _AUTH_SCHEME.sub(rf"\1 {REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record of the logger it sits on through `redact()`: the message with its
    arguments, and the traceback text (an exception's message may quote a URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_REDACTING_FILTER = RedactingFilter()


def install_redaction(logger: logging.Logger) -> None:
    """Redact every record `logger` itself emits (a logger's filters do not see its children's
    records, so each logger that can carry a request detail gets one)."""
    if _REDACTING_FILTER not in logger.filters:
        logger.addFilter(_REDACTING_FILTER)


# urllib3 logs each request line at DEBUG, query string included.
install_redaction(logging.getLogger("urllib3.connectionpool"))


# --- Retry-After ----------------------------------------------------------------------------


def retry_after_seconds(
    value: str | None,
    *,
    now: Callable[[], datetime],
    default: float = DEFAULT_RETRY_AFTER,
    cap: float = MAX_RETRY_AFTER,
) -> float:
    """A `Retry-After` header as seconds: a number or an HTTP date; `default` when absent or
    unreadable; never below 0 nor above `cap`."""
    seconds = default
    if value:
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = (parsedate_to_datetime(value) - now()).total_seconds()
            except (TypeError, ValueError):
                seconds = default
    return min(max(seconds, 0.0), cap)


def seconds_or_none(value: object) -> float | None:
    """A non-negative number of seconds from a header or JSON value, or None."""
    try:
        return max(float(value), 0.0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


# --- calls, attempts, failures --------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One logical request. `route` is the template ("/channels/{channel_id}/messages") that
    log lines and errors name; `ids` fill it in. `url`, when given, replaces base URL + route
    (an absolute endpoint such as an OAuth token URL)."""

    method: str
    route: str
    ids: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] | None = None
    json: Any = None
    data: Mapping[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    url: str | None = None

    @property
    def path(self) -> str:
        return self.route.format_map(self.ids) if self.ids else self.route


@dataclass
class Attempts:
    """What one call has been through so far."""

    number: int = 0  # attempts sent, 1 for the first
    outages: int = 0  # retries spent on transport errors and outage answers
    rate_limited: int = 0  # retries spent on 429s
    reauthorised: bool = False  # the client renewed its credentials once in this call

    @property
    def retries(self) -> int:
        return self.outages + self.rate_limited


class FailureKind(StrEnum):
    UNAVAILABLE = "unavailable"  # transport error or 5xx, after the retries the policy allows
    RATE_LIMITED = "rate_limited"  # 429 after the retries the policy allows
    REFUSED = "refused"  # any other 4xx
    BAD_BODY = "bad_body"  # a 2xx whose body is not the JSON expected


@dataclass(frozen=True)
class Failure:
    """Why a call failed; the client's `_error()` turns it into its own typed error."""

    kind: FailureKind
    call: Call
    attempts: int
    response: requests.Response | None = None
    exc: requests.RequestException | None = None
    expected: type | None = None  # BAD_BODY: list or dict

    @property
    def status(self) -> int | None:
        return self.response.status_code if self.response is not None else None

    @property
    def body(self) -> str:
        return self.response.text if self.response is not None else ""

    @property
    def reason(self) -> str:
        """The exception's class name ("ReadTimeout") or "HTTP <status>"; never its text,
        which quotes the URL."""
        if self.exc is not None:
            return type(self.exc).__name__
        return f"HTTP {self.status}"

    @property
    def content_type(self) -> str:
        if self.response is None:
            return "no content type"
        return self.response.headers.get("Content-Type") or "no content type"

    @property
    def expected_text(self) -> str:
        return "a JSON list" if self.expected is list else "a JSON object"


def json_or_none(response: requests.Response) -> Any:
    """The decoded body, or None when it is not JSON (error answers read leniently)."""
    try:
        return response.json()
    except ValueError:
        return None


# --- the retry policy -----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """When a call is sent again, and after how long.

    - `backoff`: the waits before the retries after an outage (a transport error or a status
      in `retried_statuses`); its length is the number of such retries.
    - `rate_limit_retries`: 429s retried at most this many times, after `Retry-After`
      (`default_retry_after` when absent, at most `max_retry_after`).
    - `max_retries`: one budget for every retry together (None: the two budgets above only).
    - `post_may_repeat`: False when repeating a POST could act twice: a POST is then never
      retried after a 500 or after a read timeout (it may have been received).
    - `retry_after_on_outage`: an outage answer's own `Retry-After` replaces the backoff step.
    - `jitter`: (low, high) seconds added to every wait.
    """

    backoff: tuple[float, ...] = ()
    rate_limit_retries: int = 0
    max_retries: int | None = None
    retried_statuses: frozenset[int] = frozenset()
    post_may_repeat: bool = True
    retry_after_on_outage: bool = False
    default_retry_after: float = DEFAULT_RETRY_AFTER
    max_retry_after: float = MAX_RETRY_AFTER
    jitter: tuple[float, float] | None = None

    def _budget_left(self, attempts: Attempts) -> bool:
        return self.max_retries is None or attempts.retries < self.max_retries

    def _may_repeat(self, method: str) -> bool:
        return self.post_may_repeat or method.upper() != "POST"

    def outage_wait(
        self,
        call: Call,
        attempts: Attempts,
        *,
        now: Callable[[], datetime],
        response: requests.Response | None = None,
        exc: requests.RequestException | None = None,
    ) -> float | None:
        """Seconds to wait before retrying an outage, or None to give up."""
        if attempts.outages >= len(self.backoff) or not self._budget_left(attempts):
            return None
        if exc is not None:
            if isinstance(exc, ValueError):  # a malformed URL or header: no retry mends it
                return None
            # A connection error means the request never arrived; anything after that may
            # have been received.
            if not isinstance(exc, requests.ConnectionError) and not self._may_repeat(call.method):
                return None
        if response is not None:
            status = response.status_code
            if status not in self.retried_statuses:
                return None
            if status in MAY_HAVE_ACTED_STATUSES and not self._may_repeat(call.method):
                return None
            if self.retry_after_on_outage and response.headers.get("Retry-After"):
                return self.retry_after(response, now=now)
        return self.backoff[attempts.outages]

    def rate_limit_wait(
        self, attempts: Attempts, response: requests.Response, *, now: Callable[[], datetime]
    ) -> float | None:
        """Seconds to wait before retrying a 429, or None to give up."""
        if attempts.rate_limited >= self.rate_limit_retries or not self._budget_left(attempts):
            return None
        return self.retry_after(response, now=now)

    def retry_after(self, response: requests.Response, *, now: Callable[[], datetime]) -> float:
        return retry_after_seconds(
            response.headers.get("Retry-After"),
            now=now,
            default=self.default_retry_after,
            cap=self.max_retry_after,
        )


NO_RETRY = RetryPolicy()


# --- the client base ------------------------------------------------------------------------


class HttpClient:
    """The base of one external service's client; see the module docstring.

    Subclasses set `service` (the name in log lines) and `logger`, and implement `_error()`.
    """

    service: ClassVar[str] = "HTTP"
    logger: ClassVar[logging.Logger] = logging.getLogger(__name__)

    def __init__(
        self,
        *,
        base_url: str,
        timeout: Iterable[float],
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str | None] = (),
        session: requests.Session | None = None,
        pool_maxsize: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.base_url = base_url
        connect, read = tuple(timeout)
        self.timeout: tuple[float, float] = (connect, read)
        self._sleep, self._clock, self._jitter, self._now = sleep, clock, jitter, now
        for secret in secrets:
            register_secret(secret)
        install_redaction(self.logger)
        self._session = session or requests.Session()
        # The session is the one place credentials live: requests sends them, nothing of
        # ours prints them.
        self._session.headers.update(headers or {})
        if pool_maxsize is not None:
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_maxsize)
            self._session.mount("http://", adapter)
            self._session.mount("https://", adapter)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- one call, with its retries ---------------------------------------------------------

    def send(self, call: Call, policy: RetryPolicy = NO_RETRY) -> requests.Response:
        """Send `call` until it succeeds (a status below 400) or the policy gives up; every
        failure is raised as `self._error(Failure)`."""
        url = call.url or self.base_url + call.path
        attempts = Attempts()
        while True:
            attempts.number += 1
            headers = {**call.headers, **self._before_attempt(call, attempts)}
            started = self._clock()
            try:
                response = self._session.request(
                    call.method,
                    url,
                    params=call.params,
                    json=call.json,
                    data=call.data,
                    headers=headers,
                    auth=call.auth,
                    timeout=self.timeout,
                )
            except requests.RequestException as exc:
                self._log_attempt(call, type(exc).__name__, attempts.number, started)
                self._after_attempt(call, None)
                wait = policy.outage_wait(call, attempts, now=self._now, exc=exc)
                if wait is None:
                    raise self._fail(FailureKind.UNAVAILABLE, call, attempts, exc=exc) from exc
                attempts.outages += 1
                self._pause(wait, policy)
                continue
            self._log_attempt(call, response.status_code, attempts.number, started)
            self._after_attempt(call, response)
            if self._retry_at_once(call, attempts, response):
                continue
            status = response.status_code
            if status == 429:
                wait = self._rate_limit_wait(call, policy, attempts, response)
                attempts.rate_limited += 1
                self._pause(wait, policy)
                continue
            if status >= 500:
                wait = policy.outage_wait(call, attempts, now=self._now, response=response)
                if wait is None:
                    raise self._fail(FailureKind.UNAVAILABLE, call, attempts, response=response)
                attempts.outages += 1
                self._pause(wait, policy)
                continue
            if status >= 400:
                raise self._fail(FailureKind.REFUSED, call, attempts, response=response)
            return response

    def send_json(self, call: Call, expected: type[T], policy: RetryPolicy = NO_RETRY) -> T:
        """`send`, then the body, which must be JSON of type `expected` (list or dict)."""
        return self.json_of(call, self.send(call, policy), expected)

    def json_of(self, call: Call, response: requests.Response, expected: type[T]) -> T:
        """The body as JSON of type `expected`; anything else (an HTML page answered with 200,
        a truncated body, the wrong shape) is the client's `BAD_BODY` error."""
        body = json_or_none(response)
        if not isinstance(body, expected):
            raise self._error(
                Failure(FailureKind.BAD_BODY, call, 1, response=response, expected=expected)
            )
        return body

    def _fail(
        self,
        kind: FailureKind,
        call: Call,
        attempts: Attempts,
        *,
        response: requests.Response | None = None,
        exc: requests.RequestException | None = None,
    ) -> Exception:
        return self._error(Failure(kind, call, attempts.number, response=response, exc=exc))

    def _pause(self, seconds: float, policy: RetryPolicy) -> None:
        if policy.jitter is not None:
            seconds += self._jitter(*policy.jitter)
        if seconds > 0:
            self._sleep(seconds)

    def _log_attempt(self, call: Call, outcome: int | str, attempt: int, started: float) -> None:
        self.logger.debug(
            "%s %s %s -> %s (attempt %d, %.0f ms)",
            self.service,
            call.method,
            call.route,
            outcome,
            attempt,
            (self._clock() - started) * 1000,
        )

    # --- hooks ------------------------------------------------------------------------------

    def _before_attempt(self, call: Call, attempts: Attempts) -> Mapping[str, str]:
        """Runs before each attempt (a limiter, a spacing); returns headers for this attempt
        only (a short-lived token)."""
        return {}

    def _after_attempt(self, call: Call, response: requests.Response | None) -> None:
        """Runs after each attempt, `response` None on a transport error."""

    def _retry_at_once(self, call: Call, attempts: Attempts, response: requests.Response) -> bool:
        """True when the client dealt with this answer itself (renewed a token after a 401)
        and the call is to be sent again now."""
        return False

    def _rate_limit_wait(
        self,
        call: Call,
        policy: RetryPolicy,
        attempts: Attempts,
        response: requests.Response,
    ) -> float:
        """Seconds to wait after a 429 before the next attempt; raises the client's error when
        the policy gives up."""
        wait = policy.rate_limit_wait(attempts, response, now=self._now)
        if wait is None:
            raise self._fail(FailureKind.RATE_LIMITED, call, attempts, response=response)
        return wait

    def _error(self, failure: Failure) -> Exception:
        """The client's typed error for `failure`."""
        raise NotImplementedError
