"""Data-only reader for Lua 5.1 literals as WoW writes them into SavedVariables (CMPN-13..16).

Nothing is ever executed: one compiled regular expression splits the text into tokens and a
small recursive-descent parser accepts only `Name = <literal>` statements whose literals are
nil, booleans, numbers (with unary minus), strings and table constructors. Anything else raises
`LuaParseError` with a message starting "line L, column C:".

Speed: a file in WoW's own layout (every field `["key"] = value,` on its own line, array items
followed by `, -- [n]`) is first offered to `_fast_statements`, which checks it against that
layout in one regex pass, rewrites it into JSON and lets the json module (C) build the values;
any file it is not sure about goes to the general parser, so results and errors never differ.
In the general parser a `["key"] = value,` line is a single token, and comments are swallowed
with the whitespace in front of each token.

Lua strings are bytes: the input is decoded as UTF-8 with `surrogateescape` so that escapes
(`\\ddd`) can be re-assembled into bytes, and each finished string is decoded as UTF-8 with
invalid bytes replaced by U+FFFD (CMPN-14).
"""

from __future__ import annotations

import gc
import json
import re

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "LuaParseError",
    "dump_saved_variables",
    "load_var",
    "loads",
    "parse_saved_variables",
]

MAX_DEPTH = 100
MAX_INPUT_BYTES = 50 * 1024 * 1024

KEYWORDS = frozenset(
    [
        "and",
        "break",
        "do",
        "else",
        "elseif",
        "end",
        "false",
        "for",
        "function",
        "if",
        "in",
        "local",
        "nil",
        "not",
        "or",
        "repeat",
        "return",
        "then",
        "true",
        "until",
        "while",
    ]
)

# Whitespace and line comments (not long comments: `--[[`, `--[==[`) in front of every token.
# Possessive quantifiers: nothing here ever needs to give characters back, and the regex engine
# runs several times faster when it does not record backtracking points.
_WS = r"(?:[ \t\n\r\f\v]++|--(?!\[=*\[)[^\r\n]*+)*+"
_W = r"[ \t\n\r\f\v]*+"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLAIN_DQ = r'"[^"\\\n\r]*"'


# `["key"] = <plain string, integer or boolean>` -- the line WoW writes for most fields.
_FIELD_ITEM = (
    rf'{_WS}\[{_W}"[^"\\\n\r]*+"{_W}\]{_W}={_W}'
    r'(?:"[^"\\\n\r]*+"|-?[0-9]++(?![0-9A-Za-z_.])|(?:true|false)(?![0-9A-Za-z_]))'
)
# The same with groups, for findall over a run of fields: key, "string", integer, boolean, sep.
_FIELD_ITEM_RE = re.compile(
    rf'{_WS}\[{_W}"([^"\\\n\r]*)"{_W}\]{_W}={_W}'
    r'(?:("[^"\\\n\r]*")|(-?[0-9]+)(?![0-9A-Za-z_.])|(true|false)(?![0-9A-Za-z_]))'
    rf"{_W}([,;])"
)


def _sep(name: str) -> str:
    """An optional `,`/`;` right after a value, folded into the value's token."""
    return rf"(?:{_W}(?P<{name}>[,;]))?"


