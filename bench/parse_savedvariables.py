"""Parse time of a ~5 MB PATTSync SavedVariables file: our parser against slpp (CMPN-13).

    .venv/bin/pip install -r bench/requirements.txt     # slpp, only for this comparison
    .venv/bin/python bench/parse_savedvariables.py [--characters 12500] [--repeat 3]

Generates a PATTSyncDB the way WoW writes it (tabs, `["key"] =`, `-- [n]`), checks that both
parsers read the same roster, and ends with `ours_s=<s> slpp_s=<s> speedup=<x>` (best wall time
of --repeat rounds each, the two parsers taking turns; target >= 5), after the same for CPU time
of this process, which moves less when other work shares the machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "companion" / "src"))

from patt_companion.luadata import dump_saved_variables, load_var

CLASSES = [
    ("Warrior", "WARRIOR"),
    ("Paladin", "PALADIN"),
    ("Hunter", "HUNTER"),
    ("Rogue", "ROGUE"),
    ("Priest", "PRIEST"),
    ("Death Knight", "DEATHKNIGHT"),
    ("Shaman", "SHAMAN"),
    ("Mage", "MAGE"),
    ("Warlock", "WARLOCK"),
    ("Monk", "MONK"),
    ("Druid", "DRUID"),
    ("Demon Hunter", "DEMONHUNTER"),
    ("Evoker", "EVOKER"),
]
RANKS = ["Guild Master", "Officer", "Veteran", "Member", "Initiate", "Alt"]
REALMS = ["Sen'jin", "AlteracMountains", "Area52", "Aggra(Português)", "Quel'Thalas"]
ZONES = ["Dornogal", "Valdrakken", "Stormwind City", "Orgrimmar", "Hallowfall", ""]
SYLLABLES = ["tro", "g", "moon", "za", "ta", "ñña", "bel", "kor", "ith", "ra", "vel", "dú", "sha"]


def make_roster(count: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    characters = []
    for index in range(count):
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
        class_name, class_file = rng.choice(CLASSES)
        rank = rng.randrange(len(RANKS))
        online = rng.random() < 0.1
        characters.append(
            {
                "name": f"{name}{index}",
                "realm": rng.choice(REALMS),
                "class": class_name,
                "classFile": class_file,
                "level": rng.choice([80, 80, 80, 79, 70, 12]),
                "rank": rank,
                "rankName": RANKS[rank],
                "zone": rng.choice(ZONES),
                "note": rng.choice(
                    ["", "Main", f'Alt of "{name}"', "Tank / Heals", "\\o/ |cFF00FF00raider|r"]
                ),
                "officerNote": rng.choice(
                    ["", "Discord: someone#1234", "Trial until 03/01\nthen review"]
                ),
                "isOnline": online,
                "lastOnline": "Online"
                if online
                else f"{rng.randint(0, 30)}d {rng.randint(0, 23)}h",
                "achievementPoints": rng.randint(0, 40000),
            }
        )
    return {
        "PATTSyncDB": {
            "schemaVersion": 1,
            "lastExportTime": 1740153600,
            "totalExports": 42,
            "lastExport": {
                "schemaVersion": 1,
                "exportTime": 1740153600,
                "exportTimeISO": "2025-02-21T16:00:00Z",
                "addonVersion": "2.0.0",
                "guildName": "Pull All The Things",
                "realmName": "Sen'jin",
                "canViewOfficerNotes": True,
                "memberCount": count,
                "characters": characters,
            },
        }
    }


def timed(func):
    """(wall seconds, CPU seconds of this process, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def best_of_interleaved(repeat: int, ours, theirs):
    """Best wall and CPU time of each parser over `repeat` rounds, one call of each per round,
    so that both meet the same load on a shared machine."""
    best = {"ours": [float("inf")] * 2, "slpp": [float("inf")] * 2}
    results = {}
    for _ in range(repeat):
        for name, func in (("ours", ours), ("slpp", theirs)):
            wall, cpu, results[name] = timed(func)
            best[name] = [min(best[name][0], wall), min(best[name][1], cpu)]
    return best, results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", type=int, default=12500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        from slpp import slpp
    except ImportError:
        print(
            "slpp is not installed: .venv/bin/pip install -r bench/requirements.txt",
            file=sys.stderr,
        )
        return 2

    text = dump_saved_variables(make_roster(args.characters))
    data = text.encode("utf-8")
    print(f"file: {len(data) / 1e6:.2f} MB, {args.characters} characters")

    # slpp decodes one expression: hand it the table after "PATTSyncDB = ".
    body = text.split("=", 1)[1]
    best, results = best_of_interleaved(
        args.repeat, lambda: load_var(data, "PATTSyncDB"), lambda: slpp.decode(body)
    )
    ours, theirs = results["ours"], results["slpp"]
    (ours_s, ours_cpu), (slpp_s, slpp_cpu) = best["ours"], best["slpp"]

    ours_chars = ours["lastExport"]["characters"]
    theirs_chars = theirs["lastExport"]["characters"]
    if len(ours_chars) != len(theirs_chars) or ours_chars[0]["name"] != theirs_chars[0]["name"]:
        print("the two parsers disagree on the roster", file=sys.stderr)
        return 1
    print(f"cpu: ours={ours_cpu:.3f} slpp={slpp_cpu:.3f} speedup={slpp_cpu / ours_cpu:.1f}")
    print(f"ours_s={ours_s:.3f} slpp_s={slpp_s:.3f} speedup={slpp_s / ours_s:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
