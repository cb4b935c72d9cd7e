"""Persistent, health-checked database connections are the production default (issue 17 item 6).

A fresh interpreter per case (see `test_settings.load_settings`), so each sees exactly the
settings a process started with that environment would.
"""

from tests.site.test_settings import PRODUCTION, load_settings


def test_production_keeps_connections_60_seconds_and_checks_them_before_reuse():
    db = load_settings(**PRODUCTION)["db"]
    assert (db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]) == (60, True)


def test_development_closes_each_connection_after_the_request():
    # runserver starts a thread per request: a kept connection would never be reused.
    assert load_settings()["db"]["CONN_MAX_AGE"] == 0


def test_db_conn_max_age_overrides_the_default_either_way():
    assert load_settings(**PRODUCTION, DB_CONN_MAX_AGE="0")["db"]["CONN_MAX_AGE"] == 0
    assert load_settings(DB_CONN_MAX_AGE="30")["db"]["CONN_MAX_AGE"] == 30