# Each alternative is wrapped in one outer named group, so `match.lastgroup` names the
# alternative (Python reports the outermost group that closed last). Order matters: the WoW
# field shape first (most frequent), long comments/strings before "[", escapes after plain.
_TOKEN_RE = re.compile(
    _WS
    + rf"""(?:
    (?P<fields>(?:{_FIELD_ITEM}{_W}[,;])++)
  | (?P<field>\[{_W}"(?P<fk>[^"\\\n\r]*)"{_W}\]{_W}={_W}
        (?:"(?P<fs>[^"\\\n\r]*)"
          |(?P<fn>-?[0-9]+)(?![0-9A-Za-z_.])
          |(?P<fb>true|false)(?![0-9A-Za-z_])
        ){_sep("fsep")})
  | (?P<close>\}}{_sep("csep")})
  | (?P<open>\{{)
  | (?P<qkey>\[{_W}"(?P<qk>[^"\\\n\r]*)"{_W}\]{_W}=(?!=))
  | (?P<dq>"(?P<dqv>[^"\\\n\r]*)"{_sep("dqsep")})
  | (?P<sq>'(?P<sqv>[^'\\\n\r]*)'{_sep("sqsep")})
  | (?P<dqe>"(?P<dqev>(?:[^"\\\n\r]|\\(?:\r\n|\n\r|[\s\S]))*)"{_sep("dqesep")})
  | (?P<sqe>'(?P<sqev>(?:[^'\\\n\r]|\\(?:\r\n|\n\r|[\s\S]))*)'{_sep("sqesep")})
  | (?P<nkey>(?P<nk>{_NAME}){_W}=(?!=))
  | (?P<word>(?P<wv>{_NAME}){_sep("wsep")})
  | (?P<num>(?P<nv>\.?[0-9][0-9.]*(?:[eE][+-])?[0-9A-Za-z_]*){_sep("nsep")})
  | (?P<lcomment>--\[(?P<lcl>=*)\[[\s\S]*?\](?P=lcl)\])
  | (?P<lcbad>--\[=*\[)
  | (?P<long>\[(?P<lsl>=*)\[(?P<lsv>[\s\S]*?)\](?P=lsl)\]{_sep("lssep")})
  | (?P<lsbad>\[=*\[)
  | (?P<punct>[\[\]=,;-])
  | (?P<end>\Z)
  | (?P<bad>[\s\S])
)""",
    re.VERBOSE,
)
_WS_RE = re.compile(_WS)

_DEC_RE = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]+\Z")
_INT_RE = re.compile(r"[0-9]+\Z")
_ESCAPE_RE = re.compile(rb"\\(\r\n|\n\r|[0-9]{1,3}|[\s\S])")
_SIMPLE_ESCAPES = {
    b"a": b"\a",
    b"b": b"\b",
    b"f": b"\f",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"v": b"\v",
    b"\n": b"\n",
    b"\r": b"\n",
    b"\r\n": b"\n",
    b"\n\r": b"\n",
}
_NEWLINES_RE = re.compile(r"\r\n|\n\r|\r")

# Token kinds. A token is (kind, value, position, separator) -- separator is "," or ";" when
# the token swallowed the one after it -- and a FIELD token carries its key as a 5th item.
FIELDS = "fields"  # a run of `["key"] = <plain scalar>,` lines; value = [(key, value), ...]
FIELD = "field"  # `["key"] = <plain scalar>` without a separator
QKEY = "qkey"  # `["key"] =`
NKEY = "nkey"  # `Name =`
OPEN = "{"
CLOSE = "}"
STR = "str"
NUM = "num"
WORD = "word"  # a Name not followed by "="
END = "end"
ERR = "err"


