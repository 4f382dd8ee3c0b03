// Keyboard and phone comfort around htmx swaps of #results (everything works without this file).
// - Focus: a swap replaces the element that had focus; focus goes back to the element with the same
//   id in the new content (a facet value just toggled), else to the totals, never to <body>.
// - Filters: on a phone the facets sit in a "Filters" disclosure, closed at first (the server renders
//   it open, so that without JavaScript, or on a wide screen, the filters show); it keeps its state
//   across searches.
(function () {
  "use strict";
  var before = { id: "", filtersOpen: false };
  var phone = window.matchMedia("(max-width: 44rem)");

  document.addEventListener("DOMContentLoaded", function () {
    var filters = document.getElementById("filters");
    if (filters && phone.matches) filters.open = false;
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    var active = document.activeElement;
    var filters = document.getElementById("filters");
    before.id = active && active !== document.body && event.detail.target.contains(active) ? active.id || "#totals" : "";
    before.filtersOpen = !!(filters && filters.open);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.target || event.detail.target.id !== "results") return;
    var filters = document.getElementById("filters");
    if (filters && phone.matches) filters.open = before.filtersOpen;
    if (!before.id) return;
    var target = (before.id !== "#totals" && document.getElementById(before.id)) || document.getElementById("totals");
    if (target && document.activeElement !== target) target.focus({ preventScroll: target.id === "totals" ? false : true });
    before.id = "";
  });
})();
