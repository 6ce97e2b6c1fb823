"""An edit form people can finish: sections, an error summary linking to each field, time zones
chosen not typed, meeting times added without saving, plain words throughout."""

import re

import pytest
from django.urls import reverse

from accounts.forms import MeetingForm
from groups import timezones
from groups.models import Meeting
from tests.factories import make_region, make_support_group, make_type
from tests.posts import listing_post

pytestmark = pytest.mark.django_db

# Words an organizer should never meet: database, calendar-standard or moderators' terms.
FORBIDDEN = [
    "anchors",
    "kind of listing",
    "widest area",
    "-1",
    "rrule",
    "iana",
    "europe/london",
    "slug",
    "weeks_of_month",
    "timezone",
    "leave empty if not needed",
    "save and come back",
]


@pytest.fixture
def owner(cast):
    return cast.organizer


@pytest.fixture
def group(cast):
    return cast.listing  # Tuesdays 19:00-20:30, London time


def edit(client, group, data=None):
    url = reverse("accounts:edit", args=[group.slug])
    return client.post(url, data) if data is not None else client.get(url)


def visible_text(html):
    html = re.sub(r"<(script|template|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<option\b[^>]*>[^<]*</option>", " ", html)  # zone names like "Lagos time"
    return re.sub(r"<[^>]+>", " ", html).lower()


def test_the_form_is_in_named_sections_with_a_link_to_each(client, owner, group):
    client.force_login(owner)
    html = edit(client, group).content.decode()
    for key in ("about", "when", "join", "contact", "who"):
        assert f'href="#section-{key}"' in html and f'id="section-{key}"' in html
    when = html.split('id="section-when"')[1].split('id="section-join"')[0]
    assert 'name="meetings-0-frequency"' in when  # meeting times sit in "When it meets"


@pytest.mark.parametrize("page", ["edit", "new"])
def test_organizer_pages_use_no_jargon(client, owner, group, page):
    client.force_login(owner)
    url = (
        reverse("accounts:edit", args=[group.slug])
        if page == "edit"
        else reverse("accounts:new_group")
    )
    text = visible_text(client.get(url).content.decode())
    # Whole words only: test data names such as "type-12" are not jargon.
    found = [w for w in FORBIDDEN if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    assert found == []


def test_an_error_is_listed_at_the_top_with_a_link_to_its_field(client, owner, group):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, **{"meetings-0-timezone": "Mars/Olympus"}))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="form-errors"')[1].split("</div>")[0]
    assert 'href="#id_meetings-0-timezone"' in summary
    assert "Meeting time 1: Time zone" in summary
    assert "autofocus" in html.split('id="form-errors"')[1].split(">")[0]
    assert 'id="id_meetings-0-timezone"' in html  # the link's target exists


def test_a_missing_answer_says_what_to_do_and_keeps_what_was_typed(client, owner, group):
    """Django's "This field is required." beside "Name of the group" or "How often?" told an
    organizer nothing they could act on."""
    client.force_login(owner)
    data = listing_post(
        group, name="", summary="Kept summary", **{"meetings-0-frequency": "", "status": ""}
    )
    response = edit(client, group, data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="form-errors"')[1].split("</div>")[0]
    assert "Name of the group: Give the group’s name." in summary
    assert "Is it meeting at the moment?: Choose whether the group is meeting" in summary
    assert "Meeting time 1: How often?: Choose how often the group meets." in summary
    assert "This field is required" not in html
    assert 'value="Kept summary"' in html
    group.refresh_from_db()
    assert group.name == "Leith Voices"


def test_time_zone_is_a_select_with_common_zones_first(client, owner, group):
    client.force_login(owner)
    html = edit(client, group).content.decode()
    select = html.split('name="meetings-0-timezone"')[1].split("</select>")[0]
    first_group = re.search(r'<optgroup label="([^"]+)"', select).group(1)
    assert first_group == "North America"
    assert '<option value="America/New_York">Eastern Time (New York)</option>' in select
    assert "All of Africa" in select


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Eastern Time", "America/New_York"),
        ("UK time", "Europe/London"),
        ("pacific", "America/Los_Angeles"),
        ("Europe/Paris", "Europe/Paris"),
        ("New York", "America/New_York"),
    ],
)
def test_common_names_for_a_zone_are_understood(client, owner, group, typed, zone):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, **{"meetings-0-timezone": typed}))
    assert response.status_code == 302
    assert group.meetings.get().timezone == zone


