/*
 * The dashboard's only script, served from /dashboard/assets/dashboard.js. Progressive
 * enhancement: every page works without it (forms post, links navigate, the live view has a
 * refresh link); with it, times show in the viewer's zone, the live view updates from
 * server-sent events, and the FAQ editor can add rows.
 */
export const DASHBOARD_JS = String.raw`
(function () {
  "use strict";
  var dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

  function localizeTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      if (!el.title) el.title = el.textContent.trim();
      el.textContent = el.getAttribute("data-local") === "time" ? timeOnly.format(date) : dateTime.format(date);
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tickElapsed() {
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (isNaN(since)) return;
      var s = Math.max(0, Math.floor((Date.now() - since) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      el.textContent = (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60);
    });
  }

  function fromHtml(markup) {
    var template = document.createElement("template");
    template.innerHTML = markup.trim();
    return template.content.firstElementChild;
  }

  function startLive(container) {
    if (!("EventSource" in window)) return;
    var status = document.querySelector("[data-live-status]");
    var announce = document.querySelector("[data-live-announce]");
    function setState(state, text) {
      if (!status) return;
      status.setAttribute("data-state", state);
      var label = status.querySelector("[data-live-text]");
      if (label) label.textContent = text;
    }
    var source = new EventSource(container.getAttribute("data-live-src"));
    source.addEventListener("open", function () { setState("connected", "Live"); });
    source.addEventListener("error", function () { setState("error", "Reconnecting…"); });
    source.addEventListener("update", function (event) {
      var data = JSON.parse(event.data);
      var known = {};
      container.querySelectorAll("[data-call-id]").forEach(function (el) { known[el.getAttribute("data-call-id")] = el; });
      Object.keys(data.cards).forEach(function (id) {
        var el = fromHtml(data.cards[id]);
        if (el) { localizeTimes(el); known[id] = el; }
      });
      ["active", "recent"].forEach(function (section) {
        var list = container.querySelector("[data-live-list='" + section + "']");
        if (!list || !data.order[section]) return;
        var items = data.order[section].map(function (id) { return known[id]; }).filter(Boolean);
        list.replaceChildren.apply(list, items);
        var empty = container.querySelector("[data-live-empty='" + section + "']");
        if (empty) empty.hidden = items.length > 0;
        document.querySelectorAll("[data-live-count='" + section + "']").forEach(function (count) {
          count.textContent = String(items.length);
        });
      });
      if (announce && data.announce) announce.textContent = data.announce;
      if (data.stats) {
        Object.keys(data.stats).forEach(function (key) {
          var stat = document.querySelector("[data-live-stat='" + key + "']");
          if (stat) stat.textContent = String(data.stats[key]);
        });
      }
      setState("connected", "Live · updated " + timeOnly.format(new Date()));
      tickElapsed();
    });
  }

  function addFaqRow(button) {
    var template = document.getElementById(button.getAttribute("data-add-faq"));
    var list = document.getElementById(button.getAttribute("aria-controls"));
    if (!template || !list) return;
    var index = list.querySelectorAll(".faq-row").length;
    var row = fromHtml(template.innerHTML.split("__INDEX__").join(String(index)).split("__NUMBER__").join(String(index + 1)));
    list.appendChild(row);
    var first = row.querySelector("input, textarea");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-add-faq],[data-copy]") : null;
    if (!target) return;
    if (target.hasAttribute("data-add-faq")) { event.preventDefault(); addFaqRow(target); }
    if (target.hasAttribute("data-copy")) {
      var input = document.getElementById(target.getAttribute("data-copy"));
      if (input && navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(function () { target.textContent = "Copied"; });
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    localizeTimes(document);
    tickElapsed();
    setInterval(tickElapsed, 1000);
    document.querySelectorAll("[data-add-faq]").forEach(function (el) { el.hidden = false; });
    var live = document.querySelector("[data-live-src]");
    if (live) startLive(live);
    var firstError = document.querySelector("[data-error-summary]");
    if (firstError) firstError.focus();
  });
})();
`;
