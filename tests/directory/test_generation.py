"""The directory generation: a stamp every change to public data renews, which keeps every
process's kept taxonomy, index and pages honest (groups/generation.py)."""

import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.urls import reverse

from groups import generation
from groups.models import Meeting, SupportGroup
from groups.search import refresh_search_document
from tests.factories import make_meeting, make_support_group, make_user

pytestmark = pytest.mark.django_db

LIST = reverse("groups:list")


# --- the generation ----------------------------------------------------------------------------


def test_every_change_to_public_data_gives_a_new_generation(directory_world):
    group = directory_world["groups"][0]
    hv, _ats, drugs = directory_world["types"]
    seen = [generation.current()]

    def changed():
        now = generation.current()
        assert now not in seen
        seen.append(now)

    group.name = "Renamed"
    group.save()
    changed()
    SupportGroup.objects.filter(pk=group.pk).update(summary="Bulk update")
    changed()
    group.types.add(drugs)
    changed()
    group.types.remove(drugs)
    changed()
    Meeting.objects.filter(group=group).update(weekday=1)
    changed()
    make_meeting(group)
    changed()
    hv.name = "Hearing Voices Network"
    hv.save()
    changed()
    scotland = directory_world["regions"]["scotland"]
    scotland.name = "Alba"
    scotland.save()
    changed()
    Meeting.objects.filter(group=group).delete()
    changed()
    with connection.cursor() as cursor:  # even behind the ORM's back
        cursor.execute("UPDATE groups_supportgroup SET name = 'Raw' WHERE id = %s", [group.pk])
    changed()
    # Nothing public changed (a new account): the generation stays.
    before = generation.current()
    make_user()
    assert generation.current() == before


def test_a_rolled_back_change_does_not_lead_to_a_reused_generation(directory_world):
    before = generation.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        SupportGroup.objects.update(summary="inside")
        inside = generation.current()
        assert inside != before
        raise RuntimeError
    assert generation.current() == before
    SupportGroup.objects.update(summary="after")
    assert generation.current() not in (before, inside)


def test_a_flushed_generation_row_comes_back_with_a_fresh_value(db):
    before = generation.current()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {generation.TABLE}")  # noqa: S608
    again = generation.current()
    assert again != before
    assert generation.current() == again


def test_triggers_are_installed_on_every_watched_table(db):
    assert generation.install_triggers() == len(generation.watched_tables())


# --- the generation, remembered for a second -------------------------------------------------


def test_the_generation_is_read_at_most_once_a_second(db, settings, django_assert_num_queries):
    settings.DIRECTORY_GENERATION_TTL = 1
    generation.forget()
    with django_assert_num_queries(1):
        first = generation.recent()
    with django_assert_num_queries(0):
        assert generation.recent() == first


def test_a_write_by_this_process_is_seen_by_its_next_request(client, settings, directory_world):
    settings.DIRECTORY_GENERATION_TTL = 3600
    page = client.get(LIST, {"type": "hearing-voices"}).content.decode()
    assert "Seen At Once" not in page
    make_support_group("Seen At Once", types=[directory_world["types"][0]])
    refresh_search_document()
    assert "Seen At Once" in client.get(LIST, {"type": "hearing-voices"}).content.decode()


def test_a_change_made_elsewhere_shows_within_the_ttl(client, settings, listing_elsewhere):
    settings.DIRECTORY_GENERATION_TTL = 1
    group, changed = listing_elsewhere
    assert "Meets by the old pier" in client.get(group.get_absolute_url()).content.decode()
    changed()  # as another process would: this one's remembered generation is not told
    kept = client.get(group.get_absolute_url()).content.decode()
    assert "Meets by the old pier" in kept  # the kept page, for at most the TTL
    later = time.monotonic() + 1.1
    with mock.patch.object(generation.time, "monotonic", lambda: later):
        fresh = client.get(group.get_absolute_url()).content.decode()
    assert "Meets in the new library" in fresh


@pytest.fixture
def listing_elsewhere(settings):
    group = make_support_group("Elsewhere Circle", summary="Meets by the old pier")
    generation.forget()

    def changed():
        remembered = generation._memo
        SupportGroup.objects.filter(pk=group.pk).update(summary="Meets in the new library")
        generation._memo = remembered  # another process's write: nobody told this one

    return group, changed
