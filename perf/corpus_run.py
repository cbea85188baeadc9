"""The baselines over a whole corpus, next to bare spaCy, cold and warm.

Three commands run one after the other, each in a fresh interpreter, over
the same texts:

- **bare spaCy**: the texts split into paragraphs (at blank lines) and
  parsed with ``nlp.pipe(paragraphs, n_process=2)`` (the pipeline of
  ``quotebench baselines``, :func:`benchmark.models.load_pipeline`), every
  Doc discarded as it comes: the reference;
- **baselines, cold cache**: ``quotebench baselines --gold GOLD --only
  MODELS --cache DIR`` with an empty cache folder (parse, predict, score,
  record, leaderboard, chart);
- **baselines, warm cache**: the same command again, the cache now full;
- **models alone, warm cache**: what the warm run cannot do without, in a
  fresh interpreter: load the gold set (through the gold cache, as the
  command does) and the pipeline, read the cached
  parses and predict both tracks with the baselines
  (:func:`benchmark.runner.run_models`, as the command does it), nothing
  scored, recorded or drawn; the seconds of each part are printed, so the
  warm run's time splits into the models' and the rest (scoring, records,
  charts, site).

Each is timed from start to exit (start-up and loading the pipeline
included, for all three), in wall seconds (the goals) and in CPU seconds of
the command and all its processes (user and system: what other jobs on a
shared machine barely change).  Memory: **peak tree** is the largest sum of the
resident set sizes of the command's process and all its descendants (the
parsing processes), sampled every 0.1 s from ``/proc``: an upper bound, as
forked processes share pages; **peak process** is the largest resident set
of any one of those processes (``ru_maxrss``).

Goals (issue 13), on all 28 PDNC novels with ``--only speech-verb``: peak
resident memory at most 4 GiB; cold wall time at most 1.5x bare spaCy's;
warm at most 0.1x.

    python perf/corpus_run.py --gold /work/corpora/gold/pdnc_all.jsonl        # an imported gold file
    python perf/corpus_run.py --pdnc /path/to/project-dialogism-novel-corpus  # imported here first
    python perf/corpus_run.py                                                 # a synthetic corpus of long documents
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOALS = {"peak GiB": 4.0, "cold / bare": 1.5, "warm / bare": 0.1}

BARE = r"""
import json, re, sys
sys.path.insert(0, {root!r})
from benchmark.models import load_pipeline
nlp = load_pipeline({pipeline!r})
paragraphs = []
with open({gold!r}, encoding="utf-8") as fh:
    for line in fh:
        if line.strip():
            paragraphs.extend(p for p in re.split(r"\n\s*\n", json.loads(line)["text"]) if p.strip())
tokens = 0
for doc in nlp.pipe(paragraphs, n_process={n_process}):
    tokens += len(doc)
print(json.dumps({{"paragraphs": len(paragraphs), "tokens": tokens}}))
"""

# What a warm run cannot do without: the models reading the cached parses
# and predicting both tracks (as `quotebench baselines` does it, one process
# per core), nothing scored, recorded or drawn.  Prints the seconds of each
# part as JSON.
MODELS_ALONE = r"""
import json, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
import baselines
from benchmark.gold_cache import default_cache_folder, load_gold_set
from benchmark.models import load_pipeline
from benchmark.parse_cache import ParseCache
from benchmark.runner import run_models
imported = time.perf_counter()
gold, save = load_gold_set({gold!r}, default_cache_folder({gold!r}))  # as the command loads it
save()
loaded = time.perf_counter()
nlp = load_pipeline({pipeline!r})
cache = ParseCache({cache!r}, nlp)
ready = time.perf_counter()
models = [baselines.get(name) for name in {only!r}.split(",")]
rows = run_models(models, gold, ("attribution", "end-to-end"), nlp=nlp, cache=cache, progress=False)
done = time.perf_counter()
print(json.dumps({{"imports": imported - started, "gold": loaded - imported, "pipeline": ready - loaded, "predict": done - ready,
                  "misses": cache.misses, "rows": sum(map(len, rows.values()))}}))
