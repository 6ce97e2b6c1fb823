from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_generation_triggers(sender, using="default", **kwargs):
    from groups import generation

    generation.install_triggers(using)


def _install_search_index(sender, using="default", **kwargs):
    from groups import textindex

    textindex.install_sqlite_index(using)
    textindex.install_postgres_index(using)


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Groups")

    def ready(self):
        from groups import generation

        # After every migrate, so tables a migration rebuilt get their triggers back.
        post_migrate.connect(
            _install_generation_triggers, sender=self, dispatch_uid="peerdir-generation-triggers"
        )
        post_migrate.connect(
            _install_search_index, sender=self, dispatch_uid="peerdir-search-index"
        )
        # Every database connection of the process tells generation.recent() when it writes.
        connection_created.connect(generation.watch_writes, dispatch_uid="peerdir-watch-writes")
        for connection in connections.all(initialized_only=True):
            generation.watch_writes(connection=connection)
