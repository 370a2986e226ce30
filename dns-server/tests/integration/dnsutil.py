"""Helpers for dns-server integration tests: run NSD beside us, ask dig, normalise answers."""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (for NSD, which cannot report one)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    t.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def dig(port, *args, server="127.0.0.1", tcp_port=None, timeout=5):
    cmd = ["dig", f"@{server}", "-p", str(port), "+norec", "+nocookie", "+tries=1",
           f"+time={timeout}"] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 5)
    return out.stdout


RR_SECTIONS = ("ANSWER", "AUTHORITY", "ADDITIONAL")


def parse_dig(text):
    """-> dict(status, flags:set, sections: {name: sorted list of normalised records}, edns)."""
    result = {"status": None, "flags": set(), "ANSWER": [], "AUTHORITY": [], "ADDITIONAL": [],
              "edns": None, "nsid": None}
    section = None
    for line in text.splitlines():
        m = re.search(r"status: (\w+)", line)
        if m:
            result["status"] = m.group(1)
        m = re.match(r";; flags: ([a-z ]*);", line)
        if m:
            result["flags"] = set(m.group(1).split())
        m = re.match(r"; EDNS: version: (\d+), flags:([a-z ]*); udp: (\d+)", line)
        if m:
            result["edns"] = (int(m.group(1)), int(m.group(3)))
        m = re.match(r"; NSID: .*\(\"(.*)\"\)", line)
        if m:
            result["nsid"] = m.group(1)
        m = re.match(r";; (\w+) SECTION:", line)
        if m:
            section = m.group(1) if m.group(1) in RR_SECTIONS else None
            continue
        if not line.strip():
            section = None
            continue
        if section and not line.startswith(";"):
            fields = line.split()
            fields[0] = fields[0].lower()
            result[section].append(" ".join(fields))
    for s in RR_SECTIONS:
        result[s].sort()
    return result


NSD_CONF = """server:
  ip-address: 127.0.0.1@{port}
  port: {port}
  zonesdir: "{dir}"
  zonelistfile: "{dir}/zone.list"
  database: ""
  pidfile: "{dir}/nsd.pid"
  xfrdfile: "{dir}/xfrd.state"
  xfrdir: "{dir}"
  username: ""
  chroot: ""
  server-count: 1
  hide-version: yes
  hide-identity: yes
  verbosity: 2
remote-control:
  control-enable: no
{zones}
"""


class Nsd:
    """NSD in the foreground on a loopback port, with zone clauses given as text."""

    def __init__(self, workdir, zones):
        self.dir = Path(workdir) / "nsd"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = self.dir / "nsd.conf"
        self.conf.write_text(NSD_CONF.format(port=self.port, dir=self.dir, zones=zones))
        self.proc = None
        self.logfile = self.dir / "nsd.log"

    def __enter__(self):
        nsd = shutil.which("nsd") or "/usr/sbin/nsd"
        self.proc = subprocess.Popen([nsd, "-d", "-c", str(self.conf)], stdout=open(self.logfile, "w"),
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nsd exited:\n" + self.logfile.read_text())
            if "status:" in dig(self.port, "example.invalid", "SOA", timeout=1):
                return self
            time.sleep(0.1)
        raise RuntimeError("nsd did not start:\n" + self.logfile.read_text())

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return False

    def log(self):
        return self.logfile.read_text()
