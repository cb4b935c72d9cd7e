"""The registry: what each app contributes to the site (issue 12 item 1).

One mechanism for every extension point. Each installed app may have a `contributions`
module with a function `contributions()` returning typed, frozen contributions:

- `NavItem`: an item of the main navigation and who sees it (ACC-45)
- `LandingSection`: a value of the landing page's context (ACC-47)
- `UrlMount`: a URLconf of the app, mounted under a prefix of the site's URL map
- `ThemeColours`: colour rules of `/theme.css` (ACC-8, ACC-59)
- `ScheduleSpec`: a django-q2 schedule, upserted by `setup_schedules` (IDN-47)
- `DemoBuilder`: a step of `manage.py seed_demo`, with the options it reads
- `OfficerPermissions`: what the Officers group may do with the app's models (ACC-38)
- `AdminView`, `AdminAppEntry`, `AdminInline`: admin pages that are no model's, their entries
  on the admin index, and inlines an app adds to another app's ModelAdmin
- `BotListener`, `BotCommands`: what the gateway bot (patt/discord/bot.py) calls on an event,
  and the slash commands it registers (BOT-7, BOT-8, BOT-12)

`PattConfig.ready()` (patt/apps.py) calls `discover()`, which imports every installed app's
`contributions` module and registers what its `contributions()` returns. The roof (patt/urls.py,
the landing page, `seed_demo`, the navigation) and the admin site only ask the registry; no app
mutates another app's lists.

Each contribution has a `key` unique within its kind: registering the same key again replaces
the earlier contribution, so running `discover()` twice (tests re-running `ready()`) never
duplicates anything. The lists come back in a fixed order: `order`, then `key`, whatever the
order of INSTALLED_APPS.

This module imports no app: the contributions point at app code by reference (callables the
app itself hands over) or by dotted name (URLconfs, task functions).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.apps import apps

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite
    from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

CONTRIBUTIONS_MODULE = "contributions"

# --- who sees a navigation item (ACC-45's columns) ---------------------------------------------

Viewer = Callable[["HttpRequest | None"], bool]


def anyone(request: HttpRequest | None) -> bool:
    """ACC-45 "anyone": every visitor, signed in or not."""
    return True


def signed_in(request: HttpRequest | None) -> bool:
    """ACC-45 "member": any signed-in user (with or without a Player)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def staff(request: HttpRequest | None) -> bool:
    """ACC-45 "staff": a signed-in user who may open the admin (`is_staff`)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


# --- the contributions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NavItem:
    """An item of the main navigation (ACC-45).

    Shown when `url_name` resolves and `shown_to(request)` is true; `request` is None on error
    pages rendered without a request (an anonymous visitor). `audience` names the rule for
    people ("anyone", "member", "officer", "staff"); `shown_to` is the rule itself.
    """

    label: str
    url_name: str
    audience: str
    order: int
    shown_to: Viewer = anyone

    @property
    def key(self) -> str:
        return self.url_name


@dataclass(frozen=True)
class LandingSection:
    """A value of the landing page's context (ACC-47): `provide(request)` as `name`.

    The template (templates/patt/landing.html) places the sections; each provider issues a
    constant number of queries (ACC-48).
    """

    name: str
    provide: Callable[[HttpRequest], Any]
    order: int = 0

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class UrlMount:
    """The URLconf module `urlconf` (a dotted name) mounted at `prefix` of the site's URL map.

    `name` is the mount's key; mounts come in `order` (the first match wins).
    """

    name: str
    prefix: str
    urlconf: str
    order: int

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class ThemeColours:
    """Colour rules of `/theme.css` (ACC-8, ACC-59): `.{css_prefix}{slug}{color:…}` for each
    (slug, colour) pair `colours()` returns. The stylesheet's ETag covers them."""

    name: str
    css_prefix: str
    colours: Callable[[], Iterable[tuple[str, str]]]
    order: int = 0

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class ScheduleSpec:
    """One named django-q2 schedule (IDN-47): `cron` (UTC) or every `minutes`."""

    name: str
    func: str
    cron: str | None = None
    minutes: int | None = None
    order: int = 0

    def __post_init__(self):
        if (self.cron is None) == (self.minutes is None):
            raise ValueError(f"Schedule {self.name}: give exactly one of cron or minutes")

    @property
    def key(self) -> str:
        return self.name

    @property
    def fields(self) -> dict:
        from django_q.models import Schedule

        return {
            "func": self.func,
            "hook": None,
            "args": None,
            "kwargs": None,
            "schedule_type": Schedule.CRON if self.cron else Schedule.MINUTES,
            "cron": self.cron,
            "minutes": self.minutes,
            "repeats": -1,
        }

    def first_run(self, now: datetime) -> datetime:
        """A cron schedule waits for its next slot; a minutes schedule may run at once."""
        if self.cron:
            from croniter import croniter

            return croniter(self.cron, now).get_next(datetime)
        return now


