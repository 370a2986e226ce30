"""tftp-server driven by real clients (tftp-hpa's tftp, atftp, curl) and, where a client
cannot be made to misbehave on purpose, by a raw socket speaking TFTP: gets and puts in
both modes, every option, exact block multiples, block-number rollover, refused paths,
foreign TIDs, duplicate ACKs, a refused OACK, vanishing clients and max_sessions."""

import os
import random
import signal
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from wkharness import Daemon, check_config

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6


def config(root, **tftp):
    keys = {"root": f'"{root}"', "timeout": '"1s"', "retries": 5}
    keys.update({k: (str(v).lower() if isinstance(v, bool) else
                     f'"{v}"' if isinstance(v, str) and not v.startswith('"') else str(v))
                 for k, v in tftp.items()})
    body = "\n".join(f"{k} = {v}" for k, v in keys.items())
    return f'[server]\nlisten = ["127.0.0.1:0", "[::1]:0"]\n\n[tftp]\n{body}\n'


def make_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    return root


def rand_bytes(n, seed=1):
    return random.Random(seed).randbytes(n)


@pytest.fixture
def rw(tmp_path):
    """A server with writes and creation allowed, and a few files."""
    root = make_root(tmp_path)
    (root / "sub").mkdir()
    with Daemon("tftp-server", config(root, allow_write=True, allow_create=True), tmp_path,
                expect_listen=2) as d:
        d.root = root
        yield d


@pytest.fixture
def ro(tmp_path):
    """Defaults: read only."""
    root = make_root(tmp_path)
    with Daemon("tftp-server", config(root), tmp_path, expect_listen=2) as d:
        d.root = root
        yield d


def addr(d, family=4):
    return ("127.0.0.1" if family == 4 else "::1"), d.port("udp", family=family)


def run(cmd, input=None, timeout=60, cwd=None):
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, cwd=cwd)


def hpa(d, cwd, *commands, mode="octet", family=4):
    host, port = addr(d, family)
    args = ["tftp", f"-{family}", "-m", mode, host, str(port)]
    for c in commands:
        args += ["-c", *c.split()]
    r = run(args, cwd=cwd)
    r.stderr = r.stdout + r.stderr  # tftp-hpa reports server errors on stdout
    return r


# ---------------------------------------------------------------- raw client


