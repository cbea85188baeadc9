"""The typographic rule for direct quotes (issue 12, benchmark/typography.py):
one fixture per convention of real typography, each valid; narration that
holds no quoted words stays an error, alone and through ``gold validate``."""

from __future__ import annotations

import json

import pytest

from benchmark.cli import main
from benchmark.typography import direct_quote_problem, quoted_regions


def parts_of(text: str, *surfaces: str) -> list[tuple[int, int]]:
    """The spans of ``surfaces``, each looked for after the previous one."""
    parts, at = [], 0
    for surface in surfaces:
        start = text.index(surface, at)
        parts.append((start, start + len(surface)))
        at = start + len(surface)
    return parts


# (case, text, the parts of one direct quote)
VALID = [
    ("plain", 'He said, "We will win," and left.', ("We will win",)),
    (
        "continued over paragraphs, as fragments",
        'She began:\n\n"The first thing to know is this.\n\n"The second is that.\n\n"And the third," she ended.\n',
        ("The first thing to know is this.", "The second is that.", "And the third,"),
    ),
    (
        "continued over paragraphs, as one span",
        'She began:\n\n"The first thing to know is this.\n\n"The second is that."\n',
        ('The first thing to know is this.\n\n"The second is that.',),
    ),
    (
        "interrupted by a stage direction in parentheses and dashes",
        '"Yes--(rather hesitatingly)--I believe I do."',
        ("Yes", "I believe I do."),
    ),
    ("interrupted by a stage direction in dashes", "“I think—he paused—that we should go.”", ("I think", "that we should go.")),
    ("nested quotation as its own quote, curly marks", "“He told me, ‘Leave now,’ and left,” she said.", ("Leave now,",)),
    ("nested quotation as its own quote, straight marks", '"But you said "to-morrow". It isn\'t fair."', ("to-morrow",)),
    ("the outer quote around a nested one", '"But you said "to-morrow". It isn\'t fair."', ("But you said", "It isn't fair.")),
    ("two sub-quotations in one pair of marks, the first", '"Good-bye... John, you have got to go."', ("Good-bye",)),
    ("two sub-quotations in one pair of marks, the second", '"Good-bye... John, you have got to go."', ("John, you have got to go.",)),
    ("a sub-quotation ending at a footnote mark", '"I came here[1] to say--well, nothing."', ("I came here",)),
    ("a sub-quotation starting after a dash", '"I came here[1] to say--well, nothing."', ("well, nothing.",)),
    ("a sub-quotation ending at an ellipsis inside the marks", "“If only I had known . . . but no.”", ("If only I had known",)),
    (
        "verse set off by indentation",
        "She sang:\n\n    Twinkle, twinkle, little bat!\n    How I wonder what you're at!\n\nThen she stopped.",
        ("Twinkle, twinkle, little bat!\n    How I wonder what you're at!",),
    ),
    (
        "a letter set off by indentation",
        "The letter ran:\n\n\tDear Sir,\n\tI am coming on Monday.\n\nHe folded it.",
        ("Dear Sir,\n\tI am coming on Monday.",),
    ),
    (
        "speech resumed after verse, its opening mark left out",
        '"Do you remember the lines?\n\n    Blest leaf! whose gales dispense\n\nI will parody them.\n\n    Blest Knight!\n\nWill that do?"\n',
        ("I will parody them.", "Will that do?"),
    ),
    (
        "marks a text lost, rendered as spaces (PDNC)",
        '"Here is the thing. She said:    You need not think so." I was right. She admits,    I do not know.\' '
        'At four she was calm.\n\n"Next."',
        ("I was right. She admits,", "At four she was calm."),
    ),
    (
        "dialogue opened by a dash at the start of a line (Joyce)",
        "Buck Mulligan came from the stairhead.\n\n—Come up, Kinch! Come up, you fearful jesuit!\n\n  — Tell me, he said.",
        ("Come up, Kinch! Come up, you fearful jesuit!", "Tell me,"),
    ),
    ("dialogue opened by two hyphens at the start of a line", "He turned.\n--Not yet, said Ned.", ("Not yet,",)),
]

