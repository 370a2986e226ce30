"""http-server end to end: curl, http.client and raw sockets against the real binary."""

import gzip
import hashlib
import http.client
import os
import re
import socket
import ssl
import subprocess
import time

import pytest
from wkharness import Daemon


def config(root, extra_server="", tls=True, static_extra=""):
    text = f"""
[server]
listen = ["127.0.0.1:0"]
threads = 2
{extra_server}
[static]
root = "{root}"
{static_extra}
"""
    if tls:
        text += '[tls]\nlisten = ["127.0.0.1:0"]\n'
    return text


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "www"
    (root / "docs").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>\n")
    (root / "hello.txt").write_text("0123456789abcdefghij")
    (root / "docs" / "guide.txt").write_text("guide")
    (root / "app.js").write_text("console.log('identity');\n" * 40)
    (root / "app.js.gz").write_bytes(gzip.compress((root / "app.js").read_bytes()))
    (root / "big.bin").write_bytes(os.urandom(8 * 1024 * 1024 + 123))
    (tmp_path / "secret.txt").write_text("outside the root")
    os.symlink(tmp_path / "secret.txt", root / "escape.txt")
    return root


def curl(*args, check=True):
    out = subprocess.run(["curl", "-s", "--max-time", "10", *args], capture_output=True)
    if check:
        assert out.returncode == 0, out.stderr.decode()
    return out


