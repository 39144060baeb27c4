#!/usr/bin/env python3
"""gateway.py LOG [options]: a Modbus gateway with the manners of real ones,
for tests. Prints "listening PORT" once it listens on 127.0.0.1, and logs
one line per happening to LOG, each starting with monotonic milliseconds:
"accept", "close", "turned-away", "request UNIT FC ADDR COUNT", "answer",
"ignored early-after-connect", "ignored too-soon".

Units answer holding and input registers: register 0 holds the unit's value
(--unit N=V), registers 10-11 the float32 123.456 (byte order abcd); other
registers 0. Units not given are silent (never answer), like a unit behind
a gateway that is switched off. --exception N=CODE: unit N answers every
read with that exception.

  --one-connection MS  one client at a time; a connection while the slot is
                       taken, or within MS after it was freed, is accepted
                       and reset at once (what the gateway does to the 2nd
                       client)
  --gap MS             a request less than MS after the last answer on the
                       connection is never answered (a slow turnaround)
  --warmup MS          requests in the first MS after accept are never
                       answered (a DTU that is not ready yet)
  --rtu                RTU frames with CRC over TCP instead of Modbus TCP
  --greeting TEXT      sent once on every new connection (the registration
                       packet of a DTU)
"""
import argparse
import selectors
import socket
import struct
import time

FLOAT = struct.pack(">f", 123.456)


def now():
    return int(time.monotonic() * 1000)


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(frame):
    c = crc16(frame)
    return frame + bytes([c & 0xFF, c >> 8])


def register(unit_value, addr):
    if addr == 0:
        return unit_value
    if addr in (10, 11):
        return struct.unpack(">H", FLOAT[2 * (addr - 10):2 * (addr - 10) + 2])[0]
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--unit", action="append", default=[])
    ap.add_argument("--exception", action="append", default=[])
    ap.add_argument("--one-connection", type=int, default=None)
    ap.add_argument("--gap", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--rtu", action="store_true")
    ap.add_argument("--greeting", default=None)
    a = ap.parse_args()
    units = {int(k): int(v) for k, v in (u.split("=") for u in a.unit)}
    excs = {int(k): int(v) for k, v in (u.split("=") for u in a.exception)}
    log = open(a.log, "a", buffering=1)

    def say(*words):
        log.write("%d %s\n" % (now(), " ".join(str(w) for w in words)))

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("listening", srv.getsockname()[1], flush=True)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    conns = {}              # socket -> state
    freed_at = -10 ** 9     # when the one slot was last freed

    def drop(s):
        nonlocal freed_at
        sel.unregister(s)
        del conns[s]
        s.close()
        freed_at = now()
        say("close")

    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is srv:
                c, _ = srv.accept()
                if a.one_connection is not None and (conns or now() - freed_at < a.one_connection):
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    c.close()
                    say("turned-away")
                    continue
                conns[c] = {"at": now(), "last": -10 ** 9, "buf": b""}
                sel.register(c, selectors.EVENT_READ)
                say("accept")
                if a.greeting:
                    c.sendall(a.greeting.encode())
                continue
            st = conns[s]
            try:
                data = s.recv(512)
            except OSError:
                data = b""
            if not data:
                drop(s)
                continue
            st["buf"] += data
            while True:
                if a.rtu:
                    if len(st["buf"]) < 8:
                        break
                    req, st["buf"] = st["buf"][:8], st["buf"][8:]
                    if crc16(req) != 0:
                        say("bad-crc")
                        continue
                    unit, fc, addr, count = struct.unpack(">BBHH", req[:6])
                    tid = 0
                else:
                    if len(st["buf"]) < 12:
                        break
                    req, st["buf"] = st["buf"][:12], st["buf"][12:]
                    tid, _, _, unit, fc, addr, count = struct.unpack(">HHHBBHH", req)
                t = now()
                say("request", unit, fc, addr, count)
                if t - st["at"] < a.warmup:
                    say("ignored", "early-after-connect")
                    continue
                if t - st["last"] < a.gap:
                    say("ignored", "too-soon")
                    continue
                if unit in excs:
                    pdu = bytes([fc | 0x80, excs[unit]])
                elif unit not in units:
                    say("ignored", "silent-unit")
                    continue
                elif fc in (3, 4):
                    body = b"".join(struct.pack(">H", register(units[unit], addr + i)) for i in range(count))
                    pdu = bytes([fc, len(body)]) + body
                elif fc in (1, 2):
                    pdu = bytes([fc, (count + 7) // 8]) + bytes((count + 7) // 8)
                else:
                    pdu = bytes([fc | 0x80, 1])
                if a.rtu:
                    reply = with_crc(bytes([unit]) + pdu)
                else:
                    reply = struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu
                s.sendall(reply)
                st["last"] = now()
                say("answer", unit)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
