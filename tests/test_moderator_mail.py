"""Moderators hear about new claims, listings and reports: at once, or in a daily digest."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ModeratorNotice
from groups import mail as group_mail
from tests.factories import make_moderator, make_support_group, make_user
from tests.mailqueue import second_run_while_sending

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderators():
    return [make_moderator(email="ann@example.org"), make_moderator(email="bo@example.org")]


def to_moderators():
    return [m for m in mail.outbox if m.to[0] in ("ann@example.org", "bo@example.org")]


def test_a_new_claim_mails_each_moderator_a_link_to_it(
    moderators, django_capture_on_commit_callbacks
):
    group = make_support_group(name="Leith Voices")
    with django_capture_on_commit_callbacks(execute=True):
        claim = services.submit_claim(group, make_user(), "Facilitator", "Ask Kim")
    sent = to_moderators()
    assert sorted(m.to[0] for m in sent) == ["ann@example.org", "bo@example.org"]
    assert "New claim" in sent[0].subject and "Leith Voices" in sent[0].subject
    link = "http://127.0.0.1:8000" + reverse("admin:accounts_claim_change", args=[claim.pk])
    assert link in sent[0].body
    assert ModeratorNotice.objects.get().sent_at is not None


def test_the_same_claim_sent_twice_is_one_notice(moderators, django_capture_on_commit_callbacks):
    group, user = make_support_group(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_claim(group, user, "Facilitator", "Ask Kim")
        services.submit_claim(group, user, "Facilitator", "Ask Kim")
    assert ModeratorNotice.objects.count() == 1
    assert len(to_moderators()) == 2


def test_a_visitors_report_tells_the_moderators(
    client, moderators, django_capture_on_commit_callbacks
):
    group = make_support_group(name="Portobello Peers")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("groups:report", args=[group.slug]), {"reason": "no_longer_meets"}
        )
    assert response.status_code == 302
    (notice,) = ModeratorNotice.objects.all()
    assert notice.kind == "report"
    assert any("Portobello Peers" in m.subject for m in to_moderators())


def test_a_failed_notice_is_kept_and_retried_by_send_pending_mail(moderators, settings):
    group = make_support_group()
    settings.EMAIL_BACKEND = "tests.test_moderator_mail.BrokenBackend"
    notice = group_mail.notify_moderators("listing", group)
    group_mail.deliver(notice)
    notice.refresh_from_db()
    assert notice.sent_at is None and notice.send_attempts == 1 and notice.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ModeratorNotice.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    call_command("send_pending_mail")
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert len(to_moderators()) == 2


def test_daily_digest_sends_one_mail_with_every_item_once_a_day(moderators, settings):
    settings.MODERATOR_MAIL = "daily"
    one, two = make_support_group(name="Group One"), make_support_group(name="Group Two")
    group_mail.notify_moderators("listing", one)
    group_mail.notify_moderators("listing", two)
    assert to_moderators() == []  # nothing immediate
    sent, failed = group_mail.send_digest()
    assert (sent, failed) == (2, 0)
    (ann, _bo) = sorted(to_moderators(), key=lambda m: m.to[0])
    assert "2 new items" in ann.subject
    assert "Group One" in ann.body and "Group Two" in ann.body
    assert reverse("admin:moderation_queue") in ann.body
    # Another item the same day waits for tomorrow's digest.
    group_mail.notify_moderators("listing", make_support_group(name="Group Three"))
    assert group_mail.send_digest() == (0, 0)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert group_mail.send_digest(now=tomorrow) == (1, 0)


def test_a_digest_that_cannot_be_written_is_recorded_and_tried_again(
    moderators, settings, monkeypatch
):
    settings.MODERATOR_MAIL = "daily"
    group_mail.notify_moderators("listing", make_support_group(name="Group One"))

    def broken_template(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(group_mail, "render_to_string", broken_template)
    assert group_mail.send_digest() == (0, 1)
    notice = ModeratorNotice.objects.get()
    assert notice.sent_at is None and notice.send_attempts == 1
    assert "template missing" in notice.last_error
    monkeypatch.undo()
    assert group_mail.send_digest() == (1, 0)
    assert len(to_moderators()) == 2


def test_a_digest_started_while_another_is_sending_sends_nothing(moderators, settings, monkeypatch):
    settings.MODERATOR_MAIL = "daily"
    group_mail.notify_moderators("listing", make_support_group(name="Group One"))
    second_run = second_run_while_sending(monkeypatch, group_mail.send_digest)
    assert group_mail.send_digest() == (1, 0)
    assert second_run == [(0, 0)]
    assert len(to_moderators()) == 2  # one digest to each of the two moderators


def test_only_active_staff_in_the_moderators_group_are_mailed(
    moderators, django_capture_on_commit_callbacks
):
    make_user(email="organizer@example.org")
    retired = make_moderator(email="old@example.org")
    retired.is_active = False
    retired.save()
    assert group_mail.moderator_addresses() == ["ann@example.org", "bo@example.org"]


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")
