"""Time zones as people name them: one module for every place that shows or asks for a zone.

- Visitors (the directory's zone choice, meeting times): `common_choices()`, one zone per name
  people use, and `friendly_name()` ("UK time", "Pacific Time").
- Organizers (the meeting form): `choices()`, every zone grouped by part of the world with the
  common ones first; `resolve()` understands what people type ("Eastern Time", "UK time"); and
  `for_region()` guesses a listing's zone from its region.
"""

import zoneinfo
from functools import lru_cache

from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

SITE_DEFAULT = "Europe/London"

# Names people use for the zones most groups give their times in; others fall back to the city.
ZONE_NAMES = {
    "America/Los_Angeles": gettext_lazy("Pacific Time"),
    "America/Vancouver": gettext_lazy("Pacific Time"),
    "America/Denver": gettext_lazy("Mountain Time"),
    "America/Edmonton": gettext_lazy("Mountain Time"),
    "America/Phoenix": gettext_lazy("Arizona Time"),
    "America/Chicago": gettext_lazy("Central Time"),
    "America/Winnipeg": gettext_lazy("Central Time"),
    "America/New_York": gettext_lazy("Eastern Time"),
    "America/Toronto": gettext_lazy("Eastern Time"),
    "America/Halifax": gettext_lazy("Atlantic Time"),
    "America/St_Johns": gettext_lazy("Newfoundland Time"),
    "Pacific/Honolulu": gettext_lazy("Hawaii Time"),
    "America/Anchorage": gettext_lazy("Alaska Time"),
    "Europe/London": gettext_lazy("UK time"),
    "Europe/Dublin": gettext_lazy("Irish time"),
    "Europe/Lisbon": gettext_lazy("Portugal time"),
    "Europe/Amsterdam": gettext_lazy("Central European Time"),
    "Europe/Berlin": gettext_lazy("Central European Time"),
    "Europe/Paris": gettext_lazy("Central European Time"),
    "Europe/Brussels": gettext_lazy("Central European Time"),
    "Europe/Madrid": gettext_lazy("Central European Time"),
    "Europe/Rome": gettext_lazy("Central European Time"),
    "Europe/Vienna": gettext_lazy("Central European Time"),
    "Europe/Copenhagen": gettext_lazy("Central European Time"),
    "Europe/Stockholm": gettext_lazy("Central European Time"),
    "Europe/Oslo": gettext_lazy("Central European Time"),
    "Europe/Warsaw": gettext_lazy("Central European Time"),
    "Europe/Zurich": gettext_lazy("Central European Time"),
    "Europe/Helsinki": gettext_lazy("Eastern European Time"),
    "Europe/Athens": gettext_lazy("Eastern European Time"),
    "UTC": gettext_lazy("UTC"),
}

# Offered first wherever a visitor chooses a zone (the organizer form has COMMON, below, with
# every city of a name, since a group names its own city): where most listings and their visitors are.
# One zone per name people use (Europe/Paris stands for "Central European Time").
COMMON_ZONES = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Helsinki",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Halifax",
    "America/St_Johns",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
]


@lru_cache(maxsize=1)
def _known():
    return frozenset(zoneinfo.available_timezones())


def is_known(name):
    return bool(name) and len(name) <= 64 and name in _known()


def city(name):
    return name.rsplit("/", 1)[-1].replace("_", " ")


def friendly_name(name):
    """'UK time', 'Pacific Time'; for a zone without a common name, 'Kathmandu time'."""
    if name in ZONE_NAMES:
        return str(ZONE_NAMES[name])
    return _("%(city)s time") % {"city": city(name)}


def common_choices(current=""):
    """(zone, label) for a select: the common zones, plus `current` if it is another known zone."""
    zones = list(COMMON_ZONES)
    if is_known(current) and current not in zones:
        zones.insert(0, current)
    return [(name, option_label(name)) for name in zones]


