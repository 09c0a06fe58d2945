#!/usr/bin/env python3
# mail-parse.py MAILDIR TAG: parse with Python's email package every
# message in MAILDIR whose To: holds TAG, and print what the mail tests
# check, one "outbox-id key value" line per fact, sorted by outbox id.
import email
import email.policy
import os
import sys


def shape(part):
    if part.is_multipart():
        return "%s(%s)" % (part.get_content_type(),
                           ",".join(shape(p) for p in part.iter_parts()))
    return part.get_content_type()


def facts(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = []
    oid = str(msg.get("X-Kefu-Outbox", "?"))

    def add(key, value):
        # a message as composed has CRLF, one from a Maildir LF
        text = str(value).replace("\r\n", "\n").replace("\n", " ")
        out.append("%s %s %s" % (oid, key, text))

    add("subject", msg["subject"])
    add("from", msg["from"])
    add("to", msg["to"])
    add("to-name", msg["to"].addresses[0].display_name)
    add("from-name", msg["from"].addresses[0].display_name)
    add("message-id", msg["message-id"])
    add("date", msg["date"])
    add("mime-version", msg.get("mime-version", "-"))
    add("list-unsubscribe", msg.get("list-unsubscribe", "-"))
    add("list-unsubscribe-post", msg.get("list-unsubscribe-post", "-"))
    received = " ".join(str(r) for r in msg.get_all("received", []))
    add("esmtps", "yes" if "ESMTPS" in received else "no")
    # RFC 6531: Postfix writes "with UTF8ESMTP(S)" after SMTPUTF8
    add("smtputf8", "yes" if "UTF8SMTP" in received or
        "UTF8ESMTP" in received else "no")
    add("shape", shape(msg))
    head = raw.split(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n", 1)[0]
    # The fields kefu writes (and their folded lines); libcurl writes the
    # MIME ones, Postfix the trace fields.
    own, ours = [], False
    for l in head.splitlines():
        if l[:1] not in (b" ", b"\t"):
            ours = l.lower().startswith((b"subject:", b"from:", b"to:",
                                         b"message-id:", b"date:",
                                         b"list-unsubscribe"))
        if ours:
            own.append(l)
    longest = max(own, key=len)
    add("longest-header-line", "%d %s" % (len(longest),
                                          longest.decode("ascii", "replace")))
    add("raw-subject-encoded", "yes" if b"=?UTF-8?B?" in head else "no")
    add("defects", sum(len(p.defects) for p in msg.walk()))
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "text/plain":
            add("text", part.get_content().strip())
        elif ctype == "text/html":
            add("html", part.get_content().strip())
        elif ctype.startswith("image/"):
            data = part.get_content()
            add("image", "%s %d bytes cid %s disposition %s" % (
                ctype, len(data), part.get("content-id", "-"),
                part.get_content_disposition()))
        elif part.get_content_disposition() == "attachment":
            add("attachment", "%s %d bytes name %s disposition %s" % (
                ctype, len(part.get_content()), part.get_filename(),
                part.get_content_disposition()))
    return oid, out


def main():
    maildir, tag = sys.argv[1], sys.argv[2]
    found = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            path = os.path.join(d, name)
            with open(path, "rb") as f:
                if tag.encode() not in f.read():
                    continue
            found.append(facts(path))
    for oid, lines in sorted(found, key=lambda x: x[0]):
        print("%s count 1" % oid)
        for line in lines:
            print(line)


main()
