"""Is model A really better than model B on this gold set?  (``quotebench compare``)

Two recorded runs of the same signature are paired unit by unit, a unit
being what the score's confidence intervals resample (a document, or a quote
when the gold set has one document; see ``result["units"]``).  Each unit
carries its counts (tp, predicted, gold), and micro F1 is recomputed from the
summed counts as ``2 * tp / (predicted + gold)``, which equals
``2 * P * R / (P + R)`` with undefined ratios taken as 0.

- **Difference**: ``F1(A) - F1(B)`` on the whole gold set.
- **95% interval**: paired bootstrap percentile interval: units are resampled
  with replacement, the same units for both runs, and the difference is
  recomputed in each resample.
- **p-value**: two-sided approximate randomisation (Noreen 1989; Yeh 2000):
  under the null hypothesis that A and B are interchangeable, each unit's
  pair of outputs is swapped with probability 1/2; p is the share of
  shuffles whose absolute difference is at least the observed one, counting
  the observed arrangement itself (``(k + 1) / (R + 1)``), so it is never 0
  and is exactly 1 for two identical runs.

Both use a fixed seed.  When p is not below 0.05 the report says plainly
that the gold set cannot tell the two models apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from benchmark.errors import UsageError
from benchmark.wording import counted

if TYPE_CHECKING:  # the declared shape of a score result; scoring itself is not imported here
    from benchmark.scoring import ScoreResult

ALPHA = 0.05
# Weight matrices are built in slices of at most this many cells.
_CHUNK_CELLS = 2_000_000


def _micro_f1(tp: np.ndarray, predicted: np.ndarray, gold: np.ndarray) -> np.ndarray:
    denominator = predicted + gold
    return np.divide(2.0 * tp, denominator, out=np.zeros(np.broadcast(tp, denominator).shape), where=denominator > 0)


def _paired_units(result_a: ScoreResult, result_b: ScoreResult) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """The shared units in one order, and each run's (tp, predicted, gold)
    counts as arrays of shape (3, n_units); refuses runs that cannot be paired."""
    name_a, name_b = result_a["model"], result_b["model"]
    if result_a["signature"] != result_b["signature"]:
        raise UsageError(
            f"cannot compare {name_a} and {name_b}: different signatures "
            f"({result_a['signature']} vs {result_b['signature']}); results of different signatures are never compared"
        )
    units_a = {u["unit"]: u for u in result_a["units"]}
    units_b = {u["unit"]: u for u in result_b["units"]}
    if units_a.keys() != units_b.keys() or any(units_a[k]["gold"] != units_b[k]["gold"] for k in units_a):
        only_a = sorted(map(str, units_a.keys() - units_b.keys()))[:3]
        only_b = sorted(map(str, units_b.keys() - units_a.keys()))[:3]
        detail = f"units only in {name_a}: {only_a}, only in {name_b}: {only_b}" if only_a or only_b else "gold counts per unit differ"
        raise UsageError(f"cannot compare {name_a} and {name_b}: their runs are not on the same units ({detail})")
    if not units_a:
        raise UsageError(f"cannot compare {name_a} and {name_b}: the runs have no units")
    order = sorted(units_a, key=str)
    counts_a = np.array([[units_a[k]["tp"], units_a[k]["predicted"], units_a[k]["gold"]] for k in order], dtype=np.float64).T
    counts_b = np.array([[units_b[k]["tp"], units_b[k]["predicted"], units_b[k]["gold"]] for k in order], dtype=np.float64).T
    return order, counts_a, counts_b


def _bootstrap_differences(counts_a: np.ndarray, counts_b: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    n = counts_a.shape[1]
    # Resampling n units with replacement == multinomial counts of how often
    # each unit is drawn; summed counts are then one matrix product.
    columns = np.vstack([counts_a, counts_b[:2]]).T  # (n, 5): tp_a, pred_a, gold, tp_b, pred_b
    differences = np.empty(n_resamples)
    step = max(1, _CHUNK_CELLS // n)
    for start in range(0, n_resamples, step):
        size = min(step, n_resamples - start)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=size)
        tp_a, pred_a, gold, tp_b, pred_b = (weights @ columns).T
        differences[start:start + size] = _micro_f1(tp_a, pred_a, gold) - _micro_f1(tp_b, pred_b, gold)
    return differences


def _randomisation_differences(counts_a: np.ndarray, counts_b: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    n = counts_a.shape[1]
    total_a, total_b = counts_a.sum(axis=1), counts_b.sum(axis=1)
    # Swapping unit i moves (b_i - a_i) from B's totals to A's.
    shifts = (counts_b[:2] - counts_a[:2]).T  # (n, 2): tp, predicted
    gold = total_a[2]
    differences = np.empty(n_resamples)
    step = max(1, _CHUNK_CELLS // n)
    for start in range(0, n_resamples, step):
        size = min(step, n_resamples - start)
        swaps = (rng.random((size, n)) < 0.5).astype(np.float64)
        d_tp, d_pred = (swaps @ shifts).T
        f1_a = _micro_f1(total_a[0] + d_tp, total_a[1] + d_pred, gold)
        f1_b = _micro_f1(total_b[0] - d_tp, total_b[1] - d_pred, gold)
        differences[start:start + size] = f1_a - f1_b
    return differences


def compare(result_a: ScoreResult, result_b: ScoreResult, *, n_resamples: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """Paired comparison of two score results of the same signature.

    Returns the models' micro F1, ``difference`` = F1(A) - F1(B), its 95%
    paired bootstrap ``ci``, the two-sided approximate randomisation
    ``p_value``, ``n_units`` and ``n_differing_units`` (units whose counts
    differ between the runs: only those can move the test), ``significant``
    (p < 0.05) and a plain-words ``verdict``.
    """
    if n_resamples < 1:
        raise UsageError(f"--resamples must be at least 1, got {n_resamples}")
    units, counts_a, counts_b = _paired_units(result_a, result_b)
    bootstrap_seed, randomisation_seed = np.random.SeedSequence(seed).spawn(2)

    total_a, total_b = counts_a.sum(axis=1), counts_b.sum(axis=1)
    f1_a = float(_micro_f1(total_a[0], total_a[1], total_a[2]))
    f1_b = float(_micro_f1(total_b[0], total_b[1], total_b[2]))
    observed = f1_a - f1_b

    boot = _bootstrap_differences(counts_a, counts_b, n_resamples, np.random.default_rng(bootstrap_seed))
    low, high = np.quantile(boot, [ALPHA / 2, 1 - ALPHA / 2])
    shuffled = _randomisation_differences(counts_a, counts_b, n_resamples, np.random.default_rng(randomisation_seed))
    # The tolerance keeps float noise from deciding ties with the observed value.
    at_least_as_far = int(np.count_nonzero(np.abs(shuffled) >= abs(observed) - 1e-12))
    p_value = (at_least_as_far + 1) / (n_resamples + 1)
    n_differing = int(np.count_nonzero(np.any(counts_a[:2] != counts_b[:2], axis=0)))

    comparison = {
        "model_a": result_a["model"],
        "model_b": result_b["model"],
        "signature": result_a["signature"],
        "track": result_a["track"],
        "unit": (result_a.get("ci") or {}).get("unit", "unit"),
        "n_units": len(units),
        "n_differing_units": n_differing,
        "n_gold": result_a.get("n_gold"),
        "n_gold_with_speaker": int(total_a[2]),
        "f1_a": f1_a,
        "f1_b": f1_b,
        "difference": observed,
        "ci": [float(low), float(high)],
        "level": 1 - ALPHA,
        "p_value": p_value,
        "n_resamples": n_resamples,
        "seed": seed,
        "significant": p_value < ALPHA,
    }
    comparison["verdict"] = _verdict(comparison)
    return comparison


def _verdict(c: dict[str, Any]) -> str:
    a, b, unit = c["model_a"], c["model_b"], c["unit"]
    if c["n_differing_units"] == 0:
        return f"{a} and {b} have the same counts in every {unit}: there is nothing to tell apart."
    if c["significant"]:
        better, worse = (a, b) if c["difference"] > 0 else (b, a)
        return f"{better} is better than {worse}: the difference is significant at the 5% level (p = {c['p_value']:.4f})."
    verdict = (
        f"No significant difference (p = {c['p_value']:.4f} >= 0.05): this gold set ({_gold_size(c)}) "
        f"is too small to tell {a} and {b} apart."
    )
    # With k differing units, the most extreme of the 2**k swaps has p = 2 / 2**k.
    if 2.0 / 2 ** c["n_differing_units"] >= ALPHA:
        k = c["n_differing_units"]
        verdict += f" Only {k} {unit}{' differs' if k == 1 else 's differ'} between the runs: no difference could be significant."
    return verdict


def _gold_size(c: dict[str, Any]) -> str:
    """"12 quotes" when the units are quotes, else "3 documents, 12 quotes"."""
    quotes = counted(c["n_gold"], "quote")
    return quotes if c["unit"] == "quote" else f"{counted(c['n_units'], c['unit'])}, {quotes}"


def format_comparison(c: dict[str, Any], micro_a: dict[str, Any], micro_b: dict[str, Any]) -> str:
    width = max(len(c["model_a"]), len(c["model_b"]), 5)
    if c["unit"] == "quote":
        paired = f"paired over {counted(c['n_units'], 'quote')} ({c['n_differing_units']} with different counts)"
    else:
        paired = (f"paired over {counted(c['n_units'], c['unit'])} ({c['n_differing_units']} with different counts), "
                  f"{counted(c['n_gold'], 'gold quote')}")
    lines = [
        f"A = {c['model_a']}, B = {c['model_b']}: {c['track']} track  ({c['signature']})",
        f"{paired}, {c['n_gold_with_speaker']} with a speaker",
        "",
        f"{'model':<{width}}  precision  recall      F1",
        f"{c['model_a']:<{width}}  {micro_a['precision']:9.4f}  {micro_a['recall']:6.4f}  {c['f1_a']:6.4f}",
        f"{c['model_b']:<{width}}  {micro_b['precision']:9.4f}  {micro_b['recall']:6.4f}  {c['f1_b']:6.4f}",
        "",
        f"F1 difference A - B: {c['difference']:+.4f}, 95% CI [{c['ci'][0]:+.4f}, {c['ci'][1]:+.4f}] "
        f"(paired bootstrap over {c['unit']}s, {c['n_resamples']} resamples, seed {c['seed']})",
        f"p-value: {c['p_value']:.4f} (two-sided approximate randomisation over {c['unit']}s, "
        f"{c['n_resamples']} shuffles, seed {c['seed']})",
        c["verdict"],
    ]
    return "\n".join(lines)


def shared_runs(results_dir: str, name_a: str, name_b: str, track: str | None = None) -> list[tuple[dict, dict]]:
    """(record of A, record of B) for every signature under which both models
    have a recorded run (the latest run of each), in signature order; a
    :class:`UsageError` when either has no run or they share no signature."""
    from benchmark.contract import check_model_name
    from benchmark.leaderboard import LEADERBOARD_FILE, leaderboard_rows, load_record

    check_model_name(name_a)
    check_model_name(name_b)
    rows = leaderboard_rows(results_dir, track)
    where = f"{results_dir}/{LEADERBOARD_FILE}" + (f" ({track} track)" if track else "")
    runs: dict[str, dict[str, dict[str, str]]] = {}
    for name in (name_a, name_b):
        runs[name] = {r["signature"]: r for r in rows if r["model"] == name}
        if not runs[name]:
            raise UsageError(f"{where}: no recorded run named {name!r}")
    shared = sorted(runs[name_a].keys() & runs[name_b].keys())
    if not shared:
        raise UsageError(
            f"cannot compare {name_a} and {name_b}: they have no run with the same signature "
            f"({name_a}: {', '.join(sorted(runs[name_a]))}; {name_b}: {', '.join(sorted(runs[name_b]))})"
        )
    return [(load_record(results_dir, runs[name_a][s]), load_record(results_dir, runs[name_b][s])) for s in shared]


def run_compare(
    results_dir: str, name_a: str, name_b: str, *, track: str | None = None, n_resamples: int = 10_000, seed: int = 0
) -> int:
    """``quotebench compare NAME_A NAME_B [--track T]``: compare the latest
    recorded runs of two models under every signature they share, print the
    comparisons and return the exit status."""
    pairs = []
    for record_a, record_b in shared_runs(results_dir, name_a, name_b, track):
        result_a, result_b = record_a["result"], record_b["result"]
        # Every pair is checked before anything is printed.
        pairs.append((result_a, result_b, compare(result_a, result_b, n_resamples=n_resamples, seed=seed)))
    print("\n\n".join(format_comparison(c, a["micro"], b["micro"]) for a, b, c in pairs))
    return 0