# The zones most groups give their times in, by part of the world; the rest follow, all of them.
COMMON = [
    (
        gettext_lazy("North America"),
        [
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Phoenix",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
            "America/Toronto",
            "America/Winnipeg",
            "America/Edmonton",
            "America/Vancouver",
            "America/Halifax",
            "America/St_Johns",
        ],
    ),
    (
        gettext_lazy("UK, Ireland and Europe"),
        [
            "Europe/London",
            "Europe/Dublin",
            "Europe/Lisbon",
            "Europe/Amsterdam",
            "Europe/Berlin",
            "Europe/Paris",
            "Europe/Brussels",
            "Europe/Madrid",
            "Europe/Rome",
            "Europe/Copenhagen",
            "Europe/Stockholm",
            "Europe/Oslo",
            "Europe/Zurich",
            "Europe/Warsaw",
            "Europe/Helsinki",
            "Europe/Athens",
        ],
    ),
    (
        gettext_lazy("Australia and New Zealand"),
        [
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Brisbane",
            "Australia/Adelaide",
            "Australia/Perth",
            "Pacific/Auckland",
        ],
    ),
    (
        gettext_lazy("Elsewhere"),
        [
            "Africa/Johannesburg",
            "Africa/Lagos",
            "Africa/Nairobi",
            "Asia/Kolkata",
            "Asia/Singapore",
            "Asia/Tokyo",
            "America/Sao_Paulo",
            "America/Mexico_City",
            "UTC",
        ],
    ),
]

# The first part of an IANA name, as a part of the world.
AREAS = {
    "Africa": gettext_lazy("Africa"),
    "America": gettext_lazy("The Americas"),
    "Antarctica": gettext_lazy("Antarctica"),
    "Arctic": gettext_lazy("Arctic"),
    "Asia": gettext_lazy("Asia"),
    "Atlantic": gettext_lazy("Atlantic"),
    "Australia": gettext_lazy("Australia"),
    "Europe": gettext_lazy("Europe"),
    "Indian": gettext_lazy("Indian Ocean"),
    "Pacific": gettext_lazy("Pacific"),
}

# Other words people use for a zone. Lower case; matched after removing "time"/"zone" words.
ALIASES = {
    "eastern": "America/New_York",
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "us eastern": "America/New_York",
    "central": "America/Chicago",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mountain": "America/Denver",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pacific": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "atlantic": "America/Halifax",
    "newfoundland": "America/St_Johns",
    "arizona": "America/Phoenix",
    "uk": "Europe/London",
    "british": "Europe/London",
    "gmt": "Europe/London",
    "bst": "Europe/London",
    "england": "Europe/London",
    "scotland": "Europe/London",
    "wales": "Europe/London",
    "irish": "Europe/Dublin",
    "ireland": "Europe/Dublin",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "central european": "Europe/Berlin",
    "eastern european": "Europe/Helsinki",
    "eet": "Europe/Helsinki",
    "portugal": "Europe/Lisbon",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "nz": "Pacific/Auckland",
    "new zealand": "Pacific/Auckland",
    "utc": "UTC",
    "universal": "UTC",
}