"""

# Runs a command as its child and reports the largest resident set of any
# of its descendants (ru_maxrss of the children, in KiB on Linux) and the
# CPU seconds of them all (user and system): unlike wall time, barely
# changed by other jobs on the machine.
LAUNCHER = r"""
import resource, subprocess, sys
status = subprocess.call(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("maxrss_kib", usage.ru_maxrss, "cpu_s", usage.ru_utime + usage.ru_stime, file=sys.stderr)
sys.exit(status)
"""


# --------------------------------------------------------------------------
# Memory of a process tree


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root: int) -> int:
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kib(pid)
        stack.extend(children.get(pid, ()))
    return total


def measured(command: list[str], *, label: str) -> dict:
    """Wall seconds, peak tree and peak process MiB of ``command``."""
    shown = label if "-c" in command else " ".join(command)
    print(f"running {shown}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *command], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.stderr.write(err[-4000:])
        raise SystemExit(f"{label} failed with exit status {proc.returncode}")
    usage = re.findall(r"maxrss_kib (\d+) cpu_s ([0-9.]+)", err)
    result = {"label": label, "wall": wall, "peak_tree_mib": peak[0] / 1024,
              "peak_process_mib": int(usage[-1][0]) / 1024 if usage else float("nan"),
              "cpu": float(usage[-1][1]) if usage else float("nan"), "stdout": out}
    # each step as soon as it is done: a run cut short still tells something
    print(f"  {label}: {wall:,.1f} s, {result['cpu']:,.1f} CPU s, peak tree {result['peak_tree_mib']:,.0f} MiB, "
          f"peak process {result['peak_process_mib']:,.0f} MiB", file=sys.stderr, flush=True)
    return result


# --------------------------------------------------------------------------
# A synthetic corpus


FIRST = ["Anna", "Tom", "Clara", "Henry", "Lucy", "Walter", "Edith", "James", "Mary", "Arthur"]
LAST = ["Price", "Hale", "Moreland", "Finch", "Ashby", "Crane", "Dorset", "Lyle"]
WORDS = ("the a of and to in was he she it that with his her for had on at by not but as this all were would which "
         "morning garden letter window evening road house door river quiet long small old young little great "
         "walked looked thought wondered turned waited seemed heard knew felt came went took left found").split()


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize()


def synthetic_gold(path: Path, n_documents: int, chars: int, seed: int) -> None:
    """``n_documents`` novel-like documents of about ``chars`` characters:
    paragraphs of narration, and of dialogue ("“…,” said Name.", "Name
    said, “…”"), lines wrapped at 70 characters as in Project Gutenberg."""
    from benchmark.gold import Document, Entity, Quote, Span, write_gold

    rng = random.Random(seed)
    documents = []
    for d in range(n_documents):
        people = rng.sample([f"{f} {s}" for f in FIRST for s in LAST], 6)
        text, quotes, mentions = "", [], {p: [] for p in people}
        while len(text) < chars:
            if rng.random() < 0.5:
                body = ". ".join(_sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(2, 6))) + "."
                text += re.sub(r"(.{1,70})(?: |$)", "\\1\n", body).rstrip("\n") + "\n\n"
                continue
            speaker = rng.choice(people)
            said = _sentence(rng, rng.randint(4, 20))
            if rng.random() < 0.5:
                q_start = len(text) + 1
                text += f"\u201c{said},\u201d said "
                m_start = len(text)
                text += f"{speaker}.\n\n"
            else:
                m_start = len(text)
                text += f"{speaker} said, \u201c"
                q_start = len(text)
                text += f"{said}.\u201d\n\n"
            q_end = q_start + len(said) + 1  # the comma or full stop inside the marks
            mention = Span(m_start, m_start + len(speaker))
            mentions[speaker].append(mention)
            eid = speaker.lower().replace(" ", "_")
            quotes.append(Quote(f"q{len(quotes) + 1}", q_start, q_end, "direct", eid, mention))
        entities = [Entity(p.lower().replace(" ", "_"), p, "person", [p, p.split()[1]], mentions[p]) for p in people]
        documents.append(Document(f"synthetic{d:02d}", f"synthetic:{d}", text, entities, quotes))
    write_gold(documents, path)


# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--gold", default=None, help="an imported gold file (e.g. PDNC's, from quotebench gold import pdnc)")
    source.add_argument("--pdnc", default=None, metavar="DIR", help="the PDNC repository as published: imported first")
    parser.add_argument("--only", default="speech-verb", help="baselines to run (default: speech-verb)")
    parser.add_argument("--documents", type=int, default=6, help="synthetic corpus: documents (default: 6)")
    parser.add_argument("--chars", type=int, default=150_000, help="synthetic corpus: characters a document (default: 150,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pipeline", default=None, help="spaCy pipeline (default: as quotebench baselines)")
    parser.add_argument("--max-chars", type=int, default=None,
                        help="use only the first documents of the gold file, up to this many characters (a sample, when the whole takes too long)")
    parser.add_argument("--keep", default=None, metavar="DIR", help="keep the results and cache here (default: a temporary folder)")
    parser.add_argument("--warm-only", action="store_true",
                        help="with --keep DIR holding the cache of a previous run: only the warm run and the models alone, no ratios")
    args = parser.parse_args(argv)
    if args.warm_only and not (args.keep and (Path(args.keep) / "cache").is_dir()):
        parser.error("--warm-only needs --keep DIR with the cache of a previous run")

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="quotebench-corpus-run-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.gold:
            gold, corpus = Path(args.gold).resolve(), f"gold file {args.gold}"
        elif args.pdnc:
            gold, corpus = work / "pdnc.jsonl", f"PDNC at {args.pdnc}"
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "benchmark", "gold", "import", "pdnc", args.pdnc, "--out", str(gold)], cwd=ROOT, check=True)
            print(f"imported PDNC in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        else:
            gold = work / "synthetic.jsonl"
            synthetic_gold(gold, args.documents, args.chars, args.seed)
            corpus = f"synthetic corpus: {args.documents} documents of about {args.chars:,} characters (seed {args.seed})"
        lines = [line for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
        sizes = [len(json.loads(line)["text"]) for line in lines]
        if args.max_chars is not None:
            n = next((k for k in range(1, len(sizes) + 1) if sum(sizes[:k]) > args.max_chars), len(sizes) + 1) - 1
            lines, sizes = lines[:max(n, 1)], sizes[:max(n, 1)]
            gold = work / "sample.jsonl"
            gold.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            corpus += f", its first {len(lines)} documents"
        n_chars = sum(sizes)
        del lines

        results, cache = work / "results", work / "cache"
        for folder in (results, cache) if not args.warm_only else ():
            shutil.rmtree(folder, ignore_errors=True)
        command = [sys.executable, "-m", "benchmark", "baselines", "--gold", str(gold), "--only", args.only,
                   "--results", str(results), "--cache", str(cache)]
        if args.pipeline:
            command += ["--pipeline", args.pipeline]
        runs = []
        if not args.warm_only:
            bare = measured([sys.executable, "-c", BARE.format(root=str(ROOT), pipeline=args.pipeline, gold=str(gold), n_process=2)], label="bare spaCy")
            cold = measured(command, label="baselines, cold cache")
            runs += [bare, cold]
        warm = measured(command, label="baselines, warm cache")
        alone = measured([sys.executable, "-c", MODELS_ALONE.format(root=str(ROOT), gold=str(gold), pipeline=args.pipeline, cache=str(cache), only=args.only)],
                         label="models alone, warm cache")
        runs += [warm, alone]
        entries = list(cache.rglob("*.spacy"))
        cache_mib = sum(p.stat().st_size for p in entries) / 2**20
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    parts = json.loads(alone["stdout"].strip().splitlines()[-1])
    if args.warm_only:
        print(f"corpus: {corpus}; {n_chars:,} characters")
    else:
        counts = json.loads(bare["stdout"].strip().splitlines()[-1])
        print(f"corpus: {corpus}; {n_chars:,} characters, {counts['paragraphs']:,} paragraphs, {counts['tokens']:,} tokens")
    print(f"baselines: --only {args.only}; {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"cache: {len(entries)} entries, {cache_mib:,.0f} MiB")
    print()
    print("| run | wall s | / bare | CPU s | / bare | peak tree MiB | peak process MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        ratios = ("", "") if args.warm_only else (f"{run['wall'] / bare['wall']:.2f}", f"{run['cpu'] / bare['cpu']:.2f}")
        print(f"| {run['label']} | {run['wall']:,.1f} | {ratios[0]} | {run['cpu']:,.1f} | {ratios[1]} | {run['peak_tree_mib']:,.0f} | "
              f"{run['peak_process_mib']:,.0f} |")
    print()
    print(f"models alone: imports {parts['imports']:.1f} s, gold set {parts['gold']:.1f} s, spaCy and the pipeline {parts['pipeline']:.1f} s, "
          f"reading the cache and predicting {parts['predict']:.1f} s ({parts['rows']:,} rows, {parts['misses']} cache misses); "
          f"the warm run's other {warm['wall'] - alone['wall']:.1f} s: scoring, records, charts, site")
    if args.warm_only:
        return 0
    print()
    peak_gib = max(cold["peak_tree_mib"], warm["peak_tree_mib"]) / 1024
    checks = [
        (f"peak resident memory (tree) <= {GOALS['peak GiB']} GiB", peak_gib, peak_gib <= GOALS["peak GiB"], "GiB"),
        (f"cold wall <= {GOALS['cold / bare']}x bare spaCy", cold["wall"] / bare["wall"], cold["wall"] / bare["wall"] <= GOALS["cold / bare"], "x"),
        (f"warm wall <= {GOALS['warm / bare']}x bare spaCy", warm["wall"] / bare["wall"], warm["wall"] / bare["wall"] <= GOALS["warm / bare"], "x"),
    ]
    for label, value, met, unit in checks:
        print(f"goal: {label}: {value:.2f} {unit} ({'met' if met else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
