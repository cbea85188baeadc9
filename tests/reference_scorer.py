"""The scoring rule of SPEC section 4 written the plain way, to be read against
it (SQuAD v1.1's evaluation script is the model): loops per document, a dense
``linear_sum_assignment`` for the end-to-end pairing, dictionaries for names.
``tests/test_reference_scorer.py`` checks that ``benchmark.scoring.score``
gives the same counts and figures.  Quadratic and slow: small inputs only."""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict

import numpy as np
from scipy.optimize import linear_sum_assignment

from benchmark.gold import QUOTE_MARKS, QUOTE_TYPES
from benchmark.names import normalize_name

UNRESOLVED = "<unresolved>"


def prf(tp, predicted, gold):
    """Precision, recall, F1; 0.0 where the denominator is 0."""
    return (tp / predicted if predicted else 0.0, tp / gold if gold else 0.0,
            2 * tp / (predicted + gold) if predicted + gold else 0.0)


def shared(a_start, a_end, pieces):
    return sum(max(0, min(a_end, e) - max(a_start, s)) for s, e in pieces)


def trimmed(text, start, end):
    def trimmable(c):
        return c.isspace() or c in QUOTE_MARKS or unicodedata.category(c).startswith("P")
    while start < end and trimmable(text[start]):
        start += 1
    while end > start and trimmable(text[end - 1]):
        end -= 1
    return start, end


def best_total(weights, rows, cols):
    """The largest total weight of a one-to-one pairing of the given rows and columns."""
    sub = weights[np.ix_(rows, cols)]
    r, c = linear_sum_assignment(sub, maximize=True)
    return sub[r, c].sum()


def pair_document(doc, preds, match, min_overlap):
    """Pairs (prediction index, gold quote index) of one document's predictions
    (in text order) with the most shared characters; among those pairings,
    each prediction in turn takes the earliest gold quote that still allows
    the most shared characters."""
    P, G = len(preds), len(doc.quotes)
    weights = np.zeros((P, G))
    for i, p in enumerate(preds):
        for g, q in enumerate(doc.quotes):
            pieces = [(f.start, f.end) for f in q.fragments] if q.fragments else [(q.start, q.end)]
            common = shared(p["start"], p["end"], pieces)
            if match == "overlap":
                ok = common / max(p["end"] - p["start"], sum(e - s for s, e in pieces)) >= min_overlap
            else:
                ps, pe = trimmed(doc.text, p["start"], p["end"])
                ok = (ps, pe) == trimmed(doc.text, q.start, q.end) and ps < pe
            if ok and common > 0:
                weights[i, g] = common
    rows, cols = list(range(P)), list(range(G))
    target = best_total(weights, rows, cols)
    pairs = []
    for i in range(P):
        rows.remove(i)
        for g in cols:
            if weights[i, g] > 0 and weights[i, g] + best_total(weights, rows, [c for c in cols if c != g]) == target:
                pairs.append((i, g))
                target -= weights[i, g]
                cols.remove(g)
                break
    return pairs


def resolve(doc, row, mode, gold_quote):
    """(resolved speaker: an entity id, UNRESOLVED or None for an abstention;
    whether it is credited with ``gold_quote``'s speaker)."""
    if row["speaker"] is None:
        return None, False
    best, by_span = 0, None  # the entity whose mention shares most with the span; None on a tie
    if row.get("speaker_start") is not None:
        for e in doc.entities:
            most = max((shared(row["speaker_start"], row["speaker_end"], [(m.start, m.end)]) for m in e.mentions), default=0)
            if most > best:
                best, by_span = most, e.id
            elif most == best and most > 0 and by_span != e.id:
                by_span = None
    gold_speaker = gold_quote.speaker if gold_quote else None
    name = normalize_name(row["speaker"])
    if mode == "mention":
        m = gold_quote.speaker_mention if gold_quote else None
        if m and row.get("speaker_start") is not None and row["speaker_start"] < m.end and m.start < row["speaker_end"]:
            return gold_speaker, True
        return by_span or UNRESOLVED, False
    if mode == "name":
        if gold_speaker is not None and name == normalize_name(doc.entity(gold_speaker).name):
            return gold_speaker, True
        named = {e.id for e in doc.entities if normalize_name(e.name) == name}
        return (named.pop() if len(named) == 1 else UNRESOLVED), False
    named = {e.id for e in doc.entities if name and name in {normalize_name(a) for a in (e.name, *e.aliases)} - {""}}
    if len(named) == 1:
        resolved = named.pop()
    elif not named:
        resolved = by_span or UNRESOLVED
    else:
        resolved = by_span if by_span in named else UNRESOLVED
    return resolved, gold_speaker is not None and resolved == gold_speaker