class LuaParseError(ValueError):
    """Malformed or non-literal input; the message names the line and column (CMPN-13)."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        super().__init__(f"line {line}, column {column}: {message}")
        self.line = line
        self.column = column
        self.reason = message


def _position(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _number(text: str):
    if _INT_RE.match(text):
        return int(text)
    if _HEX_RE.match(text):
        return int(text, 16)
    if _DEC_RE.match(text):
        return float(text)
    return None


class _Lexer:
    def __init__(self, text: str, clean_utf8: bool):
        self.text = text
        self.clean = clean_utf8

    def fix(self, value: str) -> str:
        """Re-decode a string holding undecodable input bytes (U+FFFD for each)."""
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")

    def unescape(self, raw: str, start: int) -> str:
        """Apply the Lua 5.1 escapes of a quoted string's body (CMPN-14)."""

        def replace(match: re.Match) -> bytes:
            code = match.group(1)
            simple = _SIMPLE_ESCAPES.get(code)
            if simple is not None:
                return simple
            if code.isdigit():
                value = int(code)
                if value > 255:
                    # Offsets in `raw` are bytes; count the characters before the escape.
                    prefix = raw_bytes[: match.start()].decode("utf-8", "surrogateescape")
                    line, column = _position(self.text, start + len(prefix))
                    raise LuaParseError("escape sequence too large", line, column)
                return bytes((value,))
            return code  # 5.1: any other escaped character stands for itself (\q -> q)

        raw_bytes = raw.encode("utf-8", "surrogateescape")
        return _ESCAPE_RE.sub(replace, raw_bytes).decode("utf-8", "replace")

    def tokens(self) -> list[tuple]:
        """Every token up to END, or up to the first lexical error (an ERR token)."""
        text = self.text
        clean = self.clean
        tokens: list[tuple] = []
        append = tokens.append
        for m in _TOKEN_RE.finditer(text):
            group = m.lastgroup
            if group == "fields":
                items = _FIELD_ITEM_RE.findall(text, m.start(), m.end())
                if clean:
                    pairs = [
                        (k, v[1:-1] if v else int(n) if n else b == "true")
                        for k, v, n, b, _ in items
                    ]
                else:
                    fix = self.fix
                    pairs = [
                        (fix(k), fix(v[1:-1]) if v else int(n) if n else b == "true")
                        for k, v, n, b, _ in items
                    ]
                append((FIELDS, pairs, m.start(), items[-1][4]))
            elif group == "field":
                key, string, number, boolean, sep = m.group("fk", "fs", "fn", "fb", "fsep")
                if not clean:
                    key = self.fix(key)
                if string is not None:
                    value = string if clean else self.fix(string)
                elif number is not None:
                    value = int(number)
                else:
                    value = boolean == "true"
                append((FIELD, value, m.start(), sep, key))
            elif group == "close":
                append((CLOSE, None, m.start(), m.group("csep")))
            elif group == "open":
                append((OPEN, None, m.start(), None))
            elif group == "qkey":
                key = m.group("qk")
                append((QKEY, key if clean else self.fix(key), m.start(), None))
            elif group == "dq" or group == "sq":
                value = m.group(group + "v")
                append(
                    (STR, value if clean else self.fix(value), m.start(), m.group(group + "sep"))
                )
            elif group == "nkey":
                name = m.group("nk")
                if name in KEYWORDS:
                    msg = f"unexpected keyword '{name}' before '='"
                    append((ERR, msg, m.start("nk"), None))
                    return tokens
                append((NKEY, name, m.start(), None))
            elif group == "word":
                append((WORD, m.group("wv"), m.start(), m.group("wsep")))
            elif group == "num":
                raw = m.group("nv")
                value = _number(raw)
                if value is None:
                    append((ERR, f"malformed number near '{raw}'", m.start("nv"), None))
                    return tokens
                append((NUM, value, m.start(), m.group("nsep")))
            elif group == "punct":
                append((m.group("punct"), None, m.start(), None))
            elif group == "dqe" or group == "sqe":
                body_start = m.start(group + "v")
                try:
                    value = self.unescape(m.group(group + "v"), body_start)
                except LuaParseError as exc:
                    append((ERR, exc.reason, (exc.line, exc.column), None))
                    return tokens
                append((STR, value, m.start(), m.group(group + "sep")))
            elif group == "long":
                body = m.group("lsv")
                if body[:2] in ("\r\n", "\n\r"):
                    body = body[2:]
                elif body[:1] in ("\n", "\r"):
                    body = body[1:]
                if "\r" in body:
                    body = _NEWLINES_RE.sub("\n", body)
                append((STR, body if clean else self.fix(body), m.start(), m.group("lssep")))
            elif group == "lcomment":
                continue
            elif group == "end":
                append((END, None, m.start("end"), None))
                return tokens
            elif group == "lcbad":
                append((ERR, "unfinished long comment", m.start("lcbad"), None))
                return tokens
            elif group == "lsbad":
                append((ERR, "unfinished long string", m.start("lsbad"), None))
                return tokens
            else:  # bad
                pos = m.start("bad")
                char = text[pos]
                if char in "\"'":
                    append((ERR, "unterminated string", pos, None))
                else:
                    shown = char if char.isprintable() else repr(char)
                    append((ERR, f"unexpected symbol '{shown}'", pos, None))
                return tokens
        raise AssertionError("the token pattern always ends with END")  # pragma: no cover


