"""allauth adapters: thin hooks that hand the decisions to the identity services.

`AccountAdapter` (ACCOUNT_ADAPTER): safe `next` (ACC-43), the sign-in error message (ACC-19),
the officer rule at every sign-in (ACC-36) and the 429 for repeated failures (ACC-41).
`SocialAccountAdapter` (SOCIALACCOUNT_ADAPTER): Discord sign-in resolution (ACC-14) and the
connect rule (ACC-17).
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse

from identity.auth import ratelimit
from identity.auth.views import sign_in_refused
from identity.services.accounts import sync_officer_access
from identity.services.signin import (
    CONNECT_MISMATCH_MESSAGE,
    discord_connect_allowed,
    resolve_discord_sign_in,
)
from patt.redirects import is_safe_next
from patt.refusals import Refused

INVALID_LOGIN_MESSAGE = "Invalid username or password."


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # ACC-19: one message whatever failed (unknown user, wrong password, no account).
        "username_password_mismatch": INVALID_LOGIN_MESSAGE,
    }

    def is_safe_url(self, url: str) -> bool:
        """ACC-43 for every `next` allauth follows (login, signup, logout, Discord state)."""
        return is_safe_next(context.request, url)

    def is_open_for_signup(self, request) -> bool:
        """Password sign-up is open, gated by an invite code (ACC-23 … ACC-26)."""
        return True

    def login(self, request, user) -> None:
        """ACC-36: the officer rule runs at every sign-in."""
        super().login(request, user)
        sync_officer_access(user)

    def pre_authenticate(self, request, **credentials) -> None:
        """ACC-41: over `login_failed`, the attempt stops with the themed 429 page.

        allauth raises its "too many login attempts" form error here; a 429 page is what the
        specification asks for, so the error becomes an immediate response.
        """
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ImmediateHttpResponse(
                ratelimit.too_many_attempts(request, ratelimit.LOGIN_FAILED_MESSAGE)
            ) from None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        """Accounts come from ACC-14's table only (`pre_social_login` connects every user it
        accepts), never from allauth's own social sign-up."""
        return False

    def pre_social_login(self, request, sociallogin) -> None:
        if sociallogin.account.provider != "discord":
            return
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            self._check_connect(request, sociallogin)
            return
        account = sociallogin.account
        connected_user_id = account.user_id if account.pk else None
        try:
            with transaction.atomic():
                outcome = resolve_discord_sign_in(
                    discord_id=account.uid,
                    discord_username=str(account.extra_data.get("username") or ""),
                    connected_user_id=connected_user_id,
                )
                if account.pk is None:
                    sociallogin.connect(request, outcome.user)
        except Refused as refusal:
            raise ImmediateHttpResponse(sign_in_refused(request, refusal)) from None
        sociallogin.user = outcome.user
        if outcome.welcome_message:
            messages.success(request, outcome.welcome_message)

    def _check_connect(self, request, sociallogin) -> None:
        """ACC-17: only the Discord account of the user's own Player may be connected."""
        user = request.user
        if not user.is_authenticated:
            return  # allauth refuses connecting for anonymous visitors itself
        if not discord_connect_allowed(user, discord_id=sociallogin.account.uid):
            messages.error(request, CONNECT_MISMATCH_MESSAGE)
            raise ImmediateHttpResponse(HttpResponseRedirect(reverse("socialaccount_connections")))