class Raw:
    """A TFTP peer on a plain UDP socket, for the misbehaviour real clients never show."""

    def __init__(self, d, family=4, timeout=3.0):
        self.server = addr(d, family)
        self.sock = socket.socket(socket.AF_INET if family == 4 else socket.AF_INET6,
                                  socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.peer = None

    def close(self):
        self.sock.close()

    def request(self, op, name, mode="octet", options=()):
        pkt = struct.pack("!H", op) + name.encode() + b"\0" + mode.encode() + b"\0"
        for k, v in options:
            pkt += k.encode() + b"\0" + str(v).encode() + b"\0"
        self.sock.sendto(pkt, self.server)

    def recv(self):
        data, peer = self.sock.recvfrom(70000)
        self.peer = self.peer or peer
        op = struct.unpack("!H", data[:2])[0]
        if op in (DATA, ACK):
            return op, struct.unpack("!H", data[2:4])[0], data[4:]
        if op == ERROR:
            return op, struct.unpack("!H", data[2:4])[0], data[4:].split(b"\0")[0].decode()
        if op == OACK:
            parts = data[2:].split(b"\0")[:-1]
            return op, dict(zip([p.decode().lower() for p in parts[::2]],
                                [p.decode() for p in parts[1::2]])), None
        return op, None, data

    def silent_for(self, seconds):
        self.sock.settimeout(seconds)
        try:
            got = self.sock.recvfrom(70000)
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(3.0)
        raise AssertionError(f"expected silence, got {got!r}")

    def ack(self, block, to=None):
        self.sock.sendto(struct.pack("!HH", ACK, block & 0xFFFF), to or self.peer)

    def data(self, block, payload):
        self.sock.sendto(struct.pack("!HH", DATA, block & 0xFFFF) + payload, self.peer)

    def error(self, code, msg="bye"):
        self.sock.sendto(struct.pack("!HH", ERROR, code) + msg.encode() + b"\0", self.peer)


@pytest.fixture
def raw_clients():
    made = []

    def make(d, **kw):
        r = Raw(d, **kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


# ---------------------------------------------------------------- real clients: get


@pytest.mark.parametrize("family", [4, 6])
def test_tftp_hpa_get_sizes_both_families(ro, tmp_path, family):
    sizes = [0, 1, 511, 512, 1024, 100_000]  # 512 and 1024: exact multiples, empty last block
    for n in sizes:
        (ro.root / f"f{n}").write_bytes(rand_bytes(n, n))
    out = tmp_path / f"out{family}"
    out.mkdir()
    for n in sizes:
        r = hpa(ro, out, f"get f{n}", family=family)
        assert r.returncode == 0, r.stderr
        assert (out / f"f{n}").read_bytes() == rand_bytes(n, n), n


def test_tftp_hpa_netascii_get_converts_both_ways(ro, tmp_path, raw_clients):
    text = b"one\ntwo\r\nbare\rcr\n" * 100 + b"last\r"
    (ro.root / "t.txt").write_bytes(text)
    r = hpa(ro, tmp_path, "get t.txt", mode="netascii")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t.txt").read_bytes() == text  # the client undoes our conversion
    # On the wire: LF -> CR LF, CR -> CR NUL.
    c = raw_clients(ro)
    c.request(RRQ, "t.txt", "netascii")
    wire, block = b"", 1
    while True:
        op, b, payload = c.recv()
        assert (op, b) == (DATA, block)
        wire += payload
        c.ack(block)
        if len(payload) < 512:
            break
        block += 1
    assert wire == text.replace(b"\r", b"\r\0").replace(b"\n", b"\r\n")


def test_atftp_get_with_every_option(ro, tmp_path):
    data = rand_bytes(100_000, 7)
    (ro.root / "opt.bin").write_bytes(data)
    host, port = addr(ro)
    for opts in (["blksize 1468", "windowsize 16", "tsize enable", "timeout 2"],
                 ["blksize 8"], ["windowsize 4"], ["blksize 65464", "windowsize 8"]):
        local = tmp_path / "a.bin"
        args = ["atftp", "--trace"]
        for o in opts:
            args += ["--option", o]
        r = run(args + ["-g", "-r", "opt.bin", "-l", str(local), host, str(port)])
        assert r.returncode == 0, r.stdout + r.stderr
        assert local.read_bytes() == data, opts
        out = r.stdout.decode() + r.stderr.decode()
        if "tsize enable" in opts:
            assert "tsize: 100000" in out and "windowsize: 16" in out, out
        local.unlink()


def test_curl_get_blksize_and_plain(ro, tmp_path):
    data = rand_bytes(1468 * 20, 3)  # an exact multiple of the negotiated block size
    (ro.root / "c.bin").write_bytes(data)
    host, port = addr(ro)
    for extra in (["--tftp-blksize", "1468"], ["--tftp-no-options"], []):
        r = run(["curl", "-sS", "-o", str(tmp_path / "c.bin"), *extra,
                 f"tftp://{host}:{port}/c.bin"])
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "c.bin").read_bytes() == data
    r = run(["curl", "-sS", "-o", str(tmp_path / "c6.bin"), "-g",
             f"tftp://[::1]:{ro.port('udp', family=6)}/c.bin"])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c6.bin").read_bytes() == data


def test_file_over_65535_blocks_rolls_over(ro, tmp_path, raw_clients):
    n = 512 * 65536 + 1000  # 65538 blocks with tftp-hpa's fixed 512-byte blocks
    data = rand_bytes(n, 11)
    (ro.root / "big.bin").write_bytes(data)
    r = hpa(ro, tmp_path, "get big.bin")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "big.bin").read_bytes() == data
    # And the numbering itself: block 65536 is sent as 0, as tftpd-hpa does.
    small = rand_bytes(8 * 65540, 12)
    (ro.root / "b8").write_bytes(small)
    c = raw_clients(ro)
    c.request(RRQ, "b8", options=[("blksize", 8), ("windowsize", 16)])
    op, opts, _ = c.recv()
    assert op == OACK and opts["blksize"] == "8"
    c.ack(0)
    got, expect, seen_zero = bytearray(), 1, False
    while True:
        for _ in range(16):
            op, b, payload = c.recv()
            assert op == DATA and b == expect & 0xFFFF
            seen_zero |= b == 0
            got += payload
            expect += 1
            if len(payload) < 8:
                break
        c.ack(b)
        if len(payload) < 8:
            break
    assert seen_zero and bytes(got) == small


