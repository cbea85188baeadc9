"""Counts and articles in messages: "1 document", "2 documents", "an attribution row"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one: ``counted(1, "quote")``
    is "1 quote", ``counted(0, "quote")`` "0 quotes"."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def with_article(word: str) -> str:
    """``word`` after "a" or "an", by its first letter: "an attribution",
    "an end-to-end", "a direct"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
