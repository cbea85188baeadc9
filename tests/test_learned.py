"""``learned``: its candidates, the path features that tie a candidate to the
quote's anchor, the learner it chooses and its abstention."""

from __future__ import annotations

import numpy as np
import pytest

import baselines
from baselines import learned
from baselines.learned import FEATURES, PATH_FEATURES, QuoteCandidates, candidates_of
from baselines.mentions import Speaker, document_mentions
from benchmark.gold import document_from_json
from benchmark.models import ModelInput, QuoteSpan


def _input(nlp, text: str, quote: str) -> tuple[ModelInput, list]:
    start = text.index(quote)
    spans = [QuoteSpan("q1", start, start + len(quote))]
    item = ModelInput("d", text, nlp(text), spans)
    return item, learned._targets_of_spans(spans)


def _row(item, targets, mention: str) -> dict[str, float]:
    (found,) = candidates_of(item, targets)
    start = item.text.index(mention)
    for speaker, vector in zip(found.speakers, found.vectors):
        if speaker.start == start and speaker.end == start + len(mention):
            return dict(zip(FEATURES, vector.tolist()))
    raise AssertionError(f"{mention!r} is not a candidate: {[item.text[s.start:s.end] for s in found.speakers]}")


def test_possessors_and_numeric_subjects_are_candidates(nlp):
    doc = nlp("Trump has gained traction with his promise to build a wall. Of the voters, 43 said they liked him.")
    texts = {m.text for m in document_mentions(doc).candidates()}
    assert "his" in texts  # the possessor of "his promise", not only the chunk
    assert "43" in texts  # a subject that is a number


def test_possessor_of_the_cue_noun(nlp):
    text = "Donald Trump has gained traction with his promise to build a wall."
    item, targets = _input(nlp, text, "to build a wall")
    row = _row(item, targets, "his")
    assert row["candidate is a possessor"] == 1.0
    assert row["the quote has an anchor (cue or governing token)"] == 1.0
    assert _row(item, targets, "Donald Trump")["candidate is a possessor"] == 0.0


def test_subject_shared_with_the_anchor(nlp):
    # "trashing" has no subject of its own: Biden, the subject of "hit", is
    # the source of the quote it governs
    text = "Vice President Joe Biden on Monday hit the campaign trail, trashing Donald Trump as unqualified for the job."
    item, targets = _input(nlp, text, "Donald Trump as unqualified for the job")
    biden = _row(item, targets, "Joe Biden")
    name = "candidate is the subject of a predicate the anchor depends on (conj, xcomp, advcl, ...)"
    assert biden[name] == 1.0
    assert biden["steps up from the candidate to the common ancestor with the anchor"] == 1.0
    assert _row(item, targets, "Monday")[name] == 0.0


def test_direct_subject_of_the_cue(nlp):
    text = "The senator said the bill would pass."
    item, targets = _input(nlp, text, "the bill would pass")
    senator = _row(item, targets, "The senator")
    assert senator["candidate is the subject of the anchor"] == 1.0
    assert senator["the anchor is a cue of the reporting lexicon"] == 1.0
    assert senator["the anchor stands before the quote"] == 1.0
    assert senator["quote in quotation marks"] == 0.0
    rules_answer = "the candidate reports the speaker the rules answer (same name or span as speech-verb's)"
    assert senator[rules_answer] == 1.0
    assert _row(item, targets, "the bill")[rules_answer] == 0.0


def test_feature_vectors_have_one_value_per_feature(nlp):
    text = "“We will win,” she said. Officials doubted it."
    item, targets = _input(nlp, text, "We will win,")
    (found,) = candidates_of(item, targets)
    assert found.vectors.shape == (len(found.speakers), len(FEATURES))
    assert len(PATH_FEATURES) == 32


