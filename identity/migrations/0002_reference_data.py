"""Reference data: roles, the 13 classes, all 40 specializations, the default ranks.

IDN-1 … IDN-4. Idempotent: rows are upserted by their stable keys (roles by `key`, classes and
specs by Blizzard id), so re-running fixes drift without duplicating. The default ranks are
seeded only when the ladder is empty; officers own the ladder after that.
"""

from django.db import migrations
from django.utils.text import slugify

ROLES = [
    # key, name, sort_order
    ("tank", "Tank", 1),
    ("healer", "Healer", 2),
    ("melee_dps", "Melee DPS", 3),
    ("ranged_dps", "Ranged DPS", 4),
]

T, H, M, R = "tank", "healer", "melee_dps", "ranged_dps"

# blizzard id, name, colour, [(spec id, spec name, default role)]
CLASSES = [
    (1, "Warrior", "#C69B6D", [(71, "Arms", M), (72, "Fury", M), (73, "Protection", T)]),
    (2, "Paladin", "#F48CBA", [(65, "Holy", H), (66, "Protection", T), (70, "Retribution", M)]),
    (3, "Hunter", "#AAD372", [(253, "Beast Mastery", R), (254, "Marksmanship", R), (255, "Survival", M)]),
    (4, "Rogue", "#FFF468", [(259, "Assassination", M), (260, "Outlaw", M), (261, "Subtlety", M)]),
    (5, "Priest", "#FFFFFF", [(256, "Discipline", H), (257, "Holy", H), (258, "Shadow", R)]),
    (6, "Death Knight", "#C41E3A", [(250, "Blood", T), (251, "Frost", M), (252, "Unholy", M)]),
    (7, "Shaman", "#0070DD", [(262, "Elemental", R), (263, "Enhancement", M), (264, "Restoration", H)]),
    (8, "Mage", "#3FC7EB", [(62, "Arcane", R), (63, "Fire", R), (64, "Frost", R)]),
    (9, "Warlock", "#8788EE", [(265, "Affliction", R), (266, "Demonology", R), (267, "Destruction", R)]),
    (10, "Monk", "#00FF98", [(268, "Brewmaster", T), (269, "Windwalker", M), (270, "Mistweaver", H)]),
    (11, "Druid", "#FF7C0A", [(102, "Balance", R), (103, "Feral", M), (104, "Guardian", T), (105, "Restoration", H)]),
    (12, "Demon Hunter", "#A330C9", [(577, "Havoc", M), (581, "Vengeance", T), (1480, "Devourer", R)]),
    (13, "Evoker", "#33937F", [(1467, "Devastation", R), (1468, "Preservation", H), (1473, "Augmentation", R)]),
]

RANKS = [
    # name, level, wow_rank_index, discord_role_name
    ("Initiate", 1, 4, "Initiate"),
    ("Member", 2, 3, "Member"),
    ("Veteran", 3, 2, "Veteran"),
    ("Officer", 4, 1, "Officer"),
    ("Guild Leader", 5, 0, "GM"),
]


def load(apps, schema_editor):
    Role = apps.get_model("identity", "Role")
    PlayableClass = apps.get_model("identity", "PlayableClass")
    Specialization = apps.get_model("identity", "Specialization")
    GuildRank = apps.get_model("identity", "GuildRank")

    roles = {}
    for key, name, order in ROLES:
        roles[key], _ = Role.objects.update_or_create(
            key=key, defaults={"name": name, "sort_order": order}
        )
    for class_id, class_name, colour, specs in CLASSES:
        playable_class, _ = PlayableClass.objects.update_or_create(
            blizzard_id=class_id,
            defaults={"name": class_name, "colour": colour, "slug": slugify(class_name)},
        )
        for spec_id, spec_name, role_key in specs:
            Specialization.objects.update_or_create(
                blizzard_spec_id=spec_id,
                defaults={
                    "playable_class": playable_class,
                    "name": spec_name,
                    "default_role": roles[role_key],
                    "wowhead_slug": f"{slugify(spec_name)}-{slugify(class_name)}",
                },
            )
    if not GuildRank.objects.exists():
        GuildRank.objects.bulk_create(
            GuildRank(name=name, level=level, wow_rank_index=index, discord_role_name=role)
            for name, level, index, role in RANKS
        )


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
