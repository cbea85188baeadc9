"""How long validating and loading a novel-sized gold file takes, next to the
floor measured in the same run.

The synthetic corpus imitates PDNC's shape (issue 12): novels of about
900,000 characters, paragraphs separated by blank lines, about 1,300
quotations per novel in curly marks, with what real typography brings:
quotations interrupted by their attribution (fragments), quotations
continued over paragraphs without a closing mark (fragments across the
paragraph break), quotations nested in another one (overlap warnings),
40 characters per novel of whom a few hold thousands of mentions, and
per-quote attributes (``quote_type``, ``addressees``).  Every source names a
file that does not exist, so the missing-source warning is part of the run.
Everything follows from ``--seed``.

Each command runs in a fresh interpreter started the same way, so start-up
counts alike:

- **floor**: read the gold file line by line with the standard ``json``
  module, discarding each object;
- **validate**: ``validate_gold(PATH)`` (what ``quotebench gold validate``
  does, without printing);
- **load**: ``load_gold(PATH)`` (what ``score`` and ``baselines`` do first).

Wall time is the median of ``--repeat`` runs, interleaved; peak memory the
child's maximum resident set size.  Scaling is shown by a second, smaller
corpus (``--small`` novels): the time per quote should not grow with the
number of quotes per document.

    python perf/gold_validation.py                 # 28 novels, and 4 for scaling
    python perf/gold_validation.py --novels 5 --small 1 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = """the a of and to in was her it that she he not you be his as had with for but at on
