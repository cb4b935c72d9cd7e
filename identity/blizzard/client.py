"""Requests, token, retries and the profile pool (IDN-19, IDN-20, IDN-22).

The session, timeouts, retry loop, Retry-After, JSON decoding and log redaction are the shared
`patt.http.HttpClient`'s; this client adds its routes, the token (renewed once after a 401),
the process-wide limiter and the profile pool, and maps each failure to its own errors.

`sleep`, `clock` (monotonic seconds), `jitter(low, high)` and `now` (aware wall clock, for
HTTP-date `Retry-After`) are injectable, so tests observe every wait without sleeping. The
token cache and the rate limiter are process-wide (`reset_state()` clears both).
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime

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
from patt.http import (
    ALL_5XX,
    Attempts,
    Call,
    Failure,
    FailureKind,
    HttpClient,
    RetryPolicy,
    register_secret,
)

logger = logging.getLogger("identity.blizzard")

MAX_ATTEMPTS = 3
UNAVAILABLE_BACKOFF = (1.0, 2.0)
DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 30.0
JITTER = (0.1, 1.0)
DEFAULT_EXPIRES_IN = 86400
TOKEN_EARLY_EXPIRY = 300.0
TOKEN_ROUTE = "/token"

# IDN-20: 429 -> Retry-After (<= 30 s) + jitter, 5xx / timeout / connection error -> 1 s, 2 s
# (+ jitter); each at most MAX_ATTEMPTS attempts. Only GETs use it: the token request is never
# repeated on its own (the API call that needs the token is).
API_RETRIES = RetryPolicy(
    backoff=UNAVAILABLE_BACKOFF,
    rate_limit_retries=MAX_ATTEMPTS - 1,
    retried_statuses=ALL_5XX,
    default_retry_after=DEFAULT_RETRY_AFTER,
    max_retry_after=MAX_RETRY_AFTER,
    jitter=JITTER,
)


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


class BlizzardClient(HttpClient):
    """One region's API. Arguments left as None come from settings; `reference` left as None
    is read from the database (`Reference.from_db()`) on first use."""

    service = "Blizzard"
    logger = logger

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
        self.token_url = regions.token_url(oauth_url or settings.BLIZZARD_OAUTH_URL)
        self.namespace = regions.namespace(self.region)
        self.locale = locale or settings.BLIZZARD_LOCALE
        self.max_concurrency = max_concurrency or settings.BLIZZARD_MAX_CONCURRENCY
        self._reference = reference
        self.limiter = limiter or shared_limiter()
        super().__init__(
            base_url=regions.api_base(api_url or settings.BLIZZARD_API_URL, self.region),
            timeout=timeout or settings.BLIZZARD_TIMEOUT,
            headers={"User-Agent": user_agent()},
            secrets=(client_secret,),
            session=session,
            # Enough pooled connections for the profile pool, so no thread waits for a socket.
            pool_maxsize=max(10, self.max_concurrency),
            sleep=sleep,
            clock=clock,
            jitter=jitter,
            now=now,
        )
        self._token_key = (self.token_url, client_id, self.region)

    @property
    def reference(self) -> Reference:
        """The reference data given, else the database's (loaded once, on first use)."""
        if self._reference is None:
            self._reference = Reference.from_db()
        return self._reference

    def __repr__(self) -> str:
        return f"<BlizzardClient region={self.region} url={self.base_url}>"

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
        """The JSON object at `path`; a body that is not one (an HTML error page from a proxy,
        a truncated answer) is a `BlizzardError`, handled like any failed call: a failed
        roster fetch, or one failed profile (IDN-23 step 5, IDN-24)."""
        params = {"namespace": self.namespace, "locale": self.locale}
        return self.send_json(Call("GET", path, params=params), dict, API_RETRIES)

    def _is_token_call(self, call: Call) -> bool:
        return call.url == self.token_url

    def _before_attempt(self, call: Call, attempts: Attempts) -> Mapping[str, str]:
        """IDN-19/20: every attempt passes the limiter; an API call carries the current token
        in its header (never a query parameter)."""
        if self._is_token_call(call):
            self.limiter.acquire()
            return {}
        token = self._token()
        self.limiter.acquire()
        return {"Authorization": f"Bearer {token}"}

    def _retry_at_once(self, call: Call, attempts: Attempts, response: requests.Response) -> bool:
        """IDN-19: a 401 drops the token and the call is tried once more with a fresh one."""
        if response.status_code != 401 or self._is_token_call(call) or attempts.reauthorised:
            return False
        sent = response.request.headers.get("Authorization") or ""
        self._drop_token(sent.removeprefix("Bearer "))
        attempts.reauthorised = True
        return True

    def _error(self, failure: Failure) -> Exception:
        """IDN-19/20: each failure as this client's typed error."""
        status, body, path = failure.status, failure.body, failure.call.path
        if self._is_token_call(failure.call):
            path = "the token endpoint"
            if failure.response is None:
                return BlizzardUnavailable(
                    f"Blizzard token endpoint unreachable ({failure.reason})"
                )
            if failure.kind is not FailureKind.BAD_BODY:
                return _token_refused(failure.response)
        match failure.kind:
            case FailureKind.UNAVAILABLE:
                return BlizzardUnavailable(
                    f"Blizzard unavailable after {failure.attempts} attempts "
                    f"({path}: {failure.reason})",
                    status=status,
                    body=body,
                )
            case FailureKind.RATE_LIMITED:
                return BlizzardRateLimited(
                    f"Blizzard rate limit: still 429 after {failure.attempts} attempts ({path})",
                    status=429,
                    body=body,
                )
            case FailureKind.BAD_BODY:
                return BlizzardError(
                    f"Blizzard answered {path} (HTTP {status}) with a body that is not "
                    f"{failure.expected_text} ({failure.content_type})",
                    status=status,
                    body=body,
                )
        if status == 401:
            return BlizzardAuthError(
                f"Blizzard refused a fresh token for {path} (HTTP 401)", status=401, body=body
            )
        if status == 404:
            return NotFound(f"Not found on Blizzard: {path}", status=404, body=body)
        return BlizzardError(
            f"Blizzard refused {path} (HTTP {status}): {body[:200]}", status=status, body=body
        )

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
        call = Call(
            "POST",
            TOKEN_ROUTE,
            url=self.token_url,
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret),
        )
        response = self.send(call)
        if not 200 <= response.status_code < 300:
            raise _token_refused(response)
        body = self.json_of(call, response, dict)
        if not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise BlizzardAuthError(
                "Blizzard token response has no access_token", status=response.status_code
            )
        register_secret(body["access_token"])
        try:
            expires_in = float(body.get("expires_in") or DEFAULT_EXPIRES_IN)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        return body["access_token"], expires_in

    def _drop_token(self, token: str) -> None:
        with _state_lock:
            if _tokens.get(self._token_key, ("",))[0] == token:
                del _tokens[self._token_key]


def _token_refused(response: requests.Response) -> BlizzardAuthError:
    return BlizzardAuthError(
        f"Blizzard token request failed (HTTP {response.status_code}): "
        "check BLIZZARD_CLIENT_ID / BLIZZARD_CLIENT_SECRET",
        status=response.status_code,
        body=response.text,
    )


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
