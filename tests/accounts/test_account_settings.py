"""The account settings (ACC-9, ACC-10, ACC-12, ACC-56)."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def test_acc10_allauth_settings():
    assert {"username"} == settings.ACCOUNT_LOGIN_METHODS
    assert settings.ACCOUNT_SIGNUP_FIELDS == ["username*", "password1*", "password2*"]
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "none"
    assert settings.ACCOUNT_PRESERVE_USERNAME_CASING is False
    assert settings.ACCOUNT_SESSION_REMEMBER is True
    assert settings.SOCIALACCOUNT_AUTO_SIGNUP is True
    assert settings.SOCIALACCOUNT_LOGIN_ON_GET is False
    assert settings.SOCIALACCOUNT_PROVIDERS["discord"]["SCOPE"] == ["identify"]
    assert settings.LOGIN_URL == "/accounts/login/"
    assert settings.LOGIN_REDIRECT_URL == "/"
    assert settings.ACCOUNT_ADAPTER == "identity.auth.adapters.AccountAdapter"
    assert settings.SOCIALACCOUNT_ADAPTER == "identity.auth.adapters.SocialAccountAdapter"


def test_acc12_min_length_message_and_django_validators():
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    with pytest.raises(ValidationError) as short:
        validate_password("Ab1!xyz")
    assert short.value.messages == ["Password must be at least 8 characters."]


def test_acc56_session_cookie_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 24 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False


def test_acc9_account_tests_use_a_local_memory_cache():
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
