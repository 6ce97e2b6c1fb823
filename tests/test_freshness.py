"""Listings stay current by themselves: reminder mails with one-purpose links, a second reminder,
and the moderators' queue for the listings nobody answers for."""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import freshness
from accounts.models import FreshnessReminder, ModeratorNotice
from groups.models import AuditEntry, SupportGroup
from tests.factories import make_meeting, make_moderator, make_support_group, make_user

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.localdate() - dt.timedelta(days=200)


def run():
    call_command("send_freshness_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115


def links_in(message):
    found = re.findall(r"http://127\.0\.0\.1:8000(/organizer/reminders/\S+)", message.body)
    return dict(zip(("confirm", "update", "stopped"), found, strict=True))


@pytest.fixture
def owned():
    group = make_support_group(
        name="Leith Voices", owners=[make_user(email="jo@example.org")], last_confirmed=LONG_AGO
    )
    make_meeting(group, weekday=1, start_time=dt.time(19, 0), end_time=dt.time(20, 30))
    return group


def test_owners_of_a_listing_unconfirmed_for_six_months_get_one_reminder(owned):
    make_support_group(
        owners=[make_user()], last_confirmed=timezone.localdate()
    )  # fresh: not asked
    run()
    (message,) = mail.outbox
    assert message.to == ["jo@example.org"]
    assert "Leith Voices" in message.subject
    assert "Tuesdays, 7:00–8:30 pm" in message.body
    assert set(links_in(message)) == {"confirm", "update", "stopped"}
    run()  # again the same day: nothing new
    assert len(mail.outbox) == 1


def test_still_meeting_link_shows_one_button_and_confirms_only_on_post(client, owned):
    run()
    confirm = links_in(mail.outbox[0])["confirm"]
    page = client.get(confirm)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('type="submit"') == 1
    assert "Yes, still meeting, nothing changed" in html
    owned.refresh_from_db()
    assert owned.last_confirmed == LONG_AGO  # a mail scanner's GET changes nothing
    today = timezone.localdate()
    done = client.post(confirm)
    assert done.status_code == 200
    assert "marked as still meeting" in done.content.decode()
    owned.refresh_from_db()
    assert owned.last_confirmed in {today, timezone.localdate()}  # the click may cross midnight
    assert FreshnessReminder.objects.get().answer == "confirm"
    # Pressing again is harmless and says so.
    assert "already done" in client.get(confirm).content.decode()


def test_it_has_stopped_pauses_the_listing_and_tells_the_moderators(client, owned):
    make_moderator(email="mod@example.org")
    run()
    stopped = links_in(mail.outbox[0])["stopped"]
    assert "Has “Leith Voices” stopped meeting?" in client.get(stopped).content.decode()
    client.post(stopped)
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.PAUSED
    assert ModeratorNotice.objects.get().kind == "stopped"
    assert AuditEntry.objects.filter(action="listing paused by its organizer").exists()


def test_update_link_leads_to_the_edit_form_after_logging_in(client, owned):
    run()
    update = links_in(mail.outbox[0])["update"]
    response = client.get(update, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert f"next=/organizer/groups/{owned.slug}/edit/" in response.redirect_chain[-1][0]


def test_a_link_is_for_its_own_action_only_and_cannot_be_edited(client, owned):
    run()
    links = links_in(mail.outbox[0])
    token = links["confirm"].rstrip("/").rsplit("/", 1)[-1]
    assert client.post(f"/organizer/reminders/stopped/{token}/").status_code == 404
    assert client.post(links["confirm"][:-3] + "xx/").status_code == 404
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.ACTIVE
    assert owned.last_confirmed == LONG_AGO


def test_a_link_expires_after_thirty_days(client, owned, monkeypatch):
    run()
    confirm = links_in(mail.outbox[0])["confirm"]
    later = timezone.now().timestamp() + 31 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = client.post(confirm)
    assert response.status_code == 410
    assert "30 days" in response.content.decode()
    owned.refresh_from_db()
    assert owned.last_confirmed == LONG_AGO


def test_a_second_reminder_after_two_weeks_then_the_moderators_queue(owned, client):
    run()
    assert freshness.needing_moderators().count() == 0
    two_weeks = timezone.now() + dt.timedelta(days=15)
    freshness.send_due(now=two_weeks)
    assert len(mail.outbox) == 2
    assert "Reminder:" in mail.outbox[1].subject
    assert "second and last reminder" in mail.outbox[1].body
    freshness.send_due(now=two_weeks)  # no third
    assert len(mail.outbox) == 2
    four_weeks = timezone.now() + dt.timedelta(days=30)
    assert list(freshness.needing_moderators(now=four_weeks)) == [owned]


def test_listings_nobody_manages_go_to_the_moderators_queue_not_to_anyone_by_mail(client):
    orphan = make_support_group(name="Nobody's Group", last_confirmed=None)
    run()
    assert mail.outbox == []
    assert list(freshness.needing_moderators()) == [orphan]
    client.force_login(make_moderator())
    html = client.get(reverse("admin:moderation_queue")).content.decode()
    assert "Listings to check by hand" in html and "Nobody&#x27;s Group" in html


def test_the_moderators_queue_of_a_later_moment_counts_the_days_up_to_that_moment():
    confirmed = timezone.localdate() - dt.timedelta(days=100)
    orphan = make_support_group(name="Nobody's Group", last_confirmed=confirmed)
    assert list(freshness.needing_moderators()) == []
    # Three months on it is six months unconfirmed, and nobody can be asked.
    later = timezone.now() + dt.timedelta(days=90)
    assert list(freshness.needing_moderators(now=later)) == [orphan]


def test_an_answered_round_asks_no_more(client, owned):
    run()
    client.post(links_in(mail.outbox[0])["confirm"])
    freshness.send_due(now=timezone.now() + dt.timedelta(days=15))
    assert len(mail.outbox) == 1


def test_one_answer_settles_the_round_and_a_later_link_changes_nothing(client, owned):
    run()
    freshness.send_due(now=timezone.now() + dt.timedelta(days=15))
    first, second = (links_in(message) for message in mail.outbox)
    client.post(second["confirm"])
    assert list(FreshnessReminder.objects.values_list("number", "answer")) == [
        (2, "confirm"),
        (1, "confirm"),
    ]
    client.post(first["stopped"])  # the older mail, pressed afterwards
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.ACTIVE
    assert not ModeratorNotice.objects.filter(kind="stopped").exists()


def test_the_public_warning_appears_only_past_twelve_months(client):
    recent = make_support_group(last_confirmed=timezone.localdate() - dt.timedelta(days=200))
    old = make_support_group(last_confirmed=timezone.localdate() - dt.timedelta(days=400))
    assert not recent.is_stale
    assert old.is_stale


# --- A link is its organizer's, and acts only while they look after the listing ---------------


@pytest.fixture
def two_organizers(owned):
    """Jo (the owner `owned` was built with) and Sam, a co-organizer; one mail each."""
    sam = make_user(email="sam@example.org")
    owned.owners.add(sam)
    run()
    by_address = {message.to[0]: links_in(message) for message in mail.outbox}
    return by_address["jo@example.org"], by_address["sam@example.org"], sam


def assert_no_longer_works(response):
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link no longer works" in html
    assert "Nothing was changed" in html
    assert reverse("contact") in html  # how to get help


def assert_listing_untouched(group):
    group.refresh_from_db()
    assert group.status == SupportGroup.Status.ACTIVE
    assert group.last_confirmed == LONG_AGO
    assert not ModeratorNotice.objects.filter(kind="stopped").exists()
    assert FreshnessReminder.objects.filter(answered_at__isnull=False).count() == 0


def test_each_organizer_gets_links_of_their_own(two_organizers):
    jo, sam, _sam = two_organizers
    assert jo["stopped"] != sam["stopped"]


def test_a_link_stops_working_once_its_organizer_has_left_the_listing(
    client, owned, two_organizers
):
    from accounts import services

    _jo, sam_links, sam = two_organizers
    services.leave_group(owned, sam)
    for action in ("confirm", "stopped", "update"):
        assert_no_longer_works(client.get(sam_links[action]))
    assert_no_longer_works(client.post(sam_links["stopped"]))
    assert_listing_untouched(owned)


def test_a_link_stops_working_once_its_organizer_was_removed_by_a_moderator(
    client, owned, two_organizers
):
    jo_links, sam_links, sam = two_organizers
    owned.owners.remove(sam)
    assert_no_longer_works(client.post(sam_links["stopped"]))
    assert_listing_untouched(owned)
    # Jo still looks after it: Jo's link works.
    client.post(jo_links["stopped"])
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.PAUSED


def test_a_link_stops_working_once_its_organizers_account_is_deleted_or_closed(
    client, owned, two_organizers
):
    from accounts import services

    jo_links, sam_links, sam = two_organizers
    services.delete_account(sam)
    assert_no_longer_works(client.post(sam_links["stopped"]))
    jo = owned.owners.get()
    jo.is_active = False  # a moderator closed the account
    jo.save()
    assert_no_longer_works(client.post(jo_links["confirm"]))
    assert_listing_untouched(owned)


def test_a_link_for_a_listing_since_taken_out_of_the_directory_changes_nothing(client, owned):
    from groups.moderation import archive_support_group

    run()
    links = links_in(mail.outbox[0])
    archive_support_group(owned, make_moderator(), "Duplicate of another listing")
    mail.outbox.clear()
    assert_no_longer_works(client.post(links["stopped"]))
    assert_no_longer_works(client.post(links["confirm"]))
    owned.refresh_from_db()
    assert owned.moderation == SupportGroup.Moderation.ARCHIVED
    assert owned.status == SupportGroup.Status.ACTIVE
    assert owned.last_confirmed == LONG_AGO


def test_a_link_made_before_links_named_their_organizer_no_longer_acts(client, owned):
    # Such a link cannot say whom it was sent to, so nobody can tell it still is theirs.
    run()
    reminder = FreshnessReminder.objects.get()
    token = signing.dumps({"r": reminder.pk, "g": owned.pk}, salt="peerdir.freshness.stopped")
    assert_no_longer_works(client.post(f"/organizer/reminders/stopped/{token}/"))
    assert_listing_untouched(owned)


def test_pressing_a_used_link_again_changes_nothing_and_says_it_is_done(client, owned):
    run()
    stopped = links_in(mail.outbox[0])["stopped"]
    client.post(stopped)
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.PAUSED
    # The organizer sets it back to active; the old link, replayed, must not pause it again.
    SupportGroup.objects.filter(pk=owned.pk).update(status=SupportGroup.Status.ACTIVE)
    again = client.post(stopped)
    assert again.status_code == 200
    assert "already done" in again.content.decode()
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.ACTIVE
    assert ModeratorNotice.objects.filter(kind="stopped").count() == 1


def test_the_audit_names_the_organizer_whose_link_paused_the_listing(client, owned):
    run()
    client.post(links_in(mail.outbox[0])["stopped"])
    entry = AuditEntry.objects.get(action="listing paused by its organizer")
    assert entry.actor == owned.owners.get()


def test_it_has_stopped_does_not_reopen_a_listing_closed_since_the_mail(client, owned):
    run()
    stopped = links_in(mail.outbox[0])["stopped"]
    SupportGroup.objects.filter(pk=owned.pk).update(status=SupportGroup.Status.CLOSED)
    client.post(stopped)
    owned.refresh_from_db()
    assert owned.status == SupportGroup.Status.CLOSED
