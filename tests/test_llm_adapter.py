"""The llm baseline against a real HTTP server on 127.0.0.1 that answers
canned chat completions and records what it was sent."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import baselines
from baselines.llm import LLMError, chat_completions_url, parse_answer
from benchmark.errors import UsageError
from benchmark.models import ModelInput, QuoteSpan

TEXT = (
    "Anna Smith runs the city. “The budget is a disaster for our schools,” said Anna Smith. "
    "Critics disagreed. “We will fight it in court,” Tom Brown said later. "
    "Smith added that the city would win. Officials said the decision was final."
)
QUOTES = [
    QuoteSpan("q1", 27, 68),  # The budget is a disaster for our schools,
    QuoteSpan("q2", 107, 133),  # We will fight it in court,
    QuoteSpan("q3", 174, 192),  # the city would win
    QuoteSpan("q4", 209, 231),  # the decision was final
]
ABSTAIN_ALL = [{"doc_id": "doc1", "quote_id": q.id, "speaker": None} for q in QUOTES]


class CannedServer(ThreadingHTTPServer):
    """Answers every POST with ``self.status`` and ``self.body``; keeps the requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CannedHandler)
        self.status, self.body = 200, b"{}"
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, content: str) -> None:
        self.status = 200
        self.body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()


class CannedHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append({"path": self.path, "headers": self.headers, "body": json.loads(body)})
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a proxy in the environment must not intercept
    monkeypatch.setenv("QB_TEST_KEY", "sk-test-123")
    srv = CannedServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def llm(server, **options):
    return baselines.get("llm", url=server.url, model="test-model", api_key_env="QB_TEST_KEY", **options)


def attribute(model, quotes=QUOTES):
    return model.predict(ModelInput("doc1", TEXT, None, quotes), "attribution")


def test_attribution_request_and_rows(server):
    server.answer(json.dumps([
        {"quote_id": "q1", "speaker": "Anna Smith"},
        {"quote_id": "q2", "speaker": "Tom Brown"},
        {"quote_id": "q3", "speaker": "Anna Smith"},
        {"quote_id": "q4", "speaker": "unknown"},
        {"quote_id": "q9", "speaker": "Nobody"},  # no such quote: ignored
    ]))
    model = llm(server)
    assert (model.name, model.needs_spacy) == ("llm", False)
    rows = attribute(model)

    [request] = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test-123"
    body = request["body"]
    assert body["model"] == "test-model"
    assert body["temperature"] == 0
    prompt = "\n".join(m["content"] for m in body["messages"])
    assert TEXT in prompt
    assert "q1: The budget is a disaster for our schools," in prompt
    assert "q3: the city would win" in prompt

    assert rows == [
        # nearest "Anna Smith" before the quote: the one at the start
        {"doc_id": "doc1", "quote_id": "q1", "speaker": "Anna Smith", "speaker_start": 0, "speaker_end": 10},
        # no "Tom Brown" before the quote: the nearest after it
        {"doc_id": "doc1", "quote_id": "q2", "speaker": "Tom Brown", "speaker_start": 135, "speaker_end": 144},
        # the nearer of the two before it
        {"doc_id": "doc1", "quote_id": "q3", "speaker": "Anna Smith", "speaker_start": 75, "speaker_end": 85},
        {"doc_id": "doc1", "quote_id": "q4", "speaker": None},
    ]
    assert TEXT[75:85] == "Anna Smith" and TEXT[135:144] == "Tom Brown"


def test_fenced_answer_with_prose_around_it(server):
    server.answer(
        "Here are the speakers:\n```json\n"
        '[{"quote_id": "q2", "speaker": "tom brown"}, {"quote_id": "q1", "speaker": "Jane Doe"}]\n'
        "```\nLet me know if you need more."
    )
    rows = attribute(llm(server))
    assert rows == [
        {"doc_id": "doc1", "quote_id": "q1", "speaker": "Jane Doe"},  # not in the text: no span
        {"doc_id": "doc1", "quote_id": "q2", "speaker": "tom brown", "speaker_start": 135, "speaker_end": 144},
        {"doc_id": "doc1", "quote_id": "q3", "speaker": None},
        {"doc_id": "doc1", "quote_id": "q4", "speaker": None},
    ]


