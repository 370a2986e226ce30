"""dhcp-server and dhcp-relay against real clients (ISC dhclient, busybox udhcpc, perfdhcp)
in network namespaces and veth pairs that this module creates and removes itself.

    wkdN-s (server)  sa 192.168.50.1 ---- ca (client link 1) in wkdN-c
                     sb 192.168.60.1 ---- rb 192.168.60.2 in wkdN-r (relay)
                                          rc 192.168.51.1 ---- da (client link 2) in wkdN-d

The clients run with our own scripts, which only record what they got and set the address
inside their namespace: the default scripts would rewrite this machine's resolv.conf.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from wkharness import Daemon, binary

N = os.getpid() % 100000
NS_SRV, NS_C1, NS_RLY, NS_C2 = (f"wkd{N}-{x}" for x in "scrd")
IF_SA, IF_CA, IF_SB, IF_RB, IF_RC, IF_DA = (f"wkd{N}{x}" for x in ("sa", "ca", "sb", "rb", "rc", "da"))
MAC1 = "02:00:00:00:00:21"
MAC_RESERVED = "02:00:00:00:00:10"


def sh(*cmd, check=True, timeout=30, **kw):
    return subprocess.run(list(cmd), check=check, timeout=timeout, capture_output=True, text=True, **kw)


def ns(name, *cmd, **kw):
    return sh("ip", "netns", "exec", name, *cmd, **kw)


def teardown_netns():
    for n in (NS_SRV, NS_C1, NS_RLY, NS_C2):
        pids = sh("ip", "netns", "pids", n, check=False).stdout.split()
        for pid in pids:  # clients we started there (dhclient daemonizes)
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        sh("ip", "netns", "del", n, check=False)
        shutil.rmtree(f"/etc/netns/{n}", ignore_errors=True)


@pytest.fixture(scope="module")
def net():
    if os.geteuid() != 0:
        pytest.fail("these tests need root (network namespaces); CI runs as root")
    for tool in ("dhclient", "udhcpc", "perfdhcp"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            pytest.fail(f"{tool} is not installed (scripts/packages/dhcp.txt)")
    teardown_netns()
    try:
        for n in (NS_SRV, NS_C1, NS_RLY, NS_C2):
            sh("ip", "netns", "add", n)
            # Anything in the namespace that reads resolv.conf reads this one, not ours.
            Path(f"/etc/netns/{n}").mkdir(parents=True, exist_ok=True)
            Path(f"/etc/netns/{n}/resolv.conf").write_text("# wellknown dhcp test namespace\n")
            ns(n, "ip", "link", "set", "lo", "up")
        for a, na, b, nb in ((IF_SA, NS_SRV, IF_CA, NS_C1), (IF_SB, NS_SRV, IF_RB, NS_RLY),
                             (IF_RC, NS_RLY, IF_DA, NS_C2)):
            sh("ip", "link", "add", a, "netns", na, "type", "veth", "peer", "name", b, "netns", nb)
        ns(NS_SRV, "ip", "addr", "add", "192.168.50.1/24", "dev", IF_SA)
        ns(NS_SRV, "ip", "addr", "add", "192.168.60.1/24", "dev", IF_SB)
        ns(NS_RLY, "ip", "addr", "add", "192.168.60.2/24", "dev", IF_RB)
        ns(NS_RLY, "ip", "addr", "add", "192.168.51.1/24", "dev", IF_RC)
        ns(NS_C1, "ip", "link", "set", IF_CA, "address", MAC1)
        for n, i in ((NS_SRV, IF_SA), (NS_SRV, IF_SB), (NS_C1, IF_CA), (NS_RLY, IF_RB),
                     (NS_RLY, IF_RC), (NS_C2, IF_DA)):
            ns(n, "ip", "link", "set", i, "up")
        ns(NS_SRV, "ip", "route", "add", "192.168.51.0/24", "via", "192.168.60.2")
        yield
    finally:
        teardown_netns()


def server_config(tmp_path, lease_time="1h", extra_subnet=""):
    return f"""
