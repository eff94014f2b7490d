"""The app's health probe: 0 only when the server answers, and PostgreSQL accepts connections when
DATABASE_URL says where it is."""
import os
import socket
import sys
import urllib.parse
import urllib.request


def server_ok():
    try:
        url = f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/health"
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def database_ok():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return True
    parts = urllib.parse.urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 5432), timeout=3):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if server_ok() and database_ok() else 1)
