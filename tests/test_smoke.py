import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_renders_with_search_and_crisis_link(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html
    assert "Need help now?" in html
    assert 'href="/help-now/"' in html
    assert "Skip to main content" in html


def test_crisis_page_lists_emergency_numbers(client):
    response = client.get(reverse("crisis"))
    assert response.status_code == 200
    assert "116 123" in response.content.decode()


def test_admin_login_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Password" in response.content.decode()


def test_all_migrations_are_applied():
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert plan == []
    assert "groups_supportgroup" in connection.introspection.table_names()


def test_site_is_named_after_the_configured_site_not_example_com():
    from django.contrib.sites.models import Site

    site = Site.objects.get_current()
    assert site.name == "Peer Directory"
    assert site.domain == "127.0.0.1:8000"
