"""The roster's part of the landing page: the Recruiting block (ACC-47 #5, ROS-28).

The lines come from the same composition function as the Composition tab of `/roster-view`,
so the page and the landing block never disagree. Constant queries: the roster read (three; one
while the roster is empty) and the classes (one); SiteConfig is cached per process.
"""

from roster.services.composition import composition_summary, recruiting_needs
from roster.services.population import roster_entries


def recruiting_needs_lines() -> list[str]:
    """ROS-28: the roles below their minimum, e.g. "Healers — we have 3, want 4-5".

    While nobody has joined the raid roster the counts say nothing about the guild (every
    role would read "we have 0"), so the block keeps its friendly fallback line instead.
    """
    entries = roster_entries()
    if not entries:
        return []
    return recruiting_needs(composition_summary(entries))
