"""Account pages and redirects (ACC-11, ACC-13 … ACC-26, ACC-34, ACC-41, ACC-43).

Entry points only: allauth's views with the site's forms and templates, the invite sign-up
calling `redeem_invite`, and the small redirects of the URL map.
"""

from allauth.account.internal import flows
from allauth.account.views import LoginView, SignupView
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.discord.provider import DiscordProvider
from allauth.socialaccount.providers.discord.views import oauth2_callback, oauth2_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_safe

from identity.auth import ratelimit
from identity.auth.forms import InviteSignUpForm
from identity.services import signin
from identity.services.invites import normalize_invite_code, redeem_invite
from identity.services.signin import WELCOME_MESSAGE
from patt.errors import render_error_page
from patt.redirects import safe_next, sign_in_url
from patt.refusals import Refused

FORGOT_PASSWORD_MESSAGE = (
    "Forgot your password? Sign in with Discord, then set a new one under Account."
)
ADMIN_INDEX = "/admin/"
DISCORD_UNAVAILABLE_MESSAGE = (
    "Discord sign-in is not available on this site. Sign in with your username and password."
)


def _next_of(request: HttpRequest, default: str = "") -> str:
    """The request's `next` (GET or POST) when safe (ACC-43), else `default`."""
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), default)


class SignInView(LoginView):
    """`/accounts/login/` (ACC-18 … ACC-20): Discord first, then the password form.

    allauth redirects a signed-in visitor to the safe `next` or `/`, and after a successful
    sign-in does the same; the form class is `ACCOUNT_FORMS["login"]` (`SignInForm`).
    """

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _next_of(self.request)
        return context


@method_decorator(ratelimit.rate_limited(ratelimit.INVITE_REDEEM), name="dispatch")
class InviteSignUpView(SignupView):
    """`/accounts/signup/` (ACC-23 … ACC-26): register with an invite code.

    Every POST counts against `invite_redeem` (check 1); the form does checks 2-4 and
    `redeem_invite` checks 5-10 and stores everything in one transaction. A refusal re-renders
    the form (HTTP 200) with that one message above it.
    """

    form_class = InviteSignUpForm

    def get_form_class(self):
        return InviteSignUpForm

    def get_initial(self) -> dict:
        """`?code=X` pre-fills the code, trimmed and upper-cased; nothing says if it is valid."""
        code = self.request.GET.get("code")
        return {"code": normalize_invite_code(code)} if code else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _next_of(self.request)
        return context

    def form_valid(self, form):
        try:
            redeemed = redeem_invite(
                code=form.cleaned_data["code"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        messages.success(
            self.request, WELCOME_MESSAGE.format(display_name=redeemed.player.display_name)
        )
        return flows.signup.complete_signup(
            self.request, user=redeemed.user, redirect_url=_next_of(self.request, "/")
        )


def discord_sign_in_available(request: HttpRequest) -> bool:
    """Whether a Discord OAuth app is configured, asked the way allauth's views ask (ACC-10).

    Without one (no `DISCORD_CLIENT_ID`, no SocialApp row) allauth's Discord views raise
    `SocialApp.DoesNotExist`, a 500; the site answers `discord_sign_in_unavailable` instead.
    """
    try:
        get_social_adapter().get_app(request, provider=DiscordProvider.id)
    except SocialApp.DoesNotExist:
        return False
    return True


def discord_sign_in_unavailable(request: HttpRequest) -> HttpResponse:
    """Back to the password sign-in, `next` kept when safe, saying why (issue 11 item 8)."""
    messages.error(request, DISCORD_UNAVAILABLE_MESSAGE)
    target = _next_of(request)
    return HttpResponseRedirect(sign_in_url(target) if target else settings.LOGIN_URL)


@login_not_required
@ratelimit.rate_limited(ratelimit.LOGIN)
def discord_login(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """`/accounts/discord/login/`: allauth's Discord view, POSTs counted as `login` (ACC-40)."""
    if not discord_sign_in_available(request):
        return discord_sign_in_unavailable(request)
    return oauth2_login(request, *args, **kwargs)


@login_not_required
def discord_callback(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """`/accounts/discord/login/callback/`: allauth's Discord callback, when Discord sign-in is
    configured (a stale or forged callback after it was switched off is no 500)."""
    if not discord_sign_in_available(request):
        return discord_sign_in_unavailable(request)
    return oauth2_callback(request, *args, **kwargs)


def sign_in_refused(request: HttpRequest, refusal: Refused) -> HttpResponse:
    """The page of a refused Discord sign-in (ACC-14, ACC-15), HTTP 403; nobody is signed in."""
    if refusal.code == signin.NOT_A_MEMBER:
        return not_a_member_page(request)
    if refusal.code == signin.INACTIVE:
        return render(
            request, "account/account_inactive.html", {"message": refusal.message}, status=403
        )
    return render_error_page(request, "errors/403.html", 403, {"message": refusal.message})


def not_a_member_page(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/not_a_member.html", {"next": _next_of(request)}, status=403)


@require_safe
def not_a_member(request: HttpRequest) -> HttpResponse:
    """`/accounts/not-a-member/` (ACC-15): "Not a guild member yet", HTTP 403."""
    return not_a_member_page(request)


def account_page_disabled(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Password reset by email and the email pages are off (ACC-11)."""
    messages.info(request, FORGOT_PASSWORD_MESSAGE)
    return HttpResponseRedirect(settings.LOGIN_URL)


def redirect_keeping_query(target: str):
    """A view answering 302 to `target` with the request's query string (ACC-23, ACC-34)."""

    def view(request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(f"{target}?{query}" if query else target)

    view.__doc__ = f"302 to {target}, query string kept."
    return view


def admin_login(request: HttpRequest) -> HttpResponse:
    """`/admin/login/` (ACC-21): no separate admin password form; off to the site's sign-in.

    Signed-in users without staff access never get here: the admin gate answers 403 first.
    """
    target = safe_next(request, request.GET.get("next"), default=ADMIN_INDEX)
    return HttpResponseRedirect(sign_in_url(target))
