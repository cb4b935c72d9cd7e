"""The hand-written PATT core of the demo guild (IDN-51) and PATT's Discord roles.

Trogmoon the GM, the officers Bloodvalor, Zatañña, Shodoom and Skatefarm, Rocket, Mito, Trog…
plus the orphans, departures and odd ranks every page should be able to show. The guild is kept
as tables, one character per line or two, so it reads at a glance.
"""

from identity.demo.plan import (
    MEMBER_USERNAME,
    OFFICER_USERNAME,
    CharacterPlan,
    DiscordPlan,
    GuildPlan,
    OrphanDiscordPlan,
    PlayerPlan,
    SuggestionPlan,
)
from identity.models import LinkSource

# Demo Discord role ids (18-digit snowflakes), given to a ladder rank only when its id is blank
# (IDN-5: officers own real ids). Keyed by in-game rank index.
LADDER_ROLE_IDS = {
    0: "613750341290475520",  # GM
    1: "613750512884645888",  # Officer
    2: "613750689410318336",  # Veteran
    3: "613750843567865856",  # Member
    4: "613751002141917184",  # Initiate
}
# Non-ladder roles: kept in role_ids and otherwise ignored (IDN-28), but they make users real.
EXTRA_ROLE_IDS = {
    "Raider": "702341878437511208",
    "Podcast": "758129433316556851",
    "Mythic+": "812407366549487656",
    "Nitro Booster": "585538411148247040",
}


