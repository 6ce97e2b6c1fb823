"""Time zones as people name them: the common zones offered first, and a friendly name for any zone.

One list and one naming rule for every place that shows or asks for a zone (the directory's
time-zone choice, meeting times, the organizer form).
"""

import zoneinfo
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

# Offered first wherever a visitor chooses a zone: where most listings and their visitors are.
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


def choices(current=""):
    """(zone, label) for a select: the common zones, plus `current` if it is another known zone."""
    zones = list(COMMON_ZONES)
    if is_known(current) and current not in zones:
        zones.insert(0, current)
    found = []
    for name in zones:
        friendly = friendly_name(name)
        where = city(name)
        label = (
            friendly
            if where.lower() in friendly.lower() or name == "UTC"
            else f"{friendly} ({where})"
        )
        found.append((name, label))
    return found
