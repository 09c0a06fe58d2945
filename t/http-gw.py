#!/usr/bin/env python3
# http-gw.py: a scripted HTTP SMS gateway on loopback for t/unit/msg-http.
# Usage: http-gw.py DIR -- writes DIR/port, then DIR/req-N (N from 1) for
# each request: "METHOD PATH", the headers, a blank line, the body as
# received.  The answer depends on the number in the request:
#   ...0500  500 busy          ...0404  404 unknown number
#   ...0999  answers after 3 s ...0777  200 with an error code
#   ...0429  429 slow down     else     200 {"code":0,"msgid":"GW<N>"}
import http.server
import os
import sys
import threading
import time

DIR = sys.argv[1]
lock = threading.Lock()
count = [0]


class Gateway(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with lock:
            count[0] += 1
            num = count[0]
        with open(os.path.join(DIR, "req-%d" % num), "wb") as f:
            f.write(("%s %s\n" % (self.command, self.path)).encode())
            f.write(str(self.headers).encode())
            f.write(body)
        seen = self.path.encode() + body
        code, text = 200, '{"code":0,"msgid":"GW%d"}' % num
        if b"0500" in seen:
            code, text = 500, "busy"
        elif b"0404" in seen:
            code, text = 404, "unknown number"
        elif b"0429" in seen:
            code, text = 429, "slow down"
        elif b"0777" in seen:
            text = '{"code":17,"error":"balance too low"}'
        elif b"0999" in seen:
            time.sleep(3)
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = answer
    do_POST = answer


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
