"""The roster's part of the landing page: the Recruiting block (ACC-47 #5, ROS-28).

The lines use the same role rules (ROS-3, ROS-4) and role cards as the Composition tab of
`/roster-view`, so the page and the landing block never disagree; the landing page reads the
mains as plain values (`main_role_counts`), which stays fast for a guild of any size. Constant
queries: the roster links (one; specs and roles add two when anyone is on the roster);
SiteConfig is cached per process.
"""

from roster.services.composition import recruiting_needs, role_targets
from roster.services.population import main_role_counts


def recruiting_needs_lines() -> list[str]:
    """ROS-28: the roles below their minimum, e.g. "Healers — we have 3, want 4-5".

    While nobody has joined the raid roster the counts say nothing about the guild (every
    role would read "we have 0"), so the block keeps its friendly fallback line instead.
    """
    counts = main_role_counts()
    if not any(counts.values()):
        return []
    return recruiting_needs(role_targets(counts))
