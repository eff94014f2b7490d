"""The service before hardening: one file, no signal handling."""
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()


HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
