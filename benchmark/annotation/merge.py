"""Combining gold files (``quotebench gold merge A B ... --out C``).

Each input is validated first.  Documents keep their ids, which must stay
unique: a ``doc_id`` found in two inputs is an error unless the two
documents are identical (same text, entities and quotes; the ``source``
spelling may differ), in which case it is kept once.  Entity ids are global
across a gold set, so they are kept as they are: the same id in two inputs
means the same entity.  A ``source`` path that no longer resolves to the same
file from the output's folder is rewritten relative to that folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmark.annotation.common import resolve_source, source_path
from benchmark.errors import InputError, InputErrors
from benchmark.gold import Document, load_gold


def rebase_source(source: str, gold_file: str | os.PathLike, out: str | os.PathLike) -> str:
    found = resolve_source(source, gold_file)
    if found is None or resolve_source(source, out) == found:
        return source
    return source_path(found, out)


def document_lines(path: str | os.PathLike) -> list[int]:
    """The line number of each document of a valid gold file."""
    content = Path(path).read_bytes().decode("utf-8-sig")
    # Split on "\n" only, as the gold reader does: str.splitlines() would also
    # break inside a text holding U+2028 or a form feed.
    return [n for n, line in enumerate(content.split("\n"), start=1) if line.strip()]


def _content(doc: Document) -> dict:
    data = doc.to_json()
    data.pop("source")
    return data


def merge_gold(paths: list[str | os.PathLike], out: str | os.PathLike) -> tuple[list[Document], list[str]]:
    """The documents of all ``paths`` in order, and notes on documents kept
    once; raise :class:`InputErrors` on an invalid input or a doc_id clash."""
    documents: list[Document] = []
    notes: list[str] = []
    errors: list[InputError] = []
    first: dict[str, tuple[Document, str, int]] = {}
    for path in paths:
        gold = load_gold(path)
        for doc, line in zip(gold.documents, document_lines(path)):
            doc.source = rebase_source(doc.source, path, out)
            if doc.doc_id in first:
                kept, kept_path, kept_line = first[doc.doc_id]
                if _content(kept) == _content(doc):
                    notes.append(f"{path}:{line}: {doc.doc_id!r} is identical to {kept_path}:{kept_line}; kept once")
                else:
                    errors.append(
                        InputError(path, line, "doc_id", f"{doc.doc_id!r} is also in {kept_path} (line {kept_line}) with different content")
                    )
                continue
            first[doc.doc_id] = (doc, os.fspath(path), line)
            documents.append(doc)
    if errors:
        raise InputErrors(errors)
    return documents, notes
