#!/usr/bin/env python3
"""badserver.py MODE LOG: a Modbus TCP server that misbehaves below what
tbm-sim can do. Prints "listening PORT" once it listens on 127.0.0.1; logs
"accept MS" (monotonic milliseconds) to LOG for every connection.

  mute   accepts and never reads or answers anything
  reset  reads a request, sends the first 5 bytes of a valid reply (holding
         registers, all 0x2a), then resets the connection (RST, SO_LINGER 0)
  deaf   never accepts: its backlog is filled by its own connections, so the
         kernel drops every further SYN and a connect() hangs (a gateway
         that is powered but stuck, or a firewall that drops)
"""
import os
import selectors
import socket
import struct
import sys
import time


def main():
    mode, logpath = sys.argv[1], sys.argv[2]
    log = open(logpath, "a", buffering=1)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    if mode == "deaf":
        srv.listen(0)
        fill = []
        for _ in range(3):
            c = socket.socket()
            c.setblocking(False)
            try:
                c.connect(srv.getsockname())
            except BlockingIOError:
                pass
            fill.append(c)
        print("listening", srv.getsockname()[1], flush=True)
        while True:
            time.sleep(3600)
    srv.listen(64)
    print("listening", srv.getsockname()[1], flush=True)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    held = []
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is srv:
                c, _ = srv.accept()
                log.write("accept %d\n" % int(time.monotonic() * 1000))
                if mode == "mute":
                    held.append(c)          # never read, never answered
                    if len(held) > 200:
                        held.pop(0).close()
                else:
                    sel.register(c, selectors.EVENT_READ)
                continue
            try:
                req = s.recv(260)
            except OSError:
                req = b""
            sel.unregister(s)
            if len(req) >= 12:
                tid, _, _, unit, fc, _, count = struct.unpack(">HHHBBHH", req[:12])
                body = bytes([fc, 2 * count]) + b"\x00\x2a" * count
                reply = struct.pack(">HHHB", tid, 0, len(body) + 1, unit) + body
                try:
                    s.send(reply[:5])
                except OSError:
                    pass
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
