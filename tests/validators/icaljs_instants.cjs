// The next start instants of every calendar, as ical.js (Thunderbird, many web calendars) reads
// them, using only the calendar's own VTIMEZONEs. Usage: node icaljs_instants.cjs in.json out.json
// in.json: [{"id": ..., "ics": "...", "after": "ISO instant", "count": 3}]; out: {id: [ISO UTC]}.
// With "until" (an ISO instant) instead of "count": every meeting starting in (after, until], as
// {id: [[UID, start, end, SUMMARY, DESCRIPTION], ...]} (times ISO UTC, texts as ical.js unescapes
// them), so each occurrence is traced to its meeting.
"use strict";
const fs = require("fs");
const path = require("path");

const ICAL = require(path.join(process.env.FEEDS_VALIDATORS, "node", "node_modules", "ical.js", "dist", "ical.es5.cjs"));
const [input, output] = process.argv.slice(2);
const result = {};
for (const item of JSON.parse(fs.readFileSync(input, "utf8"))) {
  ICAL.TimezoneService.reset();
  const calendar = new ICAL.Component(ICAL.parse(item.ics));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const after = new Date(item.after);
  const until = item.until ? new Date(item.until) : null;
  const found = [];
  for (const component of calendar.getAllSubcomponents("vevent")) {
    if ((component.getFirstPropertyValue("status") || "") === "CANCELLED") continue;
    const event = new ICAL.Event(component);
    if (!event.startDate.zone || event.startDate.zone.tzid === "floating") {
      throw new Error(`${item.id}: ical.js could not resolve the event's time zone`);
    }
    const iterator = event.iterator();
    let kept = 0;
    for (let step = 0, next; step < 2000 && (next = iterator.next()); step++) {
      const when = next.toJSDate();
      if (until ? when > until : kept >= item.count) break;
      if (when > after) {
        if (until) {
          const end = event.getOccurrenceDetails(next).endDate.toJSDate();
          found.push([event.uid, when.toISOString(), end.toISOString(), event.summary, event.description]);
        } else {
          found.push(when.toISOString());
        }
        kept++;
      }
    }
  }
  found.sort();
  result[item.id] = until ? found : found.slice(0, item.count);
}
fs.writeFileSync(output, JSON.stringify(result));
