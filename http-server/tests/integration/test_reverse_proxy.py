"""http-server as a reverse proxy: [[reverse]] routes to a Python upstream."""

import hashlib
import http.client
import http.server
import json
import os
import socket
import subprocess
import threading

import pytest
from wkharness import Daemon

BIG = os.urandom(3 * 1024 * 1024 + 7)


class Upstream(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.peers = set()  # client ports seen: one per upstream connection
        self.requests = []

    def handle_error(self, request, client_address):
        pass  # the proxy closing early (504 test) is expected, not worth a traceback


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, status=200, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        self.server.peers.add(self.client_address[1])
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers.items()), body))
        if self.path.startswith("/app/echo"):
            info = {"method": self.command, "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("latin-1")}
            self.reply(json.dumps(info).encode(), headers=[
                ("Content-Type", "application/json"), ("Connection", "X-Internal"),
                ("X-Internal", "secret"), ("Keep-Alive", "timeout=5")])
        elif self.path == "/app/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in [b"hello ", b"chunked ", b"world"]:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/app/big":
            self.reply(BIG, headers=[("Content-Type", "application/octet-stream")])
        elif self.path == "/app/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
        elif self.path == "/app/slow":
            threading.Event().wait(3)
            self.reply(b"too late")
        elif self.path == "/app/garbage":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
            self.close_connection = True
        else:
            self.reply(b"not here", status=404)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


@pytest.fixture
def upstream():
    server = Upstream()
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server
    server.shutdown()
    server.server_close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proxy_config(root, upstream_port, dead_port):
    return f"""
[server]
listen = ["127.0.0.1:0"]
threads = 1
upstream_timeout = "1s"
[static]
root = "{root}"
[[reverse]]
path = "/app/"
upstream = "http://127.0.0.1:{upstream_port}"
[[reverse]]
path = "/down/"
upstream = "http://127.0.0.1:{dead_port}"
"""


@pytest.fixture
def proxy(tmp_path, upstream):
    root = tmp_path / "www"
    root.mkdir()
    (root / "static.txt").write_text("static file")
    text = proxy_config(root, upstream.server_address[1], free_port())
    with Daemon("http-server", text, tmp_path) as d:
        yield d


def curl(*args):
    out = subprocess.run(["curl", "-s", "--max-time", "10", *args], capture_output=True)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout


def test_forwarding_headers(proxy, upstream):
    port = proxy.port("tcp")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/app/echo?x=1", headers={
        "Connection": "X-Hop", "X-Hop": "drop me", "X-Forwarded-For": "198.51.100.9",
        "Keep-Alive": "timeout=1", "Proxy-Authorization": "Basic eA==", "X-Kept": "yes"})
    r = conn.getresponse()
    info = json.loads(r.read())
    assert r.status == 200
    h = info["headers"]
    assert info["path"] == "/app/echo?x=1"
    assert "x-hop" not in h and "keep-alive" not in h and "proxy-authorization" not in h
    assert h["x-kept"] == "yes"
    assert h["x-forwarded-for"] == "198.51.100.9, 127.0.0.1"
    assert h["x-forwarded-proto"] == "http"
    assert h["via"] == "1.1 wellknown"
    assert h["host"] == f"127.0.0.1:{port}"
    # The response loses the upstream's hop-by-hop fields and gains Via.
    assert r.getheader("X-Internal") is None and r.getheader("Keep-Alive") is None
    assert r.getheader("Via") == "1.1 wellknown"


def test_upstream_keepalive_pool(proxy, upstream):
    port = proxy.port("tcp")
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(5):
            conn.request("GET", "/app/echo")
            assert conn.getresponse().read()
        conn.close()
    assert len(upstream.peers) == 1, upstream.peers  # ten requests, one upstream connection


def test_bodies_both_ways(proxy, upstream):
    port = proxy.port("tcp")
    out = json.loads(curl("--data-binary", "posted body", f"http://127.0.0.1:{port}/app/echo"))
    assert out["method"] == "POST" and out["body"] == "posted body"
    # A chunked request body is de-chunked and sent with a Content-Length.
    out = json.loads(curl("-H", "Transfer-Encoding: chunked", "--data-binary", "chunky",
                          f"http://127.0.0.1:{port}/app/echo"))
    assert out["body"] == "chunky"
    assert out["headers"]["content-length"] == "6"
    assert curl(f"http://127.0.0.1:{port}/app/chunked") == b"hello chunked world"
    assert curl(f"http://127.0.0.1:{port}/app/close") == b"until the end"
    big = curl(f"http://127.0.0.1:{port}/app/big")
    assert hashlib.sha256(big).digest() == hashlib.sha256(BIG).digest()
    # HEAD through the proxy: headers only.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("HEAD", "/app/big")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Length") == str(len(BIG))
    assert r.read() == b""


