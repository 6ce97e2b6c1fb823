"""Visitors report a problem with a listing: no account, defended against spam, never lost."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups.models import Report, SupportGroup
from tests.factories import make_support_group, make_user
from tests.posts import report_post, report_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_mail(monkeypatch):
    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)


def test_visitor_sees_the_report_form_with_every_reason(client):
    group = make_support_group(name="Hearing Voices Leith")
    response = client.get(report_url(group))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Report a problem or suggest a change" in html
    assert "Hearing Voices Leith" in html
    for label in ("no longer meets", "Wrong time or place", "Wrong contact details"):
        assert label in html
    assert "Harmful or unsafe content" in html


def test_honeypot_is_hidden_unreachable_and_labelled_leave_empty(client):
    html = client.get(report_url(make_support_group())).content.decode()
    assert 'class="visually-hidden" aria-hidden="true"' in html
    assert "Leave this field empty" in html
    assert 'name="homepage"' in html
    assert 'autocomplete="off"' in html
    assert 'tabindex="-1"' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_visitor_reports_a_problem_and_sees_a_confirmation_page(client):
    group = make_support_group()
    response = client.post(report_url(group), report_post(reporter_email="me@example.net"))
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:report_done", args=[group.slug])
    page = client.get(response["Location"])
    assert "Thank you for your report" in page.content.decode()
    report = Report.objects.get()
    assert report.group == group
    assert report.reason == Report.Reason.WRONG_TIME_OR_PLACE
    assert report.details == "They meet on Tuesdays now."
    assert report.reporter_email == "me@example.net"
    assert report.status == Report.Status.OPEN
    assert report.client_hash and "127.0.0.1" not in report.client_hash


def test_each_owner_gets_their_own_email_without_the_reporters_address(
    client, django_capture_on_commit_callbacks
):
    alice, bob = make_user(email="alice@example.org"), make_user(email="bob@example.org")
    group = make_support_group(name="Leith Voices", owners=[alice, bob])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(report_url(group), report_post(reporter_email="visitor@example.net"))
    assert sorted(m.to for m in mail.outbox) == [["alice@example.org"], ["bob@example.org"]]
    for message in mail.outbox:
        assert "Leith Voices" in message.subject
        assert "They meet on Tuesdays now." in message.body
        assert "visitor@example.net" not in message.body
        assert not message.cc and not message.bcc
    assert Report.objects.get().sent_at is not None


def test_a_mail_failure_keeps_the_report_and_the_retry_command_sends_it(
    client, django_capture_on_commit_callbacks, failing_mail, monkeypatch
):
    group = make_support_group(owners=[make_user(email="owner@example.org")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report_url(group), report_post())
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.sent_at is None
    assert report.send_attempts == 1
    assert "mail server down" in report.last_error
    assert mail.outbox == []

    monkeypatch.undo()  # the mail server is back
    Report.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    call_command("send_pending_mail", stdout=open("/dev/null", "w"))
    report.refresh_from_db()
    assert report.sent_at is not None
    assert report.send_attempts == 2
    assert report.last_error == ""
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]


def test_a_report_closed_while_its_owners_notice_is_being_sent_still_tells_the_reporter(
    monkeypatch,
):
    from django.core.mail.backends.locmem import EmailBackend

    from groups import mail as group_mail
    from groups import moderation
    from tests.factories import make_moderator

    group = make_support_group(owners=[make_user(email="owner@example.org")])
    report = Report.objects.create(group=group, reason="other", reporter_email="v@example.org")
    real_send = EmailBackend.send_messages

    def close_meanwhile(self, messages):
        if messages[0].to == ["owner@example.org"]:
            moderation.resolve_report(report, make_moderator(), "Fixed the times")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", close_meanwhile)
    group_mail.deliver(report)
    report.refresh_from_db()
    assert report.sent_at is None  # the owners' notice is not taken for the follow-up

    Report.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    call_command("send_pending_mail", stdout=open("/dev/null", "w"))
    assert [m.to for m in mail.outbox] == [["owner@example.org"], ["v@example.org"]]
    assert "Fixed the times" in mail.outbox[1].body


def test_filled_honeypot_gets_the_same_confirmation_but_nothing_is_saved(client):
    group = make_support_group()
    response = client.post(report_url(group), report_post(homepage="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:report_done", args=[group.slug])
    assert Report.objects.count() == 0


def test_same_report_submitted_twice_within_a_minute_is_saved_once(client):
    group = make_support_group()
    first = client.post(report_url(group), report_post())
    second = client.post(report_url(group), report_post())
    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1


def test_a_different_report_from_the_same_visitor_is_saved(client):
    group = make_support_group()
    client.post(report_url(group), report_post())
    client.post(report_url(group), report_post(details="Also the venue moved."))
    assert Report.objects.count() == 2


def test_sixth_report_in_ten_minutes_gets_a_kind_429_page_and_is_not_saved(client):
    group = make_support_group()
    for n in range(5):
        assert client.post(report_url(group), report_post(details=f"report {n}")).status_code == 302
    response = client.post(report_url(group), report_post(details="one too many"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a few minutes" in html
    assert "Nothing is wrong on your side" in html
    assert Report.objects.count() == 5


def test_rate_limit_is_per_client(client):
    group = make_support_group()
    for n in range(5):
        client.post(report_url(group), report_post(details=f"report {n}"))
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(report_url(group), report_post(details="hello")).status_code == 302
    assert Report.objects.count() == 6


def test_details_longer_than_4000_characters_are_refused_and_kept_in_the_form(client):
    group = make_support_group()
    too_long = "x" * 4001
    response = client.post(report_url(group), report_post(details=too_long))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please check the form" in html
    assert "at most 4000 characters" in html
    assert too_long in html
    assert Report.objects.count() == 0


def test_missing_or_forged_reason_is_a_clear_error_not_a_500(client):
    group = make_support_group()
    missing = client.post(report_url(group), {"details": "hi"})
    forged = client.post(report_url(group), {"reason": "drop table", "details": "hi"})
    assert missing.status_code == forged.status_code == 200
    assert "Choose what is wrong with this listing." in missing.content.decode()
    assert "This field is required" not in missing.content.decode()
    assert "Select a valid choice" in forged.content.decode()
    assert Report.objects.count() == 0


def test_the_summary_of_a_missing_reason_links_to_its_first_choice(client):
    """It linked to #id_reason, which no element has: the link went nowhere."""
    html = client.post(report_url(make_support_group()), {"details": "hi"}).content.decode()
    summary = html.split("Please check the form:")[1].split("</div>")[0]
    assert 'href="#id_reason_0"' in summary
    assert 'id="id_reason_0"' in html
    # Where a keyboard or a screen reader starts on the page that comes back.
    assert "autofocus" in html.split('id="form-errors"')[1].split(">")[0]


def test_links_in_details_are_shown_as_text_never_as_links(client):
    group = make_support_group()
    response = client.post(report_url(group), {"details": 'http://evil.example <a href="x">'})
    html = response.content.decode()
    assert "http://evil.example" in html
    assert 'href="http://evil.example' not in html
    assert '<a href="x">' not in html


def test_post_without_csrf_token_is_refused(client):
    group = make_support_group()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(report_url(group), report_post()).status_code == 403
    assert Report.objects.count() == 0


def test_unpublished_listing_cannot_be_reported(client):
    group = make_support_group(moderation=SupportGroup.Moderation.PENDING)
    assert client.get(report_url(group)).status_code == 404
    assert client.post(report_url(group), report_post()).status_code == 404


def test_owner_sees_only_reports_on_their_own_listings():
    owner = make_user()
    mine = make_support_group(owners=[owner])
    theirs = make_support_group(owners=[make_user()])
    on_mine = Report.objects.create(group=mine, reason="other", details="mine")
    Report.objects.create(group=theirs, reason="other", details="theirs")
    assert list(Report.objects.for_owner(owner)) == [on_mine]
