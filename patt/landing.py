"""The landing page's own reads (ACC-47): what patt knows itself, the hero image.

Every other section comes from an app through the registry (`LandingSection`).
"""

from patt.models import SiteConfig


def hero_image_src(config: SiteConfig) -> str:
    """ACC-47 #1: the uploaded hero image wins over `hero_image_url`; blank when neither."""
    if config.hero_image:
        return config.hero_image.url
    return config.hero_image_url
