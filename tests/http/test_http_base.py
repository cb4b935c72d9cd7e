"""The shared HTTP client base (`patt.http`, issue 12 item 3), over real loopback HTTP.

A probe client built on `HttpClient` talks to a small scripted server on 127.0.0.1; waits go
through an injected sleep that records them, so nothing here waits for real except the
deliberately slow replies of the timeout tests (a fraction of a second).
"""

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from patt.http import (
    ALL_5XX,
    NO_RETRY,
    REDACTED,
    Call,
    Failure,
    FailureKind,
    HttpClient,
    RetryPolicy,
    redact,
    register_secret,
    retry_after_seconds,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BOT_TOKEN = "probe-bot-token-0123456789"
QUERY_TOKEN = "probe-query-token-9876543210"


# --- a scripted loopback server -------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)  # JSON, or a str sent as text/html
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Server:
    """Answers each request with the next scripted `Reply` (then 200 `{}`); records paths."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.paths: list[str] = []
        self.authorizations: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.paths.append(self.path)
                server.authorizations.append(self.headers.get("Authorization"))
                reply = server.replies.pop(0) if server.replies else Reply()
                if reply.delay:
                    threading.Event().wait(reply.delay)
                if isinstance(reply.body, str):
                    data, kind = reply.body.encode(), "text/html"
                else:
                    data, kind = json.dumps(reply.body).encode(), "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a read timeout)

            do_GET = do_POST = _answer

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    fake = Server()
    yield fake
    fake.stop()


# --- a probe client -------------------------------------------------------------------------


class ProbeError(Exception):
    def __init__(self, failure: Failure):
        super().__init__(f"{failure.kind} {failure.reason}")
        self.failure = failure


class Probe(HttpClient):
    service = "Probe"
    logger = logging.getLogger("tests.http.probe")

    def __init__(self, base_url: str, **options):
        self.sleeps: list[float] = []
        options.setdefault("timeout", (1.0, 2.0))
        super().__init__(
            base_url=base_url,
            headers={"Authorization": f"Bot {BOT_TOKEN}"},
            secrets=(BOT_TOKEN,),
            sleep=self.sleeps.append,
            now=lambda: NOW,
            **options,
        )

    def _error(self, failure: Failure) -> ProbeError:
        # Like a careless client: the traceback (whose text quotes the URL) goes to the log.
        self.logger.warning("Probe call failed", exc_info=failure.exc)
        return ProbeError(failure)


OUTAGES = RetryPolicy(backoff=(1.0, 2.0), rate_limit_retries=2, retried_statuses=ALL_5XX)
GET = Call("GET", "/things/{thing_id}", ids={"thing_id": "7"})
POST = Call("POST", "/things", json={"name": "x"})


def failure_of(client: Probe, call: Call, policy: RetryPolicy = NO_RETRY) -> Failure:
    with pytest.raises(ProbeError) as raised:
        client.send_json(call, dict, policy)
    return raised.value.failure


# --- timeouts and outages -------------------------------------------------------------------


def test_a_read_timeout_is_the_clients_typed_unavailable_error(server):
    server.replies = [Reply(delay=0.5)]
    failure = failure_of(Probe(server.url, timeout=(1.0, 0.05)), GET)
    assert (failure.kind, failure.reason, failure.status) == (
        FailureKind.UNAVAILABLE,
        "ReadTimeout",
        None,
    )
    assert failure.attempts == 1


def test_timeouts_are_retried_after_the_backoff_then_raised(server):
    server.replies = [Reply(delay=0.5)] * 3
    client = Probe(server.url, timeout=(1.0, 0.05))
    failure = failure_of(client, GET, OUTAGES)
    assert failure.reason == "ReadTimeout" and failure.attempts == 3
    assert client.sleeps == [1.0, 2.0]


def test_a_connection_error_is_unavailable_after_the_retries():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = Probe(dead)
    failure = failure_of(client, GET, OUTAGES)
    assert (failure.kind, failure.reason) == (FailureKind.UNAVAILABLE, "ConnectionError")
    assert client.sleeps == [1.0, 2.0]


def test_a_post_that_may_not_repeat_is_never_resent_after_a_read_timeout_or_a_500(server):
    once = RetryPolicy(backoff=(1.0, 2.0), retried_statuses=ALL_5XX, post_may_repeat=False)
    # A short read timeout only where a timeout is the point: a loaded machine can take longer
    # than 50 ms to answer a plain 500, which must not turn into a timeout.
    impatient = Probe(server.url, timeout=(1.0, 0.05))
    server.replies = [Reply(delay=0.5)]
    assert failure_of(impatient, POST, once).reason == "ReadTimeout"
    assert impatient.sleeps == [] and len(server.paths) == 1
    client = Probe(server.url)
    server.replies = [Reply(500)]
    assert failure_of(client, POST, once).status == 500
    assert client.sleeps == [] and len(server.paths) == 2
    server.replies = [Reply(503)]  # a gateway answered: the POST never arrived, so resend it
    assert client.send_json(POST, dict, once) == {}
    assert client.sleeps == [1.0]


def test_5xx_is_retried_after_the_backoff_and_the_last_answer_is_raised(server):
    server.replies = [Reply(502), Reply(503), Reply(504)]
    client = Probe(server.url)
    failure = failure_of(client, GET, OUTAGES)
    assert (failure.kind, failure.status, failure.attempts) == (FailureKind.UNAVAILABLE, 504, 3)
    assert client.sleeps == [1.0, 2.0]
    assert server.paths == ["/things/7"] * 3


def test_other_4xx_is_refused_at_once(server):
    server.replies = [Reply(404, {"error": "no such thing"})]
    client = Probe(server.url)
    failure = failure_of(client, GET, OUTAGES)
    assert (failure.kind, failure.status) == (FailureKind.REFUSED, 404)
    assert '"no such thing"' in failure.body
    assert client.sleeps == []


# --- Retry-After ----------------------------------------------------------------------------


def test_429_retry_after_seconds_is_waited_through_the_injected_sleep(server):
    server.replies = [Reply(429, headers={"Retry-After": "7"})]
    client = Probe(server.url)
    assert client.send_json(GET, dict, OUTAGES) == {}
    assert client.sleeps == [7.0]
    assert len(server.paths) == 2


def test_429_retry_after_as_an_http_date_counts_from_the_injected_now(server):
    when = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    server.replies = [Reply(429, headers={"Retry-After": when})]
    client = Probe(server.url)
    client.send_json(GET, dict, OUTAGES)
    assert client.sleeps == [12.0]


def test_429_waits_are_capped_jittered_and_given_up_after_the_budget(server):
    policy = RetryPolicy(rate_limit_retries=2, max_retry_after=30.0, jitter=(0.1, 1.0))
    server.replies = [Reply(429, headers={"Retry-After": "600"})] * 3
    jitters: list[tuple[float, float]] = []
    client = Probe(server.url, jitter=lambda low, high: jitters.append((low, high)) or 0.5)
    failure = failure_of(client, GET, policy)
    assert (failure.kind, failure.status, failure.attempts) == (FailureKind.RATE_LIMITED, 429, 3)
    assert client.sleeps == [30.5, 30.5]
    assert jitters == [(0.1, 1.0), (0.1, 1.0)]


def test_one_shared_budget_counts_outages_and_429s_together(server):
    policy = RetryPolicy(
        backoff=(1.0, 1.0),
        rate_limit_retries=2,
        max_retries=2,
        retried_statuses=ALL_5XX,
        retry_after_on_outage=True,
    )
    server.replies = [Reply(429, headers={"Retry-After": "3"}), Reply(503), Reply(503)]
    client = Probe(server.url)
    assert failure_of(client, GET, policy).status == 503
    assert client.sleeps == [3.0, 1.0]
    server.replies = [Reply(503, headers={"Retry-After": "4"})]
    client.send_json(GET, dict, policy)
    assert client.sleeps == [3.0, 1.0, 4.0]  # the outage's own Retry-After


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        ("0.25", 0.25),
        (None, 1.0),
        ("", 1.0),
        ("soon", 1.0),
        ("-3", 0.0),
        ("120", 30.0),
        (format_datetime(NOW + timedelta(seconds=20), usegmt=True), 20.0),
        (format_datetime(NOW - timedelta(seconds=20), usegmt=True), 0.0),
    ],
)
def test_retry_after_reads_seconds_or_an_http_date_with_a_default_and_a_cap(value, seconds):
    assert retry_after_seconds(value, now=lambda: NOW, default=1.0, cap=30.0) == seconds


# --- JSON -----------------------------------------------------------------------------------


def test_a_200_html_page_is_the_clients_typed_bad_body_error(server):
    server.replies = [Reply(200, "<html>Bad gateway, but 200</html>")]
    failure = failure_of(Probe(server.url), GET)
    assert (failure.kind, failure.status, failure.expected) == (FailureKind.BAD_BODY, 200, dict)
    assert failure.content_type == "text/html"
    assert failure.body.startswith("<html>")
    assert failure.expected_text == "a JSON object"


def test_json_of_the_wrong_shape_is_a_bad_body_error(server):
    server.replies = [Reply(200, {"not": "a list"})]
    with pytest.raises(ProbeError) as raised:
        Probe(server.url).send_json(GET, list)
    assert raised.value.failure.kind == FailureKind.BAD_BODY
    assert raised.value.failure.expected_text == "a JSON list"


# --- redaction ------------------------------------------------------------------------------


def test_no_secret_reaches_a_log_line_at_debug_during_requests(server, caplog):
    """The bot token (a session header), a token in the query string (which urllib3 logs at
    DEBUG with the request line) and the URL quoted by a transport error's traceback."""
    caplog.set_level(logging.DEBUG)
    client = Probe(server.url)
    with_token = Call("GET", "/things", params={"access_token": QUERY_TOKEN, "page": "2"})
    server.replies = [Reply(503), Reply(200, {"ok": True})]
    assert client.send_json(with_token, dict, OUTAGES) == {"ok": True}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = Probe(f"http://127.0.0.1:{sock.getsockname()[1]}")
    failure_of(dead, with_token)

    assert server.authorizations == [f"Bot {BOT_TOKEN}"] * 2  # it was sent, never logged
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # the request lines
    assert any(r.exc_info for r in caplog.records)  # the traceback of the failed call
    assert f"access_token={REDACTED}" in caplog.text
    assert "page=2" in caplog.text  # only the secret goes
    assert BOT_TOKEN not in caplog.text
    assert QUERY_TOKEN not in caplog.text


def test_each_attempt_is_logged_at_debug_with_the_route_template(server, caplog):
    caplog.set_level(logging.DEBUG, logger=Probe.logger.name)
    server.replies = [Reply(503)]
    Probe(server.url).send_json(GET, dict, OUTAGES)
    lines = [r.getMessage() for r in caplog.records if r.name == Probe.logger.name]
    assert [line.split(" (")[0] for line in lines] == [
        "Probe GET /things/{thing_id} -> 503",
        "Probe GET /things/{thing_id} -> 200",
    ]
    assert lines[1].startswith("Probe GET /things/{thing_id} -> 200 (attempt 2, ")


@pytest.mark.parametrize(
    "text",
    [
        "headers={'Authorization': 'Bot abcdefghijkl.mnop'}",
        "Authorization: Bearer abcdef123456",
        "GET /oauth?grant=x&access_token=abc123def456&page=1",
        "https://api.example/x?key=sekrit-value",
        "sent Basic ZmFrZS1pZDpmYWtlLXNlY3JldA==",
    ],
)
def test_redact_removes_authorization_values_schemes_and_token_query_parameters(text):
    cleaned = redact(text)
    assert REDACTED in cleaned
    for secret in ("abcdefghijkl", "abcdef123456", "abc123def456", "sekrit", "ZmFrZS1p"):
        assert secret not in cleaned


@pytest.mark.parametrize(
    "text", ["The bot stopped", "Bot online", "bearer tokens expire", "Basic settings"]
)
def test_redact_leaves_plain_words_after_a_scheme_name(text):
    """Only a credential-looking word is redacted: the bot's own log lines stay readable."""
    assert redact(text) == text


@pytest.mark.parametrize("credential", ["abcdefghijkl.mnop", "abcdefghijklmnopqrstuv", "abc123"])
def test_redact_removes_a_bare_scheme_credential(credential):
    assert redact(f"sent Bot {credential} to Discord") == f"sent Bot {REDACTED} to Discord"


def test_registered_secrets_are_redacted_anywhere_but_short_ones_are_ignored():
    register_secret("a-registered-secret-value")
    register_secret("k")  # a test stub: redacting every "k" would ruin the logs
    assert redact("oops a-registered-secret-value leaked") == f"oops {REDACTED} leaked"
    assert redact("keep kites") == "keep kites"
