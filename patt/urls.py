"""The URL map of the site (ACC-62: site page and API paths have no trailing slash)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from identity.auth import views as account_views
from identity.uploads.views import legacy_addon_upload
from patt import views

# Accounts (ACC-11 … ACC-34): the site's views in front of allauth's on the same paths, so
# allauth's URL names keep resolving to them.
account_urlpatterns = [
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

urlpatterns = [
    path("", views.landing, name="landing"),
    path("api/health", views.health, name="health"),
    path("theme.css", views.theme_css, name="theme-css"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    *account_urlpatterns,
    path("", include("campaigns.urls")),
    path("api/v1/", include("campaigns.api_urls")),
    path("api/v1/guild-sync/", include("identity.api_urls")),
    # The legacy companion's upload path: 410 naming the new companion (issue 11 item 15).
    re_path(r"^api/guild-sync/addon-upload/?$", legacy_addon_upload, name="legacy-addon-upload"),
    path("", include("roster.urls")),
    path("api/v1/guild/", include("roster.api_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(
        path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    )

# ACC-49 … ACC-51: themed pages, JSON under /api/.
handler400 = "patt.errors.bad_request"
handler403 = "patt.errors.permission_denied"
handler404 = "patt.errors.page_not_found"
handler500 = "patt.errors.server_error"
# ACC-41: allauth renders every rate-limit refusal through this (themed 429, WARNING log).
handler429 = "identity.auth.ratelimit.handler429"