# ---------------------------------------------------------------- real clients: put


def test_tftp_hpa_put_octet_and_netascii(rw, tmp_path):
    src = tmp_path / "up.bin"
    data = rand_bytes(512 * 7, 5)  # exact multiple
    src.write_bytes(data)
    r = hpa(rw, tmp_path, "put up.bin")
    assert r.returncode == 0, r.stderr
    assert (rw.root / "up.bin").read_bytes() == data
    text = b"line\nanother\r\nbare\rx\n" * 50
    (tmp_path / "n.txt").write_bytes(text)
    r = hpa(rw, tmp_path, "put n.txt sub/n.txt", mode="netascii", family=6)
    assert r.returncode == 0, r.stderr
    assert (rw.root / "sub" / "n.txt").read_bytes() == text
    assert not [p for p in rw.root.rglob(".*")], "no temporary files left"


def test_atftp_and_curl_put_with_options(rw, tmp_path):
    data = rand_bytes(200_000, 9)
    (tmp_path / "p.bin").write_bytes(data)
    host, port = addr(rw)
    r = run(["atftp", "--option", "blksize 1468", "--option", "windowsize 8", "--option",
             "tsize enable", "-p", "-l", str(tmp_path / "p.bin"), "-r", "atftp.bin", host,
             str(port)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert (rw.root / "atftp.bin").read_bytes() == data
    r = run(["curl", "-sS", "--tftp-blksize", "1024", "-T", str(tmp_path / "p.bin"),
             f"tftp://{host}:{port}/curl.bin"])
    assert r.returncode == 0, r.stderr
    assert (rw.root / "curl.bin").read_bytes() == data
    # Overwrite an existing file (allow_write).
    (tmp_path / "p.bin").write_bytes(b"short")
    r = run(["curl", "-sS", "-T", str(tmp_path / "p.bin"), f"tftp://{host}:{port}/curl.bin"])
    assert r.returncode == 0, r.stderr
    assert (rw.root / "curl.bin").read_bytes() == b"short"


def test_put_over_65535_blocks(rw, tmp_path):
    data = rand_bytes(8 * 65536 + 20, 13)
    (tmp_path / "big8").write_bytes(data)
    host, port = addr(rw)
    r = run(["atftp", "--option", "blksize 8", "--option", "windowsize 32", "-p", "-l",
             str(tmp_path / "big8"), "-r", "big8", host, str(port)], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (rw.root / "big8").read_bytes() == data


# ---------------------------------------------------------------- paths and permissions


def test_refused_paths_and_leading_slash(ro, tmp_path):
    (ro.root / "pxelinux.0").write_bytes(b"pxe" * 300)
    (tmp_path / "secret").write_bytes(b"secret")
    (ro.root / "escape").symlink_to(tmp_path / "secret")
    (ro.root / "inside").symlink_to("pxelinux.0")
    out = tmp_path / "o"
    out.mkdir()
    r = hpa(ro, out, "get /pxelinux.0 p")
    assert r.returncode == 0 and (out / "p").read_bytes() == b"pxe" * 300, r.stderr
    r = hpa(ro, out, "get inside i")
    assert r.returncode == 0 and (out / "i").read_bytes() == b"pxe" * 300, r.stderr
    for bad in ("../secret", "/../secret", "sub/../../secret", "escape"):
        r = hpa(ro, out, f"get {bad} x")
        assert b"Error code 2" in r.stderr, (bad, r.stderr)
    r = hpa(ro, out, "get missing x")
    assert b"Error code 1" in r.stderr, r.stderr
    host, port = addr(ro)
    r = run(["curl", "-sS", "-o", str(out / "c"), f"tftp://{host}:{port}/missing"])
    assert r.returncode != 0
    # Writes are off by default.
    (out / "w").write_bytes(b"data")
    r = hpa(ro, out, "put w")
    assert b"Error code 2" in r.stderr, r.stderr
    assert not (ro.root / "w").exists()


def test_write_permissions(tmp_path):
    root = make_root(tmp_path)
    (root / "exists").write_bytes(b"old")
    (tmp_path / "secret").write_bytes(b"keep")
    (root / "out").symlink_to(tmp_path / "secret")
    (tmp_path / "w").write_bytes(b"new")
    with Daemon("tftp-server", config(root, allow_create=True), tmp_path, expect_listen=2) as d:
        r = hpa(d, tmp_path, "put w fresh")
        assert r.returncode == 0 and (root / "fresh").read_bytes() == b"new", r.stderr
        r = hpa(d, tmp_path, "put w exists")  # create only: no overwrite
        assert b"Error code 6" in r.stderr, r.stderr
        assert (root / "exists").read_bytes() == b"old"
        for bad in ("out", "../w2", "nodir/x"):
            r = hpa(d, tmp_path, f"put w {bad}")
            assert r.returncode != 0 or b"Error" in r.stderr, (bad, r.stderr)
        assert (tmp_path / "secret").read_bytes() == b"keep"
        assert not (tmp_path / "w2").exists()
    with Daemon("tftp-server", config(root, allow_write=True), tmp_path / "d2",
                expect_listen=2) as d:
        r = hpa(d, tmp_path, "put w exists")
        assert r.returncode == 0 and (root / "exists").read_bytes() == b"new", r.stderr
        r = hpa(d, tmp_path, "put w another")  # overwrite only: no creation
        assert b"Error code 2" in r.stderr, r.stderr
        assert not (root / "another").exists()


# ---------------------------------------------------------------- protocol behaviour


def test_foreign_tid_gets_error_5_and_transfer_goes_on(ro, raw_clients):
    data = rand_bytes(1500, 21)
    (ro.root / "f").write_bytes(data)
    a, b = raw_clients(ro), raw_clients(ro)
    a.request(RRQ, "f")
    op, block, p1 = a.recv()
    assert (op, block) == (DATA, 1)
    b.ack(1, to=a.peer)  # the intruder
    op, code, _ = b.recv()
    assert (op, code) == (ERROR, 5)
    got = p1
    a.ack(1)
    for blk in (2, 3):
        op, block, p = a.recv()
        assert (op, block) == (DATA, blk)
        got += p
        a.ack(blk)
    assert got == data


def test_duplicate_ack_is_not_answered(ro, raw_clients):
    (ro.root / "f").write_bytes(rand_bytes(5000, 22))
    c = raw_clients(ro)
    c.request(RRQ, "f")
    assert c.recv()[:2] == (DATA, 1)
    c.ack(1)
    assert c.recv()[:2] == (DATA, 2)
    c.ack(1)  # duplicate: a Sorcerer's Apprentice server would send DATA 2 again
    c.silent_for(0.5)  # well under the 1s retransmit timeout
    c.ack(2)
    assert c.recv()[:2] == (DATA, 3)


def test_duplicate_data_is_not_written_twice(rw, raw_clients):
    c = raw_clients(rw)
    c.request(WRQ, "dup.bin")
    assert c.recv()[:2] == (ACK, 0)
    c.data(1, b"a" * 512)
    assert c.recv()[:2] == (ACK, 1)
    c.data(1, b"a" * 512)
    c.silent_for(0.4)
    c.data(2, b"end")
    assert c.recv()[:2] == (ACK, 2)
    deadline = time.monotonic() + 3
    while not (rw.root / "dup.bin").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (rw.root / "dup.bin").read_bytes() == b"a" * 512 + b"end"


def test_oack_values_and_unknown_options(tmp_path, raw_clients):
    root = make_root(tmp_path)
    (root / "f").write_bytes(rand_bytes(3000, 23))
    with Daemon("tftp-server", config(root, max_blksize=1024), tmp_path, expect_listen=2) as d:
        c = raw_clients(d)
        c.request(RRQ, "f", options=[("BLKSIZE", 1468), ("tsize", 0), ("timeout", 3),
                                     ("windowsize", 4), ("frobnicate", 1)])
        op, opts, _ = c.recv()
        assert op == OACK
        assert opts == {"blksize": "1024", "tsize": "3000", "timeout": "3", "windowsize": "4"}
        c.ack(0)
        blocks = [c.recv() for _ in range(3)]
        assert [(o, b, len(p)) for o, b, p in blocks] == [(DATA, 1, 1024), (DATA, 2, 1024),
                                                          (DATA, 3, 952)]
        c.ack(3)
        # Only unknown options: no OACK at all, plain RFC 1350.
        c2 = raw_clients(d)
        c2.request(RRQ, "f", options=[("frobnicate", 1)])
        op, block, p = c2.recv()
        assert (op, block, len(p)) == (DATA, 1, 512)


def test_client_refusing_oack_gets_plain_transfer(ro, raw_clients):
    data = rand_bytes(700, 24)
    (ro.root / "f").write_bytes(data)
    c = raw_clients(ro)
    c.request(RRQ, "f", options=[("blksize", 1024)])
    assert c.recv()[0] == OACK
    c.error(8, "options refused")
    c.silent_for(0.3)
    c2 = raw_clients(ro)
    c2.request(RRQ, "f")
    op, b, p1 = c2.recv()
    assert (op, b, len(p1)) == (DATA, 1, 512)
    c2.ack(1)
    op, b, p2 = c2.recv()
    assert (op, b) == (DATA, 2) and p1 + p2 == data
    c2.ack(2)


def test_vanishing_client_times_out_and_frees_port(tmp_path, raw_clients):
    root = make_root(tmp_path)
    (root / "f").write_bytes(rand_bytes(5000, 25))
    with Daemon("tftp-server", config(root, timeout="200ms", retries=2, allow_create=True),
                tmp_path, expect_listen=2) as d:
        c = raw_clients(d)
        c.request(RRQ, "f")
        first = c.recv()
        assert first[:2] == (DATA, 1)
        # Retransmitted on each timeout, then given up.
        assert c.recv() == first
        assert c.recv() == first
        d.wait_for_log(r"RRQ f octet from .* timed out", timeout=5)
        # Its port is free again: we can bind it ourselves.
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(c.peer)
        probe.close()
        # An upload abandoned midway leaves no file and no temporary file behind.
        w = raw_clients(d)
        w.request(WRQ, "half.bin")
        assert w.recv()[:2] == (ACK, 0)
        w.data(1, b"x" * 512)
        assert w.recv()[:2] == (ACK, 1)
        d.wait_for_log(r"WRQ half.bin octet from .* timed out", timeout=5)
        assert list(root.iterdir()) == [root / "f"]
        # An upload the client aborts with an ERROR likewise.
        w2 = raw_clients(d)
        w2.request(WRQ, "half2.bin")
        assert w2.recv()[:2] == (ACK, 0)
        w2.data(1, b"y" * 512)
        assert w2.recv()[:2] == (ACK, 1)
        w2.error(0, "user cancelled")
        d.wait_for_log(r"WRQ half2.bin octet from .* aborted by the client", timeout=5)
        assert list(root.iterdir()) == [root / "f"]


def test_slow_client_does_not_hold_up_others_and_max_sessions(tmp_path, raw_clients):
    root = make_root(tmp_path)
    data = rand_bytes(50_000, 26)
    (root / "f").write_bytes(data)
    with Daemon("tftp-server", config(root, max_sessions=3, timeout="2s"), tmp_path,
                expect_listen=2) as d:
        stalled = []
        for _ in range(3):
            c = raw_clients(d)
            c.request(RRQ, "f")
            assert c.recv()[:2] == (DATA, 1)
            stalled.append(c)
        c = raw_clients(d)
        c.request(RRQ, "f")
        op, code, msg = c.recv()
        assert (op, code) == (ERROR, 0) and "busy" in msg.lower()
        for s in stalled[1:]:
            s.error(0, "done")
        time.sleep(0.2)
        # One stalled session remains; others are served meanwhile, many at once.
        host, port = addr(d)
        results = []

        def fetch(i):
            out = tmp_path / f"c{i}"
            r = run(["curl", "-sS", "-o", str(out), f"tftp://{host}:{port}/f"])
            results.append(r.returncode == 0 and out.read_bytes() == data)

        for _ in range(3):
            threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert time.monotonic() - start < 5  # a stalled client would cost 12 s
        assert results == [True] * 6


def test_malformed_requests_get_error_or_silence(ro, raw_clients):
    c = raw_clients(ro)
    c.sock.sendto(b"\x00\x01nofilemode", c.server)
    op, code, _ = c.recv()
    assert (op, code) == (ERROR, 4)
    c.request(RRQ, "f", mode="mail")
    op, code, _ = c.recv()
    assert (op, code) == (ERROR, 4)
    c2 = raw_clients(ro)
    c2.sock.sendto(struct.pack("!HH", ACK, 1), c2.server)  # stray packets: no reply
    c2.sock.sendto(b"\x00", c2.server)
    c2.sock.sendto(b"\x00\x09junk", c2.server)
    c2.silent_for(0.3)


def test_check_config_and_reload(tmp_path):
    root = make_root(tmp_path)
    code, out, path = check_config("tftp-server", config(root) + "bogus = 1\n", tmp_path)
    assert code == 1 and f"{path}:" in out and "bogus" in out, out
    code, out, _ = check_config("tftp-server", config(tmp_path / "nope"), tmp_path, "b.toml")
    assert code == 1 and "root" in out, out
    code, out, _ = check_config("tftp-server", config(root, max_blksize=4), tmp_path, "c.toml")
    assert code == 1 and "max_blksize" in out, out
    code, out, _ = check_config("tftp-server", config(root), tmp_path, "ok.toml")
    assert code == 0, out
    other = tmp_path / "other"
    other.mkdir()
    (other / "g").write_bytes(b"from the new root")
    with Daemon("tftp-server", config(root), tmp_path / "run", expect_listen=2) as d:
        r = hpa(d, tmp_path, "get g")
        assert b"Error code 1" in r.stderr, r.stderr
        d.config_path.write_text(config(other))
        mark = d.line_count()
        d.reload()
        d.wait_for_log("reloaded", start=mark)
        r = hpa(d, tmp_path, "get g")
        assert r.returncode == 0 and (tmp_path / "g").read_bytes() == b"from the new root"


def test_sigterm_lets_a_running_transfer_finish(tmp_path, raw_clients):
    root = make_root(tmp_path)
    data = rand_bytes(3000, 30)
    (root / "f").write_bytes(data)
    d = Daemon("tftp-server", config(root), tmp_path, expect_listen=2).start()
    try:
        c = raw_clients(d)
        c.request(RRQ, "f")
        op, block, got = c.recv()
        assert (op, block) == (DATA, 1)
        d.proc.send_signal(signal.SIGTERM)
        d.wait_for_log("graceful stop")
        c.ack(1)
        while True:
            op, block, payload = c.recv()
            assert op == DATA
            got += payload
            c.ack(block)
            if len(payload) < 512:
                break
        assert got == data
        assert d.proc.wait(10) == 0
    finally:
        d.stop()
