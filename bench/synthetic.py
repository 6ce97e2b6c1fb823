"""Synthetic listings for benchmarks: many realistic rows, fast, deterministic for a seed.

Every synthetic listing's slug starts with ``syn-`` so they can be told apart and deleted. Taxonomy
rows, languages and the ~200-region tree are created when absent and reused when present (matched by
slug or code), so the generator works on an empty database and on one with the seed loaded.

Rows are written with bulk_create in batches, M2M links through their through-tables, and no per-row
save(): history rows are not written for synthetic data. Derived columns that other parts of the code
keep (search documents, ...) are filled at the end by their own bulk refresh functions.
"""

import bisect
import datetime as dt
import itertools
import os
import random
import resource
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify

from bench import vocabulary as V
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
from groups.search import week_minutes
from groups.textindex import PG_TABLE
from groups.vocabulary import remember_words, vocabulary_words

PREFIX = "syn-"
BATCH_SIZE = 5000
# Below this many rows, keeping the text indexes up to date row by row is cheap enough.
SET_ASIDE_INDEXES_FROM = 10_000


@dataclass
class Place:
    region: Region
    zone: str
    language: str
    depth: int  # 0 world, 1 continent, 2 country, 3 state or city, 4 city


def region_slug(name):
    return slugify(name.replace("–", "-").replace("’", ""))


def parse_region_outline(text=V.REGIONS):
    """The indented outline as (depth, name, zone, language) rows, zone and language inherited."""
    rows, inherited = [], []
    for line in text.strip("\n").splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        parts = [part.strip() for part in line.split("|")]
        inherited = inherited[:depth]
        parent_zone, parent_lang = inherited[-1] if inherited else ("UTC", "en")
        zone = parts[1] if len(parts) > 1 and parts[1] else parent_zone
        lang = parts[2] if len(parts) > 2 and parts[2] else parent_lang
        inherited.append((zone, lang))
        rows.append((depth, parts[0], zone, lang))
    return rows


def ensure_regions():
    """The region tree (world > continents > countries > states > cities); returns its Places."""
    world = Region.objects.filter(kind=Region.Kind.WORLD, parent=None).order_by("id").first()
    if world is None:
        world = Region.objects.filter(slug="worldwide").first() or Region.objects.create(
            name="Worldwide", slug="worldwide", kind=Region.Kind.WORLD
        )
    existing = {r.slug: r for r in Region.objects.all()}
    outline = parse_region_outline()
    places = [Place(world, "UTC", "en", 0)]
    parents = [world]
    for index, (depth, name, zone, lang) in enumerate(outline):
        has_children = index + 1 < len(outline) and outline[index + 1][0] > depth
        if depth == 0:
            kind = Region.Kind.CONTINENT
        elif depth == 1:
            kind = Region.Kind.COUNTRY
        else:
            kind = Region.Kind.STATE if has_children else Region.Kind.AREA
        parents = parents[: depth + 1]
        slug = region_slug(name)
        region = existing.get(slug)
        if region is None:
            region = Region.objects.create(name=name, slug=slug, kind=kind, parent=parents[-1])
            existing[slug] = region
        parents.append(region)
        places.append(Place(region, zone, lang, depth + 1))
    return places


def ensure_taxonomy():
    types = {}
    by_name = {t.name.lower(): t for t in GroupType.objects.all()}
    for position, (slug, name, synonyms) in enumerate(V.GROUP_TYPES):
        found = GroupType.objects.filter(slug=slug).first() or by_name.get(name.lower())
        if found is None:
            found = GroupType.objects.create(
                slug=slug, name=name, synonyms=synonyms, position=(position + 1) * 10
            )
        types[slug] = found
    audiences = []
    by_name = {a.name.lower(): a for a in Audience.objects.all()}
    for position, (slug, name) in enumerate(V.AUDIENCES):
        found = Audience.objects.filter(slug=slug).first() or by_name.get(name.lower())
        if found is None:
            found = Audience.objects.create(slug=slug, name=name, position=(position + 1) * 10)
        audiences.append(found)
    languages = {}
    for code, name in V.LANGUAGES.items():
        languages[code] = Language.objects.get_or_create(code=code, defaults={"name": name})[0]
    return types, audiences, languages


