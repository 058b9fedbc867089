"""A local stand-in for an OpenAI-compatible model server, for the written-answer tests.

It speaks the real chat-completions protocol on 127.0.0.1: POST /v1/chat/completions answers
plain JSON (object "chat.completion") when the request's "stream" is false, and server-sent
events when it is true — chunked transfer encoding, one `data: {chat.completion.chunk}` event
per piece, a last chunk with a finish_reason, then `data: [DONE]`, as OpenAI, vLLM, Ollama and
llama.cpp send them. Each test queues the replies it needs (an answer, an HTTP error, a stream
that stalls or is cut) and reads back the requests the server received.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMPLETIONS_PATH = "/v1/chat/completions"
SHUTDOWN_POLL_S = 0.02


@dataclass
class Answer:
    """A model's answer: `text` in `pieces` of a few characters (streamed), or whole (plain JSON)."""

    text: str
    piece_chars: int = 12
    stall_after: int | None = None  # pieces sent before the stream stalls for `stall_s`
    stall_s: float = 0.0
    cut_after: int | None = None  # pieces sent before the connection is dropped mid-body
    finish_reason: str = "stop"


@dataclass
class Failure:
    """An HTTP error answer with OpenAI's error body."""

    status: int
    message: str = "error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RawStream:
    """Server-sent events exactly as given (for malformed streams)."""

    events: list[str]


Reply = Answer | Failure | RawStream


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]


def _chunk(model: str, delta: dict, finish_reason: str | None) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "system_fingerprint": "fp_fake", "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}


def _completion(model: str, text: str, finish_reason: str) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked streams, as real servers send them
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests read requests, not logs
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.owner.requests.append(Request(self.path, {name.lower(): value for name, value in self.headers.items()}, body))
        if self.path != COMPLETIONS_PATH:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        reply = self.server.owner.next_reply()
        try:
            if isinstance(reply, Failure):
                self._json(reply.status, {"error": {"message": reply.message, "type": "server_error" if reply.status >= 500 else
                                                    "invalid_request_error", "param": None, "code": None}}, reply.headers)
            elif isinstance(reply, RawStream):
                self._events(reply.events)
            elif body.get("stream"):
                self._stream(body.get("model", ""), reply)
            else:
                self._json(200, _completion(body.get("model", ""), reply.text, reply.finish_reason))
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): nothing to answer
            pass

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _start_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _send_event(self, data: str) -> None:
        payload = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(payload):X}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def _end_events(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _events(self, events: list[str]) -> None:
        self._start_events()
        for event in events:
            self._send_event(event)
        self._end_events()

    def _stream(self, model: str, answer: Answer) -> None:
        self._start_events()
        self._send_event(json.dumps(_chunk(model, {"role": "assistant", "content": ""}, None)))
        pieces = [answer.text[i:i + answer.piece_chars] for i in range(0, len(answer.text), answer.piece_chars)]
        for number, piece in enumerate(pieces):
            if number == answer.cut_after:
                # Half a chunk, then the socket closes: what a crashed or restarted server leaves behind.
                self.wfile.write(b"400\r\ndata: {\"id\"")
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if number == answer.stall_after and self.server.owner.stopping.wait(answer.stall_s):
                return
            self._send_event(json.dumps(_chunk(model, {"content": piece}, None)))
        self._send_event(json.dumps(_chunk(model, {}, answer.finish_reason)))
        self._send_event("[DONE]")
        self._end_events()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "FakeModelServer"


class FakeModelServer:
    """`with FakeModelServer() as server:` — a server on a free port; `server.url` is its /v1 base URL."""

    def __init__(self, *replies: Reply):
        self.replies: deque[Reply] = deque(replies)
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        # Shutting down waits for the serving loop's next poll: a short one keeps each test short.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def next_reply(self) -> Reply:
        """The next queued reply; the last one repeats (a server that keeps failing keeps failing)."""
        return self.replies.popleft() if len(self.replies) > 1 else self.replies[0]

    def __enter__(self) -> "FakeModelServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stopping.set()  # releases stalled streams
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """A /v1 URL on a port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
