/* papershelf: the search box in the header, over the site's Pagefind index (site/pagefind/, written
   by the MkDocs hook from the generator's records: generator/search_index.py).

   Why here and not in a template: search needs JavaScript anyway, so the box is made by this script
   (no box where it cannot work), with Material's own classes so it looks and opens like Material's
   (the #__search toggle of base.html opens it; Material's CSS does the rest). It is built once: the
   header stays across Material's instant navigation.

   Pagefind loads only the index chunks a query needs, from each shard of the index: the first result
   costs about the same at 680 or 50,000 papers. Everything is fetched from the site itself (works offline, under a sub-path such
   as /REPO/, and under the Content-Security-Policy: 'wasm-unsafe-eval' lets it compile its
   WebAssembly).

   Contract for tests and the benchmark: the query box is `input.md-search__input`, each result is an
   element with class `ps-search-result` (an <li> holding one link). Keys: "/" or "s" focus the box,
   ArrowDown/ArrowUp move through the results, Enter opens one (the first, from the box), Escape
   closes. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var base = new URL("..", script.src);            /* this file is assets/papershelf-search.js */
  var bundle = new URL("pagefind/", base).href;
  var PAGE = 10;
  var ICON = {
    magnify: "M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5",
    back: "M20 11v2H8l5.5 5.5-1.42 1.42L4.16 12l7.92-7.92L13.5 5.5 8 11z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z"
  };
  var FILTERS = [["theme", "Theme"], ["tag", "Tag"], ["year", "Year"]];

  var OPTIONS = { baseUrl: base.pathname, excerptLength: 24 };

  /* The index is in shards (one Pagefind bundle per at most 5,000 papers, which keeps the build's
     memory bounded: generator/search_index.py): pagefind/ is the first, with Pagefind's code, and
     pagefind/papershelf-shards.json lists the others, merged into it with Pagefind's mergeIndex.
     Each query then fetches its words' chunk from every shard. A small list is one shard.
     `hidden`: the ids of the shards' vocabulary records (every shard holds the words it lacks of
     the others, so that each matches words as one index would), never shown. */
  var loading = null;
  var hidden = {};
  var filterValues = {};   /* each filter's values, from papershelf-shards.json (not Pagefind's filters()) */
  function pagefind() {
    if (!loading) {
      var listed = fetch(bundle + "papershelf-shards.json").then(function (response) {
        if (!response.ok) throw new Error("no search index (" + response.status + ")");
        return response.json();
      });
      loading = Promise.all([import(bundle + "pagefind.js"), listed]).then(function (both) {
        var pf = both[0];
        hidden = {};
        both[1].hidden.forEach(function (id) { hidden[id] = true; });
        filterValues = both[1].filters || {};
        return pf.options(OPTIONS)
          .then(function () { return pf.init(); })
          .then(function () {
            return Promise.all(both[1].shards.map(function (folder) {
              return pf.mergeIndex(new URL(folder, bundle).pathname, OPTIONS);
            }));
          })
          .then(function () { return pf; });
      });
      loading.catch(function () { loading = null; });
    }
    return loading;
  }

  function el(tag, className, attributes) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  function svg(paths) {
    return paths.map(function (d) {
      return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" aria-hidden="true"><path d="' + d + '"/></svg>';
    }).join("");
  }

  function build(header) {
    var toggle = document.getElementById("__search");
    var button = el("label", "md-header__button md-icon", { "for": "__search", title: "Search" });
    button.innerHTML = svg([ICON.magnify]);
    var box = el("div", "md-search ps-search", { role: "dialog", "aria-label": "Search" });
    box.innerHTML =
      '<label class="md-search__overlay" for="__search"></label>' +
      '<div class="md-search__inner" role="search">' +
      '<form class="md-search__form" name="ps-search">' +
      '<input type="text" class="md-search__input" name="query" aria-label="Search" placeholder="Search"' +
      ' autocapitalize="off" autocorrect="off" autocomplete="off" spellcheck="false" required' +
      ' aria-controls="ps-search-list">' +
      '<label class="md-search__icon md-icon" for="__search">' + svg([ICON.magnify, ICON.back]) + '</label>' +
      '<nav class="md-search__options" aria-label="Search options">' +
      '<button type="reset" class="md-search__icon md-icon" title="Clear" aria-label="Clear" tabindex="-1">' +
      svg([ICON.close]) + '</button></nav></form>' +
      '<div class="md-search__output"><div class="md-search__scrollwrap" tabindex="0" role="region" aria-label="Search results">' +
      '<div class="ps-search-filters"></div>' +
      '<div class="md-search-result"><div class="md-search-result__meta" aria-live="polite">Type to start searching</div>' +
      '<ol class="md-search-result__list" id="ps-search-list"></ol>' +
      '<p class="ps-search-more-wrap"><button type="button" class="md-button ps-search-more" hidden>More results</button></p>' +
      '</div></div></div></div>';
    var source = header.querySelector(".md-header__source");
    header.insertBefore(button, source);
    header.insertBefore(box, source);

    var form = box.querySelector("form");
    var input = box.querySelector("input");
    var meta = box.querySelector(".md-search-result__meta");
    var list = box.querySelector("ol");
    var moreButton = box.querySelector(".ps-search-more");
    var filterBox = box.querySelector(".ps-search-filters");
    var selects = {};
    var code = null;
    var results = [];
    var shown = 0;
    var sequence = 0;
    var timer = null;

    function setOpen(open) {
      if (toggle.checked !== open) {
        toggle.checked = open;
        toggle.dispatchEvent(new Event("change"));   /* Material locks the page's scrolling on phones */
      }
    }

    /* The choices come with the shards' list: Pagefind's filters() would fetch every filter chunk
       of every shard (411 KB at 50,000 papers); a chunk is fetched only when a filter is used. */
    function addFilters() {
      if (filterBox.firstChild) return;
      return Promise.resolve(filterValues).then(function (available) {
        if (filterBox.firstChild) return;
        FILTERS.forEach(function (pair) {
          var values = (available[pair[0]] || []).slice().sort();
          if (pair[0] === "year") values.reverse();
          var label = el("label", "ps-search-filter");
          label.appendChild(document.createTextNode(pair[1] + " "));
          var select = el("select", "", { name: pair[0] });
          select.appendChild(new Option("any", ""));
          values.forEach(function (value) { select.appendChild(new Option(value, value)); });
          label.appendChild(select);
          filterBox.appendChild(label);
          selects[pair[0]] = select;
          select.addEventListener("change", search);
        });
        var codeLabel = el("label", "ps-search-filter");
        code = el("input", "", { type: "checkbox", name: "code" });
        codeLabel.appendChild(code);
        codeLabel.appendChild(document.createTextNode(" Has code"));
        filterBox.appendChild(codeLabel);
        code.addEventListener("change", search);
      });
    }

    function chosenFilters() {
      var chosen = {};
      Object.keys(selects).forEach(function (name) {
        if (selects[name].value) chosen[name] = selects[name].value;
      });
      if (code && code.checked) chosen.code = "yes";
      return chosen;
    }

    function render(data) {
      var item = el("li", "md-search-result__item ps-search-result");
      var link = el("a", "md-search-result__link", { href: data.url });
      var article = el("article", "md-search-result__article ps-search-article");
      var title = el("div", "ps-search-title");
      title.textContent = data.meta.title || data.url;
      article.appendChild(title);
      var about = [data.meta.theme, data.meta.year].filter(Boolean).join(" · ");
      if (about) {
        var theme = el("div", "ps-search-theme");
        theme.textContent = about;
        article.appendChild(theme);
      }
      var snippet = el("p", "ps-search-snippet");
      /* Pagefind escapes the text's < and > and adds only <mark>: keep it only if that holds. */
      snippet.innerHTML = data.excerpt || "";
      if (snippet.querySelector(":not(mark)")) snippet.textContent = snippet.textContent;
      article.appendChild(snippet);
      link.appendChild(article);
      item.appendChild(link);
      list.appendChild(item);
    }

    function more() {
      var mine = sequence;
      var slice = results.slice(shown, shown + PAGE);
      shown += slice.length;
      return Promise.all(slice.map(function (result) { return result.data(); })).then(function (datas) {
        if (mine !== sequence) return;
        datas.forEach(render);
        moreButton.hidden = shown >= results.length;
      });
    }

    function search() {
      var mine = ++sequence;
      var query = input.value.trim();
      var filters = chosenFilters();
      if (!query && !Object.keys(filters).length) {
        list.textContent = "";
        list.removeAttribute("data-query");
        moreButton.hidden = true;
        meta.textContent = "Type to start searching";
        return;
      }
      pagefind().then(function (pf) {
        /* (no `filters` key without a filter: Pagefind would fetch every filter chunk first) */
        return pf.search(query || null, Object.keys(filters).length ? { filters: filters } : {});
      }).then(function (found) {
        if (mine !== sequence) return;
        results = found ? found.results.filter(function (result) { return !hidden[result.id]; }) : [];
        shown = 0;
        list.textContent = "";
        list.setAttribute("data-query", query);   /* which query the list answers (tests, bench) */
        meta.textContent = results.length === 0 ? "No matching papers" :
          results.length === 1 ? "1 matching page" : results.length + " matching pages";
        return more().then(loadFilters);
      }).catch(function (error) {
        if (mine === sequence) meta.textContent = "Search is unavailable: " + error.message;
      });
    }

    /* The filters' values (a few chunks that grow with the list) are fetched after the first
       results, or once the open box has waited a moment for a query: never before a result. */
    function loadFilters() {
      return pagefind().then(addFilters).catch(function () { /* reported by search() */ });
    }

    function open() {
      setOpen(true);
      pagefind().catch(function () { /* reported by search() */ });
      setTimeout(function () { if (!input.value.trim()) loadFilters(); }, 800);
    }

    function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }

    input.addEventListener("focus", open);
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 80);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(search, 0); input.focus(); });
    moreButton.addEventListener("click", more);
    toggle.addEventListener("change", function () { if (!toggle.checked) input.blur(); });

    box.addEventListener("keydown", function (event) {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (event.key === "Escape") {
        event.preventDefault();
        setOpen(false);
        input.blur();
      } else if (event.key === "ArrowDown" && (document.activeElement === input || at >= 0)) {
        event.preventDefault();
        if (all[at + 1]) all[at + 1].focus();
      } else if (event.key === "ArrowUp" && at >= 0) {
        event.preventDefault();
        (at > 0 ? all[at - 1] : input).focus();
      } else if (event.key === "Enter" && document.activeElement === input) {
        event.preventDefault();
        clearTimeout(timer);
        if (all[0]) all[0].click();
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || toggle.checked) return;
      var active = document.activeElement;
      if (active && (active.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName))) return;
      if (event.key === "/" || event.key === "s") {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });

    /* A search handed over in the address (`?q=...`: the 404 page's form) runs on load. */
    var asked = new URLSearchParams(location.search).get("q");
    if (asked) {
      input.value = asked;
      input.focus();
      search();
    }
  }

  function start() {
    var header = document.querySelector(".md-header__inner");
    if (header && !header.querySelector(".ps-search")) build(header);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