def _describe(token: tuple) -> str:
    kind, value = token[0], token[1]
    if kind == END:
        return "end of input"
    if kind == STR:
        return "string"
    if kind == NUM:
        return f"number {value!r}"
    if kind == WORD:
        return f"'{value}'"
    if kind == FIELDS:
        return f"key '{value[0][0]}'"
    if kind in (FIELD, QKEY, NKEY):
        return f"key '{token[4] if kind == FIELD else value}'"
    return f"'{kind}'"


class _Parser:
    def __init__(self, data: bytes | str):
        text, clean = _as_text(data)
        self.text = text
        self.tokens = _Lexer(text, clean).tokens()

    def fail(self, message: str, token: tuple):
        where = token[2]
        if token[0] == ERR:
            message = token[1]
        else:
            where = _WS_RE.match(self.text, where).end()  # skip the whitespace before it
        line, column = where if isinstance(where, tuple) else _position(self.text, where)
        raise LuaParseError(message, line, column)

    def unexpected(self, token: tuple, expected: str):
        if token[0] == END:
            self.fail("unexpected end of input", token)
        self.fail(f"{expected} expected near {_describe(token)}", token)

    def sep_fail(self, token: tuple, expected: str):
        """A separator was swallowed by the previous token where none is allowed."""
        where = _WS_RE.match(self.text, token[2]).end()
        where = self.text.index(token[3], where)
        line, column = _position(self.text, where)
        raise LuaParseError(f"{expected} expected near '{token[3]}'", line, column)

    def value(self, i: int, depth: int):
        """Parse one literal starting at token i; return (value, next index)."""
        token = self.tokens[i]
        kind = token[0]
        if kind in (STR, NUM):
            return token[1], i + 1
        if kind == OPEN:
            return self.table(i + 1, depth + 1, token)
        if kind == WORD:
            word = token[1]
            if word == "true":
                return True, i + 1
            if word == "false":
                return False, i + 1
            if word == "nil":
                return None, i + 1
            self.fail(f"unexpected identifier '{word}' (only literal data is allowed)", token)
        if kind == "-":
            negative = False
            while self.tokens[i][0] == "-":
                negative = not negative
                i += 1
            number = self.tokens[i]
            if number[0] != NUM:
                self.unexpected(number, "number after unary minus")
            return (-number[1] if negative else number[1]), i + 1
        self.unexpected(token, "value")
        return None, i  # unreachable

    def table(self, i: int, depth: int, opening: tuple):
        if depth > MAX_DEPTH:
            self.fail(f"tables nested deeper than {MAX_DEPTH}", opening)
        tokens = self.tokens
        result: dict = {}
        positional = 0
        saw_nil = False
        all_int = True
        bool_keys: set[str] = set()
        while True:
            token = tokens[i]
            kind = token[0]
            if kind == FIELDS:
                pairs = token[1]
                if bool_keys:
                    for key, _ in pairs:
                        if key in bool_keys:
                            self.fail(f"key '{key}' clashes with the boolean key {key}", token)
                result.update(pairs)
                all_int = False
                i += 1
            elif kind == FIELD:
                key = token[4]
                if bool_keys and key in bool_keys:
                    self.fail(f"key '{key}' clashes with the boolean key {key}", token)
                result[key] = token[1]
                all_int = False
                i += 1
            elif kind == CLOSE:
                i += 1
                break
            elif kind in (QKEY, NKEY):
                key = token[1]
                if bool_keys and key in bool_keys:
                    self.fail(f"key '{key}' clashes with the boolean key {key}", token)
                value, i = self.value(i + 1, depth)
                result[key] = value
                all_int = False
                if value is None:
                    saw_nil = True
            elif kind == "[":
                key, i = self.value(i + 1, depth)
                if tokens[i - 1][3]:
                    self.sep_fail(tokens[i - 1], "']'")
                if tokens[i][0] != "]":
                    self.unexpected(tokens[i], "']'")
                if tokens[i + 1][0] != "=":
                    self.unexpected(tokens[i + 1], "'='")
                key = self.key(key, token, result, bool_keys)
                value, i = self.value(i + 2, depth)
                # A positional field beats an explicit key with the same index (CMPN-15).
                if not (type(key) is int and 1 <= key <= positional):
                    result[key] = value
                if type(key) is not int:
                    all_int = False
                if value is None:
                    saw_nil = True
            else:
                value, i = self.value(i, depth)
                positional += 1
                result[positional] = value
                if value is None:
                    saw_nil = True
            if tokens[i - 1][3]:  # the value's last token swallowed its separator
                continue
            kind = tokens[i][0]
            if kind == "," or kind == ";":
                i += 1
            elif kind != CLOSE:
                self.unexpected(tokens[i], "'}' or ','")
        if saw_nil:
            result = {k: v for k, v in result.items() if v is not None}
            all_int = all(type(k) is int for k in result)
        if all_int and result:
            n = len(result)
            if all(1 <= k <= n for k in result):
                return [result[k] for k in range(1, n + 1)], i
        return result, i

    def key(self, key, token: tuple, result: dict, bool_keys: set):
        if key is None:
            self.fail("table index is nil", token)
        if key is True or key is False:
            name = "true" if key else "false"
            if name in result:
                self.fail(f"boolean key {name} clashes with the key '{name}'", token)
            bool_keys.add(name)
            return name
        if type(key) is float:
            if key != key:
                self.fail("table index is NaN", token)
            return int(key) if key.is_integer() else key
        if type(key) is str:
            if key in bool_keys:
                self.fail(f"key '{key}' clashes with the boolean key {key}", token)
            return key
        if type(key) is int:
            return key
        self.fail("table keys must be strings, numbers or booleans", token)
        return None  # unreachable

    def statements(self) -> dict:
        tokens = self.tokens
        result = {}
        i = 0
        while True:
            token = tokens[i]
            if token[0] == END:
                return result
            if token[0] != NKEY:
                self.unexpected(token, "'Name = value' statement")
            value, i = self.value(i + 1, 0)
            result[token[1]] = value
            sep = tokens[i - 1][3]
            if sep == ",":
                self.sep_fail(tokens[i - 1], "'Name = value' statement")
            if sep is None and tokens[i][0] == ";":
                i += 1

    def expression(self):
        value, i = self.value(0, 0)
        if self.tokens[i - 1][3]:
            self.sep_fail(self.tokens[i - 1], "end of input")
        if self.tokens[i][0] != END:
            self.unexpected(self.tokens[i], "end of input")
        return value


