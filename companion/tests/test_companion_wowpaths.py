"""WoW folder discovery per OS and manual path resolution (CMPN-5..7)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from patt_companion.wowpaths import (
    WowPathError,
    accounts_in,
    find_installs,
    resolve_saved_variables_dir,
    suggested_account,
)


def make_wow(root: Path, *accounts: str, flavour: str = "_retail_") -> Path:
    base = root / flavour / "WTF" / "Account"
    base.mkdir(parents=True)
    (base / "SavedVariables").mkdir()
    for account in accounts:
        (base / account / "SavedVariables").mkdir(parents=True)
    return root


def test_cmpn5_linux_wine_lutris_steam_bottles(tmp_path):
    home = tmp_path / "home"
    media = tmp_path / "media"
    wine = make_wow(home / ".wine/drive_c/Program Files (x86)/World of Warcraft", "A")
    lutris_prefix = tmp_path / "lutris-prefix"
    lutris = make_wow(lutris_prefix / "drive_c/Program Files/World of Warcraft", "B")
    (home / ".config/lutris/games").mkdir(parents=True)
    (home / ".config/lutris/games/wow.yml").write_text(f"game:\n  prefix: {lutris_prefix}\n")
    compat = home / ".local/share/Steam/steamapps/compatdata"
    steam = make_wow(compat / "123/pfx/drive_c/Program Files (x86)/World of Warcraft", "C")
    deck = make_wow(
        media / "deck/sd/steamapps/compatdata/9/pfx/drive_c/Program Files (x86)/World of Warcraft",
        "D",
    )
    bottles = make_wow(
        home / ".local/share/bottles/bottles/wow/drive_c/Program Files (x86)/World of Warcraft", "E"
    )
    games = make_wow(home / "Games/battlenet/drive_c/Program Files (x86)/World of Warcraft", "F")
    make_wow(
        home / "Games/classic/drive_c/Program Files (x86)/World of Warcraft", flavour="_classic_"
    )
    installs = find_installs(system="linux", env={}, home=home, media_root=media)
    roots = {i.root for i in installs}
    assert roots == {wine, lutris, steam, deck, bottles, games}
    by_root = {i.root: [a.name for a in i.accounts] for i in installs}
    assert by_root[wine] == ["A"]  # the SavedVariables folder is not an account (CMPN-6)


def test_cmpn5_macos_candidates(tmp_path):
    home = tmp_path / "home"
    app = make_wow(home / "Applications/World of Warcraft", "ACCT")
    installs = find_installs(system="darwin", env={}, home=home)
    assert [i.root for i in installs] == [app]


def test_cmpn5_windows_registry_env_and_drives_deduplicated(tmp_path):
    drive = tmp_path / "D"
    games = make_wow(drive / "Games/World of Warcraft", "X")
    registry_root = make_wow(tmp_path / "Blizzard/World of Warcraft", "Y")
    program_files = make_wow(tmp_path / "PF86/World of Warcraft", "Z")
    installs = find_installs(
        system="win32",
        env={"ProgramFiles(x86)": str(tmp_path / "PF86"), "ProgramFiles": str(tmp_path / "nope")},
        home=tmp_path,
        registry_reader=lambda: [str(registry_root / "_retail_"), str(registry_root), ""],
        drives=[str(drive)],
    )
    assert [i.root for i in installs] == [registry_root, program_files, games]


def test_cmpn6_account_names_and_newest_suggestion(tmp_path):
    root = make_wow(tmp_path / "wow", "12345#1", "WOW1.2", "other")
    accounts = accounts_in(root)
    assert [a.name for a in accounts] == ["12345#1", "other", "WOW1.2"]
    accounts[0].file.write_text("x")
    accounts[2].file.write_text("y")
    old = time.time() - 1000
    os.utime(accounts[0].file, (old, old))
    assert suggested_account(accounts).name == "WOW1.2"


def test_cmpn7_every_level_resolves_to_saved_variables(tmp_path):
    root = make_wow(tmp_path / "World of Warcraft", "ACCT")
    target = root / "_retail_/WTF/Account/ACCT/SavedVariables"
    for path in [
        root,
        root / "_retail_",
        root / "_retail_/WTF",
        root / "_retail_/WTF/Account",
        root / "_retail_/WTF/Account/ACCT",
        target,
    ]:
        assert resolve_saved_variables_dir(path) == target


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda t: t / "missing", "Folder not found: "),
        (
            lambda t: (t / "empty").mkdir() or t / "empty",
            "No _retail_ folder here -- pick your World of Warcraft folder.",
        ),
        (
            lambda t: make_wow(t / "classic", "A", flavour="_classic_"),
            "This is a Classic folder (_classic_); PATTSync needs _retail_.",
        ),
        (lambda t: make_wow(t / "two", "A", "B"), "Several accounts found: A, B -- pick one."),
    ],
)
def test_cmpn7_clear_errors(tmp_path, setup, message):
    with pytest.raises(WowPathError) as info:
        resolve_saved_variables_dir(setup(tmp_path))
    assert message in str(info.value)
