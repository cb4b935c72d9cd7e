"""The officers' admin for campaigns (CMP-10 … CMP-16, CMP-58).

Entry points only: lifecycle moves are `campaigns.services.lifecycle`, counts are
`campaigns.services.stats`. One module per area; importing them registers their admins:

- `actions`: the CMP-15 actions (messages, confirm texts, which button shows when)
- `inlines`: entries, receipts and the agent log on the campaign page
- `campaigns`: the campaign list, form, read-only page, buttons and confirm pages
- `records`: ballots (view-only, secret ones never listed) and the agent log list
"""

from campaigns.admin import campaigns, records  # noqa: F401