# --- the fast path: WoW's own layout, read by the json module (C speed) ------------------------
#
# A file as WoW writes it maps one-to-one onto JSON: `["key"] = value,` fields each on their own
# line, positional items followed by `, -- [n]`, `{` at the end of a line, one `Name = value`
# statement per variable at column 0. `_fast_statements` checks the whole text against that
# layout in one regex pass, rewrites it into JSON with a few literal substitutions and hands it
# to the json module. Every substitution is anchored on a line break, and a string literal
# never holds a raw line break, so none of them can touch the inside of a string.
#
# Anything outside the layout (other comments, `nil`, `;`, numeric or boolean keys, `'single'`
# or long strings, escapes JSON reads differently such as `\ddd`, invalid UTF-8, nesting deeper
# than MAX_DEPTH, a `Name =` inside a table, ...) makes it return None, and the general parser
# reads the file: results and error messages are always the general parser's.

_FAST_NAME = r"[A-Za-z_][A-Za-z0-9_]*+"
# String literals (keys included) may not hold `["` or `"] = `, so that the key rewrite below
# can replace every occurrence: a string that starts with `] = `, ends with `[` or holds
# `\"] = ` is left to the general parser.
_FAST_PLAIN_STRING = r'"(?!\]\x20=\x20)[^"\\\n\r]*+(?<!\[)"'
_FAST_SCALAR = rf"""(?:
    {_FAST_PLAIN_STRING}
  | -?(?:0|[1-9][0-9]*+)(?![0-9A-Za-z_.])
  | true(?![0-9A-Za-z_])
  | false(?![0-9A-Za-z_])
)"""
_FAST_STRING = r"""
    "(?!\]\x20=\x20)
    [^"\\\n\r]*+(?:\\(?:"(?!\]\x20=\x20)|[\\/bfnrt])[^"\\\n\r]*+)*+
    (?<!\[)"
"""
_FAST_LAYOUT_RE = re.compile(
    rf"""(?:
    (?:\r?\n\t*+\[{_FAST_PLAIN_STRING}\]\x20=\x20{_FAST_SCALAR},(?=\r?\n))++  # plain fields
  | \r?\n\t*+\[{_FAST_PLAIN_STRING}\]\x20=\x20          # a field's key, first on its line
  | [\x20\t\r\n]++
  | {_FAST_STRING}                                     # escapes JSON reads the same way
  | -?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?(?![0-9A-Za-z_.])
  | (?:true|false)(?![0-9A-Za-z_])
  | \{{(?=\r?\n)
  | \}}
  | ,(?:\x20--\x20\[[0-9]++\])?(?=\r?\n)
  | (?<![^\n]){_FAST_NAME}\x20=\x20                     # a statement, at column 0
)*+\Z""",
    re.VERBOSE,
)
_FAST_STATEMENT_RE = re.compile(rf"\n({_FAST_NAME})\x20=\x20")
_FAST_ARRAY_OPEN_RE = re.compile(r"\{(?=\r?\n\t*+[^\t\r\n\[}])")
_FAST_ARRAY_CLOSE_RE = re.compile(r",\x20--\x20\[[0-9]++\]\r?\n\t*+\}")
_FAST_ITEM_COMMENT_RE = re.compile(r"\x20--\x20\[[0-9]++\](?=\r?\n)")
_FAST_TRAILING_COMMA_RE = re.compile(r",(?=\r?\n\t*+\})")


