/* papershelf: "My reading list", kept in this browser: the page UI.
   A "To read" / "Read" pair of toggle buttons on every paper page (.ps-mylist-mark) and in every
   paper row (table.ps-table, in its first cell); the my-list/ page lists the marked
   papers, shows progress on each reading path and exports / imports the list.
   The list itself (storage, order, the export and import formats) is window.papershelfMyList, from
   docs/assets/mylist-store.js, loaded before this file (mkdocs.yml extra_javascript).
   Written for this project: no library, no CDN, no server, no inline script (the site's
   Content-Security-Policy). Re-runs on every page Material's instant navigation loads. */
(function () {
  "use strict";

  var store = window.papershelfMyList;
  var STATUSES = store.STATUSES, ROOT = store.ROOT, KEY = store.KEY, SLUG = store.SLUG;
  var load = store.load, save = store.save, relative = store.relative, paperUrl = store.paperUrl;
  var byStatusThenTitle = store.byStatusThenTitle;

  /* ------------------------------------------------------------------ the toggle buttons */

  var template = (function () {
    var group = document.createElement("span");
    group.className = "ps-mark";
    group.setAttribute("role", "group");
    STATUSES.forEach(function (status) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ps-mark__button";
      button.setAttribute("data-status", status[0]);
      button.setAttribute("aria-pressed", "false");
      button.textContent = status[1];
      group.appendChild(button);
    });
    return group;
  })();

  /* `url` null: a row's group, whose title and URL are read from the row's link when pressed
     (resolving thousands of links up front is most of the script's time on a long table). */
  function makeGroup(slug, title, url, status) {
    var group = template.cloneNode(true);
    group.setAttribute("data-slug", slug);
    if (url !== null) {
      group.setAttribute("data-title", title);
      group.setAttribute("data-url", url);
    }
    group.setAttribute("aria-label", "My reading list: " + title);
    show(group, status);
    return group;
  }

  function show(group, status) {
    var buttons = group.children;
    for (var i = 0; i < buttons.length; i += 1) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-status") === status ? "true" : "false");
    }
  }

  function groupsOf(slug) {
    return document.querySelectorAll('.ps-mark[data-slug="' + CSS.escape(slug) + '"]');
  }

  function onToggle(event) {
    var button = event.target.closest && event.target.closest(".ps-mark__button");
    if (!button) return;
    var group = button.parentNode;
    var slug = group.getAttribute("data-slug");
    var status = button.getAttribute("data-status");
    var data = load();
    var entry = data.papers[slug];
    if (entry && entry.status === status) {
      delete data.papers[slug];  /* pressing the pressed button takes the paper off the list */
      status = "";
    } else {
      entry = entry || { marked: store.today() };
      entry.status = status;
      var link = group.hasAttribute("data-url") ? null : group.parentNode.querySelector("a[href]");
      entry.title = link ? link.textContent : group.getAttribute("data-title");
      entry.url = link ? relative(link.href) : group.getAttribute("data-url");
      var bib = group.closest(".ps-paper") && document.querySelector(".ps-paper .ps-bibtex");
      if (bib) entry.bibtex = bib.textContent;
      data.papers[slug] = entry;
    }
    save(data);
    Array.prototype.forEach.call(groupsOf(slug), function (other) { show(other, status); });
    updateMyList(data, false);
  }

  function setupPaperPage(marker, data) {
    if (marker.firstChild) return;
    var slug = marker.getAttribute("data-slug");
    if (!SLUG.test(slug || "")) return;
    var title = marker.getAttribute("data-title") || slug;
    var url = relative(location.href);
    var entry = data.papers[slug];
    if (entry) {  /* a visit refreshes what the list keeps of the paper (it may have changed) */
      var bib = document.querySelector(".ps-paper .ps-bibtex");
      var changed = entry.title !== title || entry.url !== url || (bib && entry.bibtex !== bib.textContent);
      entry.title = title;
      entry.url = url;
      if (bib) entry.bibtex = bib.textContent;
      if (changed) save(data);
    }
    var label = document.createElement("span");
    label.className = "ps-mark__label";
    var link = document.createElement("a");
    link.href = marker.getAttribute("data-list") || ROOT + "my-list/";
    link.textContent = "My reading list";
    label.appendChild(link);
    label.appendChild(document.createTextNode(":"));
    marker.appendChild(label);
    marker.appendChild(makeGroup(slug, title, url, entry ? entry.status : ""));
  }

  /* One pass, not chunks: every change to a long table re-lays it out whole, so 20 chunks cost
     20 layouts (10,000 rows on the loaded test machine: 1.9 s in one pass, 94 s in chunks of 500). */
  function setupTable(table, data) {
    var rows = table.querySelectorAll("tbody tr");
    for (var i = 0; i < rows.length; i += 1) {
      var row = rows[i];
      var cell = row.cells[0];
      var link = cell && cell.querySelector("a[href]");
      var slug = link && link.getAttribute("href").split("/").slice(-2)[0];  /* ../../papers/<slug>/ */
      if (!link || (cell.lastElementChild && cell.lastElementChild.classList.contains("ps-mark")) ||
          !SLUG.test(slug || "")) continue;
      var entry = data.papers[slug];
      var group = makeGroup(slug, link.textContent, null, entry ? entry.status : "");
      group.classList.add("ps-mark--row");
      cell.appendChild(group);
    }
  }

  /* ------------------------------------------------------------------ the my-list page */

  /* Redraw the my-list page, if this is it. `rows`: rebuild the table too (not after a click on
     it: the button that has the focus stays, pressed or not, so a slip can be undone). */
  function updateMyList(data, rows) {
    var page = document.querySelector(".ps-mylist");
    if (!page) return;
    var n = store.counts(data);
    var total = n["to-read"] + n.read;
    page.querySelector(".ps-mylist-summary").textContent = total
      ? total + (total === 1 ? " paper: " : " papers: ") + n["to-read"] + " to read, " + n.read + " read."
      : "Nothing marked yet: use the To read and Read buttons on a paper's page or in any list of papers.";
    page.querySelectorAll(".ps-mylist-path").forEach(function (item) {
      var steps = (item.getAttribute("data-steps") || "").split(" ").filter(Boolean);
      var done = steps.filter(function (slug) {
        return data.papers[slug] && data.papers[slug].status === "read";
      }).length;
      item.querySelector(".ps-mylist-progress").textContent = done + " of " + steps.length + " read";
      item.querySelector("progress").value = done;
    });
    if (rows) drawTable(page.querySelector(".ps-mylist-papers"), data);
  }

  function drawTable(holder, data) {
    holder.textContent = "";
    var slugs = byStatusThenTitle(data);
    if (!slugs.length) return;
    var table = document.createElement("table");
    table.className = "ps-mylist-table";
    var head = table.createTHead().insertRow();
    ["Paper", "Status", "Marked"].forEach(function (name) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    slugs.forEach(function (slug) {
      var entry = data.papers[slug];
      var title = String(entry.title || slug);
      var row = body.insertRow();
      row.setAttribute("data-slug", slug);
      var link = document.createElement("a");
      link.href = paperUrl(entry, slug);
      link.textContent = title;
      row.insertCell().appendChild(link);
      row.insertCell().appendChild(makeGroup(slug, title, relative(link.href), entry.status));
      row.insertCell().textContent = /^\d{4}-\d\d-\d\d$/.test(entry.marked || "") ? entry.marked : "";
    });
    holder.appendChild(table);
  }

  /* ------------------------------------------------------------------ export and import */

  function download(text, name, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function onExport(button) {
    var format = button.getAttribute("data-export");
    var data = load();
    var message = document.querySelector(".ps-mylist-message");
    if (!byStatusThenTitle(data).length) {
      message.textContent = "Your list is empty: nothing to export.";
      return;
    }
    button.disabled = true;
    (format === "bib" ? store.bibtexExport(data) : store.markdownExport(data)).then(function (text) {
      var day = store.today();
      download(text, "my-reading-list-" + day + (format === "bib" ? ".bib" : ".md"),
               format === "bib" ? "application/x-bibtex;charset=utf-8" : "text/markdown;charset=utf-8");
      message.textContent = "Exported " + byStatusThenTitle(data).length + " papers as " +
        (format === "bib" ? "BibTeX." : "Markdown.");
    }).finally(function () { button.disabled = false; });
  }

  function onImport(input) {
    var file = input.files && input.files[0];
    var message = document.querySelector(".ps-mylist-message");
    if (!file) return;
    file.text().then(function (text) {
      var found = store.parseExport(text);
      if (!found.length) {
        message.textContent = "No paper found in " + file.name + ": import a file exported from this page.";
        return;
      }
      var merged = store.merge(found), data = merged.data, added = merged.added;
      updateMyList(data, true);
      message.textContent = "Imported " + found.length + (found.length === 1 ? " paper" : " papers") +
        " from " + file.name + " (" + added + " new).";
    }, function () {
      message.textContent = "Could not read " + file.name + ".";
    }).finally(function () { input.value = ""; });
  }

  /* ------------------------------------------------------------------ wiring */

  function init() {
    var data = load();
    document.querySelectorAll(".ps-mylist-mark[data-slug]").forEach(function (marker) { setupPaperPage(marker, data); });
    document.querySelectorAll("table.ps-table").forEach(function (table) { setupTable(table, data); });
    updateMyList(data, true);
  }

  /* Delegated once: pages come and go under instant navigation, the document stays. */
  document.addEventListener("click", function (event) {
    onToggle(event);
    var button = event.target.closest && event.target.closest("button[data-export]");
    if (button && button.closest(".ps-mylist")) onExport(button);
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "ps-mylist-file") onImport(event.target);
  });
  /* Another tab changed the list: show it here too. */
  window.addEventListener("storage", function (event) {
    if (event.key !== KEY) return;
    var data = load();
    document.querySelectorAll(".ps-mark[data-slug]").forEach(function (group) {
      var entry = data.papers[group.getAttribute("data-slug")];
      show(group, entry ? entry.status : "");
    });
    updateMyList(data, true);
  });

  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(init);  /* Material's instant navigation */
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
