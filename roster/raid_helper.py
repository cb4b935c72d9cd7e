"""The Raid-Helper API client (ROS-43 … ROS-48).

`RaidHelperClient` talks to `settings.RAID_HELPER_API_URL` through the shared
`patt.http.HttpClient` (session, timeouts, the retry loop, log redaction); tests point it at
the loopback fake (`tests/fakes/fake_raid_helper.py`). `sleep` and `clock` are injectable so a
test can observe waits, but the default is real time: the fake records when each request
arrived, which is what ROS-44's spacing is about.

- ROS-45: connect timeout 5 s, read 20 s. The create call is never retried (a retry could post
  a second event). A sign-up call is retried up to 2 times on connection errors, timeouts, 5xx
  and 429 (Retry-After honoured, capped at 30 s).
- ROS-44: consecutive sign-up calls start at least `RAID_HELPER_SIGNUP_DELAY_MS` apart.
- ROS-46: every failure is a `RaidHelperError` whose message is the text shown to the officer.
- ROS-47: the key lives in the session's headers only; no message or log line contains it.
"""

import logging
import time
from collections.abc import Callable, Mapping

import requests
from django.conf import settings

from patt.http import (
    ALL_5XX,
    Attempts,
    Call,
    Failure,
    HttpClient,
    RetryPolicy,
    json_or_none,
)

logger = logging.getLogger(__name__)

TIMEOUT = (5.0, 20.0)  # ROS-45: (connect, read) seconds
SIGNUP_RETRIES = 2  # ROS-45: retries after the first attempt
MAX_RETRY_AFTER = 30.0  # ROS-45: the longest Retry-After honoured
DEFAULT_RETRY_AFTER = 1.0  # a 429 or 5xx that names no wait

CREATE_ROUTE = "/servers/{server_id}/channels/{channel_id}/event"
SIGNUP_ROUTE = "/events/{event_id}/signups"
EVENTS_ROUTE = "/servers/{server_id}/events"

# ROS-45: one budget of 2 retries shared by connection errors, timeouts (1 s apart), 5xx and
# 429 (their Retry-After, else 1 s, at most 30 s). A sign-up posted twice is the same sign-up.
SIGNUP_POLICY = RetryPolicy(
    backoff=(DEFAULT_RETRY_AFTER,) * SIGNUP_RETRIES,
    rate_limit_retries=SIGNUP_RETRIES,
    max_retries=SIGNUP_RETRIES,
    retried_statuses=ALL_5XX,
    retry_after_on_outage=True,
    default_retry_after=DEFAULT_RETRY_AFTER,
    max_retry_after=MAX_RETRY_AFTER,
)

# ROS-46: the messages shown to the officer.
REJECTED = "Raid-Helper rejected the API key or server id."
NO_ANSWER = "Raid-Helper did not answer; check Discord before trying again."
NO_EVENT_ID = "Raid-Helper did not return an event id."
NOT_CONFIGURED = "Raid-Helper is not configured: RAID_HELPER_API_KEY is not set."