def test_a_new_meeting_time_starts_in_the_zone_of_the_listings_region(client, owner):
    massachusetts = make_region(name="Massachusetts", slug="massachusetts", kind="state")
    western = make_region(name="Western Massachusetts", parent=massachusetts)
    group = make_support_group(types=[make_type()], owners=[owner], region=western)
    client.force_login(owner)
    html = edit(client, group).content.decode()
    select = html.split('name="meetings-0-timezone"')[1].split("</select>")[0]
    assert '<option value="America/New_York" selected>' in select
    assert 'data-zone-source="region"' in html


def test_without_a_region_zone_the_page_lets_the_browser_choose(client, owner):
    group = make_support_group(types=[make_type()], owners=[owner])
    client.force_login(owner)
    assert 'data-zone-source="site"' in edit(client, group).content.decode()


def test_add_another_time_without_script_keeps_what_was_typed_and_saves_nothing(
    client, owner, group
):
    client.force_login(owner)
    data = listing_post(
        group,
        another_time=True,
        summary="Typed but not saved",
        **{"meetings-0-start_time": "18:15"},
    )
    data["add_meeting"] = "1"
    response = edit(client, group, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Typed but not saved"' in html
    assert 'value="18:15"' in html
    assert 'name="meetings-2-frequency"' in html  # one more block than before
    assert 'name="meetings-TOTAL_FORMS" value="3"' in html
    assert "Some details need another look" not in html  # the blank block is not an error
    group.refresh_from_db()
    assert group.summary != "Typed but not saved"


def test_a_second_weekly_time_in_another_zone_is_saved_with_the_first(client, owner, group):
    client.force_login(owner)
    data = listing_post(
        group,
        another_time=True,
        **{
            "meetings-1-frequency": "weekly",
            "meetings-1-weekday": "5",
            "meetings-1-start_time": "10:00",
            "meetings-1-end_time": "11:00",
            "meetings-1-timezone": "Eastern Time",
        },
    )
    assert edit(client, group, data).status_code == 302
    zones = sorted(group.meetings.values_list("timezone", flat=True))
    assert zones == ["America/New_York", "Europe/London"]


def test_weeks_of_the_month_are_ticked_in_words_and_stored_as_before(client, owner, group):
    client.force_login(owner)
    data = listing_post(
        group, **{"meetings-0-frequency": "monthly", "meetings-0-weeks_of_month": ["2", "last"]}
    )
    assert edit(client, group, data).status_code == 302
    meeting = group.meetings.get()
    assert meeting.weeks_of_month == "2,-1"
    html = edit(client, group).content.decode()
    assert re.search(r'value="last"[^>]*checked|checked[^>]*value="last"', html)
    assert "The second and last Tuesday of the month, 7:00–8:30 pm" in html


def test_each_meeting_time_reads_as_a_sentence(client, owner, group):
    client.force_login(owner)
    html = edit(client, group).content.decode()
    assert "Tuesdays, 7:00–8:30 pm UK time" in html


def test_a_monthly_meeting_without_weeks_says_so_in_words():
    form = MeetingForm(
        data={"frequency": "monthly", "weekday": "1", "timezone": "Europe/London"},
        instance=Meeting(group=make_support_group()),
    )
    assert not form.is_valid()
    assert form.errors["weeks_of_month"] == [
        "Choose which weeks of the month it meets, e.g. the 1st and 3rd."
    ]


@pytest.fixture
def places():
    canada = make_region(name="Canada", slug="canada", kind="country")
    ontario = make_region(name="Ontario", slug="ontario", kind="state", parent=canada)
    uk = make_region(name="United Kingdom", slug="uk", kind="country")
    scotland = make_region(name="Scotland", slug="scotland", kind="state", parent=uk)
    return {
        "hamilton-on": make_region(name="Hamilton", parent=ontario),
        "hamilton-sc": make_region(name="Hamilton", parent=scotland),
        "toronto": make_region(name="Toronto", parent=ontario),
        "ontario": ontario,
    }


def region_box(html):
    return html.split('name="region"')[0].rsplit("<input", 1)[1] + html.split('name="region"')[1]


def test_the_place_is_a_text_box_offering_every_place_by_its_full_name(
    client, owner, group, places
):
    group.region = places["toronto"]
    group.save()
    client.force_login(owner)
    html = edit(client, group).content.decode()
    box = region_box(html).split("</datalist>")[0]
    assert 'value="Toronto, Ontario, Canada"' in box.split("<datalist")[0]  # what it is now
    assert 'list="id_region_places"' in box
    assert '<datalist id="id_region_places">' in box
    assert '<option value="Hamilton, Ontario, Canada">' in box
    assert '<option value="Hamilton, Scotland, United Kingdom">' in box
    assert '<label for="id_region">Where is it?' in html
    assert "Hamilton, Ontario, Canada" in html.split('id="id_region_helptext"')[1]


@pytest.mark.parametrize(
    "typed",
    [
        "Hamilton, Ontario, Canada",
        "  hamilton ,ontario,  CANADA ",
        "Hamilton, Ontario",
    ],
)
def test_a_place_typed_by_its_name_is_saved_as_that_region(client, owner, group, places, typed):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, region=typed))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.region == places["hamilton-on"]


