#!/usr/bin/env python3
# smtps-cut.py CERT KEY DIR: an SMTP server on loopback with TLS from the
# start (smtps) for t/outbox-cli.sh.  It writes DIR/port, takes one
# connection, answers EHLO, AUTH (any password), MAIL and RCPT, answers
# DATA 354 and then
# drops the connection: a FIN at once (no TLS close_notify) and a reset
# to the body that follows -- what makes a client's next write raise
# SIGPIPE.  It writes DIR/cut when it has done so, and exits.
import os
import socket
import ssl
import sys

cert, key, out = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
ls.settimeout(30)
with open(out + "/port.tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(out + "/port.tmp", out + "/port")
c, _ = ls.accept()
c.settimeout(30)
s = ctx.wrap_socket(c, server_side=True)
s.sendall(b"220 cut.kefu ESMTP\r\n")
buf = b""
while True:
    while b"\n" not in buf:
        more = s.recv(4096)
        if not more:
            sys.exit(0)
        buf += more
    line, buf = buf.split(b"\n", 1)
    cmd = line.strip().upper()
    if cmd.startswith(b"EHLO"):
        s.sendall(b"250-cut.kefu\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
    elif cmd.startswith(b"AUTH"):
        s.sendall(b"235 2.7.0 ok\r\n")
    elif cmd == b"DATA":
        s.sendall(b"354 go ahead\r\n")
        socket.socket.shutdown(s, socket.SHUT_WR)
        with open(out + "/cut", "w") as f:
            f.write("cut\n")
        # closed: the kernel answers the body with a reset
        s.close()
        sys.exit(0)
    elif cmd == b"QUIT":
        s.sendall(b"221 bye\r\n")
        sys.exit(0)
    else:
        s.sendall(b"250 ok\r\n")
