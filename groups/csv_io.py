"""CSV import and export of listings for moderators: pure functions, no HTTP.

parse(data) reads a file into rows, each with its errors (spreadsheet row number, column, message);
apply(result) creates the listings in ONE transaction, so a file is imported whole or not at all.
Imported listings always start as pending review. Import only adds listings: a slug already in the
directory is an error, because overwriting a listing its organizer keeps current from a
spreadsheet would silently undo their edits.

The meetings column holds a listing's schedules in a compact form, separated by "|":
    weekly thu 17:00-18:00 America/Los_Angeles
    monthly 2,4 tue 19:00-20:30 Europe/London notes: upstairs room
    biweekly mon 18:00 Europe/Dublin from 2025-01-06
    arranged notes: write to us first
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from groups import audit, schedule
from groups.models import (
    Audience,
    GroupType,
    Language,
    Meeting,
    Organization,
    Region,
    SupportGroup,
)
from groups.search import refresh_search_document

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000

COLUMNS = [
    "slug",
    "name",
    "summary",
    "description",
    "kind",
    "types",
    "audiences",
    "languages",
    "attendance",
    "status",
    "region",
    "service_area",
    "venue",
    "address",
    "host",
    "website",
    "website_public",
    "join_url",
    "join_url_public",
    "contact_name",
    "contact_name_public",
    "email",
    "email_public",
    "phone",
    "phone_public",
    "how_to_join",
    "cost",
    "accessibility",
    "last_confirmed",
    "meetings",
    "moderation",
]
REQUIRED_COLUMNS = ["slug", "name", "summary", "kind", "types", "attendance"]
TEXT_FIELDS = [
    "slug",
    "name",
    "summary",
    "description",
    "kind",
    "attendance",
    "status",
    "service_area",
    "venue",
    "address",
    "website",
    "join_url",
    "contact_name",
    "email",
    "phone",
    "how_to_join",
    "cost",
    "accessibility",
]
FLAG_FIELDS = [
    "website_public",
    "join_url_public",
    "contact_name_public",
    "email_public",
    "phone_public",
]
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0"}

# Spreadsheets run cells that start with these as formulas: exported text gets a leading "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKS = re.compile(r"^-?\d(,-?\d)*$")
_TIMES = re.compile(r"^(\d{1,2}):(\d{2})(?:-(\d{1,2}):(\d{2}))?$")
_NOTES = re.compile(r"\bnotes:\s*", re.IGNORECASE)


class CsvFileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    number: int
    group: SupportGroup
    types: list = field(default_factory=list)
    audiences: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def error(self, column, message):
        self.errors.append(RowError(self.number, column, str(message)))


@dataclass
class ParseResult:
    rows: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)

    @property
    def errors(self):
        return self.file_errors + [e for row in self.rows for e in row.errors]

    @property
    def ok(self):
        return bool(self.rows) and not self.errors


# ---------------------------------------------------------------------------------------------
# Reading


def decode(data):
    """Bytes to text: UTF-8 with or without a BOM, or UTF-16 with a BOM (Excel's "Unicode text")."""
    if len(data) > MAX_BYTES:
        raise CsvFileError(
            _("The file is %(size)s KB; the limit is %(limit)s KB. Split it into smaller files.")
            % {"size": len(data) // 1000, "limit": MAX_BYTES // 1000}
        )
    if data.startswith(b"PK\x03\x04"):
        raise CsvFileError(
            _("This looks like an Excel workbook. Save it as “CSV UTF-8” and upload that.")
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            _(
                "The file is not UTF-8 text (the first bad byte is at position %(pos)s). In "
                "Excel choose “CSV UTF-8”; in LibreOffice choose the “Unicode (UTF-8)” "
                "character set."
            )
            % {"pos": exc.start}
        ) from None
    if "\x00" in text:
        raise CsvFileError(_("The file contains binary data; upload a CSV text file."))
    return text


def _cell(value):
    value = (value or "").strip()
    if value.startswith("'") and value[1:2] in FORMULA_STARTS:
        value = value[1:]
    return value


def _flag(row, column, value):
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    row.error(column, _("Write yes or no (or leave it empty)."))
    return None


def _split(value):
    return [part.strip() for part in value.split(";") if part.strip()]


def _lookup(row, column, wanted, table, label):
    found = []
    for key in wanted:
        if key in table:
            found.append(table[key])
        else:
            row.error(column, _("There is no %(label)s “%(key)s”.") % {"label": label, "key": key})
    return found


def parse_meeting(text):
    """One meeting in the compact form -> unsaved Meeting, or raise ValueError with a message."""
    notes = ""
    parts = _NOTES.split(text, maxsplit=1)
    if len(parts) == 2:
        text, notes = parts[0], parts[1].strip()
    tokens = text.split()
    frequencies = [value for value, _label in Meeting.Frequency.choices]
    if not tokens or tokens[0].lower() not in frequencies:
        raise ValueError(
            _("Start with how often: %(choices)s.") % {"choices": ", ".join(frequencies)}
        )
    meeting = Meeting(frequency=tokens[0].lower(), notes=notes)
    zone_given = False
    rest = iter(tokens[1:])
    for token in rest:
        lowered = token.lower()
        times = _TIMES.match(token)
        if _WEEKS.match(token) and meeting.frequency in ("monthly", "bimonthly"):
            meeting.weeks_of_month = token
        elif len(lowered) >= 3 and any(day.startswith(lowered) for day in DAY_NAMES):
            meeting.weekday = next(i for i, day in enumerate(DAY_NAMES) if day.startswith(lowered))
        elif times:
            hour, minute, end_hour, end_minute = times.groups()
            try:
                meeting.start_time = dt.time(int(hour), int(minute))
                if end_hour is not None:
                    meeting.end_time = dt.time(int(end_hour), int(end_minute))
            except ValueError:
                raise ValueError(
                    _("“%(token)s” is not a time of day.") % {"token": token}
                ) from None
        elif lowered == "from":
            value = next(rest, "")
            try:
                meeting.start_date = dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    _("After “from” give a date as YYYY-MM-DD, e.g. 2025-01-06.")
                ) from None
        elif "/" in token or token.upper() == "UTC":
            meeting.timezone = token
            zone_given = True
        else:
            raise ValueError(_("“%(token)s” is not understood.") % {"token": token})
    if meeting.start_time and not zone_given:
        raise ValueError(
            _("Give the time zone after the time, e.g. 17:00-18:00 America/Los_Angeles.")
        )
    try:
        meeting.clean_fields(exclude=["group"])
        meeting.clean()
    except ValidationError as exc:
        raise ValueError(" ".join(m for msgs in exc.message_dict.values() for m in msgs)) from None
    return meeting


def _tables(records):
    """Everything the rows refer to, in five queries."""

    def wanted(column):
        return {key for record in records for key in _split(record.get(column) or "")}

    return {
        "types": {t.slug: t for t in GroupType.objects.filter(slug__in=wanted("types"))},
        "audiences": {a.slug: a for a in Audience.objects.filter(slug__in=wanted("audiences"))},
        "languages": {
            lang.code: lang for lang in Language.objects.filter(code__in=wanted("languages"))
        },
        "regions": {r.slug: r for r in Region.objects.filter(slug__in=wanted("region"))},
        "hosts": {o.slug: o for o in Organization.objects.filter(slug__in=wanted("host"))},
    }


def _parse_row(number, record, tables):
    values = {column: _cell(record.get(column)) for column in COLUMNS}
    group = SupportGroup(moderation=SupportGroup.Moderation.PENDING)
    row = ParsedRow(number=number, group=group)
    for name in TEXT_FIELDS:
        if values[name] or name not in ("status",):
            setattr(group, name, values[name])
    for name in FLAG_FIELDS:
        if values[name]:
            flag = _flag(row, name, values[name])
            if flag is not None:
                setattr(group, name, flag)
    if values["last_confirmed"]:
        try:
            group.last_confirmed = dt.date.fromisoformat(values["last_confirmed"])
        except ValueError:
            row.error("last_confirmed", _("Write the date as YYYY-MM-DD, e.g. 2025-03-31."))
    if values["region"]:
        region = tables["regions"].get(values["region"])
        if region is None:
            row.error("region", _("There is no region “%(key)s”.") % {"key": values["region"]})
        group.region = region
    if values["host"]:
        host = tables["hosts"].get(values["host"])
        if host is None:
            row.error("host", _("There is no organization “%(key)s”.") % {"key": values["host"]})
        group.host = host

    row.types = _lookup(row, "types", _split(values["types"]), tables["types"], _("group type"))
    if not values["types"]:
        row.error("types", _("Give at least one group type."))
    row.audiences = _lookup(
        row, "audiences", _split(values["audiences"]), tables["audiences"], _("audience")
    )
    row.languages = _lookup(
        row, "languages", _split(values["languages"]), tables["languages"], _("language")
    )

    for index, text in enumerate(values["meetings"].split("|"), start=1):
        if not text.strip():
            continue
        try:
            row.meetings.append(parse_meeting(text.strip()))
        except ValueError as exc:
            row.error("meetings", _("Meeting %(n)s: %(message)s") % {"n": index, "message": exc})

    try:
        group.full_clean(
            exclude=["region", "host", "submitted_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                row.error(name if name in COLUMNS else "", message)
    return row


def parse(data):
    """Bytes of a CSV file -> ParseResult. Never raises for bad content: errors are collected."""
    result = ParseResult()
    try:
        text = decode(data) if isinstance(data, bytes) else data
    except CsvFileError as exc:
        result.file_errors.append(RowError(0, "", str(exc)))
        return result
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
        reader.fieldnames = header
        records = list(reader)
    except csv.Error as exc:
        result.file_errors.append(RowError(0, "", _("The file is not valid CSV: %s") % exc))
        return result

    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    for name in missing:
        result.file_errors.append(RowError(1, name, _("This column is missing.")))
    for name in unknown:
        result.file_errors.append(RowError(1, name or "?", _("This column is not known.")))
    for name in duplicated:
        result.file_errors.append(RowError(1, name, _("This column appears twice.")))
    if len(records) > MAX_ROWS:
        result.file_errors.append(
            RowError(0, "", _("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
        )
    if result.file_errors:
        return result

    tables = _tables(records)
    seen = {}
    # Row numbers are the spreadsheet's: the header is row 1.
    for number, record in enumerate(records, start=2):
        if None in record:
            extra = ParsedRow(number=number, group=SupportGroup())
            extra.error("", _("This row has more cells than the header has columns."))
            result.rows.append(extra)
            continue
        if not any((value or "").strip() for value in record.values()):
            continue
        row = _parse_row(number, record, tables)
        slug = row.group.slug
        if slug in seen:
            row.error("slug", _("Row %(row)s has the same slug.") % {"row": seen[slug]})
        elif slug:
            seen[slug] = number
        result.rows.append(row)

    if not result.rows:
        result.file_errors.append(RowError(0, "", _("The file has no listings in it.")))
    taken = set(SupportGroup.objects.filter(slug__in=seen).values_list("slug", flat=True))
    for row in result.rows:
        if row.group.slug in taken:
            row.error(
                "slug",
                _("A listing with this slug is already in the directory; edit it there instead."),
            )
    return result


# ---------------------------------------------------------------------------------------------
# Writing


class ImportConflict(Exception):
    """Someone created a listing with one of the slugs between the check and the import."""


def apply(result, actor=None):
    """Create every row's listing, pending review, in one transaction. Returns the listings."""
    if not result.ok:
        raise ValueError("Only a file without errors can be imported.")
    created = []
    try:
        with transaction.atomic():
            for row in result.rows:
                group = row.group
                group.moderation = SupportGroup.Moderation.PENDING
                group.save()
                group.types.set(row.types)
                group.audiences.set(row.audiences)
                group.languages.set(row.languages)
                for meeting in row.meetings:
                    meeting.group = group
                    meeting.save()
                audit.record(actor, "imported from CSV", group)
                created.append(group)
            refresh_search_document([group.pk for group in created])
    except IntegrityError:
        raise ImportConflict from None
    return created


def _safe(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def meeting_text(meeting):
    """The compact form parse_meeting() reads back."""
    parts = [meeting.frequency]
    if meeting.frequency in ("monthly", "bimonthly") and meeting.weeks_of_month:
        parts.append(meeting.weeks_of_month.replace(" ", ""))
    if meeting.weekday is not None:
        parts.append(schedule.WEEKDAY_CODES[meeting.weekday])
    if meeting.start_time:
        times = meeting.start_time.strftime("%H:%M")
        if meeting.end_time:
            times += "-" + meeting.end_time.strftime("%H:%M")
        parts.append(times)
    parts.append(meeting.timezone)
    if meeting.start_date:
        parts += ["from", meeting.start_date.isoformat()]
    if meeting.notes:
        parts += ["notes:", meeting.notes.replace("|", "/")]
    return " ".join(parts)


def export_queryset(queryset):
    # Meetings in the order they were entered, the same on every database.
    meetings = Prefetch("meetings", queryset=Meeting.objects.order_by("pk"))
    return queryset.select_related("region", "host").prefetch_related(
        "types", "audiences", "languages", meetings
    )


def export_rows(queryset, chunk_size=2000):
    """The header, then one list of cells per listing, in COLUMNS order."""
    yield COLUMNS
    for group in export_queryset(queryset).iterator(chunk_size=chunk_size):
        values = {name: getattr(group, name) for name in TEXT_FIELDS}
        values.update({name: "yes" if getattr(group, name) else "no" for name in FLAG_FIELDS})
        values.update(
            types=";".join(t.slug for t in group.types.all()),
            audiences=";".join(a.slug for a in group.audiences.all()),
            languages=";".join(lang.code for lang in group.languages.all()),
            region=group.region.slug if group.region else "",
            host=group.host.slug if group.host else "",
            last_confirmed=group.last_confirmed.isoformat() if group.last_confirmed else "",
            meetings=" | ".join(meeting_text(m) for m in group.meetings.all()),
            moderation=group.moderation,
        )
        yield [_safe(values[name]) for name in COLUMNS]


class _Echo:
    def write(self, value):
        return value


def export_csv_lines(queryset):
    """CSV text line by line, starting with a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for cells in export_rows(queryset):
        yield writer.writerow(cells)
