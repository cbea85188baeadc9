
(function () {
  "use strict";

  // ---- sortable tables: <th data-sort="num|text"><button>...</button></th>
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    var number = parseFloat(raw);
    return isNaN(number) ? -Infinity : number;
  }
  function sortBy(table, index, numeric, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function initSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var kind = th.getAttribute("data-sort");
      var button = th.querySelector("button");
      if (!kind || !button) return;
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sortBy(table, index, kind === "num", descending);
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), initSortable);

  // ---- document view (view.html#d=DOC[&q=QUOTE|&p=PAGE])
  var viewNode = document.getElementById("qb-view");
  if (!viewNode) return;
  var view = JSON.parse(viewNode.textContent);
  var textNode = document.getElementById("doc-text");
  var detail = document.getElementById("detail");
  var speakerFilter = document.getElementById("filter-speaker");
  var outcomeFilter = document.getElementById("filter-outcome");
  var pageSelect = document.getElementById("page-select");
  var prev = document.getElementById("page-prev"), next = document.getElementById("page-next");
  var listBody = document.querySelector("#quote-list tbody");
  var loading = {};
  var key = null, data = null, text = "", byId = {}, current = -1;
  var outcomeWords = {"correct": "correct", "wrong-speaker": "wrong speaker", "missed": "missed", "abstained": "abstained"};

  function load(src) {  // a page opened from disk may not read files with requests; script elements work
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = function () { reject(new Error("The file " + src + " is missing from the site.")); };
        document.body.appendChild(script);
      });
    }
    return loading[src];
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function given(value) { return value !== null && value !== undefined; }
  function cssId(id) { return window.CSS && CSS.escape ? CSS.escape(id) : id; }
  function speakerName(id) {
    if (!given(id)) return "(none)";
    return data.entities[id] ? data.entities[id] + " (" + id + ")" : id;
  }
  function predictedText(q) {
    if (!q.matched) return view.track === "end-to-end" ? "no predicted quote matched" : "no prediction";
    if (!given(q.predicted_speaker) || q.predicted_speaker === "") return "abstained";
    return "\u201c" + q.predicted_speaker + "\u201d" + (given(q.resolved_speaker) ? " \u2192 " + speakerName(q.resolved_speaker) : "");
  }
  function spanDiffers(q) { return given(q.ps) && (q.ps !== q.start || q.pe !== q.end); }
  function describeQuote(q) {
    var out = q.id + " (" + q.type + ", " + outcomeWords[q.outcome] + "). Gold: " + speakerName(q.gold_speaker) +
      ". Predicted: " + predictedText(q) + ".";
    if (spanDiffers(q)) out += " Predicted span " + q.ps + "\u2013" + q.pe + " (gold " + q.start + "\u2013" + q.end + ").";
    if (q.attributes) {
      out += " " + Object.keys(q.attributes).map(function (k) { return k + ": " + JSON.stringify(q.attributes[k]); }).join("; ") + ".";
    }
    return out;
  }
  function describeUnmatched(u) {
    return "A predicted quote that matches no gold quote (" + u.start + "\u2013" + u.end + "): speaker " +
      (!given(u.speaker) || u.speaker === "" ? "abstained" : "\u201c" + u.speaker + "\u201d" +
       (given(u.resolved_speaker) ? " \u2192 " + speakerName(u.resolved_speaker) : "")) + ".";
  }

  // The text [a, b) as HTML: gold quotes and unmatched predictions are
  // <mark>s, nested properly (one that crosses another is split, its later
  // parts carrying data-continues instead of data-quote-id); predicted
  // spans, speaker mentions and cues are classes on the pieces of text.
  function pageHtml(a, b) {
    var elems = [], decos = [];
    function clip(s, e) { return given(s) && s < b && e > a ? [Math.max(a, s), Math.min(b, e)] : null; }
    function deco(s, e, cls, id) {
      var c = clip(s, e);
      if (c && c[1] > c[0]) decos.push({s: c[0], e: c[1], cls: cls, id: id});
    }
    data.quotes.forEach(function (q) {
      var c = clip(q.start, q.end);
      if (c && c[1] > c[0]) elems.push({s: c[0], e: c[1], q: q, rank: 0});
      if (spanDiffers(q)) deco(q.ps, q.pe, "d-pred", q.id);
      deco(q.gm_start, q.gm_end, "d-gm", q.id);
      deco(q.pm_start, q.pm_end, "d-pm", q.id);
      deco(q.cue_start, q.cue_end, "d-cue", q.id);
    });
    data.unmatched.forEach(function (u, k) {
      var c = clip(u.start, u.end);
      if (c && c[1] > c[0]) elems.push({s: c[0], e: c[1], u: u, k: k, rank: 1});
      deco(u.pm_start, u.pm_end, "d-pm", "u" + k);
    });
    var points = {};
    points[a] = points[b] = true;
    elems.concat(decos).forEach(function (x) { points[x.s] = points[x.e] = true; });
    var cuts = Object.keys(points).map(Number).sort(function (x, y) { return x - y; });
    var waiting = elems.slice().sort(function (x, y) { return x.s - y.s; });
    var stack = [], out = [];
    function open(el) {
      var top = stack[stack.length - 1];
      var end = el.e;
      if (top && end > top.end) {  // crosses its parent: the rest opens again where the parent closes
        waiting.push({s: top.end, e: el.e, q: el.q, u: el.u, k: el.k, rank: el.rank, cont: true});
        waiting.sort(function (x, y) { return x.s - y.s; });
        end = top.end;
      }
      stack.push({end: end});
      if (el.q) {
        var q = el.q;
        var ident = el.cont ? ' data-continues="' + esc(q.id) + '"' : ' data-quote-id="' + esc(q.id) + '" tabindex="0"';
        out.push('<mark class="q"' + ident + ' data-outcome="' + q.outcome + '" data-speaker="' + esc(q.gold_speaker || "") +
          '" title="' + esc(describeQuote(q)) + '">');
      } else {
        var identU = el.cont ? ' data-continues-unmatched="' + el.k + '"' : ' data-unmatched="' + el.k + '" tabindex="0"';
        out.push('<mark class="unmatched"' + identU + ' data-speaker="' + esc(el.u.resolved_speaker || "") +
          '" title="' + esc(describeUnmatched(el.u)) + '">');
      }
    }
    for (var i = 0; i < cuts.length - 1; i++) {
      var pos = cuts[i], nextPos = cuts[i + 1];
      while (stack.length && stack[stack.length - 1].end <= pos) { out.push("</mark>"); stack.pop(); }
      var starting = [];
      while (waiting.length && waiting[0].s === pos) starting.push(waiting.shift());
      starting.sort(function (x, y) { return y.e - x.e || x.rank - y.rank; });
      starting.forEach(open);
      var classes = [], ids = [];
      decos.forEach(function (d) {
        if (d.s <= pos && d.e >= nextPos) {
          if (classes.indexOf(d.cls) < 0) classes.push(d.cls);
          if (ids.indexOf(d.id) < 0) ids.push(d.id);
        }
      });
      var piece = esc(text.slice(pos, nextPos));
      out.push(classes.length ? '<span class="' + classes.join(" ") + '" data-q="' + esc(ids.join(" ")) + '">' + piece + "</span>" : piece);
    }
    while (stack.length) { out.push("</mark>"); stack.pop(); }
    return out.join("");
  }

  function passes(outcome, speaker) {
    return (!outcomeFilter.value || outcomeFilter.value === outcome) && (!speakerFilter.value || speakerFilter.value === speaker);
  }
  function applyFilters() {
    Array.prototype.forEach.call(textNode.querySelectorAll("mark"), function (m) {
      var outcome = m.classList.contains("unmatched") ? "unmatched" : m.getAttribute("data-outcome");
      m.classList.toggle("dim", !passes(outcome, m.getAttribute("data-speaker")));
    });
    var shown = 0;
    Array.prototype.forEach.call(listBody.rows, function (row) {
      var ok = passes(row.getAttribute("data-outcome"), row.getAttribute("data-speaker"));
      row.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("list-count").textContent = shown;
  }
  speakerFilter.addEventListener("change", applyFilters);
  outcomeFilter.addEventListener("change", applyFilters);

  function showPage(index) {
    index = Math.max(0, Math.min(data.pages.length - 2, index));
    if (index !== current) {
      current = index;
      textNode.innerHTML = pageHtml(data.pages[index], data.pages[index + 1]);
      applyFilters();
    }
    pageSelect.value = String(index);
    prev.disabled = index === 0;
    next.disabled = index >= data.pages.length - 2;
  }
  function pageOf(position) {
    for (var i = 0; i < data.pages.length - 1; i++) if (position < data.pages[i + 1]) return i;
    return data.pages.length - 2;
  }
  pageSelect.addEventListener("change", function () { showPage(parseInt(pageSelect.value, 10)); });
  prev.addEventListener("click", function () { showPage(current - 1); });
  next.addEventListener("click", function () { showPage(current + 1); });

  function clearActive() {
    Array.prototype.forEach.call(textNode.querySelectorAll(".active, .hl"), function (n) { n.classList.remove("active", "hl"); });
  }
  function highlight(id) {
    Array.prototype.forEach.call(textNode.querySelectorAll('[data-q~="' + cssId(id) + '"]'), function (n) { n.classList.add("hl"); });
  }
  function activate(target) {
    var mark = target.closest ? target.closest("mark") : null;
    if (!mark || !textNode.contains(mark)) return;
    clearActive();
    var id = mark.getAttribute("data-quote-id") || mark.getAttribute("data-continues");
    if (id !== null && byId[id]) {
      detail.textContent = describeQuote(byId[id]);
      Array.prototype.forEach.call(textNode.querySelectorAll("mark"), function (m) {
        if (m.getAttribute("data-quote-id") === id || m.getAttribute("data-continues") === id) m.classList.add("active");
      });
      highlight(id);
    } else {
      var k = mark.getAttribute("data-unmatched") || mark.getAttribute("data-continues-unmatched");
      detail.textContent = describeUnmatched(data.unmatched[+k]);
      mark.classList.add("active");
      highlight("u" + k);
    }
  }
  textNode.addEventListener("mouseover", function (event) { activate(event.target); });
  textNode.addEventListener("focusin", function (event) { activate(event.target); });

  function columnRows(columns, n) {  // the data holds quotes by column; the page works with a row per quote
    var names = Object.keys(columns), out = [];
    for (var i = 0; i < n; i++) {
      var row = {};
      for (var j = 0; j < names.length; j++) row[names[j]] = columns[names[j]][i];
      out.push(row);
    }
    return out;
  }
  function setDocument(newKey) {
    key = newKey;
    var stored = window.QB_DOCS[key];
    data = {};
    Object.keys(stored).forEach(function (k) { data[k] = stored[k]; });
    data.quotes = columnRows(stored.quotes, stored.n_quotes);
    data.unmatched = columnRows(stored.unmatched, stored.n_unmatched);
    text = window.QB_TEXTS[key];
    byId = {};
    data.quotes.forEach(function (q) { byId[q.id] = q; });
    current = -1;
    document.getElementById("doc-title").textContent = data.doc_id;
    document.title = data.doc_id + " \u00b7 " + view.title + " \u00b7 quotebench";
    var counts = {};
    data.quotes.forEach(function (q) { counts[q.outcome] = (counts[q.outcome] || 0) + 1; });
    document.getElementById("doc-summary").textContent = view.title + " \u00b7 " + plural(data.quotes.length, "gold quote") + " (" +
      Object.keys(outcomeWords).map(function (o) { return (counts[o] || 0) + " " + outcomeWords[o]; }).join(", ") + ")" +
      (view.track === "end-to-end" ? " \u00b7 " + plural(data.unmatched.length, "unmatched prediction") : "") +
      " \u00b7 " + plural(data.length, "character");
    var speakers = {};
    data.quotes.forEach(function (q) { if (given(q.gold_speaker)) speakers[q.gold_speaker] = true; });
    var chosen = speakerFilter.value;
    speakerFilter.innerHTML = '<option value="">all speakers</option>' + Object.keys(speakers).sort(function (x, y) {
      return speakerName(x).localeCompare(speakerName(y));
    }).map(function (s) { return '<option value="' + esc(s) + '">' + esc(data.entities[s] || s) + "</option>"; }).join("");
    speakerFilter.value = speakers[chosen] ? chosen : "";
    var n = data.pages.length - 1, options = [];
    for (var i = 0; i < n; i++) {
      options.push('<option value="' + i + '">page ' + (i + 1) + " of " + n + " (characters " + data.pages[i] + "\u2013" + data.pages[i + 1] + ")</option>");
    }
    pageSelect.innerHTML = options.join("");
    var rows = data.quotes.map(function (q) {
      var predicted = !q.matched ? "\u2013" : (!given(q.predicted_speaker) || q.predicted_speaker === "") ? "(abstained)" :
        esc(q.predicted_speaker) + (given(q.resolved_speaker) ? " \u2192 <code>" + esc(q.resolved_speaker) + "</code>" : "");
      return '<tr data-outcome="' + q.outcome + '" data-speaker="' + esc(q.gold_speaker || "") + '"><td data-value="' + q.start +
        '"><a href="#d=' + encodeURIComponent(key) + "&q=" + encodeURIComponent(q.id) + '">' + esc(q.id) + "</a></td><td>" +
        esc(q.type) + "</td><td>" + outcomeWords[q.outcome] + "</td><td>" +
        esc(given(q.gold_speaker) ? data.entities[q.gold_speaker] || q.gold_speaker : "(none)") + "</td><td>" + predicted + "</td></tr>";
    });
    data.unmatched.forEach(function (u) {
      rows.push('<tr data-outcome="unmatched" data-speaker="' + esc(u.resolved_speaker || "") + '"><td data-value="' + u.start + '">' +
        u.start + "\u2013" + u.end + "</td><td>\u2013</td><td>unmatched prediction</td><td>\u2013</td><td>" +
        (given(u.speaker) && u.speaker !== "" ? esc(u.speaker) : "(abstained)") + "</td></tr>");
    });
    listBody.innerHTML = rows.join("");
  }

  function hashParts() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0) out[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1));
    });
    return out;
  }
  function goTo(parts) {
    if (parts.q && byId[parts.q]) {
      showPage(pageOf(byId[parts.q].start));
      var mark = textNode.querySelector('mark[data-quote-id="' + cssId(parts.q) + '"]');
      if (mark) { mark.focus(); mark.scrollIntoView({block: "center"}); }
    } else if (parts.p) {
      showPage(parseInt(parts.p, 10) - 1);
    } else if (current < 0) {
      showPage(0);
    }
    document.body.setAttribute("data-ready", key);
  }
  function route() {
    var parts = hashParts();
    var wanted = parts.d || view.order[0];
    var entry = view.docs[wanted];
    if (!entry) {
      textNode.textContent = wanted ? "This run has no document " + wanted + "." : "This run has no documents.";
      document.body.setAttribute("data-ready", "");
      return;
    }
    if (wanted === key) { goTo(parts); return; }
    document.body.removeAttribute("data-ready");
    Promise.all([load(entry[1]), load(entry[2])]).then(function () {
      setDocument(wanted);
      goTo(parts);
    }).catch(function (error) {
      textNode.textContent = error.message;
      document.body.setAttribute("data-ready", "");
      throw error;  // and to the console
    });
  }
  window.addEventListener("hashchange", route);
  route();
})();
