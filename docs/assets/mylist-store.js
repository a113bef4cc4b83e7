/* papershelf: "My reading list", kept in this browser: the list itself (storage, order) and its
   files (BibTeX / Markdown export, import). No page UI: docs/assets/mylist.js, loaded after this
   file (mkdocs.yml extra_javascript), draws the buttons and the my-list page from
   window.papershelfMyList. Written for this project: no library, no CDN, no server, no inline
   script (the site's Content-Security-Policy).

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

  /* Merge the entries `parseExport` found into the stored list; returns how many are new. */
  function merge(found) {
    var data = load();
    var added = 0;
    found.forEach(function (item) {
      var entry = data.papers[item.slug];
      if (!entry) {
        added += 1;
        entry = data.papers[item.slug] = { marked: today() };
      }
      entry.status = item.status;
      entry.title = item.title;
      entry.url = item.url;
    });
    save(data);
    return { data: data, added: added };
  }

  function today() { return new Date().toISOString().slice(0, 10); }

  window.papershelfMyList = Object.freeze({
    STATUSES: STATUSES, LABELS: LABELS, ROOT: ROOT, KEY: KEY, SLUG: SLUG,
    load: load, save: save, relative: relative, paperUrl: paperUrl, today: today,
    byStatusThenTitle: byStatusThenTitle, counts: counts,
    bibtexExport: bibtexExport, markdownExport: markdownExport, parseExport: parseExport, merge: merge
  });
})();
