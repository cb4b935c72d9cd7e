"""CMP-13: the entries inline — defaults, messages, Drive links, uploads, read-only later."""

import io

import pytest
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns.forms import MAX_IMAGE_BYTES, rewrite_drive_link
from campaigns.models import Campaign, CampaignEntry
from tests.admin_forms import form_data
from tests.campaigns.admin.helpers import add_url, change_url, errors_of, new_campaign_data
from tests.campaigns.factories import CampaignFactory, EntryFactory, live_campaign
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db

DUPLICATE = "This campaign already has an entry named “{}”."


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "gold").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_cmp13_new_rows_default_to_max_sort_order_plus_one(officer_client):
    draft = CampaignFactory()
    EntryFactory(campaign=draft, sort_order=4)
    EntryFactory(campaign=draft, sort_order=9)
    page = officer_client.get(change_url(draft))
    formset = page.context["inline_admin_formsets"][0].formset
    extra = formset.forms[formset.initial_form_count() :]
    assert [form["sort_order"].value() for form in extra] == [10, 11, 12]


def test_cmp13_first_entries_of_a_new_campaign_start_at_one(officer_client):
    formset = officer_client.get(add_url()).context["inline_admin_formsets"][0].formset
    assert [form["sort_order"].value() for form in formset.forms] == [1, 2, 3]


def test_cmp13_blank_sort_order_is_saved_as_max_plus_one(officer_client):
    data = new_campaign_data(entries=[{"name": "A", "sort_order": "5"}, {"name": "B"}])
    response = officer_client.post(add_url(), data)
    assert response.status_code == 302, errors_of(response)
    orders = dict(CampaignEntry.objects.values_list("name", "sort_order"))
    assert orders == {"A": 5, "B": 6}


def test_cmp13_entries_are_saved_with_the_new_campaign(officer_client):
    player = PlayerFactory(display_name="Trog")
    data = new_campaign_data(
        entries=[
            {"name": "Trog", "description": "Orc", "player": str(player.pk), "sort_order": "1"},
            {"name": "Rocket", "image_url": "https://example.com/r.png", "sort_order": "2"},
        ]
    )
    assert officer_client.post(add_url(), data).status_code == 302
    trog, rocket = CampaignEntry.objects.order_by("sort_order")
    assert trog.player == player and trog.description == "Orc"
    assert rocket.image_url == "https://example.com/r.png"


# Issue 11 item 20: names are unique ignoring case — a form error, never the database's
# IntegrityError (a 500).
SAME_NAMES = pytest.mark.parametrize("second", ["Trog", "trog", "TROG"])


@SAME_NAMES
def test_cmp13_duplicate_name_in_the_form_is_refused(officer_client, second):
    data = new_campaign_data(entries=[{"name": "Trog"}, {"name": second}])
    response = officer_client.post(add_url(), data)
    assert response.status_code == 200
    assert errors_of(response) == [DUPLICATE.format(second)]
    assert not Campaign.objects.exists()


@SAME_NAMES
def test_cmp13_duplicate_of_an_existing_entry_is_refused(officer_client, second):
    draft = CampaignFactory()
    EntryFactory(campaign=draft, name="Trog")
    data = form_data(officer_client.get(change_url(draft)))
    data["entries-1-name"] = second
    response = officer_client.post(change_url(draft), data)
    assert response.status_code == 200
    assert errors_of(response) == [DUPLICATE.format(second)]
    assert list(draft.entries.values_list("name", flat=True)) == ["Trog"]


def test_cmp13_changing_only_the_case_of_a_name_is_allowed(officer_client):
    draft = CampaignFactory()
    EntryFactory(campaign=draft, name="trog")
    data = form_data(officer_client.get(change_url(draft)))
    data["entries-0-name"] = "Trog"
    response = officer_client.post(change_url(draft), data)
    assert response.status_code == 302, errors_of(response)
    assert list(draft.entries.values_list("name", flat=True)) == ["Trog"]


