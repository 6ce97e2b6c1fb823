/* The organizer's listing form: small enhancements. Everything works without this file
   ("Add another time" then reloads the page with what was typed, and removing is a tick box).
   - moves focus to the error summary, so a screen reader reads it first, and from each of its
     links into the field;
   - adds and removes meeting times in place;
   - writes each meeting time as a sentence while it is typed;
   - starts new meeting times in the browser's time zone when the site could only guess.
   Showing only the schedule fields the chosen "How often?" uses is site.css's, script or not. */
(function () {
  "use strict";
  var form = document.getElementById("listing-form");
  if (!form) { return; }

  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
    // A link to a field only scrolls there; put the cursor in it too, with its label and error
    // (above it) on screen.
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      (target.closest(".field, fieldset") || target).scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  var list = form.querySelector("[data-meeting-list]");
  var template = document.getElementById("meeting-template");
  var total = form.querySelector("input[name=meetings-TOTAL_FORMS]");
  var meetings = document.getElementById("meetings");
  var words = meetings ? JSON.parse(meetings.getAttribute("data-words") || "null") : null;

  var fill = function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  };
  var field = function (block, name) { return block.querySelector("[name$='-" + name + "']"); };

  var formatTime = function (value) {
    var parts = value.split(":");
    var hour = parseInt(parts[0], 10), minute = parts[1] || "00";
    var suffix = hour < 12 ? words.am : words.pm;
    return { text: ((hour % 12) || 12) + ":" + minute, suffix: suffix };
  };
  var timeRange = function (start, end) {
    var a = formatTime(start);
    if (!end) { return a.text + " " + a.suffix; }
    var b = formatTime(end);
    if (a.suffix === b.suffix) { return a.text + "–" + b.text + " " + b.suffix; }
    return a.text + " " + a.suffix + "–" + b.text + " " + b.suffix;
  };
  var joinAnd = function (names) {
    if (names.length < 2) { return names[0] || ""; }
    return fill(words.and, { first: names.slice(0, -1).join(", "), last: names[names.length - 1] });
  };

  var sentence = function (block) {
    var frequency = field(block, "frequency").value;
    var dayField = field(block, "weekday");
    var day = dayField.value === "" ? null : parseInt(dayField.value, 10);
    var days;
    if (!frequency) { return ""; }
    if (frequency === "arranged") { return words.arranged; }
    if (day === null) { return frequency === "bimonthly" ? words.every_other_month : ""; }
    if (frequency === "weekly") { days = words.plurals[day]; }
    else if (frequency === "biweekly") { days = fill(words.every_other, { day: words.days[day] }); }
    else {
      var weeks = [];
      block.querySelectorAll("[name$='-weeks_of_month']:checked").forEach(function (box) {
        weeks.push(words.ordinals[box.value]);
      });
      if (!weeks.length) { return ""; }
      days = fill(frequency === "monthly" ? words.monthly : words.bimonthly,
                  { weeks: joinAnd(weeks), day: words.days[day] });
    }
    var start = field(block, "start_time").value;
    if (!start) { return days; }
    var zoneSelect = field(block, "timezone");
    var zone = zoneSelect.options[zoneSelect.selectedIndex];
    var zoneName = zone ? zone.text.replace(/ \(.*\)$/, "") : "";
    return fill(words.with_time, { days: days, times: timeRange(start, field(block, "end_time").value), zone: zoneName });
  };

  var refresh = function (block) {
    var out = block.querySelector("[data-sentence]");
    if (out && words) { out.textContent = sentence(block); }
  };

  var setUp = function (block) {
    block.addEventListener("input", function () { refresh(block); });
    block.addEventListener("change", function () { refresh(block); });
    var remove = block.querySelector("[data-remove]");
    var tick = block.querySelector("[data-delete]");
    if (remove && tick) {
      tick.hidden = true;
      remove.hidden = false;
      remove.addEventListener("click", function () {
        tick.querySelector("input").checked = true;
        block.hidden = true;
        var add = form.querySelector("[data-add-meeting]");
        if (add) { add.focus(); }
      });
    }
    refresh(block);
  };

  if (list) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    var guessed = meetings && meetings.getAttribute("data-zone-source") === "site";
    var useBrowserZone = function (block) {
      var select = field(block, "timezone");
      var id = field(block, "id");
      if (guessed && zone && select && (!id || !id.value) && select.querySelector("option[value='" + zone + "']")) {
        select.value = zone;
      }
    };
    list.querySelectorAll("[data-meeting]").forEach(function (block) { useBrowserZone(block); setUp(block); });

    var add = form.querySelector("[data-add-meeting]");
    if (add && template && total) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        var index = parseInt(total.value, 10);
        var visible = list.querySelectorAll("[data-meeting]:not([hidden])").length;
        var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(visible + 1));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var block = holder.firstElementChild;
        list.appendChild(block);
        total.value = String(index + 1);
        var previous = list.querySelectorAll("[data-meeting]");
        var source = previous.length > 1 ? field(previous[previous.length - 2], "timezone") : null;
        if (source) { field(block, "timezone").value = source.value; } else { useBrowserZone(block); }
        setUp(block);
        field(block, "frequency").focus();
      });
    }
  }
})();
