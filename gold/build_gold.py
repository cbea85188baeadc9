"""How gold/gold.jsonl was made: the labels below were chosen by hand, reading
the article sentence by sentence (see GUIDELINES.md); this script only turns
the chosen strings into character offsets, so that no offset is typed by hand.

Each span is given as (string, context): the context must occur exactly once
in the article, and the string is found inside it.  Run from the project
root:  python gold/build_gold.py  (it rewrites gold/gold.jsonl and prints
every span for checking).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmark.gold import Document, Entity, Quote, Span, write_gold  # noqa: E402

DOC_ID = "000_d7ba2f87e3eeb8fb"
SOURCE = f"seeds/{DOC_ID}.txt"
TEXT = (ROOT / SOURCE).read_bytes().decode("utf-8")


def at(string: str, context: str | None = None, nth: int = 0) -> Span:
    """The span of ``string`` inside the unique occurrence of ``context``."""
    context = context or string
    first = TEXT.find(context)
    if first < 0 or TEXT.find(context, first + 1) >= 0:
        raise ValueError(f"context {context!r} must occur exactly once")
    offset = -1
    for _ in range(nth + 1):
        offset = context.find(string, offset + 1)
    if offset < 0:
        raise ValueError(f"{string!r} not in {context!r}")
    return Span(first + offset, first + offset + len(string))


# --- entities ---------------------------------------------------------------
# Speakers list every mention (names, pronouns including relative "who",
# descriptions); the other entities list their names and descriptions.

ENTITIES = [
    Entity("russian_opposition_in_exile", "Russia’s anti-war opposition in exile", "group",
           ["Russia’s anti-war opposition in exile", "the country’s anti-war opposition in exile",
            "Russia’s opposition", "the country’s opposition", "the opposition", "Russian opposition"],
           [at("the country’s anti-war opposition in exile"),
            at("it", "admits that it is unable"),
            at("Russia’s opposition", "The only thing left for Russia’s opposition"),
            at("whom", "most of whom had to flee"),
            at("the country’s opposition", "the country’s opposition has urged")]),
    Entity("leonid_volkov", "Leonid Volkov", "person",
           ["Leonid Volkov", "Volkov"],
           [at("Leonid Volkov"),
            at("Volkov", "Volkov added"),
            at("Volkov", "According to Volkov, who cited"),
            at("who", "According to Volkov, who cited"),
            at("Volkov", "Volkov said")]),
    Entity("kremlin", "Kremlin", "organization",
           ["Kremlin", "the Kremlin"],
           [at("Kremlin", "while the Kremlin is expected"),
            at("Kremlin", "“The Kremlin is trying"),
            at("Kremlin", "late Kremlin critic"),
            at("Kremlin", "The Kremlin was tasking")]),
    Entity("meduza", "Meduza", "organization",
           ["Meduza", "independent outlet Meduza"],
           [at("Meduza")]),
    Entity("european_parliament_event_participants", "Participants in a recent European Parliament event", "group",
           ["participants in a recent European Parliament event", "participants"],
           [at("Participants in a recent European Parliament event"),
            at("They", "They said that Russian voters")]),
    Entity("vadim_prokhorov", "Vadim Prokhorov", "person",
           ["Vadim Prokhorov", "Prokhorov"],
           [at("Vadim Prokhorov"),
            at("Prokhorov", "said Prokhorov"),
            at("who", "said Prokhorov, who defended")]),
    Entity("vladimir_putin", "Vladimir Putin", "person",
           ["Vladimir Putin", "Putin", "the Russian leader"],
           [at("Vladimir Putin", "President Vladimir Putin"),
            at("Putin", "None of Putin’s opponents"),
            at("Putin", "show that Putin’s support"),
            at("Putin", "should not recognize Putin"),
            at("Putin", "in favor of Putin"),
            at("Putin", "“Putin cannot be defeated"),
            at("the Russian leader"),
            at("Putin", "support for Putin is below"),
            at("Putin", "“Putin talks about"),
            at("Putin", "‘Against Putin at noon’"),
            at("Putin", "opposes Putin"),
            at("Putin", "don’t support Putin"),
            at("Putin", "the Putin regime")]),
    Entity("alexei_navalny", "Alexei Navalny", "person",
           ["Alexei Navalny", "Navalny"],
           [at("Alexei Navalny"),
            at("Navalny", "Navalny’s Anti-Corruption Foundation"),
            at("Navalny", "Navalny’s supporters")]),
    Entity("anti_corruption_foundation", "Anti-Corruption Foundation", "organization",
           ["Anti-Corruption Foundation", "ACF", "Navalny’s Anti-Corruption Foundation"],
           [at("Anti-Corruption Foundation"),
            at("ACF", "(ACF)"),
            at("ACF", "conducted by the ACF")]),
    Entity("navalny_supporters", "Navalny’s supporters", "group",
           ["Navalny’s supporters"],
           [at("supporters", "Navalny’s supporters")]),
    Entity("independent_experts", "some independent experts", "group",
           ["independent experts", "experts"],
           [at("some independent experts")]),
    Entity("vladimir_milov", "Vladimir Milov", "person",
           ["Vladimir Milov", "Milov"],
           [at("Vladimir Milov"),
            at("a former Russian deputy energy minister"),
            at("who", "minister who lives in exile")]),
    Entity("vladimir_kara_murza", "Vladimir Kara-Murza", "person",
           ["Vladimir Kara-Murza", "Kara-Murza"],
           [at("Vladimir Kara-Murza")]),
]

# --- quotes -----------------------------------------------------------------
# (id, content, type, speaker, speaker mention, cue); see GUIDELINES.md for
# why each span starts and ends where it does.

OPPOSITION_MENTION = at("the country’s anti-war opposition in exile")

QUOTES = [
    ("q01", at("it is unable to influence the results"), "indirect",
     "russian_opposition_in_exile", OPPOSITION_MENTION, at("admits")),
    ("q02", at("the West will “do the right thing.”"), "mixed",
     "russian_opposition_in_exile", OPPOSITION_MENTION, at("hopes", "but hopes the West")),
    ("q03", at("With many Russian citizens opposed to the country’s war in Ukraine, Brussels should not "
               "recognize Putin as a legitimate president after the polls"), "indirect",
     "russian_opposition_in_exile", at("the country’s opposition", "the country’s opposition has urged"),
     at("urged", "has urged")),
    ("q04", at("The Kremlin is trying to send a propaganda message to the whole world — that supposedly "
               "85% of Russians are in favor of Putin"), "direct",
     "leonid_volkov", at("Leonid Volkov"), at("said", "said in Brussels")),
    ("q05", at("supposedly 85% of Russians are in favor of Putin"), "indirect",
     "kremlin", at("Kremlin", "“The Kremlin is trying"), at("send a propaganda message")),
    ("q06", at("The idea is to signal that “Putin cannot be defeated unless all of Russia is defeated — "
               "and this is unlikely,”"), "mixed",
     "leonid_volkov", at("Volkov", "Volkov added"), at("added", "Volkov added")),
    ("q07", at("The Kremlin was tasking regional authorities with ensuring that 80% of the votes go to "
               "the Russian leader"), "indirect",
     "meduza", at("Meduza"), at("reported", "Meduza reported")),
    ("q08", at("in reality, support for Putin is below 50%"), "indirect",
     "leonid_volkov", at("Volkov", "According to Volkov, who cited"), at("According to")),
    ("q09", at("Putin talks about denazification, about the LGBT threat. And in reality, Russians want "
               "the war to end as soon as possible"), "direct",
     "leonid_volkov", at("Volkov", "Volkov said"), at("said", "Volkov said")),
    ("q10", at("Russians to go to the polling stations at noon on March 17, the last day of the "
               "three-day voting"), "indirect",
     "european_parliament_event_participants", at("Participants in a recent European Parliament event"),
     at("urge", "to urge Russians")),
    ("q11", at("Russian voters queuing outside polling stations on the last voting day at noon should help "
               "show how people don’t support Putin, which could be a big contrast to empty polling "
               "stations on other days"), "indirect",
     "european_parliament_event_participants", at("They", "They said that Russian voters"),
     at("said", "They said that")),
    ("q12", at("The issue of the election’s recognition of legitimacy is an extremely important and "
               "sensitive one for the Putin regime"), "direct",
     "vadim_prokhorov", at("Prokhorov", "said Prokhorov"), at("said", "said Prokhorov")),
]


def build() -> Document:
    quotes = [
        Quote(qid, span.start, span.end, qtype, speaker, mention, cue)
        for qid, span, qtype, speaker, mention, cue in QUOTES
    ]
    return Document(DOC_ID, SOURCE, TEXT, ENTITIES, quotes)


def main() -> None:
    doc = build()
    for e in doc.entities:
        print(f"{e.id} ({e.kind}): " + " | ".join(f"{m.start}-{m.end} {TEXT[m.start:m.end]!r}" for m in e.mentions))
    for q in doc.quotes:
        def show(s: Span | None) -> str:
            return "-" if s is None else f"{s.start}-{s.end} {TEXT[s.start:s.end]!r}"

        print(f"\n{q.id} {q.type} {q.speaker}\n  content {show(Span(q.start, q.end))}"
              f"\n  speaker {show(q.speaker_mention)}\n  cue     {show(q.cue)}")
    write_gold([doc], ROOT / "gold" / "gold.jsonl")


if __name__ == "__main__":
    main()
