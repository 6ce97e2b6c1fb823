/* Peer Directory: small progressive enhancements. Everything works without this file.
   - fills the hidden time-zone field so day/time filters can use the visitor's zone;
   - on the directory, updates results in place when a filter changes (same URL, one header);
   - on a listing, shows meeting times in the visitor's own time zone. */
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }

  var form = document.getElementById("filters");
  if (form) {
    var tzField = form.querySelector("[data-tz]");
    if (tzField && !tzField.value && zone) { tzField.value = zone; }
    var pending = null;

    var update = function () {
      var params = new URLSearchParams(new FormData(form));
      var empty = [];
      params.forEach(function (value, key) { if (!value) { empty.push(key); } });
      empty.forEach(function (key) { params.delete(key); });
      var url = form.action + (params.toString() ? "?" + params.toString() : "");
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var results = document.getElementById("results");
      results.setAttribute("aria-busy", "true");
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
          document.getElementById("result-count").textContent = count.textContent;
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
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") { return; }
          form.submit(); /* the page works without JavaScript: fall back to a plain load */
        });
    };

    form.addEventListener("change", function (event) {
      if (event.target && event.target.name === "q") { return; } /* text: wait for Enter */
      update();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
  }

  var times = document.querySelectorAll("time[data-local-time]");
  if (times.length && zone && window.Intl) {
    var format = new Intl.DateTimeFormat(undefined, {
      weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit", timeZone: zone
    });
    var label = function (el) {
      var holder = el.closest("[data-your-time]");
      return holder ? holder.getAttribute("data-your-time") : "";
    };
    times.forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      var note = document.createElement("span");
      note.className = "your-time";
      note.textContent = " — " + format.format(when) + " " + label(el) + " (" + zone + ")";
      el.parentNode.insertBefore(note, el.nextSibling);
    });
  }
})();
