"""The add-character form shows every error at once (issue 16 item 4, ROS-14, ROS-17): each
failing field gets its message beside it in one round trip, and nothing is written."""

import re
from html import unescape

import pytest

from identity.models import PlayerCharacter
from roster.services.characters import (
    BAD_NAME,
    ENTER_REALM,
    PICK_A_SPEC,
    PICK_CLASS,
    PICK_SPEC,
    character_input_refusals,
)
from tests.factories import playable_class, spec
from tests.roster.member.support import add_post, client_for, member

pytestmark = pytest.mark.django_db


def field_errors(html: str) -> dict[str, list[str]]:
    """The errors under each add-form field, by field name (`id_add-<name>_error`)."""
    return {
        name: [unescape(e) for e in re.findall(r'<p class="field-error">([^<]+)</p>', block)]
        for name, block in re.findall(
            r'<div class="field-errors" id="id_add-([\w]+)_error">(.*?)</div>', html, re.S
        )
    }


def test_issue16_every_field_error_at_once():
    user, player = member()
    post = add_post("x1", None)
    post["add-realm"] = "!!!"

    response = client_for(user).post("/roster", post)

    assert response.status_code == 400
    errors = field_errors(response.content.decode())
    assert errors["name"] == [BAD_NAME]
    assert errors["realm"] == [ENTER_REALM]  # "!!!" has no letter or digit
    assert errors["playable_class"] == [PICK_CLASS]
    assert errors["spec"] == [PICK_A_SPEC]
    assert not PlayerCharacter.objects.filter(player=player).exists()


def test_issue16_spec_of_another_class_beside_a_bad_name():
    user, _ = member()
    post = add_post("", "Mage")
    post["add-spec"] = str(spec("Druid", "Balance").pk)

    errors = field_errors(client_for(user).post("/roster", post).content.decode())

    assert errors == {"name": [BAD_NAME], "spec": [PICK_SPEC.format(cls="Mage")]}


def test_issue16_refusals_list_each_failing_rule_with_its_field():
    mage = playable_class("Mage")
    refusals = character_input_refusals(name="Frosty", realm="", class_id=mage.pk, spec_id=None)
    assert [(r.field, r.message) for r in refusals] == [("spec", PICK_SPEC.format(cls="Mage"))]
    assert (
        character_input_refusals(
            name="Frosty", realm="", class_id=mage.pk, spec_id=spec("Mage", "Fire").pk
        )
        == []
    )
