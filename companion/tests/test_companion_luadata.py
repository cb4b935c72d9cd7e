"""The data-only Lua literal parser (CMPN-13..16)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from patt_companion.luadata import (
    LuaParseError,
    dump_saved_variables,
    load_var,
    loads,
    parse_saved_variables,
)

FIXTURES = Path(__file__).parent / "fixtures"

WORKED_EXAMPLES = [
    ('{ "a", "b" }', ["a", "b"]),
    ('{ [1] = "a", [2] = "b" }', ["a", "b"]),
    ('{ [2] = "b", [1] = "a" }', ["a", "b"]),
    ('{ "a", "b", nil }', ["a", "b"]),
    ('{ "a", nil, "c" }', {1: "a", 3: "c"}),
    ('{ [1] = "a", [3] = "c" }', {1: "a", 3: "c"}),
    ("{}", {}),
    ('{ name = "x", 42 }', {"name": "x", 1: 42}),
    ('{ [1] = "x", "y" }', ["y"]),
    ('{ [0] = "z", "a" }', {0: "z", 1: "a"}),
    ('{ [1.0] = "a" }', ["a"]),
    ('{ [-1] = "neg", [true] = 1 }', {-1: "neg", "true": 1}),
    ("{ a = 1 --[[ c ]] , b = 2; }", {"a": 1, "b": 2}),
    (r'"say \"hi\""', 'say "hi"'),
    (r'"C:\\wow"', "C:\\wow"),
    (r'"\124cFFFF0000red\124r"', "|cFFFF0000red|r"),
    (r'"\r"', "\r"),
    (r'"\x41"', "x41"),
    (r'"\z"', "z"),
    (r'"Zata\195\177\195\177a"', "Zatañña"),
    ("[==[ a ]] b ]==]", " a ]] b "),
    ("0x1F", 31),
    ("1e5", 100000.0),
    ("- 5", -5),
    (".5", 0.5),
    ("3.", 3.0),
]


@pytest.mark.parametrize(("source", "expected"), WORKED_EXAMPLES)
def test_cmpn16_worked_examples(source, expected):
    value = loads(source)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r'"\a\b\f\n\r\t\v\\\"\'"', "\a\b\f\n\r\t\v\\\"'"),
        ('"a\\\nb"', "a\nb"),
        ('"a\\\r\nb"', "a\nb"),
        ('"a\\\n\rb"', "a\nb"),
        ('"a\\\rb"', "a\nb"),
        (r'"\0651"', "A1"),
        (r'"\9x"', "\tx"),
        (r'"\0"', "\0"),
        (r'"\255"', "\ufffd"),
        (r"'it\'s'", "it's"),
        (r'"\q"', "q"),
    ],
)
def test_cmpn14_every_escape(source, expected):
    assert loads(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("[[\nfirst]]", "first"),
        ("[[\r\nfirst]]", "first"),
        ("[[a\r\nb\rc\n\rd]]", "a\nb\nc\nd"),
        ("[=[ ]] ]=]", " ]] "),
        ("[===[ ]==] ]===]", " ]==] "),
        ("[[no \\n escapes]]", "no \\n escapes"),
    ],
)
def test_cmpn14_long_strings_with_levels(source, expected):
    assert loads(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("3", 3),
        ("3.0", 3.0),
        ("1E-3", 0.001),
        ("2.5e+10", 2.5e10),
        ("0XfF", 255),
        ("-0x10", -16),
        ("- - 5", 5),
        ("-.5", -0.5),
    ],
)
def test_cmpn14_numbers_hex_and_exponent(source, expected):
    value = loads(source)
    assert value == expected
    assert type(value) is type(expected)


def test_cmpn14_comments_everywhere():
    source = "--[==[ x ]] ]==] A = --c\n { --[[ y ]] 1, -- z\n 2 } -- end"
    assert parse_saved_variables(source) == {"A": [1, 2]}


def test_cmpn14_invalid_utf8_becomes_replacement_character():
    assert parse_saved_variables(b'A = "ok\xff"') == {"A": "ok\ufffd"}


def test_cmpn13_bom_removed_and_bytes_or_str_accepted():
    assert parse_saved_variables(b"\xef\xbb\xbfA = 1") == {"A": 1}
    assert parse_saved_variables("A = 1; B = 'x';") == {"A": 1, "B": "x"}


def test_cmpn13_variable_found_by_exact_name_and_nil_is_none():
    text = "MyPATTSyncDB = 1\nPATTSyncDBX = 2\nPATTSyncDB = nil\n"
    assert load_var(text, "PATTSyncDB") is None
    with pytest.raises(LuaParseError, match="PATTSyncDB not found"):
        load_var("MyPATTSyncDB = 1", "PATTSyncDB")


def test_cmpn15_nested_and_mixed_tables_fixture():
    variables = parse_saved_variables((FIXTURES / "tricky.lua").read_bytes())
    tricky = variables["Tricky"]
    assert tricky["dq"] == 'say "hi" \\ C:\\wow'
    assert tricky["cont"] == "line1\nline2"
    assert tricky["ddd"] == "|cFFFF0000red|r A1 \tx"
    assert tricky["utf8"] == "Zatañña"
    assert tricky["long0"] == "first newline dropped"
    assert tricky["numbers"] == [3, 3.0, 3.0, 0.5, 1e5, 1e-3, 2.5e10, 31, -16, -5, 7]
    assert tricky["mixed"] == {"name": "x", 1: 42, 0: "z", -1: "neg", 1.5: "half"}
    assert tricky["nested"] == [[["deep"]], {}, {"a": {"b": {"c": True}}}]
    assert tricky["holes"] == {1: "a", 3: "c"}
    assert variables["Other"] is None
    assert variables["Plain"] == "x"


def test_cmpn15_later_explicit_key_wins_and_nil_removes():
    assert loads("{ a = 1, a = 2 }") == {"a": 2}
    assert loads("{ a = 1, a = nil, b = 2 }") == {"b": 2}
    assert loads('{ "a", [1] = "x" }') == ["a"]


def test_cmpn15_boolean_keys_become_strings_and_clash_is_an_error():
    assert loads("{ [false] = 0 }") == {"false": 0}
    with pytest.raises(LuaParseError, match="clashes"):
        loads('{ [true] = 1, ["true"] = 2 }')
    with pytest.raises(LuaParseError, match="clashes"):
        loads('{ ["true"] = 2, [true] = 1 }')


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ('{ "a"', "unexpected end of input", 1, 6),
        ("{ a = foo }", "unexpected identifier 'foo'", 1, 7),
        ("{ a = 1 + 2 }", "unexpected symbol '+'", 1, 9),
        ("1.2.3", "malformed number", 1, 1),
        ("0x", "malformed number", 1, 1),
        ("1e", "malformed number", 1, 1),
        ("5abc", "malformed number", 1, 1),
        ('"abc', "unterminated string", 1, 1),
        ('"a\nb"', "unterminated string", 1, 1),
        (r'"\256"', "escape sequence too large", 1, 2),
        ("{ [nil] = 1 }", "table index is nil", 1, 3),
        ("{ true = 1 }", "unexpected keyword 'true'", 1, 3),
        ("--[[ never closed", "unfinished long comment", 1, 1),
        ("[==[ never closed ]]", "unfinished long string", 1, 1),
        ("inf", "unexpected identifier 'inf'", 1, 1),
        ("-{}", "number after unary minus expected", 1, 2),
        ('{ "a" "b" }', "'}' or ',' expected", 1, 7),
    ],
)
def test_cmpn13_malformed_expression_errors_name_line_and_column(source, message, line, column):
    with pytest.raises(LuaParseError) as info:
        loads(source)
    assert message in str(info.value)
    assert str(info.value).startswith(f"line {line}, column {column}: ")


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("local x = 1", "'Name = value' statement expected near 'local'", 1, 1),
        ("A = print(1)", "unexpected identifier 'print'", 1, 5),
        ("A = 1, B = 2", "'Name = value' statement expected near ','", 1, 6),
        ('["A"] = 1', "'Name = value' statement expected", 1, 1),
        ('A = {\n\t["x"] = 1,\n\t["y"] = @,\n}', "unexpected symbol '@'", 3, 10),
        ('A = {\n\t["x"] = 1,\n', "unexpected end of input", 3, 1),
        ("A = { [1,] = 2 }", "']' expected near ','", 1, 9),
    ],
)
def test_cmpn13_malformed_files_and_code_are_rejected(source, message, line, column):
    with pytest.raises(LuaParseError) as info:
        parse_saved_variables(source)
    assert message in str(info.value)
    assert (info.value.line, info.value.column) == (line, column)


def test_cmpn15_depth_limit():
    assert loads("{" * 100 + "}" * 100) is not None
    with pytest.raises(LuaParseError, match="nested deeper than 100"):
        loads("{" * 101 + "}" * 101)


def test_cmpn15_input_size_limit(monkeypatch):
    monkeypatch.setattr("patt_companion.luadata.MAX_INPUT_BYTES", 10)
    with pytest.raises(LuaParseError, match="larger than"):
        parse_saved_variables("A = 'more than ten bytes'")


# -- the same fixtures evaluated by real Lua 5.1 (CMPN-16) ------------------------------------


def _from_lua(value, lua):
    from lupa.lua51 import lua_type

    if lua_type(value) != "table":
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return value
    result = {}
    for key, item in value.items():
        if isinstance(key, bytes):
            key = key.decode("utf-8", "replace")
        elif isinstance(key, bool):
            key = "true" if key else "false"
        elif isinstance(key, float) and key.is_integer():
            key = int(key)
        result[key] = _from_lua(item, lua)
    n = len(result)
    if n and all(type(k) is int for k in result) and set(result) == set(range(1, n + 1)):
        return [result[k] for k in range(1, n + 1)]
    return result


def _lua_eval(source: str):
    lupa = pytest.importorskip("lupa.lua51")
    lua = lupa.LuaRuntime(unpack_returned_tuples=True, encoding=None)
    env = lua.eval("{}")
    chunk = lua.globals().loadstring(source.encode("utf-8"))
    lua.globals().setfenv(chunk, env)
    chunk()
    return {k.decode(): _from_lua(v, lua) for k, v in env.items()}


def _same(a, b):
    if isinstance(a, float) and isinstance(b, int | float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def test_cmpn16_fixtures_agree_with_real_lua51():
    source = (FIXTURES / "tricky.lua").read_text(encoding="utf-8")
    ours = parse_saved_variables(source)
    theirs = _lua_eval(source)
    ours = {k: v for k, v in ours.items() if v is not None}
    assert _same(ours, theirs)


@pytest.mark.parametrize(("source", "_expected"), WORKED_EXAMPLES)
def test_cmpn16_worked_examples_agree_with_real_lua51(source, _expected):
    theirs = _lua_eval(f"X = {source}")["X"]
    assert _same(loads(source), theirs)


# -- hypothesis round trip: Python values -> WoW-style file -> parser ---------------------------

scalars = (
    st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=8), children, max_size=5)
        | st.dictionaries(st.integers(min_value=-3, max_value=8), children, max_size=5)
    ),
    max_leaves=25,
)


def expected_after_round_trip(value):
    """The list/dict rule of CMPN-15 applied to what was written."""
    if isinstance(value, list):
        return [expected_after_round_trip(v) for v in value] if value else {}
    if isinstance(value, dict):
        result = {k: expected_after_round_trip(v) for k, v in value.items()}
        n = len(result)
        if n and all(type(k) is int for k in result) and set(result) == set(range(1, n + 1)):
            return [result[k] for k in range(1, n + 1)]
        return result
    return value


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True), values))
def test_cmpn13_hypothesis_round_trip_of_wow_serialised_values(variables):
    from patt_companion.luadata import KEYWORDS

    variables = {k: v for k, v in variables.items() if k not in KEYWORDS}
    text = dump_saved_variables(variables)
    parsed = parse_saved_variables(text.encode("utf-8"))
    assert parsed == {k: expected_after_round_trip(v) for k, v in variables.items()}
