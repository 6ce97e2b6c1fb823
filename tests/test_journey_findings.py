"""What walking the visitor's and the organizer's journeys in a browser found wrong, each fixed and
pinned here as the person saw it."""

import re

from django.urls import reverse

from tests.posts import edit_url


def first_meeting_block_labels(html):
    """The labels of the first meeting time's fields, as a reader sees them."""
    labels = re.findall(r'<label for="id_meetings-0-[^"]*">(.*?)</label>', html, re.S)
    return [re.sub(r"<[^>]+>", "", label).strip() for label in labels]


def test_meeting_time_block_shows_no_stray_group_label(client, cast):
    """Each meeting block ended with a bold "Group" label over nothing (the formset's hidden link
    to the listing), on the edit and the new-group pages alike."""
    client.force_login(cast.organizer)
    for url in (edit_url(cast.listing), reverse("accounts:new_group")):
        labels = first_meeting_block_labels(client.get(url).content.decode())
        assert "Group" not in labels, (url, labels)
        assert "Starts at" in labels