# Places whose listings almost always give times in one zone (slugs of region names). Regions
# spanning several zones (the United States, Canada, Australia) are left out: no guess is
# better than a wrong one.
REGION_ZONES = {
    "united-kingdom": "Europe/London",
    "england": "Europe/London",
    "scotland": "Europe/London",
    "wales": "Europe/London",
    "northern-ireland": "Europe/London",
    "ireland": "Europe/Dublin",
    "netherlands": "Europe/Amsterdam",
    "belgium": "Europe/Brussels",
    "france": "Europe/Paris",
    "germany": "Europe/Berlin",
    "spain": "Europe/Madrid",
    "italy": "Europe/Rome",
    "denmark": "Europe/Copenhagen",
    "sweden": "Europe/Stockholm",
    "norway": "Europe/Oslo",
    "finland": "Europe/Helsinki",
    "switzerland": "Europe/Zurich",
    "austria": "Europe/Vienna",
    "portugal": "Europe/Lisbon",
    "greece": "Europe/Athens",
    "poland": "Europe/Warsaw",
    "new-zealand": "Pacific/Auckland",
    "japan": "Asia/Tokyo",
    "india": "Asia/Kolkata",
    "singapore": "Asia/Singapore",
    "south-africa": "Africa/Johannesburg",
    # United States, by state.
    **dict.fromkeys(
        "connecticut delaware district-of-columbia florida georgia maine maryland massachusetts "
        "michigan new-hampshire new-jersey new-york north-carolina ohio pennsylvania "
        "rhode-island south-carolina vermont virginia west-virginia indiana kentucky".split(),
        "America/New_York",
    ),
    **dict.fromkeys(
        "alabama arkansas illinois iowa louisiana minnesota mississippi missouri oklahoma "
        "wisconsin texas tennessee kansas nebraska north-dakota south-dakota".split(),
        "America/Chicago",
    ),
    **dict.fromkeys("colorado montana new-mexico utah wyoming idaho".split(), "America/Denver"),
    "arizona": "America/Phoenix",
    **dict.fromkeys("california nevada oregon washington".split(), "America/Los_Angeles"),
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    # Canada, by province.
    "ontario": "America/Toronto",
    "quebec": "America/Toronto",
    "manitoba": "America/Winnipeg",
    "saskatchewan": "America/Regina",
    "alberta": "America/Edmonton",
    "british-columbia": "America/Vancouver",
    "nova-scotia": "America/Halifax",
    "new-brunswick": "America/Moncton",
    "newfoundland-and-labrador": "America/St_Johns",
    # Australia, by state.
    "new-south-wales": "Australia/Sydney",
    "victoria": "Australia/Melbourne",
    "queensland": "Australia/Brisbane",
    "south-australia": "Australia/Adelaide",
    "western-australia": "Australia/Perth",
    "tasmania": "Australia/Hobart",
}


@lru_cache(maxsize=1)
def all_zones():
    """Every zone a person might mean: IANA's canonical Area/City names, plus UTC."""
    return frozenset(
        z
        for z in zoneinfo.available_timezones()
        if z == "UTC" or (z.split("/", 1)[0] in AREAS and not z.startswith("Etc/"))
    )


def option_label(name):
    """'Eastern Time (New York)'; 'Lagos time' for zones without a common name."""
    if name in ZONE_NAMES and name != "UTC":
        return _("%(zone)s (%(city)s)") % {"zone": ZONE_NAMES[name], "city": city(name)}
    return friendly_name(name)


def choices():
    """Grouped choices for a select: the common zones by part of the world, then every zone."""
    return _choices(get_language())


@lru_cache(maxsize=8)
def _choices(language):
    known = all_zones()
    common = {z for _title, zones in COMMON for z in zones}
    grouped = [
        (str(title), [(z, option_label(z)) for z in zones if z in known or z == "UTC"])
        for title, zones in COMMON
    ]
    rest = {}
    for z in sorted(known - common):
        rest.setdefault(z.split("/", 1)[0], []).append((z, option_label(z)))
    for area, title in AREAS.items():
        if area in rest:
            grouped.append(
                (_("All of %(area)s") % {"area": title}, sorted(rest[area], key=lambda c: c[1]))
            )
    return grouped


def _key(text):
    words = slugify(text.replace("_", " ").replace("/", " ")).replace("-", " ").split()
    return " ".join(w for w in words if w not in ("time", "zone", "timezone", "standard"))


@lru_cache(maxsize=1)
def _by_name():
    names = {}
    for z in all_zones():
        names[_key(z.rsplit("/", 1)[-1])] = z  # "new york" -> America/New_York
        names[z.lower()] = z
    for z, label in ZONE_NAMES.items():
        names.setdefault(_key(str(label)), z)
    names.update(ALIASES)
    return names


def resolve(text):
    """The IANA zone a person means by `text` ("Eastern Time", "UK time", "Europe/London"), or
    None. Case and the words "time"/"zone" do not matter."""
    text = (text or "").strip()
    if not text:
        return None
    if text in all_zones():
        return text
    by_name = _by_name()
    return by_name.get(text.lower()) or by_name.get(_key(text))


def for_region(region_id, tree):
    """The zone a listing in this region most likely uses (the nearest place that has one)."""
    for region in reversed(tree.ancestors(region_id)) if region_id else []:
        zone = REGION_ZONES.get(region.slug) or REGION_ZONES.get(slugify(region.name))
        if zone:
            return zone
    return None
