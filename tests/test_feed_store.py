"""The whole feeds are built once per version of the data (groups/feeds/stored.py): a second
reader costs no listing queries, a change is served at once, a build under way answers 503 and
Retry-After instead of building again, and nothing half-written is ever served."""

import gzip
import json
import os
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import make_meeting, make_support_group

pytestmark = pytest.mark.django_db

MEETING_GUIDE = "/api/meeting-guide.json"
HSDS = "/api/hsds.json"


def listed(name):
    group = make_support_group(name, join_url="https://meet.example.org/j/1")
    make_meeting(group)
    return group


def body(response):
    data = b"".join(response.streaming_content)
    if response.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    return json.loads(data)


def names(entries):
    return sorted(e["name"] for e in entries)


def kept_files():
    folder = Path(settings.FEED_DIR)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_second_reader_gets_the_same_feed_without_building_it(client, django_assert_num_queries):
    listed("Voices Circle")
    first = body(client.get(MEETING_GUIDE, HTTP_ACCEPT_ENCODING="gzip"))

    # The freshness aggregate and the directory generation: no listing is read again.
    with django_assert_num_queries(2):
        again = client.get(MEETING_GUIDE, HTTP_ACCEPT_ENCODING="gzip")
        second = body(again)

    assert second == first and names(first) == ["Voices Circle"]
    assert again["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in again["Vary"]
    # A client that does not take gzip reads the same feed from the same file.
    assert body(client.get(MEETING_GUIDE)) == first


def test_the_kept_feed_has_its_exact_length(client):
    listed("Voices Circle")
    body(client.get(MEETING_GUIDE, HTTP_ACCEPT_ENCODING="gzip"))

    again = client.get(MEETING_GUIDE, HTTP_ACCEPT_ENCODING="gzip")

    assert int(again["Content-Length"]) == len(b"".join(again.streaming_content))


def test_a_change_is_served_at_once_and_the_old_version_goes(client):
    group = listed("Voices Circle")
    body(client.get(MEETING_GUIDE))
    before = kept_files()

    group.name = "Voices Circle Glasgow"
    group.save()
    after = body(client.get(MEETING_GUIDE))

    assert names(after) == ["Voices Circle Glasgow"]
    assert len(before) == 1 and len(kept_files()) == 1 and kept_files() != before


def test_while_a_build_is_under_way_others_are_asked_to_come_back(client):
    listed("Voices Circle")
    folder = Path(settings.FEED_DIR)
    folder.mkdir(parents=True)
    (folder / "meeting-guide.building").touch()

    response = client.get(MEETING_GUIDE)

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Please ask again in a minute" in response.content.decode()
    # Another feed is not held up by it.
    assert client.get(HSDS).status_code == 200


def test_a_build_abandoned_by_a_dead_worker_is_taken_over(client):
    listed("Voices Circle")
    folder = Path(settings.FEED_DIR)
    folder.mkdir(parents=True)
    lock = folder / "meeting-guide.building"
    lock.touch()
    left_by_a_killed_worker = folder / "meeting-guide-v0123.json.gz.4242.part"
    left_by_a_killed_worker.write_bytes(b"[{")
    three_minutes_ago = time.time() - 3 * 60
    os.utime(lock, (three_minutes_ago, three_minutes_ago))

    response = client.get(MEETING_GUIDE)

    assert response.status_code == 200
    assert names(body(response)) == ["Voices Circle"]
    assert not lock.exists() and not left_by_a_killed_worker.exists()


def test_a_reader_who_goes_away_does_not_cost_the_next_one_a_build(
    client, django_assert_max_num_queries
):
    listed("Voices Circle")

    response = client.get(MEETING_GUIDE)
    next(iter(response.streaming_content))  # and the connection dropped

    with django_assert_max_num_queries(2):
        assert names(body(client.get(MEETING_GUIDE))) == ["Voices Circle"]


def test_a_build_that_fails_leaves_no_file_and_no_lock(rf):
    from groups.feeds import stored

    def failing():
        yield b"[{"
        raise OSError("the database went away")

    with pytest.raises(OSError):
        stored.serve(rf.get(MEETING_GUIDE), "meeting-guide", "tag", failing, "application/json")

    assert kept_files() == []


def test_a_reader_who_never_reads_does_not_block_the_next(client):
    listed("Voices Circle")

    client.get(MEETING_GUIDE)  # and not a byte read

    assert client.get(MEETING_GUIDE).status_code == 200


def test_filtered_feeds_are_built_each_time_and_not_kept(client):
    listed("Voices Circle")

    response = client.get(MEETING_GUIDE, {"since": "2000-01-01"})

    assert names(body(response)) == ["Voices Circle"]
    assert kept_files() == []


def test_the_hsds_export_is_kept_too_and_follows_changes(client):
    group = listed("Voices Circle")
    first = body(client.get(HSDS))
    assert body(client.get(HSDS)) == first

    group.name = "Voices Circle Glasgow"
    group.save()

    services = body(client.get(HSDS))["service"]
    assert [s["name"] for s in services] == ["Voices Circle Glasgow"]
    assert len(kept_files()) == 1


def test_an_unchanged_feed_still_answers_304(client):
    listed("Voices Circle")
    first = client.get(MEETING_GUIDE)
    body(first)

    again = client.get(MEETING_GUIDE, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
