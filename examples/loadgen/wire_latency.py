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

With the bot's log as a second argument (a loadgen run with `--log-dir DIR` and
`RUST_LOG=info,xalantis_bot::discord::messages=debug`), the 20 slowest answers are split into
their stages: reader (frame on the wire → the bot read it), queued (→ its task started),
built (lookup and card), send (→ the POST on the wire).

    python3 examples/loadgen/wire_latency.py run.pcap DIR/bot-*.log
"""

import math
import re
import struct
import sys
from datetime import datetime

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


ANSI = re.compile(r"\x1b\[[0-9;]*m")
STAGE = re.compile(r"(\w+_us)=(\d+)")


def answers(log_path):
    """message id -> (log time, stage micros) of each `answered` line of the bot's text log."""
    found = {}
    with open(log_path, errors="replace") as log:
        for line in log:
            line = ANSI.sub("", line)
            m = re.search(r" answered (\d+)", line)
            if not m:
                continue
            at = datetime.fromisoformat(line[:27].replace("Z", "+00:00")).timestamp()
            found[int(m.group(1))] = (at, {k: int(v) for k, v in STAGE.findall(line)})
    return found


def stages(sent, replied, timed, log_path):
    logged = answers(log_path)
    rows = []
    for i in timed:
        if i not in logged:
            continue
        at, us = logged[i]
        received = at - (us["remembered_us"] + us["sent_us"] + us["built_us"] + us["queued_us"]) / 1e6
        send_start = received + (us["queued_us"] + us["built_us"]) / 1e6
        rows.append((
            (replied[i] - sent[i]) * 1e3,
            (received - sent[i]) * 1e3,
            us["queued_us"] / 1e3,
            us["built_us"] / 1e3,
            (replied[i] - send_start) * 1e3,
        ))
    for row in sorted(rows)[-20:]:
        print("total %.3f  reader %.3f  queued %.3f  built %.3f  send %.3f ms" % row)


def main(path, log_path=None):
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
    if log_path:
        stages(sent, replied, timed, log_path)


if __name__ == "__main__":
    main(*sys.argv[1:3])
