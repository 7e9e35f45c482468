#!/usr/bin/env python3
"""The bot's own reply latency, read off a packet capture of a loadgen run on loopback.

For each message naming a ticket: the time from the MESSAGE_CREATE frame leaving the fake
Discord (its TCP segment on `lo`) to the bot's reply POST reaching `lo`. The driver's own
delays (its dispatch loop, the fake's queueing and request parsing) are left out, unlike
loadgen's end-to-end figure, which counts them. Only the Python standard library is used.

    tcpdump -i lo -s 0 -w run.pcap 'tcp' &
    target/release/examples/loadgen --rate 2000 --warm --events 20000 --runs 1 --burst 0
    kill %1
    python3 examples/loadgen/wire_latency.py run.pcap

Messages whose frame left within the first second of the capture (the warm-up) are skipped.
"""

import math
import re
import struct
import sys

MESSAGE_ID = re.compile(rb'"guild_id":"\d+","id":"(\d+)"')
REPLY_TO = re.compile(rb'"message_reference":\{[^}]*"message_id":"?(\d+)')


def segments(path):
    """(time, payload) of every TCP segment with a payload, from a pcap file of `lo`."""
    with open(path, "rb") as f:
        header = f.read(24)
        scale = 1e-9 if struct.unpack("<I", header[:4])[0] == 0xA1B23C4D else 1e-6
        while len(record := f.read(16)) == 16:
            seconds, fraction, length, _ = struct.unpack("<IIII", record)
            frame = f.read(length)
            ip = frame[14:]
            tcp = ip[(ip[0] & 15) * 4 :]
            payload = tcp[(tcp[12] >> 4) * 4 :]
            if payload:
                yield seconds + fraction * scale, payload


def percentile(values, q):
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def main(path):
    sent, replied, start = {}, {}, None
    for at, payload in segments(path):
        start = at if start is None else start
        if b"MESSAGE_CREATE" in payload:
            for m in MESSAGE_ID.finditer(payload):
                sent.setdefault(int(m.group(1)), at)
        if b'"message_reference"' in payload and (m := REPLY_TO.search(payload)):
            replied.setdefault(int(m.group(1)), at)
    timed = [i for i in replied if i in sent and sent[i] - start > 1.0]
    ms = sorted((replied[i] - sent[i]) * 1e3 for i in timed)
    if not ms:
        sys.exit("no replies matched to their messages in the capture")
    print(
        "bot, frame on the wire -> reply on the wire: %d replies, p50 %.2f / p95 %.2f / p99 %.2f / max %.2f ms"
        % (len(ms), percentile(ms, 0.5), percentile(ms, 0.95), percentile(ms, 0.99), ms[-1])
    )


if __name__ == "__main__":
    main(sys.argv[1])
