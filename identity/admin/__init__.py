"""The officers' admin for the identity app (IDN-1 … IDN-17, IDN-43, ACC-30, ACC-33).

Admin classes are entry points: they show data and hand every rule to a service
(`identity.services.links`, `.ranks`, `.invites`, `.accounts`), so nothing here re-implements
linking, rank or invite logic. One module per area; importing them registers their admins:

- `mixins`: shared links, count columns, filters, the read-only and refuse-delete mixins
- `reference`: roles, classes, specs and the rank ladder (IDN-1 … IDN-6)
- `characters`: WoW characters and their name history (IDN-8, IDN-9)
- `links`: the player's character rows and the character-link admin (IDN-11, IDN-43)
- `players`: players, their rank and the "Link character" view (IDN-10 … IDN-14, ACC-33)
- `discord`: Discord users (IDN-7)
- `invites`: invite codes (ACC-30)
- `audit`: audit issues with their officer actions, and sync run history (IDN-17, IDN-43)
- `uploads`: addon upload tokens and uploads (UPL-2, UPL-15)
- `sync`: the sync page and worker health (IDN-43, IDN-47), contributed to the admin site
  through the registry (identity/contributions.py)
"""

from identity.admin import (  # noqa: F401
    audit,
    characters,
    discord,
    invites,
    links,
    players,
    reference,
    sync,
    uploads,
)