def _reject_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not Lua literals


_FAST_JSON = json.JSONDecoder(strict=False, parse_constant=_reject_constant)


def _nested_deeper_than(values, limit: int) -> bool:
    """True when the tables among `values` nest more than `limit` levels deep."""
    level = [v for v in values if type(v) is dict or type(v) is list]
    for _ in range(limit):
        if not level:
            return False
        below = []
        for table in level:
            items = table.values() if type(table) is dict else table
            below += [v for v in items if type(v) is dict or type(v) is list]
        level = below
    return bool(level)


def _fast_statements(text: str) -> dict | None:
    """`_Parser.statements()` for a file in WoW's own layout; None when it is not in it."""
    text = "\n" + text  # every statement then starts with a line break
    if "\x00" in text or not _FAST_LAYOUT_RE.match(text):
        return None
    names: list[str] = []

    def member(match: re.Match) -> str:
        # Statement i becomes the member "\0<i>" of one JSON object; a `Name =` that was
        # really a field inside a table would be missing from that object (checked below).
        names.append(match.group(1))
        return f'\n,"\x00{len(names) - 1}":'

    text = _FAST_STATEMENT_RE.sub(member, text)
    if not names or any(name in KEYWORDS for name in names):
        return None
    text = _FAST_ARRAY_OPEN_RE.sub("[", text)  # this `[` is followed by a line break
    text = _FAST_ARRAY_CLOSE_RE.sub("]", text)
    text = _FAST_ITEM_COMMENT_RE.sub("", text)
    text = _FAST_TRAILING_COMMA_RE.sub("", text)
    # `["key"] = ` -> `"key":`. The layout keeps `["` and `"] = ` out of string literals, so
    # every occurrence left is a key's.
    text = text.replace('["', '"').replace('"] = ', '":').lstrip("\x20\t\r\n")
    if not text.startswith(","):
        return None
    try:
        members = _FAST_JSON.decode("{" + text[1:] + "}")
    except (ValueError, RecursionError):
        return None
    if len(members) != len(names) or _nested_deeper_than(members.values(), MAX_DEPTH):
        return None
    result = {}
    for index, name in enumerate(names):
        value = members.get(f"\x00{index}", members)
        if value is members:
            return None
        result[name] = value
    return result


