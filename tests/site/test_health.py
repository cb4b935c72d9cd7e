"""GET/HEAD /api/health (ACC-52), including a real unreachable database."""

import json
import logging

import pytest

import patt
from tests.faults.support import database_unreachable

pytestmark = pytest.mark.django_db


def test_acc52_health_ok_shape(client):
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "ok": True,
        "data": {"db": "connected", "version": patt.__version__},
    }


def test_acc52_health_is_no_store_and_writes_no_session(client):
    response = client.get("/api/health")

    assert response["Cache-Control"] == "no-store"
    assert not response.cookies, "no session or CSRF cookie is set"
    assert "Cookie" not in response.get("Vary", ""), "the session was never touched"


def test_acc52_health_needs_no_auth_even_with_a_session(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("someone"))

    response = client.get("/api/health")

    assert response.status_code == 200
    assert not response.cookies


def test_acc52_health_head(client):
    response = client.head("/api/health")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.content == b""


def test_acc52_health_503_when_database_unreachable(client, caplog):
    with caplog.at_level(logging.ERROR, logger="patt.views"), database_unreachable():
        response = client.get("/api/health")

    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert body == {
        "ok": False,
        "error": "Database unavailable",
        "data": {"db": "disconnected", "version": patt.__version__},
    }
    logged = [r for r in caplog.records if r.name == "patt.views" and r.levelno == logging.ERROR]
    assert len(logged) == 1
    assert "database unavailable" in logged[0].getMessage()
    # The logged detail is the backend's own error text; the response never carries it.
    detail = logged[0].getMessage().split("database unavailable: ", 1)[1]
    assert detail
    assert detail not in response.content.decode()


def test_acc52_health_recovers_when_database_is_back(client):
    with database_unreachable():
        assert client.get("/api/health").status_code == 503

    assert client.get("/api/health").status_code == 200


def test_acc52_health_head_503_when_database_unreachable(client):
    with database_unreachable():
        response = client.head("/api/health")

    assert response.status_code == 503


def test_acc51_health_rejects_post_with_json_405(client):
    response = client.post("/api/health")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json.loads(response.content) == {"ok": False, "error": "Method not allowed."}
