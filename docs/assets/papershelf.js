/* papershelf: table filters, sortable columns and copy buttons.
   Written for this project (no library, no CDN): about 100 lines, works offline and under a
   Content-Security-Policy without inline scripts. Re-runs on every page Material's instant
   navigation loads. */
(function () {
  "use strict";

  function setupFilters(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table || form.dataset.ready) return;
    form.dataset.ready = "1";
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var count = form.querySelector(".ps-count");
    function apply() {
      var q = form.elements.q.value.trim().toLowerCase();
      var tag = form.elements.tag.value;
      var from = parseInt(form.elements.from.value, 10);
      var to = parseInt(form.elements.to.value, 10);
      var code = form.elements.code.checked;
      var shown = 0;
      rows.forEach(function (row) {
        var year = parseInt(row.getAttribute("data-year"), 10);
        var ok = true;
        if (q && row.cells[0].textContent.toLowerCase().indexOf(q) < 0) ok = false;
        if (ok && tag && (" " + row.getAttribute("data-tags") + " ").indexOf(" " + tag + " ") < 0) ok = false;
        if (ok && !isNaN(from) && !(year >= from)) ok = false;
        if (ok && !isNaN(to) && !(year <= to)) ok = false;
        if (ok && code && row.getAttribute("data-code") !== "1") ok = false;
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + (shown === 1 ? " paper" : " papers");
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }

  function number(text) {
    var value = parseFloat(text);
    return isNaN(value) ? -Infinity : value;  /* empty cells sort below 0 */
  }

  function setupSort(table) {
    if (table.dataset.sortReady) return;
    table.dataset.sortReady = "1";
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
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
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x, y;
          if (index === 4) {  /* the code column sorts by has-code */
            x = +a.getAttribute("data-code");
            y = +b.getAttribute("data-code");
          } else if (kind === "num") {
            x = number(a.cells[index].textContent);
            y = number(b.cells[index].textContent);
          } else {
            x = a.cells[index].textContent.toLowerCase();
            y = b.cells[index].textContent.toLowerCase();
          }
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
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

  function init() {
    document.querySelectorAll("form.ps-filters").forEach(setupFilters);
    document.querySelectorAll("table.ps-table").forEach(setupSort);
    document.querySelectorAll("button.ps-copy").forEach(setupCopy);
  }

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);  /* Material's instant navigation */
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
