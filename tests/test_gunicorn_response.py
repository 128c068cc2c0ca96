"""The app servers send a response's head and body in one write (config/gunicorn_response.py), so a
server that dies mid-response never leaves nginx a head without its body."""

from __future__ import annotations

import types

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi

from config.gunicorn_response import OneWriteResponse


class RecordingSocket:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def respond(cls, status: str, headers: list[tuple[str, str]], chunks: list[bytes], method: str = "GET"):
    sock = RecordingSocket()
    req = types.SimpleNamespace(version=(1, 1), method=method, should_close=lambda: False)
    response = cls(req, sock, Config())
    response.start_response(status, headers)
    for chunk in chunks:
        response.write(chunk)
    response.close()
    return sock.writes


PAGE = b"<html>" + b"x" * 3573 + b"</html>"


def test_gunicorn_itself_writes_the_head_and_the_body_apart():
    # the behaviour this module exists for: if gunicorn ever coalesces them, it can go
    writes = respond(wsgi.Response, "200 OK", [("Content-Length", str(len(PAGE)))], [PAGE])
    assert len(writes) == 2 and writes[1] == PAGE


def test_a_page_goes_out_in_one_write_with_its_head():
    writes = respond(OneWriteResponse, "200 OK",
                     [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))], [PAGE])
    assert len(writes) == 1
    head, body = writes[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and f"Content-Length: {len(PAGE)}".encode() in head
    assert body == PAGE


def test_the_bytes_on_the_wire_are_what_gunicorn_would_send():
    headers = [("Content-Length", str(len(PAGE) * 2))]
    ours = b"".join(respond(OneWriteResponse, "200 OK", headers, [PAGE, PAGE]))
    theirs = b"".join(respond(wsgi.Response, "200 OK", headers, [PAGE, PAGE]))
    strip_date = lambda raw: b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"Date: "))  # noqa: E731
    assert strip_date(ours) == strip_date(theirs)


@pytest.mark.parametrize(("status", "method"), [("304 Not Modified", "GET"), ("200 OK", "HEAD"),
                                                  ("204 No Content", "GET")])
def test_a_response_without_a_body_sends_its_head_and_no_body(status, method):
    writes = respond(OneWriteResponse, status, [("Content-Length", str(len(PAGE)))], [PAGE], method)
    assert len(writes) == 1 and writes[0].endswith(b"\r\n\r\n")


def test_a_streamed_response_keeps_its_chunked_framing():
    writes = respond(OneWriteResponse, "200 OK", [("Content-Type", "text/csv")], [b"a,b\n", b"1,2\n"])
    raw = b"".join(writes)
    assert raw.split(b"\r\n\r\n", 1)[1] == b"4\r\na,b\n\r\n4\r\n1,2\n\r\n0\r\n\r\n"


def test_gunicorn_conf_installs_it(monkeypatch):
    monkeypatch.setattr(wsgi, "Response", wsgi.Response)  # undone after the test
    import runpy
    runpy.run_path("config/gunicorn.conf.py")
    assert wsgi.Response is OneWriteResponse
