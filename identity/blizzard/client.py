"""Requests, token, retries and the profile pool (IDN-19, IDN-20, IDN-22).

`sleep`, `clock` (monotonic seconds), `jitter(low, high)` and `now` (aware wall clock, for
HTTP-date `Retry-After`) are injectable, so tests observe every wait without sleeping. The
token cache and the rate limiter are process-wide (`reset_state()` clears both).
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings

import patt
from identity.blizzard import regions
from identity.blizzard.errors import (
    BlizzardAuthError,
    BlizzardError,
    BlizzardNotConfigured,
    BlizzardRateLimited,
    BlizzardUnavailable,
    NotFound,
)
from identity.blizzard.limiter import RateLimiter
from identity.blizzard.names import encode_character_name
from identity.blizzard.parsing import (
    ProfileFailure,
    ProfileResults,
    Reference,
    Roster,
    RosterMember,
    parse_profile,
    parse_roster,
)

logger = logging.getLogger("identity.blizzard")

MAX_ATTEMPTS = 3
UNAVAILABLE_BACKOFF = (1.0, 2.0)
DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 30.0
JITTER = (0.1, 1.0)
DEFAULT_EXPIRES_IN = 86400
TOKEN_EARLY_EXPIRY = 300.0


def user_agent() -> str:
    return f"PATT-Guild-Platform/{patt.__version__}"


# --- process-wide state: the token cache and the limiter ----------------------------------

_state_lock = threading.Lock()
_tokens: dict[tuple, tuple[str, float]] = {}  # (oauth url, client id, region) -> token, expiry
_token_locks: dict[tuple, threading.Lock] = {}
_limiter: RateLimiter | None = None


def shared_limiter() -> RateLimiter:
    """The process's limiter, rebuilt when the configured rates change."""
    global _limiter
    per_second, per_hour = settings.BLIZZARD_RATE_PER_SECOND, settings.BLIZZARD_RATE_PER_HOUR
    with _state_lock:
        if _limiter is None or (_limiter.per_second, _limiter.per_hour) != (per_second, per_hour):
            _limiter = RateLimiter(per_second, per_hour)
        return _limiter


def reset_state() -> None:
    """Forget cached tokens and the limiter's history (tests, and after changing settings)."""
    global _limiter
    with _state_lock:
        _tokens.clear()
        _limiter = None


# --- the client ---------------------------------------------------------------------------