[server]
interfaces = ["{IF_SA}"]
listen = ["0.0.0.0:67"]
lease_db = "{tmp_path}/leases.sqlite"
decline_probation = "10m"

[[subnet]]
cidr = "192.168.50.0/24"
pools = ["192.168.50.100-192.168.50.199"]
routers = ["192.168.50.1"]
dns_servers = ["192.168.50.1", "192.168.50.2"]
domain_name = "lan.test"
domain_search = ["lan.test", "corp.test"]
classless_routes = ["10.0.0.0/8 via 192.168.50.1"]
ntp_servers = ["192.168.50.3"]
lease_time = "{lease_time}"
[[subnet.reservation]]
mac = "{MAC_RESERVED}"
ip = "192.168.50.10"
hostname = "printer"

[[subnet]]
cidr = "192.168.51.0/24"
pools = ["192.168.51.100-192.168.51.199"]
routers = ["192.168.51.1"]
lease_time = "{lease_time}"
{extra_subnet}
"""


def start_server(tmp_path, **kw):
    return Daemon("dhcp-server", server_config(tmp_path, **kw), tmp_path, expect_listen=2,
                  prefix=["ip", "netns", "exec", NS_SRV])


def flush_client(n=NS_C1, i=IF_CA):
    ns(n, "ip", "addr", "flush", "dev", i, check=False)


def leases(tmp_path):
    out = sh(binary("dhcp-server"), "--leases", "--config", str(tmp_path / "dhcp-server.toml")).stdout
    rows = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        rows[f[0]] = {"state": f[1], "hwaddr": f[4], "hostname": f[5]}
    return rows


# --- clients ----------------------------------------------------------------------------

def udhcpc_script(tmp_path):
    out = tmp_path / "udhcpc.events"
    script = tmp_path / "udhcpc.sh"
    script.write_text(f"""#!/bin/sh
# Records what udhcpc got; sets the address in the test namespace only.
echo "event=$1 ip=$ip mask=$mask router=$router dns=$dns domain=$domain search=$search \
lease=$lease serverid=$serverid hostname=$hostname staticroutes=$staticroutes ntpsrv=$ntpsrv" >> {out}
case "$1" in
  bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;;
  deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
""")
    script.chmod(0o755)
    return script, out


def events(path):
    if not path.exists():
        return []
    return [dict(kv.split("=", 1) for kv in re.findall(r"(\w+=\S*)", line))
            for line in path.read_text().splitlines()]


def udhcpc(tmp_path, n=NS_C1, i=IF_CA, extra=(), timeout=60):
    """One-shot udhcpc: gets a lease and exits. Returns the recorded events."""
    script, out = udhcpc_script(tmp_path)
    # Generous retries: an ACK waits for its fsync, which a busy CI disk can stretch.
    ns(n, "udhcpc", "-i", i, "-s", str(script), "-q", "-f", "-n", "-t", "8", "-T", "2",
       "-O", "search", "-O", "staticroutes", "-O", "ntpsrv", *extra, timeout=timeout)
    return events(out)


def dhclient_files(tmp_path):
    script = tmp_path / "dhclient.sh"
    out = tmp_path / "dhclient.events"
    script.write_text(f"""#!/bin/sh
# Records what dhclient got; sets the address in the test namespace only.
echo "reason=$reason ip=$new_ip_address mask=$new_subnet_mask routers=$new_routers \
dns=$(echo $new_domain_name_servers | tr ' ' ,) domain=$new_domain_name \
search=$(echo $new_domain_search | tr ' ' ,) lease=$new_dhcp_lease_time \
sid=$new_dhcp_server_identifier routes=$(echo $new_rfc3442_classless_static_routes | tr ' ' ,) \
ntp=$new_ntp_servers" >> {out}
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP) ip addr flush dev "$interface" ;;
esac
exit 0
""")
    script.chmod(0o755)
    conf = tmp_path / "dhclient.conf"
    conf.write_text("""option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers,
        domain-search, rfc3442-classless-static-routes, ntp-servers;
