"""Finding World of Warcraft's SavedVariables folder (CMPN-5..7).

Every OS-specific input (platform name, environment, home folder, Windows registry, drive
list) can be passed in, so tests build temporary folder trees and fake the rest.
"""

from __future__ import annotations

import os
import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path

ADDON_FILE = "PATTSync.lua"
WOW = "World of Warcraft"
_LUTRIS_PREFIX_RE = re.compile(r"^\s*prefix:\s*['\"]?(.+?)['\"]?\s*$", re.MULTILINE)


class WowPathError(Exception):
    """A manual path that cannot be resolved; the message says what to pick (CMPN-7)."""


@dataclass
class Account:
    name: str
    saved_variables: Path

    @property
    def file(self) -> Path:
        return self.saved_variables / ADDON_FILE

    @property
    def file_mtime(self) -> float | None:
        try:
            return self.file.stat().st_mtime
        except OSError:
            return None


@dataclass
class WowInstall:
    root: Path
    accounts: list[Account]


def _windows_registry_roots() -> list[str]:
    """InstallPath and Uninstall InstallLocation values from the registry (Windows only)."""
    try:
        import winreg
    except ImportError:
        return []
    found = []
    for sub in (
        r"SOFTWARE\WOW6432Node\Blizzard Entertainment\World of Warcraft",
        r"SOFTWARE\Blizzard Entertainment\World of Warcraft",
    ):
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, sub) as key:
                found.append(winreg.QueryValueEx(key, "InstallPath")[0])
        except OSError:
            pass
    for sub in (
        r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    ):
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, sub) as uninstall:
                for index in range(winreg.QueryInfoKey(uninstall)[0]):
                    name = winreg.EnumKey(uninstall, index)
                    try:
                        with winreg.OpenKey(uninstall, name) as entry:
                            display = winreg.QueryValueEx(entry, "DisplayName")[0]
                            if display == WOW or name == WOW:
                                found.append(winreg.QueryValueEx(entry, "InstallLocation")[0])
                    except OSError:
                        pass
        except OSError:
            pass
    return found


def _existing_drives() -> list[str]:
    return [f"{letter}:\\" for letter in string.ascii_uppercase if os.path.exists(f"{letter}:\\")]


def _strip_retail(path: str) -> Path:
    p = Path(path.rstrip("\\/"))
    return p.parent if p.name.lower() == "_retail_" else p


def _wine_roots(prefix: Path) -> list[Path]:
    drive_c = prefix / "drive_c"
    return [drive_c / "Program Files (x86)" / WOW, drive_c / "Program Files" / WOW]


def candidate_roots(
    *,
    system: str | None = None,
    env: dict | None = None,
    home: Path | None = None,
    registry_reader=None,
    drives: list[str] | None = None,
    media_root: Path = Path("/run/media"),
) -> list[Path]:
    """Every place a WoW root may be, in order, before any existence check (CMPN-5)."""
    system = system or sys.platform
    env = os.environ if env is None else env
    home = Path(home) if home else Path.home()
    roots: list[Path] = []
    if system.startswith("win"):
        reader = registry_reader or _windows_registry_roots
        roots += [_strip_retail(p) for p in reader() if p]
        for var in ("ProgramFiles(x86)", "ProgramFiles"):
            if env.get(var):
                roots.append(Path(env[var]) / WOW)
        for drive in _existing_drives() if drives is None else drives:
            base = Path(drive)
            roots += [base / WOW, base / "Games" / WOW, base / "Program Files (x86)" / WOW]
    elif system == "darwin":
        roots += [Path("/Applications") / WOW, home / "Applications" / WOW]
    else:
        prefixes = [home / ".wine"]
        prefixes += sorted((home / "Games").glob("*"))
        for folder in (home / ".config/lutris/games", home / ".local/share/lutris/games"):
            for yml in sorted(folder.glob("*.yml")):
                try:
                    text = yml.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                prefixes += [Path(m).expanduser() for m in _LUTRIS_PREFIX_RE.findall(text)]
        compat = [
            home / ".steam/steam/steamapps/compatdata",
            home / ".local/share/Steam/steamapps/compatdata",
            home / ".var/app/com.valvesoftware.Steam/.local/share/Steam/steamapps/compatdata",
        ]
        compat += sorted(media_root.glob("*/steamapps/compatdata"))
        compat += sorted(media_root.glob("*/*/steamapps/compatdata"))
        for folder in compat:
            prefixes += sorted(folder.glob("*/pfx"))
        for bottles in (
            home / ".local/share/bottles/bottles",
            home / ".var/app/com.usebottles.bottles/data/bottles/bottles",
        ):
            prefixes += sorted(bottles.glob("*"))
        for prefix in prefixes:
            roots += _wine_roots(prefix)
            roots.append(prefix / WOW)  # Lutris installs often sit right in ~/Games/<name>
    return roots


