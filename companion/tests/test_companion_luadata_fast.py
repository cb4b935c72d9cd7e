"""The fast path of the SavedVariables reader (CMPN-13..16): a file in WoW's own layout is
rewritten into JSON and read by the json module. It must give exactly what the general
parser gives, and hand every file it is not sure about back to it (None), never a different
value. Speed itself is measured in bench/parse_savedvariables.py, not here.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from patt_companion.luadata import (
    KEYWORDS,
    MAX_DEPTH,
    LuaParseError,
    _fast_statements,
    _Parser,
    dump_saved_variables,
    parse_saved_variables,
)


def general(text: str):
    """What the general parser makes of `text`: the value, or the error message."""
    try:
        return _Parser(text).statements()
    except LuaParseError as exc:
        return f"error: {exc}"


def assert_fast_agrees(text: str) -> object:
    """The fast path either declines (None) or returns the general parser's value; the public
    function's answer is the general parser's in both cases."""
    expected = general(text)
    fast = _fast_statements(text)
    if fast is not None:
        assert fast == expected
        assert list(fast) == list(expected)  # same statement order
    try:
        assert parse_saved_variables(text) == expected
    except LuaParseError as exc:
        assert f"error: {exc}" == expected
    return fast


ROSTER = {
    "PATTSyncDB": {
        "schemaVersion": 1,
        "ratio": 0.25,
        "big": 10**30,
        "neg": -7,
        "lastExport": {
            "characters": [
                {"name": "Trogmoon", "realm": "Sen'jin", "note": 'Alt of "Trog" \\o/', "x": True},
                {"name": "Zatañña", "officerNote": "line\nline\r", "online": False, "tab": ""},
            ],
            "empty": [],
            "nested": [[1, 2], [[3]], ["a", {"k": "v"}]],
        },
    },
    "Other": "text",
    "Number": 3,
}


def test_wow_layout_takes_the_fast_path_and_agrees():
    text = dump_saved_variables(ROSTER)
    assert assert_fast_agrees(text) is not None
    assert assert_fast_agrees(text.replace("\n", "\r\n")) is not None


@pytest.mark.parametrize(
    "text",
    [
        # A `Name =` that is a field of an unclosed table, not a statement (no separator
        # before it: the general parser refuses the file).
        '\nX = {\n\t["a"] = {\n}\nY = 2\n}\n',
        '\nX = {\n\t["a"] = {\n}\nX = 2\n}\n',
        '\nX = {\n\t["a"] = 1,\n}\nY = {\nZ = 1,\n}\n',
        # Statements the general parser reads or refuses in its own way.
        "\ntrue = 1\n",
        "\nend = 1\n",
        "\nlocal = 1\n",
        '\nX = 1,\n["k"] = 2\n',
        "\nX = 1,\nY = 2\n",
        "\nX = 1\n2\n",
        "\nX = 1 Y = 2\n",
        "\nX = nil\n",
        '\n{\n\t["a"] = 1,\n}\nX = 1\n',
        "\nX = \n",
        "",
        "\n\n",
        # Strings that hold the key syntax.
        '\nX = {\n\t["a["] = 1,\n\t["b"] = 2,\n}\n',
        '\nX = {\n\t["] = a"] = 1,\n}\n',
        '\nX = {\n\t["k"] = "] = x",\n\t["j"] = "y[",\n}\n',
        '\nX = {\n\t["k"] = "a\\"] = b",\n}\n',
        '\nX = {\n\t["k"] = "a[",\n\t["x\\"] = y"] = 2,\n}\n',
        # Comments: only `, -- [n]` at the end of a line is the layout.
        '\nX = {\n\t"a", -- [1]}\n}\n',
        '\nX = {\n\t"a", -- [1] }\n}\n',
        '\nX = {\n\t"a", -- a comment\n}\n',
        '\nX = { --[[ long ]]\n\t"a", -- [1]\n}\n',
        # Tables the layout does not describe.
        '\nX = {\n\t"a", -- [1]\n\t["k"] = 1,\n}\n',
        '\nX = {\n\t["k"] = 1,\n\t"a", -- [1]\n}\n',
        '\nX = {\n\t["k"] = 1, -- [1]\n}\n',
        "\nX = {\n\t1,\n\t2\n}\n",
        "\nX = {\n\t1, -- [1]\n\t2\n}\n",
        "\nX = {1, 2}\n",
        "\nX = {\n\t,\n}\n",
        '\nX = {\n\t["a"] = 1,,\n}\n',
        "\nX = {\n\t[1] = 1,\n}\n",
        "\nX = {\n\t[true] = 1,\n}\n",
        '\nX = {\n\t["a"] = 1;\n}\n',
        '\nX = {\n  ["a"] = 1,\n}\n',
        '\nX = {\n\n\t["a"] = 1,\n}\n',
        # Scalars and escapes JSON reads differently, or not at all.
        '\nX = "\\065\\t"\n',
        '\nX = "\\a\\v\\x41\\u0041"\n',
        "\nX = 'single'\n",
        "\nX = [[long]]\n",
        "\nX = 0x10\n",
        "\nX = .5\n",
        "\nX = 5.\n",
        "\nX = 007\n",
        "\nX = - 5\n",
        "\nX = NaN\n",
        "\nX = Infinity\n",
        "\nX = -Infinity\n",
        "\nX = 1e400\n",
        '\nX = "a\\\nb"\n',
        '\nX = "\x00"\n',
    ],
)
def test_fast_path_declines_or_agrees_on_layout_edge_cases(text):
    assert_fast_agrees(text)


def test_fast_path_declines_what_json_would_misread():
    # Each of these is valid JSON after the rewrite but not what the general parser reads.
    for text in [
        '\nX = {\n\t["a"] = {\n}\nY = 2\n}\n',
        '\nX = {\n\t["a["] = 1,\n\t["b"] = 2,\n}\n',
        '\nX = {\n\t["k"] = "a[",\n\t["x\\"] = y"] = 2,\n}\n',
        "\nend = 1\n",
        '\nX = 1,\n["k"] = 2\n',
    ]:
        assert _fast_statements(text) is None, text


def nested(depth: int):
    value = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 500])
def test_fast_path_keeps_the_depth_limit(depth):
    text = dump_saved_variables({"X": nested(depth)})
    fast = assert_fast_agrees(text)
    assert (fast is not None) == (depth <= MAX_DEPTH)


def test_duplicate_statements_last_wins_in_first_position():
    text = "\nA = 1\nB = 2\nA = 3\n"
    assert assert_fast_agrees(text) == {"A": 3, "B": 2}


# Strings made of the characters the rewrite works with, to look for a string that fools it.
tricky_text = st.text(alphabet='["] =,-{}\\\t\r\n\x01abc"\'/01', max_size=12)
scalars = (
    st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | tricky_text
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(tricky_text, children, max_size=4)
        | st.dictionaries(st.integers(min_value=-2, max_value=5), children, max_size=3)
    ),
    max_leaves=20,
)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: name not in KEYWORDS
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(names, values, max_size=3))
def test_hypothesis_fast_path_agrees_with_the_general_parser(variables):
    assert_fast_agrees(dump_saved_variables(variables))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "\n",
                "\t",
                "X = ",
                "Y = ",
                "{",
                "}",
                '["k"] = ',
                '"v"',
                '"a["',
                '"] = "',
                "1",
                "-2",
                "1.5",
                "true",
                ",",
                ", -- [1]",
                " ",
                "nil",
                '"\\""',
                ";",
                "[",
                "]",
            ]
        ),
        max_size=25,
    )
)
def test_hypothesis_fast_path_agrees_on_token_soup(pieces):
    assert_fast_agrees("\n" + "".join(pieces))
