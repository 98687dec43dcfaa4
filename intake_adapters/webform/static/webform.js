/* Progressive enhancement for the adviser's form; every page works without this file.
   - A search box that narrows the unit list as you type (the typed text is never sent:
     the box has no name).
   - Focus moves to the error summary, so screen readers and keyboards start there.
   - A form marked data-submit-once is sent once, even after a double click. */
(function () {
  "use strict";

  function setUpUnitSearch() {
    var select = document.getElementById("unit");
    var wrap = document.getElementById("unit-search-wrap");
    var box = document.getElementById("unit-search");
    var status = document.getElementById("unit-search-status");
    if (!select || !wrap || !box || !status) { return; }

    // Options are removed and re-added rather than hidden: Safari ignores hidden options.
    var placeholder = select.querySelector("option[value='']");
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
      return { element: group, options: Array.prototype.slice.call(group.querySelectorAll("option")) };
    });
    wrap.hidden = false;

    function matches(option, terms) {
      var text = (option.getAttribute("data-search") || option.textContent).toLowerCase();
      return terms.every(function (term) { return text.indexOf(term) !== -1; });
    }

    function rebuild(terms, chosen) {
      var shown = [];
      while (select.firstChild) { select.removeChild(select.firstChild); }
      if (placeholder) { select.appendChild(placeholder); }
      groups.forEach(function (group) {
        var kept = group.options.filter(function (option) { return matches(option, terms); });
        while (group.element.firstChild) { group.element.removeChild(group.element.firstChild); }
        kept.forEach(function (option) { group.element.appendChild(option); });
        if (kept.length) { select.appendChild(group.element); }
        shown = shown.concat(kept);
      });
      var stillThere = shown.some(function (option) { return option.value === chosen; });
      if (chosen && stillThere) {
        select.value = chosen;
      } else if (terms.length && shown.length) {
        // The first match is chosen so that typing, then Tab, is enough.
        select.value = shown[0].value;
      } else {
        select.value = "";
      }
      return shown.length;
    }

    box.addEventListener("input", function () {
      var terms = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var chosen = select.value;
      var count = rebuild(terms, chosen);
      if (terms.length && count === 0) {
        rebuild([], chosen);
        status.textContent = box.getAttribute("data-none");
      } else if (terms.length) {
        status.textContent = box.getAttribute("data-found").replace("{count}", String(count));
      } else {
        status.textContent = "";
      }
    });

    // Enter in the search box would send the whole form; move on to the list instead.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  function submitOnce() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
      var sent = false;
      form.addEventListener("submit", function (event) {
        if (sent) { event.preventDefault(); return; }
        sent = true;
      });
      // A page brought back with the Back button must be usable again.
      window.addEventListener("pageshow", function (event) {
        if (event.persisted) { sent = false; }
      });
    });
  }

  function start() {
    setUpUnitSearch();
    focusErrorSummary();
    submitOnce();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
