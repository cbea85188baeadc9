"""How the cost of ``quotebench score`` grows with the size of the gold set,
next to two references measured in the same run.

For each size (gold quotes; 10 per document) the script writes a synthetic
gold set and one submission per track, then times, each in a fresh
interpreter started the same way (``python ...``, site packages on, no
warm-up), so that start-up is counted alike in all three:

- **floor**: reading the gold file and the submission line by line with the
  standard ``json`` module, keeping the objects: what any scorer must at
  least do.  The interpreter runs with its defaults, so the floor includes
  the cyclic garbage collector's passes over the objects it keeps;
  ``floor-nogc`` is the same with the collector switched off (as ``quotebench
  score`` switches it off while reading), a stricter reference shown beside
  it;
- **naive**: the floor, a dictionary join of predictions to gold quotes (by
  quote id; end-to-end by exact doc_id/start/end), and one call of
  scikit-learn's ``precision_recall_fscore_support`` over the per-quote
  speaker labels (``average=None``): a scorer without span pairing, name
  resolution or intervals;
- **score**: ``python -m benchmark score PRED --gold GOLD --no-leaderboard``
  with the default settings (1,000 bootstrap resamples), its table printed to
  /dev/null.

Wall time is the median of ``--repeat`` runs (by default 3, and 1 from
1,000,000 quotes up, where one run takes about a minute), the commands interleaved
so that a busy machine slows them alike; peak memory is the child's maximum
resident set size (``os.wait4``), the largest over the repeats.  The growth
exponent is the slope of log time over log size between the two largest
sizes, next to that of n log n over the same range.

The synthetic documents look like news copy: about 3,600 characters, ten
quotes (direct, indirect, mixed, a few discontinuous, a few without a
speaker), six entities drawn from a pool of 20,000 people with their names,
surnames and pronouns as mentions.  The submissions give most quotes a
speaker by full name, surname or pronoun span, some a wrong one, some
abstain; end-to-end spans are shifted by a few characters, some quotes are
missed and some spans are spurious.  Everything follows from ``--seed``.

    python perf/scorer_scaling.py                      # 1k, 10k, 100k, 1M quotes
    python perf/scorer_scaling.py --quick              # a smoke run (1k, 10k)
    python perf/scorer_scaling.py --sizes 1000,100000 --repeat 5 --keep-data /tmp/qb
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACKS = ("attribution", "end-to-end")
QUOTES_PER_DOCUMENT = 10
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 10_000)
GOAL_SIZE = 100_000
LARGE_SIZE = 1_000_000  # measured once by default: a run takes about a minute
GOAL_FLOOR_RATIO = 1.5

# --------------------------------------------------------------------------
# The synthetic corpus

FIRST_NAMES = """Anna Boris Clara David Elena Farid Greta Hassan Irina Jonas Katrin Leonid Maria Nadia Oleg
Petra Rafael Sofia Tomas Ursula Viktor Wanda Yusuf Zara Alexei Beatrice Carlos Dmitri Esther Felix Gloria Hugo
Ines Jakob Kira Lukas Mila Nikolai Olga Pavel""".split()
SURNAMES = """Volkov Navalny Schmidt Rossi Dubois Novak Kowalski Jensen Silva Moreau Fischer Ivanova Costa Weber
Horvat Lindqvist Petrov Garcia Muller Bianchi Nowak Kuznetsov Andersen Fernandes Laurent Wagner Popescu Ricci
Hoffmann Sokolova Marino Nielsen Becker Romano Lefebvre Kovacs Santos Berg Keller Orlov""".split()
TITLES = ("", "", "", "President ", "Minister ", "Dr. ", "spokeswoman ")
WORDS = """the government plan budget vote election council city ministry report parliament court
committee reform tax energy policy border trade union strike market price war peace talks deal crisis
law health school water road bank police army press office spending deficit growth region province
villagers workers farmers students voters officials analysts critics partners neighbours""".split()
VERBS = ("said", "added", "told reporters", "argued", "warned", "explained")
POOL_SIZE = 20_000


def _sentence(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    return " ".join(words).capitalize()


def _person(index: int) -> tuple[str, str, str]:
    """(entity id, full name, surname) of person ``index`` of the pool."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = SURNAMES[(index // len(FIRST_NAMES)) % len(SURNAMES)]
    # the pool is larger than first x last names: a middle initial tells them apart
    initial = chr(ord("A") + index // (len(FIRST_NAMES) * len(SURNAMES)) % 26)
    return f"p{index:05d}", f"{first} {initial}. {last}", last


class _Builder:
    """A document's text, built piece by piece, with the spans of the pieces."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, piece: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(piece)
        self.length += len(piece)
        return start, self.length

    def text(self) -> str:
        return "".join(self.parts)


def make_document(rng: random.Random, doc_index: int) -> dict:
    """One gold document (SPEC section 2) with ten quotes."""
    people = rng.sample(range(POOL_SIZE), 6)
    speakers = people[:4]
    entities = {}
    for p in people:
        eid, name, surname = _person(p)
        entities[p] = {"id": eid, "name": name, "kind": "person", "aliases": [name, surname], "mentions": []}
    pronoun = {p: rng.choice(("he", "she")) for p in people}
    named: set[int] = set()
    b = _Builder()
    quotes = []

    def mention(p: int, capital: bool = False, by_pronoun: bool = False) -> dict:
        entity = entities[p]
        if by_pronoun and p in named:
            word = pronoun[p].capitalize() if capital else pronoun[p]
            span = b.add(word)
        else:
            if p not in named:
                b.add(rng.choice(TITLES))
                span = b.add(entity["name"])
                named.add(p)
            else:
                span = b.add(entity["aliases"][1])
        m = {"start": span[0], "end": span[1]}
        entity["mentions"].append(m)
        return m

    b.add(f"{_sentence(rng, 12)}, the {rng.choice(WORDS)} {rng.choice(WORDS)} announced on Monday.\n\n")
    for q in range(QUOTES_PER_DOCUMENT):
        # background: a sentence, sometimes naming a bystander
        b.add(_sentence(rng, rng.randint(8, 20)) + ". ")
        if rng.random() < 0.5:
            b.add("That was the view of ")
            mention(rng.choice(people[4:]))
            b.add(". ")
        b.add(_sentence(rng, rng.randint(6, 16)) + ".\n\n")
        speaker = rng.choice(speakers)
        kind = rng.random()
        qid = f"q{q + 1:02d}"
        content = _sentence(rng, rng.randint(8, 24))
        if kind < 0.05:  # nobody named: reported speech without a source
            b.add("It was reported that ")
            start, end = b.add(content.lower())
            b.add(".\n\n")
            quotes.append({"id": qid, "start": start, "end": end, "type": "indirect", "speaker": None,
                           "speaker_mention": None, "cue": None})
            continue
        if kind < 0.45:
            b.add("“")
            start, end = b.add(content)
            b.add(",” ")
            m = mention(speaker, by_pronoun=rng.random() < 0.3)
            b.add(" ")
            cue = b.add(rng.choice(VERBS))
            fragments = None
            if kind < 0.10:  # discontinuous: “…,” she said, “…”
                b.add(", “")
                second = b.add(_sentence(rng, rng.randint(6, 14)).lower())
                fragments = [{"start": start, "end": end}, {"start": second[0], "end": second[1]}]
                end = second[1]
                b.add(".”\n\n")
            else:
                b.add(".\n\n")
            quote = {"id": qid, "start": start, "end": end, "type": "direct", "speaker": entities[speaker]["id"],
                     "speaker_mention": m, "cue": {"start": cue[0], "end": cue[1]}}
            if fragments:
                quote["fragments"] = fragments
        elif kind < 0.85:
            m = mention(speaker, capital=True, by_pronoun=rng.random() < 0.3)
            b.add(" ")
            cue = b.add(rng.choice(("said", "argued", "warned")))
            b.add(" that ")
            start, end = b.add(content.lower())
            b.add(".\n\n")
            quote = {"id": qid, "start": start, "end": end, "type": "indirect", "speaker": entities[speaker]["id"],
                     "speaker_mention": m, "cue": {"start": cue[0], "end": cue[1]}}
        else:
            m = mention(speaker, capital=True)
            b.add(" ")
            cue = b.add("said")
            b.add(" ")
            start, _ = b.add(f"the {rng.choice(WORDS)} was “")
            b.add(_sentence(rng, rng.randint(3, 8)).lower())
            _, end = b.add(f"” and {content.lower()}")
            b.add(".\n\n")
            quote = {"id": qid, "start": start, "end": end, "type": "mixed", "speaker": entities[speaker]["id"],
                     "speaker_mention": m, "cue": {"start": cue[0], "end": cue[1]}}
        quotes.append(quote)
    return {
        "doc_id": f"d{doc_index:06d}",
        "source": f"synthetic/d{doc_index:06d}.txt",  # not a file: no source check
        "text": b.text(),
        "entities": [e for e in entities.values() if e["mentions"]],
        "quotes": quotes,
    }


def _predicted_speaker(rng: random.Random, document: dict, quote: dict) -> dict:
    """The speaker fields of one prediction: mostly right (by full name,
    surname, or a pronoun's span), sometimes another entity of the document,
    a name that is no entity, or an abstention."""
    by_id = {e["id"]: e for e in document["entities"]}
    r = rng.random()
    gold = by_id.get(quote["speaker"])
    if r < 0.03:
        return {"speaker": None}
    if r < 0.06:
        return {"speaker": "an unnamed official"}
    if gold is None or r < 0.16:
        other = rng.choice(document["entities"])
        return {"speaker": other["aliases"][rng.randrange(2)]}
    out: dict = {"speaker": gold["aliases"][rng.randrange(2)]}
    mention = quote["speaker_mention"]
    text = document["text"]
    if mention and text[mention["start"]:mention["end"]].lower() in ("he", "she"):
        out["speaker"] = text[mention["start"]:mention["end"]]  # a pronoun: credited through its span
    if mention and (rng.random() < 0.5 or out["speaker"] in ("he", "she", "He", "She")):
        out["speaker_start"], out["speaker_end"] = mention["start"], mention["end"]
    return out


def make_predictions(rng: random.Random, document: dict) -> tuple[list[dict], list[dict]]:
    """The rows of one document in the attribution and end-to-end tracks."""
    attribution, end_to_end = [], []
    length = len(document["text"])
    for quote in document["quotes"]:
        if rng.random() < 0.95:
            attribution.append({"doc_id": document["doc_id"], "quote_id": quote["id"], **_predicted_speaker(rng, document, quote)})
        if rng.random() < 0.9:
            start = max(0, quote["start"] + rng.randint(-3, 3))
            end = min(length, max(start + 1, quote["end"] + rng.randint(-3, 3)))
            end_to_end.append({"doc_id": document["doc_id"], "start": start, "end": end, **_predicted_speaker(rng, document, quote)})
    # one spurious span per document, where a background sentence is
    start = rng.randrange(0, max(1, length - 120))
    end_to_end.append({"doc_id": document["doc_id"], "start": start, "end": start + 80, "speaker": rng.choice(document["entities"])["name"]})
    rng.shuffle(end_to_end)  # the scorer must not depend on the order of lines
    return attribution, end_to_end


def write_corpus(folder: Path, n_quotes: int, seed: int) -> dict[str, Path]:
    """Write gold.jsonl and one submission per track; return their paths.
    Files already there (from the same size and seed) are reused."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"gold": folder / "gold.jsonl", **{t: folder / f"{t}.jsonl" for t in TRACKS}}
    done = folder / "complete"
    if done.exists() and done.read_text() == f"{n_quotes} {seed}":
        return paths
    rng = random.Random(seed)
    n_documents = max(1, n_quotes // QUOTES_PER_DOCUMENT)
    dumps = json.dumps
    with open(paths["gold"], "w", encoding="utf-8") as gold, open(paths["attribution"], "w", encoding="utf-8") as attr, \
            open(paths["end-to-end"], "w", encoding="utf-8") as e2e:
        for d in range(n_documents):
            document = make_document(rng, d)
            gold.write(dumps(document, ensure_ascii=False) + "\n")
            rows_attr, rows_e2e = make_predictions(rng, document)
            attr.writelines(dumps(row, ensure_ascii=False) + "\n" for row in rows_attr)
            e2e.writelines(dumps(row, ensure_ascii=False) + "\n" for row in rows_e2e)
    done.write_text(f"{n_quotes} {seed}")
    return paths


# --------------------------------------------------------------------------
# The references, each run as `python -c CODE GOLD PRED TRACK`

FLOOR = """
import json, sys
if sys.argv[4:] == ["nogc"]:
    import gc; gc.disable()
def read(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
gold, predictions = read(sys.argv[1]), read(sys.argv[2])
"""

NAIVE = FLOOR + """
from sklearn.metrics import precision_recall_fscore_support
track = sys.argv[3]
names = {}
truth = {}
for doc in gold:
    for e in doc["entities"]:
        names[e["id"]] = e["name"]
    for q in doc["quotes"]:
        key = (doc["doc_id"], q["id"]) if track == "attribution" else (doc["doc_id"], q["start"], q["end"])
        truth[key] = names.get(q["speaker"], "")
guessed = {}
for row in predictions:
    key = (row["doc_id"], row["quote_id"]) if track == "attribution" else (row["doc_id"], row["start"], row["end"])
    guessed[key] = row["speaker"] or ""
keys = list(truth.keys() | guessed.keys())
y_true = [truth.get(k, "") for k in keys]
y_pred = [guessed.get(k, "") for k in keys]
labels = sorted(set(y_true) - {""})
precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
"""


def run_child(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one child process; raises when it fails."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv[:4])} ... failed ({child.returncode}): {err.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024  # Linux: KiB


def commands(paths: dict[str, Path], track: str) -> dict[str, list[str]]:
    python = sys.executable
    files = [str(paths["gold"]), str(paths[track]), track]
    return {
        "floor": [python, "-c", FLOOR, *files],
        "floor-nogc": [python, "-c", FLOOR, *files, "nogc"],
        "naive": [python, "-c", NAIVE, *files],
        "score": [python, "-m", "benchmark", "score", str(paths[track]), "--gold", str(paths["gold"]),
                  "--track", track, "--name", "synthetic", "--no-leaderboard"],
    }


def measure(paths: dict[str, Path], track: str, repeat: int, cwd: Path) -> dict[str, tuple[float, float]]:
    """name -> (median seconds, peak MiB) for floor, floor-nogc, naive and score."""
    argvs = commands(paths, track)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    peaks: dict[str, float] = {name: 0.0 for name in argvs}
    for _ in range(repeat):
        for name, argv in argvs.items():
            seconds, mib = run_child(argv, cwd)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], mib)
    return {name: (statistics.median(times[name]), peaks[name]) for name in argvs}


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(seconds) over log(size) between the two largest sizes."""
    (n1, t1), (n2, t2) = sorted(zip(sizes, seconds))[-2:]
    return math.log(t2 / t1) / math.log(n2 / n1)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), Python {sys.version.split()[0]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=None, help="comma-separated numbers of gold quotes (default: 1000,10000,100000,1000000)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per measurement; the median is shown (default: 3, and 1 from 1,000,000 quotes up)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: sizes 1000,10000, one run each")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default: 0)")
    parser.add_argument("--keep-data", metavar="DIR", default=None, help="write (and reuse) the synthetic files here instead of a temporary folder")
    args = parser.parse_args(argv)
    if args.sizes:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    else:
        sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    if not sizes or min(sizes) < QUOTES_PER_DOCUMENT or repeat < 1:
        parser.error(f"sizes must be at least {QUOTES_PER_DOCUMENT} quotes and --repeat at least 1")

    def repeats(n: int) -> int:
        return repeat if args.repeat is not None or n < LARGE_SIZE else 1

    print(f"quotebench score scaling on {machine()}; median of {repeat} run(s)"
          f"{'' if args.repeat is not None else f' (1 from {LARGE_SIZE:,} quotes up)'}; default settings, --no-leaderboard", flush=True)
    with tempfile.TemporaryDirectory(prefix="quotebench-perf-") as tmp:
        data_root = Path(args.keep_data) if args.keep_data else Path(tmp)
        rows = []
        smallest = None
        for n in sizes:
            started = time.perf_counter()
            paths = write_corpus(data_root / f"n{n}-seed{args.seed}", n, args.seed)
            smallest = smallest or paths
            mib = paths["gold"].stat().st_size / 2**20
            print(f"  {n:,} quotes: data ready ({mib:,.0f} MiB gold, {time.perf_counter() - started:.1f} s); measuring ...", file=sys.stderr, flush=True)
            for track in TRACKS:
                result = measure(paths, track, repeats(n), cwd=Path(tmp))
                rows.append((n, track, result))
                floor, naive, score = (result[k][0] for k in ("floor", "naive", "score"))
                print(f"    {track}: floor {floor:.2f} s, naive {naive:.2f} s, score {score:.2f} s", file=sys.stderr, flush=True)
        startup = measure_startup(smallest, repeat=max(repeat, 5))

    header = ("quotes", "track", "floor s", "naive s", "score s", "score/floor", "score/naive", "peak MiB",
              "floor MiB", "floor-nogc s", "score/floor-nogc")
    table = [header]
    for n, track, result in rows:
        floor, naive, score, strict = (result[k][0] for k in ("floor", "naive", "score", "floor-nogc"))
        table.append((f"{n:,}", track, f"{floor:.3f}", f"{naive:.3f}", f"{score:.3f}", f"{score / floor:.2f}",
                      f"{score / naive:.2f}", f"{result['score'][1]:.0f}", f"{result['floor'][1]:.0f}",
                      f"{strict:.3f}", f"{score / strict:.2f}"))
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    print()
    for i, r in enumerate(table):
        print("  ".join(cell.ljust(w) if c < 2 else cell.rjust(w) for c, (cell, w) in enumerate(zip(r, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))

    if len(sizes) >= 2:
        n1, n2 = sizes[-2], sizes[-1]
        reference = math.log(n2 * math.log(n2) / (n1 * math.log(n1))) / math.log(n2 / n1)
        print(f"\ngrowth exponent between {n1:,} and {n2:,} quotes (time ~ n^k; n log n has k = {reference:.2f}):")
        for track in TRACKS:
            got = {kind: growth_exponent([n for n, t, _ in rows if t == track], [r[kind][0] for _, t, r in rows if t == track])
                   for kind in ("floor", "floor-nogc", "naive", "score")}
            print(f"  {track:<12} score k = {got['score']:.2f}   (floor {got['floor']:.2f}, floor-nogc {got['floor-nogc']:.2f}, naive {got['naive']:.2f})")

    goals = [(t, r) for n, t, r in rows if n == GOAL_SIZE]
    if goals:
        print(f"\ngoal at {GOAL_SIZE:,} quotes: score <= {GOAL_FLOOR_RATIO}x floor and faster than naive")
        for track, r in goals:
            ratio_floor, ratio_naive = r["score"][0] / r["floor"][0], r["score"][0] / r["naive"][0]
            met = ratio_floor <= GOAL_FLOOR_RATIO and ratio_naive < 1
            strict = r["score"][0] / r["floor-nogc"][0]
            print(f"  {track:<12} {ratio_floor:.2f}x floor, {ratio_naive:.2f}x naive: {'met' if met else 'NOT met'}"
                  f"   ({strict:.2f}x floor-nogc)")
    largest = [(n, t, r) for n, t, r in rows if n == sizes[-1]]
    if sizes[-1] >= 1_000_000:
        for n, track, r in largest:
            print(f"  peak memory at {n:,} quotes, {track}: {r['score'][1]:,.0f} MiB ({'under' if r['score'][1] < 2048 else 'OVER'} 2 GiB)")
    bare, board = startup
    print(f"\nstart-up (median of {max(repeat, 5)}): python -c pass {bare:.3f} s; quotebench leaderboard {board:.3f} s; "
          f"difference {board - bare:.3f} s (goal: under 1.5 s: {'met' if board - bare < 1.5 else 'NOT met'})")
    return 0


def measure_startup(paths: dict[str, Path], repeat: int) -> tuple[float, float]:
    """Median seconds of a bare ``python -c pass`` and of ``python -m
    benchmark leaderboard`` printing a leaderboard of one row."""
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="quotebench-startup-") as tmp:
        record = [python, "-m", "benchmark", "score", str(paths["attribution"]), "--gold", str(paths["gold"]),
                  "--name", "synthetic", "--results", tmp, "--bootstrap", "10"]
        run_child(record, Path(tmp))
        argvs = [[python, "-c", "pass"], [python, "-m", "benchmark", "leaderboard", "--results", tmp]]
        times: list[list[float]] = [[], []]
        for _ in range(repeat):
            for i, argv in enumerate(argvs):
                times[i].append(run_child(argv, Path(tmp))[0])
    return statistics.median(times[0]), statistics.median(times[1])


if __name__ == "__main__":
    sys.exit(main())
