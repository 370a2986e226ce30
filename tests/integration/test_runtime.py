"""common/'s runtime, proven through the throw-away wk-echo daemon: it binds port 0 and
logs its ports, serves UDP and TCP on IPv4 and IPv6, enforces line limits, upgrades to
TLS, reloads on SIGHUP (keeping the old config when the new one is bad), answers a request
in flight during SIGTERM and exits 0, and refuses bad configs with FILE:LINE:COL."""

import re
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from wkharness import Daemon, binary, check_config

CONFIG = """
[server]
listen = ["127.0.0.1:0", "[::1]:0"]
[echo]
prefix = "one: "
tls_listen = ["127.0.0.1:0"]
"""


def udp_ask(host, port, payload, family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(payload, (host, port))
        return s.recv(65535)


class LineClient:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()


def tcp_client(d, family=4, proto="tcp"):
    host = "127.0.0.1" if family == 4 else "::1"
    s = socket.create_connection((host, d.port(proto, family=family)), timeout=5)
    return LineClient(s)


@pytest.fixture
def echo(tmp_path):
    with Daemon("wk-echo", CONFIG, tmp_path, expect_listen=5) as d:
        yield d


def test_logs_real_ports_and_serves_udp_v4_v6(echo):
    assert all(p != 0 for (_, _, p) in echo.listening)
    assert udp_ask("127.0.0.1", echo.port("udp", family=4), b"ping") == b"one: ping"
    assert udp_ask("::1", echo.port("udp", family=6), b"ping6", socket.AF_INET6) == b"one: ping6"


def test_tcp_lines_pipelined_and_line_limit(echo):
    c = tcp_client(echo)
    c.sock.sendall(b"a\r\nb\r\n" + b"x" * 5000 + b"\r\nc\r\n")
    assert c.line() == "one: a"
    assert c.line() == "one: b"
    assert c.line() == "error: line too long"
    assert c.line() == "one: c"   # the session survives the over-long line
    c6 = tcp_client(echo, family=6)
    c6.send("v6")
    assert c6.line() == "one: v6"


def test_implicit_tls_and_starttls_discards_plaintext(echo):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", echo.port("tls")), timeout=5)
    c = LineClient(ctx.wrap_socket(raw, server_hostname="localhost"))
    c.send("WHO")
    assert c.line() == "tls"
    assert c.sock.version() in ("TLSv1.2", "TLSv1.3")

    # STARTTLS with an injected command pipelined behind it: the injected line must be
    # dropped, not executed after the upgrade.
    p = tcp_client(echo)
    p.sock.sendall(b"STARTTLS\r\nINJECTED\r\n")
    assert p.line() == "ready"
    time.sleep(0.2)
    t = LineClient(ctx.wrap_socket(p.sock, server_hostname="localhost"))
    t.send("WHO")
    assert t.line() == "tls"


def test_sighup_reloads_and_bad_config_keeps_old(echo):
    port = echo.port("udp", family=4)
    echo.config_path.write_text(CONFIG.replace("one: ", "two: "))
    mark = echo.line_count()
    echo.reload()
    echo.wait_for_log(r"reloaded", start=mark)
    assert udp_ask("127.0.0.1", port, b"x") == b"two: x"

    echo.config_path.write_text(CONFIG.replace('prefix = "one: "', 'prefx = "three: "'))
    mark = echo.line_count()
    echo.reload()
    line = echo.wait_for_log(r"reload refused: .*unknown key 'prefx'", start=mark)
    assert re.search(r"wk-echo\.toml:\d+:\d+: unknown key", line)
    assert udp_ask("127.0.0.1", port, b"x") == b"two: x"   # old config keeps serving


def test_sigterm_answers_request_in_flight_then_exits_zero(tmp_path):
    d = Daemon("wk-echo", CONFIG, tmp_path, expect_listen=5).start()
    busy = tcp_client(d)
    idle = tcp_client(d)
    busy.send("SLOW 700")
    time.sleep(0.2)
    d.proc.send_signal(signal.SIGTERM)
    assert busy.line() == "done"          # in-flight work finished
    with pytest.raises((EOFError, ConnectionError)):
        idle.line()                        # the idle connection was closed at once
    assert d.proc.wait(10) == 0
    # nothing listens any more
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", d.port("tcp", family=4)), timeout=2)


def test_idle_connections_do_not_delay_stop(tmp_path):
    d = Daemon("wk-echo", CONFIG, tmp_path, expect_listen=5).start()
    clients = [tcp_client(d) for _ in range(20)]
    start = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - start < 3
    del clients


def test_check_config_reports_file_line_col(tmp_path):
    code, out, path = check_config("wk-echo", CONFIG.replace("prefix", "prefixx"), tmp_path)
    assert code == 1
    assert re.search(re.escape(path) + r":5:1: unknown key 'prefixx' in \[echo\]", out), out

    code, out, path = check_config(
        "wk-echo", '[server]\nlisten = ["127.0.0.1:99999"]\n[log]\nlevel = "loud"\n', tmp_path)
    assert code == 1
    assert re.search(re.escape(path) + r":2:\d+: not an address and port", out), out
    assert re.search(re.escape(path) + r":4:9: 'level' must be one of", out), out

    code, out, path = check_config("wk-echo", "[server\n", tmp_path)
    assert code == 1 and re.search(re.escape(path) + r":1:\d+: ", out), out

    code, out, _ = check_config("wk-echo", CONFIG, tmp_path)
    assert code == 0 and "ok" in out


def test_cli_contract():
    out = subprocess.run([binary("wk-echo"), "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and re.match(r"wk-echo \(wellknown\) \d+\.\d+", out.stdout)
    out = subprocess.run([binary("wk-echo"), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--check-config" in out.stdout
    out = subprocess.run([binary("wk-echo"), "--bogus"], capture_output=True, text=True)
    assert out.returncode == 2 and "unknown option" in out.stderr
    out = subprocess.run([binary("wk-echo"), "--check-config"], capture_output=True, text=True)
    assert out.returncode == 0   # the built-in config is valid


def test_json_logs_and_log_level_flag(tmp_path):
    cfg = CONFIG + '[log]\nformat = "json"\n'
    with Daemon("wk-echo", cfg, tmp_path, expect_listen=5, args=["--log-level", "debug"]) as d:
        line = d.wait_for_log(r'"msg":"listening udp')
        assert line.startswith('{"time":"') and '"level":"info"' in line


def test_busy_port_fails_start_with_clear_error(tmp_path):
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    holder.bind(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    cfg = f'[server]\nlisten = ["127.0.0.1:{port}"]\n'
    (tmp_path / "c.toml").write_text(cfg)
    out = subprocess.run([binary("wk-echo"), "--config", str(tmp_path / "c.toml")],
                         capture_output=True, text=True, timeout=10)
    holder.close()
    assert out.returncode == 1
    assert f"cannot bind udp 127.0.0.1:{port}" in out.stderr
