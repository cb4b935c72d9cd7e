"""A fake Blizzard API on 127.0.0.1 for tests and the demo (IDN-49 … IDN-51).

A WSGI app on the standard library only, served by `wsgiref` with a thread per request:

    fake = FakeBlizzard.from_fixture(DEMO_FIXTURE).start()   # or FakeBlizzard.generated(1000)
    fake.api_url, fake.oauth_url                             # point BLIZZARD_* here
    fake.set_profile_mode("Zatañña", "sargeras", "rate_limited", n=2, retry_after="3")
    fake.set_roster_mode("empty")
    fake.latency = 0.1; fake.rate_cap = 100
    fake.stats(); fake.peak_requests_per_second(); fake.requests(path_prefix="/profile")
    fake.stop()

Routes: `POST /oauth/token`; `GET /data/wow/guild/{realm}/{guild}/roster`;
`GET /profile/wow/character/{realm}/{name}`; control: `GET /_fake/requests`,
`GET /_fake/stats`, `POST /_fake/reset`, `POST /_fake/scenario` (JSON, see `apply_scenario`).

Profile modes (IDN-50): `ok`, `not_found`, `rate_limited` (n, retry_after), `server_error`
(n or always, status), `slow` (seconds), `no_active_spec`, `no_id`, `no_last_login`, `html`.
Roster modes: `ok`, `empty`, `no_members_key`, `error`, `html`. `html` answers HTTP 200 with an
HTML error page, as a proxy in front of the API sometimes does.
"""

import base64
import json
import random
import threading
import time
from bisect import bisect_left, insort
from dataclasses import asdict, dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

DEMO_FIXTURE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "fake_blizzard" / "patt_demo.json"
)
CLIENT_ID, CLIENT_SECRET = "fake-id", "fake-secret"
NOT_FOUND_BODY = {"code": 404, "type": "BLZWEBAPI00000404", "detail": "Not Found"}
PROFILE_MODES = (
    "ok",
    "not_found",
    "rate_limited",
    "server_error",
    "slow",
    "no_active_spec",
    "no_id",
    "no_last_login",
    "html",
)
ROSTER_MODES = ("ok", "empty", "no_members_key", "error", "html")
# What `html` mode serves with HTTP 200 (bytes are sent as they are, as text/html).
HTML_ERROR_PAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


# Blizzard's own data, as the fake serves it: class id -> (name, [(spec id, spec name)]).
CLASSES = {
    1: ("Warrior", [(71, "Arms"), (72, "Fury"), (73, "Protection")]),
    2: ("Paladin", [(65, "Holy"), (66, "Protection"), (70, "Retribution")]),
    3: ("Hunter", [(253, "Beast Mastery"), (254, "Marksmanship"), (255, "Survival")]),
    4: ("Rogue", [(259, "Assassination"), (260, "Outlaw"), (261, "Subtlety")]),
    5: ("Priest", [(256, "Discipline"), (257, "Holy"), (258, "Shadow")]),
    6: ("Death Knight", [(250, "Blood"), (251, "Frost"), (252, "Unholy")]),
    7: ("Shaman", [(262, "Elemental"), (263, "Enhancement"), (264, "Restoration")]),
    8: ("Mage", [(62, "Arcane"), (63, "Fire"), (64, "Frost")]),
    9: ("Warlock", [(265, "Affliction"), (266, "Demonology"), (267, "Destruction")]),
    10: ("Monk", [(268, "Brewmaster"), (269, "Windwalker"), (270, "Mistweaver")]),
    11: ("Druid", [(102, "Balance"), (103, "Feral"), (104, "Guardian"), (105, "Restoration")]),
    12: ("Demon Hunter", [(577, "Havoc"), (581, "Vengeance")]),
    13: ("Evoker", [(1467, "Devastation"), (1468, "Preservation"), (1473, "Augmentation")]),
}
SPEC_NAMES = {spec_id: name for _, specs in CLASSES.values() for spec_id, name in specs}
RACES = {
    1: "Human", 2: "Orc", 3: "Dwarf", 4: "Night Elf", 5: "Undead", 6: "Tauren", 7: "Gnome",
    8: "Troll", 9: "Goblin", 10: "Blood Elf", 11: "Draenei", 22: "Worgen", 25: "Pandaren",
    27: "Nightborne", 28: "Highmountain Tauren", 36: "Mag'har Orc", 52: "Dracthyr",
}  # fmt: skip