timeout 15;
""")
    return ["-sf", str(script), "-cf", str(conf), "-lf", str(tmp_path / "dhclient.leases"),
            "-pf", str(tmp_path / "dhclient.pid")], out


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def kill_pidfile(path):
    try:
        os.kill(int(Path(path).read_text().strip()), signal.SIGTERM)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass


# --- tests ------------------------------------------------------------------------------

def test_dhclient_gets_lease_with_options_and_renews(net, tmp_path):
    flush_client()
    with start_server(tmp_path, lease_time="12s") as srv:
        args, out = dhclient_files(tmp_path)
        try:
            # -1: one attempt; dhclient goes to the background once bound and renews at T1.
            ns(NS_C1, "dhclient", "-1", "-v", *args, IF_CA, timeout=30)
            got = [e for e in events(out) if e["reason"] in ("BOUND", "REBOOT")]
            assert got, events(out)
            b = got[-1]
            assert b["ip"].startswith("192.168.50.") and 100 <= int(b["ip"].split(".")[3]) <= 199
            assert b["mask"] == "255.255.255.0"
            assert b["routers"] == "192.168.50.1"
            assert b["dns"] == "192.168.50.1,192.168.50.2"
            assert b["domain"] == "lan.test"
            assert b["search"] == "lan.test.,corp.test." or b["search"] == "lan.test,corp.test"
            assert b["routes"] == "8,10,192,168,50,1"
            assert b["ntp"] == "192.168.50.3"
            assert b["lease"] == "12" and b["sid"] == "192.168.50.1"
            # T1 = 6s: a unicast RENEW keeps the address.
            renew = wait_for(lambda: [e for e in events(out) if e["reason"] == "RENEW"], 20,
                             "dhclient RENEW")
            assert renew[0]["ip"] == b["ip"]
            assert leases(tmp_path)[b["ip"]]["hwaddr"] == MAC1
        finally:
            kill_pidfile(tmp_path / "dhclient.pid")


def test_udhcpc_gets_lease_and_reservation(net, tmp_path):
    flush_client()
    with start_server(tmp_path):
        ev = udhcpc(tmp_path)
        bound = [e for e in ev if e["event"] == "bound"]
        assert bound, ev
        b = bound[-1]
        assert b["ip"].startswith("192.168.50.1")
        assert b["mask"] == "24" and b["router"] == "192.168.50.1"
        assert b["dns"] == "192.168.50.1" or "192.168.50.1" in b["dns"]
        assert b["domain"] == "lan.test" and b["serverid"] == "192.168.50.1"
        assert b["lease"] == "3600"
        # The reserved MAC gets its address and hostname.
        ns(NS_C1, "ip", "link", "set", IF_CA, "address", MAC_RESERVED)
        flush_client()
        try:
            ev = udhcpc(tmp_path, extra=("-O", "hostname"))
        finally:
            ns(NS_C1, "ip", "link", "set", IF_CA, "address", MAC1)
        r = [e for e in ev if e["event"] == "bound"][-1]
        assert r["ip"] == "192.168.50.10" and r["hostname"] == "printer"
        assert leases(tmp_path)["192.168.50.10"]["hostname"] == "printer"


def test_udhcpc_renews_and_releases(net, tmp_path):
    flush_client()
    with start_server(tmp_path, lease_time="1h") as srv:
        script, out = udhcpc_script(tmp_path)
        proc = subprocess.Popen(["ip", "netns", "exec", NS_C1, "udhcpc", "-i", IF_CA, "-s",
                                 str(script), "-f", "-R", "-t", "8", "-T", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bound = wait_for(lambda: [e for e in events(out) if e["event"] == "bound"], 30, "bound")
            ip = bound[0]["ip"]
            proc.send_signal(signal.SIGUSR1)  # udhcpc: renew now (unicast REQUEST)
            renew = wait_for(lambda: [e for e in events(out) if e["event"] == "renew"], 10,
                             "renew: " + str(events(out)) + srv.log())
            assert renew[0]["ip"] == ip
        finally:
            proc.send_signal(signal.SIGTERM)  # -R: release the lease on exit
            proc.wait(10)
        wait_for(lambda: leases(tmp_path)[ip]["state"] == "released", 5, "RELEASE")


def test_restart_keeps_leases_after_kill9(net, tmp_path):
    flush_client()
    srv = start_server(tmp_path).start()
    try:
        ev = udhcpc(tmp_path)
        ip = [e for e in ev if e["event"] == "bound"][-1]["ip"]
    finally:
        srv.kill()  # kill -9: what was ACKed must be on disk
    assert leases(tmp_path)[ip]["state"] == "active"
    flush_client()
    with start_server(tmp_path):
        # Another client first: it must not get the address that is still leased ...
        other = udhcpc(tmp_path, extra=("-x", "0x3d:01aabbccddeeff"))
        assert [e for e in other if e["event"] == "bound"][-1]["ip"] != ip
        flush_client()
        # ... and the first client gets its own address back.
        again = udhcpc(tmp_path)
        assert [e for e in again if e["event"] == "bound"][-1]["ip"] == ip


def test_decline_sets_address_aside(net, tmp_path):
    flush_client()
    # Someone on the link already uses .100 (the first pool address): udhcpc's ARP check
    # (-a) finds it and DECLINEs; the server must set it aside and offer another.
    ns(NS_SRV, "ip", "addr", "add", "192.168.50.100/24", "dev", IF_SA)
    try:
        with start_server(tmp_path) as srv:
            ev = udhcpc(tmp_path, extra=("-a",), timeout=90)
            ip = [e for e in ev if e["event"] == "bound"][-1]["ip"]
            assert ip != "192.168.50.100"
            assert leases(tmp_path)["192.168.50.100"]["state"] == "declined"
            srv.wait_for_log("declined")
    finally:
        ns(NS_SRV, "ip", "addr", "del", "192.168.50.100/24", "dev", IF_SA, check=False)


def test_client_behind_relay_gets_second_subnet(net, tmp_path):
    relay_conf = f"""
