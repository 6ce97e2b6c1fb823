"""Moderators import and export listings as CSV in the admin: dry run first, all or nothing."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import csv_io
from groups.models import AuditEntry, Meeting, Region, SupportGroup
from tests.factories import (
    make_language,
    make_meeting,
    make_organization,
    make_region_tree,
    make_superuser,
    make_support_group,
    make_type,
    make_user,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/groups/supportgroup/import-csv/"
EXPORT_URL = "/admin/groups/supportgroup/export-csv/"
HEADER = "slug,name,summary,kind,types,attendance,languages,region,meetings,email,email_public"


def good_row(slug="thursday-voices", meetings="weekly thu 17:00-18:00 America/Los_Angeles"):
    return (
        f"{slug},Thursday Voices,A hearing voices group,meeting_group,hearing-voices,"
        f"online,en,lothians,{meetings},sam@example.org,no"
    )


BAD_ROW = (
    "second-tuesdays,Second Tuesdays,Monthly group,meeting_group,no-such-type,"
    "online,en,lothians,monthly 2 tue 19:00,,"
)
FIXED_ROW = (
    "second-tuesdays,Second Tuesdays,Monthly group,meeting_group,hearing-voices,"
    "online,en,lothians,monthly 2 tue 19:00 Europe/London,,"
)


def csv_file(*rows, header=HEADER, name="listings.csv", encoding="utf-8"):
    upload = io.BytesIO("\n".join([header, *rows]).encode(encoding))
    upload.name = name
    return upload


@pytest.fixture
def taxonomy():
    make_region_tree()
    make_language("en", "English")
    return make_type("Hearing Voices", slug="hearing-voices")


@pytest.fixture
def moderator(client):
    user = make_superuser()
    client.force_login(user)
    return user


def staff_with(client, *codenames):
    user = make_user(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def upload(client, *rows, **kwargs):
    return client.post(IMPORT_URL, {"file": csv_file(*rows, **kwargs)})


def confirm(client, preview):
    return client.post(IMPORT_URL, {"payload": preview.context["payload"]})


# --- the whole journey ---------------------------------------------------------------------------


def test_a_bad_row_is_shown_and_nothing_changes_until_the_fixed_file_imports_all_rows(
    client, moderator, taxonomy
):
    preview = upload(client, good_row(), BAD_ROW)

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Nothing has been imported" in html
    assert "There is no group type “no-such-type”." in html
    assert "Give the time zone after the time" in html
    errors = {(e.row, e.column) for e in preview.context["result"].errors}
    assert errors == {(3, "types"), (3, "meetings")}
    assert "payload" not in preview.context, "no confirm button while there are errors"
    assert SupportGroup.objects.count() == 0

    preview = upload(client, good_row(), FIXED_ROW)
    assert "2 listings would be created, pending review" in preview.content.decode()
    assert SupportGroup.objects.count() == 0, "the dry run saves nothing"

    done = confirm(client, preview)

    assert done.status_code == 302
    assert done["Location"].endswith("?moderation__exact=pending")
    groups = {g.slug: g for g in SupportGroup.objects.all()}
    assert set(groups) == {"thursday-voices", "second-tuesdays"}
    assert all(g.moderation == SupportGroup.Moderation.PENDING for g in groups.values())
    thursday = groups["thursday-voices"]
    assert [t.slug for t in thursday.types.all()] == ["hearing-voices"]
    assert thursday.region.slug == "lothians"
    assert thursday.email == "sam@example.org" and thursday.email_public is False
    (meeting,) = thursday.meetings.all()
    assert (meeting.weekday, meeting.start_time, meeting.end_time) == (3, dt.time(17), dt.time(18))
    assert meeting.timezone == "America/Los_Angeles"
    (monthly,) = groups["second-tuesdays"].meetings.all()
    assert (monthly.frequency, monthly.weeks_of_month, monthly.weekday) == ("monthly", "2", 1)
    assert AuditEntry.objects.filter(action="imported from CSV", actor=moderator).count() == 2


def test_confirming_the_same_preview_twice_imports_it_once(client, moderator, taxonomy):
    preview = upload(client, good_row())
    confirm(client, preview)

    again = confirm(client, preview)

    assert again.status_code == 400
    assert "already in the directory" in again.content.decode()
    assert SupportGroup.objects.count() == 1
    assert Meeting.objects.count() == 1


def test_a_forged_confirm_imports_nothing(client, moderator, taxonomy):
    forged = signing.dumps(HEADER + "\n" + good_row(), salt="another-salt")

    response = client.post(IMPORT_URL, {"payload": forged})

    assert response.status_code == 302
    assert SupportGroup.objects.count() == 0


def test_an_import_is_all_or_nothing_when_a_slug_appears_meanwhile(moderator, taxonomy):
    text = HEADER + "\n" + good_row("first") + "\n" + good_row("second")
    result = csv_io.parse(text)
    assert result.ok
    make_support_group(slug="second")  # created by someone else between the preview and the confirm

    with pytest.raises(csv_io.ImportConflict):
        csv_io.apply(result, actor=moderator)

    assert not SupportGroup.objects.filter(slug="first").exists()


# --- files that cannot be read -------------------------------------------------------------------


def test_a_file_with_a_bom_is_read(client, moderator, taxonomy):
    response = client.post(IMPORT_URL, {"file": csv_file(good_row(), encoding="utf-8-sig")})

    assert response.context["result"].ok


def test_a_utf16_file_from_excel_is_read(client, moderator, taxonomy):
    response = client.post(IMPORT_URL, {"file": csv_file(good_row(), encoding="utf-16")})

    assert response.context["result"].ok


def test_a_latin1_file_gets_a_clear_message(client, moderator, taxonomy):
    row = good_row().replace("Thursday Voices", "Café Voices")

    response = upload(client, row, encoding="latin-1")

    assert "The file is not UTF-8 text" in response.content.decode()
    assert SupportGroup.objects.count() == 0


def test_an_excel_workbook_gets_a_clear_message(client, moderator):
    workbook = io.BytesIO(b"PK\x03\x04" + b"\x00" * 100)
    workbook.name = "listings.xlsx"

    response = client.post(IMPORT_URL, {"file": workbook})

    assert "looks like an Excel workbook" in response.content.decode()


def test_a_file_over_the_size_limit_is_refused_with_a_message(client, moderator):
    big = io.BytesIO(b"x" * (csv_io.MAX_BYTES + 1))
    big.name = "big.csv"

    response = client.post(IMPORT_URL, {"file": big})

    assert response.status_code == 200
    assert "the limit is 1000 KB" in response.content.decode()


def test_missing_and_unknown_columns_are_reported(client, moderator):
    response = upload(client, "x,y", header="slug,colour")

    errors = {(e.column, e.message) for e in response.context["result"].errors}
    assert ("name", "This column is missing.") in errors
    assert ("colour", "This column is not known.") in errors


def test_an_empty_file_is_reported(client, moderator):
    response = upload(client)

    assert "The file has no listings in it." in response.content.decode()


# --- rows ----------------------------------------------------------------------------------------


def test_a_slug_twice_in_the_file_is_an_error_on_the_second_row(moderator, taxonomy):
    result = csv_io.parse(HEADER + "\n" + good_row() + "\n" + good_row())

    (error,) = result.errors
    assert (error.row, error.column, error.message) == (3, "slug", "Row 2 has the same slug.")


def test_a_slug_already_in_the_directory_is_an_error(moderator, taxonomy):
    make_support_group(slug="thursday-voices")

    result = csv_io.parse(HEADER + "\n" + good_row())

    (error,) = result.errors
    assert (error.row, error.column) == (2, "slug")


def test_bad_values_are_reported_per_column(moderator, taxonomy):
    header = "slug,name,summary,kind,types,attendance,email,email_public,last_confirmed"
    row = "Bad Slug!,Name,Summary,spaceship,hearing-voices,online,not-an-email,maybe,31/12/2024"

    result = csv_io.parse(header + "\n" + row)

    columns = {e.column for e in result.errors}
    assert columns == {"slug", "kind", "email", "email_public", "last_confirmed"}
    assert all(e.row == 2 for e in result.errors)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekly thu 17:00-18:00 America/Los_Angeles", ("weekly", 3, "", dt.time(17), None)),
        ("monthly 2,4 tuesday 19:00 Europe/London", ("monthly", 1, "2,4", dt.time(19), None)),
        (
            "biweekly mon 18:00 Europe/Dublin from 2025-01-06",
            ("biweekly", 0, "", dt.time(18), dt.date(2025, 1, 6)),
        ),
        ("arranged notes: write first | really", ("arranged", None, "", None, None)),
    ],
)
def test_meetings_compact_form_is_understood(text, expected):
    meeting = csv_io.parse_meeting(text.split("|")[0].strip())

    frequency, weekday, weeks, start, start_date = expected
    assert meeting.frequency == frequency
    assert meeting.weekday == weekday
    assert meeting.weeks_of_month == weeks
    assert meeting.start_time == start
    assert meeting.start_date == start_date


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fortnightly mon", "Start with how often"),
        ("weekly funday 17:00 UTC", "“funday” is not understood."),
        ("weekly 17:00 UTC", "Choose the day the group meets."),
        ("weekly mon 18:00-17:00 UTC", "the next day is more than 12 hours"),
        ("weekly mon 18:00-18:00 UTC", "can’t end at the moment it starts"),
        ("weekly mon 25:00 UTC", "“25:00” is not a time of day."),
        ("weekly mon 17:00 Mars/Olympus", "is not a known time zone"),
        ("biweekly mon 17:00 UTC", "Give the date of one meeting"),
    ],
)
def test_meetings_compact_form_errors_say_what_to_fix(text, message):
    with pytest.raises(ValueError, match=message):
        csv_io.parse_meeting(text)


# --- export --------------------------------------------------------------------------------------


def exported_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_then_import_gives_back_the_same_listings(client, moderator, taxonomy):
    tree = Region.objects.get(slug="scotland")
    host = make_organization(slug="voices-network")
    group = make_support_group(
        "Round Trip",
        slug="round-trip",
        types=[taxonomy],
        languages=[make_language("en")],
        region=tree,
        host=host,
        phone="+44 131 000 0000",
        phone_public=True,
        summary="=HYPERLINK(evil)",
        last_confirmed=dt.date(2025, 3, 31),
    )
    make_meeting(group, frequency="monthly", weekday=1, weeks_of_month="2,-1", notes="a | b")
    make_meeting(group, frequency="arranged", weekday=None, start_time=None, end_time=None)

    response = client.get(EXPORT_URL)
    (row,) = exported_rows(response)
    assert response["Content-Disposition"].startswith('attachment; filename="listings-')
    assert row["summary"] == "'=HYPERLINK(evil)", "formulas are neutralised for spreadsheets"
    assert row["phone"] == "'+44 131 000 0000"
    assert row["meetings"] == (
        "monthly 2,-1 tue 17:00-18:00 America/Los_Angeles notes: a / b | arranged America/Los_Angeles"
    )

    group.delete()
    text = b"".join(client.get(EXPORT_URL).streaming_content)
    assert text.count(b"\n") == 1, "only the header once the listing is gone"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=csv_io.COLUMNS)
    writer.writeheader()
    writer.writerow(row)
    result = csv_io.parse(buffer.getvalue().encode())
    assert result.ok, result.errors
    (created,) = csv_io.apply(result, actor=moderator)

    assert created.summary == "=HYPERLINK(evil)"
    assert created.phone == "+44 131 000 0000" and created.phone_public
    assert created.host == host and created.region == tree
    assert created.last_confirmed == dt.date(2025, 3, 31)
    assert [m.describe() for m in created.meetings.order_by("id")] == [
        "The second and last Tuesday of the month, 5:00–6:00 pm Pacific Time",
        "By arrangement",
    ]


def test_export_follows_the_changelist_filters(client, moderator):
    make_support_group("Published one")
    make_support_group("Pending one", moderation=SupportGroup.Moderation.PENDING)

    rows = exported_rows(client.get(EXPORT_URL + "?moderation__exact=pending"))

    assert [r["name"] for r in rows] == ["Pending one"]


def test_export_selected_listings_with_the_admin_action(client, moderator):
    chosen = make_support_group("Chosen")
    make_support_group("Other")

    response = client.post(
        "/admin/groups/supportgroup/",
        {"action": "export_selected_csv", "_selected_action": [chosen.pk]},
    )

    assert [r["name"] for r in exported_rows(response)] == ["Chosen"]


def test_export_takes_the_same_number_of_queries_for_any_number_of_listings(client, moderator):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            exported_rows(client.get(EXPORT_URL))
        return len(queries)

    for _ in range(2):
        make_meeting(make_support_group(types=[make_type()]))
    few = count_queries()
    for _ in range(30):
        make_meeting(make_support_group(types=[make_type()]))

    assert count_queries() == few


def test_changelist_offers_import_and_export_buttons(client, moderator):
    html = client.get("/admin/groups/supportgroup/").content.decode()

    assert reverse("admin:groups_supportgroup_import_csv") in html
    assert reverse("admin:groups_supportgroup_export_csv") in html


def test_import_page_documents_the_columns(client, moderator):
    html = client.get(IMPORT_URL).content.decode()

    assert "weekly thu 17:00-18:00 America/Los_Angeles" in html
    assert "meetings" in html and "last_confirmed" in html


# --- who may ---------------------------------------------------------------------------------------


def test_a_non_staff_user_gets_no_access(client, taxonomy):
    client.force_login(make_user())

    for response in (client.get(IMPORT_URL), upload(client, good_row()), client.get(EXPORT_URL)):
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert SupportGroup.objects.count() == 0


def test_an_anonymous_visitor_gets_no_access(client):
    assert "/admin/login/" in client.get(IMPORT_URL)["Location"]
    assert "/admin/login/" in client.get(EXPORT_URL)["Location"]


def test_staff_who_may_only_view_can_export_but_not_import(client, taxonomy):
    staff_with(client, "view_supportgroup")

    assert client.get(EXPORT_URL).status_code == 200
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, good_row()).status_code == 403
    assert "import-csv" not in client.get("/admin/groups/supportgroup/").content.decode()


def test_staff_who_may_add_listings_can_import(client, taxonomy):
    staff_with(client, "add_supportgroup", "view_supportgroup")

    assert confirm(client, upload(client, good_row())).status_code == 302
    assert SupportGroup.objects.filter(moderation="pending").count() == 1


def test_staff_without_view_permission_cannot_export(client):
    staff_with(client, "add_supportgroup")

    assert client.get(EXPORT_URL).status_code == 403