@dataclass(frozen=True)
class DemoOption:
    """A command-line option of `seed_demo` that a demo builder reads (`--{name}`)."""

    name: str
    help: str
    default: Any = None
    type: Callable[[str], Any] | None = None
    flag: bool = False  # a store_true switch


@dataclass(frozen=True)
class DemoReport:
    """What a demo builder tells the operator: `lines` (printed in builder order) and an
    optional `summary` (printed last, after "Demo guild ready in N s: ")."""

    lines: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class DemoBuilder:
    """A step of `manage.py seed_demo`, run in `order`: `build(options, progress)` writes its
    demo data idempotently and returns a `DemoReport`.

    `options` maps every declared option's name (with `-` as `_`) to its value; `progress`
    is a `(label, done, total)` writer, or None when the command is quiet. A builder refuses
    bad options by raising `django.core.management.CommandError`.
    """

    name: str
    order: int
    build: Callable[[Mapping[str, Any], Callable[[str, int, int], None] | None], DemoReport]
    options: tuple[DemoOption, ...] = ()

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class OfficerPermissions:
    """What the Officers group may do with `app_label`'s models (ACC-38).

    Every permission of the app, except: the models in `view_only` (model names) and, when
    `all_view_only`, every model of the app, get only "view"; the models in `view_change`
    get "view" and "change". An app that is not installed has no permissions to grant.
    """

    app_label: str
    view_only: frozenset[str] = frozenset()
    view_change: frozenset[str] = frozenset()
    all_view_only: bool = False
    order: int = 0

    @property
    def key(self) -> str:
        return self.app_label

    def allows(self, model_name: str, action: str) -> bool:
        """Whether the permission `<action>_<model_name>` belongs to the Officers group."""
        if self.all_view_only or model_name in self.view_only:
            return action == "view"
        if model_name in self.view_change:
            return action in ("view", "change")
        return True


@dataclass(frozen=True)
class AdminView:
    """An admin page that is no model's: `admin/<route>` named `admin:<name>`.

    `view(request, site)` runs behind `site.admin_view` (staff sign-in); the view checks its
    own permissions.
    """

    name: str
    route: str
    view: Callable[[HttpRequest, AdminSite], HttpResponse]
    order: int = 0

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class AdminAppEntry:
    """An entry on the admin index, in `app_label`'s list, linking to the admin URL named
    `url_name` (without the `admin:` namespace); shown to users for whom `shown_to(user)`."""

    app_label: str
    name: str
    object_name: str
    url_name: str
    shown_to: Callable[[Any], bool]
    order: int = 0

    @property
    def key(self) -> str:
        return f"{self.app_label}.{self.object_name}"


@dataclass(frozen=True)
class AdminInline:
    """Inlines an app adds to another app's ModelAdmin: `model` is the admin's model label
    ("identity.player"); that ModelAdmin appends `inlines` after its own (`inlines_for`)."""

    name: str
    model: str
    inlines: tuple[type, ...]
    order: int = 0

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class BotListener:
    """A sync handler the bot calls on `event` (patt.discord.events: `MEMBER_JOIN`,
    `MEMBER_REMOVE`, `MEMBER_UPDATE`, `DM`), after filtering other servers and bots (BOT-7, BOT-8).

    `handle(value)` receives the event's frozen dataclass (`MemberInfo` or `DmIn`), runs in the
    sync thread (`bot_unit`), and may return `OutMessage`s, which the bot sends to the event's
    user; `report(value, delivery)`, when given, is then called with how the sends went (a
    refused DM, ...). Listeners of one event run one after the other in `order` (identity's
    upsert before onboarding's join step, ONB-8); one failing is logged and the next still runs.
    """

    name: str
    event: str
    handle: Callable[[Any], Any]
    order: int = 0
    report: Callable[[Any, Any], Any] | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class BotCommands:
    """Slash commands of an app (BOT-12, §10): `build()` returns discord.py
    `app_commands.Command`s (or groups), which the bot adds to its tree for the server."""

    name: str
    build: Callable[[], Iterable[Any]]
    order: int = 0

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True)
class FieldNote:
    """A live note an app adds beside a field of another app's admin form: `model` is the
    admin's model label ("patt.siteconfig"), `field` the form field, and `text()` the note (or
    None for none), appended to the field's help text (e.g. onboarding's backlog beside the
    "bot DMs enabled" switch, ONB-62). `text` makes at most one query."""

    name: str
    model: str
    field: str
    text: Callable[[], str | None]
    order: int = 0

    @property
    def key(self) -> str:
        return self.name


