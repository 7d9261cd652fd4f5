#!/usr/bin/env python3
"""A loopback SMS gateway for the notify tests: answers every POST with the status given on the
command line and appends one JSON line per request (path, content type, authorization, body) to
the log file *before* answering, so a test that saw the send finish can read it.
Usage: sms_gateway.py PORT LOGFILE [STATUS]"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, log, status = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 200


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n).decode('utf-8', 'replace')
        rec = {'path': self.path, 'content_type': self.headers.get('Content-Type'),
               'authorization': self.headers.get('Authorization'), 'body': body}
        with open(log, 'a') as f:
            f.write(json.dumps(rec) + '\n')
            f.flush()
        reply = b'{"sid":"SM1"}' if status < 300 else b'{"error":"unavailable"}'
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


HTTPServer(('127.0.0.1', port), Gateway).serve_forever()
