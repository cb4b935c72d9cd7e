"""IDN-1 … IDN-4: reference data and the default ladder come from data migrations."""

import pytest
from django.db.models import Count

from identity.models import GuildRank, PlayableClass, Role, Specialization

pytestmark = pytest.mark.django_db


def test_idn2_four_roles_with_keys_in_order():
    assert list(Role.objects.values_list("sort_order", "name", "key")) == [
        (1, "Tank", "tank"),
        (2, "Healer", "healer"),
        (3, "Melee DPS", "melee_dps"),
        (4, "Ranged DPS", "ranged_dps"),
    ]


def test_idn3_thirteen_classes_with_blizzard_ids_colours_and_slugs():
    assert PlayableClass.objects.count() == 13
    dk = PlayableClass.objects.get(blizzard_id=6)
    assert (dk.name, dk.colour, dk.slug) == ("Death Knight", "#C41E3A", "death-knight")


def test_idn3_forty_specs_split_by_default_role():
    counts = dict(
        Specialization.objects.values_list("default_role__key").annotate(n=Count("id")).order_by()
    )
    assert counts == {"tank": 6, "healer": 7, "melee_dps": 13, "ranged_dps": 14}
    assert Specialization.objects.count() == 40


@pytest.mark.parametrize(
    ("spec_id", "class_name", "spec_name", "role", "wowhead"),
    [
        (253, "Hunter", "Beast Mastery", "ranged_dps", "beast-mastery-hunter"),
        (251, "Death Knight", "Frost", "melee_dps", "frost-death-knight"),
        (64, "Mage", "Frost", "ranged_dps", "frost-mage"),
        (1480, "Demon Hunter", "Devourer", "ranged_dps", "devourer-demon-hunter"),
        (1468, "Evoker", "Preservation", "healer", "preservation-evoker"),
        (104, "Druid", "Guardian", "tank", "guardian-druid"),
    ],
)
def test_idn3_spec_rows_match_the_table(spec_id, class_name, spec_name, role, wowhead):
    spec = Specialization.objects.select_related("playable_class", "default_role").get(
        blizzard_spec_id=spec_id
    )
    assert spec.playable_class.name == class_name
    assert spec.name == spec_name
    assert spec.default_role.key == role
    assert spec.wowhead_slug == wowhead


def test_idn4_default_ladder():
    assert list(
        GuildRank.objects.order_by("level").values_list(
            "name", "level", "wow_rank_index", "discord_role_name"
        )
    ) == [
        ("Initiate", 1, 4, "Initiate"),
        ("Member", 2, 3, "Member"),
        ("Veteran", 3, 2, "Veteran"),
        ("Officer", 4, 1, "Officer"),
        ("Guild Leader", 5, 0, "GM"),
    ]


def test_idn1_reference_migration_is_idempotent():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("identity.migrations.0002_reference_data")
    migration.load(apps, None)
    migration.load(apps, None)
    assert Role.objects.count() == 4
    assert PlayableClass.objects.count() == 13
    assert Specialization.objects.count() == 40
    assert GuildRank.objects.count() == 5
