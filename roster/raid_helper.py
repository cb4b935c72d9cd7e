"""The Raid-Helper API client (ROS-43 … ROS-48).

`RaidHelperClient` talks to `settings.RAID_HELPER_API_URL` with `requests`; tests point it at
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
from collections.abc import Callable

import requests
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT = (5.0, 20.0)  # ROS-45: (connect, read) seconds
SIGNUP_RETRIES = 2  # ROS-45: retries after the first attempt
MAX_RETRY_AFTER = 30.0  # ROS-45: the longest Retry-After honoured
DEFAULT_RETRY_AFTER = 1.0  # a 429 or 5xx that names no wait

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
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"].strip():
        return body["error"].strip()
    return f"Raid-Helper refused the request (HTTP {status})."


def _retry_after(response: requests.Response) -> float:
    raw = response.headers.get("Retry-After", "")
    try:
        wait = float(raw)
    except ValueError:
        wait = DEFAULT_RETRY_AFTER
    return min(max(wait, 0.0), MAX_RETRY_AFTER)


class RaidHelperClient:
    """Create events, sign players up and test the connection (ROS-43 … ROS-48).

    Arguments left as None come from settings. The client keeps the time of its last sign-up
    call so consecutive sign-ups are spaced (ROS-44).
    """

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
        self.base_url = (base_url or settings.RAID_HELPER_API_URL).rstrip("/")
        delay = settings.RAID_HELPER_SIGNUP_DELAY_MS if signup_delay_ms is None else signup_delay_ms
        self.signup_delay = max(int(delay), 0) / 1000
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._last_signup: float | None = None
        self._session = session or requests.Session()
        # ROS-43: the bare key, no "Bearer". The session is the one place it lives (ROS-47).
        self._session.headers.update({"Authorization": api_key})

    def __repr__(self) -> str:
        return f"<RaidHelperClient url={self.base_url}>"

    def close(self) -> None:
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- calls ------------------------------------------------------------------------------

    def create_event(self, *, server_id: str, channel_id: str, payload: dict) -> str:
        """ROS-43: post the event; returns Raid-Helper's event id. Never retried (ROS-45)."""
        route = "/servers/{server_id}/channels/{channel_id}/event"
        path = f"/servers/{server_id}/channels/{channel_id}/event"
        response = self._send("POST", path, route, json=payload)
        if response.status_code >= 400:
            raise self._failure(response, "POST", route)
        try:
            body = response.json()
        except ValueError:
            body = None
        event_id = None
        if isinstance(body, dict):
            event = body.get("event")
            if isinstance(event, dict) and event.get("id"):
                event_id = event["id"]
            elif body.get("id"):
                event_id = body["id"]
        if event_id is None or not str(event_id).strip():
            logger.warning("Raid-Helper POST %s answered without an event id", route)
            raise RaidHelperError(NO_EVENT_ID, status=response.status_code)
        return str(event_id).strip()

    def add_signup(self, event_id: str, payload: dict) -> None:
        """ROS-44/45: one sign-up, spaced from the previous one, retried up to 2 times on
        connection errors, timeouts, 5xx and 429."""
        route = "/events/{event_id}/signups"
        path = f"/events/{event_id}/signups"
        attempt = 0
        while True:
            self._space_signups()
            try:
                response = self._send("POST", path, route, json=payload)
            except RaidHelperError:
                self._last_signup = self._clock()
                if attempt >= SIGNUP_RETRIES:
                    raise
                attempt += 1
                self._sleep(DEFAULT_RETRY_AFTER)
                continue
            # Spaced from the end of this call, so arrivals are at least the delay apart too.
            self._last_signup = self._clock()
            if response.status_code < 400:
                return
            if (response.status_code == 429 or response.status_code >= 500) and (
                attempt < SIGNUP_RETRIES
            ):
                attempt += 1
                self._sleep(_retry_after(response))
                continue
            raise self._failure(response, "POST", route)

    def posted_events_count(self, server_id: str) -> int:
        """ROS-48: `GET /servers/{id}/events`; the number of posted events, or RaidHelperError."""
        route = "/servers/{server_id}/events"
        response = self._send("GET", f"/servers/{server_id}/events", route)
        if response.status_code >= 400:
            raise self._failure(response, "GET", route)
        try:
            body = response.json()
        except ValueError:
            body = None
        events = body.get("postedEvents") if isinstance(body, dict) else None
        if not isinstance(events, list):
            logger.warning("Raid-Helper GET %s answered without postedEvents", route)
            raise RaidHelperError(
                "Raid-Helper answered without a list of posted events.",
                status=response.status_code,
            )
        return len(events)

    # --- plumbing ---------------------------------------------------------------------------

    def _space_signups(self) -> None:
        now = self._clock()
        if self._last_signup is not None:
            wait = self._last_signup + self.signup_delay - now
            if wait > 0:
                self._sleep(wait)

    def _send(self, method: str, path: str, route: str, **kwargs) -> requests.Response:
        try:
            return self._session.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            # The exception's text names the URL, never the headers; log its class only.
            logger.warning("Raid-Helper %s %s failed: %s", method, route, type(exc).__name__)
            raise RaidHelperError(NO_ANSWER) from None

    def _failure(self, response: requests.Response, method: str, route: str) -> RaidHelperError:
        message = error_message(response)
        logger.warning(
            "Raid-Helper %s %s answered %s: %s", method, route, response.status_code, message
        )
        return RaidHelperError(message, status=response.status_code)
