#!/usr/bin/env python3
"""A TCP proxy on loopback in front of a MongoDB-compatible test server, for tests of retries.

Usage:
  mongo_proxy.py --upstream HOST:PORT --mode cut|throttle|throttle-reads|stall|pass [options]

Modes:
  pass      forwards everything (a baseline)
  cut       forwards, and cuts every open connection every --cut-every seconds (both sides
            shut down mid-command: "Failed to send getMore", "socket error or timeout")
  throttle  for --storm seconds from the first insert command, answers inserts itself with
            Cosmos DB's "request rate is large" (16500, RetryAfterMs=--retry-after-ms), either
            one writeErrors entry per document (--style writeerrors, what a Cosmos DB bulk
            insert returns) or a command error (--style command); --ratio of the inserts are
            answered so (the rest are forwarded); after the storm, forwards everything
  throttle-reads  the same for the reads of a collection: for --storm seconds from the first
            find or getMore, answers --ratio of them itself with the 16500 command error
  stall     forwards, but from the first find or getMore, and then every --stall-every
            seconds after the previous stall ended, stops forwarding in both directions for
            --stall-for seconds without closing anything (a server that stops answering: the
            client's socketTimeoutMS ends the wait)

The proxy listens on 127.0.0.1 (--port, 0: any free port) and writes the port it got to
--port-file once it accepts connections. Its counters (connections, cuts, throttled replies,
forwarded inserts, throttled reads, stalls) go to --stats-file as JSON, a few times a second and at exit. It exits on
SIGTERM or SIGINT, and by itself after --max-lifetime seconds, so a test that dies cannot
leave it behind for long. Python 3 standard library only.

Wire format (OP_MSG, opcode 2013): a 16-byte header (length, requestID, responseTo, opCode),
flagBits (uint32), then sections: kind 0 is one BSON document (the command), kind 1 a
document sequence (int32 size, cstring identifier, documents back to back); the documents of
an insert come in a kind-1 "documents" section or in the body's "documents" array.
"""
import argparse
import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

OP_MSG = 2013
MORE_TO_COME = 1 << 1
CHECKSUM_PRESENT = 1 << 0


# ---- BSON: the little this proxy reads and writes ------------------------------------------

def bson_elements(doc):
    """Yields (type, key, value bytes) for the top-level elements of a BSON document."""
    end = struct.unpack_from("<i", doc, 0)[0] - 1
    pos = 4
    while pos < end:
        etype = doc[pos]
        kend = doc.index(b"\0", pos + 1)
        key = doc[pos + 1:kend].decode("utf-8", "replace")
        pos = kend + 1
        size = bson_value_size(etype, doc, pos)
        yield etype, key, doc[pos:pos + size]
        pos += size


def bson_value_size(etype, doc, pos):
    fixed = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8,
             0x13: 16, 0x06: 0, 0x7F: 0, 0xFF: 0}
    if etype in fixed:
        return fixed[etype]
    if etype in (0x02, 0x0D, 0x0E):  # string, JavaScript, symbol
        return 4 + struct.unpack_from("<i", doc, pos)[0]
    if etype in (0x03, 0x04, 0x0F):  # document, array, code with scope
        return struct.unpack_from("<i", doc, pos)[0]
    if etype == 0x05:  # binary
        return 5 + struct.unpack_from("<i", doc, pos)[0]
    if etype == 0x0B:  # regex: two cstrings
        first = doc.index(b"\0", pos)
        return doc.index(b"\0", first + 1) + 1 - pos
    if etype == 0x0C:  # DBPointer
        return 4 + struct.unpack_from("<i", doc, pos)[0] + 12
    raise ValueError("unknown BSON type 0x%02x" % etype)


def bson_encode(pairs):
    """A BSON document from [(key, value)]: float, int (int32), str, list of pair lists."""
    body = b""
    for key, value in pairs:
        k = key.encode() + b"\0"
        if isinstance(value, float):
            body += b"\x01" + k + struct.pack("<d", value)
        elif isinstance(value, bool):
            body += b"\x08" + k + (b"\x01" if value else b"\x00")
        elif isinstance(value, int):
            body += b"\x10" + k + struct.pack("<i", value)
        elif isinstance(value, str):
            s = value.encode() + b"\0"
            body += b"\x02" + k + struct.pack("<i", len(s)) + s
        elif isinstance(value, list):
            body += b"\x04" + k + bson_encode([(str(i), v) for i, v in enumerate(value)])
        elif isinstance(value, tuple):  # a sub-document as a tuple of pairs
            body += b"\x03" + k + bson_encode(list(value))
        else:
            raise TypeError(type(value))
    return struct.pack("<i", len(body) + 5) + body + b"\0"


# ---- OP_MSG ----------------------------------------------------------------------------------

