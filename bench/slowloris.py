#!/usr/bin/env python3
"""Slowloris against a real hoidap binary (issue 9, item 10).

Starts BIN on 127.0.0.1:PORT with a fresh data directory, opens N
connections that each send an incomplete request head and then nothing, and
prints how many the server still holds open 5, 12 and 20 s later. Before the
header timeout all N stayed open (for 70 s and more); now they close at 10 s.

    python3 bench/slowloris.py target/release/hoidap 18902 300
"""
import socket
import subprocess
import sys
import tempfile
import time


def still_open(socks):
    count = 0
    for s in socks:
        try:
            if s.recv(1) == b"":
                continue  # closed by the server
        except BlockingIOError:
            pass  # nothing to read: still open
        except OSError:
            continue  # reset
        count += 1
    return count


def main():
    binary, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    data = tempfile.mkdtemp()
    server = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", data, "--no-demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2)
        socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            socks.append(s)
        start = time.time()
        for at in (5, 12, 20):
            time.sleep(max(0.0, start + at - time.time()))
            print(f"after {at:>2} s: {still_open(socks)} of {n} half-open connections open", flush=True)
    finally:
        server.kill()


if __name__ == "__main__":
    main()
