"""The resolver through dig against a hermetic hierarchy on loopback port 53 (needs root):
the root and example.test. served by our own dns-server in authoritative mode, test. and
other. (and glueless.test.) by NSD, each on its own 127.0.53.x address. Our resolver runs on
127.0.0.1 with root_hints pointing at the fake root."""

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from wkharness import Daemon
from dnsutil import free_port, parse_dig

ROOT_ADDR, TLD_ADDR, ZONE_ADDR, OTHER_ADDR = "127.0.53.1", "127.0.53.2", "127.0.53.3", "127.0.53.4"

SOA = "@ 3600 IN SOA ns hostmaster 1 3600 600 86400 {minimum}\n"

ROOT_ZONE = SOA.format(minimum=60).replace("ns hostmaster", "a.root.test. hostmaster.test.") + f"""
@            3600 IN NS a.root.test.
test.        3600 IN NS ns.test.
ns.test.     3600 IN A  {TLD_ADDR}
a.root.test. 3600 IN A  {ROOT_ADDR}
other.       3600 IN NS ns.other.
ns.other.    3600 IN A  {OTHER_ADDR}
"""

TLD_ZONE = "$ORIGIN test.\n" + SOA.format(minimum=60) + f"""
@          3600 IN NS ns
ns         3600 IN A  {TLD_ADDR}
a.root     3600 IN A  {ROOT_ADDR}
example    3600 IN NS ns.example
ns.example 3600 IN A  {ZONE_ADDR}
glueless   3600 IN NS ns.other.
"""

EXAMPLE_ZONE = SOA.format(minimum=30) + f"""
@     3600 IN NS ns
ns    3600 IN A  {ZONE_ADDR}
www   300  IN A  192.0.2.10
alias 300  IN CNAME www.other.
short 2    IN A  192.0.2.11
"""

OTHER_ZONE = "$ORIGIN other.\n" + SOA.format(minimum=60) + f"""
@   3600 IN NS ns
ns  3600 IN A  {OTHER_ADDR}
www 600  IN A  192.0.2.20
"""

GLUELESS_ZONE = "$ORIGIN glueless.test.\n" + SOA.format(minimum=60) + """
@   3600 IN NS ns.other.
www 600  IN A  192.0.2.30
"""

NSD_CONF = """server:
  ip-address: {addr}@53
  port: 53
  zonesdir: "{dir}"
  zonelistfile: "{dir}/zone.list"
  database: ""
  pidfile: "{dir}/nsd.pid"
  xfrdfile: "{dir}/xfrd.state"
  xfrdir: "{dir}"
  username: ""
  chroot: ""
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
{zones}
"""


def dig(server, port, *args, source=None, tcp=False):
    cmd = ["dig", f"@{server}", "-p", str(port), "+tries=1", "+time=5", "+nocookie"]
    if source:
        cmd.append(f"-b{source}")
    if tcp:
        cmd.append("+tcp")
    return parse_dig(subprocess.run(cmd + list(args), capture_output=True, text=True,
                                    timeout=15).stdout)


