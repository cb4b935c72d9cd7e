"""A fake Raid-Helper API on 127.0.0.1 (ROS-50, ROS-51), for tests and the local demo.

Standard library only. `FakeRaidHelper` runs a `ThreadingHTTPServer` on a random loopback port
in a thread and answers the routes the raid planner uses, the way Raid-Helper's v4 API does:

    fake = FakeRaidHelper().start()            # or the `fake_raid_helper` fixture
    fake.script("POST", "/events/{event_id}/signups", [Reply.rate_limited(1), Reply(500)])
    fake.event_id_shape = "top"                # answer {"id": ...} instead of {"event": {...}}
    fake.requests_to("POST", "/events/{event_id}/signups")   # RecordedRequest rows, in order
    fake.stop()

Routes (relative to `base_url`):

- `GET /servers/{sid}/events` -> `{"postedEvents": [...]}` (the events created on that server)
- `POST /servers/{sid}/channels/{cid}/event` -> `{"event": {"id": "<18 digits>", "title", ...}}`
  (or `{"id": ...}` with `event_id_shape = "top"`); needs leaderId, templateId, date (D-M-YYYY,
  a real date), time (HH:MM), title: else 400 `{"error": "missing <field>"}`, `"invalid date"`,
  `"invalid time"`
- `POST /events/{eid}/signups` -> 200 `{"status": "ok"}`; needs userId and className (400
  `"missing userId"` / `"missing className"`); a className outside the role and status classes
  -> 400 `"invalid className"`; a specName not listed for the className -> 400
  `"invalid specName"`; an unknown event -> 404 `{"error": "unknown event"}`
- `GET /events/{eid}` -> `{"classes": [{"name": "Tank", "specs": [{"name", "roleName"}]}, ...]}`
- anything else (e.g. `PUT /events/{id}/signup/{user}`) -> 404 `{"error": "not found"}`

Every known route needs `Authorization` equal to the key exactly (a `Bearer ` prefix fails):
else 401 `{"error": "unauthorized"}`. A server id other than the configured one -> 403
`{"error": "forbidden"}`. Bodies must be JSON objects (else 400 `{"error": "invalid json"}`).
Scripted replies (`script`) are served, in order, before a route's normal behaviour: 429 with
Retry-After, 5xx, a body without an event id, slow answers.

Run it for the demo: `python -m tests.fakes.fake_raid_helper --port 8765 --key demo-key`.
"""

import argparse
import datetime
import itertools
import json
import re
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DEFAULT_KEY = "fake-raid-helper-key-NEVER-SHOW-ME-7f3a9c"
DEFAULT_SERVER_ID = "800000000000000001"

# ROS-10: Raid-Helper's className (the role slot) -> its specNames, from the spec table.
ROLE_SPECS = {
    "Tank": ["Blood", "Vengeance", "Guardian", "Brewmaster", "Protection", "Protection1"],
    "Healer": [
        "Restoration",
        "Preservation",
        "Mistweaver",
        "Holy1",
        "Discipline",
        "Holy",
        "Restoration1",
    ],
    "Melee": [
        "Frost1",
        "Unholy",
        "Havoc",
        "Feral",
        "Survival",
        "Windwalker",
        "Retribution",
        "Assassination",
        "Outlaw",
        "Subtlety",
        "Enhancement",
        "Arms",
        "Fury",
    ],
    "Ranged": [
        "Devourer",
        "Balance",
        "Devastation",
        "Augmentation",
        "Beastmastery",
        "Marksmanship",
        "Arcane",
        "Fire",
        "Frost",
        "Shadow",
        "Elemental",
        "Affliction",
        "Demonology",
        "Destruction",
    ],
}
STATUS_CLASSES = ("Tentative", "Bench", "Absence", "Late")
DATE_RE = re.compile(r"^[1-9][0-9]?-[1-9][0-9]?-[0-9]{4}$")
TIME_RE = re.compile(r"^[0-2][0-9]:[0-5][0-9]$")

ROUTES = [
    ("GET", "/servers/{server_id}/events"),
    ("POST", "/servers/{server_id}/channels/{channel_id}/event"),
    ("POST", "/events/{event_id}/signups"),
    ("GET", "/events/{event_id}"),
]


