"""The seed listings: faithful to their source documents, safe to load twice, and right where it shows."""

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from groups.models import (
    Audience,
    GroupType,
    Language,
    Meeting,
    Organization,
    Region,
    RegionTree,
    SupportGroup,
)

pytestmark = pytest.mark.django_db


def _seeds_dir():
    """The source documents: $PEERDIR_SEEDS_DIR, else ../shared/seeds beside the checkout, else the
    workplace's shared folder (CI may clone the project somewhere without ../shared next to it)."""
    candidates = [
        os.environ.get("PEERDIR_SEEDS_DIR", ""),
        Path(settings.BASE_DIR).parent / "shared" / "seeds",
        "/work/shared/seeds",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(settings.BASE_DIR).parent / "shared" / "seeds"


SEEDS_DIR = _seeds_dir()
LISTINGS_FILE = Path(settings.BASE_DIR) / "fixtures" / "listings.json"


@pytest.fixture
def seed():
    call_command("load_seed", stdout=io.StringIO())


def seed_counts():
    return {
        "listings": SupportGroup.objects.count(),
        "meetings": Meeting.objects.count(),
        "regions": Region.objects.count(),
        "types": GroupType.objects.count(),
        "audiences": Audience.objects.count(),
        "languages": Language.objects.count(),
        "organizations": Organization.objects.count(),
        "listing types": SupportGroup.types.through.objects.count(),
        "listing audiences": SupportGroup.audiences.through.objects.count(),
        "listing languages": SupportGroup.languages.through.objects.count(),
    }


def fixture_listings():
    rows = json.loads(LISTINGS_FILE.read_text(encoding="utf-8"))
    return [row["fields"] for row in rows if row["model"] == "groups.supportgroup"]


def source_text(name):
    return (SEEDS_DIR / name).read_text(encoding="utf-8")


needs_sources = pytest.mark.skipif(
    not SEEDS_DIR.is_dir(), reason=f"source documents not found at {SEEDS_DIR}"
)


@needs_sources
@pytest.mark.django_db(False)
def test_every_excerpt_appears_verbatim_in_its_source_document():
    for listing in fixture_listings():
        text = source_text(listing["source_document"])
        assert listing["source_excerpt"] in text, listing["slug"]
        assert len(listing["source_excerpt"]) <= 300, listing["slug"]


@needs_sources
@pytest.mark.django_db(False)
def test_places_and_contact_names_come_from_the_source_document():
    """Nothing invented: a venue, address, contact person or link must be in the document itself."""
    for listing in fixture_listings():
        text = source_text(listing["source_document"]).lower()
        for field in ("venue", "address", "contact_name"):
            for part in filter(None, listing[field].split(", ")):
                assert part.lower() in text, (listing["slug"], field, part)
        for field in ("website", "join_url"):
            assert not listing[field] or listing[field].lower() in text, (listing["slug"], field)


# Bookkeeping, not claims about the group: no document basis needed.
NOT_CLAIMS = {
    "slug",
    "source_document",
    "source_excerpt",
    "moderation",
    "last_confirmed",
    "created_at",
    "updated_at",
    "version",
    "submitted_by",
    "group",
}
MANY = {"types", "audiences", "languages"}
# Visitor text checked for unquoted copying: more words than this in a row from the document
# must be in quotation marks.
LONGEST_UNQUOTED_RUN = 7


def fixture_rows(name):
    return json.loads((LISTINGS_FILE.parent / name).read_text(encoding="utf-8"))


def claims(fields):
    """The fields a visitor could read as a statement about the group: not blank, not bookkeeping."""
    return {
        name: value
        for name, value in fields.items()
        if name not in NOT_CLAIMS
        and not name.endswith("_public")
        and value not in ("", None, [], False)
        and not (name == "status" and value == SupportGroup.Status.UNCONFIRMED)
    }


def squash(text):
    """Whitespace runs, non-breaking spaces included, as one space: quotations in visitor text
    are compared word for word, not space for space."""
    return " ".join(text.split())


def quotations(text):
    """Each span from an opening “ to the next ”. A quotation that itself contains “…” is checked
    up to its first ”, then again from the inner opening mark."""
    spans, start = [], text.find("“")
    while start != -1:
        end = text.find("”", start + 1)
        if end == -1:
            spans.append(text[start + 1 :])
            break
        spans.append(text[start + 1 : end])
        start = text.find("“", start + 1)
    return spans


def unquoted(text):
    out, depth = [], 0
    for char in text:
        if char == "“":
            depth += 1
        elif char == "”" and depth:
            depth -= 1
            out.append(" ")
        elif not depth:
            out.append(char)
    return "".join(out)


def words(text):
    return [w.strip(".,;:!?()‘’'\"–-").lower() for w in squash(text).split()]


def provenance_problems(label, fields, provenance, text, titles=()):
    """Every claim has excerpts, every excerpt is in the document, every provenance key is a
    claim, and quotations, places and names are found in that field's own excerpts (a quoted
    title of the document itself is a citation, not a quotation)."""
    problems = []
    made = claims(fields)
    for name in sorted(set(provenance) - set(made)):
        problems.append(f"{label}: provenance for {name}, which is blank or not a claim")
    for name, value in made.items():
        basis = provenance.get(name)
        if not basis:
            problems.append(f"{label}: {name} has no excerpt")
            continue
        if name in MANY:
            if set(basis) != {str(v) for v in value}:
                problems.append(f"{label}: {name} {sorted(value)} vs provenance {sorted(basis)}")
            excerpts = [e for each in basis.values() for e in each]
            if not all(basis.values()):
                problems.append(f"{label}: a value of {name} has no excerpt")
        else:
            excerpts = basis
        for excerpt in excerpts:
            if excerpt not in text:
                problems.append(f"{label}: {name} excerpt not verbatim: {excerpt[:60]!r}")
        if not isinstance(value, str):
            continue
        joined = squash(" ".join(excerpts))
        for quote in quotations(value):
            if squash(quote) not in joined and quote not in titles:
                problems.append(f"{label}: {name} quotes what its excerpts do not say: {quote!r}")
        if name in ("venue", "address", "contact_name"):
            for part in value.split(", "):
                if part.lower() not in joined.lower():
                    problems.append(f"{label}: {name} {part!r} not in its excerpts")
    return problems


@needs_sources
@pytest.mark.django_db(False)
def test_every_claim_in_every_seed_listing_rests_on_an_excerpt_of_its_document():
    problems = []
    rows = fixture_rows("listings.json")
    documents = {
        r["pk"]: r["fields"]["source_document"] for r in rows if r["model"] == "groups.supportgroup"
    }
    titles = {s["file"]: {s["title"], s["series"]} - {""} for s in fixture_rows("sources.json")}
    for row in rows:
        if row["model"] == "groups.supportgroup":
            document = row["fields"]["source_document"]
        else:
            document = documents[row["fields"]["group"]]
        label = f"{row['model']} {row['pk']}"
        problems += provenance_problems(
            label, row["fields"], row.get("provenance", {}), source_text(document), titles[document]
        )
    for row in fixture_rows("organizations.json"):
        document = row["source_document"]
        problems += provenance_problems(
            f"organization {row['pk']}",
            row["fields"],
            row.get("provenance", {}),
            source_text(document),
            titles[document],
        )
    assert problems == [], "\n".join(problems)


@needs_sources
@pytest.mark.django_db(False)
def test_seed_listings_quote_rather_than_copy_the_documents_words():
    """A run of the document's words longer than a phrase is in quotation marks: the group's
    framing in its own words, visibly, not passed off as ours."""
    problems = []
    for listing in fixture_listings():
        source = words(source_text(listing["source_document"]))
        runs = {
            tuple(source[i : i + LONGEST_UNQUOTED_RUN + 1])
            for i in range(len(source) - LONGEST_UNQUOTED_RUN)
        }
        for name in ("summary", "description", "how_to_join"):
            ours = words(unquoted(listing[name]))
            for i in range(len(ours) - LONGEST_UNQUOTED_RUN):
                run = tuple(ours[i : i + LONGEST_UNQUOTED_RUN + 1])
                if run in runs:
                    problems.append(f"{listing['slug']} {name}: {' '.join(run)}")
                    break
    assert problems == [], "\n".join(problems)


# Notes about our data, not words for a visitor (issue #17, item 7): what a visitor can do or
# what is known is said instead ("No contact details are known yet.").
INTERNAL_NOTES = (
    "we do not have",
    "which we do not have",
    "our copy",
    ".txt",
    "the listing is active",
)


def public_text(fields):
    """Every piece of text a visitor can read about a seed row: its claims and the excerpt shown
    under "About this listing"."""
    texts = [v for v in claims(fields).values() if isinstance(v, str)]
    return texts + [fields.get("source_excerpt", "")]


def internal_notes(label, fields):
    return [
        f"{label}: {note!r} in {text!r}"
        for text in public_text(fields)
        for note in INTERNAL_NOTES
        if note in text.lower()
    ]


@pytest.mark.django_db(False)
def test_no_seed_listing_or_organisation_speaks_of_our_data_instead_of_to_the_visitor():
    problems = []
    for row in fixture_rows("listings.json") + fixture_rows("organizations.json"):
        problems += internal_notes(f"{row['model']} {row['pk']}", row["fields"])
    assert problems == [], "\n".join(problems)
    # The check reads the text a visitor reads.
    assert internal_notes("x", {"how_to_join": "An email address we do not have."})
    assert internal_notes("x", {"source_excerpt": "From 000_38e6eaa1bcffabc5.txt"})


def test_seed_pages_say_what_a_visitor_can_do_not_what_our_files_lack(seed, client):
    for obj in list(SupportGroup.objects.all()) + list(Organization.objects.all()):
        page = client.get(obj.get_absolute_url()).content.decode().lower()
        assert not [note for note in INTERNAL_NOTES if note in page], obj.slug
    forum = SupportGroup.objects.get(slug="north-east-mad-studies-forum")
    page = client.get(forum.get_absolute_url()).content.decode()
    assert "the source names Victoria Armstrong as the contact" in page


@needs_sources
@pytest.mark.django_db(False)
def test_the_provenance_check_catches_an_unbacked_claim_and_a_misquote():
    text = source_text("000_38e6eaa1bcffabc5.txt")
    excerpt = "The group currently meets Thursdays at 5 pm Pacific time"
    fields = {"summary": "It meets “on Thursdays at 5 pm”.", "languages": [1], "status": "active"}
    problems = provenance_problems("x", fields, {"summary": [excerpt]}, text)
    assert "x: languages has no excerpt" in problems
    assert "x: status has no excerpt" in problems
    assert any("quotes what its excerpts do not say" in p for p in problems)
    # "Not confirmed" is what a listing says when nothing backs a status: it needs no excerpt.
    assert provenance_problems("x", {"status": "unconfirmed"}, {}, text) == []


@needs_sources
@pytest.mark.django_db(False)
def test_every_source_has_a_title_or_series_and_its_facts_rest_on_excerpts():
    sources = fixture_rows("sources.json")
    assert {s["file"] for s in sources} == {p.name for p in SEEDS_DIR.glob("*.txt")}
    for source in sources:
        text = source_text(source["file"])
        assert source["title"] or source["series"], source["file"]
        for name in ("title", "series", "publisher", "earliest_year"):
            value = source[name]
            excerpts = source["provenance"].get(name, [])
            if value in ("", None):
                assert not excerpts, (source["file"], name)
                continue
            assert excerpts, (source["file"], name)
            for excerpt in excerpts:
                assert excerpt in text and str(value) in excerpt, (source["file"], name)


def test_loading_the_seed_twice_adds_nothing(seed):
    first = seed_counts()
    call_command("load_seed", stdout=io.StringIO())
    assert seed_counts() == first
    assert first["listings"] >= 25
    # Only FAHMHC's "currently meets Thursdays at 5 pm Pacific": the North East forum's
    # "bi-monthly" is ambiguous, so it is quoted in the listing rather than made a schedule.
    assert first["meetings"] == 1


def test_seed_says_how_many_listings_it_published(capsys):
    call_command("load_seed")
    assert "28 published listings in all." in capsys.readouterr().out


def test_no_seed_listing_has_an_email_or_phone(seed):
    assert not SupportGroup.objects.exclude(email="").exists()
    assert not SupportGroup.objects.exclude(phone="").exists()


def test_every_seed_listing_names_its_source_and_is_unconfirmed(seed):
    sources = {path.name for path in SEEDS_DIR.glob("*.txt")} if SEEDS_DIR.is_dir() else None
    for group in SupportGroup.objects.all():
        assert group.source_document.endswith(".txt"), group.slug
        assert group.source_excerpt, group.slug
        if sources is not None:
            assert group.source_document in sources, group.slug
        # Nobody has confirmed these with the groups yet; the page must not claim otherwise.
        assert group.last_confirmed is None, group.slug


def test_every_published_seed_listing_has_a_type_and_passes_validation(seed):
    published = SupportGroup.objects.published().prefetch_related("types")
    assert published.count() == SupportGroup.objects.count()
    for group in published:
        assert group.types.exists(), group.slug
        group.full_clean()
    for meeting in Meeting.objects.all():
        meeting.full_clean()


def test_every_source_document_gives_at_least_one_listing(seed):
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"source documents not found at {SEEDS_DIR}")
    used = set(SupportGroup.objects.values_list("source_document", flat=True))
    assert used == {path.name for path in SEEDS_DIR.glob("*.txt")}