by my all have which so this one were there would if no what from very they been could any
must much more upon will said such own only how then who little well every never before know
think might should time some good day house room letter morning evening sister mother father
friend moment heart manner thing world nothing nature happiness feeling""".split()
NAMES = """Emma Harriet Knightley Elton Weston Woodhouse Bates Churchill Fairfax Martin Perry
Goddard Dixon Campbell Smith Taylor Cole Otway Gilbert Larkins Elizabeth Darcy Bingley Jane
Lydia Kitty Mary Collins Wickham Gardiner Lucas Charlotte Catherine Anne Fanny Edmund Henry
Tilney Morland Thorpe""".split()
QUOTES_PER_NOVEL = 1_320
CHARACTERS_PER_NOVEL = 900_000


class _Text:
    """A text built piece by piece, each piece's offsets known."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.length = 0

    def add(self, piece: str) -> tuple[int, int]:
        start = self.length
        self.pieces.append(piece)
        self.length += len(piece)
        return start, self.length


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_novel(rng: random.Random, index: int) -> dict:
    people = rng.sample(NAMES, 40)
    ids = [f"n{index}_{name.lower()}" for name in people]
    # A few heroes hold most mentions, as in a novel.
    weights = [200, 120, 80, 50, 30] + [5] * 35
    mentions: dict[int, list[dict]] = {p: [] for p in range(40)}
    quotes: list[dict] = []
    t = _Text()
    quote_every = CHARACTERS_PER_NOVEL / QUOTES_PER_NOVEL

    def name(p: int) -> dict:
        start, end = t.add(people[p])
        span = {"start": start, "end": end}
        mentions[p].append(span)
        return span

    def narration(n_words: int) -> None:
        # narration mentions people, as novels do
        for _ in range(max(1, n_words // 12)):
            t.add(_words(rng, 10) + " ")
            name(rng.choices(range(40), weights)[0])
            t.add(" ")
        t.add(_words(rng, 3) + ".")

    def quote(p: int, parts: list[tuple[int, int]], mention: dict | None, cue: tuple[int, int] | None) -> None:
        q = {"id": f"q{len(quotes) + 1}", "start": parts[0][0], "end": parts[-1][1], "type": "direct",
             "speaker": ids[p], "speaker_mention": mention, "cue": cue and {"start": cue[0], "end": cue[1]}}
        if len(parts) > 1:
            q["fragments"] = [{"start": s, "end": e} for s, e in parts]
        q["attributes"] = {"quote_type": rng.choice(("Explicit", "Anaphoric", "Implicit")),
                           "addressees": [people[rng.choices(range(40), weights)[0]]]}
        quotes.append(q)

    while t.length < CHARACTERS_PER_NOVEL:
        if t.length > quote_every * len(quotes):
            p = rng.choices(range(40), weights)[0]
            shape = rng.random()
            t.add("\u201c")
            first = t.add(_words(rng, rng.randint(5, 25)))
            if shape < 0.5:  # interrupted by its attribution
                t.add(",\u201d ")
                cue = t.add("said")
                t.add(" ")
                mention = name(p)
                t.add(", \u201c")
                second = t.add(_words(rng, rng.randint(5, 25)) + ".")
                t.add("\u201d")
                quote(p, [first, second], mention, cue)
            elif shape < 0.6:  # continued over a paragraph: no closing mark
                t.add("\n\n\u201c")
                second = t.add(_words(rng, rng.randint(20, 60)) + ".")
                t.add("\u201d")
                quote(p, [first, second], None, None)
            elif shape < 0.7:  # holding another speaker's words
                t.add(", and then ")
                other = (p + 1) % 40
                name(other)
                t.add(" said \u2018")
                inner = t.add(_words(rng, rng.randint(3, 10)))
                t.add("\u2019 to me.")
                end = t.length - 1
                t.add("\u201d")
                quote(p, [(first[0], end)], None, None)
                quote(other, [inner], None, None)
            else:
                t.add(".\u201d ")
                mention = name(p)
                t.add(" ")
                cue = t.add("cried")
                t.add(".")
                quote(p, [first], mention, cue)
            t.add("\n\n")
        else:
            narration(rng.randint(30, 90))
            t.add("\n\n")
    text = "".join(t.pieces)
    entities = [{"id": ids[p], "name": people[p], "kind": "person", "aliases": [people[p]], "mentions": mentions[p]}
                for p in range(40)]
    return {"doc_id": f"Novel{index:02d}", "source": f"novels/Novel{index:02d}/novel_text.txt", "text": text,
            "entities": entities, "quotes": quotes}


def write_corpus(path: Path, n_novels: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    n_quotes = n_chars = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n_novels):
            novel = make_novel(rng, i)
            n_quotes += len(novel["quotes"])
            n_chars += len(novel["text"])
            fh.write(json.dumps(novel, ensure_ascii=False) + "\n")
    return n_quotes, n_chars


FLOOR = """
import json, sys
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        json.loads(line)
"""
VALIDATE = """
import sys
from benchmark.gold import validate_gold
report = validate_gold(sys.argv[1])
assert not report.errors, report.errors[:3]
print(len(report.gold.documents), len(report.warnings))
"""
LOAD = """
import sys, warnings
warnings.simplefilter("ignore")
from benchmark.gold import load_gold
load_gold(sys.argv[1])
"""


def run_child(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user and system) and peak resident MiB of
    one child process; raises when it fails."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise RuntimeError(f"{argv[:3]} failed: {err.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(path: Path, repeat: int) -> dict[str, tuple[float, float, float]]:
    """name -> (median wall seconds, median CPU seconds, peak MiB)."""
    argvs = {name: [sys.executable, "-c", code, str(path)] for name, code in (("floor", FLOOR), ("validate", VALIDATE), ("load", LOAD))}
    times: dict[str, list[float]] = {name: [] for name in argvs}
    cpu: dict[str, list[float]] = {name: [] for name in argvs}
    peaks = {name: 0.0 for name in argvs}
    for _ in range(repeat):
        for name, argv in argvs.items():
            seconds, cpu_seconds, mib = run_child(argv)
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
            peaks[name] = max(peaks[name], mib)
    return {name: (statistics.median(times[name]), statistics.median(cpu[name]), peaks[name]) for name in argvs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--novels", type=int, default=28)
    parser.add_argument("--small", type=int, default=4, help="novels of the smaller corpus (scaling)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep-data", type=Path, default=None, help="write the corpora here and keep them")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep_data or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print("wall seconds, CPU seconds (user + system; the fairer figure on a shared machine), ratios to the floor's")
        print(f"{'novels':>6} {'quotes':>7} {'MB':>6} | {'floor':>11} {'validate':>11} {'ratio':>11} | {'load':>11} {'ratio':>11} | "
              f"{'floor MiB':>9} {'valid. MiB':>10} | {'CPU us/quote':>12}")
        for n_novels in sorted({args.small, args.novels}):
            path = folder / f"novels{n_novels}.jsonl"
            n_quotes, _ = write_corpus(path, n_novels, args.seed)
            size = path.stat().st_size / 1e6
            m = measure(path, args.repeat)
            (fw, fc, fm), (vw, vc, vm), (lw, lc, _) = m["floor"], m["validate"], m["load"]
            print(f"{n_novels:>6} {n_quotes:>7} {size:>6.1f} | {fw:>5.2f} {fc:>5.2f} {vw:>5.2f} {vc:>5.2f} {vw / fw:>5.2f} {vc / fc:>5.2f} | "
                  f"{lw:>5.2f} {lc:>5.2f} {lw / fw:>5.2f} {lc / fc:>5.2f} | {fm:>9.0f} {vm:>10.0f} | {1e6 * vc / n_quotes:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
