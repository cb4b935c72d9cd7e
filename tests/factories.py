"""factory_boy factories for the identity model. Reference data comes from the migrations."""

import itertools

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from identity.models import (
    DiscordUser,
    GuildRank,
    PlayableClass,
    Player,
    PlayerCharacter,
    Specialization,
    WowCharacter,
)

_snowflakes = itertools.count(100_000_000_000_000_000)


def rank(name: str) -> GuildRank:
    """A default rank by name: Initiate, Member, Veteran, Officer, Guild Leader."""
    return GuildRank.objects.get(name=name)


def playable_class(name: str) -> PlayableClass:
    return PlayableClass.objects.get(name=name)


def spec(class_name: str, spec_name: str) -> Specialization:
    return Specialization.objects.get(playable_class__name=class_name, name=spec_name)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class DiscordUserFactory(DjangoModelFactory):
    class Meta:
        model = DiscordUser

    discord_id = factory.LazyFunction(lambda: str(next(_snowflakes)))
    username = factory.Sequence(lambda n: f"discorder{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    is_present = True


class WowCharacterFactory(DjangoModelFactory):
    class Meta:
        model = WowCharacter

    name = factory.Sequence(lambda n: f"Char{n}")
    realm_slug = "senjin"
    realm_name = "Sen'jin"
    playable_class = factory.LazyFunction(lambda: playable_class("Druid"))
    level = 80
    in_guild = True


class PlayerFactory(DjangoModelFactory):
    class Meta:
        model = Player

    display_name = factory.Sequence(lambda n: f"Player {n}")


class PlayerCharacterFactory(DjangoModelFactory):
    class Meta:
        model = PlayerCharacter

    player = factory.SubFactory(PlayerFactory)
    character = factory.SubFactory(WowCharacterFactory)
    link_source = PlayerCharacter.LinkSource.MANUAL
    confidence = PlayerCharacter.Confidence.HIGH
    confirmed = True
