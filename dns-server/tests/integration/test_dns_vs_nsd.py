"""dns-server answers like NSD: the same zone file loaded by both, the same questions asked
with dig over UDP and TCP, with and without EDNS, and the answers compared (rcode, flags,
and every section as a set of records). Also: AXFR equals the zone, NSD as a secondary
transfers from us, pipelined TCP with kdig, SIGHUP reloads, hostile packets."""

import os
import signal
import socket
import struct
import subprocess
import time

import pytest

from dnsutil import Nsd, dig, free_port, parse_dig
from wkharness import Daemon, check_config

ZONE = r"""$TTL 3600
@        IN SOA ns1 hostmaster 2024010101 3600 900 604800 300
         IN NS  ns1
         IN NS  ns2.elsewhere.test.
         IN MX  10 mail
         IN TXT "v=spf1 -all"
         IN CAA 0 issue "ca.example.net"
ns1      IN A   192.0.2.53
         IN AAAA 2001:db8::53
mail     IN A   192.0.2.25
mail     IN AAAA 2001:db8::25
www      IN A   192.0.2.80
www      IN A   192.0.2.81
         IN AAAA 2001:db8::80
         IN TXT "web" "two strings" "esc\"aped\\ \065"
alias    IN CNAME www
chain1   IN CNAME chain2
chain2   IN CNAME alias
dangling IN CNAME nothere
outside  IN CNAME www.other.test.
loop1    IN CNAME loop2
loop2    IN CNAME loop1
*.wild   IN A   192.0.2.99
*.wild   IN MX  5 mail
*.cw     IN CNAME www
a.b.ent  IN A   192.0.2.7
_sip._udp IN SRV 0 5 5060 www
_tcp-x._tcp 300 IN SRV 1 1 443 mail
sub      IN NS  ns.sub
sub      IN NS  ns.elsewhere.test.
ns.sub   IN A   192.0.2.100
deleg2   IN NS  ns.deleg2
         IN DS  60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
ns.deleg2 IN AAAA 2001:db8::100
host     IN HINFO "PC" "Linux"
         IN SSHFP 1 1 dd465c09cfa51fb45020cc83316fff21b9ec74ac
_443._tcp.www IN TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
svc      IN SVCB 1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1
         IN HTTPS 1 . alpn=h3 ipv6hint=2001:db8::1
naptr    IN NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.test!" .
ptr      IN PTR www
key      IN DNSKEY 256 3 8 AwEAAcw5QLr0aw==
opaque   IN TYPE65280 \# 4 0A000001
Mixed.Case IN A 192.0.2.42
big      IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "1123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "2123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "3123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "4123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "5123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "6123456789012345678901234567890123456789012345678901234567890123456789"
big      IN TXT "7123456789012345678901234567890123456789012345678901234567890123456789"
$GENERATE 1-20 host$ A 192.0.2.$
"""

QUESTIONS = [
    ("example.test", "SOA"), ("example.test", "NS"), ("example.test", "MX"),
    ("example.test", "TXT"), ("example.test", "CAA"), ("example.test", "A"),
    ("www.example.test", "A"), ("www.example.test", "AAAA"), ("www.example.test", "TXT"),
    ("WWW.EXAMPLE.TEST", "A"), ("wWw.ExAmPlE.tEsT", "AAAA"), ("mixed.case.example.test", "A"),
    ("www.example.test", "MX"), ("nope.example.test", "A"), ("a.nope.example.test", "AAAA"),
    ("alias.example.test", "A"), ("alias.example.test", "CNAME"), ("alias.example.test", "AAAA"),
    ("alias.example.test", "MX"), ("chain1.example.test", "A"), ("dangling.example.test", "A"),
    ("outside.example.test", "A"), ("x.wild.example.test", "A"),
    ("x.y.z.wild.example.test", "MX"), ("x.wild.example.test", "TXT"),
    ("*.wild.example.test", "A"), ("wild.example.test", "A"), ("q.cw.example.test", "A"),
    ("ent.example.test", "A"), ("b.ent.example.test", "TXT"), ("a.b.ent.example.test", "A"),
    ("c.b.ent.example.test", "A"), ("sub.example.test", "A"), ("sub.example.test", "NS"),
    ("host.sub.example.test", "A"), ("ns.sub.example.test", "A"), ("sub.example.test", "DS"),
    ("deleg2.example.test", "DS"), ("x.deleg2.example.test", "A"),
    ("_sip._udp.example.test", "SRV"), ("_tcp-x._tcp.example.test", "SRV"),
    ("host.example.test", "HINFO"), ("host.example.test", "SSHFP"),
    ("_443._tcp.www.example.test", "TLSA"), ("svc.example.test", "SVCB"),
    ("svc.example.test", "HTTPS"), ("naptr.example.test", "NAPTR"), ("ptr.example.test", "PTR"),
    ("key.example.test", "DNSKEY"), ("opaque.example.test", "TYPE65280"),
    ("host7.example.test", "A"), ("host20.example.test", "A"), ("host21.example.test", "A"),
    ("big.example.test", "TXT"), ("www.example.org", "A"), ("test", "SOA"),
    ("www.example.test", "ANY"),
]