@pytest.mark.parametrize("content", [
    "I cannot help with that.",
    "",
    "[1, 2, 3]",
    '{"answer": "Anna Smith"}',
    '[{"quote_id": "q1", "speaker": ["Anna Smith", "Tom Brown"]}]',
])
def test_unreadable_answer_abstains_on_every_quote(server, content):
    server.answer(content)
    assert attribute(llm(server)) == ABSTAIN_ALL


def test_server_error_is_an_error_not_abstentions(server):
    server.status, server.body = 500, b'{"error": {"message": "model overloaded"}}'
    with pytest.raises(LLMError, match=r"answered HTTP 500: .*model overloaded"):
        attribute(llm(server))


def test_answer_that_is_not_a_chat_completion_is_an_error(server):
    server.status, server.body = 200, b"<html>It works!</html>"
    with pytest.raises(LLMError, match="did not answer with a chat completion"):
        attribute(llm(server))


def test_unreachable_server_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    model = baselines.get("llm", url=f"http://127.0.0.1:{port}/v1/", model="m", timeout=5)
    with pytest.raises(LLMError, match=rf"cannot reach the llm endpoint http://127.0.0.1:{port}/v1/chat/completions"):
        attribute(model)


def test_no_key_in_the_environment_sends_no_authorization(server, monkeypatch):
    monkeypatch.delenv("QB_TEST_KEY")
    server.answer("[]")
    attribute(llm(server))
    assert "Authorization" not in server.requests[0]["headers"]


def test_no_quotes_means_no_request(server):
    assert attribute(llm(server), quotes=[]) == []
    assert server.requests == []


def test_end_to_end_locates_quotes_and_drops_the_rest(server):
    server.answer(json.dumps({"quotes": [
        {"quote": "“The budget is a disaster for our schools,”", "speaker": "Anna Smith"},
        {"quote": "We will fight  it in court,", "speaker": "Tom Brown"},  # white space differs
        {"quote": "The budget is a disaster for our schools,", "speaker": "Anna Smith"},  # already taken
        {"quote": "We never said this", "speaker": "Anna Smith"},  # not in the text
        {"quote": "the decision was final", "speaker": None},
    ]}))
    rows = llm(server).predict(ModelInput("doc1", TEXT), "end-to-end")
    assert rows == [
        {"doc_id": "doc1", "start": 27, "end": 68, "speaker": "Anna Smith", "speaker_start": 0, "speaker_end": 10},
        {"doc_id": "doc1", "start": 107, "end": 133, "speaker": "Tom Brown", "speaker_start": 135, "speaker_end": 144},
        {"doc_id": "doc1", "start": 209, "end": 231, "speaker": None},
    ]
    prompt = "\n".join(m["content"] for m in server.requests[0]["body"]["messages"])
    assert TEXT in prompt and "quote_id" not in prompt


def test_missing_url_or_model_is_a_usage_error():
    with pytest.raises(UsageError, match="--llm-url"):
        baselines.get("llm", url=None, model="m")
    with pytest.raises(UsageError, match="--llm-model"):
        baselines.get("llm", url="http://127.0.0.1:1", model=None)
    with pytest.raises(UsageError, match="not an http"):
        baselines.get("llm", url="file:///etc/passwd", model="m")


@pytest.mark.parametrize("url, endpoint", [
    ("http://localhost:8000", "http://localhost:8000/v1/chat/completions"),
    ("http://localhost:8000/", "http://localhost:8000/v1/chat/completions"),
    ("http://localhost:8000/v1", "http://localhost:8000/v1/chat/completions"),
    ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
    ("https://example.org/v1beta/openai", "https://example.org/v1beta/openai/chat/completions"),
    ("http://h/v1/chat/completions", "http://h/v1/chat/completions"),
])
def test_endpoint_with_or_without_version(url, endpoint):
    assert chat_completions_url(url) == endpoint


def test_parse_answer_finds_json_in_prose():
    assert parse_answer('Sure. [{"quote_id": "q1", "speaker": "A"}] Done.') == [{"quote_id": "q1", "speaker": "A"}]
    assert parse_answer('{"quote_id": "q1", "speaker": "A"}') == [{"quote_id": "q1", "speaker": "A"}]
    assert parse_answer("no [json here") is None