def test_cmp13_swapping_two_names_is_not_a_duplicate(officer_client):
    draft = CampaignFactory()
    EntryFactory(campaign=draft, name="A", sort_order=1)
    EntryFactory(campaign=draft, name="B", sort_order=2)
    data = form_data(officer_client.get(change_url(draft)))
    data["entries-0-name"], data["entries-1-name"] = "B2", "A"
    response = officer_client.post(change_url(draft), data)
    assert response.status_code == 302, errors_of(response)
    assert sorted(draft.entries.values_list("name", flat=True)) == ["A", "B2"]


@pytest.mark.parametrize(
    "url", ["http://example.com/a.png", "not a url", "ftp://example.com/a.png", "https://"]
)
def test_cmp13_image_url_must_be_https(officer_client, url):
    data = new_campaign_data(entries=[{"name": "A", "image_url": url}])
    response = officer_client.post(add_url(), data)
    assert response.status_code == 200
    assert errors_of(response) == ["Enter a valid https URL."]


@pytest.mark.parametrize(
    "link",
    [
        "https://drive.google.com/file/d/1AbC-d_9/view?usp=sharing",
        "https://drive.google.com/file/d/1AbC-d_9/view",
        "https://drive.google.com/file/d/1AbC-d_9",
        "https://drive.google.com/open?id=1AbC-d_9",
    ],
)
def test_cmp13_google_drive_share_link_is_stored_as_direct_image_url(officer_client, link):
    data = new_campaign_data(entries=[{"name": "A", "image_url": link}])
    assert officer_client.post(add_url(), data).status_code == 302
    assert CampaignEntry.objects.get().image_url == (
        "https://drive.google.com/uc?id=1AbC-d_9&export=view"
    )


def test_cmp13_other_urls_are_kept_as_typed():
    url = "https://drive.google.com/uc?id=X&export=view"
    assert rewrite_drive_link(url) == url
    assert rewrite_drive_link("https://example.com/file/d/1/view") == (
        "https://example.com/file/d/1/view"
    )


def post_with_upload(client, upload):
    data = new_campaign_data(entries=[{"name": "A"}])
    data["entries-0-image"] = upload
    return client.post(add_url(), data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_cmp13_image_upload_accepts_the_four_formats(officer_client, media, fmt):
    upload = SimpleUploadedFile(f"a.{fmt.lower()}", image_bytes(fmt))
    response = post_with_upload(officer_client, upload)
    assert response.status_code == 302, errors_of(response)
    entry = CampaignEntry.objects.get()
    assert entry.image.name.startswith("campaigns/entries/")
    assert entry.display_image == entry.image.url


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.txt", b"not an image"),
        ("a.png", b"\x89PNG but broken"),
        ("a.bmp", image_bytes("BMP")),
        ("a.png", image_bytes("BMP")),
    ],
)
def test_cmp13_upload_of_other_files_is_refused(officer_client, media, name, content):
    response = post_with_upload(officer_client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert errors_of(response) == ["Upload a JPEG, PNG, WebP or GIF image."]
    assert not CampaignEntry.objects.exists()


def test_cmp13_upload_over_5_mb_is_refused(officer_client, media):
    big = image_bytes("PNG") + b"\0" * MAX_IMAGE_BYTES
    response = post_with_upload(officer_client, SimpleUploadedFile("big.png", big))
    assert response.status_code == 200
    assert errors_of(response) == ["Images must be 5 MB or smaller."]


def test_cmp13_player_is_chosen_by_autocomplete(officer_client):
    formset = officer_client.get(add_url()).context["inline_admin_formsets"][0].formset
    assert isinstance(formset.forms[0].fields["player"].widget.widget, AutocompleteSelect)


def test_cmp13_thumbnail_preview_shows_the_display_image(officer_client):
    draft = CampaignFactory()
    EntryFactory(campaign=draft, name="Trog", image_url="https://example.com/trog.png")
    html = officer_client.get(change_url(draft)).content.decode()
    assert '<img src="https://example.com/trog.png" alt="Trog" class="entry-thumb"' in html


def test_cmp10_cmp13_entries_are_read_only_once_live(officer_client):
    campaign = live_campaign(entries=3)
    page = officer_client.get(change_url(campaign))
    inline = page.context["inline_admin_formsets"][0]
    assert inline.formset.model is CampaignEntry
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission
    assert 'name="entries-0-name"' not in page.content.decode()