def _pattern(route: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", route) + "$")


_COMPILED = [(method, route, _pattern(route)) for method, route in ROUTES]


def event_classes() -> list[dict]:
    """ROS-50: the classes of an event: the four role slots with their specs, then the status
    classes (which have no specs)."""
    classes = [
        {"name": role, "specs": [{"name": name, "roleName": role} for name in names]}
        for role, names in ROLE_SPECS.items()
    ]
    classes += [{"name": name, "specs": []} for name in STATUS_CLASSES]
    return classes


@dataclass
class Reply:
    """One scripted answer: `status`, JSON `body`, `headers`, after `delay` seconds.
    `passthrough` answers as the route normally would (after the delay)."""

    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    passthrough: bool = False

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> "Reply":
        return cls(429, {"error": "rate limited"}, {"Retry-After": f"{retry_after:g}"})

    @classmethod
    def server_error(cls, status: int = 500) -> "Reply":
        return cls(status, {"error": "internal error"})

    @classmethod
    def slow(cls, seconds: float) -> "Reply":
        return cls(delay=seconds, passthrough=True)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as received (ROS-51): arrival time (monotonic seconds), method, path, route
    template ("" when unknown), headers and JSON body (None when absent or not JSON)."""

    at: float
    method: str
    path: str
    route: str
    headers: dict[str, str]
    body: object

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class FakeRaidHelper:
    """The fake server and its controller; handler threads share one lock."""

    def __init__(self, *, api_key: str = DEFAULT_KEY, server_id: str = DEFAULT_SERVER_ID):
        self.api_key = api_key
        self.server_id = server_id
        self.event_id_shape = "nested"  # "nested": {"event": {"id"}}; "top": {"id"}
        self._lock = threading.RLock()
        self._ids = itertools.count(130_000_000_000_000_001)
        self.events: dict[str, dict] = {}
        self.signups: dict[str, list[dict]] = defaultdict(list)
        self.requests: list[RecordedRequest] = []
        self._scripts: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self, port: int = 0) -> "FakeRaidHelper":
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v4"

    # --- controller -------------------------------------------------------------------------

    def script(self, method: str, route: str, replies: Iterable[Reply | int]) -> None:
        """Serve these replies, in order, to the next requests of `method route`."""
        with self._lock:
            for reply in replies:
                self._scripts[(method, route)].append(
                    reply if isinstance(reply, Reply) else Reply(reply, {"error": "scripted"})
                )

    def requests_to(self, method: str, route: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and (route is None or r.route == route)
            ]

    def add_event(self, title: str = "Existing event") -> str:
        with self._lock:
            event_id = str(next(self._ids))
            self.events[event_id] = {"id": event_id, "title": title, "serverId": self.server_id}
            return event_id

    # --- request handling (called from handler threads) -------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes):
        body = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = ValueError
        route, params = "", {}
        if path.startswith("/api/v4/"):
            for route_method, template, pattern in _COMPILED:
                match = pattern.match(path[len("/api/v4") :])
                if match and route_method == method:
                    route, params = template, match.groupdict()
                    break
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    at=time.monotonic(),
                    method=method,
                    path=path,
                    route=route,
                    headers=dict(headers),
                    body=None if body is ValueError else body,
                )
            )
            script = self._scripts.get((method, route))
            reply = script.popleft() if script else None
        if reply is not None and reply.delay:
            self._stopping.wait(reply.delay)
        if reply is not None and not reply.passthrough:
            return reply.status, reply.body, reply.headers
        extra = reply.headers if reply is not None else {}
        if not route:
            return 404, {"error": "not found"}, extra
        if headers.get("Authorization") != self.api_key:
            return 401, {"error": "unauthorized"}, extra
        if body is ValueError or (raw and not isinstance(body, dict)):
            return 400, {"error": "invalid json"}, extra
        handlers = {
            ROUTES[0]: self._list_events,
            ROUTES[1]: self._create_event,
            ROUTES[2]: self._add_signup,
            ROUTES[3]: self._get_event,
        }
        status, answer = handlers[(method, route)](params, body or {})
        return status, answer, extra

    def _check_server(self, server_id: str):
        if server_id != self.server_id:
            return 403, {"error": "forbidden"}
        return None

    def _list_events(self, params, body):
        refused = self._check_server(params["server_id"])
        if refused:
            return refused
        with self._lock:
            posted = [e for e in self.events.values() if e.get("serverId") == self.server_id]
        return 200, {"postedEvents": posted}

    def _create_event(self, params, body):
        refused = self._check_server(params["server_id"])
        if refused:
            return refused
        for name in ("leaderId", "templateId", "date", "time", "title"):
            if body.get(name) in (None, ""):
                return 400, {"error": f"missing {name}"}
        date = str(body["date"])
        if not DATE_RE.match(date):
            return 400, {"error": "invalid date"}
        day, month, year = (int(part) for part in date.split("-"))
        try:
            datetime.date(year, month, day)
        except ValueError:
            return 400, {"error": "invalid date"}
        if not TIME_RE.match(str(body["time"])):
            return 400, {"error": "invalid time"}
        with self._lock:
            event_id = str(next(self._ids))
            event = {
                "id": event_id,
                "title": body["title"],
                "serverId": params["server_id"],
                "channelId": params["channel_id"],
                "date": date,
                "time": body["time"],
            }
            self.events[event_id] = event
        if self.event_id_shape == "top":
            return 200, {"id": event_id, "title": body["title"]}
        return 200, {"event": event}

    def _add_signup(self, params, body):
        with self._lock:
            if params["event_id"] not in self.events:
                return 404, {"error": "unknown event"}
        if not body.get("userId"):
            return 400, {"error": "missing userId"}
        class_name = body.get("className")
        if not class_name:
            return 400, {"error": "missing className"}
        if class_name not in ROLE_SPECS and class_name not in STATUS_CLASSES:
            return 400, {"error": "invalid className"}
        spec_name = body.get("specName")
        if spec_name is not None and spec_name not in ROLE_SPECS.get(class_name, []):
            return 400, {"error": "invalid specName"}
        with self._lock:
            self.signups[params["event_id"]].append(dict(body))
        return 200, {"status": "ok"}

    def _get_event(self, params, body):
        with self._lock:
            event = self.events.get(params["event_id"])
        if event is None:
            return 404, {"error": "unknown event"}
        return 200, {**event, "classes": event_classes()}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up on a slow reply (read timeout) closed the socket: expected.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: tests read `fake.requests`
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        status, body, headers = self.server.fake.handle(
            self.command, path, dict(self.headers.items()), raw
        )
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake Raid-Helper API (ROS-50).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--key", default=DEFAULT_KEY)
    parser.add_argument("--server-id", default=DEFAULT_SERVER_ID)
    args = parser.parse_args()
    fake = FakeRaidHelper(api_key=args.key, server_id=args.server_id).start(args.port)
    print(f"Fake Raid-Helper on {fake.base_url} (server id {fake.server_id}); Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
