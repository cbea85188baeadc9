"""The site's style sheet and script, written here (no framework, nothing
fetched): kept as strings so that the package needs no data files."""

CSS = r"""
:root {
  --fg: #1d1d1f; --muted: #5b5b66; --bg: #fff; --line: #d6d6de; --head: #f3f3f7;
  --link: #0b57d0; --focus: #ff9f1c;
  --correct: #d7f5dd; --correct-edge: #1e7b34;
  --wrong: #ffe2c2; --wrong-edge: #b35a00;
  --missed: #ffd7d9; --missed-edge: #b3121b;
  --abstained: #e6e6ee; --abstained-edge: #55556a;
  --unmatched: #e4dcff; --unmatched-edge: #5b3cc4;
  --pred: #0b57d0; --mention: #1e7b34; --pmention: #8a2be2;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5em; z-index: 10; }
.skip:focus { left: .5em; }
header.top { background: #20232a; color: #fff; padding: .6em 1em; }
header.top a { color: #fff; text-decoration: none; font-weight: 600; margin-right: 1em; }
header.top .crumbs { color: #c9c9d6; font-size: .9em; }
header.top .crumbs a { font-weight: 400; color: #c9c9d6; text-decoration: underline; margin: 0; }
main { max-width: 72em; margin: 0 auto; padding: 1em; }
h1 { font-size: 1.5em; margin: .3em 0 .6em; overflow-wrap: anywhere; }
h2 { font-size: 1.2em; margin: 1.5em 0 .5em; overflow-wrap: anywhere; }
.muted, .note { color: var(--muted); font-size: .92em; }
code { font-size: .9em; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; padding: .4em .6em; color: var(--muted); caption-side: top; }
th, td { padding: .35em .6em; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--head); white-space: nowrap; }
td.num, th.num { text-align: right; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th button::after { content: " \2195"; color: var(--muted); font-weight: 400; }
th[aria-sort="ascending"] button::after { content: " \2191"; color: var(--fg); }
th[aria-sort="descending"] button::after { content: " \2193"; color: var(--fg); }
.ci { display: inline-block; vertical-align: middle; margin-left: .4em; }
.ci line.range { stroke: #888; stroke-width: 2; }
.ci line.axis { stroke: #ddd; stroke-width: 1; }
.ci circle { fill: #20232a; }
.chart { max-width: 100%; height: auto; }
.chart text { font-size: 11px; fill: var(--fg); }
.bar-p { fill: #6c8ebf; } .bar-r { fill: #e0a458; } .bar-f { fill: #3a7d44; }
.legend span { display: inline-block; margin-right: 1em; }
.swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; margin-right: .3em; border-radius: 2px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
/* document view */
.controls { display: flex; flex-wrap: wrap; gap: .6em 1.2em; align-items: end; margin: .5em 0 1em; }
.controls label { display: flex; flex-direction: column; font-size: .9em; color: var(--muted); }
.controls select, .controls button { font: inherit; padding: .25em .4em; min-height: 2.2em; }
.pager { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
#doc-text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: Georgia, "DejaVu Serif", serif;
  line-height: 1.7; border: 1px solid var(--line); padding: 1em; border-radius: 4px; }
mark { color: inherit; border-radius: 2px; padding: 0 1px; cursor: help; }
mark.q { border-bottom: 2px solid; }
mark[data-outcome="correct"] { background: var(--correct); border-color: var(--correct-edge); }
mark[data-outcome="wrong-speaker"] { background: var(--wrong); border-color: var(--wrong-edge); border-bottom-style: double; border-bottom-width: 3px; }
mark[data-outcome="missed"] { background: var(--missed); border-color: var(--missed-edge); border-bottom-style: dashed; }
mark[data-outcome="abstained"] { background: var(--abstained); border-color: var(--abstained-edge); border-bottom-style: dotted; }
mark.unmatched { background: var(--unmatched); outline: 1px dashed var(--unmatched-edge); }
mark.dim { background: transparent; border-color: var(--line); outline: none; opacity: .55; }
mark.active { box-shadow: 0 0 0 2px var(--focus); }
.d-pred { text-decoration: underline overline var(--pred); text-decoration-thickness: 2px; }
.d-gm { font-weight: 700; color: var(--mention); }
.d-pm { box-shadow: inset 0 -3px 0 var(--pmention); }
.d-cue { font-style: italic; }
.hl { outline: 2px solid var(--focus); }
#detail { position: sticky; bottom: 0; background: #fffbe6; border: 1px solid #e6d8a0; padding: .5em .8em;
  margin-top: 1em; min-height: 2.6em; font-size: .95em; overflow-wrap: anywhere; }
.key { font-size: .9em; } .key > span { margin-right: .8em; white-space: nowrap; display: inline-block; }
.controls select { max-width: 100%; }
tr[hidden] { display: none; }
@media (max-width: 40em) {
  body { font-size: 15px; }
  main { padding: .6em; }
  th, td { padding: .3em .4em; }
  #doc-text { padding: .6em; }
  .hide-narrow { display: none; }
}
"""

