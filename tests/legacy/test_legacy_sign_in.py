"""A member imported with a legacy password signs in with it (issue 14 item 4)."""

import pytest
from django.contrib.auth import get_user_model

from legacy.importer import run_import
from tests.legacy.traps import LEGACY_PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# The project's order (tests/legacy/test_scope.py checks it) with MD5 in PBKDF2's place: the
# upgrade target is whatever hasher comes first, and PBKDF2's 1M iterations are slow here.
WITH_BCRYPT = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]


def test_a_legacy_password_signs_in_on_the_login_page_and_is_upgraded(legacy_url, client, settings):
    settings.PASSWORD_HASHERS = WITH_BCRYPT  # tests/conftest.py forces MD5 for speed
    run_import(legacy_url)
    user = get_user_model().objects.get(username="trogdor")
    assert user.password.startswith("bcrypt$")

    wrong = client.post("/accounts/login/", {"login": "trogdor", "password": "not-it-123"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    response = client.post("/accounts/login/", {"login": "trogdor", "password": LEGACY_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith("md5$")  # upgraded to the first hasher at sign-in
    assert user.check_password(LEGACY_PASSWORD)