Contribution = (
    NavItem
    | LandingSection
    | UrlMount
    | ThemeColours
    | ScheduleSpec
    | DemoBuilder
    | OfficerPermissions
    | AdminView
    | AdminAppEntry
    | AdminInline
    | BotListener
    | BotCommands
    | FieldNote
)
KINDS: tuple[type, ...] = (
    NavItem,
    LandingSection,
    UrlMount,
    ThemeColours,
    ScheduleSpec,
    DemoBuilder,
    OfficerPermissions,
    AdminView,
    AdminAppEntry,
    AdminInline,
    BotListener,
    BotCommands,
    FieldNote,
)

T = TypeVar("T")


@dataclass
class Registry:
    """The contributions, by kind and key."""

    _items: dict[type, dict[str, Any]] = field(default_factory=dict)

    def add(self, *contributions: Contribution) -> None:
        """Register contributions; a key already registered for that kind is replaced."""
        for item in contributions:
            if type(item) not in KINDS:
                raise TypeError(f"Not a registry contribution: {item!r}")
            self._items.setdefault(type(item), {})[item.key] = item

    def remove(self, kind: type, key: str) -> None:
        self._items.get(kind, {}).pop(key, None)

    def clear(self) -> None:
        self._items.clear()

    def of(self, kind: type[T]) -> tuple[T, ...]:
        """Every contribution of `kind`, by `order` then key."""
        items = self._items.get(kind, {}).values()
        return tuple(sorted(items, key=lambda item: (item.order, item.key)))

    def discover(self) -> None:
        """Rebuild the registry from every installed app's `contributions()` (idempotent)."""
        self.clear()
        for app_config in apps.get_app_configs():
            name = f"{app_config.name}.{CONTRIBUTIONS_MODULE}"
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise  # the module exists and one of its own imports is missing
                continue
            self.add(*module.contributions())


registry = Registry()


def discover() -> None:
    registry.discover()


# --- what the roof and the apps ask --------------------------------------------------------------


def nav_items() -> tuple[NavItem, ...]:
    return registry.of(NavItem)


def landing_sections() -> tuple[LandingSection, ...]:
    return registry.of(LandingSection)


def url_mounts() -> tuple[UrlMount, ...]:
    return registry.of(UrlMount)


def theme_colours() -> tuple[ThemeColours, ...]:
    return registry.of(ThemeColours)


def schedules() -> tuple[ScheduleSpec, ...]:
    return registry.of(ScheduleSpec)


def demo_builders() -> tuple[DemoBuilder, ...]:
    return registry.of(DemoBuilder)


def officer_permissions() -> tuple[OfficerPermissions, ...]:
    return registry.of(OfficerPermissions)


def admin_views() -> tuple[AdminView, ...]:
    return registry.of(AdminView)


def admin_app_entries() -> tuple[AdminAppEntry, ...]:
    return registry.of(AdminAppEntry)


def inlines_for(model_label: str) -> tuple[type, ...]:
    """The inlines other apps add to the ModelAdmin of `model_label` ("identity.player")."""
    return tuple(
        inline
        for extension in registry.of(AdminInline)
        if extension.model == model_label.lower()
        for inline in extension.inlines
    )


def bot_listeners(event: str) -> tuple[BotListener, ...]:
    """The handlers of one bot event, in the order they run."""
    return tuple(listener for listener in registry.of(BotListener) if listener.event == event)


def bot_commands() -> tuple[BotCommands, ...]:
    return registry.of(BotCommands)


def field_notes(model_label: str) -> tuple[FieldNote, ...]:
    """The notes other apps add beside fields of `model_label`'s admin form."""
    return tuple(note for note in registry.of(FieldNote) if note.model == model_label.lower())
