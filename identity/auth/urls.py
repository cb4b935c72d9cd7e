"""Accounts (ACC-11 … ACC-34), mounted at the site's root (identity/contributions.py).

The site's views sit in front of allauth's on the same paths, so allauth's URL names keep
resolving to them.
"""

from django.urls import include, path, re_path

from identity.auth import views as account_views

urlpatterns = [
    path("accounts/login/", account_views.SignInView.as_view()),
    path("accounts/signup/", account_views.InviteSignUpView.as_view()),
    path("accounts/discord/login/", account_views.discord_login),
    path("accounts/discord/login/callback/", account_views.discord_callback),
    path("accounts/not-a-member/", account_views.not_a_member, name="account_not_a_member"),
    # ACC-11: no password reset by email, no email management.
    re_path(r"^accounts/password/reset/", account_views.account_page_disabled),
    re_path(r"^accounts/email/", account_views.account_page_disabled),
    re_path(r"^accounts/confirm-email/", account_views.account_page_disabled),
    path("accounts/", include("allauth.urls")),
    # ACC-23, ACC-34: short paths, query string kept.
    path("login", account_views.redirect_keeping_query("/accounts/login/"), name="login"),
    path("register", account_views.redirect_keeping_query("/accounts/signup/"), name="register"),
    path("logout", account_views.redirect_keeping_query("/accounts/logout/"), name="logout"),
    # ACC-21: the admin has no password form of its own.
    path("admin/login/", account_views.admin_login, name="admin-login-redirect"),
]
