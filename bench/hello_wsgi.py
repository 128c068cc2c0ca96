"""Reference 1: the barest WSGI app (what the server alone costs)."""


def application(environ, start_response):
    body = b"hello"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
