"""The command line itself: the parser built from benchmark/commands/, every
default shown in --help, output paths refused up front, and the wording of
its messages (issue 11 items 5, 7 and 12)."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from benchmark.cli import build_parser
from benchmark.commands import COMMANDS
from benchmark.commands.gold import GOLD_ACTIONS
from support.results import write_attribution_predictions, write_gold_file


def subparsers_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def every_parser() -> dict[str, argparse.ArgumentParser]:
    commands = subparsers_of(build_parser())
    parsers = {name: p for name, p in commands.items() if name != "gold"}
    parsers.update({f"gold {name}": p for name, p in subparsers_of(commands["gold"]).items()})
    return parsers


def test_the_parser_has_one_command_per_module():
    commands = subparsers_of(build_parser())
    assert list(commands) == list(COMMANDS)
    assert list(subparsers_of(commands["gold"])) == list(GOLD_ACTIONS)


@pytest.mark.parametrize("command", sorted(every_parser()))
def test_help_shows_every_default(command):
    parser = every_parser()[command]
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if not action.option_strings or action.default in (None, argparse.SUPPRESS) or action.default is False:
            continue
        assert f"(default: {action.default})" in text, f"{command} {action.option_strings[0]}: default {action.default!r} not shown"


def test_help_of_submit_says_it_runs_both_tracks_by_default():
    text = " ".join(every_parser()["submit"].format_help().split())
    assert "default: the tracks the model declares in its `tracks` attribute, else both" in text


@pytest.fixture()
def scored_folder(tmp_path):
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=1, quotes_per_doc=4)
    write_attribution_predictions(tmp_path / "pred.jsonl", docs)
    return tmp_path


def test_score_json_into_a_folder_exits_2_before_any_work(scored_folder, cli):
    folder = scored_folder / "out"
    folder.mkdir()
    code, out, err = cli("score", scored_folder / "pred.jsonl", "--name", "m", "--gold", scored_folder / "gold.jsonl",
                         "--results", scored_folder / "results", "--json", folder)
    assert code == 2
    assert err == f"error: {folder}:0: --json: is a folder, not a file to write\n"
    assert out == ""  # nothing printed: refused before scoring
    assert not (scored_folder / "results").exists()


def test_score_results_that_is_a_file_exits_2(scored_folder, cli):
    results = scored_folder / "results"
    results.write_text("not a folder")
    code, out, err = cli("score", scored_folder / "pred.jsonl", "--name", "m", "--gold", scored_folder / "gold.jsonl",
                         "--results", results)
    assert code == 2 and err == f"error: {results}:0: --results: is a file, not a folder\n" and out == ""


def test_gold_export_into_an_existing_file_exits_2_before_any_work(scored_folder, cli):
    target = scored_folder / "export.txt"
    target.write_text("keep me")
    code, out, err = cli("gold", "export", "brat", target, "--gold", scored_folder / "gold.jsonl")
    assert code == 2
    assert err == f"error: {target}:0: DIR: is a file, not a folder\n"
    assert target.read_text() == "keep me"


def test_gold_import_out_that_is_a_folder_exits_2(scored_folder, cli):
    code, _, err = cli("gold", "import", "labelstudio", scored_folder / "gold.jsonl", "--out", scored_folder)
    assert code == 2 and err == f"error: {scored_folder}:0: --out: is a folder, not a file to write\n"


def test_counts_are_singular_for_one(tmp_path, cli):
    gold = tmp_path / "gold.jsonl"
    [doc] = write_gold_file(gold, n_docs=1, quotes_per_doc=1)
    doc["source"] = "missing.txt"  # the one warning
    gold.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, err = cli("gold", "validate", gold)
    assert code == 0
    assert out.strip() == f"{gold}: valid: 1 document, 1 quote, 1 warning"
    assert err.count("warning: ") == 1


def test_warnings_are_one_line_each(tmp_path, cli):
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=1, quotes_per_doc=2)
    for doc in docs:
        doc["source"] = "missing/file.txt"
    gold.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    write_attribution_predictions(tmp_path / "pred.jsonl", docs)
    code, _, err = cli("score", tmp_path / "pred.jsonl", "--name", "m", "--gold", gold, "--no-leaderboard")
    assert code == 0
    [line] = err.splitlines()
    assert re.match(r"warning: .*gold\.jsonl:1: source: 'missing/file\.txt' not found \(tried ", line), line


@pytest.mark.parametrize("name", ["Ünïcode", "ﬁle", "a b", ".lead", "x" * 65])
def test_model_names_are_ascii_and_the_message_says_so(scored_folder, cli, name):
    code, _, err = cli("score", scored_folder / "pred.jsonl", "--name", name, "--gold", scored_folder / "gold.jsonl",
                       "--no-leaderboard")
    assert code == 2
    assert err == (f"error: invalid model name {name!r}: use 1 to 64 ASCII letters, digits, '.', '_' or '-', "
                   "starting with an ASCII letter or digit\n")


def test_a_baselines_options_and_availability_come_from_its_register():
    import baselines
    from benchmark.options import Option

    baselines.names()  # discover the real ones first
    try:
        @baselines.register("zz-test", options=(Option("--zz-size", "size", "how big", default="3"),
                                                Option("--zz-url", "url", "where")), enabled_by="url",
                            requires=("no_such_module_zz", "pip install zz"))
        class ZZ:
            needs_spacy = False

            def __init__(self, size="3", url=None):
                self.size, self.url = size, url

        parser = build_parser("baselines")
        baselines_parser = subparsers_of(parser)["baselines"]
        assert "--zz-size ZZ_SIZE how big (default: 3)" in " ".join(baselines_parser.format_help().split())
        args = parser.parse_args(["baselines", "--zz-size", "5"])
        options = baselines.option_values("zz-test", vars(args))
        assert options == {"size": "5", "url": None}
        assert baselines.unavailable("zz-test", options) == "give --zz-url to run it"
        assert baselines.unavailable("zz-test", {**options, "url": "http://x"}) == "no_such_module_zz is not installed: pip install zz"
        assert baselines.get("zz-test", **options).size == "5"
    finally:
        baselines._REGISTRY.pop("zz-test", None)
    assert baselines.unavailable("llm", baselines.option_values("llm", {})) == "give --llm-url to run it"
    assert "zz-test" not in baselines.names()
