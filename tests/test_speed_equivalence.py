"""The fast paths of the rule baselines give what the slow ones gave.

Each function that was made faster (reading the Doc's arrays through
:class:`baselines.cues.DocIndex` instead of a spaCy ``Token`` per token,
scanning text from mark to mark, not copying the text around a span) is
compared here with the straightforward version it replaced, kept below as
the reference, on every token or span of real parsed texts written for the
test (and of the news fixture), and on thousands of seeded random strings of
quotation marks.  A fast path that diverged anywhere fails here.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from baselines import cues, dialogue, mentions, quote_finding, speech_verb
from baselines.cues import CONTENT_DEPS, SUBJECT_DEPS, _is_cue
from benchmark.models import CastMember, ModelInput
from benchmark.parse_cache import joined_text

DEV_NEWS = Path(__file__).parent / "data" / "dev_news.jsonl"

# Fiction and news with the typography the rules must survive: curly and
# straight marks, quotations over paragraphs, interrupted quotations, '' as
# a double mark, apostrophes, headlines, datelines, "according to".
FICTION = """\
“You are late,” said Mr. Bennet, looking up from his book. “The carriage left an hour ago.”

Elizabeth sighed. “I know it. Jane told me so herself, and she was quite cross.”

"Then we must walk," replied he. "'Tis not far, and the ’90s were worse."

‘Must we?’ asked Kitty, who disliked walking. ‘My shoes—’

“Your shoes will do very well,” said her mother; “and besides, Lizzy

“has walked further in worse.”

He had said: “Nobody listens to me.” Nobody did.
"""

NEWS = """\
Poll: Clinton and Trump in dead heat

WASHINGTON (AP) — The senator said on Tuesday that the bill would fail, according to two aides who were present.

''We will not back down,'' the mayor told reporters, adding that the council had been critical of the plan.

“This is a betrayal,” said Leonid Volkov, former chief of staff of the campaign. “Nobody expected it.”

