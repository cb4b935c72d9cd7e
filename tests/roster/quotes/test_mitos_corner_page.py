"""`/mitos-corner` (ROS-53 … ROS-55), the landing page's quote, the admin and the demo seed."""

import io
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import Client

from patt.models import Quote, QuoteTitle
from roster.services import quotes as service
from tests.factories import PlayerFactory, UserFactory, rank
from tests.site.test_security import inline_code

pytestmark = pytest.mark.django_db

URL = "/mitos-corner"


def client_with_rank(rank_name=None, *, superuser=False, csrf=False) -> Client:
    user = UserFactory(is_superuser=superuser, is_staff=superuser)
    if rank_name:
        PlayerFactory(user=user, guild_rank=rank(rank_name))
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


@pytest.fixture
def officer():
    return client_with_rank("Officer")


@pytest.fixture
def lists():
    quotes = [Quote.objects.create(text=t) for t in ("Who pulled?", "Heals are a privilege")]
    titles = [QuoteTitle.objects.create(text=t) for t in ("Mana Whisperer",)]
    return quotes, titles


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


# --- ROS-53 / ROS-54: the public page -------------------------------------------------------


def test_ros53_public_page_with_three_tabs(client, lists):
    response = client.get(URL)

    assert response.status_code == 200
    html = text_of(response)
    for label in ("Quotes", "Titles", "Quote of the day"):
        assert f">{label}</a>" in html
    assert "Who pulled?" in html and "Mana Whisperer" in html
    pair = service.quote_of_the_day()
    assert f"“{pair.quote}” — Mito, {pair.title}" in re.sub(r"<[^>]+>", "", html)


def test_ros53_tabs_are_links_without_js(client, lists):
    html = client.get(URL + "?tab=titles").content.decode()

    assert re.search(r'id="panel-quotes"[^>]*hidden', html)
    assert not re.search(r'id="panel-titles"[^>]*hidden', html)
    assert 'href="?tab=today"' in html


def test_ros53_empty_lists(client):
    html = text_of(client.get(URL + "?tab=today"))

    assert "No quotes yet." in html
    assert "Healer Extraordinaire" in html


def test_ros54_shuffle_without_js(client, lists):
    html = client.get(URL + "?shuffle=1").content.decode()

    assert not re.search(r'id="panel-today"[^>]*hidden', html)
    assert "Back to today" in html


def test_ros54_landing_shows_the_same_pick(client, lists):
    pair = service.quote_of_the_day()

    html = text_of(client.get("/"))

    assert "Quote of the day" in html
    assert f"“{pair.quote}” — Mito, {pair.title}" in re.sub(r"<[^>]+>", "", html)


def test_ros54_landing_hides_the_section_without_quotes(client):
    assert "Quote of the day" not in client.get("/").content.decode()


def test_acc54_mitos_corner_has_no_inline_code(officer, lists):
    for query in (
        "",
        "?tab=titles",
        "?tab=today",
        "?shuffle=1",
        "?edit=quote-1",
        "?delete=quote-1",
    ):
        response = officer.get(URL + query)
        assert response.status_code == 200
        assert inline_code(response) == [], query


def test_mitos_corner_queries_constant(client, django_assert_max_num_queries):
    """One query for both lists (UNION ALL), SiteConfig (cached per process), the nav vote."""
    Quote.objects.create(text="only one")
    with django_assert_max_num_queries(3):
        client.get(URL)
    Quote.objects.bulk_create(Quote(text=f"Quote {n}") for n in range(300))
    QuoteTitle.objects.bulk_create(QuoteTitle(text=f"Title {n}") for n in range(100))
    with django_assert_max_num_queries(3):
        response = client.get(URL)
    assert response.content.decode().count("data-quote-row>") == 401


# --- ROS-55: officers manage on the page ----------------------------------------------------


def test_ros55_controls_only_for_officers(client, lists):
    assert "Add a quote" not in client.get(URL).content.decode()
    assert "Add a quote" not in client_with_rank("Veteran").get(URL).content.decode()
    assert "Add a quote" in client_with_rank("Officer").get(URL).content.decode()
    assert "Add a quote" in client_with_rank(superuser=True).get(URL).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "Member", "Veteran"])
def test_ros55_non_officer_posts_are_403(client, lists, who):
    poster = client if who == "anonymous" else client_with_rank(who)

    response = poster.post(URL, {"action": "add", "kind": "quote", "text": "sneaky"})

    assert response.status_code == 403
    assert not Quote.objects.filter(text="sneaky").exists()


def test_ros55_add_quote_flashes_and_redirects(officer):
    response = officer.post(URL, {"action": "add", "kind": "quote", "text": "  Who pulled?  "})

    assert response.status_code == 302
    assert response["Location"] == "/mitos-corner?tab=quotes"
    assert Quote.objects.get().text == "Who pulled?"
    page = officer.get(response["Location"]).content.decode()
    assert "Quote added." in page and "flash-success" in page


def test_ros55_add_title(officer):
    officer.post(URL, {"action": "add", "kind": "title", "text": "Mana Whisperer"})

    assert QuoteTitle.objects.get().text == "Mana Whisperer"


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("quote", "   ", "Type something first!"),
        ("quote", "x" * 501, "Quotes can be at most 500 characters."),
        ("title", "y" * 101, "Titles can be at most 100 characters."),
        ("quote", "WHO PULLED?", "That quote is already in the list."),
    ],
)
def test_ros55_add_errors_shown_next_to_the_form_text_kept(officer, lists, kind, text, message):
    before = (Quote.objects.count(), QuoteTitle.objects.count())

    response = officer.post(URL, {"action": "add", "kind": kind, "text": text})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="add-{kind}-error">{message}' in unescape(html)
    if text.strip():
        assert f">{text}</textarea>" in html
    assert (Quote.objects.count(), QuoteTitle.objects.count()) == before