VARIANTS = [
    [],                       # EDNS 1232 (dig's default)
    ["+noedns"],              # plain DNS, 512 bytes
    ["+tcp"],
    ["+bufsize=700"],
]


def config(zone_path, extra=""):
    # One port for UDP and TCP on IPv4, so that dig's retry over TCP (after TC, or for ANY,
    # which dig sends over TCP) reaches us.
    return f"""
[server]
listen = ["127.0.0.1:{free_port()}", "[::1]:0"]
threads = 2
nsid = "wk-test"
[[zone]]
name = "example.test"
file = "{zone_path}"
allow_transfer = ["127.0.0.0/8", "::1/128"]
{extra}
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dns")
    zone = tmp / "example.test.zone"
    zone.write_text(ZONE)
    # NSD has no $GENERATE: give it the expanded form (which also checks ours).
    expanded = tmp / "example.test.expanded.zone"
    expanded.write_text(ZONE.replace("$GENERATE 1-20 host$ A 192.0.2.$\n", "".join(
        f"host{i} A 192.0.2.{i}\n" for i in range(1, 21))))
    nsd_zone = f"""zone:
  name: example.test
  zonefile: "{expanded}"
  provide-xfr: 127.0.0.0/8 NOKEY
"""
    with Nsd(tmp, nsd_zone) as nsd, Daemon("dns-server", config(zone), tmp / "us", expect_listen=4) as us:
        yield nsd, us, zone


def ask_both(servers, name, qtype, *variant):
    nsd, us, _ = servers
    tcp = "+tcp" in variant
    ours = parse_dig(dig(us.port("tcp" if tcp else "udp", family=4), name, qtype, *variant))
    theirs = parse_dig(dig(nsd.port, name, qtype, *variant))
    return ours, theirs


@pytest.mark.parametrize("variant", VARIANTS, ids=["edns", "noedns", "tcp", "bufsize700"])
def test_answers_match_nsd(servers, variant):
    mismatches = []
    for name, qtype in QUESTIONS:
        ours, theirs = ask_both(servers, name, qtype, *variant)
        assert ours["status"] is not None, f"no answer from us for {name} {qtype}"
        assert theirs["status"] is not None, f"no answer from NSD for {name} {qtype}"
        for key in ("status", "flags", "ANSWER", "AUTHORITY", "ADDITIONAL"):
            if ours[key] != theirs[key]:
                mismatches.append(f"{name} {qtype} {variant} {key}: us {ours[key]} nsd {theirs[key]}")
    assert not mismatches, "\n".join(mismatches)


def test_truncation_sets_tc_like_nsd(servers):
    ours, theirs = ask_both(servers, "big.example.test", "TXT", "+noedns", "+ignore")
    assert "tc" in ours["flags"] and "tc" in theirs["flags"]
    assert ours["status"] == theirs["status"] == "NOERROR"


def test_ipv6_and_nsid(servers):
    _, us, _ = servers
    r = parse_dig(dig(us.port("udp", family=6), "www.example.test", "A", "+nsid", server="::1"))
    assert r["status"] == "NOERROR"
    assert r["ANSWER"] == ["www.example.test. 3600 IN A 192.0.2.80",
                           "www.example.test. 3600 IN A 192.0.2.81"]
    assert r["nsid"] == "wk-test"
    assert r["edns"] == (0, 1232)


def test_badvers_and_cookies(servers):
    _, us, _ = servers
    port = us.port("udp", family=4)
    out = dig(port, "www.example.test", "A", "+edns=1", "+noednsneg")
    assert "status: BADVERS" in out
    out = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+norec", "+cookie",
                          "www.example.test"], capture_output=True, text=True, timeout=10).stdout
    assert "COOKIE:" in out and "(good)" in out


def test_axfr_equals_zone_and_nsd(servers):
    nsd, us, _ = servers
    ours = dig(us.port("tcp", family=4), "example.test", "AXFR")
    theirs = dig(nsd.port, "example.test", "AXFR")

    def records(text):
        return sorted(" ".join(l.split()).lower() for l in text.splitlines()
                      if l and not l.startswith(";"))
    assert records(ours) == records(theirs)
    assert len(records(ours)) == 72  # 71 records in the zone + the closing SOA
    # IXFR from an older serial: answered with the whole zone (AXFR-style, RFC 1995 4).
    ixfr = dig(us.port("tcp", family=4), "example.test", "IXFR=2024010100", "+tcp")
    assert records(ixfr) == records(ours)
    # Over UDP: our SOA alone.
    udp_out = dig(us.port("udp", family=4), "example.test", "IXFR=2024010100", "+notcp")
    assert "(UDP)" in udp_out
    assert [r.split()[3] for r in records(udp_out)] == ["soa"]


def test_axfr_refused_outside_allow_transfer(tmp_path):
    zone = tmp_path / "z.zone"
    zone.write_text(ZONE)
    cfg = config(zone).replace('allow_transfer = ["127.0.0.0/8", "::1/128"]',
                               'allow_transfer = ["192.0.2.0/24"]')
    with Daemon("dns-server", cfg, tmp_path, expect_listen=4) as us:
        out = dig(us.port("tcp", family=4), "example.test", "AXFR")
        assert "Transfer failed" in out or "REFUSED" in out
        assert "192.0.2.80" not in out


def test_nsd_secondary_transfers_from_us(servers, tmp_path):
    _, us, _ = servers
    # Plain request-xfr: NSD asks IXFR first; our full-zone answer is a valid IXFR reply.
    secondary = f"""zone:
  name: example.test
  request-xfr: 127.0.0.1@{us.port("tcp", family=4)} NOKEY
  allow-notify: 127.0.0.0/8 NOKEY
