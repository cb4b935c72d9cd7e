"""Error pages, error ids and JSON errors under /api/ (ACC-49, ACC-50, ACC-51, ACC-62).

This module is also the test URLconf: the site's URLs plus a few views that fail on purpose.
The error handlers are the site's own, taken from `patt.urls`.
"""

import json
import logging
import re

import pytest
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.test import Client
from django.urls import path

from patt import urls as patt_urls
from patt.models import SiteConfig, clear_site_config_cache
from tests.factories import PlayerFactory, UserFactory, rank
from tests.site.test_health import database_unreachable
from tests.site.test_pages import text_of


def _boom(request):
    raise RuntimeError("kaboom: secret internals")


def _not_found_with_message(request):
    raise Http404("Campaign not found.")


def _denied(request):
    raise PermissionDenied


def _denied_with_message(request):
    raise PermissionDenied("Officers only.")


def _bad_request(request):
    raise BadRequest("Missing field: title.")


def _suspicious(request):
    raise SuspiciousOperation("Invalid header: internal detail")


def _bare_forbidden(request):
    return HttpResponseForbidden("<h1>nope</h1>")


def _own_json_error(request):
    return JsonResponse({"ok": False, "error": "Campaign not found."}, status=404)


urlpatterns = [
    *patt_urls.urlpatterns,
    path("test/boom", _boom),
    path("test/missing", _not_found_with_message),
    path("test/denied", _denied),
    path("test/denied-message", _denied_with_message),
    path("test/bad", _bad_request),
    path("test/suspicious", _suspicious),
    path("api/test/boom", _boom),
    path("api/test/denied", _denied),
    path("api/test/denied-message", _denied_with_message),
    path("api/test/bad", _bad_request),
    path("api/test/suspicious", _suspicious),
    path("api/test/bare-forbidden", _bare_forbidden),
    path("api/test/own-json", _own_json_error),
]
handler400 = patt_urls.handler400
handler403 = patt_urls.handler403
handler404 = patt_urls.handler404
handler500 = patt_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def client():
    """A client that returns the 500 response instead of re-raising the view's exception."""
    client = Client()
    client.raise_request_exception = False
    return client


