"""A cache of parsed documents: one spaCy ``DocBin`` file per document, so that
re-running the baselines, or adding one, does not parse again.

An entry is keyed by the sha256 of the document's text and by the pipeline
(:func:`pipeline_key`: its language, name and version, its components in
order, and spaCy's version), as
``<cache dir>/<lang>_<name>-<version>.<8 hex digits of the key>/<text sha256>.spacy``.
An entry is trusted only when it decodes as a ``DocBin`` holding exactly
one Doc whose text is the document's text, character for character, and
which carries a dependency parse; anything else (a truncated or corrupt
file, an entry written for another text) counts as a miss: the text is
parsed again and the entry rewritten.  Entries are written atomically (a
temporary file, then a rename), so a run that is killed leaves no half
entry behind, and two runs that share a cache never see one.

``DocBin`` keeps the token attributes the baselines read (text, lemma,
tags, morphology, dependency heads and labels, sentence starts, entities),
not the tok2vec tensor nor ``Doc.user_data``: a Doc read from the cache is
the same to every baseline as the Doc it was written from (tested).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from benchmark.files import write_bytes_atomic

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

CACHE_DIR_NAME = "cache"  # under the results folder: results/cache/
# Bumped whenever what an entry holds changes, so that old entries are missed.
CACHE_FORMAT = 1
SUFFIX = ".spacy"
# Where a Doc's text is kept in its ``user_data`` once known
# (:func:`baselines.cues.doc_text`): ``Doc.text`` joins every token again on
# each call.  A Doc read from the cache has its text checked, so it comes
# with it.
TEXT_KEY = ("quotebench", "text")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def joined_text(doc: "Doc") -> str:
    """``doc.text``, joined from the Doc's arrays (each distinct token string
    looked up once) rather than from a Token object per token: half the
    time on a novel."""
    import numpy
    from spacy.attrs import ORTH, SPACY

    strings = doc.vocab.strings
    columns = doc.to_array([ORTH, SPACY]).reshape(len(doc), 2)
    ids, inverse = numpy.unique(columns[:, 0], return_inverse=True)
    table: list[str] = []  # each string, then the string and its trailing space
    for orth in ids.tolist():
        word = strings[orth]
        table += (word, word + " ")
    codes = inverse.reshape(-1) * 2 + (columns[:, 1] != 0)
    return "".join(map(table.__getitem__, codes.tolist()))


def pipeline_key(nlp: "Language") -> str:
    """The folder of ``nlp``'s entries: ``<lang>_<name>-<version>.<hash>``,
    the hash covering the components in order and spaCy's version too (a
    pipeline with a component added parses differently)."""
    import spacy

    from benchmark.models import PARAGRAPH_COMPONENT, PARAGRAPH_RULE_VERSION

    meta = nlp.meta
    # our own component's rule changes the parse without changing its name
    components = [f"{name}={PARAGRAPH_RULE_VERSION}" if name == PARAGRAPH_COMPONENT else name for name in nlp.pipe_names]
    identity = "|".join(
        [str(CACHE_FORMAT), nlp.lang, str(meta.get("name")), str(meta.get("version")), spacy.__version__, ",".join(components)]
    )
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{nlp.lang}_{meta.get('name')}-{meta.get('version')}")
    return f"{readable}.{hashlib.sha256(identity.encode('utf-8')).hexdigest()[:8]}"


class ParseCache:
    """Parsed Docs of ``nlp`` under ``directory`` (see the module's
    docstring).  ``hits``, ``misses`` and ``refused`` (entries found but not
    trusted) count the lookups of this object."""

    def __init__(self, directory: str | Path, nlp: "Language"):
        self.nlp = nlp
        self.directory = Path(directory) / pipeline_key(nlp)
        self.hits = self.misses = self.refused = 0

    def path(self, text: str) -> Path:
        return self.directory / f"{text_sha256(text)}{SUFFIX}"

    def get(self, text: str) -> "Doc | None":
        """The cached Doc of ``text``, or None when there is no entry that
        can be trusted."""
        path = self.path(text)
        try:
            data = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        doc = self._decoded(data, text)
        if doc is None:
            self.refused += 1
            self.misses += 1
            return None
        self.hits += 1
        return doc

    def _decoded(self, data: bytes, text: str) -> "Doc | None":
        from spacy.tokens import DocBin

        try:
            docs = list(DocBin().from_bytes(data).get_docs(self.nlp.vocab))
        except Exception:  # any decoding failure means a corrupt entry: parse again
            return None
        if len(docs) != 1:
            return None
        doc = docs[0]
        if joined_text(doc) != text or (len(doc) and not doc.has_annotation("DEP")):
            return None
        doc.user_data[TEXT_KEY] = text
        return doc

    def put(self, text: str, doc: "Doc") -> Path:
        """Write ``doc`` (the parse of ``text``) as the entry of ``text``."""
        from spacy.tokens import DocBin

        if doc.text != text:
            raise ValueError("the Doc's text is not the text it is cached for")
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(text)
        write_bytes_atomic(path, DocBin(docs=[doc], store_user_data=False).to_bytes())
        return path