# --- fixtures (IDN-51) ----------------------------------------------------------------------


def load_fixture(path: str | Path = DEMO_FIXTURE) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


_SYLLABLES = ["ka", "zu", "ro", "mi", "thal", "dor", "vel", "ña", "é", "gar", "lis", "ön", "tri"]
_REALMS = [
    ("senjin", "Sen'jin"),
    ("alterac-mountains", "Alterac Mountains"),
    ("sargeras", "Sargeras"),
    ("bleeding-hollow", "Bleeding Hollow"),
    ("tichondrius", "Tichondrius"),
]


def generate_guild(members: int, *, seed: int = 52, region: str = "us") -> dict:
    """A fixture of `members` characters with deterministic, unique names (some accented)."""
    rng = random.Random(seed)
    rows = []
    for index in range(members):
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(2)).capitalize()
        name = f"{stem}{_base26(index)}"  # the suffix keeps names unique
        class_id = rng.choice(list(CLASSES))
        realm_slug, realm_name = _REALMS[0] if index % 3 else rng.choice(_REALMS)
        rows.append(
            {
                "id": 10_000_000 + index,
                "name": name,
                "realm": {"slug": realm_slug, "name": realm_name},
                "level": 80,
                "class_id": class_id,
                "race_id": rng.choice(list(RACES)),
                "rank": min(index, 9) if index < 10 else rng.randint(2, 9),
                "mode": "ok",
                "profile": {
                    "spec_id": rng.choice(CLASSES[class_id][1])[0],
                    "item_level": rng.randint(600, 680),
                    "last_login_days_ago": rng.randint(0, 60),
                },
            }
        )
    return {
        "region": region,
        "guild": {
            "name": "Pull All The Things",
            "slug": "pull-all-the-things",
            "realm": {"slug": "senjin", "name": "Sen'jin"},
        },
        "members": rows,
    }


def _base26(number: int) -> str:
    letters = ""
    while True:
        number, rest = divmod(number, 26)
        letters = chr(ord("a") + rest) + letters
        if not number:
            return letters


