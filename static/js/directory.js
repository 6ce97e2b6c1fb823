/* Peer Directory: small progressive enhancements. Everything works without this file.
   - preselects the visitor's time zone (the filter form's select, the search boxes' hidden field);
   - on the directory, updates results in place when a filter changes (same URL, one header),
     and on small screens folds the filters away and shows the results when asked to;
   - on a listing without a chosen zone, puts the visitor's own time first. */
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var wide = window.matchMedia ? window.matchMedia("(min-width: 48rem)") : { matches: false };

  document.querySelectorAll("input[data-tz]").forEach(function (field) {
    if (!field.value && zone) { field.value = zone; field.disabled = false; }
  });
  /* Selects of zones: preselect the browser's, adding it when it is not among the common ones. */
  var preselect = function (select) {
    if (!select || select.value || !zone) { return false; }
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (!known) {
      var option = document.createElement("option");
      option.value = zone;
      option.textContent = zone.split("/").pop().replace(/_/g, " ");
      select.insertBefore(option, select.options[1] || null);
    }
    select.value = zone;
    return true;
  };
  document.querySelectorAll("select[data-tz]").forEach(function (select) {
    if (!select.form || select.form.id !== "filters") { preselect(select); }
  });

  var form = document.getElementById("filters");
  if (form) {
    var panel = document.getElementById("filter-panel");
    if (panel && wide.matches) { panel.open = true; }
    var pending = null;
    var zoneAdded = preselect(form.querySelector("select[data-tz]"));

    var showResults = function () {
      if (panel && !wide.matches) { panel.open = false; }
      var count = document.getElementById("result-count");
      if (count) { count.focus(); count.scrollIntoView({ block: "start" }); }
    };

    /* thenShow: fold the filters and show the results; quiet: no dimming while it loads (the
       update that follows preselecting the zone, which the visitor did not ask for). */
    var update = function (thenShow, quiet) {
      var params = new URLSearchParams(new FormData(form));
      var empty = [];
      params.forEach(function (value, key) { if (!value) { empty.push(key); } });
      empty.forEach(function (key) { params.delete(key); });
      var url = form.action + (params.toString() ? "?" + params.toString() : "");
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var results = document.getElementById("results");
      if (!quiet) { results.setAttribute("aria-busy", "true"); }
      fetch(url, { headers: { "X-Directory-Partial": "1" }, signal: pending.signal, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.text();
        })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("results");
          var count = doc.getElementById("result-count");
          if (!fresh || !count) { throw new Error("unexpected response"); }
          results.innerHTML = fresh.innerHTML;
          ["result-count", "filter-summary", "show-results"].forEach(function (id) {
            var mine = document.getElementById(id), theirs = doc.getElementById(id);
            if (mine && theirs) { mine.textContent = theirs.textContent; }
          });
          var anyone = document.getElementById("anyone-results"), fresher = doc.getElementById("anyone-results");
          if (anyone && fresher) { anyone.innerHTML = fresher.innerHTML; }
          doc.querySelectorAll("[data-count]").forEach(function (el) {
            var mine = form.querySelector('[data-count="' + el.getAttribute("data-count") + '"]');
            if (mine) { mine.textContent = el.textContent; }
          });
          doc.querySelectorAll("select[data-options]").forEach(function (el) {
            var mine = document.getElementById(el.id);
            if (mine) { mine.innerHTML = el.innerHTML; }
          });
          results.removeAttribute("aria-busy");
          history.replaceState(null, "", url);
          if (thenShow) { showResults(); }
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") { return; }
          form.submit(); /* the page works without JavaScript: fall back to a plain load */
        });
    };

    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "q") { return; } /* text: wait for Enter */
      update(false);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update(true);
    });
    if (zoneAdded) { update(false, true); } /* the cards then show times in the visitor's zone */
  }

  /* A listing one joins from anywhere, shown without a chosen zone: the visitor's own time first,
     the group's second (in-person groups keep their own local time, as the filters do). */
  var times = document.querySelectorAll("time[data-local-time]");
  if (times.length && zone && window.Intl) {
    /* The page's language; its English is British ("Friday 4 December") with a 12-hour clock,
       as the server writes it (groups/schedule.py); other languages keep their own clock. */
    var lang = document.documentElement.lang || "en";
    var english = /^en\b/i.test(lang);
    var format = new Intl.DateTimeFormat(english ? "en-GB" : lang, {
      weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit",
      hour12: english ? true : undefined, timeZone: zone
    });
    var label = function (el) {
      var holder = el.closest("[data-your-time]");
      return holder ? holder.getAttribute("data-your-time") : "";
    };
    var shown = false;
    times.forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      var own = el.closest("[data-zone]");
      if (isNaN(when.getTime()) || el.closest("[data-keep-own-time]") ||
          (own && own.getAttribute("data-zone") === zone)) { return; }
      var mine = document.createElement("strong");
      mine.className = "your-time";
      /* One style on every page: "Friday 4 December, 1:00 am". */
      var text = format.format(when);
      if (english) { text = text.replace(/ at /, ", ").replace(/\s?([ap])\.?m\.?$/i, " $1m"); }
      mine.textContent = text + " " + label(el);
      el.parentNode.insertBefore(mine, el);
      el.parentNode.insertBefore(document.createTextNode(" · "), el);
      el.classList.add("own-time");
      shown = true;
    });
    var note = document.querySelector("[data-zone-note]");
    if (shown && note && note.getAttribute("data-your-note")) {
      note.textContent = note.getAttribute("data-your-note");
    }
  }
})();
