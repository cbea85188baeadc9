"""``quotebench compare A B --html OUT``: one self-contained page (style and
script inline, nothing fetched) with the paired test of
:func:`benchmark.significance.compare` and every gold quote on which the two
runs differ, per signature they share.

Two runs *differ on a quote* when its outcome differs (correct, wrong
speaker, abstained, missed: :func:`benchmark.site.build.quote_outcome`) or,
both being wrong, they credit different speakers.  Two different names that
resolve to the same entity are not a difference: the scorer cannot tell them
apart either.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmark.site import assets
from benchmark.site.build import quote_outcome
from benchmark.site.html import OUTCOME_LABELS, esc, number, table

EXCERPT_CHARACTERS = 240


def differing_quotes(result_a: dict[str, Any], result_b: dict[str, Any]) -> list[tuple[dict, dict]]:
    """The (entry of A, entry of B) of each gold quote on which the runs
    differ, in A's order (documents, then quotes, as scored)."""
    entries_b = {(e["doc_id"], e["quote_id"]): e for e in result_b.get("quotes") or []}
    out = []
    for a in result_a.get("quotes") or []:
        b = entries_b.get((a["doc_id"], a["quote_id"]))
        if b is None:
            continue
        outcome_a, outcome_b = quote_outcome(a), quote_outcome(b)
        if outcome_a != outcome_b or (outcome_a == "wrong-speaker" and a.get("resolved_speaker") != b.get("resolved_speaker")):
            out.append((a, b))
    return out


def _predicted(entry: dict[str, Any]) -> str:
    outcome = quote_outcome(entry)
    if outcome == "missed":
        return f"<em>{OUTCOME_LABELS[outcome]}</em>"
    if outcome == "abstained":
        return "<em>abstained</em>"
    resolved = entry.get("resolved_speaker")
    return f"{esc(entry.get('predicted_speaker'))}{f' → <code>{esc(resolved)}</code>' if resolved else ''} <em>({OUTCOME_LABELS[outcome]})</em>"


def compare_page(pairs: list[tuple[dict, dict, dict]], gold=None) -> str:
    """The page: ``pairs`` are (record A, record B, comparison)."""
    docs = {d.doc_id: d for d in gold.documents} if gold is not None else {}
    first_a, first_b = pairs[0][0]["result"]["model"], pairs[0][1]["result"]["model"]
    body = [f"<h1>{esc(first_a)} against {esc(first_b)}</h1>"]
    for record_a, record_b, c in pairs:
        result_a, result_b = record_a["result"], record_b["result"]
        same_gold = gold is not None and result_a.get("gold_sha256") == gold.sha256
        differing = differing_quotes(result_a, result_b)
        body.append(f"<h2>{esc(c['track'])} track</h2>")
        body.append(
            f'<p class="muted">Signature <code>{esc(c["signature"])}</code>. Gold set: <strong>{esc(c["n_gold"])} quotes</strong> '
            f'({c["n_gold_with_speaker"]} with a speaker), paired over {c["n_units"]} {esc(c["unit"])}s.</p>'
        )
        body.append(
            '<dl class="facts">'
            f"<dt>F1 of {esc(c['model_a'])}</dt><dd>{number(c['f1_a'])}</dd>"
            f"<dt>F1 of {esc(c['model_b'])}</dt><dd>{number(c['f1_b'])}</dd>"
            f"<dt>difference A − B</dt><dd>{c['difference']:+.4f}, 95% interval [{c['ci'][0]:+.4f}, {c['ci'][1]:+.4f}]</dd>"
            f"<dt>p-value</dt><dd>{c['p_value']:.4f}</dd>"
            f"<dt>verdict</dt><dd>{esc(c['verdict'])}</dd></dl>"
        )
        rows = []
        for a, b in differing:
            doc = docs.get(a["doc_id"]) if same_gold else None
            quote = next((q for q in doc.quotes if q.id == a["quote_id"]), None) if doc else None
            excerpt = ""
            if quote is not None:
                words = doc.text[quote.start:quote.end]
                excerpt = esc(words if len(words) <= EXCERPT_CHARACTERS else words[:EXCERPT_CHARACTERS] + "…")
            gold_name = esc(doc.entity(a["gold_speaker"]).name) if doc and a.get("gold_speaker") and doc.entity(a["gold_speaker"]) else esc(a.get("gold_speaker") or "(none)")
            rows.append(
                f'<tr data-quote-id="{esc(a["quote_id"])}" data-doc-id="{esc(a["doc_id"])}">'
                f'<td>{esc(a["doc_id"])}</td><td>{esc(a["quote_id"])}</td><td>{esc(a.get("type"))}</td>'
                f"<td>{excerpt}</td><td>{gold_name}</td>"
                f'<td data-value="{quote_outcome(a)}">{_predicted(a)}</td><td data-value="{quote_outcome(b)}">{_predicted(b)}</td></tr>\n'
            )
        body.append(table(
            [("document", "text"), ("quote", "text"), ("type", "text"), ("text", ""), ("gold speaker", "text"),
             (esc(c["model_a"]), "text"), (esc(c["model_b"]), "text")],
            rows, caption=f"{len(differing)} of {c['n_gold']} gold quotes on which the two runs differ",
        ))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(first_a)} against {esc(first_b)} · quotebench</title>
<link rel="icon" href="data:,">
<style>{assets.CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<main id="main" tabindex="-1">
{"".join(body)}
</main>
<script>{assets.JS}</script>
</body>
</html>
"""


def write_compare_page(
    out: str | os.PathLike,
    results_dir: str | os.PathLike,
    name_a: str,
    name_b: str,
    *,
    track: str | None = None,
    gold: Any = None,
    n_resamples: int = 10_000,
    seed: int = 0,
) -> Path:
    """Write the page of the runs' differences to ``out``; ``gold`` (a path
    or ``GoldSet``, optional) supplies the quotes' text and speakers' names
    when the runs were scored on it.  Runs that cannot be compared are
    refused as ``run_compare`` refuses them (:func:`shared_runs`)."""
    from benchmark.files import write_text_atomic
    from benchmark.significance import compare, shared_runs

    pairs = [
        (a, b, compare(a["result"], b["result"], n_resamples=n_resamples, seed=seed))
        for a, b in shared_runs(str(results_dir), name_a, name_b, track)
    ]
    loaded = None
    if gold is not None:
        from benchmark.site.build import load_gold_set

        if not isinstance(gold, (str, os.PathLike)) or Path(gold).exists():
            loaded = load_gold_set(gold)
    write_text_atomic(out, compare_page(pairs, loaded))
    return Path(out)