def insert_document_count(msg):
    """The number of documents of an insert command in OP_MSG msg, or None for anything else."""
    if len(msg) < 21 or struct.unpack_from("<i", msg, 12)[0] != OP_MSG:
        return None
    flags = struct.unpack_from("<I", msg, 16)[0]
    if flags & MORE_TO_COME:
        return None  # unacknowledged: nobody waits for a reply
    end = len(msg) - (4 if flags & CHECKSUM_PRESENT else 0)
    pos, is_insert, count = 20, False, 0
    while pos < end:
        kind = msg[pos]
        pos += 1
        if kind == 0:
            size = struct.unpack_from("<i", msg, pos)[0]
            body = msg[pos:pos + size]
            for i, (etype, key, value) in enumerate(bson_elements(body)):
                if i == 0:
                    is_insert = key == "insert"
                if key == "documents" and etype == 0x04:
                    count += sum(1 for _ in bson_elements(value))
            pos += size
        elif kind == 1:
            size = struct.unpack_from("<i", msg, pos)[0]
            ident_end = msg.index(b"\0", pos + 4)
            ident = msg[pos + 4:ident_end]
            p = ident_end + 1
            while p < pos + size:
                if ident == b"documents":
                    count += 1
                p += struct.unpack_from("<i", msg, p)[0]
            pos += size
        else:
            return None
    return count if is_insert else None


def command_name(msg):
    """The command name (the body's first key) of an acknowledged OP_MSG, or None."""
    if len(msg) < 21 or struct.unpack_from("<i", msg, 12)[0] != OP_MSG:
        return None
    if struct.unpack_from("<I", msg, 16)[0] & MORE_TO_COME:
        return None
    pos = 20
    while pos < len(msg):
        kind = msg[pos]
        pos += 1
        size = struct.unpack_from("<i", msg, pos)[0]
        if kind == 0:
            for _, key, _ in bson_elements(msg[pos:pos + size]):
                return key
            return None
        if kind != 1:
            return None
        pos += size
    return None


READ_COMMANDS = ("find", "getMore")


def op_msg_reply(request, body, request_id):
    """An OP_MSG answering request (its requestID as responseTo) with one BSON body."""
    response_to = struct.unpack_from("<i", request, 4)[0]
    payload = struct.pack("<I", 0) + b"\x00" + body
    return struct.pack("<iiii", 16 + len(payload), request_id, response_to, OP_MSG) + payload


def throttled_reply(request, ndocs, style, retry_after_ms, request_id):
    msg = ("Error=16500, RetryAfterMs=%d, Details='Response status code does not indicate "
           "success: TooManyRequests (429); Substatus: 3200; ActivityId: 00000000-0000-0000-"
           "0000-000000000000; Reason: (Message: Request rate is large)'" % retry_after_ms)
    if style == "command":
        body = bson_encode([("ok", 0.0), ("errmsg", msg), ("code", 16500),
                            ("codeName", "RequestRateTooLarge")])
    else:
        errors = [(("index", i), ("code", 16500), ("errmsg", msg)) for i in range(ndocs)]
        body = bson_encode([("n", 0), ("writeErrors", errors), ("ok", 1.0)])
    return op_msg_reply(request, body, request_id)


# ---- the proxy --------------------------------------------------------------------------------