class _Fixed:
    """A classifier whose scores are given."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)

    def predict_proba(self, X):
        s = self.scores[: len(X)]
        return np.column_stack([1 - s, s])


def _predict_with(scores, abstain_below):
    model = baselines.get("learned", abstain_below=abstain_below)
    model.classifier = _Fixed(scores)
    vectors = np.zeros((len(scores), len(FEATURES)), dtype=np.float32)
    speakers = [Speaker(f"S{k}", k, k + 1) for k in range(len(scores))]
    found = QuoteCandidates(10, 20, speakers, [None] * len(scores), vectors)
    item = ModelInput("d", "x" * 30, None, [QuoteSpan("q1", 10, 20)], features={"gold": [found], "targets": None})
    (row,) = model.predict(item, "attribution")
    return row["speaker"]


def test_abstains_below_the_threshold():
    assert _predict_with([0.2, 0.6, 0.1], abstain_below=0.45) == "S1"
    assert _predict_with([0.2, 0.4, 0.1], abstain_below=0.45) is None
    assert _predict_with([0.2, 0.4, 0.1], abstain_below=0.0) == "S1"


def _training_set(n_quotes: int):
    """Documents of one quote each whose speaker is always the candidate the
    rules chose (Bob), featurized as the runner keeps them."""
    rule = FEATURES.index("chosen by the speech-verb rules")
    rng = np.random.default_rng(0)
    items, documents = [], []
    for k in range(n_quotes):
        vectors = rng.random((3, len(FEATURES))).astype(np.float32)
        vectors[:, rule] = [0.0, 1.0, 0.0]
        vectors[:, list(learned.CATEGORICAL)] = 0.0  # category codes are whole numbers
        speakers = [Speaker(name, 5 * j, 5 * j + 4) for j, name in enumerate(("Ann", "Bob", "Cy"))]
        found = QuoteCandidates(20, 30, speakers, [None] * 3, vectors)
        items.append(ModelInput(f"d{k}", "x" * 40, None, [QuoteSpan("q1", 20, 30)], features={"gold": [found], "targets": None}))
        documents.append(
            document_from_json(
                {
                    "doc_id": f"d{k}", "source": "", "text": "x" * 40,
                    "entities": [{"id": "bob", "name": "Bob", "kind": "person", "aliases": [], "mentions": [{"start": 5, "end": 9}]}],
                    "quotes": [{"id": "q1", "start": 20, "end": 30, "type": "indirect", "speaker": "bob",
                                "speaker_mention": {"start": 5, "end": 9}, "cue": None}],
                }
            )
        )
    return items, documents


@pytest.mark.parametrize("n_quotes, kind", [(50, "LogisticRegression"), (learned.BOOSTING_FROM_QUOTES, "HistGradientBoostingClassifier")])
def test_learner_by_training_size(n_quotes, kind):
    items, documents = _training_set(n_quotes)
    model = baselines.get("learned", iterations=20).fit(items, documents)
    assert type(model.classifier).__name__ == kind
    (row,) = model.predict(items[0], "attribution")
    assert row["speaker"] == "Bob"


def _null_speaker_document(k: int):
    return document_from_json(
        {
            "doc_id": f"n{k}", "source": "", "text": "x" * 40, "entities": [],
            "quotes": [{"id": "q1", "start": 20, "end": 30, "type": "indirect", "speaker": None, "speaker_mention": None, "cue": None}],
        }
    )


def test_abstains_only_when_trained_on_null_speakers():
    items, documents = _training_set(60)
    model = baselines.get("learned", abstain_below=0.45).fit(items, documents)
    assert model.threshold == 0.0  # every training quote had a speaker: never abstain
    nulls = [_null_speaker_document(k) for k in range(3)]
    null_items = [ModelInput(d.doc_id, d.text, None, [QuoteSpan("q1", 20, 30)], features={"gold": [items[0].features["gold"][0]], "targets": None}) for d in nulls]
    model.fit(items + null_items, documents + nulls)  # 3 of 63 quotes (5%) have none
    assert model.threshold == 0.45


def test_answer_rows_hand_computed():
    vectors = np.arange(3 * len(FEATURES), dtype=np.float32).reshape(3, len(FEATURES))
    (row,) = learned.answer_rows([np.array([0.2, 0.6, 0.1])], [vectors])
    assert len(row) == len(learned.ANSWER_FEATURES)
    assert row[:4].tolist() == pytest.approx([0.6, 0.2, 0.4, np.log(4)])  # top, second, margin, log(1 + 3)
    assert row[4:].tolist() == vectors[1].tolist()  # the top candidate's own row
    (tie,) = learned.answer_rows([np.array([0.5, 0.5])], [vectors[:2]])
    assert tie[:3].tolist() == [0.5, 0.5, 0.0] and tie[4:].tolist() == vectors[0].tolist()  # the first on a tie


def test_the_abstainers_probability_decides_not_the_top_score():
    def predict(scores, p_right):
        model = baselines.get("learned", abstain_below=0.45)
        model.classifier, model.abstainer = _Fixed(scores), _Fixed([p_right])
        vectors = np.zeros((len(scores), len(FEATURES)), dtype=np.float32)
        found = QuoteCandidates(10, 20, [Speaker(f"S{k}", k, k + 1) for k in range(len(scores))], [None] * len(scores), vectors)
        item = ModelInput("d", "x" * 30, None, [QuoteSpan("q1", 10, 20)], features={"gold": [found], "targets": None})
        (row,) = model.predict(item, "attribution")
        return row["speaker"]

    assert predict([0.2, 0.9, 0.1], p_right=0.3) is None  # a high score the abstainer does not trust
    assert predict([0.2, 0.4, 0.1], p_right=0.6) == "S1"  # a low score it does
    assert predict([0.2, 0.4, 0.1], p_right=0.45) == "S1"  # at the threshold: answered


def test_abstainer_learns_from_out_of_fold_scores_and_abstains_where_no_one_speaks():
    # 1,000 quotes whose speaker is the rules' candidate (Bob), and 100
    # whose speaker is null, told apart only by a fact of the quote: the
    # rules found no source for them
    found_source = FEATURES.index("the rules found a source for the quote")
    items, documents = _training_set(learned.BOOSTING_FROM_QUOTES)
    for item in items:
        item.features["gold"][0].vectors[:, found_source] = 1.0
    model = baselines.get("learned", iterations=20, abstain_below=0.45).fit(items, documents)
    assert model.abstainer is None and model.threshold == 0.0  # no null speaker (< 1%): never abstains, as on PDNC
    nulls = [_null_speaker_document(k) for k in range(100)]
    null_items = []
    for k, d in enumerate(nulls):
        found = items[k].features["gold"][0]
        vectors = found.vectors.copy()
        vectors[:, found_source] = 0.0
        null_items.append(ModelInput(d.doc_id, d.text, None, [QuoteSpan("q1", 20, 30)],
                                     features={"gold": [QuoteCandidates(20, 30, found.speakers, found.keys, vectors)], "targets": None}))
    model.fit(items + null_items, documents + nulls)
    assert type(model.abstainer).__name__ == "HistGradientBoostingClassifier"
    assert model.threshold == 0.45
    (answered,) = model.predict(items[500], "attribution")
    assert answered["speaker"] == "Bob"
    (abstained,) = model.predict(null_items[50], "attribution")
    assert abstained["speaker"] is None


def test_inherited_subject_climbs_through_clauses(nlp):
    # "trashing" has no subject: climbing one step (advcl) reaches "hit", whose subject is Biden
    text = "Vice President Joe Biden on Monday hit the campaign trail, trashing Donald Trump as unqualified for the job."
    item, targets = _input(nlp, text, "Donald Trump as unqualified for the job")
    inherited, steps = learned.CLIMB_FEATURES
    biden = _row(item, targets, "Joe Biden")
    assert biden[inherited] == 1.0
    assert biden[steps] == pytest.approx(np.log1p(1))
    assert _row(item, targets, "the campaign trail")[inherited] == 0.0


def test_relative_features_say_what_the_other_candidates_are(nlp):
    text = "The senator said the bill would pass."
    item, targets = _input(nlp, text, "the bill would pass")
    senator, bill = _row(item, targets, "The senator"), _row(item, targets, "the bill")
    assert senator[learned.CLIMB_FEATURES[0]] == 1.0
    assert senator[learned.CLIMB_FEATURES[1]] == 0.0  # the cue's own subject: no step
    other_subject = "another candidate of the quote: candidate is the subject of the anchor"
    assert senator[other_subject] == 0.0  # only itself is
    assert bill[other_subject] == 1.0
    rank = learned.RELATIVE_FEATURES[-1]
    # "said" is token 2: "senator" (1) is 1 token from it, "bill" (4) 2 tokens
    assert senator[rank] == 0.0
    assert bill[rank] == pytest.approx(np.log1p(1))


def test_a_mention_outside_a_closed_cast_is_named_as_written(nlp):
    # PDNC: a closed cast; "somebody" resolves to no character of it.
    # Chosen, it must be reported by its mention (an empty name abstains,
    # SPEC section 3): a ranker trained never to abstain abstained there
    from benchmark.models import CastMember

    text = "Emma looked up. “Go away at once,” somebody said."
    quote = "Go away at once,"
    start = text.index(quote)
    spans = [QuoteSpan("q1", start, start + len(quote))]
    cast = (CastMember("emma", "Emma", ("Emma",), "person"),)
    item = ModelInput("d", text, nlp(text), spans, cast=cast)
    (found,) = candidates_of(item, learned._targets_of_spans(spans))
    assert all(s.name.strip() for s in found.speakers)
    somebody = text.index("somebody")
    (row,) = [
        (s, dict(zip(FEATURES, v.tolist()))) for s, v in zip(found.speakers, found.vectors) if s.start == somebody
    ]
    assert row[0].name == "somebody"
    assert row[1]["the candidate resolves to no name"] == 1.0


def test_anchor_categories_and_passive_without_agent(nlp):
    text = "The senator said the bill would pass."
    item, targets = _input(nlp, text, "the bill would pass")
    senator = _row(item, targets, "The senator")
    assert senator["the anchor's lemma (category)"] == learned._category("say")
    assert senator["the candidate's dependency relation (category)"] == learned._category("nsubj")
    assert senator["the anchor is passive without an agent"] == 0.0
    assert 1 <= learned._category("say") < learned.CATEGORIES
    text = "It was reported by officials that the bill would pass. It was reported that the bill would fail."
    item, targets = _input(nlp, text, "the bill would fail")
    assert _row(item, targets, "the bill")["the anchor is passive without an agent"] == 1.0
    item, targets = _input(nlp, text, "the bill would pass")
    assert _row(item, targets, "officials")["the anchor is passive without an agent"] == 0.0
