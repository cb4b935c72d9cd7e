"""Fuzzing the parsers of hostile files (issue 17 item 4): the companion's SavedVariables
(Lua) parser and `manage.py import_sheets` reading the legacy CSV exports.

- The Lua parser either returns a value or raises its own `LuaParseError`, whose message
  starts "line L, column C:" with a position inside the text (CMPN-13); nothing else escapes
  (no IndexError, RecursionError, UnicodeDecodeError …).
- `import_sheets` either imports or stops with one `CommandError` line; never a traceback.
"""

import csv
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patt_companion.luadata import LuaParseError, dump_saved_variables, loads, parse_saved_variables

FUZZ = settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
POSITION = re.compile(r"^line (\d+), column (\d+): \S")

# --- the Lua parser ---------------------------------------------------------------------------

LUA_TOKENS = [
    "PATTSyncDB",
    " = ",
    "{",
    "}",
    "[",
    "]",
    '["key"]',
    "[1]",
    ",",
    ";",
    "\n",
    "\t",
    '"text"',
    '"unterminated',
    '"\\',
    '"\\999"',
    '"\\x4"',
    "'single'",
    "[[long]]",
    "[==[long",
    "--[[ comment ]]",
    "-- comment\n",
    "nil",
    "true",
    "false",
    "0x1F",
    "1e400",
    "-",
    ".5",
    "1..2",
    "nan",
    "function",
    "=",
    "\x00",
    "\xff",
    "é",
    "{" * 300,
    "}" * 300,
]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


def assert_parses_or_says_where(text: str, parse) -> None:
    try:
        parse(text)
    except LuaParseError as exc:
        match = POSITION.match(str(exc))
        assert match, f"no line/column in {exc!s}"
        line, column = int(match.group(1)), int(match.group(2))
        assert 1 <= line <= text.count("\n") + 2, (line, text)
        assert column >= 1


@FUZZ
@given(st.lists(st.sampled_from(LUA_TOKENS) | st.text(max_size=5), max_size=30).map("".join))
def test_lua_parser_on_token_soup_raises_only_its_own_error_with_line_and_column(text):
    assert_parses_or_says_where(text, parse_saved_variables)
    assert_parses_or_says_where(text, loads)


@FUZZ
@given(
    variables=st.dictionaries(st.sampled_from(["PATTSyncDB", "Other_DB"]), VALUES, min_size=1),
    cut=st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=20)),
    insert=st.sampled_from(LUA_TOKENS),
)
def test_lua_parser_on_a_damaged_savedvariables_file(variables, cut, insert):
    """A real file (as WoW writes it), cut, truncated or with junk spliced in."""
    text = dump_saved_variables(variables)
    start = cut[0] % (len(text) + 1)
    damaged = text[:start] + insert + text[start + cut[1] :]
    assert_parses_or_says_where(damaged, parse_saved_variables)
    assert_parses_or_says_where(text[:start], parse_saved_variables)  # a truncated file


def test_lua_parser_on_deep_nesting_says_where():
    assert_parses_or_says_where("PATTSyncDB = " + "{" * 20_000, parse_saved_variables)


# --- import_sheets (CSV) ----------------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "trog",
            "Trogmoon",
            "Mage",
            "Fire",
            "Ranged",
            "Main",
            "Alt",
            "195547238959677441",
            "\x00",
            "ﷺ" * 12,
            "a" * 300,
            "=cmd|' /C calc'!A0",
            "-1",
            "99999999999999999999999",
        ]
    ),
    st.text(max_size=20),
)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=6)
CHARACTER_HEADER = ["Discord", "Character", "Class", "Spec", "Role", "MainAlt"]
ID_HEADER = ["Discord", "DiscordID"]


def write(path: Path, header, rows, raw: bytes) -> None:
    with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    if raw:
        with path.open("ab") as handle:
            handle.write(raw)


@pytest.mark.django_db
@FUZZ
@given(
    characters=ROWS,
    ids=ROWS,
    headers=st.sampled_from(["both", "none", "swapped"]),
    raw=st.sampled_from([b"", b"\xff\xfe\x00", b'"unclosed,quote\n', b"\xef\xbb\xbf"]),
)
def test_import_sheets_csv_imports_or_says_why_in_one_line(characters, ids, headers, raw):
    header_of = {
        "both": (CHARACTER_HEADER, ID_HEADER),
        "none": (None, None),
        "swapped": (ID_HEADER, CHARACTER_HEADER),
    }[headers]
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder) / "characters.csv", header_of[0], characters, raw)
        write(Path(folder) / "discord_ids.csv", header_of[1], ids, b"")
        try:
            call_command("import_sheets", "--csv-dir", folder, "--dry-run", stdout=io.StringIO())
        except CommandError as exc:
            message = str(exc)
            assert message and "\n" not in message.strip(), message
            assert "Traceback" not in message
