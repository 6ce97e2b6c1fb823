from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organizer accounts")

    def ready(self):
        from django.core.signals import request_finished

        from accounts.adapters import send_after_answer

        request_finished.connect(send_after_answer, dispatch_uid="accounts.send_after_answer")
