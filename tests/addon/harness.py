"""Run the real PATTSync.lua in a Lua 5.1 VM with the stubbed game API (ADD-16, ADD-17).

``AddonGame`` is one game session: a fresh ``lupa.lua51.LuaRuntime`` with
``wow_addon/PATTSync/tests/wowstub.lua`` installed, into which the addon is loaded the way the
client loads it (run the file with ``("PATTSync", {})``, restore SavedVariables, fire
``ADDON_LOADED``). ``run_export`` is the one-call API for the end-to-end test: it returns the
SavedVariables file text the game would write after exporting a given roster (ADD-18).

Members are dicts with these keys (all optional except ``name``):

=================== =================================================================
``name``            character name; with ``realm`` the game reports "Name-Realm"
``realm``           realm as the game gives it ("AlteracMountains"); None/absent = own realm
``full_name``       the exact name string the game returns (overrides name/realm)
``rank``            rank index (int, 0 = guild master) or rank name (str)
``rank_index``      rank index; ``rank_name`` rank name
``class``           class display name; ``class_file`` class file name ("WARRIOR")
``level``, ``zone``, ``note``, ``officer_note``, ``achievement_points``
``online``          bool
``last_online``     (years, months, days, hours) as GetGuildRosterLastOnline returns it
=================== =================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lupa import lua51

from tests.addon.savedvariables import serialize_saved_variables

REPO = Path(__file__).resolve().parents[2]
ADDON_DIR = REPO / "wow_addon" / "PATTSync"
ADDON_LUA = ADDON_DIR / "PATTSync.lua"
ADDON_TOC = ADDON_DIR / "PATTSync.toc"
WOWSTUB_LUA = ADDON_DIR / "tests" / "wowstub.lua"
ADDON_NAME = "PATTSync"
DEFAULT_NOW = 1740153600  # 2025-02-21T16:00:00Z

_MEMBER_KEYS = {
    "name",
    "realm",
    "full_name",
    "rank",
    "rank_index",
    "rank_name",
    "class",
    "class_file",
    "level",
    "zone",
    "note",
    "officer_note",
    "achievement_points",
    "online",
    "last_online",
    "status",
}


class AddonError(RuntimeError):
    """The addon or the harness could not do what was asked; the message says why."""


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


class AddonGame:
    """A game client with PATTSync installed, driven from Python."""

    def __init__(self, *, now: int = DEFAULT_NOW, realm: str = "Sen'jin") -> None:
        # encoding=None: Lua strings stay bytes, so the serializer sees exactly what Lua holds.
        self.lua = lua51.LuaRuntime(encoding=None, unpack_returned_tuples=True)
        self.g = self.lua.globals()
        # Always two results, so Python can unpack them.
        self._loadfile = self.lua.eval("function(p) local f, e = loadfile(p) return f, e end")
        self._loadstring = self.lua.eval(
            "function(s, n) local f, e = loadstring(s, n) return f, e end"
        )
        chunk, error = self._loadfile(str(WOWSTUB_LUA).encode())
        if chunk is None:
            raise AddonError(f"wowstub.lua does not load: {_text(error)}")
        self.stub = chunk()
        self.stub[b"now"] = now
        self.stub[b"realm"] = realm.encode()
        self.ns = None

    # Conversions ---------------------------------------------------------------------------

    def to_lua(self, value: Any) -> Any:
        """Python value -> Lua value (str -> bytes, dict/list -> new table)."""
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, Mapping):
            table = self.lua.table()
            for key, item in value.items():
                if item is not None:
                    table[self.to_lua(key)] = self.to_lua(item)
            return table
        if isinstance(value, list | tuple):
            table = self.lua.table()
            for index, item in enumerate(value, start=1):
                table[index] = self.to_lua(item)
            return table
        return value

    def to_python(self, value: Any) -> Any:
        """Lua value -> Python (bytes -> str; tables with keys 1..n -> list, else dict)."""
        if isinstance(value, bytes):
            return _text(value)
        if lua51.lua_type(value) != "table":
            return value
        items = [(self.to_python(k), self.to_python(v)) for k, v in value.items()]
        keys = [k for k, _ in items]
        if (
            keys
            and all(isinstance(k, int) for k in keys)
            and sorted(keys) == list(range(1, len(keys) + 1))
        ):
            return [v for _, v in sorted(items)]
        return dict(items)

    # Loading ---------------------------------------------------------------------------------

    def load_addon(self, *, saved_variables: str | bytes | None = None) -> None:
        """Load PATTSync as the client does: run the file, restore SavedVariables, ADDON_LOADED.

        ``saved_variables`` is the text of an earlier SavedVariables file (run as Lua, like the
        client does) or None for a first install.
        """
        chunk, error = self._loadfile(str(ADDON_LUA).encode())
        if chunk is None:
            raise AddonError(f"PATTSync.lua does not load in Lua 5.1: {_text(error)}")
        chunk(ADDON_NAME.encode(), self.lua.table())
        if saved_variables is not None:
            source = (
                saved_variables.encode() if isinstance(saved_variables, str) else saved_variables
            )
            restore, error = self._loadstring(source, b"=SavedVariables")
            if restore is None:
                raise AddonError(f"the SavedVariables text is not valid Lua: {_text(error)}")
            restore()
        self.fire("ADDON_LOADED", ADDON_NAME)
        self.ns = self.g.PATTSync

    # Driving the game --------------------------------------------------------------------------

    def member(self, member: Mapping[str, Any]) -> Any:
        """A roster entry for the stub from the harness' member dict (see module docstring)."""
        unknown = set(member) - _MEMBER_KEYS
        if unknown:
            raise AddonError(
                f"unknown member keys {sorted(unknown)}; known: {sorted(_MEMBER_KEYS)}"
            )
        if "full_name" in member:
            full_name = member["full_name"]
        elif "name" in member:
            realm = member.get("realm")
            full_name = member["name"] if not realm else f"{member['name']}-{realm}"
        else:
            raise AddonError(f"member without a name: {dict(member)!r}")
        rank = member.get("rank")
        rank_index = member.get("rank_index", rank if isinstance(rank, int) else None)
        rank_name = member.get("rank_name", rank if isinstance(rank, str) else None)
        return self.to_lua(
            {
                "fullName": full_name,
                "rankIndex": rank_index,
                "rankName": rank_name,
                "class": member.get("class"),
                "classFile": member.get("class_file"),
                "level": member.get("level"),
                "zone": member.get("zone"),
                "note": member.get("note"),
                "officerNote": member.get("officer_note"),
                "achievementPoints": member.get("achievement_points"),
                "isOnline": member.get("online"),
                "lastOnline": list(member["last_online"]) if member.get("last_online") else None,
                "status": member.get("status"),
            }
        )

    def set_guild(
        self,
        members: Iterable[Mapping[str, Any]],
        *,
        name: str | None = "Pull All The Things",
        realm: str | None = None,
        empty_responses: int = 0,
        can_view_officer_notes: bool = True,
        answers_roster: bool = True,
    ) -> None:
        guild = self.lua.table()
        if name is not None:
            guild[b"name"] = name.encode()
        if realm is not None:
            guild[b"realm"] = realm.encode()
        roster = self.lua.table()
        for index, member in enumerate(members, start=1):
            roster[index] = self.member(member)
        guild[b"members"] = roster
        guild[b"emptyResponses"] = empty_responses
        guild[b"canViewOfficerNotes"] = can_view_officer_notes
        guild[b"answersRoster"] = answers_roster
        self.stub.setGuild(guild)

    def load_on_demand(self, name: str) -> None:
        """Load a load-on-demand Blizzard addon (fires its ADDON_LOADED)."""
        self.stub.loadAddOn(name.encode())

    def show_communities_frame(self) -> None:
        frame = self.g.CommunitiesFrame
        if frame is None:
            raise AddonError("CommunitiesFrame does not exist before Blizzard_Communities loads")
        frame.Show(frame)

    def leave_guild(self) -> None:
        self.stub.leaveGuild()

    def advance(self, seconds: float) -> None:
        self.stub.advance(seconds)

    def fire(self, event: str, *args: Any) -> None:
        self.stub.fire(event.encode(), *(self.to_lua(a) for a in args))

    def slash(self, msg: str = "", command: str = "/pattsync") -> None:
        if not self.stub.slash(command.encode(), msg.encode()):
            raise AddonError(f"no slash command {command} is registered")

    def export(self, mode: str = "manual") -> bool:
        return bool(self.ns.Export(mode.encode()))

    @property
    def now(self) -> int:
        return int(self.stub[b"now"])

    # Reading the state ---------------------------------------------------------------------------

    def lines(self) -> list[str]:
        """Chat lines with the colour codes removed."""
        return [_text(line) for line in self.stub.plainLines().values()]

    def raw_lines(self) -> list[str]:
        return [_text(line) for line in self.stub.lines.values()]

    def clear_lines(self) -> None:
        self.stub.clearLines()

    def db(self) -> Any:
        """PATTSyncDB as Python (None before the addon created it)."""
        return self.to_python(self.g.PATTSyncDB)

    def saved_variables_bytes(self) -> bytes:
        """The SavedVariables file the client would write now (on /reload, logout or exit)."""
        return serialize_saved_variables([("PATTSyncDB", self.g.PATTSyncDB)])

    def saved_variables_text(self) -> str:
        return self.saved_variables_bytes().decode("utf-8", errors="replace")


def run_export(
    members: list[dict],
    *,
    now: int,
    can_view_officer_notes: bool = True,
    guild_name: str = "Pull All The Things",
    realm: str = "Sen'jin",
) -> str:
    """The SavedVariables text the game writes after `/pattsync` exports this roster (ADD-18).

    A first install (no earlier SavedVariables) at epoch second ``now``; the roster answers the
    request at once. Raises ``AddonError`` with the addon's chat output if no export happened.
    """
    game = AddonGame(now=now, realm=realm)
    game.load_addon()
    game.set_guild(members, name=guild_name, can_view_officer_notes=can_view_officer_notes)
    game.slash("")
    game.advance(60)  # long enough for every retry; the export time stays `now`
    db = game.db()
    if not isinstance(db, dict) or "lastExport" not in db:
        raise AddonError("the addon did not export; chat said:\n" + "\n".join(game.lines()))
    return game.saved_variables_text()


def write_export(path: Path, members: list[dict], **kwargs: Any) -> Path:
    """``run_export`` written to ``path`` as UTF-8 bytes (the file the companion watches)."""
    path.write_bytes(run_export(members, **kwargs).encode("utf-8"))
    return path
