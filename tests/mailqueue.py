"""The mail queue under test (groups/mail.py): retries run later, and a second run that starts
while the first is sending. The `smtp_down` fixture is in tests/conftest.py."""

import datetime as dt
import io

from django.core.management import call_command
from django.utils import timezone


def retry_later(model):
    """Age the rows past send_pending_mail's grace for the request that made them, and run it."""
    from accounts.models import Claim

    model.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    if model is Claim:
        model.objects.exclude(decided_at=None).update(
            decided_at=timezone.now() - dt.timedelta(minutes=5)
        )
    call_command("send_pending_mail", stdout=io.StringIO())


def second_run_while_sending(monkeypatch, run):
    """Start `run()` once, in the middle of the next send, as a second cron run or another
    server would; returns the list that `run()`'s result is put in."""
    from django.core.mail.backends.locmem import EmailBackend

    second_run = []
    real_send = EmailBackend.send_messages

    def send_while_another_run_starts(self, messages):
        if not second_run:
            second_run.append(run())
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_while_another_run_starts)
    return second_run
