"""The `/roster` form in Chromium: class -> spec -> role, and availability kept (ROS-7, ROS-14)."""

import pytest
from playwright.sync_api import expect

from identity.models import PlayerCharacter
from roster.services.availability import availability_of
from tests.factories import PlayerFactory, UserFactory, rank, spec

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _member():
    user = UserFactory(username="trog")
    player = PlayerFactory(display_name="Trog", user=user, guild_rank=rank("Member"))
    return user, player


def _spec_options(page) -> list[str]:
    return page.locator("#id_add-spec option").all_text_contents()


def test_ros14_class_filters_specs_and_the_role_follows(signed_in_page, page_errors):
    user, player = _member()
    page = signed_in_page(user)
    page.goto("/roster")

    spec_select = page.locator("#id_add-spec")
    role = page.locator("#add-character [data-role-output]")
    expect(spec_select).to_be_disabled()  # no class yet
    expect(role).to_have_text("—")

    page.select_option("#id_add-playable_class", label="Death Knight")
    expect(spec_select).to_be_enabled()
    assert _spec_options(page) == [
        "Choose a spec",
        "Blood (Tank)",
        "Frost (Melee)",
        "Unholy (Melee)",
    ]
    page.select_option("#id_add-spec", label="Frost (Melee)")
    expect(role).to_have_text("Melee")

    # ROS-10: Frost of another class is another spec with another role
    page.select_option("#id_add-playable_class", label="Mage")
    expect(spec_select).to_have_value("")
    expect(role).to_have_text("—")
    page.select_option("#id_add-spec", label="Frost (Ranged)")
    expect(role).to_have_text("Ranged")
    page.select_option("#id_add-spec", label="Arcane (Ranged)")
    page.select_option("#id_add-playable_class", label="Paladin")
    page.select_option("#id_add-spec", label="Protection (Tank)")
    expect(role).to_have_text("Tank")

    page.fill("#id_add-name", "bonkadin")
    page.get_by_role("button", name="Add character").click()

    expect(
        page.get_by_text("Added Bonkadin (Protection Paladin) to your raid roster.")
    ).to_be_visible()
    row = page.locator('tr[data-character-row="Bonkadin"]')
    expect(row).to_contain_text("Paladin · Protection")
    expect(row.locator(".role-badge")).to_have_text("Tank")
    expect(row).to_contain_text("Main")
    link = PlayerCharacter.objects.get(player=player)
    assert link.raid_spec == spec("Paladin", "Protection")
    assert page_errors == []


def test_ros7_set_thursday_and_friday_add_an_alt_both_still_set(signed_in_page, page_errors):
    user, player = _member()
    page = signed_in_page(user)
    page.goto("/roster")

    page.fill("#id_add-name", "Trogmoon")
    page.select_option("#id_add-playable_class", label="Druid")
    page.select_option("#id_add-spec", label="Balance (Ranged)")
    page.get_by_role("button", name="Add character").click()
    expect(page.get_by_text("Added Trogmoon (Balance Druid) to your raid roster.")).to_be_visible()

    page.get_by_label("Thursday").check()
    page.get_by_label("Friday").check()
    page.get_by_label("Put me on the raid-day reminder list").check()
    page.get_by_role("button", name="Save availability").click()
    expect(page.get_by_text("Availability saved.")).to_be_visible()

    page.fill("#id_add-name", "Alty")
    page.select_option("#id_add-playable_class", label="Mage")
    page.select_option("#id_add-spec", label="Fire (Ranged)")
    page.get_by_role("button", name="Add character").click()
    expect(page.get_by_text("Added Alty (Fire Mage) to your raid roster.")).to_be_visible()

    expect(page.get_by_label("Thursday")).to_be_checked()
    expect(page.get_by_label("Friday")).to_be_checked()
    expect(page.get_by_label("Monday")).not_to_be_checked()
    expect(page.get_by_label("Put me on the raid-day reminder list")).to_be_checked()
    expect(page.locator('tr[data-character-row="Alty"]')).to_contain_text("Alt")
    week, prefs = availability_of(player)
    assert week == [False, False, False, True, True, False, False]
    assert prefs.wants_reminders is True
    assert page_errors == []


def test_ros15_edit_form_shows_the_role_of_the_chosen_spec(signed_in_page, page_errors):
    user, _ = _member()
    page = signed_in_page(user)
    page.goto("/roster")
    page.fill("#id_add-name", "Healy")
    page.select_option("#id_add-playable_class", label="Shaman")
    page.select_option("#id_add-spec", label="Restoration (Healer)")
    page.get_by_role("button", name="Add character").click()

    page.get_by_role("link", name="Edit").click()
    edit = page.locator("#edit-character")
    expect(edit.locator("[data-role-output]")).to_have_text("Healer")
    edit.locator("select").select_option(label="Enhancement (Melee)")
    expect(edit.locator("[data-role-output]")).to_have_text("Melee")
    edit.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved Healy (Enhancement Shaman).")).to_be_visible()
    expect(page.locator('tr[data-character-row="Healy"] .role-badge')).to_have_text("Melee")
    assert page_errors == []
