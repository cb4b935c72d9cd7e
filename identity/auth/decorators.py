"""Gates for the site's own officer pages outside the Django admin (ACC-39)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from identity.models import GuildRank
from identity.services.viewer import viewer_level


def officer_required(view):
    """ACC-39: anonymous → 302 to `/accounts/login/?next=<path>`; signed in below officer level
    (ACC-1, ACC-2: viewer level ≥ 4) → the themed 403 page; officers get the view."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if viewer_level(request) < GuildRank.OFFICER_LEVEL:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
