"""The worker loop: waits for jobs on Redis (when REDIS_URL says where it is) and writes a
heartbeat after every round it completed, so a stuck worker stops beating."""
import os
import signal
import socket
import sys
import time
import urllib.parse

HEARTBEAT = os.environ.get("HEARTBEAT", "/tmp/worker-heartbeat")
running = True


def stop(*_):
    global running
    running = False


def redis_ok():
    url = os.environ.get("REDIS_URL")
    if not url:
        return True
    parts = urllib.parse.urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as sock:
            if parts.password:
                sock.sendall(b"AUTH %s\r\n" % parts.password.encode())
                if not sock.recv(64).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while running:
        if redis_ok():
            with open(HEARTBEAT, "w") as beat:
                beat.write(str(time.time()))
        time.sleep(1)
    sys.exit(0)