def head_lines(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    return head.split("\r\n")


def headers_of(raw):
    lines = head_lines(raw)
    result = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        result[k.strip().lower()] = v.strip()
    return lines[0], result


def raw_exchange(port, data, timeout=5.0):
    """Sends bytes, reads until the server closes (or timeout); returns all bytes read."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
        except socket.timeout:
            chunks.append(b"<timeout>")
        return b"".join(chunks)


def test_get_head_and_headers(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        port = d.port("tcp")
        out = curl("-i", f"http://127.0.0.1:{port}/hello.txt").stdout
        status, h = headers_of(out)
        assert status == "HTTP/1.1 200 OK"
        assert out.endswith(b"0123456789abcdefghij")
        assert h["content-length"] == "20"
        assert h["content-type"] == "text/plain; charset=utf-8"
        assert h["accept-ranges"] == "bytes"
        assert re.fullmatch(r'"[0-9a-f]+-14"', h["etag"])
        assert h["last-modified"].endswith(" GMT")
        assert h["date"].endswith(" GMT")
        out = curl("-I", f"http://127.0.0.1:{port}/hello.txt").stdout
        status, h2 = headers_of(out)
        assert status == "HTTP/1.1 200 OK" and h2["content-length"] == "20"
        assert out.endswith(b"\r\n\r\n")
        assert curl("-o", "/dev/null", "-w", "%{http_code}",
                    f"http://127.0.0.1:{port}/missing").stdout == b"404"


def test_keepalive_and_pipelining(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        port = d.port("tcp")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for path in ["/hello.txt", "/docs/guide.txt", "/", "/hello.txt"]:
            conn.request("GET", path)
            r = conn.getresponse()
            assert r.status == 200
            r.read()
        first_sock = conn.sock
        conn.request("GET", "/hello.txt")
        conn.getresponse().read()
        assert conn.sock is first_sock  # one connection for all five
        conn.close()
        # Three requests in one packet, answered in order; the last asks to close.
        req = (b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
               b"HEAD /docs/guide.txt HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /docs/guide.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        raw = raw_exchange(port, req)
        assert raw.count(b"HTTP/1.1 200 OK") == 3
        assert raw.index(b"0123456789abcdefghij") < raw.rindex(b"guide")
        assert raw.endswith(b"guide")
        assert b"Connection: close" in raw


def test_conditional_requests(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        url = f"http://127.0.0.1:{d.port('tcp')}/hello.txt"
        _, h = headers_of(curl("-i", url).stdout)
        etag, lm = h["etag"], h["last-modified"]

        def code(*hdrs):
            args = []
            for x in hdrs:
                args += ["-H", x]
            return curl("-o", "/dev/null", "-w", "%{http_code}", *args, url).stdout.decode()

        assert code(f"If-None-Match: {etag}") == "304"
        assert code(f"If-None-Match: W/{etag}") == "304"
        assert code('If-None-Match: "other"') == "200"
        assert code(f"If-Modified-Since: {lm}") == "304"
        assert code("If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT") == "200"
        assert code('If-Match: "other"') == "412"
        assert code(f"If-Match: {etag}") == "200"
        assert code("If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT") == "412"
        out = curl("-i", "-H", f"If-None-Match: {etag}", url).stdout
        status, h304 = headers_of(out)
        assert status.startswith("HTTP/1.1 304") and h304["etag"] == etag
        assert out.endswith(b"\r\n\r\n")


def test_ranges(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        url = f"http://127.0.0.1:{d.port('tcp')}/hello.txt"
        out = curl("-i", "-r", "2-5", url).stdout
        status, h = headers_of(out)
        assert status.startswith("HTTP/1.1 206")
        assert h["content-range"] == "bytes 2-5/20" and out.endswith(b"\r\n\r\n2345")
        out = curl("-i", "-r", "0-1,15-", url).stdout
        status, h = headers_of(out)
        assert status.startswith("HTTP/1.1 206")
        boundary = h["content-type"].split("boundary=")[1]
        body = out.split(b"\r\n\r\n", 1)[1]
        assert len(body) == int(h["content-length"])
        assert body.count(f"--{boundary}".encode()) == 3
        assert b"Content-Range: bytes 0-1/20\r\n\r\n01\r\n" in body
        assert b"Content-Range: bytes 15-19/20\r\n\r\nfghij\r\n" in body
        # Overlapping ranges merge into one part.
        out = curl("-i", "-r", "0-5,3-9", url).stdout
        assert headers_of(out)[1]["content-range"] == "bytes 0-9/20"
        out = curl("-i", "-r", "50-60", url).stdout
        status, h = headers_of(out)
        assert status.startswith("HTTP/1.1 416") and h["content-range"] == "bytes */20"
        _, h = headers_of(curl("-i", url).stdout)
        out = curl("-i", "-r", "0-0", "-H", 'If-Range: "stale"', url).stdout
        assert headers_of(out)[0] == "HTTP/1.1 200 OK"
        out = curl("-i", "-r", "0-0", "-H", f"If-Range: {h['etag']}", url).stdout
        assert headers_of(out)[0].startswith("HTTP/1.1 206")
        # Range count capped: too many ranges get the whole file.
        many = ",".join(f"{i}-{i}" for i in range(0, 20, 2)) + ",1-1" * 30
        out = curl("-i", "-r", many, url).stdout
        assert headers_of(out)[0] == "HTTP/1.1 200 OK"


def test_precompressed_sibling(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        url = f"http://127.0.0.1:{d.port('tcp')}/app.js"
        out = curl("-i", "--compressed", url).stdout
        status, h = headers_of(out)
        assert h["content-encoding"] == "gzip" and h["vary"] == "Accept-Encoding"
        assert int(h["content-length"]) == (site / "app.js.gz").stat().st_size
        assert out.split(b"\r\n\r\n", 1)[1] == (site / "app.js").read_bytes()  # curl decoded
        out = curl("-i", url).stdout
        status, h = headers_of(out)
        assert "content-encoding" not in h and h["vary"] == "Accept-Encoding"
        assert out.split(b"\r\n\r\n", 1)[1] == (site / "app.js").read_bytes()


def test_directories_index_autoindex(site, tmp_path):
    with Daemon("http-server", config(site, static_extra="autoindex = true"), tmp_path,
                expect_listen=2) as d:
        port = d.port("tcp")
        out = curl("-i", f"http://127.0.0.1:{port}/docs").stdout
        status, h = headers_of(out)
        assert status.startswith("HTTP/1.1 301") and h["location"] == "/docs/"
        assert curl(f"http://127.0.0.1:{port}/").stdout == b"<h1>home</h1>\n"
        listing = curl(f"http://127.0.0.1:{port}/docs/").stdout.decode()
        assert '<a href="guide.txt">guide.txt</a>' in listing
    with Daemon("http-server", config(site), tmp_path / "b", expect_listen=2) as d:
        port = d.port("tcp")
        assert curl("-o", "/dev/null", "-w", "%{http_code}",
                    f"http://127.0.0.1:{port}/docs/").stdout == b"403"


def test_path_jail(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        port = d.port("tcp")
        for target in [b"/../secret.txt", b"/%2e%2e/secret.txt", b"/docs/../../secret.txt",
                       b"/hello.txt%00.html"]:
            raw = raw_exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                               b"Connection: close\r\n\r\n")
            assert raw.startswith(b"HTTP/1.1 400"), (target, raw[:80])
            assert b"outside the root" not in raw
        # A symlink inside the root that leads out is not followed.
        out = curl("-i", f"http://127.0.0.1:{port}/escape.txt").stdout
        assert headers_of(out)[0].startswith("HTTP/1.1 404")
        assert b"outside the root" not in out


@pytest.mark.parametrize("request_bytes,status", [
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400),
    (b"GET / HTTP/1.1\nHost: x\n\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n  folded\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
    (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 40000 + b"\r\n\r\n", 431),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n", 413),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400),
])
def test_malformed_requests_are_refused_and_closed(site, tmp_path, request_bytes, status):
    with Daemon("http-server", config(site, tls=False), tmp_path) as d:
        # A valid request follows the bad one: it must never be answered (no smuggling).
        smuggled = b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        raw = raw_exchange(d.port("tcp"), request_bytes + smuggled)
        assert raw.startswith(f"HTTP/1.1 {status} ".encode()), raw[:100]
        assert raw.count(b"HTTP/1.1") == 1
        assert b"Connection: close" in raw
        assert b"0123456789abcdefghij" not in raw


def test_chunked_and_expect_continue(site, tmp_path):
    with Daemon("http-server", config(site, tls=False), tmp_path) as d:
        port = d.port("tcp")
        # A chunked body is read (and dropped) so the next request on the connection works.
        raw = raw_exchange(port, b"POST /hello.txt HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\n\r\n"
                           b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 405 ")
        assert b"Allow: GET, HEAD, OPTIONS" in raw
        assert raw.endswith(b"0123456789abcdefghij")
        out = curl("-i", "-X", "PUT", "-H", "Expect: 100-continue", "--data-binary", "x" * 2000,
                   f"http://127.0.0.1:{port}/hello.txt").stdout
        assert out.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 405")
        out = curl("-i", "-X", "OPTIONS", f"http://127.0.0.1:{port}/").stdout
        status, h = headers_of(out)
        assert status.startswith("HTTP/1.1 204") and h["allow"] == "GET, HEAD, OPTIONS"


def test_slowloris_header_timeout(site, tmp_path):
    server = 'header_timeout = "1s"\nkeepalive_timeout = "1s"'
    with Daemon("http-server", config(site, server, tls=False), tmp_path) as d:
        port = d.port("tcp")
        start = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            closed = False
            for b in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                try:
                    s.send(bytes([b]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.1)
                if time.monotonic() - start > 4:
                    break
            if not closed:
                s.settimeout(3)
                try:
                    closed = s.recv(100) == b""
                except (ConnectionResetError, socket.timeout):
                    closed = True
        elapsed = time.monotonic() - start
        assert closed
        assert elapsed < 3.5, elapsed
        # An idle keep-alive connection is closed after keepalive_timeout.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            got = b""
            while not got.endswith(b"0123456789abcdefghij"):
                got += s.recv(4096)
            t = time.monotonic()
            assert s.recv(100) == b""
            assert 0.5 < time.monotonic() - t < 3


def test_large_file_download(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        want = hashlib.sha256((site / "big.bin").read_bytes()).hexdigest()
        for url in [f"http://127.0.0.1:{d.port('tcp')}/big.bin",
                    f"https://127.0.0.1:{d.port('tls')}/big.bin"]:
            out = curl("-k", url).stdout
            assert hashlib.sha256(out).hexdigest() == want, url
        # A large range through sendfile.
        out = curl("-r", "100000-5000000", f"http://127.0.0.1:{d.port('tcp')}/big.bin").stdout
        assert out == (site / "big.bin").read_bytes()[100000:5000001]


def test_https_versions_alpn_and_resumption(site, tmp_path):
    with Daemon("http-server", config(site), tmp_path, expect_listen=2) as d:
        port = d.port("tls")
        url = f"https://127.0.0.1:{port}/hello.txt"
        for flags in (["--tlsv1.2", "--tls-max", "1.2"], ["--tlsv1.3"]):
            out = subprocess.run(["curl", "-sk", "-v", "--http1.1", *flags, url],
                                 capture_output=True)
            assert out.returncode == 0
            assert out.stdout == b"0123456789abcdefghij"
            err = out.stderr.decode()
            assert "ALPN: server accepted http/1.1" in err or "ALPN, server accepted" in err, err
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.minimum_version = ctx.maximum_version = version
            ctx.set_alpn_protocols(["http/1.1"])

            def fetch(session=None):
                with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                    with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
                        assert s.selected_alpn_protocol() == "http/1.1"
                        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        data = b""
                        while True:
                            b = s.recv(4096)
                            if not b:
                                break
                            data += b
                        assert data.endswith(b"0123456789abcdefghij")
                        return s.session, s.session_reused

            session, reused = fetch()
            assert not reused
            _, reused = fetch(session)
            assert reused, version
        # Plain HTTP to the TLS port is refused without harm.
        raw = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" not in raw


def test_access_log_combined_format(site, tmp_path):
    log = tmp_path / "access.log"
    with Daemon("http-server", config(site, f'access_log = "{log}"', tls=False), tmp_path) as d:
        port = d.port("tcp")
        curl("-A", 'agent "quoted"', "-e", "http://ref/", f"http://127.0.0.1:{port}/hello.txt")
        curl(f"http://127.0.0.1:{port}/missing")
        raw_exchange(port, b"GET / HTTP/1.1\nHost: x\n\n")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(log.read_text().splitlines()) < 3:
            time.sleep(0.05)
    lines = log.read_text().splitlines()
    pattern = re.compile(r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] '
                         r'"(.*?)" (\d{3}) (\d+) "(.*?)" "(.*?)"$')
    m = pattern.match(lines[0])
    assert m, lines[0]
    assert m.group(1) == "GET /hello.txt HTTP/1.1" and m.group(2) == "200"
    assert m.group(3) == "20" and m.group(4) == "http://ref/"
    assert m.group(5) == r"agent \x22quoted\x22"
    assert pattern.match(lines[1]).group(2) == "404"
    assert pattern.match(lines[2]).group(1) == "-" and pattern.match(lines[2]).group(2) == "400"


def test_reload_and_check_config(site, tmp_path):
    with Daemon("http-server", config(site, tls=False), tmp_path) as d:
        url = f"http://127.0.0.1:{d.port('tcp')}/docs/"
        assert curl("-o", "/dev/null", "-w", "%{http_code}", url).stdout == b"403"
        d.config_path.write_text(config(site, tls=False, static_extra="autoindex = true")
                                 .replace(':0"', ':0"'))
        d.reload()
        deadline = time.monotonic() + 5
        while curl("-o", "/dev/null", "-w", "%{http_code}", url).stdout != b"200":
            assert time.monotonic() < deadline, d.log()
            time.sleep(0.1)
        # A broken config is refused and the old one keeps serving.
        d.config_path.write_text("[static]\nroot = 5\n")
        d.reload()
        time.sleep(0.5)
        assert curl("-o", "/dev/null", "-w", "%{http_code}", url).stdout == b"200"
    bad = tmp_path / "bad.toml"
    bad.write_text('[server]\nlisten = ["127.0.0.1:0"]\nlisen = 1\n[static]\nroot = "/nonexistent"\n')
    out = subprocess.run([os.path.join(os.environ["WK_BIN"], "http-server"), "--check-config",
                          "--config", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1
    assert re.search(r"bad\.toml:3:\d+: .*lisen", out.stderr), out.stderr
    assert re.search(r"bad\.toml:5:\d+: .*not a directory", out.stderr), out.stderr


def test_graceful_stop_with_idle_keepalive(site, tmp_path):
    d = Daemon("http-server", config(site, tls=False), tmp_path).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", d.port("tcp"), timeout=5)
        conn.request("GET", "/hello.txt")
        assert conn.getresponse().read() == b"0123456789abcdefghij"
        t = time.monotonic()
        assert d.stop() == 0
        assert time.monotonic() - t < 3  # the idle connection does not hold the stop
    finally:
        d.kill()


def test_connection_limit_answers_503(site, tmp_path):
    with Daemon("http-server", config(site, "max_connections = 2", tls=False), tmp_path) as d:
        port = d.port("tcp")
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            time.sleep(0.3)  # both accepted
            # Read before sending: the refused socket is closed at once, and a request
            # still unread there would turn the close into a reset that eats the reply.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                raw = s.recv(4096)
            assert raw.startswith(b"HTTP/1.1 503 "), raw[:80]
        finally:
            for s in held:
                s.close()
        deadline = time.monotonic() + 3
        while True:  # the slots free up once those connections close
            try:
                raw = raw_exchange(port, b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n"
                                   b"Connection: close\r\n\r\n")
            except ConnectionResetError:
                raw = b"<reset: still refused>"  # refused before our request was read
            if raw.startswith(b"HTTP/1.1 200"):
                break
            assert time.monotonic() < deadline, raw[:80]
            time.sleep(0.1)


def test_body_timeout(site, tmp_path):
    server = 'body_timeout = "1s"'
    with Daemon("http-server", config(site, server, tls=False), tmp_path) as d:
        with socket.create_connection(("127.0.0.1", d.port("tcp")), timeout=5) as s:
            s.sendall(b"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            start = time.monotonic()
            closed = False
            while time.monotonic() - start < 4:
                try:
                    s.send(b"a")  # one byte every 0.2 s never finishes the body in time
                except OSError:
                    closed = True
                    break
                s.settimeout(0.2)
                try:
                    if s.recv(100) == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    closed = True
                    break
            assert closed and time.monotonic() - start < 3


def test_configured_certificate(site, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=wk.test",
                    "-addext", "subjectAltName=DNS:wk.test", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    text = config(site, tls=False) + (f'[tls]\nlisten = ["127.0.0.1:0"]\n'
                                      f'cert = "{cert}"\nkey = "{key}"\n')
    with Daemon("http-server", text, tmp_path, expect_listen=2) as d:
        port = d.port("tls")
        out = curl("--cacert", str(cert), "--resolve", f"wk.test:{port}:127.0.0.1",
                   f"https://wk.test:{port}/hello.txt").stdout
        assert out == b"0123456789abcdefghij"
        assert "self-signed" not in d.log()


def test_cli_contract(tmp_path):
    exe = os.path.join(os.environ["WK_BIN"], "http-server")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "http-server" in out.stdout
    out = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--config" in out.stdout
    # The built-in config is valid (it serves the working directory).
    out = subprocess.run([exe, "--check-config"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    bad = tmp_path / "cache.toml"  # the cache is not built yet: its keys are refused
    bad.write_text('[cache]\nmemory = "256MiB"\n')
    out = subprocess.run([exe, "--check-config", "--config", str(bad)], capture_output=True,
                         text=True)
    assert out.returncode == 1


def read_responses(sock, count):
    """Parses count responses (Content-Length framed) off a socket, in order."""
    buf = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            assert chunk, f"closed after {len(out)} responses"
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        status, h = headers_of(head + b"\r\n\r\n")
        length = int(h.get("content-length", "0"))
        if status.split()[1] in ("304", "204", "100"):
            length = 0
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk
            rest += chunk
        out.append((status, rest[:length]))
        buf = rest[length:]
    return out, buf


def test_many_pipelined_requests_answered_in_order(site, tmp_path):
    with Daemon("http-server", config(site, tls=False), tmp_path) as d:
        paths = [b"/hello.txt", b"/docs/guide.txt", b"/missing", b"/index.html"] * 40
        batch = b"".join(b"GET " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n" for p in paths)
        # A request with Expect: 100-continue after the batch: its 100 must come after
        # every earlier answer.
        batch += (b"PUT /hello.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 4\r\n\r\n")
        with socket.create_connection(("127.0.0.1", d.port("tcp")), timeout=5) as s:
            s.sendall(batch)
            responses, rest = read_responses(s, len(paths) + 1)
            expected = {b"/hello.txt": b"0123456789abcdefghij", b"/docs/guide.txt": b"guide",
                        b"/index.html": b"<h1>home</h1>\n"}
            for p, (status, body) in zip(paths, responses):
                if p == b"/missing":
                    assert status.startswith("HTTP/1.1 404")
                else:
                    assert status == "HTTP/1.1 200 OK" and body == expected[p]
            assert responses[-1][0] == "HTTP/1.1 100 Continue"
            s.sendall(b"data")
            final, _ = read_responses(s, 1)
            assert final[0][0].startswith("HTTP/1.1 405")