def ensure_hosts(rng, places, count=200):
    existing = {o.slug: o for o in Organization.objects.filter(slug__startswith=PREFIX)}
    missing = []
    for i in range(count):
        place = rng.choice(places[1:])
        name = f"{place.region.name} {rng.choice(V.HOSTS)}"
        slug = f"{PREFIX}org-{i:04d}-{slugify(name)}"[:200]
        if slug not in existing:
            missing.append(
                Organization(
                    name=name,
                    slug=slug,
                    summary=f"Peer-run organisation in {place.region.name}.",
                    website=f"https://{slugify(name)}.example.org/",
                    region=place.region,
                )
            )
    Organization.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    return list(Organization.objects.filter(slug__startswith=PREFIX).order_by("slug"))


class Weighted:
    """A fixed weighted choice; cumulative weights computed once (rng.choices recomputes them)."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng):
        return self.values[bisect.bisect(self.cumulative, rng.random() * self.total)]


class Builder:
    """Unsaved model instances through the positional constructor: 3x faster than keywords."""

    def __init__(self, model):
        fields = model._meta.concrete_fields
        self.model = model
        self.attnames = [f.attname for f in fields]
        self.known = set(self.attnames)
        self.defaults = {f.attname: None if f.primary_key else f.get_default() for f in fields}

    def __call__(self, **values):
        unknown = values.keys() - self.known
        if unknown:
            raise TypeError(f"{self.model.__name__} has no fields {sorted(unknown)}")
        defaults = self.defaults
        return self.model(*[values.get(a, defaults[a]) for a in self.attnames])


KINDS = Weighted(
    [
        (SupportGroup.Kind.MEETING_GROUP, 86),
        (SupportGroup.Kind.ONLINE_COMMUNITY, 5),
        (SupportGroup.Kind.NETWORK, 4),
        (SupportGroup.Kind.RESIDENTIAL, 2),
        (SupportGroup.Kind.TRAINING, 3),
    ]
)
ATTENDANCES = Weighted(
    [
        (SupportGroup.Attendance.IN_PERSON, 45),
        (SupportGroup.Attendance.ONLINE, 36),
        (SupportGroup.Attendance.HYBRID, 14),
        (SupportGroup.Attendance.PHONE, 5),
    ]
)
STATUSES = Weighted(
    [
        (SupportGroup.Status.ACTIVE, 85),
        (SupportGroup.Status.FORMING, 5),
        (SupportGroup.Status.PAUSED, 7),
        (SupportGroup.Status.CLOSED, 3),
    ]
)
COSTS = Weighted(
    [
        (SupportGroup.Cost.FREE, 60),
        (SupportGroup.Cost.DONATION, 25),
        (SupportGroup.Cost.UNKNOWN, 12),
        (SupportGroup.Cost.FEE, 3),
    ]
)
MODERATIONS = Weighted(
    [
        (SupportGroup.Moderation.PUBLISHED, 92),
        (SupportGroup.Moderation.PENDING, 6),
        (SupportGroup.Moderation.ARCHIVED, 2),
    ]
)
MEETING_COUNTS = Weighted([(0, 8), (1, 72), (2, 17), (3, 3)])
FREQUENCIES = Weighted(
    [
        (Meeting.Frequency.WEEKLY, 45),
        (Meeting.Frequency.BIWEEKLY, 15),
        (Meeting.Frequency.MONTHLY, 27),
        (Meeting.Frequency.BIMONTHLY, 3),
        (Meeting.Frequency.BY_ARRANGEMENT, 10),
    ]
)
AUDIENCE_COUNTS = Weighted([(1, 70), (2, 25), (3, 5)])
# A realistic skew: hearing voices and tapering groups are the most common.
TYPE_WEIGHTS = [30, 14, 22, 12, 6, 3, 2, 4, 3, 2, 1, 1]
HOW_TO_JOIN = (
    "Just come along.",
    "Email the facilitator for the link.",
    "Drop in; no need to book.",
    "",
)
MEETING_NOTES = ("", "", "", "Doors open 15 minutes before.", "Camera optional.")


def short_place_name(region):
    return region.name.split(" (")[0]


def compose_name(rng, place, topic_slug):
    topic = rng.choice(V.TOPIC_PHRASES[topic_slug])
    noun = rng.choice(V.NOUNS)
    pattern = rng.random()
    where = short_place_name(place.region)
    if pattern < 0.55:
        return f"{where} {topic} {noun}"
    if pattern < 0.85:
        return f"{rng.choice(V.ADJECTIVES)} {topic} {noun}"
    return f"{topic} {noun} {where}"


def compose_description(rng, place, topic_name):
    where = short_place_name(place.region)
    sentences = [rng.choice(V.OPENINGS)]
    sentences += rng.sample(V.MIDDLES, rng.randint(2, 5))
    if rng.random() < 0.0005:
        sentences.append(V.RARE_SENTENCE)
    sentences.append(rng.choice(V.CLOSINGS))
    return " ".join(s.format(place=where, topic=topic_name.lower()) for s in sentences)


class Generator:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.new_group = Builder(SupportGroup)
        self.new_meeting = Builder(Meeting)
        self.words = set()  # already in the vocabulary table

    def prepare(self):
        rng = self.rng
        self.places = ensure_regions()
        self.tree = RegionTree.load()
        self.types, self.audiences, self.languages = ensure_taxonomy()
        self.hosts = ensure_hosts(random.Random(f"hosts-{self.seed}"), self.places)
        # In-person listings sit in cities and states; online ones serve countries or wider.
        local = [p for p in self.places if p.depth >= 3]
        self.local_places = Weighted([(p, rng.paretovariate(1.2)) for p in local])
        self.wide_places = [p for p in self.places if p.depth <= 2]
        self.primary_types = Weighted(list(zip(self.types, TYPE_WEIGHTS, strict=False)))
        self.type_slugs = list(self.types)

    def make_meetings(self, status, zone):
        rng = self.rng
        if status == SupportGroup.Status.FORMING:
            return []
        meetings = []
        for _ in range(MEETING_COUNTS(rng)):
            frequency = FREQUENCIES(rng)
            if frequency == Meeting.Frequency.BY_ARRANGEMENT:
                meetings.append(self.new_meeting(frequency=frequency, timezone=zone))
                continue
            start = dt.time(rng.randint(9, 20), rng.choice((0, 0, 30)))
            length = rng.choice((60, 90, 90, 120))
            end_minutes = min(start.hour * 60 + start.minute + length, 23 * 60 + 30)
            weeks = ""
            if frequency in (Meeting.Frequency.MONTHLY, Meeting.Frequency.BIMONTHLY):
                weeks = rng.choice(("1", "2", "3", "-1", "1,3", "2,4"))
            start_date = None
            if frequency in (Meeting.Frequency.BIWEEKLY, Meeting.Frequency.BIMONTHLY) or (
                rng.random() < 0.2
            ):
                start_date = dt.date(2025, 1, 6) + dt.timedelta(days=rng.randrange(600))
            meetings.append(
                self.new_meeting(
                    frequency=frequency,
                    weekday=rng.randrange(7),
                    weeks_of_month=weeks,
                    start_date=start_date,
                    start_time=start,
                    end_time=dt.time(end_minutes // 60, end_minutes % 60),
                    timezone=zone,
                    notes=rng.choice(MEETING_NOTES),
                )
            )
        return meetings

    def build(self, index):
        """One unsaved listing with its meetings and M2M ids."""
        rng = self.rng
        kind = KINDS(rng)
        attendance = ATTENDANCES(rng)
        if kind == SupportGroup.Kind.RESIDENTIAL:
            attendance = SupportGroup.Attendance.IN_PERSON
        if attendance in (SupportGroup.Attendance.IN_PERSON, SupportGroup.Attendance.HYBRID):
            place = self.local_places(rng)
        elif rng.random() < 0.7:
            place = rng.choice(self.wide_places)
        else:
            place = self.local_places(rng)
        primary = self.primary_types(rng)
        if kind == SupportGroup.Kind.RESIDENTIAL:
            primary = "peer-respite"
        type_slugs = {primary}
        if rng.random() < 0.3:
            type_slugs.add(rng.choice(self.type_slugs))
        name = compose_name(rng, place, primary)
        status = STATUSES(rng)
        topic_name = self.types[primary].name
        slug_name = slugify(name)[:150]
        in_person = attendance != SupportGroup.Attendance.ONLINE
        has_email = rng.random() < 0.6
        host = rng.choice(self.hosts) if self.hosts and rng.random() < 0.2 else None
        confirmed = (
            None if rng.random() < 0.1 else self.today - dt.timedelta(days=rng.randrange(730))
        )
        group = self.new_group(
            name=name,
            slug=f"{PREFIX}{self.seed}-{index:06d}-{slug_name}",
            summary=f"{topic_name} peer support in {short_place_name(place.region)}."[:200],
            description=compose_description(rng, place, topic_name),
            kind=kind,
            attendance=attendance,
            status=status,
            region_id=place.region.id,
            venue=rng.choice(V.VENUES) if in_person else "",
            address=(
                f"{rng.randint(1, 250)} {rng.choice(V.STREETS)}, {place.region.name}"
                if in_person
                else ""
            ),
            host_id=host.id if host else None,
            website=f"https://{slug_name[:40]}.example.org/" if rng.random() < 0.5 else "",
            join_url=(
                f"https://meet.example.org/{slug_name[:30]}-{index}"
                if not in_person and rng.random() < 0.5
                else ""
            ),
            join_url_public=rng.random() < 0.5,
            contact_name=rng.choice(("", "", "Sam", "Alex", "Jo", "Kim", "Robin", "Ari")),
            email=f"group{index}@example.org" if has_email else "",
            email_public=has_email and rng.random() < 0.4,
            phone=f"+1 555 01{rng.randint(0, 99):02d}" if rng.random() < 0.1 else "",
            phone_public=rng.random() < 0.3,
            how_to_join=rng.choice(HOW_TO_JOIN),
            cost=COSTS(rng),
            accessibility=rng.choice(("", "", "Step-free access.", "Hearing loop in the room.")),
            source_document="synthetic",
            moderation=MODERATIONS(rng),
            last_confirmed=confirmed,
            created_at=self.now - dt.timedelta(minutes=rng.randrange(1_000_000)),
            updated_at=self.now - dt.timedelta(minutes=rng.randrange(100_000)),
        )
        meetings = self.make_meetings(status, place.zone)
        self.fill_derived_columns(group, host, meetings, type_slugs)
        type_ids = sorted(self.types[s].id for s in type_slugs)
        audience_ids = sorted({a.id for a in rng.sample(self.audiences, AUDIENCE_COUNTS(rng))})
        language_codes = {place.language}
        if place.language != "en" and rng.random() < 0.25:
            language_codes.add("en")
        language_ids = sorted(self.languages[c].id for c in language_codes)
        return group, meetings, type_ids, audience_ids, language_ids

    def write_batch(self, rows):
        groups = SupportGroup.objects.bulk_create([row[0] for row in rows])
        # The words misspellings are corrected towards, as refresh_search_document() adds them.
        words = set()
        for group in groups:
            words |= vocabulary_words(group.search_document)
        remember_words(words - self.words)
        self.words |= words
        meetings, type_links, audience_links, language_links = [], [], [], []
        TypeLink = SupportGroup.types.through
        AudienceLink = SupportGroup.audiences.through
        LanguageLink = SupportGroup.languages.through
        for group, (_, group_meetings, type_ids, audience_ids, language_ids) in zip(
            groups, rows, strict=True
        ):
            for meeting in group_meetings:
                meeting.group_id = group.pk
                meetings.append(meeting)
            type_links += [TypeLink(supportgroup_id=group.pk, grouptype_id=i) for i in type_ids]
            audience_links += [
                AudienceLink(supportgroup_id=group.pk, audience_id=i) for i in audience_ids
            ]
            language_links += [
                LanguageLink(supportgroup_id=group.pk, language_id=i) for i in language_ids
            ]
        Meeting.objects.bulk_create(meetings)
        TypeLink.objects.bulk_create(type_links)
        AudienceLink.objects.bulk_create(audience_links)
        LanguageLink.objects.bulk_create(language_links)
        return len(groups), len(meetings)

    def fill_derived_columns(self, group, host, meetings, type_slugs):
        """What groups.search.refresh_search_document() would store, computed before the INSERT.

        Calling refresh afterwards costs an UPDATE of every row (and its GIN index entries): about
        4x the time of the whole generation. tests/test_synthetic.py checks both agree.
        """
        types = sorted((self.types[s] for s in type_slugs), key=lambda t: (t.position, t.name))
        type_words = [t.name for t in types] + [
            w for t in types for w in (x.strip() for x in t.synonyms.split(",")) if w
        ]
        places = [r.name for r in self.tree.ancestors(group.region_id)] if group.region_id else []
        group.search_document = join_words(
            group.name,
            group.summary,
            group.description,
            " ".join(type_words),
            host.name if host else "",
            " ".join(reversed(places)),
            group.service_area,
            group.venue,
            group.address,
        )
        group.search_names = join_words(group.name, " ".join(t.name for t in types))[:600]
        for meeting in meetings:
            meeting.minute_of_week, meeting.utc_minute_of_week = week_minutes(meeting, self.now)


def join_words(*parts):
    return " ".join(p.strip() for p in parts if p and p.strip())


def synthetic_groups():
    return SupportGroup.objects.filter(slug__startswith=PREFIX)


@contextmanager
def text_indexes_set_aside(model, rows, also=()):
    """On PostgreSQL, drop the table's GIN/GiST indexes (and those of the tables named in
    `also`) for a large load and rebuild them after.

    Maintaining full-text and trigram indexes row by row is most of the cost of a bulk insert;
    building them once afterwards is several times faster. Runs inside the caller's transaction,
    so a failed load leaves the indexes as they were.
    """
    if connection.vendor != "postgresql" or rows < SET_ASIDE_INDEXES_FROM:
        yield
        return
    with connection.cursor() as cursor:
        # Check foreign keys per statement, not queued to COMMIT: the queue would be one trigger
        # event per row, and CREATE INDEX refuses to run while events are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = ANY(%s)"
            " AND (indexdef LIKE '%%USING gin%%' OR indexdef LIKE '%%USING gist%%')",
            [[model._meta.db_table, *also]],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)


def generate(count, seed=1, batch_size=BATCH_SIZE, progress=None):
    """Create `count` synthetic listings; returns (listings, meetings) created."""
    if synthetic_groups().filter(slug__startswith=f"{PREFIX}{seed}-").exists():
        raise ValueError(
            f"Synthetic listings with seed {seed} already exist: delete them first (--delete)."
        )
    generator = Generator(seed)
    created_groups = created_meetings = 0
    with transaction.atomic(), text_indexes_set_aside(SupportGroup, count, also=[PG_TABLE]):
        generator.prepare()
        for start in range(0, count, batch_size):
            rows = [generator.build(i) for i in range(start, min(start + batch_size, count))]
            groups, meetings = generator.write_batch(rows)
            created_groups += groups
            created_meetings += meetings
            if progress:
                progress(created_groups, count)
    return created_groups, created_meetings


def cpu_seconds():
    """CPU time used so far by this process and, on a local PostgreSQL, by its backend."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    found = {"generator": usage.ru_utime + usage.ru_stime}
    if connection.vendor == "postgresql":
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = os.sysconf("SC_CLK_TCK")
            found["PostgreSQL backend"] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass  # the database runs elsewhere
    return found


def delete_synthetic():
    """Delete every synthetic listing and host (regions and taxonomy stay: they are real words)."""
    # History rows would be one per deleted listing and meeting: not worth keeping for fakes.
    with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
        deleted, _ = synthetic_groups().delete()
        Organization.objects.filter(slug__startswith=PREFIX).delete()
    return deleted
