/* Progressive enhancement for the adviser's form; every page works without this file.
   - A search box that narrows the unit list as you type (the typed text is never sent:
     the box has no name).
   - Focus moves to the error summary, so screen readers and keyboards start there.
   - A form marked data-submit-once is sent once, even after a double click.
   - Multiple-choice chips are one Tab stop per question, like radio groups: the arrow keys
     move between the chips, Space ticks (the "filter chips" pattern), so a practised adviser
     does not tab through two dozen subjects.
   - Enter on a chip saves the form, as it does in a text field.
   - Copy buttons for the receipt and the case token; without this file their hint says how
     to copy by hand. */
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

  function rovingChips() {
    Array.prototype.forEach.call(document.querySelectorAll(".chips-multiple"), function (group) {
      var boxes = Array.prototype.slice.call(group.querySelectorAll("input[type=checkbox]"));
      if (!boxes.length) { return; }

      function settle(current) {
        boxes.forEach(function (box) { box.tabIndex = box === current ? 0 : -1; });
      }

      var first = boxes.filter(function (box) { return box.checked; })[0] || boxes[0];
      settle(first);
      group.addEventListener("focusin", function (event) {
        if (boxes.indexOf(event.target) !== -1) { settle(event.target); }
      });
      group.addEventListener("keydown", function (event) {
        var at = boxes.indexOf(event.target);
        if (at === -1) { return; }
        var next = null;
        if (event.key === "ArrowRight" || event.key === "ArrowDown") { next = boxes[(at + 1) % boxes.length]; }
        if (event.key === "ArrowLeft" || event.key === "ArrowUp") { next = boxes[(at - 1 + boxes.length) % boxes.length]; }
        if (event.key === "Home") { next = boxes[0]; }
        if (event.key === "End") { next = boxes[boxes.length - 1]; }
        if (next) {
          event.preventDefault();
          settle(next);
          next.focus();
        }
      });
    });
  }

  function enterSaves() {
    Array.prototype.forEach.call(document.querySelectorAll("form.signal-form"), function (form) {
      form.addEventListener("keydown", function (event) {
        var target = event.target;
        if (event.key !== "Enter" || !target || target.tagName !== "INPUT") { return; }
        if ((target.type === "checkbox" || target.type === "radio") && target.id !== "show-hints") {
          event.preventDefault();
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        }
      });
    });
  }

  function copyButtons() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
      var code = document.getElementById(button.getAttribute("data-copy"));
      var box = button.parentNode;
      var status = box.querySelector(".copy-status");
      var fallback = box.querySelector(".copy-fallback");
      if (!code || !status) { return; }
      button.hidden = false;
      if (fallback) { fallback.hidden = true; }

      function selectCode() {
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }

      function done(ok) {
        status.textContent = button.getAttribute(ok ? "data-copied" : "data-failed");
        if (!ok) { selectCode(); }
      }

      button.addEventListener("click", function () {
        var text = code.textContent.trim();
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(function () { done(true); }, function () {
            selectCode();
            done(document.execCommand && document.execCommand("copy"));
          });
        } else {
          selectCode();
          done(document.execCommand && document.execCommand("copy"));
        }
      });
    });
  }

  function start() {
    setUpUnitSearch();
    focusErrorSummary();
    submitOnce();
    rovingChips();
    enterSaves();
    copyButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
