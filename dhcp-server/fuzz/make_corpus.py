#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_dhcp_packet (run from this directory)."""
import struct
from pathlib import Path

COOKIE = b"\x63\x82\x53\x63"


def header(op=1, ciaddr=0, giaddr=0, flags=0, hops=0, sname=b"", file=b""):
    return (struct.pack("!BBBBIHHIIII", op, 1, 6, hops, 0x1234abcd, 0, flags, ciaddr, 0, 0, giaddr)
            + bytes([2, 0, 0, 0, 0, 0x21]) + bytes(10)
            + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + COOKIE)


def opt(code, value):
    return bytes([code, len(value)]) + value


seeds = {
    "discover": header(flags=0x8000) + opt(53, b"\x01") + opt(55, bytes([1, 3, 6, 15, 119, 121]))
    + opt(57, b"\x05\xdc") + opt(61, b"\x01\x02\x00\x00\x00\x00\x21") + b"\xff",
    "request_selecting": header() + opt(53, b"\x03") + opt(50, bytes([192, 168, 50, 100]))
    + opt(54, bytes([192, 168, 50, 1])) + opt(12, b"host") + b"\xff",
    "renew": header(ciaddr=0xc0a83264) + opt(53, b"\x03") + b"\xff",
    "relayed_82": header(giaddr=0xc0a83301, hops=1) + opt(53, b"\x01")
    + opt(82, b"\x01\x04eth0\x02\x04\xc0\xa8\x33\x01") + b"\xff",
    "overload_both": header(sname=opt(12, b"pc") + b"\xff", file=opt(15, b"lan") + b"\xff")
    + opt(52, b"\x03") + opt(53, b"\x05") + b"\xff",
    "overload_loop": header(file=opt(52, b"\x01") + b"\xff") + opt(52, b"\x01") + opt(53, b"\x05"),
    "ack_119_121": header(op=2) + opt(53, b"\x05")
    + opt(119, b"\x03eng\x05apple\x03com\x00\x09marketing\xc0\x04")
    + opt(121, bytes([8, 10, 192, 168, 50, 1, 0, 192, 168, 50, 254])) + b"\xff",
    "split_option": header() + opt(53, b"\x01") + opt(15, b"ab") + opt(15, b"cd") + b"\xff",
    "truncated_option": header() + opt(53, b"\x01") + b"\x0c\x20abc",
    "no_end_pads": header() + b"\x00\x00" + opt(53, b"\x08"),
    "short": header()[:100],
}
out = Path("corpus/packet")
out.mkdir(parents=True, exist_ok=True)
for name, data in seeds.items():
    (out / name).write_bytes(data)

# Engine corpus: sequences of (u16 length, flags, message); flags bit 0 = from the link,
# bits 2-7 = seconds to advance the clock.
def framed(*msgs):
    out = b""
    for flags, m in msgs:
        out += len(m).to_bytes(2, "big") + bytes([flags]) + m
    return out


sid = opt(54, bytes([192, 168, 50, 1]))
engine_seeds = {
    "dora": framed((1, seeds["discover"]),
                   (1, header() + opt(53, b"\x03") + opt(50, bytes([192, 168, 50, 100])) + sid
                    + opt(61, b"\x01\x02\x00\x00\x00\x00\x21") + b"\xff")),
    "renew_release": framed((1, seeds["discover"]), (1, seeds["request_selecting"]),
                            (0x41, seeds["renew"]),
                            (1, header(ciaddr=0xc0a83264) + opt(53, b"\x07") + sid + b"\xff")),
    "decline": framed((1, seeds["request_selecting"]),
                      (1, header() + opt(53, b"\x04") + opt(50, bytes([192, 168, 50, 100])) + sid
                       + b"\xff")),
    "relayed": framed((0, header(giaddr=0x0a000001) + opt(53, b"\x01")
                          + opt(82, b"\x01\x01a") + b"\xff")),
    "inform": framed((0, header(ciaddr=0xc0a83205) + opt(53, b"\x08") + b"\xff")),
}
out = Path("corpus/engine")
out.mkdir(parents=True, exist_ok=True)
for name, data in engine_seeds.items():
    (out / name).write_bytes(data)
