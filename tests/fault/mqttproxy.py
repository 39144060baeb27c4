#!/usr/bin/env python3
"""mqttproxy.py BROKER_PORT LOG: a TCP proxy in front of an MQTT broker that
cuts the connection whenever the client sends a PUBLISH packet (everything
else passes both ways). Prints "listening PORT"; logs "conn MS" per client
connection and "cut MS" per cut to LOG. SIGUSR1 turns cutting off (then it
passes everything)."""
import selectors
import signal
import socket
import sys
import time

cutting = True


def stop_cutting(*_):
    global cutting
    cutting = False


def packets(buf):
    """Splits complete MQTT packets off the front of buf: (types, rest)."""
    types = []
    while len(buf) >= 2:
        mult, length, i = 1, 0, 1
        while True:
            if i >= len(buf):
                return types, buf, False
            b = buf[i]
            length += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
        if len(buf) < i + length:
            break
        types.append(buf[0] >> 4)
        buf = buf[i + length:]
    return types, buf, True


def main():
    broker, logpath = int(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGUSR1, stop_cutting)
    log = open(logpath, "a", buffering=1)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("listening", srv.getsockname()[1], flush=True)
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, None)
    pending = {}   # client socket -> bytes not yet split into packets

    def close(a, b):
        for s in (a, b):
            try:
                sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        pending.pop(a, None)

    while True:
        try:
            events = sel.select()
        except InterruptedError:
            continue
        for key, _ in events:
            s = key.fileobj
            if s is srv:
                c, _ = srv.accept()
                log.write("conn %d\n" % int(time.monotonic() * 1000))
                try:
                    b = socket.create_connection(("127.0.0.1", broker))
                except OSError:
                    c.close()
                    continue
                pending[c] = b""
                sel.register(c, selectors.EVENT_READ, ("up", b))
                sel.register(b, selectors.EVENT_READ, ("down", c))
                continue
            direction, peer = key.data
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                close(s, peer) if direction == "up" else close(peer, s)
                continue
            if direction == "up":
                types, rest, _ = packets(pending[s] + data)
                pending[s] = rest
                if cutting and 3 in types:
                    log.write("cut %d\n" % int(time.monotonic() * 1000))
                    close(s, peer)
                    continue
            try:
                peer.sendall(data)
            except OSError:
                close(s, peer) if direction == "up" else close(peer, s)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
