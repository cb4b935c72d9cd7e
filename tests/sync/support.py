"""Shared set-up of the sync tests: the default ladder's roles on the fake Discord server."""

from dataclasses import dataclass

from tests.fakes.fake_discord import FakeDiscord


@dataclass
class ServerRoles:
    member: str
    officer: str
    gm: str
    booster: str


def add_ladder_roles(fake: FakeDiscord) -> ServerRoles:
    """Roles named like the default ranks' `discord_role_name`s, plus a non-ladder one."""
    return ServerRoles(
        member=fake.add_role(name="Member"),
        officer=fake.add_role(name="Officer"),
        gm=fake.add_role(name="gm"),  # matched case-insensitively to rank Guild Leader ("GM")
        booster=fake.add_role(name="Booster"),
    )
