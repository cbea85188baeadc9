"""A large language model behind any OpenAI-compatible chat-completions
endpoint (OpenAI, vLLM, llama.cpp, Ollama, ...), as a baseline.

One request per document: ``POST {url}/chat/completions`` with
``{"model", "messages", "temperature": 0}`` and, when the environment variable
named by ``api_key_env`` is set, ``Authorization: Bearer <key>``.  The prompt
holds the document and, in the attribution track, the gold quotes (ids and
text); the model answers with a JSON array:

- attribution: ``[{"quote_id": "q01", "speaker": "Jane Smith"}]``
- end-to-end: ``[{"quote": "the quoted words", "speaker": "Jane Smith"}]``

Reading the answer:

- The JSON is taken from the whole answer, else from a fenced code block,
  else from the first ``[`` or ``{`` in the text where a JSON value decodes
  (prose around it is ignored); an object that wraps a list
  (``{"quotes": [...]}``) gives that list.
- Speakers that are not a non-empty string, or that say there is none
  ("unknown", "none", "n/a"), abstain.  An answer that cannot be read at all
  abstains on every quote: the attribution track still has a row, with
  ``speaker`` None, for every gold quote; answers for unknown quote ids are
  ignored.
- End-to-end: the quote text, stripped of white space and of one enclosing
  pair of quotation marks, is located in the document (white space runs and
  the kind of quotation mark may differ); each answer takes the first
  occurrence no earlier answer took; quotes that cannot be located are dropped.
- ``speaker_start``/``speaker_end``: the nearest occurrence of the speaker's
  name (whole words, any case) ending before the quote starts, else the
  nearest one starting after it ends; omitted when the name does not occur.

Failures of the server are errors, not abstentions (:class:`LLMError`: the
endpoint is unreachable, times out, answers an HTTP error status or something
that is not a chat completion): a leaderboard row must measure the model's
answers, not an outage.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from baselines import Option, register
from benchmark.errors import UsageError
from benchmark.gold import CLOSING_MARKS, OPENING_MARKS, QUOTE_MARKS
from benchmark.models import ModelInput, QuoteSpan

NO_SPEAKER = frozenset({"", "unknown", "none", "null", "n/a", "na", "no speaker", "unattributed"})

SYSTEM_PROMPT = "You annotate quotations in news articles: who said what. You answer with JSON only."

ATTRIBUTION_PROMPT = """\
Below are a news article and a list of quotations from it, each with an id.
For each quotation, name its speaker: the person or organisation the article attributes the words to.

Answer with a JSON array, one object per quotation, and nothing else:
[{{"quote_id": "q01", "speaker": "Jane Smith"}}]

"speaker" is the speaker's name as written in the article, in its fullest form (resolve "he", "she" or "the minister" to the name); a description as written ("a senior official") when the article gives no name; null when the article names no source.

ARTICLE:
{text}

QUOTATIONS:
{quotes}
"""

END_TO_END_PROMPT = """\
Below is a news article. List every quotation in it with its speaker: direct quotations (in quotation marks), indirect ones (reported speech) and mixed ones.

Answer with a JSON array, one object per quotation in the order they appear, and nothing else:
[{{"quote": "the quoted words", "speaker": "Jane Smith"}}]

"quote" is copied exactly from the article, without the enclosing quotation marks. "speaker" is the speaker's name as written in the article, in its fullest form (resolve "he", "she" or "the minister" to the name); a description as written ("a senior official") when the article gives no name; null when the article names no source.

