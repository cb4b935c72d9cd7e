"""The identity model (identity spec, section 1: IDN-1 … IDN-17), one module per concept.

Who the players are, which WoW characters and Discord accounts belong to whom, the rank
ladder, invite codes, audit issues and sync runs. The schema is in third normal form: a
character's owner lives only on the `PlayerCharacter` bridge, a player's rank basis is derived
by `identity.services.ranks`, and every invariant the database can hold is a constraint.

Every public name is re-exported here, so `from identity.models import Player` and the
migrations' `identity.models.default_invite_expiry` keep working. The modules import each
other in this order and never import `identity.services` or `identity.admin`:

    reference, ranks → discord_users, characters → people → links, invites, audit
    sync_runs → uploads (uploads also names people)
"""

# isort: off
# In the order the models were declared in the one-module days, so app registry order
# (content types, permissions, dumpdata) is unchanged; it is also the dependency order.
from identity.models.reference import PlayableClass, Role, Specialization
from identity.models.ranks import GuildRank, discord_snowflake_validator
from identity.models.discord_users import DiscordUser
from identity.models.characters import (
    CharacterNameHistory,
    NameChangeReason,
    WowCharacter,
    WowCharacterQuerySet,
)
from identity.models.people import Player, RankSource, validate_main_and_offspec
from identity.models.links import Confidence, LinkSource, PlayerCharacter
from identity.models.invites import (
    INVITE_ALPHABET,
    InviteCode,
    InviteCodeQuerySet,
    InviteDmStatus,
    default_invite_expiry,
)
from identity.models.audit import AuditIssue, IssueSeverity, IssueType
from identity.models.sync_runs import SyncRun, SyncSource, SyncStatus, SyncTrigger
from identity.models.uploads import (
    AddonUpload,
    AddonUploadMatching,
    AddonUploadStatus,
    UploadToken,
)
# isort: on

__all__ = [
    "INVITE_ALPHABET",
    "AddonUpload",
    "AddonUploadMatching",
    "AddonUploadStatus",
    "AuditIssue",
    "CharacterNameHistory",
    "Confidence",
    "DiscordUser",
    "GuildRank",
    "InviteCode",
    "InviteCodeQuerySet",
    "InviteDmStatus",
    "IssueSeverity",
    "IssueType",
    "LinkSource",
    "NameChangeReason",
    "PlayableClass",
    "Player",
    "PlayerCharacter",
    "RankSource",
    "Role",
    "Specialization",
    "SyncRun",
    "SyncSource",
    "SyncStatus",
    "SyncTrigger",
    "UploadToken",
    "WowCharacter",
    "WowCharacterQuerySet",
    "default_invite_expiry",
    "discord_snowflake_validator",
    "validate_main_and_offspec",
]
