"""Fixtures of the addon upload API tests (UPL-1 … UPL-15)."""

import pytest
from django.core.cache import cache
from django_q.conf import Conf

from identity.uploads.tokens import create_token


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Rate limits count in the cache: a fresh local one per test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "patt-upload-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 reads Q_CLUSTER once, at import, into `Conf`: switch sync mode on there."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def new_token(db):
    return create_token(name="Trog's gaming PC")


@pytest.fixture
def secret(new_token) -> str:
    return new_token.secret
