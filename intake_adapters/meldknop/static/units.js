/* The meldknop's unit question lists the units of the chosen organisation only.
   Without this script the button "Toon de onderdelen" reloads the page with the organisation in
   the address (a GET form of its own, so no other answer travels along). With it, the choice is
   copied into the form's hidden field "organisation" and the unit options are fetched from
   /meldknop/onderdelen without a reload, so the answers given so far stay. */
(function () {
  "use strict";

  function setUp() {
    var select = document.getElementById("organisation");
    var units = document.getElementById("unit");
    var form = document.querySelector("form.meldknop-form");
    var next = document.getElementById("organisation-next");
    var pending = document.querySelector(".unit-pending");
    if (!select || !units || !form || !next || !window.fetch || !window.DOMParser) { return; }
    var hidden = form.querySelector("input[type=hidden][name=organisation]");
    if (!hidden) { return; }

    function copyChoice() { hidden.value = select.value; }

    function showUnits(html) {
      var parsed = new DOMParser().parseFromString(html, "text/html").querySelector("select");
      if (!parsed) { throw new Error("no options"); }
      while (units.firstChild) { units.removeChild(units.firstChild); }
      Array.prototype.slice.call(parsed.children).forEach(function (child) {
        units.appendChild(document.importNode(child, true));
      });
      if (pending) { pending.hidden = units.options.length > 1 || !select.value; }
    }

    function refresh() {
      copyChoice();
      var url = select.getAttribute("data-units-url") + "?organisatie=" + encodeURIComponent(select.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(showUnits)
        .catch(function () { next.hidden = false; });
    }

    next.hidden = true;
    copyChoice();
    select.addEventListener("change", refresh);
    // The browser may restore an earlier choice on "back"; the units must follow it.
    if (select.value !== "" && units.options.length <= 1) { refresh(); }
    form.addEventListener("submit", copyChoice, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