def reference_score(gold, rows, track, match="overlap", min_overlap=0.5, speaker_match="entity"):
    """The counts and figures of ``score`` (without intervals and the per-quote report)."""
    tp, predicted, support = Counter(), Counter(), Counter()
    names = {}
    units = defaultdict(Counter)
    one_document = len(gold.documents) == 1
    matched = n_active = 0
    by_type = {t: Counter() for t in QUOTE_TYPES}
    for doc in gold.documents:
        for e in doc.entities:
            names.setdefault(e.id, e.name)
        preds = [r for r in rows if r["doc_id"] == doc.doc_id]
        if track == "attribution":
            position = {q.id: g for g, q in enumerate(doc.quotes)}
            pairs = [(i, position[r["quote_id"]]) for i, r in enumerate(preds)]
        else:
            preds.sort(key=lambda r: (r["start"], r["end"]))
            pairs = pair_document(doc, preds, match, min_overlap)
        quote_of = dict(pairs)
        detected = set(quote_of.values())
        matched += len(pairs)
        for g, q in enumerate(doc.quotes):
            unit = (doc.doc_id, q.id) if one_document else doc.doc_id
            units[unit]["gold"] += q.speaker is not None
            support[q.speaker] += q.speaker is not None
            by_type[q.type].update(gold=q.speaker is not None, detected=g in detected, n_quotes=1)
        for i, row in enumerate(preds):
            g = quote_of.get(i)
            gold_quote = doc.quotes[g] if g is not None else None
            resolved, correct = resolve(doc, row, speaker_match, gold_quote)
            if resolved is None:
                continue
            n_active += 1
            predicted[resolved] += 1
            if one_document:
                if g is None and doc.quotes:  # the gold quote with the nearest midpoint, the earlier on a tie
                    mid = row["start"] + row["end"]
                    g = min(range(len(doc.quotes)), key=lambda k: (abs(doc.quotes[k].start + doc.quotes[k].end - mid),
                                                                   doc.quotes[k].start + doc.quotes[k].end, k))
                unit = (doc.doc_id, doc.quotes[g].id) if g is not None else None
            else:
                unit = doc.doc_id
            if unit is not None:
                units[unit]["predicted"] += 1
            if correct:
                tp[gold_quote.speaker] += 1
                units[unit]["tp"] += 1
                by_type[gold_quote.type]["tp"] += 1
    support.pop(None, None)
    speakers = sorted(set(support) | set(predicted), key=lambda s: (-support[s], s))
    per_speaker = [{"speaker": s, "name": names.get(s, "(names matching no entity)"),
                    **dict(zip(("precision", "recall", "f1"), prf(tp[s], predicted[s], support[s]))),
                    "tp": tp[s], "predicted": predicted[s], "gold": support[s]} for s in speakers]
    micro = (sum(tp.values()), n_active, sum(support.values()))
    macro = [np.mean([prf(tp[s], predicted[s], support[s])[k] for s in support]) if support else 0.0 for k in range(3)]
    n_quotes = sum(len(d.quotes) for d in gold.documents)
    out = {
        "micro": {**dict(zip(("precision", "recall", "f1"), prf(*micro))), **dict(zip(("tp", "predicted", "gold"), micro))},
        "macro": dict(zip(("precision", "recall", "f1"), map(float, macro))),
        "per_speaker": per_speaker,
        "n_gold": n_quotes, "n_predicted": len(rows), "n_abstained": len(rows) - n_active,
        "units": {unit: (c["tp"], c["predicted"], c["gold"]) for unit, c in units.items()},
        "recall_by_type": {t: (c["tp"], c["gold"]) for t, c in by_type.items()},
    }
    if track == "end-to-end":
        out["detection"] = {**dict(zip(("precision", "recall", "f1"), prf(matched, len(rows), n_quotes))),
                            "matched": matched, "predicted": len(rows), "gold": n_quotes}
        out["detection_by_type"] = {t: (c["detected"], c["n_quotes"]) for t, c in by_type.items()}
    return out