Officials expect growth to slow, and a new poll found that 43 percent of voters oppose the deal.
His warning that the talks could collapse was echoed by the minister, who called for an inquiry.
"""


@pytest.fixture(scope="module")
def docs(nlp):
    texts = [FICTION, NEWS] + [json.loads(line)["text"] for line in DEV_NEWS.read_text(encoding="utf-8").splitlines()]
    return list(nlp.pipe(texts))


# --------------------------------------------------------------------------
# References: the versions the fast paths replaced, on Token objects


def reference_cue_of_span(doc, start, end, *, fragments=None, sentence_window=True):
    ranges = cues._token_ranges(doc, start, end, fragments)
    if not ranges:
        return None

    def inside(i):
        return any(lo <= i < hi for lo, hi in ranges)

    first, last = ranges[0][0], ranges[-1][1]
    best = None

    def consider(rank, token):
        nonlocal best
        distance = first - token.i if token.i < first else max(0, token.i - last + 1)
        if inside(token.i):
            return
        if best is None or (rank, distance) < best[:2]:
            best = (rank, distance, token)

    for lo, hi in ranges:
        for token in doc[lo:hi]:
            for child in token.children:
                if not inside(child.i) and _is_cue(child):
                    consider(1, child)
            node, head = token, token.head
            for _ in range(3):
                if head.i == node.i or inside(head.i):
                    break
                if node.dep_ == "conj":
                    node, head = head, head.head
                    continue
                if _is_cue(head):
                    if node.dep_ in CONTENT_DEPS:
                        consider(0, head)
                    break
                if any(c.dep_ in SUBJECT_DEPS for c in head.children):
                    break
                node, head = head, head.head
    introducing = cues._introducing_verb(doc, ranges[0][0])
    if introducing is not None:
        consider(1, introducing)
    if best is not None or not sentence_window:
        return best[2] if best else None
    sentences = {doc[first].sent.start: doc[first].sent, doc[last - 1].sent.start: doc[last - 1].sent}
    before_start = doc[first].sent.start - 1
    if before_start >= 0:
        before = doc[before_start].sent
        last_word = next((t for t in reversed(before) if not t.is_space), None)
        if last_word is not None and last_word.text == ":":
            sentences[before.start] = before
    after_start = doc[last - 1].sent.end
    if after_start < len(doc):
        after = doc[after_start].sent
        gap = doc.text[doc[last - 1].idx + len(doc[last - 1]) : after.start_char]
        if "\n" not in gap and len(after) <= cues._ATTRIBUTION_SENTENCE_TOKENS:
            sentences[after.start] = after
    for sentence in sentences.values():
        for token in sentence:
            if _is_cue(token) and cues.cue_source(token) is not None:
                consider(2, token)
    return best[2] if best else None


def reference_in_dateline(token):
    doc = token.doc
    start = token.i
    while start > 0 and "\n" not in doc[start - 1].text_with_ws and token.i - start < 12:
        start -= 1
    if start > 0 and "\n" not in doc[start - 1].text_with_ws:
        return False
    for t in doc[token.i : min(len(doc), start + 14)]:
        if t.text in ("—", "–", "--") or (t.text == "-" and t.i > 0 and doc[t.i - 1].text == ")"):
            return t.i > 0 and any(u.text == ")" for u in doc[start : t.i])
        if "\n" in t.text_with_ws:
            return False
    return False


def reference_quotation_spans(text):
    """The character-by-character scan that quotation_spans replaced."""
    found, stack = [], []
    paragraphs = quote_finding._paragraphs(text)
    for index, (p_start, p_end) in enumerate(paragraphs):
        i = p_start
        continuing = bool(stack)
        while i < p_end:
            c = text[i]
            width = 1
            if c in "“”„«»‘’‚‹›\"'":
                kind, width = quote_finding._mark(text, i, any(k == "single" for k, _, _ in stack))
                if continuing and i == p_start and kind and kind.startswith(("open", "toggle")):
                    i += width
                    continuing = False
                    continue
                if kind == "toggle-double":
                    kind = "close-double" if any(k == "double" for k, _, _ in stack) else "open-double"
                if kind and kind.startswith("open"):
                    stack.append((kind.split("-")[1], i, width))
                elif kind and kind.startswith("close"):
                    mark = kind.split("-")[1]
                    depth = next((d for d in range(len(stack) - 1, -1, -1) if stack[d][0] == mark), None)
                    if depth is not None:
                        _, opened, opened_width = stack[depth]
                        del stack[depth:]
                        if not stack:
                            a, b = quote_finding._content(text, opened + opened_width, i)
                            if a < b:
                                found.append(quote_finding.QuotationSpan(a, b, opened, i + width - 1))
            continuing = False
            i += width
        if stack:
            nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
            outer_kind, opened, opened_width = stack[0]
            continues = False
            if nxt is not None:
                first_kind, _ = quote_finding._mark(text, nxt[0], outer_kind == "single")
                continues = first_kind is not None and first_kind.startswith(("open", "toggle")) and (
                    first_kind.endswith(outer_kind)
                )
            if not continues:
                a, b = quote_finding._content(text, opened + opened_width, p_end)
                while text[b - 1 : b] in "”’\"'" and b - 1 > a:
                    b -= 1
                a, b = quote_finding._content(text, a, b)
                if a < b:
                    found.append(quote_finding.QuotationSpan(a, b, opened, None))
                stack.clear()
    return found


# --------------------------------------------------------------------------
# The per-Doc index


def test_doc_index_agrees_with_every_token(docs):
    n_cues = 0
    for doc in docs:
        index = cues.doc_index(doc)
        assert index.texts == [t.text for t in doc]
        assert index.idx == [t.idx for t in doc]
        assert index.is_space == [t.is_space for t in doc]
        assert index.is_word == [not (t.is_space or t.is_punct or t.is_quote) for t in doc]
        assert [index.sentence(t.i) for t in doc] == [(t.sent.start, t.sent.end) for t in doc]
        assert index.heads == [t.head.i for t in doc]
        assert index.deps == [t.dep_ for t in doc]
        assert index.cue_list == [t.i for t in doc if _is_cue(t)]
        assert [cues.is_cue(t) for t in doc] == [_is_cue(t) for t in doc]
        assert index.has_subject == {t.i for t in doc if any(c.dep_ in SUBJECT_DEPS for c in t.children)}
        assert {i: kids for i, kids in index.cue_children.items()} == {
            t.i: [c.i for c in t.children if _is_cue(c)] for t in doc if any(_is_cue(c) for c in t.children)
        }
        n_cues += len(index.cue_list)
    assert n_cues > 100  # the texts exercise the lexicon, not an empty set


def test_cue_source_remembered_agrees_with_every_token(docs):
    for doc in docs:
        expected = [cues._cue_source(t) for t in doc]
        for _ in range(2):  # found, then remembered
            assert [cues.cue_source(t) for t in doc] == expected
    assert sum(s is not None for s in expected) > 10


def test_in_dateline_agrees_with_every_token(docs):
    assert any(cues._in_dateline(t) for doc in docs for t in doc)
    for doc in docs:
        assert [cues._in_dateline(t) for t in doc] == [reference_in_dateline(t) for t in doc]


def spans_to_try(doc):
    """Every quotation, every sentence and every gold-like span of a few
    tokens, with and without fragments."""
    text = doc.text
    spans = [(q.start, q.end, None) for q in quote_finding.quotation_spans(text)]
    spans += [(s.start_char, s.end_char, None) for s in doc.sents]
    spans += [(doc[i].idx, doc[min(i + 4, len(doc) - 1)].idx, None) for i in range(0, len(doc) - 1, 3)]
    quotes = quote_finding.quotation_spans(text)
    spans += [(a.start, b.end, [(a.start, a.end), (b.start, b.end)]) for a, b in zip(quotes, quotes[1:])]
    return spans


def test_cue_of_span_agrees_with_the_token_walk(docs):
    found = 0
    for doc in docs:
        # each order of asking (an answer is remembered, and the one without
        # the window is the first step of the one with it), then remembered
        for windows in ((True, False), (False, True), (False, True)):
            if windows == (True, False):
                cues.doc_index(doc).span_cues.clear()
            for start, end, fragments in spans_to_try(doc):
                for window in windows:
                    fast = cues.cue_of_span(doc, start, end, fragments=fragments, sentence_window=window)
                    slow = reference_cue_of_span(doc, start, end, fragments=fragments, sentence_window=window)
                    assert (fast.i if fast is not None else None) == (slow.i if slow is not None else None), (
                        doc.text[start:end], window)
                    found += fast is not None
            if windows == (True, False):
                cues.doc_index(doc).span_cues.clear()
    assert found > 50


def test_word_indices_agree_with_the_tokens_of_every_span(docs):
    for doc in docs[:3]:
        n = len(doc.text)
        for a in range(-1, n + 2, 5):
            for b in range(a, min(n + 2, a + 120), 3):
                span = doc.char_span(a, b, alignment_mode="contract") if 0 <= a <= b else None
                expected = [t.i for t in span if not (t.is_space or t.is_punct or t.is_quote)] if span is not None else []
                assert dialogue._word_indices(doc, a, b) == expected


def test_group_heads_agree_with_every_token(docs):
    for doc in docs:
        expected = [t.i for t in doc if (t.ent_type_ in mentions.GROUP_LABELS or t.tag_ in ("NNS", "NNPS"))
                    and t.dep_ in ("nsubj", "nsubjpass")]
        assert mentions._group_heads(doc) == expected
    assert any(mentions._group_heads(doc) for doc in docs)


def test_a_cached_doc_text_is_the_text(docs, nlp):
    for doc in docs:
        assert cues.doc_text(doc) == doc.text == joined_text(doc)
    odd = nlp.make_doc("a  b\n\n  c\t d ")
    assert joined_text(odd) == odd.text == "a  b\n\n  c\t d "
    assert joined_text(nlp.make_doc("")) == ""


# --------------------------------------------------------------------------
# Text scans


NASTY = [
    FICTION,
    NEWS,
    "“Unclosed at the end\n\n“continues here,” she said.",
    "''We will win,'' he said. '''Tis true,' she said.",
    "He said \"no\" and \"yes\" and \"maybe\n\nShe \"left\".",
    "«Bonjour», dit-il. „Guten Tag“, sagte sie. ‹Hi› ‚there‘",
    "'' '' ''' '''' \" \" '\n'\n\n\"",
    "",
]


def random_texts(n=3000, seed=0):
    rng = random.Random(seed)
    alphabet = list("“”„«»‘’‚‹›\"'") + list("ab ,.:;—-\n") + ["\n\n", "9", "(", "A"]
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for _ in range(n)
    ]


def test_quotation_spans_agree_with_the_character_scan():
    for text in NASTY + random_texts():
        assert quote_finding.quotation_spans(text) == reference_quotation_spans(text), repr(text)


def test_word_count_agrees_with_splitting():
    rng = random.Random(3)
    alphabet = list("ab9_ ,.-—’'\n\t\u00a0\u2003\x1c\x85") + ["½", "é", "\u0301", "٣", "Ⅻ", "__"]
    texts = NASTY + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(5000)]
    for text in texts:
        assert quote_finding._word_count(text) == sum(1 for w in text.split() if any(ch.isalnum() for ch in w)), repr(text)


def reference_in_quotation_marks(text, start, end):
    """is_in_quotation_marks as it was: by slicing the text before and after the span."""
    from benchmark.gold import CLOSING_MARKS, OPENING_MARKS

    inner = text[start:end].strip()
    before = inner[:1] if inner[:1] in OPENING_MARKS else text[:start].rstrip()[-1:]
    after = inner.rstrip(",.;:!?…")[-1:] if inner.rstrip(",.;:!?…")[-1:] in CLOSING_MARKS else text[end:].lstrip(",.;:!?…")[:1]
    return bool(before) and before in OPENING_MARKS and bool(after) and after in CLOSING_MARKS


def test_in_quotation_marks_agrees_with_slicing_on_every_span():
    texts = NASTY + random_texts(300, seed=1)
    for text in texts:
        n = len(text)
        # every offset of the short texts; of the long ones, every offset of
        # a start or an end against a sample of the other
        starts = range(-2, n + 3)
        for start in starts:
            for end in (starts if n <= 60 else range(start % 7 - 2, n + 3, 7)):
                assert quote_finding.is_in_quotation_marks(text, start, end) == reference_in_quotation_marks(text, start, end), (
                    text, start, end)
    assert quote_finding.is_in_quotation_marks(FICTION, 1, 14)


# --------------------------------------------------------------------------
# The cast, built once per Doc


def test_the_cast_is_built_once_per_doc_and_again_for_another_cast(docs):
    doc = docs[0]
    members = (CastMember("bennet", "Mr. Bennet", ("Mr. Bennet",), "person"),
               CastMember("lizzy", "Elizabeth", ("Elizabeth", "Lizzy"), "person"))
    first = speech_verb.cast_of(ModelInput("d", FICTION, doc, None, cast=members))
    again = speech_verb.cast_of(ModelInput("d", FICTION, doc, [], cast=members))
    assert again is first
    assert [m[2] for m in first.mentions] == [
        m[2] for m in speech_verb.Cast.from_entities(list(members), FICTION).mentions
    ] and first.mentions
    other = speech_verb.cast_of(ModelInput("d", FICTION, doc, None, cast=members[:1]))
    assert other is not first and set(other.characters) == {"bennet"}
    from_parse = speech_verb.cast_of(ModelInput("d", FICTION, doc, None, cast=None))
    assert from_parse is not other
    assert set(from_parse.characters) == set(speech_verb.Cast.from_doc(doc).characters)


def test_grouped_aliases_match_as_the_plain_alternation():
    rng = random.Random(2)
    letters = "abkKsSiIı éo"
    for _ in range(400):
        aliases = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 6))).strip() or "a"
                          for _ in range(rng.randint(1, 8))}, key=len, reverse=True)
        text = "".join(rng.choice(letters + ".\nKſİ") for _ in range(200))
        plain = "|".join(r"\.?\s*".join(re.escape(w) for w in a.split()) for a in aliases)
        expected = [m.span() for m in re.finditer(r"(?<![\w])(?:" + plain + r")(?![\w])", text, re.IGNORECASE)]
        grouped = r"(?<![\w])(?:" + dialogue._alternatives(aliases) + r")(?![\w])"
        assert [m.span() for m in re.finditer(grouped, text, re.IGNORECASE)] == expected, (aliases, text)
    assert "b(?:" in dialogue._alternatives(["bennet", "bingley"])
    assert dialogue._alternatives(["élodie", "emma"]) == "élodie|emma"
