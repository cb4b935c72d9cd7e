"""IDN-22: the endpoints and the fields read, parsed into plain dataclasses."""

import copy
import logging
from datetime import UTC, datetime, timedelta

import pytest

from identity.blizzard import BlizzardError, BlizzardUnavailable, Reference, SpecInfo, parse_roster
from identity.testing.fake_blizzard import load_fixture
from tests.blizzard.helpers import GUILD, REALM, REFERENCE, RecordingTime, make_client


@pytest.fixture
def client(fake_blizzard):
    return make_client(RecordingTime())


def _member(roster, name):
    return next(m for m in roster.members if m.name == name)


def test_idn22_roster_reads_guild_realm_and_member_fields(client):
    roster = client.get_roster(REALM, GUILD)
    assert (roster.guild_name, roster.realm_slug, roster.realm_name) == (
        "Pull All The Things",
        "senjin",
        "Sen'jin",
    )
    assert len(roster.members) == 30
    zatanna = _member(roster, "Zatañña")
    assert (zatanna.realm_slug, zatanna.rank, zatanna.level, zatanna.class_id) == (
        "sargeras",
        1,
        80,
        8,
    )
    assert zatanna.blizzard_id == 210015838
    assert roster.warnings == []


def test_idn22_roster_without_members_list_raises(fake_blizzard, client):
    fake_blizzard.set_roster_mode("no_members_key")
    with pytest.raises(BlizzardError, match=r"^roster response has no members list$"):
        client.get_roster(REALM, GUILD)


def test_idn22_empty_roster_is_an_empty_members_list(fake_blizzard, client):
    fake_blizzard.set_roster_mode("empty")
    assert client.get_roster(REALM, GUILD).members == []


def test_idn22_roster_error_mode_is_retried_then_unavailable(fake_blizzard, client):
    fake_blizzard.set_roster_mode("error")
    with pytest.raises(BlizzardUnavailable):
        client.get_roster(REALM, GUILD)


def test_idn22_member_without_name_is_skipped_with_a_warning(fake_blizzard, client, caplog):
    fixture = copy.deepcopy(load_fixture())
    fixture["members"][5]["name"] = None
    fake_blizzard.load(fixture)
    with caplog.at_level(logging.WARNING, logger="identity.blizzard"):
        roster = client.get_roster(REALM, GUILD)
    assert len(roster.members) == 29
    assert any("without a name" in w for w in roster.warnings)
    assert "without a name" in caplog.text


def test_idn22_member_without_rank_has_rank_none(fake_blizzard, client):
    fixture = copy.deepcopy(load_fixture())
    fixture["members"][0]["rank"] = None
    fake_blizzard.load(fixture)
    assert _member(client.get_roster(REALM, GUILD), "Trogmoon").rank is None


def test_idn22_unknown_class_id_is_none_with_warning(fake_blizzard, client, caplog):
    fixture = copy.deepcopy(load_fixture())
    fixture["members"][0]["class_id"] = 99
    fake_blizzard.load(fixture)
    with caplog.at_level(logging.WARNING, logger="identity.blizzard"):
        roster = client.get_roster(REALM, GUILD)
        profile_warnings = []
        profile = client.get_profile("senjin", "Trogmoon", profile_warnings)
    assert _member(roster, "Trogmoon").class_id is None
    assert roster.warnings == ["Unknown class id 99"]
    assert profile.class_id is None
    assert profile_warnings == ["Unknown class id 99"]
    assert "Unknown class id 99" in caplog.text


def test_idn22_parse_roster_without_members_is_an_error_even_when_not_a_dict():
    with pytest.raises(BlizzardError, match="no members list"):
        parse_roster([], REFERENCE)


def test_idn22_profile_reads_the_listed_fields(client):
    profile = client.get_profile("sargeras", "Zatañña")
    assert profile.blizzard_id == 210015838
    assert (profile.name, profile.realm_slug, profile.realm_name) == (
        "Zatañña",
        "sargeras",
        "Sargeras",
    )
    assert (profile.class_id, profile.spec_id, profile.active_spec_name) == (8, 63, "Fire")
    assert (profile.level, profile.item_level, profile.race_name) == (80, 667, "Blood Elf")


def test_idn22_millisecond_timestamps_become_aware_utc(client):
    profile = client.get_profile("senjin", "Dustywind")
    assert profile.last_login.tzinfo == UTC
    age = datetime.now(UTC) - profile.last_login
    assert timedelta(days=45) - timedelta(minutes=5) < age < timedelta(days=45, minutes=5)


def test_idn22_spec_matched_by_class_and_name_ignoring_case_when_id_unknown(fake_blizzard):
    reference = Reference.of([8], [SpecInfo(9063, 8, "FIRE"), SpecInfo(9064, 8, "Frost")])
    client = make_client(RecordingTime(), reference=reference)
    assert client.get_profile("sargeras", "Zatañña").spec_id == 9063


def test_idn22_spec_unmatched_is_none(fake_blizzard):
    reference = Reference.of([8], [SpecInfo(9064, 8, "Frost"), SpecInfo(9063, 5, "Fire")])
    client = make_client(RecordingTime(), reference=reference)
    profile = client.get_profile("sargeras", "Zatañña")
    assert profile.spec_id is None
    assert profile.active_spec_name == "Fire"


@pytest.mark.parametrize(
    ("mode", "field"),
    [("no_active_spec", "spec_id"), ("no_last_login", "last_login"), ("no_id", "blizzard_id")],
)
def test_idn22_absent_profile_fields_are_none(fake_blizzard, client, mode, field):
    fake_blizzard.set_profile_mode("Trogmoon", "senjin", mode)
    assert getattr(client.get_profile("senjin", "Trogmoon"), field) is None


def test_idn22_name_in_path_is_encoded(fake_blizzard, client):
    client.get_profile("sargeras", "ZATAÑÑA")
    assert fake_blizzard.requests("/profile/")[0].path == "/profile/wow/character/sargeras/zatañña"


@pytest.mark.django_db
def test_idn22_reference_from_db_holds_the_seeded_classes_and_specs():
    reference = Reference.from_db()
    assert set(range(1, 14)) <= reference.class_ids
    assert SpecInfo(63, 8, "Fire") in reference.specs