class BlizzardClient:
    """One region's API. Arguments left as None come from settings; `reference` left as None
    is read from the database (`Reference.from_db()`) on first use."""

    def __init__(
        self,
        *,
        region: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_url: str | None = None,
        oauth_url: str | None = None,
        locale: str | None = None,
        timeout: tuple[float, float] | None = None,
        max_concurrency: int | None = None,
        reference: Reference | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[float, float], float] = random.uniform,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        session: requests.Session | None = None,
    ):
        client_id = settings.BLIZZARD_CLIENT_ID if client_id is None else client_id
        client_secret = settings.BLIZZARD_CLIENT_SECRET if client_secret is None else client_secret
        if not client_id or not client_secret:
            raise BlizzardNotConfigured(
                "Blizzard not configured: set BLIZZARD_CLIENT_ID and BLIZZARD_CLIENT_SECRET"
            )
        self.region = regions.check_region(region or settings.BLIZZARD_REGION)
        self._client_id = client_id
        self._client_secret = client_secret
        self.base_url = regions.api_base(api_url or settings.BLIZZARD_API_URL, self.region)
        self.token_url = regions.token_url(oauth_url or settings.BLIZZARD_OAUTH_URL)
        self.namespace = regions.namespace(self.region)
        self.locale = locale or settings.BLIZZARD_LOCALE
        self.timeout = tuple(timeout or settings.BLIZZARD_TIMEOUT)
        self.max_concurrency = max_concurrency or settings.BLIZZARD_MAX_CONCURRENCY
        self._reference = reference
        self.limiter = limiter or shared_limiter()
        self._sleep, self._clock, self._jitter, self._now = sleep, clock, jitter, now
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = user_agent()
        # Enough pooled connections for the profile pool, so no thread waits for a socket.
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=max(10, self.max_concurrency)
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._token_key = (self.token_url, client_id, self.region)

    @property
    def reference(self) -> Reference:
        """The reference data given, else the database's (loaded once, on first use)."""
        if self._reference is None:
            self._reference = Reference.from_db()
        return self._reference

    def __repr__(self) -> str:
        return f"<BlizzardClient region={self.region} url={self.base_url}>"

    def close(self) -> None:
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- IDN-22 calls -----------------------------------------------------------------------

    def get_roster(self, realm_slug: str, guild_slug: str) -> Roster:
        data = self.get_json(f"/data/wow/guild/{realm_slug}/{guild_slug}/roster")
        return parse_roster(data, self.reference)

    def get_profile(self, realm_slug: str, name: str, warnings: list[str] | None = None):
        data = self.get_json(f"/profile/wow/character/{realm_slug}/{encode_character_name(name)}")
        return parse_profile(data, self.reference, [] if warnings is None else warnings)

    def fetch_profiles(
        self,
        members: Iterable[RosterMember],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ProfileResults:
        """Every member's profile, `max_concurrency` requests in flight at most. A 404 goes to
        `not_found`, any other `BlizzardError` to `failed`; `on_progress(done, total)` is
        called from this thread after each."""
        members = list(members)
        results = ProfileResults()
        lock = threading.Lock()

        def one(member: RosterMember):
            warnings: list[str] = []
            profile = self.get_profile(member.realm_slug, member.name, warnings)
            with lock:
                results.warnings.extend(warnings)
            return profile

        with ThreadPoolExecutor(
            max_workers=self.max_concurrency, thread_name_prefix="blizzard"
        ) as pool:
            futures = {pool.submit(one, member): member for member in members}
            for done, future in enumerate(as_completed(futures), start=1):
                member = futures[future]
                try:
                    results.profiles[member.key] = future.result()
                except NotFound:
                    results.not_found.append(member)
                except BlizzardError as exc:
                    logger.warning("Blizzard profile of %s-%s failed: %s", *member.key[::-1], exc)
                    results.failed.append(ProfileFailure(member, exc))
                if on_progress:
                    on_progress(done, len(members))
        return results

    # --- one GET with its retries (IDN-19, IDN-20) ------------------------------------------

    def get_json(self, path: str) -> dict:
        url = self.base_url + path
        params = {"namespace": self.namespace, "locale": self.locale}
        refreshed = False
        rate_limited = unavailable = 0
        while True:
            token = self._token()
            self.limiter.acquire()
            try:
                response = self._session.get(
                    url,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                unavailable += 1
                self._unavailable(path, unavailable, type(exc).__name__, exc)
                continue
            status = response.status_code
            logger.debug("Blizzard GET %s -> %s", path, status)
            if status == 401:
                if refreshed:
                    raise BlizzardAuthError(
                        f"Blizzard refused a fresh token for {path} (HTTP 401)",
                        status=401,
                        body=response.text,
                    )
                self._drop_token(token)
                refreshed = True
                continue
            if status == 404:
                raise NotFound(f"Not found on Blizzard: {path}", status=404, body=response.text)
            if status == 429:
                rate_limited += 1
                if rate_limited >= MAX_ATTEMPTS:
                    raise BlizzardRateLimited(
                        f"Blizzard rate limit: still 429 after {MAX_ATTEMPTS} attempts ({path})",
                        status=429,
                        body=response.text,
                    )
                wait = self._retry_after(response.headers.get("Retry-After"))
                self._sleep(wait + self._jitter(*JITTER))
                continue
            if status >= 500:
                unavailable += 1
                self._unavailable(path, unavailable, f"HTTP {status}", None, response)
                continue
            if status >= 400:
                raise BlizzardError(
                    f"Blizzard refused {path} (HTTP {status}): {response.text[:200]}",
                    status=status,
                    body=response.text,
                )
            return _json_object(response, path)

    def _unavailable(self, path, attempt, reason, exc, response=None) -> None:
        """Back off before the next attempt, or raise after the last one."""
        if attempt >= MAX_ATTEMPTS:
            raise BlizzardUnavailable(
                f"Blizzard unavailable after {MAX_ATTEMPTS} attempts ({path}: {reason})",
                status=response.status_code if response is not None else None,
                body=response.text if response is not None else "",
            ) from exc
        self._sleep(UNAVAILABLE_BACKOFF[attempt - 1] + self._jitter(*JITTER))

    def _retry_after(self, value: str | None) -> float:
        """Seconds or an HTTP date; 1 s when absent or unreadable; never above 30 s."""
        seconds = DEFAULT_RETRY_AFTER
        if value:
            try:
                seconds = float(value)
            except ValueError:
                try:
                    seconds = (parsedate_to_datetime(value) - self._now()).total_seconds()
                except (TypeError, ValueError):
                    seconds = DEFAULT_RETRY_AFTER
        return min(max(seconds, 0.0), MAX_RETRY_AFTER)

    # --- the token (IDN-19) -----------------------------------------------------------------

    def _token(self) -> str:
        with _state_lock:
            cached = _tokens.get(self._token_key)
            if cached and self._clock() < cached[1]:
                return cached[0]
            fetch_lock = _token_locks.setdefault(self._token_key, threading.Lock())
        with fetch_lock:  # one fetch per key, however many pool threads ask at once
            with _state_lock:
                cached = _tokens.get(self._token_key)
                if cached and self._clock() < cached[1]:
                    return cached[0]
            token, expires_in = self._request_token()
            with _state_lock:
                _tokens[self._token_key] = (token, self._clock() + expires_in - TOKEN_EARLY_EXPIRY)
            return token

    def _request_token(self) -> tuple[str, float]:
        self.limiter.acquire()
        try:
            response = self._session.post(
                self.token_url,
                data={"grant_type": "client_credentials"},
                auth=(self._client_id, self._client_secret),
                timeout=self.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise BlizzardUnavailable(
                f"Blizzard token endpoint unreachable ({type(exc).__name__})"
            ) from exc
        if not 200 <= response.status_code < 300:
            raise BlizzardAuthError(
                f"Blizzard token request failed (HTTP {response.status_code}): "
                "check BLIZZARD_CLIENT_ID / BLIZZARD_CLIENT_SECRET",
                status=response.status_code,
                body=response.text,
            )
        body = _json_object(response, "the token endpoint")
        if not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise BlizzardAuthError(
                "Blizzard token response has no access_token", status=response.status_code
            )
        try:
            expires_in = float(body.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        return body["access_token"], expires_in

    def _drop_token(self, token: str) -> None:
        with _state_lock:
            if _tokens.get(self._token_key, ("",))[0] == token:
                del _tokens[self._token_key]


def _json_object(response: requests.Response, what: str) -> dict:
    """The JSON object of a 2xx answer. A body that is not one (an HTML error page from a
    proxy, a truncated answer) is a `BlizzardError`, so callers handle it like any failed
    call: a failed roster fetch, or one failed profile (IDN-23 step 5, IDN-24)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("Content-Type") or "no content type"
        raise BlizzardError(
            f"Blizzard answered {what} (HTTP {response.status_code}) with a body that is not a "
            f"JSON object ({kind})",
            status=response.status_code,
            body=response.text,
        )
    return body


# --- module-level entry points ------------------------------------------------------------


def fetch_roster(
    realm_slug: str, guild_slug: str, region: str | None = None, **client_options
) -> Roster:
    """The guild roster (IDN-22). Slugs are used as given."""
    with BlizzardClient(region=region, **client_options) as client:
        return client.get_roster(realm_slug, guild_slug)


def fetch_profiles(
    members: Iterable[RosterMember],
    on_progress: Callable[[int, int], None] | None = None,
    region: str | None = None,
    **client_options,
) -> ProfileResults:
    """Every member's profile through the pool and the limiter (IDN-20, IDN-22)."""
    with BlizzardClient(region=region, **client_options) as client:
        return client.fetch_profiles(members, on_progress)
