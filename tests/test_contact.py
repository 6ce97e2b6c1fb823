"""Visitors write to a listing's organizers without ever seeing their addresses."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from groups.models import ContactMessage, Report
from tests.factories import make_support_group, make_user

pytestmark = pytest.mark.django_db


def contact_url(group):
    return reverse("groups:contact", args=[group.slug])


def owned_group(*emails, **kwargs):
    owners = [make_user(email=e) for e in emails or ("owner@example.org",)]
    fields = {"email": "hidden@example.org", "email_public": False}
    fields.update(kwargs)
    return make_support_group(owners=owners, **fields)


def message(**overrides):
    data = {"sender_name": "Sam", "reply_to": "sam@example.net", "body": "Can I come on Thursday?"}
    data.update(overrides)
    return data


@pytest.fixture
def failing_mail(monkeypatch):
    def refuse(self, messages):
        raise TimeoutError("smtp timed out")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def test_contact_form_shows_no_organizer_address(client):
    group = owned_group("alice@example.org")
    response = client.get(contact_url(group))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Contact the organizers of" in html
    assert "alice@example.org" not in html
    assert "hidden@example.org" not in html
    assert 'name="homepage"' in html


def test_message_is_relayed_to_each_owner_separately_with_the_visitors_reply_to(
    client, django_capture_on_commit_callbacks
):
    group = owned_group("alice@example.org", "bob@example.org", name="Leith Voices")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(contact_url(group), message())
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:contact_done", args=[group.slug])
    assert sorted(m.to for m in mail.outbox) == [["alice@example.org"], ["bob@example.org"]]
    for sent in mail.outbox:
        assert sent.reply_to == ["sam@example.net"]
        assert "Can I come on Thursday?" in sent.body
        assert "Leith Voices" in sent.subject
        assert not sent.cc and not sent.bcc
    saved = ContactMessage.objects.get()
    assert saved.sent_at is not None and saved.send_attempts == 1
    page = client.get(response["Location"]).content.decode()
    assert "Your message is on its way" in page


def test_without_a_reply_address_there_is_no_reply_to_and_the_organizer_is_told(
    client, django_capture_on_commit_callbacks
):
    group = owned_group()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(contact_url(group), message(reply_to=""))
    (sent,) = mail.outbox
    assert sent.reply_to == []
    assert "Reply-To" not in sent.message()
    assert "gave no email address" in sent.body


def test_listing_with_a_public_email_or_no_owner_has_no_contact_form(client):
    public = owned_group(email_public=True)
    unowned = make_support_group(email="hidden@example.org", email_public=False)
    for group in (public, unowned):
        assert client.get(contact_url(group)).status_code == 404
        assert client.post(contact_url(group), message()).status_code == 404
    assert ContactMessage.objects.count() == 0


def test_empty_or_too_long_message_is_refused_with_the_text_kept(client):
    group = owned_group()
    empty = client.post(contact_url(group), message(body=""))
    assert empty.status_code == 200
    assert "Write your message to the organizers." in empty.content.decode()
    long_body = "y" * 4001
    long = client.post(contact_url(group), message(body=long_body))
    assert long.status_code == 200
    assert "at most 4000 characters" in long.content.decode()
    assert long_body in long.content.decode()
    assert ContactMessage.objects.count() == 0


def test_bad_reply_address_is_a_clear_error(client):
    response = client.post(contact_url(owned_group()), message(reply_to="not an address"))
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert ContactMessage.objects.count() == 0


def test_links_in_a_refused_message_are_shown_as_text(client):
    response = client.post(
        contact_url(owned_group()), message(body="http://evil.example " + "z" * 4000)
    )
    html = response.content.decode()
    assert "http://evil.example" in html
    assert 'href="http://evil.example' not in html


def test_filled_honeypot_sends_nothing_but_looks_the_same(
    client, django_capture_on_commit_callbacks
):
    group = owned_group()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(contact_url(group), message(homepage="buy now"))
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:contact_done", args=[group.slug])
    assert ContactMessage.objects.count() == 0
    assert mail.outbox == []


def test_double_submit_sends_one_message(client, django_capture_on_commit_callbacks):
    group = owned_group()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(contact_url(group), message())
        client.post(contact_url(group), message())
    assert ContactMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_sixth_message_in_ten_minutes_is_refused_kindly(client):
    group = owned_group()
    for n in range(5):
        assert client.post(contact_url(group), message(body=f"message {n}")).status_code == 302
    response = client.post(contact_url(group), message(body="again"))
    assert response.status_code == 429
    assert "Please try again in about ten minutes" in response.content.decode()
    assert ContactMessage.objects.count() == 5


def test_failed_relay_is_kept_and_retried_by_send_pending_mail(
    client, django_capture_on_commit_callbacks, failing_mail, monkeypatch
):
    group = owned_group("alice@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(contact_url(group), message()).status_code == 302
    saved = ContactMessage.objects.get()
    assert saved.sent_at is None and saved.send_attempts == 1
    assert "smtp timed out" in saved.last_error
    ContactMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))

    with pytest.raises(CommandError):  # still down: cron sees a failure
        call_command("send_pending_mail", stdout=open("/dev/null", "w"))
    monkeypatch.undo()
    call_command("send_pending_mail", stdout=open("/dev/null", "w"))
    saved.refresh_from_db()
    assert saved.sent_at is not None and saved.send_attempts == 3
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert mail.outbox[0].reply_to == ["sam@example.net"]

    call_command("send_pending_mail", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1  # sent ones are not sent again


def test_send_pending_mail_leaves_brand_new_rows_to_the_request_that_made_them():
    group = owned_group()
    ContactMessage.objects.create(group=group, body="just now")
    call_command("send_pending_mail", stdout=open("/dev/null", "w"))
    assert mail.outbox == []


def test_purge_messages_deletes_messages_older_than_30_days_and_forgets_reporters():
    group = owned_group()
    now = timezone.now()
    old = ContactMessage.objects.create(group=group, body="old")
    ContactMessage.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=31))
    recent = ContactMessage.objects.create(group=group, body="recent")
    closed = Report.objects.create(
        group=group,
        reason="other",
        reporter_email="r@example.net",
        status="resolved",
        resolved_at=now - dt.timedelta(days=31),
    )
    still_open = Report.objects.create(group=group, reason="other", reporter_email="o@example.net")
    call_command("purge_messages", stdout=open("/dev/null", "w"))
    assert list(ContactMessage.objects.all()) == [recent]
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.reporter_email == ""
    assert still_open.reporter_email == "o@example.net"


def test_listing_page_offers_contact_only_when_messages_can_be_relayed(client):
    relayable = owned_group("one@example.org")
    public_email = owned_group("two@example.org", email_public=True)
    unowned = make_support_group()
    page = client.get(relayable.get_absolute_url()).content.decode()
    assert "Contact the organizers" in page
    assert contact_url(relayable) in page
    assert "Report a problem" in page
    for group in (public_email, unowned):
        page = client.get(group.get_absolute_url()).content.decode()
        assert "Contact the organizers" not in page
        assert reverse("groups:report", args=[group.slug]) in page


# --- Many senders together cannot flood one listing's organizers -------------------------------


def test_many_addresses_together_cannot_flood_one_listings_organizers(
    client, django_capture_on_commit_callbacks
):
    # The probe relayed 30 messages to one listing from 30 addresses: each within its own limit.
    from django.test import Client

    from groups.feedback import LISTING_LIMIT

    group, elsewhere = owned_group(), owned_group("other@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(LISTING_LIMIT):
            sender = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
            assert sender.post(contact_url(group), message(body=f"Hello {n}")).status_code == 302
        refused = Client(REMOTE_ADDR="198.51.100.1").post(contact_url(group), message())
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "This form is paused until tomorrow" in html
    assert "nothing you wrote was sent" in html
    assert reverse("contact") in html  # the moderators, if it cannot wait
    assert ContactMessage.objects.filter(group=group).count() == LISTING_LIMIT
    assert len([m for m in mail.outbox if m.to == ["owner@example.org"]]) == LISTING_LIMIT
    # That sender's own allowance is untouched, and other listings still take messages.
    sender = Client(REMOTE_ADDR="198.51.100.1")
    assert sender.post(contact_url(elsewhere), message()).status_code == 302