def test_family_alliance_meets_thursdays_at_five_pacific(seed):
    group = SupportGroup.objects.get(slug="family-alliance-for-humane-mental-health-care")
    meeting = group.meetings.get()
    assert meeting.describe() == "Thursdays, 5:00 pm Pacific Time"
    assert meeting.end_time is None
    assert group.public_contacts() == {"contact_name": "Russ Stence"}
    after = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    first = meeting.next_occurrences(count=1, after=after)[0]
    assert (first.date(), first.hour) == (dt.date(2026, 11, 26), 17)


def test_healing_companions_is_forming_with_no_meetings(seed):
    group = SupportGroup.objects.get(slug="healing-companions-support-group")
    assert group.status == SupportGroup.Status.FORMING
    assert group.get_status_display() == "Forming: first meeting not yet set"
    assert not group.meetings.exists()


def test_north_east_mad_studies_forum_shows_the_sources_word_not_a_reading_of_it(seed, client):
    group = SupportGroup.objects.get(slug="north-east-mad-studies-forum")
    # "bi-monthly" means every other month or twice a month: no schedule is made from it.
    assert not group.meetings.exists()
    assert group.address == "Palace Green, Durham"
    page = client.get(group.get_absolute_url()).content.decode()
    assert "According to the source (undated), it “Meets bi-monthly" in page
    assert "Every other month" not in page
    assert "(Twitter: @stigmaresearch)" in page


