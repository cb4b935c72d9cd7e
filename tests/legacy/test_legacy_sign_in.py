"""A member imported with a legacy password signs in with it (issue 14 item 4)."""

import pytest
from django.contrib.auth import get_user_model

from legacy.importer import run_import
from tests.legacy.traps import LEGACY_PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WITH_BCRYPT = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
    assert user.password.startswith("pbkdf2_sha256$")  # upgraded at sign-in
    assert user.check_password(LEGACY_PASSWORD)


def test_the_project_settings_accept_bcrypt_with_pbkdf2_first():
    """The real settings (not the tests' MD5 override): PBKDF2 default, bcrypt accepted."""
    from patt import settings as project

    assert project.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")
    assert "django.contrib.auth.hashers.BCryptPasswordHasher" in project.PASSWORD_HASHERS
    assert "django.contrib.auth.hashers.BCryptSHA256PasswordHasher" in project.PASSWORD_HASHERS