class Nsd:
    def __init__(self, workdir, addr, zones):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        clauses = ""
        for name, text in zones.items():
            path = self.dir / (name.strip(".") + ".zone")
            path.write_text(text)
            clauses += f'zone:\n  name: "{name}"\n  zonefile: "{path}"\n'
        (self.dir / "nsd.conf").write_text(NSD_CONF.format(addr=addr, dir=self.dir, zones=clauses))
        self.addr = addr
        self.proc = None

    def __enter__(self):
        nsd = shutil.which("nsd") or "/usr/sbin/nsd"
        log = open(self.dir / "nsd.log", "w")
        self.proc = subprocess.Popen([nsd, "-d", "-c", str(self.dir / "nsd.conf")], stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.dir / "nsd.log").read_text()
            if dig(self.addr, 53, "+norec", "SOA", "invalid.")["status"]:
                return self
            time.sleep(0.1)
        raise RuntimeError("nsd did not start: " + (self.dir / "nsd.log").read_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __exit__(self, *exc):
        self.stop()
        return False


def auth_config(addr, name, zone_path):
    return f"""
[server]
listen = ["{addr}:53"]
threads = 1
[[zone]]
name = "{name}"
file = "{zone_path}"
"""


@pytest.fixture(scope="module")
def hierarchy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("resolver")
    (tmp / "root.zone").write_text(ROOT_ZONE)
    (tmp / "example.zone").write_text(EXAMPLE_ZONE)
    hints = tmp / "named.root"
    hints.write_text(f". 3600000 NS a.root.test.\na.root.test. 3600000 A {ROOT_ADDR}\n")
    port = free_port()
    resolver_cfg = f"""
[server]
listen = ["127.0.0.1:{port}"]
threads = 2
[resolver]
enabled = true
allow = ["127.0.0.1/32"]
root_hints = "{hints}"
max_negative_ttl = "45s"
serve_stale = true
qname_minimisation = true
"""
    root = Daemon("dns-server", auth_config(ROOT_ADDR, ".", tmp / "root.zone"), tmp / "root",
                  expect_listen=2)
    zone = Daemon("dns-server", auth_config(ZONE_ADDR, "example.test", tmp / "example.zone"),
                  tmp / "zone", expect_listen=2)
    tld = Nsd(tmp / "nsd-tld", TLD_ADDR, {"test.": TLD_ZONE})
    other = Nsd(tmp / "nsd-other", OTHER_ADDR, {"other.": OTHER_ZONE, "glueless.test.": GLUELESS_ZONE})
    with root, zone, tld, other, Daemon("dns-server", resolver_cfg, tmp / "resolver",
                                        expect_listen=2) as resolver:
        yield {"port": port, "resolver": resolver, "stop": [root.stop, zone.stop, tld.stop, other.stop]}


def ask(h, *args, **kw):
    return dig("127.0.0.1", h["port"], *args, **kw)


def test_referrals_down_from_the_root(hierarchy):
    r = ask(hierarchy, "www.example.test", "A")
    assert r["status"] == "NOERROR", r
    assert "ra" in r["flags"] and "aa" not in r["flags"]
    assert r["ANSWER"] == ["www.example.test. 300 IN A 192.0.2.10"]


def test_ttl_counts_down_on_cache_hits(hierarchy):
    first = ask(hierarchy, "www.other", "A")
    assert first["ANSWER"] and first["ANSWER"][0].endswith("A 192.0.2.20"), first
    time.sleep(2.2)
    second = ask(hierarchy, "www.other", "A")
    ttl1 = int(first["ANSWER"][0].split()[1])
    ttl2 = int(second["ANSWER"][0].split()[1])
    assert ttl1 - ttl2 >= 2 and ttl2 < 600, (first, second)


def test_glueless_delegation(hierarchy):
    r = ask(hierarchy, "www.glueless.test", "A")
    assert r["status"] == "NOERROR", r
    assert r["ANSWER"] == ["www.glueless.test. 600 IN A 192.0.2.30"]


def test_cname_across_zones(hierarchy):
    r = ask(hierarchy, "alias.example.test", "A")
    assert r["status"] == "NOERROR", r
    assert r["ANSWER"][0] == "alias.example.test. 300 IN CNAME www.other."
    assert r["ANSWER"][1].startswith("www.other.") and r["ANSWER"][1].endswith("IN A 192.0.2.20")


def test_nxdomain_and_nodata_cached_with_soa_minimum(hierarchy):
    r = ask(hierarchy, "missing.example.test", "A")
    assert r["status"] == "NXDOMAIN", r
    soa = r["AUTHORITY"][0].split()
    assert soa[0] == "example.test." and soa[3] == "SOA" and int(soa[1]) == 30
    r = ask(hierarchy, "www.example.test", "AAAA")
    assert r["status"] == "NOERROR" and r["ANSWER"] == [], r
    assert int(r["AUTHORITY"][0].split()[1]) == 30
    # max_negative_ttl = 45s caps the SOA minimum of other. (60).
    r = ask(hierarchy, "nothing.other", "TXT")
    assert r["status"] == "NXDOMAIN"
    assert int(r["AUTHORITY"][0].split()[1]) == 45
    time.sleep(1.1)
    r = ask(hierarchy, "missing.example.test", "MX")  # the cached NXDOMAIN covers every type
    assert r["status"] == "NXDOMAIN" and int(r["AUTHORITY"][0].split()[1]) < 30


def test_tcp_clients_are_served(hierarchy):
    r = ask(hierarchy, "www.example.test", "A", tcp=True)
    assert r["status"] == "NOERROR" and r["ANSWER"][0].endswith("192.0.2.10")


def test_refused_outside_allow(hierarchy):
    r = ask(hierarchy, "www.example.test", "A", source="127.0.0.2")
    assert r["status"] == "REFUSED", r
    assert "ra" not in r["flags"]


def test_meta_questions_get_no_upstream_traffic(hierarchy):
    assert ask(hierarchy, "example.test", "ANY")["status"] == "NOTIMP"
    assert ask(hierarchy, "example.test", "AXFR", tcp=True)["status"] in ("REFUSED", None)
    assert ask(hierarchy, "www.example.test", "A", "-c", "CH")["status"] == "REFUSED"


def test_serve_stale_when_hierarchy_stops(hierarchy):
    r = ask(hierarchy, "short.example.test", "A")
    assert r["ANSWER"] == ["short.example.test. 2 IN A 192.0.2.11"], r
    for stop in hierarchy["stop"]:
        stop()
    time.sleep(2.5)
    r = ask(hierarchy, "short.example.test", "A")
    assert r["status"] == "NOERROR", r
    assert r["ANSWER"] == ["short.example.test. 30 IN A 192.0.2.11"]
    r = ask(hierarchy, "never.seen.example.test", "A")
    assert r["status"] == "SERVFAIL"
