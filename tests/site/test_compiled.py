"""Hot-path queries compiled once per process (patt/compiled.py, issue 17: the faster ballot box).

A `CompiledQuery` must answer exactly what its queryset answers (converted values included, on
SQLite and PostgreSQL), compile once, run as one counted query, and refuse a `build` whose SQL
would not be the same for every argument.
"""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef

from identity.models import GuildRank, Player, PlayerCharacter
from patt.compiled import CompiledQuery, CompiledQueryError, fields_of, instance_of
from tests.factories import PlayerCharacterFactory, PlayerFactory, UserFactory, rank

pytestmark = pytest.mark.django_db


def _players_at_or_above(level: int, user_id: int):
    """Datetimes, booleans, a nullable join, an aggregate subquery and an EXISTS: the values
    SQLite hands back raw (text, 0/1) and Django converts."""
    links = PlayerCharacter.objects.filter(player=OuterRef("pk"))
    return (
        Player.objects.filter(guild_rank__level__gte=level)
        .exclude(user_id=user_id)
        .annotate(has_links=Exists(links), link_count=Count("character_links"))
        .order_by("display_name")
        .values_list(
            "display_name",
            "is_active",
            "created_at",
            "guild_rank__name",
            "user__is_active",
            "has_links",
            "link_count",
        )
    )


@pytest.fixture
def guild():
    trog = PlayerFactory(display_name="Trog", guild_rank=rank("Officer"), user=UserFactory())
    PlayerCharacterFactory(player=trog)
    PlayerFactory(display_name="Rocket", guild_rank=rank("Veteran"), is_active=False)
    PlayerFactory(display_name="Mito", guild_rank=rank("Initiate"))
    return trog


@pytest.mark.parametrize("level", [1, 3, 4, 5])
def test_rows_are_what_the_queryset_answers(guild, level):
    query = CompiledQuery(_players_at_or_above)

    rows = query.rows(level, guild.user_id)

    assert rows == list(_players_at_or_above(level, guild.user_id))
    assert rows == list(_players_at_or_above(level, guild.user_id))  # ORM twice, to be sure
    if rows:
        _name, is_active, created_at, *_ = rows[0]
        assert type(is_active) is bool and isinstance(created_at, datetime)
        assert created_at.tzinfo is not None


def test_rows_change_with_the_arguments(guild):
    query = CompiledQuery(_players_at_or_above)

    assert [row[0] for row in query.rows(3, 0)] == ["Rocket", "Trog"]
    assert [row[0] for row in query.rows(3, guild.user_id)] == ["Rocket"]
    assert [row[0] for row in query.rows(1, 0)] == ["Mito", "Rocket", "Trog"]
    assert query.first(5, 0) is None


def test_compiles_once_then_runs_one_query_a_call(guild, django_assert_num_queries):
    built = []

    def build(level: int):
        built.append(level)
        return Player.objects.filter(guild_rank__level__gte=level).values_list("display_name")

    query = CompiledQuery(build)
    query.rows(1)
    assert len(built) == 2  # the two stand-in compiles of the first call

    with django_assert_num_queries(1):
        assert query.first(4) == ("Trog",)
    assert len(built) == 2


def test_sql_that_depends_on_the_values_is_refused(guild):
    # The number of placeholders follows the value: 31001 % 3 == 2, 31501 % 3 == 1.
    query = CompiledQuery(lambda n: Player.objects.filter(pk__in=range(n % 3)).values_list("pk"))

    with pytest.raises(CompiledQueryError, match="depends on the argument values"):
        query.rows(1)


def test_an_argument_that_never_reaches_the_sql_is_refused(guild):
    query = CompiledQuery(lambda level: Player.objects.values_list("pk"))

    with pytest.raises(CompiledQueryError, match="does not reach the SQL"):
        query.rows(1)


def test_a_constant_equal_to_a_stand_in_is_told_apart(guild):
    query = CompiledQuery(
        lambda pk: Player.objects.filter(pk=pk).exclude(user_id=31_001).values_list("pk")
    )

    with pytest.raises(CompiledQueryError, match="moved between compiles"):
        query.rows(guild.pk)


@pytest.mark.parametrize(
    "shape",
    [
        lambda players: players,
        lambda players: players.values("pk"),
        lambda players: players.values_list("pk", flat=True),
        lambda players: players.values_list("pk", named=True),
    ],
    ids=["models", "dicts", "flat", "named"],
)
def test_only_values_list_tuples_are_accepted(guild, shape):
    query = CompiledQuery(lambda pk: shape(Player.objects.filter(pk=pk)))

    with pytest.raises(CompiledQueryError, match="values_list"):
        query.rows(guild.pk)


@pytest.mark.parametrize("argument", ["1", 1.0, True, None])
def test_arguments_are_integers(guild, argument):
    query = CompiledQuery(lambda pk: Player.objects.filter(pk=pk).values_list("pk"))

    with pytest.raises(TypeError, match="integers"):
        query.rows(argument)


def test_instances_come_back_as_a_queryset_loads_them(guild):
    columns = [*fields_of(Player), *fields_of(GuildRank, via="guild_rank")]
    row = Player.objects.filter(pk=guild.pk).values_list(*columns).get()
    players = len(fields_of(Player))

    player = instance_of(Player, row[:players])
    officer = instance_of(GuildRank, row[players:])

    loaded = Player.objects.get(pk=guild.pk)
    assert [getattr(player, f.attname) for f in Player._meta.concrete_fields] == [
        getattr(loaded, f.attname) for f in Player._meta.concrete_fields
    ]
    assert not player._state.adding and player._state.db == "default"
    assert officer == rank("Officer") and officer.name == "Officer"
    assert fields_of(GuildRank, via="guild_rank")[0] == "guild_rank__id"


def test_an_empty_outer_join_is_none():
    unranked = PlayerFactory(guild_rank=None, user=get_user_model().objects.create(username="u"))
    row = Player.objects.filter(pk=unranked.pk).values_list(*fields_of(GuildRank, via="guild_rank"))
    assert instance_of(GuildRank, row.get()) is None
