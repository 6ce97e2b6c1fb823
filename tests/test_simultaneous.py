"""Simultaneous posts on PostgreSQL: three identical new listings make one; twelve reports with
three left in the window let three through. Simultaneous mail retries send each mail once."""

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Claim, Invitation
from groups import mail as group_mail
from groups.models import OwnerNotice, Report, SupportGroup
from tests.factories import make_claim, make_support_group, make_type, make_user
from tests.posts import report_post, report_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(count, work):
    """Run work(n) in `count` threads released together; each closes its own connection."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(n):
        try:
            start.wait(10)
            results[n] = work(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_three_simultaneous_identical_new_listings_make_one():
    user = make_user()
    kind = make_type()
    data = {
        "version": "1",
        "name": "Leith Voices",
        "summary": "A hearing voices group",
        "kind": SupportGroup.Kind.MEETING_GROUP,
        "types": [kind.pk],
        "attendance": SupportGroup.Attendance.ONLINE,
        "status": SupportGroup.Status.ACTIVE,
        "meetings-TOTAL_FORMS": "0",
        "meetings-INITIAL_FORMS": "0",
    }

    def post(_n):
        client = Client()
        client.force_login(user)
        return client.post(reverse("accounts:new_group"), data).status_code

    assert at_once(3, post) == [302, 302, 302]
    assert SupportGroup.objects.filter(name="Leith Voices").count() == 1


def test_twelve_parallel_reports_with_three_left_let_three_through():
    group = make_support_group()
    client = Client()
    for n in range(2):
        assert (
            client.post(report_url(group), report_post(details=f"earlier {n}")).status_code == 302
        )

    statuses = at_once(
        12, lambda n: Client().post(report_url(group), report_post(details=f"r{n}")).status_code
    )
    assert sorted(statuses) == [302] * 3 + [429] * 9
    assert Report.objects.count() == 5


def test_four_simultaneous_retries_send_each_decision_and_invitation_once(monkeypatch):
    """Claim decisions, invitations and moderators' decisions on listings: each mail once."""
    earlier = timezone.now() - dt.timedelta(minutes=10)
    for n in range(4):
        make_claim(status=Claim.Status.APPROVED, decided_at=earlier, created_at=earlier)
        Invitation.objects.create(
            group=make_support_group(), email=f"friend{n}@example.org", token_hash=f"h{n}"
        )
        OwnerNotice.objects.create(
            group=make_support_group(owners=[make_user(email=f"owner{n}@example.org")]),
            decision=OwnerNotice.Decision.PUBLISHED,
            created_at=earlier,
        )
    Invitation.objects.update(created_at=earlier)
    real_send = EmailBackend.send_messages

    def slow_send(self, messages):
        time.sleep(0.05)  # a real SMTP round trip: the runs overlap
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)
    results = at_once(4, lambda n: group_mail.send_pending())
    assert sum(sent for sent, _failed in results) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [c.user.email for c in Claim.objects.all()]
        + [f"friend{n}@example.org" for n in range(4)]
        + [f"owner{n}@example.org" for n in range(4)]
    )
    assert not Claim.objects.mail_pending().exists()
    assert not Invitation.objects.mail_pending().exists()
    assert not OwnerNotice.objects.mail_pending().exists()
