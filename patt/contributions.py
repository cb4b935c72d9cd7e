"""What patt itself contributes to the registry (patt/registry.py): the Home and Admin
navigation items, and officer permissions on SiteConfig, Mito's Corner and django-q2."""

from patt.registry import NavItem, OfficerPermissions, anyone, staff


def contributions() -> list:
    return [
        # ACC-45: "Home" first, "Admin" last; the apps' items sit in between.
        NavItem("Home", "landing", "anyone", order=10, shown_to=anyone),
        NavItem("Admin", "admin:index", "staff", order=100, shown_to=staff),
        # ACC-38: every permission of patt's models, but SiteConfig is view + change only,
        # never add or delete (ACC-5).
        OfficerPermissions("patt", view_change=frozenset({"siteconfig"})),
        # ACC-38: django-q2's tasks and schedules (the schedules are patt's): view only.
        OfficerPermissions("django_q", all_view_only=True),
    ]
