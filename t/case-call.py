#!/usr/bin/env python3
# case-call.py: a caller on kefud's simulated line (kefu-simline(7)) for
# t/case-kefud.sh: rings with a caller ID and follows a script of steps,
# saving the audio of every prompt it hears as OUTDIR/prompt-NN.raw
# (s16le, 8 kHz) and printing the events it saw.
#
# usage: case-call.py SOCKET CALLER OUTDIR [fast|real] STEP...
#   k:X      at the next wait for keys (COLLECT), press X
#   r:S      at the next RECORD, say S seconds of a 440 Hz tone, press #
#   R:S      at the next RECORD, say S seconds of the tone, then hang up
#   K:S:PID  at the next RECORD, say the tone in real time for S seconds,
#            then kill -9 PID (kefud) and stop
#   bye      hang up
import math
import os
import signal
import socket
import struct
import sys
import time


class Line:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(60)
        self.buf = b""

    def send(self, text):
        self.s.sendall(text.encode())

    def audio(self, data):
        self.s.sendall(b"AUDIO %d\n" % len(data) + data)

    def _fill(self):
        got = self.s.recv(65536)
        if not got:
            raise EOFError
        self.buf += got

    def line(self):
        while b"\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def bytes(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def tone(seconds, start=0):
    n = int(seconds * 8000)
    return b"".join(struct.pack("<h", int(8000 * math.sin(
        2 * math.pi * 440 * (start + i) / 8000))) for i in range(n))


def main():
    path, caller, outdir, pace = sys.argv[1:5]
    steps = sys.argv[5:]
    ln = Line(path)
    ln.send("HELLO kefu-sim 1%s\nRING %s\n" %
            (" fast" if pace == "fast" else "", caller))
    nprompt = 0
    prompt = None
    while True:
        try:
            l = ln.line()
        except (EOFError, OSError):
            print("closed")
            return 0
        if l.startswith("AUDIO "):
            data = ln.bytes(int(l.split()[1]))
            if prompt is not None:
                prompt.write(data)
            continue
        print(l)
        sys.stdout.flush()
        if l.startswith("PROMPT "):
            nprompt += 1
            prompt = open(os.path.join(outdir, "prompt-%02d.raw" %
                                       nprompt), "wb")
            print("  saving prompt-%02d.raw" % nprompt)
        elif l.startswith("END") and prompt is not None:
            prompt.close()
            prompt = None
        elif l.startswith("HANGUP"):
            return 0
        elif l.startswith("COLLECT") and steps:
            step = steps.pop(0)
            if step == "bye":
                ln.send("BYE\n")
                return 0
            assert step.startswith("k:"), "at COLLECT, step " + step
            ln.send("KEY %s\n" % step[2:])
        elif l.startswith("RECORD") and steps:
            step = steps.pop(0)
            if step.startswith("r:"):
                ln.audio(tone(float(step[2:])))
                ln.send("KEY #\n")
            elif step.startswith("R:"):
                ln.audio(tone(float(step[2:])))
                ln.send("BYE\n")
                return 0
            elif step.startswith("K:"):
                secs, pid = step[2:].split(":")
                t0 = time.monotonic()
                sent = 0
                # 100 ms blocks, paced like a person on the telephone
                while time.monotonic() - t0 < float(secs):
                    ln.audio(tone(0.1, sent))
                    sent += 800
                    time.sleep(max(0, t0 + sent / 8000 -
                                   time.monotonic()))
                os.kill(int(pid), signal.SIGKILL)
                print("killed after sending %.3f s" % (sent / 8000))
                return 0
            else:
                raise AssertionError("at RECORD, step " + step)


if __name__ == "__main__":
    sys.exit(main())
