"""The worker's health probe: 0 only when the loop beat within the last 10 seconds."""
import os
import sys
import time

HEARTBEAT = os.environ.get("HEARTBEAT", "/tmp/worker-heartbeat")

try:
    fresh = time.time() - os.stat(HEARTBEAT).st_mtime < 10
except OSError:
    fresh = False
sys.exit(0 if fresh else 1)
