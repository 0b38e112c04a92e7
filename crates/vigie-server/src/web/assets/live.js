// vigie page enhancements. The pages work without this script; it only
// (1) shows times in the viewer's time zone, (2) filters the service list as you type,
// (3) follows the server-sent events at /api/v1/events and updates the page in place.
(function () {
  "use strict";
  var body = document.body;
  var lang = document.documentElement.lang || "en";

  function localiseTimes(root) {
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return;
    }
    var times = (root || document).querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) continue;
      if (!t.title) t.title = t.textContent;
      t.textContent = fmt.format(d);
      t.setAttribute("data-local", "1");
    }
  }

  function applyFilter(input) {
    var target = document.querySelector(input.getAttribute("data-filter"));
    if (!target) return;
    var q = input.value.trim().toLowerCase();
    var rows = target.querySelectorAll("tr[data-name]");
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].getAttribute("data-name") || "";
      rows[i].hidden = q !== "" && name.indexOf(q) === -1;
    }
  }

  function setupFilters() {
    var inputs = document.querySelectorAll("input[data-filter]");
    for (var i = 0; i < inputs.length; i++) {
      (function (input) {
        input.addEventListener("input", function () { applyFilter(input); });
      })(inputs[i]);
    }
  }

  function reapplyFilters() {
    var inputs = document.querySelectorAll("input[data-filter]");
    for (var i = 0; i < inputs.length; i++) applyFilter(inputs[i]);
  }

  function stateLabel(state) {
    return body.getAttribute("data-l-" + state.replace(/_/g, "-")) || state;
  }

  // A service changed state: update every label of it now, before the region refresh.
  function updateServiceState(service, state) {
    var rows = document.querySelectorAll("[data-service]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-service") !== service) continue;
      var label = rows[i].querySelector("[data-state]");
      if (!label) continue;
      label.setAttribute("data-state", state);
      label.className = "state state-" + state;
      label.textContent = stateLabel(state);
    }
  }

  // Re-fetch the page and swap every [data-live-region] by id: incidents, explanations and
  // counts stay exactly as the server renders them, in the page's language.
  var refreshTimer = null;
  var refreshing = false;
  var again = false;
  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(refresh, 400);
  }
  function refresh() {
    refreshTimer = null;
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var regions = document.querySelectorAll("[data-live-region][id]");
        for (var i = 0; i < regions.length; i++) {
          var fresh = doc.getElementById(regions[i].id);
          if (fresh && fresh.innerHTML !== regions[i].innerHTML) {
            regions[i].innerHTML = fresh.innerHTML;
            localiseTimes(regions[i]);
          }
        }
        reapplyFilters();
        body.setAttribute("data-live-updates", String(Number(body.getAttribute("data-live-updates") || "0") + 1));
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) { again = false; scheduleRefresh(); }
      });
  }

  function onEvent(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    if (!data || typeof data !== "object") return;
    body.setAttribute("data-live-events", String(Number(body.getAttribute("data-live-events") || "0") + 1));
    if (typeof data.service === "string" && typeof data.state === "string") {
      updateServiceState(data.service, data.state);
    }
    scheduleRefresh();
  }

  function setupLive() {
    var status = document.getElementById("live-status");
    if (!window.EventSource || !window.fetch || !window.DOMParser) return;
    var es = new EventSource("/api/v1/events");
    es.onopen = function () {
      if (status) status.textContent = body.getAttribute("data-l-live");
      body.setAttribute("data-live", "open");
    };
    es.onerror = function () {
      if (status) status.textContent = body.getAttribute("data-l-offline");
      body.setAttribute("data-live", "error");
    };
    es.onmessage = onEvent;
    var names = ["service_state", "incident_opened", "incident_updated", "incident_resolved",
                 "state", "incident", "report", "change"];
    for (var i = 0; i < names.length; i++) es.addEventListener(names[i], onEvent);
  }

  function start() {
    localiseTimes(document);
    setupFilters();
    reapplyFilters();
    setupLive();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
