/* papershelf: table filters (kept in the URL), sortable columns and copy buttons.
   Written for this project (no library, no CDN): about 200 lines, works offline and under a
   Content-Security-Policy without inline scripts. Re-runs on every page Material's instant
   navigation loads. */
(function () {
  "use strict";

  /* Filters live in the page's URL (?tag=<slug>&code=1&from=2023&to=2024&text=lora), so a
     filtered list survives a reload, can be shared, and the back button undoes a filter. The
     text filter is "text", not "q": Material opens its search dialog for a "q" in the URL. */
  var PARAMS = ["tag", "code", "from", "to", "text"];  /* in the URL in this order */
  var typing = null;  /* {name, href}: the field being typed in and the URL its last key wrote */

  function formState(form) {
    var state = {};
    PARAMS.forEach(function (name) {
      var field = form.elements[name];
      if (!field) state[name] = "";
      else if (field.type === "checkbox") state[name] = field.checked ? "1" : "";
      else state[name] = field.value.trim();
    });
    return state;
  }

  function urlState() {
    var params = new URLSearchParams(location.search);
    var state = {};
    PARAMS.forEach(function (name) { state[name] = params.get(name) || ""; });
    return state;
  }

  function setForm(form, state) {
    PARAMS.forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") field.checked = state[name] === "1";
      else if (field.value !== state[name]) field.value = state[name];  /* an unknown tag selects nothing */
    });
  }

  function urlFor(state) {
    var params = new URLSearchParams(location.search);  /* other parameters (Material's h=) stay */
    PARAMS.forEach(function (name) { params.delete(name); });
    PARAMS.forEach(function (name) { if (state[name]) params.append(name, state[name]); });
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "") + location.hash;
  }

  /* A row's data-year, data-tags, data-code="1" and data-upvotes are there only when known: a
     missing one filters and sorts as no year, no tags, no code, unknown upvotes. A table that
     shows the Tags column has no data-tags: a row's tags are then the slugs of its tag links
     (.../tags/<slug>/), read once per row. */
  var TAG_LINK = /(?:^|\/)tags\/([^\/]+)\/$/;

  function rowTags(row) {
    var tags = row.getAttribute("data-tags");
    if (tags !== null) return tags;
    if (row.psTags === undefined) {
      var slugs = [];
      var links = row.getElementsByTagName("a");
      for (var i = 0; i < links.length; i += 1) {
        var found = TAG_LINK.exec(links[i].getAttribute("href") || "");
        if (found) slugs.push(found[1]);
      }
      row.psTags = slugs.join(" ");
    }
    return row.psTags;
  }

  function filterRows(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table) return;
    var state = formState(form);
    var q = state.text.toLowerCase();
    var from = parseInt(state.from, 10);
    var to = parseInt(state.to, 10);
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var year = parseInt(row.getAttribute("data-year"), 10);
      var title = row.cells[0].querySelector(".ps-title") || row.cells[0];
      var ok = true;
      if (q && title.textContent.toLowerCase().indexOf(q) < 0) ok = false;
      if (ok && state.tag && (" " + rowTags(row) + " ").indexOf(" " + state.tag + " ") < 0) ok = false;
      if (ok && !isNaN(from) && !(year >= from)) ok = false;
      if (ok && !isNaN(to) && !(year <= to)) ok = false;
      if (ok && state.code && row.getAttribute("data-code") !== "1") ok = false;
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    var count = form.querySelector(".ps-count");
    if (count) count.textContent = shown + (shown === 1 ? " paper" : " papers");
  }

  function allForms() { return document.querySelectorAll("form.ps-filters"); }

  var shownPath = null;  /* the pathname of the page the forms belong to */

  /* The URL's filters into every filter form of the page. On a page load the URL is then made
     canonical (what the forms could take: an unknown tag is dropped), without a history entry. */
  function restore(loaded) {
    var forms = allForms();
    typing = null;
    if (!forms.length || location.pathname !== shownPath) return;  /* back to another page: Material loads it */
    var state = urlState();
    forms.forEach(function (form) { setForm(form, state); filterRows(form); });
    var url = urlFor(formState(forms[0]));
    if (loaded && url !== location.pathname + location.search + location.hash) history.replaceState(history.state, "", url);
  }

  /* The user changed a filter: every form of the page follows (one set of filters per page,
     as in the URL), and the URL records it. A choice (tag, code) is a new history entry; typing
     is one entry per field, its later keys replacing the URL the first one wrote. */
  function changed(form, field) {
    var state = formState(form);
    allForms().forEach(function (other) { if (other !== form) setForm(other, state); filterRows(other); });
    var url = urlFor(state);
    var here = location.pathname + location.search + location.hash;
    if (url === here) return;
    var text = field && (field.type === "search" || field.type === "number");
    if (text && typing && typing.name === field.name && typing.href === location.href) history.replaceState(history.state, "", url);
    else history.pushState(null, "", url);
    typing = text ? {name: field.name, href: location.href} : null;
  }

  function setupFilters(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    form.addEventListener("input", function (event) { changed(form, event.target); });
    form.addEventListener("change", function (event) { changed(form, event.target); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  function number(text) {
    var value = parseFloat(text);
    return isNaN(value) ? -Infinity : value;  /* unknown values sort below every number */
  }

  /* A header sorts by its data-sort-key: a number column by each row's data-<key> (the cell
     may show "▲ 3" or nothing), a text column by its cell's text (the title link's alone in the
     first cell, which other scripts may add to). The cell is found by the header's position at
     click time, so a table may show any set of columns. */
  function sortValue(row, th, kind) {
    if (kind === "num") return number(row.getAttribute("data-" + th.getAttribute("data-sort-key")));
    var cell = row.cells[th.cellIndex];
    var title = cell && cell.querySelector(".ps-title");
    return (title || cell || row).textContent.trim().toLowerCase();
  }

  function setupSort(table) {
    if (table.dataset.sortReady) return;
    table.dataset.sortReady = "1";
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th) {
      var kind = th.getAttribute("data-sort");
      if (!kind || !th.hasAttribute("data-sort-key")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ps-sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { if (h.hasAttribute("aria-sort")) h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var keyed = Array.prototype.map.call(body.rows, function (row, index) {
          return {row: row, key: sortValue(row, th, kind), index: index};
        });
        keyed.sort(function (a, b) {
          var order = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
          return (ascending ? order : -order) || a.index - b.index;  /* ties keep their order */
        });
        keyed.forEach(function (item) { body.appendChild(item.row); });
      });
    });
  }

  function setupCopy(button) {
    if (button.dataset.ready) return;
    button.dataset.ready = "1";
    button.addEventListener("click", function () {
      var source = button.parentNode.querySelector(button.getAttribute("data-copy"));
      if (!source) return;
      var text = source.textContent;
      var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy BibTeX"; }, 2000); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Select the text to copy"; });
      }
    });
  }

  /* 404 page: offer the words of the missing address as the search (".../papers/lora-low-rank/"
     gives "lora low rank"); the form opens Material's search on the home page. */
  function setupNotFound(input) {
    var parts = location.pathname.split("/").filter(Boolean);
    var last = (parts[parts.length - 1] || "").replace(/\.html?$/, "");
    if (!input.value && last && last !== "404") {
      try { last = decodeURIComponent(last); } catch (e) { /* a malformed escape: keep it as it is */ }
      input.value = last.replace(/[-_+]+/g, " ").trim();
    }
  }

  function init() {
    /* Material's search dialog has no accessible name (axe: aria-dialog-name). */
    document.querySelectorAll(".md-search[role=dialog]").forEach(function (dialog) {
      if (!dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "Search");
    });
    document.querySelectorAll("table.ps-table").forEach(setupSort);
    allForms().forEach(setupFilters);
    shownPath = location.pathname;
    restore(true);
    /* A theme's tag chips fold away on a phone, so its papers come first. */
    if (window.matchMedia("(max-width: 44.9375em)").matches) {
      document.querySelectorAll("details.ps-fold[open]").forEach(function (details) { details.open = false; });
    }
    document.querySelectorAll("button.ps-copy").forEach(setupCopy);
    document.querySelectorAll(".ps-404-search input[name=q]").forEach(setupNotFound);
  }

  /* Back and forward between entries of one page: Material's instant navigation loads nothing
     when only the query changes, so the filters follow the URL here. */
  window.addEventListener("popstate", function () { restore(false); });

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);  /* Material's instant navigation */
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