def test_ros55_edit_saves(officer, lists):
    quote = lists[0][0]

    response = officer.post(
        URL, {"action": "edit", "kind": "quote", "id": quote.pk, "text": "Who pulled, really?"}
    )

    assert response["Location"] == f"/mitos-corner?tab=quotes#quote-{quote.pk}"
    quote.refresh_from_db()
    assert quote.text == "Who pulled, really?"
    assert "Saved." in officer.get(response["Location"]).content.decode()


def test_ros55_edit_error_reopens_the_row_with_the_entered_text(officer, lists):
    quote = lists[0][0]

    response = officer.post(
        URL, {"action": "edit", "kind": "quote", "id": quote.pk, "text": "heals are a PRIVILEGE"}
    )

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "That quote is already in the list." in html
    assert ">heals are a PRIVILEGE</textarea>" in html
    quote.refresh_from_db()
    assert quote.text == "Who pulled?"


def test_ros55_edit_and_delete_links_work_without_js(officer, lists):
    quote = lists[0][0]

    edit = officer.get(f"{URL}?tab=quotes&edit=quote-{quote.pk}").content.decode()
    closed = officer.get(URL).content.decode()
    confirm = officer.get(f"{URL}?tab=quotes&delete=quote-{quote.pk}").content.decode()

    form = re.compile(r'<form[^>]*class="quote-edit-form"(?P<attrs>[^>]*)>')
    assert [m["attrs"] for m in form.finditer(edit)].count(" data-quote-edit-form novalidate") == 1
    assert all("hidden" in m["attrs"] for m in form.finditer(closed))
    assert "Delete this quote? This cannot be undone." in confirm
    assert re.search(r'class="quote-delete-form" data-quote-delete-form', confirm)


def test_ros55_delete(officer, lists):
    quote = lists[0][0]

    response = officer.post(URL, {"action": "delete", "kind": "quote", "id": quote.pk})

    assert response.status_code == 302
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert "Deleted." in officer.get(response["Location"]).content.decode()


def test_ros55_delete_of_a_missing_quote_is_a_message_not_an_error(officer):
    response = officer.post(URL, {"action": "delete", "kind": "quote", "id": "999"})

    assert response.status_code == 200
    assert "That quote no longer exists." in unescape(response.content.decode())


def test_ros55_unknown_action_is_400_page(officer):
    response = officer.post(URL, {"action": "explode", "kind": "quote"})

    assert response.status_code == 400
    assert "That form was not understood" in unescape(response.content.decode())


def test_ros55_forms_are_csrf_protected():
    officer = client_with_rank("Officer", csrf=True)

    refused = officer.post(URL, {"action": "add", "kind": "quote", "text": "no token"})
    page = officer.get(URL)
    token = officer.cookies["csrftoken"].value
    accepted = officer.post(
        URL, {"action": "add", "kind": "quote", "text": "with token", "csrfmiddlewaretoken": token}
    )

    assert refused.status_code == 403
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert accepted.status_code == 302
    assert list(Quote.objects.values_list("text", flat=True)) == ["with token"]


# --- ROS-55: admin --------------------------------------------------------------------------


def test_ros55_admin_list_search_and_rules(lists):
    admin = client_with_rank(superuser=True)

    listing = admin.get("/admin/patt/quote/?q=pulled").content.decode()
    assert "Who pulled?" in listing and "Heals are a privilege" not in listing
    assert admin.get("/admin/patt/quotetitle/").status_code == 200

    duplicate = admin.post("/admin/patt/quote/add/", {"text": "  who PULLED?  "})
    assert "That quote is already in the list." in unescape(duplicate.content.decode())
    too_long = admin.post("/admin/patt/quotetitle/add/", {"text": "t" * 101})
    assert too_long.status_code == 200
    added = admin.post("/admin/patt/quote/add/", {"text": "  Fresh one  "})
    assert added.status_code == 302
    assert Quote.objects.get(text="Fresh one").created_by is not None


def test_ros55_officers_manage_quotes_in_the_admin(lists):
    from identity.services.accounts import sync_officer_access

    user = UserFactory()
    PlayerFactory(user=user, guild_rank=rank("Officer"))
    sync_officer_access(user)
    client = Client()
    client.force_login(user)

    assert client.get("/admin/patt/quote/").status_code == 200
    assert client.post("/admin/patt/quote/add/", {"text": "By an officer"}).status_code == 302


# --- seed_demo ------------------------------------------------------------------------------


def test_seed_demo_adds_quotes_once(settings):
    from roster.demo.quotes import DEMO_QUOTES, DEMO_TITLES, seed_demo_quotes

    Quote.objects.create(text="WHO PULLED? BE HONEST.")  # an officer's own, kept

    first = seed_demo_quotes()
    second = seed_demo_quotes()

    assert (first.quotes, first.titles) == (len(DEMO_QUOTES) - 1, len(DEMO_TITLES))
    assert (second.quotes, second.titles) == (0, 0)
    assert Quote.objects.filter(text="WHO PULLED? BE HONEST.").exists()


def test_seed_demo_command_prints_the_quotes_line(settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("seed_demo", players=0, stdout=out)

    assert "Mito's Corner: 12 quotes and 6 titles added this run." in out.getvalue()
    assert Quote.objects.count() == 12
