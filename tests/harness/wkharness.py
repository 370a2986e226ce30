"""Start a wellknown daemon for an integration test and read back where it listens.

    from wkharness import Daemon

    with Daemon("dns-server", CONFIG, tmp_path) as d:      # tmp_path: pytest's fixture
        port = d.port("udp")                               # from "listening udp ...:PORT"
        ...
        d.reload()                                         # SIGHUP
    # leaving the block sends SIGTERM and asserts exit status 0

Configs bind port 0; the daemon logs "listening <proto> <addr>:<port>" for each socket
and the harness parses those lines, so tests never race for fixed ports.
"""

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

LISTEN_RE = re.compile(r"listening (\S+) (\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)")


def bin_dir():
    return Path(os.environ.get("WK_BIN", Path(__file__).resolve().parents[2] / "build" / "bin"))


def source_dir():
    return Path(os.environ.get("WK_SOURCE", Path(__file__).resolve().parents[2]))


def binary(name):
    path = bin_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is not built")
    return str(path)


class Daemon:
    def __init__(self, name, config, workdir, args=(), expect_listen=1, start_timeout=15.0,
                 env=None, config_name=None, prefix=()):
        self.name = name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.workdir / (config_name or f"{name}.toml")
        if config is not None:
            self.config_path.write_text(config)
        self.args = list(args)
        self.expect_listen = expect_listen
        self.start_timeout = start_timeout
        self.env = env
        self.prefix = list(prefix)  # e.g. ["ip", "netns", "exec", "ns1"]
        self.proc = None
        self.lines = []
        self.listening = []  # (proto, host, port)
        self._cond = threading.Condition()
        self._reader = None

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        cmd = self.prefix + [binary(self.name)]
        if self.config_path.exists():
            cmd += ["--config", str(self.config_path)]
        cmd += self.args
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.start_timeout
        with self._cond:
            while len(self.listening) < self.expect_listen:
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                       + self.log())
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name} did not report {self.expect_listen} "
                                       f"listening sockets:\n" + self.log())
                self._cond.wait(min(left, 0.1))
        return self

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self.lines.append(line)
                m = LISTEN_RE.search(line)
                if m:
                    host = m.group(2).strip("[]")
                    self.listening.append((m.group(1), host, int(m.group(3))))
                self._cond.notify_all()

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Signals the daemon and returns its exit status (killing it after timeout)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not stop within {timeout}s:\n" + self.log())
        if self._reader:
            self._reader.join(2)
        return self.proc.returncode

    def kill(self):
        """kill -9: for durability tests."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._reader:
            self._reader.join(2)

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if self.proc is not None and self.proc.poll() is None:
            code = self.stop()
            if exc_type is None:
                assert code == 0, f"{self.name} exited {code}:\n" + self.log()
        return False

    # -- observations ------------------------------------------------------
    def port(self, proto="udp", index=0, family=None):
        """The port of the index-th socket of proto (family 4 or 6 filters by address)."""
        found = [p for (pr, host, p) in self.listening
                 if pr == proto and (family is None or (":" in host) == (family == 6))]
        if index >= len(found):
            raise KeyError(f"no {proto} socket #{index} in {self.listening}")
        return found[index]

    def endpoint(self, proto="udp", index=0):
        found = [(h, p) for (pr, h, p) in self.listening if pr == proto]
        return found[index]

    def log(self):
        with self._cond:
            return "\n".join(self.lines)

    def wait_for_log(self, pattern, timeout=10.0, start=0):
        """Waits for a log line matching pattern (regex) at or after line index start."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no log line matching {pattern!r}:\n" + "\n".join(self.lines))
                self._cond.wait(min(left, 0.1))

    def line_count(self):
        with self._cond:
            return len(self.lines)


def check_config(name, config_text, workdir, filename="check.toml"):
    """Runs NAME --check-config on a config; returns (exit code, combined output)."""
    path = Path(workdir) / filename
    path.write_text(config_text)
    proc = subprocess.run([binary(name), "--check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=30)
    return proc.returncode, proc.stdout + proc.stderr, str(path)