def _as_text(data: bytes | str) -> tuple[str, bool]:
    """Input as text plus whether it was valid UTF-8 (BOM removed, size capped)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    elif isinstance(data, bytearray | memoryview):
        data = bytes(data)
    elif not isinstance(data, bytes):
        raise TypeError(f"expected bytes or str, not {type(data).__name__}")
    if len(data) > MAX_INPUT_BYTES:
        raise LuaParseError(f"input larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB", 1, 1)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape"), False


def _parse(data: bytes | str, what: str):
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if what == "statements":
            text, clean = _as_text(data)
            fast = _fast_statements(text) if clean else None
            if fast is not None:
                return fast
        parser = _Parser(data)
        return getattr(parser, what)()
    finally:
        if was_enabled:
            gc.enable()


def parse_saved_variables(data: bytes | str) -> dict:
    """Parse a SavedVariables file into {variable name: value} (CMPN-13).

    Lua tables become lists when their keys are exactly 1..n, else dicts (CMPN-15); `nil`
    becomes None.
    """
    return _parse(data, "statements")


_MISSING = object()


def load_var(data: bytes | str, name: str = "PATTSyncDB"):
    """Return one variable of a SavedVariables file; missing -> "<name> not found" (CMPN-13)."""
    value = parse_saved_variables(data).get(name, _MISSING)
    if value is _MISSING:
        raise LuaParseError(f"{name} not found", 1, 1)
    return value


def loads(expr: bytes | str):
    """Parse a single Lua literal expression (CMPN-13)."""
    return _parse(expr, "expression")


def _quote(text: str) -> str:
    """Quote a string the way WoW's SavedVariables writer does: `\\`, `\"`, `\n`, `\r`, and
    other control bytes as `\\ddd`; everything else (UTF-8 included) is written raw."""
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\{ord(char):03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _dump_key(key) -> str:
    if isinstance(key, bool):
        return "[true]" if key else "[false]"
    if isinstance(key, int | float):
        return f"[{_dump_scalar(key)}]"
    return f"[{_quote(key)}]"


def _dump_scalar(value) -> str:
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return _quote(value)


def _dump(value, indent: int, out: list) -> None:
    if not isinstance(value, dict | list):
        out.append(_dump_scalar(value))
        return
    if not value:
        out.append("{\n" + "\t" * indent + "}")
        return
    pad = "\t" * (indent + 1)
    out.append("{\n")
    if isinstance(value, list):
        for index, item in enumerate(value, 1):
            out.append(pad)
            _dump(item, indent + 1, out)
            out.append(f", -- [{index}]\n")
    else:
        for key, item in value.items():
            out.append(f"{pad}{_dump_key(key)} = ")
            _dump(item, indent + 1, out)
            out.append(",\n")
    out.append("\t" * indent + "}")


def dump_saved_variables(variables: dict) -> str:
    """Write {name: value} as WoW writes a SavedVariables file: tabs, `["key"] =` for every
    key and `-- [n]` after array items (ADD-18). Used by tests and the benchmark."""
    out: list[str] = []
    for name, value in variables.items():
        out.append(f"\n{name} = ")
        _dump(value, 0, out)
        out.append("\n")
    return "".join(out)
