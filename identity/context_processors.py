"""The viewer's Player as the template value `viewer` (ACC-45's user menu, ACC-47's welcome).

Lazy: a page that does not render it (the admin) pays nothing; it is the request's cached
Player (identity/services/viewer.py), shared with the navigation's officer rule (one query
per request, ACC-48). None for anonymous visitors and for users without a Player (ACC-45:
username, no rank badge).
"""

from django.utils.functional import SimpleLazyObject

from identity.services.viewer import viewer_player


def viewer(request) -> dict:
    return {"viewer": SimpleLazyObject(lambda: viewer_player(request))}