class RaidHelperError(Exception):
    """A failed Raid-Helper call; `str(error)` is the officer-facing message (ROS-46)."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


def api_key_configured() -> bool:
    return bool(settings.RAID_HELPER_API_KEY)


def event_url(server_id: str, channel_id: str, event_id: str) -> str:
    """ROS-43: the Discord link of a posted event."""
    return f"https://discord.com/channels/{server_id}/{channel_id}/{event_id}"


def error_message(response: requests.Response) -> str:
    """ROS-46: 401/403 -> key or server rejected; other 4xx -> Raid-Helper's JSON `error`;
    5xx -> did not answer."""
    status = response.status_code
    if status in (401, 403):
        return REJECTED
    if status >= 500:
        return NO_ANSWER
    body = json_or_none(response)
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"].strip():
        return body["error"].strip()
    return f"Raid-Helper refused the request (HTTP {status})."


class RaidHelperClient(HttpClient):
    """Create events, sign players up and test the connection (ROS-43 … ROS-48).

    Arguments left as None come from settings. The client keeps the time of its last sign-up
    call so consecutive sign-ups are spaced (ROS-44).
    """

    service = "Raid-Helper"
    logger = logger

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        signup_delay_ms: int | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ):
        api_key = settings.RAID_HELPER_API_KEY if api_key is None else api_key
        if not api_key:
            raise RaidHelperError(NOT_CONFIGURED)
        super().__init__(
            base_url=(base_url or settings.RAID_HELPER_API_URL).rstrip("/"),
            timeout=timeout,
            # ROS-43: the bare key, no "Bearer". The session is the one place it lives (ROS-47).
            headers={"Authorization": api_key},
            secrets=(api_key,),
            session=session,
            sleep=sleep,
            clock=clock,
        )
        delay = settings.RAID_HELPER_SIGNUP_DELAY_MS if signup_delay_ms is None else signup_delay_ms
        self.signup_delay = max(int(delay), 0) / 1000
        self._last_signup: float | None = None

    def __repr__(self) -> str:
        return f"<RaidHelperClient url={self.base_url}>"

    # --- calls ------------------------------------------------------------------------------

    def create_event(self, *, server_id: str, channel_id: str, payload: dict) -> str:
        """ROS-43: post the event; returns Raid-Helper's event id. Never retried (ROS-45)."""
        ids = {"server_id": str(server_id), "channel_id": str(channel_id)}
        response = self.send(Call("POST", CREATE_ROUTE, ids=ids, json=payload))
        body = json_or_none(response)
        event_id = None
        if isinstance(body, dict):
            event = body.get("event")
            if isinstance(event, dict) and event.get("id"):
                event_id = event["id"]
            elif body.get("id"):
                event_id = body["id"]
        if event_id is None or not str(event_id).strip():
            logger.warning("Raid-Helper POST %s answered without an event id", CREATE_ROUTE)
            raise RaidHelperError(NO_EVENT_ID, status=response.status_code)
        return str(event_id).strip()

    def add_signup(self, event_id: str, payload: dict) -> None:
        """ROS-44/45: one sign-up, spaced from the previous one, retried up to 2 times on
        connection errors, timeouts, 5xx and 429."""
        call = Call("POST", SIGNUP_ROUTE, ids={"event_id": str(event_id)}, json=payload)
        self.send(call, SIGNUP_POLICY)

    def posted_events_count(self, server_id: str) -> int:
        """ROS-48: `GET /servers/{id}/events`; the number of posted events, or RaidHelperError."""
        response = self.send(Call("GET", EVENTS_ROUTE, ids={"server_id": str(server_id)}))
        body = json_or_none(response)
        events = body.get("postedEvents") if isinstance(body, dict) else None
        if not isinstance(events, list):
            logger.warning("Raid-Helper GET %s answered without postedEvents", EVENTS_ROUTE)
            raise RaidHelperError(
                "Raid-Helper answered without a list of posted events.",
                status=response.status_code,
            )
        return len(events)

    # --- plumbing ---------------------------------------------------------------------------

    def _before_attempt(self, call: Call, attempts: Attempts) -> Mapping[str, str]:
        if call.route == SIGNUP_ROUTE:
            self._space_signups()
        return {}

    def _after_attempt(self, call: Call, response: requests.Response | None) -> None:
        if call.route == SIGNUP_ROUTE:
            # Spaced from the end of this call, so arrivals are at least the delay apart too.
            self._last_signup = self._clock()

    def _space_signups(self) -> None:
        now = self._clock()
        if self._last_signup is not None:
            wait = self._last_signup + self.signup_delay - now
            if wait > 0:
                self._sleep(wait)

    def _error(self, failure: Failure) -> RaidHelperError:
        """ROS-46: the officer-facing message of each failure, logged without the key."""
        method, route = failure.call.method, failure.call.route
        if failure.response is None:
            # The exception's text names the URL; log its class only.
            logger.warning("Raid-Helper %s %s failed: %s", method, route, failure.reason)
            return RaidHelperError(NO_ANSWER)
        message = error_message(failure.response)
        logger.warning("Raid-Helper %s %s answered %s: %s", method, route, failure.status, message)
        return RaidHelperError(message, status=failure.status)
