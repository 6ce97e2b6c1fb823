"""Owners edit their listing and its meeting times; a stale form never overwrites a newer save."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.forms import SupportGroupForm, meeting_formset
from groups.models import Meeting, SupportGroup
from tests.factories import (
    make_meeting,
    make_moderator,
    make_region,
    make_support_group,
    make_type,
    make_user,
)
from tests.posts import edit_url, listing_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user(name="Alex")


@pytest.fixture
def group(owner):
    group = make_support_group(
        name="Hearing Voices Leith",
        types=[make_type(name="Hearing voices")],
        owners=[owner],
        last_confirmed=dt.date(2020, 1, 1),
    )
    make_meeting(group, weekday=3, start_time=dt.time(17, 0), end_time=dt.time(18, 0))
    return group


def test_owner_sees_the_listing_and_its_meeting_times_in_the_form(client, owner, group):
    client.force_login(owner)
    response = client.get(edit_url(group))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Hearing Voices Leith"' in html
    assert 'value="17:00"' in html
    assert 'name="add_meeting"' in html  # "Add another time", no blank block to skip past
    assert f'name="version" value="{group.version}"' in html
    assert "style=" not in html


def test_owner_saves_a_new_summary_and_meeting_time_live_at_once(client, owner, group):
    client.force_login(owner)
    data = listing_post(
        group,
        summary="Now on Wednesdays",
        **{"meetings-0-start_time": "19:30", "meetings-0-end_time": "21:00"},
    )
    today = timezone.localdate()
    response = client.post(edit_url(group), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.summary == "Now on Wednesdays"
    assert group.version == 2
    assert group.last_confirmed in {today, timezone.localdate()}  # the save may cross midnight
    assert group.meetings.get().start_time == dt.time(19, 30)
    # Recorded in the history, under the organizer's name.
    latest = group.history.first()
    assert latest.summary == "Now on Wednesdays"
    assert latest.history_user == owner
    # Public page shows the new time; search knows the new words.
    public = client.get(group.get_absolute_url()).content.decode()
    assert "7:30" in public
    assert "Wednesdays" in SupportGroup.objects.get(pk=group.pk).search_document


def test_second_save_from_the_same_form_gets_the_conflict_page_and_overwrites_nothing(
    client, owner, group
):
    co_owner = make_user()
    group.ownerships.create(user=co_owner)
    first = listing_post(group, summary="First organizer's words")
    second = listing_post(group, summary="Second organizer's words")

    client.force_login(owner)
    assert client.post(edit_url(group), first).status_code == 302
    client.force_login(co_owner)
    response = client.post(edit_url(group), second)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this listing" in html
    assert "Second organizer&#x27;s words" in html
    assert "First organizer&#x27;s words" in html
    group.refresh_from_db()
    assert group.summary == "First organizer's words"
    assert group.version == 2


def test_the_same_save_posted_twice_lands_on_the_saved_page_not_the_conflict_page(
    client, owner, group
):
    """A double tap on Save sent the same form twice: the second answer, the one the browser
    shows, said "Someone else changed this listing while you were editing"."""
    client.force_login(owner)
    data = listing_post(
        group,
        summary="Once",
        another_time=True,
        **{
            "meetings-1-frequency": "weekly",
            "meetings-1-weekday": "5",
            "meetings-1-start_time": "10:00",
        },
    )
    first = client.post(edit_url(group), data)
    second = client.post(edit_url(group), data)
    saved = reverse("accounts:saved", args=[group.slug])
    assert first.status_code == second.status_code == 302
    assert second.url == saved
    group.refresh_from_db()
    assert group.version == 2
    assert group.meetings.count() == 2  # the new time once, not twice

    # A different second post from the same old version is still a conflict.
    other = client.post(edit_url(group), {**data, "summary": "Twice"})
    assert other.status_code == 409


def test_save_listing_lets_exactly_one_of_two_saves_from_the_same_version_win(group, owner):
    forms = []
    for summary in ("A", "B"):
        g = SupportGroup.objects.get(pk=group.pk)
        data = listing_post(g, summary=summary)
        form, formset = SupportGroupForm(data, instance=g), meeting_formset(g, data)
        assert form.is_valid() and formset.is_valid(), (form.errors, formset.errors)
        forms.append((g, form, formset))
    services.save_support_group(*forms[0], owner, 1)
    with pytest.raises(services.EditConflict):
        services.save_support_group(*forms[1], owner, 1)
    group.refresh_from_db()
    assert (group.summary, group.version) == ("A", 2)


def test_organizer_save_does_not_undo_a_moderators_change_to_moderation(client, owner, group):
    data = listing_post(group, summary="Updated")
    SupportGroup.objects.filter(pk=group.pk).update(moderation="archived")
    client.force_login(owner)
    assert client.post(edit_url(group), data).status_code == 302
    group.refresh_from_db()
    assert (group.summary, group.moderation) == ("Updated", "archived")


def test_meeting_that_would_end_23_hours_later_is_explained_and_nothing_is_saved(
    client, owner, group
):
    client.force_login(owner)
    data = listing_post(
        group,
        summary="Changed",
        **{"meetings-0-start_time": "18:00", "meetings-0-end_time": "17:00"},
    )
    response = client.post(edit_url(group), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "From 6:00 pm to 5:00 pm the next day is more than 12 hours." in html
    assert 'value="Changed"' in html  # what they typed is kept
    group.refresh_from_db()
    assert group.summary != "Changed"
    assert group.version == 1


def test_owner_adds_a_meeting_in_the_blank_row_and_deletes_the_old_one(client, owner, group):
    client.force_login(owner)
    data = listing_post(
        group,
        another_time=True,
        **{
            "meetings-0-DELETE": "on",
            "meetings-1-frequency": "monthly",
            "meetings-1-weekday": "1",
            "meetings-1-weeks_of_month": "1,3",
            "meetings-1-start_time": "10:00",
            "meetings-1-end_time": "11:30",
        },
    )
    response = client.post(edit_url(group), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(group=group)
    assert (meeting.frequency, meeting.weeks_of_month) == ("monthly", "1,3")
    assert meeting.timezone == "America/Los_Angeles"  # preset from the group's existing meeting


def test_monthly_meeting_without_weeks_gets_a_clear_message(client, owner, group):
    client.force_login(owner)
    data = listing_post(
        group, **{"meetings-0-frequency": "monthly", "meetings-0-weeks_of_month": ""}
    )
    response = client.post(edit_url(group), data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_forged_post_without_version_is_refused_with_a_message(client, owner, group):
    client.force_login(owner)
    data = listing_post(group, summary="Sneaky")
    del data["version"]
    response = client.post(edit_url(group), data)
    assert response.status_code == 400
    assert "reload the page" in response.content.decode()
    group.refresh_from_db()
    assert group.summary != "Sneaky"


def test_unknown_region_id_is_a_form_error_not_a_crash(client, owner, group):
    client.force_login(owner)
    response = client.post(edit_url(group), listing_post(group, region="999999"))
    assert response.status_code == 400
    assert "We do not know “999999”." in response.content.decode()


def test_still_meeting_sets_last_confirmed_to_today_in_one_click(client, owner, group):
    client.force_login(owner)
    url = reverse("accounts:confirm", args=[group.slug])
    assert client.get(url).status_code == 405
    today = timezone.localdate()
    response = client.post(url)
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.last_confirmed in {today, timezone.localdate()}  # the click may cross midnight
    assert not group.is_stale


def test_listing_not_confirmed_for_a_year_says_it_may_be_out_of_date(client, group):
    group.last_confirmed = timezone.localdate() - dt.timedelta(days=400)
    group.save()
    assert "may be out of date" in client.get(group.get_absolute_url()).content.decode()
    group.last_confirmed = timezone.localdate()
    group.save()
    assert "may be out of date" not in client.get(group.get_absolute_url()).content.decode()


def test_history_shows_who_changed_what_and_when(client, owner, group):
    region = make_region(name="Lothians")
    client.force_login(owner)
    client.post(
        edit_url(group),
        listing_post(
            group,
            summary="A calmer summary",
            region=region.pk,
            **{"meetings-0-start_time": "16:00"},
        ),
    )
    response = client.get(reverse("accounts:history", args=[group.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Listing edited" in html
    assert "A calmer summary" in html
    assert "Lothians" in html  # names, not ids
    assert "Meeting time changed" in html
    assert "Alex" in html


def test_history_page_runs_a_fixed_number_of_queries(
    client, owner, group, django_assert_num_queries
):
    client.force_login(owner)
    for n in range(3):
        client.post(
            edit_url(group), listing_post(SupportGroup.objects.get(pk=group.pk), summary=f"v{n}")
        )
    # session, user, group (ownership check), group history, meeting history
    with django_assert_num_queries(5):
        response = client.get(reverse("accounts:history", args=[group.slug]))
    assert response.content.decode().count("Listing edited") == 3


def test_dashboard_runs_a_fixed_number_of_queries(client, owner, django_assert_num_queries):
    for _ in range(3):
        g = make_support_group(owners=[owner])
        make_meeting(g)
    client.force_login(owner)
    # session, user, groups, their meetings, claims, reports
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:dashboard"))
    assert response.content.decode().count("Still meeting") == 3


def test_moderator_can_edit_a_listing_they_do_not_own(client, group):
    client.force_login(make_moderator())
    response = client.post(edit_url(group), listing_post(group, summary="Fixed typo"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.summary == "Fixed typo"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_on_postgresql_one_wins_the_other_gets_a_conflict():
    import threading

    from django.db import connection, transaction

    owner = make_user()
    group = make_support_group(types=[make_type()], owners=[owner], summary="Original")
    prepared = []
    for summary in ("First", "Second"):
        g = SupportGroup.objects.get(pk=group.pk)
        data = listing_post(g, summary=summary)
        form, formset = SupportGroupForm(data, instance=g), meeting_formset(g, data)
        assert form.is_valid() and formset.is_valid()
        prepared.append((g, form, formset))
    holding, release, results = threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                services.save_support_group(*prepared[0], owner, 1)
                holding.set()
                release.wait(10)  # keep the row locked while the second save starts
            results.append("first saved")
        finally:
            connection.close()

    def second():
        holding.wait(10)
        try:
            services.save_support_group(*prepared[1], owner, 1)
            results.append("second saved")
        except services.EditConflict:
            results.append("second conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    holding.wait(10)
    import time

    time.sleep(0.5)  # the second save is now blocked on the row lock
    release.set()
    for t in threads:
        t.join(20)
    assert sorted(results) == ["first saved", "second conflict"]
    group.refresh_from_db()
    assert (group.summary, group.version) == ("First", 2)