JS = r"""
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

  // ---- document view
  var dataNode = document.getElementById("qb-doc");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var text = (window.QB_TEXTS || {})[data.text_key];
  var textNode = document.getElementById("doc-text");
  if (typeof text !== "string") {
    textNode.textContent = "The text of this document is missing from the site (" + data.text_file + ").";
    return;
  }
  var quotes = data.quotes, unmatched = data.unmatched, pages = data.pages;
  var names = data.entities;
  var byId = {};
  quotes.forEach(function (q) { byId[q.id] = q; });
  var current = -1;

  function esc(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function speakerName(id) {
    if (id === null || id === undefined) return "(none)";
    return names[id] ? names[id] + " (" + id + ")" : id;
  }
  function predictedText(q) {
    if (!q.matched) return data.track === "end-to-end" ? "no predicted quote matched" : "no prediction";
    if (q.predicted_speaker === null || q.predicted_speaker === "") return "abstained";
    var out = "\u201c" + q.predicted_speaker + "\u201d";
    out += q.resolved_speaker ? " \u2192 " + speakerName(q.resolved_speaker) : "";
    return out;
  }
  var outcomeWords = {"correct": "correct", "wrong-speaker": "wrong speaker", "missed": "missed", "abstained": "abstained"};
  function describeQuote(q) {
    return q.id + " (" + q.type + ", " + outcomeWords[q.outcome] + "). Gold: " + speakerName(q.gold_speaker) +
      ". Predicted: " + predictedText(q) + "." +
      (q.ps !== null && (q.ps !== q.start || q.pe !== q.end) ? " Predicted span " + q.ps + "\u2013" + q.pe + " (gold " + q.start + "\u2013" + q.end + ")." : "");
  }
  function describeUnmatched(u) {
    return "A predicted quote that matches no gold quote (" + u.start + "\u2013" + u.end + "): speaker " +
      (u.speaker === null ? "abstained" : "\u201c" + u.speaker + "\u201d" + (u.resolved_speaker ? " \u2192 " + speakerName(u.resolved_speaker) : "")) + ".";
  }

  // The page [a, b) as HTML: quotes and unmatched predictions are <mark>s
  // nested properly (one that crosses another is split, the rest carrying
  // data-continues); spans, mentions and cues are classes on the text pieces.
  function pageHtml(a, b) {
    var elems = [], decos = [];
    function clip(s, e) { return s < b && e > a ? [Math.max(a, s), Math.min(b, e)] : null; }
    quotes.forEach(function (q) {
      var c = clip(q.start, q.end);
      if (c && c[1] > c[0]) elems.push({s: c[0], e: c[1], q: q, rank: 0});
      [[q.ps, q.pe, "d-pred", q.ps !== null && (q.ps !== q.start || q.pe !== q.end)],
       [q.gm_start, q.gm_end, "d-gm", q.gm_start !== null],
       [q.pm_start, q.pm_end, "d-pm", q.pm_start !== null],
       [q.cue_start, q.cue_end, "d-cue", q.cue_start !== null]].forEach(function (d) {
        if (!d[3]) return;
        var dc = clip(d[0], d[1]);
        if (dc && dc[1] > dc[0]) decos.push({s: dc[0], e: dc[1], cls: d[2], id: q.id});
      });
    });
    unmatched.forEach(function (u, k) {
      var c = clip(u.start, u.end);
      if (c && c[1] > c[0]) elems.push({s: c[0], e: c[1], u: u, k: k, rank: 1});
      if (u.pm_start !== null) {
        var dc = clip(u.pm_start, u.pm_end);
        if (dc && dc[1] > dc[0]) decos.push({s: dc[0], e: dc[1], cls: "d-pm", id: "u" + k});
      }
    });
    var points = {};
    points[a] = points[b] = true;
    elems.concat(decos).forEach(function (x) { points[x.s] = points[x.e] = true; });
    var cuts = Object.keys(points).map(Number).sort(function (x, y) { return x - y; });
    var waiting = elems.slice();
    var stack = [], out = [];
    function open(el, pos) {
      var top = stack[stack.length - 1];
      var end = el.e;
      if (top && end > top.end) {  // crosses its parent: the rest opens again where the parent closes
        waiting.push({s: top.end, e: el.e, q: el.q, u: el.u, k: el.k, rank: el.rank, cont: true});
        end = top.end;
      }
      stack.push({end: end});
      if (el.q) {
        var q = el.q;
        var attrs = el.cont ? ' data-continues="' + esc(q.id) + '"' : ' data-quote-id="' + esc(q.id) + '" tabindex="0"';
        out.push('<mark class="q"' + attrs + ' data-outcome="' + q.outcome + '" data-speaker="' + esc(q.gold_speaker || "") +
          '" title="' + esc(describeQuote(q)) + '">');
      } else {
        var attrsU = el.cont ? ' data-continues-unmatched="' + el.k + '"' : ' data-unmatched="' + el.k + '" tabindex="0"';
        out.push('<mark class="unmatched"' + attrsU + ' data-prediction="unmatched" data-speaker="' + esc(el.u.resolved_speaker || "") +
          '" title="' + esc(describeUnmatched(el.u)) + '">');
      }
    }
    for (var i = 0; i < cuts.length - 1; i++) {
      var pos = cuts[i], next = cuts[i + 1];
      while (stack.length && stack[stack.length - 1].end <= pos) { out.push("</mark>"); stack.pop(); }
      var starting = waiting.filter(function (el) { return el.s === pos; });
      waiting = waiting.filter(function (el) { return el.s !== pos; });
      starting.sort(function (x, y) { return y.e - x.e || x.rank - y.rank; });
      starting.forEach(function (el) { open(el, pos); });
      var classes = [], ids = [];
      decos.forEach(function (d) {
        if (d.s <= pos && d.e >= next) {
          if (classes.indexOf(d.cls) < 0) classes.push(d.cls);
          if (ids.indexOf(d.id) < 0) ids.push(d.id);
        }
      });
      var piece = esc(text.slice(pos, next));
      out.push(classes.length ? '<span class="' + classes.join(" ") + '" data-q="' + esc(ids.join(" ")) + '">' + piece + "</span>" : piece);
    }
    while (stack.length) { out.push("</mark>"); stack.pop(); }
    return out.join("");
  }

  var speakerFilter = document.getElementById("filter-speaker");
  var outcomeFilter = document.getElementById("filter-outcome");
  function passes(outcome, speaker) {
    var wantOutcome = outcomeFilter.value, wantSpeaker = speakerFilter.value;
    return (!wantOutcome || wantOutcome === outcome) && (!wantSpeaker || wantSpeaker === speaker);
  }
  function applyFilters() {
    Array.prototype.forEach.call(textNode.querySelectorAll("mark"), function (m) {
      var outcome = m.classList.contains("unmatched") ? "unmatched" : m.getAttribute("data-outcome");
      m.classList.toggle("dim", !passes(outcome, m.getAttribute("data-speaker")));
    });
    var shown = 0;
    Array.prototype.forEach.call(document.querySelectorAll("#quote-list tbody tr"), function (row) {
      var ok = passes(row.getAttribute("data-outcome"), row.getAttribute("data-speaker"));
      row.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("list-count").textContent = shown;
  }
  speakerFilter.addEventListener("change", applyFilters);
  outcomeFilter.addEventListener("change", applyFilters);

  var pageSelect = document.getElementById("page-select");
  var prev = document.getElementById("page-prev"), next = document.getElementById("page-next");
  function showPage(index) {
    index = Math.max(0, Math.min(pages.length - 2, index));
    if (index !== current) {
      current = index;
      textNode.innerHTML = pageHtml(pages[index], pages[index + 1]);
      applyFilters();
    }
    pageSelect.value = String(index);
    prev.disabled = index === 0;
    next.disabled = index >= pages.length - 2;
  }
  function pageOf(position) {
    for (var i = 0; i < pages.length - 1; i++) if (position < pages[i + 1]) return i;
    return pages.length - 2;
  }
  pageSelect.addEventListener("change", function () { showPage(parseInt(pageSelect.value, 10)); });
  prev.addEventListener("click", function () { showPage(current - 1); });
  next.addEventListener("click", function () { showPage(current + 1); });

  var detail = document.getElementById("detail");
  function related(id) {
    return textNode.querySelectorAll('[data-q~="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
  }
  function clearActive() {
    Array.prototype.forEach.call(textNode.querySelectorAll(".active, .hl"), function (n) { n.classList.remove("active", "hl"); });
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
      Array.prototype.forEach.call(related(id), function (n) { n.classList.add("hl"); });
    } else {
      var k = mark.getAttribute("data-unmatched") || mark.getAttribute("data-continues-unmatched");
      detail.textContent = describeUnmatched(unmatched[+k]);
      mark.classList.add("active");
      Array.prototype.forEach.call(related("u" + k), function (n) { n.classList.add("hl"); });
    }
  }
  textNode.addEventListener("mouseover", function (event) { activate(event.target); });
  textNode.addEventListener("focusin", function (event) { activate(event.target); });

  function goToHash() {
    var match = /^#q-(.+)$/.exec(location.hash);
    if (match) {
      var id = decodeURIComponent(match[1]);
      if (byId[id]) {
        showPage(pageOf(byId[id].start));
        var mark = textNode.querySelector('mark[data-quote-id="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
        if (mark) { mark.focus(); mark.scrollIntoView({block: "center"}); }
        return;
      }
    }
    var pageMatch = /^#page-(\d+)$/.exec(location.hash);
    showPage(pageMatch ? parseInt(pageMatch[1], 10) - 1 : (current < 0 ? 0 : current));
  }
  window.addEventListener("hashchange", goToHash);
  goToHash();
})();
"""