def accounts_in(root: Path) -> list[Account]:
    """Account folders under _retail_/WTF/Account, except SavedVariables (CMPN-6)."""
    account_dir = root / "_retail_" / "WTF" / "Account"
    try:
        entries = sorted(account_dir.iterdir(), key=lambda p: p.name.lower())
    except OSError:
        return []
    return [
        Account(entry.name, entry / "SavedVariables")
        for entry in entries
        if entry.is_dir() and entry.name.lower() != "savedvariables"
    ]


def find_installs(**kwargs) -> list[WowInstall]:
    """Existing, de-duplicated WoW roots that have _retail_/WTF/Account (CMPN-5)."""
    seen: set[str] = set()
    installs = []
    for root in candidate_roots(**kwargs):
        try:
            if not (root / "_retail_" / "WTF" / "Account").is_dir():
                continue
            key = os.path.normcase(str(root.resolve()))
        except OSError:
            continue
        if key in seen:
            continue
        seen.add(key)
        installs.append(WowInstall(root, accounts_in(root)))
    return installs


def suggested_account(accounts: list[Account]) -> Account | None:
    """The account whose PATTSync.lua is newest (CMPN-6)."""
    with_file = [a for a in accounts if a.file_mtime is not None]
    if with_file:
        return max(with_file, key=lambda a: a.file_mtime)
    return accounts[0] if accounts else None


def _pick_account(account_dir: Path) -> Path:
    accounts = [
        p.name
        for p in sorted(account_dir.iterdir(), key=lambda p: p.name.lower())
        if p.is_dir() and p.name.lower() != "savedvariables"
    ]
    if not accounts:
        raise WowPathError(f"No accounts in {account_dir} -- log in to WoW once first.")
    if len(accounts) > 1:
        raise WowPathError(f"Several accounts found: {', '.join(accounts)} -- pick one.")
    return account_dir / accounts[0] / "SavedVariables"


def resolve_saved_variables_dir(path: Path | str) -> Path:
    """Turn any of root / _retail_ / WTF / Account / <account> / SavedVariables into
    `.../WTF/Account/<account>/SavedVariables` (CMPN-7)."""
    p = Path(path).expanduser()
    if not p.is_dir():
        raise WowPathError(f"Folder not found: {p}")
    name = p.name.lower()
    parent = p.parent.name.lower()
    if name == "savedvariables" and parent != "account":
        return p
    if name == "account" and p.parent.name.lower() == "wtf":
        return _pick_account(p)
    if parent == "account" and p.parent.parent.name.lower() == "wtf":
        return p / "SavedVariables"
    if name == "wtf":
        return _pick_account(p / "Account")
    if name == "_retail_":
        return _pick_account(p / "WTF" / "Account")
    if name in ("_classic_", "_classic_era_", "_ptr_", "_beta_") or (
        not (p / "_retail_").is_dir()
        and any((p / c).is_dir() for c in ("_classic_", "_classic_era_"))
    ):
        raise WowPathError("This is a Classic folder (_classic_); PATTSync needs _retail_.")
    if (p / "_retail_").is_dir():
        account_dir = p / "_retail_" / "WTF" / "Account"
        if not account_dir.is_dir():
            raise WowPathError(f"No accounts in {account_dir} -- log in to WoW once first.")
        return _pick_account(account_dir)
    raise WowPathError("No _retail_ folder here -- pick your World of Warcraft folder.")