def api_json(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return json.loads(response.content)


# --- ACC-49 HTML error pages ----------------------------------------------------------------


def test_acc49_400_page_copy(client):
    for url in ("/test/bad", "/test/suspicious"):
        response = client.get(url)

        assert response.status_code == 400
        text = text_of(response)
        assert "Bad request Something about that request didn't make sense." in text
        assert "internal detail" not in text
        assert "<title>Bad request · PATT</title>" in response.content.decode()


def test_acc49_403_page_default_and_specific_message(client):
    default = client.get("/test/denied")
    specific = client.get("/test/denied-message")

    assert default.status_code == specific.status_code == 403
    assert "Access denied You don't have permission to view this page." in text_of(default)
    assert "Access denied Officers only." in text_of(specific)


def test_acc49_csrf_failure_page(client):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/", {"anything": "1"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "This form expired. Go back, reload the page and try again." in text_of(response)


def test_acc49_404_page_with_home_and_js_only_back(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>You've wandered into uncharted territory…</h1>" in html
    assert '<a class="btn btn-primary" href="/">Home</a>' in html
    # Back needs JS: the button ships hidden and the static script reveals it.
    assert '<button type="button" class="btn btn-ghost" data-history-back hidden>Back</button>' in (
        html
    )


def test_acc49_404_page_shows_a_views_specific_message(client):
    response = client.get("/test/missing")

    assert response.status_code == 404
    assert "uncharted territory… Campaign not found." in text_of(response)


def test_acc49_error_pages_use_the_site_layout(client):
    for url, status in (("/test/bad", 400), ("/test/denied", 403), ("/nope", 404)):
        response = client.get(url)
        html = response.content.decode()

        assert response.status_code == status
        assert '<a class="skip-link" href="#main">' in html
        assert '<footer class="site-footer">' in html


# --- ACC-50 error id ------------------------------------------------------------------------


def test_acc50_500_page_shows_logged_error_id(client, caplog):
    config = SiteConfig.get()
    config.contact_name = "Rocket"
    config.save()

    with caplog.at_level(logging.ERROR):
        response = client.get("/test/boom?x=1")

    assert response.status_code == 500
    text = text_of(response)
    assert "Something broke. Blame Rocket." in text
    error_id = re.search(r"Error id: ([0-9a-f]+)", text).group(1)
    assert re.fullmatch(r"[0-9a-f]{8}", error_id)
    assert "kaboom" not in text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, "one ERROR line per failure, the one with the id"
    record = errors[0]
    assert record.name == "patt.errors"
    assert error_id in record.getMessage()
    assert "GET /test/boom" in record.getMessage()
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)


def test_acc50_error_ids_differ_per_failure(client):
    first = re.search(r"Error id: ([0-9a-f]{8})", text_of(client.get("/test/boom"))).group(1)
    second = re.search(r"Error id: ([0-9a-f]{8})", text_of(client.get("/test/boom"))).group(1)

    assert first != second


def test_acc50_500_page_renders_with_database_down(client, caplog):
    config = SiteConfig.get()
    config.contact_name = "Rocket"
    config.save()
    clear_site_config_cache()

    with caplog.at_level(logging.ERROR), database_unreachable():
        response = client.get("/test/boom")

    assert response.status_code == 500
    text = text_of(response)
    # SiteConfig could not be read: the defaults stand in (ACC-50).
    assert "Something broke. Blame Trog." in text
    error_id = re.search(r"Error id: ([0-9a-f]{8})", text).group(1)
    assert any(error_id in r.getMessage() for r in caplog.records if r.name == "patt.errors")
    assert "Pull All The Things · Real life first, zero toxicity" in text


def test_acc50_500_page_renders_for_signed_in_user_with_database_down(client, caplog):
    user = UserFactory(username="member")
    PlayerFactory(display_name="Member", user=user, guild_rank=rank("Officer"))
    client.force_login(user)
    clear_site_config_cache()

    with database_unreachable():
        response = client.get("/test/boom")

    assert response.status_code == 500
    text = text_of(response)
    assert "Something broke. Blame Trog." in text
    assert re.search(r"Error id: [0-9a-f]{8}", text)
    # The session could not be loaded, so the page falls back to the anonymous layout.
    assert "Sign in" in text


# --- ACC-51 JSON errors under /api/ ---------------------------------------------------------


def test_acc51_unknown_api_path_is_json_404(client):
    for url in ("/api/nope", "/api/v1/unknown/thing", "/api/health/"):
        response = client.get(url)

        assert response.status_code == 404
        assert api_json(response) == {"ok": False, "error": "Not found."}


def test_acc51_api_500_is_json_with_logged_error_id(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/test/boom")

    assert response.status_code == 500
    body = api_json(response)
    assert body["ok"] is False
    assert body["error"] == "Internal server error."
    assert re.fullmatch(r"[0-9a-f]{8}", body["error_id"])
    assert set(body) == {"ok", "error", "error_id"}
    assert any(body["error_id"] in r.getMessage() for r in caplog.records)


def test_acc51_api_403_forbidden_or_specific_message(client):
    assert api_json(client.get("/api/test/denied")) == {"ok": False, "error": "Forbidden."}
    assert api_json(client.get("/api/test/denied-message")) == {
        "ok": False,
        "error": "Officers only.",
    }


def test_acc51_api_400_specific_message_but_never_suspicious_details(client):
    bad = client.get("/api/test/bad")
    suspicious = client.get("/api/test/suspicious")

    assert bad.status_code == suspicious.status_code == 400
    assert api_json(bad) == {"ok": False, "error": "Missing field: title."}
    assert api_json(suspicious) == {"ok": False, "error": "Bad request."}


def test_acc51_api_csrf_failure_is_json(client):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post("/api/health", data="{}", content_type="application/json")

    assert response.status_code == 403
    assert api_json(response) == {
        "ok": False,
        "error": "CSRF check failed. Reload the page and try again.",
    }


def test_acc51_api_405_is_json_and_keeps_allow(client):
    response = client.put("/api/health")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert api_json(response) == {"ok": False, "error": "Method not allowed."}


def test_acc51_returned_html_error_under_api_becomes_json(client):
    response = client.get("/api/test/bare-forbidden")

    assert response.status_code == 403
    assert api_json(response) == {"ok": False, "error": "Forbidden."}


def test_acc51_api_views_own_json_error_is_kept(client):
    response = client.get("/api/test/own-json")

    assert response.status_code == 404
    assert api_json(response) == {"ok": False, "error": "Campaign not found."}


def test_acc51_html_paths_outside_api_stay_html(client):
    response = client.get("/apifoo/nope")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
