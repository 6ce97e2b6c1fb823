"""Name the Sites row after SITE_URL / SITE_NAME, so allauth's emails never say example.com."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or "localhost"
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain[:100], "name": settings.SITE_NAME[:50]}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_claims_and_invitations"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]
