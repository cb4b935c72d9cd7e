"""Write SavedVariables files the way World of Warcraft does (ADD-18).

The game writes each saved variable as a blank line, then ``Name = <value>``. Tables open with
``{`` and put one entry per line, indented with one tab per level: keyed entries as
``["key"] = value,`` (``[12] = value,`` for number keys), and the run of integer keys 1, 2, 3 ...
as bare values followed by ``-- [n]``. An empty table is ``{`` and ``}`` on two lines. Entries
come in the order the table itself yields them (Lua's ``next``), which is why ``LuaTable`` values
from the game VM are written in their own order. Functions, userdata and threads are skipped,
as the game skips them.

Choices where the game's exact behaviour is not documented: control characters other than
newline and carriage return are written as three-digit ``\\ddd`` escapes; non-integral numbers use
the shortest text that reads back to the same double; NaN and infinities are refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from lupa import lua51

_SKIPPED_TYPES = ("function", "userdata", "thread")
MAX_DEPTH = 100


class SerializeError(ValueError):
    """A value that a SavedVariables file cannot hold (cycle, NaN, an unknown type)."""


def quote(value: bytes | str) -> bytes:
    """A Lua double-quoted string literal holding exactly these bytes."""
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    out = bytearray(b'"')
    for byte in raw:
        if byte == 0x5C:
            out += b"\\\\"
        elif byte == 0x22:
            out += b'\\"'
        elif byte == 0x0A:
            out += b"\\n"
        elif byte == 0x0D:
            out += b"\\r"
        elif byte < 0x20 or byte == 0x7F:
            out += b"\\%03d" % byte
        else:
            out.append(byte)
    out += b'"'
    return bytes(out)


def _number(value: int | float) -> bytes:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SerializeError(f"{value!r} cannot be written to a SavedVariables file")
        if value.is_integer() and abs(value) < 2**53:
            return b"%d" % int(value)
        return repr(value).encode("ascii")
    return b"%d" % value


def _is_lua_table(value: Any) -> bool:
    return lua51.lua_type(value) == "table"


def _entries(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, dict):
        yield from value.items()
    elif isinstance(value, list | tuple):
        yield from enumerate(value, start=1)
    else:  # a lupa LuaTable: iterate with lua_next, the game's order
        yield from value.items()


def _skipped(value: Any) -> bool:
    return lua51.lua_type(value) in _SKIPPED_TYPES or (callable(value) and not _is_table(value))


def _is_table(value: Any) -> bool:
    return isinstance(value, dict | list | tuple) or _is_lua_table(value)


def _key(key: Any) -> bytes | None:
    if isinstance(key, bool):
        return b"[true]" if key else b"[false]"
    if isinstance(key, int | float):
        return b"[" + _number(key) + b"]"
    if isinstance(key, bytes | str):
        return b"[" + quote(key) + b"]"
    return None  # table, function ... keys are not written


def _value(value: Any, depth: int) -> bytes:
    if value is None:
        return b"nil"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, bytes | str):
        return quote(value)
    if _is_table(value):
        return _table(value, depth)
    raise SerializeError(f"cannot write a {type(value).__name__} to a SavedVariables file")


def _table(table: Any, depth: int) -> bytes:
    # lupa gives no identity for Lua tables, so a cycle shows up as runaway depth.
    if depth > MAX_DEPTH:
        raise SerializeError(
            f"tables nested more than {MAX_DEPTH} deep (does a table contain itself?)"
        )
    indent = b"\t" * (depth + 1)
    out = [b"{\n"]
    next_index = 1
    for key, item in _entries(table):
        if item is None or _skipped(item):
            continue
        if isinstance(key, int | float) and not isinstance(key, bool) and key == next_index:
            out.append(indent + _value(item, depth + 1) + b", -- [%d]\n" % next_index)
            next_index += 1
            continue
        written_key = _key(key)
        if written_key is None:
            continue
        out.append(indent + written_key + b" = " + _value(item, depth + 1) + b",\n")
    out.append(b"\t" * depth + b"}")
    return b"".join(out)


def serialize_saved_variables(variables: Iterable[tuple[str, Any]]) -> bytes:
    """The bytes of a SavedVariables file holding these (name, value) pairs, in order."""
    out = []
    for name, value in variables:
        out.append(b"\n" + name.encode("ascii") + b" = " + _value(value, 0) + b"\n")
    return b"".join(out)