"""
    with Nsd(tmp_path, secondary) as nsd2:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = parse_dig(dig(nsd2.port, "www.example.test", "A"))
            if r["status"] == "NOERROR" and r["ANSWER"]:
                break
            time.sleep(0.2)
        assert r["ANSWER"] == ["www.example.test. 3600 IN A 192.0.2.80",
                               "www.example.test. 3600 IN A 192.0.2.81"], nsd2.log()
        soa = parse_dig(dig(nsd2.port, "example.test", "SOA"))
        assert "2024010101" in soa["ANSWER"][0]


def test_tcp_pipelining_with_kdig(servers):
    _, us, _ = servers
    port = us.port("tcp", family=4)
    names = [f"host{i}.example.test" for i in range(1, 21)]
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+tcp", "+keepopen", "+noall",
                          "+answer"] + names, capture_output=True, text=True, timeout=30).stdout
    answers = [l.split() for l in out.splitlines() if l.strip() and not l.startswith(";")]
    assert sorted(a[0] for a in answers) == sorted(n + "." for n in names)


def tcp_exchange(port, payloads):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"".join(struct.pack("!H", len(p)) + p for p in payloads))
        replies = []
        buf = b""
        while len(replies) < len(payloads):
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    return replies
                buf += chunk
            n = struct.unpack("!H", buf[:2])[0]
            replies.append(buf[2:2 + n])
            buf = buf[2 + n:]
        return replies


def query(name, qtype=1, qid=0x1234, flags=0x0000):
    q = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack("!HH", qtype, 1)


def test_pipelined_raw_tcp_many_queries(servers):
    _, us, _ = servers
    payloads = [query(f"host{i % 20 + 1}.example.test", qid=i) for i in range(200)]
    replies = tcp_exchange(us.port("tcp", family=4), payloads)
    assert len(replies) == 200
    assert sorted(struct.unpack("!H", r[:2])[0] for r in replies) == list(range(200))
    assert all(r[3] & 0x0f == 0 for r in replies)


def udp(port, payload, wait=1.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(wait)
        s.sendto(payload, ("127.0.0.1", port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def test_hostile_packets(servers):
    _, us, _ = servers
    port = us.port("udp", family=4)
    assert udp(port, query("www.example.test", flags=0x8000), wait=0.5) is None  # QR=1
    assert udp(port, b"\x12\x34\x00", wait=0.5) is None                          # runt
    loop = struct.pack("!HHHHHH", 7, 0, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1)
    r = udp(port, loop)
    assert r is not None and r[3] & 0x0f == 1                                    # FORMERR
    long_label = struct.pack("!HHHHHH", 8, 0, 1, 0, 0, 0) + b"\x40" + b"a" * 64 + b"\0\0\1\0\1"
    r = udp(port, long_label)
    assert r is not None and r[3] & 0x0f == 1
    counts = struct.pack("!HHHHHH", 9, 0, 1, 0xffff, 0xffff, 0xffff) + query("x")[12:]
    r = udp(port, counts)
    assert r is not None and r[3] & 0x0f == 1
    status = query("example.test", qid=10, flags=2 << 11)  # opcode 2 (STATUS)
    r = udp(port, status)
    assert r is not None and r[3] & 0x0f == 4                                    # NOTIMP
    notify = query("example.test", qid=11, flags=4 << 11)  # NOTIFY for a zone we are primary of
    r = udp(port, notify)
    assert r is not None and r[2] & 0x80 and r[3] & 0x0f == 5                   # REFUSED
    # Still healthy afterwards.
    assert parse_dig(dig(port, "www.example.test", "A"))["status"] == "NOERROR"


def test_reload_swaps_zone_and_keeps_last_good(tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    with Daemon("dns-server", config(zone), tmp_path, expect_listen=4) as us:
        port = us.port("udp", family=4)
        assert parse_dig(dig(port, "new.example.test", "A"))["status"] == "NXDOMAIN"
        zone.write_text(ZONE.replace("2024010101", "2024010102") + "new IN A 192.0.2.200\n")
        mark = us.line_count()
        us.reload()
        us.wait_for_log(r"serial 2024010102 loaded", start=mark)
        r = parse_dig(dig(port, "new.example.test", "A"))
        assert r["ANSWER"] == ["new.example.test. 3600 IN A 192.0.2.200"]
        zone.write_text(ZONE + "broken IN A 999.1.1.1\n")
        mark = us.line_count()
        us.reload()
        line = us.wait_for_log(r"example.test.zone:\d+: A: bad IPv4 address", start=mark)
        assert f"{zone}:" in line
        us.wait_for_log(r"keeping serial 2024010102", start=mark)
        r = parse_dig(dig(port, "new.example.test", "A"))
        assert r["ANSWER"] == ["new.example.test. 3600 IN A 192.0.2.200"]


def test_default_config_serves_example_zone(tmp_path):
    # The built-in config listens on the fixed port 5353: run it in a network namespace of
    # its own, so nothing else on this machine can hold (or share) that port.
    ns = f"wkdns{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"], check=True)
        with Daemon("dns-server", None, tmp_path, expect_listen=4, prefix=["ip", "netns", "exec", ns]):
            out = subprocess.run(["ip", "netns", "exec", ns, "dig", "@127.0.0.1", "-p", "5353",
                                  "+norec", "+nocookie", "+tries=1", "+time=5", "www.example.test", "A"],
                                 capture_output=True, text=True, timeout=15).stdout
            r = parse_dig(out)
            assert r["status"] == "NOERROR" and "aa" in r["flags"], out
            assert r["ANSWER"] == ["www.example.test. 3600 IN A 127.0.0.1"]
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def test_check_config(tmp_path):
    code, out, path = check_config("dns-server", """
