"""A complete quotebench model: each quote goes to the PERSON (spaCy's named
entities) nearest to it outside it, before or after, counted in characters.

    quotebench submit examples/nearest_person.py:NearestPerson --name nearest-person
"""


class NearestPerson:
    name = "nearest-person"
    needs_spacy = True  # quotebench parses each document once and passes item.doc
    tracks = ("attribution",)  # the tracks it runs (default: both)

    def predict(self, item, track):
        if track != "attribution":
            raise ValueError("this example attributes the given quotes only")
        people = [ent for ent in item.doc.ents if ent.label_ == "PERSON"]
        rows = []
        for quote in item.quotes:
            outside = [p for p in people if p.end_char <= quote.start or p.start_char >= quote.end]
            gap = lambda p: max(quote.start - p.end_char, p.start_char - quote.end)  # noqa: E731
            person = min(outside, key=gap, default=None)
            row = {"doc_id": item.doc_id, "quote_id": quote.id, "speaker": None}  # None abstains
            if person is not None:
                row.update(speaker=person.text, speaker_start=person.start_char, speaker_end=person.end_char)
            rows.append(row)
        return rows
