"""After the meeting times change, the organizer is asked about "how to join" words that speak
of days and times (they may now contradict the times); their words are never changed for them."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.timewords import sentences_about_times
from tests.factories import make_user
from tests.posts import edit_url, listing_post

pytestmark = pytest.mark.django_db

# As the seed listings put it when their source gave no times.
OLD_WORDS = (
    "Ring the bell at the side door. No day, time, street address or contact details are known."
)


@pytest.fixture
def owner(cast):
    return cast.organizer


@pytest.fixture
def group(cast):
    """Alex's listing (Tuesdays 19:00-20:30), its joining text in the seed listings' words."""
    cast.listing.how_to_join = OLD_WORDS
    cast.listing.save()
    return cast.listing


def save(client, group, **changes):
    return client.post(edit_url(group), listing_post(group, **changes), follow=True)


def notice(response):
    html = response.content.decode()
    if 'id="text-check"' not in html:
        return None
    return html.split('id="text-check"')[1].split("</section>")[0]


def test_changing_a_time_asks_about_words_that_speak_of_times(client, owner, group):
    client.force_login(owner)
    response = save(client, group, **{"meetings-0-start_time": "18:00"})
    assert response.redirect_chain[-1][0] == f"{edit_url(group)}?check=how_to_join#text-check"
    text = notice(response)
    assert "Do your words still match the new times?" in text
    assert "“Anything people should know before they come (optional)” still says" in text
    # The sentence about times is quoted; the one about the door is not.
    assert "<blockquote><p>No day, time, street address or contact details are known.</p>" in text
    assert "Ring the bell" not in text
    assert 'href="#id_how_to_join"' in text
    assert 'id="id_how_to_join"' in response.content.decode()  # the link has a target
    assert "Saved. Your changes are live now." in response.content.decode()
    group.refresh_from_db()
    assert group.meetings.get().start_time == dt.time(18, 0)
    assert group.how_to_join == OLD_WORDS  # asked about, never changed


def test_a_new_time_or_a_removed_one_also_asks(client, owner, group):
    client.force_login(owner)
    added = save(
        client,
        group,
        another_time=True,
        **{"meetings-1-frequency": "weekly", "meetings-1-weekday": "4"},
    )
    assert notice(added) is not None
    assert group.meetings.count() == 2
    group.refresh_from_db()
    removed = save(client, group, **{"meetings-1-DELETE": "on"})
    assert notice(removed) is not None
    assert group.meetings.count() == 1


def test_no_question_when_the_times_did_not_change(client, owner, group):
    client.force_login(owner)
    response = save(client, group, summary="A calmer summary")
    assert response.redirect_chain[-1][0] == reverse("accounts:saved", args=[group.slug])
    assert notice(response) is None


def test_no_question_when_the_words_were_changed_too(client, owner, group):
    client.force_login(owner)
    response = save(
        client,
        group,
        how_to_join="We meet on Tuesdays at 6 pm.",
        **{"meetings-0-start_time": "18:00"},
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:saved", args=[group.slug])
    assert notice(response) is None


def test_no_question_when_the_words_say_nothing_about_times(client, owner, group):
    group.how_to_join = "Ring the bell at the side door. Tea is £2.50."
    group.save()
    client.force_login(owner)
    response = save(client, group, **{"meetings-0-start_time": "18:00"})
    assert response.redirect_chain[-1][0] == reverse("accounts:saved", args=[group.slug])


def test_the_question_page_keeps_the_form_working(client, owner, group):
    client.force_login(owner)
    save(client, group, **{"meetings-0-start_time": "18:00"})
    group.refresh_from_db()
    # Answering it is an ordinary save from the fresh version shown with the question.
    response = save(client, group, how_to_join="Ring the bell at the side door.")
    assert response.redirect_chain[-1][0] == reverse("accounts:saved", args=[group.slug])
    group.refresh_from_db()
    assert group.how_to_join == "Ring the bell at the side door."


def test_the_question_is_only_for_the_listings_owners(client, group):
    client.force_login(make_user())
    assert client.get(edit_url(group) + "?check=how_to_join").status_code in (403, 404)


@pytest.mark.parametrize(
    "sentence",
    [
        "The group currently meets Thursdays at 5 pm Pacific time.",
        "We meet at 19:30 in the hall.",
        "Doors open 7.15pm.",
        "It meets bi-monthly at the seminar room.",
        "Held weekly, and once a month online.",
        "The source gives no meeting times, place, link or contact details.",
        "No meeting times, place, link or contact details are known yet.",
        "The date and time of the first meeting are yet to be decided.",
        "Come along on a Sat. morning.",
        "Every other week we go for a walk.",
    ],
)
def test_sentences_that_speak_of_times_are_found(sentence):
    assert sentences_about_times(f"Ring the bell. {sentence} Bring a friend.") == [sentence]


@pytest.mark.parametrize(
    "text",
    [
        "Tea is £2.50. I am happy to help.",
        "The sun room is upstairs; we sat in a circle.",
        "Friendly people, 10 minutes from the station.",
        "",
    ],
)
def test_sentences_without_times_are_left_alone(text):
    assert sentences_about_times(text) == []


def test_a_long_sentence_is_shortened_when_quoted():
    quoted = sentences_about_times("Meets weekly " + "and talks " * 60 + ".")
    assert len(quoted[0]) == 240 and quoted[0].endswith("…")