# --- what the fake saw ----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict
    auth_scheme: str | None  # "Bearer", "Basic" or None; the credential itself is not kept
    user_agent: str
    status: int
    started: float  # time.monotonic()
    ended: float


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 256  # a pool's burst of connects must not overflow the backlog


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _Answer(Exception):
    def __init__(self, status: int, body: object, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


# --- the fake -------------------------------------------------------------------------------


class FakeBlizzard:
    """The WSGI app and its controller. Thread-safe: handler threads share one lock."""

    def __init__(self, fixture: dict, *, latency: float = 0.0, rate_cap: int | None = None):
        self.latency = latency
        self.rate_cap = rate_cap
        self.expires_in: int | None = 86399  # None: the token answer has no expires_in
        self.accept_tokens = True  # False: every Bearer token is refused with 401
        self.token_html = False  # True: the token endpoint answers 200 with HTML_ERROR_PAGE
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.load(fixture)

    @classmethod
    def from_fixture(cls, path: str | Path = DEMO_FIXTURE, **options) -> "FakeBlizzard":
        return cls(load_fixture(path), **options)

    @classmethod
    def generated(cls, members: int, **options) -> "FakeBlizzard":
        return cls(generate_guild(members), **options)

    # --- controller ---------------------------------------------------------------------------

    def load(self, fixture: dict) -> None:
        with self._lock:
            self.fixture = fixture
            self.region = fixture.get("region", "us")
            self._members = {}
            for member in fixture["members"]:
                if member.get("name"):
                    key = (member["realm"]["slug"], member["name"].lower())
                    self._members[key] = member
            self._modes = {
                key: _mode(member.get("mode") or "ok") for key, member in self._members.items()
            }
            self.roster_mode = "ok"
            self._reset_records()
            self._tokens: dict[str, float] = {}  # token -> expiry (monotonic)
            self._token_count = 0

    def _reset_records(self) -> None:
        self._requests: list[RecordedRequest] = []
        self._arrivals: list[float] = []
        self._calls: dict[tuple, int] = {}
        self._path_counts: dict[str, int] = {}
        self._in_flight = self._max_in_flight = 0

    def reset(self) -> None:
        """Forget requests, counters, modes and tokens; keep the fixture and options."""
        self.load(self.fixture)

    def set_profile_mode(self, name: str, realm_slug: str, mode: str, **params) -> None:
        key = (realm_slug, name.lower())
        with self._lock:
            if key not in self._members:
                raise KeyError(f"no character {name}-{realm_slug} in the fixture")
            self._modes[key] = _mode({"mode": mode, **params})
            self._calls.pop(key, None)

    def set_roster_mode(self, mode: str) -> None:
        if mode not in ROSTER_MODES:
            raise ValueError(f"roster mode {mode!r} is not one of {ROSTER_MODES}")
        self.roster_mode = mode

    def revoke_tokens(self) -> None:
        """Every issued token becomes invalid (the next API call answers 401)."""
        with self._lock:
            self._tokens.clear()

    def apply_scenario(self, scenario: dict) -> None:
        """`{"roster": mode, "profiles": {"realm/name": mode or {"mode": …, …}},
        "latency_ms": n, "rate_cap": n|null, "expires_in": n, "revoke_tokens": true}`."""
        if "roster" in scenario:
            self.set_roster_mode(scenario["roster"])
        for key, mode in (scenario.get("profiles") or {}).items():
            realm, name = key.split("/", 1)
            spec = mode if isinstance(mode, dict) else {"mode": mode}
            self.set_profile_mode(name, realm, **spec)
        if "latency_ms" in scenario:
            self.latency = scenario["latency_ms"] / 1000
        if "rate_cap" in scenario:
            self.rate_cap = scenario["rate_cap"]
        if "expires_in" in scenario:
            self.expires_in = scenario["expires_in"]
        if scenario.get("revoke_tokens"):
            self.revoke_tokens()

    def requests(self, path_prefix: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self._requests if r.path.startswith(path_prefix)]

    @property
    def token_count(self) -> int:
        return self._token_count

    @property
    def max_concurrent_profiles(self) -> int:
        return self._max_in_flight

    def requests_per_second(self) -> dict[int, int]:
        """Arrivals counted per whole second since the first request."""
        with self._lock:
            arrivals = list(self._arrivals)
        counts: dict[int, int] = {}
        for at in arrivals:
            second = int(at - arrivals[0])
            counts[second] = counts.get(second, 0) + 1
        return counts

    def peak_requests_per_second(self) -> int:
        """The most arrivals in any 1-second window (sliding, not only whole seconds)."""
        with self._lock:
            return _peak(self._arrivals)

    def stats(self) -> dict:
        with self._lock:
            return {
                "max_concurrent_profile_requests": self._max_in_flight,
                "token_count": self._token_count,
                "requests": len(self._requests),
                "per_path": dict(self._path_counts),
                "peak_requests_per_second": _peak(self._arrivals),
            }

    # --- serving ------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "FakeBlizzard":
        self._server = make_server(
            host, port, self, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self, host: str = "127.0.0.1", port: int = 8765) -> None:
        self._server = make_server(
            host, port, self, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._server.serve_forever()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url

    @property
    def oauth_url(self) -> str:
        return self.base_url + "/oauth"

    # --- the WSGI app -------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        # PEP 3333: PATH_INFO is already percent-decoded, its bytes carried as latin-1.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        if path.startswith("/_fake/"):
            status, body, headers = self._control(method, path, environ)
            return _respond(start_response, status, body, headers)
        started = time.monotonic()
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        is_profile = path.startswith("/profile/")
        with self._lock:
            insort(self._arrivals, started)  # kept sorted: handlers start out of order
            window_count = len(self._arrivals) - bisect_left(self._arrivals, started - 1.0)
            if is_profile:
                self._in_flight += 1
                self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            if self.rate_cap and window_count > self.rate_cap:
                raise _Answer(
                    429, {"code": 429, "detail": "Too Many Requests"}, {"Retry-After": "1"}
                )
            status, body, headers = self._route(method, path, query, authorization, environ)
        except _Answer as answer:
            status, body, headers = answer.status, answer.body, answer.headers
        finally:
            if is_profile:
                with self._lock:
                    self._in_flight -= 1
        with self._lock:
            self._path_counts[path] = self._path_counts.get(path, 0) + 1
            self._requests.append(
                RecordedRequest(
                    method,
                    path,
                    query,
                    authorization.split(" ", 1)[0] or None,
                    environ.get("HTTP_USER_AGENT", ""),
                    status,
                    started,
                    time.monotonic(),
                )
            )
        return _respond(start_response, status, body, headers)

    def _route(self, method, path, query, authorization, environ):
        if path == "/oauth/token":
            if method != "POST":
                raise _Answer(405, {"error": "method_not_allowed"})
            return self._token(authorization, environ)
        if method != "GET":
            raise _Answer(405, {"code": 405, "detail": "Method Not Allowed"})
        self._check_bearer(authorization)
        if "locale" not in query or query.get("namespace") != f"profile-{self.region}":
            raise _Answer(400, {"code": 400, "detail": "Missing or wrong namespace / locale"})
        parts = path.strip("/").split("/")
        if len(parts) == 6 and parts[:3] == ["data", "wow", "guild"] and parts[5] == "roster":
            return self._roster(parts[3], parts[4])
        if len(parts) == 5 and parts[:3] == ["profile", "wow", "character"]:
            return self._profile(parts[3], parts[4].lower())
        raise _Answer(404, NOT_FOUND_BODY)

    def _token(self, authorization, environ):
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            raise _Answer(401, {"error": "invalid_client"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(length).decode())
        if form.get("grant_type") != ["client_credentials"]:
            raise _Answer(400, {"error": "unsupported_grant_type"})
        if self.token_html:
            return 200, HTML_ERROR_PAGE, {}
        with self._lock:
            self._token_count += 1
            token = f"fake-token-{self._token_count}"
            lifetime = 86400 if self.expires_in is None else self.expires_in
            self._tokens[token] = time.monotonic() + lifetime
        body = {"access_token": token, "token_type": "bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return 200, body, {}

    def _check_bearer(self, authorization: str) -> None:
        scheme, _, token = authorization.partition(" ")
        with self._lock:
            expiry = self._tokens.get(token) if scheme == "Bearer" else None
        if not self.accept_tokens or expiry is None or expiry <= time.monotonic():
            raise _Answer(401, {"code": 401, "type": "BLZWEBAPI00000401", "detail": "Unauthorized"})

    def _roster(self, realm_slug: str, guild_slug: str):
        guild = self.fixture["guild"]
        if (realm_slug, guild_slug) != (guild["realm"]["slug"], guild["slug"]):
            raise _Answer(404, NOT_FOUND_BODY)
        if self.roster_mode == "error":
            raise _Answer(500, {"code": 500, "detail": "Internal Server Error"})
        if self.roster_mode == "html":
            return 200, HTML_ERROR_PAGE, {}
        body = {
            "guild": {"name": guild["name"], "realm": dict(guild["realm"])},
        }
        if self.roster_mode == "no_members_key":
            return 200, body, {}
        members = [] if self.roster_mode == "empty" else self.fixture["members"]
        body["members"] = [_roster_entry(member) for member in members]
        return 200, body, {}

    def _profile(self, realm_slug: str, name: str):
        key = (realm_slug, name)
        with self._lock:
            member = self._members.get(key)
            mode = self._modes.get(key)
            calls = self._calls[key] = self._calls.get(key, 0) + 1
        if member is None or mode["mode"] == "not_found":
            raise _Answer(404, NOT_FOUND_BODY)
        kind = mode["mode"]
        if kind == "rate_limited" and calls <= mode.get("n", 1):
            retry_after = mode.get("retry_after", "1")  # None: no Retry-After header
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            raise _Answer(429, {"code": 429, "detail": "Too Many Requests"}, headers)
        if kind == "server_error" and (mode.get("n") is None or calls <= mode["n"]):
            raise _Answer(mode.get("status", 503), {"code": mode.get("status", 503)})
        if kind == "slow":
            time.sleep(float(mode.get("seconds", 1.0)))
        if kind == "html":
            return 200, HTML_ERROR_PAGE, {}
        return 200, _profile_body(member, kind), {}

    def _control(self, method, path, environ):
        if method == "GET" and path == "/_fake/requests":
            return 200, [asdict(r) for r in self.requests()], {}
        if method == "GET" and path == "/_fake/stats":
            return 200, self.stats() | {"requests_per_second": self.requests_per_second()}, {}
        if method == "POST" and path == "/_fake/reset":
            self.reset()
            return 200, {"ok": True}, {}
        if method == "POST" and path == "/_fake/scenario":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                self.apply_scenario(json.loads(environ["wsgi.input"].read(length) or b"{}"))
            except (ValueError, KeyError, TypeError) as exc:
                return 400, {"error": str(exc)}, {}
            return 200, {"ok": True}, {}
        return 404, NOT_FOUND_BODY, {}


def _peak(arrivals: list[float]) -> int:
    ordered = sorted(arrivals)
    return max((bisect_left(ordered, at + 1.0) - i for i, at in enumerate(ordered)), default=0)


def _mode(spec) -> dict:
    mode = {"mode": spec} if isinstance(spec, str) else dict(spec)
    if mode["mode"] not in PROFILE_MODES:
        raise ValueError(f"profile mode {mode['mode']!r} is not one of {PROFILE_MODES}")
    return mode


def _roster_entry(member: dict) -> dict:
    character = {
        "id": member.get("id"),
        "realm": {"slug": member["realm"]["slug"]},
        "level": member.get("level"),
        "playable_class": {"id": member.get("class_id")},
        "playable_race": {"id": member.get("race_id")},
    }
    if member.get("name"):
        character["name"] = member["name"]
    entry = {"character": character}
    if member.get("rank") is not None:
        entry["rank"] = member["rank"]
    return entry


def _profile_body(member: dict, mode: str) -> dict:
    profile = member.get("profile") or {}
    class_id = member.get("class_id")
    body = {
        "id": member.get("id"),
        "name": member["name"],
        "realm": dict(member["realm"]),
        "character_class": {"id": class_id, "name": CLASSES.get(class_id, ("?",))[0]},
        "race": {"id": member.get("race_id"), "name": RACES.get(member.get("race_id"))},
        "level": member.get("level"),
        "equipped_item_level": profile.get("item_level"),
    }
    spec_id = profile.get("spec_id")
    if spec_id and mode != "no_active_spec":
        body["active_spec"] = {"id": spec_id, "name": SPEC_NAMES.get(spec_id, "")}
    days = profile.get("last_login_days_ago")
    if days is not None and mode != "no_last_login":
        body["last_login_timestamp"] = int((time.time() - days * 86400) * 1000)
    if mode == "no_id":
        del body["id"]
    return body


def _respond(start_response, status: int, body, headers: dict):
    html = isinstance(body, bytes)
    payload = body if html else json.dumps(body).encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Status')}",
        [
            ("Content-Type", "text/html" if html else "application/json"),
            ("Content-Length", str(len(payload))),
            *headers.items(),
        ],
    )
    return [payload]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
