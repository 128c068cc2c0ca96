"""gunicorn writes a response's head and its body in two sendall() calls (gunicorn 27,
http/wsgi.py: send_headers, then _emit_body). An app server that dies between the two (a crash, an
OOM kill) leaves nginx holding a head with no body: nginx has already passed that head to the client,
so it cannot retry the request on the other server and the client gets a cut-off page. The cluster
drill that kills an app server under load hit exactly that ("IncompleteRead(0 bytes read, 3579 more
expected)"). Sent in one sendall(), a response of a page's size is either wholly in the kernel's
socket buffer (delivered even if the process dies next) or not sent at all (nginx sees the server
fail before the head and retries the GET on the other one)."""

from __future__ import annotations

from gunicorn import util
from gunicorn.http import wsgi


class _Held:
    """Stands in for the socket while gunicorn writes the head and first body bytes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.parts.append(bytes(data))


class OneWriteResponse(wsgi.Response):
    def write(self, arg):
        if self.headers_sent or self.chunked:  # later chunks, and streamed bodies, as gunicorn writes them
            return super().write(arg)
        sock, held = self.sock, _Held()
        self.sock = held
        try:
            super().write(arg)  # the head, then the body (if the response may carry one), into `held`
        finally:
            self.sock = sock
        util.write(sock, b"".join(held.parts))
        return None


def install() -> None:
    """From gunicorn.conf.py: wsgi.create() looks the class up on each request."""
    wsgi.Response = OneWriteResponse
