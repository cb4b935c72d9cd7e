"""The "Vote" navigation item (ACC-45), as the context value `nav_vote`.

Lazy: nothing is queried unless a template reads `nav_vote` (the admin never does); pages that
already built their live-campaign cards (landing, `/campaigns`) share them with the item.
"""

from django.utils.functional import SimpleLazyObject

from campaigns.landing import nav_vote as _nav_vote


def nav_vote(request) -> dict:
    """`nav_vote`: an object with `url` and `needs_vote`, falsy when there is no live campaign
    the viewer may see (see patt/context_processors.py for the contract)."""
    return {"nav_vote": SimpleLazyObject(lambda: _nav_vote(request))}