def test_freedom_center_groups_have_no_invented_meeting_day(seed):
    group = SupportGroup.objects.get(slug="freedom-center-support-groups")
    assert not group.meetings.exists()
    assert "weekly" in group.how_to_join
    # The source speaks in the past tense: the listing does not claim the groups still meet.
    assert group.status == SupportGroup.Status.UNCONFIRMED
    assert "Weekly support groups in" not in group.summary


def test_recovery_in_the_bin_keeps_the_sources_word_closed_without_claiming_it_ended(seed):
    group = SupportGroup.objects.get(slug="recovery-in-the-bin")
    assert group.status == SupportGroup.Status.UNCONFIRMED
    assert "“‘Recovery In The Bin’ Facebook Group (closed)”" in group.how_to_join
    assert "colonised ‘recovery’" in group.description
    assert "ask to join" not in group.how_to_join
    assert "The listing is active" not in group.how_to_join


def test_oor_mad_history_is_in_scotland_and_europe_but_not_north_america(seed):
    group = SupportGroup.objects.get(slug="oor-mad-history")
    tree = RegionTree.load()
    slugs = tree.by_slug
    assert tree.contains(slugs["scotland"].id, group.region_id)
    assert tree.contains(slugs["europe"].id, group.region_id)
    assert not tree.contains(slugs["north-america"].id, group.region_id)
    in_europe = SupportGroup.objects.in_region(tree.descendant_ids(slugs["europe"].id))
    assert group in in_europe
    in_america = SupportGroup.objects.in_region(tree.descendant_ids(slugs["north-america"].id))
    assert group not in in_america
    assert in_america.filter(slug="afiya-peer-respite").exists()