[relay]
interfaces = ["{IF_RC}"]
servers = ["192.168.60.1"]
agent_info = true
"""
    with start_server(tmp_path) as srv, \
            Daemon("dhcp-relay", relay_conf, tmp_path / "relay", expect_listen=2,
                   prefix=["ip", "netns", "exec", NS_RLY]):
        ev = udhcpc(tmp_path, n=NS_C2, i=IF_DA)
        b = [e for e in ev if e["event"] == "bound"][-1]
        assert b["ip"].startswith("192.168.51.") and b["router"] == "192.168.51.1"
        assert b["serverid"] == "192.168.60.1"
        assert leases(tmp_path)[b["ip"]]["state"] == "active"
        # INIT-REBOOT for an address of the wrong subnet through the relay: NAK, and the
        # client starts over and ends up on the right subnet again.
        flush_client(NS_C2, IF_DA)
        (tmp_path / "again").mkdir()
        ev = udhcpc(tmp_path / "again", n=NS_C2, i=IF_DA, extra=("-r", "192.168.50.150"))
        assert [e for e in ev if e["event"] == "bound"][-1]["ip"].startswith("192.168.51.")
        assert srv.proc.poll() is None


def test_perfdhcp_runs_clean(net, tmp_path):
    # perfdhcp acts as a relay: giaddr = its address (192.168.60.2), source port 67.
    extra = """
