"""The one sign-in gate of the site's own pages outside the Django admin (ACC-39).

`signin_required` for member pages, `officer_required` for officer pages: anonymous visitors
are sent to sign in with the page as `next` (safe by construction: the request's own path);
signed-in visitors below the officer rule (`identity.services.viewer`, ACC-2) get the themed
403 page.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from identity.services.viewer import is_officer
from patt.redirects import sign_in_url

View = Callable[..., HttpResponse]


def sign_in_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """ACC-39: 302 to `/accounts/login/?next=<this page, query string included>`."""
    return HttpResponseRedirect(sign_in_url(request.get_full_path()))


def signin_required(view: View) -> View:
    """Member pages: anonymous → sign in with `next`; signed-in users get the view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return sign_in_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def officer_required(view: View) -> View:
    """ACC-39: anonymous → sign in with `next`; signed in but not an officer (ACC-2, the
    viewer's `is_officer`) → the themed 403 page; officers get the view."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return sign_in_redirect(request)
        if not is_officer(request):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