def test_region_tree_has_one_root_and_no_orphans(seed):
    roots = Region.objects.filter(parent__isnull=True)
    assert list(roots.values_list("slug", flat=True)) == ["worldwide"]
    tree = RegionTree.load()
    world = roots.get().id
    assert set(tree.descendant_ids(world)) == set(Region.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_loading_the_seed_again_keeps_an_organizers_edit_unless_refreshed():
    from django.core.management import call_command

    from groups.models import SupportGroup

    call_command("load_seed", verbosity=0)
    group = SupportGroup.objects.order_by("pk").first()
    original = group.summary
    SupportGroup.objects.filter(pk=group.pk).update(summary="Edited by its organizer")
    call_command("load_seed", verbosity=0)
    assert SupportGroup.objects.get(pk=group.pk).summary == "Edited by its organizer"
    call_command("load_seed", "--refresh", verbosity=0)
    assert SupportGroup.objects.get(pk=group.pk).summary == original


@pytest.mark.django_db
def test_a_new_listing_after_seeding_gets_a_fresh_key_and_seed_listings_have_history():
    from django.core.management import call_command

    from groups.models import SupportGroup
    from tests.factories import make_support_group

    call_command("load_seed", verbosity=0)
    seeded = SupportGroup.objects.count()
    new = make_support_group("Brand new group")
    assert SupportGroup.objects.count() == seeded + 1
    assert new.pk > max(SupportGroup.objects.exclude(pk=new.pk).values_list("pk", flat=True))
    assert (
        SupportGroup.history.filter(
            history_change_reason="Seeded from the source documents"
        ).count()
        == seeded
    )


@pytest.mark.django_db
def test_a_listing_whose_source_does_not_say_how_it_meets_says_so(client):
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    oor = SupportGroup.objects.get(name="Oor Mad History")
    assert oor.attendance == ""
    assert "Not stated" in client.get(oor.get_absolute_url()).content.decode()
    listing = client.get("/groups/", {"q": "Oor Mad History"}).content.decode()
    assert "In person or online: not stated" in listing
    # Filtering by a way of meeting never claims it: it is not counted as in person or online.
    assert (
        "Oor Mad History"
        not in client.get("/groups/", {"attendance": "in_person"}).content.decode()
    )


def test_a_listing_not_confirmed_names_its_document_and_its_age_on_card_and_page(seed, client):
    group = SupportGroup.objects.get(slug="recovery-in-the-bin")
    label = (
        "Not confirmed: known only from “Groups” (undated), which does not say whether it "
        "still runs."
    )
    assert group.status_label == label
    assert label in client.get(group.get_absolute_url()).content.decode()
    # Listed and found like an active group: by name, by type, in its region, in the full list.
    assert label in client.get("/groups/", {"q": "Recovery In The Bin"}).content.decode()
    assert "Recovery In The Bin" in client.get("/groups/", {"q": "colonised"}).content.decode()
    assert SupportGroup.objects.published().filter(pk=group.pk).exists()


def test_a_listing_the_source_says_currently_meets_shows_no_not_confirmed_line(seed, client):
    group = SupportGroup.objects.get(slug="family-alliance-for-humane-mental-health-care")
    page = client.get(group.get_absolute_url()).content.decode()
    assert group.status == SupportGroup.Status.ACTIVE
    assert "Not confirmed:" not in page
    # Still says when the source said it.
    assert "The source (2018 or later) says “The group currently meets" in page


def test_most_seed_listings_do_not_claim_the_present(seed):
    """Issue #21: "active" only where a document says the group currently meets or exists."""
    counts = {s: SupportGroup.objects.filter(status=s).count() for s in SupportGroup.Status.values}
    assert counts == {"active": 10, "unconfirmed": 17, "forming": 1, "paused": 0, "closed": 0}
    assert not SupportGroup.languages.through.objects.exists()  # no document states a language


def test_kind_of_group_listings_say_so_where_visitors_read_them(seed):
    kinds = SupportGroup.objects.filter(kind=SupportGroup.Kind.KIND_OF_GROUP)
    assert sorted(kinds.values_list("slug", flat=True)) == [
        "alternatives-to-suicide-groups",
        "consumer-run-self-help-groups",
        "facebook-groups-for-coming-off-psychiatric-drugs",
        "hearing-voices-groups",
    ]
    for group in kinds:
        assert group.summary.startswith("A kind of group, not one group"), group.slug
        assert "kind of group rather than one group" in group.description, group.slug
    facebook = kinds.get(slug="facebook-groups-for-coming-off-psychiatric-drugs")
    assert "weekly phone calls" in facebook.summary
    assert "Search Facebook" not in facebook.how_to_join


def test_every_seed_listing_page_says_how_old_its_source_is(seed, client):
    """Issue #21: a visitor learns what the documents say, and when they said it."""
    for group in SupportGroup.objects.all():
        page = client.get(group.get_absolute_url()).content.decode()
        assert "2018 or later" in page or "undated" in page, group.slug


def test_refreshing_the_seed_removes_a_schedule_the_fixtures_no_longer_have(seed):
    """A database seeded before issue #21 has the North East forum "every other month"."""
    forum = SupportGroup.objects.get(slug="north-east-mad-studies-forum")
    Meeting.objects.create(group=forum, frequency=Meeting.Frequency.BIMONTHLY, timezone="UTC")
    call_command("load_seed", stdout=io.StringIO())
    assert forum.meetings.exists()  # without --refresh, nothing seeded is touched
    call_command("load_seed", "--refresh", stdout=io.StringIO())
    assert not forum.meetings.exists()
    assert (
        SupportGroup.objects.get(
            slug="family-alliance-for-humane-mental-health-care"
        ).meetings.count()
        == 1
    )
