"""IDN-30 normalise and IDN-31 note hints: every example of the spec."""

import pytest

from identity.demo.names import fold
from identity.matching import normalise, parse_hints


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zatañña", "zatanna"),
        ("ÉLODIE", "elodie"),
        ("Jäger", "jager"),
        ("Çelik", "celik"),
        ("Straße", "strasse"),
        ("  Trog  ", "trog"),
        ("Ｔｒｏｇ", "trog"),
        ("Ørjan", "ørjan"),
        (None, ""),
        ("", ""),
        ("   ", ""),
    ],
)
def test_idn30_normalise_examples(text, expected):
    assert normalise(text) == expected


def test_idn30_demo_fold_is_normalise():
    for text in ("Zatañña", "Ｔｒｏｇ", "Straße", "  Ørjan ", ""):
        assert fold(text) == normalise(text)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Discord: Trog", [("Trog", "discord")]),
        ("DC: Trog.", [("Trog", "discord")]),
        ("disc=Trog", [("Trog", "discord")]),
        ("@Trog", [("Trog", "discord")]),
        ("(@Trog)", [("Trog", "discord")]),
        ("alt of Trogmoon", [("Trogmoon", "owner")]),
        ("alt for Trogmoon", [("Trogmoon", "owner")]),
        ("Main: Trogmoon", [("Trogmoon", "owner")]),
        ("main=Trogmoon", [("Trogmoon", "owner")]),
        ("Trog's alt", [("Trog", "owner")]),
        ("Trog’s alt", [("Trog", "owner")]),
        ("Discord: Trog, alt of Moonbeam", [("Trog", "discord"), ("Moonbeam", "owner")]),
        ("Raider - dc:rocket.dh!", [("rocket.dh", "discord")]),
        ("Discord: T", []),
        ("GM / Mike", []),
        ("Rocket alt", []),
        ("Disc Priest", []),
        ("email a@b.com", []),
        ("Mains: Trog", []),
        ("", []),
        (None, []),
    ],
)
def test_idn31_note_hint_table(note, expected):
    assert [(hint.text, hint.kind) for hint in parse_hints(note)] == expected


def test_idn31_duplicates_dropped_and_order_is_note_order():
    hints = parse_hints("alt of Moonbeam; Discord: trog @TROG main: moonbeam")
    assert [(hint.text, hint.kind) for hint in hints] == [
        ("Moonbeam", "owner"),
        ("trog", "discord"),
    ]