def test_a_name_only_one_place_has_is_enough(client, owner, group, places):
    client.force_login(owner)
    assert edit(client, group, listing_post(group, region="toronto")).status_code == 302
    group.refresh_from_db()
    assert group.region == places["toronto"]


def test_a_name_two_places_share_asks_which_one_and_saves_nothing(client, owner, group, places):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, region="Hamilton", summary="Changed"))
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "More than one place is called “Hamilton”. Which one: Hamilton, Ontario, Canada; "
        "Hamilton, Scotland, United Kingdom?"
    ) in html
    assert 'href="#id_region"' in html  # the error summary links to the box
    assert 'value="Hamilton"' in region_box(html)  # what they typed is kept
    group.refresh_from_db()
    assert group.summary != "Changed"


def test_a_misspelt_place_gets_close_matches_not_a_crash(client, owner, group, places):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, region="Hamiltn"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "We do not know “Hamiltn”. Did you mean: " in html
    assert "Hamilton, Ontario, Canada" in html.split("We do not know")[1].split("?")[0]


def test_a_place_we_have_nothing_like_says_to_choose_the_country(client, owner, group, places):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, region="Xyzzyqwv"))
    assert response.status_code == 400
    assert "or the country if the town is not there" in response.content.decode()


def test_leaving_the_place_empty_clears_it(client, owner, group, places):
    group.region = places["toronto"]
    group.save()
    client.force_login(owner)
    assert edit(client, group, listing_post(group, region="")).status_code == 302
    group.refresh_from_db()
    assert group.region is None


def test_an_unchanged_place_posted_as_shown_is_not_a_change(owner, group, places):
    from accounts.forms import SupportGroupForm

    group.region = places["hamilton-sc"]
    group.save()
    form = SupportGroupForm(listing_post(group), instance=group)
    assert form.is_valid(), form.errors
    assert "region" not in form.changed_data
    assert form.cleaned_data["region"] == places["hamilton-sc"]


def test_zone_names_module_understands_what_people_say():
    assert timezones.resolve("Eastern Time") == "America/New_York"
    assert timezones.resolve("uk time") == "Europe/London"
    assert timezones.resolve("Atlantis") is None
    assert timezones.option_label("Europe/London") == "UK time (London)"


def test_an_error_on_ticked_weeks_links_to_the_first_box(client, owner, group):
    client.force_login(owner)
    response = edit(client, group, listing_post(group, **{"meetings-0-frequency": "monthly"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_meetings-0-weeks_of_month_0"' in html
    assert 'id="id_meetings-0-weeks_of_month_0"' in html


def test_a_town_we_do_not_list_is_answered_with_the_region_it_is_in(client, owner, group):
    uk = make_region(name="United Kingdom", slug="uk", kind="country")
    make_region(name="Scotland", slug="scotland", kind="state", parent=uk)
    client.force_login(owner)
    response = edit(client, group, listing_post(group, region="Glasgow"))
    assert response.status_code == 400
    assert (
        "“Glasgow” is not on our list of places. It is in “Scotland, United Kingdom”"
        in response.content.decode()
    )
