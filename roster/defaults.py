"""The seven seeded guild event templates (ROS-52), also what "Reset to defaults" restores (ROS-39).

The seeding migration and the planner's "Reset to defaults" both write them through
`write_event_templates`, so a reset always matches the first seed.
"""

RAID_HELPER_TEMPLATE = "wowretail2"

# key, icon, name, default title, description
EVENT_TEMPLATES = [
    (
        "old_raids",
        "🏰",
        "Old Raids",
        "Old Raid Night",
        "We're clearing legacy raids for transmog, mounts and achievements. Bring any "
        "character, any level of gear — it's about the loot pinatas and the laughs.",
    ),
    (
        "achievements",
        "🏆",
        "Achievements",
        "Achievement Run",
        "Group achievement night! The list of what we're chasing is posted in Discord — come "
        "help a guildie finally get that one they've been missing.",
    ),
    (
        "mythic_plus",
        "🔑",
        "Mythic+",
        "Mythic+ Night",
        "Guild keys night: every key level is welcome, from a first +2 to pushing your best. "
        "Let's fill everyone's vault together.",
    ),
    (
        "pvp",
        "⚔️",
        "PvP",
        "PvP Night",
        "Battlegrounds, arena or a bit of world PvP. All skill levels welcome — we win "
        "together, we lose together, we laugh either way.",
    ),
    (
        "farming",
        "🌾",
        "Farming",
        "Farming Event",
        "Farming materials or reputation together, because grinding is better with friends. "
        "The spot is in Discord.",
    ),
    (
        "social",
        "🎉",
        "Social",
        "Social Night",
        "No fixed plan: hang out, chat, show off your transmog and see where the night goes.",
    ),
    ("other", "✨", "Other", "Guild Event", "Guild event! Details in Discord."),
]


def write_event_templates(model, *, reset: bool) -> None:
    """Create the seven templates that are missing; with `reset`, also restore the seeded title
    and description of existing ones (ROS-39 "Reset to defaults").

    `model` is EventTemplate, or the migration's historical model.
    """
    for order, (key, icon, name, title, description) in enumerate(EVENT_TEMPLATES, start=1):
        defaults = {
            "icon": icon,
            "name": name,
            "title": title,
            "description": description,
            "raid_helper_template": RAID_HELPER_TEMPLATE,
            "sort_order": order,
        }
        if reset:
            model.objects.update_or_create(
                key=key,
                defaults={"title": title, "description": description},
                create_defaults=defaults,
            )
        else:
            model.objects.get_or_create(key=key, defaults=defaults)