class Proxy:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.conns = {}  # (client socket, upstream socket) -> relay threads still running
        self.stats = {"mode": args.mode, "connections": 0, "cuts": 0, "inserts_forwarded": 0,
                      "throttled_replies": 0, "throttled_documents": 0, "throttled_reads": 0,
                      "reads_forwarded": 0, "stalls": 0}
        self.stalled_until = 0.0  # stall: nothing moves before this (time.monotonic())
        self.next_stall = None    # stall: the earliest start of the next stall
        self.storm_started = None
        self.request_id = 1 << 30
        self.rng = random.Random(args.seed)
        self.stopping = threading.Event()

    def bump(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    def next_request_id(self):
        with self.lock:
            self.request_id += 1
            return self.request_id

    def in_storm(self):
        with self.lock:
            if self.storm_started is None:
                self.storm_started = time.monotonic()
            in_storm = time.monotonic() - self.storm_started < self.args.storm
            return in_storm and self.rng.random() < self.args.ratio

    def start_stall_if_due(self):
        """stall: a read command arrived; starts a stall when one is due."""
        with self.lock:
            now = time.monotonic()
            if self.next_stall is None or now >= self.next_stall:
                self.stalled_until = now + self.args.stall_for
                self.next_stall = self.stalled_until + self.args.stall_every
                self.stats["stalls"] += 1

    def wait_out_stall(self):
        """stall: holds the calling relay while a stall lasts (or until the proxy stops)."""
        while not self.stopping.is_set():
            with self.lock:
                left = self.stalled_until - time.monotonic()
            if left <= 0:
                return
            self.stopping.wait(min(left, 0.05))

    def write_stats(self):
        if not self.args.stats_file:
            return
        with self.lock:
            text = json.dumps(self.stats)
        tmp = self.args.stats_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, self.args.stats_file)

    # -- relaying

    @staticmethod
    def read_exact(sock, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def read_message(self, sock):
        head = self.read_exact(sock, 4)
        if head is None:
            return None
        length = struct.unpack("<i", head)[0]
        if length < 16 or length > 64 * 1024 * 1024:
            return None
        rest = self.read_exact(sock, length - 4)
        return None if rest is None else head + rest

    def relay_up(self, client, upstream, client_lock):
        """Client to server, message by message: inserts may be answered here."""
        try:
            while True:
                msg = self.read_message(client)
                if msg is None:
                    break
                if self.args.mode == "throttle":
                    ndocs = insert_document_count(msg)
                    if ndocs is not None and self.in_storm():
                        reply = throttled_reply(msg, ndocs, self.args.style,
                                                self.args.retry_after_ms, self.next_request_id())
                        with client_lock:
                            client.sendall(reply)
                        self.bump("throttled_replies")
                        self.bump("throttled_documents", ndocs)
                        continue
                    if ndocs is not None:
                        self.bump("inserts_forwarded")
                elif self.args.mode == "throttle-reads" and command_name(msg) in READ_COMMANDS:
                    if self.in_storm():
                        reply = throttled_reply(msg, 0, "command", self.args.retry_after_ms,
                                                self.next_request_id())
                        with client_lock:
                            client.sendall(reply)
                        self.bump("throttled_reads")
                        continue
                    self.bump("reads_forwarded")
                elif self.args.mode == "stall":
                    if command_name(msg) in READ_COMMANDS:
                        self.start_stall_if_due()
                    self.wait_out_stall()
                upstream.sendall(msg)
        except (OSError, ValueError):
            pass
        self.close_pair(client, upstream)

    def relay_down(self, client, upstream, client_lock):
        """Server to client, whole messages (the up side may write replies between them)."""
        try:
            while True:
                msg = self.read_message(upstream)
                if msg is None:
                    break
                if self.args.mode == "stall":
                    self.wait_out_stall()
                with client_lock:
                    client.sendall(msg)
        except OSError:
            pass
        self.close_pair(client, upstream)

    @staticmethod
    def cut(client, upstream):
        """Shuts both sockets down: the relay threads of the pair see the end and finish."""
        for s in (client, upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close_pair(self, client, upstream):
        """A relay thread of the pair is done: cut it; the last one closes the sockets."""
        self.cut(client, upstream)
        with self.lock:
            left = self.conns.get((client, upstream), 1) - 1
            if left > 0:
                self.conns[(client, upstream)] = left
                return
            self.conns.pop((client, upstream), None)
        client.close()
        upstream.close()

    def serve(self, listener):
        host, port = self.args.upstream.rsplit(":", 1)
        while not self.stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                break
            try:
                upstream = socket.create_connection((host, int(port)), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.conns[(client, upstream)] = 2
                self.stats["connections"] += 1
            client_lock = threading.Lock()
            for fn in (self.relay_up, self.relay_down):
                threading.Thread(target=fn, args=(client, upstream, client_lock),
                                 daemon=True).start()

    def cutter(self):
        while not self.stopping.wait(self.args.cut_every):
            with self.lock:
                victims = list(self.conns)
            for client, upstream in victims:
                self.cut(client, upstream)
            if victims:
                self.bump("cuts", len(victims))

    def stats_writer(self):
        while not self.stopping.wait(0.2):
            self.write_stats()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", required=True, help="HOST:PORT of the server")
    ap.add_argument("--mode", choices=["pass", "cut", "throttle", "throttle-reads", "stall"],
                    required=True)
    ap.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0: any)")
    ap.add_argument("--port-file", help="where to write the port once listening")
    ap.add_argument("--stats-file", help="counters as JSON")
    ap.add_argument("--cut-every", type=float, default=2.0, help="cut: seconds between cuts")
    ap.add_argument("--storm", type=float, default=60.0,
                    help="throttle: seconds of throttling from the first insert "
                         "(throttle-reads: from the first find or getMore)")
    ap.add_argument("--ratio", type=float, default=1.0,
                    help="throttle: share of the inserts answered throttled during the storm")
    ap.add_argument("--retry-after-ms", type=int, default=20)
    ap.add_argument("--stall-for", type=float, default=3.0,
                    help="stall: seconds each stall lasts")
    ap.add_argument("--stall-every", type=float, default=5.0,
                    help="stall: seconds from the end of a stall to the next one")
    ap.add_argument("--style", choices=["writeerrors", "command"], default="writeerrors")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-lifetime", type=float, default=600.0,
                    help="exit by itself after this many seconds")
    args = ap.parse_args()

    proxy = Proxy(args)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(128)
    port = listener.getsockname()[1]

    def stop(*_):
        proxy.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=proxy.serve, args=(listener,), daemon=True).start()
    if args.mode == "cut":
        threading.Thread(target=proxy.cutter, daemon=True).start()
    threading.Thread(target=proxy.stats_writer, daemon=True).start()
    proxy.write_stats()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print("listening %d" % port, flush=True)
    proxy.stopping.wait(args.max_lifetime)
    proxy.stopping.set()
    listener.close()
    with proxy.lock:
        victims = list(proxy.conns)
    for client, upstream in victims:
        proxy.cut(client, upstream)
    proxy.write_stats()
    return 0


if __name__ == "__main__":
    sys.exit(main())
