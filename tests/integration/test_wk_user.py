"""wk-user drives the accounts database: real binary, real stdin/tty, database checked
independently with python3's sqlite3 and hashlib.scrypt."""

import base64
import hashlib
import os
import re
import select
import sqlite3
import subprocess
import time

from wkharness import binary

WK_USER = binary("wk-user")
ENCODED_RE = re.compile(r"^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


def wk_user(args, stdin="", cwd=None):
    return subprocess.run([WK_USER, *args], input=stdin.encode(), capture_output=True,
                          cwd=cwd, timeout=30)


def b64(s):
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def rows(db):
    con = sqlite3.connect(db)
    try:
        return dict(con.execute("SELECT name, hash FROM users"))
    finally:
        con.close()


def scrypt_matches(password, encoded):
    m = ENCODED_RE.match(encoded)
    assert m, encoded
    ln, r, p = int(m[1]), int(m[2]), int(m[3])
    salt, digest = b64(m[4]), b64(m[5])
    got = hashlib.scrypt(password.encode(), salt=salt, n=1 << ln, r=r, p=p,
                         maxmem=256 << 20, dklen=len(digest))
    return got == digest


def all_bytes(directory):
    data = b""
    for name in os.listdir(directory):
        with open(os.path.join(directory, name), "rb") as f:
            data += f.read()
    return data


def test_add_list_passwd_del(tmp_path):
    db = str(tmp_path / "u.sqlite")
    r = wk_user(["--db", db, "add", "bob"], "Plain-Text-Secret-1\n")
    assert r.returncode == 0, r.stderr
    r = wk_user(["--db", db, "add", "alice@example.org"], "other pass\n")
    assert r.returncode == 0, r.stderr

    r = wk_user(["--db", db, "list"])
    assert r.returncode == 0
    assert r.stdout.decode().splitlines() == ["alice@example.org", "bob"]

    stored = rows(db)
    assert ENCODED_RE.match(stored["bob"]) and stored["bob"].startswith("$scrypt$ln=15,r=8,p=1$")
    # The hash really is scrypt of the password, checked by an independent implementation.
    assert scrypt_matches("Plain-Text-Secret-1", stored["bob"])
    assert not scrypt_matches("Plain-Text-Secret-2", stored["bob"])
    assert scrypt_matches("other pass", stored["alice@example.org"])

    r = wk_user(["--db", db, "passwd", "bob"], "New-Secret-2\r\n")
    assert r.returncode == 0, r.stderr
    new = rows(db)["bob"]
    assert new != stored["bob"]
    assert scrypt_matches("New-Secret-2", new)  # CR of CRLF is not part of the password

    r = wk_user(["--db", db, "del", "alice@example.org"])
    assert r.returncode == 0, r.stderr
    assert list(rows(db)) == ["bob"]
    r = wk_user(["--db", db, "del", "alice@example.org"])
    assert r.returncode == 1
    assert b"wk-user: no user 'alice@example.org'" in r.stderr


def test_no_plaintext_anywhere_on_disk(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = str(data_dir / "users.sqlite")
    for i in range(3):
        r = wk_user(["--db", db, "add", f"user{i}"], f"Needle-Password-{i}\n")
        assert r.returncode == 0, r.stderr
    r = wk_user(["--db", db, "passwd", "user0"], "Needle-Password-X\n")
    assert r.returncode == 0, r.stderr
    blob = all_bytes(data_dir)  # the database plus any -wal / -shm files
    assert b"Needle-Password" not in blob
    assert (os.stat(db).st_mode & 0o077) == 0  # hashes are readable by the owner only


def test_errors_and_exit_codes(tmp_path):
    db = str(tmp_path / "u.sqlite")
    assert wk_user(["--db", db, "add", "bob"], "pw\n").returncode == 0

    r = wk_user(["--db", db, "add", "bob"], "pw2\n")
    assert r.returncode == 1
    assert r.stderr.decode().strip() == "wk-user: user 'bob' exists"
    assert scrypt_matches("pw", rows(db)["bob"])  # unchanged

    r = wk_user(["--db", db, "add", "carol"], "\n")
    assert r.returncode == 1 and b"empty password" in r.stderr
    r = wk_user(["--db", db, "add", "carol"], "")
    assert r.returncode == 1 and b"no password" in r.stderr
    r = wk_user(["--db", db, "add", "bad name"], "pw\n")
    assert r.returncode == 1 and b"invalid user name" in r.stderr
    r = wk_user(["--db", db, "add", "x" * 65], "pw\n")
    assert r.returncode == 1 and b"invalid user name" in r.stderr
    r = wk_user(["--db", db, "passwd", "nobody"], "pw\n")
    assert r.returncode == 1 and b"wk-user: no user 'nobody'" in r.stderr
    assert sorted(rows(db)) == ["bob"]

    for args in (["frobnicate"], [], ["add"], ["list", "extra"], ["--bogus", "list"],
                 ["--db"]):
        r = wk_user(["--db", db, *args] if args != ["--db"] else args)
        assert r.returncode == 1, args
        assert r.stderr, args

    r = wk_user(["--help"])
    assert r.returncode == 0 and b"usage: wk-user" in r.stdout

    r = wk_user(["--db", str(tmp_path / "missing-dir" / "u.sqlite"), "list"])
    assert r.returncode == 1 and r.stderr.startswith(b"wk-user: ")


def test_default_database_in_working_directory(tmp_path):
    r = wk_user(["add", "dave"], "pw\n", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "users.sqlite").exists()
    assert list(rows(str(tmp_path / "users.sqlite"))) == ["dave"]


def read_until(fd, needle, timeout=30):
    buf = b""
    deadline = time.monotonic() + timeout
    while needle not in buf:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {needle!r}; got {buf!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf


def run_on_tty(args, answers):
    """Runs wk-user with a pseudo-terminal as stdin/stderr, answering each prompt."""
    master, slave = os.openpty()
    proc = subprocess.Popen([WK_USER, *args], stdin=slave, stdout=slave, stderr=slave,
                            close_fds=True)
    os.close(slave)
    seen = b""
    try:
        for prompt, answer in answers:
            seen += read_until(master, prompt)
            os.write(master, answer)
        proc.wait(timeout=30)
        while True:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                break
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, seen


def test_tty_prompts_without_echo(tmp_path):
    db = str(tmp_path / "u.sqlite")
    rc, out = run_on_tty(["--db", db, "add", "erin"],
                         [(b"Password: ", b"Tty-Secret-9\n"),
                          (b"Retype password: ", b"Tty-Secret-9\n")])
    assert rc == 0, out
    assert b"Tty-Secret-9" not in out  # never echoed
    assert scrypt_matches("Tty-Secret-9", rows(db)["erin"])

    rc, out = run_on_tty(["--db", db, "passwd", "erin"],
                         [(b"Password: ", b"one\n"), (b"Retype password: ", b"two\n")])
    assert rc == 1
    assert b"passwords do not match" in out
    assert scrypt_matches("Tty-Secret-9", rows(db)["erin"])
