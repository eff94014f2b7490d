"""The container's health probe: exits 0 only when the service really answers.

1. the HTTP server on PORT (default 8080) answers GET /health with 200;
2. when DATABASE_URL is set, PostgreSQL accepts connections (libpq's PQping);
3. when REDIS_URL is set, Redis answers PING.
"""
import os
import socket
import sys
import urllib.parse
import urllib.request

import pqping


def server_ok():
    port = os.environ.get("PORT", "8080")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def database_ok():
    url = os.environ.get("DATABASE_URL")
    return True if not url else pqping.ping(url)


def redis_ok():
    url = os.environ.get("REDIS_URL")
    if not url:
        return True
    parts = urllib.parse.urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "localhost", parts.port or 6379), timeout=3) as sock:
            if parts.password:
                sock.sendall(b"AUTH %s\r\n" % parts.password.encode())
                if not sock.recv(64).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if (server_ok() and database_ok() and redis_ok()) else 1)