[server]
listen = ["127.0.0.1:0"]
[[zone]]
name = "bad..name"
file = "x.zone"
[[zone]]
name = "ok.test"
bogus = 1
""", tmp_path)
    assert code == 1
    assert f"{path}:5:" in out and "not a valid domain name" in out
    assert f"{path}:9:" in out and "bogus" in out
    code, out, _ = check_config("dns-server", config(tmp_path / "z.zone"), tmp_path, "good.toml")
    assert code == 0, out


def test_rrl_limits_and_slips(tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    cfg = config(zone).replace("threads = 2", "threads = 1") + "[rrl]\nresponses_per_second = 5\nslip = 2\n"
    with Daemon("dns-server", cfg, tmp_path, expect_listen=4) as us:
        port = us.port("udp", family=4)
        full = truncated = 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.3)
            for i in range(60):
                s.sendto(query("www.example.test", qid=i), ("127.0.0.1", port))
            try:
                while True:
                    r = s.recv(65535)
                    ancount = struct.unpack("!H", r[6:8])[0]
                    if r[2] & 0x02:
                        truncated += 1
                        assert ancount == 0
                    else:
                        full += 1
            except socket.timeout:
                pass
        assert 1 <= full <= 8, (full, truncated)
        assert 20 <= truncated <= 35, (full, truncated)
        # TCP is not limited: the slipped client gets its answer there.
        r = parse_dig(dig(us.port("tcp", family=4), "www.example.test", "A", "+tcp"))
        assert r["status"] == "NOERROR" and len(r["ANSWER"]) == 2


def test_notify_makes_nsd_secondary_follow_a_new_serial(tmp_path):
    zone = tmp_path / "example.test.zone"
    zone.write_text(ZONE)
    us_port = free_port()
    nsd = Nsd(tmp_path, f"""zone:
  name: example.test
  request-xfr: AXFR 127.0.0.1@{us_port} NOKEY
  allow-notify: 127.0.0.0/8 NOKEY
