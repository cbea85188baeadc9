"""What the report site costs the commands that rebuild it, next to scoring
the same run, measured in the same process.

For each size (gold quotes, 10 per document, the synthetic news copy of
``perf/scorer_scaling.py``), with both tracks scored and recorded:

- **score**: ``benchmark.scoring.score`` of the end-to-end submission
  (reading excluded, 1,000 bootstrap resamples): the work ``quotebench
  score`` does anyway;
- **site, first build**: ``build_site`` into an empty site folder (two runs);
- **site, one new run**: the rebuild after one more run is recorded (what
  ``score`` adds; the other runs are carried over);
- **site, nothing new**: the rebuild when nothing changed;
- the site's size on disk and its number of files.

    python perf/site_build.py                  # 10,000 and 100,000 quotes
    python perf/site_build.py --sizes 1000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scorer_scaling import write_corpus  # noqa: E402


def _size(folder: Path) -> tuple[float, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


def measure(n_quotes: int, seed: int, work: Path) -> dict[str, float]:
    from benchmark.gold import load_gold
    from benchmark.leaderboard import record_run
    from benchmark.scoring import score
    from benchmark.site import build_site
    from benchmark.submission import read_predictions

    paths = write_corpus(work / f"data-{n_quotes}", n_quotes, seed)
    results = work / f"results-{n_quotes}"
    gold = load_gold(paths["gold"], check_source=False)
    out: dict[str, float] = {}
    for track in ("attribution", "end-to-end"):
        predictions = read_predictions(paths[track], gold, track)
        started = time.perf_counter()
        result = score(gold, predictions, model="model-a")
        if track == "end-to-end":
            out["score"] = time.perf_counter() - started
        record_run(results, result, predictions_path=paths[track], argv=["perf"])
    started = time.perf_counter()
    build_site(results, gold)
    out["first"] = time.perf_counter() - started
    result["model"] = "model-b"
    record_run(results, result, predictions_path=paths["end-to-end"], argv=["perf"])
    started = time.perf_counter()
    build_site(results, gold)
    out["one_new"] = time.perf_counter() - started
    started = time.perf_counter()
    build_site(results, gold)
    out["nothing_new"] = time.perf_counter() - started
    out["mb"], out["files"] = _size(results / "site")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated numbers of gold quotes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"{'quotes':>8} {'score s':>8} {'first build s':>14} {'x score':>8} {'one new run s':>14} {'x score':>8} {'nothing new s':>14} {'MB':>7} {'files':>6}")
    with tempfile.TemporaryDirectory(prefix="quotebench-site-perf-") as work:
        for n in sizes:
            m = measure(n, args.seed, Path(work))
            print(
                f"{n:>8} {m['score']:>8.2f} {m['first']:>14.2f} {m['first'] / m['score']:>8.2f} {m['one_new']:>14.2f} "
                f"{m['one_new'] / m['score']:>8.2f} {m['nothing_new']:>14.2f} {m['mb']:>7.1f} {int(m['files']):>6}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
