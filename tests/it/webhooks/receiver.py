"""A webhook receiver for the tests: it checks every delivery with the standardwebhooks
library (an implementation of the specification independent of Agora's), answers as it is
told, and keeps a log the test reads.

Control, over HTTP on the port it prints first:
  PUT /secrets   JSON list of whsec_ secrets; a delivery is verified if any of them verifies it
  PUT /answers   JSON list of what to answer next, in order, then 200 for good: a status
                 code, "hang" (answer after 30 s), "redirect" (302 to the cloud metadata
                 address), or "big" (200 with a 10 MB body)
  GET /log       JSON list of deliveries: id, type, verified, answered, body
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

state = {"secrets": [], "answers": [], "log": []}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length)

    def reply(self, status, payload=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_PUT(self):
        data = json.loads(self.body())
        with lock:
            state[self.path.strip("/")] = data
        self.reply(204)

    def do_GET(self):
        with lock:
            payload = json.dumps(state["log"]).encode()
        self.reply(200, payload, [("content-type", "application/json")])

    def do_POST(self):
        raw = self.body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified = []
        with lock:
            secrets = list(state["secrets"])
            answer = state["answers"].pop(0) if state["answers"] else 200
        for secret in secrets:
            try:
                Webhook(secret).verify(raw, headers)
                verified.append(secret)
            except Exception:
                pass
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        with lock:
            state["log"].append({
                "id": headers.get("webhook-id"),
                "type": parsed and parsed.get("type"),
                "verified_by": verified,
                "answered": answer,
                "body": parsed,
                "user_agent": headers.get("user-agent"),
            })
        if answer == "hang":
            time.sleep(30)
            self.reply(200)
        elif answer == "redirect":
            self.reply(302, b"", [("location", "http://169.254.169.254/latest/meta-data/")])
        elif answer == "big":
            self.reply(200, b"x" * (10 << 20))
        else:
            self.reply(int(answer), b"answered %d" % int(answer))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
