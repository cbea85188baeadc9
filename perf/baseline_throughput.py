"""Words per second of each baseline, next to bare spaCy.

The spaCy pipeline parses the texts once (``nlp.pipe``, as ``quotebench
baselines`` does, the Docs shared by every baseline); then each baseline of
the registry runs on the parsed Docs through ``benchmark.runner.run_model``,
the path ``quotebench baselines`` takes.  ``llm`` is skipped (it calls a
remote service), and so is ``textacy`` when textacy is not installed.

- **bare spaCy**: words / parse time, the parse being the runner's
  (``benchmark.runner.parse_documents``: ``nlp.pipe`` over paragraph pieces);
- **a baseline**: words / (parse time + model time), the parse counted once,
  as when it runs alone (what a baseline caches on the parsed Docs is
  forgotten before each run); **ratio** = that throughput / bare spaCy's =
  parse / (parse + model).  Goal: ``speech-verb`` >= 0.8 end-to-end.

Words are white-space separated tokens of the texts (``len(text.split())``),
the same count for every row.  Inputs: the gold set, and one larger text made
of its text repeated ``--copies`` times (paragraphs apart), its quotes and
mentions shifted along, so that costs that grow faster than the text show.
Times are the median of ``--repeat`` runs (by default 3 on the gold set and
1 on the larger text, where the slowest baselines take minutes).

    python perf/baseline_throughput.py
    python perf/baseline_throughput.py --copies 20 --repeat 1 --only speech-verb --profile speech-verb
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import baselines  # noqa: E402
from benchmark.gold import Document, Entity, GoldSet, Quote, Span, load_gold  # noqa: E402
from benchmark.models import load_pipeline  # noqa: E402
from benchmark.runner import parse_documents, run_model  # noqa: E402

SKIPPED = {"llm": "calls a remote service"}
TRACKS = ("end-to-end", "attribution")
GOAL_MODEL, GOAL_RATIO = "speech-verb", 0.8


def repeated(gold: GoldSet, copies: int) -> GoldSet:
    """One document whose text is the first document's text ``copies``
    times, separated by a blank line; entities keep their ids and gather the
    mentions of every copy, quotes get ids ``q01~2`` and so on."""
    base = gold.documents[0]
    separator = "\n\n"
    step = len(base.text) + len(separator)

    def shifted(span: Span | None, k: int) -> Span | None:
        return None if span is None else Span(span.start + k * step, span.end + k * step)

    entities = [
        Entity(e.id, e.name, e.kind, list(e.aliases), [shifted(m, k) for k in range(copies) for m in e.mentions])
        for e in base.entities
    ]
    quotes = [
        Quote(
            q.id if k == 0 else f"{q.id}~{k + 1}",
            q.start + k * step,
            q.end + k * step,
            q.type,
            q.speaker,
            shifted(q.speaker_mention, k),
            shifted(q.cue, k),
            [shifted(f, k) for f in q.fragments] if q.fragments else None,
        )
        for k in range(copies)
        for q in base.quotes
    ]
    text = separator.join([base.text] * copies)
    return GoldSet([Document(f"{base.doc_id}x{copies}", base.source, text, entities, quotes)], f"{gold.path} x{copies}", gold.sha256)


def models(only: list[str] | None) -> tuple[list, list[str]]:
    """The baselines to measure, and a note for each one skipped."""
    chosen, notes = [], []
    for name in baselines.names():
        if only and name not in only:
            continue
        if name in SKIPPED:
            notes.append(f"{name} skipped: {SKIPPED[name]}")
            continue
        try:
            chosen.append(baselines.get(name))
        except ImportError as exc:
            notes.append(f"{name} skipped: {exc}")
    return chosen, notes


def timed(function, repeat: int, setup=None) -> tuple[float, object]:
    """Median seconds of ``repeat`` calls (each after ``setup()``, untimed),
    and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        if setup is not None:
            setup()
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", default=str(ROOT / "gold" / "gold.jsonl"), help="gold file (default: the project's)")
    parser.add_argument("--copies", type=int, default=50, help="copies of the text in the larger input (default: 50)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per measurement; the median is shown (default: 3 on the gold set, 1 on the larger text)")
    parser.add_argument("--only", default=None, help="comma-separated baseline names")
    parser.add_argument("--pipeline", default=None, help="spaCy pipeline (default: as quotebench baselines)")
    parser.add_argument("--profile", metavar="NAME", default=None, help="print a profile of this baseline on the larger input, end-to-end")
    args = parser.parse_args(argv)
    if args.copies < 1 or (args.repeat is not None and args.repeat < 1):
        parser.error("--copies and --repeat must be at least 1")

    gold = load_gold(args.gold)
    inputs = [("gold", gold), (f"gold x{args.copies}", repeated(gold, args.copies))]
    chosen, notes = models([n.strip() for n in args.only.split(",")] if args.only else None)
    nlp = load_pipeline(args.pipeline)
    repeats = [args.repeat or 3, args.repeat or 1]
    print(f"baseline throughput on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"spaCy pipeline {nlp.meta.get('name')} {nlp.meta.get('version')}; median of {repeats[0]} run(s) on the gold set, "
          f"{repeats[1]} on the larger text")
    parse_documents(nlp, ["Warm-up."], progress=False)  # load the model's weights before timing

    table = [("input", "words", "track", "model", "parse s", "model s", "words/s", "ratio")]
    goal = []
    for (label, data), repeat in zip(inputs, repeats):
        texts = [d.text for d in data.documents]
        words = sum(len(t.split()) for t in texts)
        parse_s, docs = timed(lambda: parse_documents(nlp, texts, progress=False), repeat)
        as_parsed = [dict(doc.user_data) for doc in docs]

        def forget_analyses() -> None:
            # Baselines cache what they work out in doc.user_data (the
            # mentions of a document): each run starts from the bare parse,
            # as a baseline run alone would.
            for doc, user_data in zip(docs, as_parsed):
                doc.user_data.clear()
                doc.user_data.update(user_data)

        table.append((label, f"{words:,}", "", "bare spaCy (nlp.pipe)", f"{parse_s:.3f}", "", f"{words / parse_s:,.0f}", "1.00"))
        for track in TRACKS:
            for model in chosen:
                model_s, _ = timed(lambda: run_model(model, data, track, docs=docs), repeat, forget_analyses)
                ratio = parse_s / (parse_s + model_s)
                table.append((label, f"{words:,}", track, model.name, f"{parse_s:.3f}", f"{model_s:.3f}",
                              f"{words / (parse_s + model_s):,.0f}", f"{ratio:.2f}"))
                if model.name == GOAL_MODEL and track == "end-to-end":
                    goal.append((label, ratio))
                print(f"  {label} {track} {model.name}: {model_s:.3f} s", file=sys.stderr, flush=True)

    widths = [max(len(row[c]) for row in table) for c in range(len(table[0]))]
    print()
    for i, row in enumerate(table):
        print("  ".join(cell.rjust(w) if c in (1, 4, 5, 6, 7) else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for note in notes:
        print(f"note: {note}")
    if goal:
        print(f"\ngoal: {GOAL_MODEL} end-to-end at least {GOAL_RATIO} of bare spaCy's throughput")
        for label, ratio in goal:
            print(f"  {label}: {ratio:.2f} ({'met' if ratio >= GOAL_RATIO else 'NOT met'})")

    if args.profile:
        model = next((m for m in chosen if m.name == args.profile), None)
        if model is None:
            parser.error(f"--profile: {args.profile!r} is not among the measured baselines")
        label, data = inputs[-1]
        docs = parse_documents(nlp, [d.text for d in data.documents], progress=False)  # fresh: nothing cached
        profiler = cProfile.Profile()
        profiler.runcall(run_model, model, data, "end-to-end", docs=docs)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
        print(f"\nprofile of {model.name}, end-to-end, on {label} (parse excluded):")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
