/* papershelf: "My reading list", kept in this browser.
   A "To read" / "Read" pair of toggle buttons on every paper page (.ps-mylist-mark) and in every
   paper row (table.ps-table, in its first cell); the my-list/ page lists the marked
   papers, shows progress on each reading path and exports / imports the list.
   Written for this project: no library, no CDN, no server, no inline script (the site's
   Content-Security-Policy). Re-runs on every page Material's instant navigation loads.

   Storage: one localStorage item per site, "papershelf:my-list:<site root URL>", holding
   {"version": 1, "papers": {slug: {"status", "title", "url", "bibtex"?, "marked"}}}. Papers are
   keyed by slug (stable across rebuilds, curation.yml uses it too) and carry their title and URL
   (relative to the site root), so the list shows them without fetching anything. "bibtex" is the
   entry read from the paper's page when marked there; the export fetches the page (same origin)
   of a paper marked from a list instead, one page per paper: nothing loads every paper. */
(function () {
  "use strict";

  var STATUSES = [["to-read", "To read"], ["read", "Read"]];
  var LABELS = { "to-read": "To read", "read": "Read" };
  /* The site root, from Material's config as it is when this script loads (a full page load):
     instant navigation later changes the page but not that element. */
  var ROOT = siteRoot();
  var KEY = "papershelf:my-list:" + ROOT;
  var memory = null;  /* the list when localStorage is unavailable (private modes, disabled) */
  var SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
  var RELATIVE_URL = /^[A-Za-z0-9._~%\/-]{0,400}$/;  /* a path under the root: no scheme, no host */

  function siteRoot() {
    var base = ".";
    var config = document.getElementById("__config");
    try { base = JSON.parse(config.textContent).base || "."; } catch (error) { /* keep "." */ }
    return new URL(base.replace(/\/?$/, "/"), location.href).href;
  }

  function load() {
    var text = null;
    try { text = window.localStorage.getItem(KEY); } catch (error) { return memory || empty(); }
    try {
      var data = JSON.parse(text);
      if (data && typeof data.papers === "object" && data.papers) return data;
    } catch (error) { /* a damaged item: start again */ }
    return empty();
  }

  function empty() { return { version: 1, papers: {} }; }

  function save(data) {
    try { window.localStorage.setItem(KEY, JSON.stringify(data)); memory = null; } catch (error) { memory = data; }
  }

  /* A URL on this site as a path relative to the root ("papers/x/"), or "" if it is elsewhere. */
  function relative(url) {
    var absolute = new URL(url, location.href);
    absolute.hash = "";
    absolute.search = "";
    return absolute.href.indexOf(ROOT) === 0 ? absolute.href.slice(ROOT.length) : "";
  }

  function paperUrl(entry, slug) {
    var path = entry.url && RELATIVE_URL.test(entry.url) ? entry.url : "papers/" + slug + "/";
    return ROOT + path;
  }

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
      entry = entry || { marked: new Date().toISOString().slice(0, 10) };
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

  function byStatusThenTitle(data) {
    return Object.keys(data.papers).filter(function (slug) {
      return SLUG.test(slug) && LABELS[data.papers[slug].status];
    }).sort(function (a, b) {
      var x = data.papers[a], y = data.papers[b];
      if (x.status !== y.status) return x.status === "to-read" ? -1 : 1;
      return String(x.title).localeCompare(String(y.title));
    });
  }

  function counts(data) {
    var out = { "to-read": 0, "read": 0 };
    Object.keys(data.papers).forEach(function (slug) {
      var status = data.papers[slug].status;
      if (status in out) out[status] += 1;
    });
    return out;
  }

  /* Redraw the my-list page, if this is it. `rows`: rebuild the table too (not after a click on
     it: the button that has the focus stays, pressed or not, so a slip can be undone). */
  function updateMyList(data, rows) {
    var page = document.querySelector(".ps-mylist");
    if (!page) return;
    var n = counts(data);
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

  /* ------------------------------------------------------------------ export */

  /* One line that lets the import read an entry back: only [A-Za-z0-9%._~=/-] after the
     prefix, so it holds no "@" or brace (BibTeX) and no "-->" (a Markdown comment). */
  function tag(slug, entry) {
    return "papershelf slug=" + slug + " status=" + entry.status + " title=" +
      encodeURIComponent(String(entry.title || "")).replace(/[!'()*]/g, escapeChar) +
      " url=" + encodeURIComponent(String(entry.url || ""));
  }

  function escapeChar(c) { return "%" + c.charCodeAt(0).toString(16).toUpperCase(); }

  function bibEscape(text) {
    return String(text).replace(/[\\{}%&#_$~^]/g, function (c) {
      return c === "\\" ? "\\textbackslash{}" : c === "~" ? "\\textasciitilde{}" : c === "^" ? "\\textasciicircum{}" : "\\" + c;
    });
  }

  function fallbackEntry(slug, entry) {
    return "@misc{" + slug + ",\n  title = {{" + bibEscape(entry.title || slug) + "}},\n  url = {" +
      bibEscape(paperUrl(entry, slug)) + "}\n}\n";
  }

  /* The paper's BibTeX entry: kept from its page, or read from its page now (same origin). */
  function entryOf(slug, entry) {
    if (entry.bibtex) return Promise.resolve(entry.bibtex);
    return fetch(paperUrl(entry, slug), { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var code = new DOMParser().parseFromString(html, "text/html").querySelector(".ps-bibtex");
      if (!code) throw new Error("no entry");
      entry.bibtex = code.textContent;
      return entry.bibtex;
    }).catch(function () { return fallbackEntry(slug, entry); });
  }

  function bibtexExport(data) {
    var slugs = byStatusThenTitle(data);
    var parts = new Array(slugs.length);
    var next = 0;
    function worker() {  /* a few pages at a time */
      if (next >= slugs.length) return Promise.resolve();
      var index = next;
      next += 1;
      return entryOf(slugs[index], data.papers[slugs[index]]).then(function (text) {
        parts[index] = "% " + tag(slugs[index], data.papers[slugs[index]]) + "\n" + text.replace(/\s*$/, "\n");
        return worker();
      });
    }
    var workers = [];
    for (var i = 0; i < 4; i += 1) workers.push(worker());
    return Promise.all(workers).then(function () {
      save(data);  /* keep the entries just read */
      return "% My reading list from " + encodeURI(ROOT) + ", " + slugs.length + " papers.\n" +
        "% The lines starting with \"% papershelf\" let that site import this file back.\n\n" + parts.join("\n");
    });
  }

  function markdownText(text) {
    return String(text).replace(/[\\`*_[\]<>]/g, "\\$&");
  }

  function markdownExport(data) {
    var out = ["# My reading list", "", "From <" + encodeURI(ROOT) + ">.", ""];
    STATUSES.forEach(function (status) {
      var slugs = byStatusThenTitle(data).filter(function (slug) { return data.papers[slug].status === status[0]; });
      if (!slugs.length) return;
      out.push("## " + status[1], "");
      slugs.forEach(function (slug) {
        var entry = data.papers[slug];
        out.push("- [" + markdownText(entry.title || slug) + "](<" + encodeURI(paperUrl(entry, slug)) + ">) <!-- " +
                 tag(slug, entry) + " -->");
      });
      out.push("");
    });
    return Promise.resolve(out.join("\n"));
  }

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
    (format === "bib" ? bibtexExport(data) : markdownExport(data)).then(function (text) {
      var day = new Date().toISOString().slice(0, 10);
      download(text, "my-reading-list-" + day + (format === "bib" ? ".bib" : ".md"),
               format === "bib" ? "application/x-bibtex;charset=utf-8" : "text/markdown;charset=utf-8");
      message.textContent = "Exported " + byStatusThenTitle(data).length + " papers as " +
        (format === "bib" ? "BibTeX." : "Markdown.");
    }).finally(function () { button.disabled = false; });
  }

  /* ------------------------------------------------------------------ import */

  var LINE = /papershelf slug=(\S+) status=(\S+) title=(\S*) url=(\S*)/g;

  function decode(text) {
    try { return decodeURIComponent(text); } catch (error) { return ""; }
  }

  /* The entries of an export of this page (BibTeX or Markdown: the same tag lines). */
  function parseExport(text) {
    var found = [];
    var match;
    LINE.lastIndex = 0;
    while ((match = LINE.exec(text)) !== null) {
      var slug = match[1], status = match[2], url = decode(match[4]);
      if (!SLUG.test(slug) || !LABELS[status]) continue;
      found.push({ slug: slug, status: status, title: decode(match[3]).slice(0, 1000) || slug,
                   url: RELATIVE_URL.test(url) ? url : "papers/" + slug + "/" });
    }
    return found;
  }

  function onImport(input) {
    var file = input.files && input.files[0];
    var message = document.querySelector(".ps-mylist-message");
    if (!file) return;
    file.text().then(function (text) {
      var found = parseExport(text);
      if (!found.length) {
        message.textContent = "No paper found in " + file.name + ": import a file exported from this page.";
        return;
      }
      var data = load();
      var added = 0;
      found.forEach(function (item) {
        var entry = data.papers[item.slug];
        if (!entry) {
          added += 1;
          entry = data.papers[item.slug] = { marked: new Date().toISOString().slice(0, 10) };
        }
        entry.status = item.status;
        entry.title = item.title;
        entry.url = item.url;
      });
      save(data);
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
