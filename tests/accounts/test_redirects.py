"""Safe `next` redirects (ACC-43)."""

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context
from django.test import RequestFactory

from patt.redirects import is_safe_next, safe_next


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/vote/3", "/vote/3"),
        ("/vote/3?tab=results#top", "/vote/3?tab=results#top"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/x", "/"),
        ("http://testserver/vote/3", "/"),  # absolute, even to this host: not a relative path
        ("vote/3", "/"),
        ("", "/"),
        (None, "/"),
        ("/\t/evil.example", "/"),
    ],
)
def test_acc43_safe_next_table(rf, candidate, expected):
    assert safe_next(rf.get("/"), candidate) == expected


def test_acc43_fallback_is_the_callers_default(rf):
    assert safe_next(rf.get("/"), "//evil.example", default="/admin/") == "/admin/"


def test_acc43_https_request_keeps_relative_paths(rf):
    request = rf.get("/", secure=True)

    assert is_safe_next(request, "/vote/3")


@pytest.mark.parametrize(
    ("candidate", "safe"),
    [("/vote/3", True), ("//evil.example", False), ("https://testserver/", False)],
)
def test_acc43_allauth_follows_only_safe_next(candidate, safe):
    request = RequestFactory().get("/")
    with context.request_context(request):
        assert get_adapter(request).is_safe_url(candidate) is safe