def core_plan() -> GuildPlan:
    """The hand-written PATT guild (IDN-51), with every edge case the pages should show."""
    C, D, P = CharacterPlan, DiscordPlan, PlayerPlan
    GN, ON, EX = LinkSource.GUILD_NOTE, LinkSource.OFFICER_NOTE, LinkSource.EXACT_NAME
    FZ, MA = LinkSource.FUZZY, LinkSource.MANUAL
    raider, podcast, mplus = "Raider", "Podcast", "Mythic+"
    # fmt: off
    players = [
        P("Trog", D("195547238959677441", "trog", "Trog", 0, (raider, podcast), 2900), [
            C("Trogmoon", "senjin", "Druid", "Balance", 0, item_level=671, race="Troll",
              guild_note="GM - Discord: trog", last_login_days=0.2, blizzard_id=143250117,
              link=GN, first_seen_days=2900, addon_seen=True),
            C("Trogalt", "senjin", "Warrior", "Protection", 3, item_level=652, race="Orc",
              guild_note="DC: trog.", last_login_days=3, blizzard_id=151877032, link=GN),
            C("Moonalt", "senjin", "Mage", "Frost", 3, level=78, item_level=561, race="Troll",
              guild_note="alt of Trogmoon", last_login_days=12, blizzard_id=158320476, link=GN),
            C("Trog", "area-52", "Hunter", "Beast Mastery", 3, item_level=638, race="Troll",
              guild_note="GM / Mike", last_login_days=6, blizzard_id=162004391, link=EX),
            # The guild bank: rank index 7 has no GuildRank (IDN-9), and no active spec.
            C("Pattbank", "senjin", "Priest", None, 7, level=10, item_level=14, race="Goblin",
              guild_note="Guild bank", officer_note="Main: Trogmoon", last_login_days=4,
              blizzard_id=170113845, link=ON),
        ], main_spec="Balance", offspec=(0, "Restoration"),
           notes="Guild Master. Co-host of the Salt All The Things podcast."),
        P("Rocket", D("287310555093450753", "rocket.dh", "Rocket", 2, (raider, podcast), 2400), [
            C("Rocketdh", "senjin", "Demon Hunter", "Havoc", 2, item_level=668, race="Blood Elf",
              guild_note="Raider - dc:rocket.dh!", last_login_days=0.5, blizzard_id=144981203,
              link=GN, addon_seen=True),
            C("Rocketman", "area-52", "Warrior", "Fury", 3, item_level=645, race="Orc",
              guild_note="Rocket's alt", last_login_days=9, blizzard_id=163377210, link=GN),
            C("Rocketheals", "illidan", "Priest", "Holy", 4, level=72, item_level=528,
              race="Undead", guild_note="Rocket alt", last_login_days=33, blizzard_id=171540092,
              link=MA, stale_issue_state="notified"),
            C("Rocketshammy", "senjin", "Shaman", "Enhancement", 3, item_level=602,
              race="Goblin", guild_note="Rocket’s alt", last_login_days=80, left_days=21,
              blizzard_id=159004218, link=GN),
        ], main_spec="Havoc", offspec=(0, "Vengeance"), notes="Podcast co-host.", invite=True),
        P("Mito", D("301998420754333698", "mito", "Mito", 2, (raider,), 2200), [
            C("Mito", "senjin", "Priest", "Holy", 2, item_level=666, race="Blood Elf",
              guild_note="Raider - healer", last_login_days=0.3, blizzard_id=146602331,
              link=EX, addon_seen=True),
            # IDN-34: Mitoo/Mito scores 0.889, an unconfirmed automatic link.
            C("Mitoo", "stormrage", "Evoker", "Preservation", 3, item_level=631,
              race="Dracthyr", last_login_days=5, blizzard_id=188450127, link=FZ),
            C("Mitotank", "senjin", "Monk", "Brewmaster", 4, level=76, item_level=540,
              race="Pandaren", guild_note="Mito's alt", last_login_days=None,
              blizzard_id=189330765, link=GN),
        ], main_spec="Holy", offspec=(0, "Discipline"), notes="Healer Extraordinaire.",
           account=MEMBER_USERNAME),
        P("Bloodvalor", D("334120987312340993", "bloodvalor", "Bloodvalor", 1, (raider,), 1900), [
            C("Bloodvalor", "alterac-mountains", "Death Knight", "Blood", 1, item_level=672,
              race="Undead", guild_note="Officer - tank", last_login_days=0.8,
              blizzard_id=147712094, link=EX),
            C("Valorlight", "senjin", "Paladin", "Holy", 3, item_level=650, race="Blood Elf",
              guild_note="alt of Bloodvalor", last_login_days=2, blizzard_id=166204473, link=GN),
        ], main_spec="Blood", offspec=(0, "Frost")),
        P("Zatañña", D("356734012398166016", "zatanna", "Zatañña", 1, (raider, mplus), 1700), [
            # Accents count in the key (IDN-8) but not in matching (IDN-30): an exact_name link.
            C("Zatañña", "sargeras", "Mage", "Fire", 1, item_level=670, race="Nightborne",
              guild_note="Officer", last_login_days=1, blizzard_id=149903318, link=EX),
            C("Zatabrew", "senjin", "Monk", "Mistweaver", 3, item_level=640, race="Pandaren",
              guild_note="Main: Zatañña", last_login_days=7, blizzard_id=167781092, link=GN),
        ], main_spec="Fire"),
        P("Shodoom", D("371204455628709888", "shodoom", "Shodoom", 1, (raider,), 1650), [
            C("Shodoom", "bleeding-hollow", "Shaman", "Elemental", 1, item_level=669, race="Orc",
              guild_note="Officer - raid lead", last_login_days=0.1, blizzard_id=150067714,
              link=EX, addon_seen=True),
            C("Shodoomhavoc", "senjin", "Demon Hunter", "Havoc", 3, item_level=648,
              race="Blood Elf", officer_note="Main: Shodoom", last_login_days=4,
              blizzard_id=176002356, link=MA),
            # IDN-34: Shodoom/Shodom scores 0.923, an unconfirmed automatic link.
            C("Shodom", "tichondrius", "Warlock", "Affliction", 4, level=71, item_level=505,
              race="Undead", last_login_days=40, blizzard_id=177219040, link=FZ,
              stale_issue_state="dismissed"),
        ], main_spec="Elemental", offspec=(0, "Restoration"), notes="Raid leader.",
           account=OFFICER_USERNAME),
        P("Skatefarm", D("389551270014394369", "skatefarm", "Skatefarm", 1, (mplus,), 1500), [
            C("Skatefarm", "tichondrius", "Rogue", "Outlaw", 1, item_level=667, race="Goblin",
              guild_note="Officer - recruitment", last_login_days=0.4, blizzard_id=151190482,
              link=EX),
            C("Skatefarms", "senjin", "Hunter", "Marksmanship", 3, item_level=636, race="Orc",
              guild_note="Skatefarm's alt", last_login_days=15, blizzard_id=178564110, link=GN),
        ], main_spec="Outlaw"),
        # Promoted on Discord before the in-game rank caught up: a manual rank (IDN-14).
        P("Élodie", D("402876510227824640", "elodie", "Élodie", 2, (raider,), 1100), [
            C("Élodie", "stormrage", "Druid", "Restoration", 3, item_level=655,
              race="Night Elf", guild_note="Raider - healer", last_login_days=1.5,
              blizzard_id=179920043, link=EX),
            C("Çelik", "illidan", "Warrior", "Arms", 4, item_level=618, race="Dwarf",
              guild_note="Élodie's alt", last_login_days=20, blizzard_id=180333207, link=GN),
        ], main_spec="Restoration", offspec=(0, "Balance"), manual_rank_index=2,
           notes="Promoted to Veteran by vote; in-game rank pending."),
        # A plain Member without an account: `seed_demo` prints his invite for newcomers to
        # try, so a first registration makes a member, never an officer (ACC-35).
        P("Jäger", D("415302981237063681", "jager_hunts", "Jäger", 3, (), 900), [
            C("Jäger", "area-52", "Hunter", "Survival", 3, item_level=641, race="Dwarf",
              officer_note="Discord: jager_hunts", last_login_days=2, blizzard_id=181004659,
              link=ON),
        ], main_spec="Survival", invite=True),
        # A social member with no character in the guild: the rank is set by hand.
        P("Nyx", D("428190772014350336", "nyxie", "Nyx", 3, (podcast,), 800), [],
          manual_rank_index=3, notes="Podcast listener; plays on another server."),
        # Left the game and the server: inactive, keeps the rank and links it had.
        P("Grimbeard", D("290118443120967680", "grimbeard", "Grimbeard", 2, (raider,), 2500,
                         left_days=40), [
            C("Grimbeard", "senjin", "Warrior", "Protection", 2, item_level=621, race="Dwarf",
              guild_note="Raider", last_login_days=55, left_days=40, blizzard_id=152440981,
              link=EX),
            C("Grimheals", "senjin", "Paladin", "Holy", 3, item_level=598, race="Dwarf",
              guild_note="alt of Grimbeard", last_login_days=70, left_days=40,
              blizzard_id=160008812, link=GN),
        ], main_spec="Protection", is_active=False,
           notes="Left in the autumn; welcome back any time."),
        P("Ørjan", D("441655013276565504", "orjan", "Ørjan", 4, (), 30), [
            C("Ørjan", "illidan", "Paladin", "Retribution", 4, item_level=624, race="Human",
              guild_note="Trial", last_login_days=1, first_seen_days=30, blizzard_id=195510036,
              link=LinkSource.ONBOARDING),
        ], main_spec="Retribution"),
    ]
    orphan_characters = [
        C("Thalorin", "senjin", "Druid", "Feral", 4, item_level=610, race="Night Elf",
          last_login_days=2, first_seen_days=9, blizzard_id=196002871, link=None),
        C("Lunestra", "sargeras", "Priest", "Shadow", 4, item_level=622, race="Void Elf",
          guild_note="Social", last_login_days=6, first_seen_days=20, blizzard_id=196114402,
          link=None),
        # A note hint that resolves to nobody; seen only by the addon, so no Blizzard id yet.
        C("Kragnor", "senjin", "Warrior", "Fury", 3, item_level=603, race="Orc",
          guild_note="Discord: kraggy", last_login_days=45, first_seen_days=120, link=None,
          addon_seen=True),
    ]
    orphan_discord_users = [
        OrphanDiscordPlan(D("455901234127683584", "thalo", "Thalo", 4, (), 9)),
        OrphanDiscordPlan(D("461230987345125376", "lunara", "Lunara", 3, (), 25), "notified"),
        OrphanDiscordPlan(D("468876543120291840", "newbie_ashe", "Ashe", 4, (), 2)),
        OrphanDiscordPlan(D("298765001234567168", "oldfriend", "Old Friend", 3, (), 1200, 90)),
    ]
    # IDN-34 scores in the 0.70-0.85 band: a suggestion, not a link.
    suggestions = [
        SuggestionPlan(("thalorin", "senjin"), "455901234127683584", 0.769),
        SuggestionPlan(("lunestra", "sargeras"), "461230987345125376", 0.714),
    ]
    # fmt: on
    return GuildPlan(players, orphan_characters, orphan_discord_users, suggestions)