def test_static_and_upstream_status(proxy, upstream):
    port = proxy.port("tcp")
    assert curl(f"http://127.0.0.1:{port}/static.txt") == b"static file"
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                          f"http://127.0.0.1:{port}/app/nothing"], capture_output=True)
    assert out.stdout == b"404"


def test_bad_gateway(proxy, upstream):
    port = proxy.port("tcp")
    for path in ["/down/x", "/app/garbage"]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        assert r.status == 502, path
        assert b"502 Bad Gateway" in body
        # The client connection survives an upstream failure.
        conn.request("GET", "/static.txt")
        assert conn.getresponse().read() == b"static file"


def test_gateway_timeout(proxy, upstream):
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port("tcp"), timeout=10)
    conn.request("GET", "/app/slow")
    r = conn.getresponse()
    assert r.status == 504
    assert b"504 Gateway Timeout" in r.read()


def forward_config(root, allow):
    return f"""
[server]
listen = ["127.0.0.1:0"]
threads = 1
[static]
root = "{root}"
[proxy]
listen = ["127.0.0.1:0"]
allow = {allow}
"""


def test_forward_proxy(tmp_path, upstream):
    root = tmp_path / "www"
    root.mkdir()
    up = upstream.server_address[1]
    with Daemon("http-server", forward_config(root, '["127.0.0.0/8"]'), tmp_path,
                expect_listen=2) as d:
        proxy = f"http://127.0.0.1:{d.port('proxy')}"
        info = json.loads(curl("-x", proxy, f"http://127.0.0.1:{up}/app/echo?q=1"))
        assert info["path"] == "/app/echo?q=1"
        assert info["headers"]["host"] == f"127.0.0.1:{up}"
        assert info["headers"]["via"] == "1.1 wellknown"
        assert info["headers"]["x-forwarded-for"] == "127.0.0.1"
        assert "proxy-connection" not in info["headers"]
        # Keep-alive to the proxy, several origins' requests on one client connection.
        conn = http.client.HTTPConnection("127.0.0.1", d.port("proxy"), timeout=5)
        for _ in range(3):
            conn.request("GET", f"http://127.0.0.1:{up}/app/echo", headers={"Host": "ignored"})
            r = conn.getresponse()
            assert json.loads(r.read())["headers"]["host"] == f"127.0.0.1:{up}"
        # Origin-form is not a proxy request; CONNECT is not supported yet.
        for request, status in [(b"GET /app/echo HTTP/1.1\r\nHost: x\r\n\r\n", b"400"),
                                (b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n",
                                 b"501")]:
            with socket.create_connection(("127.0.0.1", d.port("proxy")), timeout=5) as s:
                s.sendall(request)
                assert s.recv(100).startswith(b"HTTP/1.1 " + status)
        # The main listener still serves files, not proxy requests to other hosts.
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                              "-x", f"http://127.0.0.1:{d.port('tcp')}",
                              f"http://127.0.0.1:{up}/app/echo"], capture_output=True)
        assert out.stdout == b"404"
    assert len(upstream.requests) == 4


def test_forward_proxy_refuses_clients_outside_allow(tmp_path, upstream):
    root = tmp_path / "www"
    root.mkdir()
    with Daemon("http-server", forward_config(root, '["10.0.0.0/8"]'), tmp_path,
                expect_listen=2) as d:
        with socket.create_connection(("127.0.0.1", d.port("proxy")), timeout=5) as s:
            s.sendall(b"GET http://127.0.0.1:%d/app/echo HTTP/1.1\r\nHost: x\r\n\r\n"
                      % upstream.server_address[1])
            data = b""
            while True:
                b = s.recv(4096)
                if not b:
                    break
                data += b
        assert data.startswith(b"HTTP/1.1 403 ")
        assert b"403 Forbidden" in data
    assert upstream.requests == []
