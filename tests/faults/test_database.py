"""Fault suite, the database (issue 17 item 3): the connection drops under a request, between
requests, or the database cannot be reached at all.

Pages answer the themed 503 (`templates/errors/503.html`), never the 500 page; `/api/`
answers the JSON 503 envelope; `/api/health` says 503; the next request after the database
answers again works, with nothing to restart. Each test prints its figure.

Requests go through Django's real WSGI handler (tests/faults/support.py), so the connection
housekeeping of a production request runs; that handler closes connections at the end of a
request, hence the transactional tests.
"""

import json

import pytest
from django.db import connection
from django.test import Client

from patt.memo import clear_memos
from tests.faults.support import Answer, database_unreachable, terminate_backend, wsgi_get

TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PAGES = ("/", "/roster-view", "/campaigns")
API = ("/api/v1/campaigns",)


def as_answer(response) -> Answer:
    return Answer(response.status_code, dict(response.items()), response.content)


def assert_themed_503(answer, path):
    assert answer.status == 503, f"{path}: {answer.status}"
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.headers["Retry-After"] == "30"
    assert "Back in a moment" in answer.text
    assert '<footer class="site-footer">' in answer.text, "the site layout, not a bare page"
    assert "Something broke" not in answer.text, "never the 500 page"


def assert_json_503(answer, path):
    assert answer.status == 503, f"{path}: {answer.status}"
    body = json.loads(answer.body)
    assert body["ok"] is False and body["error"]


@pytest.fixture
def persistent_connection():
    """Persistent, health-checked connections, as production runs them (issue 17 item 6)."""
    saved = connection.settings_dict["CONN_MAX_AGE"], connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_MAX_AGE"] = 600
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    yield
    connection.settings_dict["CONN_MAX_AGE"], connection.settings_dict["CONN_HEALTH_CHECKS"] = saved


@pytest.mark.django_db
def test_database_unreachable_pages_say_503_and_the_next_request_works():
    """No database at all (a restart, a network cut): every page a themed 503, every JSON
    endpoint and the health check a JSON 503; once it answers, the very next request is 200.
    (The test client: the test's own connection and transaction stay untouched.)"""
    client = Client(raise_request_exception=False)  # answer as production does
    with database_unreachable():
        answers = {path: as_answer(client.get(path)) for path in (*PAGES, *API, "/api/health")}
    for path in PAGES:
        assert_themed_503(answers[path], path)
    for path in (*API, "/api/health"):
        assert_json_503(answers[path], path)
    assert json.loads(answers["/api/health"].body)["data"]["db"] == "disconnected"

    paths = (*PAGES, *API, "/api/health")
    failed_after = [path for path in paths if client.get(path).status_code != 200]
    assert failed_after == []
    print(
        f"database down: {len(answers)} requests answered 503, 0 answered 500; "
        "recovered after 0 requests"
    )


@pytest.mark.postgres
@TRANSACTIONAL
def test_connection_dropped_under_a_request_gives_503_then_recovers(persistent_connection):
    """The server kills the request's connection between two of its queries: that request
    answers 503, the next one reconnects and answers 200."""
    for path in (*PAGES, *API):
        wsgi_get(path)  # a live persistent connection, as in production
        fired = []

        def kill_on_second_query(execute, sql, params, many, context, fired=fired):
            fired.append(sql)
            if len(fired) == 2:
                return execute(
                    "SELECT pg_terminate_backend(pg_backend_pid())", None, False, context
                )
            return execute(sql, params, many, context)

        clear_memos()  # the landing page reads its kept blocks again: several queries
        with connection.execute_wrapper(kill_on_second_query):
            dropped = wsgi_get(path)
        assert len(fired) >= 2, f"{path} made fewer than two queries"
        if path.startswith("/api/"):
            assert_json_503(dropped, path)
        else:
            assert_themed_503(dropped, path)
        requests_to_recover = 0
        while wsgi_get(path).status != 200:
            requests_to_recover += 1
            assert requests_to_recover < 3, f"{path} did not recover"
        assert requests_to_recover == 0
        print(f"connection dropped under {path}: 503, recovered after 1 request")


@pytest.mark.postgres
@TRANSACTIONAL
def test_connection_dropped_between_requests_is_replaced_unseen(persistent_connection):
    """The kept connection dies while idle: the health check at the start of the next request
    (CONN_HEALTH_CHECKS) replaces it, so no visitor sees an error at all."""
    failures = 0
    for path in (*PAGES, *API, "/api/health"):
        assert wsgi_get(path).status == 200
        pid = connection.connection.info.backend_pid
        terminate_backend(pid)
        answer = wsgi_get(path)
        failures += answer.status != 200
        assert answer.status == 200, f"{path}: {answer.status}"
        assert connection.connection.info.backend_pid != pid, "a new connection"
    assert failures == 0
    print("connection dropped between requests: 0 failed requests")
