"""The next start instants of every calendar, as recurring-ical-events (PyPI) expands them.

Runs in the validators' own virtualenv (it needs another python-dateutil than the project's).
Usage: python recurring_instants.py in.json out.json (the same shapes as icaljs_instants.cjs:
with "until", every meeting starting in (after, until] as [UID, start, end, SUMMARY, DESCRIPTION]).
"""

import datetime as dt
import json
import sys

import icalendar
import recurring_ical_events


def instants(item):
    calendar = icalendar.Calendar.from_ical(item["ics"])
    after = dt.datetime.fromisoformat(item["after"].replace("Z", "+00:00"))
    until = item.get("until")
    end = dt.datetime.fromisoformat(until) if until else after + dt.timedelta(days=200)
    found = []
    window = recurring_ical_events.of(calendar).between(after, end)
    for event in window:
        if str(event.get("status", "")).upper() == "CANCELLED":
            continue
        start = event["dtstart"].dt
        if start.tzinfo is None:
            raise SystemExit(f"{item['id']}: a floating start time")
        start = start.astimezone(dt.UTC)
        if start > after and start <= end:
            if until:
                finish = event["dtend"].dt if "dtend" in event else start + event["duration"].dt
                texts = (str(event.get("summary", "")), str(event.get("description", "")))
                found.append((str(event["uid"]), start, finish.astimezone(dt.UTC), *texts))
            else:
                found.append(start)
    found.sort()
    if until:
        return [[uid, _iso(s), _iso(e), *texts] for uid, s, e, *texts in found]
    return [_iso(s) for s in found[: item["count"]]]


def _iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def main(source, target):
    with open(source, encoding="utf-8") as handle:
        items = json.load(handle)
    result = {item["id"]: instants(item) for item in items}
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(*sys.argv[1:3])