""")
    cfg = f"""
[server]
listen = ["127.0.0.1:{us_port}"]
threads = 1
[[zone]]
name = "example.test"
file = "{zone}"
allow_transfer = ["127.0.0.0/8"]
notify = ["127.0.0.1:{nsd.port}"]
"""
    with Daemon("dns-server", cfg, tmp_path / "us", expect_listen=2) as us, nsd:
        def nsd_serial():
            r = parse_dig(dig(nsd.port, "example.test", "SOA"))
            return r["ANSWER"][0].split()[6] if r["ANSWER"] else None
        deadline = time.monotonic() + 20
        while nsd_serial() != "2024010101" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert nsd_serial() == "2024010101", nsd.log()
        zone.write_text(ZONE.replace("2024010101", "2024010102") + "fresh IN A 192.0.2.201\n")
        mark = us.line_count()
        us.reload()
        us.wait_for_log(r"notify example.test. serial 2024010102 to 127.0.0.1:\d+: acknowledged",
                        start=mark, timeout=20)
        deadline = time.monotonic() + 20
        while nsd_serial() != "2024010102" and time.monotonic() < deadline:
            time.sleep(0.2)
        r = parse_dig(dig(nsd.port, "fresh.example.test", "A"))
        assert r["ANSWER"] == ["fresh.example.test. 3600 IN A 192.0.2.201"], nsd.log()


def test_we_are_secondary_of_nsd(tmp_path):
    zone = tmp_path / "example.test.zone"
    expanded = ZONE.replace("$GENERATE 1-20 host$ A 192.0.2.$\n", "")
    zone.write_text(expanded)
    us_port = free_port()
    nsd = Nsd(tmp_path, f"""zone:
  name: example.test
  zonefile: "{zone}"
  provide-xfr: 127.0.0.0/8 NOKEY
  notify: 127.0.0.1@{us_port} NOKEY
""")
    cfg = f"""
[server]
listen = ["127.0.0.1:{us_port}"]
threads = 1
[[zone]]
name = "example.test"
primary = "127.0.0.1:{nsd.port}"
allow_transfer = ["127.0.0.0/8"]
"""
    with nsd, Daemon("dns-server", cfg, tmp_path / "us", expect_listen=2) as us:
        us.wait_for_log(r"zone example.test. serial 2024010101 transferred", timeout=20)
        # The transferred zone answers exactly as the primary does.
        for name, qtype in [("www.example.test", "A"), ("chain1.example.test", "A"),
                            ("host.sub.example.test", "A"), ("nope.example.test", "A"),
                            ("x.wild.example.test", "MX"), ("svc.example.test", "HTTPS")]:
            ours = parse_dig(dig(us_port, name, qtype))
            theirs = parse_dig(dig(nsd.port, name, qtype))
            for key in ("status", "flags", "ANSWER", "AUTHORITY", "ADDITIONAL"):
                assert ours[key] == theirs[key], (name, qtype, key, ours[key], theirs[key])
        # A new serial on the primary: NSD's NOTIFY makes us transfer it at once.
        zone.write_text(expanded.replace("2024010101", "2024010102") + "fresh IN A 192.0.2.202\n")
        mark = us.line_count()
        nsd.proc.send_signal(signal.SIGHUP)
        us.wait_for_log(r"zone example.test. serial 2024010102 transferred", start=mark, timeout=20)
        r = parse_dig(dig(us_port, "fresh.example.test", "A"))
        assert r["ANSWER"] == ["fresh.example.test. 3600 IN A 192.0.2.202"]
        assert "aa" in r["flags"]
