"""Settings come from the environment only (issue #2 item 2, ACC-57, ACC-58, IDN-47).

Each case imports the settings module in a fresh interpreter with a controlled environment,
so the test sees exactly what a process started that way would.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json; from patt import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default'], 'q': s.Q_CLUSTER, 'debug': s.DEBUG, "
    "'cache': s.CACHES['default']['BACKEND'], 'hsts': getattr(s, 'SECURE_HSTS_SECONDS', 0), "
    "'ssl': getattr(s, 'SECURE_SSL_REDIRECT', False), "
    "'storage': s.STORAGES['staticfiles']['BACKEND']}, default=str))"
)
PRODUCTION = {
    "APP_ENV": "production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "patt.example",
    "SITE_URL": "https://patt.example",
}


def clean_env(**overrides) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "DJANGO_SETTINGS_MODULE": "patt.settings", **overrides}


def load_settings(**env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_no_environment_gives_sqlite_debug_orm_broker_and_database_cache():
    loaded = load_settings()
    assert loaded["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["db"]["NAME"].endswith("db.sqlite3")
    assert loaded["debug"] is True
    assert loaded["q"]["orm"] == "default"
    assert "redis" not in loaded["q"]
    assert loaded["cache"] == "django.core.cache.backends.db.DatabaseCache"


def test_database_url_selects_postgresql():
    loaded = load_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/patt")
    assert loaded["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["db"]["NAME"] == "patt"


def test_idn47_q_cluster_timeout_below_retry_one_attempt_no_catch_up():
    q = load_settings()["q"]
    assert 0 < q["timeout"] < q["retry"]
    assert q["max_attempts"] == 1
    assert q["catch_up"] is False


def test_redis_url_moves_broker_and_cache_to_redis():
    loaded = load_settings(REDIS_URL="redis://127.0.0.1:6379/0")
    assert loaded["q"]["redis"] == "redis://127.0.0.1:6379/0"
    assert "orm" not in loaded["q"]
    # issue 17: a Redis cache that degrades to an empty one while Redis is away
    assert loaded["cache"] == "patt.cache.ResilientRedisCache"


@pytest.mark.parametrize("switch", ["APP_ENV", "DJANGO_ENV"])
def test_acc57_production_switch_turns_on_hardening(switch):
    env = {**PRODUCTION}
    del env["APP_ENV"]
    loaded = load_settings(**{switch: "production"}, **env)
    assert loaded["debug"] is False
    assert loaded["ssl"] is True
    assert loaded["hsts"] == 31536000
    assert loaded["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_acc57_production_refuses_to_start_without_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env(APP_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_acc58_check_deploy_has_no_warnings_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_env(**PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_every_environment_variable_is_documented():
    """Each variable settings.py reads appears in .env.example and in the README."""
    source = (ROOT / "patt" / "settings.py").read_text()
    names = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert {"DATABASE_URL", "REDIS_URL", "APP_ENV", "DJANGO_SECRET_KEY"} <= names
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    assert [n for n in sorted(names) if n not in example] == []
    assert [n for n in sorted(names) if f"`{n}`" not in readme] == []


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """A model change without its migration fails here, not in production."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