ARTICLE:
{text}
"""


class LLMError(RuntimeError):
    """The chat-completions endpoint failed (not the model's answer)."""


def chat_completions_url(url: str) -> str:
    """The chat-completions endpoint of a base URL given with or without its
    API version: ``http://host:8000`` and ``http://host:8000/v1`` both give
    ``http://host:8000/v1/chat/completions``; a path that already names a
    version (``/v1beta/openai``) is kept as it is."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"llm url: not an http(s) URL: {url!r}")
    base = url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not re.search(r"/v\d+[a-z0-9]*(/|$)", parts.path):
        base += "/v1"
    return base + "/chat/completions"


# ----------------------------------------------------------------------------
# reading the answer


def _as_list(value: Any) -> list | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if "quote_id" in value or "quote" in value:
            return [value]
        return next((v for v in value.values() if isinstance(v, list)), None)
    return None


def parse_answer(content: str) -> list | None:
    """The JSON list in a model's answer, or None when there is none."""
    candidates = [content] + re.findall(r"```(?:json|JSON)?\s*(.*?)```", content, re.DOTALL)
    for candidate in candidates:
        try:
            found = _as_list(json.loads(candidate))
        except ValueError:
            continue
        if found is not None:
            return found
    decoder = json.JSONDecoder()
    for opening in re.finditer(r"[\[{]", content):
        try:
            value, _ = decoder.raw_decode(content, opening.start())
        except ValueError:
            continue
        if (found := _as_list(value)) is not None:
            return found
    return None


def _speaker(value: Any) -> str | None:
    if not isinstance(value, str) or value.strip().casefold() in NO_SPEAKER:
        return None
    return value.strip()


_ANY_MARK = "[" + re.escape("".join(sorted(QUOTE_MARKS))) + "]"


def _loose_pattern(words: str) -> str:
    """A regular expression for ``words`` that lets white space runs and
    quotation-mark styles differ (the model may write " for “, or one space
    for a line break)."""
    parts = []
    for char in words:
        if char.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        elif char in QUOTE_MARKS:
            parts.append(_ANY_MARK)
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _strip_enclosing_marks(quote: str) -> str:
    quote = quote.strip()
    if quote[:1] in OPENING_MARKS:
        quote = quote[1:]
    if quote[-1:] in CLOSING_MARKS:
        quote = quote[:-1]
    return quote.strip()


def locate_quote(text: str, quote: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of ``quote`` in ``text``: its first occurrence that overlaps
    no span in ``taken``."""
    words = _strip_enclosing_marks(quote)
    if not words:
        return None
    for match in re.finditer(_loose_pattern(words), text):
        if all(match.end() <= s or match.start() >= e for s, e in taken):
            return match.span()
    return None


def speaker_mention(text: str, speaker: str, start: int, end: int) -> tuple[int, int] | None:
    """The occurrence of ``speaker`` nearest before [start, end), else nearest after it."""
    whole_words = rf"(?<!\w){_loose_pattern(speaker.strip())}(?!\w)"
    spans = [m.span() for m in re.finditer(whole_words, text, re.IGNORECASE)]
    before = [s for s in spans if s[1] <= start]
    after = [s for s in spans if s[0] >= end]
    return before[-1] if before else (after[0] if after else None)


# ----------------------------------------------------------------------------
# the model


def _quote_text(text: str, quote: QuoteSpan) -> str:
    if quote.fragments:
        return " … ".join(text[f.start : f.end] for f in quote.fragments)
    return text[quote.start : quote.end]


@register("llm", enabled_by="url", options=(
    Option("--llm-url", "url", "OpenAI-compatible chat-completions base URL (the llm baseline runs only when given)"),
    Option("--llm-model", "model", "model name sent to the llm endpoint"),
    Option("--llm-key-env", "api_key_env", "environment variable holding the llm API key", default="OPENAI_API_KEY"),
))
class LLMQuotes:
    """A chat model asked, one document at a time, who said each quote."""

    needs_spacy = False

    def __init__(
        self,
        url: str | None = None,
        model: str | None = None,
        api_key_env: str | None = "OPENAI_API_KEY",
        timeout: float = 120.0,
    ) -> None:
        if not url:
            raise UsageError("the llm baseline needs the endpoint's base URL (--llm-url)")
        if not model:
            raise UsageError("the llm baseline needs a model name (--llm-model)")
        self.endpoint = chat_completions_url(url)
        self.model = model
        self.timeout = timeout
        self._api_key = os.environ.get(api_key_env) if api_key_env else None

    def __repr__(self) -> str:  # never shows the key
        return f"LLMQuotes(endpoint={self.endpoint!r}, model={self.model!r})"

    def complete(self, prompt: str) -> str:
        """The model's answer to ``prompt`` (the first choice's message content)."""
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}],
            "temperature": 0,
        }
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self.endpoint, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
            raise LLMError(f"{self.endpoint} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # refused, unknown host, timeout
            reason = getattr(exc, "reason", exc)
            raise LLMError(f"cannot reach the llm endpoint {self.endpoint}: {reason}") from None
        try:
            content = json.loads(payload)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"{self.endpoint} did not answer with a chat completion: {payload[:200]!r}") from None
        return content if isinstance(content, str) else ""  # null content (a refusal): nothing to read

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        if track == "attribution":
            return self._attribute(item)
        if track == "end-to-end":
            return self._find_and_attribute(item)
        raise ValueError(f"unknown track {track!r}")

    def _attribute(self, item: ModelInput) -> list[dict[str, Any]]:
        quotes = item.quotes or []
        if not quotes:
            return []
        listing = "\n".join(f"{q.id}: {_quote_text(item.text, q)}" for q in quotes)
        answer = parse_answer(self.complete(ATTRIBUTION_PROMPT.format(text=item.text, quotes=listing))) or []
        speakers: dict[str, str | None] = {}
        for entry in answer:
            if isinstance(entry, dict) and entry.get("quote_id") is not None:
                speakers.setdefault(str(entry["quote_id"]), _speaker(entry.get("speaker")))
        return [self._row(item, {"quote_id": q.id}, speakers.get(q.id), q.start, q.end) for q in quotes]

    def _find_and_attribute(self, item: ModelInput) -> list[dict[str, Any]]:
        answer = parse_answer(self.complete(END_TO_END_PROMPT.format(text=item.text))) or []
        rows, taken = [], []
        for entry in answer:
            if not isinstance(entry, dict) or not isinstance(entry.get("quote"), str):
                continue
            span = locate_quote(item.text, entry["quote"], taken)
            if span is None:
                continue
            taken.append(span)
            rows.append(self._row(item, {"start": span[0], "end": span[1]}, _speaker(entry.get("speaker")), *span))
        return rows

    @staticmethod
    def _row(item: ModelInput, quote_fields: dict, speaker: str | None, start: int, end: int) -> dict[str, Any]:
        row = {"doc_id": item.doc_id, **quote_fields, "speaker": speaker}
        mention = speaker_mention(item.text, speaker, start, end) if speaker else None
        if mention:
            row["speaker_start"], row["speaker_end"] = mention
        return row