REFUSED = [
    ("narration between two quotations", '"Yes," he said, "I do."', ("he said",)),
    ("narration with the spaces next to the marks", '"Yes," he said, "I do."', (" he said, ",)),
    ("a narration paragraph", '"Hello."\n\nMary walked in. She sat down.', ("Mary walked in.",)),
    ("a narration line that is not indented", '"Hi."\nThen he left.', ("Then he left.",)),
    ("narration after a closed quotation", '"Yes," he said, and left.\n\n"Good."', ("and left.",)),
    ("words after a dash inside a line", "He stopped — then he went on.", ("then he went on.",)),
    ("narration after the dash line's speech", "—Tell me, he said.", ("he said.",)),
    ("a dash that ends a line", "It was late —\nand he left.", ("and he left.",)),
]


@pytest.mark.parametrize("case, text, surfaces", VALID, ids=[c[0] for c in VALID])
def test_real_typography_is_valid(case, text, surfaces):
    assert direct_quote_problem(text, parts_of(text, *surfaces)) is None


@pytest.mark.parametrize("case, text, surfaces", REFUSED, ids=[c[0] for c in REFUSED])
def test_a_part_holding_no_quoted_words_is_an_error(case, text, surfaces):
    (start, end), *_ = parts_of(text, *surfaces)
    field, problem = direct_quote_problem(text, parts_of(text, *surfaces))
    assert field == "start"
    assert problem.startswith(f"direct quote {start}-{end} is not enclosed by quotation marks and holds no quoted words")


def test_every_part_must_be_explained():
    text = '"Yes," he said, "I do."'
    good, bad = parts_of(text, "Yes,", "he said")
    assert direct_quote_problem(text, [good]) is None
    field, problem = direct_quote_problem(text, [good, bad])
    assert problem.startswith(f"direct quote {bad[0]}-{bad[1]} ")


def test_quoted_regions_by_hand():
    text = '"A," b "c "d" e." f\n\n"g\n\n"h"'
    # "A,"  -> 1-3; "c "d" e." is one outer region 8-16 (the nested "d" inside);
    # "g runs to its paragraph's end (22-23); "h" -> 26-27
    assert quoted_regions(text) == ((1, 8, 22, 26), (3, 16, 23, 27))


def test_an_apostrophe_is_not_a_mark():
    text = "\"Don't go,\" he said. Jones' dog barked."
    ((start, _),) = parts_of(text, "Jones' dog barked.")
    assert quoted_regions(text) == ((1,), (10,))
    assert direct_quote_problem(text, [(start, len(text))]) is not None


def test_gold_validate_accepts_each_case_and_refuses_narration(tmp_path, capsys):
    """The validator's two paths (clean documents take the fast one, a
    document with an error the field-by-field one) call the same rule."""
    lines = []
    for i, (case, text, surfaces) in enumerate(VALID):
        parts = parts_of(text, *surfaces)
        quote = {
            "id": "q1",
            "start": parts[0][0],
            "end": parts[-1][1],
            "type": "direct",
            "speaker": None,
            "speaker_mention": None,
            "cue": None,
        }
        if len(parts) > 1:
            quote["fragments"] = [{"start": s, "end": e} for s, e in parts]
        lines.append({"doc_id": f"case{i:02d}", "source": f"test:{case}", "text": text, "entities": [], "quotes": [quote]})
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["gold", "validate", "--gold", str(gold)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    text = '"Yes," he said, "I do."'
    ((start, end),) = parts_of(text, "he said")
    bad = {"id": "q1", "start": start, "end": end, "type": "direct", "speaker": None, "speaker_mention": None, "cue": None}
    lines.append({"doc_id": "narration", "source": "test:narration", "text": text, "entities": [], "quotes": [bad]})
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["gold", "validate", "--gold", str(gold)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{gold}:{len(lines)}: quotes[0](q1).start: direct quote {start}-{end} is not enclosed by quotation marks and holds no quoted words"
        in err
    )
