"""Template context shared by every page."""

from patt.models import SiteConfig


def site(request):
    """The guild's configuration as `site` (ACC-44)."""
    return {"site": SiteConfig.get()}