[[subnet]]
cidr = "192.168.60.0/24"
pools = ["192.168.60.10-192.168.60.250"]
lease_time = "1h"
"""
    with start_server(tmp_path, extra_subnet=extra) as srv:
        r = ns(NS_RLY, "perfdhcp", "-4", "-l", "192.168.60.2", "-r", "200", "-R", "200",
               "-n", "400", "-W", "1000000", "192.168.60.1", check=False, timeout=60)
        out = r.stdout + r.stderr
        assert r.returncode == 0, out
        sent = re.findall(r"sent packets: (\d+)", out)
        received = re.findall(r"received packets: (\d+)", out)
        drops = re.findall(r"drops: (\d+)", out)
        assert sent and received, out
        assert all(d == "0" for d in drops), out
        assert srv.proc.poll() is None
    rows = leases(tmp_path)
    assert sum(1 for ip in rows if ip.startswith("192.168.60.")) == 200


def test_sighup_reload_keeps_leases_and_adds_reservation(net, tmp_path):
    flush_client()
    with start_server(tmp_path) as srv:
        ip = [e for e in udhcpc(tmp_path) if e["event"] == "bound"][-1]["ip"]
        assert ip != "192.168.50.20"
        # Reserve .20 for our client and reload: the lease table survives the reload and
        # the reservation wins at the next INIT-REBOOT (NAK, then a fresh DORA gets .20).
        cfg = srv.config_path.read_text().replace(
            '[[subnet]]\ncidr = "192.168.51.0/24"',
            f'[[subnet.reservation]]\nmac = "{MAC1}"\nip = "192.168.50.20"\n\n'
            '[[subnet]]\ncidr = "192.168.51.0/24"')
        srv.config_path.write_text(cfg)
        mark = srv.line_count()
        srv.reload()
        srv.wait_for_log(r"reload: 2 subnet", start=mark)
        assert leases(tmp_path)[ip]["state"] == "active"
        flush_client()
        (tmp_path / "after").mkdir()
        ev = udhcpc(tmp_path / "after", extra=("-r", ip))
        assert [e for e in ev if e["event"] == "bound"][-1]["ip"] == "192.168.50.20"
        # A bad new config is refused and the old one keeps serving.
        srv.config_path.write_text(cfg.replace('cidr = "192.168.51.0/24"', 'cidr = "oops"'))
        mark = srv.line_count()
        srv.reload()
        srv.wait_for_log(r"reload refused", start=mark)
        assert srv.proc.poll() is None


def test_bad_lease_rows_are_skipped_at_start(net, tmp_path):
    flush_client()
    with start_server(tmp_path):
        ip = [e for e in udhcpc(tmp_path) if e["event"] == "bound"][-1]["ip"]
    sh("sqlite3", str(tmp_path / "leases.sqlite"),
       "INSERT INTO leases VALUES (-7, x'00', NULL, NULL, 0, 0);"
       "INSERT INTO leases VALUES (3232248470, x'4801', NULL, NULL, 0, 42);")
    with start_server(tmp_path) as srv:
        srv.wait_for_log("skipping bad row")
        assert ": 1 lease(s)" in srv.log()  # the good row only
        flush_client()
        again = udhcpc(tmp_path)
        assert [e for e in again if e["event"] == "bound"][-1]["ip"] == ip


def test_discover_flood_exhausts_pool_but_renewals_still_work(net, tmp_path):
    small = """
[[subnet]]
cidr = "192.168.60.0/24"
pools = ["192.168.60.10-192.168.60.29"]
lease_time = "1h"
"""
    flush_client()
    with start_server(tmp_path, extra_subnet=small) as srv:
        script, out = udhcpc_script(tmp_path)
        proc = subprocess.Popen(["ip", "netns", "exec", NS_C1, "udhcpc", "-i", IF_CA, "-s",
                                 str(script), "-f", "-t", "8", "-T", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            bound = wait_for(lambda: [e for e in events(out) if e["event"] == "bound"], 30, "bound")
            # 500 random MACs against a 20-address pool, relayed like perfdhcp does.
            ns(NS_RLY, "perfdhcp", "-4", "-l", "192.168.60.2", "-r", "500", "-R", "500",
               "-n", "500", "-W", "1000000", "192.168.60.1", check=False, timeout=60)
            srv.wait_for_log("pool exhausted in subnet 192.168.60.0/24")
            assert srv.proc.poll() is None
            proc.send_signal(signal.SIGUSR1)  # an existing lease still renews
            renew = wait_for(lambda: [e for e in events(out) if e["event"] == "renew"], 10, "renew")
            assert renew[0]["ip"] == bound[0]["ip"]
        finally:
            proc.terminate()
            proc.wait(10)
    rows = leases(tmp_path)
    assert sum(1 for ip in rows if ip.startswith("192.168.60.")) == 20
