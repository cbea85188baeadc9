"""``quotebench score`` against its physical floor, in two shapes of
synthetic data (issue 13).

For each shape and size (gold quotes; 10 per document) the script writes a
synthetic gold set and one submission per track, then times, each in a fresh
interpreter started the same way (``python ...``, site packages on), so
that start-up counts alike:

- **floor**: both files parsed line by line with the standard ``json``
  module, each object discarded at once, the interpreter with its default
  settings (no list kept, cyclic collector on): what any scorer must at
  least do;
- **score**: ``python -m benchmark score PRED --gold GOLD --track T
  --no-leaderboard`` with the default settings (1,000 bootstrap resamples,
  intervals included), its table printed to /dev/null, the gold set's columns
  read from the cache next to the gold file (written by one run before the
  timed ones): what a user pays from the second score on;
- **no-cache**: the same with ``--no-cache``: the gold file validated and its
  objects built, what the first score pays;
- **first run** (peak memory only): ``score`` once before the timed runs, its
  cache entry removed first, so that it validates the gold file and writes
  the entry, as a user's first score on a gold file does.

The cost of hashing the gold file (how a cached score finds its entry, and
what the signature needs anyway) is measured on its own beside them.  Wall
time is the median of ``--repeat`` runs, the commands interleaved so that a
busy machine slows them alike; so is CPU time (user + system, from
``os.wait4``), which a machine shared with other work inflates less than
wall time; peak memory is the child's maximum resident set size, the largest
over the repeats.  Every child keeps its compiled bytecode (see
:func:`child_environment`).

Shapes: ``long`` documents look like news copy, about 3,600 characters with
background sentences between ten quotes (direct, indirect, mixed, a few
discontinuous, a few without a speaker), six entities drawn from a pool of
20,000 people with their names, surnames and pronouns as mentions; ``short``
documents, about 600 characters, are the ten quotes one after the other
(issue 13's 10,000 documents of 10 quotes at 100,000 quotes).  The
submissions give most quotes a speaker by full name, surname or pronoun
span, some a wrong one, some abstain; end-to-end spans are shifted by a few
characters, some quotes are missed and some spans are spurious.  Everything
follows from ``--seed``.

    python perf/scorer_scaling.py                      # short and long, 10k and 100k quotes
    python perf/scorer_scaling.py --quick              # a smoke run (1k, 10k)
    python perf/scorer_scaling.py --sizes 1000000 --repeat 1 --keep-data /tmp/qb   # memory at 1M
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACKS = ("attribution", "end-to-end")
QUOTES_PER_DOCUMENT = 10
DEFAULT_SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
GOAL_SIZE = 100_000
LARGE_SIZE = 1_000_000  # not among the default sizes: writing its data takes minutes
GOAL_FLOOR_RATIO = 1.0

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


def make_document(rng: random.Random, doc_index: int, shape: str = "long") -> dict:
    """One gold document (SPEC section 2) with ten quotes: about 3,600
    characters (``long``: background sentences between the quotes) or about
    600 (``short``: the quotes one after the other, shorter)."""
    long = shape == "long"
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

    if long:
        b.add(f"{_sentence(rng, 12)}, the {rng.choice(WORDS)} {rng.choice(WORDS)} announced on Monday.\n\n")
    for q in range(QUOTES_PER_DOCUMENT):
        if long:  # background: a sentence, sometimes naming a bystander
            b.add(_sentence(rng, rng.randint(8, 20)) + ". ")
            if rng.random() < 0.5:
                b.add("That was the view of ")
                mention(rng.choice(people[4:]))
                b.add(". ")
            b.add(_sentence(rng, rng.randint(6, 16)) + ".\n\n")
        elif rng.random() < 0.2:  # a bystander, now and then
            mention(rng.choice(people[4:]), capital=True)
            b.add(" listened. ")
        speaker = rng.choice(speakers)
        kind = rng.random()
        qid = f"q{q + 1:02d}"
        content = _sentence(rng, rng.randint(8, 24) if long else rng.randint(2, 5))
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
                second = b.add(_sentence(rng, rng.randint(6, 14) if long else rng.randint(2, 4)).lower())
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
            b.add(_sentence(rng, rng.randint(3, 8) if long else rng.randint(1, 3)).lower())
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
    if all((row["start"], row["end"]) != (start, start + 80) for row in end_to_end):  # a span is given once
        end_to_end.append({"doc_id": document["doc_id"], "start": start, "end": start + 80, "speaker": rng.choice(document["entities"])["name"]})
    rng.shuffle(end_to_end)  # the scorer must not depend on the order of lines
    return attribution, end_to_end


def write_corpus(folder: Path, n_quotes: int, seed: int, shape: str) -> dict[str, Path]:
    """Write gold.jsonl and one submission per track; return their paths.
    Files already there (from the same size, seed and shape) are reused."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"gold": folder / "gold.jsonl", **{t: folder / f"{t}.jsonl" for t in TRACKS}}
    done = folder / "complete"
    if done.exists() and done.read_text() == f"{n_quotes} {seed} {shape}":
        return paths
    rng = random.Random(seed)
    n_documents = max(1, n_quotes // QUOTES_PER_DOCUMENT)
    dumps = json.dumps
    with open(paths["gold"], "w", encoding="utf-8") as gold, open(paths["attribution"], "w", encoding="utf-8") as attr, \
            open(paths["end-to-end"], "w", encoding="utf-8") as e2e:
        for d in range(n_documents):
            document = make_document(rng, d, shape)
            gold.write(dumps(document, ensure_ascii=False) + "\n")
            rows_attr, rows_e2e = make_predictions(rng, document)
            attr.writelines(dumps(row, ensure_ascii=False) + "\n" for row in rows_attr)
            e2e.writelines(dumps(row, ensure_ascii=False) + "\n" for row in rows_e2e)
    done.write_text(f"{n_quotes} {seed} {shape}")
    return paths


# --------------------------------------------------------------------------
# The commands, each in a fresh interpreter

FLOOR = """
import json, sys
for path in sys.argv[1:3]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                json.loads(line)
"""
"""The floor (issue 13): both files parsed line by line with json.loads, each
object discarded, in an interpreter with its default settings (collector on)."""


def child_environment(cwd: Path) -> dict[str, str]:
    """The environment of every timed child: this one's, except that Python
    keeps the bytecode it compiles (in a folder of the run's own, outside the
    tree), as an installed package has it; a shell that sets
    PYTHONDONTWRITEBYTECODE would otherwise have every run of ``score``
    compile quotebench's modules again, which the floor (the standard library
    only) never does."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cwd / "pycache")
    return env


def run_child(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, peak resident MiB and CPU seconds (user + system) of
    one child process; raises when it fails."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=child_environment(cwd))
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv[:4])} ... failed ({child.returncode}): {err.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # Linux: KiB


def commands(paths: dict[str, Path], track: str) -> dict[str, list[str]]:
    python = sys.executable
    score = [python, "-m", "benchmark", "score", str(paths[track]), "--gold", str(paths["gold"]),
             "--track", track, "--name", "synthetic", "--no-leaderboard"]
    return {
        "floor": [python, "-c", FLOOR, str(paths["gold"]), str(paths[track])],
        "score": score,  # the gold set's columns from the cache (warmed before timing)
        "no-cache": [*score, "--no-cache"],  # the gold file validated, as without a cache
    }


def measure(paths: dict[str, Path], track: str, repeat: int, cwd: Path) -> dict[str, tuple[float, float, float]]:
    """name -> (median wall seconds, peak MiB, median CPU seconds) for floor,
    score and no-cache; and for ``first``, the one untimed run before them
    that finds no cache entry (it is removed), validates the gold file and
    writes the entry: a user's first score."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmark.gold_cache import CACHE_FOLDER_NAME

    argvs = commands(paths, track)
    # the first score on this gold file: no entry yet, the file validated and the entry written
    shutil.rmtree(paths["gold"].parent / CACHE_FOLDER_NAME, ignore_errors=True)
    first = run_child(argvs["score"], cwd)
    times: dict[str, list[float]] = {name: [] for name in argvs}
    cpu: dict[str, list[float]] = {name: [] for name in argvs}
    peaks: dict[str, float] = {name: 0.0 for name in argvs}
    for _ in range(repeat):
        for name, argv in argvs.items():
            seconds, mib, cpu_seconds = run_child(argv, cwd)
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
            peaks[name] = max(peaks[name], mib)
    return {"first": first, **{name: (statistics.median(times[name]), peaks[name], statistics.median(cpu[name])) for name in argvs}}


def hashing_seconds(path: Path, repeat: int) -> float:
    """Median seconds to hash the gold file, which a cached score does to find its entry."""
    sys.path.insert(0, str(ROOT))
    from benchmark.gold_cache import file_sha256

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        file_sha256(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
    parser.add_argument("--sizes", default=None, help="comma-separated numbers of gold quotes (default: 10000,100000)")
    parser.add_argument("--shapes", default="short,long", help="comma-separated: short (about 600 characters a document), long (about 3,600)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is shown (default: 3)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1,000 and 10,000 quotes, one run each")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default: 0)")
    parser.add_argument("--keep-data", metavar="DIR", default=None, help="write (and reuse) the synthetic files here instead of a temporary folder")
    args = parser.parse_args(argv)
    if args.sizes:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    else:
        sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    repeat = 1 if args.quick else args.repeat
    if not sizes or min(sizes) < QUOTES_PER_DOCUMENT or repeat < 1 or not set(shapes) <= {"short", "long"}:
        parser.error(f"sizes must be at least {QUOTES_PER_DOCUMENT} quotes, --repeat at least 1, shapes short and/or long")

    print(f"quotebench score against the floor on {machine()}; median of {repeat} run(s); default settings, --no-leaderboard", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="quotebench-perf-") as tmp:
        data_root = Path(args.keep_data) if args.keep_data else Path(tmp)
        for shape in shapes:
            for n in sizes:
                started = time.perf_counter()
                paths = write_corpus(data_root / f"{shape}-n{n}-seed{args.seed}", n, args.seed, shape)
                mib = paths["gold"].stat().st_size / 2**20
                print(f"  {shape}, {n:,} quotes: data ready ({mib:,.1f} MiB gold, {time.perf_counter() - started:.1f} s); measuring ...",
                      file=sys.stderr, flush=True)
                hashing = hashing_seconds(paths["gold"], max(repeat, 3))
                for track in TRACKS:
                    result = measure(paths, track, repeat, cwd=Path(tmp))
                    rows.append((shape, n, track, mib, hashing, result))
                    print(f"    {track}: floor {result['floor'][0]:.2f} s, score {result['score'][0]:.2f} s, "
                          f"--no-cache {result['no-cache'][0]:.2f} s", file=sys.stderr, flush=True)

    header = ("shape", "quotes", "track", "gold MiB", "floor s", "score s", "score/floor", "sha256 s",
              "no-cache s", "no-cache/floor", "CPU score/floor", "CPU no-cache/floor", "peak MiB", "no-cache MiB", "first-run MiB")
    table = [header]
    for shape, n, track, mib, hashing, r in rows:
        floor, score, cold = r["floor"][0], r["score"][0], r["no-cache"][0]
        table.append((shape, f"{n:,}", track, f"{mib:,.1f}", f"{floor:.3f}", f"{score:.3f}", f"{score / floor:.2f}",
                      f"{hashing:.3f}", f"{cold:.3f}", f"{cold / floor:.2f}", f"{r['score'][2] / r['floor'][2]:.2f}",
                      f"{r['no-cache'][2] / r['floor'][2]:.2f}", f"{r['score'][1]:,.0f}", f"{r['no-cache'][1]:,.0f}",
                      f"{r['first'][1]:,.0f}"))
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    print()
    for i, r in enumerate(table):
        print("  ".join(cell.ljust(w) if c < 3 else cell.rjust(w) for c, (cell, w) in enumerate(zip(r, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))

    goals = [(shape, track, r) for shape, n, track, _, _, r in rows if n == GOAL_SIZE]
    if goals:
        print(f"\ngoal at {GOAL_SIZE:,} quotes: score (gold from the cache) at most {GOAL_FLOOR_RATIO}x the floor")
        for shape, track, r in goals:
            ratio, cpu_ratio = r["score"][0] / r["floor"][0], r["score"][2] / r["floor"][2]
            print(f"  {shape:<5} {track:<12} {ratio:.2f}x floor: {'met' if ratio <= GOAL_FLOOR_RATIO else 'NOT met'}"
                  f" (CPU time {cpu_ratio:.2f}x: {'met' if cpu_ratio <= GOAL_FLOOR_RATIO else 'NOT met'})")
    for shape, n, track, _, _, r in rows:
        if n >= LARGE_SIZE:
            peak = max(r["score"][1], r["no-cache"][1], r["first"][1])
            print(f"  peak memory at {n:,} quotes, {shape}, {track}: {r['score'][1]:,.0f} MiB from the cache, "
                  f"{r['no-cache'][1]:,.0f} MiB validating, {r['first'][1]:,.0f} MiB on the first run "
                  f"({'within' if peak <= 1024 else 'OVER'} 1 GiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
