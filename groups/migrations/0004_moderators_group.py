"""The "Moderators" auth group, with only what moderation needs.

Moderators work listings (and their meetings and owners), reports, claims and the queue; they
read the audit trail, contact-message delivery metadata, and users (to pick owners). They cannot
add, change or delete users, groups or permissions, nor delete anything in the audit trail.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = {
    "groups": [
        "view_supportgroup",
        "change_supportgroup",
        # Meetings and owners are edited as part of a listing (inlines): add and remove too.
        "view_meeting",
        "add_meeting",
        "change_meeting",
        "delete_meeting",
        "view_ownership",
        "add_ownership",
        "change_ownership",
        "delete_ownership",
        "view_organization",
        "change_organization",
        "view_region",
        "change_region",
        "view_grouptype",
        "change_grouptype",
        # For the autocomplete widgets on the listing form.
        "view_audience",
        "view_language",
        "view_report",
        "change_report",
        "view_auditentry",
        "view_contactmessage",
    ],
    "accounts": ["view_claim", "change_claim", "view_user"],
}


def create_moderators(apps, schema_editor):
    # Permissions are normally created by a post_migrate signal, i.e. after this migration.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _created = Group.objects.get_or_create(name="Moderators")
    for app_label, codenames in MODERATOR_PERMISSIONS.items():
        found = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"Permissions not found for {app_label}: {sorted(missing)}")
        moderators.permissions.add(*found)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0002_claims_and_invitations"),
        ("groups", "0003_search_and_week_minutes"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
