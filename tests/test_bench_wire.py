"""The autosave benchmark's own client (bench/autosave.py ``send_bytes``): the whole answer, its status."""
import http.server
import threading

import pytest

from bench.autosave import send_bytes


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list = []

    def do_PATCH(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Handler.seen.append((self.path, self.headers["Authorization"], body))
        answer = b'{"saved": ["f001"]}' * 500  # larger than one recv
        self.send_response(422 if b"bad" in body else 200)
        if b"close" in body:  # no length: the end of the answer is the server closing, as gunicorn's sync worker
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()  # and the connection stays open: the client must stop at the length
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("body,status", [('{"values": {"f001": "2.000"}}', 200), ('{"bad": 1}', 422),
                                         ('{"close": "sống"}', 200)])
def test_the_request_arrives_whole_and_the_status_comes_back(server, body, status):
    Handler.seen.clear()
    assert send_bytes(server, "PATCH", "/api/v1/report/7/values", body,
                      {"Authorization": "Bearer t0k", "Content-Type": "application/json"}) == status
    assert Handler.seen == [("/api/v1/report/7/values", "Bearer t0k", body.encode())]
